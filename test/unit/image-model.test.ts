// What the editor's model (src/editor/image-model.ts, no VS Code) does when it opens odd files: the
// record stream walked once, a file that does not start like an image not scanned at all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CkptModel } from '../../src/editor/image-model.js';
import { indexWork } from '../../src/parser/stream-index.js';
import { byteOrderOf, openImage } from '../../src/parser/image.js';
import { T } from '../../src/parser/layout.js';

const SAMPLE = new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')));

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('the full model uses the record index the editor built first (the stream is walked once)', () => {
  const walks = indexWork.walks;
  const m = new CkptModel(SAMPLE, 'pair.ckpt');
  assert.equal(indexWork.walks - walks, 1);
  assert.ok(m.img);
  assert.equal(m.img.index, m.index);
  assert.equal(m.notImage, null);
});

test('an image followed by 32 MiB of zeros: indexed once, one framing error, nothing examined byte by byte', () => {
  const before = indexWork.resyncProbes;
  const walks = indexWork.walks;
  const m = new CkptModel(cat(SAMPLE, new Uint8Array(32 << 20)), 'tail.ckpt');
  assert.ok(indexWork.resyncProbes - before < 100);
  assert.equal(indexWork.walks - walks, 1);
  assert.equal(m.img?.index, m.index);
  assert.deepEqual(
    m.diagnostics.filter((d) => d.code.startsWith('REC_')).map((d) => [d.code, d.offset]),
    [['REC_LEN_SHORT', SAMPLE.length]],
  );
});

test('a file of zeros, a zip and an empty file are not scanned: no record, no diagnostic, a note that says why', () => {
  const zip = cat(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), new Uint8Array(1 << 20).fill(7));
  for (const [name, bytes, why] of [
    ['zeros.ckpt', new Uint8Array(64 << 20), /does not start with a Linux-CR HEADER/],
    ['model.ckpt', zip, /does not start with a Linux-CR HEADER/],
    ['empty.ckpt', new Uint8Array(0), /the file is empty/],
  ] as const) {
    const walks = indexWork.walks;
    const m = new CkptModel(bytes, name);
    assert.equal(indexWork.walks, walks, name);
    assert.equal(m.index.count, 0, name);
    assert.equal(m.diagnostics.length, 0, name);
    assert.match(m.notImage ?? '', why, name);
    assert.match(m.modelNote ?? '', /Not a Linux-CR checkpoint image/, name);
  }
});

/** The sample with an ERROR record and its STRING (ckpt_write_err: '\0' + text + '\0') before TAIL. */
function withErrorRecord(text: Uint8Array): Uint8Array {
  const le = byteOrderOf(SAMPLE) ?? true;
  const img = openImage(SAMPLE);
  const tail = img.index.offsets[img.tailRecord];
  const rec = new Uint8Array(8 + 8 + text.length + 2);
  const v = new DataView(rec.buffer);
  v.setUint32(0, T.ERROR, le);
  v.setUint32(4, 8, le);
  v.setUint32(8, T.STRING, le);
  v.setUint32(12, 8 + text.length + 2, le);
  rec.set(text, 17);
  return cat(SAMPLE.subarray(0, tail), rec, SAMPLE.subarray(tail));
}

test('an ERROR record\'s text in the editor\'s problems: escaped (bidi override, ESC, BEL visible) and cut to 40 bytes', () => {
  const hostile = new TextEncoder().encode(`\u202Eexe.txt \x1b]0;owned\x07 ${'A'.repeat(10000)}`);
  const m = new CkptModel(withErrorRecord(hostile), 'err.ckpt');
  const views = m.diagnosticViews().filter((d) => d.code === 'ERROR_RECORD');
  assert.equal(views.length, 1);
  const msg = views[0].message;
  assert.doesNotMatch(msg, /[\u202e\u001b\u0007]/);
  const quoted = /"(.*)"/.exec(msg)?.[1] ?? '';
  assert.ok(quoted.startsWith('\\u{202e}exe.txt \\x1b]0;owned\\x07 AAAA'), quoted);
  // 40 bytes of the text, then how much more there was.
  assert.match(quoted, /^\\u\{202e\}exe\.txt \\x1b\]0;owned\\x07 A{18}…\(\d+ more bytes\)$/);
  // The same as VS Code's Problems panel gets (CkptModel.shown), while the CLI's list keeps its longer quote.
  assert.equal(m.shown(m.diagnostics.find((d) => d.code === 'ERROR_RECORD')!).message, msg);
  assert.ok(m.diagnostics.find((d) => d.code === 'ERROR_RECORD')!.message.length > msg.length);
});

test('the summary says which checks its counts come from: full, framing only (above fullModelMaxTtys), none (not an image)', () => {
  assert.equal(new CkptModel(SAMPLE, 'a.ckpt').init(1, {}).checked, 'full');
  const framing = new CkptModel(SAMPLE, 'a.ckpt', { maxTtys: 0 });
  assert.equal(framing.img, null);
  assert.equal(framing.init(1, {}).checked, 'framing');
  assert.equal(new CkptModel(new Uint8Array(100), 'z.ckpt').init(1, {}).checked, 'none');
});
