/**
 * The helper's `--verify` report as it arrives from a remote host that may be broken or hostile:
 * unframed (marker line, length, payload: helper/ckpt-pty-helper.c emit_framed), bounded in depth,
 * checked against its schema (docs/restore-plan.md section 6) and against the plan it answers
 * before anything of it is believed. Pure: no node or vscode imports.
 */
import type { PlanPair, PlanTermios, RestorePlan, VerifyField, VerifyReport, VerifyState } from '../parser/restore-plan.js';

export const REPORT_MARKER = 'CKPT-PTY-HELPER-REPORT/1';

/** Deepest nesting a valid report has is 6 (report, pairs, pair, state, slave, termios, c_cc); some room above. */
const MAX_DEPTH = 12;

/** The report does not hold what the helper must say: the message says what is wrong, in plain words. */
export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface Unframed {
  payload: Buffer;
  /** Bytes before the marker line (ignored). */
  before: number;
  /** Bytes after the payload (ignored). */
  after: number;
}

/** Finds the marker line, reads the length and takes exactly that many bytes. */
export function unframeReport(stdout: Buffer): Unframed {
  const needle = Buffer.from(`\n${REPORT_MARKER} `);
  let at = stdout.indexOf(needle);
  let start: number;
  if (stdout.subarray(0, needle.length - 1).equals(needle.subarray(1))) {
    at = -1;
    start = needle.length - 1;
  } else if (at >= 0) {
    start = at + needle.length;
  } else {
    throw new ReportError(`the helper printed no report (no "${REPORT_MARKER}" line in ${stdout.length} bytes of output)`);
  }
  const nl = stdout.indexOf(0x0a, start);
  const lenText = stdout.subarray(start, nl < 0 ? Math.min(stdout.length, start + 20) : nl).toString('latin1');
  if (nl < 0 || !/^[0-9]{1,9}$/.test(lenText)) throw new ReportError(`the helper's report line does not give a length (${JSON.stringify(lenText.slice(0, 20))})`);
  const len = Number(lenText);
  const body = nl + 1;
  if (stdout.length - body < len) throw new ReportError(`the helper's report was cut short: ${stdout.length - body} of ${len} bytes arrived`);
  return { payload: stdout.subarray(body, body + len), before: Math.max(0, at), after: stdout.length - body - len };
}

/** Nesting depth of JSON text, counted without parsing (strings skipped); stops early past `limit`. */
export function jsonDepth(text: string, limit = MAX_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
      continue;
    }
    if (c === 0x22) inStr = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX = /^(?:[0-9a-f]{2})*$/;
/** `partial`: part of a value came back, the reason says which part (a queue longer than the kernel holds). */
const STATUSES: readonly string[] = ['restored', 'partial', 'mismatch', 'not-restorable'];
const FIELD_NAME = /^[a-z_][a-z0-9_]*(?:\[[0-9]{1,3}\])?(?:\.[a-z_][a-z0-9_]*(?:\[[0-9]{1,3}\])?)*$/;

/** Fields every pair's report has, in this order (docs/restore-plan.md section 6). */
export const REQUIRED_FIELDS: readonly string[] = [
  'index', 'locked', 'packet', 'exclusive', 'stopped', 'hungup',
  'slave.termios.c_iflag', 'slave.termios.c_oflag', 'slave.termios.c_cflag', 'slave.termios.c_lflag', 'slave.termios.c_line',
  ...Array.from({ length: 8 }, (_, k) => `slave.termios.c_cc[${k}]`),
  'slave.winsize.ws_row', 'slave.winsize.ws_col', 'slave.winsize.ws_xpixel', 'slave.winsize.ws_ypixel',
  'input.lines', 'input.tail', 'output', 'output.packet_status_reads',
];

function need(cond: boolean, where: string, what: string): asserts cond {
  if (!cond) throw new ReportError(`${where}: ${what}`);
}

const u32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const u32OrNull = (v: unknown): boolean => v === null || u32(v);
const boolOrNull = (v: unknown): boolean => v === null || typeof v === 'boolean';
const hex = (v: unknown): boolean => typeof v === 'string' && HEX.test(v);

