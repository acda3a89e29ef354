// Independent framing walk for the mutator: where the records are, in which byte order. It does
// not share code with src/parser/stream-index.ts on purpose (a fuzzer should not inherit the
// parser's mistakes); broken framing ends the walk and the rest is kept as one opaque tail.
export interface Rec {
  off: number;
  type: number;
  len: number;
}

export interface Walk {
  le: boolean;
  recs: Rec[];
  /** Offset where whole records stop (bytes from here on are a broken tail). */
  end: number;
}

export function byteOrder(b: Uint8Array): boolean {
  if (b.length >= 18) {
    const arch = b[16] | (b[17] << 8);
    if (arch === 1) return true;
    if (arch >= 2 && arch <= 4) return false;
  }
  if (b.length >= 8) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (v.getUint32(0, false) === 1 && v.getUint32(4, false) === 72) return false;
  }
  return true;
}

export function walk(b: Uint8Array): Walk {
  const le = byteOrder(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const recs: Rec[] = [];
  let p = 0;
  while (p + 8 <= b.length) {
    const type = v.getUint32(p, le);
    const len = v.getUint32(p + 4, le);
    if (len < 8 || p + len > b.length) break;
    recs.push({ off: p, type, len });
    p += len;
  }
  return { le, recs, end: p };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
