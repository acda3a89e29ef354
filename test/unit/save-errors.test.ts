// A save that fails for an ordinary reason, made real (issue #11, class 10): a full file system, a
// read-only one, an immutable file, a folder the process may not write. Each through the built CLI
// (set, encode, fix): exit 2, a message naming the file that says what happened in plain words and
// that the file is unchanged, never "internal error"; the original's bytes as they were and no
// temporary file left. The conditions are the kernel's own, on tmpfs mounts of this test's (root:
// CI runs as root), unmounted at the end whatever happens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';
import { record, sampleWith } from '../lib/splice.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root: mounts tmpfs, sets the immutable attribute, drops capabilities';

const top = mkdtempSync(join(tmpdir(), 'ckpt-save-errors-'));
const mounts: string[] = [];

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A tmpfs of `size` mounted at a fresh folder under `top`. */
function tmpfs(name: string, size: string): string {
  const d = join(top, name);
  mkdirSync(d);
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', d]);
  mounts.push(d);
  return d;
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

after(() => {
  for (const d of mounts.reverse()) {
    // An immutable file does not keep a tmpfs from being unmounted; lazily, should a child linger.
    spawnSync('umount', ['-l', d]);
  }
  rmSync(top, { recursive: true, force: true });
});

function cli(args: string[], prefix: string[] = []) {
  const argv = [...prefix, process.execPath, BIN, ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The sample with `extra` bytes more in an unknown record (a warning), and its TAIL magic broken if `damaged` (fix repairs it). */
function image(extra: number, damaged = false): Uint8Array {
  const b = sampleWith(record(9000, new Uint8Array(extra).fill(0x5a)));
  if (damaged) b[b.length - 4] ^= 0xff;
  return b;
}

/** The command failed as a save fails: exit 2, the message, the file byte for byte, the folder as it was. */
function assertNotSaved(r: { code: number | null; out: string; err: string }, file: string, bytes: Uint8Array, reason: RegExp) {
  assert.equal(r.code, 2, r.err);
  const line = r.err.split('\n').find((l) => l.startsWith('ckpt-inspect: ')) ?? '';
  assert.ok(line.startsWith(`ckpt-inspect: ${file}: not written: `), r.err);
  assert.match(line, reason);
  assert.match(line, /; the file is unchanged$/);
  assert.doesNotMatch(r.err, /internal error|Error:|\n {4}at /);
  assert.ok(readFileSync(file).equals(bytes), `${file} changed`);
  const dir = join(file, '..');
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], `a temporary file was left in ${dir}`);
}

test('ENOSPC: an in-place save that does not fit (a 64 KiB tmpfs) says there is no space left; set, encode and fix', { skip }, () => {
  const fs = tmpfs('full', '64k');
  // 40 KiB: the file fits, a second copy beside it does not.
  const f = join(fs, 'img.ckpt');
  const bytes = image(40 << 10);
  writeFileSync(f, bytes);
  const noSpace = /not written: no space left on the device;/;
  assertNotSaved(cli(['set', f, 'ttys[0].winsize.ws_col=99']), f, bytes, noSpace);
  const doc = JSON.parse(cli(['--json', f]).out);
  doc.ttys[0].winsize.ws_col = 98;
  const json = join(top, 'edited.json');
  writeFileSync(json, JSON.stringify(doc));
  assertNotSaved(cli(['encode', json, '-o', f]), f, bytes, noSpace);
  const damaged = image(40 << 10, true);
  writeFileSync(f, damaged);
  assertNotSaved(cli(['fix', f]), f, damaged, noSpace);
});

test('EROFS: a save on a file system mounted read-only says so', { skip }, () => {
  const fs = tmpfs('ro', '1m');
  const f = join(fs, 'img.ckpt');
  const bytes = image(1024, true);
  writeFileSync(f, bytes);
  sh('mount', ['-o', 'remount,ro', fs]);
  const readOnly = /not written: the file system is read-only;/;
  assertNotSaved(cli(['set', f, 'ttys[0].winsize.ws_col=99']), f, bytes, readOnly);
  assertNotSaved(cli(['fix', f]), f, bytes, readOnly);
});

test('EPERM: an immutable file (chattr +i) is not replaced, and the message says what may be why', { skip }, () => {
  const fs = tmpfs('immutable', '1m');
  const f = join(fs, 'img.ckpt');
  const bytes = image(1024, true);
  writeFileSync(f, bytes);
  sh('chattr', ['+i', f]);
  try {
    const notPermitted = /not written: operation not permitted \(the file may be immutable or append-only/;
    assertNotSaved(cli(['set', f, 'ttys[0].winsize.ws_col=99']), f, bytes, notPermitted);
    assertNotSaved(cli(['fix', f]), f, bytes, notPermitted);
  } finally {
    spawnSync('chattr', ['-i', f]);
  }
});

test('EACCES: a folder the process may not write; the message says a save needs the folder writable', { skip }, () => {
  const fs = tmpfs('denied', '1m');
  const d = join(fs, 'theirs');
  mkdirSync(d, { mode: 0o755 });
  const f = join(d, 'img.ckpt');
  const bytes = image(1024, true);
  writeFileSync(f, bytes, { mode: 0o666 });
  // Someone else's folder (uid 65534), and the CLI run as root without the capabilities that
  // override file permissions: the kernel's own permission check, as for any user. (Not a switch to
  // uid 65534: that user may not be able to read the checkout or node, wherever CI clones it.)
  chownSync(d, 65534, 65534);
  const asUser = ['setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner', '--'];
  const denied = /not written: permission denied \(a save needs write permission on the folder/;
  assertNotSaved(cli(['set', f, 'ttys[0].winsize.ws_col=99'], asUser), f, bytes, denied);
  assertNotSaved(cli(['fix', f], asUser), f, bytes, denied);
  // The same command with the capabilities saves: the condition was the folder's permission.
  assert.equal(cli(['fix', f]).code, 0);
});
