// What differs between two images (`ckpt-inspect diff A B`, and the editor's Compare view): records
// aligned by identity (an object's records by objref, the others by type and order; an edit
// script over those keys finds inserted and removed records), field-level differences with the C
// field name and the offset in each file, and the pty pairs compared by pts index. Pure.
import { modelFields } from './encode.js';
import { recordTypeName } from './image.js';
import type { Field, FieldValue, Image, Tty } from './model.js';
import { ttyJson } from './report-json.js';
import { toHex } from './names.js';

export const DIFF_FORMAT = 'ckpt-inspect.diff/1';

/** A value as JSON: numbers, 64-bit values as decimal strings, byte strings as hex. */
export type DiffValue = number | string | null;

export interface FieldDiff {
  /** C field name (`c_lflag`, `c_cc[0]`, `len`), or `bytes` for bytes no decoded field holds. */
  field: string;
  a: DiffValue;
  b: DiffValue;
  /** Offset of the field (or of the first differing byte) in each file. */
  offsetA: number;
  offsetB: number;
  /** For `bytes`: how many bytes differ (a length difference counts as differing bytes). */
  count?: number;
}

export interface RecordSide {
  record: number;
  offset: number;
  len: number;
}

export interface RecordDiff {
  change: 'changed' | 'removed' | 'inserted';
  type: string;
  /** The objref of the object the record holds or introduces, when there is one. */
  objref: number | null;
  a: RecordSide | null;
  b: RecordSide | null;
  fields: FieldDiff[];
}

export interface PairFieldDiff {
  role: 'master' | 'slave' | null;
  /** Path in the report's ttys[] (`termios.c_lflag`, `ldisc.data`). */
  field: string;
  a: DiffValue;
  b: DiffValue;
}

export interface PairDiff {
  /** The pts index. */
  index: number;
  change: 'changed' | 'removed' | 'inserted';
  fields: PairFieldDiff[];
}

export interface ImageSummary {
  size: number;
  records: number;
  endian: 'le' | 'be';
}

export interface ImageDiff {
  format: typeof DIFF_FORMAT;
  equal: boolean;
  a: ImageSummary;
  b: ImageSummary;
  /** First offset at which the files' bytes differ (position by position), or null. */
  firstDifference: number | null;
  /** How the records were aligned: by identity, or by position when the images share too little. */
  alignment: 'identity' | 'position';
  records: RecordDiff[];
  pairs: PairDiff[];
}

function value(v: FieldValue): DiffValue {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  return v;
}

function same(x: FieldValue, y: FieldValue): boolean {
  if (x instanceof Uint8Array && y instanceof Uint8Array) return x.length === y.length && x.every((b, i) => b === y[i]);
  return x === y;
}

/** Identity of each record: objects by objref (OBJREF records by the objref they introduce), the rest by type. */
function recordKeys(img: Image): { keys: string[]; objref: (number | null)[] } {
  const n = img.index.count;
  const objref: (number | null)[] = new Array(n).fill(null);
  for (const o of img.objrefs) objref[o.record] = o.ref;
  for (const o of img.objects.values()) if (o.target >= 0 && objref[o.target] === null) objref[o.target] = o.ref;
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const t = img.index.types[i] as number;
    const r = objref[i];
    keys[i] = r === null ? `${t}` : `${t}#${r}`;
  }
  return { keys, objref };
}

type Op = { kind: 'same'; i: number; j: number } | { kind: 'removed'; i: number } | { kind: 'inserted'; j: number };

/**
 * Shortest edit script between two key sequences (Myers), after their common prefix and suffix;
 * null when it needs more than `maxD` insertions and removals (the caller aligns by position).
 */
export function alignKeys(a: readonly string[], b: readonly string[], maxD = 1000): Op[] | null {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const N = A.length;
  const M = B.length;
  const mid: Op[] = [];
  if (N === 0 || M === 0) {
    for (let i = 0; i < N; i++) mid.push({ kind: 'removed', i: pre + i });
    for (let j = 0; j < M; j++) mid.push({ kind: 'inserted', j: pre + j });
  } else {
    const max = Math.min(N + M, maxD);
    const off = max;
    let v = new Int32Array(2 * max + 2);
    const trace: Int32Array[] = [];
    let found = -1;
    for (let d = 0; d <= max && found < 0; d++) {
      trace.push(v.slice());
      const nv = v.slice();
      for (let k = -d; k <= d; k += 2) {
        let x = k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number)) ? (v[off + k + 1] as number) : (v[off + k - 1] as number) + 1;
        let y = x - k;
        while (x < N && y < M && A[x] === B[y]) {
          x++;
          y++;
        }
        nv[off + k] = x;
        if (x >= N && y >= M) {
          found = d;
          break;
        }
      }
      v = nv;
    }
    if (found < 0) return null;
    // Walk back through the trace.
    let x = N;
    let y = M;
    const rev: Op[] = [];
    for (let d = found; d > 0; d--) {
      const pv = trace[d] as Int32Array;
      const k = x - y;
      const prevK = k === -d || (k !== d && (pv[off + k - 1] as number) < (pv[off + k + 1] as number)) ? k + 1 : k - 1;
      const px = pv[off + prevK] as number;
      const py = px - prevK;
      // The step from (px, py) goes down (an inserted B record) or right (a removed A record), then
      // along the diagonal to (x, y).
      const down = prevK === k + 1;
      const sx = down ? px : px + 1;
      while (x > sx) {
        x--;
        y--;
        rev.push({ kind: 'same', i: pre + x, j: pre + y });
      }
      if (down) rev.push({ kind: 'inserted', j: pre + py });
      else rev.push({ kind: 'removed', i: pre + px });
      x = px;
      y = py;
    }
    while (x > 0 && y > 0) {
      x--;
      y--;
      rev.push({ kind: 'same', i: pre + x, j: pre + y });
    }
    mid.push(...rev.reverse());
  }
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: 'same', i, j: i });
  ops.push(...mid);
  for (let s = 0; s < suf; s++) ops.push({ kind: 'same', i: a.length - suf + s, j: b.length - suf + s });
  return ops;
}

