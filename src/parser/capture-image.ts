/**
 * A live pty's capture description (src/remote/capture-description.ts) written as the v18 image a
 * Linux-CR kernel would have written for the captured process: header block, one task, its file
 * table, and per pty fd OBJREF(FILE), OBJREF+TTY+LDISC(+BUFFER) for the master and the slave on
 * the first reference of the pair, FILE and FILE_DESC (reference §5.1, §7.2, §10.5), then TAIL.
 *
 * Every field written gets a provenance: exact (the kernel's answer), derived (computed from exact
 * answers by the rules the kernel follows), assumed (not readable from a live pty; the value is the
 * likely one) or lost (the live value exists but could not be captured). The list is kept beside the
 * image (IMAGE.ckpt.provenance.json): v18 has no record type for annotations, and restart reads each
 * record by the type it expects, so an extra record would make the image one no kernel restores.
 */
import { LAYOUT, OBJ, FILE_TYPE, T, type RecordLayout } from './layout.js';
import { enumValue, Enums } from './kaitai.js';
import { CC_NAMES, ICANON, N_TTY_BUF_SIZE, PTY_TYPE_MASTER, PTY_TYPE_SLAVE, TTY, TTY_DRIVER_TYPE_PTY } from './names.js';
import { MAGIC_HEAD, MAGIC_TAIL, UTS_LEN } from './validate/stream.js';
import type { CaptureDescription, CaptureFd, CapturePair, CaptureTermios } from '../remote/capture-description.js';

export const PROVENANCE_FORMAT = 'ckpt-inspect.provenance/1';
export type ProvenanceKind = 'exact' | 'derived' | 'assumed' | 'lost';

export interface ProvenanceEntry {
  /** The field: an edit path (`ttys[1].termios.c_lflag`) where `ckpt-inspect set` has one, else record.field. */
  path: string;
  /** Byte offset of the field in the image, null for state the image has no field for. */
  offset: number | null;
  size: number;
  /** The value written (decimal string for 64-bit fields), null when nothing is written. */
  value: number | string | null;
  provenance: ProvenanceKind;
  reason: string;
  /** What the live pty had, where it differs from what the image can hold (a 32-bit flag, a count). */
  live?: number | string | boolean | null;
}

export interface Provenance {
  format: typeof PROVENANCE_FORMAT;
  image: { sha256: string | null; size: number };
  source: {
    host: string | null;
    pid: number;
    comm: string;
    kernel: CaptureDescription['kernel'];
    time: string;
    helper: string;
    drained: boolean;
  };
  counts: Record<ProvenanceKind, number>;
  fields: ProvenanceEntry[];
}

export interface CapturedImage {
  bytes: Uint8Array;
  provenance: Provenance;
}

const T_TASK = enumValue(Enums.hdrType, 'task');
/** ckpt_hdr_task of i386 (the v18 architecture this image claims): 64 bytes. */
const TASK_LEN_X86_32 = 64;
const ARCH_X86_32 = 1;
const CHECKPOINT_SUBTREE = 1n;
const CKPT_PIDS_SIZE = 24;
const TASK_COMM_LEN = 16;
const O_ACCMODE = 0o3;
const O_CLOEXEC = 0o2000000;
const FMODE_READ = 0x1;
const FMODE_WRITE = 0x2;
/** tty_std_termios c_cc (INIT_C_CC) for the first 8 entries, what a master's termios keeps. */
const INIT_C_CC_8 = [3, 28, 127, 21, 4, 0, 1, 0];
/** The unix98 master driver's init_termios c_cflag: B38400 | CS8 | CREAD. */
const PTM_CFLAG = 0o277;
// termios bits n_tty_set_termios looks at (x86 termbits.h, octal)
const IGNBRK = 0o1, BRKINT = 0o2, IGNPAR = 0o4, PARMRK = 0o10, INPCK = 0o20, ISTRIP = 0o40, INLCR = 0o100,
  IGNCR = 0o200, ICRNL = 0o400, IUCLC = 0o1000, IXON = 0o2000;
