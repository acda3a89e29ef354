// The sparse byte store (src/editor/byte-store.ts, src/parser/sparse-walk.ts): large payloads that
// only a byte view shows stay in the file. The references are the file's own bytes and applySplices
// over a plain copy: every byte the store hands out or writes must be the file's, the model built
// over a store whose holes hold garbage must be the model of the real bytes (so nothing reads a
// hole from memory), and edits anywhere, inside holes too, must give the bytes applySplices gives.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ByteStore, SourceChangedError, WriteAborted } from '../../src/editor/byte-store.js';
import { SaveError, writeFileAtomicAsync } from '../../src/io/atomic-write.js';
import { CkptModel } from '../../src/editor/image-model.js';
import { SavedDiff } from '../../src/editor/saved-diff.js';
import { openImage } from '../../src/parser/image.js';
import { T } from '../../src/parser/layout.js';
import { applySplices, type Splice } from '../../src/parser/encode.js';
import { allImages, generator, ROOT, rng, type TestImage } from '../lib/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-sparse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fileOf(name: string, bytes: Uint8Array): string {
  const p = join(dir, name.replace(/[^\w.-]/g, '_'));
  writeFileSync(p, bytes);
  return p;
}

const gen = generator();
/** bench-pairs at a size where each pair's opaque page BUFFER is ~20 KiB. */
function benchPairs(bytes: number): Uint8Array {
  const p = join(dir, `bench-pairs-${bytes}.ckpt`);
  execFileSync(gen!, ['bench-pairs', p, String(bytes)]);
  return new Uint8Array(readFileSync(p));
}

const images: TestImage[] = [
  ...allImages(),
  { name: 'samples/pair.ckpt', bytes: new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt'))), json: { size: 0, endian: '', errors: [], ttys: [], files: [] }, source: 'generated' },
  ...(gen ? [{ name: 'bench-pairs-20MiB', bytes: benchPairs(20 << 20), json: { size: 0, endian: '', errors: [], ttys: [], files: [] }, source: 'generated' as const }] : []),
];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const json = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? hex(v) : v));

/** Small holes, so that golden and generated images (whose opaque records are small) get them. */
const SMALL = { sparseMin: 0, holeMin: 16 };

function written(store: ByteStore): Uint8Array {
  const p = join(dir, 'written.bin');
  const fd = openSync(p, 'w');
  try {
    store.writeTo(fd);
  } finally {
    closeSync(fd);
  }
  return new Uint8Array(readFileSync(p));
}

test('every byte read or written from a sparse store is the file\'s; holes are where the walker says', () => {
  let withHoles = 0;
  for (const im of images) {
    const path = fileOf(im.name, im.bytes);
    const s = ByteStore.readFile(path, SMALL);
    try {
      assert.equal(s.length, im.bytes.length, im.name);
      assert.equal(hex(s.read(0, s.length)), hex(im.bytes), `${im.name}: read()`);
      assert.equal(hex(written(s)), hex(im.bytes), `${im.name}: writeTo()`);
      // Pieces that start and end inside holes.
      const r = rng(im.bytes.length);
      for (let k = 0; k < 20; k++) {
        const o = Math.floor(r() * im.bytes.length);
        const n = Math.floor(r() * 5000);
        assert.equal(hex(s.read(o, n)), hex(im.bytes.subarray(o, o + n)), `${im.name}: read(${o}, ${n})`);
      }
      if (s.bytesOnDisk > 0) withHoles++;
      // Outside the holes the view is the file's (the parser reads it directly).
      s.poisonHoles(0xa5);
      assert.equal(hex(s.read(0, s.length)), hex(im.bytes), `${im.name}: read() after poisoning the array`);
    } finally {
      s.dispose();
    }
  }
  assert.ok(withHoles >= 10, `only ${withHoles} images got holes`);
});

test('a large image of pty pairs among page BUFFERs: at least 90% of it stays on disk with the default sizes', { skip: !gen }, () => {
  const bytes = benchPairs(80 << 20);
  const path = fileOf('bench-pairs-80MiB.ckpt', bytes);
  const s = ByteStore.readFile(path);
  try {
    assert.ok(s.bytesOnDisk / bytes.length > 0.9, `${s.bytesOnDisk} of ${bytes.length} bytes on disk`);
    assert.equal(hex(s.read(0, 1 << 16)), hex(bytes.subarray(0, 1 << 16)));
  } finally {
    s.dispose();
  }
});

