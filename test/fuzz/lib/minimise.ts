// Shrink a failing input while `still(bytes)` holds: drop whole records, then chunks of bytes
// (halving), then trailing bytes; then zero bytes that do not matter. Bounded by a time budget.
import { concat, walk } from './records.js';

export function minimise(input: Uint8Array, still: (b: Uint8Array) => boolean, budgetMs = 3000): Uint8Array {
  const end = Date.now() + budgetMs;
  let cur = input;
  const tryIt = (b: Uint8Array): boolean => {
    if (Date.now() > end || b.length >= cur.length && b.every((x, i) => x === cur[i])) return false;
    let ok = false;
    try {
      ok = still(b);
    } catch {
      ok = false;
    }
    if (ok) cur = b;
    return ok;
  };
  // 1. whole records, from the end (later records rarely matter to earlier ones)
  let progress = true;
  while (progress && Date.now() < end) {
    progress = false;
    const w = walk(cur);
    for (let i = w.recs.length - 1; i >= 0 && Date.now() < end; i--) {
      const r = w.recs[i];
      if (tryIt(concat([cur.subarray(0, r.off), cur.subarray(r.off + r.len)]))) {
        progress = true;
        break;
      }
    }
  }
  // 2. byte chunks
  for (let chunk = cur.length >> 1; chunk >= 1 && Date.now() < end; chunk >>= 1) {
    for (let at = 0; at + chunk <= cur.length && Date.now() < end; ) {
      if (!tryIt(concat([cur.subarray(0, at), cur.subarray(at + chunk)]))) at += chunk;
    }
  }
  // 3. zero bytes that do not matter (makes the interesting ones stand out)
  for (let i = 0; i < cur.length && Date.now() < end; i++) {
    if (cur[i] === 0) continue;
    const b = cur.slice();
    b[i] = 0;
    tryIt(b);
  }
  return cur;
}
