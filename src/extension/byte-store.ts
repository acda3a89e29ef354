// The document's bytes, edited in place. A field edit overwrites its bytes where they are (no copy of
// the image); a length-changing splice (the pending buffer) shifts the tail inside spare capacity with
// copyWithin, so typing into a buffer of a 64 MiB image does not allocate (and page in) a new 64 MiB
// array. `view` is the current content: a subarray of the store, replaced after a length change.
import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Splice } from '../parser/encode.js';

/** Spare room kept after the content: enough for any pending-buffer edit (a BUFFER is ≤ 4 KiB + header). */
const SLACK = 256 * 1024;

export class ByteStore {
  private buf: Uint8Array;
  private len: number;
  private _view: Uint8Array;

  private constructor(buf: Uint8Array, len: number) {
    this.buf = buf;
    this.len = len;
    this._view = buf.subarray(0, len);
  }

  /** Read a file straight into a store with spare capacity (one allocation, no copy). */
  static readFile(path: string): ByteStore {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = new Uint8Array(Buffer.allocUnsafeSlow(size + SLACK).buffer, 0, size + SLACK);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return new ByteStore(buf, off);
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
    const buf = new Uint8Array(Buffer.allocUnsafeSlow(size + SLACK).buffer, 0, size + SLACK);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return new ByteStore(buf, off);
  }

  static from(bytes: Uint8Array): ByteStore {
    const buf = new Uint8Array(bytes.length + SLACK);
    buf.set(bytes);
    return new ByteStore(buf, bytes.length);
  }

  get view(): Uint8Array {
    return this._view;
  }
  get length(): number {
    return this.len;
  }

  /** True when applying `splices` would leave the bytes as they are. */
  isNoop(splices: Splice[]): boolean {
    return splices.every((s) => s.remove === s.insert.length && s.offset >= 0 && s.offset + s.remove <= this.len && s.insert.every((b, i) => this.buf[s.offset + i] === b));
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
      const removed = this.buf.slice(s.offset, s.offset + s.remove);
      const delta = s.insert.length - s.remove;
      if (delta !== 0) {
        const next = this.len + delta;
        if (next > this.buf.length) {
          const grown = new Uint8Array(next + SLACK);
          grown.set(this.buf.subarray(0, this.len));
          this.buf = grown;
        }
        this.buf.copyWithin(s.offset + s.insert.length, s.offset + s.remove, this.len);
        this.len = next;
      }
      this.buf.set(s.insert, s.offset);
      inverse.unshift({ offset: s.offset, remove: s.insert.length, insert: removed });
    }
    if (this._view.length !== this.len || this._view.buffer !== this.buf.buffer) this._view = this.buf.subarray(0, this.len);
    return inverse;
  }
}
