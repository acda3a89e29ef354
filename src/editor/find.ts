// Find in the image's bytes (the Hex panel's Ctrl+F), without VS Code: the query parsed into the
// bytes to look for (hex digits, or text as UTF-8), and passes over a byte source that may hold part
// of the image only in its file (src/editor/byte-store.ts leaves page contents on disk). A pass goes
// a chunk at a time, each chunk overlapping the next by the pattern's length less one, so a match
// across a chunk boundary is found; between chunks it gives the event loop a turn (a cancel or an
// edit arrives then), checks its AbortSignal and reports progress.
//
// The first pass of a query collects every match from the start (up to MATCH_LIMIT), so the
// webview can say "3 of 17" and step through them without another pass; beyond the limit a step
// searches from where it is.

import { MAX_FIND_QUERY } from '../shared/protocol.js';

/** Longest pattern, in bytes: a search's cost per image byte grows with it. */
export const MAX_PATTERN = 1024;
/** Longest query text accepted (hex of MAX_PATTERN bytes with separators and 0x prefixes fits). */
export const MAX_QUERY = MAX_FIND_QUERY;
/** Matches a first pass records; past them, steps search the image. */
export const MATCH_LIMIT = 10_000;
/** Bytes searched per chunk. */
export const CHUNK = 4 << 20;

export type FindMode = 'hex' | 'text';
export type FindDirection = 'next' | 'previous';

/** What to look for: the bytes, and whether ASCII letters match either case. */
export interface FindPattern {
  bytes: Uint8Array;
  /** ASCII letters match in either case (text queries without "match case"); other bytes exactly. */
  foldCase: boolean;
}

/** A query that names no bytes to look for; the message says what is wrong and where. */
export class FindQueryError extends Error {}

/** A pass stopped by its AbortSignal. */
export class FindCancelled extends Error {
  constructor(readonly reason: unknown) {
    super('the search was cancelled');
  }
}

/**
 * Hex: byte pairs, optionally separated by spaces, commas or colons, each group optionally prefixed
 * by 0x (`de ad be ef`, `deadbeef`, `0xde,0xad`). Text: the query's UTF-8 bytes.
 */
export function parseFindQuery(query: string, mode: FindMode, matchCase = true): FindPattern {
  if (query.length > MAX_QUERY) throw new FindQueryError(`the query is ${query.length} characters long; at most ${MAX_QUERY} are searched for`);
  let bytes: Uint8Array;
  if (mode === 'hex') bytes = parseHex(query);
  else {
    if (query.length === 0) throw new FindQueryError('type the text to find');
    bytes = new TextEncoder().encode(query);
  }
  if (bytes.length > MAX_PATTERN) throw new FindQueryError(`the query is ${bytes.length} bytes long; at most ${MAX_PATTERN} bytes are searched for`);
  const foldCase = mode === 'text' && !matchCase && bytes.some(isAsciiLetter);
  return { bytes: foldCase ? fold(bytes) : bytes, foldCase };
}

function parseHex(query: string): Uint8Array {
  const out: number[] = [];
  // Groups between separators; each group is an even number of hex digits.
  const re = /[^\s,:]+/g;
  let any = false;
  for (let m = re.exec(query); m; m = re.exec(query)) {
    any = true;
    let g = m[0];
    let at = m.index;
    if (/^0x/i.test(g)) {
      g = g.slice(2);
      at += 2;
      if (g.length === 0) throw new FindQueryError(`"0x" at character ${m.index + 1} has no hex digits after it`);
    }
    for (let k = 0; k < g.length; k++) {
      if (!/[0-9a-f]/i.test(g[k])) {
        const ch = g.codePointAt(k)!;
        const shown = ch >= 0x21 && ch < 0x7f ? `"${g[k]}"` : `U+${ch.toString(16).toUpperCase().padStart(4, '0')}`;
        throw new FindQueryError(`${shown} at character ${at + k + 1} is not a hex digit (0-9, a-f); for text, switch the find bar to Text`);
      }
    }
    if (g.length % 2) throw new FindQueryError(`"${m[0]}" at character ${m.index + 1} has an odd number of hex digits (${g.length}); a byte is two digits`);
    for (let k = 0; k < g.length; k += 2) out.push(parseInt(g.slice(k, k + 2), 16));
  }
  if (!any) throw new FindQueryError('type the bytes to find as hex digits, e.g. "de ad be ef"');
  return Uint8Array.from(out);
}

const isAsciiLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
/** ASCII upper case to lower case; every other byte as it is. */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b));

/**
 * `b` with ASCII upper case letters lowered, into `into` (at least as long; its byteOffset a multiple
 * of 4). Four bytes at a time: per byte, bit 7 of (its low 7 bits + 0x3f) says >= 'A' and of (its
 * low 7 bits + 0x25) says > 'Z' (no carry reaches the next byte); an ASCII byte with the one and not
 * the other gets 0x20.
 */
