// Reading an image for a report: the file's bytes that the parser and the reports look at, and
// (for --json's source) the sha256 of all of it, in one pass.
import { createHash } from 'node:crypto';
import { read, readSync } from 'node:fs';
import { HDR_SIZE, LAYOUT, T } from '../parser/layout.js';
import type { PackedRecords } from '../parser/record-lists.js';
import { type FileHole, type FramedRecords, type Placement, REREAD_MAX, SparseWalker } from '../parser/sparse-walk.js';
import type { StreamIndex } from '../parser/stream-index.js';
import { InputError, withRegularFileAsync } from './read-input.js';

/** A payload at least this long that no report reads (page contents) is not read (see sparse-walk.ts). */
const REPORT_HOLE_MIN = 16 * 1024;

/** Past this many possible records (a file of 256 MiB) the index is left to indexStream. */
const INDEX_MAX = 32 << 20;

/**
 * The record index built from the headers the walker reads, as indexStream builds it for a file
 * whose framing is sound (no second walk over the bytes). The arrays have room for a record every
 * 8 bytes; only the pages the records fill are ever touched.
 */
class FramedIndex implements FramedRecords {
  private readonly offsets: Uint32Array | Float64Array;
  private readonly types: Uint32Array;
  private readonly lens: Uint32Array;
  private count = 0;
  private sound = true;
  get length(): number {
    return this.count;
  }
  constructor(size: number) {
    const cap = Math.floor(size / 8) + 1;
    this.offsets = size >= 2 ** 32 ? new Float64Array(cap) : new Uint32Array(cap);
    this.types = new Uint32Array(cap);
    this.lens = new Uint32Array(cap);
  }
  push(offset: number, type: number, len: number): void {
    const i = this.count++;
    this.offsets[i] = offset;
    this.types[i] = type;
    this.lens[i] = len;
  }
  broken(): void {
    this.sound = false;
  }
  /** The index, when every record was framed soundly up to the end of the file. */
  index(): StreamIndex | undefined {
    if (!this.sound) return undefined;
    const n = this.count;
    return { count: n, offsets: this.offsets.subarray(0, n), types: this.types.subarray(0, n), lens: this.lens.subarray(0, n), spans: this.lens.subarray(0, n), problems: [] };
  }
}

/** The longest fixed layout of the records the lists read: no more of each is packed. */
const PACK_MAX = Math.max(LAYOUT.objref.len, LAYOUT.fileGeneric.len, LAYOUT.fileTty.len, LAYOUT.filePipe.len, LAYOUT.fileSocket.len, LAYOUT.fileTable.len, LAYOUT.fileDesc.len, LAYOUT.signal.len);
const { OBJREF, FILE, FILE_DESC, FILE_TABLE, SIGNAL, TREE, TTY, TTY_LDISC, BUFFER, STRING, TAIL } = T;
/** Records starting before this offset are kept whole (the header, and the bytes the byte order is told from). */
const HEAD_KEEP = 64;

/**
 * The index of a report read that keeps only what the reports read: the records the lists read
 * (OBJREF, FILE, FILE_DESC, FILE_TABLE, SIGNAL; their fixed fields) packed one after another, and
 * the few the report reads at their offsets (the header, TREE, TTY, TTY_LDISC and its BUFFER,
 * STRING, TAIL) in the file-sized array; nothing else. The pages of the file-sized array are then
 * mostly never touched: on an image of a million small records, a fresh page costs more than the
 * work done on its records.
 */
