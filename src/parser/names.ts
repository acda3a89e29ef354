// Names for the bits and characters in tty records: one table per fact, used by the CLI report,
// the editor and the validator. Values are those of Linux 2.6.31 (x86 termbits.h, tty.h), which
// v18 images carry; later kernels renumber some tty flags, so modern headers must not be used.

export interface BitName {
  name: string;
  /** Bit mask within the field. */
  mask: number;
  /** For multi-bit fields (CBAUD, CSIZE, NLDLY…): the named values of the masked bits. */
  values?: Record<number, string>;
  doc: string;
}

/** tty->flags bit numbers (include/linux/tty.h, 2.6.31). */
export const TTY_FLAG_BITS: { bit: number; name: string; doc: string }[] = [
  { bit: 0, name: 'TTY_THROTTLED', doc: 'Call unthrottle() at threshold min' },
  { bit: 1, name: 'TTY_IO_ERROR', doc: 'Cause an I/O error (may be no ldisc too)' },
  { bit: 2, name: 'TTY_OTHER_CLOSED', doc: 'Other side (if any) has closed' },
  { bit: 3, name: 'TTY_EXCLUSIVE', doc: 'Exclusive open mode' },
  { bit: 4, name: 'TTY_DEBUG', doc: 'Debugging' },
  { bit: 5, name: 'TTY_DO_WRITE_WAKEUP', doc: 'Call write_wakeup after queuing new' },
  { bit: 6, name: 'TTY_PUSH', doc: 'n_tty private' },
  { bit: 7, name: 'TTY_CLOSING', doc: '->close() in progress' },
  { bit: 9, name: 'TTY_LDISC', doc: 'Line discipline attached' },
  { bit: 10, name: 'TTY_LDISC_CHANGING', doc: 'Line discipline changing' },
  { bit: 11, name: 'TTY_LDISC_OPEN', doc: 'Line discipline is open' },
  { bit: 14, name: 'TTY_HW_COOK_OUT', doc: 'Hardware can do output cooking' },
  { bit: 15, name: 'TTY_HW_COOK_IN', doc: 'Hardware can do input cooking' },
  { bit: 16, name: 'TTY_PTY_LOCK', doc: 'pty private (slave locked until unlockpt)' },
  { bit: 17, name: 'TTY_NO_WRITE_SPLIT', doc: 'Preserve write boundaries to driver' },
  { bit: 18, name: 'TTY_HUPPED', doc: 'Post driver->hangup()' },
  { bit: 19, name: 'TTY_FLUSHING', doc: 'Flushing to ldisc in progress' },
  { bit: 20, name: 'TTY_FLUSHPENDING', doc: 'Queued buffer flush pending' },
];

export const TTY = {
  EXCLUSIVE: 1 << 3,
  CLOSING: 1 << 7,
  LDISC: 1 << 9,
  LDISC_CHANGING: 1 << 10,
  LDISC_OPEN: 1 << 11,
  PTY_LOCK: 1 << 16,
  HUPPED: 1 << 18,
  FLUSHING: 1 << 19,
  /** CKPT_TTY_BAD = CLOSING | FLUSHING */
  BAD: (1 << 7) | (1 << 19),
  /** CKPT_LDISC_GOOD = LDISC_OPEN | LDISC */
  LDISC_GOOD: (1 << 11) | (1 << 9),
  /** CKPT_LDISC_FLAGS = GOOD | CHANGING */
  LDISC_FLAGS: (1 << 11) | (1 << 10) | (1 << 9),
  /** Every bit 2.6.31 defines. */
  KNOWN: TTY_FLAG_BITS.reduce((m, b) => m + 2 ** b.bit, 0),
} as const;

export const N_TTY = 0;
export const N_TTY_BUF_SIZE = 4096;
export const TTY_DRIVER_TYPE_PTY = 4;
export const PTY_TYPE_MASTER = 1;
export const PTY_TYPE_SLAVE = 2;

