// The editor's in-place model patch (src/editor/image-model.ts `patch`) against a full rebuild: after
// field and pending-input edits through ByteStore, the patched model shows the same values and diagnostics as a model
// built from scratch over the same bytes; undo restores the bytes exactly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { CkptModel } from '../../src/editor/image-model.js';
import { editForPath } from '../../src/parser/edit-paths.js';
import { applySplices, type Splice } from '../../src/parser/encode.js';
import { filledPage, requestKey, type Requests } from '../../src/shared/protocol.js';
import { generator } from '../lib/images.js';

const root = join(__dirname, '../..');
const strip = (m: CkptModel) => m.diagnostics.map((d) => `${d.code}@${d.offset}:${d.severity}:${d.message}`).sort();
const views = (m: CkptModel) => JSON.stringify([m.handle('pairs', { start: 0, count: 50 }), m.handle('ldiscs', { start: 0, count: 50 })]);

const EDITS: [string, string, boolean][] = [
  ['ttys[1].termios.c_lflag.ECHO', '0', true],
  ['ttys[1].termios.c_lflag.ICANON', '0', true],
  ['ttys[1].winsize.ws_col', '132', true],
  ['ttys[0].flags.TTY_PTY_LOCK', '1', true],
  ['ttys[1].flags.TTY_CLOSING', '1', true],
  ['ttys[1].termios.c_cc.VINTR', '^X', true],
  ['ttys[1].termios.c_line', '3', true],
  ['ttys[1].ldisc.datalen', '5000', true],
  ['ttys[1].ldisc.icanon', '0', true],
  ['ttys[1].ldisc.canon_data', '7', true],
  // The pending input: a BUFFER of another length is rebased (src/parser/rebase.ts); a BUFFER that
  // goes away or comes back renumbers the records after it, which only a rebuild handles.
  ['ttys[1].ldisc.data', 'hello\\nworld', true],
  ['ttys[1].ldisc.data', 'hi', true],
  ['ttys[1].ldisc.data', '', false],
  ['ttys[1].ldisc.data', 'back\\n', false],
  ['ttys[0].index', '9', false],
  ['ttys[1].link_objref', '77', false],
];

for (const file of ['samples/pair.ckpt', 'test/fixtures/hostile-buffer.ckpt']) {
  test(`patched model equals a rebuilt one after each edit, and undo restores the bytes (${file})`, () => {
    const original = new Uint8Array(readFileSync(join(root, file)));
    const store = ByteStore.from(original);
    let model = new CkptModel(store.view, 'x');
    const undo: ReturnType<ByteStore['apply']>[] = [];
    for (const [path, value, patchable] of EDITS) {
      const e = editForPath(model.img!, path, value);
      if (store.isNoop(e.splices)) continue;
      undo.push(store.apply(e.splices));
      const patched = model.patch(store.view, e.splices);
      assert.equal(patched, patchable, `${path}: patched ${patched}`);
      if (!patched) model = new CkptModel(store.view, 'x');
      const fresh = new CkptModel(store.view.slice(), 'x');
      assert.deepEqual(strip(model), strip(fresh), `diagnostics after ${path}`);
      assert.equal(views(model), views(fresh), `views after ${path}`);
    }
    while (undo.length) store.apply(undo.pop()!);
    assert.deepEqual(Buffer.from(store.view), Buffer.from(original));
  });
}

test('ByteStore: length-changing splices shift the tail in place and grow past the slack', () => {
  const s = ByteStore.from(Uint8Array.from([1, 2, 3, 4, 5]));
  const inv = s.apply([{ offset: 1, remove: 2, insert: Uint8Array.from([9, 9, 9, 9]) }]);
  assert.deepEqual([...s.view], [1, 9, 9, 9, 9, 4, 5]);
  s.apply(inv);
  assert.deepEqual([...s.view], [1, 2, 3, 4, 5]);
  const big = new Uint8Array(600 * 1024).fill(7);
  const inv2 = s.apply([{ offset: 5, remove: 0, insert: big }]);
  assert.equal(s.length, 5 + big.length);
  s.apply(inv2);
  assert.deepEqual([...s.view], [1, 2, 3, 4, 5]);
  assert.throws(() => s.apply([{ offset: 0, remove: 1, insert: new Uint8Array(1) }, { offset: 9, remove: 1, insert: new Uint8Array(0) }]), RangeError);
  assert.deepEqual([...s.view], [1, 2, 3, 4, 5], 'a bad splice list changes nothing');
});

