// repairsFor(image, diagnostics): for each diagnostic whose bytes determine a consistent repair,
// the bytes to write and why (docs/diagnostics.md lists per code whether and how). planFix applies
// the unambiguous ones pass by pass, re-validating after each, as `ckpt-inspect fix` and the
// editor's "Fix All Unambiguous" do.
import { openImage } from '../image.js';
import type { Diagnostic, Image } from '../model.js';
import { validate } from '../validate/index.js';
import { makeCtx, type Ctx } from './context.js';
import { lenChoice, looksMisframed, prevLenChoice, tailChoice, typeChoice } from './framing.js';
import { headerRepair, recordFieldRepair } from './header.js';
import { ldiscRepair } from './ldisc.js';
import { fdRepair, fileRepair, objrefValueRepair, objtypeRepair, refRepair } from './refs.js';
import { linkRepair, ttyRepair } from './tty.js';
import { type Repair, several, single } from './types.js';
import { applyChoice, errorCounts } from './verify.js';

export type { ByteWrite, Repair, RepairChoice } from './types.js';
export { applyChoice } from './verify.js';

/** Diagnostics looked at for repairs; a damaged image can have a hundred thousand of one kind. */
const MAX_DIAGNOSTICS = 2000;

const LEN_CODES = new Set(['HDR_LEN', 'OBJREF_LEN', 'TTY_LEN', 'LDISC_LEN', 'FILE_TABLE_LEN', 'FILE_DESC_LEN', 'SIGNAL_LEN', 'TAIL_LEN', 'REC_LEN_SHORT', 'REC_TRUNCATED', 'REC_RESYNC']);
const HEADER_CODES = new Set(['HDR_MAGIC', 'TAIL_MAGIC', 'HDR_CONST', 'HDR_ARCH_ID', 'HDR_REV', 'HDR_UFLAGS', 'HDR_FIRST', 'TREE_PIDS']);
const TTY_CODES = new Set(['TTY_DRIVER_TYPE', 'TTY_LDISC_NUM', 'TTY_C_LINE', 'TTY_DRIVER_SUBTYPE', 'TTY_LINK_OBJREF', 'TTY_FILE_OBJREF', 'TTY_FLAGS_BAD', 'TTY_HUPPED_MASTER', 'TTY_LDISC_AFTER_HUP', 'TTY_LDISC_MISSING', 'TTY_LDISC_FLAGS', 'TTY_FLAGS_UNKNOWN', 'PAIR_INDEX']);
const LDISC_CODES = new Set(['LDISC_BUFFER_LEN', 'LDISC_BUFFER_UNEXPECTED', 'LDISC_DATALEN', 'LDISC_BUFFER_MISSING', 'LDISC_BOOL', 'LDISC_ICANON_TERMIOS', 'LDISC_READ_FLAGS_RAW', 'LDISC_CANON_DATA', 'LDISC_CANON_DATALEN', 'LDISC_CANON_DATALEN_RANGE']);

function lenRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const last = img.index.count - 1;
  if (d.code === 'REC_TRUNCATED' && d.record === last) {
    const t = tailChoice(img);
    if (t) return t.sure ? single(d, t.choice) : several(d, [t.choice], t.why ?? '');
  }
  if (d.record === undefined) return null;
  const i = d.record;
  const garbage = (d.code === 'REC_LEN_SHORT' || d.code === 'REC_TRUNCATED' || d.code === 'REC_RESYNC') && looksMisframed(img, i);
  const c = garbage ? prevLenChoice(img, i) : lenChoice(img, i) ?? (d.code.startsWith('REC_') ? prevLenChoice(img, i) : null);
  return c ? single(d, c) : null;
}

function pairRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  if (d.record === undefined) return null;
  const t = ctx.ttyOfRecord(d.record);
  if (!t) return null;
  if (d.code === 'PAIR_SHARED_MASTER') return t.role === 'slave' ? linkRepair(ctx, d, t) : null;
  // PAIR_NO_SLAVE, at the master: the slave of its index whose link is broken.
  for (const s of img.ttys) {
    if (s.role !== 'slave' || s.index.value !== t.index.value) continue;
    const r = linkRepair(ctx, d, s);
    if (r && r.unambiguous && r.choices[0].newValue === String(t.objref)) return r;
  }
  return null;
}