function bits(list: [string, number, string][]): BitName[] {
  return list.map(([name, mask, doc]) => ({ name, mask, doc }));
}

/** termios flag bits (x86 termbits.h, octal), for the 16-bit fields of the image. */
export const TERMIOS_FLAGS: Record<'c_iflag' | 'c_oflag' | 'c_cflag' | 'c_lflag', BitName[]> = {
  c_iflag: bits([
    ['IGNBRK', 0o1, 'Ignore BREAK'],
    ['BRKINT', 0o2, 'BREAK sends SIGINT'],
    ['IGNPAR', 0o4, 'Ignore parity errors'],
    ['PARMRK', 0o10, 'Mark parity errors'],
    ['INPCK', 0o20, 'Input parity check'],
    ['ISTRIP', 0o40, 'Strip the 8th bit'],
    ['INLCR', 0o100, 'Map NL to CR on input'],
    ['IGNCR', 0o200, 'Ignore CR'],
    ['ICRNL', 0o400, 'Map CR to NL on input'],
    ['IUCLC', 0o1000, 'Map upper case to lower case'],
    ['IXON', 0o2000, 'XON/XOFF output flow control'],
    ['IXANY', 0o4000, 'Any character restarts output'],
    ['IXOFF', 0o10000, 'XON/XOFF input flow control'],
    ['IMAXBEL', 0o20000, 'Ring the bell when the input queue is full'],
    ['IUTF8', 0o40000, 'Input is UTF-8 (for erase)'],
  ]),
  c_oflag: [
    ...bits([
      ['OPOST', 0o1, 'Output processing'],
      ['OLCUC', 0o2, 'Map lower case to upper case'],
      ['ONLCR', 0o4, 'Map NL to CR-NL on output'],
      ['OCRNL', 0o10, 'Map CR to NL on output'],
      ['ONOCR', 0o20, 'No CR at column 0'],
      ['ONLRET', 0o40, 'NL performs CR'],
      ['OFILL', 0o100, 'Fill characters for delays'],
      ['OFDEL', 0o200, 'Fill character is DEL'],
    ]),
    { name: 'NLDLY', mask: 0o400, values: { 0: 'NL0', 0o400: 'NL1' }, doc: 'Newline delay' },
    { name: 'CRDLY', mask: 0o3000, values: { 0: 'CR0', 0o1000: 'CR1', 0o2000: 'CR2', 0o3000: 'CR3' }, doc: 'Carriage-return delay' },
    { name: 'TABDLY', mask: 0o14000, values: { 0: 'TAB0', 0o4000: 'TAB1', 0o10000: 'TAB2', 0o14000: 'XTABS' }, doc: 'Tab delay' },
    { name: 'BSDLY', mask: 0o20000, values: { 0: 'BS0', 0o20000: 'BS1' }, doc: 'Backspace delay' },
    { name: 'VTDLY', mask: 0o40000, values: { 0: 'VT0', 0o40000: 'VT1' }, doc: 'Vertical-tab delay' },
    { name: 'FFDLY', mask: 0o100000, values: { 0: 'FF0', 0o100000: 'FF1' }, doc: 'Form-feed delay' },
  ],
  c_cflag: [
    {
      name: 'CBAUD',
      mask: 0o10017,
      values: {
        0: 'B0', 1: 'B50', 2: 'B75', 3: 'B110', 4: 'B134', 5: 'B150', 6: 'B200', 7: 'B300', 0o10: 'B600',
        0o11: 'B1200', 0o12: 'B1800', 0o13: 'B2400', 0o14: 'B4800', 0o15: 'B9600', 0o16: 'B19200', 0o17: 'B38400',
        0o10000: 'BOTHER', 0o10001: 'B57600', 0o10002: 'B115200', 0o10003: 'B230400', 0o10004: 'B460800',
        0o10005: 'B500000', 0o10006: 'B576000', 0o10007: 'B921600', 0o10010: 'B1000000', 0o10011: 'B1152000',
        0o10012: 'B1500000', 0o10013: 'B2000000', 0o10014: 'B2500000', 0o10015: 'B3000000', 0o10016: 'B3500000',
        0o10017: 'B4000000',
      },
      doc: 'Baud rate',
    },
    { name: 'CSIZE', mask: 0o60, values: { 0: 'CS5', 0o20: 'CS6', 0o40: 'CS7', 0o60: 'CS8' }, doc: 'Character size' },
    ...bits([
      ['CSTOPB', 0o100, 'Two stop bits'],
      ['CREAD', 0o200, 'Enable receiver'],
      ['PARENB', 0o400, 'Parity enable'],
      ['PARODD', 0o1000, 'Odd parity'],
      ['HUPCL', 0o2000, 'Hang up on last close'],
      ['CLOCAL', 0o4000, 'Ignore modem control lines'],
    ]),
  ],
  c_lflag: bits([
    ['ISIG', 0o1, 'INTR, QUIT, SUSP generate signals'],
    ['ICANON', 0o2, 'Canonical mode (line editing)'],
    ['XCASE', 0o4, 'Upper-case terminal'],
    ['ECHO', 0o10, 'Echo input'],
    ['ECHOE', 0o20, 'ERASE erases the previous character'],
    ['ECHOK', 0o40, 'KILL erases the line'],
    ['ECHONL', 0o100, 'Echo NL even without ECHO'],
    ['NOFLSH', 0o200, 'No flush after interrupt'],
    ['TOSTOP', 0o400, 'SIGTTOU for background output'],
    ['ECHOCTL', 0o1000, 'Echo control characters as ^X'],
    ['ECHOPRT', 0o2000, 'Hardcopy erase'],
    ['ECHOKE', 0o4000, 'Visual KILL erase'],
    ['FLUSHO', 0o10000, 'Output being flushed'],
    ['PENDIN', 0o40000, 'Retype pending input'],
    ['IEXTEN', 0o100000, 'Extended input processing'],
  ]),
};

