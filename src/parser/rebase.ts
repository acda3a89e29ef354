// Bringing an Image up to date after an edit changed the length of one record, without parsing the
// image again. The pending input of a tty (the BUFFER after its LDISC) is the only record an edit
// resizes (src/parser/encode.ts planLdiscData); everything after it moves by the same number of
// bytes and nothing in a v18 image holds an absolute offset, so moving the model is enough: the
// record index, the Fields that carry absolute offsets, and the bytes the lazy records read from.
// Pure (no vscode): the editor's model (src/editor/image-model.ts) and the tests use it.
import { HDR_SIZE, T } from './layout.js';
import { rebindImage } from './image.js';
import type { Field, FieldValue, Image, Ldisc, Tty } from './model.js';
import type { Splice } from './encode.js';

export class RebaseError extends Error {}

/** The tty whose pending-input BUFFER is record `record`, with that record's index. */
export interface BufferOwner {
  tty: Tty;
  ldisc: Ldisc;
  record: number;
}

/** Index of the record that starts at `offset`, or -1 (binary search over the record index). */
export function recordStartingAt(img: Image, offset: number): number {
  const { offsets, count } = img.index;
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = offsets[mid];
    if (o === offset) return mid;
    if (o < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

interface RebaseTables {
  /** Pending-input BUFFER records by record number (records never renumber here). */
  owners: Map<number, BufferOwner>;
  /** Per tty (same order as img.ttys), every Field of the TTY and its LDISC that carries an offset. */
  fields: Field<FieldValue>[][];
}

const tables = new WeakMap<Image, RebaseTables>();
/** Built once per image (a few milliseconds for thousands of ttys; the editor's model warms it). */
export function rebaseTables(img: Image): RebaseTables {
  let m = tables.get(img);
  if (!m) {
    const owners = new Map<number, BufferOwner>();
    const fields: Field<FieldValue>[][] = [];
    for (const tty of img.ttys) {
      const l = tty.ldisc;
      if (l?.buffer) owners.set(l.buffer.record, { tty, ldisc: l, record: l.buffer.record });
      fields.push(l ? [...ttyFields(tty), ...ldiscFields(l)] : ttyFields(tty));
    }
    tables.set(img, (m = { owners, fields }));
  }
  return m;
}

function buffersOf(img: Image): Map<number, BufferOwner> {
  return rebaseTables(img).owners;
}

/**
 * The tty whose pending input `s` replaces, when `s` replaces that whole BUFFER record by another
 * BUFFER record (type BUFFER, `len` equal to the inserted length) and the image's framing has no
 * break (a broken record's span, and the framing diagnostics' messages, would depend on the file's
 * size and absolute offsets). Null for anything else: the caller re-parses instead.
 */
export function bufferSpliceOwner(img: Image, s: Splice): BufferOwner | null {
  if (!img.decoded || img.index.problems.length > 0) return null;
  const j = recordStartingAt(img, s.offset);
  if (j < 0 || img.index.types[j] !== T.BUFFER || s.remove !== img.index.lens[j] || img.index.spans[j] !== img.index.lens[j]) return null;
  const owner = buffersOf(img).get(j);
  if (!owner) return null;
  if (s.insert.length < HDR_SIZE) return null;
  const v = new DataView(s.insert.buffer, s.insert.byteOffset, HDR_SIZE);
  if (v.getUint32(0, img.littleEndian) !== T.BUFFER || v.getUint32(4, img.littleEndian) !== s.insert.length) return null;
  // The index keeps 32-bit offsets under 4 GiB; an edit that crosses that line re-parses.
  if (img.index.offsets instanceof Uint32Array && img.size - s.remove + s.insert.length >= 2 ** 32) return null;
  return owner;
}

/**
 * The tty whose pending input `s` rewrites in place: a same-length splice inside the payload of its
 * BUFFER record (raw bytes typed in a hex view). Nothing moves and the data is a view of the bytes,
 * so only that pair's checks need to run again. Null for anything else.
 */
export function bufferPayloadOwner(img: Image, s: Splice): BufferOwner | null {
  if (!img.decoded || s.remove !== s.insert.length || s.remove === 0) return null;
  const { offsets, count } = img.index;
  // The last record starting at or before s.offset.
  let lo = 0;
  let hi = count - 1;
  let j = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid] <= s.offset) {
      j = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const owner = j >= 0 ? buffersOf(img).get(j) : undefined;
  const b = owner?.ldisc.buffer;
  if (!owner || !b || s.offset < b.dataOffset || s.offset + s.remove > b.dataOffset + b.data.length) return null;
  return owner;
}

function shift(f: Field<unknown>, at: number, delta: number): void {
  if (f.offset > at) f.offset += delta;
}

/** Read a Field's value again from the bytes at its (current) offset; unsigned, as the v18 LDISC fields are. */
function reread(bytes: Uint8Array, view: DataView, le: boolean, f: Field<FieldValue>): void {
  if (f.size === 0) return;
  if (f.value instanceof Uint8Array) f.value = bytes.subarray(f.offset, f.offset + f.size);
  else if (f.size === 1) f.value = view.getUint8(f.offset);
  else if (f.size === 2) f.value = view.getUint16(f.offset, le);
  else if (f.size === 4) f.value = view.getUint32(f.offset, le);
  else f.value = view.getBigUint64(f.offset, le);
}

function ttyFields(t: Tty): Field<FieldValue>[] {
  const tm = t.termios;
  const w = t.winsize;
  return [t.driver_type, t.driver_subtype, t.link_objref, t.file_objref, t.padding, t.index, t.ldisc_num, t.flags, tm.c_iflag, tm.c_oflag, tm.c_cflag, tm.c_lflag, tm.c_line, ...tm.c_cc, w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel];
}

/** The LDISC's own Fields (the bools are also reachable as stopped, packet, icanon: same objects). */
function ldiscFields(l: Ldisc): Field<FieldValue>[] {
  return [l.column, l.datalen, l.canon_column, l.canon_datalen, l.canon_data, l.minimum_to_wake, ...l.bools, l.read_flags];
}

/**
 * After the BUFFER record that started at `at` was replaced by one `delta` bytes longer (negative:
 * shorter) and `bytes` are the image's new content: point `img` at `bytes`, move every record after
 * it by `delta` in the index, give the BUFFER its new `len`, move every Field after it, re-slice the
 * BUFFER's data and read the owning LDISC's values again (an edit of the pending input rewrites
 * datalen and, in canonical mode, canon_data, canon_datalen and read_flags with it). Objrefs, files,
 * descriptors and signals derive their offsets from the index and read through the image's shared
 * source, which rebindImage re-points. Returns the owner of the edited BUFFER.
 *
 * The record's identity does not change (still a BUFFER, same record number), so record numbers,
 * the objhash, object targets and the Structure's grouping stay as they are.
 */
export function rebaseAfterSplice(img: Image, bytes: Uint8Array, at: number, delta: number): BufferOwner {
  const j = recordStartingAt(img, at);
  const owner = j >= 0 ? buffersOf(img).get(j) : undefined;
  if (!owner) throw new RebaseError(`no pending-input BUFFER record starts at offset ${at}`);
  if (bytes.length !== img.size + delta) throw new RebaseError(`the new bytes are ${bytes.length} long; ${img.size} + ${delta} expected`);
  const { index } = img;
  const le = img.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(at + 4, le);
  if (view.getUint32(at, le) !== T.BUFFER || len !== index.lens[j] + delta || at + len > bytes.length) {
    throw new RebaseError(`the record at offset ${at} is not a BUFFER of len ${index.lens[j] + delta}`);
  }

  // A store that had to grow put the content in new memory, and one that moved the bytes before the
  // edit (src/editor/byte-store.ts moves the shorter side) put it elsewhere in the same memory.
  const moved = img.bytes.buffer !== bytes.buffer || img.bytes.byteOffset !== bytes.byteOffset;
  rebindImage(img, bytes);
  const { offsets } = index;
  for (let k = j + 1; k < index.count; k++) offsets[k] += delta;
  index.lens[j] = len;
  // spans is the lens array itself unless the framing breaks somewhere (never here: see bufferSpliceOwner).
  if (index.spans !== index.lens) index.spans[j] = len;

  // The ttys after the BUFFER (img.ttys is in record order, so in offset order).
  const { ttys } = img;
  const fields = rebaseTables(img).fields;
  let lo = 0;
  let hi = ttys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ttys[mid].offset <= at) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < ttys.length; k++) {
    const t = ttys[k];
    t.offset += delta;
    for (const f of fields[k]) f.offset += delta;
    const l = t.ldisc;
    if (l) {
      l.offset += delta;
      if (l.buffer) {
        l.buffer.offset += delta;
        l.buffer.dataOffset += delta;
      }
    }
  }
  for (const ft of img.fileTables) {
    if (ft.offset > at) ft.offset += delta;
    shift(ft.fdt_nfds, at, delta);
  }
  // Byte-valued model values are views of the bytes (as openImage makes them, without a copy): the
  // tail has moved under those after `at`, and content that moved as a whole has new places for all.
  for (let k = moved ? 0 : lo; k < ttys.length; k++) {
    const l = ttys[k].ldisc;
    if (!l) continue;
    const rf = l.read_flags;
    if (rf.size > 0) rf.value = bytes.subarray(rf.offset, rf.offset + rf.size);
    const b = l.buffer;
    if (b) b.data = bytes.subarray(b.dataOffset, b.offset + index.lens[b.record]);
  }
  const b = owner.ldisc.buffer!;
  b.data = bytes.subarray(b.dataOffset, b.offset + len);
  for (const f of ldiscFields(owner.ldisc)) reread(bytes, view, le, f);
  return owner;
}

/** Read a decoded value again from `bytes` after they were rewritten in place (a same-length edit of it). */
export function rereadField(f: Field<FieldValue>, bytes: Uint8Array, littleEndian: boolean): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.value instanceof Uint8Array) f.value = bytes.slice(f.offset, f.offset + f.size);
  else if (f.size === 1) f.value = v.getUint8(f.offset);
  else if (f.size === 2) f.value = v.getUint16(f.offset, littleEndian);
  else if (f.size === 4) f.value = v.getUint32(f.offset, littleEndian);
  else f.value = v.getBigUint64(f.offset, littleEndian);
}
