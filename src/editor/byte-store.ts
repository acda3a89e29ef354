// The document's bytes, edited in place. A field edit overwrites its bytes where they are (no copy of
// the image); a length-changing splice (the pending buffer) shifts the shorter side, the bytes before
// it or the bytes after it, inside spare room kept at both ends, with copyWithin: typing into a
// buffer of a large image neither allocates (and pages in) a new array of its size nor, when the tty
// comes early in the image (v18 writes a task's files before its memory), moves the image's bulk:
// writing to pages is what costs. `view` is the current content: a subarray of the store, replaced
// after a length change.
//
// A large file is read sparsely (src/parser/sparse-walk.ts): the payloads that only a byte view ever
// shows (page contents) stay in the file, as holes. The store's array is as long as the content, so
// offsets are the same for everyone, but a hole's pages are never written: the memory they would
// take is never committed. Whoever shows or writes bytes asks `read()` / `writeTo()`, which fill the
// holes from the file; an edit inside a hole first brings those bytes in. The file is kept open, so
// a rename over it (an atomic save, ours or another program's) changes nothing here; a write into
// it in place is noticed (size, mtime) and no hole is read from it after that: a save then fails
// and says why, instead of writing someone else's bytes.
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, fstatSync, openSync, read, readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Splice } from '../parser/encode.js';
import { SparseWalker } from '../parser/sparse-walk.js';
import { looksLikeLinuxCr, SNIFF_BYTES } from '../parser/sniff.js';
import { LoadCancelled } from './off-thread.js';

/** Spare room kept after the content: enough for any pending-buffer edit (a BUFFER is ≤ 4 KiB + header). */
const SLACK = 256 * 1024;
/** Spare room kept before the content, for edits that move the bytes before them. */
const HEAD = 64 * 1024;
/** Whole-content reads and writes (save, backup, comparison) go a MiB at a time. */
const PIECE = 1 << 20;
/** Files at least this large are read sparsely. */
export const SPARSE_MIN_SIZE = 16 << 20;

export interface SparseOptions {
  /** Files at least this large are read sparsely (default SPARSE_MIN_SIZE). */
  sparseMin?: number;
  /** Smallest payload left on disk (default HOLE_MIN of src/parser/sparse-walk.ts). */
  holeMin?: number;
}

/** A range of the content whose bytes are in the file, not in memory: content offset `at`, file offset `src`. */
interface Hole {
  at: number;
  len: number;
  src: number;
}

export class SourceChangedError extends Error {}

/** A read's progress (file offset reached, file size) and its cancellation. */
export interface ReadWatch {
  progress?: (done: number, size: number) => void;
  signal?: AbortSignal;
  /** Awaited before each piece is read (tests: a read still under way when they act). */
  gate?: (done: number, size: number, signal: AbortSignal | undefined) => Promise<void> | undefined;
}
export class WriteAborted extends Error {}

/** The file a sparse store reads its holes from, and what it was like when it was read. */
class FileSource {
  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly handle: FileHandle | null,
    /** Taken before the file was read: a change while it was read is a change too. */
    private readonly stamp: FileStamp,
  ) {}
  /** Throws unless the file still holds what was read (a rename over its path is fine: the fd keeps the old file). */
  check(): void {
    const st = fstatSync(this.fd, { bigint: true });
    if (st.size !== this.stamp.size || st.mtimeNs !== this.stamp.mtimeNs) {
      throw new SourceChangedError(
        `${this.path} was changed in place on disk since it was opened; the large records this editor leaves on disk can no longer be read from it. Revert (or reopen) the file; unsaved edits cannot be saved over it.`,
      );
    }
  }
  readAt(dst: Uint8Array, off: number, len: number, pos: number): void {
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, dst, off + done, len - done, pos + done);
      if (n === 0) throw new SourceChangedError(`${this.path} ended at ${pos + done} while reading bytes it held when opened`);
      done += n;
    }
  }
  /** readAt on the thread pool. */
  async readAtAsync(dst: Uint8Array, off: number, len: number, pos: number): Promise<void> {
    let done = 0;
    while (done < len) {
      const n = await new Promise<number>((res, rej) => read(this.fd, dst, off + done, len - done, pos + done, (e, k) => (e ? rej(e) : res(k))));
      if (n === 0) throw new SourceChangedError(`${this.path} ended at ${pos + done} while reading bytes it held when opened`);
      done += n;
    }
  }
  close(): void {
    if (this.handle) void this.handle.close().catch(() => undefined);
    else closeSync(this.fd);
  }
}

