// Edits named by path, as `ckpt-inspect set` and the editor use them:
//   ttys[1].termios.c_lflag.ECHO=0      ttys[0].winsize.ws_col=132      ttys[1].ldisc.data="ls\n"
//   ttys[0].flags.TTY_PTY_LOCK=1        ttys[1].termios.c_cc.VINTR=^C   ttys[0].index=3
//   files[0].ttyObjref=5                fds[2].fd=7                     bytes@1234=0a0b
// Paths use the keys of `ckpt-inspect --json` (and the C names as aliases).
import { fieldSplice, planLdiscData, Splice } from './encode.js';
import type { Field, Image, Tty } from './model.js';
import { CC_NAMES, fromHex, parseCaret, TERMIOS_FLAGS, TTY_FLAG_BITS, unescapeBytes } from './names.js';

export class EditError extends Error {}

/**
 * A table's own entry for a name from a path, never an inherited one: `constructor`, `toString`,
 * `__proto__` and the like are names a path may hold but no field has.
 */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export interface PathEdit {
  splices: Splice[];
  /** What was changed, for a person: `ttys[1].termios.c_lflag: 0105073 -> 0105063`. */
  description: string;
  /** Extra consequences of a structural edit. */
  note?: string;
}

/** An integer as a person types it, exactly (fields are up to 64 bits wide). */
function parseInteger(text: string, what: string): bigint {
  const t = text.trim();
  const neg = t.startsWith('-');
  const u = neg ? t.slice(1) : t;
  let v: bigint;
  if (/^0x[0-9a-f]+$/i.test(u)) v = BigInt(u);
  else if (/^0[0-7]+$/.test(u)) v = BigInt(`0o${u.slice(1)}`);
  else if (/^[0-9]+$/.test(u)) v = BigInt(u);
  else throw new EditError(`${what}: "${text}" is not a number (decimal, 0x hex or 0 octal)`);
  return neg ? -v : v;
}

function parseNumber(text: string, what: string): number {
  const v = parseInteger(text, what);
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new EditError(`${what}: ${text} is out of range`);
  return Number(v);
}

function parseBool(text: string, what: string): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 'on', 'true', 'yes', 'set'].includes(t)) return true;
  if (['0', 'off', 'false', 'no', 'clear'].includes(t)) return false;
  throw new EditError(`${what}: "${text}" is not 0/1, on/off or true/false`);
}

function checkRange(v: bigint, f: Field<number | bigint>, signed: boolean, what: string): void {
  const bits = BigInt(f.size * 8);
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < lo || v > hi) throw new EditError(`${what}: ${v} does not fit in ${f.name} (${lo}..${hi})`);
}

const SIGNED = new Set(['link_objref', 'file_objref', 'tty_objref', 'fd_objref', 'fd_descriptor', 'objref', 'pipe_objref', 'sock_objref']);

function setField(img: Image, f: Field<number | bigint>, text: string, what: string): PathEdit {
  if (f.size === 0) throw new EditError(`${what}: ${f.name} is not in the image (its record is too short)`);
  const v = parseInteger(text, what);
  checkRange(v, f, SIGNED.has(f.name), what);
  return { splices: [fieldSplice(img, f, v)], description: `${what}: ${f.value} -> ${v}` };
}

function ttyScalar(t: Tty, key: string): Field<number | bigint> | undefined {
  const map: Record<string, Field<number | bigint>> = {
    index: t.index,
    linkObjref: t.link_objref,
    link_objref: t.link_objref,
    fileObjref: t.file_objref,
    file_objref: t.file_objref,
    driver_type: t.driver_type,
    driverType: t.driver_type,
    driver_subtype: t.driver_subtype,
    driverSubtype: t.driver_subtype,
    ldiscNum: t.ldisc_num,
    padding: t.padding,
    flags: t.flags,
  };
  return own(map, key);
}