/** The model's fields grouped by the record that holds them. */
function fieldsByRecord(img: Image): Map<number, Field<FieldValue>[]> {
  const out = new Map<number, Field<FieldValue>[]>();
  const { offsets, count } = img.index;
  for (const f of modelFields(img)) {
    // The record that holds the offset: the last one starting at or before it.
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if ((offsets[m] as number) <= f.offset) lo = m;
      else hi = m - 1;
    }
    const list = out.get(lo);
    if (list) list.push(f);
    else out.set(lo, [f]);
  }
  return out;
}

function side(img: Image, i: number): RecordSide {
  return { record: i, offset: img.index.offsets[i] as number, len: img.index.lens[i] as number };
}

function compareRecords(a: Image, i: number, b: Image, j: number, fa: Field<FieldValue>[], fb: Field<FieldValue>[]): FieldDiff[] {
  const oa = a.index.offsets[i] as number;
  const ob = b.index.offsets[j] as number;
  const la = a.index.spans[i] as number;
  const lb = b.index.spans[j] as number;
  const out: FieldDiff[] = [];
  const lenA = a.index.lens[i] as number;
  const lenB = b.index.lens[j] as number;
  if (lenA !== lenB) out.push({ field: 'len', a: lenA, b: lenB, offsetA: oa + 4, offsetB: ob + 4 });
  // Decoded fields, matched by name (in record order: a name that repeats is matched by occurrence).
  const seen = new Map<string, number>();
  const byName = new Map<string, Field<FieldValue>>();
  for (const f of fb) {
    const n = seen.get(f.name) ?? 0;
    seen.set(f.name, n + 1);
    byName.set(`${f.name}\u0000${n}`, f);
  }
  seen.clear();
  const covered = (o: number, list: Field<FieldValue>[], base: number) => list.some((f) => o + base >= f.offset && o + base < f.offset + f.size);
  for (const f of fa) {
    const n = seen.get(f.name) ?? 0;
    seen.set(f.name, n + 1);
    const g = byName.get(`${f.name}\u0000${n}`);
    if (!g) continue;
    if (!same(f.value, g.value)) out.push({ field: f.name, a: value(f.value), b: value(g.value), offsetA: f.offset, offsetB: g.offset });
  }
  // Bytes no decoded field holds (payloads, padding, record headers other than len).
  let first = -1;
  let count = Math.abs(la - lb);
  for (let o = 0; o < Math.min(la, lb); o++) {
    if (o >= 4 && o < 8) continue; // len, reported above
    if (a.bytes[oa + o] !== b.bytes[ob + o] && !covered(o, fa, oa) && !covered(o, fb, ob)) {
      if (first < 0) first = o;
      count++;
    }
  }
  if (first < 0 && la !== lb) first = Math.min(la, lb);
  if (count > 0 && first >= 0) {
    const end = (img: Image, o: number, l: number) => toHex(img.bytes.subarray(o + first, o + Math.min(l, first + 16)));
    out.push({ field: 'bytes', a: end(a, oa, la), b: end(b, ob, lb), offsetA: oa + first, offsetB: ob + first, count });
  }
  return out;
}

function recordsEqual(a: Image, i: number, b: Image, j: number): boolean {
  const la = a.index.spans[i] as number;
  if (la !== b.index.spans[j] || a.index.lens[i] !== b.index.lens[j]) return false;
  const oa = a.index.offsets[i] as number;
  const ob = b.index.offsets[j] as number;
  for (let o = 0; o < la; o++) if (a.bytes[oa + o] !== b.bytes[ob + o]) return false;
  return true;
}

