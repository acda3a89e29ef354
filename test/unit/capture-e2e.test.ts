/**
 * End to end: `ckpt-inspect capture` (the built CLI) against a real, throwaway OpenSSH server
 * (test/harness/sshd.ts: its own network namespace and private devpts), the real helper compiled
 * on the "remote", and a real process holding a pty pair in a known state (test/lib/pty-holder.py,
 * started in the remote's mount namespace). The golden values are the kernel's answers to the
 * holder's own ioctls, never the code under test.
 *
 *     npm run build && node --import tsx --test test/unit/capture-e2e.test.ts
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSshd, type SshdHarness } from '../harness/sshd';
import { ROOT } from '../lib/images';
import { validJson } from '../lib/schemas';
import { openImage } from '../../src/parser/image';
import { validate } from '../../src/parser/validate/index';
import { CC_NAMES, TTY } from '../../src/parser/names';
import type { Provenance } from '../../src/parser/capture-image';

const CLI = join(ROOT, 'bin/ckpt-inspect.js');
const DIST_CLI = join(ROOT, 'dist/cli.js');
const HOLDER = join(ROOT, 'test/lib/pty-holder.py');

let h: SshdHarness;
let work: string;
let env: NodeJS.ProcessEnv;

interface CliResult { code: number | null; stdout: string; stderr: string }

function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

const ssh = (): string[] => ['--host', h.alias, '--ssh-config', h.configFile];

interface HolderState {
  pid: number;
  master_fd: number;
  slave_fd: number;
  index: number;
  termios: { c_iflag: number; c_oflag: number; c_cflag: number; c_lflag: number; c_line: number; c_cc: number[] };
  winsize: [number, number, number, number];
  packet: number;
  locked: number;
  exclusive: number;
  input_count: number;
  output_count: number;
}

interface Holder {
  first: HolderState;
  ask(cmd: 'state' | 'drain'): Promise<string>;
  stop(): Promise<void>;
}

/** The holder runs on the "remote host": in its mount namespace (private devpts) in netns mode. */
async function startHolder(mode = ''): Promise<Holder> {
  const argv = h.mode === 'netns' ? ['nsenter', '-t', String(h.sshdPid), '-m', 'python3', HOLDER] : ['python3', HOLDER];
  if (mode) argv.push(mode);
  const child: ChildProcessWithoutNullStreams = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  lines.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l); else queue.push(l);
  });
  let errText = '';
  child.stderr.on('data', (b: Buffer) => { errText += b.toString(); });
  const next = (): Promise<string> => new Promise((resolve, reject) => {
    const l = queue.shift();
    if (l !== undefined) { resolve(l); return; }
    waiting.push(resolve);
    child.once('exit', () => reject(new Error(`the holder exited: ${errText}`)));
  });
  const first = JSON.parse(await next()) as HolderState;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    first,
    ask: async (cmd) => { child.stdin.write(`${cmd}\n`); return next(); },
    stop: async () => { child.stdin.end(); await exited; },
  };
}

function newestMtime(dir: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return m;
}

before(async () => {
  if (!existsSync(DIST_CLI) || statSync(DIST_CLI).mtimeMs < Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'helper/ckpt-pty-helper.c')).mtimeMs)) {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
  work = await mkdtemp(join(tmpdir(), 'ckpt-capture-e2e-'));
  h = await startSshd({ remoteEnv: { XDG_CACHE_HOME: join(work, 'remote-cache') }, log: (l) => console.log(l) });
  env = { ...process.env, XDG_CACHE_HOME: join(work, 'local-cache') };
  delete env.CKPT_INSPECT_TEST_SSH_PREFIX;
  if (h.sshCommandPrefix.length) env.CKPT_INSPECT_TEST_SSH_PREFIX = JSON.stringify(h.sshCommandPrefix);
});

after(async () => {
  await h?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
});

function readProvenance(file: string): Provenance {
  return validJson<Provenance>(readFileSync(`${file}.provenance.json`, 'utf8'), 'ckpt-inspect.provenance/1');
}

