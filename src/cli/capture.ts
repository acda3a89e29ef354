// ckpt-inspect capture: the pty of a running process on a remote host into a v18 image, with the
// provenance of every field beside it (IMAGE.provenance.json), over the user's OpenSSH.
import { HelperCacheUnsafeError, HelperInstallError, HelperTamperedError, HelperUnavailableError } from '../remote/helper-cache.js';
import { CaptureFailedError, captureRemote, describePtys, listRemote, provenancePathFor } from '../remote/capture-remote.js';
import { HelperReportError, type RemoteOptions } from '../remote/restore-remote.js';
import {
  HostKeyError, InvalidDestinationError, InvalidOptionError, SshAbortError, SshConnectError, SshError, SshOutputLimitError,
  SshTimeoutError, validateDestination,
} from '../remote/ssh.js';
import { flag, str, UsageError, type Command, type OptionDef, type Parsed } from './args.js';
import { escapeText } from './output.js';
import { remoteNotes, remoteOptions, SignalGuard } from './restore.js';
import { saveImage } from './save.js';
import { printJson } from './tty-out.js';

const OPTIONS: Record<string, OptionDef> = {
  host: { type: 'string', arg: 'DEST', help: 'an ssh destination or a Host of your ssh config (required)' },
  'ssh-config': { type: 'string', arg: 'FILE', help: 'the ssh configuration file to use (ssh -F)' },
  pid: { type: 'string', arg: 'PID', help: 'the process whose pseudo-terminal to capture (required)' },
  fd: { type: 'string', arg: 'N', help: 'capture only this fd of the process (default: all its pty fds)' },
  list: { type: 'boolean', help: 'list the processes on DEST that hold pty fds you may capture, and exit' },
  drain: { type: 'boolean', help: 'stop the process, read both queues into the image, put them back exactly, continue it' },
  output: { type: 'string', short: 'o', arg: 'OUT', help: 'the image to write (required); its provenance goes to OUT.provenance.json' },
  json: { type: 'boolean', help: 'print the provenance (format ckpt-inspect.provenance/1) on stdout as well' },
  timeout: { type: 'string', arg: 'SECONDS', help: 'time limit of each ssh call (default 60)' },
  verbose: { type: 'boolean', short: 'v', help: 'log every ssh call (argv, exit code, stderr) to stderr' },
};

interface Args {
  list: boolean;
  host: string;
  sshConfig?: string;
  pid: number;
  fd?: number;
  drain: boolean;
  out: string;
  json: boolean;
  verbose: boolean;
  timeoutSec?: number;
}

function captureArgs(p: Parsed): Args {
  if (p.positionals.length) throw new UsageError(`unexpected argument '${escapeText(p.positionals[0] ?? '')}'`);
  const host = str(p, 'host');
  if (host === undefined) throw new UsageError('missing --host DEST');
  const list = flag(p, 'list');
  if (list) {
    for (const o of ['pid', 'fd', 'output', 'drain']) if (p.values[o] !== undefined) throw new UsageError(`--list takes no --${o}`);
    const timeout = str(p, 'timeout');
    const sshConfig = str(p, 'ssh-config');
    return { list, host, pid: 0, out: '', drain: false, json: flag(p, 'json'), verbose: flag(p, 'verbose'), ...(sshConfig !== undefined ? { sshConfig } : {}), ...(timeout !== undefined ? { timeoutSec: timeoutArg(timeout) } : {}) };
  }
  const pid = str(p, 'pid');
  if (pid === undefined) throw new UsageError('missing --pid PID');
  if (!/^[1-9][0-9]{0,9}$/.test(pid) || Number(pid) > 0x3fffffff) throw new UsageError(`--pid '${escapeText(pid)}' is not a process id`);
  const fd = str(p, 'fd');
  if (fd !== undefined && (!/^[0-9]{1,10}$/.test(fd) || Number(fd) > 0x7fffffff)) throw new UsageError(`--fd '${escapeText(fd)}' is not a file descriptor number`);
  const out = str(p, 'output');
  if (out === undefined) throw new UsageError('missing -o OUT');
  if (out === '-') throw new UsageError('-o needs a file: the provenance is written beside it');
  const timeout = str(p, 'timeout');
  const sshConfig = str(p, 'ssh-config');
  return {
    list,
    host,
    ...(sshConfig !== undefined ? { sshConfig } : {}),
    pid: Number(pid),
    ...(fd !== undefined ? { fd: Number(fd) } : {}),
    out,
    drain: flag(p, 'drain'),
    json: flag(p, 'json'),
    verbose: flag(p, 'verbose'),
    ...(timeout !== undefined ? { timeoutSec: timeoutArg(timeout) } : {}),
  };
}

function timeoutArg(timeout: string): number {
  if (!/^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(timeout) || Number(timeout) <= 0 || Number(timeout) > 86400) {
    throw new UsageError(`--timeout '${escapeText(timeout)}' is not a number of seconds (up to 86400)`);
  }
  return Number(timeout);
}

function fail(code: number, message: string): number {
  const [first = '', ...rest] = message.replace(/\r?\n$/, '').split(/\r?\n/).slice(0, 40).map((l) => escapeText(l));
  process.stderr.write(`ckpt-inspect capture: ${first}\n`);
  for (const l of rest) process.stderr.write(`  ${l}\n`);
  return code;
}

