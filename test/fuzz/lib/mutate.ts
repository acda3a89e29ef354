// Structure-aware mutations of checkpoint images: bit flips, record lens and field values set to
// boundary values (len, datalen, canon_datalen, nr_tasks, fdt_nfds, objrefs…), truncations,
// spliced / duplicated / removed / swapped records, random record types, BUFFER resizes, and an
// "amplify" mutation that repeats a run of records to make a large input (for the linear-time
// property).
import { LAYOUT, RecordLayout, T } from '../../../src/parser/layout.js';
import { Enums } from '../../../src/parser/kaitai.js';
import { concat, Rec, walk } from './records.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

interface FieldSpot {
  name: string;
  offset: number;
  size: number;
}

const KNOWN_TYPES: number[] = Object.values(Enums.hdrType).filter((v): v is number => typeof v === 'number');

function spots(lay: RecordLayout): FieldSpot[] {
  const out: FieldSpot[] = [];
  for (const [name, f] of lay.fields) if (f.size > 0) out.push({ name, offset: f.offset, size: f.size });
  return out;
}

const FIELDS_BY_TYPE = new Map<number, FieldSpot[]>([
  [T.HEADER, spots(LAYOUT.header)],
  [T.HEADER_ARCH, spots(LAYOUT.headerArchX86)],
  [T.OBJREF, spots(LAYOUT.objref)],
  [T.TREE, spots(LAYOUT.tree)],
  [T.FILE_TABLE, spots(LAYOUT.fileTable)],
  [T.FILE_DESC, spots(LAYOUT.fileDesc)],
  [T.FILE, spots(LAYOUT.fileTty)],
  [T.TTY, spots(LAYOUT.tty)],
  [T.TTY_LDISC, spots(LAYOUT.ldisc)],
  [T.SIGNAL, spots(LAYOUT.signal)],
  [T.TAIL, spots(LAYOUT.tail)],
]);

/** Fields that are lengths, counts or references: mutated more often. */
const HOT = new Set([
  'datalen', 'canon_datalen', 'canon_data', 'column', 'canon_column', 'nr_tasks', 'fdt_nfds', 'objref', 'objtype',
  'link_objref', 'file_objref', 'tty_objref', 'fd_objref', 'fd_descriptor', 'f_type', 'driver_subtype', 'driver_type',
  'index', 'ldisc', 'flags', 'icanon', 'packet', 'rev', 'arch_id', 'time', 'uflags', 'read_flags', 'magic',
]);

const INTERESTING32 = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 63, 64, 127, 128, 255, 256, 4095, 4096, 4097, 5000, 0x7fff, 0x8000, 0xffff,
  0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function writeUint(v: DataView, o: number, size: number, val: number | bigint, le: boolean): void {
  if (size === 1) v.setUint8(o, Number(BigInt.asUintN(8, BigInt(val))));
  else if (size === 2) v.setUint16(o, Number(BigInt.asUintN(16, BigInt(val))), le);
  else if (size === 4) v.setUint32(o, Number(BigInt.asUintN(32, BigInt(val))), le);
  else if (size === 8) v.setBigUint64(o, BigInt.asUintN(64, BigInt(val)), le);
}

function interesting(rng: Rng, size: number, cur: number): number | bigint {
  const r = rng.int(10);
  if (size === 8 && r < 3) return rng.pick([0n, 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 0x7fffffffffffffffn, BigInt(rng.u32()) << 32n]);
  if (r < 5) return rng.pick(INTERESTING32);
  if (r < 8) return cur + rng.pick([-1, 1, -8, 8, 2, -2, 4096, -4096]);
  return rng.u32();
}

export interface Pool {
  /** Other inputs, for splicing. */
  other(): Uint8Array;
}

type Mutator = (b: Uint8Array, rng: Rng, pool: Pool) => Uint8Array | null;

const bitflip: Mutator = (b, rng) => {
  if (!b.length) return null;
  const out = b.slice();
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) {
    const p = rng.int(out.length);
    out[p] ^= 1 << rng.int(8);
  }
  return out;
};

const byteSet: Mutator = (b, rng) => {
  if (!b.length) return null;
  const out = b.slice();
  const p = rng.int(out.length);
  const n = 1 + rng.int(4);
  for (let i = 0; i < n && p + i < out.length; i++) out[p + i] = rng.pick([0, 0xff, 0x7f, 0x80, 1, rng.int(256)]);
  return out;
};

