// setPositions maps each set bit back to its ring position; here it is held against testBit asked
// for every one of the 4096 positions (the forward mapping of the format reference §3.2), on every
// producing layout, for sparse, dense and odd-length bitmaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BitmapLayout, setPositions, testBit } from '../../src/parser/read-flags.js';
import { rng } from '../lib/images.js';

const LAYOUTS: BitmapLayout[] = [
  { littleEndian: true, wordBits: 32 },
  { littleEndian: false, wordBits: 32 },
  { littleEndian: false, wordBits: 64 },
  { littleEndian: true, wordBits: 64 },
];

function byTestBit(map: Uint8Array, l: BitmapLayout): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4096; i++) if (testBit(map, i, l)) out.push(i);
  return out;
}

test('setPositions gives the positions testBit finds set, ascending, on every layout', () => {
  const r = rng(7);
  for (const len of [512, 0, 1, 100, 513, 600]) {
    for (const density of [0, 0.002, 0.05, 0.5, 1]) {
      const map = new Uint8Array(len);
      for (let i = 0; i < len; i++) for (let b = 0; b < 8; b++) if (r() < density) map[i] |= 1 << b;
      for (const l of LAYOUTS) assert.deepEqual(setPositions(map, l), byTestBit(map, l), `len ${len} density ${density} ${JSON.stringify(l)}`);
    }
  }
});