export const captureCommand: Command = {
  name: 'capture',
  synopsis: [
    'capture --host DEST --pid PID [--fd N] [--drain] -o OUT [--ssh-config FILE] [--json] [--timeout SECONDS] [-v]',
    'capture --host DEST --list [--json]',
  ],
  summary: 'capture the pseudo-terminal of a running process on a remote host into an image',
  description: `Reads the pty state of process PID on DEST through the native helper (pidfd_getfd, read-only
ioctls; Linux 5.6 or later, and ptrace permission over the process) and writes it as a v18 image
with the records the kernel would have written for that pair. Every field's provenance (exact,
derived, assumed or lost, with the reason) goes to OUT.provenance.json. Queues are counted, not
read: the live terminal is left exactly as it was. With --drain the process is stopped (SIGSTOP),
both queues are read into the image and put back with the restore's exact injection, the kernel's
counts are checked to be the same, and the process continues (SIGCONT); the drain refuses, before
reading anything, when another process holds the same pty or a packet status byte is pending.`,
  options: OPTIONS,
  epilogue: `Exit status: 0 captured, 2 usage error or the image could not be written, 3 the host could
not capture (no such process, no permission, not a pty, kernel too old) or its answer could not be
believed, 4 ssh failed or the helper could not be installed, 128+N stopped by signal N.`,
  run: (p) => captureCmd(captureArgs(p)),
};

async function captureCmd(args: Args): Promise<number> {
  const guard = new SignalGuard();
  try {
    validateDestination(args.host);
    const opts: RemoteOptions = remoteOptions(args, guard.abort.signal);
    if (args.list) {
      const l = await listRemote(args.host, opts);
      remoteNotes(args.host, l.bannerBytes, l.preambleStderr);
      if (args.json) {
        const { bannerBytes: _b, preambleStderr: _p, ...rest } = l;
        printJson(rest);
        return 0;
      }
      const rows = l.processes.map((p) => [String(p.pid), escapeText(p.comm), escapeText(describePtys(p))]);
      const w = [5, 8].map((min, k) => Math.max(min, ...rows.map((r) => (r[k] ?? '').length)));
      const lines = [['PID', 'COMMAND', 'PTYS'], ...rows].map((r) => `${(r[0] ?? '').padStart(w[0] ?? 5)}  ${(r[1] ?? '').padEnd(w[1] ?? 8)}  ${r[2] ?? ''}`);
      if (l.more_processes) lines.push(`(${l.more_processes} more processes not listed)`);
      if (l.unreadable_processes) lines.push(`(${l.unreadable_processes} processes of other users could not be looked at)`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    const r = await captureRemote(args.host, { pid: args.pid, drain: args.drain, ...(args.fd !== undefined ? { fd: args.fd } : {}) }, opts);
    remoteNotes(args.host, r.bannerBytes, r.preambleStderr, r.stderrDropped);
    if (guard.received) return guard.exitCode;
    const side = provenancePathFor(args.out);
    await saveImage(args.out, r.image.bytes);
    await saveImage(side, new TextEncoder().encode(`${JSON.stringify(r.image.provenance, null, 1)}\n`));
    if (guard.received) return guard.exitCode;
    const c = r.image.provenance.counts;
    const ptys = r.description.pairs.map((p) => `/dev/pts/${p.index}`).join(', ');
    process.stderr.write(
      `captured ${ptys} of pid ${r.description.target.pid} (${escapeText(r.description.target.comm)}) on ${escapeText(args.host)} into ${escapeText(args.out)}\n` +
      `  fields: ${c.exact} exact, ${c.derived} derived, ${c.assumed} assumed, ${c.lost} lost; provenance in ${escapeText(side)}\n`,
    );
    for (const f of r.image.provenance.fields) {
      if (f.provenance === 'lost' && f.live !== undefined && f.live !== null && f.live !== 0) {
        process.stderr.write(`  lost: ${escapeText(f.path)} (live ${escapeText(String(f.live))}): ${escapeText(f.reason)}\n`);
      }
    }
    if (args.json) printJson(r.image.provenance);
    return 0;
  } catch (e) {
    if (guard.received || e instanceof SshAbortError) return guard.received ? guard.exitCode : 130;
    if (e instanceof InvalidDestinationError || e instanceof InvalidOptionError || e instanceof UsageError) return fail(2, e.message);
    if (e instanceof CaptureFailedError || e instanceof HelperReportError) return fail(3, e.message);
    if (e instanceof HostKeyError || e instanceof SshConnectError || e instanceof SshTimeoutError || e instanceof SshOutputLimitError) return fail(4, `${e.message}${e instanceof SshConnectError && e.stderr && !e.message.includes(e.stderr.trim()) ? `\n${e.stderr.trim()}` : ''}`);
    if (e instanceof HelperCacheUnsafeError || e instanceof HelperUnavailableError || e instanceof HelperInstallError || e instanceof HelperTamperedError) return fail(4, e.message);
    if (e instanceof SshError) return fail(4, `${e.message}${e.exitCode !== null ? ` (ssh exit ${e.exitCode})` : ''}`);
    throw e;
  } finally {
    guard.dispose();
  }
}
