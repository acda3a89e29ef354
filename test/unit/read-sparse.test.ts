// The report's read (readRegularFileSparse): large payloads no report decodes are left unread, and
// every report made from what it read is the one made from the whole file; the sha256 it computes
// in the same pass is the file's. Images: bench-pairs with page-sized BUFFERs (holes), the same
// with its framing broken in the middle (read densely from there) and cut short, and every test
// image (no holes), each written to a file and read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allImages, generator, rng, ROOT } from '../lib/images.js';
import { readRegularFileSparse } from '../../src/io/read-sparse.js';
import { byteOrderOf, openImage } from '../../src/parser/image.js';
import { indexStream } from '../../src/parser/stream-index.js';
import { HDR_SIZE, LAYOUT, T } from '../../src/parser/layout.js';
import { validateBounded } from '../../src/parser/validate/index.js';
import { reportJson, reportJsonBytes, reportNdjsonBytes } from '../../src/parser/report-json.js';
import { reportText } from '../../src/parser/report-text.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-read-sparse-'));

function files(): { name: string; path: string }[] {
  const gen = generator();
  assert.ok(gen, 'ckpt-gen compiles');
  const pairs = join(dir, 'pairs.ckpt');
  execFileSync(gen, ['bench-pairs', pairs, '24M']);
  const whole = new Uint8Array(readFileSync(pairs));
  // A record len set past the end half-way: the index resynchronises and the rest is read densely.
  const broken = whole.slice();
  const view = new DataView(broken.buffer);
  let p = 0;
  while (p < whole.length / 2) p += view.getUint32(p + 4, true);
  view.setUint32(p + 4, 0x7fffffff, true);
  writeFileSync(join(dir, 'broken.ckpt'), broken);
  writeFileSync(join(dir, 'cut.ckpt'), whole.subarray(0, Math.floor(whole.length * 0.7)));
  const out = [
    { name: 'bench-pairs', path: pairs },
    { name: 'broken', path: join(dir, 'broken.ckpt') },
    { name: 'cut', path: join(dir, 'cut.ckpt') },
  ];
  for (const im of allImages()) {
    const f = join(dir, `${im.name}.ckpt`);
    writeFileSync(f, im.bytes);
    out.push({ name: im.name, path: f });
  }
  return out;
}

const FILES = files();

function reports(bytes: Uint8Array, name: string): { text: string; json: string } {
  const img = openImage(bytes);
  const v = validateBounded(img);
  return { text: reportText(img, v.diagnostics, name, { counted: v }), json: JSON.stringify(reportJson(img, v.diagnostics, v.omitted)) };
}

test('the sparse read leaves page contents unread, and every report from it is the whole file\'s', async () => {
  let holes = 0;
  for (const f of FILES) {
    const whole = new Uint8Array(readFileSync(f.path));
    const r = await readRegularFileSparse(f.path, { hash: true });
    assert.equal(r.sha256, createHash('sha256').update(whole).digest('hex'), f.name);
    assert.equal(r.bytes.length, whole.length);
    // Outside the holes, the bytes are the file's; the holes were not read (zeros).
    const copy = whole.slice();
    for (const h of r.holes) copy.fill(0, h.at, h.at + h.len);
    assert.ok(Buffer.from(copy).equals(Buffer.from(r.bytes)), `${f.name}: bytes outside the holes`);
    holes += r.holes.length;
    if (f.name === 'bench-pairs') assert.ok(r.holes.reduce((a, h) => a + h.len, 0) > whole.length * 0.9, 'most of bench-pairs is left unread');
    assert.deepEqual(reports(r.bytes, f.name), reports(whole, f.name), f.name);
    assert.equal((await readRegularFileSparse(f.path)).sha256, undefined);
  }
  assert.ok(holes >= 1000, `${holes} holes`);
});

test('the index built from the headers the read walked is indexStream\'s, and is not given when the framing breaks', async () => {
  let given = 0;
  for (const f of FILES) {
    const r = await readRegularFileSparse(f.path);
    const want = indexStream(r.bytes, byteOrderOf(r.bytes) ?? true);
    const sound = want.problems.length === 0 && byteOrderOf(r.bytes) !== undefined;
    if (!sound) {
      assert.equal(r.index, undefined, f.name);
      continue;
    }
    given++;
    assert.ok(r.index, f.name);
    assert.equal(r.index.count, want.count, f.name);
    for (const k of ['offsets', 'types', 'lens', 'spans'] as const) assert.deepEqual(Array.from(r.index[k]), Array.from(want[k]), `${f.name} ${k}`);
    assert.deepEqual(r.index.problems, []);
  }
  assert.ok(given > 10, `${given} indexes`);
  assert.equal((await readRegularFileSparse(join(dir, 'broken.ckpt'))).index, undefined);
  assert.equal((await readRegularFileSparse(join(dir, 'cut.ckpt'))).index, undefined);
});

