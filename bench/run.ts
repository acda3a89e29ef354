// npm run bench [-- --json] [--runs N] [--quick] [--keep] [--save FILE.json]
//
// Every figure is a ratio against a baseline measured in the same run (medians of N >= 5 runs,
// GC between runs, each measurement in its own child process):
//   * parse (openImage) + validate vs fs.readFileSync, for (a) 64 MiB with 1,000 pty pairs among
//     large opaque records and (b) 64 MiB of about one million small records
//     (targets: <= 1.5x, issue 6; <= 2x, issue 2);
//   * peak memory of parse+validate vs file size: peak RSS of a child that reads the file and runs
//     openImage+validate, minus that of a child that only reads it (VmHWM; target <= 2x file size);
//   * growth: shape (b) at 1, 4, 16, 64, 256 MiB, microseconds per MiB at each size and the ratio of
//     the largest to the smallest per-MiB cost (linear: close to 1);
//   * reference: the generated Kaitai parser over the whole stream (parseWholeStream) vs the read.
// Inputs come from the C generator (test/gen/ckpt-gen.c: bench-pairs, bench-small) compiled into a
// temp dir, or from test/lib/image-writer.ts when gcc or the generator is missing; the growth series
// uses the writer's constant-density shape (b) so that every size has the same record mix.
// Extra modules: every other bench/*.mjs and bench/*.ts (editor, restore…) is run with `--json`;
// the JSON it prints (or returns from an exported run()/default function) joins the table.
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { benchPairs, benchSmall, benchSmallDense } from '../test/lib/image-writer.js';
import { normaliseExtra, Figure, runExtra } from './lib/extras.js';

const ROOT = join(__dirname, '..');
const MiB = 2 ** 20;

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const runsIdx = argv.indexOf('--runs');
const RUNS = Math.max(5, runsIdx >= 0 ? Number(argv[runsIdx + 1]) : 5);
const log = (s: string) => {
  if (!json) process.stderr.write(s + '\n');
  else process.stderr.write(s + '\n');
};

