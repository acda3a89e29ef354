/**
 * A throwaway, real OpenSSH server for tests (testing-with-real-parts.md (a), (b)).
 *
 * - Fresh host and client ed25519 keys per run (ssh-keygen), everything under one 0700 temp dir.
 * - `netns` mode (preferred, needs root + iproute2): the server runs in its own network namespace
 *   (the "remote host", own hostname, private devpts instance, port 22 on 10.x.y.2); the client
 *   side gets a second namespace (10.x.y.1) joined by a veth pair. Clients must run inside the
 *   client namespace: use `sshCommandPrefix` (`['ip', 'netns', 'exec', NS]`).
 * - `loopback` mode (fallback): 127.0.0.1 on a free port, `sshCommandPrefix` is `[]`.
 * - A private ssh_config: `Host <alias>` with HostName, Port, User root, IdentityFile,
 *   UserKnownHostsFile pre-seeded with the fresh host key, StrictHostKeyChecking yes, BatchMode yes.
 *   Client code under test runs `ssh -F configFile -- alias`.
 * - `teardown()` kills and waits for sshd and every process left in the host namespace, deletes the
 *   namespaces and the temp dir. It is idempotent.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, readFile, chmod, rm, mkdir, open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SshdMode = 'netns' | 'loopback';

export interface SshdOptions {
  /** `auto` (default): netns if possible, else loopback. */
  mode?: 'auto' | SshdMode;
  /** Host alias written into the ssh_config; default `ckpt-remote`. */
  alias?: string;
  /** Hostname of the "remote host" (netns mode only); default `h1`. */
  hostname?: string;
  /** Environment variables set in every session (`SetEnv` in sshd_config). */
  remoteEnv?: Record<string, string>;
  /**
   * `ForceCommand` of sshd_config: this program runs instead of every command the client asks
   * for (which it finds in `SSH_ORIGINAL_COMMAND`): a test's hostile or broken remote.
   */
  forceCommand?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface SshdHarness {
  mode: SshdMode;
  /** 0700 temp dir holding keys, configs, logs. */
  dir: string;
  /** Private ssh_config for the client: `ssh -F configFile -- alias`. */
  configFile: string;
  alias: string;
  /** Address the client connects to. */
  hostName: string;
  port: number;
  user: string;
  clientKey: string;
  knownHostsFile: string;
  /** `type base64` of the fresh host key. */
  hostPublicKey: string;
  /** Prefix for every ssh client argv (`[]` in loopback mode). */
  sshCommandPrefix: string[];
  clientNamespace?: string;
  hostNamespace?: string;
  /** Client-side address as seen by the server (netns mode). */
  clientAddress?: string;
  sshdPid: number;
  sshdLogFile: string;
  sshdLog(): Promise<string>;
  /** Is the sshd process still running? */
  sshdAlive(): boolean;
  teardown(): Promise<void>;
}

interface ExecResult { code: number; stdout: string; stderr: string }

function exec(cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function mustExec(cmd: string, args: readonly string[]): Promise<string> {
  const r = await exec(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0): look at /proc state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(t); resolve(true); });
  });
}

export async function netnsAvailable(): Promise<boolean> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return false;
  const probe = `ckp${randomBytes(3).toString('hex')}`;
  const r = await exec('ip', ['netns', 'add', probe]);
  if (r.code !== 0) return false;
  await exec('ip', ['netns', 'del', probe]);
  return true;
}

/** Start a throwaway sshd; see the module comment. */
export async function startSshd(opts: SshdOptions = {}): Promise<SshdHarness> {
  const want = opts.mode ?? 'auto';
  if (want === 'loopback') return start('loopback', opts);
  if (want === 'netns') return start('netns', opts);
  if (await netnsAvailable()) {
    try {
      return await start('netns', opts);
    } catch (e) {
      opts.log?.(`sshd harness: netns mode failed (${(e as Error).message}); falling back to loopback`);
    }
  }
  return start('loopback', opts);
}

