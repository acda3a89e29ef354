// The record index's framing walk with the resynchronisation rule applied at every byte, as the
// index once did it: the reference the tests compare src/parser/stream-index.ts with, and the
// baseline of bench/hostile-open.ts.
import { fixedLenOf, HDR_SIZE, isKnownRecordType } from '../../src/parser/layout.js';

function plausibleAt(v: DataView, p: number, size: number, le: boolean): boolean {
  if (p + HDR_SIZE > size) return false;
  const t = v.getUint32(p, le);
  if (!isKnownRecordType(t)) return false;
  const len = v.getUint32(p + 4, le);
  if (len < HDR_SIZE || p + len > size) return false;
  const f = fixedLenOf(t);
  return f === undefined || f === len;
}

/** Every offset where a record starts in the index (what the resync decided), by the byte-by-byte rule. */
export function referenceOffsets(bytes: Uint8Array, le: boolean): number[] {
  const size = bytes.length;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  let p = 0;
  while (p + HDR_SIZE <= size) {
    out.push(p);
    const len = v.getUint32(p + 4, le);
    if (len >= HDR_SIZE && p + len <= size) {
      p += len;
      continue;
    }
    let r = -1;
    for (let q = p + HDR_SIZE; q + HDR_SIZE <= size; q++) {
      if (!plausibleAt(v, q, size, le)) continue;
      const next = q + v.getUint32(q + 4, le);
      if (next === size || plausibleAt(v, next, size, le)) {
        r = q;
        break;
      }
    }
    if (r < 0) break;
    p = r;
  }
  return out;
}
