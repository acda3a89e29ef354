// npm run fuzz -- --seconds N [--jobs J] [--seed S] [--no-cli] [--no-coverage] [--hang-seconds H]
//                 [--modes images,names,encode]
//
// Structure-aware, coverage-guided mutation fuzzer over the parser (openImage), the validator, the
// JSON and text reports, the encoder round trip and (for a sample of inputs) the built CLI: the
// images mode. Two more modes run the built CLI on hostile operands (issue 11), with the seeds in
// test/fuzz/seeds/: the names mode (hostile file names for files of every kind, as inputs and -o
// targets; lib/names-mode.ts) and the encode mode (hostile JSON for encode; lib/encode-mode.ts).
// The time is shared: half for the images mode, a quarter for each CLI mode.
// Seeds: ../shared/golden/*.ckpt when present, the C generator's `cases` (test/gen/ckpt-gen.c,
// compiled into a temp dir), and a few built-in images. Workers run in child processes so that
// a hang is caught by a watchdog; every finding is saved, minimised, under
// test-output/fuzz-crashes/. Exit status: 0 no finding, 1 findings, 2 usage.
import { fork, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePair } from '../lib/image-writer.js';
import { Coverage } from './lib/coverage.js';
import { amplify, MAX_INPUT, mutate, Rng } from './lib/mutate.js';
import { checkCli, checkInput, Finding, loadEncoder, REPO } from './lib/oracle.js';
import { minimise } from './lib/minimise.js';
import { hostileBuffer } from '../fixtures/hostile-buffer.gen.js';
import { memoryProbe, shortRecordSpam } from './lib/memprobe.js';
import { concat, walk } from './lib/records.js';
import { T } from '../../src/parser/layout.js';
import { scalingProbe } from './lib/scaling.js';
import { CLI } from './lib/cli-run.js';
import { encodeMode, namesMode } from './lib/cli-modes.js';

interface Opts {
  seconds: number;
  jobs: number;
  seed: number;
  cli: boolean;
  coverage: boolean;
  hangSeconds: number;
  out: string;
  worker: boolean;
  workDir: string;
  modes: Set<Mode>;
}

const MODES = ['images', 'names', 'encode'] as const;
type Mode = (typeof MODES)[number];
/** Shares of --seconds: the images mode is fast in-process work, the CLI modes start node per run. */
const WEIGHT: Record<Mode, number> = { images: 2, names: 1, encode: 1 };

