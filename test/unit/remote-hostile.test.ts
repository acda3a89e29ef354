/**
 * A hostile or broken remote host cannot hurt the user (issue 17, and the login-banner framing of
 * issue 14): the built CLI against a real, throwaway OpenSSH server (test/harness/sshd.ts) whose
 * `ForceCommand` is a script of this test playing the remote: it prints banners and escape
 * sequences, stalls, floods, lies in the helper's report, hides sha256sum, delays the attach
 * login; the test also makes the remote cache writable by others, replaces the cached binary as
 * "another user" (another uid), and swaps host keys.
 *
 *     npm run build && node --import tsx --test test/unit/remote-hostile.test.ts
 *
 * After every test: no process left in the remote's namespace but sshd, no pty in its devpts
 * instance, no ssh client of this test still running.
 */
import { test, before, after, afterEach, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, type SshdHarness } from '../harness/sshd';
import { ROOT } from '../lib/images';
import { openImage } from '../../src/parser/image';
import { buildPlan } from '../../src/parser/plan-from-image';
import type { VerifyReport } from '../../src/parser/restore-plan';

const CLI = join(ROOT, 'bin/ckpt-inspect.js');
const SAMPLE = join(ROOT, 'samples/pair.ckpt');
const ESC = '\u001b';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The sample restores with documented losses (master termios and n_tty column cannot be set): exit 5. */
const RESTORED = 5;

let h: SshdHarness;
let work: string;
let remoteCache: string;
let env: NodeJS.ProcessEnv;

// ---------------------------------------------------------------------------------------------
// The hostile remote: one ForceCommand, its behaviour chosen by the file $W/mode
// ---------------------------------------------------------------------------------------------

const HOSTILE = `#!/bin/sh
W=__WORK__
mode=$(cat "$W/mode" 2>/dev/null || echo normal)
c=$SSH_ORIGINAL_COMMAND
case "$mode" in
  normal) exec /bin/sh -c "$c" ;;
  banner)
    printf 'Welcome to \\033]0;owned-title\\007h1\\033[2J\\n'
    printf 'motd \\033]52;c;cHduZWQ=\\007 on stderr\\n' >&2
    exec /bin/sh -c "$c" ;;
  banner-nonl) printf 'a banner without newline'; exec /bin/sh -c "$c" ;;
  stall) printf 'Welcome\\n'; exec sleep 313 ;;
  linger) /bin/sh -c "$c"; exec sleep 313 ;;
  flood) exec cat /dev/zero ;;
  stderr-flood) /bin/sh -c "$c"; rc=$?; head -c 50000000 /dev/zero | tr '\\000' e >&2; exit $rc ;;
  fake-verify)
    case "$c" in
      *--verify*)
        cat >/dev/null
        printf '\\nCKPT-REMOTE-BEGIN\\n'; printf '\\nCKPT-REMOTE-BEGIN\\n' >&2
        cat "$W/fake-stdout"; cat "$W/fake-stderr" >&2
        exit "$(cat "$W/fake-code")" ;;
      *) exec /bin/sh -c "$c" ;;
    esac ;;
  nosha) PATH=$W/nosha-bin exec /bin/sh -c "$c" ;;
  slow-attach) case "$c" in *--attach*) sleep 6 ;; esac; exec /bin/sh -c "$c" ;;
esac
exit 99
`;

function mode(m: string): void {
  writeFileSync(join(work, 'mode'), `${m}\n`);
}

/** A report the fake helper sends: framed like the real one (marker line, length, payload). */
function fakeVerify(payload: string, code: number, stderr = ''): void {
  mode('fake-verify');
  writeFileSync(join(work, 'fake-stdout'), `\nCKPT-PTY-HELPER-REPORT/1 ${Buffer.byteLength(payload)}\n${payload}`);
  writeFileSync(join(work, 'fake-stderr'), stderr);
  writeFileSync(join(work, 'fake-code'), String(code));
}

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