test('ByteStore: a length change moves the shorter side, the other stays where it is', () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
  const s = ByteStore.from(data);
  let want: Uint8Array = data;
  const edit = (sp: Splice) => {
    s.apply([sp]);
    want = applySplices(want, [sp]).bytes;
    assert.deepEqual(Buffer.from(s.view), Buffer.from(want));
  };
  const buf = s.view.buffer;
  const tailAt = s.view.byteOffset + 990; // where byte 990 lives in memory
  edit({ offset: 10, remove: 2, insert: new Uint8Array(7).fill(1) }); // near the start: the head moves
  assert.equal(s.view.buffer, buf);
  assert.equal(s.view.byteOffset + 995, tailAt, 'the bytes after the splice stayed in place');
  const headAt = s.view.byteOffset;
  edit({ offset: 980, remove: 0, insert: new Uint8Array(3).fill(2) }); // near the end: the tail moves
  assert.equal(s.view.byteOffset, headAt, 'the bytes before the splice stayed in place');
  edit({ offset: 5, remove: 20, insert: new Uint8Array(0) }); // shrinking near the start
  // Growing at the start until the room before the content runs out: then the tail moves, and past
  // the room after it, the store moves to new memory; the content is right throughout.
  for (let k = 0; k < 100; k++) edit({ offset: 0, remove: 0, insert: new Uint8Array(4096).fill(k) });
  assert.notEqual(s.view.buffer, buf);
  edit({ offset: 3, remove: 409600, insert: Uint8Array.of(9) });
});

test('update() answers ahead what the panels ask again, as the patched model answers it', () => {
  const store = ByteStore.from(new Uint8Array(readFileSync(join(root, 'samples/pair.ckpt'))));
  const model = new CkptModel(store.view, 'x');
  const last = Math.floor((store.view.length - 1) / 4096) * 4096;
  // What a webview showing the tree, the hex view and the first pages of pairs and line disciplines asked.
  const asked: [keyof Requests, Record<string, unknown>][] = [
    ['children', { id: 'root', start: 0 }],
    ['children', { id: 'g:objects', start: 0 }],
    ['rows', { offset: 0, length: 4096 }],
    ['rows', { offset: last, length: 4096 }],
    ['pairs', { start: 0, count: 4 }],
    ['ldiscs', { start: 0, count: 4 }],
  ];
  // What the webview holds: its last answer to each request (a page sent ahead with only its changed entries is filled from it).
  const held = new Map<string, unknown>();
  for (const [name, params] of asked) held.set(requestKey(name, params), model.handle(name, params as never));
  const same = (a: unknown, b: unknown) => JSON.stringify(a, (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('hex') : v)) === JSON.stringify(b, (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('hex') : v));
  const check = (u: ReturnType<CkptModel['update']>, want: string[]) => {
    const got = (u.prefetched ?? []).map((p) => p.key).sort();
    assert.deepEqual(got, [...new Set(want)].sort());
    for (const p of u.prefetched ?? []) {
      const [name, params] = asked.find(([n, q]) => requestKey(n, q) === p.key)!;
      const fresh = model.handle(name, params as never);
      if (p.fill) assert.equal(p.base, u.generation - 1, 'filled from the answer of the generation before');
      assert.ok(same(filledPage(p, held.get(p.key)), fresh), `${p.key} answered ahead as asked`);
      held.set(p.key, fresh);
    }
  };
  // A pending-input edit: everything after the BUFFER moves, so the tree and every chunk are asked again.
  const e = editForPath(model.img!, 'ttys[1].ldisc.data', 'make\\n');
  store.apply(e.splices);
  assert.ok(model.patch(store.view, e.splices));
  check(model.update(2, {}, true, model.lastPatchRecords, null), asked.map(([n, q]) => requestKey(n, q)));
  // A field edit in place: only the chunk it lies in and the pages that show its pair.
  const f = editForPath(model.img!, 'ttys[1].winsize.ws_col', '99');
  store.apply(f.splices);
  assert.ok(model.patch(store.view, f.splices));
  const chunk = Math.floor(f.splices[0].offset / 4096) * 4096;
  const u = model.update(3, {}, false, model.lastPatchRecords, f.splices.map((s) => ({ offset: s.offset, length: s.insert.length })));
  check(u, [requestKey('pairs', { start: 0, count: 4 }), requestKey('ldiscs', { start: 0, count: 4 }), ...(chunk === 0 || chunk === last ? [requestKey('rows', { offset: chunk, length: 4096 })] : [])]);
});