/** Parse `PATH=VALUE` (VALUE may be quoted). */
export function splitAssignment(arg: string): { path: string; value: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new EditError(`"${arg}" is not PATH=VALUE`);
  let value = arg.slice(eq + 1);
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) value = value.slice(1, -1);
  return { path: arg.slice(0, eq).trim(), value };
}

export function editForPath(img: Image, path: string, value: string): PathEdit {
  if (!img.decoded) throw new EditError('this image is not decoded as v18, so it has no fields to set');
  const raw = /^bytes@(\d+|0x[0-9a-f]+)$/i.exec(path);
  if (raw) {
    const off = parseNumber(raw[1], path);
    const data = fromHexSafe(value, path);
    if (off < 0 || off + data.length > img.size) throw new EditError(`${path}: ${data.length} byte(s) at ${off} run past the end of the ${img.size}-byte file`);
    return { splices: [{ offset: off, remove: data.length, insert: data }], description: `${path}: ${data.length} byte(s) replaced` };
  }
  const m = /^(ttys|files|fds)\[(\d+)\]\.(.+)$/.exec(path);
  if (!m) throw new EditError(`${path}: paths start with ttys[N]., files[N]., fds[N]. or bytes@OFFSET`);
  const n = Number(m[2]);
  const rest = m[3].split('.');
  if (m[1] === 'ttys') {
    const t = img.ttys[n];
    if (!t) throw new EditError(`${path}: the image has ${img.ttys.length} tty record(s)`);
    return ttyEdit(img, t, rest, value, path);
  }
  if (m[1] === 'files') {
    const tty = img.files.filter((f) => f.f_type.value === 5);
    const f = tty[n];
    if (!f) throw new EditError(`${path}: the image has ${tty.length} tty file(s)`);
    if (rest.join('.') === 'ttyObjref' || rest.join('.') === 'tty_objref') {
      if (!f.ref) throw new EditError(`${path}: this FILE record is too short to hold tty_objref`);
      return setField(img, f.ref, value, path);
    }
    throw new EditError(`${path}: a file has ttyObjref`);
  }
  const d = n < img.fds.length ? img.fds.at(n) : undefined;
  if (!d) throw new EditError(`${path}: the image has ${img.fds.length} file descriptor(s)`);
  const key = rest.join('.');
  const f = key === 'fd' || key === 'fd_descriptor' ? d.fd_descriptor : key === 'fileObjref' || key === 'fd_objref' ? d.fd_objref : key === 'closeOnExec' || key === 'fd_close_on_exec' ? d.fd_close_on_exec : undefined;
  if (!f) throw new EditError(`${path}: a descriptor has fd, fileObjref and closeOnExec`);
  return setField(img, f, value, path);
}

function fromHexSafe(text: string, what: string): Uint8Array {
  const t = text.replace(/^hex:/i, '').replace(/\s+/g, '');
  try {
    return fromHex(t);
  } catch {
    throw new EditError(`${what}: "${text}" is not hex bytes`);
  }
}

