// The record index: offsets, types and lengths of every record in typed arrays, built by walking
// the {u32 type, u32 len} framing once. No object is allocated per record, so an image of a million
// records costs a few megabytes here; decoding of payloads happens elsewhere, on demand.
import { fixedLenOf, HDR_SIZE as HDR, isKnownRecordType } from './layout.js';

const HDR_SIZE: number = HDR;

export interface FramingProblem {
  code: 'REC_HDR_TRUNCATED' | 'REC_LEN_SHORT' | 'REC_TRUNCATED' | 'REC_RESYNC';
  offset: number;
  length: number;
  field: 'type' | 'len';
  /** Index of the record concerned, or -1 when it is not in the index. */
  record: number;
  message: string;
}

/** 32-bit for files under 4 GiB (half the memory), 64-bit floats above. */
export type OffsetArray = Uint32Array | Float64Array;

export interface StreamIndex {
  count: number;
  offsets: OffsetArray;
  types: Uint32Array;
  /** `len` as written in the record header. */
  lens: Uint32Array;
  /**
   * Bytes of the record actually present in the file (differs from `len` for a broken record).
   * The same array as `lens` when the framing has no break.
   */
  spans: Uint32Array | Float64Array;
  problems: FramingProblem[];
}

/** The index of no records (a file that is not scanned). */
export function emptyIndex(): StreamIndex {
  const none = new Uint32Array(0);
  return { count: 0, offsets: none, types: none, lens: none, spans: none, problems: [] };
}

/** Bit 0: the record's framing is broken (len < 8 or past the end). */
export const REC_BROKEN = 1;

// Fresh memory is what indexing a million records costs most (page faults on every new page), so
// the index is as narrow as the file allows and spans exist separately only when framing breaks.
class Growable {
  offsets: OffsetArray;
  types: Uint32Array;
  lens: Uint32Array;
  spans: Uint32Array | Float64Array | null = null;
  count = 0;
  constructor(
    cap: number,
    private readonly wide: boolean,
  ) {
    this.offsets = wide ? new Float64Array(cap) : new Uint32Array(cap);
    this.types = new Uint32Array(cap);
    this.lens = new Uint32Array(cap);
  }
  /** Record a span that differs from len (from then on spans are kept for every record). */
  setSpan(i: number, span: number): void {
    if (!this.spans) {
      this.spans = this.wide ? new Float64Array(this.offsets.length) : new Uint32Array(this.offsets.length);
      this.spans.set(this.lens.subarray(0, this.count));
    }
    this.spans[i] = span;
  }
  push(offset: number, type: number, len: number, span: number): number {
    if (this.count === this.offsets.length) this.grow();
    const i = this.count++;
    this.offsets[i] = offset;
    this.types[i] = type;
    this.lens[i] = len;
    if (this.spans) this.spans[i] = span;
    if (span !== len) this.setSpan(i, span);
    return i;
  }
  private grow(): void {
    const cap = this.offsets.length * 2;
    const o = this.wide ? new Float64Array(cap) : new Uint32Array(cap);
    o.set(this.offsets);
    this.offsets = o;
    const t = new Uint32Array(cap);
    t.set(this.types);
    this.types = t;
    const l = new Uint32Array(cap);
    l.set(this.lens);
    this.lens = l;
    if (this.spans) {
      const s = this.wide ? new Float64Array(cap) : new Uint32Array(cap);
      s.set(this.spans);
      this.spans = s;
    }
  }
}

function plausibleAt(view: DataView, p: number, size: number, le: boolean): boolean {
  if (p + HDR_SIZE > size) return false;
  const type = view.getUint32(p, le);
  if (!isKnownRecordType(type)) return false;
  const len = view.getUint32(p + 4, le);
  if (len < HDR_SIZE || p + len > size) return false;
  const fixed = fixedLenOf(type);
  return fixed === undefined || fixed === len;
}

/**
 * Work done since the process started, for the tests: walks of a stream (indexStream calls) and
 * byte positions the resynchronisation looked at one by one.
 */
export const indexWork = { walks: 0, resyncProbes: 0 };

/** `bytes` seen as 32-bit words from its first 4-byte-aligned position `lead`, for nextNonZero. */
interface Words {
  lead: number;
  w: Uint32Array;
}

function wordsOf(bytes: Uint8Array): Words {
  const lead = (4 - (bytes.byteOffset & 3)) & 3;
  const n = Math.max(0, (bytes.byteLength - lead) >> 2);
  return { lead, w: new Uint32Array(bytes.buffer, bytes.byteOffset + lead, n) };
}

/**
 * The first index in [from, to) whose byte is not zero, else `to`. Runs of zeros (the tail of a
 * preallocated or truncated-then-extended file, a sparse file) are passed a word at a time.
 */
