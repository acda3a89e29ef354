// node --import tsx bench/cli.ts [--json] [--runs N] [--mib M] [--before PATH/bin/ckpt-inspect.js]
//
// The whole ckpt-inspect process as a user runs it (node start-up, read, parse, validate, report,
// output to /dev/null) against a node process that only reads the same file, measured in the same
// run and interleaved so that machine load hits both alike; on the two 64 MiB shapes of
// test/gen/ckpt-gen.c (bench-small: ~1M small records; bench-pairs: 1,000 pty pairs among large
// records). Targets (issue 12): text report <= 1.5x, --json <= 3x the read, and peak memory (VmHWM
// of the whole process) <= 2x the file size. With --before, an older build is measured beside.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generator } from '../test/lib/images';

const ROOT = join(__dirname, '..');
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Math.max(3, Number(opt('--runs') ?? 5));
const MIB = Number(opt('--mib') ?? 64);
const BEFORE = opt('--before');
const json = argv.includes('--json');
const log = (s: string) => process.stderr.write(`bench/cli: ${s}\n`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Sample {
  ms: number;
  /** user + system CPU time of the child (stabler than wall time on a shared machine). */
  cpu: number;
  peak: number;
  code: number | null;
}

/** Run node with `args`, stdout to /dev/null; wall time and the child's own VmHWM (written by a preload at exit). */
function run(args: string[], dir: string): Sample {
  const peakFile = join(dir, 'peak');
  rmSync(peakFile, { force: true });
  const preload = join(dir, 'peak.cjs');
  const devnull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', preload, ...args], { stdio: ['ignore', devnull, 'pipe'], env: { ...process.env, CKPT_BENCH_PEAK: peakFile }, maxBuffer: 16 << 20 });
  const ms = performance.now() - t0;
  closeSync(devnull);
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')}: exit ${r.status} ${r.signal ?? ''} ${r.stderr.toString().slice(-500)}`);
  const [peak, cpu] = readFileSync(peakFile, 'utf8').split(' ').map(Number);
  return { ms, cpu: cpu as number, peak: peak as number, code: r.status };
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-cli-'));
  try {
    writeFileSync(
      join(dir, 'peak.cjs'),
      `process.on('exit', () => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); const c = process.cpuUsage(); require('fs').writeFileSync(process.env.CKPT_BENCH_PEAK, Number(m[1]) * 1024 + ' ' + (c.user + c.system) / 1000); });\n`,
    );
    writeFileSync(join(dir, 'read.js'), `require('fs').readFileSync(process.argv[2]);\n`);
    const gen = generator();
    if (!gen) throw new Error('test/gen/ckpt-gen.c does not compile');
    const shapes = [
      ['bench-small', '~1M small records'],
      ['bench-pairs', '1,000 pty pairs'],
    ] as const;
    const figures: Record<string, unknown>[] = [];
    const bins: [string, string][] = [['', join(ROOT, 'bin/ckpt-inspect.js')]];
    if (BEFORE) bins.push([' (before)', BEFORE]);
    for (const [shape, what] of shapes) {
      const file = join(dir, `${shape}.ckpt`);
      const g = spawnSync(gen, [shape, file, `${MIB}M`], { encoding: 'utf8' });
      if (g.status !== 0) throw new Error(`ckpt-gen ${shape}: ${g.stderr}`);
      const size = statSync(file).size;
      const modes: [string, string[], number][] = [
        ['text report', [], 1.5],
        ['--json', ['--json'], 3],
      ];
      const read: Sample[] = [];
      const got = new Map<string, Sample[]>();
      for (let i = 0; i < RUNS; i++) {
        read.push(run([join(dir, 'read.js'), file], dir));
        for (const [tag, bin] of bins) {
          for (const [name, args] of modes) {
            const k = `${name}${tag}`;
            const s = run([bin, ...args, file], dir);
            got.set(k, [...(got.get(k) ?? []), s]);
          }
        }
        log(`${shape} run ${i + 1}/${RUNS}: read ${read[i]?.ms.toFixed(0)} ms, ${[...got].map(([k, v]) => `${k} ${v[i]?.ms.toFixed(0)} ms`).join(', ')}`);
      }
      const readMs = median(read.map((s) => s.ms));
      const readCpu = median(read.map((s) => s.cpu));
      const readPeak = median(read.map((s) => s.peak));
      for (const [tag] of bins) {
        for (const [name, , target] of modes) {
          const k = `${name}${tag}`;
          const ss = got.get(k) ?? [];
          const ms = median(ss.map((s) => s.ms));
          const cpu = median(ss.map((s) => s.cpu));
          const peak = Math.max(...ss.map((s) => s.peak));
          const label = `${shape} (${what}, ${(size / 2 ** 20).toFixed(0)} MiB): ${k}`;
          figures.push({ name: `${label}, whole process`, value: Math.round(ms), unit: 'ms', baseline: `read-only node ${Math.round(readMs)} ms`, ratio: ms / readMs, target });
          // For information: the targets are on the time a user waits (the whole process), and this
          // counts the other threads too (GC, V8's compiler, the read ahead) on another core.
          figures.push({ name: `${label}, CPU time (user+sys, all threads)`, value: Math.round(cpu), unit: 'ms', baseline: `read-only node ${Math.round(readCpu)} ms`, ratio: cpu / readCpu });
          figures.push({ name: `${label}, peak RSS beyond the read-only process / file size`, value: Math.round((peak - readPeak) / 2 ** 20), unit: 'MiB', baseline: `file ${(size / 2 ** 20).toFixed(0)} MiB; read-only node peaks at ${Math.round(readPeak / 2 ** 20)} MiB, this at ${Math.round(peak / 2 ** 20)} MiB`, ratio: (peak - readPeak) / size, target: 2 });
        }
      }
    }
    if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
    else for (const f of figures) process.stdout.write(`${f.name}: ${f.value} ${f.unit} vs ${f.baseline} = ${(f.ratio as number).toFixed(2)}x${f.target === undefined ? '' : ` (target <= ${f.target}x)`}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
