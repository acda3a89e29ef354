// JSON written straight into bytes, for reports of a million records: each value goes into one
// reused buffer as ASCII or UTF-8, with no string per value, no object per record and no encoding
// pass over the text. The result is exactly what JSON.stringify writes for the same values.
import { jsonForTerminal } from '../shared/escape.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const encoder = new TextEncoder();
const NULL = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

/** A string's bytes, for the keys and constant pieces written many times. */
export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export class JsonBytes {
  private buf: Uint8Array;
  /** Bytes written since the last take(). */
  p = 0;
  private readonly cached = new Map<string, Uint8Array>();

  /**
   * `chunk`: about how many bytes a take() hands out; `terminal`: strings are written as
   * jsonForTerminal writes them (DEL, C1 and bidi controls as \uXXXX), the same JSON value.
   */
  constructor(
    readonly chunk: number,
    private readonly terminal = false,
  ) {
    this.buf = new Uint8Array(Math.max(chunk, 64) + 4096);
  }

  /** True when a chunk is ready to take. */
  get full(): boolean {
    return this.p >= this.chunk;
  }

  /**
   * The bytes written so far. The view is valid until the next write: the buffer is reused, so a
   * million-record report touches the same few pages instead of fresh memory for every chunk.
   */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.p);
    this.p = 0;
    return out;
  }

  private room(n: number): void {
    if (this.p + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.p + n + 4096));
    b.set(this.buf.subarray(0, this.p));
    this.buf = b;
  }

  /** Bytes as they are (ascii() of a key or a piece of punctuation). */
  raw(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let p = this.p;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i];
    this.p = p;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.p++] = c;
  }

  /** A number as JSON.stringify writes it. */
  num(n: number): void {
    let v = n;
    // Offsets, lengths, objrefs: 31-bit integers, written digit by digit.
    if (v < 0 && v >= -0x7fffffff && (v | 0) === v) {
      // A missing record (-1), a negative objref of a damaged image.
      this.byte(0x2d);
      v = -v;
    }
    if (v >= 0 && v <= 0x7fffffff && (v | 0) === v) {
      if (this.p + 10 > this.buf.length) this.room(10);
      const buf = this.buf;
      const digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
      let q = this.p + digits;
      this.p = q;
      let x = v;
      while (x >= 10) {
        const y = (x / 10) | 0;
        buf[--q] = 48 + x - y * 10;
        x = y;
      }
      buf[--q] = 48 + x;
      return;
    }
    this.text(JSON.stringify(v));
  }

  /** A number, or null. */
  numOrNull(v: number | null): void {
    if (v === null) this.raw(NULL);
    else this.num(v);
  }

  /** A JS string as a JSON string. */
  str(s: string): void {
    // Plain printable ASCII without quote or backslash (every key, kind and label we make) is
    // written as it is; anything else goes through JSON.stringify.
    const n = s.length;
    this.room(n + 2);
    const buf = this.buf;
    let p = this.p;
    buf[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === QUOTE || c === BACKSLASH) {
        this.text(JSON.stringify(s));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.p = p;
  }

  /** A string written many times (a kind, a type name, a field name): encoded once. */
  strc(s: string): void {
    const b = this.cached.get(s);
    if (b !== undefined) {
      this.raw(b);
      return;
    }
    const start = this.p;
    this.str(s);
    if (this.cached.size < 4096) this.cached.set(s, this.buf.slice(start, this.p));
  }

  /** JSON text written many times (`"FILE #`, an opening piece of a string): encoded once. */
  textc(json: string): void {
    const b = this.cached.get(json);
    if (b !== undefined) {
      this.raw(b);
      return;
    }
    const start = this.p;
    this.text(json);
    if (this.cached.size < 4096) this.cached.set(json, this.buf.slice(start, this.p));
  }

  /** A string, or null. */
  strOrNull(s: string | null): void {
    if (s === null) this.raw(NULL);
    else this.str(s);
  }

  /** JSON text as it is (JSON.stringify of a small value): encoded as UTF-8, made safe for a terminal when asked. */
  text(json: string): void {
    // Plain ASCII (most of it) needs neither the terminal escapes nor UTF-8 encoding.
    let ascii = true;
    for (let i = 0; i < json.length; i++) {
      if (json.charCodeAt(i) >= 0x7f) {
        ascii = false;
        break;
      }
    }
    const t = this.terminal && !ascii ? jsonForTerminal(json) : json;
    const n = t.length;
    this.room(3 * n);
    const buf = this.buf;
    let p = this.p;
    for (let i = 0; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x80) {
        this.p = p;
        this.p += encoder.encodeInto(t.slice(i), buf.subarray(p)).written;
        return;
      }
      buf[p++] = c;
    }
    this.p = p;
  }

  /** Any value, as JSON.stringify writes it. */
  json(v: unknown): void {
    this.text(JSON.stringify(v));
  }
}