function checkTermios(v: unknown, where: string): void {
  if (v === null) return;
  need(isObj(v), where, 'not an object or null');
  for (const k of ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag', 'c_line']) need(u32(v[k]), `${where}.${k}`, 'not an unsigned integer');
  const cc = v.c_cc;
  need(Array.isArray(cc) && cc.length === 8 && cc.every(u32), `${where}.c_cc`, 'not 8 unsigned integers');
}

function checkState(v: unknown, where: string, kernel: boolean): asserts v is VerifyState {
  need(isObj(v), where, 'not an object');
  need(kernel ? u32OrNull(v.index) : u32(v.index), `${where}.index`, 'not a pts index');
  for (const k of ['locked', 'packet', 'exclusive', 'stopped', 'hungup']) need(kernel ? boolOrNull(v[k]) : typeof v[k] === 'boolean', `${where}.${k}`, 'not a boolean');
  const slave = v.slave;
  need(isObj(slave), `${where}.slave`, 'not an object');
  checkTermios(slave.termios, `${where}.slave.termios`);
  const ws = slave.winsize;
  need(isObj(ws), `${where}.slave.winsize`, 'not an object');
  for (const k of ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel']) need(u32(ws[k]), `${where}.slave.winsize.${k}`, 'not an unsigned integer');
  for (const k of ['input', 'input_tail', 'output']) need(hex(v[k]), `${where}.${k}`, 'not hex bytes');
  need(Array.isArray(v.input_line_ends) && v.input_line_ends.every(u32), `${where}.input_line_ends`, 'not a list of positions');
  need(Array.isArray(v.input_lines) && v.input_lines.every(hex), `${where}.input_lines`, 'not a list of hex lines');
  need(typeof v.canonical === 'boolean', `${where}.canonical`, 'not a boolean');
  if (v.output_status !== undefined) need(Array.isArray(v.output_status) && v.output_status.every(u32), `${where}.output_status`, 'not a list of status bytes');
}

function checkField(v: unknown, where: string): asserts v is VerifyField {
  need(isObj(v), where, 'not an object');
  need(typeof v.name === 'string' && v.name.length <= 64 && FIELD_NAME.test(v.name), `${where}.name`, 'not a field name');
  need('image' in v && 'kernel' in v, where, 'has no image or kernel value');
  need(typeof v.status === 'string' && STATUSES.includes(v.status), `${where}.status`, `not one of ${STATUSES.join(', ')}`);
  need(v.reason === null || (typeof v.reason === 'string' && v.reason.length <= 1000), `${where}.reason`, 'not a short text or null');
}

const bytesHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function sameTermios(a: PlanTermios, b: unknown): boolean {
  if (!isObj(b)) return false;
  return a.c_iflag === b.c_iflag && a.c_oflag === b.c_oflag && a.c_cflag === b.c_cflag && a.c_lflag === b.c_lflag &&
    a.c_line === b.c_line && Array.isArray(b.c_cc) && a.c_cc.every((x, i) => x === (b.c_cc as unknown[])[i]);
}

/** The image side of a pair's report must be the plan's pair: the helper answers this plan. */
function checkAgainstPlan(p: PlanPair, img: VerifyState, where: string): void {
  const bad = (what: string): never => { throw new ReportError(`${where}.image.${what} is not what the plan sent: the report does not answer this plan`); };
  if (img.index !== p.index) bad('index');
  for (const k of ['locked', 'packet', 'exclusive', 'stopped', 'hungup'] as const) if (img[k] !== p[k]) bad(k);
  if (!sameTermios(p.slave.termios, img.slave.termios)) bad('slave.termios');
  for (const k of ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel'] as const) if (img.slave.winsize[k] !== p.slave.winsize[k]) bad(`slave.winsize.${k}`);
  // The image's input, or (a queue longer than one n_tty buffer holds) the part of it that can be restored.
  const input = bytesHex(p.input.data);
  if (img.input !== input && !(input.startsWith(img.input) && img.input.length >= Math.min(input.length, 2 * 4095))) bad('input');
  if (img.canonical !== p.input.canonical) bad('canonical');
  if (img.output !== bytesHex(p.output)) bad('output');
}

/**
 * Parse and check a report payload. `exitCode` is the helper's (0 ok, 1 mismatch): the report's
 * `ok` must agree with it and with its fields.
 */
export function parseVerifyReport(payload: Buffer, plan: RestorePlan, exitCode: number): VerifyReport {
  const text = payload.toString('utf8');
  const depth = jsonDepth(text);
  if (depth > MAX_DEPTH) throw new ReportError(`the report nests deeper than a verify report can (more than ${MAX_DEPTH} levels)`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`the report is not JSON (${(e as Error).message})`);
  }
  need(isObj(v), 'report', 'not an object');
  need(typeof v.ok === 'boolean', 'report.ok', 'not a boolean');
  need(Array.isArray(v.pairs), 'report.pairs', 'not a list');
  const pairs = v.pairs;
  need(pairs.length === plan.pairs.length, 'report.pairs', `has ${pairs.length} pair${pairs.length === 1 ? '' : 's'}, the plan ${plan.pairs.length}`);
  let unexplained = 0;
  pairs.forEach((pr, i) => {
    const where = `report.pairs[${i}]`;
    need(isObj(pr), where, 'not an object');
    checkState(pr.image, `${where}.image`, false);
    checkState(pr.kernel, `${where}.kernel`, true);
    need(Array.isArray(pr.fields), `${where}.fields`, 'not a list');
    const names = new Set<string>();
    pr.fields.forEach((f, k) => {
      checkField(f, `${where}.fields[${k}]`);
      need(!names.has(f.name), `${where}.fields[${k}]`, `${f.name} is reported twice`);
      names.add(f.name);
      if (f.status === 'mismatch' && f.reason === null) unexplained++;
      if ((f.status as string) === 'not-restorable' || (f.status as string) === 'partial') {
        need(f.reason !== null && f.reason !== '', `${where}.fields[${k}]`, `${f.name} is ${f.status} without a reason`);
      }
    });
    const missing = REQUIRED_FIELDS.filter((n) => !names.has(n));
    need(missing.length === 0, `${where}.fields`, `lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    const planPair = plan.pairs[i] as PlanPair;
    checkAgainstPlan(planPair, pr.image, where);
  });
  // ok, the exit status and the fields must tell the same story (a mismatch with a reason, such as
  // a moved index under --index any, does not make the report fail).
  need(v.ok === (unexplained === 0), 'report.ok', `is ${String(v.ok)} but ${unexplained === 0 ? 'no' : unexplained} field${unexplained === 1 ? '' : 's'} differ${unexplained === 1 ? 's' : ''} without a reason`);
  need((exitCode === 0) === v.ok, 'report.ok', `is ${String(v.ok)} but the helper exited with ${exitCode}`);
  return v as unknown as VerifyReport;
}
