/**
 * The helper's capture description (`ckpt-pty-helper capture`, format `ckpt-pty-capture/1`) as it
 * arrives from a remote host that may be broken or hostile: unframed like the verify report,
 * bounded in size and depth, and checked field by field (names, types, ranges, the pairs agreeing
 * with the fds) before anything of it is believed. Pure: no node or vscode imports.
 */
import { jsonDepth, ReportError, unframeReport } from './verify-report.js';

export const CAPTURE_FORMAT = 'ckpt-pty-capture/1';
/** A description of 256 fds and 64 pairs is under 64 KiB; anything far above is not the helper. */
export const MAX_CAPTURE_BYTES = 1 << 20;
const MAX_DEPTH = 6;
export const CAPTURE_LIMITS = { maxFds: 256, maxPairs: 64, maxIndex: 1048575, maxQueueCount: 1 << 20, kernelNccs: 19 } as const;

export interface CaptureTermios {
  c_iflag: number;
  c_oflag: number;
  c_cflag: number;
  c_lflag: number;
  c_line: number;
  /** All NCCS (19) control characters of the kernel's termios. */
  c_cc: number[];
}

export interface CaptureWinsize { ws_row: number; ws_col: number; ws_xpixel: number; ws_ypixel: number }

export interface CaptureFd {
  fd: number;
  role: 'master' | 'slave';
  index: number;
  /** The open file's flags as /proc/PID/fdinfo shows them (O_CLOEXEC included). */
  flags: number;
  pos: number;
  /** The fd number (in fds) of the first listed fd on the same open file: fds 0, 1 and 2 of a shell share one. */
  file: number;
}

export interface CapturePair {
  index: number;
  master_fd: number | null;
  slave_fd: number | null;
  hungup: boolean;
  termios: CaptureTermios;
  winsize: CaptureWinsize | null;
  ldisc: number | null;
  packet: boolean | null;
  locked: boolean | null;
  exclusive: boolean | null;
  controlling_terminal_of_target: boolean;
  session: number | null;
  pgrp: number | null;
  input_count: number | null;
  output_count: number | null;
  slave_outq: number | null;
  master_outq: number | null;
  /** --drain: the input queue's bytes (EOF line ends as 0x00), read and put back; null without it. */
  input: Uint8Array | null;
  /** Positions in `input` of the bytes that end a canonical line. */
  input_line_ends: number[] | null;
  /** --drain: the bytes waiting for the master's reader. */
  output: Uint8Array | null;
}

export interface CaptureDescription {
  format: typeof CAPTURE_FORMAT;
  helper: string;
  kernel: { sysname: string; release: string; version: string; machine: string };
  /** Seconds since the epoch on the host when the capture ran. */
  time: number;
  drained: boolean;
  target: { pid: number; comm: string; ppid: number | null; pgrp: number | null; session: number | null; tty_nr: number | null; tpgid: number | null };
  fds: CaptureFd[];
  pairs: CapturePair[];
}

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly where: string) {}

  fail(path: string, what: string): never {
    throw new ReportError(`${this.where}: ${path} ${what}`);
  }

  obj(v: unknown, path: string, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'is not an object');
    const o = v as Obj;
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(path, `has an unknown key ${JSON.stringify(k.slice(0, 40))}`);
    for (const k of keys) if (!Object.hasOwn(o, k)) this.fail(path, `lacks "${k}"`);
    return o;
  }

  int(v: unknown, path: string, lo: number, hi: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) this.fail(path, `is not an integer ${lo}..${hi}`);
    return v;
  }

  intOrNull(v: unknown, path: string, lo: number, hi: number): number | null {
    return v === null ? null : this.int(v, path, lo, hi);
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'is not true or false');
    return v;
  }

  boolOrNull(v: unknown, path: string): boolean | null {
    return v === null ? null : this.bool(v, path);
  }

  str(v: unknown, path: string, max: number): string {
    if (typeof v !== 'string' || v.length > max) this.fail(path, `is not a string of at most ${max} characters`);
    return v;
  }

  arr(v: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(v) || v.length > max) this.fail(path, `is not a list of at most ${max} entries`);
    return v;
  }
}

const U32 = 0xffffffff;
const PID_MAX = 0x3fffffff;
const FD_MAX = 0x7fffffff;

