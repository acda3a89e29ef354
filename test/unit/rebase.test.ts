// Rebasing a model after an edit of a tty's pending input (src/parser/rebase.ts, and the editor's
// CkptModel.patch on top of it) against parsing the edited bytes from scratch. The reference is
// always openImage + validate + buildGraph on a copy of the edited bytes: the rebased image must be
// indistinguishable from it (index, every Field with its offset and value, the lazy records, the
// diagnostics in order, the graph), and so must the editor's patched model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { CkptModel } from '../../src/editor/image-model.js';
import { editForPath } from '../../src/parser/edit-paths.js';
import { modelFields, type Splice } from '../../src/parser/encode.js';
import { buildGraph } from '../../src/parser/graph.js';
import { openImage } from '../../src/parser/image.js';
import type { Image, Tty } from '../../src/parser/model.js';
import { bufferSpliceOwner, rebaseAfterSplice } from '../../src/parser/rebase.js';
import { validate } from '../../src/parser/validate/index.js';
import { allImages, ROOT, rng, type TestImage } from '../lib/images.js';

const extra: TestImage[] = ['samples/pair.ckpt', 'test/fixtures/hostile-buffer.ckpt'].map((p) => ({
  name: p,
  bytes: new Uint8Array(readFileSync(join(ROOT, p))),
  json: { size: 0, endian: '', errors: [], ttys: [], files: [] },
  source: 'generated',
}));
const images = [...allImages(), ...extra].filter((im) => openImage(im.bytes).ttys.some((t) => t.ldisc));

const json = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

function ttySnapshot(t: Tty): unknown {
  const l = t.ldisc;
  return {
    ...t,
    ldisc: l ? { ...l, buffer: l.buffer ? { ...l.buffer } : null } : null,
  };
}