/** What a file was like when it was read: its size and modification time (ns). */
export interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
}

export class ByteStore {
  /** The file's stamp when this store was read from it (null for bytes from elsewhere). */
  stamp: FileStamp | null = null;
  /**
   * Only the file's first bytes are held (up to 16): it does not start like a Linux-CR image, so the
   * rest was not read. `stamp.size` is the file's size.
   */
  headOnly = false;
  private buf: Uint8Array;
  /** Where the content starts in `buf`. */
  private start: number;
  private len: number;
  private _view: Uint8Array;
  /** Sorted, disjoint; empty for a store read whole. */
  private holes: Hole[];
  private readonly source: FileSource | null;

  private constructor(buf: Uint8Array, start: number, len: number, holes: Hole[] = [], source: FileSource | null = null) {
    this.buf = buf;
    this.start = start;
    this.len = len;
    this._view = buf.subarray(start, start + len);
    this.holes = holes;
    this.source = source;
  }

  /** Read a file into a store with spare capacity (one allocation, no copy); sparsely when it is large. */
  static readFile(path: string, opts: SparseOptions = {}): ByteStore {
    const fd = openSync(path, 'r');
    let store: ByteStore | null = null;
    try {
      const st = fstatSync(fd, { bigint: true });
      const steps = loading(Number(st.size), opts);
      let r = steps.next(0);
      while (!r.done) r = steps.next(readSync(fd, r.value.into, r.value.off, r.value.len, r.value.pos));
      store = ByteStore.made(r.value, { size: st.size, mtimeNs: st.mtimeNs }, (stamp) => new FileSource(path, fd, null, stamp));
      return store;
    } finally {
      if (!store?.ownsHandle) closeSync(fd);
    }
  }

  /**
   * As readFile, but the reads (and the page faults of the fresh buffer) happen on libuv's thread pool: the extension host stays free meanwhile. The store
   * keeps `fh` open when it left holes (`ownsHandle`); otherwise the caller closes it.
   */
  static async readHandle(fh: FileHandle, path: string, opts: SparseOptions = {}, watch: ReadWatch = {}): Promise<ByteStore> {
    const st = await fh.stat({ bigint: true });
    const steps = loading(Number(st.size), opts);
    let r = steps.next(0);
    while (!r.done) {
      await watch.gate?.(r.value.pos, Number(st.size), watch.signal);
      if (watch.signal?.aborted) throw new LoadCancelled();
      const n = (await fh.read(r.value.into, r.value.off, r.value.len, r.value.pos)).bytesRead;
      watch.progress?.(r.value.pos + n, Number(st.size));
      r = steps.next(n);
    }
    return ByteStore.made(r.value, { size: st.size, mtimeNs: st.mtimeNs }, (stamp) => new FileSource(path, fh.fd, fh, stamp));
  }

  /** The store of a finished load; with holes it keeps the file (`source(stamp)`) to read them. */
  private static made(l: Loaded, stamp: FileStamp, source: (stamp: FileStamp) => FileSource): ByteStore {
    const s = l.holes.length ? new ByteStore(l.buf, HEAD, l.len, l.holes, source(stamp)) : new ByteStore(l.buf, HEAD, l.len);
    s.stamp = stamp;
    s.headOnly = l.headOnly === true;
    return s;
  }

  static from(bytes: Uint8Array): ByteStore {
    const buf = new Uint8Array(HEAD + bytes.length + SLACK);
    buf.set(bytes, HEAD);
    return new ByteStore(buf, HEAD, bytes.length);
  }

  /**
   * The current content. Inside holes its bytes are not the file's: only code that reads what the
   * parser reads (headers, decoded records, pending input) may use it directly; anything that shows
   * or writes arbitrary bytes uses read() or writeTo().
   */
  get view(): Uint8Array {
    return this._view;
  }
  get length(): number {
    return this.len;
  }
  /** The store keeps the file open to read its holes (closed by dispose()). */
  get ownsHandle(): boolean {
    return this.source !== null;
  }
  /** Bytes of the content that are in the file only. */
  get bytesOnDisk(): number {
    let n = 0;
    for (const h of this.holes) n += h.len;
    return n;
  }

  /** True when every byte of the content range [lo, hi) is in memory (the view holds it). */
  holds(lo: number, hi: number): boolean {
    let held = true;
    this.forHoles(lo, hi, () => (held = false));
    return held;
  }

  /** The current bytes [offset, offset + length): the view's own when held, else a copy read through the holes. */
  bytesAt(offset: number, length: number): Uint8Array {
    return this.holds(offset, offset + length) ? this._view.subarray(offset, offset + length) : this.read(offset, length);
  }

