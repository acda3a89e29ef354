// Whether a document's bytes are exactly the bytes of the file as last opened or saved, kept up to
// date after every edit, undo and redo without a second copy of the file and without comparing the
// whole of it. Pure (no vscode): the document calls record() after each splice list it applies and
// reset() after each save, reload or revert, and reads `clean` for its dirty state.
//
// Bookkeeping: a sorted list of disjoint "dirty regions" in CURRENT coordinates, each holding its
// current extent and a copy of the SAVED bytes it replaced (which may be of another length). Outside
// the regions the current bytes are the saved bytes, shifted by the net length change of the regions
// before. Regions are strictly apart (a splice that touches, overlaps or abuts regions merges them
// with itself into one), and after each record() the regions it touched are trimmed of the bytes
// their current and saved sides have in common at either end; a region left empty on both sides is
// dropped. The saved bytes a region holds come from the removed bytes of the splices, so the memory
// held is at most the bytes removed since the save point (in practice, far less).
//
// Exactness: "every region's current bytes equal its saved bytes" is sufficient for clean but not
// necessary. Removing "ab" at 0 and inserting "ab" at the end of "abab" gives back "abab" with two
// regions that each differ; so does inserting a 0 at 0 and removing a 0 at the end of a run of
// zeros. So `clean` compares the whole saved state piece by piece against the current bytes: each
// region's saved bytes against the current bytes at the same (saved) offsets, then each stretch
// between regions whose shift is not zero against the current bytes it was shifted from. Stretches
// with zero shift (nearly always all of them) are equal by construction and cost nothing; a shifted
// stretch costs a memcmp that stops at the first difference, so it is long only when the content
// there repeats with the period of the shift (runs of equal bytes) — the case where the answer can
// actually be "clean", which no bookkeeping of the edits alone can decide.
import { Buffer } from 'node:buffer';
import type { Splice } from '../parser/encode.js';

interface Region {
  /** Where the region starts in the current bytes. */
  start: number;
  /** Its length in the current bytes. */
  length: number;
  /** The saved bytes it replaced (of any length). */
  saved: Uint8Array;
}

export interface SavedDiffFootprint {
  /** Dirty regions held. */
  regions: number;
  /** Saved bytes copied into them (at most the bytes removed since the save point). */
  savedBytes: number;
}

