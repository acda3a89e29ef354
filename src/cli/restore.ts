// ckpt-inspect restore: restore an image's pty pairs on a remote host over the user's OpenSSH.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyReport } from '../parser/restore-plan.js';
import { HelperInstallError, HelperTamperedError, HelperUnavailableError } from '../remote/helper-cache.js';
import {
  attachSshArgs, preparePlan, stagePlan, unstagePlan, validateAttachCommand, verifyRemote,
  type DevptsMode, type IndexMode, type RemoteOptions,
} from '../remote/restore-remote.js';
import { formatArgv, HostKeyError, InvalidDestinationError, InvalidOptionError, resolveHost, SshConnectError, SshError, validateDestination } from '../remote/ssh.js';

export const RESTORE_USAGE = `usage: ckpt-inspect restore FILE --host DEST [--ssh-config FILE] [--verify] [--json]
                           [--index exact|any] [--devpts shared|private]
                           [--attach [--pair N] [--command CMD]] [-v]

Re-creates the image's pseudo-terminal pairs on DEST (an ssh destination or a Host of your ssh
config) with the native helper, which is compiled (or uploaded) once and cached on the host.
Uses your OpenSSH client and configuration (BatchMode, host keys checked; never accepted here).
Nothing of the image or the plan appears on a command line.

--verify          restore, read every field back from the kernel and compare (the default)
--json            with --verify: print {"ok", "pairs": [{"image", "kernel", "fields": [...]}]}
--attach          restore and run CMD (default: your login shell) on the restored terminal,
                  attached to this terminal; --pair N picks the pair when there are several
--command CMD     a program and plain arguments (no shell syntax), e.g. "sh" or "bash -l"
--devpts private  restore in a private devpts instance (indexes free whatever the host uses)
--index any       take another index when the image's one is in use
-v                log every ssh call (argv, exit code, stderr) to stderr

Exit status: 0 every restorable field matches (attach: the command's status), 1 mismatch,
2 usage error, unreadable image or plan refused, 3 the restore failed on the host,
4 ssh failed (host key, connection, authentication) or the helper could not be installed.
`;