test('a patch that changes no diagnostic keeps the list (the provider then sends none); one that does makes a new one', () => {
  const store = ByteStore.from(new Uint8Array(readFileSync(join(root, 'samples/pair.ckpt'))));
  const model = new CkptModel(store.view, 'x');
  const before = model.diagnostics;
  const f = editForPath(model.img!, 'ttys[1].winsize.ws_col', '99');
  store.apply(f.splices);
  assert.ok(model.patch(store.view, f.splices));
  assert.equal(model.diagnostics, before, 'same array after an edit that changes no diagnostic');
  const g = editForPath(model.img!, 'ttys[1].ldisc.datalen', '5000');
  store.apply(g.splices);
  assert.ok(model.patch(store.view, g.splices));
  assert.notEqual(model.diagnostics, before);
  assert.ok(model.diagnostics.some((d) => d.code === 'LDISC_DATALEN'), 'the new error is in the new list');
  assert.equal(JSON.stringify(model.diagnostics), JSON.stringify(new CkptModel(store.view.slice(), 'x').diagnostics), 'as a model built from scratch');
});

test('after a field edit a page of pairs or line disciplines goes ahead with only the touched entries; filled, it is the page the patched model answers', { skip: !generator() }, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ckpt-page-')), 'pairs.ckpt');
  execFileSync(generator()!, ['bench-pairs', file, String(1 << 20)]);
  const store = ByteStore.from(new Uint8Array(readFileSync(file)));
  const model = new CkptModel(store.view, 'x');
  const asked: [keyof Requests, Record<string, unknown>][] = [
    ['pairs', { start: 0, count: 4 }],
    ['ldiscs', { start: 0, count: 4 }],
  ];
  const held = new Map(asked.map(([n, q]) => [requestKey(n, q), model.handle(n, q as never)]));
  const slave = model.img!.ttys.findIndex((t) => t.role === 'slave');
  const f = editForPath(model.img!, `ttys[${slave}].winsize.ws_col`, '99');
  store.apply(f.splices);
  assert.ok(model.patch(store.view, f.splices));
  const u = model.update(7, {}, false, model.lastPatchRecords, f.splices.map((s) => ({ offset: s.offset, length: s.insert.length })));
  assert.equal(u.prefetched?.length, 2);
  for (const p of u.prefetched ?? []) {
    const [name, params] = asked.find(([n, q]) => requestKey(n, q) === p.key)!;
    assert.equal(p.base, 6);
    const entries = (p.result as Record<string, unknown[]>)[p.fill!];
    // Pair 0's two ttys were touched (the edit and its partner's checks); the other pairs' entries are left out.
    const nulls = entries.filter((x) => x === null).length;
    assert.ok(nulls >= 2 && nulls < entries.length, `${p.key}: ${nulls} of ${entries.length} entries left out`);
    const want = JSON.stringify(model.handle(name, params as never));
    assert.equal(JSON.stringify(filledPage(p, held.get(p.key))), want, `${p.key}: filled, as the patched model answers`);
    if (name === 'pairs') assert.notEqual(JSON.stringify(held.get(p.key)), want, 'the pairs page changed (ws_col)');
  }
});
