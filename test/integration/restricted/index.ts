// Runs in the extension host of a workbench in Restricted Mode (workspace trust on, the folder not
// trusted): the editor works, what runs a program refuses with a message and runs nothing.
// Results go to $EXT_TEST_RESULT; then waits for $EXT_TEST_RELEASE (the harness's palette check).
import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Api } from '../../../src/extension/extension.js';
import { runMocha } from '../suite/mocha.js';
import { waitFor } from '../suite/wait.js';

const EXT_ID = 'ckpt-inspector.ckpt-inspector';

function register(): void {
  describe('Restricted Mode', function () {
    this.timeout(60000);
    const sample = process.env.CKPT_TEST_SAMPLE!;
    const sshCalled = process.env.CKPT_TEST_SSH_MARKER!;

    it('the workspace is untrusted and the extension is active there', async () => {
      assert.equal(vscode.workspace.isTrusted, false);
      const ext = vscode.extensions.getExtension<Api>(EXT_ID);
      assert.ok(ext);
      await ext.activate();
      assert.equal(ext.isActive, true);
    });

    it('an image opens and renders, and an edit applies', async () => {
      const api = await vscode.extensions.getExtension<Api>(EXT_ID)!.activate();
      const uri = vscode.Uri.file(sample);
      await vscode.commands.executeCommand('vscode.openWith', uri, 'ckptInspector.editor');
      const e = await waitFor('the editor', () => api.provider.editorsOf(uri)[0]);
      await waitFor('its first render', () => e.rendered.some((r) => r.generation === e.document.generation));
      const slave = e.document.model.img!.ttys.findIndex((t) => t.role === 'slave');
      const r = api.provider.edit(e.document, `ttys[${slave}].winsize.ws_col`, '99');
      assert.equal(r.changed, true);
    });

    for (const [command, what] of [
      ['ckptInspector.restoreToRemote', 'Restore to Remote Host'],
      ['ckptInspector.openTerminal', 'Open Terminal with ckpt-inspect'],
    ] as const) {
      it(`${what}, invoked anyway, says that it needs trust and runs nothing`, async () => {
        const api = await vscode.extensions.getExtension<Api>(EXT_ID)!.activate();
        const seen: string[] = [];
        api.restoreHooks.onMessage = (m) => seen.push(m);
        const terminals = vscode.window.terminals.length;
        try {
          await vscode.commands.executeCommand(command, vscode.Uri.file(sample));
        } finally {
          api.restoreHooks.onMessage = undefined;
        }
        assert.equal(seen.length, 1, JSON.stringify(seen));
        assert.match(seen[0]!, new RegExp(`^${what} runs programs .*Restricted Mode.*Trust this workspace`));
        assert.equal(existsSync(sshCalled), false, 'ssh was started');
        assert.equal(vscode.window.terminals.length, terminals, 'a terminal was opened');
      });
    }
  });
}

export async function run(): Promise<void> {
  const { passes, failures } = await runMocha(register);
  const resultFile = process.env.EXT_TEST_RESULT;
  if (resultFile) writeFileSync(resultFile, JSON.stringify({ passed: passes.length, failed: failures.length, passes, failures }, null, 2));
  const release = process.env.EXT_TEST_RELEASE;
  const until = Date.now() + 120000;
  while (release && !existsSync(release) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}
