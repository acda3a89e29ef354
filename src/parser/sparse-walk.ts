// Which bytes of a large image need to be in memory at all. The parser, the validator and the views
// read record headers and the payloads of the records they decode; the bulk of a real v18 image is
// the payload of records they never look into (page contents in BUFFERs after PGARRs, unknown
// types). Those payloads can stay in the file and be read when someone asks for them (the Hex
// panel, a save), which is how large-file hex editors keep memory to what is shown.
//
// The walker follows the {u32 type, u32 len} framing over chunks read from the file and says which
// ranges to keep. It is pure: the caller owns the reads (sync or async) and the destination.
import { hasDecoder } from './kaitai.js';
import { byteOrderOf } from './image.js';
import { HDR_SIZE, T } from './layout.js';

/** A payload of at least this many bytes, never read by the parser, stays in the file. */
export const HOLE_MIN = 64 * 1024;
/** The first payload bytes of such a record stay in memory (the Structure's summary shows 40). */
export const HOLE_KEEP = 64;
/** The largest read the walker asks for; after a hole it starts small again. */
const CHUNK_MAX = 1 << 20;
const CHUNK_MIN = 16 * 1024;
/**
 * A placed record this long or shorter is never split between two reads (it fits in CHUNK_MIN): the
 * next read after a chunk that ended at E starts at E - REREAD_MAX or later.
 */
export const REREAD_MAX = 8 * 1024;

/** A range of the file whose bytes are not held: file offset `at`, `len` bytes. */
export interface FileHole {
  at: number;
  len: number;
}

/**
 * True when nothing but a byte view (Hex panel, a raw field's value, JSON of the selection, a save)
 * reads this record's payload past its first HOLE_KEEP bytes: no ksy type decodes it, or it is a
 * BUFFER (decoded as one raw `data` field, which views read through the store), and it is not the
 * pending input that follows a TTY_LDISC. A STRING is read (an ERROR's message).
 */
export function payloadOnlyViewed(type: number, prevType: number): boolean {
  return (type === T.BUFFER || (!hasDecoder(type) && type !== T.STRING)) && prevType !== T.TTY_LDISC;
}

export interface ReadRequest {
  /** File offset to read from. */
  pos: number;
  /** Bytes to read (fewer may come). */
  len: number;
  /** Read straight into the destination at `pos` (everything from here on is kept), not into a chunk. */
  direct: boolean;
}

/** Where to copy bytes [from, len) of a record: `dst` from index `at`. */
export interface Placement {
  dst: Uint8Array;
  at: number;
  /** Leading bytes not copied: 0, or the header (HDR_SIZE), whose type and len the index holds. */
  from: number;
  len: number;
}

/** Told of each record the walker frames while the framing is sound; `broken` once it is not. */
export interface FramedRecords {
  push(offset: number, type: number, len: number): void;
  broken(): void;
  /**
   * When given, it decides where each record's bytes go (called after its push; null: nowhere)
   * instead of the holes keeping everything else at its file offset; and the walk ends at a
   * framing break (the caller reads the file again the plain way).
   */
  place?(offset: number, type: number, len: number, prevType: number): Placement | null;
}

export class SparseWalker {
  readonly holes: FileHole[] = [];
  /** Next file offset wanted. */
  private cursor = 0;
  /** Start of the next record (its header). */
  private rec = 0;
  /** Bytes before this offset belong to a record whose bytes are kept. */
  private keepUntil = 0;
  /** From here on every byte is kept (a framing break, or no known byte order): -1 until then. */
  private denseFrom = -1;
  private prevType = -1;
  private chunk = CHUNK_MIN;
  private le = true;
  private started = false;
  /** The placed record split across reads: its bytes [contFrom, contUntil) go to contDst from contAt. */
  private contDst: Uint8Array | null = null;
  private contAt = 0;
  private contFrom = 0;
  private contUntil = 0;

  constructor(
    private readonly size: number,
    /** Smallest payload left on disk (tests lower it to make holes of small images). */
    private readonly holeMin = HOLE_MIN,
    /** Given every record header read, so that a caller can index the records in the same pass. */
    private readonly framed?: FramedRecords,
  ) {}

  /** What to read next; null when the whole file has been seen. */
  next(): ReadRequest | null {
    if (this.cursor >= this.size) return null;
    const direct = this.denseFrom >= 0;
    const len = Math.min(this.size - this.cursor, direct ? 4 * CHUNK_MAX : this.chunk);
    return { pos: this.cursor, len, direct };
  }

  /** A direct read of `n` bytes at the cursor went into the destination. */
  advance(n: number): void {
    this.cursor += n;
  }