const recordLen: Mutator = (b, rng) => {
  const w = walk(b);
  if (!w.recs.length) return null;
  const r = rng.pick(w.recs);
  const out = b.slice();
  const v = new DataView(out.buffer);
  const choices = [0, 1, 7, 8, 9, r.len - 1, r.len + 1, r.len - 8, r.len + 8, r.len * 2, b.length - r.off, b.length - r.off + 1,
    0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8, rng.pick(w.recs).len, rng.u32()];
  v.setUint32(r.off + 4, rng.pick(choices) >>> 0, w.le);
  return out;
};

const fieldSet: Mutator = (b, rng) => {
  const w = walk(b);
  const cands = w.recs.filter((r) => FIELDS_BY_TYPE.has(r.type));
  if (!cands.length) return null;
  const r = rng.pick(cands);
  let fs = FIELDS_BY_TYPE.get(r.type)!.filter((f) => f.offset + Math.min(f.size, 8) <= r.len);
  if (!fs.length) return null;
  const hot = fs.filter((f) => HOT.has(f.name.replace(/^.*\./, '')));
  if (hot.length && rng.chance(0.7)) fs = hot;
  const f = rng.pick(fs);
  const out = b.slice();
  const v = new DataView(out.buffer);
  const o = r.off + f.offset;
  if (f.size > 8) {
    // A byte array (read_flags, rlim…): set, clear or flip bits in it.
    const k = rng.int(4);
    if (k === 0) out.fill(0xff, o, o + f.size);
    else if (k === 1) out.fill(0, o, o + f.size);
    else for (let i = 0; i < 1 + rng.int(16); i++) out[o + rng.int(f.size)] ^= 1 << rng.int(8);
    return out;
  }
  // The header's arch_id is always little-endian.
  const le = r.type === T.HEADER && f.name === 'arch_id' ? true : w.le;
  const cur = f.size === 1 ? v.getUint8(o) : f.size === 2 ? v.getUint16(o, le) : f.size === 4 ? v.getUint32(o, le) : Number(v.getBigUint64(o, le));
  writeUint(v, o, f.size, f.name === 'arch_id' && rng.chance(0.5) ? rng.int(6) : interesting(rng, f.size, cur), le);
  return out;
};

const truncate: Mutator = (b, rng) => {
  if (b.length < 2) return null;
  const w = walk(b);
  if (w.recs.length && rng.chance(0.5)) {
    const r = rng.pick(w.recs);
    const cut = Math.max(0, Math.min(b.length - 1, r.off + rng.pick([0, 1, 4, 7, 8, 9, r.len - 1, rng.int(r.len)])));
    return b.slice(0, cut);
  }
  return b.slice(0, rng.int(b.length));
};

function recBytes(b: Uint8Array, r: Rec): Uint8Array {
  return b.subarray(r.off, r.off + r.len);
}

const removeRecords: Mutator = (b, rng) => {
  const w = walk(b);
  if (!w.recs.length) return null;
  const i = rng.int(w.recs.length);
  const n = 1 + (rng.chance(0.3) ? rng.int(4) : 0);
  const j = Math.min(w.recs.length, i + n);
  const from = w.recs[i].off;
  const to = j < w.recs.length ? w.recs[j].off : w.end;
  return concat([b.subarray(0, from), b.subarray(to)]);
};

const duplicateRecords: Mutator = (b, rng) => {
  const w = walk(b);
  if (!w.recs.length) return null;
  const i = rng.int(w.recs.length);
  const j = Math.min(w.recs.length, i + 1 + rng.int(3));
  const from = w.recs[i].off;
  const to = j < w.recs.length ? w.recs[j].off : w.end;
  const at = rng.chance(0.5) ? to : rng.pick(w.recs).off;
  return concat([b.subarray(0, at), b.subarray(from, to), b.subarray(at)]);
};

const swapRecords: Mutator = (b, rng) => {
  const w = walk(b);
  if (w.recs.length < 2) return null;
  const i = rng.int(w.recs.length - 1);
  const j = rng.chance(0.6) ? i + 1 : i + 1 + rng.int(w.recs.length - i - 1);
  const a = w.recs[i];
  const c = w.recs[j];
  return concat([b.subarray(0, a.off), recBytes(b, c), b.subarray(a.off + a.len, c.off), recBytes(b, a), b.subarray(c.off + c.len)]);
};

const splice: Mutator = (b, rng, pool) => {
  const o = pool.other();
  const wo = walk(o);
  const w = walk(b);
  if (!wo.recs.length) return null;
  const i = rng.int(wo.recs.length);
  const j = Math.min(wo.recs.length, i + 1 + rng.int(6));
  const piece = o.subarray(wo.recs[i].off, j < wo.recs.length ? wo.recs[j].off : wo.end);
  const at = w.recs.length ? rng.pick(w.recs).off : rng.int(b.length + 1);
  if (rng.chance(0.3)) {
    // Cross-over: head of this input, tail of the other.
    const cut = w.recs.length ? rng.pick(w.recs).off : 0;
    return concat([b.subarray(0, cut), o.subarray(wo.recs[i].off)]);
  }
  return concat([b.subarray(0, at), piece, b.subarray(at)]);
};

