// Repairs of the record framing: a record's `len` (against its struct size and the next plausible
// chain of record headers), its `type` (against what its place in the stream must hold), and a
// missing or cut TAIL.
import { encodeInt } from '../encode.js';
import { Enums, enumName } from '../kaitai.js';
import { FILE_TYPE, fileLayoutFor, fixedLenOf, HDR_SIZE, isKnownRecordType, LAYOUT, PIDS_ENTRY_SIZE, T } from '../layout.js';
import type { Image } from '../model.js';
import { toHex } from '../names.js';
import { recordTypeName } from '../image.js';
import { MAGIC_TAIL, UTS_LEN } from '../validate/stream.js';
import { readU32, readUint, type RepairChoice, setTo } from './types.js';

/** How far past a broken record's header a variable-length record's end is looked for. */
const SCAN_WINDOW = 1 << 20;
/** Records a chain must hold (or reach the end of the file) to count as plausible. */
const CHAIN = 8;

function plausibleAt(img: Image, p: number): number {
  if (p + HDR_SIZE > img.size) return -1;
  const type = readU32(img, p);
  if (!isKnownRecordType(type)) return -1;
  const len = readU32(img, p + 4);
  if (len < HDR_SIZE || p + len > img.size) return -1;
  const fixed = fixedLenOf(type);
  if (fixed !== undefined && fixed !== len) return -1;
  if (type === T.FILE && len >= LAYOUT.fileGeneric.len) {
    const lay = fileLayoutFor(readU32(img, p + 8));
    if (lay && lay.len !== len) return -1;
  }
  return len;
}

/** A chain of plausible records starts at p (or p is the end of the file). */
export function chainFrom(img: Image, p: number): boolean {
  let q = p;
  for (let k = 0; k < CHAIN; k++) {
    if (q === img.size) return true;
    const len = plausibleAt(img, q);
    if (len < 0) return false;
    q += len;
  }
  return true;
}

/** The len the record's type and place require, with the reason; undefined when it is free. */
export function expectedLen(img: Image, i: number): { len: number; why: string } | undefined {
  const { types, offsets, lens } = img.index;
  const t = types[i];
  const p = offsets[i];
  const fixed = fixedLenOf(t);
  if (fixed !== undefined) return { len: fixed, why: `sizeof the ${recordTypeName(t)} struct` };
  if (t === T.FILE && p + 12 <= img.size) {
    const ft = readU32(img, p + 8);
    const lay = fileLayoutFor(ft);
    if (lay) return { len: lay.len, why: `a ${enumName(Enums.fileType, ft) ?? ft} FILE struct` };
  }
  if (t === T.HEADER_ARCH) {
    if (img.archId === 1) return { len: LAYOUT.headerArchX86.len, why: 'the x86 HEADER_ARCH struct' };
    if (img.archId === 2) return { len: HDR_SIZE, why: 'the s390 HEADER_ARCH, a bare header' };
  }
  if (t === T.BUFFER && i >= 1) {
    if (i <= 3 && types[0] === T.HEADER) return { len: UTS_LEN + HDR_SIZE, why: 'a uts BUFFER of 65 bytes' };
    const prev = i - 1;
    if (types[prev] === T.TREE && lens[prev] === LAYOUT.tree.len) {
      const n = Number(readUint(img, offsets[prev] + 8, 4));
      if (n >= 1 && n < 1 << 20) return { len: HDR_SIZE + PIDS_ENTRY_SIZE * n, why: `nr_tasks ${n} in the TREE before it` };
    }
    if (types[prev] === T.TTY_LDISC && lens[prev] === LAYOUT.ldisc.len) {
      const d = readU32(img, offsets[prev] + 12);
      if (d > 0 && d <= 4096) return { len: HDR_SIZE + d, why: `datalen ${d} in the LDISC before it` };
    }
  }
  return undefined;
}

/** A new `len` for record i: its struct size when a record chain follows it, else the next chain. */
export function lenChoice(img: Image, i: number): RepairChoice | null {
  const p = img.index.offsets[i];
  const L = img.index.lens[i];
  const t = img.index.types[i];
  const place = { offset: p + 4, size: 4, name: 'len' };
  const broken = L < HDR_SIZE || p + L > img.size;
  const exp = expectedLen(img, i);
  if (exp) {
    if (exp.len === L || !chainFrom(img, p + exp.len)) return null;
    // When the bytes at len already frame a chain, the record holds more than its struct: not a damaged len.
    if (!broken && chainFrom(img, p + L)) return null;
    return setTo(img, place, exp.len, `${recordTypeName(t)} is ${exp.len} bytes (${exp.why}) and plausible records follow at offset ${p + exp.len}; len ${L} ${broken ? 'breaks the framing' : 'misframes what follows'}.`);
  }
  // A record of a type v18 does not define is as likely the misframed inside of another record.
  if (!isKnownRecordType(t)) return null;
  const end = Math.min(img.size, p + HDR_SIZE + SCAN_WINDOW);
  for (let q = p + HDR_SIZE; q <= end; q++) {
    if (q === p + L) continue;
    if (q === img.size && i !== img.index.count - 1) continue;
    if (!chainFrom(img, q)) continue;
    return setTo(img, place, q - p, `The first plausible chain of records after this ${recordTypeName(t)} starts at offset ${q}; len ${q - p} ends the record there.`);
  }
  return null;
}

