// Find in the image's bytes (src/editor/find.ts). The reference is a byte-by-byte scan written here
// over buffers built here (no chunks, no Buffer search), with patterns planted at known offsets: at
// 0, at the end, across every chunk boundary of small chunk sizes, inside the bytes a sparse byte
// store leaves on disk and across a hole's edge, and in bytes edited in the store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { FindCancelled, type FindPattern, FindQueryError, findAll, findIn, MATCH_LIMIT, MAX_PATTERN, memorySource, parseFindQuery, step } from '../../src/editor/find.js';
import { CkptWriter } from '../lib/image-writer.js';
import { rng } from '../lib/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-find-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every offset where `pat` starts in `hay`, byte by byte; ASCII letters either case when `fold`. */
function naive(hay: Uint8Array, pat: Uint8Array, fold = false): number[] {
  const low = (b: number) => (fold && b >= 0x41 && b <= 0x5a ? b + 32 : b);
  const out: number[] = [];
  for (let i = 0; i + pat.length <= hay.length; i++) {
    let k = 0;
    while (k < pat.length && low(hay[i + k]) === low(pat[k])) k++;
    if (k === pat.length) out.push(i);
  }
  return out;
}

/** Random bytes over a small alphabet that never holds 0xee (patterns start with it). */
function noise(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 200));
}

const PAT = Uint8Array.from([0xee, 0x01, 0xee, 0x02, 0xee]);
const pattern = (bytes: Uint8Array): FindPattern => ({ bytes, foldCase: false });

function planted(n: number, at: number[], pat = PAT, seed = 7): Uint8Array {
  const b = noise(n, seed);
  for (const o of at) b.set(pat, o);
  return b;
}

test('hex queries: pairs with or without separators and 0x; odd digits, stray characters and empty queries say what and where', () => {
  const bytes = (q: string) => [...parseFindQuery(q, 'hex').bytes];
  assert.deepEqual(bytes('de ad be ef'), [0xde, 0xad, 0xbe, 0xef]);
  assert.deepEqual(bytes('deadbeef'), [0xde, 0xad, 0xbe, 0xef]);
  assert.deepEqual(bytes(' 0xDE,0xad:BE  Ef\t00 '), [0xde, 0xad, 0xbe, 0xef, 0x00]);
  assert.deepEqual(bytes('0x0a0b'), [0x0a, 0x0b]);
  const err = (q: string, re: RegExp) => assert.throws(() => parseFindQuery(q, 'hex'), (e: unknown) => e instanceof FindQueryError && re.test(e.message));
  err('dea', /^"dea" at character 1 has an odd number of hex digits \(3\)/);
  err('de ad b', /^"b" at character 7 has an odd number of hex digits \(1\)/);
  err('de ag', /^"g" at character 5 is not a hex digit/);
  err('de\u00e9ad', /^U\+00E9 at character 3 is not a hex digit/);
  err('0xde 0x', /^"0x" at character 6 has no hex digits after it/);
  err('', /type the bytes to find/);
  err('  ,  ', /type the bytes to find/);
  err('00'.repeat(MAX_PATTERN + 1), /at most 1024 bytes/);
  err('0'.repeat(9000), /at most 8192 are searched for/);
});

