/**
 * Restore a checkpoint image's pty pairs on a remote host: the glue between the image parser
 * (buildPlan), the SSH transport (ssh.ts) and the helper cache (helper-cache.ts), shared by the CLI
 * (`ckpt-inspect restore`) and the VS Code command. Pure Node: no `vscode` import.
 *
 * Verify: ONE ssh call when the helper is cached (`restore --verify` with the plan on stdin).
 *
 * Attach: the helper must talk to a terminal, so the plan cannot travel on the terminal session's
 * stdin, and it must never appear on a command line. So:
 *   1. `ensureHelper` (one call when cached) learns the verified cache directory and binary hash;
 *   2. {@link stagePlan} (one call) writes the plan through stdin into a fresh `mktemp` file, mode
 *      0600, inside that 0700 cache directory, and has the helper `check` it;
 *   3. the terminal session runs {@link attachRemoteCommand}: it re-checks the binary's hash, opens
 *      the staged file on fd 3, deletes it, and execs `helper restore --attach --plan /dev/fd/3`.
 *      Only the staged file's path (random, inside the user's private cache) is on the command line.
 * A plan whose terminal never started is removed by {@link unstagePlan}, and any staged plan older
 * than {@link STALE_PLAN_MINUTES} minutes by the next staging call.
 */
import { join } from 'node:path';
import { openImage } from '../parser/image.js';
import type { Image } from '../parser/model.js';
import { buildPlan } from '../parser/plan-from-image.js';
import { serializePlan, type RestorePlan, type VerifyReport } from '../parser/restore-plan.js';
import {
  BEGIN_MARK, defaultHelperPaths, ensureHelper, runHelper, HELPER_NAME, SH_BEGIN, SH_FUNCS,
  type HelperCacheOptions, type HelperCacheReport,
} from './helper-cache.js';
import { buildRunArgv, run, shJoin, shQuote, validateDestination, InvalidOptionError, SshError, type RunOptions } from './ssh.js';
import { parseVerifyReport, ReportError, unframeReport } from './verify-report.js';

export type DevptsMode = 'shared' | 'private';
export type IndexMode = 'exact' | 'any';

export interface RestoreOptions {
  devpts?: DevptsMode;
  index?: IndexMode;
  /** The helper refuses to restore part of a queue (docs/restore-plan.md). */
  strict?: boolean;
}

/** Options for every remote step: the helper-cache options minus the helper's location. */
export type RemoteOptions = Omit<HelperCacheOptions, 'sourcePath' | 'staticBinaries'> & {
  /** Root of the installed package (holds helper/ckpt-pty-helper.c and dist/…-static). */
  packageRoot: string;
};

/** Helper exit codes (helper/ckpt-pty-helper.c header). */
export const HELPER_EXIT = { ok: 0, mismatch: 1, refused: 2, failed: 3 } as const;

/** Staged plans older than this are removed by the next staging call on the same host. */
export const STALE_PLAN_MINUTES = 10;

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

export interface PreparedPlan {
  /** The parsed image (for the every-field report, src/parser/verify-coverage.ts). */
  image: Image;
  plan: RestorePlan;
  /** The serialized plan (what the helper reads). */
  text: string;
  /** What the plan leaves out, and why. */
  notes: string[];
}

/** Image bytes → plan (throws PlanBuildError / PlanError with a readable message). */
export function preparePlan(bytes: Uint8Array): PreparedPlan {
  const image = openImage(bytes);
  const { plan, notes } = buildPlan(image);
  return { image, plan, text: serializePlan(plan), notes };
}

