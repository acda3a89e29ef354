// The built CLI run on hostile operands (issue 11), and the invariants every run must keep whatever
// it is given: it ends (within a bound) with 0, 1 or 2 and not by a signal; nothing it prints holds a
// raw control, C1, bidi or separator character or a byte that is not UTF-8; no "internal error" and
// no stack trace; and the files of its folder are as they were (same kind, same bytes, no temporary
// file left), except the one file it was asked to write.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from './oracle.js';
import { REPO } from './oracle.js';

export const CLI = join(REPO, 'bin/ckpt-inspect.js');

export interface RawRun {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  out: Buffer;
  err: Buffer;
}

/** `a` quoted for sh: every byte as it is (names that are not UTF-8 pass through untouched). */
function shQuote(a: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from("'")];
  let start = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 0x27) {
      parts.push(a.subarray(start, i), Buffer.from("'\\''"));
      start = i + 1;
    }
  }
  parts.push(a.subarray(start), Buffer.from("'"));
  return Buffer.concat(parts);
}

/**
 * The CLI with raw byte arguments, in `cwd`. Node's spawn takes strings (UTF-8), so the arguments
 * go through a shell script written in `scriptDir`, which execs node with them byte for byte.
 */
export function runCliRaw(args: Buffer[], cwd: string, scriptDir: string, timeoutMs: number): RawRun {
  const script = join(scriptDir, 'run-cli.sh');
  writeFileSync(script, Buffer.concat([Buffer.from('exec '), shQuote(Buffer.from(process.execPath)), Buffer.from(' '), shQuote(Buffer.from(CLI)), ...args.flatMap((a) => [Buffer.from(' '), shQuote(a)]), Buffer.from('\n')]));
  const r = spawnSync('sh', [script], { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'], input: '' });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { code: r.status, signal: r.signal, timedOut, out: r.stdout ?? Buffer.alloc(0), err: r.stderr ?? Buffer.alloc(0) };
}

// Raw C0 but newline, DEL, C1, bidi controls and line/paragraph separators (as in oracle.ts).
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** What a run broke; `mode` and `what` name it in the findings' keys and details. */
export function runProblems(r: RawRun, mode: string, what: string, timeoutMs: number): Finding[] {
  const out: Finding[] = [];
  if (r.timedOut) return [{ kind: 'hang', key: `${mode}:timeout:${what}`, detail: `${what}: no exit within ${timeoutMs / 1000} s` }];
  if (r.signal) return [{ kind: 'cli', key: `${mode}:signal:${what}`, detail: `${what}: died of ${r.signal}` }];
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) out.push({ kind: 'cli', key: `${mode}:exit${r.code}:${what}`, detail: `${what}: exit status ${r.code}` });
  for (const [name, b] of [['stdout', r.out], ['stderr', r.err]] as const) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      out.push({ kind: 'cli', key: `${mode}:not-utf8:${name}:${what}`, detail: `${what}: ${name} holds bytes that are not UTF-8 (a terminal may take one for a control)` });
      continue;
    }
    const raw = RAW_CONTROL.exec(text);
    if (raw) {
      const cp = (raw[0].codePointAt(0) as number).toString(16).padStart(4, '0');
      out.push({ kind: 'cli', key: `${mode}:raw-control:${name}:${what}`, detail: `${what}: ${name} printed U+${cp} raw at ${raw.index}: ${JSON.stringify(text.slice(Math.max(0, raw.index - 60), raw.index + 20))}` });
    }
  }
  const err = r.err.toString('utf8');
  if (/internal error/.test(err)) out.push({ kind: 'cli', key: `${mode}:internal-error:${what}:${err.replace(/\d+/g, 'N').slice(0, 80)}`, detail: `${what}: ${err.trim().slice(0, 2000)}` });
  else if (/\n\s+at .*:\d+:\d+\)?\n/.test(err)) out.push({ kind: 'cli', key: `${mode}:stack-trace:${what}`, detail: `${what}: ${err.trim().slice(0, 2000)}` });
  return out;
}

interface Entry {
  kind: string;
  /** sha1 of a regular file's bytes, a symlink's target. */
  what: string;
}

/** The entries of `dir` (not recursive), keyed by the name's bytes in hex. */
export function snapshot(dir: string): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const n of readdirSync(dir, { encoding: 'buffer' })) {
    const p = Buffer.concat([Buffer.from(`${dir}/`), n]);
    const st = lstatSync(p);
    const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? `chardev ${st.rdev}` : 'other';
    const what = st.isFile() ? createHash('sha1').update(readFileSync(p)).digest('hex') : st.isSymbolicLink() ? readlinkSync(p, { encoding: 'buffer' }).toString('hex') : '';
    m.set(n.toString('hex'), { kind, what });
  }
  return m;
}

/** The hex names in `dir` that `name` (bytes, relative to `dir`) may change: itself, or the file its symlink names. */
export function writable(dir: string, name: Buffer): Set<string> {
  const s = new Set([name.toString('hex')]);
  try {
    const real = realpathSync(Buffer.concat([Buffer.from(`${dir}/`), name]), { encoding: 'buffer' });
    const prefix = Buffer.from(`${realpathSync(dir)}/`);
    if (real.subarray(0, prefix.length).equals(prefix)) s.add(real.subarray(prefix.length).toString('hex'));
  } catch {
    /* absent, or a loop */
  }
  return s;
}

/** The folder after a run against before: anything changed but `mayChange` is a finding. */
export function folderProblems(before: Map<string, Entry>, after: Map<string, Entry>, mayChange: Set<string>, mode: string, what: string): Finding[] {
  const out: Finding[] = [];
  const show = (hex: string) => JSON.stringify(Buffer.from(hex, 'hex').toString('latin1'));
  for (const [n, e] of before) {
    const a = after.get(n);
    if (!a) out.push({ kind: 'cli', key: `${mode}:removed:${what}`, detail: `${what}: ${show(n)} (${e.kind}) is gone` });
    else if (a.kind !== e.kind) out.push({ kind: 'cli', key: `${mode}:replaced:${e.kind}:${what}`, detail: `${what}: ${show(n)} was ${e.kind}, is ${a.kind}` });
    else if (a.what !== e.what && !mayChange.has(n)) out.push({ kind: 'cli', key: `${mode}:changed:${e.kind}:${what}`, detail: `${what}: ${show(n)} (${e.kind}) changed` });
  }
  for (const n of after.keys()) {
    if (before.has(n) || mayChange.has(n)) continue;
    const tmp = Buffer.from(n, 'hex').toString('latin1').endsWith('.tmp');
    out.push({ kind: 'cli', key: `${mode}:${tmp ? 'temp-left' : 'new-file'}:${what}`, detail: `${what}: ${show(n)} appeared` });
  }
  return out;
}
