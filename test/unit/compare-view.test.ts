// The Compare view's rows (src/editor/compare-view.ts) on images from the test image writer, edited
// here byte by byte. Expected offsets come from the format notes (§4.1 record header {type u32, len
// u32}; §6.1 TTY = 306, TTY_LDISC = 307, BUFFER = 3; §10.2 struct ckpt_hdr_tty: c_lflag __u16 at 46,
// ws_col __u16 at 66) and the flag value from termios.h (ECHO = 0o10), never from the diff code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPARE_PAGE, type CompareFieldRow, type CompareRecordRow, compareFiles, VALUE_CHARS } from '../../src/editor/compare-view.js';
import { CkptWriter, makeSampleImage, samplePair } from '../lib/image-writer.js';

const TTY = 306;
const BUFFER = 3;
const TTY_LDISC = 307;
const C_LFLAG = 46;
const WS_COL = 66;
const ECHO = 0o10;

/** [offset, type, len] of every record, walked by the record headers (little-endian images). */
function records(bytes: Uint8Array): [number, number, number][] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number, number][] = [];
  for (let o = 0; o + 8 <= bytes.length; ) {
    const len = v.getUint32(o + 4, true);
    out.push([o, v.getUint32(o, true), len]);
    if (len < 8) break;
    o += len;
  }
  return out;
}

function view(a: Uint8Array, b: Uint8Array) {
  const r = compareFiles({ name: 'a.ckpt', bytes: a }, { name: 'b.ckpt', bytes: b });
  assert.ok(r.ok, 'both are images');
  return r.view;
}

test('a termios flag and a winsize changed: exactly those two fields, at their offsets in each file, under their TTY records', () => {
  const a = samplePair();
  const b = a.slice();
  const v = new DataView(b.buffer);
  const ttys = records(a).filter(([, t]) => t === TTY).map(([o]) => o);
  assert.equal(ttys.length, 2);
  const [master, slave] = ttys as [number, number];
  const lflag = v.getUint16(slave + C_LFLAG, true);
  assert.ok(lflag & ECHO, 'the writer sets ECHO on the slave');
  v.setUint16(slave + C_LFLAG, lflag & ~ECHO, true);
  const col = v.getUint16(master + WS_COL, true);
  v.setUint16(master + WS_COL, 132, true);

  const cv = view(a, b);
  assert.equal(cv.header.equal, false);
  assert.equal(cv.header.differences, 2);
  assert.deepEqual([cv.header.changedRecords, cv.header.insertedRecords, cv.header.removedRecords], [2, 0, 0]);
  const p = cv.page(0);
  assert.deepEqual([p.start, p.end], [0, 2]);
  const rec = p.rows.filter((r): r is CompareRecordRow => r.kind === 'record');
  const fields = p.rows.filter((r): r is CompareFieldRow => r.kind === 'field');
  assert.deepEqual(rec.map((r) => [r.a?.offset, r.b?.offset, r.stop]), [[master, master, null], [slave, slave, null]]);
  assert.match(rec[0]?.label ?? '', /^TTY objref \d+ \(master of \/dev\/pts\/0\)$/);
  assert.match(rec[1]?.label ?? '', /^TTY objref \d+ \(slave of \/dev\/pts\/0\)$/);
  assert.deepEqual(
    fields.map((f) => [f.field, f.offsetA, f.offsetB, f.a, f.b, f.note, f.stop]),
    [
      ['ws_col', master + WS_COL, master + WS_COL, `${col} (0x${col.toString(16)})`, '132 (0x84)', '', 0],
      ['c_lflag', slave + C_LFLAG, slave + C_LFLAG, `${lflag} (0x${lflag.toString(16)})`, `${lflag & ~ECHO} (0x${(lflag & ~ECHO).toString(16)})`, '−ECHO', 1],
    ],
  );
  // Each record heading comes before its fields.
  assert.deepEqual(p.rows.map((r) => r.kind), ['record', 'field', 'record', 'field']);
});

test('equal images: equal, no differences, no rows', () => {
  const a = samplePair();
  const cv = view(a, a.slice());
  assert.equal(cv.header.equal, true);
  assert.equal(cv.header.differences, 0);
  assert.deepEqual(cv.page(0), { start: 0, end: 0, rows: [] });
});

