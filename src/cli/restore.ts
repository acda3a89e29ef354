// ckpt-inspect restore: restore an image's pty pairs on a remote host over the user's OpenSSH.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { VerifyReport } from '../parser/restore-plan.js';
import { completeReport, predictedLosses, reportOutcome } from '../parser/verify-coverage.js';
import { HelperInstallError, HelperTamperedError, HelperUnavailableError } from '../remote/helper-cache.js';
import {
  attachSshArgs, preparePlan, stagePlan, unstagePlan, validateAttachCommand, verifyRemote,
  type DevptsMode, type IndexMode, type RemoteOptions,
} from '../remote/restore-remote.js';
import { flag, str, UsageError, type Command, type OptionDef, type Parsed } from './args.js';
import { nameOf, escapeText, readInput } from './output.js';
import { printJson } from './tty-out.js';
import { formatArgv, HostKeyError, InvalidDestinationError, InvalidOptionError, resolveHost, SshConnectError, SshError, validateDestination } from '../remote/ssh.js';

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
  };
}

/**
 * TEST ONLY: `CKPT_INSPECT_TEST_SSH_PREFIX` (a JSON array of strings, e.g.
 * `["ip","netns","exec","ns"]`) is put before every ssh argv so the test suite can run the client
 * inside the network namespace of its throwaway sshd. Not documented to users; never read by the
 * extension.
 */
function testOnlyCommandPrefix(): string[] | undefined {
  const raw = process.env.CKPT_INSPECT_TEST_SSH_PREFIX;
  if (raw === undefined || raw === '') return undefined;
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new UsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings'); }
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) throw new UsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings');
  return v as string[];
}

function packageRoot(): string {
  // dist/cli.js (bundled) or src/cli/restore.ts (tsx): the package root is two levels up from
  // src/cli and one from dist.
  const here = __dirname;
  return /[\\/]src[\\/]cli$/.test(here) ? join(here, '..', '..') : join(here, '..');
}