  /** A copy of the content's bytes [offset, offset + length), holes read from the file. */
  read(offset: number, length: number): Uint8Array {
    const o = Math.max(0, Math.min(offset, this.len));
    const e = Math.max(o, Math.min(this.len, o + Math.max(0, length)));
    const out = this.buf.slice(this.start + o, this.start + e);
    let checked = false;
    this.forHoles(o, e, (h, a, b) => {
      if (!checked) this.source!.check();
      checked = true;
      this.source!.readAt(out, a - o, b - a, h.src + (a - h.at));
    });
    return out;
  }

  /**
   * The current bytes [offset, offset + length) for a pass over the content (Find): the view's own
   * when held, else copied into `scratch` with the holes read on the thread pool. The caller stops
   * using the bytes when the content changes meanwhile (an edit between the copy and the reads).
   */
  async scanBytes(offset: number, length: number, scratch: Uint8Array): Promise<Uint8Array> {
    if (this.holds(offset, offset + length)) return this._view.subarray(offset, offset + length);
    const o = Math.max(0, Math.min(offset, this.len));
    const e = Math.max(o, Math.min(this.len, o + Math.max(0, length)));
    const out = scratch.subarray(0, e - o);
    out.set(this.buf.subarray(this.start + o, this.start + e));
    const parts: [Hole, number, number][] = [];
    this.forHoles(o, e, (h, a, b) => parts.push([h, a, b]));
    this.source!.check();
    // Holes whose file offsets keep their distance (no length change between them) are read as one
    // span of the file, and the kept bytes between them copied over it again from memory: one read
    // on the thread pool instead of one per page BUFFER.
    for (let i = 0; i < parts.length; ) {
      const shift = parts[i][0].src - parts[i][0].at;
      let j = i;
      while (j + 1 < parts.length && parts[j + 1][0].src - parts[j + 1][0].at === shift) j++;
      const a = parts[i][1];
      const b = parts[j][2];
      await this.source!.readAtAsync(out, a - o, b - a, a + shift);
      for (let k = i; k < j; k++) out.set(this.buf.subarray(this.start + parts[k][2], this.start + parts[k + 1][1]), parts[k][2] - o);
      i = j + 1;
    }
    return out;
  }

  /** Write the whole content to `fd`, a MiB at a time (holes read from the file); throws SourceChangedError first if the file changed. */
  writeTo(fd: number): void {
    if (this.source) this.source.check();
    for (let pos = 0; pos < this.len; ) {
      const piece = this.bytesAt(pos, Math.min(PIECE, this.len - pos));
      for (let w = 0; w < piece.length; ) w += writeSync(fd, piece, w, piece.length - w);
      pos += piece.length;
    }
  }

  /**
   * writeTo off the event loop, a MiB at a time. `unchanged()` is asked before each piece: when it
   * says the content changed (an edit meanwhile), the write stops with WriteAborted, so a finished
   * write is always of one state of the content.
   */
  async writeToAsync(fh: FileHandle, unchanged: () => boolean): Promise<void> {
    const chunk = new Uint8Array(PIECE);
    const go = (): void => {
      if (!unchanged()) throw new WriteAborted('the content changed while it was being written');
    };
    go();
    if (this.source) this.source.check();
    let pos = 0;
    while (pos < this.len) {
      go();
      const n = Math.min(PIECE, this.len - pos);
      // A copy: the store may change while the thread pool writes it (then the next go() stops the write).
      // Holes are read on the thread pool too; a change meanwhile is caught by go() before the write.
      chunk.set(this.buf.subarray(this.start + pos, this.start + pos + n));
      const holes: [Hole, number, number][] = [];
      this.forHoles(pos, pos + n, (h, a, b) => holes.push([h, a, b]));
      for (const [h, a, b] of holes) await this.source!.readAtAsync(chunk, a - pos, b - a, h.src + (a - h.at));
      go();
      for (let w = 0; w < n; ) w += (await fh.write(chunk, w, n - w, pos + w)).bytesWritten;
      pos += n;
    }
    go();
  }

  /** True when the content equals `other`'s (holes compared through their files). */
  equals(other: ByteStore): boolean {
    if (other.len !== this.len) return false;
    for (let o = 0; o < this.len; o += PIECE) {
      const n = Math.min(PIECE, this.len - o);
      const a = this.bytesAt(o, n);
      const b = other.bytesAt(o, n);
      if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return false;
    }
    return true;
  }

