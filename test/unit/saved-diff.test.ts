// SavedDiff (src/editor/saved-diff.ts): after every edit, undo, redo and save, `clean` must say
// exactly whether the bytes equal the saved bytes. The oracle is independent: the test keeps the real
// saved copy and computes the real current bytes with applySplices, and compares them whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySplices, type Splice } from '../../src/parser/encode.js';
import { SavedDiff } from '../../src/editor/saved-diff.js';
import { ByteStore } from '../../src/editor/byte-store.js';
import { rng as mulberry32 } from '../lib/images.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A document: its bytes, a SavedDiff over them, the saved copy, an undo and a redo stack. */
class Doc {
  current: Uint8Array;
  saved: Uint8Array;
  readonly diff: SavedDiff;
  undoStack: { forward: Splice[]; inverse: Splice[] }[] = [];
  redoStack: { forward: Splice[]; inverse: Splice[] }[] = [];
  /** Bytes removed by the lists recorded since the save point: a bound on the diff's memory. */
  removedSinceSave = 0;

  constructor(content: Uint8Array) {
    this.current = content;
    this.saved = content.slice();
    this.diff = new SavedDiff(() => this.current);
  }
  private apply(splices: Splice[]): Splice[] {
    const { bytes: out, inverse } = applySplices(this.current, splices);
    this.current = out;
    this.diff.record(splices, inverse);
    for (const s of splices) this.removedSinceSave += s.remove;
    return inverse;
  }
  edit(splices: Splice[]): void {
    const inverse = this.apply(splices);
    this.undoStack.push({ forward: splices, inverse });
    this.redoStack = [];
  }
  undo(): boolean {
    const e = this.undoStack.pop();
    if (!e) return false;
    e.forward = this.apply(e.inverse);
    this.redoStack.push(e);
    return true;
  }
  redo(): boolean {
    const e = this.redoStack.pop();
    if (!e) return false;
    e.inverse = this.apply(e.forward);
    this.undoStack.push(e);
    return true;
  }
  save(): void {
    this.saved = this.current.slice();
    this.diff.reset();
    this.removedSinceSave = 0;
  }
  get oracle(): boolean {
    return same(this.current, this.saved);
  }
  check(what: string): void {
    assert.equal(this.diff.clean, this.oracle, `${what}: clean should be ${this.oracle}`);
    assert.equal(this.diff.clean, this.diff.clean, `${what}: clean is stable`);
    const fp = this.diff.footprint;
    assert.ok(fp.savedBytes <= this.removedSinceSave, `${what}: ${fp.savedBytes} saved bytes held, only ${this.removedSinceSave} removed since the save`);
    if (fp.regions === 0) assert.ok(this.oracle, `${what}: no regions but dirty`);
  }
}

// ---- hand-written cases ----

test('toggling a byte and setting it back is clean; so is undoing the toggle', () => {
  const d = new Doc(bytes('0123456789abcdef'));
  d.edit([{ offset: 3, remove: 1, insert: bytes('X') }]);
  assert.equal(d.diff.clean, false);
  d.edit([{ offset: 3, remove: 1, insert: bytes('3') }]);
  assert.equal(d.diff.clean, true);
  assert.deepEqual(d.diff.footprint, { regions: 0, savedBytes: 0 });
  d.undo();
  assert.equal(d.diff.clean, false);
  d.undo();
  assert.equal(d.diff.clean, true);
  d.redo();
  assert.equal(d.diff.clean, false);
  d.check('redo');
});

test('an overwrite with the same bytes is clean', () => {
  const d = new Doc(bytes('0123456789'));
  d.edit([{ offset: 2, remove: 4, insert: bytes('2345') }]);
  assert.equal(d.diff.clean, true);
  assert.equal(d.diff.footprint.regions, 0);
});

test('inserting "ab" at 5 and removing 2 bytes at 5 is clean', () => {
  const d = new Doc(bytes('0123456789'));
  d.edit([{ offset: 5, remove: 0, insert: bytes('ab') }]);
  assert.equal(d.diff.clean, false);
  d.edit([{ offset: 5, remove: 2, insert: new Uint8Array(0) }]);
  assert.equal(d.diff.clean, true);
  d.check('insert then remove');
});

