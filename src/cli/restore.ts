// ckpt-inspect restore: restore an image's pty pairs on a remote host over the user's OpenSSH.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { VerifyReport } from '../parser/restore-plan.js';
import { completeReport, predictedLosses, reportOutcome } from '../parser/verify-coverage.js';
import { FileHashStore } from '../remote/hash-store.js';
import { HelperCacheUnsafeError, HelperInstallError, HelperTamperedError, HelperUnavailableError } from '../remote/helper-cache.js';
import {
  attachSshArgs, HelperReportError, preparePlan, stagePlan, unstagePlan, validateAttachCommand, verifyRemote,
  type DevptsMode, type IndexMode, type RemoteOptions, type StagedPlan,
} from '../remote/restore-remote.js';
import { flag, str, UsageError, type Command, type OptionDef, type Parsed } from './args.js';
import { nameOf, escapeText, readInput } from './output.js';
import { printJson } from './tty-out.js';
import {
  formatArgv, HostKeyError, InvalidDestinationError, InvalidOptionError, resolveHost, SshAbortError, SshConnectError, SshError,
  SshOutputLimitError, SshTimeoutError, validateDestination,
} from '../remote/ssh.js';

export const RESTORE_FORMAT = 'ckpt-inspect.restore/1';

const OPTIONS: Record<string, OptionDef> = {
  host: { type: 'string', arg: 'DEST', help: 'an ssh destination or a Host of your ssh config (required)' },
  'ssh-config': { type: 'string', arg: 'FILE', help: 'the ssh configuration file to use (ssh -F)' },
  verify: { type: 'boolean', help: 'restore, read every field back from the kernel and compare (the default)' },
  json: { type: 'boolean', help: 'with --verify: print the report as JSON ("format": "ckpt-inspect.restore/1")' },
  attach: { type: 'boolean', help: 'restore and run CMD on the restored terminal, attached to this one' },
  pair: { type: 'string', arg: 'N', help: 'with --attach: the pair to attach to when there are several' },
  command: { type: 'string', arg: 'CMD', help: 'with --attach: a program and plain arguments (no shell syntax), e.g. "bash -l"' },
  devpts: { type: 'string', choices: ['shared', 'private'], help: 'private: restore in a private devpts instance (indexes free)' },
  index: { type: 'string', choices: ['exact', 'any'], help: "any: take another index when the image's one is in use" },
  timeout: { type: 'string', arg: 'SECONDS', help: 'time limit of each non-interactive ssh call (default 60)' },
  verbose: { type: 'boolean', short: 'v', help: 'log every ssh call (argv, exit code, stderr) to stderr' },
  strict: { type: 'boolean', help: 'refuse to restore (exit 3, nothing done on the host) when any field of the image would not come back' },
};

/** Exit status of a --verify restore by its outcome (documented in README and docs/restore-plan.md). */
export const RESTORE_EXIT = { restored: 0, losses: 5, mismatch: 1 } as const;

interface Args {
  file: string;
  host: string;
  sshConfig?: string;
  json: boolean;
  verify: boolean;
  attach: boolean;
  command?: string;
  pair?: number;
  devpts: DevptsMode;
  index: IndexMode;
  verbose: boolean;
  strict: boolean;
  timeoutSec?: number;
}