  /** True when applying `splices` would leave the bytes as they are. */
  isNoop(splices: Splice[]): boolean {
    return splices.every((s) => {
      if (s.remove !== s.insert.length || s.offset < 0 || s.offset + s.remove > this.len) return false;
      const cur = this.bytesAt(s.offset, s.remove);
      return s.insert.every((b, i) => cur[i] === b);
    });
  }

  /**
   * Apply splices in order (each offset refers to the bytes as they are at that step); returns the
   * splices that undo them, in application order (as applySplices in src/parser/encode.ts does).
   * All ranges are checked first: a bad splice changes nothing.
   */
  apply(splices: Splice[]): Splice[] {
    let len = this.len;
    for (const s of splices) {
      if (s.offset < 0 || s.remove < 0 || s.offset + s.remove > len) throw new RangeError(`splice at ${s.offset} removing ${s.remove} byte(s) is outside the ${len}-byte image`);
      len += s.insert.length - s.remove;
    }
    if (this.holes.length) this.source!.check();
    const inverse: Splice[] = [];
    for (const s of splices) {
      if (this.holes.length) this.bringIn(s.offset, s.offset + s.remove);
      const at = this.start + s.offset;
      const removed = this.buf.slice(at, at + s.remove);
      const delta = s.insert.length - s.remove;
      const before = this.keptBytes(0, s.offset);
      const after = this.keptBytes(s.offset + s.remove, this.len);
      if (delta !== 0 && before <= after && this.start - delta >= 0) {
        // Move the bytes before the splice by -delta; the bytes after it stay where they are.
        this.moveKept(0, s.offset, -delta);
        this.start -= delta;
        this.len += delta;
      } else if (delta !== 0) {
        const next = this.len + delta;
        if (this.start + next > this.buf.length) {
          const grown = allocate(next);
          for (const [a, b] of this.keptRanges(0, this.len)) grown.set(this.buf.subarray(this.start + a, this.start + b), HEAD + a);
          this.buf = grown;
          this.start = HEAD;
        }
        this.moveKept(s.offset + s.remove, this.len, delta);
        this.len = next;
      }
      // Holes after the splice moved with the content.
      if (delta !== 0) for (const h of this.holes) if (h.at >= s.offset + s.remove) h.at += delta;
      this.buf.set(s.insert, this.start + s.offset);
      inverse.unshift({ offset: s.offset, remove: s.insert.length, insert: removed });
    }
    if (this._view.length !== this.len || this._view.buffer !== this.buf.buffer || this._view.byteOffset !== this.buf.byteOffset + this.start) {
      this._view = this.buf.subarray(this.start, this.start + this.len);
    }
    return inverse;
  }

  /** Close the file a sparse store reads from. */
  dispose(): void {
    this.source?.close();
  }

  /** Test hook: overwrite every hole's bytes in the array (never the file's), to show that nothing reads them there. */
  poisonHoles(byte: number): number {
    // A pattern that repeats only every 256 bytes: a shifted comparison of it never matches by chance.
    for (const h of this.holes) for (let k = 0; k < h.len; k++) this.buf[this.start + h.at + k] = (byte + k * 7 + (k >> 8)) & 255;
    return this.holes.length;
  }

  // ---- holes ----

  /** Call `fn(hole, a, b)` for each hole's part inside the content range [lo, hi). */
  private forHoles(lo: number, hi: number, fn: (h: Hole, a: number, b: number) => void): void {
    for (const h of this.holes) {
      if (h.at >= hi) break;
      const a = Math.max(lo, h.at);
      const b = Math.min(hi, h.at + h.len);
      if (a < b) fn(h, a, b);
    }
  }

  /**
   * The content range [lo, hi) is about to be rewritten: read its hole bytes into the array and
   * split the holes at lo and hi, so that no hole straddles the splice (holes after it then move
   * as a whole).
   */
  private bringIn(lo: number, hi: number): void {
    const out: Hole[] = [];
    for (const h of this.holes) {
      const end = h.at + h.len;
      if (end <= lo || h.at >= hi) {
        out.push(h);
        continue;
      }
      // Overlapping, or cut in two by an insertion (lo == hi inside it: nothing is read then).
      const a = Math.max(lo, h.at);
      const b = Math.min(hi, end);
      this.source!.readAt(this.buf, this.start + a, b - a, h.src + (a - h.at));
      if (h.at < a) out.push({ at: h.at, len: a - h.at, src: h.src });
      if (b < end) out.push({ at: b, len: end - b, src: h.src + (b - h.at) });
    }
    this.holes = out;
  }