function nextNonZero(bytes: Uint8Array, words: Words, from: number, to: number): number {
  let i = from;
  // A short run costs no more than its bytes.
  for (const stop = Math.min(to, i + 32); i < stop; i++) if (bytes[i] !== 0) return i;
  const { lead, w } = words;
  if (i >= lead) {
    // words.w[k] holds bytes [lead + 4k, lead + 4k + 4).
    let k = (i - lead + 3) >> 2;
    for (const stop = Math.min(to, lead + 4 * k); i < stop; i++) if (bytes[i] !== 0) return i;
    const kEnd = Math.min(w.length, Math.floor((to - lead) / 4));
    // The plainest loop: V8 replaces it on the stack with optimised code at once (an unrolled one
    // ran interpreted for most of a first call, ~15 ns a word instead of ~1).
    for (; k < kEnd; k++) if (w[k] !== 0) break;
    if (lead + 4 * k > i) i = lead + 4 * k;
  }
  for (; i < to; i++) if (bytes[i] !== 0) return i;
  return to;
}

/**
 * A resynchronisation point: a plausible record whose successor is plausible too (or is the end).
 * A plausible header has a `len` of at least 8, so a candidate whose four `len` bytes are zero is
 * skipped together with every other candidate whose `len` lies inside the same run of zeros.
 */
function findResync(bytes: Uint8Array, words: Words, view: DataView, from: number, size: number, le: boolean): number {
  let p = from;
  while (p + HDR_SIZE <= size) {
    if (view.getUint32(p + 4, true) === 0) {
      // Bytes p+4..p+7 are zero; a candidate q has a non-zero byte within q+4..q+7.
      const nz = nextNonZero(bytes, words, p + HDR_SIZE, size);
      p = Math.max(p + 1, nz - 7);
      continue;
    }
    indexWork.resyncProbes++;
    if (plausibleAt(view, p, size, le)) {
      const next = p + view.getUint32(p + 4, le);
      if (next === size || plausibleAt(view, next, size, le)) return p;
    }
    p++;
  }
  return -1;
}

export function indexStream(bytes: Uint8Array, littleEndian: boolean): StreamIndex {
  indexWork.walks++;
  const size = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Count the records of the sound prefix first (a tight loop, no allocation) so the arrays are
  // allocated once at their final size instead of being doubled and copied as they fill.
  let sound = 0;
  for (let q = 0; q + HDR_SIZE <= size; sound++) {
    const len = view.getUint32(q + 4, littleEndian);
    if (len < HDR_SIZE || q + len > size) break;
    q += len;
  }
  const g = new Growable(sound + 16, size >= 2 ** 32);
  const problems: FramingProblem[] = [];
  let words: Words | undefined;
  let p = 0;
  while (p < size) {
    {
      // A run of sound records goes straight into the arrays (locals, no calls): this loop is
      // what a million-record image spends its indexing time in.
      const offs = g.offsets;
      const tys = g.types;
      const ls = g.lens;
      const sp = g.spans;
      const cap = offs.length;
      let n = g.count;
      while (n < cap && p + HDR_SIZE <= size) {
        const len = view.getUint32(p + 4, littleEndian);
        if (len < HDR_SIZE || p + len > size) break;
        offs[n] = p;
        tys[n] = view.getUint32(p, littleEndian);
        ls[n] = len;
        if (sp) sp[n] = len;
        n++;
        p += len;
      }
      g.count = n;
      if (p >= size) break;
    }
    if (p + HDR_SIZE > size) {
      problems.push({
        code: 'REC_HDR_TRUNCATED',
        offset: p,
        length: size - p,
        field: 'type',
        record: -1,
        message: `The file ends ${size - p} byte(s) into a record header at offset ${p}: the image is truncated.`,
      });
      break;
    }
    const type = view.getUint32(p, littleEndian);
    const len = view.getUint32(p + 4, littleEndian);
    if (len >= HDR_SIZE && p + len <= size) {
      g.push(p, type, len, len);
      p += len;
      continue;
    }
    // Broken framing: keep what the header says, then look for the next plausible record.
    const resync = findResync(bytes, (words ??= wordsOf(bytes)), view, p + HDR_SIZE, size, littleEndian);
    const end = resync < 0 ? size : resync;
    const i = g.push(p, type, len, end - p);
    if (len < HDR_SIZE) {
      problems.push({
        code: 'REC_LEN_SHORT',
        offset: p,
        length: HDR_SIZE,
        field: 'len',
        record: i,
        message: `Record ${i} at offset ${p} has len ${len}, below the 8-byte record header.`,
      });
    } else {
      problems.push({
        code: 'REC_TRUNCATED',
        offset: p,
        length: size - p,
        field: 'len',
        record: i,
        message: `Record ${i} at offset ${p} claims len ${len} but only ${size - p} byte(s) remain in the file.`,
      });
    }
    if (resync < 0) break;
    problems.push({
      code: 'REC_RESYNC',
      offset: p,
      length: resync - p,
      field: 'type',
      record: i,
      message: `Skipped ${resync - p} byte(s) from offset ${p}; records continue at offset ${resync}.`,
    });
    p = resync;
  }
  return {
    count: g.count,
    offsets: g.offsets.subarray(0, g.count),
    types: g.types.subarray(0, g.count),
    lens: g.lens.subarray(0, g.count),
    spans: g.spans ? g.spans.subarray(0, g.count) : g.lens.subarray(0, g.count),
    problems,
  };
}
