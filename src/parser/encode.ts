// Writing images. Kaitai cannot write, so every change is expressed as byte splices: a field edit
// replaces its bytes in place (image byte order), a structural edit (the pending input) replaces a
// whole BUFFER record and so shifts every record after it. Records are unaligned and nothing in a
// v18 image holds an absolute offset, so a splice never needs to fix up other records.
import { HDR_SIZE, LAYOUT, T } from './layout.js';
import type { Field, FieldValue, Image, Ldisc, Tty } from './model.js';
import { N_TTY_BUF_SIZE } from './names.js';
import { setBit } from './read-flags.js';

export interface Splice {
  offset: number;
  /** Bytes removed at offset. */
  remove: number;
  insert: Uint8Array;
}

export interface EditResult {
  bytes: Uint8Array;
  /** Splices that turn the result back into the input, in application order. */
  inverse: Splice[];
}

/** Apply splices in order (each offset refers to the bytes as they are at that step). */
export function applySplices(input: Uint8Array, splices: Splice[]): EditResult {
  let bytes = input;
  const inverse: Splice[] = [];
  for (const s of splices) {
    if (s.offset < 0 || s.remove < 0 || s.offset + s.remove > bytes.length) {
      throw new RangeError(`splice at ${s.offset} removing ${s.remove} byte(s) is outside the ${bytes.length}-byte image`);
    }
    const removed = bytes.slice(s.offset, s.offset + s.remove);
    if (s.remove === s.insert.length) {
      if (bytes === input) bytes = input.slice();
      bytes.set(s.insert, s.offset);
    } else {
      const out = new Uint8Array(bytes.length - s.remove + s.insert.length);
      out.set(bytes.subarray(0, s.offset), 0);
      out.set(s.insert, s.offset);
      out.set(bytes.subarray(s.offset + s.remove), s.offset + s.insert.length);
      bytes = out;
    }
    inverse.unshift({ offset: s.offset, remove: s.insert.length, insert: removed });
  }
  return { bytes, inverse };
}

/** Encode an unsigned (or two's-complement) integer of `size` bytes in the image's byte order. */
export function encodeInt(value: number | bigint, size: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const n = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  const max = 1n << BigInt(size * 8);
  if (n >= max || n < -(max >> 1n)) throw new RangeError(`${value} does not fit in ${size * 8} bits`);
  const u = n < 0n ? n + max : n;
  if (size === 1) v.setUint8(0, Number(u));
  else if (size === 2) v.setUint16(0, Number(u), littleEndian);
  else if (size === 4) v.setUint32(0, Number(u), littleEndian);
  else if (size === 8) v.setBigUint64(0, u, littleEndian);
  else throw new RangeError(`no integer of ${size} bytes`);
  return out;
}

export function fieldSplice(img: Image, f: Field<unknown>, value: number | bigint): Splice {
  if (f.size === 0) throw new RangeError(`${f.name} is not in the image (its record is too short)`);
  return { offset: f.offset, remove: f.size, insert: encodeInt(value, f.size, img.littleEndian) };
}

/** Every decoded scalar of the model, with its value: what the encoder writes back. */
export function modelFields(img: Image): Field<FieldValue>[] {
  const out: Field<FieldValue>[] = [];
  const h = img.header;
  if (h) {
    // arch_id is always little-endian; the others are in the image's order.
    out.push(h.magic, h.major, h.minor, h.patch, h.rev, ...h.constants, h.time, h.uflags);
  }
  for (const r of img.objrefs) out.push(r.objtype, r.objref);
  for (const t of img.ttys) out.push(...ttyFields(t));
  for (const f of img.files) {
    out.push(f.f_type);
    if (f.ref) out.push(f.ref);
  }
  for (const ft of img.fileTables) out.push(ft.fdt_nfds);
  for (const d of img.fds) out.push(d.fd_objref, d.fd_descriptor, d.fd_close_on_exec);
  for (const s of img.signals) out.push(s.tty_objref, s.tty_pgrp, s.tty_old_pgrp);
  return out.filter((f) => f.size > 0);
}