test('removing bytes and inserting them back is clean, in two lists or in one', () => {
  const d = new Doc(bytes('0123456789'));
  d.edit([{ offset: 4, remove: 3, insert: new Uint8Array(0) }]);
  assert.equal(d.diff.clean, false);
  d.edit([{ offset: 4, remove: 0, insert: bytes('456') }]);
  assert.equal(d.diff.clean, true);
  d.edit([
    { offset: 0, remove: 2, insert: bytes('xyz') },
    { offset: 8, remove: 1, insert: new Uint8Array(0) },
    { offset: 0, remove: 3, insert: bytes('01') },
    { offset: 7, remove: 0, insert: bytes('7') },
  ]);
  assert.equal(d.diff.clean, true);
});

test('inserting at 5 and removing as many bytes at 9: dirty, unless the bytes happen to match', () => {
  const d = new Doc(bytes('0123456789abcdef'));
  d.edit([{ offset: 5, remove: 0, insert: bytes('XY') }]);
  d.edit([{ offset: 9, remove: 2, insert: new Uint8Array(0) }]);
  assert.equal(d.diff.clean, false);
  d.check('distinct bytes');

  const e = new Doc(bytes('aaaaaaaaaaaaaaaa'));
  e.edit([{ offset: 5, remove: 0, insert: bytes('aa') }]);
  assert.equal(e.diff.clean, false);
  e.edit([{ offset: 9, remove: 2, insert: new Uint8Array(0) }]);
  assert.equal(e.diff.clean, true, 'a run of equal bytes: the shift is invisible');
  assert.equal(e.diff.footprint.regions, 2, 'the regions differ one by one; only the whole comparison sees the match');
  e.check('a run');
});

test('moving a period of periodic content is clean; of other content, dirty', () => {
  const d = new Doc(bytes('abababab'));
  d.edit([{ offset: 0, remove: 2, insert: new Uint8Array(0) }, { offset: 6, remove: 0, insert: bytes('ab') }]);
  assert.equal(d.diff.clean, true);
  const e = new Doc(bytes('abcabcab'));
  e.edit([{ offset: 0, remove: 2, insert: new Uint8Array(0) }, { offset: 6, remove: 0, insert: bytes('ab') }]);
  assert.equal(e.diff.clean, false);
  e.check('not periodic');
});

test('edits at offset 0 and at the end, and of the empty content', () => {
  const d = new Doc(new Uint8Array(0));
  assert.equal(d.diff.clean, true);
  d.edit([{ offset: 0, remove: 0, insert: bytes('x') }]);
  assert.equal(d.diff.clean, false);
  d.edit([{ offset: 0, remove: 1, insert: new Uint8Array(0) }]);
  assert.equal(d.diff.clean, true);
  const e = new Doc(bytes('hello'));
  e.edit([{ offset: 5, remove: 0, insert: bytes('!') }]);
  e.edit([{ offset: 0, remove: 1, insert: bytes('H') }]);
  assert.equal(e.diff.clean, false);
  e.edit([{ offset: 5, remove: 1, insert: new Uint8Array(0) }, { offset: 0, remove: 1, insert: bytes('h') }]);
  assert.equal(e.diff.clean, true);
});

test('a save makes the current bytes the save point', () => {
  const d = new Doc(bytes('0123456789'));
  d.edit([{ offset: 1, remove: 1, insert: bytes('X') }]);
  d.save();
  assert.equal(d.diff.clean, true);
  d.undo();
  assert.equal(d.diff.clean, false, 'undo after a save leaves the saved bytes');
  d.redo();
  assert.equal(d.diff.clean, true);
});

