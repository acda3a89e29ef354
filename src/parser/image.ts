// openImage: bytes -> Image. Walks the framing into the record index, then makes one pass over the
// index that follows the objhash the way restart does (an OBJREF introduces the object whose record
// comes next at that nesting level) and reads the tty-related records at the layout's offsets.
import { decodeRecordBody, Enums, enumName } from './kaitai.js';
import { FILE_TYPE, HDR_SIZE, LAYOUT, OBJ, RecordLayout, T } from './layout.js';
import type { BufferRecord, Diagnostic, Field, FileTable, HeaderInfo, Image, Ldisc, Termios, Tty, Winsize } from './model.js';
import { bitmapLayoutForArch } from './read-flags.js';
import { indexStream, StreamIndex } from './stream-index.js';
import { FieldDesc, FileDescList, FileList, ObjectTable, ObjrefList, type PackedRecords, RecordSource, SignalList } from './record-lists.js';
import { PTY_TYPE_MASTER, PTY_TYPE_SLAVE } from './names.js';

export const V18_REV = 2;
const ARCH_ID_OFFSET = 16;

function archByteOrder(archId: number): boolean | undefined {
  const name = enumName(Enums.archId, archId);
  if (!name) return undefined;
  return name === 'X86_32';
}

/** Byte order from arch_id; when arch_id is unknown, from the first record header if it can only be read one way. */
/** The image's byte order as openImage decides it from its first bytes; undefined when unknown. */
export function byteOrderOf(bytes: Uint8Array): boolean | undefined {
  return chooseByteOrder(bytes, archIdOf(bytes));
}

/** The header's arch_id, read little-endian (it is what tells the byte order), or -1 for a file too short to hold it. */
export function archIdOf(bytes: Uint8Array): number {
  return bytes.length >= ARCH_ID_OFFSET + 2 ? bytes[ARCH_ID_OFFSET] | (bytes[ARCH_ID_OFFSET + 1] << 8) : -1;
}

/**
 * openImage decodes the records with v18 tables: record 0 is whole, long enough for a header, and
 * its rev is 2 (its type is not asked: rev and the rest may be sound when the type is damaged).
 */
export function isV18(bytes: Uint8Array, index: StreamIndex, littleEndian: boolean): boolean {
  if (index.count === 0 || index.spans[0] !== index.lens[0] || index.lens[0] < LAYOUT.header.len) return false;
  const at = index.offsets[0] + LAYOUT.header.fields.get('rev')!.offset;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(at, littleEndian) === V18_REV;
}

export function chooseByteOrder(bytes: Uint8Array, archId: number): boolean | undefined {
  const fromArch = archByteOrder(archId);
  if (fromArch !== undefined) return fromArch;
  if (bytes.length < 8) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const le = v.getUint32(0, true) === T.HEADER && v.getUint32(4, true) === LAYOUT.header.len;
  const be = v.getUint32(0, false) === T.HEADER && v.getUint32(4, false) === LAYOUT.header.len;
  return le === be ? undefined : le;
}

/** Record type each objtype's ->restore() reads first (the object's own record). */
function primaryRecordType(objtype: number): number | undefined {
  const name = enumName(Enums.objType, objtype);
  if (!name) return undefined;
  if (name === 'SOCK') return enumValueOrUndef('SOCKET');
  return enumValueOrUndef(name);
}
function enumValueOrUndef(name: string): number | undefined {
  const v = Enums.hdrType[name];
  return typeof v === 'number' ? v : undefined;
}

function desc(layout: RecordLayout, path: string, signed = false): FieldDesc {
  const f = layout.fields.get(path);
  if (!f) throw new Error(`layout has no field ${path}`);
  return { offset: f.offset, size: f.size, name: path.replace(/^.*\./, ''), signed };
}

