// The objhash table: dense for the small objrefs a kernel hands out, a map for wild ones, and a
// wild objref must not cost memory or time proportional to its value (a fuzz finding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjrefIndex, ObjrefSet } from '../../src/parser/objref-table.js';

test('a wild objref grows nothing: its value is not an array length', () => {
  const before = process.memoryUsage().arrayBuffers;
  const t = new ObjrefIndex();
  const s = new ObjrefSet();
  t.set(2 ** 30, 1);
  s.add(2 ** 30);
  // Both start with a few KiB of dense storage; growing it to the objref would be gigabytes.
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no dense storage up to the wild objref');
  assert.deepEqual([...t.values()], [1]);
  assert.equal(t.get(2 ** 30), 1);
  assert.ok(s.has(2 ** 30));
  assert.ok(!s.has(2 ** 30 - 1));
});

test('a set grown densely keeps earlier wild members', () => {
  const s = new ObjrefSet();
  s.add(6000);
  for (let r = 1; r <= 7000; r++) if (r !== 6000) s.add(r);
  for (let r = 1; r <= 7000; r++) assert.ok(s.has(r), String(r));
  assert.ok(!s.has(7001));
});

test('the typed objref index keeps small and wild objrefs, and 0 is a value, not "none"', () => {
  const t = new ObjrefIndex();
  const refs = [1, 2, 3, 5000, 1048579, -4, 0, 2 ** 31 - 1, 9000];
  refs.forEach((r, i) => t.set(r, i));
  refs.forEach((r, i) => assert.equal(t.get(r), i, String(r)));
  assert.equal(t.get(4), -1);
  assert.equal(t.get(2 ** 30), -1);
  assert.equal(t.size, refs.length);
  t.set(2, 77);
  assert.equal(t.size, refs.length);
  assert.equal(t.get(2), 77);
  // Ascending dense objrefs first, then the wild ones in insertion order.
  // 5000 and 9000 lie more than the stride past the dense part (objrefs 1..3) when set: sparse.
  assert.deepEqual([...t.values()], [0, 77, 2, 3, 4, 5, 6, 7, 8]);
});
