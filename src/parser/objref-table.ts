// objref -> item index (the objhash) and sets of objrefs. Objrefs are small positive integers handed
// out from 1, so a dense typed array serves them; a value far past the dense part (negative, huge:
// a damaged image) goes to a Map, so that one wild objref costs one entry, not an array up to its
// value. On an image with a hundred thousand objects a Map's hashing was a visible share of the parse.

/** How far past its end the dense part may grow for one objref. */
const DENSE_STRIDE = 4096;

/** A set of objrefs on the same layout. */
export class ObjrefSet {
  private dense = new Uint8Array(1024);
  private denseEnd = 0;
  private readonly sparse = new Set<number>();

  has(ref: number): boolean {
    return (ref > 0 && ref < this.denseEnd && this.dense[ref] === 1) || (this.sparse.size > 0 && this.sparse.has(ref));
  }

  add(ref: number): void {
    if (this.sparse.size > 0 && this.sparse.has(ref)) return;
    if (ref > 0 && ref < this.denseEnd + DENSE_STRIDE) {
      if (ref >= this.dense.length) {
        let cap = this.dense.length;
        while (cap <= ref) cap *= 2;
        const d = new Uint8Array(cap);
        d.set(this.dense);
        this.dense = d;
      }
      this.dense[ref] = 1;
      if (ref >= this.denseEnd) this.denseEnd = ref + 1;
    } else this.sparse.add(ref);
  }
}

/** objref -> a non-negative number (an item index), on the same layout, in a typed array. */
export class ObjrefIndex {
  // index + 1; 0 is "none", so fresh memory means an empty table.
  private dense = new Int32Array(1024);
  private denseEnd = 1;
  private readonly sparse = new Map<number, number>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** The value, or -1. */
  get(ref: number): number {
    if (ref > 0 && ref < this.denseEnd) {
      const v = this.dense[ref];
      if (v !== 0) return v - 1;
    }
    if (this.sparse.size === 0) return -1;
    const s = this.sparse.get(ref);
    return s === undefined ? -1 : s;
  }

  set(ref: number, v: number): void {
    if (this.sparse.size > 0 && this.sparse.has(ref)) {
      this.sparse.set(ref, v);
    } else if (ref > 0 && ref < this.denseEnd + DENSE_STRIDE) {
      if (ref >= this.dense.length) {
        let cap = this.dense.length;
        while (cap <= ref) cap *= 2;
        const d = new Int32Array(cap);
        d.set(this.dense.subarray(0, this.denseEnd));
        this.dense = d;
      }
      if (ref >= this.denseEnd) this.denseEnd = ref + 1;
      if (this.dense[ref] === 0) this.n++;
      this.dense[ref] = v + 1;
    } else {
      this.n++;
      this.sparse.set(ref, v);
    }
  }

  /** Values in ascending objref order (dense ones), then the others. */
  *values(): IterableIterator<number> {
    for (let r = 1; r < this.denseEnd; r++) if (this.dense[r] !== 0) yield this.dense[r] - 1;
    yield* this.sparse.values();
  }
}