function parseArgs(argv: string[]): Opts {
  const o: Opts = {
    seconds: 60,
    jobs: 1,
    seed: Date.now() >>> 0,
    cli: true,
    coverage: true,
    hangSeconds: 60,
    out: join(REPO, 'test-output/fuzz-crashes'),
    worker: false,
    workDir: '',
    modes: new Set(MODES),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') o.seconds = Number(val());
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--seed') o.seed = Number(val()) >>> 0;
    else if (a === '--no-cli') o.cli = false;
    else if (a === '--no-coverage') o.coverage = false;
    else if (a === '--hang-seconds') o.hangSeconds = Number(val());
    else if (a === '--out') o.out = val();
    else if (a === '--worker') o.worker = true;
    else if (a === '--work-dir') o.workDir = val();
    else if (a === '--modes') {
      const m = val().split(',').filter(Boolean);
      for (const x of m) if (!(MODES as readonly string[]).includes(x)) usage(`--modes: ${x} is not one of ${MODES.join(', ')}`);
      o.modes = new Set(m as Mode[]);
    }
    else if (a === '--') continue;
    else usage(`unknown option ${a}`);
  }
  if (!(o.seconds > 0) || !(o.jobs >= 1)) usage('--seconds and --jobs must be positive');
  return o;
}

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- --seconds N [--jobs J] [--seed S] [--no-cli] [--no-coverage] [--hang-seconds H] [--out DIR] [--modes images,names,encode]\n`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------ seeds

function goldenSeeds(): Uint8Array[] {
  const dir = join(REPO, '../shared/golden');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.ckpt')).map((n) => new Uint8Array(readFileSync(join(dir, n))));
}

/** Compile the C generator and write its cases into `dir`; returns the seeds (or [] when unavailable). */
function generatorSeeds(dir: string): { seeds: Uint8Array[]; note: string } {
  const src = join(REPO, 'test/gen/ckpt-gen.c');
  if (!existsSync(src)) return { seeds: [], note: 'test/gen/ckpt-gen.c absent' };
  const bin = join(dir, 'ckpt-gen');
  const cc = spawnSync('gcc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (cc.status !== 0) return { seeds: [], note: `ckpt-gen does not compile: ${cc.stderr.split('\n')[0]}` };
  const cases = join(dir, 'cases');
  const r = spawnSync(bin, ['cases', cases], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(cases)) return { seeds: [], note: `ckpt-gen cases failed: ${r.stderr.trim()}` };
  const seeds = readdirSync(cases).filter((n) => n.endsWith('.ckpt')).sort().map((n) => new Uint8Array(readFileSync(join(cases, n))));
  return { seeds, note: `${seeds.length} generator cases` };
}

function builtinSeeds(): Uint8Array[] {
  const hdrOnly = samplePair().slice(0, 72);
  return [samplePair(), hostileBuffer(), hdrOnly, new Uint8Array(0), new Uint8Array(64), terminalAttack(), ...shortRecordSpam(512)];
}

/** An ERROR record whose text tries the terminal: title, clear screen, a forged summary line, bidi. */
function terminalAttack(): Uint8Array {
  const base = samplePair();
  const w = walk(base);
  const tail = (w.recs[w.recs.length - 1] as { off: number }).off;
  const text = new TextEncoder().encode('\x1b]0;pwned\x07\x1b[2J\n0 error(s), 0 warning(s)\n\u202e\u009b31m\xff');
  const rec = (type: number, payload: Uint8Array) => {
    const r = new Uint8Array(8 + payload.length);
    new DataView(r.buffer).setUint32(0, type, true);
    new DataView(r.buffer).setUint32(4, r.length, true);
    r.set(payload, 8);
    return r;
  };
  return concat([base.subarray(0, tail), rec(T.ERROR, new Uint8Array(0)), rec(T.STRING, Uint8Array.from([0, ...text, 0])), base.subarray(tail)]);
}

// ----------------------------------------------------------------------------------------- worker

interface WorkerMsg {
  type: 'stats' | 'finding' | 'done';
  execs?: number;
  corpus?: number;
  features?: number;
  cliRuns?: number;
  finding?: Finding & { input: string; minimised: string; ops: string[] };
}

async function worker(o: Opts): Promise<void> {
  const send = (m: WorkerMsg) => process.send?.(m);
  const seedDir = o.workDir;
  const seeds = [...goldenSeeds(), ...builtinSeeds()];
  const gen = join(seedDir, 'cases');
  if (existsSync(gen)) for (const n of readdirSync(gen).filter((x) => x.endsWith('.ckpt')).sort()) seeds.push(new Uint8Array(readFileSync(join(gen, n))));
  await loadEncoder();
  const rng = new Rng(o.seed);
  const cov = o.coverage ? new Coverage((u) => u.includes('/src/parser/')) : null;
  const corpus: Uint8Array[] = [];
  const seenKeys = new Set<string>();
  // The input under test, for the parent's watchdog (one fd kept open: open() is slow here).
  const currentFd = openSync(join(seedDir, `current-${process.pid}.bin`), 'w');
  let execs = 0;
  let cliRuns = 0;
  let lastStats = 0;
  let nextCli = 0;
  const deadline = Date.now() + o.seconds * 1000;

  const report = (bytes: Uint8Array, f: Finding, ops: string[]) => {
    if (seenKeys.has(f.key)) return;
    seenKeys.add(f.key);
    let small = bytes;
    if (f.kind !== 'slow' && f.kind !== 'memory' && f.kind !== 'cli') {
      small = minimise(bytes, (b) => checkInput(b).findings.some((x) => x.key === f.key), 3000);
    }
    send({ type: 'finding', finding: { ...f, input: Buffer.from(bytes).toString('base64'), minimised: Buffer.from(small).toString('base64'), ops } });
  };

  const run = (bytes: Uint8Array, ops: string[], keep: boolean) => {
    ftruncateSync(currentFd, 0);
    writeSync(currentFd, bytes, 0, bytes.length, 0);
    cov?.reset();
    const out = checkInput(bytes);
    execs++;
    for (const f of out.findings) {
      if (f.kind === 'slow' && out.ms < 5 * (100 + 1000 * (bytes.length / 2 ** 20))) {
        // Confirm (GC pauses, JIT, a loaded CI machine): only an input that is slow on three more
        // tries is a finding; a real superlinear path is slow every time.
        let confirmed = true;
        for (let k = 0; k < 3 && confirmed; k++) confirmed = checkInput(bytes).findings.some((x) => x.kind === 'slow');
        if (!confirmed) continue;
      }
      report(bytes, f, ops);
    }
    const c = cov ? cov.collect() : { fresh: 0 };
    if (keep && bytes.length <= 64 << 10 && (c.fresh > 0 || corpus.length < 16) && corpus.length < 20000) corpus.push(bytes);
    const now = Date.now();
    if (o.cli && now >= nextCli) {
      const f = join(seedDir, `cli-${process.pid}.ckpt`);
      writeFileSync(f, bytes);
      cliRuns++;
      for (const x of checkCli(f, bytes.length, out.diags ? out.errors : null)) report(bytes, x, ops);
      // The CLI sample takes at most ~10% of the time (two node start-ups per sample).
      const took = Date.now() - now;
      nextCli = Date.now() + Math.max(1500, 9 * took);
    }
    if (now - lastStats > 250) {
      lastStats = now;
      send({ type: 'stats', execs, corpus: corpus.length, features: cov?.total ?? 0, cliRuns });
    }
  };

  for (const s of seeds) {
    run(s, ['seed'], true);
    await new Promise((r) => setImmediate(r));
  }
  if (!corpus.length) corpus.push(...seeds);
  let lastYield = Date.now();
  while (Date.now() < deadline) {
    // Let the event loop run now and then: IPC messages (stats, findings with their inputs) are
    // only flushed from it once the pipe is full, and the parent's watchdog lives on them.
    if (Date.now() - lastYield > 100) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
    const base = corpus[rng.int(corpus.length)];
    if (rng.chance(0.003)) {
      const big = amplify(base, rng, { other: () => corpus[rng.int(corpus.length)] });
      if (big) run(big, ['amplify'], false);
      continue;
    }
    const m = mutate(base, rng, { other: () => corpus[rng.int(corpus.length)] });
    if (m.bytes.length > MAX_INPUT) continue;
    run(m.bytes, m.ops, true);
  }
  send({ type: 'stats', execs, corpus: corpus.length, features: cov?.total ?? 0, cliRuns });
  // The last message is sent with a callback so that everything queued before it is flushed.
  await new Promise<void>((r) => (process.send ? process.send({ type: 'done' }, undefined, {}, () => r()) : r()));
}

// ------------------------------------------------------------------------------------------ parent

/** CPU seconds (user + system) a process has used, from /proc; 0 when unavailable. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

interface Saved {
  finding: Finding;
  file: string;
  count: number;
}

async function parent(o: Opts): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'ckpt-fuzz-'));
  const gen = generatorSeeds(work);
  const golden = goldenSeeds().length;
  const enc = await loadEncoder();
  process.stdout.write(`fuzz: ${o.seconds}s, ${o.jobs} job(s), seed ${o.seed}; seeds: ${golden} golden, ${gen.note}, ${builtinSeeds().length} built-in\n`);
  process.stdout.write(`fuzz: round-trip property ${enc ? 'on (src/parser/encode.ts encodeImage)' : 'skipped: src/parser/encode.ts has no encodeImage'}; CLI ${o.cli && existsSync(join(REPO, 'bin/ckpt-inspect.js')) ? 'sampled' : 'skipped'}\n`);
  mkdirSync(o.out, { recursive: true });
  const saved = new Map<string, Saved>();
  const save = (f: Finding, input: Uint8Array, minimised: Uint8Array, ops: string[], ext = 'ckpt') => {
    const prev = saved.get(f.key);
    if (prev) {
      prev.count++;
      return;
    }
    const h = createHash('sha1').update(f.key).digest('hex').slice(0, 10);
    const base = join(o.out, `${f.kind}-${h}`);
    writeFileSync(`${base}.${ext}`, input);
    if (minimised.length !== input.length) writeFileSync(`${base}.min.${ext}`, minimised);
    writeFileSync(`${base}.txt`, `${f.key}\n\n${f.detail}\n\nmutations: ${ops.join(' ')}\nsize ${input.length}, minimised ${minimised.length}\n`);
    saved.set(f.key, { finding: f, file: `${base}.${ext}`, count: 1 });
    process.stdout.write(`  NEW ${f.kind}: ${f.key}\n    -> ${base}.${ext} (${input.length} bytes, minimised ${minimised.length})\n`);
  };

  const images = o.modes.has('images');
  // Memory property, measured in a child with a small heap: small files claiming huge lens.
  const mem = images ? await memoryProbe(work) : null;
  if (mem) {
  process.stdout.write(`fuzz: memory probe: ${mem.inputs} small inputs claiming huge lens/counts; peak RSS ${(mem.peakRss / 2 ** 20).toFixed(0)} MiB vs ${(mem.baselineRss / 2 ** 20).toFixed(0)} MiB baseline${mem.ok ? '' : ' — FAIL'}\n`);
  if (!mem.ok) save({ kind: 'memory', key: 'memory:probe', detail: mem.detail }, mem.worst ?? new Uint8Array(0), mem.worst ?? new Uint8Array(0), ['memprobe']);

  // Linear-time property, probed with structural patterns at n and 4n copies.
  const sc = scalingProbe();
  for (const r of sc.results) process.stdout.write(`fuzz: scaling: ${r.pattern}: ${r.msPerMiB[0].toFixed(0)} -> ${r.msPerMiB[1] === null || r.growth === null ? 'not measured' : `${r.msPerMiB[1].toFixed(0)} ms/MiB (x${r.growth.toFixed(1)} for x4 size)`}\n`);
  for (const f of sc.findings) save(f, sc.inputs.get(f.key)!, sc.inputs.get(f.key)!, ['scaling-probe']);
  }

  const stats = new Map<number, { execs: number; corpus: number; features: number; cliRuns: number }>();
  let execsDone = 0;
  let cliDone = 0;
  let hangs = 0;
  const started = Date.now();
  const deadline = started + o.seconds * 1000;

  // The CLI modes first, each for its share of the time; the images mode has what is left.
  const cliBuilt = o.cli && existsSync(CLI);
  const active = MODES.filter((m) => o.modes.has(m) && (m === 'images' || cliBuilt));
  for (const m of MODES) if (o.modes.has(m) && !active.includes(m)) process.stdout.write(`fuzz: ${m} mode skipped: ${o.cli ? 'bin/ckpt-inspect.js is not built' : '--no-cli'}\n`);
  const weights = active.reduce((n, m) => n + WEIGHT[m], 0);
  const shareMs = (m: Mode) => (o.seconds * 1000 * WEIGHT[m]) / weights;
  process.stdout.write(`fuzz: modes: ${active.map((m) => `${m} ${(shareMs(m) / 1000).toFixed(0)} s`).join(', ')}\n`);
  const modeDir = join(work, 'modes');
  mkdirSync(modeDir);
  const modeReport = (f: Finding, repro: Uint8Array, ext: string) => save(f, repro, repro, [f.kind], ext);
  for (const [m, run] of [['names', namesMode], ['encode', encodeMode]] as const) {
    if (!active.includes(m)) continue;
    const before = saved.size;
    const st = run(modeDir, Date.now() + shareMs(m), (o.seed ^ (m === 'names' ? 0x6e616d65 : 0x656e636f)) >>> 0, modeReport);
    process.stdout.write(`fuzz: ${m} mode: ${st.runs} CLI runs (${st.seedRuns} seed cases) in ${(st.ms / 1000).toFixed(0)} s; ${saved.size - before} new finding(s)${st.note}\n`);
    cliDone += st.runs;
  }

  const runWorker = (id: number, seed: number): Promise<void> =>
    new Promise((resolve) => {
      const remaining = Math.max(1, Math.round((deadline - Date.now()) / 1000));
      const args = ['--worker', '--seconds', String(remaining), '--seed', String(seed), '--work-dir', work, ...(o.cli ? [] : ['--no-cli']), ...(o.coverage ? [] : ['--no-coverage'])];
      const child = fork(__filename, args, { execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=2048'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let last = Date.now();
      let lastCpu = cpuSeconds(child.pid);
      let finished = false;
      const dog = setInterval(() => {
        // A hang is hangSeconds of CPU burnt without progress; a worker starved of CPU (shared
        // machine) or waiting on a CLI child is not hung.
        const cpu = cpuSeconds(child.pid) - lastCpu;
        if (Date.now() - last > o.hangSeconds * 1000 && cpu > o.hangSeconds * 0.8 && !finished) {
          finished = true;
          const cur = join(work, `current-${child.pid}.bin`);
          const input = existsSync(cur) ? new Uint8Array(readFileSync(cur)) : new Uint8Array(0);
          hangs++;
          save({ kind: 'hang', key: `hang:${createHash('sha1').update(input).digest('hex').slice(0, 8)}`, detail: `no progress for ${o.hangSeconds}s (${cpu.toFixed(0)} CPU seconds) on a ${input.length}-byte input` }, input, input, ['?']);
          child.kill('SIGKILL');
        }
      }, 1000);
      child.on('message', (m: WorkerMsg) => {
        last = Date.now();
        lastCpu = cpuSeconds(child.pid);
        if (m.type === 'stats') stats.set(id, { execs: m.execs ?? 0, corpus: m.corpus ?? 0, features: m.features ?? 0, cliRuns: m.cliRuns ?? 0 });
        else if (m.type === 'finding' && m.finding) {
          const f = m.finding;
          save({ kind: f.kind, key: f.key, detail: f.detail }, new Uint8Array(Buffer.from(f.input, 'base64')), new Uint8Array(Buffer.from(f.minimised, 'base64')), f.ops);
        } else if (m.type === 'done') finished = true;
      });
      child.on('exit', () => {
        clearInterval(dog);
        const s = stats.get(id);
        if (s) {
          execsDone += s.execs;
          cliDone += s.cliRuns;
          stats.delete(id);
        }
        resolve();
      });
    });

  const loops: Promise<void>[] = [];
  for (let j = 0; images && j < o.jobs; j++) {
    loops.push(
      (async () => {
        let k = 0;
        while (Date.now() < deadline - 1000) await runWorker(j, (o.seed + j * 7919 + k++ * 104729) >>> 0);
      })(),
    );
  }
  const ticker = setInterval(() => {
    let e = execsDone;
    let feats = 0;
    let corp = 0;
    for (const s of stats.values()) {
      e += s.execs;
      feats = Math.max(feats, s.features);
      corp += s.corpus;
    }
    const secs = (Date.now() - started) / 1000;
    process.stdout.write(`  [${secs.toFixed(0)}s] execs ${e} (${(e / secs).toFixed(0)}/s), corpus ${corp}, coverage features ${feats}, findings ${saved.size}\n`);
  }, 15_000);
  await Promise.all(loops);
  clearInterval(ticker);
  rmSync(work, { recursive: true, force: true });

  const byKind = new Map<string, number>();
  for (const s of saved.values()) byKind.set(s.finding.kind, (byKind.get(s.finding.kind) ?? 0) + 1);
  const crashes = byKind.get('crash') ?? 0;
  process.stdout.write(`\nfuzz totals: inputs tried ${execsDone}, CLI runs ${cliDone}, unique crashes ${crashes}, hangs ${hangs}, ` +
    `unique findings ${saved.size}${saved.size ? ` (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}\n`);
  for (const s of saved.values()) process.stdout.write(`  ${s.finding.kind}: ${s.finding.key} (x${s.count}) -> ${s.file}\n    ${s.finding.detail.split('\n')[0]}\n`);
  return saved.size > 0 ? 1 : 0;
}

const opts = parseArgs(process.argv.slice(2));
if (opts.worker) {
  worker(opts).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`fuzz worker failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(3);
    },
  );
} else {
  parent(opts).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`fuzz: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(2);
    },
  );
}