function termios(c: Checker, v: unknown, path: string): CaptureTermios {
  const o = c.obj(v, path, ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag', 'c_line', 'c_cc']);
  const cc = c.arr(o.c_cc, `${path}.c_cc`, CAPTURE_LIMITS.kernelNccs);
  if (cc.length !== CAPTURE_LIMITS.kernelNccs) c.fail(`${path}.c_cc`, `has ${cc.length} entries, not ${CAPTURE_LIMITS.kernelNccs} (NCCS)`);
  return {
    c_iflag: c.int(o.c_iflag, `${path}.c_iflag`, 0, U32),
    c_oflag: c.int(o.c_oflag, `${path}.c_oflag`, 0, U32),
    c_cflag: c.int(o.c_cflag, `${path}.c_cflag`, 0, U32),
    c_lflag: c.int(o.c_lflag, `${path}.c_lflag`, 0, U32),
    c_line: c.int(o.c_line, `${path}.c_line`, 0, 255),
    c_cc: cc.map((x, i) => c.int(x, `${path}.c_cc[${i}]`, 0, 255)),
  };
}

function winsize(c: Checker, v: unknown, path: string): CaptureWinsize | null {
  if (v === null) return null;
  const o = c.obj(v, path, ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel']);
  return {
    ws_row: c.int(o.ws_row, `${path}.ws_row`, 0, 65535),
    ws_col: c.int(o.ws_col, `${path}.ws_col`, 0, 65535),
    ws_xpixel: c.int(o.ws_xpixel, `${path}.ws_xpixel`, 0, 65535),
    ws_ypixel: c.int(o.ws_ypixel, `${path}.ws_ypixel`, 0, 65535),
  };
}

const PAIR_KEYS = [
  'index', 'master_fd', 'slave_fd', 'hungup', 'termios', 'winsize', 'ldisc', 'packet', 'locked', 'exclusive',
  'controlling_terminal_of_target', 'session', 'pgrp', 'input_count', 'output_count', 'slave_outq', 'master_outq',
  'input', 'input_line_ends', 'output',
] as const;

/** Most bytes a drained queue can hold: the input ring (N_TTY_BUF_SIZE) and the master's buffers. */
export const MAX_DRAINED_INPUT = 4096;
export const MAX_DRAINED_OUTPUT = 65536;

function hexOrNull(c: Checker, v: unknown, path: string, max: number): Uint8Array | null {
  if (v === null) return null;
  if (typeof v !== 'string' || v.length % 2 !== 0 || v.length > 2 * max || !/^[0-9a-f]*$/.test(v)) c.fail(path, `is not lowercase hex of at most ${max} bytes`);
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

/**
 * The description from the helper's framed stdout. `where` names the host for messages. Throws
 * {@link ReportError} saying what is wrong; returns the description and how many bytes the remote
 * printed around it (a login banner).
 */
export function parseCaptureOutput(stdout: Buffer, where: string): { description: CaptureDescription; bannerBytes: number } {
  const framed = unframeReport(stdout);
  if (framed.payload.length > MAX_CAPTURE_BYTES) throw new ReportError(`${where}: the capture description is ${framed.payload.length} bytes, more than the ${MAX_CAPTURE_BYTES} a helper writes`);
  return { description: parseCaptureDescription(framed.payload.toString('utf8'), where), bannerBytes: framed.before + framed.after };
}

export function parseCaptureDescription(text: string, where: string): CaptureDescription {
  if (text.length > MAX_CAPTURE_BYTES) throw new ReportError(`${where}: the capture description is longer than ${MAX_CAPTURE_BYTES} bytes`);
  if (jsonDepth(text, MAX_DEPTH + 1) > MAX_DEPTH) throw new ReportError(`${where}: the capture description is nested deeper than ${MAX_DEPTH} levels`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${where}: the capture description is not JSON (${(e as Error).message.slice(0, 120)})`);
  }
  const c = new Checker(where);
  const o = c.obj(raw, 'the description', ['format', 'helper', 'kernel', 'time', 'drained', 'target', 'fds', 'pairs']);
  if (o.format !== CAPTURE_FORMAT) c.fail('format', `is not "${CAPTURE_FORMAT}"`);
  const k = c.obj(o.kernel, 'kernel', ['sysname', 'release', 'version', 'machine']);
  const t = c.obj(o.target, 'target', ['pid', 'comm', 'ppid', 'pgrp', 'session', 'tty_nr', 'tpgid']);
  const fds = c.arr(o.fds, 'fds', CAPTURE_LIMITS.maxFds).map((v, i): CaptureFd => {
    const f = c.obj(v, `fds[${i}]`, ['fd', 'role', 'index', 'flags', 'pos', 'file']);
    const role = f.role === 'master' || f.role === 'slave' ? f.role : c.fail(`fds[${i}].role`, 'is not "master" or "slave"');
    return {
      fd: c.int(f.fd, `fds[${i}].fd`, 0, FD_MAX),
      role,
      index: c.int(f.index, `fds[${i}].index`, 0, CAPTURE_LIMITS.maxIndex),
      flags: c.int(f.flags, `fds[${i}].flags`, 0, U32),
      pos: c.int(f.pos, `fds[${i}].pos`, 0, Number.MAX_SAFE_INTEGER),
      file: c.int(f.file, `fds[${i}].file`, 0, FD_MAX),
    };
  });
  for (const [i, f] of fds.entries()) {
    const first = fds.find((e) => e.fd === f.file);
    if (!first || first.role !== f.role || first.index !== f.index || first.file !== first.fd) c.fail(`fds[${i}].file`, `${f.file} is not a listed fd of the same pty side that is its own file`);
  }
  const seenFd = new Set<number>();
  for (const [i, f] of fds.entries()) {
    if (seenFd.has(f.fd)) c.fail(`fds[${i}].fd`, `${f.fd} is listed twice`);
    seenFd.add(f.fd);
  }
  const q = (v: unknown, p: string): number | null => c.intOrNull(v, p, 0, CAPTURE_LIMITS.maxQueueCount);
  const pairs = c.arr(o.pairs, 'pairs', CAPTURE_LIMITS.maxPairs).map((v, i): CapturePair => {
    const p = `pairs[${i}]`;
    const x = c.obj(v, p, PAIR_KEYS);
    if (x.termios === null) c.fail(`${p}.termios`, x.hungup === true ? 'is null: the slave is hung up (its master was closed) and the process holds no master, so nothing of the pair can be read' : 'is null: the helper could read no termios of the pair');
    const pair: CapturePair = {
      index: c.int(x.index, `${p}.index`, 0, CAPTURE_LIMITS.maxIndex),
      master_fd: c.intOrNull(x.master_fd, `${p}.master_fd`, 0, FD_MAX),
      slave_fd: c.intOrNull(x.slave_fd, `${p}.slave_fd`, 0, FD_MAX),
      hungup: c.bool(x.hungup, `${p}.hungup`),
      termios: termios(c, x.termios, `${p}.termios`),
      winsize: winsize(c, x.winsize, `${p}.winsize`),
      ldisc: c.intOrNull(x.ldisc, `${p}.ldisc`, 0, 255),
      packet: c.boolOrNull(x.packet, `${p}.packet`),
      locked: c.boolOrNull(x.locked, `${p}.locked`),
      exclusive: c.boolOrNull(x.exclusive, `${p}.exclusive`),
      controlling_terminal_of_target: c.bool(x.controlling_terminal_of_target, `${p}.controlling_terminal_of_target`),
      session: c.intOrNull(x.session, `${p}.session`, 0, PID_MAX),
      pgrp: c.intOrNull(x.pgrp, `${p}.pgrp`, 0, PID_MAX),
      input_count: q(x.input_count, `${p}.input_count`),
      output_count: q(x.output_count, `${p}.output_count`),
      slave_outq: q(x.slave_outq, `${p}.slave_outq`),
      master_outq: q(x.master_outq, `${p}.master_outq`),
      input: hexOrNull(c, x.input, `${p}.input`, MAX_DRAINED_INPUT),
      input_line_ends: null,
      output: hexOrNull(c, x.output, `${p}.output`, MAX_DRAINED_OUTPUT),
    };
    if (x.input_line_ends !== null) {
      const ends = c.arr(x.input_line_ends, `${p}.input_line_ends`, MAX_DRAINED_INPUT).map((e, k) => c.int(e, `${p}.input_line_ends[${k}]`, 0, MAX_DRAINED_INPUT - 1));
      const len = pair.input?.length ?? 0;
      ends.forEach((e, k) => {
        if (e >= len || (k > 0 && e <= (ends[k - 1] ?? -1))) c.fail(`${p}.input_line_ends[${k}]`, `${e} is not an increasing position inside the ${len} input bytes`);
      });
      pair.input_line_ends = ends;
    }
    const has = [pair.input, pair.input_line_ends, pair.output].map((z) => z !== null);
    if (has.some((z) => z !== has[0])) c.fail(p, 'has some of input, input_line_ends and output but not all');
    if (pair.input_line_ends?.length && (pair.termios.c_lflag & 0o2) === 0) c.fail(`${p}.input_line_ends`, 'lists line ends, but the terminal is not canonical');
    if (pair.master_fd === null && pair.slave_fd === null) c.fail(p, 'names neither a master nor a slave fd');
    for (const [side, fd] of [['master', pair.master_fd], ['slave', pair.slave_fd]] as const) {
      if (fd === null) continue;
      const f = fds.find((e) => e.fd === fd);
      if (!f || f.role !== side || f.index !== pair.index) c.fail(`${p}.${side}_fd`, `${fd} is not a ${side} fd of index ${pair.index} in fds`);
    }
    return pair;
  });
  if (pairs.length === 0) c.fail('pairs', 'is empty');
  const drained = c.bool(o.drained, 'drained');
  for (const [i, p] of pairs.entries()) if ((p.input !== null) !== drained) c.fail(`pairs[${i}]`, drained ? 'has no queue bytes, but the description says drained' : 'has queue bytes, but the description says not drained');
  const indexes = new Set<number>();
  for (const [i, p] of pairs.entries()) {
    if (indexes.has(p.index)) c.fail(`pairs[${i}].index`, `${p.index} is listed twice`);
    indexes.add(p.index);
  }
  for (const [i, f] of fds.entries()) if (!indexes.has(f.index)) c.fail(`fds[${i}].index`, `${f.index} belongs to no pair`);
  return {
    format: CAPTURE_FORMAT,
    helper: c.str(o.helper, 'helper', 32),
    kernel: {
      sysname: c.str(k.sysname, 'kernel.sysname', 64),
      release: c.str(k.release, 'kernel.release', 64),
      version: c.str(k.version, 'kernel.version', 64),
      machine: c.str(k.machine, 'kernel.machine', 64),
    },
    time: c.int(o.time, 'time', 0, 2 ** 40),
    drained,
    target: {
      pid: c.int(t.pid, 'target.pid', 1, PID_MAX),
      comm: c.str(t.comm, 'target.comm', 64),
      ppid: c.intOrNull(t.ppid, 'target.ppid', 0, PID_MAX),
      pgrp: c.intOrNull(t.pgrp, 'target.pgrp', 0, PID_MAX),
      session: c.intOrNull(t.session, 'target.session', 0, PID_MAX),
      tty_nr: c.intOrNull(t.tty_nr, 'target.tty_nr', -(2 ** 31), U32),
      tpgid: c.intOrNull(t.tpgid, 'target.tpgid', -1, PID_MAX),
    },
    fds,
    pairs,
  };
}

// ---------------------------------------------------------------------------------------------
// The helper's `list` (ckpt-pty-list/1): processes holding pty fds, checked the same way
// ---------------------------------------------------------------------------------------------

export const LIST_FORMAT = 'ckpt-pty-list/1';
const MAX_LIST_BYTES = 4 << 20;

export interface PtyProcess {
  pid: number;
  comm: string;
  fds: { fd: number; role: 'master' | 'slave'; index: number }[];
  /** Pty fds beyond the 16 listed. */
  more_fds: number;
}

export interface PtyProcessList {
  format: typeof LIST_FORMAT;
  processes: PtyProcess[];
  /** Processes beyond the 4096 listed. */
  more_processes: number;
  /** Processes whose fds this user may not list (other users'). */
  unreadable_processes: number;
}

export function parseListOutput(stdout: Buffer, where: string): PtyProcessList {
  const framed = unframeReport(stdout);
  if (framed.payload.length > MAX_LIST_BYTES) throw new ReportError(`${where}: the process list is ${framed.payload.length} bytes, more than the ${MAX_LIST_BYTES} a helper writes`);
  const text = framed.payload.toString('utf8');
  if (jsonDepth(text, MAX_DEPTH + 1) > MAX_DEPTH) throw new ReportError(`${where}: the process list is nested deeper than ${MAX_DEPTH} levels`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${where}: the process list is not JSON (${(e as Error).message.slice(0, 120)})`);
  }
  const c = new Checker(where);
  const o = c.obj(raw, 'the list', ['format', 'processes', 'more_processes', 'unreadable_processes']);
  if (o.format !== LIST_FORMAT) c.fail('format', `is not "${LIST_FORMAT}"`);
  const seen = new Set<number>();
  const processes = c.arr(o.processes, 'processes', 4096).map((v, i): PtyProcess => {
    const p = c.obj(v, `processes[${i}]`, ['pid', 'comm', 'fds', 'more_fds']);
    const pid = c.int(p.pid, `processes[${i}].pid`, 1, PID_MAX);
    if (seen.has(pid)) c.fail(`processes[${i}].pid`, `${pid} is listed twice`);
    seen.add(pid);
    return {
      pid,
      comm: c.str(p.comm, `processes[${i}].comm`, 64),
      fds: c.arr(p.fds, `processes[${i}].fds`, 16).map((f, k) => {
        const x = c.obj(f, `processes[${i}].fds[${k}]`, ['fd', 'role', 'index']);
        const role = x.role === 'master' || x.role === 'slave' ? x.role : c.fail(`processes[${i}].fds[${k}].role`, 'is not "master" or "slave"');
        return { fd: c.int(x.fd, `processes[${i}].fds[${k}].fd`, 0, FD_MAX), role, index: c.int(x.index, `processes[${i}].fds[${k}].index`, 0, CAPTURE_LIMITS.maxIndex) };
      }),
      more_fds: c.int(p.more_fds, `processes[${i}].more_fds`, 0, FD_MAX),
    };
  });
  return {
    format: LIST_FORMAT,
    processes,
    more_processes: c.int(o.more_processes, 'more_processes', 0, PID_MAX),
    unreadable_processes: c.int(o.unreadable_processes, 'unreadable_processes', 0, PID_MAX),
  };
}
