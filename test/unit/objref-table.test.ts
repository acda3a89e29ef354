// The objhash table: dense for the small objrefs a kernel hands out, a map for wild ones, and a
// wild objref must not cost memory or time proportional to its value (a fuzz finding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjrefSet, ObjrefTable } from '../../src/parser/objref-table.js';

test('small and wild objrefs are stored and found', () => {
  const t = new ObjrefTable<string>();
  for (const r of [1, 2, 3, 5000, 1048579, -4, 0, 2 ** 31 - 1]) t.set(r, `v${r}`);
  for (const r of [1, 2, 3, 5000, 1048579, -4, 0, 2 ** 31 - 1]) assert.equal(t.get(r), `v${r}`);
  assert.equal(t.get(4), undefined);
  assert.equal(t.size, 8);
  t.set(2, 'again');
  assert.equal(t.size, 8);
  assert.equal(t.get(2), 'again');
  assert.deepEqual([...t.values()].length, 8);
});

test('a wild objref grows nothing: its value is not an array length', () => {
  const t = new ObjrefTable<number>();
  const s = new ObjrefSet();
  t.set(2 ** 30, 1);
  s.add(2 ** 30);
  // values() walks the dense part: it must hold one slot, not 2^30 of them.
  assert.equal([...t.values()].length, 1);
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
