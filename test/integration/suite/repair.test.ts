// Quick Fixes in the real VS Code (issue 15): a damaged copy of the sample opened in the checkpoint
// editor; its problem in VS Code's Problems view links (the code's target) to the Quick Fix
// command, which repairs the bytes as one undoable edit; undo and redo; Fix All Unambiguous.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CkptEditorProvider } from '../../../src/extension/provider.js';
import type { CkptDocument } from '../../../src/extension/document.js';
import type { Manifest } from '../fixtures.js';
import { encodeInt } from '../../../src/parser/encode.js';
import { openImage } from '../../../src/parser/image.js';
import { waitFor } from './wait.js';
import { openRendered } from './open.js';

const manifest = () => JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** The sample with the canonical slave's datalen (and, with `tail`, the TAIL magic) damaged. */
function damaged(sample: Uint8Array, tail = false): Uint8Array {
  const img = openImage(sample);
  const l = img.ttys.find((t) => t.role === 'slave' && t.ldisc?.buffer)!.ldisc!;
  const out = sample.slice();
  out.set(encodeInt(l.datalen.value + 3, 4, img.littleEndian), l.datalen.offset);
  if (tail) out[img.index.offsets[img.tailRecord] + 9] ^= 0x40;
  return out;
}

async function open(name: string, bytes: Uint8Array): Promise<{ file: string; doc: CkptDocument; p: CkptEditorProvider }> {
  const file = join(process.env.CKPT_TEST_WORKSPACE!, name);
  writeFileSync(file, bytes);
  return { file, ...(await openRendered(file)) };
}

function ckptDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'ckpt');
}

export function registerRepairTests(): void {
  describe('Checkpoint editor: Quick Fixes', function () {
    this.timeout(60000);
    afterEach(async () => {
      for (const g of vscode.window.tabGroups.all) for (const t of g.tabs) if (t.isDirty) await vscode.window.tabGroups.close(t, true).then(undefined, () => undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the Problems view links a repairable problem to the Quick Fix; running it restores the bytes as one edit, undo and redo', async () => {
      const sample = new Uint8Array(readFileSync(manifest().sample));
      const bad = damaged(sample);
      const { doc } = await open('quick-fix.ckpt', bad);
      const uri = doc.uri;
      const diag = await waitFor('the problem in the Problems view', () => ckptDiagnostics(uri).find((d) => typeof d.code === 'object' && d.code.value === 'LDISC_BUFFER_LEN'));
      const code = diag.code as { value: string; target: vscode.Uri };
      assert.equal(code.target.scheme, 'command');
      assert.equal(code.target.path, 'ckptInspector.quickFix');
      assert.match(diag.message, /Quick fix \(click the code\): datalen \d+ → \d+/);
      // What the Problems view does when the code is clicked: open the command URI, commands allowed.
      const args = JSON.parse(decodeURIComponent(code.target.query)) as unknown[];
      const outcome = (await vscode.commands.executeCommand(code.target.path, ...args)) as { changed: boolean; errors: number };
      assert.equal(outcome.changed, true);
      assert.equal(outcome.errors, 0);
      assert.ok(same(doc.bytes, sample), 'the repair gives back the original bytes');
      await waitFor('the problem gone from the Problems view', () => ckptDiagnostics(uri).every((d) => d.severity !== vscode.DiagnosticSeverity.Error));
      await vscode.commands.executeCommand('undo');
      await waitFor('undo of the repair', () => same(doc.bytes, bad));
      assert.ok(doc.model.diagnostics.some((d) => d.code === 'LDISC_BUFFER_LEN'));
      await vscode.commands.executeCommand('redo');
      await waitFor('redo of the repair', () => same(doc.bytes, sample));
    });

    it('an ambiguous problem is not applied by Fix All; Fix All Unambiguous applies the rest as one undoable edit', async () => {
      const sample = new Uint8Array(readFileSync(manifest().sample));
      const img = openImage(sample);
      const l = img.ttys.find((t) => t.role === 'slave' && t.ldisc?.icanon.value === 1)!.ldisc!;
      const bad = damaged(sample, true);
      // canon_datalen 9: the two readings of issue 15 (6, or a wrapped ring).
      bad.set(encodeInt(9, 4, img.littleEndian), l.canon_datalen.offset);
      const { doc, p } = await open('fix-all.ckpt', bad);
      const reps = doc.model.repairs();
      assert.ok(reps.some((r) => r.code === 'LDISC_CANON_DATALEN' && !r.unambiguous));
      const r = (await vscode.commands.executeCommand('ckptInspector.fixAllUnambiguous')) as { applied: number; ambiguous: number; changed: boolean };
      assert.equal(r.changed, true);
      assert.equal(r.applied, 2);
      const expected = sample.slice();
      expected.set(encodeInt(9, 4, img.littleEndian), l.canon_datalen.offset);
      assert.ok(same(doc.bytes, expected), 'datalen and the TAIL magic repaired, canon_datalen left for a choice');
      await new Promise((r) => setTimeout(r, 500));
      // The choice, as the panel's button sends it: the likelier reading.
      const amb = doc.model.repairs().find((x) => x.code === 'LDISC_CANON_DATALEN')!;
      assert.equal(p.applyRepair(doc, amb.code, amb.offset, 0).changed, true);
      assert.ok(same(doc.bytes, sample));
      // The edit reaches the workbench's undo stack through the main thread: an undo sent at once
      // could take back the edit before it.
      await new Promise((r) => setTimeout(r, 500));
      await vscode.commands.executeCommand('undo');
      await waitFor('undo of the choice', () => same(doc.bytes, expected));
      await vscode.commands.executeCommand('undo');
      await waitFor('one undo takes back all of Fix All', () => same(doc.bytes, bad));
    });
  });
}