function printTable(report: VerifyReport, notes: string[]): void {
  const out: string[] = [];
  report.pairs.forEach((p, i) => {
    out.push(`pair ${i}: /dev/pts/${String(p.image.index)} -> ${p.kernel.index === null ? '?' : `/dev/pts/${p.kernel.index}`}`);
    const rows = p.fields.map((f) => [f.name, show(f.image), show(f.kernel), f.status + (f.reason ? ` (${f.reason})` : '')]);
    const w = [0, 1, 2].map((c) => Math.min(40, Math.max(...rows.map((r) => (r[c] ?? '').length), ['field', 'image', 'kernel'][c]?.length ?? 0)));
    const line = (r: string[]): string => `  ${r.slice(0, 3).map((c, k) => clip(c, w[k] ?? 10).padEnd(w[k] ?? 10)).join('  ')}  ${r[3] ?? ''}`;
    out.push(line(['field', 'image', 'kernel', 'status']));
    for (const r of rows) out.push(line(r));
  });
  for (const n of notes) out.push(`note: ${n}`);
  const counts = report.pairs.flatMap((p) => p.fields).reduce<Record<string, number>>((m, f) => ({ ...m, [f.status]: (m[f.status] ?? 0) + 1 }), {});
  const verdict = { restored: 'OK', losses: 'RESTORED WITH LOSSES', mismatch: 'MISMATCH' }[reportOutcome(report)];
  out.push(`${verdict}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  process.stdout.write(out.join('\n') + '\n');
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
  process.stderr.write(`ckpt-inspect restore: ${file !== undefined ? `${escapeText(file)}: ` : ''}${escapeText(message)}\n`);
  return code;
}

export const restoreCommand: Command = {
  name: 'restore',
  synopsis: [
    'restore FILE --host DEST [--ssh-config FILE] [--verify] [--json]',
    '         [--index exact|any] [--devpts shared|private]',
    '         [--attach [--pair N] [--command CMD]] [-v]',
  ],
  summary: "restore the image's pty pairs on a remote host over ssh",
  description: `Re-creates the image's pseudo-terminal pairs on DEST (an ssh destination or a Host of your ssh
config) with the native helper, which is compiled (or uploaded) once and cached on the host.
Uses your OpenSSH client and configuration (BatchMode, host keys checked; never accepted here).
Nothing of the image or the plan appears on a command line. FILE '-' reads the image from stdin.`,
  options: OPTIONS,
  epilogue: `Exit status: 0 every field of the image restored (attach: the command's status),
5 restored with documented losses (fields partial or not restorable, each with its reason),
1 mismatch, 2 usage error, unreadable image or plan refused, 3 the restore failed on the host
or --strict refused a lossy restore, 4 ssh failed (host key, connection, authentication) or the
helper could not be installed.`,
  run: (p) => restoreCmd(restoreArgs(p)),
};

async function restoreCmd(args: Args): Promise<number> {
  const json = args.json;
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
    const opts: RemoteOptions = {
      packageRoot: packageRoot(),
      ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}),
      ...(prefix ? { commandPrefix: prefix } : {}),
      ...(args.verbose ? { log: (l: string) => process.stderr.write(`[ssh] ${l}\n`) } : {}),
    };
    if (args.strict) {
      const losses = predictedLosses(prepared.image);
      if (losses.length) {
        const list = losses.map((l) => `pair ${l.pair} ${l.field.name}: ${l.field.status} (${l.field.reason ?? 'no reason'})`);
        return fail(json, 3, `--strict: ${losses.length} field${losses.length === 1 ? '' : 's'} of the image would not be restored; nothing was done on ${args.host}:\n  ${list.join('\n  ')}`, { losses });
      }
    }
    if (!json) for (const n of prepared.notes) process.stderr.write(`note: ${n}\n`);
    if (opts.log) {
      // What the user's configuration makes of DEST (ssh -G: nothing connects).
      const r = await resolveHost(args.host, { ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}), ...(prefix ? { commandPrefix: prefix } : {}), log: opts.log });
      opts.log(`${args.host}: ${r.user}@${r.hostname}:${r.port}, known hosts ${r.userKnownHostsFiles.join(' ')}, StrictHostKeyChecking ${r.strictHostKeyChecking}`);
    }

    if (args.verify) {
      const r = await verifyRemote(args.host, prepared.text, { ...opts, devpts: args.devpts, index: args.index, strict: args.strict });
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
    const staged = await stagePlan(args.host, prepared.text, opts);
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
    const code = await new Promise<number>((resolve) => {
      const child = spawn(full[0] as string, full.slice(1), { stdio: 'inherit' });
      child.on('error', (e) => { process.stderr.write(`ckpt-inspect restore: cannot run ssh: ${e.message}\n`); resolve(255); });
      child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    opts.log?.(`ssh (attach) -> exit ${code}`);
    if (code === 255) {
      await unstagePlan(staged, opts);
      return fail(false, 4, `the ssh session to ${args.host} failed (exit 255)`);
    }
    return code;
  } catch (e) {
    if (e instanceof InvalidDestinationError || e instanceof InvalidOptionError || e instanceof UsageError) return fail(json, 2, e.message);
    if (e instanceof HostKeyError) return fail(json, 4, e.message, { hostKey: e.problem });
    if (e instanceof SshConnectError) return fail(json, 4, `${e.message}${e.stderr && !e.message.includes(e.stderr.trim()) ? `\n${e.stderr.trim()}` : ''}`);
    if (e instanceof HelperUnavailableError || e instanceof HelperInstallError || e instanceof HelperTamperedError) return fail(json, 4, e.message);
    if (e instanceof SshError) return fail(json, 4, `${e.message}${e.exitCode !== null ? ` (ssh exit ${e.exitCode})` : ''}`);
    throw e;
  }
}