/** ttys[] of the report flattened to path → value, keyed by pts index and role. */
function pairValues(img: Image): Map<number, Map<string, DiffValue>> {
  const out = new Map<number, Map<string, DiffValue>>();
  const flat = (prefix: string, v: unknown, m: Map<string, DiffValue>) => {
    if (Array.isArray(v)) v.forEach((x, k) => flat(`${prefix}[${k}]`, x, m));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) flat(prefix ? `${prefix}.${k}` : k, x, m);
    else m.set(prefix, v as DiffValue);
  };
  const seen = new Map<string, number>();
  for (const t of img.ttys as Tty[]) {
    const j = ttyJson(t);
    const idx = j.index;
    // A second tty with the same index and role is kept apart by its occurrence.
    const who = `${j.role ?? 'unknown'}`;
    const n = seen.get(`${idx}/${who}`) ?? 0;
    seen.set(`${idx}/${who}`, n + 1);
    const m = out.get(idx) ?? new Map<string, DiffValue>();
    const { objref: _o, role: _r, index: _i, ...rest } = j;
    flat(`${who}${n ? `#${n}` : ''}`, rest, m);
    out.set(idx, m);
  }
  return out;
}

function comparePairs(a: Image, b: Image): PairDiff[] {
  const pa = pairValues(a);
  const pb = pairValues(b);
  const out: PairDiff[] = [];
  const indexes = [...new Set([...pa.keys(), ...pb.keys()])].sort((x, y) => x - y);
  for (const idx of indexes) {
    const ma = pa.get(idx);
    const mb = pb.get(idx);
    const fields: PairFieldDiff[] = [];
    const keys = [...new Set([...(ma?.keys() ?? []), ...(mb?.keys() ?? [])])];
    for (const k of keys) {
      const va = ma?.get(k) ?? null;
      const vb = mb?.get(k) ?? null;
      if (va === vb) continue;
      const dot = k.indexOf('.');
      const who = k.slice(0, dot < 0 ? k.length : dot).replace(/#\d+$/, '');
      fields.push({ role: who === 'master' || who === 'slave' ? who : null, field: dot < 0 ? k : k.slice(dot + 1), a: va, b: vb });
    }
    if (!ma || !mb || fields.length) out.push({ index: idx, change: !ma ? 'inserted' : !mb ? 'removed' : 'changed', fields });
  }
  return out;
}

function summary(img: Image): ImageSummary {
  return { size: img.size, records: img.index.count, endian: img.littleEndian ? 'le' : 'be' };
}

export function diffImages(a: Image, b: Image): ImageDiff {
  let firstDifference: number | null = null;
  const n = Math.min(a.size, b.size);
  for (let o = 0; o < n; o++) {
    if (a.bytes[o] !== b.bytes[o]) {
      firstDifference = o;
      break;
    }
  }
  if (firstDifference === null && a.size !== b.size) firstDifference = n;
  const base: Omit<ImageDiff, 'records' | 'pairs' | 'alignment'> = { format: DIFF_FORMAT, equal: firstDifference === null, a: summary(a), b: summary(b), firstDifference };
  if (firstDifference === null) return { ...base, alignment: 'identity', records: [], pairs: [] };

  const ka = recordKeys(a);
  const kb = recordKeys(b);
  let alignment: ImageDiff['alignment'] = 'identity';
  let ops = alignKeys(ka.keys, kb.keys);
  if (!ops) {
    alignment = 'position';
    ops = [];
    const m = Math.min(a.index.count, b.index.count);
    for (let i = 0; i < m; i++) ops.push({ kind: 'same', i, j: i });
    for (let i = m; i < a.index.count; i++) ops.push({ kind: 'removed', i });
    for (let j = m; j < b.index.count; j++) ops.push({ kind: 'inserted', j });
  }
  const fa = fieldsByRecord(a);
  const fb = fieldsByRecord(b);
  const name = (img: Image, i: number) => (img.decoded ? recordTypeName(img.index.types[i] as number) : `type ${img.index.types[i]}`);
  const records: RecordDiff[] = [];
  for (const op of ops) {
    if (op.kind === 'removed') records.push({ change: 'removed', type: name(a, op.i), objref: ka.objref[op.i] ?? null, a: side(a, op.i), b: null, fields: [] });
    else if (op.kind === 'inserted') records.push({ change: 'inserted', type: name(b, op.j), objref: kb.objref[op.j] ?? null, a: null, b: side(b, op.j), fields: [] });
    else if (!recordsEqual(a, op.i, b, op.j)) {
      const fields = compareRecords(a, op.i, b, op.j, fa.get(op.i) ?? [], fb.get(op.j) ?? []);
      const typeA = a.index.types[op.i];
      const typeB = b.index.types[op.j];
      if (typeA !== typeB) fields.unshift({ field: 'type', a: typeA as number, b: typeB as number, offsetA: a.index.offsets[op.i] as number, offsetB: b.index.offsets[op.j] as number });
      records.push({ change: 'changed', type: name(a, op.i), objref: ka.objref[op.i] ?? null, a: side(a, op.i), b: side(b, op.j), fields });
    }
  }
  return { ...base, alignment, records, pairs: comparePairs(a, b) };
}