const ISIG = 0o1, ECHO = 0o10;

/** raw, real_raw and icanon as n_tty_set_termios (2.6.31) sets them; a pty driver is TTY_DRIVER_REAL_RAW. */
export function ldiscModes(iflag: number, lflag: number): { raw: number; real_raw: number; icanon: number } {
  const icanon = lflag & ICANON ? 1 : 0;
  const cooked = iflag & (ISTRIP | IUCLC | IGNCR | ICRNL | INLCR | IXON | PARMRK) || lflag & (ICANON | ISIG | ECHO);
  if (cooked) return { raw: 0, real_raw: 0, icanon };
  const realRaw = (iflag & IGNBRK || !(iflag & BRKINT) && !(iflag & PARMRK)) && (iflag & IGNPAR || !(iflag & INPCK));
  return { raw: 1, real_raw: realRaw ? 1 : 0, icanon };
}

/** Linux release → the header's major, minor, patch (each as LINUX_VERSION_CODE holds it: 8 bits). */
export function versionOf(release: string): { major: number; minor: number; patch: number } | null {
  const m = /^([0-9]{1,3})\.([0-9]{1,3})(?:\.([0-9]{1,3}))?/.exec(release);
  if (!m) return null;
  return { major: Number(m[1]) & 0xff, minor: Number(m[2]) & 0xff, patch: Math.min(Number(m[3] ?? 0), 255) };
}

class Writer {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  readonly prov: ProvenanceEntry[] = [];

