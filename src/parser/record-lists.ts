// The records of which an image may hold millions (OBJREF, FILE, FILE_DESC, SIGNAL) are kept in
// columns of typed arrays: record numbers and the few values the objhash walk decides (an OBJREF's
// object, a FILE's objref, a descriptor's table). An item object is made only when someone asks for
// one, and its Fields are read from the bytes then. On a million-record image one long-lived object
// per record cost more in garbage collection than the whole parse; typed arrays cost the GC nothing.
// Offsets come from the record index, so moving records (an edit that changes a length) only has to
// move the index.
import type { Field, FileDesc, FileRec, ObjrefRec, SignalRec } from './model.js';
import type { StreamIndex } from './stream-index.js';
import { ObjrefIndex } from './objref-table.js';

/** A fixed field of a record payload, resolved once from the layout. */
export interface FieldDesc {
  offset: number;
  size: number;
  name: string;
  signed: boolean;
}

/**
 * Where a report read put the records whose fields the lists read (OBJREF, FILE, FILE_DESC,
 * FILE_TABLE, SIGNAL) instead of at their file offsets: one after another in `bytes`, record r
 * from `at[r] - 1` (0: not here). A million-record image then costs the pages of those records'
 * fixed fields rather than a file-sized array (see io/read-sparse.ts).
 */
export interface PackedRecords {
  bytes: Uint8Array;
  at: Int32Array | Float64Array;
}

/** The bytes an image's records are read from; one per image, re-pointed when the bytes move. */
export class RecordSource {
  view: DataView;
  private packedView: DataView | null = null;
  private packedAt: Int32Array | Float64Array | null = null;
  constructor(
    public bytes: Uint8Array,
    readonly le: boolean,
    public index: StreamIndex,
    packed?: PackedRecords,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (packed) {
      this.packedView = new DataView(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
      this.packedAt = packed.at;
    }
  }
  /** New bytes hold every record at its file offset (an edit's result): nothing is read from a packing any more. */
  rebind(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.packedView = null;
    this.packedAt = null;
  }
  offsetOf(record: number): number {
    return this.index.offsets[record];
  }
  raw(o: number, d: FieldDesc): number {
    return this.read(this.view, o + d.offset, d);
  }
  at(o: number, d: FieldDesc): Field {
    const p = o + d.offset;
    return { value: this.value(this.view, p, d), offset: p, size: d.size, name: d.name };
  }
  /** Field `d` of record `rec` (from the packing when the record is there). */
  rawRec(rec: number, d: FieldDesc): number {
    const a = this.packedAt === null ? 0 : this.packedAt[rec];
    if (a > 0) return this.read(this.packedView as DataView, a - 1 + d.offset, d);
    return this.read(this.view, this.index.offsets[rec] + d.offset, d);
  }
  /** rawRec as a Field at its file offset. */
  atRec(rec: number, d: FieldDesc): Field {
    const a = this.packedAt === null ? 0 : this.packedAt[rec];
    if (a === 0) return this.at(this.index.offsets[rec], d);
    return { value: this.value(this.packedView as DataView, a - 1 + d.offset, d), offset: this.index.offsets[rec] + d.offset, size: d.size, name: d.name };
  }
  /** A Field's value: a field of another size than 4, 2 or 1 is read as a u64. */
  private value(view: DataView, p: number, d: FieldDesc): number {
    return d.size === 4 || d.size === 2 || d.size === 1 ? this.read(view, p, d) : Number(view.getBigUint64(p, this.le));
  }
  private read(view: DataView, p: number, d: FieldDesc): number {
    return d.size === 4 ? (d.signed ? view.getInt32(p, this.le) : view.getUint32(p, this.le)) : d.size === 2 ? view.getUint16(p, this.le) : view.getUint8(p);
  }
}

/** A read-only list whose items are made on demand. */
export abstract class RecordList<T> implements Iterable<T> {
  abstract readonly length: number;
  abstract at(i: number): T;
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
  map<U>(f: (x: T, i: number) => U): U[] {
    const out = new Array<U>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = f(this.at(i), i);
    return out;
  }
  filter(f: (x: T, i: number) => boolean): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) {
      const x = this.at(i);
      if (f(x, i)) out.push(x);
    }
    return out;
  }
  find(f: (x: T, i: number) => boolean): T | undefined {
    for (let i = 0; i < this.length; i++) {
      const x = this.at(i);
      if (f(x, i)) return x;
    }
    return undefined;
  }
  forEach(f: (x: T, i: number) => void): void {
    for (let i = 0; i < this.length; i++) f(this.at(i), i);
  }
  some(f: (x: T, i: number) => boolean): boolean {
    return this.find(f) !== undefined;
  }
}

