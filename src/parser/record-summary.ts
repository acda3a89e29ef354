// What the editor's Structure tree shows of a record without decoding it: a one-line summary and an
// OBJREF's objtype and objref, read from the record index and the bytes through the layout (the
// same offsets the .ksy gives), so the tree never reads the format itself.
import { Enums, enumName } from './kaitai.js';
import { LAYOUT, type RecordLayout, T } from './layout.js';
import { escapeBytes } from './names.js';
import type { StreamIndex } from './stream-index.js';

export interface IndexedBytes {
  bytes: Uint8Array;
  littleEndian: boolean;
  index: StreamIndex;
}

function off(l: RecordLayout, name: string): number {
  const f = l.fields.get(name);
  if (!f) throw new Error(`layout has no field ${name}`);
  return f.offset;
}

const OBJTYPE = off(LAYOUT.objref, 'objtype');
const OBJREF = off(LAYOUT.objref, 'objref');

/** Reads of fixed-size values that give 0 past the end (a record cut short is summarised, not thrown on). */
class Peek {
  private readonly view: DataView;
  constructor(
    bytes: Uint8Array,
    private readonly le: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(o: number, le = this.le): number {
    return o + 2 <= this.view.byteLength ? this.view.getUint16(o, le) : 0;
  }
  u32(o: number): number {
    return o + 4 <= this.view.byteLength ? this.view.getUint32(o, this.le) : 0;
  }
  i32(o: number): number {
    return o + 4 <= this.view.byteLength ? this.view.getInt32(o, this.le) : 0;
  }
  u64(o: number): bigint {
    return o + 8 <= this.view.byteLength ? this.view.getBigUint64(o, this.le) : 0n;
  }
}

/** An OBJREF record's objtype and objref, or null when record `i` is no whole OBJREF. */
export function objrefOf(src: IndexedBytes, i: number): { objtype: number; objref: number } | null {
  const { types, offsets, lens, spans } = src.index;
  if (types[i] !== T.OBJREF || lens[i] < LAYOUT.objref.len || spans[i] !== lens[i]) return null;
  const p = new Peek(src.bytes, src.littleEndian);
  return { objtype: p.u32(offsets[i] + OBJTYPE), objref: p.i32(offsets[i] + OBJREF) };
}

/** The first OBJREF record naming `objref`, or -1: a scan of the index for images without the full model. */
export function findObjrefRecord(src: IndexedBytes, objref: number): number {
  const { types, offsets, lens, spans, count } = src.index;
  const p = new Peek(src.bytes, src.littleEndian);
  for (let i = 0; i < count; i++) {
    if (types[i] === T.OBJREF && lens[i] >= LAYOUT.objref.len && spans[i] === lens[i] && p.i32(offsets[i] + OBJREF) === objref) return i;
  }
  return -1;
}

/** One line about record `i`: the values a person looks for first (roles, objrefs, lengths, text). */
export function recordSummary(src: IndexedBytes, i: number): string {
  const { offsets, types, lens, spans } = src.index;
  const o = offsets[i];
  const t = types[i];
  const len = lens[i];
  if (spans[i] !== len) return `broken framing: len ${len}, ${spans[i]} byte(s) present`;
  const p = new Peek(src.bytes, src.littleEndian);
  const fits = (l: RecordLayout) => len >= l.len;
  const at = (l: RecordLayout, name: string) => o + off(l, name);
  switch (t) {
    case T.HEADER:
      if (!fits(LAYOUT.header)) break;
      // arch_id is read little-endian: it is what tells the byte order (image.ts byteOrderOf).
      return `kernel ${p.u16(at(LAYOUT.header, 'major'))}.${p.u16(at(LAYOUT.header, 'minor'))}.${p.u16(at(LAYOUT.header, 'patch'))}, rev ${p.u16(at(LAYOUT.header, 'rev'))}, arch ${enumName(Enums.archId, p.u16(at(LAYOUT.header, 'arch_id'), true)) ?? '?'}`;
    case T.OBJREF:
      return `${len} bytes`;
    case T.TTY: {
      if (!fits(LAYOUT.tty)) break;
      const sub = p.u16(at(LAYOUT.tty, 'driver_subtype'));
      const role = sub === 1 ? 'master' : sub === 2 ? 'slave' : `subtype ${sub}`;
      return `${role} /dev/pts/${p.i32(at(LAYOUT.tty, 'index'))} · link_objref ${p.i32(at(LAYOUT.tty, 'link_objref'))} · file_objref ${p.i32(at(LAYOUT.tty, 'file_objref'))}`;
    }
    case T.TTY_LDISC:
      if (!fits(LAYOUT.ldisc)) break;
      return `datalen ${p.i32(at(LAYOUT.ldisc, 'datalen'))} · canon_datalen ${p.i32(at(LAYOUT.ldisc, 'canon_datalen'))} · column ${p.i32(at(LAYOUT.ldisc, 'column'))}`;
    case T.BUFFER:
    case T.STRING: {
      const data = src.bytes.subarray(o + 8, o + Math.min(len, 8 + 40));
      const s = escapeBytes(t === T.STRING ? data.subarray(0, Math.max(0, data.indexOf(0) < 0 ? data.length : data.indexOf(0))) : data);
      return `${len - 8} bytes · "${s}${len - 8 > 40 ? '…' : ''}"`;
    }
    case T.FILE: {
      if (len < LAYOUT.fileGeneric.len) break;
      const ft = p.u32(at(LAYOUT.fileGeneric, 'f_type'));
      const name = enumName(Enums.fileType, ft) ?? `f_type ${ft}`;
      const ref = len >= LAYOUT.fileTty.len && ft !== 1 ? ` → #${p.i32(at(LAYOUT.fileTty, 'tty_objref'))}` : '';
      return `${name}${ref}`;
    }
    case T.FILE_TABLE:
      if (!fits(LAYOUT.fileTable)) break;
      return `fdt_nfds ${p.i32(at(LAYOUT.fileTable, 'fdt_nfds'))}`;
    case T.FILE_DESC:
      if (!fits(LAYOUT.fileDesc)) break;
      return `fd ${p.i32(at(LAYOUT.fileDesc, 'fd_descriptor'))} → #${p.i32(at(LAYOUT.fileDesc, 'fd_objref'))}`;
    case T.TREE:
      if (!fits(LAYOUT.tree)) break;
      return `nr_tasks ${p.i32(at(LAYOUT.tree, 'nr_tasks'))}`;
    case T.SIGNAL:
      if (!fits(LAYOUT.signal)) break;
      return `tty_objref ${p.i32(at(LAYOUT.signal, 'tty_objref'))}`;
    case T.TAIL:
      return len >= 16 ? `magic 0x${p.u64(o + 8).toString(16).padStart(16, '0')}` : 'short';
    default:
      break;
  }
  return enumName(Enums.hdrType, t) ? `opaque · ${len} bytes` : `unknown record type · ${len} bytes`;
}