const D = {
  objtype: desc(LAYOUT.objref, 'objtype'),
  objref: desc(LAYOUT.objref, 'objref', true),
  f_type: desc(LAYOUT.fileGeneric, 'f_type'),
  fdt_nfds: desc(LAYOUT.fileTable, 'fdt_nfds', true),
  fd_objref: desc(LAYOUT.fileDesc, 'fd_objref', true),
  fd_descriptor: desc(LAYOUT.fileDesc, 'fd_descriptor', true),
  fd_close_on_exec: desc(LAYOUT.fileDesc, 'fd_close_on_exec'),
  sig_tty_objref: desc(LAYOUT.signal, 'tty_objref', true),
  sig_tty_pgrp: desc(LAYOUT.signal, 'tty_pgrp', true),
  sig_tty_old_pgrp: desc(LAYOUT.signal, 'tty_old_pgrp', true),
  tty_objref: desc(LAYOUT.fileTty, 'tty_objref', true),
  pipe_objref: desc(LAYOUT.filePipe, 'pipe_objref', true),
  sock_objref: desc(LAYOUT.fileSocket, 'sock_objref', true),
};

/** Record type that each objtype's restore reads first, indexed by objtype (-1: any record). */
const PRIMARY_BY_OBJTYPE: number[] = [];
for (const k of Object.keys(Enums.objType)) {
  const v = Enums.objType[k];
  if (typeof v === 'number') PRIMARY_BY_OBJTYPE[v] = primaryRecordType(v) ?? -1;
}
function primaryOf(objtype: number): number {
  const p = objtype < PRIMARY_BY_OBJTYPE.length ? PRIMARY_BY_OBJTYPE[objtype] : undefined;
  return p === undefined ? -1 : p;
}

const fileRefDesc = (t: number): FieldDesc | null => (t === FILE_TYPE.TTY ? D.tty_objref : t === FILE_TYPE.PIPE ? D.pipe_objref : t === FILE_TYPE.SOCKET ? D.sock_objref : null);

// Plain constants for the hot loop (module namespaces may hand them out through getters).
const { OBJREF: R_OBJREF, TTY: R_TTY, TTY_LDISC: R_TTY_LDISC, FILE: R_FILE, FILE_TABLE: R_FILE_TABLE, FILE_DESC: R_FILE_DESC, SIGNAL: R_SIGNAL, TAIL: R_TAIL, BUFFER: R_BUFFER } = T;
const { FILE: O_FILE, FILE_TABLE: O_FILE_TABLE, TTY: O_TTY } = OBJ;
const OBJREF_LEN = LAYOUT.objref.len;
const FILE_GENERIC_LEN = LAYOUT.fileGeneric.len;
const FILE_TABLE_LEN = LAYOUT.fileTable.len;
const FILE_DESC_LEN = LAYOUT.fileDesc.len;
const SIGNAL_LEN = LAYOUT.signal.len;
const TTY_LEN = LAYOUT.tty.len;

/** Reads fixed fields of the header and tty records (the columnar records share its reads). */
class Reader extends RecordSource {
  field(rec: number, layout: RecordLayout, name: string, signed = false): Field {
    return this.at(rec, desc(layout, name, signed));
  }
  big(rec: number, layout: RecordLayout, name: string): Field<bigint> {
    const f = layout.fields.get(name);
    if (!f) throw new Error(`no field ${name}`);
    return { value: this.view.getBigUint64(rec + f.offset, this.le), offset: rec + f.offset, size: 8, name };
  }
}

/** The record index's framing problems as diagnostics (a resynchronisation is a warning). */
export function framingDiagnostics(index: StreamIndex): Diagnostic[] {
  return index.problems.map((p) => ({
    severity: p.code === 'REC_RESYNC' ? 'warning' : 'error',
    code: p.code,
    message: p.message,
    offset: p.offset,
    length: p.length,
    field: p.field,
    ...(p.record >= 0 ? { record: p.record } : {}),
  }));
}

/**
 * How many records each list will hold. A loop over every record is a function of its own here and
 * in the validators: V8 optimises a long loop while it runs, and code after it in the same function
 * that has never run throws the optimised code away (then the next loop waits for a new compile).
 */
