// The measuring half of bench/hostile-open.ts, run bundled in a child (see there).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteStore } from '../../src/editor/byte-store';
import { CkptModel } from '../../src/editor/image-model';
import { referenceOffsets } from '../../test/lib/resync-reference';

const ROOT = process.cwd();
const argRuns = process.argv.indexOf('--runs');
const RUNS = Math.max(3, argRuns > 0 ? Number(process.argv[argRuns + 1]) || 3 : 3);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function sparseFile(path: string, head: Uint8Array, size: number): void {
  const fd = openSync(path, 'w');
  writeSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  truncateSync(path, size);
}

/** Now: the editor's open path (ms to read, ms to build the model). */
function openNow(path: string): [number, number] {
  gc();
  const t0 = performance.now();
  const store = ByteStore.readFile(path);
  const t1 = performance.now();
  const m = new CkptModel(store.view, 'x.ckpt', { read: (o, l) => store.read(o, l), ...(store.headOnly ? { size: Number(store.stamp!.size) } : {}) });
  const t2 = performance.now();
  if (m.index.count < 0) throw new Error('unreachable');
  store.dispose();
  return [t1 - t0, t2 - t1];
}

/** Before: the file read whole and walked twice with the byte-by-byte resync (ms to read, ms to walk). */
function openBefore(path: string): [number, number] {
  gc();
  const t0 = performance.now();
  const bytes = new Uint8Array(readFileSync(path));
  const t1 = performance.now();
  referenceOffsets(bytes, true);
  referenceOffsets(bytes, true);
  return [t1 - t0, performance.now() - t1];
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-hostile-'));
  const figures: Record<string, unknown>[] = [];
  try {
    const sample = new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt')));
    const cases: [string, string, Uint8Array, number][] = [
      ['1 GiB sparse file of zeros', join(dir, 'zeros.ckpt'), new Uint8Array(0), 2 ** 30],
      ['2 KB image + 256 MiB of zeros', join(dir, 'tail.ckpt'), sample, sample.length + 2 ** 28],
    ];
    for (const [name, path, head, size] of cases) {
      sparseFile(path, head, size);
      const now: [number, number][] = [];
      const before: [number, number][] = [];
      // Interleaved, so that load on the machine hits both alike.
      for (let i = 0; i < RUNS; i++) {
        now.push(openNow(path));
        before.push(openBefore(path));
        process.stderr.write(`${name} run ${i + 1}/${RUNS}: now read ${now[i][0].toFixed(1)} + model ${now[i][1].toFixed(1)} ms; before read ${before[i][0].toFixed(0)} + two walks ${before[i][1].toFixed(0)} ms\n`);
      }
      const nr = median(now.map((x) => x[0]));
      const nm = median(now.map((x) => x[1]));
      const br = median(before.map((x) => x[0]));
      const bw = median(before.map((x) => x[1]));
      figures.push({ name: `open ${name}: model (one walk, resync skips zeros) vs two byte-by-byte walks`, value: +nm.toFixed(1), unit: 'ms', baseline: `${bw.toFixed(0)} ms`, ratio: +(nm / bw).toFixed(4) });
      figures.push({ name: `open ${name}: the editor's read vs reading it whole`, value: +nr.toFixed(1), unit: 'ms', baseline: `${br.toFixed(0)} ms`, ratio: +(nr / br).toFixed(4) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
