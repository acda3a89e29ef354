// The record index's resynchronisation after a framing break: the same answer as a scan that tries
// every byte (the reference below, the way the index once did it), with work that does not grow
// with the length of a run of zeros.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStream, indexWork } from '../../src/parser/stream-index.js';
import { referenceOffsets } from '../lib/resync-reference.js';
import { rng } from '../lib/images.js';

const SAMPLE = new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')));

function cat(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, b) => a + b.length, 0);
  // At an odd offset of its buffer, so the word-wise skip meets unaligned ends.
  const out = new Uint8Array(n + 3).subarray(3);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('after a run of zeros the index finds the records again, doing work independent of the run length', () => {
  for (const zeros of [9, 64, 4096, 1 << 20, 16 << 20]) {
    const bytes = cat(SAMPLE.subarray(0, 200), new Uint8Array(zeros), SAMPLE.subarray(200));
    const before = indexWork.resyncProbes;
    const idx = indexStream(bytes, true);
    const work = indexWork.resyncProbes - before;
    assert.deepEqual(Array.from(idx.offsets), referenceOffsets(bytes, true), `zeros ${zeros}`);
    assert.ok(idx.problems.some((p) => p.code === 'REC_RESYNC'), `zeros ${zeros}`);
    assert.ok(work < 2000, `zeros ${zeros}: ${work} positions examined one by one`);
  }
});

test('an image followed by 64 MiB of zeros: one break, no resync, a handful of positions examined', () => {
  const bytes = cat(SAMPLE, new Uint8Array(64 << 20));
  const before = indexWork.resyncProbes;
  const idx = indexStream(bytes, true);
  assert.ok(indexWork.resyncProbes - before < 100);
  assert.deepEqual(Array.from(idx.offsets), referenceOffsets(bytes, true));
  assert.deepEqual(
    idx.problems.map((p) => p.code),
    ['REC_LEN_SHORT'],
  );
});

test('the same records as the byte-by-byte rule on damaged images (random bytes, zero runs, lone non-zero bytes)', () => {
  const r = rng(18);
  for (let n = 0; n < 400; n++) {
    const parts: Uint8Array[] = [];
    let src = 0;
    while (src < SAMPLE.length) {
      const take = Math.min(SAMPLE.length - src, 1 + Math.floor(r() * 300));
      parts.push(SAMPLE.slice(src, src + take));
      src += take;
      const k = r();
      if (k < 0.3) parts.push(new Uint8Array(Math.floor(r() * 200)));
      else if (k < 0.45) {
        const z = new Uint8Array(Math.floor(r() * 100) + 8);
        z[Math.floor(r() * z.length)] = 1 + Math.floor(r() * 255);
        parts.push(z);
      } else if (k < 0.55) parts.push(Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
    }
    const bytes = cat(...parts);
    for (const le of [true, false]) assert.deepEqual(Array.from(indexStream(bytes, le).offsets), referenceOffsets(bytes, le), `case ${n} le ${le}`);
  }
});