/** What every item reads from its list: the record number, and through it offset and len. */
abstract class ColumnItem<L extends { readonly records: Int32Array; readonly src: RecordSource }> {
  constructor(
    protected readonly l: L,
    protected readonly i: number,
  ) {}
  get record(): number {
    return this.l.records[this.i];
  }
  get offset(): number {
    return this.l.src.offsetOf(this.record);
  }
  get len(): number {
    return this.l.src.index.lens[this.record];
  }
}

export interface ObjrefDescs {
  objtype: FieldDesc;
  objref: FieldDesc;
}

/** OBJREF records: objtype and objref as read, and the record of the object each introduced (-1: none). */
export class ObjrefList extends RecordList<ObjrefRec> {
  readonly records: Int32Array;
  readonly types: Uint32Array;
  readonly refs: Int32Array;
  readonly targets: Int32Array;
  length = 0;
  constructor(
    readonly src: RecordSource,
    readonly d: ObjrefDescs,
    capacity: number,
  ) {
    super();
    this.records = new Int32Array(capacity);
    this.types = new Uint32Array(capacity);
    this.refs = new Int32Array(capacity);
    this.targets = new Int32Array(capacity).fill(-1);
  }
  push(record: number, type: number, ref: number): number {
    const i = this.length++;
    this.records[i] = record;
    this.types[i] = type;
    this.refs[i] = ref;
    return i;
  }
  at(i: number): ObjrefRec {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`objref item ${i} of ${this.length}`);
    return new ObjrefItem(this, i);
  }
}

class ObjrefItem extends ColumnItem<ObjrefList> implements ObjrefRec {
  get type(): number {
    return this.l.types[this.i];
  }
  get ref(): number {
    return this.l.refs[this.i];
  }
  get target(): number {
    return this.l.targets[this.i];
  }
  set target(v: number) {
    this.l.targets[this.i] = v;
  }
  get objtype(): Field {
    return this.l.src.atRec(this.record, this.l.d.objtype);
  }
  get objref(): Field {
    return this.l.src.atRec(this.record, this.l.d.objref);
  }
}

/** The objhash: per objref, the first OBJREF (an index into the ObjrefList) that got its object. */
export class ObjectTable {
  private readonly table = new ObjrefIndex();
  constructor(private readonly list: ObjrefList) {}
  get size(): number {
    return this.table.size;
  }
  /** Index in the ObjrefList, or -1. */
  indexOf(ref: number): number {
    return this.table.get(ref);
  }
  has(ref: number): boolean {
    return this.table.get(ref) >= 0;
  }
  get(ref: number): ObjrefRec | undefined {
    const k = this.table.get(ref);
    return k < 0 ? undefined : this.list.at(k);
  }
  setIndex(ref: number, k: number): void {
    this.table.set(ref, k);
  }
  /** Each object's index in the ObjrefList, in the order of values(). */
  indexes(): IterableIterator<number> {
    return this.table.values();
  }
  *values(): IterableIterator<ObjrefRec> {
    for (const k of this.table.values()) yield this.list.at(k);
  }
}

export interface FileDescs {
  f_type: FieldDesc;
  /** The reference field each specialised file type carries, by f_type. */
  refFor(fType: number): FieldDesc | null;
}

/** FILE records: the objref that introduced each (when one did). */
export class FileList extends RecordList<FileRec> {
  readonly records: Int32Array;
  readonly objrefs: Int32Array;
  readonly hasObjref: Uint8Array;
  length = 0;
  constructor(
    readonly src: RecordSource,
    readonly d: FileDescs,
    capacity: number,
  ) {
    super();
    this.records = new Int32Array(capacity);
    this.objrefs = new Int32Array(capacity);
    this.hasObjref = new Uint8Array(capacity);
  }
  push(record: number, objref: number | null): void {
    const i = this.length++;
    this.records[i] = record;
    if (objref !== null) {
      this.objrefs[i] = objref;
      this.hasObjref[i] = 1;
    }
  }
  fType(i: number): number {
    return this.src.rawRec(this.records[i], this.d.f_type);
  }
  /** The reference field of item i, when its type has one and the record is long enough. */
  refDesc(i: number): FieldDesc | null {
    const r = this.records[i];
    const d = this.d.refFor(this.fType(i));
    return d && this.src.index.lens[r] >= d.offset + d.size ? d : null;
  }
  refValue(i: number): number | null {
    const d = this.refDesc(i);
    return d ? this.src.rawRec(this.records[i], d) : null;
  }
  at(i: number): FileRec {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`file item ${i} of ${this.length}`);
    return new FileItem(this, i);
  }
}