class PackingIndex extends FramedIndex {
  private readonly arena: Uint8Array;
  private readonly at: Int32Array | Float64Array;
  /** Arena bytes used; it starts at HDR_SIZE so that every `at` is positive. */
  private used = HDR_SIZE;
  private readonly pl: Placement;
  constructor(
    size: number,
    private readonly bytes: Uint8Array,
  ) {
    super(size);
    // Sized for the worst case; only the pages written are ever mapped.
    this.arena = new Uint8Array(size);
    this.at = size >= 2 ** 31 ? new Float64Array(Math.floor(size / 8) + 1) : new Int32Array(Math.floor(size / 8) + 1);
    this.pl = { dst: bytes, at: 0, from: 0, len: 0 };
  }
  place(offset: number, type: number, len: number, prevType: number): Placement | null {
    const pl = this.pl;
    if (type === OBJREF || type === FILE || type === FILE_DESC || type === FILE_TABLE || type === SIGNAL) {
      // The payload only: the lists read payload fields, and the header's type and len are in the
      // index (a million records' headers would be 8 MB of pages). Record r's field at offset o
      // (from its header) is at `at[r] - 1 + o`, as if the header were there.
      const n = Math.min(len, PACK_MAX) - HDR_SIZE;
      this.at[this.length - 1] = this.used - HDR_SIZE + 1;
      pl.dst = this.arena;
      pl.at = this.used;
      pl.from = HDR_SIZE;
      pl.len = n + HDR_SIZE;
      this.used += n;
      return pl;
    }
    if (offset < HEAD_KEEP || type === TREE || type === TTY || type === TTY_LDISC || type === STRING || type === TAIL || (type === BUFFER && prevType === TTY_LDISC)) {
      pl.dst = this.bytes;
      pl.at = offset;
      pl.from = 0;
      pl.len = len;
      return pl;
    }
    return null;
  }
  packed(): PackedRecords {
    return { bytes: this.arena.subarray(0, this.used), at: this.at.subarray(0, this.length) };
  }
}

export interface SparseFile {
  /** The file's size; the bytes of `holes` are zeros here (with `pack`, all but the records it keeps). */
  bytes: Uint8Array;
  holes: FileHole[];
  /** sha256 of every byte of the file as read (holes included), when asked for. */
  sha256?: string;
  /** The record index (indexStream's) when the framing is sound throughout. */
  index?: StreamIndex;
  /** With `pack`: where the records the lists read are (openImage's `packed`). */
  packed?: PackedRecords;
}

/**
 * A regular file read for a report: only the bytes the parser and the reports look at (record
 * headers and the payloads they decode) are read into a file-sized array, and the payloads of
 * large records nothing decodes stay unread. Memory never written is never mapped, so an image
 * that is mostly page contents costs what its records cost. With `hash`, every byte is hashed in
 * file order in the same pass, the skipped ones read into a scratch buffer for that alone.
 */
export async function readRegularFileSparse(path: string | Buffer, opts: { hash?: boolean; pack?: boolean } = {}): Promise<SparseFile> {
  return withRegularFileAsync(path, async (fd, st) => {
    const size = st.size;
    if (opts.pack && size / 8 <= INDEX_MAX) {
      const r = await readSparse(fd, size, opts.hash === true, true);
      if (r.index) return r;
      // The framing breaks somewhere: the index is built by resynchronising over every byte.
    }
    return readSparse(fd, size, opts.hash === true, false);
  });
}

const CHUNK = 1 << 20;

/**
 * The chunks the walker asks for, each read while the one before is taken apart: the file's next
 * bytes are read ahead on libuv's thread pool, so that the copies out of the page cache are made on
 * another core while this one takes records apart. A read ahead starts REREAD_MAX
 * bytes before the end of the chunk it follows, where the walker may start again (a record split
 * between the two); when the walker asks for something else (it skips a large payload), the read
 * ahead is dropped.
 */
class ReadAhead {
  private readonly bufs = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
  /** The buffer the last chunk was handed out of; the other one is free for reading ahead. */
  private cur = 0;
  private ahead: { pos: number; buf: number; done: Promise<number> } | null = null;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  /** A buffer free for a synchronous read now: not the one being read ahead into, nor (until the next `chunk`) one handed out. */
  scratch(): Uint8Array {
    return this.bufs[this.cur] as Uint8Array;
  }