interface CliResult { code: number | null; stdout: string; stderr: string; ms: number; maxRssKb?: number }

function cli(args: string[], opts: { timeoutMs?: number; measure?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // python reports the CLI's peak RSS (getrusage of its children) on fd 3.
    const argv = opts.measure
      ? ['python3', '-c', 'import resource,subprocess,sys,os; r=subprocess.run(sys.argv[1:]); os.write(3, str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss).encode()); sys.exit(r.returncode)', process.execPath, CLI, ...args]
      : [process.execPath, CLI, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const fd3: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) => fd3.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = Buffer.concat(fd3).toString();
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - t0,
        ...(rss ? { maxRssKb: Number(rss) } : {}),
      });
    });
  });
}

const sshArgs = (): string[] => ['--host', h.alias, '--ssh-config', h.configFile];

const PTY_DRIVER = `
import os, sys, pty, time, select, json, signal
timeout = float(sys.argv[1]); expect = sys.argv[2].encode(); action = sys.argv[3]; argv = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
buf = b''; acted = False; t0 = time.time(); status = None
while time.time() < t0 + timeout:
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try: d = os.read(fd, 4096)
        except OSError: d = b''
        buf += d
    if not acted and ((expect and expect in buf) or (not expect and time.time() > t0 + 2.5)):
        acted = True
        if action.startswith('sig:'): os.kill(pid, getattr(signal, 'SIG' + action[4:]))
        elif action.startswith('send:'): os.write(fd, action[5:].encode())
    w, st = os.waitpid(pid, os.WNOHANG)
    if w:
        status = os.waitstatus_to_exitcode(st); break
if status is None:
    os.kill(pid, 9); os.waitpid(pid, 0)
print(json.dumps({"out": buf.decode('latin1'), "status": status, "acted": acted, "pid": pid}))
`;

interface Driven { out: string; status: number | null; acted: boolean; pid: number }

function drive(args: string[], expect: string, action: string): Driven {
  const driver = join(work, 'pty-driver.py');
  if (!existsSync(driver)) writeFileSync(driver, PTY_DRIVER);
  const r = spawnSync('python3', [driver, '40', expect, action, process.execPath, CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Driven;
}

// ---------------------------------------------------------------------------------------------
// Remote state
// ---------------------------------------------------------------------------------------------

function procCmd(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { return ''; }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return st !== 'Z' && st !== 'X';
  } catch {
    return false;
  }
}

/** Processes in the remote's network namespace other than sshd itself. */
function remoteProcs(): Map<number, string> {
  const m = new Map<number, string>();
  if (!h.hostNamespace) return m;
  const r = spawnSync('ip', ['netns', 'pids', h.hostNamespace], { encoding: 'utf8' });
  for (const p of (r.stdout ?? '').split(/\s+/)) {
    if (!/^\d+$/.test(p)) continue;
    const pid = Number(p);
    const cmd = procCmd(pid);
    if (!alive(pid) || pid === h.sshdPid || cmd.startsWith('/usr/sbin/sshd -D') || cmd.startsWith('sshd: /usr/sbin/sshd') || cmd === '') continue;
    m.set(pid, cmd);
  }
  return m;
}

/** ssh clients of this test's harness still running (their argv names its config file). */
function sshClients(): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = procCmd(Number(d));
    if (/(^|\/)ssh /.test(cmd) && cmd.includes(h.configFile) && alive(Number(d))) out.push(`${d} ${cmd}`);
  }
  return out;
}

function remoteDevpts(): string[] {
  if (h.mode !== 'netns') return ['ptmx'];
  return execFileSync('nsenter', ['-t', String(h.sshdPid), '-m', 'ls', '/dev/pts'], { encoding: 'utf8' }).split(/\s+/).filter((s) => s !== '').sort();
}

/** Kill the `sleep 313` a stalling ForceCommand left (the test's own remote, by pid). */
function killStalls(): void {
  for (const [pid, cmd] of remoteProcs()) if (cmd === 'sleep 313') process.kill(pid, 'SIGKILL');
}

