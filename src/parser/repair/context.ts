// What the repair rules look up about an image: the tty of a record, objects by objref, set bits.
import type { Diagnostic, Image, Tty } from '../model.js';

export interface Ctx {
  img: Image;
  diags: Diagnostic[];
  /** The tty whose TTY, LDISC or BUFFER record is `rec`. */
  ttyOfRecord(rec: number): Tty | undefined;
  /** The tty holding a field at this offset. */
  ttyAtOffset(offset: number): Tty | undefined;
  /** Objrefs every OBJREF introduces, and each master's reserved file_objref. */
  usedIds(): Set<number>;
  /** Candidate repairs still allowed a trial validation of a copy (each costs a whole validation). */
  trials: number;
}

/** Trial validations per repairsFor call: a damaged image with thousands of dangling references stays cheap. */
export const TRIALS = 48;

export function makeCtx(img: Image, diags: Diagnostic[]): Ctx {
  let byRec: Map<number, Tty> | null = null;
  let used: Set<number> | null = null;
  const ttyOfRecord = (rec: number): Tty | undefined => {
    if (!byRec) {
      byRec = new Map();
      for (const t of img.ttys) {
        byRec.set(t.record, t);
        if (t.ldisc) {
          byRec.set(t.ldisc.record, t);
          if (t.ldisc.buffer) byRec.set(t.ldisc.buffer.record, t);
        }
      }
    }
    return byRec.get(rec);
  };
  return {
    img,
    diags,
    trials: TRIALS,
    ttyOfRecord,
    ttyAtOffset(offset) {
      for (const t of img.ttys) {
        if (offset >= t.offset && offset < t.offset + t.len) return t;
        const l = t.ldisc;
        if (l && offset >= l.offset && offset < l.offset + l.len) return t;
      }
      return undefined;
    },
    usedIds() {
      if (!used) {
        used = new Set();
        for (let k = 0; k < img.objrefs.length; k++) used.add(img.objrefs.refs[k]);
        for (const t of img.ttys) if (t.role === 'master' && t.file_objref.value > 0) used.add(t.file_objref.value);
      }
      return used;
    },
  };
}
