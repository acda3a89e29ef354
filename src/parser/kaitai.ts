// The one boundary between the generated Kaitai parser (untyped JavaScript) and our typed code.
// Records are decoded one at a time with the debug-mode parser, so that every field knows its
// absolute byte range; the result is a plain, typed tree (DecodedNode) that owns no Kaitai object.
import KaitaiStream from 'kaitai-struct/KaitaiStream';
import { LinuxCrV18 } from './generated/LinuxCrV18.js';

// biome-ignore lint/suspicious/noExplicitAny: the generated-parser boundary
type KObj = any;

export type DecodedValue = number | bigint | Uint8Array | DecodedNode | DecodedValue[];

export interface DecodedField {
  /** C field name, e.g. `link_objref`, `c_cc`. */
  name: string;
  offset: number;
  size: number;
  value: DecodedValue;
  /** Per-element ranges of a repeated field. */
  items?: { offset: number; size: number }[];
  /** Name of the enum type (ksy) for enum-typed fields. */
  enumType?: string;
}

export interface DecodedNode {
  /** ksy type name, e.g. `hdr_tty`. */
  type: string;
  offset: number;
  size: number;
  fields: DecodedField[];
}

export interface DecodedRecord {
  offset: number;
  /** The record's payload as decoded by the ksy type for its record type; null for opaque records. */
  body: DecodedNode | null;
  /** Set when the payload ended before the ksy type did (fields read so far are kept). */
  error?: { message: string; offset: number };
}

/** Enum tables straight from the generated parser: `name -> value` and `value -> name`. */
export type EnumTable = Readonly<Record<string | number, string | number>>;
export const Enums = {
  hdrType: LinuxCrV18.HdrType as EnumTable,
  objType: LinuxCrV18.ObjType as EnumTable,
  fileType: LinuxCrV18.FileType as EnumTable,
  archId: LinuxCrV18.ArchId as EnumTable,
  ttyDriverType: LinuxCrV18.TtyDriverType as EnumTable,
  ptyType: LinuxCrV18.PtyType as EnumTable,
};

export function enumValue(table: EnumTable, name: string): number {
  const v = table[name.toUpperCase()];
  if (typeof v !== 'number') throw new Error(`enum has no ${name}`);
  return v;
}

export function enumName(table: EnumTable, value: number): string | undefined {
  const n = table[value];
  return typeof n === 'string' ? n : undefined;
}

const SNAKE = new Map<string, string>();
/** camelCase (generated) -> snake_case (C); cached, as it runs for every decoded field. */
function snake(name: string): string {
  let s = SNAKE.get(name);
  if (s === undefined) SNAKE.set(name, (s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)));
  return s;
}

function kebabToSnakeType(ctorName: string): string {
  return snake(ctorName.charAt(0).toLowerCase() + ctorName.slice(1));
}

/** ksy type name of each generated class (bundlers may rename the classes themselves). */
const TYPE_NAME_BY_CTOR = new Map<unknown, string>();
for (const key of Object.keys(LinuxCrV18)) {
  const v = LinuxCrV18[key];
  if (typeof v === 'function' && v.prototype && typeof v.prototype._read === 'function') TYPE_NAME_BY_CTOR.set(v, key);
}

function typeNameOf(obj: KObj): string {
  return kebabToSnakeType(TYPE_NAME_BY_CTOR.get(obj?.constructor) ?? 'unknown');
}

/**
 * Which ksy payload type decodes which record type: asked of the generated `record` type itself,
 * by letting it parse a zero payload of each record type, so the mapping lives only in the .ksy.
 */
const BODY_TYPE_BY_RECORD_TYPE = new Map<number, string>();
{
  const probe = new Uint8Array(8 + 1024);
  const view = new DataView(probe.buffer);
  view.setUint32(4, probe.length, true);
  for (const [k, v] of Object.entries(LinuxCrV18.HdrType as Record<string, unknown>)) {
    if (typeof v !== 'number' || !/^[A-Z_]+$/.test(k)) continue;
    view.setUint32(0, v, true);
    const rec: KObj = new LinuxCrV18.Record(new KaitaiStream(probe.buffer), null, null, true);
    try {
      rec._read();
    } catch {
      // Payload types that fail on zeros still have a class; fall through to the check below.
    }
    const body = rec.body;
    if (body && typeof body === 'object' && !(body instanceof Uint8Array)) {
      const name = TYPE_NAME_BY_CTOR.get(body.constructor);
      if (name) BODY_TYPE_BY_RECORD_TYPE.set(v, name);
    }
  }
}

