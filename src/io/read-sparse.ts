// Reading an image for a report: the file's bytes that the parser and the reports look at, and
// (for --json's source) the sha256 of all of it, in one pass.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { type FileHole, type FramedRecords, SparseWalker } from '../parser/sparse-walk.js';
import type { StreamIndex } from '../parser/stream-index.js';
import { InputError, withRegularFile } from './read-input.js';

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

export interface SparseFile {
  /** The file's size; the bytes of `holes` are zeros here. */
  bytes: Uint8Array;
  holes: FileHole[];
  /** sha256 of every byte of the file as read (holes included), when asked for. */
  sha256?: string;
  /** The record index (indexStream's) when the framing is sound throughout. */
  index?: StreamIndex;
}

/**
 * A regular file read for a report: only the bytes the parser and the reports look at (record
 * headers and the payloads they decode) are read into a file-sized array, and the payloads of
 * large records nothing decodes stay unread. Memory never written is never mapped, so an image
 * that is mostly page contents costs what its records cost. With `hash`, every byte is hashed in
 * file order in the same pass, the skipped ones read into a scratch buffer for that alone.
 */
export function readRegularFileSparse(path: string | Buffer, opts: { hash?: boolean } = {}): SparseFile {
  return withRegularFile(path, (fd, st) => {
    const size = st.size;
    const bytes = new Uint8Array(size);
    const framed = size / 8 <= INDEX_MAX ? new FramedIndex(size) : undefined;
    const w = new SparseWalker(size, REPORT_HOLE_MIN, framed);
    const chunk = new Uint8Array(1 << 20);
    const hash = opts.hash ? createHash('sha256') : null;
    // Bytes [0, hashed) have gone into the hash. The walker's reads go forward, overlapping only
    // where a record header was split between two reads.
    let hashed = 0;
    const readAt = (into: Uint8Array, off: number, len: number, pos: number): number => {
      const n = readSync(fd, into, off, len, pos);
      if (n === 0) throw new InputError(`cannot read: the file ended at offset ${pos} while it was read (${size} bytes when opened)`, 'ECHANGED');
      return n;
    };
    const hashTo = (pos: number): void => {
      while (hash && hashed < pos) {
        const n = readAt(chunk, 0, Math.min(chunk.length, pos - hashed), hashed);
        hash.update(chunk.subarray(0, n));
        hashed += n;
      }
    };
    for (let r = w.next(); r; r = w.next()) {
      hashTo(r.pos);
      if (r.direct) {
        const n = readAt(bytes, r.pos, r.len, r.pos);
        if (hash && r.pos + n > hashed) {
          hash.update(bytes.subarray(hashed, r.pos + n));
          hashed = r.pos + n;
        }
        w.advance(n);
      } else {
        const n = readAt(chunk, 0, r.len, r.pos);
        if (hash && r.pos + n > hashed) {
          hash.update(chunk.subarray(hashed - r.pos, n));
          hashed = r.pos + n;
        }
        w.take(chunk, n, bytes, 0);
      }
    }
    hashTo(size);
    const index = framed?.index();
    return { bytes, holes: w.holes, ...(hash ? { sha256: hash.digest('hex') } : {}), ...(index ? { index } : {}) };
  });
}
