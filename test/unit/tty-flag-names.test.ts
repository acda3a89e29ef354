// ttyFlagNames tests the low word's bits as a number; here it is held against the plain bigint
// reading of every bit of TTY_FLAG_BITS on seeded 64-bit values (low-only, high-only, all bits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TTY_FLAG_BITS, ttyFlagNames } from '../../src/parser/names.js';

function reference(flags: bigint): string[] {
  const out: string[] = [];
  let rest = flags;
  for (const b of TTY_FLAG_BITS) {
    const m = 1n << BigInt(b.bit);
    if (flags & m) {
      out.push(b.name);
      rest &= ~m;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

test('ttyFlagNames names the bits the bigint reading names, and gives the rest in hex', () => {
  let x = 0x9e3779b97f4a7c15n;
  const values = [0n, 1n, 0xa00n, 0x80a00n, 0xffffffffn, 1n << 32n, 1n << 63n, 0xffffffffffffffffn];
  for (let i = 0; i < 3000; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    values.push(i % 3 === 0 ? x : i % 3 === 1 ? x & 0xffffffn : x & 0xffffffff00000000n);
  }
  for (const v of values) assert.deepEqual(ttyFlagNames(v), reference(v), `0x${v.toString(16)}`);
});