class RestoreUsageError extends Error {}

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
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Partial<Args> & { json: boolean; verify: boolean; attach: boolean; verbose: boolean } = { json: false, verify: false, attach: false, verbose: false };
  const files: string[] = [];
  const val = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw new RestoreUsageError(`${name} needs a value`);
    return v;
  };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i] as string;
    if (onlyFiles) { files.push(x); continue; }
    switch (x) {
      case '--help': case '-h': return 'help';
      case '--': onlyFiles = true; break;
      case '--host': a.host = val(++i, x); break;
      case '--ssh-config': a.sshConfig = val(++i, x); break;
      case '--json': a.json = true; break;
      case '--verify': a.verify = true; break;
      case '--attach': a.attach = true; break;
      case '-v': case '--verbose': a.verbose = true; break;
      case '--command': a.command = val(++i, x); break;
      case '--pair': {
        const v = val(++i, x);
        if (!/^[0-9]{1,7}$/.test(v)) throw new RestoreUsageError(`--pair ${JSON.stringify(v)} is not a pts index`);
        a.pair = Number(v);
        break;
      }
      case '--devpts': {
        const v = val(++i, x);
        if (v !== 'shared' && v !== 'private') throw new RestoreUsageError('--devpts takes shared or private');
        a.devpts = v;
        break;
      }
      case '--index': {
        const v = val(++i, x);
        if (v !== 'exact' && v !== 'any') throw new RestoreUsageError('--index takes exact or any');
        a.index = v;
        break;
      }
      default:
        if (x.startsWith('-') && x !== '-') throw new RestoreUsageError(`unknown option ${x}`);
        files.push(x);
    }
  }
  if (files.length !== 1) throw new RestoreUsageError(files.length ? 'give one FILE' : 'missing FILE');
  if (!a.host) throw new RestoreUsageError('missing --host DEST');
  if (a.attach && a.verify) throw new RestoreUsageError('--verify and --attach are exclusive');
  if (a.attach && a.json) throw new RestoreUsageError('--json goes with --verify, not --attach');
  if (!a.attach && (a.command !== undefined || a.pair !== undefined)) throw new RestoreUsageError('--command and --pair go with --attach');
  return {
    file: files[0] as string,
    host: a.host,
    ...(a.sshConfig !== undefined ? { sshConfig: a.sshConfig } : {}),
    json: a.json,
    verify: !a.attach,
    attach: a.attach,
    ...(a.command !== undefined ? { command: a.command } : {}),
    ...(a.pair !== undefined ? { pair: a.pair } : {}),
    devpts: a.devpts ?? 'shared',
    index: a.index ?? 'exact',
    verbose: a.verbose,
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
  try { v = JSON.parse(raw); } catch { throw new RestoreUsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings'); }
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) throw new RestoreUsageError('CKPT_INSPECT_TEST_SSH_PREFIX (test only) must be a JSON array of strings');
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
  out.push(`${report.ok ? 'OK' : 'MISMATCH'}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
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

function fail(json: boolean, code: number, message: string, extra: Record<string, unknown> = {}): number {
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: message, exitCode: code, ...extra, pairs: [] }) + '\n');
  process.stderr.write(`ckpt-inspect restore: ${message}\n`);
  return code;
}

export async function restoreCmd(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`ckpt-inspect restore: ${(e as Error).message}\n${RESTORE_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(RESTORE_USAGE);
    return 0;
  }
  const json = args.json;
  try {
    // Everything that can be refused locally is refused before any ssh call.
    validateDestination(args.host);
    if (args.command !== undefined) validateAttachCommand(args.command);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(args.file));
    } catch (e) {
      return fail(json, 2, `cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    let prepared: ReturnType<typeof preparePlan>;
    try {
      prepared = preparePlan(bytes);
    } catch (e) {
      return fail(json, 2, `${args.file}: no restore plan: ${(e as Error).message}`);
    }
    const prefix = testOnlyCommandPrefix();
    const opts: RemoteOptions = {
      packageRoot: packageRoot(),
      ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}),
      ...(prefix ? { commandPrefix: prefix } : {}),
      ...(args.verbose ? { log: (l: string) => process.stderr.write(`[ssh] ${l}\n`) } : {}),
    };
    if (!json) for (const n of prepared.notes) process.stderr.write(`note: ${n}\n`);
    if (opts.log) {
      // What the user's configuration makes of DEST (ssh -G: nothing connects).
      const r = await resolveHost(args.host, { ...(args.sshConfig !== undefined ? { configFile: args.sshConfig } : {}), ...(prefix ? { commandPrefix: prefix } : {}), log: opts.log });
      opts.log(`${args.host}: ${r.user}@${r.hostname}:${r.port}, known hosts ${r.userKnownHostsFiles.join(' ')}, StrictHostKeyChecking ${r.strictHostKeyChecking}`);
    }

    if (args.verify) {
      const r = await verifyRemote(args.host, prepared.text, { ...opts, devpts: args.devpts, index: args.index });
      if (!r.report) {
        const what = r.exitCode === 2 ? 'the helper refused the plan' : r.exitCode === 3 ? 'the restore failed on the host' : `the helper failed (exit ${r.exitCode})`;
        return fail(json, r.exitCode === 2 ? 2 : 3, `${what}: ${r.stderr || 'no message'}`, { helperExitCode: r.exitCode, notes: prepared.notes });
      }
      if (json) process.stdout.write(JSON.stringify({ ...r.report, notes: prepared.notes }) + '\n');
      else printTable(r.report, []);
      return r.report.ok && r.exitCode === 0 ? 0 : 1;
    }

    // --attach
    const staged = await stagePlan(args.host, prepared.text, opts);
    const sshArgs = attachSshArgs(staged, {
      devpts: args.devpts,
      index: args.index,
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
    if (e instanceof InvalidDestinationError || e instanceof InvalidOptionError || e instanceof RestoreUsageError) return fail(json, 2, e.message);
    if (e instanceof HostKeyError) return fail(json, 4, e.message, { hostKey: e.problem });
    if (e instanceof SshConnectError) return fail(json, 4, `${e.message}${e.stderr && !e.message.includes(e.stderr.trim()) ? `\n${e.stderr.trim()}` : ''}`);
    if (e instanceof HelperUnavailableError || e instanceof HelperInstallError || e instanceof HelperTamperedError) return fail(json, 4, e.message);
    if (e instanceof SshError) return fail(json, 4, `${e.message}${e.exitCode !== null ? ` (ssh exit ${e.exitCode})` : ''}`);
    throw e;
  }
}