test('record() refuses lists that do not pair up or were not applied, and changes nothing', () => {
  const d = new Doc(bytes('0123456789'));
  const s: Splice = { offset: 2, remove: 1, insert: bytes('ab') };
  assert.throws(() => d.diff.record([s], []), RangeError);
  assert.throws(() => d.diff.record([s], [{ offset: 2, remove: 1, insert: bytes('2') }]), RangeError);
  // Not applied: the length does not match.
  assert.throws(() => d.diff.record([s], [{ offset: 2, remove: 2, insert: bytes('2') }]), RangeError);
  assert.throws(() => d.diff.record([{ offset: 10, remove: 1, insert: bytes('ab') }], [{ offset: 10, remove: 2, insert: bytes('x') }]), RangeError);
  assert.equal(d.diff.clean, true);
  assert.equal(d.diff.footprint.regions, 0);
  d.diff.record([], []);
  assert.equal(d.diff.clean, true);
});

// ---- the property test ----

function randomContent(rand: () => number): Uint8Array {
  const size = rand() < 0.05 ? 0 : Math.floor(rand() * 2001);
  const out = new Uint8Array(size);
  const mode = rand();
  let i = 0;
  while (i < size) {
    if (mode < 0.4) {
      // Long runs of a few byte values.
      const run = 1 + Math.floor(rand() * (rand() < 0.3 ? 500 : 40));
      out.fill(Math.floor(rand() * 3), i, i + run);
      i += run;
    } else if (mode < 0.7) {
      out[i++] = Math.floor(rand() * 3);
    } else {
      out[i++] = Math.floor(rand() * 256);
    }
  }
  return out;
}

interface Gen {
  rand: () => number;
  /** Byte values inserts and overwrites use: a small alphabet makes coincidental equalities. */
  alphabet: number;
}

function randomBytes(g: Gen, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(g.rand() * g.alphabet);
  return out;
}

function randomLength(g: Gen, max: number): number {
  const r = g.rand();
  const n = r < 0.5 ? 1 + Math.floor(g.rand() * 4) : r < 0.9 ? Math.floor(g.rand() * 40) : Math.floor(g.rand() * 400);
  return Math.min(n, max);
}

/** An offset for a range of `len` bytes: 0, the end, or anywhere. */
function randomOffset(g: Gen, size: number, len: number): number {
  const r = g.rand();
  const max = size - len;
  if (r < 0.2) return 0;
  if (r < 0.4) return max;
  return Math.floor(g.rand() * (max + 1));
}

/** One splice against `cur`, and possibly the splice that undoes it by another route, to follow. */
function randomSplice(g: Gen, cur: Uint8Array, saved: Uint8Array): { splice: Splice; followUp?: Splice } {
  const size = cur.length;
  const kind = g.rand();
  const empty = new Uint8Array(0);
  if (kind < 0.2) {
    // Same-length overwrite (sometimes set back later).
    const n = randomLength(g, size);
    const offset = randomOffset(g, size, n);
    const insert = randomBytes(g, n);
    const splice = { offset, remove: n, insert };
    return g.rand() < 0.3 ? { splice, followUp: { offset, remove: n, insert: cur.slice(offset, offset + n) } } : { splice };
  }
  if (kind < 0.27) {
    // Overwrite with the identical bytes.
    const n = randomLength(g, size);
    const offset = randomOffset(g, size, n);
    return { splice: { offset, remove: n, insert: cur.slice(offset, offset + n) } };
  }
  if (kind < 0.45) {
    // Insert (sometimes removed again later).
    const n = 1 + randomLength(g, 50);
    const offset = randomOffset(g, size, 0);
    const splice = { offset, remove: 0, insert: randomBytes(g, n) };
    return g.rand() < 0.3 ? { splice, followUp: { offset, remove: n, insert: empty } } : { splice };
  }
  if (kind < 0.6) {
    // Remove (sometimes re-inserted later).
    const n = randomLength(g, size);
    const offset = randomOffset(g, size, n);
    const splice = { offset, remove: n, insert: empty };
    return g.rand() < 0.3 ? { splice, followUp: { offset, remove: 0, insert: cur.slice(offset, offset + n) } } : { splice };
  }
  if (kind < 0.75) {
    // Replace with another length.
    const n = randomLength(g, size);
    const offset = randomOffset(g, size, n);
    return { splice: { offset, remove: n, insert: randomBytes(g, randomLength(g, 60)) } };
  }
  if (kind < 0.87 && size === saved.length && size > 0) {
    // Write the saved bytes back over a range: restores by another route than undo.
    const n = 1 + randomLength(g, size - 1);
    const offset = randomOffset(g, size, n);
    return { splice: { offset, remove: n, insert: saved.slice(offset, offset + n) } };
  }
  if (kind < 0.9) {
    // Replace everything by the saved bytes (or by a near copy of them).
    const insert = saved.slice();
    if (insert.length > 0 && g.rand() < 0.3) insert[Math.floor(g.rand() * insert.length)] ^= 1;
    return { splice: { offset: 0, remove: size, insert } };
  }
  // Insert a byte of the content's own value next to it (shifts runs), removing one elsewhere later.
  const offset = Math.floor(g.rand() * (size + 1));
  const v = size === 0 ? 0 : cur[Math.min(offset, size - 1)]!;
  const splice = { offset, remove: 0, insert: Uint8Array.of(v) };
  const at = Math.floor(g.rand() * (size + 1));
  return { splice, followUp: { offset: at, remove: 1, insert: empty } };
}