/** The shifted-stretch comparison reads this many bytes at a time. */
const COMPARE_PIECE = 1 << 20;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export class SavedDiff {
  private readonly content: () => Uint8Array;
  private readonly slice: ((offset: number, length: number) => Uint8Array) | null;
  private regions: Region[] = [];
  /** Length of the bytes at the save point. */
  private savedLength: number;
  /** Current length minus saved length. */
  private delta = 0;
  /** The answer of `clean` while nothing was recorded since it was computed; null: not known. */
  private cached: boolean | null = true;

  /**
   * `content` returns the document's current bytes (e.g. `() => store.view`; it is only read, never
   * kept). The bytes it returns now are the save point. `slice`, when given, returns the current
   * bytes of any range for the comparison of `clean` (a sparse store's content has ranges whose
   * bytes are in the file only; the ranges that edits touched are always in memory).
   */
  constructor(content: () => Uint8Array, slice?: (offset: number, length: number) => Uint8Array) {
    this.content = content;
    this.slice = slice ?? null;
    this.savedLength = content().length;
  }

  /**
   * Record a splice list the document has JUST applied (call it right after applying, before reading
   * `clean`). `inverse` is what applying it returned (applySplices' `inverse`, ByteStore.apply's
   * result): its entries hold the bytes each splice removed, in that splice's coordinates, which is
   * all the bookkeeping needs. An undo or redo is recorded the same way, with the list it applied and
   * the inverse that applying it returned. Throws RangeError, changing nothing, when the two lists do
   * not pair up or the current length does not match (the list was not applied, or applied twice).
   *
   * Cost: per splice, a binary search, a copy of the bytes it removed, the merged regions' saved bytes
   * re-copied, and, when the length changes, a shift of the regions after it (O(regions)); then the
   * touched regions' bytes are compared once to trim them. Never O(file).
   */
  record(splices: readonly Splice[], inverse: readonly Splice[]): void {
    const n = splices.length;
    if (inverse.length !== n) throw new RangeError(`${n} splice(s) but ${inverse.length} inverse splice(s)`);
    let len = this.savedLength + this.delta;
    for (let i = 0; i < n; i++) {
      const s = splices[i]!;
      const inv = inverse[n - 1 - i]!;
      if (inv.offset !== s.offset || inv.remove !== s.insert.length || inv.insert.length !== s.remove) {
        throw new RangeError(`inverse splice ${n - 1 - i} does not undo splice ${i} (at ${s.offset}, removing ${s.remove}, inserting ${s.insert.length})`);
      }
      if (s.offset < 0 || s.remove < 0 || s.offset + s.remove > len) throw new RangeError(`splice at ${s.offset} removing ${s.remove} byte(s) is outside the ${len}-byte content`);
      len += s.insert.length - s.remove;
    }
    const cur = this.content();
    if (cur.length !== len) throw new RangeError(`the content has ${cur.length} bytes, ${len} expected after these splices: record() is called once, right after applying them`);
    if (n === 0) return;
    const touched = new Set<Region>();
    for (let i = 0; i < n; i++) this.step(splices[i]!.offset, inverse[n - 1 - i]!.insert, splices[i]!.insert.length, touched);
    this.delta = len - this.savedLength;
    for (const g of touched) this.trim(g, cur);
    this.cached = null;
  }

  /** True when the current bytes are exactly the saved bytes. See the head of the file for its cost. */
  get clean(): boolean {
    if (this.regions.length === 0) return true;
    if (this.delta !== 0) return false;
    if (this.cached === null) this.cached = this.compare();
    return this.cached;
  }

  /** The current bytes were saved, or were reloaded or reverted: they are the new save point. */
  reset(): void {
    this.regions = [];
    this.savedLength = this.content().length;
    this.delta = 0;
    this.cached = true;
  }

  get footprint(): SavedDiffFootprint {
    let savedBytes = 0;
    for (const g of this.regions) savedBytes += g.saved.length;
    return { regions: this.regions.length, savedBytes };
  }

  /** One splice at `offset` that removed `removed` and inserted `inserted` bytes. */
  private step(offset: number, removed: Uint8Array, inserted: number, touched: Set<Region>): void {
    const r = removed.length;
    if (r === 0 && inserted === 0) return;
    const regs = this.regions;
    // First region ending at or after the splice; the touched ones follow it while they start at or
    // before the splice's end (touching includes abutting).
    let lo = 0;
    let hi = regs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const g = regs[mid]!;
      if (g.start + g.length < offset) lo = mid + 1;
      else hi = mid;
    }
    const i = lo;
    let j = i;
    while (j < regs.length && regs[j]!.start <= offset + r) j++;
    const d = inserted - r;
    let region: Region;
    if (j === i) {
      region = { start: offset, length: inserted, saved: removed.slice() };
      regs.splice(i, 0, region);
    } else {
      // The union of the splice and regions i..j-1. Its saved bytes: the regions' saved bytes and,
      // between them, the current bytes, which lie inside the removed range (every region between
      // two touched ones is touched) and are saved bytes there.
      const first = regs[i]!;
      const last = regs[j - 1]!;
      const u = Math.min(offset, first.start);
      const e = Math.max(offset + r, last.start + last.length);
      let size = 0;
      let pos = u;
      for (let m = i; m < j; m++) {
        const g = regs[m]!;
        size += g.start - pos + g.saved.length;
        pos = g.start + g.length;
      }
      size += Math.max(0, e - pos);
      const saved = new Uint8Array(size);
      let at = 0;
      pos = u;
      for (let m = i; m < j; m++) {
        const g = regs[m]!;
        if (pos < g.start) {
          saved.set(removed.subarray(pos - offset, g.start - offset), at);
          at += g.start - pos;
        }
        saved.set(g.saved, at);
        at += g.saved.length;
        pos = g.start + g.length;
        touched.delete(g);
      }
      if (pos < e) saved.set(removed.subarray(pos - offset, e - offset), at);
      region = { start: u, length: e - u + d, saved };
      regs.splice(i, j - i, region);
    }
    touched.add(region);
    if (d !== 0) for (let m = i + 1; m < regs.length; m++) regs[m]!.start += d;
  }

  /** Drop the bytes a region's two sides share at either end; drop the region if nothing is left. */
  private trim(g: Region, cur: Uint8Array): void {
    const a = cur.subarray(g.start, g.start + g.length);
    const b = g.saved;
    const m = Math.min(a.length, b.length);
    let p = 0;
    while (p < m && a[p] === b[p]) p++;
    let s = 0;
    while (s < m - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
    if (a.length === p + s && b.length === p + s) {
      this.regions.splice(this.indexOf(g), 1);
      return;
    }
    if (p === 0 && s === 0) return;
    g.start += p;
    g.length -= p + s;
    g.saved = b.slice(p, b.length - s);
  }

  private indexOf(g: Region): number {
    const regs = this.regions;
    let lo = 0;
    let hi = regs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (regs[mid]!.start < g.start) lo = mid + 1;
      else hi = mid;
    }
    if (regs[lo] !== g) throw new Error('saved-diff: a touched region is not in the list');
    return lo;
  }

  /** The exact comparison (lengths are equal): the saved bytes, piece by piece, against the current. */
  private compare(): boolean {
    const cur = this.content();
    const at = (o: number, n: number): Uint8Array => (this.slice ? this.slice(o, n) : cur.subarray(o, o + n));
    // Equal current bytes at a and b, n of them, a piece at a time (stops at the first difference).
    const same = (a: number, b: number, n: number): boolean => {
      for (let k = 0; k < n; k += COMPARE_PIECE) {
        const m = Math.min(COMPARE_PIECE, n - k);
        if (!equalBytes(at(a + k, m), at(b + k, m))) return false;
      }
      return true;
    };
    // Regions first: cheap, and where a difference nearly always is.
    let shift = 0;
    for (const g of this.regions) {
      const o = g.start - shift;
      if (!equalBytes(g.saved, at(o, g.saved.length))) return false;
      shift += g.length - g.saved.length;
    }
    // Then the stretches between regions that are shifted: saved [from, to) is current [from, to) + shift.
    shift = 0;
    let from = 0;
    for (const g of this.regions) {
      const to = g.start - shift;
      if (shift !== 0 && to > from && !same(from, from + shift, to - from)) return false;
      shift += g.length - g.saved.length;
      from = to + g.saved.length;
    }
    // The stretch after the last region has shift delta = 0.
    return true;
  }
}
