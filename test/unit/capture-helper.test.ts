// The helper's capture mode run here, without ssh, for what the ssh tests cannot set up: a user
// without ptrace access to the target (uid 65534 against a root process, through setpriv), and a
// pid that is not a process. The target is test/lib/pty-holder.py.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const SRC = resolve('helper/ckpt-pty-helper.c');
const HOLDER = resolve('test/lib/pty-holder.py');
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