function countListRecords(index: StreamIndex): { nObjref: number; nFile: number; nDesc: number; nSignal: number } {
  const { types } = index;
  let nObjref = 0;
  let nFile = 0;
  let nDesc = 0;
  let nSignal = 0;
  for (let i = 0; i < index.count; i++) {
    const t = types[i];
    if (t === R_OBJREF) nObjref++;
    else if (t === R_FILE) nFile++;
    else if (t === R_FILE_DESC) nDesc++;
    else if (t === R_SIGNAL) nSignal++;
  }
  return { nObjref, nFile, nDesc, nSignal };
}

/**
 * `index`: the record index of these bytes in the byte order byteOrderOf gives (default: built here),
 * so that a caller that needed it first (the editor counts TTY records before deciding to build
 * the full model) does not walk the stream twice. `packed`: with that index, where a report read
 * put the records the lists read (their bytes are not at their offsets in `input`).
 */
export function openImage(input: Uint8Array, prebuilt?: StreamIndex, packed?: PackedRecords): Image {
  const bytes = input;
  const size = bytes.length;
  const archId = archIdOf(bytes);
  const order = chooseByteOrder(bytes, archId);
  const littleEndian = order ?? true;
  const index = prebuilt ?? indexStream(bytes, littleEndian);
  const parseDiagnostics = framingDiagnostics(index);
  const { offsets, types, lens, spans } = index;

  // Columns sized exactly: count each kind first (a pass over a typed array, no allocation).
  const { nObjref, nFile, nDesc, nSignal } = order !== undefined ? countListRecords(index) : { nObjref: 0, nFile: 0, nDesc: 0, nSignal: 0 };
  const source = new Reader(bytes, littleEndian, index, packed);
  const objrefs = new ObjrefList(source, { objtype: D.objtype, objref: D.objref }, nObjref);
  const img: Image = {
    bytes,
    size,
    littleEndian,
    archId,
    bitmap: bitmapLayoutForArch(archId),
    decoded: false,
    index,
    header: null,
    objrefs,
    objects: new ObjectTable(objrefs),
    ttys: [],
    shortTtys: [],
    files: new FileList(source, { f_type: D.f_type, refFor: fileRefDesc }, nFile),
    fileTables: [],
    fds: new FileDescList(source, { fd_objref: D.fd_objref, fd_descriptor: D.fd_descriptor, fd_close_on_exec: D.fd_close_on_exec }, nDesc),
    signals: new SignalList(source, { tty_objref: D.sig_tty_objref, tty_pgrp: D.sig_tty_pgrp, tty_old_pgrp: D.sig_tty_old_pgrp }, nSignal),
    tailRecord: -1,
    parseDiagnostics,
    source,
  };
  if (order === undefined) return img;
  const rd = source;

  // Read even when record 0's type is damaged: rev and the rest may still be sound.
  if (index.count > 0 && spans[0] === lens[0] && lens[0] >= LAYOUT.header.len) {
    img.header = readHeader(rd, 0);
  }
  // A non-v18 image is framed but not decoded with v18 tables.
  if (!img.header || img.header.rev.value !== V18_REV) return img;
  img.decoded = true;

  const { files, fds, signals, objects } = img;
  const oTypes = objrefs.types;
  const oRefs = objrefs.refs;
  const oTargets = objrefs.targets;
  // The pending OBJREFs (indexes into objrefs), innermost last.
  const stack: number[] = [];
  // The LDISC and BUFFER records the last TTY consumed (claims only ever reach the next two records).
  let claimedLdisc = -1;
  let claimedBuffer = -1;
  // Stack depths of the pending entries by the record type that satisfies them (each list
  // ascending), so that a record finds its owner without scanning the stack: with a run of OBJREFs
  // whose objects never come, that scan made openImage quadratic in the number of records.
  const pendingByType = new Map<number, number[]>();
  const popTo = (d: number): void => {
    while (stack.length > d) {
      const prim = primaryOf(oTypes[stack.pop()!]);
      if (prim >= 0) pendingByType.get(prim)!.pop();
    }
  };
  let lastTable: FileTable | null = null;

  for (let i = 0; i < index.count; i++) {
    if (spans[i] !== lens[i]) continue;
    const t = types[i];
    const o = offsets[i];
    if (t === R_OBJREF) {
      if (lens[i] < OBJREF_LEN) continue;
      const k = objrefs.push(i, rd.rawRec(i, D.objtype), rd.rawRec(i, D.objref));
      const prim = primaryOf(oTypes[k]);
      if (prim >= 0) {
        let l = pendingByType.get(prim);
        if (!l) pendingByType.set(prim, (l = []));
        l.push(stack.length);
      }
      stack.push(k);
      continue;
    }
    // Which pending OBJREF does this record satisfy?
    let owner = -1;
    const top = stack.length - 1;
    if (top >= 0) {
      // The top entry when its type matches (or is one without a record type of its own and the
      // record is not an LDISC/BUFFER already claimed), else the highest pending entry of this type.
      const primTop = primaryOf(oTypes[stack[top]]);
      let d = -1;
      if (primTop === t || (primTop < 0 && i !== claimedLdisc && i !== claimedBuffer)) d = top;
      else {
        const l = pendingByType.get(t);
        if (l && l.length) d = l[l.length - 1];
      }
      if (d >= 0) {
        owner = stack[d];
        popTo(d); // entries above it never got their object: their target stays -1
      }
    }
    if (owner >= 0) {
      oTargets[owner] = i;
      if (!objects.has(oRefs[owner])) objects.setIndex(oRefs[owner], owner);
    }

    switch (t) {
      case R_TTY: {
        if (lens[i] < TTY_LEN) {
          img.shortTtys.push(i);
          // The LDISC and BUFFER after it are still its own, not another record's to claim.
          if (i + 1 < index.count && types[i + 1] === R_TTY_LDISC) {
            claimedLdisc = i + 1;
            if (i + 2 < index.count && types[i + 2] === R_BUFFER) claimedBuffer = i + 2;
          }
          break;
        }
        const own = owner >= 0 && oTypes[owner] === O_TTY ? { objref: oRefs[owner], rec: objrefs.records[owner] } : { objref: null, rec: -1 };
        const tty = readTty(rd, i, o, lens[i], own);
        // The LDISC (and its BUFFER) that follow belong to this tty.
        const j = i + 1;
        if (j < index.count && types[j] === R_TTY_LDISC && spans[j] === lens[j]) {
          claimedLdisc = j;
          tty.ldisc = readLdisc(rd, j, offsets[j], lens[j]);
          const k = j + 1;
          // Attached even when datalen says there is none, so views show it and the validator can say so.
          if (tty.ldisc && k < index.count && types[k] === R_BUFFER && spans[k] === lens[k]) {
            claimedBuffer = k;
            tty.ldisc.buffer = readBuffer(bytes, k, offsets[k], lens[k]);
          }
        }
        img.ttys.push(tty);
        break;
      }
      case R_FILE:
        if (lens[i] >= FILE_GENERIC_LEN) files.push(i, owner >= 0 && oTypes[owner] === O_FILE ? oRefs[owner] : null);
        break;
      case R_FILE_TABLE: {
        if (lens[i] < FILE_TABLE_LEN) break;
        // A table's descriptors are the FILE_DESC records until the next table: a range of fds.
        const ft: FileTable = {
          record: i,
          offset: o,
          objref: owner >= 0 && oTypes[owner] === O_FILE_TABLE ? oRefs[owner] : null,
          fdt_nfds: rd.atRec(i, D.fdt_nfds),
          fds: fds.range(fds.length, fds.length),
        };
        img.fileTables.push(ft);
        lastTable = ft;
        break;
      }
      case R_FILE_DESC: {
        if (lens[i] < FILE_DESC_LEN) break;
        fds.push(i, img.fileTables.length - 1);
        if (lastTable) (lastTable.fds as ReturnType<typeof fds.range>).end = fds.length;
        break;
      }
      case R_SIGNAL:
        if (lens[i] >= SIGNAL_LEN) signals.push(i);
        break;
      case R_TAIL:
        if (img.tailRecord < 0) img.tailRecord = i;
        break;
      default:
        break;
    }
  }
  return img;
}

