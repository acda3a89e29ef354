// validate(image): every check the v18 restart makes, and what it misses. Rules live in one module
// per record family; each diagnostic has a stable code (docs/diagnostics.md).
import type { Diagnostic, Image } from '../model.js';
import { checkFiles } from './files.js';
import { checkLdiscs } from './ldisc.js';
import { checkObjrefs } from './objrefs.js';
import { checkHeader, checkStream } from './stream.js';
import { checkTtys } from './tty.js';

export { analyseCanon } from './ldisc.js';

/**
 * Diagnostics kept per code: the CLI's --json lists this many, the editor's Problems hold this many,
 * and the rest are only counted. A damaged image can repeat one problem for every 8 bytes; kept,
 * each would cost a few hundred bytes, far more than its record.
 */
export const DIAGNOSTICS_PER_CODE = 1000;

export interface Validation {
  /** The first `perCode` diagnostics of each code found, in offset order. */
  diagnostics: Diagnostic[];
  /** Per code, how many more were found and not kept. */
  omitted: Record<string, number>;
  /** Every error and warning found, kept or not. */
  errors: number;
  warnings: number;
}

/** Every diagnostic (tests, and checks of a bounded set of records). */
export function validate(img: Image): Diagnostic[] {
  return validateBounded(img, Number.POSITIVE_INFINITY).diagnostics;
}

/** validate, keeping at most `perCode` diagnostics of each code and counting all. */
export function validateBounded(img: Image, perCode = DIAGNOSTICS_PER_CODE): Validation {
  const out: Diagnostic[] = [];
  const kept = new Map<string, number>();
  const omitted: Record<string, number> = {};
  let errors = 0;
  let warnings = 0;
  const sink = (d: Diagnostic) => {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    const n = (kept.get(d.code) ?? 0) + 1;
    kept.set(d.code, n);
    if (n <= perCode) out.push(d);
    else omitted[d.code] = (omitted[d.code] ?? 0) + 1;
  };
  for (const d of img.parseDiagnostics) sink(d);
  checkHeader(img, sink);
  checkStream(img, sink);
  if (img.decoded) {
    checkObjrefs(img, sink);
    checkTtys(img, sink);
    checkLdiscs(img, sink);
    checkFiles(img, sink);
  }
  out.sort(diagnosticOrder);
  return { diagnostics: out, omitted, errors, warnings };
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** The order of every list of diagnostics (validate's, and one re-validated after an edit): by offset, the most severe first. */
export function diagnosticOrder(a: Diagnostic, b: Diagnostic): number {
  return a.offset - b.offset || RANK[a.severity] - RANK[b.severity];
}

export function errorCount(diags: Diagnostic[]): number {
  return diags.filter((d) => d.severity === 'error').length;
}

/**
 * At most `perCode` diagnostics of each code, in order, and how many of each were left out: a
 * damaged image can repeat one problem a hundred thousand times, which helps nobody in a report.
 */
export function limitDiagnostics(diags: Diagnostic[], perCode: number, omittedBefore: Record<string, number> = {}): { shown: Diagnostic[]; omitted: Record<string, number> } {
  const count = new Map<string, number>();
  const shown: Diagnostic[] = [];
  const omitted: Record<string, number> = { ...omittedBefore };
  for (const d of diags) {
    const n = (count.get(d.code) ?? 0) + 1;
    count.set(d.code, n);
    if (n <= perCode) shown.push(d);
    else omitted[d.code] = (omitted[d.code] ?? 0) + 1;
  }
  return { shown, omitted };
}
