// Record sizes and field offsets, learned from the generated parser rather than written down a
// second time: each fixed-layout payload type is decoded once over zero bytes, and the ranges its
// fields report become the layout. The hot paths (stream walk, objref and descriptor scans) then
// read these few scalars with a DataView instead of building a Kaitai object per record.
import { decodeRecordBody, DecodedNode, Enums, enumValue, hasDecoder } from './kaitai.js';

export const T = {
  HEADER: enumValue(Enums.hdrType, 'header'),
  HEADER_ARCH: enumValue(Enums.hdrType, 'header_arch'),
  BUFFER: enumValue(Enums.hdrType, 'buffer'),
  STRING: enumValue(Enums.hdrType, 'string'),
  OBJREF: enumValue(Enums.hdrType, 'objref'),
  TREE: enumValue(Enums.hdrType, 'tree'),
  FILE_TABLE: enumValue(Enums.hdrType, 'file_table'),
  FILE_DESC: enumValue(Enums.hdrType, 'file_desc'),
  FILE_NAME: enumValue(Enums.hdrType, 'file_name'),
  FILE: enumValue(Enums.hdrType, 'file'),
  TTY: enumValue(Enums.hdrType, 'tty'),
  TTY_LDISC: enumValue(Enums.hdrType, 'tty_ldisc'),
  SIGNAL: enumValue(Enums.hdrType, 'signal'),
  TAIL: enumValue(Enums.hdrType, 'tail'),
  ERROR: enumValue(Enums.hdrType, 'error'),
} as const;

export const OBJ = {
  FILE_TABLE: enumValue(Enums.objType, 'file_table'),
  FILE: enumValue(Enums.objType, 'file'),
  TTY: enumValue(Enums.objType, 'tty'),
  CRED: enumValue(Enums.objType, 'cred'),
  SIGNAL: enumValue(Enums.objType, 'signal'),
} as const;

export const FILE_TYPE = {
  GENERIC: enumValue(Enums.fileType, 'generic'),
  PIPE: enumValue(Enums.fileType, 'pipe'),
  SOCKET: enumValue(Enums.fileType, 'socket'),
  TTY: enumValue(Enums.fileType, 'tty'),
} as const;

export const HDR_SIZE = 8;

export interface FieldLayout {
  /** Offset from the start of the record (its ckpt_hdr). */
  offset: number;
  size: number;
}

export interface RecordLayout {
  /** `len` the kernel writes and requires: 8 + sizeof payload. */
  len: number;
  fields: Map<string, FieldLayout>;
}

function probe(recordType: number, payload: Uint8Array): { node: DecodedNode; consumed: number } {
  const bytes = new Uint8Array(8 + payload.length);
  bytes.set(payload, 8);
  const dec = decodeRecordBody({ bytes, littleEndian: true }, 0, recordType, bytes.length);
  if (!dec.body || dec.error) throw new Error(`layout probe failed for record type ${recordType}`);
  const last = dec.body.fields[dec.body.fields.length - 1];
  return { node: dec.body, consumed: last ? last.offset + last.size - 8 : 0 };
}

function flatten(node: DecodedNode, into: Map<string, FieldLayout>, prefix = ''): void {
  for (const f of node.fields) {
    const key = prefix + f.name;
    into.set(key, { offset: f.offset, size: f.size });
    if (f.value && typeof f.value === 'object' && 'fields' in f.value) flatten(f.value, into, `${key}.`);
  }
}

function learn(recordType: number, payload: Uint8Array = new Uint8Array(1024)): RecordLayout {
  const { node, consumed } = probe(recordType, payload);
  const fields = new Map<string, FieldLayout>();
  flatten(node, fields);
  return { len: HDR_SIZE + consumed, fields };
}

function filePayload(fType: number): Uint8Array {
  // The file payload's first field is f_type (u4); probe little-endian.
  const p = new Uint8Array(1024);
  new DataView(p.buffer).setUint32(0, fType, true);
  return p;
}

export const LAYOUT = {
  header: learn(T.HEADER),
  headerArchX86: learn(T.HEADER_ARCH),
  objref: learn(T.OBJREF),
  tree: learn(T.TREE),
  fileTable: learn(T.FILE_TABLE),
  fileDesc: learn(T.FILE_DESC),
  fileGeneric: learn(T.FILE, filePayload(FILE_TYPE.GENERIC)),
  fileTty: learn(T.FILE, filePayload(FILE_TYPE.TTY)),
  filePipe: learn(T.FILE, filePayload(FILE_TYPE.PIPE)),
  fileSocket: learn(T.FILE, filePayload(FILE_TYPE.SOCKET)),
  tty: learn(T.TTY),
  ldisc: learn(T.TTY_LDISC),
  signal: learn(T.SIGNAL),
  tail: learn(T.TAIL),
};

/** The size of one struct ckpt_pids element of the TREE's pids BUFFER (from the ksy). */
export const PIDS_ENTRY_SIZE = 24;

export function off(layout: RecordLayout, name: string): number {
  const f = layout.fields.get(name);
  if (!f) throw new Error(`layout has no field ${name}`);
  return f.offset;
}

export function fileLayoutFor(fType: number): RecordLayout | undefined {
  switch (fType) {
    case FILE_TYPE.GENERIC:
      return LAYOUT.fileGeneric;
    case FILE_TYPE.TTY:
      return LAYOUT.fileTty;
    case FILE_TYPE.PIPE:
      return LAYOUT.filePipe;
    case FILE_TYPE.SOCKET:
      return LAYOUT.fileSocket;
    default:
      return undefined;
  }
}

const KNOWN_TYPE_VALUES = Object.values(Enums.hdrType).filter((v): v is number => typeof v === 'number');
// A lookup table rather than a Set: the stream walk and checkStream ask once per record.
const KNOWN_TYPES = new Uint8Array(Math.max(...KNOWN_TYPE_VALUES) + 1);
for (const v of KNOWN_TYPE_VALUES) KNOWN_TYPES[v] = 1;

/** Record types that v18 defines (from the ksy enum). */
export function isKnownRecordType(t: number): boolean {
  return t < KNOWN_TYPES.length && KNOWN_TYPES[t] === 1;
}

/** Fixed `len` required by restart for a record type, when it has one (the file record depends on f_type). */
export function fixedLenOf(t: number): number | undefined {
  switch (t) {
    case T.HEADER:
      return LAYOUT.header.len;
    case T.OBJREF:
      return LAYOUT.objref.len;
    case T.TREE:
      return LAYOUT.tree.len;
    case T.FILE_TABLE:
      return LAYOUT.fileTable.len;
    case T.FILE_DESC:
      return LAYOUT.fileDesc.len;
    case T.TTY:
      return LAYOUT.tty.len;
    case T.TTY_LDISC:
      return LAYOUT.ldisc.len;
    case T.SIGNAL:
      return LAYOUT.signal.len;
    case T.TAIL:
      return LAYOUT.tail.len;
    default:
      return undefined;
  }
}

export { hasDecoder };