/** A list of 1..4 splices, each against the bytes as they are after the ones before it. */
function randomList(g: Gen, cur: Uint8Array, saved: Uint8Array): { list: Splice[]; followUp?: Splice } {
  const count = g.rand() < 0.6 ? 1 : 2 + Math.floor(g.rand() * 3);
  const list: Splice[] = [];
  let followUp: Splice | undefined;
  let bytesNow = cur;
  for (let i = 0; i < count; i++) {
    const r = randomSplice(g, bytesNow, saved);
    list.push(r.splice);
    bytesNow = applySplices(bytesNow, [r.splice]).bytes;
    followUp = undefined;
    if (!r.followUp || r.followUp.offset + r.followUp.remove > bytesNow.length) continue;
    if (g.rand() < 0.5 && i + 1 < count) {
      // In the same list, right away.
      list.push(r.followUp);
      bytesNow = applySplices(bytesNow, [r.followUp]).bytes;
      i++;
    } else {
      // As the next edit (kept only when it comes from the list's last splice).
      followUp = r.followUp;
    }
  }
  return followUp ? { list, followUp } : { list };
}

test('property: clean is exactly "the bytes equal the saved bytes", over random edits, undo, redo and saves', (t) => {
  const seeds = 400;
  const stepsPerSeed = 40;
  let steps = 0;
  let cleanSteps = 0;
  let coincidental = 0;
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const rand = mulberry32(seed);
    const g: Gen = { rand, alphabet: rand() < 0.5 ? 2 : rand() < 0.5 ? 4 : 256 };
    const d = new Doc(randomContent(rand));
    let pending: Splice | undefined;
    try {
      d.check(`seed ${seed}, start`);
      for (let step = 0; step < stepsPerSeed; step++) {
        let what: string;
        const r = rand();
        if (pending && pending.offset + pending.remove <= d.current.length) {
          d.edit([pending]);
          what = 'follow-up edit';
          pending = undefined;
        } else if (r < 0.55) {
          pending = undefined;
          const { list, followUp } = randomList(g, d.current, d.saved);
          d.edit(list);
          pending = followUp;
          what = `edit of ${list.length} splice(s)`;
        } else if (r < 0.72) {
          // Undo one, or sometimes everything (back to the start, maybe across a save).
          if (rand() < 0.1) while (d.undo());
          else d.undo();
          what = 'undo';
        } else if (r < 0.86) {
          d.redo();
          what = 'redo';
        } else if (r < 0.92) {
          d.save();
          what = 'save';
        } else {
          d.edit([]);
          what = 'empty edit';
        }
        steps++;
        d.check(`seed ${seed}, step ${step} (${what})`);
        if (d.oracle) {
          cleanSteps++;
          if (d.diff.footprint.regions > 0) coincidental++;
        }
      }
    } catch (err) {
      console.error(`saved-diff property test failed with seed ${seed}`);
      throw err;
    }
  }
  const ms = performance.now() - t0;
  t.diagnostic(`${steps} steps over ${seeds} seeds in ${ms.toFixed(0)} ms: ${cleanSteps} clean (${coincidental} clean with regions left, only the whole comparison sees), ${steps - cleanSteps} dirty`);
  assert.ok(steps >= 2000);
  assert.ok(cleanSteps > steps / 20, 'enough clean states to test');
  assert.ok(steps - cleanSteps > steps / 5, 'enough dirty states to test');
  assert.ok(coincidental > 0, 'coincidental equalities (shifted runs) occur');
});