describe('capture over ssh', () => {
  test('a pty in a known state: the image is valid v18 and every exact field equals the kernel\'s answer; the live pty is unchanged', async () => {
    const holder = await startHolder();
    try {
      const g = holder.first;
      const out = join(work, 'known.ckpt');
      const r = await cli(['capture', ...ssh(), '--pid', String(g.pid), '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const bytes = new Uint8Array(readFileSync(out));
      const img = openImage(bytes);
      const errors = validate(img).filter((d) => d.severity !== 'info');
      assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
      const prov = readProvenance(out);
      assert.equal(prov.format, 'ckpt-inspect.provenance/1');
      assert.equal(prov.image.size, bytes.length);
      assert.equal(prov.image.sha256, execFileSync('sha256sum', [out], { encoding: 'utf8' }).slice(0, 64));
      // every field the sidecar places in the image holds the value it states
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (const f of prov.fields) {
        if (f.offset === null || typeof f.value !== 'number' || ![1, 2, 4].includes(f.size)) continue;
        const v = f.size === 1 ? view.getUint8(f.offset) : f.size === 2 ? view.getUint16(f.offset, true) : view.getUint32(f.offset, true);
        assert.equal(v, f.value >>> 0, `${f.path} at ${f.offset}`);
      }
      const kind = (path: string): string | undefined => prov.fields.find((f) => f.path === path)?.provenance;
      // the image read back by the parser against the kernel's answers to the holder
      assert.equal(img.ttys.length, 2);
      const [m, s] = img.ttys as [NonNullable<(typeof img.ttys)[0]>, NonNullable<(typeof img.ttys)[0]>];
      assert.equal(m.role, 'master');
      assert.equal(s.role, 'slave');
      const exact: [string, number, number][] = [
        ['ttys[0].index', m.index.value, g.index],
        ['ttys[1].index', s.index.value, g.index],
        ['ttys[1].termios.c_iflag', s.termios.c_iflag.value, g.termios.c_iflag & 0xffff],
        ['ttys[1].termios.c_oflag', s.termios.c_oflag.value, g.termios.c_oflag & 0xffff],
        ['ttys[1].termios.c_cflag', s.termios.c_cflag.value, g.termios.c_cflag & 0xffff],
        ['ttys[1].termios.c_lflag', s.termios.c_lflag.value, g.termios.c_lflag & 0xffff],
        ['ttys[1].termios.c_line', s.termios.c_line.value, g.termios.c_line],
        ...CC_NAMES.map((n, i): [string, number, number] => [`ttys[1].termios.c_cc.${n}`, s.termios.c_cc[i]?.value ?? -1, g.termios.c_cc[i] ?? -2]),
        ['ttys[1].winsize.ws_row', s.winsize.ws_row.value, g.winsize[0]],
        ['ttys[1].winsize.ws_col', s.winsize.ws_col.value, g.winsize[1]],
        ['ttys[1].winsize.ws_xpixel', s.winsize.ws_xpixel.value, g.winsize[2]],
        ['ttys[1].winsize.ws_ypixel', s.winsize.ws_ypixel.value, g.winsize[3]],
        ['ttys[0].ldisc.packet', m.ldisc?.packet.value ?? -1, g.packet],
      ];
      for (const [path, got, want] of exact) {
        assert.equal(kind(path), 'exact', `${path} is exact`);
        assert.equal(got, want, path);
      }
      // lock and exclusive: bits of the slave's tty->flags, derived from the exact ioctl answers
      assert.equal((s.flags.value & BigInt(TTY.PTY_LOCK)) !== 0n, g.locked === 1);
      assert.equal((s.flags.value & BigInt(TTY.EXCLUSIVE)) !== 0n, g.exclusive === 1);
      // c_cc beyond the 8 the format holds: lost, with the live values
      const veol = prov.fields.find((f) => f.path === 'ttys[1].termios.c_cc[11]');
      assert.equal(veol?.provenance, 'lost');
      assert.equal(veol?.live, g.termios.c_cc[11]);
      // queues: counted, not read; the image holds none, and says how much was there
      const din = prov.fields.find((f) => f.path === 'ttys[1].ldisc.datalen');
      const dout = prov.fields.find((f) => f.path === 'ttys[0].ldisc.datalen');
      assert.equal(din?.provenance, 'lost');
      assert.equal(din?.live, g.input_count);
      assert.equal(dout?.provenance, 'lost');
      assert.equal(dout?.live, g.output_count);
      assert.equal(s.ldisc?.datalen.value, 0);
      // the live pty: the same state, and the queues hold exactly what the holder wrote
      assert.deepEqual(JSON.parse(await holder.ask('state')), g);
      const q = JSON.parse(await holder.ask('drain')) as { input: string; output: string };
      assert.equal(Buffer.from(q.input, 'hex').toString('latin1'), 'hello world\npartial');
      assert.equal(Buffer.from(q.output, 'hex').toString('latin1'), '\x00out put\r\n');
    } finally {
      await holder.stop();
    }
  });

  test('capture, set the window size, restore on the same host (another devpts instance), --verify passes', async () => {
    const holder = await startHolder();
    let cap: string;
    try {
      cap = join(work, 'roundtrip.ckpt');
      const r = await cli(['capture', ...ssh(), '--pid', String(holder.first.pid), '--fd', String(holder.first.master_fd), '-o', cap]);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await holder.stop();
    }
    const edited = join(work, 'roundtrip-edited.ckpt');
    const s = await cli(['set', cap, 'ttys[1].winsize.ws_col=132', '-o', edited]);
    assert.equal(s.code, 0, s.stderr);
    const v = await cli(['restore', edited, ...ssh(), '--verify', '--json', '--devpts', 'private']);
    assert.ok(v.code === 0 || v.code === 5, `exit ${v.code}: ${v.stderr}`);
    const rep = JSON.parse(v.stdout) as { pairs: { kernel: { slave: { winsize: { ws_col: number; ws_row: number } }; packet: boolean; locked: boolean; exclusive: boolean }; fields: { name: string; status: string }[] }[] };
    assert.equal(rep.pairs.length, 1);
    const p = rep.pairs[0];
    assert.ok(p);
    assert.deepEqual(p.fields.filter((f) => f.status === 'mismatch'), []);
    assert.equal(p.kernel.slave.winsize.ws_col, 132);
    assert.equal(p.kernel.slave.winsize.ws_row, 33);
    assert.equal(p.kernel.packet, true);
    assert.equal(p.kernel.locked, true);
  });

  test('only the slave held: packet mode, lock and the output queue are lost or assumed, the rest exact', async () => {
    const holder = await startHolder('--slave-only');
    try {
      const out = join(work, 'slave-only.ckpt');
      const r = await cli(['capture', ...ssh(), '--pid', String(holder.first.pid), '-o', out, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(validJson<Provenance>(r.stdout, 'ckpt-inspect.provenance/1'), readProvenance(out));
      const img = openImage(new Uint8Array(readFileSync(out)));
      assert.equal(validate(img).filter((d) => d.severity === 'error').length, 0);
      const prov = readProvenance(out);
      const f = (p: string) => prov.fields.find((x) => x.path === p);
      assert.equal(f('ttys[0].ldisc.packet')?.provenance, 'lost');
      assert.equal(f('ttys[0].ldisc.datalen')?.provenance, 'lost');
      assert.equal(f('ttys[1].flags')?.provenance, 'assumed');
      assert.equal(f('ttys[1].index')?.provenance, 'exact');
      assert.equal(img.ttys[1]?.index.value, holder.first.index);
      assert.equal(img.ttys[1]?.termios.c_lflag.value, holder.first.termios.c_lflag & 0xffff);
    } finally {
      await holder.stop();
    }
  });

  test('--drain: both queues are in the image byte for byte and by line, the live terminal reads back the same, and they restore', async () => {
    const holder = await startHolder();
    const out = join(work, 'drained.ckpt');
    try {
      const g = holder.first;
      const r = await cli(['capture', ...ssh(), '--pid', String(g.pid), '--drain', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const img = openImage(new Uint8Array(readFileSync(out)));
      assert.deepEqual(validate(img).filter((d) => d.severity !== 'info').map((d) => d.message), []);
      const [m, s] = [img.ttys[0], img.ttys[1]];
      assert.equal(Buffer.from(s?.ldisc?.buffer?.data ?? []).toString('latin1'), 'hello world\npartial');
      assert.equal(s?.ldisc?.canon_data.value, 1);
      assert.equal(s?.ldisc?.canon_datalen.value, 12);
      assert.equal(Buffer.from(m?.ldisc?.buffer?.data ?? []).toString('latin1'), 'out put\r\n');
      const prov = readProvenance(out);
      assert.equal(prov.source.drained, true);
      for (const path of ['ttys[1].ldisc.datalen', 'ttys[1].ldisc.data', 'ttys[0].ldisc.datalen', 'ttys[0].ldisc.data', 'ttys[1].ldisc.canon_data']) {
        assert.equal(prov.fields.find((f) => f.path === path)?.provenance, 'exact', path);
      }
      // the holder answers, so it runs again (SIGCONT), with the state and the queues it had
      assert.deepEqual(JSON.parse(await holder.ask('state')), g);
      const q = JSON.parse(await holder.ask('drain')) as { input: string; output: string };
      assert.equal(Buffer.from(q.input, 'hex').toString('latin1'), 'hello world\npartial');
      assert.equal(Buffer.from(q.output, 'hex').toString('latin1'), '\x00out put\r\n');
    } finally {
      await holder.stop();
    }
    const v = await cli(['restore', out, ...ssh(), '--verify', '--json', '--devpts', 'private']);
    assert.ok(v.code === 0 || v.code === 5, `exit ${v.code}: ${v.stderr}`);
    const rep = JSON.parse(v.stdout) as { pairs: { kernel: { input_lines: string[]; input_tail: string; output: string }; fields: { name: string; status: string }[] }[] };
    const k = rep.pairs[0]?.kernel;
    assert.deepEqual(rep.pairs[0]?.fields.filter((f) => f.status === 'mismatch'), []);
    assert.deepEqual(k?.input_lines, [Buffer.from('hello world\n').toString('hex')]);
    assert.equal(k?.input_tail, Buffer.from('partial').toString('hex'));
    assert.equal(k?.output, Buffer.from('out put\r\n').toString('hex'));
  });

  test('--drain refuses, reading nothing, when another process holds the pty or the process holds only one side', async () => {
    for (const [mode, re] of [['--shared', /pid \d+ \(python3\) also holds \/dev\/pts\/\d+/], ['--slave-only', /--drain needs both sides/]] as const) {
      const holder = await startHolder(mode);
      try {
        const r = await cli(['capture', ...ssh(), '--pid', String(holder.first.pid), '--drain', '-o', join(work, 'refused.ckpt')]);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, re);
        assert.equal(existsSync(join(work, 'refused.ckpt')), false);
        if (mode === '--shared') {
          assert.deepEqual(JSON.parse(await holder.ask('state')), holder.first);
          const q = JSON.parse(await holder.ask('drain')) as { input: string; output: string };
          assert.equal(Buffer.from(q.input, 'hex').toString('latin1'), 'hello world\npartial');
          assert.equal(Buffer.from(q.output, 'hex').toString('latin1'), '\x00out put\r\n');
        }
      } finally {
        await holder.stop();
      }
    }
  });

  test('--list: the holder appears with its ptys (text and JSON); nothing is captured', async () => {
    const holder = await startHolder();
    try {
      const g = holder.first;
      const t = await cli(['capture', ...ssh(), '--list']);
      assert.equal(t.code, 0, t.stderr);
      const line = t.stdout.split('\n').find((l) => new RegExp(`^\\s*${g.pid}\\s`).test(l));
      assert.ok(line, t.stdout);
      assert.match(line, new RegExp(`python3\\s+/dev/pts/${g.index} \\(fd ${g.master_fd} master\\), /dev/pts/${g.index} \\(fd ${g.slave_fd} slave\\)`));
      const j = await cli(['capture', ...ssh(), '--list', '--json']);
      assert.equal(j.code, 0, j.stderr);
      const list = JSON.parse(j.stdout) as { format: string; processes: { pid: number; fds: { fd: number; role: string; index: number }[] }[] };
      assert.equal(list.format, 'ckpt-pty-list/1');
      const me = list.processes.find((p) => p.pid === g.pid);
      assert.deepEqual(me?.fds.sort((a, b) => a.fd - b.fd), [{ fd: g.master_fd, role: 'master', index: g.index }, { fd: g.slave_fd, role: 'slave', index: g.index }]);
      assert.deepEqual(JSON.parse(await holder.ask('state')), g);
      const u = await cli(['capture', ...ssh(), '--list', '--pid', '5']);
      assert.equal(u.code, 2);
    } finally {
      await holder.stop();
    }
  });

  test('refusals: no such process, a process without a pty, an fd that is not a pty, bad options (exit 2 before any ssh)', async () => {
    const gone = await cli(['capture', ...ssh(), '--pid', '1073741823', '-o', join(work, 'x.ckpt')]);
    assert.equal(gone.code, 3, gone.stderr);
    assert.match(gone.stderr, /no process 1073741823/);
    const nopty = await cli(['capture', ...ssh(), '--pid', String(h.sshdPid), '-o', join(work, 'x.ckpt')]);
    assert.equal(nopty.code, 3, nopty.stderr);
    assert.match(nopty.stderr, /holds no pseudo-terminal fd/);
    const holder = await startHolder();
    try {
      const notpty = await cli(['capture', ...ssh(), '--pid', String(holder.first.pid), '--fd', '0', '-o', join(work, 'x.ckpt')]);
      assert.equal(notpty.code, 3, notpty.stderr);
      assert.match(notpty.stderr, /fd 0 of pid \d+ is .*not a pseudo-terminal/);
      // a target that is not a regular file is never replaced
      const dirOut = await cli(['capture', ...ssh(), '--pid', String(holder.first.pid), '-o', work]);
      assert.equal(dirOut.code, 2, dirOut.stderr);
      assert.match(dirOut.stderr, /not written/);
      assert.ok(statSync(work).isDirectory());
    } finally {
      await holder.stop();
    }
    assert.equal(existsSync(join(work, 'x.ckpt')), false);
    for (const bad of [['--pid', '0'], ['--pid', '12;rm'], ['--pid', '5', '--fd', '-1']]) {
      const u = await cli(['capture', ...ssh(), ...bad, '-o', join(work, 'x.ckpt')]);
      assert.equal(u.code, 2, `${bad.join(' ')}: ${u.stderr}`);
    }
    const noOut = await cli(['capture', ...ssh(), '--pid', '5']);
    assert.equal(noOut.code, 2);
  });
});
