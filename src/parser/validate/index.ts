// validate(image): every check the v18 restart makes, and what it misses. Rules live in one module
// per record family; each diagnostic has a stable code (docs/diagnostics.md).
import type { Diagnostic, Image } from '../model.js';
import { checkFiles } from './files.js';
import { checkLdiscs } from './ldisc.js';
import { checkObjrefs } from './objrefs.js';
import { checkHeader, checkStream } from './stream.js';
import { checkTtys } from './tty.js';

export { analyseCanon } from './ldisc.js';

export function validate(img: Image): Diagnostic[] {
  const out: Diagnostic[] = [...img.parseDiagnostics];
  const sink = (d: Diagnostic) => out.push(d);
  checkHeader(img, sink);
  checkStream(img, sink);
  if (img.decoded) {
    checkObjrefs(img, sink);
    checkTtys(img, sink);
    checkLdiscs(img, sink);
    checkFiles(img, sink);
  }
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => a.offset - b.offset || rank[a.severity] - rank[b.severity]);
}

export function errorCount(diags: Diagnostic[]): number {
  return diags.filter((d) => d.severity === 'error').length;
}

/**
 * At most `perCode` diagnostics of each code, in order, and how many of each were left out: a
 * damaged image can repeat one problem a hundred thousand times, which helps nobody in a report.
 */
export function limitDiagnostics(diags: Diagnostic[], perCode: number): { shown: Diagnostic[]; omitted: Record<string, number> } {
  const count = new Map<string, number>();
  const shown: Diagnostic[] = [];
  const omitted: Record<string, number> = {};
  for (const d of diags) {
    const n = (count.get(d.code) ?? 0) + 1;
    count.set(d.code, n);
    if (n <= perCode) shown.push(d);
    else omitted[d.code] = (omitted[d.code] ?? 0) + 1;
  }
  return { shown, omitted };
}