function restoreArgs(p: Parsed): Args {
  const files = p.positionals;
  if (files.length !== 1) throw new UsageError(files.length ? `give one FILE, not ${files.length}` : 'missing FILE');
  const host = str(p, 'host');
  if (host === undefined) throw new UsageError('missing --host DEST');
  const attach = flag(p, 'attach');
  const json = flag(p, 'json');
  const command = str(p, 'command');
  const pairArg = str(p, 'pair');
  if (attach && flag(p, 'verify')) throw new UsageError('--verify and --attach are exclusive');
  if (attach && json) throw new UsageError('--json goes with --verify, not --attach');
  if (!attach && (command !== undefined || pairArg !== undefined)) throw new UsageError('--command and --pair go with --attach');
  if (pairArg !== undefined && !/^[0-9]{1,7}$/.test(pairArg)) throw new UsageError(`--pair '${escapeText(pairArg)}' is not a pts index`);
  const sshConfig = str(p, 'ssh-config');
  const timeout = str(p, 'timeout');
  if (timeout !== undefined && (!/^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(timeout) || Number(timeout) <= 0 || Number(timeout) > 86400)) {
    throw new UsageError(`--timeout '${escapeText(timeout)}' is not a number of seconds (up to 86400)`);
  }
  return {
    file: files[0] as string,
    host,
    ...(sshConfig !== undefined ? { sshConfig } : {}),
    json,
    verify: !attach,
    attach,
    ...(command !== undefined ? { command } : {}),
    ...(pairArg !== undefined ? { pair: Number(pairArg) } : {}),
    devpts: (str(p, 'devpts') ?? 'shared') as DevptsMode,
    index: (str(p, 'index') ?? 'exact') as IndexMode,
    verbose: flag(p, 'verbose'),
    strict: flag(p, 'strict'),
    ...(timeout !== undefined ? { timeoutSec: Number(timeout) } : {}),
  };
}

/**
 * TEST ONLY: `CKPT_INSPECT_TEST_SSH_PREFIX` (a JSON array of strings, e.g.
 * `["ip","netns","exec","ns"]`) is put before every ssh argv so the test suite can run the client
 * inside the network namespace of its throwaway sshd. Not documented to users; never read by the
 * extension.
 */
export function testOnlyCommandPrefix(): string[] | undefined {
  const raw = process.env.CKPT_INSPECT_TEST_SSH_PREFIX;
  if (raw === undefined || raw === '') return undefined;
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new UsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings'); }
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) throw new UsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings');
  return v as string[];
}

export function packageRoot(): string {
  // dist/cli-commands.js (bundled) or src/cli/restore.ts (tsx): the package root is two levels up
  // from src/cli and one from dist.
  const here = __dirname;
  return /[\\/]src[\\/]cli$/.test(here) ? join(here, '..', '..') : join(here, '..');
}

/** Remote or outside text for the terminal: each line escaped, at most `maxLines` lines. */
function escapedLines(text: string, maxLines = 40): string[] {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const shown = lines.slice(0, maxLines).map((l) => escapeText(l));
  if (lines.length > maxLines) shown.push(`…(${lines.length - maxLines} more lines)`);
  return shown;
}

/**
 * The remote calls' options from the command line shared by restore and capture: the shipped
 * helper's root, the recorded hashes, the time limit, ssh's config, -v's log and the first of the
 * remote's notices (a tampered cached helper is said once, not per call).
 */
export function remoteOptions(args: { timeoutSec?: number; sshConfig?: string; verbose?: boolean }, signal: AbortSignal): RemoteOptions {
  const prefix = testOnlyCommandPrefix();
  let noticed = false;
  return {
    packageRoot: packageRoot(),
    hashStore: new FileHashStore(),
    signal,
    ...(args.timeoutSec !== undefined ? { timeoutMs: Math.round(args.timeoutSec * 1000) } : {}),
    ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}),
    ...(prefix ? { commandPrefix: prefix } : {}),
    ...(args.verbose ? { log: (l: string) => say('[ssh] ', l) } : {}),
    onNotice: (m: string) => {
      if (noticed) return;
      noticed = true;
      say('note: ', m);
    },
  };
}

export function say(prefix: string, text: string): void {
  for (const l of escapedLines(text)) process.stderr.write(`${prefix}${l}\n`);
}