function cacheDirs(): string[] {
  const c = join(remoteCache, 'ckpt-inspector');
  if (!existsSync(c) || lstatSync(c).isSymbolicLink()) return [];
  return readdirSync(c).map((d) => join(c, d));
}

function stagedPlans(): string[] {
  return cacheDirs().flatMap((d) => (lstatSync(d).isDirectory() ? readdirSync(d).filter((n) => n.startsWith('plan.')) : []));
}

/** The cache directory of the real helper (installed by a normal restore when needed). */
async function helperDir(): Promise<string> {
  mode('normal');
  const r = await cli(['restore', SAMPLE, ...sshArgs(), '--json']);
  assert.equal(r.code, RESTORED, r.stderr);
  const dirs = cacheDirs();
  assert.equal(dirs.length, 1, JSON.stringify(dirs));
  return dirs[0] as string;
}

afterEach(async () => {
  if (!h) return;
  mode('normal');
  let procs = remoteProcs();
  let clients = sshClients();
  let devpts = remoteDevpts();
  for (let i = 0; i < 100 && (procs.size > 0 || clients.length > 0 || devpts.join() !== 'ptmx'); i++) {
    // A stalling ForceCommand's sleep may start only after the CLI gave up (a loaded machine).
    killStalls();
    await sleep(100);
    procs = remoteProcs();
    clients = sshClients();
    devpts = remoteDevpts();
  }
  assert.deepEqual([...procs].map(([p, c]) => `${p} ${c}`), [], 'processes left on the remote');
  assert.deepEqual(clients, [], 'ssh clients left running');
  assert.deepEqual(devpts, ['ptmx'], 'ptys left on the remote');
});

before(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  work = await mkdtemp(join(tmpdir(), 'ckpt-hostile-'));
  chmodSync(work, 0o755);
  remoteCache = join(work, 'remote-cache');
  writeFileSync(join(work, 'hostile.sh'), HOSTILE.replace('__WORK__', work), { mode: 0o755 });
  mode('normal');
  // A PATH without sha256sum and shasum.
  const nosha = join(work, 'nosha-bin');
  mkdirSync(nosha);
  for (const n of readdirSync('/usr/bin')) if (n !== 'sha256sum' && n !== 'shasum') symlinkSync(join('/usr/bin', n), join(nosha, n));
  writeFileSync(join(work, 'exit255.sh'), 'exit 255\n');
  h = await startSshd({ remoteEnv: { XDG_CACHE_HOME: remoteCache }, forceCommand: join(work, 'hostile.sh'), log: (l) => console.log(l) });
  env = { ...process.env, XDG_CACHE_HOME: join(work, 'local-cache') };
  delete env.CKPT_INSPECT_TEST_SSH_PREFIX;
  if (h.sshCommandPrefix.length) env.CKPT_INSPECT_TEST_SSH_PREFIX = JSON.stringify(h.sshCommandPrefix);
  console.log(`harness mode=${h.mode} host=${h.hostName}:${h.port}`);
});

after(async () => {
  if (h) killStalls();
  await h?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
});

/** No byte a terminal obeys: no ESC, BEL, C1 control, CR other than in CR LF. */
function assertInert(text: string, what: string): void {
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text), `${what} holds control characters: ${JSON.stringify(text.slice(0, 400))}`);
}

// ---------------------------------------------------------------------------------------------
// 5. Framing: a login shell that prints
// ---------------------------------------------------------------------------------------------