const recordType: Mutator = (b, rng) => {
  const w = walk(b);
  if (!w.recs.length) return null;
  const r = rng.pick(w.recs);
  const out = b.slice();
  const v = new DataView(out.buffer);
  const t = rng.chance(0.8) ? rng.pick(KNOWN_TYPES) : rng.pick([0, 6, 100, 9000, 0xffffffff, rng.u32()]);
  v.setUint32(r.off, t >>> 0, w.le);
  return out;
};

/** Change a BUFFER/STRING payload length consistently (len fixed up), so deeper rules are reached. */
const resizeBuffer: Mutator = (b, rng) => {
  const w = walk(b);
  const cands = w.recs.filter((r) => r.type === T.BUFFER || r.type === T.STRING);
  if (!cands.length) return null;
  const r = rng.pick(cands);
  const payload = r.len - 8;
  const target = rng.pick([0, 1, Math.max(0, payload - 1), payload + 1, 4095, 4096, 4097, rng.int(64)]);
  const body = new Uint8Array(target);
  body.set(b.subarray(r.off + 8, r.off + 8 + Math.min(payload, target)));
  for (let i = payload; i < target; i++) body[i] = rng.pick([0x0a, 0x41, 0x3c, 0, 0xff, 0x1b]);
  const hdr = b.slice(r.off, r.off + 8);
  new DataView(hdr.buffer).setUint32(4, target + 8, w.le);
  return concat([b.subarray(0, r.off), hdr, body, b.subarray(r.off + r.len)]);
};

const insertBytes: Mutator = (b, rng) => {
  const at = rng.int(b.length + 1);
  const n = 1 + rng.int(16);
  const ins = new Uint8Array(n);
  for (let i = 0; i < n; i++) ins[i] = rng.chance(0.5) ? 0 : rng.int(256);
  return concat([b.subarray(0, at), ins, b.subarray(at)]);
};

const appendAfterTail: Mutator = (b, rng, pool) => {
  const o = pool.other();
  return concat([b, o.subarray(0, rng.int(Math.min(o.length, 512)) + 1)]);
};

/** Repeat a run of records until the input is large (for the time-linear-in-size property). */
export const amplify: Mutator = (b, rng) => {
  const w = walk(b);
  if (w.recs.length < 2) return null;
  const i = rng.int(w.recs.length);
  const j = Math.min(w.recs.length, i + 1 + rng.int(6));
  const from = w.recs[i].off;
  const to = j < w.recs.length ? w.recs[j].off : w.end;
  const unit = b.subarray(from, to);
  const targetSize = rng.pick([256 << 10, 512 << 10, 1 << 20, 2 << 20]);
  const reps = Math.max(2, Math.floor(targetSize / Math.max(1, unit.length)));
  const mid = new Uint8Array(unit.length * reps);
  for (let k = 0; k < reps; k++) mid.set(unit, k * unit.length);
  return concat([b.subarray(0, to), mid, b.subarray(to)]);
};

const MUTATORS: [Mutator, number, string][] = [
  [bitflip, 10, 'bitflip'],
  [byteSet, 5, 'byte'],
  [recordLen, 12, 'len'],
  [fieldSet, 25, 'field'],
  [truncate, 6, 'truncate'],
  [removeRecords, 8, 'remove'],
  [duplicateRecords, 8, 'duplicate'],
  [swapRecords, 5, 'swap'],
  [splice, 8, 'splice'],
  [recordType, 8, 'type'],
  [resizeBuffer, 6, 'resize'],
  [insertBytes, 3, 'insert'],
  [appendAfterTail, 2, 'append'],
];
const TOTAL = MUTATORS.reduce((s, m) => s + m[1], 0);

export const MAX_INPUT = 256 << 10;

export function mutate(b: Uint8Array, rng: Rng, pool: Pool): { bytes: Uint8Array; ops: string[] } {
  const ops: string[] = [];
  let cur = b;
  const n = 1 + (rng.chance(0.5) ? rng.int(4) : 0);
  for (let k = 0; k < n; k++) {
    let x = rng.int(TOTAL);
    let m = MUTATORS[0];
    for (const c of MUTATORS) {
      if (x < c[1]) {
        m = c;
        break;
      }
      x -= c[1];
    }
    const r = m[0](cur, rng, pool);
    if (r && r.length <= MAX_INPUT) {
      cur = r;
      ops.push(m[2]);
    }
  }
  return { bytes: cur, ops };
}
