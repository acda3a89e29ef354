// The document's bytes, edited in place. A field edit overwrites its bytes where they are (no copy of
// the image); a length-changing splice (the pending buffer) shifts the shorter side, the bytes before
// it or the bytes after it, inside spare room kept at both ends, with copyWithin: typing into a
// buffer of a 64 MiB image neither allocates (and pages in) a new 64 MiB array nor, when the tty
// comes early in the image (v18 writes a task's files before its memory), moves the image's bulk.
// Writing to pages is what costs (a first write after a pause cost ~20 µs per page on the VMs this
// was measured on). `view` is the current content: a subarray of the store, replaced after a length
// change.
import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Splice } from '../parser/encode.js';

/** Spare room kept after the content: enough for any pending-buffer edit (a BUFFER is ≤ 4 KiB + header). */
const SLACK = 256 * 1024;
/** Spare room kept before the content, for edits that move the bytes before them. */
const HEAD = 64 * 1024;

export class ByteStore {
  private buf: Uint8Array;
  /** Where the content starts in `buf`. */
  private start: number;
  private len: number;
  private _view: Uint8Array;

  private constructor(buf: Uint8Array, start: number, len: number) {
    this.buf = buf;
    this.start = start;
    this.len = len;
    this._view = buf.subarray(start, start + len);
  }

  /** Read a file straight into a store with spare capacity (one allocation, no copy). */
  static readFile(path: string): ByteStore {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = new Uint8Array(Buffer.allocUnsafeSlow(HEAD + size + SLACK).buffer, 0, HEAD + size + SLACK);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, HEAD + off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return new ByteStore(buf, HEAD, off);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * As readFile, but the read (and the page faults of the fresh buffer, a few hundred ms for 64 MiB)
   * happen on libuv's thread pool: the extension host stays free meanwhile. The caller closes `fh`.
   */
  static async readHandle(fh: FileHandle): Promise<ByteStore> {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(Buffer.allocUnsafeSlow(HEAD + size + SLACK).buffer, 0, HEAD + size + SLACK);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, HEAD + off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return new ByteStore(buf, HEAD, off);
  }

  static from(bytes: Uint8Array): ByteStore {
    const buf = new Uint8Array(HEAD + bytes.length + SLACK);
    buf.set(bytes, HEAD);
    return new ByteStore(buf, HEAD, bytes.length);
  }

  get view(): Uint8Array {
    return this._view;
  }
  get length(): number {
    return this.len;
  }

  /** True when applying `splices` would leave the bytes as they are. */
  isNoop(splices: Splice[]): boolean {
    return splices.every((s) => s.remove === s.insert.length && s.offset >= 0 && s.offset + s.remove <= this.len && s.insert.every((b, i) => this._view[s.offset + i] === b));
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
    const inverse: Splice[] = [];
    for (const s of splices) {
      const at = this.start + s.offset;
      const removed = this.buf.slice(at, at + s.remove);
      const delta = s.insert.length - s.remove;
      const before = s.offset;
      const after = this.len - s.offset - s.remove;
      if (delta !== 0 && before <= after && this.start - delta >= 0) {
        // Move the bytes before the splice by -delta; the bytes after it stay where they are.
        this.buf.copyWithin(this.start - delta, this.start, at);
        this.start -= delta;
        this.len += delta;
      } else if (delta !== 0) {
        const next = this.len + delta;
        if (this.start + next > this.buf.length) {
          const grown = new Uint8Array(HEAD + next + SLACK);
          grown.set(this.buf.subarray(this.start, this.start + this.len), HEAD);
          this.buf = grown;
          this.start = HEAD;
        }
        const from = this.start + s.offset;
        this.buf.copyWithin(from + s.insert.length, from + s.remove, this.start + this.len);
        this.len = next;
      }
      this.buf.set(s.insert, this.start + s.offset);
      inverse.unshift({ offset: s.offset, remove: s.insert.length, insert: removed });
    }
    if (this._view.length !== this.len || this._view.buffer !== this.buf.buffer || this._view.byteOffset !== this.buf.byteOffset + this.start) {
      this._view = this.buf.subarray(this.start, this.start + this.len);
    }
    return inverse;
  }
}