test('ckpt-inspect reports a file with holes as it reports the whole file, and --json names its sha256', async () => {
  const bin = join(ROOT, 'bin/ckpt-inspect.js');
  for (const f of FILES.slice(0, 3)) {
    const whole = new Uint8Array(readFileSync(f.path));
    const img = openImage(whole);
    const v = validateBounded(img);
    const text = spawnSync(process.execPath, [bin, f.path], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(text.stdout, reportText(img, v.diagnostics, f.path, { counted: v }), f.name);
    const json = spawnSync(process.execPath, [bin, '--json', f.path], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const source = { path: f.path, sha256: createHash('sha256').update(whole).digest('hex') };
    assert.equal(json.stdout, `${JSON.stringify({ ...reportJson(img, v.diagnostics, v.omitted), source })}\n`, f.name);
  }
});

/** Every report the CLI writes (text, --json as streamed, --ndjson of each section) from one image. */
function allReports(img: ReturnType<typeof openImage>, name: string): Record<string, string> {
  const v = validateBounded(img);
  const dec = (chunks: Iterable<Uint8Array>) => Buffer.concat([...chunks].map((c) => Buffer.from(c))).toString('utf8');
  const out: Record<string, string> = {
    text: reportText(img, v.diagnostics, name, { counted: v }),
    json: dec(reportJsonBytes(img, v.diagnostics, { source: null, omitted: v.omitted, terminal: true, chunk: 4096 })),
  };
  for (const s of ['records', 'ttys', 'graph', 'diagnostics'] as const) out[`ndjson ${s}`] = dec(reportNdjsonBytes(img, v.diagnostics, s, 4096, true));
  return out;
}

test('the packed read (what ckpt-inspect reads) gives every report the whole file gives, touching only the records they read', async () => {
  const gen = generator();
  assert.ok(gen);
  const small = join(dir, 'small.ckpt');
  execFileSync(gen, ['bench-small', small, '3M']);
  let packed = 0;
  for (const f of [...FILES, { name: 'bench-small', path: small }]) {
    const whole = new Uint8Array(readFileSync(f.path));
    const r = await readRegularFileSparse(f.path, { hash: true, pack: true });
    assert.equal(r.sha256, createHash('sha256').update(whole).digest('hex'), f.name);
    const plain = await readRegularFileSparse(f.path);
    if (!plain.index) {
      // A broken framing: read the plain way (every byte the reports may look at).
      assert.equal(r.packed, undefined, f.name);
      assert.ok(Buffer.from(r.bytes).equals(Buffer.from(plain.bytes)), f.name);
      continue;
    }
    assert.ok(r.packed && r.index, f.name);
    packed++;
    assert.deepEqual(allReports(openImage(r.bytes, r.index, r.packed), f.name), allReports(openImage(whole), f.name), f.name);
    if (f.name === 'bench-small') {
      // Most of the file is not in the file-sized array, and the packing is a fraction of it.
      let nonzero = 0;
      for (let i = 0; i < r.bytes.length; i += 64) if (r.bytes[i] !== 0) nonzero++;
      assert.ok(nonzero < r.bytes.length / 64 / 20, `${nonzero} of ${r.bytes.length / 64} sampled bytes kept`);
    }
    // The packing holds the list records' first payload bytes as the file has them, and only those
    // (the header's type and len are the index's): record i's byte k is at at[i] - 1 + k.
    const { at, bytes: pb } = r.packed;
    let sum = HDR_SIZE;
    for (let i = 0; i < r.index.count; i++) {
      const list = [T.OBJREF, T.FILE, T.FILE_DESC, T.FILE_TABLE, T.SIGNAL].includes(r.index.types[i]);
      assert.equal(at[i] > 0, list, `${f.name} record ${i}`);
      if (!list) continue;
      const o = r.index.offsets[i];
      const n = Math.min(r.index.lens[i], LAYOUT.signal.len);
      assert.ok(Buffer.from(pb.subarray(at[i] - 1 + HDR_SIZE, at[i] - 1 + n)).equals(Buffer.from(whole.subarray(o + HDR_SIZE, o + n))), `${f.name} record ${i}`);
      sum += n - HDR_SIZE;
    }
    assert.equal(pb.length, sum, f.name);
  }
  assert.ok(packed > 10, `${packed} images read packed`);
});

test('the packed read of damaged copies of every test image gives the reports of the whole file', async () => {
  const r = rng(12);
  let n = 0;
  for (const im of allImages()) {
    for (let s = 0; s < 4; s++) {
      const b = im.bytes.slice();
      for (let k = 0; k < 6; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const f = join(dir, `damaged-${im.name}-${s}.ckpt`);
      writeFileSync(f, b);
      const got = await readRegularFileSparse(f, { pack: true });
      assert.deepEqual(allReports(openImage(got.bytes, got.index, got.packed), f), allReports(openImage(b), f), f);
      n++;
    }
  }
  assert.ok(n > 40);
});
