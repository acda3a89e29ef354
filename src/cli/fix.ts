// ckpt-inspect fix: apply the repairs the diagnostics carry that are unambiguous, list the ones that
// need a person's choice, re-validate, and write the result atomically (in place or to -o OUT).
import type { Diagnostic } from '../parser/model.js';
import { type FixPlan, planFix, type Repair, type RepairChoice } from '../parser/repair/index.js';
import { escapeText } from '../shared/escape.js';
import { printJson } from './tty-out.js';
import { UsageError, type Command, type OptionValues } from './args.js';
import { nameOf, readInput } from './output.js';
import { saveImage } from './save.js';

export const FIX_FORMAT = 'ckpt-inspect.fix/1';


interface Options {
  file: string;
  out: string | null;
  dryRun: boolean;
  json: boolean;
  only: Set<string> | undefined;
}

function options(v: OptionValues, positionals: string[]): Options {
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'fix takes one FILE' : 'fix needs FILE');
  const codes = ((v.only as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const c of codes) if (!/^[A-Z0-9_]{1,64}$/.test(c)) throw new UsageError(`--only: "${c}" is not a diagnostic code (see docs/diagnostics.md)`);
  return { file: positionals[0] as string, out: typeof v.output === 'string' ? v.output : null, dryRun: !!v['dry-run'], json: !!v.json, only: codes.length ? new Set(codes) : undefined };
}

function count(diags: Diagnostic[]): { errors: number; warnings: number } {
  return { errors: diags.filter((d) => d.severity === 'error').length, warnings: diags.filter((d) => d.severity === 'warning').length };
}

function choiceText(c: RepairChoice): string {
  const writes = c.writes.map((w) => `${w.old || '(nothing)'} -> ${w.new} at ${w.offset}`).join(', ');
  return `${c.field} ${c.oldValue} -> ${c.newValue}${writes ? ` [${writes}]` : ' [no change]'}: ${c.reason}`;
}

function diagJson(d: Diagnostic) {
  return { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, field: d.field, ...(d.record !== undefined ? { record: d.record } : {}) };
}

function repairJson(r: Repair) {
  return { code: r.code, offset: r.offset, field: r.field, unambiguous: r.unambiguous, ...(r.why ? { why: r.why } : {}), choices: r.choices };
}

function report(file: string, plan: FixPlan, written: string | null, o: Options): void {
  const before = count(plan.before);
  const after = count(plan.after);
  const unrepaired = plan.after.filter((d) => d.severity === 'error' && !plan.ambiguous.some((r) => r.code === d.code && r.offset === d.offset));
  if (o.json) {
    printJson({
      format: FIX_FORMAT,
      file,
      dryRun: o.dryRun,
      written,
      before,
      after,
      applied: plan.applied.map((a) => ({ pass: a.pass, ...repairJson(a.repair) })),
      ambiguous: plan.ambiguous.map(repairJson),
      rejected: plan.rejected.map(repairJson),
      remaining: plan.after.filter((d) => d.severity !== 'info').slice(0, 1000).map(diagJson),
    });
    return;
  }
  const lines: string[] = [];
  lines.push(`${file}: ${before.errors} error(s), ${before.warnings} warning(s)`);
  if (plan.applied.length) {
    lines.push(`${o.dryRun ? 'would apply' : 'applied'} ${plan.applied.length} repair(s):`);
    for (const a of plan.applied) lines.push(`  ${a.repair.code} at offset ${a.repair.offset}: ${choiceText(a.repair.choices[0])}`);
  } else lines.push('no unambiguous repair');
  if (plan.ambiguous.length) {
    lines.push(`${plan.ambiguous.length} problem(s) need a choice (apply one with ckpt-inspect set FILE bytes@OFFSET=HEX):`);
    for (const r of plan.ambiguous) {
      lines.push(`  ${r.code} at offset ${r.offset}, field ${r.field}${r.why ? `: ${r.why}` : ''}`);
      r.choices.forEach((c, k) => lines.push(`    ${k + 1}) ${choiceText(c)}${k === 0 && r.choices.length > 1 ? ' (likelier)' : ''}`));
    }
  }
  for (const r of plan.rejected) lines.push(`  not applied (did not make the image better): ${r.code} at offset ${r.offset}: ${choiceText(r.choices[0])}`);
  if (unrepaired.length) {
    lines.push(`${unrepaired.length} error(s) without a repair:`);
    for (const d of unrepaired.slice(0, 50)) lines.push(`  ${d.code} at offset ${d.offset}, field ${d.field}: ${d.message}`);
  }
  lines.push(`result: ${after.errors} error(s), ${after.warnings} warning(s)${written ? `; wrote ${written} (${plan.bytes.length} bytes)` : o.dryRun ? '; dry run, nothing written' : '; nothing written'}`);
  process.stdout.write(lines.map((l) => `${escapeText(l)}\n`).join(''));
}

export const fixCommand: Command = {
  name: 'fix',
  synopsis: ['fix FILE [-o OUT] [--dry-run] [--json] [--only CODE[,CODE…]]...'],
  summary: 'apply the unambiguous repairs the diagnostics carry; list the others',
  description: `Applies the repairs the image's diagnostics carry when the bytes determine them (a datalen against
its BUFFER, a record len against its struct and the records that follow, a magic number, ...),
lists the problems with more than one reading and their choices (the likelier first), re-validates,
and writes the result atomically: in place, or to OUT.`,
  options: {
    output: { type: 'string', short: 'o', arg: 'OUT', help: 'write the repaired image to OUT instead of FILE' },
    'dry-run': { type: 'boolean', help: 'print the plan; write nothing' },
    json: { type: 'boolean', help: 'print the plan as JSON ("format": "ckpt-inspect.fix/1")' },
    only: { type: 'string', multiple: true, arg: 'CODE', help: 'repair only diagnostics of these codes (repeat, or separate with commas)' },
  },
  epilogue: 'Exit status: 0 the result has no errors, 1 errors remain, 2 usage error, unreadable file, or the save failed (the file is left as it was).',
  run: (p) => fixCmd(options(p.values, p.positionals)),
};

async function fixCmd(o: Options): Promise<number> {
  if (o.out === '-') throw new UsageError('fix prints its report on stdout; give -o FILE');
  if (o.file === '-' && o.out === null && !o.dryRun) throw new UsageError('fix - (the standard input) needs -o OUT or --dry-run');
  const bytes = readInput(o.file);
  const plan = planFix(bytes, o.only);
  const target = o.out ?? o.file;
  let written: string | null = null;
  if (!o.dryRun && (plan.applied.length > 0 || o.out)) {
    await saveImage(target, plan.bytes);
    written = nameOf(target, 'out');
  }
  report(nameOf(o.file), plan, written, o);
  return plan.after.some((d) => d.severity === 'error') ? 1 : 0;
}