function printTable(report: VerifyReport, notes: string[]): void {
  const out: string[] = [];
  report.pairs.forEach((p, i) => {
    out.push(`pair ${i}: /dev/pts/${String(p.image.index)} -> ${p.kernel.index === null ? '?' : `/dev/pts/${p.kernel.index}`}`);
    const rows = p.fields.map((f) => [f.name, show(f.image), show(f.kernel), f.status + (f.reason ? ` (${f.reason})` : '')].map((c) => escapeText(c)));
    const w = [0, 1, 2].map((c) => Math.min(40, Math.max(...rows.map((r) => (r[c] ?? '').length), ['field', 'image', 'kernel'][c]?.length ?? 0)));
    const line = (r: string[]): string => `  ${r.slice(0, 3).map((c, k) => clip(c, w[k] ?? 10).padEnd(w[k] ?? 10)).join('  ')}  ${r[3] ?? ''}`;
    out.push(line(['field', 'image', 'kernel', 'status']));
    for (const r of rows) out.push(line(r));
  });
  for (const n of notes) out.push(`note: ${escapeText(n)}`);
  const counts = report.pairs.flatMap((p) => p.fields).reduce<Record<string, number>>((m, f) => ({ ...m, [f.status]: (m[f.status] ?? 0) + 1 }), {});
  const verdict = { restored: 'OK', losses: 'RESTORED WITH LOSSES', mismatch: 'MISMATCH' }[reportOutcome(report)];
  out.push(`${verdict}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function fail(json: boolean, code: number, message: string, extra: Record<string, unknown> = {}, file?: string): number {
  if (json) printJson({ format: RESTORE_FORMAT, ok: false, error: message, exitCode: code, ...extra, pairs: [] });
  const [first = '', ...rest] = escapedLines(message);
  process.stderr.write(`ckpt-inspect restore: ${file !== undefined ? `${escapeText(file)}: ` : ''}${first}\n`);
  for (const l of rest) process.stderr.write(`  ${l}\n`);
  return code;
}

/** What the remote side printed besides the helper's own answer, said once, escaped. */
export function remoteNotes(host: string, bannerBytes: number, preambleStderr: string, stderrDropped = 0): void {
  // ssh's own warnings (a changed host key accepted under StrictHostKeyChecking no, a key added
  // under accept-new) and the login shell's stderr: passed on as ssh would show them.
  if (preambleStderr.trim() !== '') say('ssh: ', preambleStderr);
  if (bannerBytes > 0) {
    process.stderr.write(`note: the remote shell printed ${bannerBytes} byte${bannerBytes === 1 ? '' : 's'} before the helper started (a login banner?); ignored\n`);
  }
  if (stderrDropped > 0) process.stderr.write(`note: ${stderrDropped} more bytes of ${escapeText(host)}'s stderr were not kept\n`);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Sig = (typeof SIGNALS)[number];
const SIGNO: Record<Sig, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * SIGINT, SIGTERM and SIGHUP while a restore runs: the ssh calls are aborted (their ssh killed and
 * waited for) and the attach session's ssh gets the same signal, so that nothing is orphaned and
 * the remote side hangs up; the caller then cleans up and exits 128+N.
 */
export class SignalGuard {
  readonly abort = new AbortController();
  received: Sig | undefined;
  private child: ChildProcess | undefined;
  private readonly handlers = new Map<Sig, () => void>();

  constructor() {
    for (const sig of SIGNALS) {
      const h = (): void => {
        // A second signal while cleaning up: leave at once (ssh has had its signal already).
        if (this.received !== undefined) process.exit(128 + SIGNO[sig]);
        this.received = sig;
        this.abort.abort();
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
      };
      this.handlers.set(sig, h);
      process.on(sig, h);
    }
  }

  attach(child: ChildProcess): void {
    this.child = child;
  }

  get exitCode(): number {
    return this.received === undefined ? 1 : 128 + SIGNO[this.received];
  }

  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }
}

/** ssh's own stderr during the attach session (the remote's output comes through the pty), escaped line by line. */
function relayEscaped(stream: NodeJS.ReadableStream): Promise<void> {
  const eol = process.stderr.isTTY ? '\r\n' : '\n';
  let pending = '';
  let dropped = 0;
  let written = 0;
  const emit = (line: string): void => {
    if (written > 64 << 10) { dropped += line.length; return; }
    written += line.length;
    process.stderr.write(`${escapeText(line)}${eol}`);
  };
  return new Promise((resolve) => {
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.search(/\r?\n/);
      while (nl >= 0) {
        emit(pending.slice(0, nl));
        pending = pending.slice(pending[nl] === '\r' ? nl + 2 : nl + 1);
        nl = pending.search(/\r?\n/);
      }
      if (pending.length > 4096) { emit(pending); pending = ''; }
    });
    stream.on('end', () => {
      if (pending !== '') emit(pending.replace(/\r$/, ''));
      if (dropped) process.stderr.write(`note: ${dropped} more bytes of ssh's stderr were not shown${eol}`);
      resolve();
    });
  });
}