// The parser is measured as it ships, bundled by esbuild (dist/cli.js and dist/extension.js are
// bundles): through tsx every cross-module name is a getter call, which cost ~15% on the hot paths.
const CHILD = (() => {
  const out = join(mkdtempSync(join(tmpdir(), 'ckpt-bench-child-')), 'child.mjs');
  buildSync({ entryPoints: [join(ROOT, 'bench/lib/child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  process.on('exit', () => rmSync(dirname(out), { recursive: true, force: true }));
  return out;
})();

function node(args: string[], opts: { timeoutMs?: number; heapMb?: number } = {}): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${opts.heapMb ?? 4096}`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: opts.timeoutMs ?? 600_000,
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.signal ? `killed by ${r.signal}` : `exit ${r.status}`} ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

function child(mode: string, file: string, runs = RUNS, opts: { timeoutMs?: number; heapMb?: number } = {}) {
  return node([CHILD, mode, file, String(runs)], opts);
}

// ---------------------------------------------------------------------------------------- inputs

interface Inputs {
  pairs: string;
  small: string;
  growth: { mib: number; file: string }[];
  source: string;
}

function makeInputs(dir: string): Inputs {
  const src = join(ROOT, 'test/gen/ckpt-gen.c');
  const gen = join(dir, 'ckpt-gen');
  let source = 'test/lib/image-writer.ts (C generator unavailable)';
  const pairs = join(dir, 'pairs-64m.ckpt');
  const small = join(dir, 'small-64m.ckpt');
  let haveGen = false;
  if (existsSync(src)) {
    const cc = spawnSync('gcc', ['-O2', '-o', gen, src], { encoding: 'utf8' });
    haveGen = cc.status === 0;
    if (!haveGen) log(`bench: ckpt-gen does not compile (${cc.error?.message ?? cc.stderr.split('\n')[0]}); using test/lib/image-writer.ts`);
  }
  const bytes = quick ? 16 * MiB : 64 * MiB;
  if (haveGen) {
    const a = spawnSync(gen, ['bench-pairs', pairs, String(bytes)], { encoding: 'utf8' });
    const b = spawnSync(gen, ['bench-small', small, String(bytes)], { encoding: 'utf8' });
    if (a.status === 0 && b.status === 0) source = 'test/gen/ckpt-gen.c bench-pairs / bench-small';
    else haveGen = false;
  }
  if (!haveGen) {
    writeFileSync(pairs, benchPairs(bytes, 1000));
    writeFileSync(small, benchSmall(bytes));
  }
  const sizes = quick ? [1, 4, 16] : [1, 4, 16, 64, 256];
  const growth = sizes.map((mib) => {
    const file = join(dir, `dense-${mib}m.ckpt`);
    writeFileSync(file, benchSmallDense(mib * MiB));
    return { mib, file };
  });
  return { pairs, small, growth, source };
}

// ----------------------------------------------------------------------------------------- figures

interface Result {
  inputs: string;
  runs: number;
  shapes: Record<string, {
    file: string;
    size: number;
    records: number;
    errors: number;
    readMs: number;
    parseValidateMs: number;
    ratio: number;
    kaitaiMs: number | null;
    kaitaiRatio: number | null;
    kaitaiNote?: string;
    kaitaiRuns?: number;
    peakRssExtra: number;
    peakRssRatio: number;
    peakRssTotalRatio: number;
  }>;
  growth: { mib: number; size: number; records: number; parseValidateMs: number; readMs: number; usPerMiB: number }[];
  growthRatio: number;
  extras: { module: string; ok: boolean; figures: Figure[]; error?: string }[];
}

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-'));
  try {
    log(`bench: generating inputs in ${dir}`);
    const inp = makeInputs(dir);
    const res: Result = { inputs: inp.source, runs: RUNS, shapes: {}, growth: [], growthRatio: 0, extras: [] };
    for (const [name, file] of [['a: 1,000 pty pairs among large opaque records', inp.pairs], ['b: ~1M small records', inp.small]] as const) {
      log(`bench: ${name}: timing`);
      const t = child('time', file);
      log(`bench: ${name}: memory`);
      const mr = child('mem-read', file, 1);
      const mp = child('mem-parse', file, 1);
      log(`bench: ${name}: kaitai whole-stream reference`);
      let k: Record<string, unknown> | null = null;
      let kaitaiNote: string | undefined;
      try {
        k = child('kaitai', file, RUNS, { timeoutMs: 900_000, heapMb: 16384 });
      } catch (e) {
        kaitaiNote = String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200);
      }
      const size = t.size as number;
      const extra = (mp.maxRss as number) - (mr.maxRss as number);
      res.shapes[name] = {
        file: basename(file),
        size,
        records: t.records as number,
        errors: t.errors as number,
        readMs: t.readMs as number,
        parseValidateMs: t.workMs as number,
        ratio: (t.workMs as number) / (t.readMs as number),
        kaitaiMs: k ? (k.workMs as number) : null,
        kaitaiRatio: k ? (k.workMs as number) / (k.readMs as number) : null,
        ...(k ? { kaitaiRuns: k.runs as number } : {}),
        ...(kaitaiNote ? { kaitaiNote } : {}),
        peakRssExtra: extra,
        peakRssRatio: extra / size,
        peakRssTotalRatio: ((mp.maxRss as number) - (mr.rssBeforeRead as number)) / size,
      };
    }
    for (const g of inp.growth) {
      log(`bench: growth ${g.mib} MiB`);
      const t = child('time', g.file);
      const size = statSync(g.file).size;
      res.growth.push({ mib: g.mib, size, records: t.records as number, parseValidateMs: t.workMs as number, readMs: t.readMs as number, usPerMiB: ((t.workMs as number) * 1000) / (size / MiB) });
    }
    const per = res.growth.map((g) => g.usPerMiB);
    res.growthRatio = per[per.length - 1] / per[0];

    for (const f of readdirSync(join(ROOT, 'bench')).filter((n) => /\.(mjs|ts)$/.test(n) && n !== 'run.ts' && !n.endsWith('.d.ts')).sort()) {
      log(`bench: extra module bench/${f}`);
      const r = runExtra(join(ROOT, 'bench', f), ROOT);
      res.extras.push(r.ok ? { module: f, ok: true, figures: normaliseExtra(r.value) } : { module: f, ok: false, figures: [], error: r.error });
    }

    const saveIdx = argv.indexOf('--save');
    if (saveIdx >= 0 && argv[saveIdx + 1]) writeFileSync(argv[saveIdx + 1], JSON.stringify(res, null, 2) + '\n');
    if (json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    else process.stdout.write(table(res));
    return 0;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else log(`bench: inputs kept in ${dir}`);
  }
}

const f1 = (n: number, d = 1) => n.toFixed(d);
const verdict = (ratio: number, target: number) => (ratio <= target ? 'ok' : 'MISS');

function table(r: Result): string {
  const rows: string[][] = [['figure', 'value', 'baseline (same run)', 'ratio', 'target', '']];
  for (const [name, s] of Object.entries(r.shapes)) {
    rows.push([`parse+validate, ${name} (${f1(s.size / MiB, 0)} MiB, ${s.records} records, ${s.errors} errors)`, `${f1(s.parseValidateMs)} ms`, `readFileSync ${f1(s.readMs)} ms`, `${f1(s.ratio, 2)}x`, '<= 1.5x (issue 6) / 2x (issue 2)', `${verdict(s.ratio, 1.5)} / ${verdict(s.ratio, 2)}`]);
  }
  for (const [name, s] of Object.entries(r.shapes)) {
    rows.push([`peak RSS of parse+validate beyond the read, ${name}`, `${f1(s.peakRssExtra / MiB)} MiB`, `file ${f1(s.size / MiB)} MiB`, `${f1(s.peakRssRatio, 2)}x`, '<= 2x file size', verdict(s.peakRssRatio, 2)]);
    rows.push([`  (incl. the file buffer itself)`, '', '', `${f1(s.peakRssTotalRatio, 2)}x`, '', '']);
  }
  for (const g of r.growth) {
    rows.push([`growth, shape (b) ${g.mib} MiB (${g.records} records)`, `${f1(g.parseValidateMs)} ms = ${f1(g.usPerMiB, 0)} us/MiB`, `readFileSync ${f1(g.readMs)} ms`, `${f1(g.parseValidateMs / g.readMs, 2)}x`, '', '']);
  }
  rows.push([`growth: per-MiB cost at ${r.growth[r.growth.length - 1]?.mib} MiB / at ${r.growth[0]?.mib} MiB`, '', '', `${f1(r.growthRatio, 2)}x`, 'linear ~ 1x', r.growthRatio <= 1.5 ? 'ok' : 'MISS']);
  for (const [name, s] of Object.entries(r.shapes)) {
    rows.push([`reference: Kaitai parseWholeStream, ${name}`, s.kaitaiMs === null ? `failed: ${s.kaitaiNote}` : `${f1(s.kaitaiMs)} ms${s.kaitaiRuns !== undefined && s.kaitaiRuns < r.runs ? ` (median of ${s.kaitaiRuns}: 150 s cap)` : ''}`, `readFileSync`, s.kaitaiRatio === null ? '-' : `${f1(s.kaitaiRatio, 1)}x`, '(reference)', '']);
  }
  for (const e of r.extras) {
    if (!e.ok) {
      rows.push([`extra bench/${e.module}`, `not run: ${e.error}`, '', '', '', '']);
      continue;
    }
    for (const f of e.figures) {
      rows.push([`${e.module}: ${f.name}`, f.value === undefined ? '' : `${typeof f.value === 'number' ? f1(f.value, 2) : f.value}${f.unit ? ` ${f.unit}` : ''}`, f.baseline === undefined ? '' : String(f.baseline), f.ratio === undefined ? '' : `${f1(f.ratio, 2)}x`, f.target === undefined ? '' : String(f.target), f.ok === undefined ? '' : f.ok ? 'ok' : 'MISS']);
    }
  }
  const w = rows[0].map((_, c) => Math.min(90, Math.max(...rows.map((row) => row[c].length))));
  const line = (row: string[]) => row.map((x, c) => x.padEnd(w[c])).join(' | ').trimEnd();
  const sep = w.map((n) => '-'.repeat(n)).join('-+-');
  return [`Inputs: ${r.inputs}; medians of ${r.runs} runs; every ratio is against a baseline measured in this run.`, '', line(rows[0]), sep, ...rows.slice(1).map(line), ''].join('\n');
}

try {
  process.exit(main());
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
}
