// objref -> value, for the objhash. Objrefs are small positive integers handed out from 1, so a
// dense array serves them; anything else (negative, huge: a damaged image) goes to a Map. On an
// image with a hundred thousand objects a Map's hashing was a visible share of the parse.
const DENSE_LIMIT = 1 << 22;

export class ObjrefTable<V> {
  private readonly dense: (V | undefined)[] = [];
  private readonly sparse = new Map<number, V>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  get(ref: number): V | undefined {
    return ref > 0 && ref < DENSE_LIMIT ? this.dense[ref] : this.sparse.get(ref);
  }

  has(ref: number): boolean {
    return this.get(ref) !== undefined;
  }

  set(ref: number, v: V): void {
    if (ref > 0 && ref < DENSE_LIMIT) {
      if (this.dense[ref] === undefined) this.n++;
      while (this.dense.length < ref) this.dense.push(undefined);
      this.dense[ref] = v;
    } else {
      if (!this.sparse.has(ref)) this.n++;
      this.sparse.set(ref, v);
    }
  }

  /** Values in ascending objref order (dense ones), then the others. */
  *values(): IterableIterator<V> {
    for (const v of this.dense) if (v !== undefined) yield v;
    yield* this.sparse.values();
  }
}

/** A set of objrefs on the same layout. */
export class ObjrefSet {
  private dense = new Uint8Array(1024);
  private readonly sparse = new Set<number>();

  has(ref: number): boolean {
    return ref > 0 && ref < DENSE_LIMIT ? ref < this.dense.length && this.dense[ref] === 1 : this.sparse.has(ref);
  }

  add(ref: number): void {
    if (ref > 0 && ref < DENSE_LIMIT) {
      if (ref >= this.dense.length) {
        let cap = this.dense.length;
        while (cap <= ref) cap *= 2;
        const d = new Uint8Array(cap);
        d.set(this.dense);
        this.dense = d;
      }
      this.dense[ref] = 1;
    } else this.sparse.add(ref);
  }
}