/** The argv given to the helper for a restore (never contains plan data). */
export function helperRestoreArgs(mode: '--verify' | '--attach', o: RestoreOptions & { pair?: number; command?: string }): string[] {
  const args = ['restore', mode, '--devpts', o.devpts ?? 'shared', '--index', o.index ?? 'exact'];
  if (o.strict) args.push('--strict');
  if (o.pair !== undefined) {
    if (!Number.isInteger(o.pair) || o.pair < 0 || o.pair > 1048575) throw new InvalidOptionError(`--pair ${o.pair} is not a pts index`);
    args.push('--pair', String(o.pair));
  }
  if (o.command !== undefined) args.push('--command', attachCommandString(o.command));
  return args;
}

// ---------------------------------------------------------------------------------------------
// The attach command (--command)
// ---------------------------------------------------------------------------------------------

/** Characters allowed in one word of `--command`: no shell syntax at all. */
const COMMAND_WORD = /^[A-Za-z0-9_./,:=@+%-]+$/;

/**
 * `--command` names a program and plain arguments, separated by spaces (`sh`, `bash -l`, `vim notes.txt`).
 * The helper runs it through `/bin/sh -c`, so shell syntax (`;`, `$()`, quotes, redirections, globs,
 * newlines…) is refused here rather than passed on: throws {@link InvalidOptionError}.
 */
export function validateAttachCommand(cmd: string): string[] {
  const words = cmd.split(' ').filter((w) => w !== '');
  if (words.length === 0) throw new InvalidOptionError('--command is empty');
  if (cmd.length > 1024) throw new InvalidOptionError('--command is too long');
  for (const w of words) {
    if (!COMMAND_WORD.test(w)) {
      throw new InvalidOptionError(
        `--command ${JSON.stringify(cmd)}: ${JSON.stringify(w)} contains characters that are not allowed; give a program and plain arguments ` +
          '(letters, digits and . _ / , : = @ + % -), no shell syntax. For anything else, start a shell (--command sh) and type it there.',
      );
    }
  }
  if (words[0]?.includes('=')) throw new InvalidOptionError(`--command ${JSON.stringify(cmd)} must start with a program, not an assignment`);
  return words;
}

