// node --import tsx bench/hostile-open.ts [--runs N]
//
// Opening files that are not (all) images, outside VS Code: what the editor's open path costs
// (ByteStore.readFile + CkptModel) against the former rule measured in the same run (the framing
// walk with the resynchronisation tried at every byte, test/lib/resync-reference.ts, twice: the
// model and openImage each walked the stream).
//   * a 1 GiB sparse file of zeros;
//   * samples/pair.ckpt (2 KB) followed by 256 MiB of zeros.
// Prints a JSON array of figures on stdout; details on stderr.
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Measured as it ships, bundled by esbuild (through tsx every cross-module call is a getter, which
// made the byte-by-byte baseline ~15 times slower than the code it stands for).
const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-hostile-child-'));
try {
  const out = join(dir, 'child.mjs');
  buildSync({ entryPoints: [join(__dirname, 'lib/hostile-child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const r = spawnSync(process.execPath, ['--expose-gc', out, ...process.argv.slice(2)], { cwd: join(__dirname, '..'), stdio: ['ignore', 'inherit', 'inherit'] });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
