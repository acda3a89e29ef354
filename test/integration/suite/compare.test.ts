// Compare two images in a real VS Code (code-server): the commands open the compare panel, and the
// panel's webview reads back its own DOM (ckptInspector.internal.compareProbe) to say what it shows.
// The images differ in two known fields written here at offsets from the format notes (§10.2 struct
// ckpt_hdr_tty: c_lflag __u16 at 46, ws_col __u16 at 66) from the fixture manifest's TTY offsets.
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CompareProbe } from '../../../src/editor/compare-view.js';
import type { Manifest } from '../fixtures.js';
import { openRendered } from './open.js';
import { waitFor } from './wait.js';

const C_LFLAG = 46;
const WS_COL = 66;
const ECHO = 0o10; // termios.h

const probe = () => vscode.commands.executeCommand<CompareProbe | null | undefined>('ckptInspector.internal.compareProbe');
const hexOff = (n: number) => `0x${n.toString(16)} (${n})`;

/** The compare panel's DOM once it shows `state` and satisfies `ok`. */
function shown(state: CompareProbe['state'], what: string, ok: (p: CompareProbe) => boolean = () => true): Promise<CompareProbe> {
  return waitFor(what, async () => {
    const p = await probe();
    return p && p.state === state && ok(p) ? p : null;
  });
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function registerCompareTests(): void {
  describe('Compare images', function () {
    this.timeout(60000);
    const ws = process.env.CKPT_TEST_WORKSPACE!;
    const m = JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;
    const a = join(ws, 'compare-a.ckpt');
    const b = join(ws, 'compare-b.ckpt');
    const same = join(ws, 'compare-same.ckpt');
    let lflag = 0;
    let col = 0;

    before(() => {
      copyFileSync(m.sample, a);
      copyFileSync(m.sample, same);
      const bytes = readFileSync(m.sample);
      lflag = bytes.readUInt16LE(m.slaveTtyOffset + C_LFLAG);
      col = bytes.readUInt16LE(m.masterTtyOffset + WS_COL);
      assert.ok(lflag & ECHO, 'the sample slave echoes');
      bytes.writeUInt16LE(lflag & ~ECHO, m.slaveTtyOffset + C_LFLAG);
      bytes.writeUInt16LE(col === 132 ? 100 : 132, m.masterTtyOffset + WS_COL);
      writeFileSync(b, bytes);
    });
    after(closeAll);

    it('Compare with… from the checkpoint editor: exactly the two changed fields, with their offsets in each file, marked', async () => {
      await closeAll();
      await openRendered(a);
      await vscode.commands.executeCommand('ckptInspector.compareWith', undefined, vscode.Uri.file(b));
      const p = await shown('differs', 'the compare panel');
      const fields = p.rows.filter((r) => r.kind === 'field');
      const newCol = col === 132 ? 100 : 132;
      const num = (n: number) => `${n} (0x${n.toString(16)})`;
      assert.deepEqual(
        fields.map((r) => [r.label, r.offsetA, r.offsetB, r.a, r.b, r.change, r.marked]),
        [
          ['ws_col', hexOff(m.masterTtyOffset + WS_COL), hexOff(m.masterTtyOffset + WS_COL), num(col), num(newCol), 'changed', true],
          ['c_lflag', hexOff(m.slaveTtyOffset + C_LFLAG), hexOff(m.slaveTtyOffset + C_LFLAG), num(lflag), num(lflag & ~ECHO), '−ECHO', true],
        ],
      );
      const records = p.rows.filter((r) => r.kind === 'record');
      assert.equal(records.length, 2);
      assert.match(records[0]?.label ?? '', /TTY objref \d+ \(master of \/dev\/pts\/\d+\)/);
      assert.match(records[1]?.label ?? '', new RegExp(`TTY objref ${m.slaveObjref} \\(slave of /dev/pts/${m.ptsIndex}\\)`));
      assert.match(p.count, /^2 differences \(2 record\(s\) changed, 0 only in A, 0 only in B\)$/);
      assert.match(p.summary, /A compare-a\.ckpt .* B compare-b\.ckpt/);
    });

    it('next and previous difference move the focus between the differing fields, wrapping around', async () => {
      const focusAfter = async (cmd: string, label: string, stop: number) => {
        await vscode.commands.executeCommand(cmd);
        return shown('differs', `focus on ${label}`, (p) => p.focusedStop === stop && p.focusedLabel === label && p.position === `Difference ${stop + 1} of 2`);
      };
      await focusAfter('ckptInspector.nextDifference', 'ws_col', 0);
      await focusAfter('ckptInspector.nextDifference', 'c_lflag', 1);
      await focusAfter('ckptInspector.nextDifference', 'ws_col', 0);
      await focusAfter('ckptInspector.previousDifference', 'c_lflag', 1);
      await focusAfter('ckptInspector.previousDifference', 'ws_col', 0);
    });

    it('equal images say so', async () => {
      await vscode.commands.executeCommand('ckptInspector.compareWith', vscode.Uri.file(a), vscode.Uri.file(same));
      const p = await shown('equal', 'the equal images');
      assert.match(p.summary, /The images are identical \([\d,]+ bytes\)\.$/);
      assert.deepEqual(p.rows, []);
    });

    it('the explorer command with two selected files compares them; with three it says to select two', async () => {
      const ua = vscode.Uri.file(a);
      const ub = vscode.Uri.file(b);
      await vscode.commands.executeCommand('ckptInspector.compareSelected', ub, [ua, ub]);
      const p = await shown('differs', 'the explorer comparison', (x) => /A compare-a\.ckpt .* B compare-b\.ckpt/.test(x.summary));
      assert.deepEqual(p.rows.filter((r) => r.kind === 'field').map((r) => r.label), ['ws_col', 'c_lflag']);
      const r = await vscode.commands.executeCommand('ckptInspector.compareSelected', ua, [ua, ub, vscode.Uri.file(same)]);
      assert.equal(r, undefined);
    });

    it('a file that is not a Linux-CR image: the panel names the file, offset and field, no internal error', async () => {
      const zip = join(ws, 'compare-zip.ckpt');
      writeFileSync(zip, Buffer.from('PK\u0003\u0004 not a checkpoint image at all'));
      await vscode.commands.executeCommand('ckptInspector.compareWith', vscode.Uri.file(a), vscode.Uri.file(zip));
      const p = await shown('refused', 'the refusal');
      assert.equal(p.errors.length, 1);
      assert.match(p.errors[0] ?? '', /^B compare-zip\.ckpt: offset 0, field HEADER: not a Linux-CR checkpoint image: it does not start with a Linux-CR HEADER record/);
      assert.doesNotMatch(p.errors[0] ?? '', /internal error/i);
    });
  });
}
