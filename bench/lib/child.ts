// Benchmark child: one process per measurement, so that timings and peak memory of one shape do
// not leak into another. Prints one JSON line.
//   child.ts time FILE RUNS          medians of readFileSync and of openImage+validate (GC between runs)
//   child.ts kaitai FILE RUNS        medians of readFileSync and of parseWholeStream
//   child.ts mem-read FILE           peak RSS of a process that only reads FILE
//   child.ts mem-parse FILE          peak RSS of one that reads FILE and runs openImage+validate
import { readFileSync } from 'node:fs';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { parseWholeStream } from '../../src/parser/kaitai.js';
import { samplePair } from '../../test/lib/image-writer.js';
import { peakRss } from './peak-rss.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time<T>(f: () => T): { ms: number; v: T } {
  const t0 = process.hrtime.bigint();
  const v = f();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, v };
}

function warm(): void {
  // JIT the parser on a small image first, so run 1 is not all compile time.
  const s = samplePair();
  for (let i = 0; i < 50; i++) validate(openImage(s));
}

const [mode, file, runsArg] = process.argv.slice(2);
const runs = Math.max(1, Number(runsArg ?? 5));
const out: Record<string, unknown> = { mode, file };

if (mode === 'time' || mode === 'kaitai') {
  warm();
  const read: number[] = [];
  const work: number[] = [];
  let records = 0;
  let diags = 0;
  let errors = 0;
  const started = Date.now();
  for (let i = 0; i < runs; i++) {
    // The whole-stream Kaitai reference can take a minute per run on 64 MiB: stop after 150 s.
    if (mode === 'kaitai' && i > 0 && Date.now() - started > 150_000) break;
    gc();
    const r = time(() => readFileSync(file));
    read.push(r.ms);
    const bytes = new Uint8Array(r.v.buffer, r.v.byteOffset, r.v.byteLength);
    gc();
    if (mode === 'time') {
      const w = time(() => {
        const img = openImage(bytes);
        return { img, d: validate(img) };
      });
      work.push(w.ms);
      records = w.v.img.index.count;
      diags = w.v.d.length;
      errors = w.v.d.filter((d) => d.severity === 'error').length;
    } else {
      const w = time(() => parseWholeStream(bytes));
      work.push(w.ms);
      records = w.v;
    }
  }
  Object.assign(out, { size: readFileSync(file).length, runs: work.length, readMs: median(read), workMs: median(work), readAll: read, workAll: work, records, diags, errors });
} else if (mode === 'mem-read' || mode === 'mem-parse') {
  warm();
  gc();
  const before = peakRss();
  const b = readFileSync(file);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let heapPeak = process.memoryUsage().heapUsed;
  if (mode === 'mem-parse') {
    const img = openImage(bytes);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    const d = validate(img);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    out.diags = d.length;
  }
  Object.assign(out, { size: bytes.length, maxRss: peakRss(), rssBeforeRead: before, heapPeak });
} else {
  process.stderr.write(`bench child: unknown mode ${mode}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(out) + '\n');