class FileItem extends ColumnItem<FileList> implements FileRec {
  get objref(): number | null {
    return this.l.hasObjref[this.i] ? this.l.objrefs[this.i] : null;
  }
  get f_type(): Field {
    return this.l.src.atRec(this.record, this.l.d.f_type);
  }
  get ref(): Field | null {
    const d = this.l.refDesc(this.i);
    return d ? this.l.src.atRec(this.record, d) : null;
  }
  get fType(): number {
    return this.l.fType(this.i);
  }
  get refValue(): number | null {
    return this.l.refValue(this.i);
  }
}

export interface FileDescDescs {
  fd_objref: FieldDesc;
  fd_descriptor: FieldDesc;
  fd_close_on_exec: FieldDesc;
}

/** FILE_DESC records and the file table each belongs to (-1: none came before). */
export class FileDescList extends RecordList<FileDesc> {
  readonly records: Int32Array;
  readonly tables: Int32Array;
  length = 0;
  constructor(
    readonly src: RecordSource,
    readonly d: FileDescDescs,
    capacity: number,
  ) {
    super();
    this.records = new Int32Array(capacity);
    this.tables = new Int32Array(capacity);
  }
  push(record: number, table: number): void {
    const i = this.length++;
    this.records[i] = record;
    this.tables[i] = table;
  }
  fileRef(i: number): number {
    return this.src.rawRec(this.records[i], this.d.fd_objref);
  }
  fd(i: number): number {
    return this.src.rawRec(this.records[i], this.d.fd_descriptor);
  }
  cloexec(i: number): number {
    return this.src.rawRec(this.records[i], this.d.fd_close_on_exec);
  }
  at(i: number): FileDesc {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`descriptor item ${i} of ${this.length}`);
    return new FileDescItem(this, i);
  }
  /** Items start … end-1 as a list of their own (a file table's descriptors are consecutive). */
  range(start: number, end: number): FileDescRange {
    return new FileDescRange(this, start, end);
  }
}

export class FileDescRange extends RecordList<FileDesc> {
  constructor(
    readonly list: FileDescList,
    readonly start: number,
    public end: number,
  ) {
    super();
  }
  get length(): number {
    return this.end - this.start;
  }
  at(i: number): FileDesc {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`descriptor item ${i} of ${this.length}`);
    return this.list.at(this.start + i);
  }
}

class FileDescItem extends ColumnItem<FileDescList> implements FileDesc {
  get table(): number {
    return this.l.tables[this.i];
  }
  get fd_objref(): Field {
    return this.l.src.atRec(this.record, this.l.d.fd_objref);
  }
  get fd_descriptor(): Field {
    return this.l.src.atRec(this.record, this.l.d.fd_descriptor);
  }
  get fd_close_on_exec(): Field {
    return this.l.src.atRec(this.record, this.l.d.fd_close_on_exec);
  }
  get fileRef(): number {
    return this.l.fileRef(this.i);
  }
  get fd(): number {
    return this.l.fd(this.i);
  }
  get cloexec(): number {
    return this.l.cloexec(this.i);
  }
}

export interface SignalDescs {
  tty_objref: FieldDesc;
  tty_pgrp: FieldDesc;
  tty_old_pgrp: FieldDesc;
}

/** SIGNAL records. */
export class SignalList extends RecordList<SignalRec> {
  readonly records: Int32Array;
  length = 0;
  constructor(
    readonly src: RecordSource,
    readonly d: SignalDescs,
    capacity: number,
  ) {
    super();
    this.records = new Int32Array(capacity);
  }
  push(record: number): void {
    this.records[this.length++] = record;
  }
  at(i: number): SignalRec {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`signal item ${i} of ${this.length}`);
    const l = this;
    const record = this.records[i];
    return {
      record,
      get offset() {
        return l.src.offsetOf(record);
      },
      get len() {
        return l.src.index.lens[record];
      },
      get tty_objref() {
        return l.src.atRec(record, l.d.tty_objref);
      },
      get tty_pgrp() {
        return l.src.atRec(record, l.d.tty_pgrp);
      },
      get tty_old_pgrp() {
        return l.src.atRec(record, l.d.tty_old_pgrp);
      },
    };
  }
}
