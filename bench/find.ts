// node --import tsx bench/find.ts [--runs N] [--size BYTES]
//
// Find (Ctrl+F in the Hex panel, src/editor/find.ts) over a 64 MiB image with 1,000 pty pairs (the
// C generator's bench-pairs, or test/lib/image-writer.ts without gcc), opened as the editor opens
// it (ByteStore.readFile: its page contents stay on disk and are read by the pass): one full pass
// for a query that is nowhere in the image, hex and case-insensitive text, and the first find of a
// query through EditorSession.find, against reading the file with fs.readFileSync and one
// Buffer.indexOf over it, in the same run. Target: a full pass <= 300 ms.
// Prints a JSON array of figures on stdout; details on stderr.
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Measured as it ships, bundled by esbuild (through tsx every cross-module name is a getter call).
const dir = mkdtempSync(join(tmpdir(), 'ckpt-bench-find-child-'));
try {
  const out = join(dir, 'child.cjs');
  buildSync({ entryPoints: [join(__dirname, 'lib/find-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
  const r = spawnSync(process.execPath, ['--expose-gc', out, ...process.argv.slice(2)], { cwd: join(__dirname, '..'), stdio: ['ignore', 'inherit', 'inherit'] });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
