// The helper's capture mode run here, without ssh, for what the ssh tests cannot set up: a user
// without ptrace access to the target (uid 65534 against a root process, through setpriv), a pid
// that is not a process, and a process in another devpts instance holding a pty of the target's
// number. The target is test/lib/pty-holder.py.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const SRC = resolve('helper/ckpt-pty-helper.c');
const HOLDER = resolve('test/lib/pty-holder.py');
const OTHER_INSTANCE = resolve('test/lib/pty-other-instance.py');
let dir = '';
let helper = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-capture-helper-'));
  chmodSync(dir, 0o755);
  helper = join(dir, 'ckpt-pty-helper');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', helper, SRC], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('no ptrace access: the capture says so, naming the fd, the pid and what the host allows', async () => {
  assert.equal(process.getuid?.(), 0, 'CI runs as root: the target is root and the helper runs as 65534');
  const child = spawn('python3', [HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const first = JSON.parse((await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value as string) as { pid: number; master_fd: number };
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', helper, 'capture', '--pid', String(first.pid), '--fd', String(first.master_fd)], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`no permission to take fd ${first.master_fd} of pid ${first.pid} \\(pidfd_getfd needs ptrace access to it; (no Yama here|Yama ptrace_scope is \\d)`));
    assert.equal(r.stdout, '');
    const all = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', helper, 'capture', '--pid', String(first.pid)], { encoding: 'utf8' });
    assert.equal(all.status, 3, all.stderr);
    assert.match(all.stderr, /no permission to list the fds of pid \d+|no permission to take fd/);
  } finally {
    child.stdin.end();
    await exited;
  }
});