export const ICANON = 0o2;

/** c_cc indices saved in a v18 image (NCC = 8). */
export const CC_NAMES = ['VINTR', 'VQUIT', 'VERASE', 'VKILL', 'VEOF', 'VTIME', 'VMIN', 'VSWTC'] as const;
/** VTIME and VMIN are counts, not characters. */
export const CC_IS_COUNT = [false, false, false, false, false, true, true, false] as const;

/** Names of the set flags of one termios field, multi-bit fields by their value name. */
export function termiosFlagNames(fieldName: keyof typeof TERMIOS_FLAGS, value: number): string[] {
  const out: string[] = [];
  let rest = value;
  for (const b of TERMIOS_FLAGS[fieldName]) {
    if (b.values) {
      const v = value & b.mask;
      const n = b.values[v];
      if (n && v !== 0) out.push(n);
      else if (!n) out.push(`${b.name}=0${v.toString(8)}`);
      rest &= ~b.mask;
    } else if (value & b.mask) {
      out.push(b.name);
      rest &= ~b.mask;
    }
  }
  if (rest) out.push(`0${rest.toString(8)}`);
  return out;
}

/** Whether any bit of `mask` (a TTY.* constant) is set in a tty flags value (u64, every bit exact). */
export function hasTtyFlag(flags: bigint, mask: number): boolean {
  return (flags & BigInt(mask)) !== 0n;
}

/** Set bit of a tty flags value. */
export function ttyFlagBit(flags: bigint, bit: number): boolean {
  return ((flags >> BigInt(bit)) & 1n) === 1n;
}