/** A record that is likelier the misframed inside of the record before it than a record at all. */
export function looksMisframed(img: Image, i: number): boolean {
  const t = img.index.types[i];
  if (!isKnownRecordType(t)) return true;
  // These three appear only in the header block.
  return i > 5 && (t === T.HEADER || t === T.HEADER_ARCH || t === T.TREE);
}

/**
 * The len of the record before record i, when that record's end is where the framing went wrong:
 * its struct size or place (a BUFFER's datalen), or the first plausible chain after its header.
 */
export function prevLenChoice(img: Image, i: number): RepairChoice | null {
  const j = i - 1;
  if (j < 0) return null;
  const { offsets, lens, types } = img.index;
  const t = types[j];
  if (!isKnownRecordType(t)) return null;
  const pj = offsets[j];
  const pi = offsets[i];
  const place = { offset: pj + 4, size: 4, name: 'len' };
  const exp = expectedLen(img, j);
  if (exp) {
    if (exp.len === lens[j] || !chainFrom(img, pj + exp.len)) return null;
    return setTo(img, place, exp.len, `${recordTypeName(t)} is ${exp.len} bytes (${exp.why}) and plausible records follow at offset ${pj + exp.len}; with len ${lens[j]} the next record header is read from offset ${pi}, where none is.`);
  }
  const end = Math.min(img.size, pi + SCAN_WINDOW);
  for (let q = pj + HDR_SIZE; q <= end; q++) {
    if (q === pi || (q === img.size && i !== img.index.count - 1)) continue;
    if (!chainFrom(img, q)) continue;
    return setTo(img, place, q - pj, `The record read at offset ${pi} is not one; the first plausible chain of records after this ${recordTypeName(t)} starts at offset ${q}.`);
  }
  return null;
}

function primaryType(objtype: number): number | undefined {
  const name = enumName(Enums.objType, objtype);
  if (!name) return undefined;
  const v = Enums.hdrType[name === 'SOCK' ? 'SOCKET' : name];
  return typeof v === 'number' ? v : undefined;
}

/** The objtype whose object's record has type t (inverse of primaryType), when there is one. */
export function objtypeFor(t: number): number | undefined {
  for (const k of Object.keys(Enums.objType)) {
    const v = Enums.objType[k];
    if (typeof v === 'number' && v > 0 && primaryType(v) === t) return v;
  }
  return undefined;
}

function lenFits(img: Image, t: number, i: number): boolean {
  const L = img.index.lens[i];
  const fixed = fixedLenOf(t);
  if (fixed !== undefined) return fixed === L;
  if (t === T.FILE) return L === LAYOUT.fileGeneric.len || L === LAYOUT.fileTty.len;
  return true;
}

export interface TypeFix {
  choice: RepairChoice;
  record: number;
}

/**
 * The record type that record i's place requires, when its own type disagrees and its len fits:
 * the header block's fixed order, the object an OBJREF announces, the LDISC after a TTY, the BUFFER
 * an LDISC's datalen announces, the TAIL magic at the end.
 */
export function typeChoice(img: Image, i: number): RepairChoice | null {
  const { types, offsets, lens, spans, count } = img.index;
  if (i < 0 || i >= count || spans[i] !== lens[i]) return null;
  const t = types[i];
  const p = offsets[i];
  const L = lens[i];
  const place = { offset: p, size: 4, name: 'type' };
  const want = (w: number, why: string): RepairChoice | null =>
    w === t || !lenFits(img, w, i) ? null : setTo(img, place, w, `${why}; len ${L} fits a ${recordTypeName(w)}, and type ${t} (${recordTypeName(t)}) does not belong here.`);
  if (i === 0) return L === LAYOUT.header.len ? want(T.HEADER, 'An image starts with its HEADER') : null;
  if (i <= 6 && types[0] === T.HEADER) {
    if (i <= 3) return L === UTS_LEN + HDR_SIZE ? want(T.BUFFER, `HEADER is followed by three uts BUFFERs`) : null;
    if (i === 4) return L === LAYOUT.headerArchX86.len || L === HDR_SIZE ? want(T.HEADER_ARCH, 'HEADER_ARCH follows the uts BUFFERs') : null;
    if (i === 5 && types[4] === T.HEADER_ARCH) return want(T.TREE, 'TREE follows HEADER_ARCH');
    if (i === 6 && types[5] === T.TREE) {
      const n = Number(readUint(img, offsets[5] + 8, 4));
      return L === HDR_SIZE + PIDS_ENTRY_SIZE * n ? want(T.BUFFER, `The pids BUFFER (nr_tasks ${n}) follows TREE`) : null;
    }
  }
  const prev = i - 1;
  if (types[prev] === T.OBJREF && lens[prev] === LAYOUT.objref.len) {
    const ot = readU32(img, offsets[prev] + 8);
    const pt = primaryType(ot);
    // A known type that fits its len and names another object: the OBJREF's objtype is the damaged one.
    if (pt !== undefined && pt !== t && !(isKnownRecordType(t) && t !== T.TAIL && lenFits(img, t, i) && objtypeFor(t) !== undefined)) {
      return want(pt, `The OBJREF before it announces a ${enumName(Enums.objType, ot)} object, whose record is ${recordTypeName(pt)}`);
    }
  }
  if (types[prev] === T.TTY && lens[prev] === LAYOUT.tty.len && L === LAYOUT.ldisc.len) {
    return want(T.TTY_LDISC, 'A TTY that is not hung up is followed by its LDISC record');
  }
  if (types[prev] === T.TTY_LDISC && lens[prev] === LAYOUT.ldisc.len) {
    const d = readU32(img, offsets[prev] + 12);
    if (d > 0 && L === d + HDR_SIZE) return want(T.BUFFER, `The LDISC before it has datalen ${d}, so its ${d}-byte BUFFER follows`);
  }
  if (i === count - 1 && L === LAYOUT.tail.len && readUint(img, p + 8, 8) === MAGIC_TAIL) {
    return want(T.TAIL, 'The last record holds the TAIL magic');
  }
  return null;
}