async function start(mode: SshdMode, opts: SshdOptions): Promise<SshdHarness> {
  const log = opts.log ?? ((): void => undefined);
  const alias = opts.alias ?? 'ckpt-remote';
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-sshd-'));
  await chmod(dir, 0o700);
  const cleanups: Array<() => Promise<void>> = [async () => rm(dir, { recursive: true, force: true })];
  let child: ChildProcess | undefined;
  const tag = randomBytes(3).toString('hex');
  const nsCli = `ckc_${tag}`;
  const nsHost = `ckh_${tag}`;
  let tornDown = false;

  const teardown = async (): Promise<void> => {
    if (tornDown) return;
    tornDown = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 3000))) {
        child.kill('SIGKILL');
        await waitExit(child, 3000);
      }
    }
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (e) { log(`sshd harness teardown: ${(e as Error).message}`); }
    }
  };

  try {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await chmod('/run/sshd', 0o755);
    const hostKey = join(dir, 'host_key');
    const clientKey = join(dir, 'client_key');
    await mustExec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ckpt-test-host', '-f', hostKey]);
    await mustExec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ckpt-test-client', '-f', clientKey]);
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`), { mode: 0o600 });
    const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');

    let hostName: string;
    let port: number;
    let prefix: string[] = [];
    let clientAddress: string | undefined;
    if (mode === 'netns') {
      const third = 1 + (randomBytes(1)[0] ?? 0) % 250;
      const net = `10.201.${third}`;
      hostName = `${net}.2`;
      clientAddress = `${net}.1`;
      port = 22;
      const vA = `ckva${tag}`;
      const vB = `ckvb${tag}`;
      await mustExec('ip', ['netns', 'add', nsCli]);
      cleanups.push(async () => { await exec('ip', ['netns', 'del', nsCli]); });
      await mustExec('ip', ['netns', 'add', nsHost]);
      cleanups.push(async () => {
        // Kill whatever is still running in the host namespace (session children), then delete it.
        for (let i = 0; i < 50; i++) {
          const pids = (await exec('ip', ['netns', 'pids', nsHost])).stdout.split(/\s+/).filter((s) => s !== '').map(Number);
          const alive = pids.filter(pidAlive);
          if (alive.length === 0) break;
          for (const p of alive) { try { process.kill(p, i < 10 ? 'SIGTERM' : 'SIGKILL'); } catch { /* gone */ } }
          await sleep(100);
        }
        await exec('ip', ['netns', 'del', nsHost]);
      });
      await mustExec('ip', ['link', 'add', vA, 'type', 'veth', 'peer', 'name', vB]);
      cleanups.push(async () => { await exec('ip', ['link', 'del', vA]); }); // only if still in the root ns
      await mustExec('ip', ['link', 'set', vA, 'netns', nsCli]);
      await mustExec('ip', ['link', 'set', vB, 'netns', nsHost]);
      await mustExec('ip', ['-n', nsCli, 'addr', 'add', `${clientAddress}/24`, 'dev', vA]);
      await mustExec('ip', ['-n', nsCli, 'link', 'set', vA, 'up']);
      await mustExec('ip', ['-n', nsCli, 'link', 'set', 'lo', 'up']);
      await mustExec('ip', ['-n', nsHost, 'addr', 'add', `${hostName}/24`, 'dev', vB]);
      await mustExec('ip', ['-n', nsHost, 'link', 'set', vB, 'up']);
      await mustExec('ip', ['-n', nsHost, 'link', 'set', 'lo', 'up']);
      prefix = ['ip', 'netns', 'exec', nsCli];
    } else {
      hostName = '127.0.0.1';
      port = await freePort();
    }

    const sshdConfig = join(dir, 'sshd_config');
    const setEnv = Object.entries(opts.remoteEnv ?? {});
    for (const [k, v] of setEnv) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\s"\\]/.test(v)) throw new Error(`unsupported remoteEnv entry ${k}`);
    }
    if (opts.forceCommand !== undefined && !/^[A-Za-z0-9_./ -]+$/.test(opts.forceCommand)) throw new Error('unsupported forceCommand');
    await writeFile(sshdConfig, [
      `Port ${port}`,
      `ListenAddress ${hostName}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'PermitTTY yes',
      'PrintMotd no',
      'PrintLastLog no',
      'MaxStartups 100:30:200',
      'MaxSessions 50',
      'LogLevel VERBOSE',
      ...(setEnv.length ? [`SetEnv ${setEnv.map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
      ...(opts.forceCommand !== undefined ? [`ForceCommand ${opts.forceCommand}`] : []),
      '',
    ].join('\n'), { mode: 0o600 });
    await mustExec('/usr/sbin/sshd', ['-t', '-f', sshdConfig]);

    const sshdLogFile = join(dir, 'sshd.log');
    const logFh = await open(sshdLogFile, 'w', 0o600);
    let argv: string[];
    if (mode === 'netns') {
      const hn = opts.hostname ?? 'h1';
      if (!/^[A-Za-z0-9-]+$/.test(hn)) throw new Error('bad hostname');
      argv = [
        'ip', 'netns', 'exec', nsHost,
        'unshare', '-u', '-m', '--propagation', 'private',
        'sh', '-c',
        'hostname "$1" && mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts /dev/pts && exec /usr/sbin/sshd -D -e -f "$2"',
        'sh', hn, sshdConfig,
      ];
    } else {
      argv = ['/usr/sbin/sshd', '-D', '-e', '-f', sshdConfig];
    }
    const [cmd, ...args] = argv as [string, ...string[]];
    child = spawn(cmd, args, { stdio: ['ignore', logFh.fd, logFh.fd] });
    await logFh.close();
    const started = child;
    const sshdPid = started.pid ?? -1;

    // Wait for "Server listening".
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      if (started.exitCode !== null) break;
      const text = await readFile(sshdLogFile, 'utf8');
      ready = /Server listening on/.test(text);
      if (!ready) await sleep(50);
    }
    if (!ready) throw new Error(`sshd did not start: ${await readFile(sshdLogFile, 'utf8')}`);

    const knownHostsFile = join(dir, 'known_hosts');
    const khHost = port === 22 ? hostName : `[${hostName}]:${port}`;
    await writeFile(knownHostsFile, `${khHost} ${hostPublicKey}\n`, { mode: 0o600 });
    const configFile = join(dir, 'ssh_config');
    await writeFile(configFile, [
      `Host ${alias}`,
      `  HostName ${hostName}`,
      `  Port ${port}`,
      '  User root',
      `  IdentityFile ${clientKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHostsFile}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ConnectTimeout 5',
      '  ControlMaster no',
      '  ControlPath none',
      '',
    ].join('\n'), { mode: 0o600 });

    // First login (retry briefly).
    let lastErr = '';
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const r = await exec(prefix[0] ?? 'ssh', [...prefix.slice(1), ...(prefix.length ? ['ssh'] : []), '-F', configFile, '-T', '--', alias, 'true']);
      ok = r.code === 0;
      lastErr = r.stderr;
      if (!ok) await sleep(100);
    }
    if (!ok) throw new Error(`first login failed: ${lastErr.trim()}`);
    log(`sshd harness: ${mode} ${hostName}:${port} pid ${sshdPid}`);

    return {
      mode,
      dir,
      configFile,
      alias,
      hostName,
      port,
      user: 'root',
      clientKey,
      knownHostsFile,
      hostPublicKey,
      sshCommandPrefix: prefix,
      ...(mode === 'netns' ? { clientNamespace: nsCli, hostNamespace: nsHost } : {}),
      ...(clientAddress !== undefined ? { clientAddress } : {}),
      sshdPid,
      sshdLogFile,
      sshdLog: () => readFile(sshdLogFile, 'utf8').catch(() => ''),
      sshdAlive: () => pidAlive(sshdPid),
      teardown,
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}