export function hasDecoder(recordType: number): boolean {
  return BODY_TYPE_BY_RECORD_TYPE.has(recordType);
}

/** Parse-time context: the file's bytes and their byte order. */
export interface Source {
  bytes: Uint8Array;
  littleEndian: boolean;
}

/**
 * Every 64-bit field of the format is unsigned (u8 in the .ksy); the generated parser reads it as a
 * JS number, which rounds above 2^53. It is read again from its bytes, exactly, as a bigint.
 */
function exact(v: number, src: Source, offset: number, size: number): number | bigint {
  if (size !== 8) return v;
  const view = new DataView(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength);
  return view.getBigUint64(offset, src.littleEndian);
}

function toNode(obj: KObj, base: number, start: number, end: number, typeName: string, src: Source): DecodedNode {
  const fields: DecodedField[] = [];
  const dbg = (obj._debug ?? {}) as Record<string, { start: number; end?: number; ioOffset: number; arr?: { start: number; end?: number; ioOffset: number }[]; enumName?: string }>;
  for (const key of Object.keys(dbg)) {
    const d = dbg[key];
    if (d.end === undefined && obj[key] === undefined) continue; // read failed before this field
    const offset = d.ioOffset - base + d.start;
    const size = (d.end ?? d.start) - d.start;
    const raw = obj[key];
    let value: DecodedValue;
    let items: { offset: number; size: number }[] | undefined;
    if (Array.isArray(raw)) {
      value = raw.map((el: KObj, i: number) => {
        const a = d.arr?.[i];
        const o = a ? a.ioOffset - base + a.start : offset;
        const s = a ? (a.end ?? a.start) - a.start : 0;
        return typeof el === 'object' && el !== null && !(el instanceof Uint8Array)
          ? toNode(el, base, o, o + s, typeNameOf(el), src)
          : typeof el === 'number'
            ? exact(el, src, o, s)
            : (el as DecodedValue);
      });
      items = d.arr?.map((a) => ({ offset: a.ioOffset - base + a.start, size: (a.end ?? a.start) - a.start }));
    } else if (typeof raw === 'number') {
      value = exact(raw, src, offset, size);
    } else if (raw instanceof Uint8Array || typeof raw === 'bigint') {
      value = raw;
    } else if (typeof raw === 'object' && raw !== null) {
      value = toNode(raw, base, offset, offset + size, typeNameOf(raw), src);
    } else {
      continue;
    }
    const f: DecodedField = { name: snake(key), offset, size, value };
    if (items) f.items = items;
    if (d.enumName) f.enumType = snake(d.enumName.replace(/^LinuxCrV18\./, '').replace(/^./, (c) => c.toLowerCase()));
    fields.push(f);
  }
  return { type: typeName, offset: start, size: end - start, fields };
}

/**
 * Decode the payload of the record at `offset` with length `len` (already checked to lie inside the
 * file) using the ksy type for `recordType`. Returns `body: null` for opaque record types.
 */
export function decodeRecordBody(src: Source, offset: number, recordType: number, len: number): DecodedRecord {
  const ctorName = BODY_TYPE_BY_RECORD_TYPE.get(recordType);
  if (!ctorName || len < 8) return { offset, body: null };
  const { bytes } = src;
  const payload = new Uint8Array(bytes.buffer, bytes.byteOffset + offset + 8, len - 8);
  // ioOffset in _debug is relative to the underlying ArrayBuffer.
  const base = bytes.byteOffset;
  const io = new KaitaiStream(new DataView(payload.buffer as ArrayBuffer, payload.byteOffset, payload.byteLength));
  const Ctor = LinuxCrV18[ctorName];
  const obj: KObj = new Ctor(io, null, null, src.littleEndian);
  let error: DecodedRecord['error'];
  try {
    obj._read();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    error = { message, offset: offset + 8 + (io.pos as number) };
  }
  const body = toNode(obj, base, offset + 8, offset + len, kebabToSnakeType(ctorName), src);
  return error ? { offset, body, error } : { offset, body };
}

/** Find a field by C name in a node (one level). */
export function field(node: DecodedNode | null | undefined, name: string): DecodedField | undefined {
  return node?.fields.find((f) => f.name === name);
}

/** Parse a whole stream with the generated top-level type (used as a baseline by the benchmark). */
export function parseWholeStream(bytes: Uint8Array): number {
  const io = new KaitaiStream(new Uint8Array(bytes).buffer);
  const top: KObj = new LinuxCrV18(io, null, null);
  top._read();
  return (top.records as unknown[]).length;
}