// ---- a 64 MiB image ----

test('64 MiB of zeros: 1000 small edits and a few shifts, without copying or comparing the image per edit', (t) => {
  // The document's own store (edits in place; a shift at either end moves nothing), as the editor uses it.
  const size = 64 * 1024 * 1024;
  const store = ByteStore.from(new Uint8Array(size));
  const diff = new SavedDiff(() => store.view);
  const rand = mulberry32(64);
  /** The oracle, kept on the touched bytes only: offsets that are not zero (the saved bytes are all zero). */
  const nonZero = new Set<number>();
  const overwrite = (offset: number, insert: Uint8Array): void => {
    const splices = [{ offset, remove: insert.length, insert }];
    diff.record(splices, store.apply(splices));
    insert.forEach((b, i) => (b ? nonZero.add(offset + i) : nonZero.delete(offset + i)));
  };
  const t0 = performance.now();
  let edits = 0;
  let cleanSeen = 0;
  for (let phase = 0; phase < 10; phase++) {
    for (let i = 0; i < 90; i++) {
      const n = 1 + Math.floor(rand() * 8);
      const offset = rand() < 0.1 ? 0 : rand() < 0.1 ? size - n : Math.floor(rand() * (size - n));
      const insert = new Uint8Array(n);
      for (let k = 0; k < n; k++) insert[k] = rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 255);
      overwrite(offset, insert);
      edits++;
      assert.equal(diff.clean, nonZero.size === 0);
    }
    // Set the bytes back to zero, one edit each: dirty until the last one.
    for (const off of [...nonZero]) {
      overwrite(off, new Uint8Array(1));
      edits++;
      assert.equal(diff.clean, nonZero.size === 0);
    }
    assert.equal(diff.clean, true);
    cleanSeen++;
  }
  const ms = performance.now() - t0;
  t.diagnostic(`${edits} overwrites of a 64 MiB image, record() and clean after each: ${ms.toFixed(0)} ms`);
  assert.ok(edits >= 1000);
  assert.equal(cleanSeen, 10);
  assert.deepEqual(diff.footprint, { regions: 0, savedBytes: 0 });

  // Length changes: a zero inserted at 0 is dirty (longer); a zero removed at the end makes the bytes
  // equal again (a run shifted by one), which only the comparison of the shifted stretch can tell.
  const splice = (s: Splice): Splice => {
    const inverse = store.apply([s]);
    diff.record([s], inverse);
    return inverse[0]!;
  };
  const undoIns = splice({ offset: 0, remove: 0, insert: new Uint8Array(1) });
  assert.equal(diff.clean, false);
  const undoRem = splice({ offset: size, remove: 1, insert: new Uint8Array(0) });
  const t1 = performance.now();
  assert.equal(diff.clean, true);
  t.diagnostic(`clean after a one-byte shift of the whole 64 MiB run: ${(performance.now() - t1).toFixed(1)} ms (one memcmp)`);
  const undoOne = splice({ offset: 12345, remove: 1, insert: Uint8Array.of(7) });
  assert.equal(diff.clean, false);
  splice(undoOne);
  assert.equal(diff.clean, true);
  splice(undoRem);
  assert.equal(diff.clean, false);
  splice(undoIns);
  assert.equal(diff.clean, true);
  assert.deepEqual(diff.footprint, { regions: 0, savedBytes: 0 });
  assert.equal(store.length, size);
  assert.ok(store.view.every((b) => b === 0));
});
