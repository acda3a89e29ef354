// First contact with the extension in a real VS Code: `.ckpt` files that are not Linux-CR images
// (a PyTorch Lightning style zip, a pickle), an image on a file system that is not `file:`, and
// the ckpt-inspect launcher the integrated terminal gets on PATH.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../../src/extension/extension.js';
import type { Manifest } from '../fixtures.js';
import { MemFs } from './memfs.js';
import { waitFor } from './wait.js';

const EXT_ID = 'ckpt-inspector.ckpt-inspector';
const VIEW = 'ckptInspector.editor';

async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXT_ID);
  assert.ok(ext, 'extension is loaded');
  return ext.activate();
}

function tabsOf(uri: vscode.Uri): vscode.Tab[] {
  const key = uri.toString();
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => (t.input instanceof vscode.TabInputCustom || t.input instanceof vscode.TabInputText) && t.input.uri.toString() === key);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerFirstContactTests(): void {
  describe('First contact', function () {
    this.timeout(60000);
    const ws = process.env.CKPT_TEST_WORKSPACE!;
    const m = JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;

    for (const name of ['lightning-zip.ckpt', 'pickle.ckpt']) {
      it(`${name} (not a Linux-CR image) opens in the default editor, with nothing in the Problems panel`, async () => {
        const uri = vscode.Uri.file(join(ws, name));
        await vscode.commands.executeCommand('vscode.open', uri);
        const tab = await waitFor('the default editor tab', () => {
          const t = tabsOf(uri);
          return t.length === 1 && t[0]!.input instanceof vscode.TabInputText ? t[0] : null;
        });
        assert.ok(tab.input instanceof vscode.TabInputText);
        assert.equal(tabsOf(uri).filter((t) => t.input instanceof vscode.TabInputCustom).length, 0, 'no checkpoint editor tab left');
        const p = (await api()).provider;
        assert.ok(p.foreign.log.includes(uri.toString()), 'handed over by the checkpoint editor');
        // An image's diagnostics are published after its first render, or 3 s after the open.
        await sleep(3500);
        assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
        assert.equal(p.editorsOf(uri).length, 0);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      });
    }

    it('an image on a file system that is not file: (memfs) opens and renders', async () => {
      const fs = new MemFs();
      const reg = vscode.workspace.registerFileSystemProvider('ckptmem', fs, { isCaseSensitive: true });
      try {
        const uri = vscode.Uri.from({ scheme: 'ckptmem', path: '/bug-report/sample.ckpt' });
        fs.put(uri.path, readFileSync(m.sample));
        const zip = vscode.Uri.from({ scheme: 'ckptmem', path: '/bug-report/model.ckpt' });
        fs.put(zip.path, readFileSync(join(ws, 'lightning-zip.ckpt')));
        await vscode.commands.executeCommand('vscode.openWith', uri, VIEW);
        const p = (await api()).provider;
        const e = await waitFor('the memfs editor', () => p.editorsOf(uri)[0]);
        await waitFor('its first render', () => e.rendered.some((r) => r.generation === e.document.generation));
        assert.equal(e.document.bytes.length, statSync(m.sample).size);
        assert.ok((e.document.model.img?.ttys.length ?? 0) >= 2, 'the pty pair is there');
        const s = await vscode.commands.executeCommand<{ errors?: number }>('ckptInspector.internal.stats');
        assert.equal(s?.errors, 0);
        // And a zip there goes to the default editor as from a file: folder.
        await vscode.commands.executeCommand('vscode.open', zip);
        await waitFor('the default editor of the memfs zip', () => tabsOf(zip).find((t) => t.input instanceof vscode.TabInputText));
        assert.ok(p.foreign.log.includes(zip.toString()));
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        reg.dispose();
      }
    });

    it('puts a ckpt-inspect launcher on PATH that runs the bundled CLI with the editor\'s Node', async () => {
      const dir = (await api()).cliDir;
      assert.ok(dir, 'launcher installed');
      const launcher = join(dir, 'ckpt-inspect');
      assert.ok(existsSync(launcher));
      assert.ok((statSync(launcher).mode & 0o111) !== 0, 'executable');
      assert.ok(readFileSync(launcher, 'utf8').includes(process.execPath), 'runs this extension host\'s node');
      const out = execFileSync(launcher, ['--json', m.sample], { encoding: 'utf8' });
      assert.equal((JSON.parse(out) as { ttys: unknown[] }).ttys.length > 0, true);
    });
  });
}