/** Point an image (and the records it reads on demand) at new bytes, after an edit moved them. */
export function rebindImage(img: Image, bytes: Uint8Array): void {
  img.bytes = bytes;
  img.size = bytes.length;
  img.source.rebind(bytes);
}

function readHeader(rd: Reader, rec: number): HeaderInfo {
  const L = LAYOUT.header;
  const constants: Field[] = [];
  for (const [name] of L.fields) if (name.startsWith('constants.')) constants.push(rd.field(0, L, name));
  const arch = rd.field(0, L, 'arch_id');
  // arch_id is always little-endian.
  arch.value = rd.bytes[arch.offset] | (rd.bytes[arch.offset + 1] << 8);
  return {
    record: rec,
    magic: rd.big(0, L, 'magic'),
    arch_id: arch,
    major: rd.field(0, L, 'major'),
    minor: rd.field(0, L, 'minor'),
    patch: rd.field(0, L, 'patch'),
    rev: rd.field(0, L, 'rev'),
    constants,
    time: rd.big(0, L, 'time'),
    uflags: rd.big(0, L, 'uflags'),
    node: decodeRecordBody({ bytes: rd.bytes, littleEndian: rd.le }, 0, T.HEADER, L.len).body ?? { type: 'hdr_header', offset: 8, size: 0, fields: [] },
  };
}