/** The 16 bytes of a TAIL record in the image's byte order. */
export function tailBytes(img: Image): Uint8Array {
  const out = new Uint8Array(LAYOUT.tail.len);
  out.set(encodeInt(T.TAIL, 4, img.littleEndian), 0);
  out.set(encodeInt(LAYOUT.tail.len, 4, img.littleEndian), 4);
  out.set(encodeInt(MAGIC_TAIL, 8, img.littleEndian), 8);
  return out;
}

function startsWith(whole: Uint8Array, part: Uint8Array): boolean {
  if (part.length > whole.length) return false;
  for (let k = 0; k < part.length; k++) if (whole[k] !== part[k]) return false;
  return true;
}

/**
 * The TAIL the stream lacks: the cut end of a TAIL completed, or a TAIL appended after the last
 * whole record. `sure` is false when more than the TAIL may be missing (fewer TASK records than
 * nr_tasks).
 */
export function tailChoice(img: Image): { choice: RepairChoice; sure: boolean; why?: string } | null {
  const { index } = img;
  const tail = tailBytes(img);
  const last = index.count - 1;
  const place = { offset: img.size, size: 0, name: 'TAIL' };
  const hdrCut = index.problems.find((q) => q.code === 'REC_HDR_TRUNCATED');
  if (hdrCut) {
    const rest = img.bytes.subarray(hdrCut.offset);
    if (!startsWith(tail, rest)) return null;
    return {
      choice: { field: 'TAIL', offset: hdrCut.offset, oldValue: `${rest.length} byte(s) of a TAIL`, newValue: 'TAIL', writes: [{ offset: hdrCut.offset, old: toHex(rest), new: toHex(tail) }], reason: `The file ends ${rest.length} byte(s) into a record whose bytes are those of a TAIL; the TAIL's remaining ${tail.length - rest.length} byte(s) complete it.` },
      sure: true,
    };
  }
  if (last >= 0 && index.spans[last] !== index.lens[last]) {
    const p = index.offsets[last];
    const rest = img.bytes.subarray(p);
    if (index.types[last] !== T.TAIL || !startsWith(tail, rest)) return null;
    return {
      choice: { field: 'TAIL', offset: p, oldValue: `${rest.length} byte(s) of a TAIL`, newValue: 'TAIL', writes: [{ offset: p, old: toHex(rest), new: toHex(tail) }], reason: `The file ends ${rest.length} byte(s) into the TAIL record; its remaining ${tail.length - rest.length} byte(s) complete it.` },
      sure: true,
    };
  }
  if (index.problems.length || last < 0) return null;
  for (let i = 0; i <= last; i++) if (index.types[i] === T.ERROR || index.types[i] === T.TAIL) return null;
  if (typeChoice(img, last)) return null;
  const choice: RepairChoice = { field: 'TAIL', offset: img.size, oldValue: 'none', newValue: 'TAIL', writes: [{ offset: place.offset, old: '', new: toHex(tail) }], reason: `The stream ends at a whole record (${recordTypeName(index.types[last])}) with no TAIL; a checkpoint always ends with one.` };
  // nr_tasks against the TASK records present tells whether only the TAIL is missing.
  let tasks = 0;
  const TASK = Enums.hdrType.TASK as number;
  for (let i = 0; i <= last; i++) if (index.types[i] === TASK) tasks++;
  const tree = index.count > 5 && index.types[5] === T.TREE ? Number(readUint(img, index.offsets[5] + 8, 4)) : -1;
  if (tree > 0 && tasks === tree) return { choice, sure: true };
  return { choice, sure: false, why: tree > 0 ? `The image holds ${tasks} TASK record(s) of the ${tree} its TREE announces, so more than the TAIL may be missing: a TAIL makes it restartable but does not bring the rest back.` : 'Whether more than the TAIL is missing cannot be told from the bytes.' };
}

export const FILE_TYPES = FILE_TYPE;
