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

/** The remote command printed more than `maxStdout` bytes; ssh was killed (and waited for). */
export class SshOutputLimitError extends SshError {}

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
  /** Kill ssh after this many milliseconds and reject with {@link SshTimeoutError}; default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Abort: kill ssh and reject with {@link SshAbortError}. */
  signal?: AbortSignal;
  /** What the call does, for messages ("running the helper"). */
  what?: string;
  /**
   * A line the remote command prints first on stdout and on stderr (after a newline of its own):
   * whatever precedes it (a login banner, ssh's own warnings) is kept apart in {@link RunResult.preamble}.
   */
  begin?: string;
  /** Stdout beyond this many bytes stops the call ({@link SshOutputLimitError}); default {@link DEFAULT_MAX_STDOUT}. */
  maxStdout?: number;
  /** Stderr kept; the rest is counted in {@link RunResult.stderrDropped}. Default {@link DEFAULT_MAX_STDERR}. */
  maxStderr?: number;
}

/** Default time limit of one non-interactive remote call. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default stdout limit of one call: a verify report of the largest plan is far below it. */
export const DEFAULT_MAX_STDOUT = 16 << 20;
/** Default stderr kept of one call. */
export const DEFAULT_MAX_STDERR = 64 << 10;
/** What is kept of the text before the begin line on each stream. */
const MAX_PREAMBLE = 4 << 10;

/** What the remote side printed before the command's begin line. */
export interface Preamble {
  /** Bytes on stdout before the begin line (a login shell's banner). */
  stdoutBytes: number;
  /** Bytes on stderr before it (ssh's own warnings, the login shell's messages). */
  stderrBytes: number;
  /** The first {@link MAX_PREAMBLE} bytes of that stderr, as text (not escaped). */
  stderrText: string;
  /** The begin line was seen (the remote command started). */
  seen: boolean;
}

export interface RunResult {
  /** Exit status of the remote command (255 may also come from ssh itself). */
  code: number;
  /** Stdout after the begin line (all of it without `begin`). */
  stdout: Buffer;
  /** Stderr after the begin line, at most `maxStderr` bytes. */
  stderr: string;
  /** Stderr bytes not kept. */
  stderrDropped: number;
  /** Only with `begin`. */
  preamble?: Preamble;
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
  stderrDropped: number;
  preamble: Preamble;
  /** Total stdout bytes seen (preamble included). */
  stdoutBytes: number;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  overflowed: boolean;
}

/**
 * One output stream of ssh, split at the begin line (`\n${begin}\n`, found across chunk
 * boundaries) into a preamble (counted, its first bytes kept) and a body (kept up to a cap, the
 * rest counted). Memory stays bounded whatever the remote sends.
 */
class Capture {
  private readonly marker: Buffer | undefined;
  private tail: Buffer = Buffer.alloc(0);
  found: boolean;
  preBytes = 0;
  private readonly pre: Buffer[] = [];
  private preKept = 0;
  private readonly body: Buffer[] = [];
  bodyBytes = 0;
  private bodyKept = 0;

  constructor(begin: string | undefined, private readonly bodyCap: number) {
    this.marker = begin === undefined ? undefined : Buffer.from(`\n${begin}\n`);
    this.found = this.marker === undefined;
  }

  get total(): number {
    return this.preBytes + this.bodyBytes + this.tail.length;
  }

  push(data: Buffer): void {
    let chunk = data;
    if (!this.found && this.marker !== undefined) {
      const hay = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
      const i = hay.indexOf(this.marker);
      if (i < 0) {
        const keep = Math.min(hay.length, this.marker.length - 1);
        this.addPre(hay.subarray(0, hay.length - keep));
        this.tail = Buffer.from(hay.subarray(hay.length - keep));
        return;
      }
      this.addPre(hay.subarray(0, i));
      this.found = true;
      this.tail = Buffer.alloc(0);
      chunk = hay.subarray(i + this.marker.length);
    }
    this.bodyBytes += chunk.length;
    const room = this.bodyCap - this.bodyKept;
    if (room > 0 && chunk.length > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.body.push(Buffer.from(part));
      this.bodyKept += part.length;
    }
  }

  finish(): void {
    if (!this.found && this.tail.length) {
      this.addPre(this.tail);
      this.tail = Buffer.alloc(0);
    }
  }

