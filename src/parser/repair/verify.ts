// A candidate repair is consistent when the image it makes has fewer errors and none of a new kind.
import { applySplices, type Splice } from '../encode.js';
import { openImage } from '../image.js';
import type { Diagnostic, Image } from '../model.js';
import { fromHex } from '../names.js';
import { validate } from '../validate/index.js';
import type { ByteWrite, RepairChoice } from './types.js';

/** The writes as splices, last offset first so that each offset still refers to the original bytes. */
export function splicesOf(writes: ByteWrite[]): Splice[] {
  return [...writes].sort((a, b) => b.offset - a.offset).map((w) => ({ offset: w.offset, remove: w.old.length / 2, insert: fromHex(w.new) }));
}

/** Apply one choice's writes, refusing when the bytes there are not the ones the repair was made for. */
export function applyChoice(bytes: Uint8Array, choice: RepairChoice): Uint8Array {
  for (const w of choice.writes) {
    const old = fromHex(w.old);
    if (w.offset + old.length > bytes.length) throw new RangeError(`repair of ${choice.field} at ${w.offset} is past the end of the image`);
    for (let k = 0; k < old.length; k++) {
      if (bytes[w.offset + k] !== old[k]) throw new RangeError(`the bytes of ${choice.field} at ${w.offset} have changed since the repair was made`);
    }
  }
  return applySplices(bytes, splicesOf(choice.writes)).bytes;
}

export function errorCounts(diags: Diagnostic[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of diags) if (d.severity === 'error') m.set(d.code, (m.get(d.code) ?? 0) + 1);
  return m;
}

/** Fewer errors in total, and no code with more errors than before. */
export function improves(before: Map<string, number>, after: Map<string, number>): boolean {
  let tb = 0;
  let ta = 0;
  for (const v of before.values()) tb += v;
  for (const [k, v] of after) {
    ta += v;
    if (v > (before.get(k) ?? 0)) return false;
  }
  return ta < tb;
}

/** The choices that make the image better by the measure above (each tried on a copy). */
export function consistent(img: Image, before: Diagnostic[], choices: RepairChoice[]): RepairChoice[] {
  const b = errorCounts(before);
  return choices.filter((c) => {
    try {
      return improves(b, errorCounts(validate(openImage(applyChoice(img.bytes, c)))));
    } catch {
      return false;
    }
  });
}
