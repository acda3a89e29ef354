// Editing in the real VS Code (issue 4): edits through the provider (the webview's edit request
// path) and VS Code's own commands for save, undo, redo and revert; hot-exit backup and reopen;
// dirty state from the tab; a save that fails leaves the file alone and says why; saving an image
// with errors asks first. The harness (run.mjs) drives the same through the webview's controls.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CkptEditorProvider } from '../../../src/extension/provider.js';
import type { CkptDocument } from '../../../src/extension/document.js';
import type { Manifest } from '../fixtures.js';
import { diagCode, waitFor } from './wait.js';
import { openRendered, provider } from './open.js';
import { editForPath } from '../../../src/parser/edit-paths.js';
import { applySplices } from '../../../src/parser/encode.js';
import { openImage } from '../../../src/parser/image.js';
import { T } from '../../../src/parser/layout.js';

const manifest = () => JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;

/** A fresh copy of the sample, opened in the checkpoint editor and rendered. */
async function openCopy(name: string, from = manifest().sample): Promise<{ file: string; doc: CkptDocument; p: CkptEditorProvider }> {
  const file = join(process.env.CKPT_TEST_WORKSPACE!, name);
  copyFileSync(from, file);
  return { file, ...(await openRendered(file)) };
}

function tabOf(file: string): vscode.Tab | undefined {
  for (const g of vscode.window.tabGroups.all) for (const t of g.tabs) if (t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === file) return t;
  return undefined;
}
const dirty = (file: string) => tabOf(file)?.isDirty ?? false;
const disk = (file: string) => new Uint8Array(readFileSync(file));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function slave(doc: CkptDocument) {
  const img = doc.model.img!;
  const n = img.ttys.findIndex((t) => t.role === 'slave');
  return { n, t: img.ttys[n] };
}
const ECHO = 0o10;

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function registerEditTests(): void {
  describe('Checkpoint editor: editing', function () {
    this.timeout(60000);
    afterEach(async () => {
      const p = await provider();
      p.hooks.confirmSave = p.hooks.write = p.hooks.onError = undefined;
      // Leave nothing dirty behind (closeAll would otherwise ask).
      for (const g of vscode.window.tabGroups.all) for (const t of g.tabs) if (t.isDirty) {
        await vscode.window.tabGroups.close(t, true).then(undefined, () => undefined);
      }
      await closeAll();
    });

    it('an edit marks the document dirty, Save writes it, undo after the save makes the reverse change, Save again restores the file', async () => {
      const { file, doc, p } = await openCopy('edit-undo.ckpt');
      const original = disk(file);
      const { n } = slave(doc);
      const r = p.edit(doc, `ttys[${n}].termios.c_lflag.ECHO`, '0');
      assert.equal(r.changed, true);
      assert.match(r.description, /c_lflag/);
      assert.equal(slave(doc).t.termios.c_lflag.value & ECHO, 0);
      await waitFor('dirty', () => dirty(file));
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('clean after save', () => !dirty(file));
      assert.ok(same(disk(file), doc.bytes), 'the file has the edited bytes');
      assert.equal(doc.hasUnsavedChanges, false);
      await vscode.commands.executeCommand('undo');
      await waitFor('ECHO back on', () => (slave(doc).t.termios.c_lflag.value & ECHO) !== 0);
      await waitFor('dirty after undo', () => dirty(file));
      assert.ok(same(doc.bytes, original), 'undo restores the original bytes in the document');
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('clean', () => !dirty(file));
      assert.ok(same(disk(file), original), 'saved after undo: the original bytes');
      await vscode.commands.executeCommand('redo');
      await waitFor('ECHO off again', () => (slave(doc).t.termios.c_lflag.value & ECHO) === 0);
      assert.ok(dirty(file));
    });

    it('edits re-validate: the Problems panel gets the new error, undo removes it', async () => {
      const { file, doc, p } = await openCopy('edit-diag.ckpt');
      const { n } = slave(doc);
      const uri = vscode.Uri.file(file);
      const r = p.edit(doc, `ttys[${n}].ldisc.datalen`, '5000');
      assert.ok(r.errors >= 1, 'the outcome counts the error');
      await waitFor('LDISC_DATALEN in Problems', () => vscode.languages.getDiagnostics(uri).some((d) => diagCode(d) === 'LDISC_DATALEN'));
      await waitFor('dirty (the edit reached the edit stack)', () => dirty(file));
      await vscode.commands.executeCommand('undo');
      await waitFor('gone after undo', () => !vscode.languages.getDiagnostics(uri).some((d) => diagCode(d) === 'LDISC_DATALEN'));
    });

    it('invalid input is rejected with the EditError message and changes nothing', async () => {
      const { file, doc, p } = await openCopy('edit-invalid.ckpt');
      const before = doc.bytes.slice();
      const { n } = slave(doc);
      assert.throws(() => p.edit(doc, `ttys[${n}].winsize.ws_col`, 'wide'), /is not a number/);
      assert.throws(() => p.edit(doc, `ttys[${n}].winsize.ws_col`, '70000'), /does not fit/);
      assert.throws(() => p.edit(doc, `ttys[${n}].termios.c_cc.VINTR`, '^^^'), /not a control character/);
      assert.ok(same(doc.bytes, before));
      assert.equal(dirty(file), false);
      const r = p.edit(doc, `ttys[${n}].winsize.ws_col`, String(slave(doc).t.winsize.ws_col.value));
      assert.equal(r.changed, false, 'the same value is no edit');
      assert.equal(dirty(file), false);
    });

    it('dirty exactly when the bytes differ from the file: values set back by new edits leave it clean, and nothing is written', async () => {
      const { file, doc, p } = await openCopy('edit-back.ckpt');
      const original = disk(file);
      const mtime = statSync(file).mtimeMs;
      const { n, t } = slave(doc);
      const col = String(t.winsize.ws_col.value);
      p.edit(doc, `ttys[${n}].termios.c_lflag.ECHO`, '0');
      await waitFor('dirty', () => dirty(file));
      p.edit(doc, `ttys[${n}].winsize.ws_col`, col === '132' ? '100' : '132');
      p.edit(doc, `ttys[${n}].termios.c_lflag.ECHO`, '1');
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(dirty(file), 'ws_col still differs: dirty');
      assert.equal(doc.hasUnsavedChanges, true);
      p.edit(doc, `ttys[${n}].winsize.ws_col`, col);
      await waitFor('clean once the bytes are the file\'s again', () => !dirty(file));
      assert.equal(doc.hasUnsavedChanges, false);
      assert.ok(same(doc.bytes, original));
      assert.equal(statSync(file).mtimeMs, mtime, 'nothing was written');
      // Away from the file's bytes and back, through the edit stack.
      await vscode.commands.executeCommand('undo');
      await waitFor('dirty after undo', () => dirty(file));
      await vscode.commands.executeCommand('redo');
      await waitFor('clean after redo', () => !dirty(file));
      assert.equal(statSync(file).mtimeMs, mtime, 'still nothing written');
    });

    it('a large image read sparsely: a field, the pending input and raw bytes inside a page BUFFER on disk; backup, Save and undo give the bytes the parser\'s own edits give', async function () {
      const large = manifest().large;
      if (!large) this.skip();
      this.timeout(120000);
      const { file, doc, p } = await openCopy('large-edit.ckpt', large);
      const original = disk(file);
      assert.ok(doc.bytesOnDisk > original.length * 0.9, `${doc.bytesOnDisk} of ${original.length} bytes left on disk`);
      // The oracle: the same edits planned and applied by the parser on a whole copy of the file.
      let want: Uint8Array = original;
      const n = doc.model.img!.ttys.findIndex((t, i) => i >= doc.model.img!.ttys.length / 2 && t.role === 'slave');
      const edits: [string, string][] = [
        [`ttys[${n}].winsize.ws_col`, '132'],
        [`ttys[${n}].ldisc.data`, 'make\\n'],
      ];
      for (const [path, value] of edits) {
        want = applySplices(want, editForPath(openImage(want), path, value).splices).bytes;
        assert.equal(p.edit(doc, path, value).changed, true, path);
      }
      // Raw bytes in the middle of the next page BUFFER (left on disk until now).
      const img = openImage(want);
      const k = Array.from({ length: img.index.count }, (_, i) => i).find((i) => i > doc.model.img!.ttys[n].record && img.index.types[i] === T.BUFFER && img.index.lens[i] > 65536)!;
      const raw = `bytes@${img.index.offsets[k] + 40000}`;
      want = applySplices(want, editForPath(img, raw, 'hex:deadbeef').splices).bytes;
      p.edit(doc, raw, 'hex:deadbeef');
      const dest = vscode.Uri.file(join(process.env.CKPT_TEST_WORKSPACE!, '.backup', 'large-edit.bak'));
      const b = await p.backupCustomDocument(doc, { destination: dest }, new vscode.CancellationTokenSource().token);
      assert.ok(same(disk(dest.fsPath), want), 'the backup holds the edited bytes, the page BUFFERs read from the file');
      b.delete();
      await waitFor('dirty', () => dirty(file));
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('clean after save', () => !dirty(file));
      assert.ok(same(disk(file), want), 'saved: the edited bytes');
      for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('undo');
      await waitFor('dirty after undoing all', () => dirty(file));
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('clean', () => !dirty(file));
      assert.ok(same(disk(file), original), 'saved after undoing everything: the original bytes');
    });

    it('Save of an unedited document writes identical bytes', async () => {
      const { file, doc, p } = await openCopy('edit-identity.ckpt');
      const original = disk(file);
      await p.saveCustomDocument(doc);
      assert.ok(same(disk(file), original));
    });

    it('a buffer edit, Save As, and Revert', async () => {
      const { file, doc, p } = await openCopy('edit-saveas.ckpt');
      const original = disk(file);
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].ldisc.data`, 'make test\\n');
      assert.equal(new TextDecoder().decode(slave(doc).t.ldisc!.buffer!.data), 'make test\n');
      const other = vscode.Uri.file(join(process.env.CKPT_TEST_WORKSPACE!, 'edit-saveas-copy.ckpt'));
      await p.saveCustomDocumentAs(doc, other);
      assert.ok(same(disk(other.fsPath), doc.bytes));
      assert.ok(same(disk(file), original), 'Save As leaves the original file alone');
      await waitFor('dirty', () => dirty(file));
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await waitFor('reverted', () => same(doc.bytes, original) && !dirty(file));
      assert.equal(new TextDecoder().decode(slave(doc).t.ldisc!.buffer!.data).includes('make test'), false);
    });

    it('hot-exit backup holds the current bytes; reopening from it restores them', async () => {
      const { file, doc, p } = await openCopy('edit-backup.ckpt');
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].winsize.ws_row`, '50');
      const dest = vscode.Uri.file(join(process.env.CKPT_TEST_WORKSPACE!, '.backup', 'edit-backup.bak'));
      const b = await p.backupCustomDocument(doc, { destination: dest });
      assert.ok(same(disk(dest.fsPath), doc.bytes));
      const opened = await p.openCustomDocument(vscode.Uri.file(file), { backupId: b.id, untitledDocumentData: undefined });
      // (The extension's classes are not this bundle's: no instanceof.)
      assert.ok('bytes' in opened, 'an image, not a foreign file');
      const reopened = opened as CkptDocument;
      try {
        assert.ok(same(reopened.bytes, doc.bytes), 'restored from the backup, not the file');
        assert.equal(slave(reopened).t.winsize.ws_row.value, 50);
        assert.equal(reopened.hasUnsavedChanges, true);
      } finally {
        reopened.dispose();
      }
      b.delete();
      await waitFor('backup deleted', () => !existsSync(dest.fsPath));
    });

    it('a save that fails leaves the original untouched, removes its temporary file and shows the SaveError', async () => {
      const { file, doc, p } = await openCopy('edit-fail.ckpt');
      const original = disk(file);
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].termios.c_lflag.ECHO`, '0');
      const errors: string[] = [];
      p.hooks.onError = (m) => errors.push(m);
      p.hooks.write = { afterTempWritten: () => { throw new Error('injected: disk full'); } };
      await assert.rejects(p.saveCustomDocument(doc), /injected: disk full; the original file is unchanged/);
      assert.ok(same(disk(file), original), 'original bytes unchanged');
      assert.equal(errors.length, 1);
      assert.match(errors[0], /could not save .*edit-fail\.ckpt: injected: disk full; the original file is unchanged/);
      assert.deepEqual(readdirSync(process.env.CKPT_TEST_WORKSPACE!).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
      assert.equal(doc.hasUnsavedChanges, true);
      p.hooks.write = undefined;
      await p.saveCustomDocument(doc);
      assert.ok(same(disk(file), doc.bytes));
    });

    it('an edit made while a save writes the file: the save writes again, and the file ends with the edit', async () => {
      const { file, doc, p } = await openCopy('edit-during-save.ckpt');
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].termios.c_lflag.ECHO`, '0');
      let edited = false;
      // Between the temporary file's last byte and its rename: the latest moment an edit can come in.
      p.hooks.write = {
        afterTempWritten: () => {
          if (edited) return;
          edited = true;
          p.edit(doc, `ttys[${n}].winsize.ws_col`, '123');
        },
      };
      await p.saveCustomDocument(doc);
      assert.ok(edited);
      assert.equal(slave(doc).t.winsize.ws_col.value, 123);
      assert.ok(same(disk(file), doc.bytes), 'the file holds the edit made during the save');
      assert.equal(doc.hasUnsavedChanges, false);
    });

    it('saving an image with errors asks first ("Save Anyway"); declining saves nothing', async () => {
      const { file, doc, p } = await openCopy('edit-errors.ckpt');
      const original = disk(file);
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].ldisc.datalen`, '5000');
      const asked: string[] = [];
      p.hooks.confirmSave = async (m) => (asked.push(m), undefined);
      await assert.rejects(p.saveCustomDocument(doc), (e: Error) => e instanceof vscode.CancellationError);
      assert.ok(same(disk(file), original), 'declined: nothing written');
      assert.match(asked[0], /error\(s\).*LDISC_DATALEN/);
      p.hooks.confirmSave = async () => 'Save Anyway';
      await p.saveCustomDocument(doc);
      assert.ok(same(disk(file), doc.bytes));
      await vscode.workspace.getConfiguration('ckptInspector').update('confirmSaveWithErrors', false, vscode.ConfigurationTarget.Global);
      try {
        p.hooks.confirmSave = async (m) => (asked.push(m), undefined);
        p.edit(doc, `ttys[${n}].ldisc.datalen`, '5001');
        await p.saveCustomDocument(doc);
        assert.equal(asked.length, 1, 'not asked with the setting off');
      } finally {
        await vscode.workspace.getConfiguration('ckptInspector').update('confirmSaveWithErrors', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('field edits and pending-input edits are patched in place (no re-parse); removing the BUFFER record rebuilds', async () => {
      const { doc, p } = await openCopy('edit-patch.ckpt');
      const { n } = slave(doc);
      p.edit(doc, `ttys[${n}].winsize.ws_col`, '132');
      assert.equal(doc.editTimings.at(-1)?.model, 'patched');
      // Another length: the records after the BUFFER move (src/parser/rebase.ts).
      p.edit(doc, `ttys[${n}].ldisc.data`, 'x');
      assert.equal(doc.editTimings.at(-1)?.model, 'patched');
      // No pending input: the BUFFER record goes and the records after it are renumbered.
      p.edit(doc, `ttys[${n}].ldisc.data`, '');
      assert.equal(doc.editTimings.at(-1)?.model, 'rebuilt');
    });
  });
}
