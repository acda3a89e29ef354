/**
 * Capture a live pty on a remote host: run the helper's `capture` mode over the user's OpenSSH
 * (the restore's helper cache and hostile-output handling), believe its description only after
 * src/remote/capture-description.ts has checked it, and turn it into a v18 image with its
 * provenance (src/parser/capture-image.ts). Pure Node: no `vscode` import.
 */
import { createHash } from 'node:crypto';
import { imageFromCapture, type CapturedImage } from '../parser/capture-image.js';
import { parseCaptureOutput, parseListOutput, type CaptureDescription, type PtyProcessList } from './capture-description.js';
import { runHelper, type HelperCacheReport } from './helper-cache.js';
import { HelperReportError, helperCacheOptions, type RemoteOptions } from './restore-remote.js';
import { InvalidOptionError, SshError, validateDestination } from './ssh.js';
import { ReportError } from './verify-report.js';

export interface CaptureRequest {
  pid: number;
  /** One fd of the process; all its pty fds when absent. */
  fd?: number;
  /** Stop the process, read the queues into the image and put them back. */
  drain?: boolean;
}

export interface CaptureOutcome {
  description: CaptureDescription;
  image: CapturedImage;
  bannerBytes: number;
  preambleStderr: string;
  stderrDropped: number;
  cache: HelperCacheReport;
}

/** The helper refused or could not capture (no such process, no permission, not a pty, old kernel): its message. */
export class CaptureFailedError extends SshError {}

/** The argv given to the helper (numbers only: nothing of the caller's text reaches the remote shell). */
export function helperCaptureArgs(r: CaptureRequest): string[] {
  if (!Number.isInteger(r.pid) || r.pid < 1 || r.pid > 0x3fffffff) throw new InvalidOptionError(`--pid ${r.pid} is not a process id`);
  const args = ['capture', '--pid', String(r.pid)];
  if (r.fd !== undefined) {
    if (!Number.isInteger(r.fd) || r.fd < 0 || r.fd > 0x7fffffff) throw new InvalidOptionError(`--fd ${r.fd} is not a file descriptor number`);
    args.push('--fd', String(r.fd));
  }
  if (r.drain) args.push('--drain');
  return args;
}

export async function captureRemote(dest: string, req: CaptureRequest, o: RemoteOptions): Promise<CaptureOutcome> {
  validateDestination(dest);
  const r = await runHelper(dest, helperCaptureArgs(req), Buffer.alloc(0), helperCacheOptions(o));
  const stderr = r.stderr.split('\n').filter((l) => !l.startsWith('CKPT-HELPER-')).join('\n').trim();
  if (r.code !== 0) {
    throw new CaptureFailedError(`the capture on ${dest} failed (helper exit ${r.code}): ${stderr.replace(/^ckpt-pty-helper: (capture failed: )?/, '') || 'no message'}`, r.argv, r.code, r.stderr);
  }
  let parsed: ReturnType<typeof parseCaptureOutput>;
  try {
    parsed = parseCaptureOutput(r.stdout, `the capture from ${dest}`);
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    throw new HelperReportError(`${e.message}`, r.argv, r.code, r.stderr);
  }
  const d = parsed.description;
  if (d.target.pid !== req.pid) throw new HelperReportError(`the capture from ${dest} describes pid ${d.target.pid}, not ${req.pid}`, r.argv, r.code, r.stderr);
  if (d.drained !== (req.drain === true)) throw new HelperReportError(`the capture from ${dest} ${d.drained ? 'drained' : 'did not drain'} the queues, which was not asked`, r.argv, r.code, r.stderr);
  if (req.fd !== undefined && !d.fds.every((f) => f.fd === req.fd)) throw new HelperReportError(`the capture from ${dest} describes fds other than ${req.fd}`, r.argv, r.code, r.stderr);
  const image = imageFromCapture(d, dest);
  image.provenance.image.sha256 = createHash('sha256').update(image.bytes).digest('hex');
  return {
    description: d,
    image,
    bannerBytes: Math.max(r.cache.bannerBytes, parsed.bannerBytes),
    preambleStderr: r.cache.preambleStderr,
    stderrDropped: r.stderrDropped,
    cache: r.cache,
  };
}

/** The processes on `dest` that hold pty fds this user can see: what a capture can be pointed at. */
export async function listRemote(dest: string, o: RemoteOptions): Promise<PtyProcessList & { bannerBytes: number; preambleStderr: string }> {
  validateDestination(dest);
  const r = await runHelper(dest, ['list'], Buffer.alloc(0), helperCacheOptions(o));
  const stderr = r.stderr.split('\n').filter((l) => !l.startsWith('CKPT-HELPER-')).join('\n').trim();
  if (r.code !== 0) throw new CaptureFailedError(`listing the processes on ${dest} failed (helper exit ${r.code}): ${stderr || 'no message'}`, r.argv, r.code, r.stderr);
  try {
    return { ...parseListOutput(r.stdout, `the process list from ${dest}`), bannerBytes: r.cache.bannerBytes, preambleStderr: r.cache.preambleStderr };
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    throw new HelperReportError(e.message, r.argv, r.code, r.stderr);
  }
}

/** One line per process for a person: `4242  bash  /dev/pts/3 (fd 0,1,2 slave)`. */
export function describePtys(p: PtyProcessList['processes'][number]): string {
  const by = new Map<string, number[]>();
  for (const f of p.fds) {
    const k = `/dev/pts/${f.index} ${f.role}`;
    by.set(k, [...(by.get(k) ?? []), f.fd]);
  }
  const parts = [...by].map(([k, fds]) => `${k.replace(' ', ` (${fds.length > 1 ? 'fds' : 'fd'} ${fds.join(',')} `)})`);
  return parts.join(', ') + (p.more_fds ? ` and ${p.more_fds} more` : '');
}

/** Where the provenance of an image is kept: beside it. */
export function provenancePathFor(imagePath: string): string {
  return `${imagePath}.provenance.json`;
}