describe('a remote login shell that prints (framing)', () => {
  test('a banner on stdout and stderr: a cold install and a cached verify both succeed, the banner is counted and ignored, its escapes shown inert', async () => {
    await rm(join(remoteCache, 'ckpt-inspector'), { recursive: true, force: true });
    await rm(join(work, 'local-cache'), { recursive: true, force: true });
    mode('banner');
    for (const round of ['cold install', 'cached']) {
      const r = await cli(['restore', SAMPLE, ...sshArgs()]);
      assert.equal(r.code, RESTORED, `${round}: ${r.stderr}`);
      assert.match(r.stdout, /^RESTORED WITH LOSSES: \d+ restored/m, round);
      assert.match(r.stderr, /the remote shell printed \d+ bytes before the helper started \(a login banner\?\)/, round);
      assert.match(r.stderr, /ssh: motd \\x1b\]52;c;cHduZWQ=\\x07 on stderr/, round);
      assertInert(r.stdout + r.stderr, round);
    }
    const j = await cli(['restore', SAMPLE, ...sshArgs(), '--json']);
    assert.equal(j.code, RESTORED, j.stderr);
    assert.equal((JSON.parse(j.stdout) as VerifyReport).ok, true);
  });

  test('a banner without a newline before the report, and --attach', async () => {
    await helperDir();
    mode('banner-nonl');
    const r = await cli(['restore', SAMPLE, ...sshArgs(), '--json']);
    assert.equal(r.code, RESTORED, r.stderr);
    assert.match(r.stderr, /printed 24 bytes before the helper started/);
    // The sample's slave holds the partial line "ech": end it first.
    const d = drive(['restore', SAMPLE, ...sshArgs(), '--attach', '--command', 'sh'], 'total 0', 'send:\nexit 3\n');
    assert.equal(d.status, 3, d.out);
    assert.deepEqual(stagedPlans(), []);
  });
});

// ---------------------------------------------------------------------------------------------
// 1. Escaping and 3. report validation
// ---------------------------------------------------------------------------------------------

/** A real, valid report of the sample restored, to be altered. */
async function realReport(): Promise<VerifyReport> {
  mode('normal');
  const r = await cli(['restore', SAMPLE, ...sshArgs(), '--json']);
  assert.equal(r.code, RESTORED, r.stderr);
  const j = JSON.parse(r.stdout) as VerifyReport & { notes?: unknown };
  delete j.notes;
  return j;
}