/** tty flag names for a flags value; bits 2.6.31 does not name are given together in hex. */
export function ttyFlagNames(flags: bigint): string[] {
  const out: string[] = [];
  // Bits of the low word are tested as a number (bigint operations per bit were a visible share
  // of a report of a thousand ttys).
  const low = Number(flags & 0xffffffffn);
  let restLow = low;
  let restHigh = flags & ~0xffffffffn;
  for (const b of TTY_FLAG_BITS) {
    if (b.bit < 32) {
      if ((low >>> b.bit) & 1) {
        out.push(b.name);
        restLow -= 2 ** b.bit;
      }
    } else if (ttyFlagBit(flags, b.bit)) {
      out.push(b.name);
      restHigh &= ~(1n << BigInt(b.bit));
    }
  }
  const rest = restHigh | BigInt(restLow);
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** A control character in the notation stty uses: `^C`, `^?`, `<undef>` (0), `M-x` for high bytes. */
export function caret(c: number): string {
  if (c === 0) return '<undef>';
  if (c === 0x7f) return '^?';
  if (c < 0x20) return `^${String.fromCharCode(c + 0x40)}`;
  if (c >= 0x80) return `M-${caret(c - 0x80)}`;
  return String.fromCharCode(c);
}

/** Parse a control character as a person types it: `^C`, `^?`, `DEL`, `undef`, a number, or one character. */
export function parseCaret(text: string): number | undefined {
  // A space is a character like any other (caret(0x20) gives it), not padding to trim.
  if (text === ' ') return 0x20;
  const t = text.trim();
  if (/^(<undef>|undef|\^-)$/i.test(t)) return 0;
  if (/^(DEL|\^\?)$/i.test(t)) return 0x7f;
  const m = /^\^([@A-Z[\\\]^_a-z])$/.exec(t);
  if (m) return m[1].toUpperCase().charCodeAt(0) - 0x40;
  if (/^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(t)) {
    const v = t.startsWith('0x') || t.startsWith('0X') ? parseInt(t, 16) : t.length > 1 && t.startsWith('0') ? parseInt(t, 8) : parseInt(t, 10);
    return v >= 0 && v <= 255 ? v : undefined;
  }
  if (t.length === 1) return t.charCodeAt(0);
  return undefined;
}

/** Bytes as text with C-style escapes, for buffers shown in reports. */
export function escapeBytes(data: Uint8Array): string {
  let s = '';
  for (const b of data) {
    if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '0': 0, e: 0x1b, a: 0x07, b: 0x08, f: 0x0c, v: 0x0b, '\\': 0x5c, '"': 0x22, "'": 0x27 };

/**
 * Text as a person types it, to bytes: every character is its UTF-8 bytes, and escapes are explicit
 * (`\xHH`, `\n`, `\r`, `\t`, `\0`, `\e`, `\a`, `\b`, `\f`, `\v`, `\\`, `\"`, `\'`); a backslash
 * before anything else, a lone backslash at the end and a lone surrogate are refused (RangeError),
 * never guessed at. Inverse of escapeBytes.
 */
export function unescapeBytes(text: string): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new RangeError(`a lone surrogate (U+${cp.toString(16).toUpperCase()}) at character ${i} is not text`);
    if (cp !== 0x5c) {
      const ch = String.fromCodePoint(cp);
      if (cp < 0x80) out.push(cp);
      else out.push(...enc.encode(ch));
      i += ch.length;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) throw new RangeError('a backslash at the end escapes nothing (write \\\\ for a backslash)');
    if (n === 'x') {
      const hh = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hh)) throw new RangeError(`\\x at character ${i} needs two hex digits`);
      out.push(parseInt(hh, 16));
      i += 4;
      continue;
    }
    const v = Object.hasOwn(SIMPLE_ESCAPES, n) ? SIMPLE_ESCAPES[n] : undefined;
    if (v === undefined) throw new RangeError(`\\${String.fromCodePoint(text.codePointAt(i + 1) as number)} at character ${i} is not an escape (\\xHH, \\n, \\r, \\t, \\0, \\e, \\\\, \\" …)`);
    out.push(v);
    i += 2;
  }
  return Uint8Array.from(out);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex without separators (also used in the webview, so no Buffer). */
export function toHex(data: Uint8Array): string {
  let s = '';
  for (const b of data) s += HEX[b];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new Error('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