test('the model over a sparse store whose holes hold garbage is the model of the file', () => {
  for (const im of images) {
    const path = fileOf(im.name, im.bytes);
    const s = ByteStore.readFile(path, SMALL);
    try {
      s.poisonHoles(0xa5);
      const sparse = new CkptModel(s.view, 'x.ckpt', { read: (o, l) => s.read(o, l) });
      const dense = new CkptModel(im.bytes.slice(), 'x.ckpt');
      assert.equal(json(sparse.diagnosticViews()), json(dense.diagnosticViews()), `${im.name}: diagnostics`);
      assert.equal(json(sparse.report()), json(dense.report()), `${im.name}: report`);
      for (const [name, params] of [['pairs', { start: 0, count: 50 }], ['ldiscs', { start: 0, count: 50 }], ['graph', { focusRecord: null }]] as const) {
        assert.equal(json(sparse.handle(name, params as never)), json(dense.handle(name, params as never)), `${im.name}: ${name}`);
      }
      const n = Math.min(dense.index.count, 400);
      for (let i = 0; i < n; i++) {
        assert.equal(sparse.structure.summary(i), dense.structure.summary(i), `${im.name}: summary of record ${i}`);
        assert.equal(json(sparse.structure.recordNode(i)), json(dense.structure.recordNode(i)), `${im.name}: node of record ${i}`);
        const sel = { offset: dense.index.offsets[i], length: dense.index.lens[i], record: i };
        assert.equal(json(sparse.selectionJson(sel)), json(dense.selectionJson(sel)), `${im.name}: selection JSON of record ${i}`);
        assert.equal(json(sparse.structure.children(`r:${i}`, 0)), json(dense.structure.children(`r:${i}`, 0)), `${im.name}: fields of record ${i}`);
        // Raw byte fields, whole: a BUFFER's data, an opaque record's payload.
        for (const path of ['data', 'payload']) {
          assert.equal(json(sparse.structure.fieldValue(i, path)), json(dense.structure.fieldValue(i, path)), `${im.name}: ${path} of record ${i}`);
          assert.equal(json(sparse.selectionJson({ ...sel, path })), json(dense.selectionJson({ ...sel, path })), `${im.name}: selection JSON of ${path} of record ${i}`);
        }
      }
      assert.equal(hex(new Uint8Array(sparse.rows(0, 1 << 20).data)), hex(new Uint8Array(dense.rows(0, 1 << 20).data)), `${im.name}: hex rows`);
    } finally {
      s.dispose();
    }
  }
});

test('random edits, inside and across holes, then undo: the bytes applySplices gives, then the file', () => {
  const r = rng(20261127);
  let steps = 0;
  for (const im of images.filter((x) => x.bytes.length > 64)) {
    const path = fileOf(im.name, im.bytes);
    const s = ByteStore.readFile(path, SMALL);
    try {
      s.poisonHoles(0x5a);
      // Whether the bytes are the file's, through the holes (what the document's dirty state is).
      const diff = new SavedDiff(() => s.view, (o, n) => s.bytesAt(o, n));
      let oracle: Uint8Array = im.bytes.slice();
      const undo: Splice[][] = [];
      for (let k = 0; k < 12; k++) {
        const len = oracle.length;
        const offset = Math.floor(r() * len);
        const remove = Math.min(len - offset, Math.floor(r() * (r() < 0.3 ? 300 : 6)));
        const insert = Uint8Array.from({ length: Math.floor(r() * (r() < 0.3 ? 300 : 6)) }, () => Math.floor(r() * 256));
        const splices: Splice[] = [{ offset, remove, insert }];
        if (r() < 0.3) splices.push({ offset: Math.floor(r() * (len - remove + insert.length)), remove: 0, insert: Uint8Array.of(7, 7) });
        const want = applySplices(oracle, splices);
        undo.push(s.apply(splices));
        diff.record(splices, undo.at(-1)!);
        assert.equal(hex(undo.at(-1)!.flatMap((x) => [...x.insert]) as unknown as Uint8Array), hex(want.inverse.flatMap((x) => [...x.insert]) as unknown as Uint8Array), `${im.name}: step ${k}: inverse`);
        oracle = want.bytes;
        assert.equal(s.length, oracle.length);
        assert.equal(hex(s.read(0, s.length)), hex(oracle), `${im.name}: step ${k}: content`);
        assert.equal(diff.clean, Buffer.from(oracle).equals(Buffer.from(im.bytes)), `${im.name}: step ${k}: clean`);
        steps++;
      }
      assert.equal(hex(written(s)), hex(oracle), `${im.name}: writeTo after edits`);
      while (undo.length) {
        const u = undo.pop()!;
        diff.record(u, s.apply(u));
        assert.equal(diff.clean, undo.length === 0 || Buffer.from(s.read(0, s.length)).equals(Buffer.from(im.bytes)), `${im.name}: undo: clean`);
      }
      assert.equal(hex(s.read(0, s.length)), hex(im.bytes), `${im.name}: after undoing everything`);
    } finally {
      s.dispose();
    }
  }
  assert.ok(steps > 500, `${steps} steps`);
});