  /**
   * `chunk[0, n)` holds the file's bytes at the cursor: copy the kept ones to `dst` (at `base` plus
   * their file offset) and move on.
   */
  take(chunk: Uint8Array, n: number, dst: Uint8Array, base: number): void {
    const pos = this.cursor;
    const end = pos + n;
    if (!this.started) {
      this.started = true;
      const order = byteOrderOf(chunk.subarray(0, n));
      if (order === undefined) {
        this.denseFrom = 0;
        this.framed?.broken();
        if (this.framed?.place) {
          this.cursor = this.size;
          return;
        }
      } else this.le = order;
    }
    if (this.framed?.place) {
      this.takePlaced(chunk, pos, end, this.framed);
      return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, n);
    let p = pos;
    let run = p;
    const flush = (to: number): void => {
      if (to > run) dst.set(chunk.subarray(run - pos, to - pos), base + run);
    };
    let sawHole = false;
    while (p < end) {
      if (this.denseFrom >= 0 && p >= this.denseFrom) {
        p = end;
        break;
      }
      if (p < this.keepUntil) {
        p = Math.min(end, this.keepUntil);
        continue;
      }
      if (p < this.rec) {
        // The hole of the record before: skip to the next record.
        flush(p);
        p = this.rec;
        run = p;
        if (p >= end) break;
        continue;
      }
      // A record header at p.
      if (p + HDR_SIZE > this.size) {
        this.denseFrom = p;
        this.framed?.broken();
        continue;
      }
      if (p + HDR_SIZE > end) break; // split across reads: read again from here
      const type = view.getUint32(p - pos, this.le);
      const len = view.getUint32(p - pos + 4, this.le);
      if (len < HDR_SIZE || p + len > this.size) {
        // A framing break: the index resynchronises by scanning the bytes after it, so all of them stay.
        this.denseFrom = p;
        this.framed?.broken();
        continue;
      }
      this.framed?.push(p, type, len);
      if (len - HDR_SIZE >= Math.max(this.holeMin, HOLE_KEEP + 1) && payloadOnlyViewed(type, this.prevType)) {
        const at = p + HDR_SIZE + HOLE_KEEP;
        this.holes.push({ at, len: p + len - at });
        this.keepUntil = at;
        sawHole = true;
      } else {
        this.keepUntil = p + len;
      }
      this.prevType = type;
      this.rec = p + len;
    }
    const stop = Math.min(p, end);
    flush(stop);
    this.cursor = stop;
    // Past the kept bytes of a hole record: the next read starts at the next record.
    if (this.denseFrom < 0 && this.cursor >= this.keepUntil && this.cursor < this.rec) this.cursor = this.rec;
    this.chunk = sawHole ? CHUNK_MIN : Math.min(CHUNK_MAX, this.chunk * 2);
  }

  /** take() when `framed` places the records: each record's first bytes are copied where it says. */
  private takePlaced(chunk: Uint8Array, pos: number, end: number, framed: FramedRecords): void {
    const view = new DataView(chunk.buffer, chunk.byteOffset, end - pos);
    let p = pos;
    if (this.contDst !== null && this.contUntil > p) {
      const to = Math.min(end, this.contUntil);
      this.contDst.set(chunk.subarray(p - pos, to - pos), this.contAt + (p - this.contFrom));
      p = to;
      if (to === this.contUntil) this.contDst = null;
    }
    while (p < end) {
      if (p < this.rec) {
        p = this.rec;
        continue;
      }
      if (p + HDR_SIZE > end) {
        if (p + HDR_SIZE > this.size) {
          this.stopPlaced(framed);
          return;
        }
        break; // split across reads: read again from here
      }
      const type = view.getUint32(p - pos, this.le);
      const len = view.getUint32(p - pos + 4, this.le);
      if (len < HDR_SIZE || p + len > this.size) {
        this.stopPlaced(framed);
        return;
      }
      // A short record that ends past this chunk is read again, whole, with the next one (unless it
      // is the chunk's first, so that every read gets past a record). The loop then has no rare
      // path that its usual records never take: V8 optimises it while it runs, and throws that code
      // away when a path it has never seen taken is taken (a record split between two reads).
      if (p + len > end && len <= REREAD_MAX && p > pos) break;
      framed.push(p, type, len);
      const pl = (framed as Required<FramedRecords>).place(p, type, len, this.prevType);
      if (pl !== null && pl.len > pl.from) {
        // The header is whole in this chunk (checked above) and `from` is 0 or HDR_SIZE: the copy starts here.
        const s = p + pl.from;
        const e = p + pl.len;
        const to = Math.min(end, e);
        const dst = pl.dst;
        // Most placed records are a few dozen bytes, the largest usual one (a pending input BUFFER)
        // 4 KiB: a copy loop, not a subarray object per record.
        if (to - s <= REREAD_MAX) for (let k = s - pos, a = pl.at, z = to - pos; k < z; k++, a++) dst[a] = chunk[k];
        else dst.set(chunk.subarray(s - pos, to - pos), pl.at);
        if (to < e) {
          this.contDst = pl.dst;
          this.contAt = pl.at;
          this.contFrom = s;
          this.contUntil = e;
        }
      }
      this.prevType = type;
      this.rec = p + len;
      p = this.rec;
    }
    // p < end: a header split across reads; else the next record's start (or the rest of a
    // placed record's bytes, which the next read begins with).
    const skip = p > end && !(this.contDst !== null && this.contUntil > end);
    this.cursor = p < end ? p : skip ? p : end;
    this.chunk = skip && p - end >= this.holeMin ? CHUNK_MIN : Math.min(CHUNK_MAX, this.chunk * 2);
  }

  private stopPlaced(framed: FramedRecords): void {
    framed.broken();
    this.cursor = this.size;
  }
}
