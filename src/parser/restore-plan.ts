// Restore plan: the text format read by helper/ckpt-pty-helper.c (docs/restore-plan.md).
// Pure TypeScript, no vscode import.  serializePlan() and parsePlan() enforce the same
// hard limits as the helper, so a plan that passes here is never refused for syntax there.

export const PLAN_MAGIC = 'ckpt-pty-restore-plan';
export const PLAN_VERSION = 1;

export const PLAN_LIMITS = {
  /** pairs per plan */
  maxPairs: 64,
  /** bytes per queue in a plan: N_TTY_BUF_SIZE, the most an image can carry */
  maxQueue: 4096,
  /** input bytes the kernel can hold in one n_tty buffer (N_TTY_BUF_SIZE - 1); the rest is reported as not restored */
  maxInputRestorable: 4095,
  /** NR_UNIX98_PTY_MAX - 1 */
  maxIndex: 1048575,
  /** control characters carried by a v18 image (VINTR..VSWTC) */
  ncc: 8,
  maxLineLength: 8300,
  maxPlanBytes: 2 * 1024 * 1024,
} as const;

const ICANON = 0o2;

export interface PlanTermios {
  /** low 16 bits of the kernel's flags (a v18 image stores 16) */
  c_iflag: number;
  c_oflag: number;
  c_cflag: number;
  c_lflag: number;
  /** 0..255 */
  c_line: number;
  /** exactly 8 values 0..255: VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC */
  c_cc: number[];
}

export interface PlanWinsize {
  ws_row: number;
  ws_col: number;
  ws_xpixel: number;
  ws_ypixel: number;
}

export interface PlanInput {
  /** the slave's pending input, as stored in the n_tty ring (an EOF line end is a 0x00 byte) */
  data: Uint8Array;
  /** strictly increasing positions in `data` of bytes that end a complete canonical line;
   * bytes after the last position form the partial (unterminated) tail */
  lineEnds: number[];
  /** must equal (c_lflag & ICANON) != 0; lineEnds must be empty when false */
  canonical: boolean;
}

export interface PlanPair {
  /** pts index N (/dev/pts/N) */
  index: number;
  locked: boolean;
  packet: boolean;
  exclusive: boolean;
  stopped: boolean;
  hungup: boolean;
  slave: { termios: PlanTermios; winsize: PlanWinsize };
  input: PlanInput;
  /** bytes waiting for the master's reader, exactly as the reader would get them (no packet status byte) */
  output: Uint8Array;
  /** fields of the image that userspace cannot set; reported by --verify as not-restorable */
  notRestorable?: { masterTermios?: PlanTermios; column?: number };
}

export interface RestorePlan {
  version: 1;
  pairs: PlanPair[];
}

/** A plan error; `line` is 1-based (0 when the error is about a value not tied to a line). */
export class PlanError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'PlanError';
  }
}

// ----------------------------------------------------------------- verify report (helper output)

export type FieldStatus = 'restored' | 'partial' | 'mismatch' | 'not-restorable';

export interface VerifyState {
  index: number | null;
  locked: boolean | null;
  packet: boolean | null;
  exclusive: boolean | null;
  stopped: boolean | null;
  hungup: boolean | null;
  slave: { termios: PlanTermios | null; winsize: PlanWinsize };
  /** ring bytes (hex); on the kernel side reconstructed from the reads (an EOF line end shows as 00) */
  input: string;
  input_line_ends: number[];
  /** what each canonical read() returns (hex), one complete line per read */
  input_lines: string[];
  /** the unterminated tail (hex), or the whole queue in non-canonical mode */
  input_tail: string;
  canonical: boolean;
  output: string;
  output_status?: number[];
  /** kernel side: TIOCGSID on the slave (the session it is the controlling terminal of), null when none */
  session?: number | null;
}

export interface VerifyField {
  name: string;
  image: unknown;
  kernel: unknown;
  status: FieldStatus;
  reason: string | null;
}

export interface VerifyReport {
  ok: boolean;
  pairs: { image: VerifyState; kernel: VerifyState; fields: VerifyField[] }[];
}

