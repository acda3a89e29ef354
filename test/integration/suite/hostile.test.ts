// The editor in a real VS Code under odd files (issue 18): a gigabyte that is not an image, text from
// the image in the Problems panel, images over 4 GiB, a file truncated, deleted or changed under
// unsaved edits. Checked through the editor's own data, VS Code's Problems panel and the hooks
// through which the provider reports what it shows the person.
import * as assert from 'node:assert/strict';
import { closeSync, copyFileSync, openSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { byteOrderOf, openImage } from '../../../src/parser/image.js';
import { T } from '../../../src/parser/layout.js';
import type { Manifest } from '../fixtures.js';
import { diagCode, waitFor } from './wait.js';
import { openRendered, provider, VIEW } from './open.js';

const manifest = () => JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;
const ws = () => process.env.CKPT_TEST_WORKSPACE!;

function sparse(name: string, head: Uint8Array, size: number): string {
  const file = join(ws(), name);
  const fd = openSync(file, 'w');
  writeSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  truncateSync(file, size);
  return file;
}

async function closeAll(): Promise<void> {
  for (const g of vscode.window.tabGroups.all) for (const t of g.tabs) if (t.isDirty) await vscode.window.tabGroups.close(t, true).then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function registerHostileTests(): void {
  describe('Checkpoint editor: odd and hostile files', function () {
    this.timeout(90000);
    afterEach(async () => {
      const p = await provider();
      p.hooks.onError = p.hooks.onWarning = undefined;
      await closeAll();
    });

    it('a 1 GiB file of zeros named .ckpt: not taken for an image (no document reads it), no problem published', async () => {
      const file = sparse('zeros-1g.ckpt', new Uint8Array(0), 2 ** 30);
      const uri = vscode.Uri.file(file);
      try {
        await vscode.commands.executeCommand('vscode.openWith', uri, VIEW);
        await waitFor('a tab of the file', () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === file)));
        await new Promise((r) => setTimeout(r, 1500));
        const p = await provider();
        assert.equal(p.editorsOf(uri).filter((e) => e.document.loaded).length, 0, 'no checkpoint document loaded it');
        assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
      } finally {
        await closeAll();
        rmSync(file, { force: true });
      }
    });

    it('an ERROR record\'s text in VS Code\'s Problems panel: bidi override, ESC and BEL escaped, cut to 40 bytes', async () => {
      const sample = new Uint8Array(readFileSync(manifest().sample));
      const le = byteOrderOf(sample) ?? true;
      const img = openImage(sample);
      const tail = img.index.offsets[img.tailRecord];
      const text = new TextEncoder().encode(`\u202Eexe.txt \x1b[2J\x07${'B'.repeat(10000)}`);
      const rec = new Uint8Array(16 + text.length + 2);
      const v = new DataView(rec.buffer);
      v.setUint32(0, T.ERROR, le);
      v.setUint32(4, 8, le);
      v.setUint32(8, T.STRING, le);
      v.setUint32(12, 8 + text.length + 2, le);
      rec.set(text, 17);
      const bytes = new Uint8Array(sample.length + rec.length);
      bytes.set(sample.subarray(0, tail));
      bytes.set(rec, tail);
      bytes.set(sample.subarray(tail), tail + rec.length);
      const file = join(ws(), 'error-record.ckpt');
      writeFileSync(file, bytes);
      await openRendered(file);
      const diags = await waitFor('the Problems panel', () => {
        const d = vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((x) => diagCode(x) === 'ERROR_RECORD');
        return d.length ? d : null;
      });
      const msg = diags[0].message;
      assert.doesNotMatch(msg, /[\u202e\u001b\u0007]/, msg);
      const quoted = /"(.*)"/.exec(msg)?.[1] ?? '';
      assert.match(quoted, /^\\u\{202e\}exe\.txt \\x1b\[2J\\x07B{24}…\(\d+ more bytes\)$/, quoted);
    });

    it('an image over 4 GiB: a plain "not supported" message, not Node\'s "out of range"', async () => {
      const p = await provider();
      const errors: string[] = [];
      p.hooks.onError = (m) => errors.push(m);
      const file = sparse('huge.ckpt', new Uint8Array(readFileSync(manifest().sample)), 4 * 2 ** 30 + 4096);
      try {
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW);
        await waitFor('the error', () => errors.length > 0);
        assert.match(errors[0], /the editor opens images of up to \d+ bytes .*Larger images are not supported/);
        assert.doesNotMatch(errors.join('\n'), /out of range/);
      } finally {
        await closeAll();
        rmSync(file, { force: true });
      }
    });

    it('the open file truncated to 0 bytes: shown as empty, Go to Offset says there is no offset; then deleted: the editor says so', async () => {
      const file = join(ws(), 'truncated.ckpt');
      copyFileSync(manifest().sample, file);
      const { doc, p } = await openRendered(file);
      const gen = doc.generation;
      truncateSync(file, 0);
      await waitFor('the reload', () => doc.generation > gen && doc.loaded);
      const init = doc.model.init(doc.generation, {});
      assert.equal(init.size, 0);
      assert.equal(init.checked, 'none');
      assert.match(doc.model.modelNote ?? '', /the file is empty/);
      const errors: string[] = [];
      p.hooks.onError = (m) => errors.push(m);
      const r = await vscode.commands.executeCommand('ckptInspector.goToOffset');
      assert.equal(r, undefined);
      assert.match(errors[0] ?? '', /truncated\.ckpt is not shown as a Linux-CR image \(the file is empty\): there is no offset to go to/);
      rmSync(file);
      await waitFor('the deletion noticed', () => /deleted on disk/.test(doc.diskNote ?? ''));
    });

    it('unsaved edits, then the file changed on disk: the failed hot-exit backup is told, once', async () => {
      const large = manifest().large;
      assert.ok(large, 'the fixtures include the large (sparsely read) image');
      const file = join(ws(), 'backup-fails.ckpt');
      copyFileSync(large, file);
      const { doc, p } = await openRendered(file);
      assert.ok(doc.bytesOnDisk > 0, 'read sparsely');
      const n = doc.model.img!.ttys.findIndex((t) => t.role === 'slave');
      assert.equal(p.edit(doc, `ttys[${n}].winsize.ws_col`, '133').changed, true);
      const warnings: string[] = [];
      p.hooks.onWarning = (m) => warnings.push(m);
      // Another program rewrites the file in place (same size, new mtime).
      utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const dest = vscode.Uri.file(join(ws(), '.backup', 'backup-fails.bak'));
      for (let i = 0; i < 2; i++) await assert.rejects(p.backupCustomDocument(doc, { destination: dest }, new vscode.CancellationTokenSource().token));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /^Your unsaved edits to backup-fails\.ckpt are no longer backed up \(hot exit\): .*changed in place on disk.* Use Save As… to keep them\.$/);
      await waitFor('the banner note', () => /changed on disk/.test(doc.diskNote ?? ''));
    });
  });
}
