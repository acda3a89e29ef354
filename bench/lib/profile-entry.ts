// Entry for profiling parse+validate with readable line numbers: bundled (unminified) by
// `node --import tsx bench/lib/profile.ts FILE` and run under --cpu-prof.
import { readFileSync } from 'node:fs';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';

const b = readFileSync(process.argv[2]);
const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const runs = Number(process.argv[3] ?? 5);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const img = openImage(bytes);
  const t1 = performance.now();
  const d = validate(img);
  const t2 = performance.now();
  process.stdout.write(`openImage ${(t1 - t0).toFixed(1)} ms, validate ${(t2 - t1).toFixed(1)} ms, ${img.index.count} records, ${d.length} diagnostics\n`);
}