// ----------------------------------------------------------------- validation

function isInt(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function checkTermios(t: PlanTermios, where: string): string | null {
  for (const k of ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag'] as const) {
    if (!isInt(t[k], 0xffff)) return `${where}.${k} must be an integer 0..65535`;
  }
  if (!isInt(t.c_line, 255)) return `${where}.c_line must be an integer 0..255`;
  if (!Array.isArray(t.c_cc) || t.c_cc.length !== PLAN_LIMITS.ncc) return `${where}.c_cc must have ${PLAN_LIMITS.ncc} values`;
  for (let i = 0; i < t.c_cc.length; i++) if (!isInt(t.c_cc[i], 255)) return `${where}.c_cc[${i}] must be an integer 0..255`;
  return null;
}

/** Returns the problems of a plan (empty when the helper will accept it). */
export function validatePlan(plan: RestorePlan): string[] {
  const errs: string[] = [];
  if (plan.version !== PLAN_VERSION) errs.push(`version must be ${PLAN_VERSION}`);
  if (plan.pairs.length > PLAN_LIMITS.maxPairs) errs.push(`at most ${PLAN_LIMITS.maxPairs} pairs`);
  const seen = new Map<number, number>();
  plan.pairs.forEach((p, i) => {
    const w = `pairs[${i}]`;
    if (!isInt(p.index, PLAN_LIMITS.maxIndex)) errs.push(`${w}.index must be an integer 0..${PLAN_LIMITS.maxIndex}`);
    else if (seen.has(p.index)) errs.push(`${w}.index ${p.index} already used by pairs[${seen.get(p.index)}]`);
    else seen.set(p.index, i);
    const t = checkTermios(p.slave.termios, `${w}.slave.termios`);
    if (t) errs.push(t);
    for (const k of ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel'] as const) {
      if (!isInt(p.slave.winsize[k], 0xffff)) errs.push(`${w}.slave.winsize.${k} must be an integer 0..65535`);
    }
    if (p.input.data.length > PLAN_LIMITS.maxQueue) errs.push(`${w}.input has ${p.input.data.length} bytes, limit ${PLAN_LIMITS.maxQueue}`);
    if (p.output.length > PLAN_LIMITS.maxQueue) errs.push(`${w}.output has ${p.output.length} bytes, limit ${PLAN_LIMITS.maxQueue}`);
    const icanon = (p.slave.termios.c_lflag & ICANON) !== 0;
    if (p.input.canonical !== icanon) errs.push(`${w}.input.canonical contradicts c_lflag ICANON`);
    let last = -1;
    for (const e of p.input.lineEnds) {
      if (!isInt(e, p.input.data.length - 1) || e <= last) {
        errs.push(`${w}.input.lineEnds must be strictly increasing positions inside the input`);
        break;
      }
      last = e;
    }
    if (!p.input.canonical && p.input.lineEnds.length > 0) errs.push(`${w}.input.lineEnds given but the pair is not canonical`);
    if (p.hungup && p.input.data.length > 0) errs.push(`${w}: a hung-up slave has no input queue`);
    if (p.notRestorable?.masterTermios) {
      const m = checkTermios(p.notRestorable.masterTermios, `${w}.notRestorable.masterTermios`);
      if (m) errs.push(m);
    }
    if (p.notRestorable?.column !== undefined && !isInt(p.notRestorable.column, 0xffff)) {
      errs.push(`${w}.notRestorable.column must be an integer 0..65535`);
    }
  });
  return errs;
}

// ----------------------------------------------------------------- serialize

function hex(b: Uint8Array): string {
  if (b.length === 0) return '-';
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const h16 = (v: number): string => '0x' + v.toString(16).padStart(4, '0');

/** Serializes a plan; throws PlanError (line 0) when validatePlan() finds a problem. */
export function serializePlan(plan: RestorePlan): string {
  const errs = validatePlan(plan);
  if (errs.length) throw new PlanError(0, `invalid plan: ${errs.join('; ')}`);
  const out: string[] = [`${PLAN_MAGIC} ${PLAN_VERSION}`, `pairs ${plan.pairs.length}`];
  for (const p of plan.pairs) {
    const t = p.slave.termios;
    const w = p.slave.winsize;
    out.push(
      'pair',
      `index ${p.index}`,
      `locked ${+p.locked}`,
      `packet ${+p.packet}`,
      `exclusive ${+p.exclusive}`,
      `stopped ${+p.stopped}`,
      `hungup ${+p.hungup}`,
      `c_iflag ${h16(t.c_iflag)}`,
      `c_oflag ${h16(t.c_oflag)}`,
      `c_cflag ${h16(t.c_cflag)}`,
      `c_lflag ${h16(t.c_lflag)}`,
      `c_line ${t.c_line}`,
      `c_cc ${t.c_cc.join(' ')}`,
      `winsize ${w.ws_row} ${w.ws_col} ${w.ws_xpixel} ${w.ws_ypixel}`,
      `canonical ${+p.input.canonical}`,
      `input ${hex(p.input.data)}`,
      `input-line-ends ${p.input.lineEnds.length ? p.input.lineEnds.join(',') : '-'}`,
      `output ${hex(p.output)}`,
    );
    const m = p.notRestorable?.masterTermios;
    if (m) {
      out.push(`master-termios ${h16(m.c_iflag)} ${h16(m.c_oflag)} ${h16(m.c_cflag)} ${h16(m.c_lflag)} ${m.c_line} ${m.c_cc.join(' ')}`);
    }
    if (p.notRestorable?.column !== undefined) out.push(`column ${p.notRestorable.column}`);
    out.push('end-pair');
  }
  out.push('end');
  return out.join('\n') + '\n';
}

// ----------------------------------------------------------------- parse

const KEYS = [
  'index', 'locked', 'packet', 'exclusive', 'stopped', 'hungup', 'c_iflag', 'c_oflag', 'c_cflag', 'c_lflag',
  'c_line', 'c_cc', 'winsize', 'canonical', 'input', 'input-line-ends', 'output', 'master-termios', 'column',
] as const;
type Key = (typeof KEYS)[number];
const OPTIONAL: ReadonlySet<Key> = new Set<Key>(['master-termios', 'column']);

function num(s: string, max: number, line: number, what: string): number {
  const ok = /^0x[0-9a-fA-F]{1,8}$/.test(s) || /^[0-9]{1,10}$/.test(s);
  const v = ok ? Number(s) : NaN;
  if (!ok || !Number.isInteger(v) || v > max) throw new PlanError(line, `${what}: '${s.slice(0, 40)}' is not an integer 0..${max}`);
  return v;
}

function flag(args: string[], line: number, key: string): boolean {
  if (args.length !== 1 || (args[0] !== '0' && args[0] !== '1')) throw new PlanError(line, `${key}: expected 0 or 1`);
  return args[0] === '1';
}

function unhex(s: string, line: number, what: string): Uint8Array {
  if (s === '-') return new Uint8Array(0);
  if (s.length % 2) throw new PlanError(line, `${what}: odd number of hex digits`);
  if (s.length / 2 > PLAN_LIMITS.maxQueue) {
    throw new PlanError(line, `${what}: ${s.length / 2} bytes exceeds the limit of ${PLAN_LIMITS.maxQueue} (N_TTY_BUF_SIZE)`);
  }
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new PlanError(line, `${what}: not a hex string`);
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function termiosFrom(args: string[], line: number, key: string): PlanTermios {
  if (args.length !== 13) throw new PlanError(line, `${key}: expected 13 values, got ${args.length}`);
  return {
    c_iflag: num(args[0], 0xffff, line, key),
    c_oflag: num(args[1], 0xffff, line, key),
    c_cflag: num(args[2], 0xffff, line, key),
    c_lflag: num(args[3], 0xffff, line, key),
    c_line: num(args[4], 255, line, key),
    c_cc: args.slice(5).map((a, i) => num(a, 255, line, `${key} c_cc[${i}]`)),
  };
}

/** Parses a plan; throws PlanError naming the line on the first problem (same rules as the helper). */
export function parsePlan(text: string): RestorePlan {
  if (text.length > PLAN_LIMITS.maxPlanBytes) throw new PlanError(1, `plan larger than ${PLAN_LIMITS.maxPlanBytes} bytes`);
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new PlanError(lines.length, 'truncated plan (last line has no newline)');
  lines.pop();
  let state: 'header' | 'count' | 'top' | 'pair' | 'done' = 'header';
  let declared = 0;
  const pairs: PlanPair[] = [];
  let cur: Map<Key, { args: string[]; line: number }> = new Map();
  let pairLine = 0;
  const pairLines: number[] = [];

  const finishPair = (ln: number): void => {
    const get = (k: Key): { args: string[]; line: number } => {
      const v = cur.get(k);
      if (!v) throw new PlanError(ln, `pair starting on line ${pairLine} lacks '${k}'`);
      return v;
    };
    for (const k of KEYS) if (!OPTIONAL.has(k)) get(k);
    const one = (k: Key, max: number): number => {
      const e = get(k);
      if (e.args.length !== 1) throw new PlanError(e.line, `${k}: expected an integer 0..${max}`);
      return num(e.args[0], max, e.line, k);
    };
    const fl = (k: Key): boolean => flag(get(k).args, get(k).line, k);
    const cc = get('c_cc');
    if (cc.args.length !== PLAN_LIMITS.ncc) throw new PlanError(cc.line, `c_cc: expected ${PLAN_LIMITS.ncc} values, got ${cc.args.length}`);
    const ws = get('winsize');
    if (ws.args.length !== 4) throw new PlanError(ws.line, 'winsize: expected 4 values (row col xpixel ypixel)');
    const wsv = ws.args.map((a) => num(a, 0xffff, ws.line, 'winsize'));
    const inp = get('input');
    if (inp.args.length !== 1) throw new PlanError(inp.line, 'input: expected one hex string or -');
    const data = unhex(inp.args[0], inp.line, 'input');
    const le = get('input-line-ends');
    if (le.line < inp.line) throw new PlanError(le.line, 'input-line-ends must follow input');
    if (le.args.length !== 1) throw new PlanError(le.line, 'input-line-ends: expected a comma-separated list or -');
    const lineEnds: number[] = [];
    if (le.args[0] !== '-') {
      for (const s of le.args[0].split(',')) {
        const v = num(s, PLAN_LIMITS.maxQueue, le.line, 'input-line-ends');
        if (lineEnds.length && v <= lineEnds[lineEnds.length - 1]) {
          throw new PlanError(le.line, 'input-line-ends: positions must be strictly increasing');
        }
        if (v >= data.length) throw new PlanError(le.line, `input-line-ends: position ${v} is outside the ${data.length} input bytes`);
        lineEnds.push(v);
      }
    }
    const out = get('output');
    if (out.args.length !== 1) throw new PlanError(out.line, 'output: expected one hex string or -');
    const lflag = one('c_lflag', 0xffff);
    const canonical = fl('canonical');
    if (canonical !== ((lflag & ICANON) !== 0)) {
      throw new PlanError(get('canonical').line, `canonical ${+canonical} contradicts c_lflag ${h16(lflag)} on line ${get('c_lflag').line}`);
    }
    if (!canonical && lineEnds.length) throw new PlanError(le.line, 'input-line-ends given but the pair is not canonical');
    const pair: PlanPair = {
      index: one('index', PLAN_LIMITS.maxIndex),
      locked: fl('locked'),
      packet: fl('packet'),
      exclusive: fl('exclusive'),
      stopped: fl('stopped'),
      hungup: fl('hungup'),
      slave: {
        termios: {
          c_iflag: one('c_iflag', 0xffff),
          c_oflag: one('c_oflag', 0xffff),
          c_cflag: one('c_cflag', 0xffff),
          c_lflag: lflag,
          c_line: one('c_line', 255),
          c_cc: cc.args.map((a, i) => num(a, 255, cc.line, `c_cc[${i}]`)),
        },
        winsize: { ws_row: wsv[0], ws_col: wsv[1], ws_xpixel: wsv[2], ws_ypixel: wsv[3] },
      },
      input: { data, lineEnds, canonical },
      output: unhex(out.args[0], out.line, 'output'),
    };
    if (pair.hungup && pair.input.data.length) {
      throw new PlanError(ln, 'a hung-up slave has no input queue (input must be -)');
    }
    const mt = cur.get('master-termios');
    const col = cur.get('column');
    if (mt || col) {
      pair.notRestorable = {};
      if (mt) pair.notRestorable.masterTermios = termiosFrom(mt.args, mt.line, 'master-termios');
      if (col) pair.notRestorable.column = one('column', 0xffff);
    }
    const dup = pairs.findIndex((p) => p.index === pair.index);
    if (dup >= 0) throw new PlanError(get('index').line, `index ${pair.index} already used by the pair on line ${pairLines[dup]}`);
    pairs.push(pair);
    pairLines.push(pairLine);
  };

  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i];
    if (line.length > PLAN_LIMITS.maxLineLength) throw new PlanError(ln, `line too long (${line.length} bytes, limit ${PLAN_LIMITS.maxLineLength})`);
    for (let c = 0; c < line.length; c++) {
      const code = line.charCodeAt(c);
      if (code < 0x20 || code > 0x7e) {
        throw new PlanError(ln, `${code === 0 ? 'NUL byte in plan' : `byte 0x${code.toString(16).padStart(2, '0')} at column ${c + 1} is not printable ASCII`}`);
      }
    }
    if (line.startsWith('#')) continue;
    if (state === 'done') throw new PlanError(ln, "data after 'end'");
    if (line === '') throw new PlanError(ln, 'empty line');
    const tok = line.split(' ');
    if (tok.some((t) => t === '') || tok.length > 16) throw new PlanError(ln, 'malformed line (spacing or too many fields)');
    const [key, ...args] = tok;
    switch (state) {
      case 'header': {
        if (tok.length !== 2 || key !== PLAN_MAGIC || !/^[0-9]{1,7}$/.test(args[0])) {
          throw new PlanError(ln, `not a restore plan (expected '${PLAN_MAGIC} ${PLAN_VERSION}')`);
        }
        const v = Number(args[0]);
        if (v !== PLAN_VERSION) throw new PlanError(ln, `plan version ${v} is not supported (this reader reads version ${PLAN_VERSION})`);
        state = 'count';
        break;
      }
      case 'count':
        if (tok.length !== 2 || key !== 'pairs' || !/^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(args[0]) || Number(args[0]) > PLAN_LIMITS.maxPairs) {
          throw new PlanError(ln, `expected 'pairs N' with N in 0..${PLAN_LIMITS.maxPairs}`);
        }
        declared = Number(args[0]);
        state = 'top';
        break;
      case 'top':
        if (line === 'pair') {
          if (pairs.length >= declared) throw new PlanError(ln, `more pairs than the ${declared} declared`);
          cur = new Map();
          pairLine = ln;
          state = 'pair';
        } else if (line === 'end') {
          if (pairs.length !== declared) throw new PlanError(ln, `${declared} pairs declared, ${pairs.length} given`);
          state = 'done';
        } else {
          throw new PlanError(ln, `expected 'pair' or 'end', got '${key.slice(0, 40)}'`);
        }
        break;
      case 'pair':
        if (line === 'end-pair') {
          finishPair(ln);
          state = 'top';
          break;
        }
        if (!(KEYS as readonly string[]).includes(key)) throw new PlanError(ln, `unknown key '${key.slice(0, 40)}'`);
        if (cur.has(key as Key)) throw new PlanError(ln, `duplicate key '${key}'`);
        cur.set(key as Key, { args, line: ln });
        break;
    }
  }
  if (state !== 'done') throw new PlanError(lines.length + 1, "truncated plan (no final 'end')");
  return { version: 1, pairs };
}

/** Splits pending input into complete lines and the partial tail (a convenience for builders and views). */
export function inputLines(input: PlanInput): { lines: Uint8Array[]; tail: Uint8Array } {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (const e of input.lineEnds) {
    lines.push(input.data.subarray(start, e + 1));
    start = e + 1;
  }
  return { lines, tail: input.data.subarray(start) };
}
