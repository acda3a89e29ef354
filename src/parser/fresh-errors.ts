// Which errors an edit introduces: the --force gate of `set` and `encode`. An error is its code and
// its place (field and offset); the image's errors before the edit are carried through the edit's
// splices to where they are after it, so a second error of a code the image already has is new,
// and an old error whose record moved is not.
import type { Splice } from './encode.js';
import type { Diagnostic } from './model.js';
import type { Validation } from './validate/index.js';

/** Where a byte at `off` is after `s`: later bytes move by the splice's growth, bytes it rewrote stay in it. */
export function offsetAfter(off: number, s: Splice): number {
  if (off < s.offset) return off;
  const end = s.offset + s.remove;
  if (off >= end) return off + s.insert.length - s.remove;
  return s.offset + Math.min(off - s.offset, Math.max(0, s.insert.length - 1));
}

const key = (d: Diagnostic, offset: number) => `${d.code}\u0000${d.field}\u0000${offset}`;

/**
 * How many errors `after` has that `before` (the image's validation before the edit) did not, with
 * `splices` the edit's splices in the order they were applied. Of a code validateBounded only
 * counted past its limit, more than before are new.
 */
export function freshErrors(before: Validation, after: Validation, splices: Splice[]): number {
  let n = freshErrorList(before.diagnostics, after.diagnostics, splices).length;
  for (const [code, k] of Object.entries(after.omitted)) n += Math.max(0, k - (before.omitted[code] ?? 0));
  return n;
}

/** The errors of `after` that `before` did not have, compared by code, field and place. */
export function freshErrorList(before: Diagnostic[], after: Diagnostic[], splices: Splice[]): Diagnostic[] {
  const had = new Map<string, number>();
  for (const d of before) {
    if (d.severity !== 'error') continue;
    let off = d.offset;
    for (const s of splices) off = offsetAfter(off, s);
    const k = key(d, off);
    had.set(k, (had.get(k) ?? 0) + 1);
  }
  const fresh: Diagnostic[] = [];
  for (const d of after) {
    if (d.severity !== 'error') continue;
    const k = key(d, d.offset);
    const n = had.get(k) ?? 0;
    if (n > 0) had.set(k, n - 1);
    else fresh.push(d);
  }
  return fresh;
}