function fold(b: Uint8Array, into: Uint8Array = new Uint8Array(b.length)): Uint8Array {
  if (into.buffer !== b.buffer || into.byteOffset !== b.byteOffset) into.set(b);
  const words = Math.floor(b.length / 4);
  const w32 = new Uint32Array(into.buffer, into.byteOffset, words);
  for (let k = 0; k < words; k++) {
    const w = w32[k];
    const low = w & 0x7f7f7f7f;
    const upper = ~w & ((low + 0x3f3f3f3f) ^ (low + 0x25252525)) & 0x80808080;
    w32[k] = w | (upper >>> 2);
  }
  for (let k = words * 4; k < b.length; k++) into[k] = FOLD[b[k]];
  return into;
}

/** The bytes a pass searches: a byte store, or anything with a length and reads. */
export interface FindSource {
  readonly length: number;
  /**
   * The current bytes [offset, offset + length): a view of the source's own when it holds them, else
   * read into `scratch` (which has room for them) and returned as its first `length` bytes.
   */
  scanBytes(offset: number, length: number, scratch: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Bytes in memory as a FindSource (tests, small images). */
export function memorySource(bytes: Uint8Array): FindSource {
  return { length: bytes.length, scanBytes: (o, n) => bytes.subarray(o, o + n) };
}

export interface PassOptions {
  signal?: AbortSignal;
  /** Bytes searched so far and the pass's total, after each chunk. */
  progress?: (done: number, total: number) => void;
  /** Bytes per chunk (tests use small ones to put matches across boundaries). */
  chunk?: number;
  /** For findAll: matches to record before the pass stops. */
  limit?: number;
  /** Awaited before each chunk, with the pass's signal (tests: a pass held under way until it is cancelled). */
  gate?: (signal: AbortSignal | undefined) => Promise<void> | undefined;
}

/**
 * Matches recorded by a first pass: every match starting before `scannedTo`, ascending. `complete`
 * when the pass reached the end (then `scannedTo` is the source's length).
 */
export interface MatchList {
  offsets: number[];
  complete: boolean;
  scannedTo: number;
}

/** The event loop's turn between chunks: a cancel or an edit is handled there. */
const turn = () => new Promise<void>((r) => setImmediate(r));

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FindCancelled(signal.reason);
}

/** Where `pat` occurs in `hay` (folded first when the pattern folds case), as a Buffer search. */
class ChunkSearcher {
  private readonly needle: Buffer;
  private scratch: Uint8Array;
  private folded: Uint8Array;
  constructor(
    private readonly src: FindSource,
    private readonly pat: FindPattern,
    chunk: number,
  ) {
    this.needle = Buffer.from(pat.bytes.buffer, pat.bytes.byteOffset, pat.bytes.length);
    const room = chunk + pat.bytes.length;
    this.scratch = new Uint8Array(room);
    this.folded = pat.foldCase ? new Uint8Array(room) : new Uint8Array(0);
  }
  /** The bytes [lo, hi) as a Buffer to search in. */
  async bytes(lo: number, hi: number): Promise<Buffer> {
    if (this.scratch.length < hi - lo) this.scratch = new Uint8Array(hi - lo);
    let b = await this.src.scanBytes(lo, hi - lo, this.scratch);
    if (this.pat.foldCase) {
      // Bytes read into the scratch (a copy) are folded where they are; the source's own are copied first.
      const own = b.buffer === this.scratch.buffer && b.byteOffset === this.scratch.byteOffset;
      if (!own && this.folded.length < b.length) this.folded = new Uint8Array(b.length);
      b = fold(b, own ? b : this.folded).subarray(0, hi - lo);
    }
    return Buffer.from(b.buffer, b.byteOffset, b.length);
  }
  get pattern(): Buffer {
    return this.needle;
  }
}

/**
 * Every match in the source, from the start, until `limit` (default MATCH_LIMIT) are recorded.
 * Overlapping matches count (`aa` twice in `aaa`): Next steps one byte on from a match.
 */
export async function findAll(src: FindSource, pat: FindPattern, opts: PassOptions = {}): Promise<MatchList> {
  const m = pat.bytes.length;
  const limit = opts.limit ?? MATCH_LIMIT;
  const chunk = Math.max(1, opts.chunk ?? CHUNK);
  const s = new ChunkSearcher(src, pat, chunk);
  const len = src.length;
  const offsets: number[] = [];
  const last = len - m; // the last offset a match can start at
  for (let lo = 0; lo <= last; lo += chunk) {
    await opts.gate?.(opts.signal);
    checkSignal(opts.signal);
    // Starts in [lo, lo + chunk); a match starting there may end up to m - 1 bytes past it.
    const startsEnd = Math.min(lo + chunk, last + 1);
    const hay = await s.bytes(lo, startsEnd + m - 1);
    checkSignal(opts.signal);
    for (let i = hay.indexOf(s.pattern, 0); i >= 0 && lo + i < startsEnd; i = hay.indexOf(s.pattern, i + 1)) {
      offsets.push(lo + i);
      if (offsets.length >= limit) return { offsets, complete: false, scannedTo: lo + i + 1 };
    }
    opts.progress?.(Math.min(len, startsEnd + m - 1), len);
    await turn();
  }
  return { offsets, complete: true, scannedTo: len };
}

/**
 * The first match starting in [from, to) going `direction` (the lowest for next, the highest for
 * previous), or -1. Only whole matches count: a match must end by the source's end.
 */
export async function findIn(src: FindSource, pat: FindPattern, from: number, to: number, direction: FindDirection, opts: PassOptions = {}): Promise<number> {
  const m = pat.bytes.length;
  const chunk = Math.max(1, opts.chunk ?? CHUNK);
  const s = new ChunkSearcher(src, pat, chunk);
  const len = src.length;
  const lo = Math.max(0, from);
  const hi = Math.min(to, len - m + 1);
  if (lo >= hi) return -1;
  const total = hi - lo;
  let done = 0;
  if (direction === 'next') {
    for (let a = lo; a < hi; a += chunk) {
      await opts.gate?.(opts.signal);
      checkSignal(opts.signal);
      const b = Math.min(a + chunk, hi);
      const hay = await s.bytes(a, b + m - 1);
      checkSignal(opts.signal);
      const i = hay.indexOf(s.pattern, 0);
      if (i >= 0 && a + i < b) return a + i;
      done += b - a;
      opts.progress?.(done, total);
      await turn();
    }
    return -1;
  }
  for (let b = hi; b > lo; b -= chunk) {
    await opts.gate?.(opts.signal);
    checkSignal(opts.signal);
    const a = Math.max(lo, b - chunk);
    const hay = await s.bytes(a, b + m - 1);
    checkSignal(opts.signal);
    // The last match starting before b (relative b - a - 1).
    const i = hay.lastIndexOf(s.pattern, b - a - 1);
    if (i >= 0) return a + i;
    done += b - a;
    opts.progress?.(done, total);
    await turn();
  }
  return -1;
}

export interface StepResult {
  /** Where the match starts. */
  offset: number;
  /** Its place among the recorded matches (0-based), or null when it lies past them. */
  index: number | null;
  /** The search went past the end (next) or the start (previous) and came round. */
  wrapped: boolean;
}

/** The first index of `xs` (ascending) whose value is >= x. */
function lowerBound(xs: number[], x: number): number {
  let a = 0;
  let b = xs.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (xs[mid] < x) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * The match after (next: the first starting at or after `from`) or before (previous: the last
 * starting before `from`) a place, coming round the end of the image, from a first pass's `list`
 * where it has it and by searching the bytes past it otherwise. Null: no match anywhere.
 */
export async function step(src: FindSource, pat: FindPattern, list: MatchList, place: number, direction: FindDirection, opts: PassOptions = {}): Promise<StepResult | null> {
  const xs = list.offsets;
  const n = xs.length;
  const len = src.length;
  const from = Math.max(0, Math.min(place, len));
  const at = lowerBound(xs, from);
  if (list.complete) {
    if (n === 0) return null;
    if (direction === 'next') return at < n ? { offset: xs[at], index: at, wrapped: false } : { offset: xs[0], index: 0, wrapped: true };
    return at > 0 ? { offset: xs[at - 1], index: at - 1, wrapped: false } : { offset: xs[n - 1], index: n - 1, wrapped: true };
  }
  // The list holds every match starting before S; past S the bytes are searched.
  const S = list.scannedTo;
  if (direction === 'next') {
    if (at < n) return { offset: xs[at], index: at, wrapped: false };
    const o = await findIn(src, pat, Math.max(from, S), len, 'next', opts);
    if (o >= 0) return { offset: o, index: null, wrapped: false };
    return n ? { offset: xs[0], index: 0, wrapped: true } : null;
  }
  if (from > S) {
    const o = await findIn(src, pat, S, from, 'previous', opts);
    if (o >= 0) return { offset: o, index: null, wrapped: false };
  }
  if (at > 0) return { offset: xs[at - 1], index: at - 1, wrapped: false };
  const o = await findIn(src, pat, Math.max(from, S), len, 'previous', opts);
  if (o >= 0) return { offset: o, index: null, wrapped: true };
  return n ? { offset: xs[n - 1], index: n - 1, wrapped: true } : null;
}