function repairOne(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const c = d.code;
  if (LEN_CODES.has(c)) return lenRepair(ctx, d);
  if (c === 'HDR_UTS_BUFFER' || c === 'HDR_ARCH_RECORD') return recordFieldRepair(ctx, d);
  if (HEADER_CODES.has(c)) return headerRepair(ctx, d);
  if (TTY_CODES.has(c)) return ttyRepair(ctx, d);
  if (LDISC_CODES.has(c)) return ldiscRepair(ctx, d);
  switch (c) {
    case 'REC_HDR_TRUNCATED':
    case 'TAIL_MISSING': {
      if (c === 'TAIL_MISSING' && d.record !== undefined) {
        const tc = typeChoice(img, d.record);
        if (tc) return single(d, tc);
      }
      const t = tailChoice(img);
      if (!t) return null;
      return t.sure ? single(d, t.choice) : several(d, [t.choice], t.why ?? '');
    }
    case 'REC_UNKNOWN_TYPE': {
      const tc = d.record !== undefined ? typeChoice(img, d.record) : null;
      return tc ? single(d, tc) : null;
    }
    case 'TAIL_NOT_LAST': {
      // A record whose type was damaged into TAIL, inside the stream.
      const tc = d.record !== undefined ? typeChoice(img, d.record - 1) : null;
      return tc ? single(d, tc) : null;
    }
    case 'LDISC_ORPHAN': {
      if (d.record === undefined) return null;
      const tc = typeChoice(img, d.record - 1) ?? typeChoice(img, d.record);
      return tc ? single(d, tc) : null;
    }
    case 'REF_DANGLING':
    case 'REF_WRONG_TYPE':
    case 'REF_FORWARD':
      return refRepair(ctx, d);
    case 'PAIR_SHARED_MASTER':
    case 'PAIR_NO_SLAVE':
      return pairRepair(ctx, d);
    case 'OBJREF_INVALID':
    case 'OBJREF_DUPLICATE':
      return objrefValueRepair(ctx, d);
    case 'OBJREF_TYPE':
    case 'OBJREF_NO_OBJECT':
    case 'OBJ_WITHOUT_OBJREF':
      return objtypeRepair(ctx, d);
    case 'FILE_TYPE':
    case 'FILE_LEN':
    case 'FILE_TTY_OBJREF':
      return fileRepair(ctx, d);
    case 'FILE_DESC_FD':
    case 'FILE_DESC_CLOEXEC':
      return fdRepair(ctx, d);
    default:
      return null;
  }
}

/** The repairs the diagnostics of this image carry, one per diagnostic that has one. */
export function repairsFor(img: Image, diags: Diagnostic[]): Repair[] {
  const ctx = makeCtx(img, diags);
  const out: Repair[] = [];
  for (const d of diags.slice(0, MAX_DIAGNOSTICS)) {
    let r: Repair | null = null;
    try {
      r = repairOne(ctx, d);
    } catch (e) {
      // A rule that cannot read what it expects (a record cut short) offers nothing.
      if (!(e instanceof RangeError)) throw e;
    }
    if (r && r.choices.length) out.push(r);
  }
  return out;
}

export function repairKey(r: { code: string; offset: number }): string {
  return `${r.code}@${r.offset}`;
}

export interface AppliedRepair {
  repair: Repair;
  pass: number;
}

export interface FixPlan {
  bytes: Uint8Array;
  before: Diagnostic[];
  after: Diagnostic[];
  /** Unambiguous repairs applied, in order (offsets refer to the image of their pass). */
  applied: AppliedRepair[];
  /** Repairs of the result that need a person's choice. */
  ambiguous: Repair[];
  /** Unambiguous repairs that did not make the image better, so were not kept. */
  rejected: Repair[];
}

const MAX_PASSES = 64;

function writesOverlap(a: Repair, b: Repair): boolean {
  for (const x of a.choices[0].writes) {
    for (const y of b.choices[0].writes) {
      const xe = x.offset + Math.max(1, x.old.length / 2);
      const ye = y.offset + Math.max(1, y.old.length / 2);
      if (x.offset < ye && y.offset < xe) return true;
    }
  }
  return false;
}