test('text queries are UTF-8; "match case" off folds ASCII letters only', () => {
  assert.deepEqual([...parseFindQuery('ls -l', 'text').bytes], [...Buffer.from('ls -l')]);
  assert.deepEqual([...parseFindQuery('é€', 'text').bytes], [0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  const p = parseFindQuery('Ab-É', 'text', false);
  assert.equal(p.foldCase, true);
  assert.deepEqual([...p.bytes], [0x61, 0x62, 0x2d, 0xc3, 0x89]);
  assert.equal(parseFindQuery('12-34', 'text', false).foldCase, false, 'no letter: nothing to fold');
  assert.equal(parseFindQuery('Ab', 'text', true).foldCase, false);
  assert.throws(() => parseFindQuery('', 'text'), FindQueryError);
});

test('findAll: every match, at 0, at the end, across every chunk boundary, for chunk sizes from 1 byte to more than the image', async () => {
  const n = 5000;
  // Apart by at least the pattern's length (planting one must not spoil another); across the boundaries of chunks of 64, 1000, 1024 and 4999 bytes.
  const at = [0, 61, 66, 125, 996, 1021, 2047, n - PAT.length];
  const hay = planted(n, at);
  const want = naive(hay, PAT);
  assert.deepEqual(want, [...new Set(at)].sort((a, b) => a - b), 'planted where said, nowhere else');
  for (const chunk of [1, 2, 3, 4, 5, 7, 64, 1000, 1024, 4999, 5000, 1 << 20]) {
    const r = await findAll(memorySource(hay), pattern(PAT), { chunk });
    assert.deepEqual(r.offsets, want, `chunk ${chunk}`);
    assert.equal(r.complete, true);
    assert.equal(r.scannedTo, n);
  }
  // Overlapping matches all count.
  const aa = Uint8Array.from([1, 1, 1, 1, 2, 1, 1]);
  assert.deepEqual((await findAll(memorySource(aa), pattern(Uint8Array.from([1, 1])), { chunk: 2 })).offsets, [0, 1, 2, 5]);
  // A pattern longer than the image, and an empty image.
  assert.deepEqual((await findAll(memorySource(PAT.subarray(0, 3)), pattern(PAT))).offsets, []);
  assert.deepEqual((await findAll(memorySource(new Uint8Array(0)), pattern(PAT))).offsets, []);
});

test('findAll stops at its limit and says how far it looked', async () => {
  const hay = new Uint8Array(1000).fill(7);
  const r = await findAll(memorySource(hay), pattern(Uint8Array.from([7, 7])), { limit: 10, chunk: 3 });
  assert.deepEqual(r.offsets, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(r.complete, false);
  assert.equal(r.scannedTo, 10);
  assert.equal(MATCH_LIMIT, 10_000);
});

test('case-insensitive text matches ASCII letters in either case, across chunks', async () => {
  const base = noise(3000, 3);
  const words = ['Find Me', 'FIND ME', 'find me', 'fInD mE'];
  const offs = [0, 997, 1500, 3000 - 7];
  words.forEach((w, k) => base.set(Buffer.from(w), offs[k]));
  const p = parseFindQuery('find ME', 'text', false);
  const want = naive(base, Buffer.from('find me'), true);
  assert.deepEqual(want, offs);
  for (const chunk of [1, 6, 7, 8, 1000]) assert.deepEqual((await findAll(memorySource(base), p, { chunk })).offsets, want, `chunk ${chunk}`);
  const exact = parseFindQuery('FIND ME', 'text', true);
  assert.deepEqual((await findAll(memorySource(base), exact, { chunk: 100 })).offsets, [997]);
});

test('case folding touches ASCII letters only, whatever a byte\'s place in a 4-byte word', async () => {
  // Every byte value, five times over, shifted so each falls at every position of a word.
  const hay = new Uint8Array(5 * 256 + 3);
  for (let k = 0; k < hay.length; k++) hay[k] = (k * 1 + (k >> 8)) & 255;
  for (const q of ['a', 'Z', '@', 'q`', '[z{', 'Az@[', '\u00c1']) {
    const p = parseFindQuery(q, 'text', false);
    const want = naive(hay, new TextEncoder().encode(q), true);
    for (const chunk of [1, 3, 4, 5, 8, 1 << 20]) assert.deepEqual((await findAll(memorySource(hay), p, { chunk })).offsets, want, `${JSON.stringify(q)}, chunk ${chunk}`);
  }
  // 0xc1 and 0xe1 (A and a with bit 7) stay apart; 'a' matches 'A' and 'a' only.
  assert.deepEqual(naive(hay, Uint8Array.from([0x61]), true).map((o) => hay[o]).sort(), [0x41, 0x41, 0x41, 0x41, 0x41, 0x61, 0x61, 0x61, 0x61, 0x61]);
});

test('next and previous from every place, coming round the end, with the whole list and with a list cut short', async () => {
  const n = 700;
  const at = [0, 13, 14, 200, 333, 650, n - PAT.length];
  const hay = planted(n, at);
  const want = naive(hay, PAT);
  const src = memorySource(hay);
  const whole = await findAll(src, pattern(PAT), { chunk: 50 });
  for (const limit of [MATCH_LIMIT, 1, 3, 6]) {
    const list = limit === MATCH_LIMIT ? whole : await findAll(src, pattern(PAT), { limit, chunk: 50 });
    for (let from = 0; from <= n; from++) {
      const nextAt = want.find((o) => o >= from);
      const next = await step(src, pattern(PAT), list, from, 'next', { chunk: 7 });
      assert.deepEqual(next && [next.offset, next.wrapped], nextAt === undefined ? [want[0], true] : [nextAt, false], `next from ${from}, limit ${limit}`);
      assert.equal(next!.index, next!.offset < list.scannedTo ? want.indexOf(next!.offset) : null);
      const prevAt = want.filter((o) => o < from).pop();
      const prev = await step(src, pattern(PAT), list, from, 'previous', { chunk: 7 });
      assert.deepEqual(prev && [prev.offset, prev.wrapped], prevAt === undefined ? [want.at(-1), true] : [prevAt, false], `previous from ${from}, limit ${limit}`);
      assert.equal(prev!.index, prev!.offset < list.scannedTo ? want.indexOf(prev!.offset) : null);
    }
  }
  const none = noise(100, 1);
  const empty = await findAll(memorySource(none), pattern(PAT));
  assert.deepEqual(empty, { offsets: [], complete: true, scannedTo: 100 });
  assert.equal(await step(memorySource(none), pattern(PAT), empty, 50, 'next'), null);
  assert.equal(await step(memorySource(none), pattern(PAT), empty, 50, 'previous'), null);
});

test('findIn: the first match in a range either way, whole matches only', async () => {
  const hay = planted(400, [10, 100, 395]);
  const src = memorySource(hay);
  const p = pattern(PAT);
  assert.equal(await findIn(src, p, 0, 400, 'next', { chunk: 3 }), 10);
  assert.equal(await findIn(src, p, 11, 400, 'next', { chunk: 3 }), 100);
  assert.equal(await findIn(src, p, 0, 100, 'previous', { chunk: 3 }), 10);
  assert.equal(await findIn(src, p, 0, 101, 'previous', { chunk: 3 }), 100);
  assert.equal(await findIn(src, p, 0, 400, 'previous', { chunk: 4 }), 395);
  assert.equal(await findIn(src, p, 101, 395, 'next', { chunk: 4 }), -1);
  // A partial match at the very end is no match.
  const cut = hay.slice(0, 398);
  assert.equal(await findIn(memorySource(cut), p, 101, 398, 'next'), -1);
});

/**
 * An image whose BUFFER payload (random bytes, PAT planted in it) a sparse store leaves on disk,
 * followed by a pty pair: the file, its bytes, and where the payload is.
 */
function sparseImage(name: string, plantAt: (payload: number, len: number) => number[]): { path: string; bytes: Uint8Array; payload: number; len: number } {
  const w = new CkptWriter().header();
  const payload = w.length + 8;
  const len = 200_000;
  const data = noise(len, 11);
  w.buffer(data);
  w.pair({}, {});
  const bytes = w.tail();
  for (const o of plantAt(payload, len)) bytes.set(PAT, o);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes, payload, len };
}

test('a sparse store: matches in bytes left on disk and across a hole\'s edge, read from the file, not from memory', async () => {
  const im = sparseImage('holes.ckpt', (p, len) => [p + 2, p + 62, p + 1000, p + 100_000, p + len - 12, p + len - 3]);
  const store = ByteStore.readFile(im.path, { sparseMin: 0, holeMin: 4096 });
  try {
    assert.ok(store.bytesOnDisk > 150_000, `holes: ${store.bytesOnDisk} bytes on disk`);
    // The hole starts after the payload's first 64 bytes: a match at p + 62 crosses into it.
    assert.ok(store.holds(im.payload, im.payload + 64) && !store.holds(im.payload + 64, im.payload + 65));
    assert.ok(!store.holds(im.payload + 1000, im.payload + 1005), 'p + 1000 is on disk');
    // … and ends with the payload: a match at p + len - 3 crosses out of it.
    assert.ok(!store.holds(im.payload + im.len - 1, im.payload + im.len) && store.holds(im.payload + im.len, im.payload + im.len + 2));
    // Whatever the array holds where the holes are, the search sees the file's bytes.
    store.poisonHoles(0xee);
    const want = naive(im.bytes, PAT);
    assert.equal(want.length, 6);
    for (const chunk of [1000, 4096, 65536, 1 << 22]) {
      assert.deepEqual((await findAll(store, pattern(PAT), { chunk })).offsets, want, `chunk ${chunk}`);
    }
    // Text in either case, in the held head, across the hole's start and inside it (folded where it was read).
    for (const [o, t] of [[im.payload + 20, 'FIND me'], [im.payload + 60, 'fInD mE'], [im.payload + 120_000, 'Find Me']] as const) {
      store.apply([{ offset: o, remove: t.length, insert: new TextEncoder().encode(t) }]);
    }
    const text = naive(store.read(0, store.length), new TextEncoder().encode('find me'), true);
    assert.deepEqual(text, [im.payload + 20, im.payload + 60, im.payload + 120_000]);
    const before = Buffer.from(store.read(0, store.length));
    for (const chunk of [1000, 1 << 22]) assert.deepEqual((await findAll(store, parseFindQuery('find ME', 'text', false), { chunk })).offsets, text, `text, chunk ${chunk}`);
    assert.ok(before.equals(store.read(0, store.length)), 'the search folded copies, not the bytes');
  } finally {
    store.dispose();
  }
});

test('edited bytes are searched as edited: in memory, inside a hole, and after a length change', async () => {
  const im = sparseImage('edits.ckpt', (p) => [p + 5000]);
  const store = ByteStore.readFile(im.path, { sparseMin: 0, holeMin: 4096 });
  try {
    const p = pattern(PAT);
    assert.deepEqual((await findAll(store, p, { chunk: 4096 })).offsets, [im.payload + 5000]);
    // Overwrite the match on disk's copy in memory (inside a hole), plant one elsewhere in a hole and one in held bytes.
    store.apply([
      { offset: im.payload + 5000, remove: 5, insert: Uint8Array.from([1, 2, 3, 4, 5]) },
      { offset: im.payload + 150_000, remove: 5, insert: PAT },
      { offset: 3, remove: 5, insert: PAT },
    ]);
    const expect = naive(store.read(0, store.length), PAT);
    assert.deepEqual(expect, [3, im.payload + 150_000]);
    assert.deepEqual((await findAll(store, p, { chunk: 4096 })).offsets, expect);
    // Insert 3 bytes before the payload: the match on disk moves with it.
    store.apply([{ offset: 20, remove: 0, insert: Uint8Array.from([0, 0, 0]) }]);
    assert.deepEqual((await findAll(store, p, { chunk: 65536 })).offsets, [3, im.payload + 150_003]);
  } finally {
    store.dispose();
  }
});

test('a sparse store with holes whose file offsets differ (a length change between them): each hole read from its own place', async () => {
  const w = new CkptWriter().header();
  const p1 = w.length + 8;
  w.buffer(noise(100_000, 21));
  const p2 = w.length + 8;
  w.buffer(noise(100_000, 22));
  w.pair({}, {});
  const bytes = w.tail();
  for (const o of [p1 + 50_000, p1 + 99_995, p2 + 62, p2 + 70_000]) bytes.set(PAT, o);
  const path = join(dir, 'two-holes.ckpt');
  writeFileSync(path, bytes);
  const store = ByteStore.readFile(path, { sparseMin: 0, holeMin: 4096 });
  try {
    assert.ok(!store.holds(p1 + 1000, p1 + 1001) && !store.holds(p2 + 1000, p2 + 1001), 'both payloads on disk');
    store.poisonHoles(0xee);
    const p = pattern(PAT);
    assert.deepEqual((await findAll(store, p, { chunk: 1 << 20 })).offsets, naive(bytes, PAT));
    // Two bytes inserted in the second payload's kept head: the second hole moves, the first does not.
    store.apply([{ offset: p2 + 10, remove: 0, insert: Uint8Array.from([1, 2]) }]);
    const now = store.read(0, store.length);
    const want = naive(now, PAT);
    assert.deepEqual(want, [p1 + 50_000, p1 + 99_995, p2 + 64, p2 + 70_002]);
    for (const chunk of [4096, 1 << 20]) assert.deepEqual((await findAll(store, p, { chunk })).offsets, want, `chunk ${chunk}`);
  } finally {
    store.dispose();
  }
});

test('progress after each chunk up to the total; an abort between chunks stops the pass with FindCancelled', async () => {
  const hay = planted(10_000, [9000]);
  const seen: [number, number][] = [];
  const r = await findAll(memorySource(hay), pattern(PAT), { chunk: 1000, progress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(r.offsets, [9000]);
  assert.equal(seen.length, 10);
  assert.ok(seen.every(([d, t], k) => t === 10_000 && (k === 0 || d > seen[k - 1][0])));
  assert.equal(seen.at(-1)![0], 10_000);

  const ac = new AbortController();
  let chunks = 0;
  await assert.rejects(
    findAll(memorySource(hay), pattern(PAT), {
      chunk: 1000,
      signal: ac.signal,
      progress: () => {
        if (++chunks === 3) ac.abort('stop');
      },
    }),
    (e: unknown) => e instanceof FindCancelled && e.reason === 'stop',
  );
  assert.equal(chunks, 3, 'no chunk searched after the abort');
  const gone = new AbortController();
  gone.abort('before');
  await assert.rejects(findIn(memorySource(hay), pattern(PAT), 0, 10_000, 'previous', { signal: gone.signal }), FindCancelled);
  await assert.rejects(step(memorySource(hay), pattern(PAT), { offsets: [], complete: false, scannedTo: 0 }, 0, 'next', { signal: gone.signal }), FindCancelled);
});