  /** The file's bytes from `pos` (at least one, at most CHUNK): a view of one of the buffers. */
  async chunk(pos: number, len: number): Promise<Uint8Array> {
    const a = this.ahead;
    this.ahead = null;
    if (a) {
      const got = await a.done.catch(() => 0);
      if (pos >= a.pos && pos < a.pos + got) {
        this.cur = a.buf;
        return (this.bufs[a.buf] as Uint8Array).subarray(pos - a.pos, got);
      }
    }
    const b = this.scratch();
    const n = readAt(this.fd, this.size, b, 0, Math.min(len, CHUNK), pos);
    return b.subarray(0, n);
  }

  /** Start reading what follows a chunk that ended at `end`, when the walker reads on in order. */
  readOn(end: number): void {
    const pos = Math.max(0, end - REREAD_MAX);
    if (pos >= this.size || this.ahead) return;
    const buf = 1 - this.cur;
    const len = Math.min(CHUNK, this.size - pos);
    this.ahead = {
      pos,
      buf,
      done: new Promise<number>((resolve, reject) => read(this.fd, this.bufs[buf] as Uint8Array, 0, len, pos, (e, n) => (e ? reject(e) : resolve(n)))),
    };
  }

  /** Wait for a read ahead still running (the file is closed after this). */
  async settle(): Promise<void> {
    const a = this.ahead;
    this.ahead = null;
    if (a) await a.done.catch(() => 0);
  }
}

function readAt(fd: number, size: number, into: Uint8Array, off: number, len: number, pos: number): number {
  const n = readSync(fd, into, off, len, pos);
  if (n === 0) throw new InputError(`cannot read: the file ended at offset ${pos} while it was read (${size} bytes when opened)`, 'ECHANGED');
  return n;
}

async function readSparse(fd: number, size: number, hashing: boolean, pack: boolean): Promise<SparseFile> {
  const bytes = new Uint8Array(size);
  const framed = pack ? new PackingIndex(size, bytes) : size / 8 <= INDEX_MAX ? new FramedIndex(size) : undefined;
  const w = new SparseWalker(size, REPORT_HOLE_MIN, framed);
  const reads = new ReadAhead(fd, size);
  const hash = hashing ? createHash('sha256') : null;
  // Bytes [0, hashed) have gone into the hash. The walker's reads go forward, overlapping only
  // where a record header was split between two reads.
  let hashed = 0;
  const hashTo = (pos: number): void => {
    while (hash && hashed < pos) {
      const scratch = reads.scratch();
      const n = readAt(fd, size, scratch, 0, Math.min(scratch.length, pos - hashed), hashed);
      hash.update(scratch.subarray(0, n));
      hashed += n;
    }
  };
  try {
    for (let r = w.next(); r; r = w.next()) {
      if (r.direct) {
        await reads.settle();
        hashTo(r.pos);
        const n = readAt(fd, size, bytes, r.pos, r.len, r.pos);
        if (hash && r.pos + n > hashed) {
          hash.update(bytes.subarray(hashed, r.pos + n));
          hashed = r.pos + n;
        }
        w.advance(n);
        continue;
      }
      // Into the buffer the last chunk came from, which the walker is done with.
      hashTo(r.pos);
      const chunk = await reads.chunk(r.pos, r.len);
      const n = chunk.length;
      // A chunk as large as the walker reads when nothing is skipped: the next one is likely to follow it.
      if (r.len >= CHUNK) reads.readOn(r.pos + n);
      if (hash && r.pos + n > hashed) {
        hash.update(chunk.subarray(hashed - r.pos, n));
        hashed = r.pos + n;
      }
      w.take(chunk, n, bytes, 0);
    }
  } finally {
    await reads.settle();
  }
  const index = framed?.index();
  if (pack && !index) return { bytes, holes: [] };
  hashTo(size);
  const packed = index && framed instanceof PackingIndex ? framed.packed() : undefined;
  return { bytes, holes: w.holes, ...(hash ? { sha256: hash.digest('hex') } : {}), ...(index ? { index } : {}), ...(packed ? { packed } : {}) };
}