  private addPre(b: Buffer): void {
    this.preBytes += b.length;
    const room = MAX_PREAMBLE - this.preKept;
    if (room > 0 && b.length > 0) {
      const part = b.length <= room ? b : b.subarray(0, room);
      this.pre.push(Buffer.from(part));
      this.preKept += part.length;
    }
  }

  preamble(): Buffer { return Buffer.concat(this.pre); }
  kept(): Buffer { return Buffer.concat(this.body); }
  dropped(): number { return this.bodyBytes - this.bodyKept; }
}

function spawnCollect(argv: readonly string[], stdin: Buffer | undefined, opts: RunOptions): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const maxStdout = opts.maxStdout ?? DEFAULT_MAX_STDOUT;
    const out = new Capture(opts.begin, maxStdout);
    const err = new Capture(opts.begin, opts.maxStderr ?? DEFAULT_MAX_STDERR);
    const result = (code: number, signal: NodeJS.Signals | null, flags: { timedOut: boolean; aborted: boolean; overflowed: boolean }): Spawned => {
      out.finish();
      err.finish();
      return {
        code,
        signal,
        stdout: out.kept(),
        stderr: err.kept().toString('utf8'),
        stderrDropped: err.dropped(),
        preamble: { stdoutBytes: out.preBytes, stderrBytes: err.preBytes, stderrText: err.preamble().toString('utf8'), seen: out.found || err.found },
        stdoutBytes: out.total,
        durationMs: performance.now() - t0,
        ...flags,
      };
    };
    if (opts.signal?.aborted) {
      resolve(result(-1, null, { timedOut: false, aborted: true, overflowed: false }));
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
    let timedOut = false;
    let aborted = false;
    let overflowed = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killTimer.unref();
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => { timedOut = true; kill(); }, timeoutMs);
    const onAbort = (): void => { aborted = true; kill(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (b: Buffer) => {
      if (overflowed) return;
      out.push(b);
      // The preamble counts too: an endless banner is as much a flood as an endless report.
      if (out.total > maxStdout) { overflowed = true; kill(); }
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (stdin !== undefined && child.stdin) {
      // The remote side may exit without reading everything (EPIPE): not an error of ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
    let spawnError: Error | undefined;
    child.on('error', (e) => { spawnError = e; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (spawnError && code === null) {
        reject(new SshError(`cannot run ${cmd}: ${spawnError.message}`, argv));
        return;
      }
      resolve(result(code ?? -1, signal, { timedOut, aborted, overflowed }));
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

/** Where a host's key is recorded, as the user's configuration says (`ssh -G`). */
export interface KnownHostsInfo {
  /** The known_hosts file ssh named (`Offending … key in FILE:N`), else the config's first UserKnownHostsFile. */
  file?: string;
  /** How the host appears in known_hosts: `host`, or `[host]:port` for another port than 22. */
  knownAs?: string;
  hostname?: string;
  port?: number;
}

/** `host` or `[host]:port`, as ssh writes it in known_hosts. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** How the user can accept a host key themselves (shown in {@link HostKeyError}). */
export function hostKeyHint(dest: string, opts: SshBaseOptions = {}, problem: HostKeyProblem = 'unknown', info: KnownHostsInfo = {}): string {
  const f = opts.configFile !== undefined ? `-F ${shQuote(opts.configFile)} ` : '';
  const m = info.knownAs !== undefined ? /^\[(.+)\]:(\d+)$/.exec(info.knownAs) : null;
  const host = info.hostname ?? (m ? m[1] : info.knownAs) ?? dest;
  const port = info.port ?? (m ? Number(m[2]) : 22);
  const knownAs = info.knownAs ?? knownHostsName(host, port);
  const scan = `ssh-keyscan ${port === 22 ? '' : `-p ${port} `}${shQuote(host)}`;
  const file = info.file !== undefined ? ` -f ${shQuote(info.file)}` : '';
  const inFile = info.file !== undefined ? ` in ${info.file}` : '';
  if (problem === 'changed') {
    return (
      `The key offered by the server differs from the one recorded${inFile}: this can be an attack. ` +
      `Verify the new fingerprint with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
      `then remove the old entry with \`ssh-keygen -R ${shQuote(knownAs)}${file}\` and connect once with \`ssh ${f}-- ${dest}\` in a terminal.`
    );
  }
  return (
    `To accept the key, connect once in a terminal with \`ssh ${f}-- ${dest}\` and confirm the fingerprint, ` +
    `or run \`${scan} | ssh-keygen -lf -\`, compare the fingerprint with the one shown on the host ` +
    `(\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`) and append the line that \`${scan}\` prints to ${info.file ?? 'your known_hosts file'}. ` +
    `Host keys are never accepted automatically.`
  );
}

interface HostKeyFinding { problem: HostKeyProblem; knownAs?: string; file?: string }

function hostKeyFinding(e: string): HostKeyFinding | undefined {
  const knownAs = /host key is known for (\S+) and you have requested strict checking|Host key for (\S+) has changed|Offending \S+ key for (\S+)|No \S+ host key is known for (\S+) and/.exec(e)?.slice(1).find((x) => x !== undefined);
  const file = /Offending \S+ key in (.+):\d+\s*$/m.exec(e)?.[1];
  const base = { ...(knownAs !== undefined ? { knownAs } : {}), ...(file !== undefined ? { file } : {}) };
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(e)) return { problem: 'changed', ...base };
  if (/No \S+ host key is known for|host key is not known|The authenticity of host .* can't be established/.test(e)) return { problem: 'unknown', ...base };
  if (/^Host key verification failed\.\s*$/m.test(e)) return { problem: 'failed', ...base };
  return undefined;
}

/** Fills in the known_hosts file, host name and port from `ssh -G` (nothing connects). */
async function hostKeyError(dest: string, argv: readonly string[], r: Spawned, stderr: string, found: HostKeyFinding, opts: SshBaseOptions): Promise<HostKeyError> {
  let info: KnownHostsInfo = { ...found };
  try {
    const rh = await resolveHost(dest, {
      ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
      ...(opts.sshPath !== undefined ? { sshPath: opts.sshPath } : {}),
      ...(opts.commandPrefix !== undefined ? { commandPrefix: opts.commandPrefix } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      timeoutMs: 10_000,
    });
    const alias = rh.all.get('hostkeyalias')?.[0];
    const hostname = alias !== undefined && alias !== 'none' ? alias : rh.hostname;
    info = {
      hostname,
      port: rh.port,
      knownAs: found.knownAs ?? knownHostsName(hostname, rh.port),
      ...(found.file ?? rh.userKnownHostsFiles[0] ? { file: found.file ?? rh.userKnownHostsFiles[0] } : {}),
    };
  } catch {
    // The hint then names what ssh itself said.
  }
  const hint = hostKeyHint(dest, opts, found.problem === 'changed' ? 'changed' : 'unknown', info);
  return new HostKeyError(dest, found.problem, hint, argv, r.code, stderr);
}

function classify(dest: string, argv: readonly string[], r: Spawned, e: string): SshError | undefined {
  if (r.code !== 255) return undefined;
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
  // Only what concerns this call: no begin line, default output limits.
  const r = await spawnCollect(argv, undefined, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
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
  const what = opts.what !== undefined ? ` (${opts.what})` : '';
  if (r.aborted) throw new SshAbortError(`ssh to ${dest} aborted${what}`, argv, r.code, r.stderr);
  if (r.timedOut) {
    const limit = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    throw new SshTimeoutError(
      `${dest} did not finish within ${limit % 1000 === 0 ? `${limit / 1000} s` : `${limit} ms`}${what}; ssh was stopped ` +
        `(${r.stdoutBytes} bytes of output received). A slow host may need a longer time limit (--timeout SECONDS).`,
      argv, r.code, r.stderr,
    );
  }
  if (r.overflowed) {
    throw new SshOutputLimitError(
      `${dest} sent more than ${opts.maxStdout ?? DEFAULT_MAX_STDOUT} bytes on stdout${what} (${r.stdoutBytes} received before ssh was stopped); nothing of it was used`,
      argv, r.code, r.stderr,
    );
  }
  // ssh's own messages come before the remote command's begin line (or make up all of stderr).
  // Once the command's begin line came, ssh had connected: a 255 is the command's own (or a
  // connection lost later), and nothing the command printed is taken for an ssh message.
  const sshText = opts.begin !== undefined && r.preamble.seen ? '' : r.preamble.stderrText + r.stderr;
  if (r.code === 255) {
    const hk = hostKeyFinding(sshText);
    if (hk) throw await hostKeyError(dest, argv, r, sshText, hk, opts);
  }
  const err = classify(dest, argv, r, sshText);
  if (err) throw err;
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    stderrDropped: r.stderrDropped,
    ...(opts.begin !== undefined ? { preamble: r.preamble } : {}),
    argv,
    durationMs: r.durationMs,
  };
}
