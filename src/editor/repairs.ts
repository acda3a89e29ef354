// Quick Fixes: the repair a diagnostic carries (src/parser/repair/) as the byte splices of one
// undoable edit, for the editor's Problems panel, VS Code's Problems view and the commands.
import type { Splice } from '../parser/encode.js';
import { EditError } from '../parser/edit-paths.js';
import { fromHex } from '../parser/names.js';
import { planFix, type Repair, type RepairChoice } from '../parser/repair/index.js';
import { splicesOf } from '../parser/repair/verify.js';
import type { CkptModel } from './image-model.js';

export function findRepair(model: CkptModel, code: string, offset: number): Repair {
  const r = model.repairs().find((x) => x.code === code && x.offset === offset);
  if (!r) throw new EditError(`${code} at offset ${offset} has no repair (the image may have changed)`);
  return r;
}

/** The splices of one choice, after checking that the bytes are still the ones it was made for. */
export function choiceSplices(bytes: Uint8Array, choice: RepairChoice): Splice[] {
  for (const w of choice.writes) {
    const old = fromHex(w.old);
    if (w.offset + old.length > bytes.length || old.some((b, k) => bytes[w.offset + k] !== b)) {
      throw new EditError(`the bytes of ${choice.field} at offset ${w.offset} have changed since the repair was offered`);
    }
  }
  return splicesOf(choice.writes);
}

export function choiceLabel(r: Repair, c: RepairChoice): string {
  return `Fix ${r.code}: ${c.field} ${c.oldValue} → ${c.newValue}`;
}

/** Every unambiguous repair (as `ckpt-inspect fix` applies them) as one splice, or null when there is none. */
export function fixAllSplices(model: CkptModel, before: Uint8Array): { splices: Splice[]; applied: number; ambiguous: number } | null {
  if (model.repairs().length === 0) return null;
  const plan = planFix(before);
  if (plan.applied.length === 0) return { splices: [], applied: 0, ambiguous: plan.ambiguous.length };
  const after = plan.bytes;
  // One splice over the changed span: the common prefix and suffix stay.
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return { splices: [{ offset: p, remove: before.length - p - s, insert: after.slice(p, after.length - s) }], applied: plan.applied.length, ambiguous: plan.ambiguous.length };
}