// TTY and TTY_LDISC are fixed-layout records: their fields are read at the offsets LAYOUT learnt
// from the generated parser (the same offsets, sizes and values a decode gives), without building
// a Kaitai object per record, which cost most of openImage on an image of a thousand pairs.
const TD = {
  driver_type: desc(LAYOUT.tty, 'driver_type'),
  driver_subtype: desc(LAYOUT.tty, 'driver_subtype'),
  link_objref: desc(LAYOUT.tty, 'link_objref', true),
  file_objref: desc(LAYOUT.tty, 'file_objref', true),
  padding: desc(LAYOUT.tty, 'padding'),
  index: desc(LAYOUT.tty, 'index'),
  ldisc: desc(LAYOUT.tty, 'ldisc'),
  flags: LAYOUT.tty.fields.get('flags')!.offset,
  c_iflag: desc(LAYOUT.tty, 'termios.c_iflag'),
  c_oflag: desc(LAYOUT.tty, 'termios.c_oflag'),
  c_cflag: desc(LAYOUT.tty, 'termios.c_cflag'),
  c_lflag: desc(LAYOUT.tty, 'termios.c_lflag'),
  c_line: desc(LAYOUT.tty, 'termios.c_line'),
  c_cc: LAYOUT.tty.fields.get('termios.c_cc')!,
  ws_row: desc(LAYOUT.tty, 'winsize.ws_row'),
  ws_col: desc(LAYOUT.tty, 'winsize.ws_col'),
  ws_xpixel: desc(LAYOUT.tty, 'winsize.ws_xpixel'),
  ws_ypixel: desc(LAYOUT.tty, 'winsize.ws_ypixel'),
};