/** The string handed to the helper's `sh -c`: every word quoted (they are plain already). */
export function attachCommandString(cmd: string): string {
  return validateAttachCommand(cmd).map(shQuote).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Verify
// ---------------------------------------------------------------------------------------------

export interface VerifyOutcome {
  /** The helper's report, checked against its schema and the plan (null when it did not produce one: plan refused, restore failed). */
  report: VerifyReport | null;
  /** Helper exit status (0 ok, 1 mismatch, 2 plan refused, 3 restore failed). */
  exitCode: number;
  /** The helper's stderr, without the cache's own marker lines (raw remote text: escape before printing). */
  stderr: string;
  /** Stderr bytes beyond what was kept. */
  stderrDropped: number;
  /** Bytes the remote login shell printed on stdout before the helper started, and around its report. */
  bannerBytes: number;
  /** Text before the scripts started on stderr: ssh's own warnings, the login shell's messages (raw). */
  preambleStderr: string;
  cache: HelperCacheReport;
  durationMs: number;
}

/** The helper answered, but not with a report that can be believed. */
export class HelperReportError extends SshError {}

export function helperCacheOptions(o: RemoteOptions): HelperCacheOptions {
  const { packageRoot, ...rest } = o;
  return { ...rest, ...defaultHelperPaths(packageRoot) };
}

function cleanStderr(s: string): string {
  return s.split('\n').filter((l) => !l.startsWith('CKPT-HELPER-')).join('\n').trim();
}

/** Restore `plan` on `dest` in `--verify` mode and return the helper's report, checked against the plan. */
export async function verifyRemote(dest: string, prepared: PreparedPlan, o: RemoteOptions & RestoreOptions): Promise<VerifyOutcome> {
  validateDestination(dest);
  const t0 = performance.now();
  const r = await runHelper(dest, helperRestoreArgs('--verify', o), Buffer.from(prepared.text, 'ascii'), helperCacheOptions(o));
  let report: VerifyReport | null = null;
  let { bannerBytes } = r.cache;
  if (r.code === HELPER_EXIT.ok || r.code === HELPER_EXIT.mismatch) {
    try {
      const framed = unframeReport(r.stdout);
      bannerBytes = Math.max(bannerBytes, framed.before + framed.after);
      report = parseVerifyReport(framed.payload, prepared.plan, r.code);
    } catch (e) {
      if (!(e instanceof ReportError)) throw e;
      throw new HelperReportError(`the helper on ${dest} gave no report that can be believed (exit ${r.code}): ${e.message}`, r.argv, r.code, r.stderr);
    }
  }
  return {
    report,
    exitCode: r.code,
    stderr: cleanStderr(r.stderr),
    stderrDropped: r.stderrDropped,
    bannerBytes,
    preambleStderr: r.cache.preambleStderr,
    cache: r.cache,
    durationMs: performance.now() - t0,
  };
}

// ---------------------------------------------------------------------------------------------
// Attach: staging
// ---------------------------------------------------------------------------------------------

export interface StagedPlan {
  dest: string;
  /** Remote path of the staged plan (0600, in the 0700 cache dir); deleted by the attach command. */
  planPath: string;
  /** Remote path of the verified helper binary. */
  binary: string;
  /** Its sha256, re-checked by the attach command before it runs. */
  binarySha256: string;
  cache: HelperCacheReport;
}

const MARK_STAGED = 'CKPT-PLAN-STAGED';
const MARK_UNSTAGED = 'CKPT-PLAN-UNSTAGED';

/**
 * Upload the plan to a private temporary file next to the cached helper (stdin only), and let the
 * helper parse it there (`check`), so that a bad plan fails before any terminal opens.
 */
export async function stagePlan(dest: string, planText: string, o: RemoteOptions): Promise<StagedPlan> {
  validateDestination(dest);
  const hopts = helperCacheOptions(o);
  const cache = await ensureHelper(dest, hopts);
  const dir = cache.remoteDir;
  const sha = cache.binarySha256;
  if (!dir || !sha || !/^[0-9a-f]{64}$/.test(sha)) throw new SshError(`the helper cache on ${dest} did not report its directory and hash`);
  const script = [
    SH_BEGIN,
    'umask 077',
    'd=$1; e=$2',
    `b="$d/${HELPER_NAME}"`,
    SH_FUNCS,
    'sd "$d" || { echo "the helper cache directory $d is not a private directory of this user" >&2; exit 2; }',
    `find "$d" -maxdepth 1 -name 'plan.*' -type f -mmin +${STALE_PLAN_MINUTES} -exec rm -f {} + 2>/dev/null`,
    '{ sf "$b" && [ "$(h "$b")" = "$e" ]; } || { echo "the cached helper $b no longer matches its hash" >&2; exit 86; }',
    'f=$(mktemp "$d/plan.XXXXXXXXXX") || exit 2',
    'chmod 600 "$f" && cat > "$f" || { rm -f "$f"; exit 2; }',
    '"$b" check --plan "$f" >/dev/null || { rc=$?; rm -f "$f"; exit $rc; }',
    `echo "${MARK_STAGED} $f"`,
  ].join('; ');
  const r = await run(dest, { script: shJoin(['sh', '-c', script, 'sh', dir, sha]) }, { ...runOpts(o), stdin: Buffer.from(planText, 'ascii'), what: 'staging the restore plan', begin: BEGIN_MARK });
  const line = r.stdout.toString('utf8').split('\n').find((l) => l.startsWith(`${MARK_STAGED} `));
  if (r.code !== 0 || !line) {
    throw new SshError(`staging the restore plan on ${dest} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.toString('utf8').trim()}`, r.argv, r.code, r.stderr);
  }
  const planPath = line.slice(MARK_STAGED.length + 1);
  if (!planPath.startsWith(`${dir}/plan.`) || planPath.includes('/', dir.length + 1)) throw new SshError(`unexpected staging answer from ${dest}: ${line}`);
  return { dest, planPath, binary: join(dir, HELPER_NAME), binarySha256: sha, cache };
}

/**
 * Remove a staged plan (best effort). `removed`: it was still there, so the terminal session's
 * command never started; `absent`: the session took it (or it is gone); `failed`: no answer.
 */
export async function unstagePlan(staged: StagedPlan, o: RemoteOptions): Promise<'removed' | 'absent' | 'failed'> {
  const script = [
    SH_BEGIN,
    'if [ -f "$1" ] && [ ! -L "$1" ]; then rm -f -- "$1" && echo "' + MARK_UNSTAGED + ' removed"; else echo "' + MARK_UNSTAGED + ' absent"; fi',
  ].join('; ');
  try {
    const r = await run(staged.dest, { script: shJoin(['sh', '-c', script, 'sh', staged.planPath]) }, { ...runOpts(o), what: 'removing the staged plan', begin: BEGIN_MARK });
    const m = new RegExp(`^${MARK_UNSTAGED} (removed|absent)$`, 'm').exec(r.stdout.toString('utf8'));
    return m?.[1] === 'removed' ? 'removed' : m?.[1] === 'absent' ? 'absent' : 'failed';
  } catch {
    return 'failed';
  }
}

function runOpts(o: RemoteOptions): RunOptions {
  return {
    ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
    ...(o.sshPath !== undefined ? { sshPath: o.sshPath } : {}),
    ...(o.commandPrefix !== undefined ? { commandPrefix: o.commandPrefix } : {}),
    ...(o.connectTimeoutSec !== undefined ? { connectTimeoutSec: o.connectTimeoutSec } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(o.log !== undefined ? { log: o.log } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Attach: the terminal session
// ---------------------------------------------------------------------------------------------

/**
 * The remote command (one shell string) of the terminal session: check the binary, take the staged
 * plan on fd 3, delete the file, exec the helper in --attach mode on the session's terminal.
 */
export function attachRemoteCommand(staged: StagedPlan, o: RestoreOptions & { pair?: number; command?: string }): string {
  const script = [
    'f=$1; b=$2; e=$3; shift 3',
    SH_FUNCS,
    '[ -f "$f" ] || { echo "ckpt-inspect: the staged restore plan $f is gone (each plan is used once)" >&2; exit 2; }',
    '{ sd "${b%/*}" && sf "$b" && [ "$(h "$b")" = "$e" ]; } || { rm -f "$f"; echo "ckpt-inspect: the cached helper $b is not private or no longer matches its hash; not running it" >&2; exit 86; }',
    'exec 3<"$f" || exit 2',
    'rm -f "$f"',
    'exec "$b" "$@" --plan /dev/fd/3',
  ].join('; ');
  return shJoin(['sh', '-c', script, 'sh', staged.planPath, staged.binary, staged.binarySha256, ...helperRestoreArgs('--attach', o)]);
}

/**
 * ssh arguments (after the executable) for the terminal session: `-t` (VS Code terminal: a real
 * local pty) or `-tt` (CLI: force it), the config file, BatchMode, `--`, the destination and the
 * quoted remote command. Host keys are checked as the user's configuration says.
 */
export function attachSshArgs(staged: StagedPlan, o: RestoreOptions & { pair?: number; command?: string; configFile?: string; tty: '-t' | '-tt'; connectTimeoutSec?: number }): string[] {
  const argv = buildRunArgv(staged.dest, attachRemoteCommand(staged, o), {
    ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
    ...(o.connectTimeoutSec !== undefined ? { connectTimeoutSec: o.connectTimeoutSec } : {}),
  });
  // buildRunArgv gives [ssh, ...opts, -T, ..., --, dest, cmd]: swap -T for the tty flag.
  const args = argv.slice(1);
  const t = args.indexOf('-T');
  if (t < 0 || t > args.indexOf('--')) throw new Error('unexpected ssh argv');
  args[t] = o.tty;
  return args;
}