  /** The kept (non-hole) ranges of the content range [lo, hi), ascending. */
  private keptRanges(lo: number, hi: number): [number, number][] {
    const out: [number, number][] = [];
    let p = lo;
    this.forHoles(lo, hi, (_h, a, b) => {
      if (a > p) out.push([p, a]);
      p = b;
    });
    if (hi > p) out.push([p, hi]);
    return out;
  }

  private keptBytes(lo: number, hi: number): number {
    let n = hi - lo;
    this.forHoles(lo, hi, (_h, a, b) => (n -= b - a));
    return n;
  }

  /**
   * Move the kept bytes of the content range [lo, hi) by `by` within the array. A hole's bytes are
   * not moved: nothing reads them from the array, and leaving them alone leaves their pages unwritten.
   * Ranges are moved in the order that never overwrites one not yet moved.
   */
  private moveKept(lo: number, hi: number, by: number): void {
    const ranges = this.keptRanges(lo, hi);
    if (by > 0) ranges.reverse();
    for (const [a, b] of ranges) this.buf.copyWithin(this.start + a + by, this.start + a, this.start + b);
  }
}

/**
 * An array for `size` bytes of content and the spare room; its pages are committed only when written.
 * Shared memory, so that a worker thread can index the content without a copy (src/editor/off-thread.ts).
 */
function allocate(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(HEAD + size + SLACK));
}

interface Loaded {
  buf: Uint8Array;
  len: number;
  holes: Hole[];
  /** Only the first bytes were read: the file does not start like an image (src/parser/sniff.ts). */
  headOnly?: boolean;
}

/**
 * The largest image the store holds: its content and spare room are one array, and VS Code's Node
 * (20) caps an array at 4 GiB. Larger files that start like an image are refused with this reason.
 */
export const MAX_IMAGE_SIZE = Math.min(2 ** 32, bufferConstants.MAX_LENGTH) - HEAD - SLACK;

export class TooLargeError extends Error {
  constructor(readonly size: number) {
    super(
      `The file is ${size} bytes (${(size / 2 ** 30).toFixed(2)} GiB); the editor opens images of up to ${MAX_IMAGE_SIZE} bytes (4 GiB less 320 KiB). ` +
        `Larger images are not supported: the editor holds an image's bytes as one array, and the Node that runs VS Code's extensions caps an array at 4 GiB.`,
    );
  }
}

/**
 * Reading a file of `size` bytes into a new store's array, as the reads it needs (yielded: read into
 * `into` at `off`, `len` bytes from file offset `pos`; sent back: the bytes read), so that one walk
 * serves the synchronous and the thread-pool reader.
 */
function* loading(size: number, opts: SparseOptions): Generator<{ into: Uint8Array; off: number; len: number; pos: number }, Loaded, number> {
  // The first bytes decide whether the rest is read at all: a file that is not an image (a
  // gigabyte of zeros, a model checkpoint) costs 16 bytes of reading whatever its size.
  const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
  let got = 0;
  while (got < head.length) {
    const n = yield { into: head, off: got, len: head.length - got, pos: got };
    if (n === 0) break;
    got += n;
  }
  if (!looksLikeLinuxCr(head.subarray(0, got))) {
    const small = allocate(got);
    small.set(head.subarray(0, got), HEAD);
    return { buf: small, len: got, holes: [], headOnly: true };
  }
  if (size > MAX_IMAGE_SIZE) throw new TooLargeError(size);
  const buf = allocate(size);
  if (size >= (opts.sparseMin ?? SPARSE_MIN_SIZE)) {
    const w = new SparseWalker(size, opts.holeMin);
    const chunk = new Uint8Array(1 << 20);
    for (let r = w.next(); r; r = w.next()) {
      const n = yield r.direct ? { into: buf, off: HEAD + r.pos, len: r.len, pos: r.pos } : { into: chunk, off: 0, len: r.len, pos: r.pos };
      if (n === 0) throw new SourceChangedError(`the file ended at ${r.pos} while it was read (${size} bytes when opened)`);
      if (r.direct) w.advance(n);
      else w.take(chunk, n, buf, HEAD);
    }
    return { buf, len: size, holes: w.holes.map((h) => ({ at: h.at, len: h.len, src: h.at })) };
  }
  let off = 0;
  while (off < size) {
    const n = yield { into: buf, off: HEAD + off, len: size - off, pos: off };
    if (n === 0) break;
    off += n;
  }
  return { buf, len: off, holes: [] };
}