/** Where two snapshots first differ (a path and both values), for a readable failure. */
function firstDiff(a: unknown, b: unknown, path = ''): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path}: ${JSON.stringify(a)?.slice(0, 300)} vs ${JSON.stringify(b)?.slice(0, 300)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

function assertSame(actual: string, expected: string, what: string): void {
  if (actual !== expected) assert.fail(`${what}: ${firstDiff(JSON.parse(actual), JSON.parse(expected))}`);
}

/** Everything a consumer of an Image can read, with offsets. */
function snapshot(img: Image): string {
  const { index } = img;
  return json({
    size: img.size,
    bytes: img.bytes.length,
    decoded: img.decoded,
    index: { count: index.count, offsets: [...index.offsets], types: [...index.types], lens: [...index.lens], spans: [...index.spans], problems: index.problems },
    ttys: img.ttys.map(ttySnapshot),
    fields: modelFields(img),
    objrefs: [...img.objrefs].map((r) => [r.record, r.offset, r.type, r.ref, r.target]),
    objects: [...img.objects.values()].map((r) => [r.record, r.offset, r.ref, r.target]),
    files: [...img.files].map((f) => [f.record, f.offset, f.len, f.objref, f.fType, f.refValue, f.ref?.offset ?? null]),
    fileTables: img.fileTables.map((ft) => [ft.record, ft.offset, ft.objref, ft.fdt_nfds, [...ft.fds].map((d) => d.record)]),
    fds: [...img.fds].map((d) => [d.record, d.offset, d.table, d.fileRef, d.fd, d.cloexec, d.fd_objref.offset]),
    signals: [...img.signals].map((s) => [s.record, s.offset, s.tty_objref]),
    tail: img.tailRecord,
    diagnostics: validate(img),
    graph: buildGraph(img),
  });
}

/** New pending input: mostly short text with line ends, sometimes empty, sometimes past the 4096-byte ring. */
function randomData(r: () => number): string {
  const x = r();
  const len = x < 0.1 ? 0 : x < 0.2 ? 4000 + Math.floor(r() * 200) : Math.floor(r() * 120);
  const alphabet = [0x61, 0x62, 0x63, 0x0a, 0x0a, 0x20, 0x00, 0xff, 0x7f, 0x0d, 0x04];
  const bytes = Uint8Array.from({ length: len }, () => alphabet[Math.floor(r() * alphabet.length)]);
  return `hex:${Buffer.from(bytes).toString('hex')}`;
}

/** The one length-changing (or whole-record) BUFFER splice of an edit, if the image can be rebased over it. */
function bufferSplice(img: Image, splices: Splice[]): Splice | null {
  const b = splices.filter((s) => bufferSpliceOwner(img, s));
  return b.length === 1 ? b[0] : null;
}

test('there are images with a line discipline to edit', () => {
  assert.ok(images.length >= 3, `${images.length} image(s)`);
});

for (const im of images) {
  test(`rebaseAfterSplice = openImage of the edited bytes, edits and their undo (${im.source}/${im.name})`, () => {
    const r = rng(im.bytes.length * 31 + 7);
    const original = openImage(im.bytes.slice());
    let rebased = 0;
    for (let round = 0; round < 6; round++) {
      const store = ByteStore.from(im.bytes);
      const img = openImage(store.view);
      // Only a pending input that has a BUFFER can be rebased; an edit of one without inserts a record.
      const withBuffer = img.ttys.map((t, i) => ({ t, i })).filter((x) => x.t.ldisc?.buffer);
      if (!withBuffer.length) break;
      const { i } = withBuffer[Math.floor(r() * withBuffer.length)];
      const e = editForPath(img, `ttys[${i}].ldisc.data`, randomData(r));
      const s = bufferSplice(img, e.splices);
      const inverse = store.apply(e.splices);
      if (!s) continue; // a BUFFER inserted or removed, or broken framing: not a rebase
      rebaseAfterSplice(img, store.view, s.offset, s.insert.length - s.remove);
      assertSame(snapshot(img), snapshot(openImage(store.view.slice())), `round ${round}: after the edit of ttys[${i}]`);
      // Undo goes through the same path: the inverse splices hold the old BUFFER record.
      const u = bufferSplice(img, inverse);
      assert.ok(u, 'the undo of a rebased edit is a rebase too');
      store.apply(inverse);
      rebaseAfterSplice(img, store.view, u.offset, u.insert.length - u.remove);
      assertSame(snapshot(img), snapshot(original), `round ${round}: after the undo`);
      rebased++;
    }
    const hasBuffer = openImage(im.bytes).ttys.some((t) => t.ldisc?.buffer);
    if (openImage(im.bytes).index.problems.length === 0 && hasBuffer) assert.ok(rebased > 0, 'no edit was rebased');
  });
}

test('rebaseAfterSplice refuses what is not a pending-input BUFFER', () => {
  const im = images[0];
  const img = openImage(im.bytes.slice());
  const t = img.ttys.find((x) => x.ldisc);
  assert.ok(t?.ldisc);
  // An LDISC value is not a BUFFER record, and a length that does not match the bytes is refused.
  assert.equal(bufferSpliceOwner(img, { offset: t.ldisc.datalen.offset, remove: 4, insert: new Uint8Array(4) }), null);
  assert.throws(() => rebaseAfterSplice(img, img.bytes, t.ldisc!.offset, 0));
  if (t.ldisc.buffer) assert.throws(() => rebaseAfterSplice(img, img.bytes, t.ldisc!.buffer!.offset, 5));
});

// ---- the editor's model ----

const strip = (m: CkptModel) => json(m.diagnostics);
function modelSnapshot(m: CkptModel): string {
  const { index } = m;
  const groups = ['g:header', 'g:tasks', 'g:objects', 'g:fds', 'g:tail'].map((g) => m.structure.children(g, 0));
  // A few records' tree nodes and fields (offsets and summaries from the bytes).
  const probe = [1, Math.floor(index.count / 2), index.count - 2, index.count - 1].filter((i) => i >= 0 && i < index.count);
  return json({
    size: m.bytes.length,
    index: { offsets: [...index.offsets], types: [...index.types], lens: [...index.lens], spans: [...index.spans] },
    ttys: m.img?.ttys.map(ttySnapshot),
    graph: m.graph,
    views: [m.handle('pairs', { start: 0, count: 50 }), m.handle('ldiscs', { start: 0, count: 50 })],
    tree: [groups, probe.map((i) => [m.structure.recordNode(i), m.structure.children(`r:${i}`, 0), m.structure.fieldAt(index.offsets[i] + 9)])],
  });
}

for (const im of images) {
  test(`CkptModel.patch after random pending-input and field edits, and their undo, equals a model built from scratch (${im.source}/${im.name})`, () => {
    const r = rng(im.bytes.length * 17 + 3);
    const store = ByteStore.from(im.bytes);
    let model = new CkptModel(store.view, 'x');
    const undo: Splice[][] = [];
    let patchedBuffers = 0;
    const step = (splices: Splice[], what: string) => {
      const lengthChange = splices.some((s) => s.remove !== s.insert.length);
      const patched = model.patch(store.view, splices);
      if (!patched) model = new CkptModel(store.view, 'x');
      else if (lengthChange) patchedBuffers++;
      const fresh = new CkptModel(store.view.slice(), 'x');
      assertSame(strip(model), strip(fresh), `diagnostics after ${what} (patched: ${patched})`);
      assertSame(modelSnapshot(model), modelSnapshot(fresh), `model after ${what} (patched: ${patched})`);
    };
    for (let k = 0; k < 6; k++) {
      const img = model.img!;
      const withLdisc = img.ttys.map((t, i) => ({ t, i })).filter((x) => x.t.ldisc && (k > 0 || x.t.ldisc.buffer));
      if (!withLdisc.length) continue;
      const { i } = withLdisc[Math.floor(r() * withLdisc.length)];
      // The first edit always gives a pending input that has a BUFFER another (non-zero) length.
      const x = k === 0 ? 0.5 : r();
      const buf = img.ttys[i].ldisc?.buffer;
      const [path, value] =
        x < 0.1 && buf && buf.data.length > 0 ? [`bytes@${buf.dataOffset + Math.floor(r() * buf.data.length)}`, r() < 0.5 ? '0a' : '41']
        : k === 0 ? [`ttys[${i}].ldisc.data`, `hex:${'0a61'.repeat(1 + Math.floor(r() * 30))}`]
        : x < 0.6 ? [`ttys[${i}].ldisc.data`, randomData(r)]
        : x < 0.7 ? [`ttys[${i}].termios.c_lflag.ICANON`, r() < 0.5 ? '0' : '1']
        : x < 0.8 ? [`ttys[${i}].ldisc.icanon`, r() < 0.5 ? '0' : '1']
        : x < 0.9 ? [`ttys[${i}].winsize.ws_col`, String(Math.floor(r() * 300))]
        : [`ttys[${i}].flags.TTY_CLOSING`, r() < 0.5 ? '0' : '1'];
      const e = editForPath(img, path, value);
      if (store.isNoop(e.splices)) continue;
      undo.push(store.apply(e.splices));
      step(e.splices, `${path}=${value.slice(0, 20)}`);
    }
    while (undo.length) {
      const inv = undo.pop()!;
      // What the document keeps for redo: the splices that undo the undo.
      const redo = store.apply(inv);
      step(inv, 'undo');
      if (undo.length % 3 === 0) {
        const again = store.apply(redo);
        step(redo, 'redo');
        store.apply(again);
        step(again, 'undo after a redo');
      }
    }
    assert.ok(Buffer.from(store.view).equals(Buffer.from(im.bytes)), 'undo restored the bytes');
    const hasBuffer = openImage(im.bytes).ttys.some((t) => t.ldisc?.buffer);
    if (openImage(im.bytes).index.problems.length === 0 && hasBuffer && !model.diagnostics.some((d) => d.code === 'REF_RESERVED_USED')) {
      assert.ok(patchedBuffers > 0, 'no pending-input edit was patched');
    }
  });
}

test('pending-input edits that outgrow the store move the image to new memory; the patched model follows', () => {
  const im = extra[0];
  const store = ByteStore.from(im.bytes);
  const model = new CkptModel(store.view, 'x');
  const ti = model.img!.ttys.findIndex((t) => t.ldisc?.buffer);
  const first = store.view.buffer;
  let patched = 0;
  // 4000 more bytes each time: the store's spare room (256 KiB) runs out after some 65 edits.
  for (let k = 1; k <= 70; k++) {
    const e = editForPath(model.img!, `ttys[${ti}].ldisc.data`, `hex:${'61'.repeat(k * 4000)}`);
    store.apply(e.splices);
    if (model.patch(store.view, e.splices)) patched++;
    else assert.fail(`edit ${k} was not patched`);
  }
  assert.notEqual(store.view.buffer, first, 'the store grew into new memory');
  assertSame(strip(model), strip(new CkptModel(store.view.slice(), 'x')), 'diagnostics');
  assertSame(modelSnapshot(model), modelSnapshot(new CkptModel(store.view.slice(), 'x')), 'model');
  assert.equal(patched, 70);
});

test('warm() compiles the patch path without changing the model', () => {
  for (const im of images.slice(0, 20)) {
    const m = new CkptModel(im.bytes.slice(), 'x');
    const before = [strip(m), modelSnapshot(m)];
    m.warm();
    assert.deepEqual([strip(m), modelSnapshot(m)], before, im.name);
  }
});