test('the file written in place under the holes: reads and writes refuse; a rename over it changes nothing', async () => {
  const im = images.find((x) => x.name === 'bench-pairs-20MiB') ?? images.reduce((a, b) => (a.bytes.length > b.bytes.length ? a : b));
  // A rename over the path (an atomic save, ours or another program's): the store reads the file it opened.
  const path = fileOf('renamed.ckpt', im.bytes);
  const fh = await open(path, 'r');
  const s = await ByteStore.readHandle(fh, path, SMALL);
  assert.ok(s.ownsHandle, 'the store keeps the file open for its holes');
  try {
    const other = fileOf('other.ckpt', new Uint8Array(im.bytes.length).fill(0xee));
    renameSync(other, path);
    assert.equal(hex(s.read(0, s.length)), hex(im.bytes));
    assert.equal(hex(written(s)), hex(im.bytes));
  } finally {
    s.dispose();
  }
  // An in-place write: refused with a message that says what happened, and what to do.
  const path2 = fileOf('inplace.ckpt', im.bytes);
  const s2 = ByteStore.readFile(path2, SMALL);
  try {
    const fd = openSync(path2, 'r+');
    writeSync(fd, Uint8Array.of(1, 2, 3), 0, 3, im.bytes.length - 100);
    closeSync(fd);
    utimesSync(path2, new Date(), new Date(Date.now() + 5000));
    assert.ok(s2.bytesOnDisk > 0);
    assert.throws(() => written(s2), (e: unknown) => e instanceof SourceChangedError && /changed in place/.test(e.message));
    assert.throws(() => s2.read(0, s2.length), SourceChangedError);
    // Bytes that are in memory are still served.
    assert.equal(hex(s2.read(0, 8)), hex(im.bytes.subarray(0, 8)));
  } finally {
    s2.dispose();
  }
});

test('clean compares through the holes: a byte moved across a run of zeros on disk is the same file; a changed one is not', { skip: !gen }, () => {
  const bytes = benchPairs(20 << 20);
  const img = openImage(bytes);
  const { index } = img;
  let rec = -1;
  for (let i = 1; i < index.count && rec < 0; i++) if (index.types[i] === T.BUFFER && index.types[i - 1] !== T.TTY_LDISC && index.lens[i] > 8192) rec = i;
  assert.ok(rec > 0, 'a page BUFFER');
  const start = index.offsets[rec] + 8;
  const end = index.offsets[rec] + index.lens[rec];
  bytes.fill(0, start, end); // page contents are opaque: zeros are as valid as anything
  const path = fileOf('zero-page.ckpt', bytes);
  for (const [inserted, want] of [[0, true], [1, false]] as const) {
    const s = ByteStore.readFile(path, SMALL);
    try {
      s.poisonHoles(0x11); // a pattern in memory that is not the file's zeros, and not periodic
      assert.ok(!s.holds(start + 200, end - 200), 'the page is on disk');
      const diff = new SavedDiff(() => s.view, (o, n) => s.bytesAt(o, n));
      const a: Splice[] = [{ offset: start + 100, remove: 1, insert: new Uint8Array(0) }];
      diff.record(a, s.apply(a));
      assert.equal(diff.clean, false, 'one byte shorter');
      const b: Splice[] = [{ offset: end - 1 - 100, remove: 0, insert: Uint8Array.of(inserted) }];
      diff.record(b, s.apply(b));
      assert.equal(diff.clean, want, `a ${inserted} put back 100 bytes before the end of the page`);
      assert.equal(Buffer.from(s.read(0, s.length)).equals(Buffer.from(bytes)), want, 'the oracle agrees');
    } finally {
      s.dispose();
    }
  }
});

test('a backup written off the event loop is the content; an edit while it is written gives it up and leaves no file', async () => {
  const im = images.find((x) => x.name === 'bench-pairs-20MiB') ?? images.reduce((a, b) => (a.bytes.length > b.bytes.length ? a : b));
  const path = fileOf('backup-src.ckpt', im.bytes);
  const s = ByteStore.readFile(path, SMALL);
  try {
    const out = join(dir, 'backup.bin');
    await writeFileAtomicAsync(out, (fh) => s.writeToAsync(fh, () => true));
    assert.equal(hex(new Uint8Array(readFileSync(out))), hex(im.bytes));
    // Changed after the first piece: aborted, and neither the target nor a temporary file is left.
    const out2 = join(dir, 'backup2.bin');
    let asked = 0;
    await assert.rejects(
      writeFileAtomicAsync(out2, (fh) => s.writeToAsync(fh, () => ++asked < 3)),
      (e: unknown) => e instanceof SaveError && e.cause instanceof WriteAborted,
    );
    assert.ok(asked >= 3);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.backup2') || n === 'backup2.bin'), []);
  } finally {
    s.dispose();
  }
});