  record(type: number, payloadLen: number): { at: number; view: DataView; bytes: Uint8Array } {
    const bytes = new Uint8Array(8 + payloadLen);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, bytes.length, true);
    const at = this.size;
    this.chunks.push(bytes);
    this.size += bytes.length;
    return { at, view, bytes };
  }

  fixed(type: number, layout: RecordLayout): Rec {
    const r = this.record(type, layout.len - 8);
    return new Rec(this, r.at, r.view, r.bytes, layout);
  }

  note(e: ProvenanceEntry): void {
    this.prov.push(e);
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

class Rec {
  constructor(
    private readonly w: Writer,
    readonly at: number,
    readonly view: DataView,
    readonly bytes: Uint8Array,
    private readonly layout: RecordLayout,
  ) {}

  private field(name: string): { offset: number; size: number } {
    const f = this.layout.fields.get(name);
    if (!f) throw new Error(`layout has no field ${name}`);
    return f;
  }

  /** Writes an integer field (little-endian) and records its provenance under `path`. */
  set(name: string, value: number | bigint, path: string | null, kind: ProvenanceKind = 'derived', reason = '', live?: ProvenanceEntry['live']): void {
    const f = this.field(name);
    if (f.size === 8) this.view.setBigUint64(f.offset, BigInt(value), true);
    else if (f.size === 4) this.view.setUint32(f.offset, Number(value) >>> 0, true);
    else if (f.size === 2) this.view.setUint16(f.offset, Number(value), true);
    else if (f.size === 1) this.view.setUint8(f.offset, Number(value));
    else throw new Error(`${name} is not an integer field`);
    if (path !== null) {
      this.w.note({ path, offset: this.at + f.offset, size: f.size, value: f.size === 8 ? String(value) : Number(value), provenance: kind, reason, ...(live !== undefined ? { live } : {}) });
    }
  }

  /** Writes c_cc bytes at the termios' c_cc (8 of them). */
  setBytes(name: string, index: number, value: number, path: string, kind: ProvenanceKind, reason: string): void {
    const f = this.field(name);
    this.view.setUint8(f.offset + index, value);
    this.w.note({ path, offset: this.at + f.offset + index, size: 1, value, provenance: kind, reason });
  }
}

function objref(w: Writer, objtype: number, ref: number, what: string): void {
  const r = w.fixed(T.OBJREF, LAYOUT.objref);
  r.set('objtype', objtype, null);
  r.set('objref', ref, `objref(${what})`, 'derived', 'numbered as the v18 objhash does: from 1, in order of first reference');
}

function utsBuffer(w: Writer, text: string, path: string): void {
  const r = w.record(T.BUFFER, UTS_LEN);
  const b = new TextEncoder().encode(text).subarray(0, UTS_LEN - 1);
  r.bytes.set(b, 8);
  w.note({ path, offset: r.at + 8, size: UTS_LEN, value: text, provenance: b.length < new TextEncoder().encode(text).length ? 'derived' : 'exact', reason: 'uname(2) of the captured host, NUL-padded to 65 bytes' });
}

interface PairRefs { master: number; slave: number; reserved: number; ttyIndex: number }

function lowBits(v: number, what: string, path: string, r: Rec, name: string): void {
  const low = v & 0xffff;
  const lost = v >>> 16;
  r.set(name, low, path, 'exact', lost ? `the kernel's 32-bit ${what} is 0x${v.toString(16)}; the v18 field keeps its low 16 bits (bits 0x${(lost << 16).toString(16)} are not in the format)` : `TCGETS on the live slave`, lost ? v : undefined);
}

interface Queue { count: number | null; data: Uint8Array | null; lineEnds: number[] | null }

function writeTty(w: Writer, p: CapturePair, role: 'master' | 'slave', refs: PairRefs, q: Queue): void {
  const t = w.fixed(T.TTY, LAYOUT.tty);
  const path = `ttys[${role === 'master' ? refs.ttyIndex : refs.ttyIndex + 1}]`;
  const viaMaster = p.master_fd !== null;
  t.set('driver_type', TTY_DRIVER_TYPE_PTY, `${path}.driver_type`, 'derived', 'a UNIX98 pty (the fd is /dev/ptmx or a devpts slave device)');
  t.set('driver_subtype', role === 'master' ? PTY_TYPE_MASTER : PTY_TYPE_SLAVE, `${path}.driver_subtype`, 'derived', `the ${role} side of the pair`);
  t.set('link_objref', role === 'master' ? 0 : refs.master, `${path}.link_objref`, 'derived', role === 'master' ? 'a master links to nothing' : "the master's objref");
  t.set('file_objref', role === 'master' ? refs.reserved : 0, `${path}.file_objref`, 'derived', role === 'master' ? 'the id the writer reserves (ckpt_obj_reserve) for the ptmx file restart opens' : 'a slave has none');
  t.set('index', p.index, `${path}.index`, 'exact', viaMaster ? 'TIOCGPTN on the master' : "the slave device's minor number");
  t.set('ldisc', p.ldisc ?? 0, `${path}.ldisc`, p.ldisc === null ? 'assumed' : 'exact', p.ldisc === null ? 'TIOCGETD failed; N_TTY assumed' : 'TIOCGETD');
  // tty->flags: only the bits a live pty lets us read; the rest as an open, idle pty has them.
  let flags = TTY.LDISC_GOOD;
  const why = ['LDISC and LDISC_OPEN: the line discipline of an open tty (derived)'];
  let kind: ProvenanceKind = 'derived';
  if (role === 'slave') {
    if (p.exclusive) flags |= TTY.EXCLUSIVE;
    why.push(p.exclusive === null ? 'EXCLUSIVE unknown (the target holds no slave fd; TIOCGEXCL answers for the side it is asked on), assumed clear' : `EXCLUSIVE ${p.exclusive ? 'set' : 'clear'} (TIOCGEXCL on the slave)`);
    if (p.locked) flags |= TTY.PTY_LOCK;
    why.push(p.locked === null ? 'PTY_LOCK unknown (TIOCGPTLCK needs the master), assumed clear' : `PTY_LOCK ${p.locked ? 'set' : 'clear'} (TIOCGPTLCK on the master; 2.6.31 keeps the bit on the slave)`);
    if (p.hungup) flags |= TTY.HUPPED;
    if (p.hungup) why.push('HUPPED: TCGETS on the slave fails with EIO');
    if (p.exclusive === null || p.locked === null) kind = 'assumed';
  }
  why.push('THROTTLED, OTHER_CLOSED, DO_WRITE_WAKEUP and the other transient bits are not readable and assumed clear');
  t.set('flags', BigInt(flags), `${path}.flags`, kind, why.join('; '));
  const tm = p.termios;
  if (role === 'slave') {
    lowBits(tm.c_iflag, 'c_iflag', `${path}.termios.c_iflag`, t, 'termios.c_iflag');
    lowBits(tm.c_oflag, 'c_oflag', `${path}.termios.c_oflag`, t, 'termios.c_oflag');
    lowBits(tm.c_cflag, 'c_cflag', `${path}.termios.c_cflag`, t, 'termios.c_cflag');
    lowBits(tm.c_lflag, 'c_lflag', `${path}.termios.c_lflag`, t, 'termios.c_lflag');
    t.set('termios.c_line', tm.c_line, `${path}.termios.c_line`, 'exact', 'TCGETS');
    for (let i = 0; i < 8; i++) t.setBytes('termios.c_cc', i, tm.c_cc[i] ?? 0, `${path}.termios.c_cc.${CC_NAMES[i]}`, 'exact', 'TCGETS');
    for (let i = 8; i < tm.c_cc.length; i++) {
      w.note({ path: `${path}.termios.c_cc[${i}]`, offset: null, size: 0, value: null, provenance: 'lost', reason: 'v18 keeps c_cc[0..7] only (NCC 8); VSTART, VSTOP, VSUSP, VEOL, VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2 are not in the format', live: tm.c_cc[i] ?? null });
    }
  } else {
    const assumed = "a master's termios cannot be read (TCGETS on a master answers with the slave's): the unix98 master driver's init_termios";
    t.set('termios.c_iflag', 0, `${path}.termios.c_iflag`, 'assumed', assumed);
    t.set('termios.c_oflag', 0, `${path}.termios.c_oflag`, 'assumed', assumed);
    t.set('termios.c_cflag', PTM_CFLAG, `${path}.termios.c_cflag`, 'assumed', assumed);
    t.set('termios.c_lflag', 0, `${path}.termios.c_lflag`, 'assumed', assumed);
    t.set('termios.c_line', 0, `${path}.termios.c_line`, 'assumed', assumed);
    for (let i = 0; i < 8; i++) t.setBytes('termios.c_cc', i, INIT_C_CC_8[i] ?? 0, `${path}.termios.c_cc.${CC_NAMES[i]}`, 'assumed', assumed);
  }
  const ws = p.winsize ?? { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
  for (const k of ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel'] as const) {
    const [kind2, reason] = p.winsize === null ? ['lost', 'TIOCGWINSZ failed'] as const
      : role === 'slave' ? ['exact', 'TIOCGWINSZ'] as const
      : ['derived', "a master's window size is set with the slave's (pty_resize sets both)"] as const;
    t.set(`winsize.${k}`, ws[k], `${path}.winsize.${k}`, kind2, reason);
  }
  if (role === 'slave' && p.hungup) return; // a hung-up tty has no LDISC record
  writeLdisc(w, p, role, `${path}.ldisc`, role === 'master' ? { c_iflag: 0, c_lflag: 0 } : tm, q);
}

const DRAINED = 'read from the live queue with the target stopped, and put back with the restore\'s exact injection; the kernel\'s counts were the same before and after';

function writeLdisc(w: Writer, p: CapturePair, role: 'master' | 'slave', path: string, tm: Pick<CaptureTermios, 'c_iflag' | 'c_lflag'>, q: Queue): void {
  const count = q.count;
  const l = w.fixed(T.TTY_LDISC, LAYOUT.ldisc);
  const canonical = (tm.c_lflag & ICANON) !== 0;
  const lost = 'not readable from a live pty without reading the queue; assumed as after open';
  l.set('column', 0, `${path}.column`, 'lost', "the n_tty output column is kernel-private (no ioctl returns it); 0 as after open");
  // Queues are not read by a capture without --drain: the image holds none, and the count says what was there.
  const what = role === 'master' ? 'output waiting for the master (FIONREAD on the master)' : 'input waiting for the slave (FIONREAD on the slave)';
  let reason: string;
  let kind: ProvenanceKind;
  if (count === null) {
    kind = 'lost';
    reason = role === 'master' ? 'the target holds no master fd: the output queue cannot be counted; the image holds none' : 'the slave could not be asked (no slave fd, or hung up); the image holds no input';
  } else if (count > 0) {
    kind = 'lost';
    reason = `${count} bytes of ${what} were not read: a capture without --drain leaves the queues alone; the image holds none`;
  } else if (canonical && role === 'slave') {
    kind = 'assumed';
    reason = 'FIONREAD is 0, but in canonical mode it counts complete lines only: a partial line would not show';
  } else {
    kind = 'exact';
    reason = `FIONREAD is 0: no ${role === 'master' ? 'output' : 'input'} pending`;
  }
  const data = q.data;
  const ends = q.lineEnds ?? [];
  if (data) l.set('datalen', data.length, `${path}.datalen`, 'exact', DRAINED);
  else l.set('datalen', 0, `${path}.datalen`, kind, reason, count);
  l.set('canon_column', 0, `${path}.canon_column`, 'lost', 'kernel-private; 0 as after open');
  const last = ends[ends.length - 1];
  if (canonical && last !== undefined) {
    l.set('canon_datalen', last + 1, `${path}.canon_datalen`, 'derived', 'the bytes of the complete lines drained (the ring written from position 0)');
    l.set('canon_data', ends.length, `${path}.canon_data`, 'exact', `the complete lines drained, one read each (${DRAINED})`);
  } else {
    l.set('canon_datalen', N_TTY_BUF_SIZE, `${path}.canon_datalen`, canonical || !data?.length ? 'derived' : 'assumed', canonical || !data?.length ? 'no complete line in the image: canon_head equals read_tail, which the v18 writer stores as 4096' : 'a stale canon_head of raw mode is not readable; 4096 as canon_head at read_tail');
    l.set('canon_data', 0, `${path}.canon_data`, 'derived', 'no complete line in the image');
  }
  l.set('minimum_to_wake', 1, `${path}.minimum_to_wake`, 'assumed', `${lost} (1)`);
  l.set('stopped', 0, `${path}.stopped`, 'lost', 'flow-control state (^S) is not readable without writing to the slave; assumed running');
  l.set('hw_stopped', 0, `${path}.hw_stopped`, 'derived', 'a pty has no hardware flow control');
  l.set('flow_stopped', 0, `${path}.flow_stopped`, 'lost', 'not readable; assumed running');
  const pk = role === 'master' ? p.packet : false;
  l.set('packet', pk ? 1 : 0, `${path}.packet`, role === 'slave' ? 'derived' : pk === null ? 'lost' : 'exact',
    role === 'slave' ? 'packet mode belongs to the master' : pk === null ? 'TIOCGPKT needs the master, which the target does not hold; assumed off' : 'TIOCGPKT on the master');
  l.set('ctrl_status', 0, `${path}.ctrl_status`, 'lost', 'a pending packet-mode status byte is only seen by reading the master; assumed none');
  l.set('lnext', 0, `${path}.lnext`, 'lost', 'whether a VLNEXT quote is pending is kernel-private; assumed not');
  l.set('erasing', 0, `${path}.erasing`, 'lost', 'the echo-prt erase state is kernel-private; assumed not');
  const m = ldiscModes(tm.c_iflag, tm.c_lflag);
  l.set('raw', m.raw, `${path}.raw`, 'derived', 'from the termios, as n_tty_set_termios computes it');
  l.set('real_raw', m.real_raw, `${path}.real_raw`, 'derived', 'from the termios, as n_tty_set_termios computes it (a pty driver is TTY_DRIVER_REAL_RAW)');
  l.set('icanon', m.icanon, `${path}.icanon`, 'derived', 'ICANON of the termios');
  l.set('closing', 0, `${path}.closing`, 'derived', 'the tty is open');
  const rf = LAYOUT.ldisc.fields.get('read_flags')?.offset ?? 0;
  // i386 read_flags: 32-bit little-endian longs, so ring position p is byte p/8, bit p%8 (reference §3.2)
  for (const e of canonical ? ends : []) l.bytes[rf + (e >> 3)] = (l.bytes[rf + (e >> 3)] ?? 0) | (1 << (e & 7));
  w.note({ path: `${path}.read_flags`, offset: l.at + rf, size: 512, value: null, provenance: ends.length && canonical ? 'exact' : 'derived', reason: ends.length && canonical ? `one bit per line end of the drained input (${DRAINED})` : 'no line end in the image: all clear' });
  if (data && data.length) {
    const b = w.record(T.BUFFER, data.length);
    b.bytes.set(data, 8);
    w.note({ path: `${path}.data`, offset: b.at + 8, size: data.length, value: Array.from(data, (x) => x.toString(16).padStart(2, '0')).join(''), provenance: 'exact', reason: DRAINED });
  }
}

function writeFile(w: Writer, f: CaptureFd, fileRef: number, ttyRef: number, i: number): void {
  const r = w.fixed(T.FILE, LAYOUT.fileTty);
  const p = `files[${i}]`;
  r.set('f_type', FILE_TYPE.TTY, null);
  const acc = f.flags & O_ACCMODE;
  r.set('f_mode', (acc === 0 || acc === 2 ? FMODE_READ : 0) | (acc === 1 || acc === 2 ? FMODE_WRITE : 0), `${p}.f_mode`, 'derived', 'FMODE_READ/FMODE_WRITE from the access mode in fdinfo flags (a tty is not seekable)');
  r.set('f_flags', f.flags & ~O_CLOEXEC, `${p}.f_flags`, 'exact', '/proc/PID/fdinfo flags without O_CLOEXEC (which v18 keeps in the fd, not the file)');
  r.set('f_credref', 0, `${p}.f_credref`, 'lost', "the opener's credentials are not captured (no CRED record)");
  r.set('f_pos', BigInt(f.pos), `${p}.f_pos`, 'exact', '/proc/PID/fdinfo pos');
  r.set('f_version', 0n, `${p}.f_version`, 'assumed', 'not readable; 0');
  r.set('tty_objref', ttyRef, `${p}.ttyObjref`, 'derived', `the ${f.role} tty's objref (the file is a ${f.role === 'master' ? 'ptmx' : '/dev/pts'} open)`);
  void fileRef;
}

/** Counts of each kind, for the summary. */
export function provenanceCounts(fields: readonly ProvenanceEntry[]): Record<ProvenanceKind, number> {
  const c: Record<ProvenanceKind, number> = { exact: 0, derived: 0, assumed: 0, lost: 0 };
  for (const f of fields) c[f.provenance]++;
  return c;
}

/** The v18 image and the provenance of each of its fields. `host` names the source for the sidecar. */
export function imageFromCapture(d: CaptureDescription, host: string | null = null): CapturedImage {
  const w = new Writer();
  // --- header block
  const h = w.fixed(T.HEADER, LAYOUT.header);
  h.set('magic', MAGIC_HEAD, null);
  h.set('arch_id', ARCH_X86_32, 'header.arch_id', 'assumed', `v18 defines no architecture id for ${d.kernel.machine || 'this machine'} (x86_64 came in v19); the image claims X86_32, whose byte order (little-endian) the values are written in`);
  const v = versionOf(d.kernel.release);
  h.set('major', v?.major ?? 0, 'header.major', v ? 'derived' : 'lost', `from the host's release ${JSON.stringify(d.kernel.release)}`);
  h.set('minor', v?.minor ?? 0, 'header.minor', v ? 'derived' : 'lost', 'from the release');
  h.set('patch', v?.patch ?? 0, 'header.patch', v ? 'derived' : 'lost', 'from the release (8 bits, as LINUX_VERSION_CODE keeps it)');
  h.set('rev', 2, null);
  const consts: [string, number][] = [
    ['task_comm_len', 16], ['mm_saved_auxv_len', 152], ['signal_nsig', 64], ['uts_sysname_len', UTS_LEN], ['uts_nodename_len', UTS_LEN],
    ['uts_release_len', UTS_LEN], ['uts_version_len', UTS_LEN], ['uts_machine_len', UTS_LEN], ['uts_domainname_len', UTS_LEN],
    ['rlimit_nlimits', 16], ['n_tty_buf_size', N_TTY_BUF_SIZE], ['tty_termios_ncc', 8],
  ];
  for (const [k, val] of consts) h.set(`constants.${k}`, val, null);
  w.note({ path: 'header.constants', offset: h.at + 32, size: 24, value: null, provenance: 'assumed', reason: 'the v18 i386 kernel constants check_kernel_const requires' });
  h.set('time', BigInt(d.time), 'header.time', 'exact', 'the host clock when the capture ran');
  h.set('uflags', CHECKPOINT_SUBTREE, 'header.uflags', 'derived', 'CHECKPOINT_SUBTREE: one process, not a container');
  utsBuffer(w, d.kernel.release, 'uts.release');
  utsBuffer(w, d.kernel.version, 'uts.version');
  utsBuffer(w, d.kernel.machine, 'uts.machine');
  const ha = w.fixed(T.HEADER_ARCH, LAYOUT.headerArchX86);
  ha.set('has_fxsr', 1, 'header_arch.has_fxsr', 'assumed', 'CPU state is not captured');
  ha.set('has_xsave', 0, 'header_arch.has_xsave', 'assumed', 'CPU state is not captured');
  ha.set('xstate_size', 512, 'header_arch.xstate_size', 'assumed', 'CPU state is not captured');
  // --- the task tree: the captured process alone
  const tr = w.fixed(T.TREE, LAYOUT.tree);
  tr.set('nr_tasks', 1, 'tree.nr_tasks', 'derived', 'the captured process only');
  const pids = w.record(T.BUFFER, CKPT_PIDS_SIZE);
  const t = d.target;
  const pidVals: [string, number | null][] = [['vpid', t.pid], ['vppid', t.ppid], ['vtgid', t.pid], ['vpgid', t.pgrp], ['vsid', t.session]];
  pidVals.forEach(([name, val], k) => {
    pids.view.setInt32(8 + 4 * k, val ?? 0, true);
    w.note({ path: `pids[0].${name}`, offset: pids.at + 8 + 4 * k, size: 4, value: val ?? 0, provenance: val === null ? 'lost' : 'exact', reason: `/proc/PID/stat (in the host's pid namespace)` });
  });
  const task = w.record(T_TASK, TASK_LEN_X86_32 - 8);
  w.note({ path: 'task', offset: task.at, size: TASK_LEN_X86_32, value: null, provenance: 'lost', reason: 'the task itself (registers, memory, signals) is not captured: only its ptys; the record is zeros' });
  const comm = w.record(T.STRING, TASK_COMM_LEN);
  const cb = new TextEncoder().encode(t.comm).subarray(0, TASK_COMM_LEN - 1);
  comm.bytes.set(cb, 8);
  w.note({ path: 'task.comm', offset: comm.at + 8, size: TASK_COMM_LEN, value: t.comm, provenance: 'exact', reason: '/proc/PID/stat' });
  // --- the file table: the pty fds, in ascending fd order (checkpoint_file_table)
  let next = 1;
  objref(w, OBJ.FILE_TABLE, next++, 'file table');
  const fds = [...d.fds].sort((a, b) => a.fd - b.fd);
  const ft = w.fixed(T.FILE_TABLE, LAYOUT.fileTable);
  ft.set('fdt_nfds', fds.length, 'fileTable.fdt_nfds', 'derived', "the captured pty fds; the process's other fds are not captured");
  const written = new Map<number, PairRefs>();
  /** Open file (the fd that names it) → its objref: fds on one open file share one FILE object. */
  const files = new Map<number, number>();
  let ttyCount = 0;
  let fileCount = 0;
  fds.forEach((f, i) => {
    const pair = d.pairs.find((p) => p.index === f.index);
    if (!pair) throw new Error(`internal: fd ${f.fd} has no pair`);
    const shared = files.get(f.file);
    const fileRef = shared ?? next++;
    if (shared === undefined) {
      files.set(f.file, fileRef);
      objref(w, OBJ.FILE, fileRef, `file of fd ${f.fd}`);
    }
    let refs = written.get(pair.index);
    if (!refs && shared !== undefined) throw new Error(`internal: fd ${f.fd} shares a file of a pair not written`);
    if (!refs) {
      const master = next++;
      objref(w, OBJ.TTY, master, `master /dev/pts/${pair.index}`);
      const reserved = next++;
      refs = { master, slave: 0, reserved, ttyIndex: ttyCount };
      writeTty(w, pair, 'master', refs, { count: pair.output_count, data: pair.output, lineEnds: null });
      refs.slave = next++;
      objref(w, OBJ.TTY, refs.slave, `slave /dev/pts/${pair.index}`);
      writeTty(w, pair, 'slave', refs, { count: pair.hungup ? null : pair.input_count, data: pair.input, lineEnds: pair.input_line_ends });
      ttyCount += 2;
      written.set(pair.index, refs);
    }
    if (shared === undefined) writeFile(w, f, fileRef, f.role === 'master' ? refs.master : refs.slave, fileCount++);
    const fd = w.fixed(T.FILE_DESC, LAYOUT.fileDesc);
    fd.set('fd_objref', fileRef, `fds[${i}].fileObjref`, shared === undefined ? 'derived' : 'exact', shared === undefined ? "the file's objref" : `the same open file as fd ${f.file} (kcmp KCMP_FILE): one FILE object, as the kernel writes it`);
    fd.set('fd_descriptor', f.fd, `fds[${i}].fd`, 'exact', '/proc/PID/fd');
    fd.set('fd_close_on_exec', f.flags & O_CLOEXEC ? 1 : 0, `fds[${i}].closeOnExec`, 'exact', 'O_CLOEXEC in /proc/PID/fdinfo flags');
  });
  for (const p of d.pairs) {
    const pts = `/dev/pts/${p.index}`;
    if (p.session !== null || p.pgrp !== null) {
      w.note({ path: `${pts}.session`, offset: null, size: 0, value: null, provenance: 'lost', reason: "v18 keeps a terminal's session and foreground group only in the SIGNAL record of a session leader's task, which a pty capture does not write", live: p.session });
      w.note({ path: `${pts}.pgrp`, offset: null, size: 0, value: null, provenance: 'lost', reason: 'as the session', live: p.pgrp });
    }
    if (p.slave_fd === null) {
      w.note({ path: `${pts}.slave`, offset: null, size: 0, value: null, provenance: 'assumed', reason: 'the target holds only the master: the slave state read through it is the kernel\'s, but its exclusive bit is not readable' });
    }
    if (p.master_fd === null) {
      w.note({ path: `${pts}.master`, offset: null, size: 0, value: null, provenance: 'assumed', reason: 'the target holds only the slave: packet mode, the lock and the output queue are not readable' });
    }
  }
  const tail = w.fixed(T.TAIL, LAYOUT.tail);
  tail.set('magic', MAGIC_TAIL, null);
  const bytes = w.concat();
  return {
    bytes,
    provenance: {
      format: PROVENANCE_FORMAT,
      image: { sha256: null, size: bytes.length },
      source: {
        host,
        pid: t.pid,
        comm: t.comm,
        kernel: d.kernel,
        time: new Date(d.time * 1000).toISOString(),
        helper: d.helper,
        drained: d.drained,
      },
      counts: provenanceCounts(w.prov),
      fields: w.prov,
    },
  };
}