function ttyFields(t: Tty): Field<FieldValue>[] {
  const tm = t.termios;
  const w = t.winsize;
  const out: Field<FieldValue>[] = [
    t.driver_type, t.driver_subtype, t.link_objref, t.file_objref, t.padding, t.index, t.ldisc_num, t.flags,
    tm.c_iflag, tm.c_oflag, tm.c_cflag, tm.c_lflag, tm.c_line, ...tm.c_cc,
    w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel,
  ];
  const l = t.ldisc;
  if (l) out.push(l.column, l.datalen, l.canon_column, l.canon_datalen, l.canon_data, l.minimum_to_wake, ...l.bools, l.read_flags);
  return out;
}

/**
 * Re-encode an image from its model: each record's bytes are written from the decoded values at
 * their byte ranges (opaque bytes and padding are carried over). For a lossless decoder the result
 * is byte-identical to the input, which is what the round-trip tests check.
 */
export function encodeImage(img: Image): Uint8Array {
  const out = img.bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const f of modelFields(img)) {
    if (f.value instanceof Uint8Array) out.set(f.value, f.offset);
    else if (f.size === 8) view.setBigUint64(f.offset, BigInt(f.value), img.littleEndian);
    else out.set(encodeInt(f.value, f.size, img.littleEndian), f.offset);
  }
  if (img.header) {
    const a = img.header.arch_id;
    out[a.offset] = a.value & 0xff;
    out[a.offset + 1] = (a.value >> 8) & 0xff;
  }
  return out;
}

export type LineEndPolicy = 'recompute';

export interface LdiscDataPlan {
  splices: Splice[];
  /** What the edit did to the canonical state, in words, for the UI and the CLI. */
  note: string;
}

/**
 * Replace a tty's pending input. Rewrites the BUFFER record (inserting or removing it as needed)
 * and `datalen`. In canonical mode the line ends are recomputed from the new text: every `\n` ends
 * a line (read_flags bit at its payload position, i.e. read_tail 0, which is how restart maps bits
 * to bytes), `canon_data` counts them and `canon_datalen` ends after the last one, or is 4096 when
 * there is none, as a kernel writes it. In raw mode the canonical fields are left as they are.
 */
export function planLdiscData(img: Image, tty: Tty, data: Uint8Array): LdiscDataPlan {
  const l: Ldisc | null = tty.ldisc;
  if (!l) throw new Error(`tty at record ${tty.record} has no line discipline record (it is hung up)`);
  const le = img.littleEndian;
  const splices: Splice[] = [];
  let note = '';
  // Same-length field edits first (they lie before the BUFFER, so offsets stay valid).
  splices.push({ offset: l.datalen.offset, remove: 4, insert: encodeInt(data.length, 4, le) });
  if (l.icanon.value === 1) {
    const ends: number[] = [];
    data.forEach((b, i) => {
      if (b === 0x0a) ends.push(i);
    });
    const flags = new Uint8Array(l.read_flags.value.length);
    for (const e of ends) if (e < N_TTY_BUF_SIZE) setBit(flags, e, img.bitmap, true);
    const canonDatalen = ends.length ? ends[ends.length - 1] + 1 : N_TTY_BUF_SIZE;
    splices.push({ offset: l.read_flags.offset, remove: l.read_flags.size, insert: flags });
    splices.push({ offset: l.canon_data.offset, remove: 4, insert: encodeInt(ends.length, 4, le) });
    splices.push({ offset: l.canon_datalen.offset, remove: 4, insert: encodeInt(canonDatalen, 4, le) });
    note = `canonical mode: ${ends.length} complete line(s) (each \\n ends a line), canon_datalen ${canonDatalen}, read_flags rebuilt with read_tail 0`;
  } else {
    note = 'raw mode: canon_datalen, canon_data and read_flags left unchanged';
  }
  const record = new Uint8Array(HDR_SIZE + data.length);
  const hv = new DataView(record.buffer);
  hv.setUint32(0, T.BUFFER, le);
  hv.setUint32(4, record.length, le);
  record.set(data, HDR_SIZE);
  if (l.buffer) {
    const oldLen = img.index.lens[l.buffer.record];
    splices.push({ offset: l.buffer.offset, remove: oldLen, insert: data.length ? record : new Uint8Array(0) });
  } else if (data.length) {
    splices.push({ offset: l.offset + img.index.lens[l.record], remove: 0, insert: record });
  }
  if (data.length > N_TTY_BUF_SIZE) note += `; ${data.length} bytes exceed the 4096-byte ring: restart will refuse this`;
  return { splices, note };
}

export const LDISC_LEN = LAYOUT.ldisc.len;