/** A TTY record at least TTY_LEN long (a shorter one is a shortTty). */
function readTty(rd: Reader, rec: number, o: number, len: number, own: { objref: number | null; rec: number }): Tty {
  const c_cc: Field[] = [];
  for (let k = 0; k < TD.c_cc.size; k++) {
    const p = o + TD.c_cc.offset + k;
    c_cc.push({ value: rd.bytes[p], offset: p, size: 1, name: `c_cc[${k}]` });
  }
  const termios: Termios = {
    c_iflag: rd.at(o, TD.c_iflag),
    c_oflag: rd.at(o, TD.c_oflag),
    c_cflag: rd.at(o, TD.c_cflag),
    c_lflag: rd.at(o, TD.c_lflag),
    c_line: rd.at(o, TD.c_line),
    c_cc,
  };
  const winsize: Winsize = {
    ws_row: rd.at(o, TD.ws_row),
    ws_col: rd.at(o, TD.ws_col),
    ws_xpixel: rd.at(o, TD.ws_xpixel),
    ws_ypixel: rd.at(o, TD.ws_ypixel),
  };
  const driver_subtype = rd.at(o, TD.driver_subtype);
  const flagsAt = o + TD.flags;
  return {
    record: rec,
    offset: o,
    len,
    objref: own.objref,
    objrefRecord: own.rec,
    role: driver_subtype.value === PTY_TYPE_MASTER ? 'master' : driver_subtype.value === PTY_TYPE_SLAVE ? 'slave' : 'unknown',
    driver_type: rd.at(o, TD.driver_type),
    driver_subtype,
    link_objref: rd.at(o, TD.link_objref),
    file_objref: rd.at(o, TD.file_objref),
    padding: rd.at(o, TD.padding),
    index: rd.at(o, TD.index),
    ldisc_num: rd.at(o, TD.ldisc),
    flags: { value: rd.view.getBigUint64(flagsAt, rd.le), offset: flagsAt, size: 8, name: 'flags' },
    termios,
    winsize,
    ldisc: null,
  };
}

const LDISC_BOOLS = ['stopped', 'hw_stopped', 'flow_stopped', 'packet', 'ctrl_status', 'lnext', 'erasing', 'raw', 'real_raw', 'icanon', 'closing'];
const LD = {
  column: desc(LAYOUT.ldisc, 'column'),
  datalen: desc(LAYOUT.ldisc, 'datalen'),
  canon_column: desc(LAYOUT.ldisc, 'canon_column'),
  canon_datalen: desc(LAYOUT.ldisc, 'canon_datalen'),
  canon_data: desc(LAYOUT.ldisc, 'canon_data'),
  minimum_to_wake: desc(LAYOUT.ldisc, 'minimum_to_wake'),
  bools: LDISC_BOOLS.map((n) => desc(LAYOUT.ldisc, n)),
  read_flags: LAYOUT.ldisc.fields.get('read_flags')!,
};

/** The TTY_LDISC record, or null when it is shorter than the struct (the decode would fail). */
function readLdisc(rd: Reader, rec: number, o: number, len: number): Ldisc | null {
  if (len < LAYOUT.ldisc.len) return null;
  const bools = LD.bools.map((d) => rd.at(o, d));
  const rf = o + LD.read_flags.offset;
  return {
    record: rec,
    offset: o,
    len,
    column: rd.at(o, LD.column),
    datalen: rd.at(o, LD.datalen),
    canon_column: rd.at(o, LD.canon_column),
    canon_datalen: rd.at(o, LD.canon_datalen),
    canon_data: rd.at(o, LD.canon_data),
    minimum_to_wake: rd.at(o, LD.minimum_to_wake),
    bools,
    stopped: bools[0],
    packet: bools[3],
    icanon: bools[9],
    // A view of the image's bytes, as the generated parser gives it.
    read_flags: { value: rd.bytes.subarray(rf, rf + LD.read_flags.size), offset: rf, size: LD.read_flags.size, name: 'read_flags' },
    buffer: null,
  };
}

function readBuffer(bytes: Uint8Array, rec: number, o: number, len: number): BufferRecord {
  return { record: rec, offset: o, dataOffset: o + HDR_SIZE, data: bytes.subarray(o + HDR_SIZE, o + len) };
}

/** Decode any record's payload with the generated parser (for views). */
export function decodeRecord(img: Image, i: number) {
  const { offsets, types, lens, spans } = img.index;
  if (spans[i] !== lens[i]) return { offset: offsets[i], body: null };
  return decodeRecordBody({ bytes: img.bytes, littleEndian: img.littleEndian }, offsets[i], types[i], lens[i]);
}

export function recordTypeName(t: number): string {
  return enumName(Enums.hdrType, t) ?? `UNKNOWN_${t}`;
}