export const restoreCommand: Command = {
  name: 'restore',
  synopsis: [
    'restore FILE --host DEST [--ssh-config FILE] [--verify] [--json]',
    '         [--index exact|any] [--devpts shared|private]',
    '         [--attach [--pair N] [--command CMD]] [--timeout SECONDS] [-v]',
  ],
  summary: "restore the image's pty pairs on a remote host over ssh",
  description: `Re-creates the image's pseudo-terminal pairs on DEST (an ssh destination or a Host of your ssh
config) with the native helper, which is compiled (or uploaded) once and cached on the host.
Uses your OpenSSH client and configuration (BatchMode, host keys checked; never accepted here).
Nothing of the image or the plan appears on a command line. FILE '-' reads the image from stdin.`,
  options: OPTIONS,
  epilogue: `Exit status: 0 every field of the image restored (attach: the command's status),
5 restored with documented losses (fields partial or not restorable, each with its reason),
1 mismatch, 2 usage error, unreadable image or plan refused, 3 the restore failed on the host,
--strict refused a lossy restore, or the host's report could not be believed, 4 ssh failed
(host key, connection, authentication, time or output limit) or the helper could not be
installed or checked, 128+N stopped by signal N.`,
  run: (p) => restoreCmd(restoreArgs(p)),
};