function isFraming(r: Repair): boolean {
  const f = r.choices[0].field;
  return f === 'len' || f === 'type' || f === 'TAIL';
}

/** Repairs of what objects are (their OBJREF) go before repairs of what refers to them. */
function definesObject(r: Repair): boolean {
  const f = r.choices[0].field;
  return f === 'objtype' || f === 'objref' || f === 'driver_subtype';
}

interface Measure {
  errors: Map<string, number>;
  warnings: Map<string, number>;
}

function measure(diags: Diagnostic[]): Measure {
  const warnings = new Map<string, number>();
  for (const d of diags) if (d.severity === 'warning') warnings.set(d.code, (warnings.get(d.code) ?? 0) + 1);
  return { errors: errorCounts(diags), warnings };
}

function total(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function noneGrew(before: Map<string, number>, after: Map<string, number>): boolean {
  for (const [k, v] of after) if (v > (before.get(k) ?? 0)) return false;
  return true;
}

/**
 * No kind of error grows and there are fewer errors; or, errors unchanged, fewer warnings and none
 * of a new kind. (An image whose framing is repaired is decoded further and may show warnings its
 * broken form hid: with fewer errors, that is allowed.)
 */
function better(a: Measure, b: Measure): boolean {
  if (!noneGrew(a.errors, b.errors)) return false;
  if (total(b.errors) < total(a.errors)) return true;
  return total(b.errors) === total(a.errors) && total(b.warnings) < total(a.warnings) && noneGrew(a.warnings, b.warnings);
}

/**
 * Apply the unambiguous repairs until none is left: a framing repair alone in its pass (it moves
 * what every later diagnostic is about), field repairs together when their bytes do not overlap.
 * A pass that does not make the image better is undone repair by repair.
 */
export function planFix(input: Uint8Array, only?: ReadonlySet<string>): FixPlan {
  let bytes = input;
  let img = openImage(bytes);
  let diags = validate(img);
  const before = diags;
  const applied: AppliedRepair[] = [];
  const rejected: Repair[] = [];
  const refused = new Set<string>();
  const wanted = (r: Repair) => (!only || only.has(r.code)) && !refused.has(`${repairKey(r)}=${r.choices[0].newValue}`);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const reps = repairsFor(img, diags).filter((r) => r.unambiguous && r.choices[0].writes.length > 0 && wanted(r));
    if (reps.length === 0) break;
    const framing = reps.filter(isFraming).sort((a, b) => a.choices[0].offset - b.choices[0].offset);
    let batch: Repair[];
    if (framing.length) batch = [framing[0]];
    else {
      batch = [];
      const objects = reps.filter(definesObject);
      for (const r of objects.length ? objects : reps) if (!batch.some((b) => writesOverlap(b, r))) batch.push(r);
    }
    const m0 = measure(diags);
    const tryApply = (set: Repair[]): { bytes: Uint8Array; img: Image; diags: Diagnostic[] } | null => {
      let b = bytes;
      for (const r of set.slice().sort((x, y) => y.choices[0].offset - x.choices[0].offset)) b = applyChoice(b, r.choices[0]);
      const i2 = openImage(b);
      const d2 = validate(i2);
      return better(m0, measure(d2)) ? { bytes: b, img: i2, diags: d2 } : null;
    };
    let next = tryApply(batch);
    let kept = batch;
    if (!next) {
      kept = [];
      for (const r of batch) {
        const one = tryApply([r]);
        if (one && !next) {
          next = one;
          kept = [r];
        } else if (!one) {
          rejected.push(r);
          refused.add(`${repairKey(r)}=${r.choices[0].newValue}`);
        }
      }
    }
    if (!next) continue;
    for (const r of kept) applied.push({ repair: r, pass });
    ({ bytes, img, diags } = next);
  }
  const ambiguous = repairsFor(img, diags).filter((r) => (!r.unambiguous || refused.has(`${repairKey(r)}=${r.choices[0].newValue}`)) && (!only || only.has(r.code)));
  return { bytes, before, after: diags, applied, ambiguous, rejected };
}
