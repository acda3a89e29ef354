/**
 * SSH transport built on the user's own OpenSSH client (`ssh`).
 *
 * Conventions (docs: editor-patterns.md §13):
 *  - every call uses `-o BatchMode=yes -T` and puts `--` before the destination;
 *  - host keys are never accepted automatically (no `StrictHostKeyChecking=no`, no `accept-new`);
 *  - the remote command is a single shell string in which every argument is quoted by {@link shQuote};
 *  - data (images, restore plans, binaries) only ever travels through stdin, never on a command line.
 *
 * Pure Node: no `vscode` import. A `commandPrefix` (e.g. `['ip', 'netns', 'exec', NS]`) can be
 * injected so that the client runs inside another network namespace (tests) or under a wrapper.
 */
import { spawn } from 'node:child_process';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Base class of every error raised by this module. */
export class SshError extends Error {
  constructor(
    message: string,
    /** The exact argv that was (or would have been) executed; never contains data. */
    readonly argv: readonly string[] = [],
    /** ssh's exit code, when it ran. */
    readonly exitCode: number | null = null,
    /** ssh's stderr, when it ran. */
    readonly stderr: string = '',
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The destination (or an option) was rejected before anything was executed. */
export class InvalidDestinationError extends SshError {}

/** An option value (config file path, ssh path, ...) was rejected before anything was executed. */
export class InvalidOptionError extends SshError {}

export type HostKeyProblem = 'unknown' | 'changed' | 'failed';

/**
 * Host key verification failed: the host key is not in known_hosts (`unknown`), differs from the
 * recorded one (`changed`), or ssh only said "Host key verification failed." (`failed`).
 * `hint` tells the user how to accept the key themselves; this module never does it.
 */
export class HostKeyError extends SshError {
  constructor(
    readonly destination: string,
    readonly problem: HostKeyProblem,
    readonly hint: string,
    argv: readonly string[],
    exitCode: number | null,
    stderr: string,
  ) {
    super(
      `Host key verification failed for ${destination} (${problem === 'changed' ? 'the host key has CHANGED' : problem === 'unknown' ? 'the host key is not known' : 'verification failed'}). ${hint}`,
      argv,
      exitCode,
      stderr,
    );
  }
}

export type ConnectProblem = 'resolve' | 'refused' | 'unreachable' | 'timeout' | 'auth' | 'other';

/** ssh could not connect or authenticate (exit 255 with a recognised ssh message). */
export class SshConnectError extends SshError {
  constructor(
    readonly destination: string,
    readonly problem: ConnectProblem,
    message: string,
    argv: readonly string[],
    exitCode: number | null,
    stderr: string,
  ) {
    super(message, argv, exitCode, stderr);
  }
}

/** The call exceeded `timeoutMs`; ssh was killed (and waited for). */
export class SshTimeoutError extends SshError {}

/** The call was aborted through `signal`; ssh was killed (and waited for). */
export class SshAbortError extends SshError {
  override readonly name = 'AbortError';
}

// ---------------------------------------------------------------------------------------------
// Quoting and validation
// ---------------------------------------------------------------------------------------------

const SAFE_WORD = /^[A-Za-z0-9_./,:=@+-]+$/;

/**
 * Quote one argument for a POSIX shell (the remote login shell, or `sh -c`).
 * Words made only of harmless characters are returned unchanged; everything else is put in single
 * quotes, with `'` written as `'\''`. NUL cannot be passed through a command line and is rejected.
 */
export function shQuote(arg: string): string {
  if (arg.includes('\0')) throw new InvalidOptionError('a shell argument cannot contain a NUL byte');
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join argv into one remote command string, quoting every argument. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * Characters accepted in a destination: `[user@]host`, `[user@]host:port`-less forms, IPv6 literals
 * (`[::1]`, `fe80::1%eth0`) and `ssh://[user@]host[:port]`. Shell metacharacters, whitespace,
 * quotes and the like are refused outright: OpenSSH before 9.6 passes host and user names unchecked
 * into `%h`/`%r` expansions of `ProxyCommand`/`LocalCommand`/`Match exec`, which run in a shell.
 */
const DEST_ALLOWED = /^[A-Za-z0-9._~@:/[\]%+-]+$/;

/** Throws {@link InvalidDestinationError} unless `dest` is a plain ssh destination. */
export function validateDestination(dest: string): void {
  const shown = JSON.stringify(dest);
  if (typeof dest !== 'string' || dest.length === 0) throw new InvalidDestinationError('empty SSH destination');
  if (dest.length > 1024) throw new InvalidDestinationError('SSH destination is too long');
  if (dest.startsWith('-')) throw new InvalidDestinationError(`SSH destination ${shown} starts with "-" and could be taken as an option`);
  if (CONTROL.test(dest)) throw new InvalidDestinationError(`SSH destination ${shown} contains control characters`);
  if (!DEST_ALLOWED.test(dest)) {
    throw new InvalidDestinationError(
      `SSH destination ${shown} contains characters that are not allowed in a host or user name (only letters, digits and . _ ~ @ : / [ ] % + -)`,
    );
  }
}

function validatePathOption(name: string, value: string): void {
  if (value.length === 0) throw new InvalidOptionError(`${name} is empty`);
  if (value.startsWith('-')) throw new InvalidOptionError(`${name} ${JSON.stringify(value)} starts with "-"`);
  if (CONTROL.test(value)) throw new InvalidOptionError(`${name} ${JSON.stringify(value)} contains control characters`);
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

export interface SshBaseOptions {
  /** `ssh -F FILE` (e.g. VS Code's `remote.SSH.configFile`). */
  configFile?: string;
  /** The ssh executable; default `ssh` from PATH. */
  sshPath?: string;
  /** Argv prepended to the ssh argv, e.g. `['ip', 'netns', 'exec', 'ns_cli']`. Not shell-parsed. */
  commandPrefix?: readonly string[];
  /** `-o ConnectTimeout=` in seconds; default 15. */
  connectTimeoutSec?: number;
  /** Environment of the ssh process; default `process.env` (keeps SSH_AUTH_SOCK and the like). */
  env?: NodeJS.ProcessEnv;
  /** Receives one line per call: argv, exit code, duration and stderr (never stdin data). */
  log?: (line: string) => void;
}

export interface RunOptions extends SshBaseOptions {
  /** Bytes fed to the remote command's stdin; without it the remote stdin is /dev/null. */
  stdin?: Buffer;
  /** Kill ssh after this many milliseconds and reject with {@link SshTimeoutError}. */
  timeoutMs?: number;
  /** Abort: kill ssh and reject with {@link SshAbortError}. */
  signal?: AbortSignal;
}

export interface RunResult {
  /** Exit status of the remote command (255 may also come from ssh itself). */
  code: number;
  stdout: Buffer;
  stderr: string;
  /** argv that was executed (no data in it). */
  argv: readonly string[];
  durationMs: number;
}

export interface ResolvedHost {
  /** The destination as given. */
  destination: string;
  hostname: string;
  user: string;
  port: number;
  identityFiles: string[];
  userKnownHostsFiles: string[];
  /** Normalised: `yes` | `no` | `ask` | `accept-new` (as reported by `ssh -G`). */
  strictHostKeyChecking: string;
  /** Every key of `ssh -G` (lower case) with all its values, one entry per line. */
  all: Map<string, string[]>;
}

// ---------------------------------------------------------------------------------------------
// Argv building
// ---------------------------------------------------------------------------------------------

function baseArgs(opts: SshBaseOptions): string[] {
  const args: string[] = [];
  if (opts.configFile !== undefined) {
    validatePathOption('configFile', opts.configFile);
    args.push('-F', opts.configFile);
  }
  return args;
}

function sshExe(opts: SshBaseOptions): string {
  const exe = opts.sshPath ?? 'ssh';
  validatePathOption('sshPath', exe);
  return exe;
}

/**
 * The argv for running `remoteCommand` (already one shell string) on `dest`.
 * Exposed for logging and tests; {@link run} uses it.
 */
export function buildRunArgv(dest: string, remoteCommand: string, opts: SshBaseOptions = {}): string[] {
  validateDestination(dest);
  const timeout = opts.connectTimeoutSec ?? 15;
  if (!Number.isInteger(timeout) || timeout <= 0) throw new InvalidOptionError('connectTimeoutSec must be a positive integer');
  return [
    ...(opts.commandPrefix ?? []),
    sshExe(opts),
    ...baseArgs(opts),
    '-T',
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${timeout}`,
    '--',
    dest,
    remoteCommand,
  ];
}

// ---------------------------------------------------------------------------------------------
// Process plumbing
// ---------------------------------------------------------------------------------------------

interface Spawned {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
}

function spawnCollect(argv: readonly string[], stdin: Buffer | undefined, opts: RunOptions): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    if (opts.signal?.aborted) {
      resolve({ code: -1, signal: null, stdout: Buffer.alloc(0), stderr: '', durationMs: 0, timedOut: false, aborted: true });
      return;
    }
    const [cmd, ...rest] = argv;
    if (cmd === undefined) {
      reject(new InvalidOptionError('empty argv'));
      return;
    }
    const child = spawn(cmd, rest, {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      shell: false,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killTimer.unref();
    };
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => { timedOut = true; kill(); }, opts.timeoutMs) : undefined;
    const onAbort = (): void => { aborted = true; kill(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (stdin !== undefined && child.stdin) {
      // The remote side may exit without reading everything (EPIPE): not an error of ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
    let spawnError: Error | undefined;
    child.on('error', (e) => { spawnError = e; });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (spawnError && code === null) {
        reject(new SshError(`cannot run ${cmd}: ${spawnError.message}`, argv));
        return;
      }
      resolve({
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: performance.now() - t0,
        timedOut,
        aborted,
      });
    });
  });
}

/** A display form of argv for logs (arguments quoted as a shell would need them). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (SAFE_WORD.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------------------------

/** How the user can accept a host key themselves (shown in {@link HostKeyError}). */
export function hostKeyHint(dest: string, opts: SshBaseOptions = {}, problem: HostKeyProblem = 'unknown', knownAs?: string): string {
  const f = opts.configFile !== undefined ? `-F ${shQuote(opts.configFile)} ` : '';
  // knownAs: how ssh names the host in known_hosts, `host` or `[host]:port`.
  const m = knownAs !== undefined ? /^\[(.+)\]:(\d+)$/.exec(knownAs) : null;
  const scan = knownAs === undefined ? 'ssh-keyscan -p PORT HOST' : m ? `ssh-keyscan -p ${m[2]} ${shQuote(m[1] ?? '')}` : `ssh-keyscan ${shQuote(knownAs)}`;
  if (problem === 'changed') {
    return (
      `The key offered by the server differs from the one in known_hosts: this can be an attack. ` +
      `Verify the new fingerprint with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
      `then remove the old entry with \`ssh-keygen -R ${shQuote(knownAs ?? 'HOST')}\` and connect once with \`ssh ${f}-- ${dest}\` in a terminal.`
    );
  }
  return (
    `To accept the key, connect once in a terminal with \`ssh ${f}-- ${dest}\` and confirm the fingerprint, ` +
    `or run \`${scan}\`, compare its fingerprint (\`ssh-keygen -lf -\`) with the one shown on the host ` +
    `(\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`) and append the line to your known_hosts file. ` +
    `The extension never accepts host keys by itself.`
  );
}

function classify(dest: string, argv: readonly string[], r: Spawned, opts: SshBaseOptions): SshError | undefined {
  if (r.code !== 255) return undefined;
  const e = r.stderr;
  const knownAs = /host key is known for (\S+) and you have requested strict checking|Host key for (\S+) has changed|Offending \S+ key for (\S+)/.exec(e)?.slice(1).find((x) => x !== undefined);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(e)) {
    return new HostKeyError(dest, 'changed', hostKeyHint(dest, opts, 'changed', knownAs), argv, r.code, e);
  }
  if (/No \S+ host key is known for|host key is not known|The authenticity of host .* can't be established/.test(e)) {
    return new HostKeyError(dest, 'unknown', hostKeyHint(dest, opts, 'unknown', knownAs), argv, r.code, e);
  }
  if (/^Host key verification failed\.\s*$/m.test(e)) {
    return new HostKeyError(dest, 'failed', hostKeyHint(dest, opts, 'unknown', knownAs), argv, r.code, e);
  }
  const first = e.split('\n').find((l) => l.trim() !== '') ?? '';
  const mk = (p: ConnectProblem, what: string): SshConnectError =>
    new SshConnectError(dest, p, `${what} (${dest}): ${first.trim()}`, argv, r.code, e);
  if (/^ssh: Could not resolve hostname /m.test(e)) return mk('resolve', 'Cannot resolve the SSH host name');
  if (/^ssh: connect to host .*: Connection refused/m.test(e)) return mk('refused', 'SSH connection refused');
  if (/^ssh: connect to host .*: (No route to host|Network is unreachable)/m.test(e)) return mk('unreachable', 'SSH host unreachable');
  if (/^ssh: connect to host .*: (Connection timed out|Operation timed out)|Connection timed out during banner exchange/m.test(e)) {
    return mk('timeout', 'SSH connection timed out');
  }
  if (/Permission denied \(/.test(e)) return mk('auth', 'SSH authentication failed (BatchMode: no password prompts; use a key or ssh-agent)');
  if (/^(Connection closed by|kex_exchange_identification|Bad owner or permissions|Can't open user config file|\S+: line \d+: Bad configuration option)/m.test(e)) {
    return mk('other', 'SSH failed');
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

function normaliseStrict(v: string | undefined): string {
  switch (v) {
    case 'true': case 'yes': return 'yes';
    case 'false': case 'no': case 'off': return 'no';
    case undefined: return 'ask';
    default: return v;
  }
}

/**
 * Resolve the effective settings for `dest` with `ssh -G` (honours the config file, `Include`,
 * `Match`, ...). Nothing connects.
 */
export async function resolveHost(dest: string, opts: SshBaseOptions & { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ResolvedHost> {
  validateDestination(dest);
  const argv = [...(opts.commandPrefix ?? []), sshExe(opts), ...baseArgs(opts), '-G', '--', dest];
  const r = await spawnCollect(argv, undefined, { ...opts, timeoutMs: opts.timeoutMs ?? 10_000 });
  opts.log?.(`ssh -G: ${formatArgv(argv)} -> exit ${r.code} in ${r.durationMs.toFixed(0)} ms${r.stderr ? `; stderr: ${r.stderr.trim()}` : ''}`);
  if (r.aborted) throw new SshAbortError('ssh -G aborted', argv);
  if (r.timedOut) throw new SshTimeoutError('ssh -G timed out', argv);
  if (r.code !== 0) throw new SshError(`ssh -G ${dest} failed (exit ${r.code}): ${r.stderr.trim()}`, argv, r.code, r.stderr);
  const all = new Map<string, string[]>();
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const key = m[1].toLowerCase();
    const list = all.get(key) ?? [];
    list.push(m[2]);
    all.set(key, list);
  }
  const one = (k: string): string | undefined => all.get(k)?.[0];
  const port = Number(one('port') ?? '22');
  return {
    destination: dest,
    hostname: one('hostname') ?? dest,
    user: one('user') ?? '',
    port: Number.isInteger(port) ? port : 22,
    identityFiles: all.get('identityfile') ?? [],
    userKnownHostsFiles: (all.get('userknownhostsfile') ?? []).flatMap((v) => v.split(/\s+/).filter((s) => s !== '')),
    strictHostKeyChecking: normaliseStrict(one('stricthostkeychecking')),
    all,
  };
}

/**
 * Run a command on `dest`.
 *
 * `remoteCommand` is either an argv (every element quoted with {@link shQuote} and joined: the safe
 * default) or `{ script }`, a ready shell string for the remote login shell (the caller is then
 * responsible for quoting every argument in it with {@link shQuote}).
 *
 * Resolves with the remote exit status; rejects with {@link HostKeyError} / {@link SshConnectError}
 * when ssh itself failed in a recognised way, {@link SshTimeoutError}, {@link SshAbortError}, or
 * {@link InvalidDestinationError} / {@link InvalidOptionError} before anything runs.
 */
export async function run(dest: string, remoteCommand: readonly string[] | { script: string }, opts: RunOptions = {}): Promise<RunResult> {
  const cmd = 'script' in remoteCommand ? remoteCommand.script : shJoin(remoteCommand);
  if (cmd.includes('\0')) throw new InvalidOptionError('remote command contains a NUL byte');
  const argv = buildRunArgv(dest, cmd, opts);
  const r = await spawnCollect(argv, opts.stdin, opts);
  opts.log?.(
    `ssh: ${formatArgv(argv)} (stdin ${opts.stdin?.length ?? 0} bytes) -> exit ${r.code}${r.signal ? ` (${r.signal})` : ''} in ${r.durationMs.toFixed(0)} ms` +
      (r.stderr.trim() ? `; stderr: ${r.stderr.trim().slice(0, 2000)}` : ''),
  );
  if (r.aborted) throw new SshAbortError(`ssh to ${dest} aborted`, argv, r.code, r.stderr);
  if (r.timedOut) throw new SshTimeoutError(`ssh to ${dest} timed out after ${opts.timeoutMs} ms`, argv, r.code, r.stderr);
  const err = classify(dest, argv, r, opts);
  if (err) throw err;
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, argv, durationMs: r.durationMs };
}
