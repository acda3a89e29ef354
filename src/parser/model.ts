// The typed model of an image: what the views, the validator, the encoder and the restore plan
// read. Every decoded value is a Field that knows its absolute byte range.

import type { DecodedNode } from './kaitai.js';
import type { StreamIndex } from './stream-index.js';
import type { BitmapLayout } from './read-flags.js';
import type { FileDescList, FileList, ObjectTable, ObjrefList, RecordList, RecordSource, SignalList } from './record-lists.js';

export interface Field<T = number> {
  value: T;
  /** Absolute offset in the file. */
  offset: number;
  size: number;
  /** C field name. */
  name: string;
}

/** What a model Field holds: an integer (bigint for the 64-bit fields) or bytes. */
export type FieldValue = number | bigint | Uint8Array;

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  offset: number;
  length: number;
  field: string;
  /** Index of the record concerned, when there is one. */
  record?: number;
}

export interface Termios {
  c_iflag: Field;
  c_oflag: Field;
  c_cflag: Field;
  c_lflag: Field;
  c_line: Field;
  /** One Field per saved control character (NCC = 8). */
  c_cc: Field[];
}

export interface Winsize {
  ws_row: Field;
  ws_col: Field;
  ws_xpixel: Field;
  ws_ypixel: Field;
}

export interface BufferRecord {
  record: number;
  /** Offset of the BUFFER record. */
  offset: number;
  /** Offset of its payload. */
  dataOffset: number;
  data: Uint8Array;
}

export interface Ldisc {
  record: number;
  offset: number;
  len: number;
  column: Field;
  datalen: Field;
  canon_column: Field;
  canon_datalen: Field;
  canon_data: Field;
  minimum_to_wake: Field;
  /** The eleven bit-field bytes, in record order: stopped … closing. */
  bools: Field[];
  stopped: Field;
  packet: Field;
  icanon: Field;
  read_flags: Field<Uint8Array>;
  /** The BUFFER that follows (pending input), when there is one. */
  buffer: BufferRecord | null;
}

export type TtyRole = 'master' | 'slave' | 'unknown';

export interface Tty {
  record: number;
  offset: number;
  len: number;
  /** Objref of the OBJREF(TTY) that introduced it, or null when none did. */
  objref: number | null;
  objrefRecord: number;
  role: TtyRole;
  driver_type: Field;
  driver_subtype: Field;
  link_objref: Field;
  file_objref: Field;
  padding: Field;
  index: Field;
  ldisc_num: Field;
  /** tty->flags, an unsigned long saved as u64: every bit kept (a JS number would round above 2^53). */
  flags: Field<bigint>;
  termios: Termios;
  winsize: Winsize;
  ldisc: Ldisc | null;
  /** Set when the record was shorter than the struct (fields past the end are absent). */
  truncated?: boolean;
}

export interface FileRec {
  readonly record: number;
  readonly offset: number;
  readonly len: number;
  readonly objref: number | null;
  readonly f_type: Field;
  /** tty_objref, pipe_objref or sock_objref, for the specialised file types. */
  readonly ref: Field | null;
  /** f_type and the reference as plain numbers (no Field is made: the validator's hot path). */
  readonly fType: number;
  readonly refValue: number | null;
}

export interface FileTable {
  record: number;
  offset: number;
  objref: number | null;
  fdt_nfds: Field;
  /** Its descriptors: the FILE_DESC records up to the next FILE_TABLE. */
  fds: RecordList<FileDesc>;
}

export interface FileDesc {
  readonly record: number;
  readonly offset: number;
  readonly len: number;
  /** Index of its table in `fileTables`, or -1 when no FILE_TABLE came before. */
  readonly table: number;
  readonly fd_objref: Field;
  readonly fd_descriptor: Field;
  readonly fd_close_on_exec: Field;
  /** The same three values as plain numbers (no Field is made: the validator's hot path). */
  readonly fileRef: number;
  readonly fd: number;
  readonly cloexec: number;
}

export interface SignalRec {
  readonly record: number;
  readonly offset: number;
  readonly len: number;
  readonly tty_objref: Field;
  readonly tty_pgrp: Field;
  readonly tty_old_pgrp: Field;
}


export interface ObjrefRec {
  readonly record: number;
  readonly offset: number;
  /** objtype and objref values (the Fields below carry their byte ranges). */
  readonly type: number;
  readonly ref: number;
  readonly objtype: Field;
  readonly objref: Field;
  /** The object's own record, or -1. */
  target: number;
}

export interface HeaderInfo {
  record: number;
  magic: Field<bigint>;
  arch_id: Field;
  major: Field;
  minor: Field;
  patch: Field;
  rev: Field;
  constants: Field[];
  time: Field<bigint>;
  uflags: Field<bigint>;
  node: DecodedNode;
}

export type GraphNodeKind = 'tty-master' | 'tty-slave' | 'tty' | 'file' | 'file-table' | 'object' | 'reserved' | 'missing' | 'fd' | 'signal';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  objref: number | null;
  objtype: string | null;
  /** Record that holds the node's own data, or -1. */
  record: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The referencing C field: link_objref, file_objref, tty_objref, fd_objref, … */
  label: string;
  /** Absolute offset of the referencing field. */
  offset: number;
  dangling: boolean;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface Image {
  bytes: Uint8Array;
  size: number;
  littleEndian: boolean;
  /** arch_id as read (little-endian at offset 16), or -1 when the file is too short. */
  archId: number;
  bitmap: BitmapLayout;
  /** False when the image is not v18 (rev != 2) or its byte order cannot be told: records are only framed. */
  decoded: boolean;
  index: StreamIndex;
  header: HeaderInfo | null;
  objrefs: ObjrefList;
  /** Per objref, the first OBJREF that got its object (its `target` is the object's record). */
  objects: ObjectTable;
  /** TTY records with all their fields (len at least sizeof(struct ckpt_hdr_tty)). */
  ttys: Tty[];
  /**
   * Record numbers of TTY records too short to hold the struct: restart refuses them (TTY_LEN) and
   * they have no fields to show, so they get no Tty object. A damaged image can hold one every 8
   * bytes; this keeps its cost to this entry and the record index.
   */
  shortTtys: number[];
  files: FileList;
  fileTables: FileTable[];
  fds: FileDescList;
  signals: SignalList;
  /** Where the columnar records read their bytes and offsets (re-pointed by rebindImage). */
  source: RecordSource;
  tailRecord: number;
  /** Problems found while building the model (framing, order); the validator adds the rest. */
  parseDiagnostics: Diagnostic[];
}
