// The measuring half of bench/find.ts, run bundled in a child (see there).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteStore } from '../../src/editor/byte-store';
import { findAll, parseFindQuery, type FindPattern } from '../../src/editor/find';
import { EditorSession } from '../../src/editor/session';
import { benchPairs } from '../../test/lib/image-writer';

const ROOT = process.cwd();
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) || def : def;
};
const RUNS = Math.max(5, arg('--runs', 7));
const SIZE = arg('--size', 64 * 2 ** 20);
const TARGET_MS = 300;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const log = (s: string) => process.stderr.write(`${s}\n`);

function makeImage(path: string): string {
  const src = join(ROOT, 'test/gen/ckpt-gen.c');
  if (existsSync(src)) {
    const gen = join(path, '..', 'ckpt-gen');
    try {
      execFileSync('gcc', ['-O2', '-o', gen, src], { stdio: ['ignore', 'ignore', 'inherit'] });
      execFileSync(gen, ['bench-pairs', path, String(SIZE)], { stdio: ['ignore', 'ignore', 'inherit'] });
      return 'test/gen/ckpt-gen.c bench-pairs';
    } catch {
      // the writer below
    }
  }
  writeFileSync(path, benchPairs(SIZE, 1000));
  return 'test/lib/image-writer.ts benchPairs';
}

/** The baseline: the file read whole, one Buffer.indexOf over it (ms), and where it found the pattern. */
function baseline(path: string, needle: Uint8Array): [number, number] {
  gc();
  const t0 = performance.now();
  const b = readFileSync(path);
  const at = b.indexOf(needle);
  return [performance.now() - t0, at];
}

async function pass(store: ByteStore, pat: FindPattern): Promise<[number, number]> {
  gc();
  const t0 = performance.now();
  const r = await findAll(store, pat);
  if (!r.complete) throw new Error('the pass stopped early');
  return [performance.now() - t0, r.offsets.length];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-find-'));
  const figures: Record<string, unknown>[] = [];
  try {
    const file = join(dir, 'pairs-64m.ckpt');
    const source = makeImage(file);
    const store = ByteStore.readFile(file);
    log(`find bench: ${source}, ${store.length} bytes, ${store.bytesOnDisk} of them left on disk by the editor's read; ${RUNS} runs`);
    const hex = parseFindQuery('de ad be ef ca fe ba be', 'hex');
    const text = parseFindQuery('No Such Text In This Image', 'text', false);
    const cases: [string, FindPattern, Uint8Array][] = [
      ['hex query "de ad be ef ca fe ba be" (not in the image)', hex, hex.bytes],
      // The baseline searches the lowered text exactly: Buffer.indexOf has no case folding.
      ['text query, case-insensitive (not in the image)', text, text.bytes],
    ];
    for (const [name, pat, needle] of cases) {
      await pass(store, pat); // warm: the page cache and the code
      baseline(file, needle);
      const ours: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const [ms, n] = await pass(store, pat);
        const [bms, at] = baseline(file, needle);
        if (n !== 0 || at !== -1) throw new Error(`${name}: found (${n} matches, indexOf ${at}); the bench wants a full pass`);
        ours.push(ms);
        base.push(bms);
        log(`${name} run ${i + 1}/${RUNS}: full pass ${ms.toFixed(1)} ms; readFileSync + indexOf ${bms.toFixed(1)} ms`);
      }
      const m = median(ours);
      const b = median(base);
      figures.push({ name: `find: full pass over ${(store.length / 2 ** 20).toFixed(0)} MiB, ${name}`, value: +m.toFixed(1), unit: 'ms', baseline: `readFileSync + Buffer.indexOf ${b.toFixed(1)} ms`, ratio: +(m / b).toFixed(2), target: `<= ${TARGET_MS} ms`, ok: m <= TARGET_MS });
    }

    // The first find of a query as the webview asks it: parse, the pass, the step to the match.
    const session = new EditorSession(store, { fileName: 'pairs-64m.ckpt', filePath: file, maxTtys: 4000 });
    const ms: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      // A query not asked before (the session keeps the matches of the last one).
      const query = `de ad be ef ca fe ba ${(0x10 + i).toString(16)}`;
      gc();
      const t0 = performance.now();
      const r = await session.find({ search: i, query, mode: 'hex', matchCase: true, from: 0, direction: 'next' });
      const t = performance.now() - t0;
      const [bms] = baseline(file, parseFindQuery(query, 'hex').bytes);
      if (r.status !== 'none') throw new Error(`session.find: ${JSON.stringify(r)}`);
      if (i === 0) continue; // warm
      ms.push(t);
      base.push(bms);
    }
    const m = median(ms);
    const b = median(base);
    figures.push({ name: 'find: first find of a query through EditorSession.find (no match: a full pass)', value: +m.toFixed(1), unit: 'ms', baseline: `readFileSync + Buffer.indexOf ${b.toFixed(1)} ms`, ratio: +(m / b).toFixed(2), target: `<= ${TARGET_MS} ms`, ok: m <= TARGET_MS });
    session.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`find bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