describe('what the helper says is escaped and checked', () => {
  test('escape sequences in the helper stderr and in report strings reach the terminal inert', async () => {
    fakeVerify('', 3, `ckpt-pty-helper: restore failed: ${ESC}]0;pwned${ESC}\\ ${ESC}]52;c;cHduZWQ=\u0007 ${ESC}[8mhidden${ESC}[0m\u009b2J\n`);
    const r = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(r.code, 3, r.stderr);
    assertInert(r.stderr, 'stderr');
    assert.match(r.stderr, /\\x1b\]0;pwned\\x1b\\ \\x1b\]52;c;cHduZWQ=\\x07 \\x1b\[8mhidden/);
    assert.match(r.stderr, /\\u\{9b\}2J/);

    const rep = await realReport();
    const f = rep.pairs[0]?.fields.find((x) => x.status === 'not-restorable');
    assert.ok(f);
    f.reason = `evil ${ESC}]0;title\u0007 ${ESC}[2J\u202e`;
    fakeVerify(JSON.stringify(rep), 0);
    const t = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(t.code, RESTORED, t.stderr);
    assertInert(t.stdout, 'table');
    assert.ok(!t.stdout.includes('\u202e'));
    assert.match(t.stdout, /evil \\x1b\]0;title\\x07 \\x1b\[2J\\u\{202e\}/);
    const j = await cli(['restore', SAMPLE, ...sshArgs(), '--json']);
    assert.equal(j.code, RESTORED, j.stderr);
    assertInert(j.stdout, 'json');
    assert.ok(!j.stdout.includes('\u202e'));
    assert.equal((JSON.parse(j.stdout) as VerifyReport).pairs[0]?.fields.find((x) => x.name === f.name)?.reason, f.reason, '--json stays exact');
  });

  test('deep nesting, {"ok":true,"pairs":[{}]}, no pairs for a plan of one, another plan, a lying ok: a clear message and exit 3', async () => {
    const rep = await realReport();
    const other = structuredClone(rep);
    (other.pairs[0] as VerifyReport['pairs'][number]).image.index = 42;
    const lying = structuredClone(rep);
    const lf = lying.pairs[0]?.fields.find((x) => x.name === 'output');
    assert.ok(lf);
    lf.status = 'mismatch';
    const dropped = structuredClone(rep);
    dropped.pairs[0]?.fields.splice(2, 1);
    const cases: [string, string, number, RegExp][] = [
      ['deep', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, 0, /nests deeper than a verify report can/],
      ['deep-ok', `{"ok":true,"pairs":[${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}]}`, 0, /nests deeper/],
      ['empty pair', '{"ok":true,"pairs":[{}]}', 0, /report\.pairs\[0\]\.image: not an object/],
      ['no pairs', '{"ok":true,"pairs":[]}', 0, /report\.pairs: has 0 pairs, the plan 1/],
      ['another plan', JSON.stringify(other), 0, /report\.pairs\[0\]\.image\.index is not what the plan sent/],
      ['lying ok', JSON.stringify(lying), 0, /report\.ok: is true but 1 field differs without a reason/],
      ['a field missing', JSON.stringify(dropped), 0, /report\.pairs\[0\]\.fields: lacks packet/],
      ['not json', '{"ok":tru', 0, /the report is not JSON/],
      ['exit 1 but ok', JSON.stringify(rep), 1, /report\.ok: is true but the helper exited with 1/],
    ];
    for (const [k, [name, payload, code, msg]] of cases.entries()) {
      fakeVerify(payload, code);
      for (const json of k < 3 ? [false, true] : [false]) {
        const r = await cli(['restore', SAMPLE, ...sshArgs(), ...(json ? ['--json'] : [])]);
        assert.equal(r.code, 3, `${name}: ${r.stderr}`);
        assert.match(r.stderr, /gave no report that can be believed/, name);
        assert.match(r.stderr, msg, name);
        assert.doesNotMatch(r.stderr, /^\s+at /m, `${name}: a stack trace`);
        assert.doesNotMatch(r.stdout, /^(OK|RESTORED)/m, name);
        if (json) assert.equal((JSON.parse(r.stdout) as { ok: boolean; exitCode: number }).exitCode, 3, name);
      }
    }
    // A report cut short of its announced length.
    mode('fake-verify');
    writeFileSync(join(work, 'fake-stdout'), '\nCKPT-PTY-HELPER-REPORT/1 5000\n{"ok":true');
    const cut = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(cut.code, 3);
    assert.match(cut.stderr, /report was cut short: 10 of 5000 bytes arrived/);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Time, memory and output bounds
// ---------------------------------------------------------------------------------------------

describe('bounded time, memory and output', () => {
  test('a remote that stalls after its banner, or prints its report and never exits: stopped at --timeout with a clear message', async () => {
    for (const m of ['stall', 'linger']) {
      mode(m);
      const r = await cli(['restore', SAMPLE, ...sshArgs(), '--timeout', '3']);
      assert.equal(r.code, 4, `${m}: ${r.stderr}`);
      assert.match(r.stderr, /did not finish within 3 s \((running the helper|checking the cached helper|installing the helper)\); ssh was stopped/, m);
      assert.match(r.stderr, /--timeout SECONDS/);
      assert.ok(r.ms < 20_000, `${m}: took ${r.ms} ms`);
      killStalls();
    }
    const bad = await cli(['restore', SAMPLE, ...sshArgs(), '--timeout', 'soon']);
    assert.equal(bad.code, 2);
  });

  test('an endless stdout stops at the output limit with bounded memory; 50 MB of stderr is cut and counted', async () => {
    mode('flood');
    const r = await cli(['restore', SAMPLE, ...sshArgs()], { measure: true });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /sent more than 16777216 bytes on stdout \(running the helper\)/);
    assert.ok(r.maxRssKb !== undefined && r.maxRssKb < 200 * 1024, `peak RSS ${r.maxRssKb} KiB`);
    console.log(`flood: stopped after ${r.ms.toFixed(0)} ms, CLI peak RSS ${((r.maxRssKb ?? 0) / 1024).toFixed(0)} MiB`);

    mode('stderr-flood');
    const e = await cli(['restore', SAMPLE, ...sshArgs()], { measure: true });
    assert.equal(e.code, RESTORED, e.stderr.slice(0, 500));
    assert.ok(e.stderr.length < 16 << 10, `${e.stderr.length} bytes on the local stderr`);
    assert.match(e.stderr, /note: \d+ more bytes of ckpt-remote's stderr were not kept/);
    const dropped = Number(/note: (\d+) more bytes/.exec(e.stderr)?.[1]);
    assert.ok(dropped > 49_000_000, `${dropped}`);
    console.log(`stderr flood: ${e.ms.toFixed(0)} ms, CLI peak RSS ${((e.maxRssKb ?? 0) / 1024).toFixed(0)} MiB`);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Cache security and 8. smaller things
// ---------------------------------------------------------------------------------------------

describe('the remote helper cache', () => {
  const evil = (mark: string): string => `#!/bin/sh\ntouch ${mark}\necho '{"ok":true,"pairs":[]}'\n`;
  const sha = (b: string | Buffer): string => execFileSync('sha256sum', { input: b }).toString().slice(0, 64);

  test('group/world-writable cache directories with a binary and checksum replaced by another user: refused, never run', async () => {
    const dir = await helperDir();
    const mark = join(work, 'pwned-1');
    const bin = join(dir, 'ckpt-pty-helper');
    chmodSync(join(remoteCache, 'ckpt-inspector'), 0o777);
    chmodSync(dir, 0o777);
    // "Another user" (uid 4242) replaces binary and checksum consistently.
    writeFileSync(bin, evil(mark), { mode: 0o755 });
    writeFileSync(`${bin}.sha256`, `${sha(evil(mark))}\n`);
    chownSync(bin, 4242, 4242);
    chownSync(`${bin}.sha256`, 4242, 4242);
    const r = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /the helper cache on ckpt-remote is not private: .*ckpt-inspector is a symbolic link, is not owned by the remote user, or is writable by group or others/);
    assert.ok(!existsSync(mark), 'the other user\'s program ran');
    // Only the group-writable leaf directory: refused as well.
    chmodSync(join(remoteCache, 'ckpt-inspector'), 0o700);
    chmodSync(dir, 0o770);
    const g = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(g.code, 4, g.stderr);
    assert.match(g.stderr, new RegExp(`not private: ${dir.replace(/[.]/g, '\\.')} is`));
    // Private directory, binary owned by another user.
    chmodSync(dir, 0o700);
    const o = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(o.code, 4, o.stderr);
    assert.match(o.stderr, /ckpt-pty-helper is a symbolic link, is not owned/);
    assert.ok(!existsSync(mark));
    await rm(dir, { recursive: true });
  });

  test('a symlinked binary or cache directory is never followed, and never chmod-ed through', async () => {
    const dir = await helperDir();
    const mark = join(work, 'pwned-2');
    const bin = join(dir, 'ckpt-pty-helper');
    const elsewhere = join(work, 'evil-helper');
    writeFileSync(elsewhere, evil(mark), { mode: 0o700 });
    await rm(bin);
    symlinkSync(elsewhere, bin);
    writeFileSync(`${bin}.sha256`, `${sha(evil(mark))}\n`);
    const r = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /not private: .*ckpt-pty-helper is a symbolic link/);
    assert.ok(!existsSync(mark));
    await rm(join(remoteCache, 'ckpt-inspector'), { recursive: true });
    // The cache directory itself a symlink to a directory open to everyone.
    const open = join(work, 'open-dir');
    mkdirSync(open);
    chmodSync(open, 0o777);
    symlinkSync(open, join(remoteCache, 'ckpt-inspector'));
    const s = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(s.code, 4, s.stderr);
    assert.match(s.stderr, /ckpt-inspector is a symbolic link/);
    assert.equal(statSync(open).mode & 0o777, 0o777, 'chmod went through the symlink');
    assert.deepEqual(readdirSync(open), [], 'something was written through the symlink');
    await rm(join(remoteCache, 'ckpt-inspector'));
  });

  test('a binary with a matching .sha256 that this client did not install is not run; a tampered one is rebuilt and said so', async () => {
    const dir = await helperDir();
    const mark = join(work, 'pwned-3');
    const bin = join(dir, 'ckpt-pty-helper');
    // Same owner, private modes, consistent checksum: only the client's own record can tell.
    writeFileSync(bin, evil(mark), { mode: 0o700 });
    writeFileSync(`${bin}.sha256`, `${sha(evil(mark))}\n`);
    const r = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(r.code, RESTORED, r.stderr);
    assert.ok(!existsSync(mark), 'a binary vouched for only by its .sha256 ran');
    assert.match(r.stderr, /note: the cached ckpt-pty-helper on ckpt-remote \(.*\) is not the one this client installed or ships .*; it was not run and is being replaced/);
    assert.equal(r.stderr.match(/is being replaced/g)?.length, 1);
    // Tampered without updating the checksum.
    writeFileSync(bin, Buffer.concat([readFileSync(bin), Buffer.from([0])]));
    const t = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.equal(t.code, RESTORED, t.stderr);
    assert.match(t.stderr, /does not match the hash recorded beside it .*; it was not run and is being replaced/);
    const quiet = await cli(['restore', SAMPLE, ...sshArgs()]);
    assert.doesNotMatch(quiet.stderr, /replaced/);
  });

  test('no sha256sum or shasum on the remote is said as such', async () => {
    for (const fresh of [false, true]) {
      if (fresh) await rm(join(remoteCache, 'ckpt-inspector'), { recursive: true, force: true });
      mode('nosha');
      const r = await cli(['restore', SAMPLE, ...sshArgs()]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /no sha256sum or shasum/);
      assert.doesNotMatch(r.stderr, /corrupted in transfer/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Signals during --attach, 8. exit status 255
// ---------------------------------------------------------------------------------------------

describe('--attach: signals, cleanup and exit status', () => {
  test('SIGTERM and SIGINT to the CLI while attached: ssh gets it, the remote helper, command and ptys go, nothing is orphaned', async () => {
    await helperDir();
    for (const sig of ['TERM', 'INT', 'HUP']) {
      const d = drive(['restore', SAMPLE, ...sshArgs(), '--attach', '--command', 'sh'], 'total 0', `sig:${sig}`);
      assert.ok(d.acted, d.out);
      assert.equal(d.status, 128 + ({ HUP: 1, INT: 2, TERM: 15 } as Record<string, number>)[sig], `${sig}: ${d.out}`);
      // The afterEach check also waits for the remote side and the ssh clients; here: at once after exit.
      assert.deepEqual(sshClients(), [], `${sig}: ssh orphaned`);
      assert.deepEqual(stagedPlans(), []);
      for (let i = 0; i < 100 && (remoteProcs().size > 0 || remoteDevpts().join() !== 'ptmx'); i++) await sleep(100);
      assert.deepEqual([...remoteProcs().values()], [], `${sig}: left on the remote`);
      assert.deepEqual(remoteDevpts(), ['ptmx']);
    }
  });

  test('SIGINT during a slow attach login: the staged plan is removed, exit 130', async () => {
    await helperDir();
    mode('slow-attach');
    const d = drive(['restore', SAMPLE, ...sshArgs(), '--attach', '--command', 'sh'], '', 'sig:INT');
    assert.ok(d.acted);
    assert.equal(d.status, 130, d.out);
    assert.deepEqual(stagedPlans(), [], 'the staged plan stayed');
    assert.deepEqual(sshClients(), []);
    for (let i = 0; i < 100 && remoteProcs().size > 0; i++) await sleep(100);
  });

  test("a command's own exit status 255 is passed on, not reported as an ssh failure", async () => {
    await helperDir();
    const d = drive(['restore', SAMPLE, ...sshArgs(), '--attach', '--command', `sh ${join(work, 'exit255.sh')}`], '', '');
    assert.equal(d.status, 255, d.out);
    assert.doesNotMatch(d.out, /ssh session .* failed/);
    assert.deepEqual(stagedPlans(), []);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Host keys
// ---------------------------------------------------------------------------------------------

describe('host keys', () => {
  const base = (): string => readFileSync(h.configFile, 'utf8');
  const known = (): string => (h.port === 22 ? h.hostName : `[${h.hostName}]:${h.port}`);
  const otherKey = (): string => {
    const k = join(work, `other_key_${Math.random().toString(36).slice(2)}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]);
    return readFileSync(`${k}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  };

  test('a changed key: the hint removes it from the UserKnownHostsFile of the config', async () => {
    const kh = join(work, 'custom dir', 'my_known_hosts');
    mkdirSync(join(work, 'custom dir'), { recursive: true });
    writeFileSync(kh, `${known()} ${otherKey()}\n`);
    const cfg = join(work, 'ssh_config_changed');
    writeFileSync(cfg, base().replace(h.knownHostsFile, `"${kh}"`));
    const r = await cli(['restore', SAMPLE, '--host', h.alias, '--ssh-config', cfg]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /the host key has CHANGED/);
    assert.ok(r.stderr.includes(`ssh-keygen -R ${known()} -f '${kh}'`), r.stderr);
    assert.doesNotMatch(r.stderr, /extension/);
  });

  test('an unknown key: the hint is a real ssh-keyscan command with the real host and port, and names the file', async () => {
    const kh = join(work, 'empty_known_hosts');
    writeFileSync(kh, '');
    for (const strict of ['yes', 'ask']) {
      const cfg = join(work, `ssh_config_unknown_${strict}`);
      writeFileSync(cfg, base().replace(h.knownHostsFile, kh).replace('StrictHostKeyChecking yes', `StrictHostKeyChecking ${strict}`));
      const r = await cli(['restore', SAMPLE, '--host', h.alias, '--ssh-config', cfg]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /the host key is not known|verification failed/);
      const scan = h.port === 22 ? `ssh-keyscan ${h.hostName}` : `ssh-keyscan -p ${h.port} ${h.hostName}`;
      assert.ok(r.stderr.includes(`\`${scan} | ssh-keygen -lf -\``), `${strict}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`to ${kh}.`), r.stderr);
      assert.doesNotMatch(r.stderr, /PORT|HOST\b|extension/);
      assert.equal(readFileSync(kh, 'utf8'), '');
    }
  });

  test("StrictHostKeyChecking no and a changed key: ssh's warning is passed on, escaped", async () => {
    const kh = join(work, 'wrong_known_hosts');
    writeFileSync(kh, `${known()} ${otherKey()}\n`);
    const cfg = join(work, 'ssh_config_nocheck');
    writeFileSync(cfg, base().replace(h.knownHostsFile, kh).replace('StrictHostKeyChecking yes', 'StrictHostKeyChecking no'));
    const r = await cli(['restore', SAMPLE, '--host', h.alias, '--ssh-config', cfg]);
    assert.equal(r.code, RESTORED, r.stderr);
    assert.match(r.stderr, /^ssh: .*REMOTE HOST IDENTIFICATION HAS CHANGED/m);
    assertInert(r.stderr, 'stderr');
  });
});

test('the plan of the sample has one pair (the report checks rely on it)', () => {
  assert.equal(buildPlan(openImage(new Uint8Array(readFileSync(SAMPLE)))).plan.pairs.length, 1);
});