function ttyEdit(img: Image, t: Tty, rest: string[], value: string, path: string): PathEdit {
  const [head, sub, bit] = rest;
  const scalar = ttyScalar(t, head);
  if (scalar && rest.length === 1) return setField(img, scalar, value, path);
  if (head === 'flags' && sub && rest.length === 2) {
    const b = TTY_FLAG_BITS.find((x) => x.name === sub || x.name === `TTY_${sub}`);
    if (!b) throw new EditError(`${path}: no tty flag ${sub} (one of ${TTY_FLAG_BITS.map((x) => x.name).join(', ')})`);
    const on = parseBool(value, path);
    const big = t.flags.value;
    const mask = 1n << BigInt(b.bit);
    const next = on ? big | mask : big & ~mask;
    return { splices: [fieldSplice(img, t.flags, next)], description: `${path}: ${on ? 'set' : 'cleared'} (flags 0x${big.toString(16)} -> 0x${next.toString(16)})` };
  }
  if (head === 'termios' && sub) return termiosEdit(img, t, sub, bit, rest.length, value, path);
  if (head === 'winsize' && sub && rest.length === 2) {
    const f = own(t.winsize as unknown as Record<string, Field>, sub);
    if (!f) throw new EditError(`${path}: winsize has ws_row, ws_col, ws_xpixel, ws_ypixel`);
    return setField(img, f, value, path);
  }
  if (head === 'ldisc' && sub && rest.length === 2) {
    const l = t.ldisc;
    if (!l) throw new EditError(`${path}: this tty has no line discipline record (it is hung up)`);
    if (sub === 'data') {
      let data: Uint8Array;
      try {
        data = /^hex:/i.test(value) ? fromHexSafe(value, path) : unescapeBytes(value);
      } catch (e) {
        if (e instanceof RangeError) throw new EditError(`${path}: ${e.message}`);
        throw e;
      }
      const plan = planLdiscData(img, t, data);
      return { splices: plan.splices, description: `${path}: ${l.buffer?.data.length ?? 0} -> ${data.length} byte(s)`, note: plan.note };
    }
    const named: Record<string, Field> = {
      column: l.column, datalen: l.datalen, canon_column: l.canon_column, canon_datalen: l.canon_datalen,
      canon_data: l.canon_data, minimum_to_wake: l.minimum_to_wake,
    };
    for (const b of l.bools) named[b.name] = b;
    const f = own(named, sub);
    if (!f) throw new EditError(`${path}: ldisc has data, ${Object.keys(named).join(', ')}`);
    return setField(img, f, value, path);
  }
  throw new EditError(`${path}: not an editable tty path`);
}

function termiosEdit(img: Image, t: Tty, sub: string, bit: string | undefined, depth: number, value: string, path: string): PathEdit {
  const tm = t.termios;
  const cc = /^c_cc\[(\d+)\]$/.exec(sub);
  if (cc && depth === 2) {
    const f = tm.c_cc[Number(cc[1])];
    if (!f) throw new EditError(`${path}: c_cc has ${tm.c_cc.length} entries`);
    return ccEdit(img, f, value, path);
  }
  if (sub === 'c_cc' && bit && depth === 3) {
    const i = CC_NAMES.indexOf(bit as (typeof CC_NAMES)[number]);
    if (i < 0 || !tm.c_cc[i]) throw new EditError(`${path}: c_cc names are ${CC_NAMES.join(', ')}`);
    return ccEdit(img, tm.c_cc[i], value, path);
  }
  if (sub === 'c_line' && depth === 2) return setField(img, tm.c_line, value, path);
  if (!Object.hasOwn(TERMIOS_FLAGS, sub)) throw new EditError(`${path}: termios has c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc`);
  const key = sub as keyof typeof TERMIOS_FLAGS;
  const f = tm[key];
  if (depth === 2) return setField(img, f, value, path);
  const def = TERMIOS_FLAGS[key].find((b) => b.name === bit);
  if (!def || depth !== 3) throw new EditError(`${path}: ${sub} flags are ${TERMIOS_FLAGS[key].map((b) => b.name).join(', ')}`);
  let next: number;
  if (def.values) {
    const entry = Object.entries(def.values).find(([, name]) => name === value.trim());
    const v = entry ? Number(entry[0]) : parseNumber(value, path);
    if ((v & ~def.mask) !== 0) throw new EditError(`${path}: ${value} is not a ${bit} value (${Object.values(def.values).join(', ')})`);
    next = (f.value & ~def.mask) | v;
  } else {
    next = parseBool(value, path) ? f.value | def.mask : f.value & ~def.mask;
  }
  return { splices: [fieldSplice(img, f, next)], description: `${path}: ${sub} 0${f.value.toString(8)} -> 0${next.toString(8)}` };
}

function ccEdit(img: Image, f: Field, value: string, path: string): PathEdit {
  const v = parseCaret(value);
  if (v === undefined) throw new EditError(`${path}: "${value}" is not a control character (^C, ^?, DEL, undef, a number or one character)`);
  return setField(img, f, String(v), path);
}