test('usage: no --pid, a pid that is not a number, an unknown option (exit 2); a pid of no process (exit 3)', () => {
  for (const args of [['capture'], ['capture', '--pid', 'x'], ['capture', '--pid', '1', '--nope'], ['capture', '--pid', '0']]) {
    const r = spawnSync(helper, args, { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  const r = spawnSync(helper, ['capture', '--pid', '1073741823'], { encoding: 'utf8' });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /capture failed: no process 1073741823/);
});

test('fds on one open file are told apart from fds on another open of the same pty (kcmp): 0,1,2 of a shell are one FILE', () => {
  const py = `
import os, subprocess, sys
m, s = os.openpty()
d = os.dup(s)
s2 = os.open(os.ttyname(s), os.O_RDWR | os.O_NOCTTY)
r = subprocess.run([sys.argv[1], 'capture', '--pid', str(os.getpid())], capture_output=True)
sys.stdout.write('%d %d %d %d\\n' % (m, s, d, s2))
sys.stdout.buffer.write(r.stdout)
`;
  const r = spawnSync('python3', ['-c', py, helper], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [head = '', ...rest] = r.stdout.split('\n');
  const [m, s, d, s2] = head.split(' ').map(Number);
  const desc = JSON.parse(rest.slice(2).join('\n')) as { fds: { fd: number; file: number }[] };
  const file = (fd: number | undefined) => desc.fds.find((f) => f.fd === fd)?.file;
  assert.equal(file(m), m);
  assert.equal(file(s), s);
  assert.equal(file(d), s, 'a dup is the same open file');
  assert.equal(file(s2), s2, 'a second open of the slave is another open file');
});

/** The first line `child` prints, parsed; fails if it exits or says nothing within `ms`. */
function firstLine<T>(child: ChildProcessWithoutNullStreams, what: string, ms: number): Promise<T> {
  let err = '';
  child.stderr.on('data', (b: Buffer) => void (err += b.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return new Promise<T>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${what}: no line within ${ms} ms (stderr: ${err})`)), ms);
    child.once('exit', (code) => setTimeout(() => rej(new Error(`${what} exited (${code}) before its line: ${err}`)), 50));
    lines.next().then(
      (r) => {
        clearTimeout(timer);
        if (r.done) rej(new Error(`${what}: no line (stderr: ${err})`));
        else res(JSON.parse(r.value as string) as T);
      },
      (e: unknown) => {
        clearTimeout(timer);
        rej(e);
      },
    );
  });
}

/** End a holder (EOF on its stdin), SIGKILL if it has not ended within 5 s. */
async function end(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface HolderState { pid: number; master_fd: number; slave_fd: number; index: number; input_count: number; output_count: number }
interface Drained { drained: boolean; pairs: { index: number; input_count: number; output_count: number; input: string | null; output: string | null }[] }

test('--drain: a process in another devpts instance holding its own pts/N of the same N (both sides, or only a master) is not another holder of the target\'s', async (t) => {
  const holder = spawn('python3', [HOLDER], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const target = await firstLine<HolderState>(holder, 'pty-holder.py', 20000);
    const slave = statSync(`/proc/${target.pid}/fd/${target.slave_fd}`);
    for (const hold of ['both', 'master'] as const) {
      await t.test(`it holds ${hold === 'both' ? 'both sides' : 'only a master'}`, async () => {
      const mnt = mkdtempSync(join(tmpdir(), 'ckpt-devpts-'));
      // A private propagation: the instance is mounted in the new namespace only, and goes with it.
      const other = spawn('unshare', ['-m', '--propagation', 'private', 'python3', OTHER_INSTANCE, mnt, String(target.index), hold], { stdio: ['pipe', 'pipe', 'pipe'] });
      try {
        const o = await firstLine<{ pid: number; index: number; dev?: number; rdev?: number }>(other, `pty-other-instance.py ${hold}`, 20000);
        assert.equal(o.index, target.index, 'the other instance holds a pty of the same number');
        if (hold === 'both') {
          assert.equal(o.rdev, Number(slave.rdev), 'its slave has the same device number as the target\'s');
          assert.notEqual(o.dev, Number(slave.dev), 'on another devpts file system');
        }
        const r = spawnSync(helper, ['capture', '--pid', String(target.pid), '--drain'], { encoding: 'utf8', timeout: 30000 });
        assert.equal(r.status, 0, `${hold} (the other instance's pid is ${o.pid}): ${r.stderr}`);
        // After the helper's banner line (as in the kcmp test above), the description.
        const d = JSON.parse(r.stdout.split('\n').slice(2).join('\n')) as Drained;
        assert.equal(d.drained, true);
        const p = d.pairs.find((x) => x.index === target.index);
        assert.ok(p && p.input !== null && p.output !== null, r.stdout);
        assert.equal(p.input_count, target.input_count);
        assert.equal(p.output_count, target.output_count);
      } finally {
        await end(other);
        rmSync(mnt, { recursive: true, force: true });
      }
      });
    }
    // The control: a process in this instance with a duplicate of the target's slave, or of its
    // master (pidfd_getfd, as the helper takes them), makes the drain refuse.
    const dup = 'import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\npfd = os.pidfd_open(int(sys.argv[1]))\nfd = libc.syscall(438, pfd, int(sys.argv[2]), 0)\nif fd < 0: sys.exit(os.strerror(ctypes.get_errno()))\nprint("{}", flush=True)\nsys.stdin.read()';
    for (const fd of [target.slave_fd, target.master_fd]) {
      await t.test(`control: this instance, a duplicate of the ${fd === target.slave_fd ? 'slave' : 'master'}`, async () => {
      const same = spawn('python3', ['-c', dup, String(target.pid), String(fd)], { stdio: ['pipe', 'pipe', 'pipe'] });
      try {
        await firstLine(same, `a duplicate of fd ${fd}`, 20000);
        const r = spawnSync(helper, ['capture', '--pid', String(target.pid), '--drain'], { encoding: 'utf8', timeout: 30000 });
        assert.equal(r.status, 3, r.stderr);
        assert.match(r.stderr, new RegExp(`pid ${same.pid} \\(python3\\) also holds /dev/pts/${target.index} and could read or write its queues`));
      } finally {
        await end(same);
      }
      });
    }
  } finally {
    await end(holder);
  }
});