test('a BUFFER only in A: one difference, the removed record with its offset in A; the other way round, inserted', () => {
  const enc = new TextEncoder();
  const a = new CkptWriter().header();
  a.pair({}, { data: enc.encode('ls\n'), icanon: true, lineEnds: [2] });
  const withBuf = a.tail();
  const b = new CkptWriter().header();
  b.pair({}, { icanon: true, lineEnds: [2] });
  const without = b.tail();
  // The slave's pending input: the last BUFFER of the image, after the slave's LDISC (the last one).
  const last = records(withBuf).filter(([, t]) => t === BUFFER).pop();
  const ldisc = records(withBuf).filter(([, t]) => t === TTY_LDISC).pop();
  assert.ok(last && ldisc);
  const cv = view(withBuf, without);
  const rec = cv.page(0).rows.filter((r): r is CompareRecordRow => r.kind === 'record');
  const removed = rec.filter((r) => r.change === 'removed');
  assert.deepEqual(removed.map((r) => [r.label, r.a?.offset, r.a?.len, r.b, r.stop === null]), [['BUFFER (pending input of slave of /dev/pts/0)', last[0], last[2], null, false]]);
  assert.equal(cv.header.removedRecords, 1);
  // Its datalen changed in the slave's LDISC, named by the pty end too.
  assert.deepEqual(rec.filter((r) => r.change === 'changed').map((r) => [r.label, r.a?.offset]), [['TTY_LDISC (slave of /dev/pts/0)', ldisc[0]]]);
  const back = view(without, withBuf);
  const inserted = back.page(0).rows.filter((r): r is CompareRecordRow => r.kind === 'record' && r.change === 'inserted');
  assert.deepEqual(inserted.map((r) => [r.label, r.b?.offset, r.a]), [['BUFFER (pending input of slave of /dev/pts/0)', last[0], null]]);
});

test('many differences come a page at a time; each page holds its stops in order with their record headings', () => {
  const pairs = 300;
  const a = makeSampleImage(pairs);
  const b = a.slice();
  const v = new DataView(b.buffer);
  const ttys = records(a).filter(([, t]) => t === TTY).map(([o]) => o);
  assert.equal(ttys.length, 2 * pairs);
  for (const o of ttys) v.setUint16(o + WS_COL, 200, true);
  const cv = view(a, b);
  assert.equal(cv.header.differences, 2 * pairs);
  const first = cv.page(0);
  assert.deepEqual([first.start, first.end], [0, COMPARE_PAGE]);
  const second = cv.page(COMPARE_PAGE + 17);
  assert.deepEqual([second.start, second.end], [COMPARE_PAGE, 2 * pairs]);
  for (const pg of [first, second]) {
    const stops = pg.rows.filter((r) => r.kind === 'field').map((r) => r.stop);
    assert.deepEqual(stops, Array.from({ length: pg.end - pg.start }, (_, i) => pg.start + i));
    const offs = pg.rows.filter((r): r is CompareFieldRow => r.kind === 'field').map((r) => r.offsetA);
    assert.deepEqual(offs, ttys.slice(pg.start, pg.end).map((o) => o + WS_COL));
    assert.equal(pg.rows.filter((r) => r.kind === 'record').length, pg.end - pg.start);
  }
  // Past the end: the last page.
  assert.equal(cv.page(10 ** 9).start, COMPARE_PAGE);
});

test('long payload values are cut; framing problems name the file, offset and field', () => {
  const enc = new TextEncoder();
  const w = (fill: string) => {
    const x = new CkptWriter().header();
    x.pair({ data: enc.encode(fill.repeat(100)) }, {});
    return x.tail();
  };
  const cv = view(w('a'), w('b'));
  const f = cv.page(0).rows.find((r): r is CompareFieldRow => r.kind === 'field' && r.field === 'bytes');
  assert.ok(f, 'the payload bytes differ');
  assert.ok(f.a.length <= VALUE_CHARS + 1 && f.a.endsWith('…') === f.a.length > VALUE_CHARS, f.a);
  assert.match(f.note, /^100 byte\(s\) differ; the first 16 shown$/);

  const a = samplePair();
  const b = a.slice();
  const recs = records(a);
  const [off] = recs[recs.length - 3] as [number, number, number];
  new DataView(b.buffer).setUint32(off + 4, 0x7fffff, true);
  const bad = view(a, b);
  assert.deepEqual(bad.header.a.problems, []);
  assert.deepEqual(bad.header.b.problems.map((p) => [p.side, p.file, p.offset, p.field]), [['B', 'b.ckpt', off, 'len']]);
});

test('a file that is not a Linux-CR image is refused naming the file, offset 0 and the HEADER; an empty one says so', () => {
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(60).fill(0)]);
  const r = compareFiles({ name: 'a.ckpt', bytes: samplePair() }, { name: 'model.ckpt', bytes: zip });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => [p.side, p.file, p.offset, p.field]), [['B', 'model.ckpt', 0, 'HEADER']]);
  assert.match(r.problems[0]?.message ?? '', /^not a Linux-CR checkpoint image: it does not start with a Linux-CR HEADER record/);
  const e = compareFiles({ name: 'empty.ckpt', bytes: new Uint8Array(0) }, { name: 'model.ckpt', bytes: zip });
  assert.ok(!e.ok);
  assert.deepEqual(e.problems.map((p) => [p.side, p.message]), [
    ['A', 'not a Linux-CR checkpoint image: the file is empty'],
    ['B', 'not a Linux-CR checkpoint image: it does not start with a Linux-CR HEADER record (type 1, len 72) or CHECKPOINT_MAGIC_HEAD'],
  ]);
});