async function restoreCmd(args: Args): Promise<number> {
  const json = args.json;
  const guard = new SignalGuard();
  let staged: StagedPlan | undefined;
  let opts: RemoteOptions | undefined;
  try {
    // Everything that can be refused locally is refused before any ssh call.
    validateDestination(args.host);
    if (args.command !== undefined) validateAttachCommand(args.command);
    let bytes: Uint8Array;
    try {
      bytes = readInput(args.file);
    } catch (e) {
      return fail(json, 2, (e as Error).message, {}, nameOf(args.file));
    }
    let prepared: ReturnType<typeof preparePlan>;
    try {
      prepared = preparePlan(bytes);
    } catch (e) {
      return fail(json, 2, `no restore plan: ${(e as Error).message}`, {}, nameOf(args.file));
    }
    const prefix = testOnlyCommandPrefix();
    opts = remoteOptions(args, guard.abort.signal);
    if (args.strict) {
      const losses = predictedLosses(prepared.image);
      if (losses.length) {
        const list = losses.map((l) => `pair ${l.pair} ${l.field.name}: ${l.field.status} (${l.field.reason ?? 'no reason'})`);
        return fail(json, 3, `--strict: ${losses.length} field${losses.length === 1 ? '' : 's'} of the image would not be restored; nothing was done on ${args.host}:\n  ${list.join('\n  ')}`, { losses });
      }
    }
    if (!json) for (const n of prepared.notes) say('note: ', n);
    if (opts.log) {
      // What the user's configuration makes of DEST (ssh -G: nothing connects).
      const r = await resolveHost(args.host, { ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}), ...(prefix ? { commandPrefix: prefix } : {}), log: opts.log, signal: guard.abort.signal });
      opts.log(`${args.host}: ${r.user}@${r.hostname}:${r.port}, known hosts ${r.userKnownHostsFiles.join(' ')}, StrictHostKeyChecking ${r.strictHostKeyChecking}`);
    }

    if (args.verify) {
      const r = await verifyRemote(args.host, prepared, { ...opts, devpts: args.devpts, index: args.index, strict: args.strict });
      remoteNotes(args.host, r.bannerBytes, r.preambleStderr, r.stderrDropped);
      if (!r.report) {
        const what = r.exitCode === 2 ? 'the helper refused the plan' : r.exitCode === 3 ? 'the restore failed on the host' : `the helper failed (exit ${r.exitCode})`;
        return fail(json, r.exitCode === 2 ? 2 : 3, `${what}: ${r.stderr || 'no message'}`, { helperExitCode: r.exitCode, notes: prepared.notes });
      }
      const full = completeReport(prepared.image, r.report);
      const outcome = r.exitCode === 0 ? reportOutcome(full) : 'mismatch';
      if (json) printJson({ format: RESTORE_FORMAT, ...full, outcome, notes: prepared.notes });
      else printTable(full, []);
      return RESTORE_EXIT[outcome];
    }

    // --attach
    staged = await stagePlan(args.host, prepared.text, opts);
    remoteNotes(args.host, staged.cache.bannerBytes, staged.cache.preambleStderr);
    const sshArgs = attachSshArgs(staged, {
      devpts: args.devpts,
      index: args.index,
      strict: args.strict,
      tty: '-tt',
      ...(args.pair !== undefined ? { pair: args.pair } : {}),
      ...(args.command !== undefined ? { command: args.command } : {}),
      ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}),
    });
    const full = [...(prefix ?? []), 'ssh', ...sshArgs];
    opts.log?.(`ssh (attach): ${formatArgv(full)}`);
    if (guard.received) return guard.exitCode;
    const code = await new Promise<number>((resolve) => {
      const child = spawn(full[0] as string, full.slice(1), { stdio: ['inherit', 'inherit', 'pipe'] });
      guard.attach(child);
      const relayed = child.stderr ? relayEscaped(child.stderr) : Promise.resolve();
      child.on('error', (e) => { say('ckpt-inspect restore: cannot run ssh: ', e.message); resolve(255); });
      child.on('close', (c, sig) => { void relayed.then(() => resolve(c ?? (sig ? 128 : 1))); });
    });
    opts.log?.(`ssh (attach) -> exit ${code}${guard.received ? ` after ${guard.received}` : ''}`);
    if (guard.received) return guard.exitCode;
    if (code === 255) {
      // ssh's own failures and the command's own status 255 look alike: the staged plan tells them
      // apart (the session's first act is to take it).
      const left = await unstagePlan(staged, { ...opts, timeoutMs: 15_000 });
      staged = undefined;
      if (left === 'absent') return 255;
      return fail(false, 4, `the ssh session to ${args.host} failed (exit 255) before the helper started`);
    }
    staged = undefined; // the session took it
    return code;
  } catch (e) {
    if (guard.received || e instanceof SshAbortError) return guard.received ? guard.exitCode : 130;
    if (e instanceof InvalidDestinationError || e instanceof InvalidOptionError || e instanceof UsageError) return fail(json, 2, e.message);
    if (e instanceof HostKeyError) return fail(json, 4, e.message, { hostKey: e.problem });
    if (e instanceof SshConnectError) return fail(json, 4, `${e.message}${e.stderr && !e.message.includes(e.stderr.trim()) ? `\n${e.stderr.trim()}` : ''}`);
    if (e instanceof SshTimeoutError || e instanceof SshOutputLimitError) return fail(json, 4, e.message);
    if (e instanceof HelperReportError) return fail(json, 3, `${e.message}${e.stderr.trim() ? `\nthe helper said: ${e.stderr.trim()}` : ''}`);
    if (e instanceof HelperCacheUnsafeError || e instanceof HelperUnavailableError || e instanceof HelperInstallError || e instanceof HelperTamperedError) return fail(json, 4, e.message);
    if (e instanceof SshError) return fail(json, 4, `${e.message}${e.exitCode !== null ? ` (ssh exit ${e.exitCode})` : ''}`);
    throw e;
  } finally {
    // A plan staged for a session that never took it (an error, a signal before or during the
    // session's login) is removed; a plan whose removal fails goes with the next staging call.
    if (staged && opts) {
      const { signal: _aborted, ...rest } = opts;
      await unstagePlan(staged, { ...rest, timeoutMs: 15_000 });
    }
    guard.dispose();
  }
}
