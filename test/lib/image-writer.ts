// The project's one writer of Linux-CR v18 images (x86_32, little-endian) for tests and benchmarks:
// the integration tests' sample when neither the golden images nor the C generator are there, the
// benchmark's fallback inputs, the fuzzer's built-in seeds and the hostile-buffer fixture. Field
// offsets come from the parser's LAYOUT (itself learned from the .ksy), so the writer never restates
// the format; what is written follows the shape of the golden images: HEADER, three uts BUFFERs,
// HEADER_ARCH, TREE + pids BUFFER, TASK + STRING(comm), OBJREF + FILE_TABLE, pty pairs (each:
// OBJREF(FILE) OBJREF(TTY m) TTY LDISC [BUFFER] OBJREF(TTY s) TTY LDISC [BUFFER] FILE FILE_DESC...),
// any filler records, TAIL.
import { FILE_TYPE, LAYOUT, OBJ, type RecordLayout, T } from '../../src/parser/layout.js';

const TASK = 102;
const MAGIC_HEAD = 0x00feed0cc0a2d200n;
const MAGIC_TAIL = 0x002d2a0cc0deef00n;

export interface PtyEnd {
  data?: Uint8Array;
  icanon?: boolean;
  /** Payload offsets of line ends (canonical mode), used for read_flags with read_tail 0. */
  lineEnds?: number[];
  flags?: number;
  /** The LDISC's column. */
  column?: number;
  minimumToWake?: number;
  xpixel?: number;
  ypixel?: number;
}

/** What the header block says besides the constants (defaults: the writer's own image). */
export interface HeaderSpec {
  time?: bigint;
  /** uts release, version, machine. */
  uts?: [string, string, string];
  /** The TREE's pids BUFFER. */
  pids?: Uint8Array;
  fdtNfds?: number;
  /** The TASK record's payload is zeros (default: a byte pattern). */
  zeroTask?: boolean;
}

export class CkptWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private nextObjref = 1;
  private fd = 0;
  private ptsIndex = 0;

  get length(): number {
    return this.size;
  }

  private rec(type: number, len: number): { bytes: Uint8Array; view: DataView } {
    const bytes = new Uint8Array(len);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, len, true);
    this.chunks.push(bytes);
    this.size += len;
    return { bytes, view };
  }

  private set(view: DataView, lay: RecordLayout, name: string, value: number | bigint): void {
    const f = lay.fields.get(name);
    if (!f) throw new Error(`no field ${name}`);
    if (f.size === 1) view.setUint8(f.offset, Number(value));
    else if (f.size === 2) view.setUint16(f.offset, Number(value), true);
    else if (f.size === 4) view.setUint32(f.offset, Number(value) >>> 0, true);
    else view.setBigUint64(f.offset, BigInt(value), true);
  }

  buffer(data: Uint8Array, type: number = T.BUFFER): void {
    const { bytes } = this.rec(type, 8 + data.length);
    bytes.set(data, 8);
  }

  /** An opaque record (a type the parser skips by len) of `len` bytes in total. */
  opaque(len: number, type = TASK): void {
    const { bytes } = this.rec(type, len);
    for (let i = 8; i < len; i++) bytes[i] = (i * 131) & 0xff;
  }

  objref(objtype: number, objref: number): void {
    const { view } = this.rec(T.OBJREF, LAYOUT.objref.len);
    this.set(view, LAYOUT.objref, 'objtype', objtype);
    this.set(view, LAYOUT.objref, 'objref', objref);
  }

  header(spec: HeaderSpec = {}): this {
    const L = LAYOUT.header;
    const { view, bytes } = this.rec(T.HEADER, L.len);
    this.set(view, L, 'magic', MAGIC_HEAD);
    this.set(view, L, 'arch_id', 1);
    this.set(view, L, 'major', 2);
    this.set(view, L, 'minor', 6);
    this.set(view, L, 'patch', 31);
    this.set(view, L, 'rev', 2);
    const c: Record<string, number> = {
      task_comm_len: 16, mm_saved_auxv_len: 152, signal_nsig: 64, uts_sysname_len: 65, uts_nodename_len: 65,
      uts_release_len: 65, uts_version_len: 65, uts_machine_len: 65, uts_domainname_len: 65, rlimit_nlimits: 16,
      n_tty_buf_size: 4096, tty_termios_ncc: 8,
    };
    for (const [k, v] of Object.entries(c)) this.set(view, L, `constants.${k}`, v);
    this.set(view, L, 'time', spec.time ?? 1253749920n);
    void bytes;
    const enc = new TextEncoder();
    for (const s of spec.uts ?? ['2.6.31-cr18', '#1 SMP', 'i686']) {
      const b = new Uint8Array(65);
      b.set(enc.encode(s));
      this.buffer(b);
    }
    const A = LAYOUT.headerArchX86;
    const a = this.rec(T.HEADER_ARCH, A.len);
    this.set(a.view, A, 'has_fxsr', 1);
    this.set(a.view, A, 'xstate_size', 512);
    const tr = this.rec(T.TREE, LAYOUT.tree.len);
    this.set(tr.view, LAYOUT.tree, 'nr_tasks', 1);
    let pids = spec.pids;
    if (!pids) {
      pids = new Uint8Array(24);
      const pv = new DataView(pids.buffer);
      pv.setInt32(0, 1, true);
      pv.setInt32(4, 1, true);
      pv.setInt32(8, 1, true);
    }
    this.buffer(pids);
    if (spec.zeroTask) this.rec(TASK, 64);
    else this.opaque(64, TASK);
    const comm = new Uint8Array(16);
    comm.set(enc.encode('bash'));
    this.buffer(comm, T.STRING);
    const ft = this.nextObjref++;
    this.objref(OBJ.FILE_TABLE, ft);
    const f = this.rec(T.FILE_TABLE, LAYOUT.fileTable.len);
    this.set(f.view, LAYOUT.fileTable, 'fdt_nfds', spec.fdtNfds ?? 0);
    return this;
  }

  private tty(objref: number, master: boolean, link: number, fileObjref: number, index: number, end: PtyEnd): void {
    this.objref(OBJ.TTY, objref);
    const L = LAYOUT.tty;
    const { view } = this.rec(T.TTY, L.len);
    this.set(view, L, 'driver_type', 4);
    this.set(view, L, 'driver_subtype', master ? 1 : 2);
    this.set(view, L, 'link_objref', link);
    this.set(view, L, 'file_objref', fileObjref);
    this.set(view, L, 'index', index);
    this.set(view, L, 'ldisc', 0);
    this.set(view, L, 'flags', end.flags ?? 0xa00);
    this.set(view, L, 'termios.c_iflag', master ? 0 : 0o42400);
    this.set(view, L, 'termios.c_oflag', master ? 0 : 0o5);
    this.set(view, L, 'termios.c_cflag', 0o277);
    this.set(view, L, 'termios.c_lflag', end.icanon ? 0o105073 : 0);
    const cc = [3, 28, 127, 21, 4, 0, 1, 0];
    const ccOff = L.fields.get('termios.c_cc')!.offset;
    cc.forEach((v, i) => view.setUint8(ccOff + i, v));
    this.set(view, L, 'winsize.ws_row', 24);
    this.set(view, L, 'winsize.ws_col', 80);
    this.set(view, L, 'winsize.ws_xpixel', end.xpixel ?? 0);
    this.set(view, L, 'winsize.ws_ypixel', end.ypixel ?? 0);
    const D = LAYOUT.ldisc;
    const data = end.data ?? new Uint8Array(0);
    const ld = this.rec(T.TTY_LDISC, D.len);
    const lines = end.icanon ? (end.lineEnds ?? []) : [];
    this.set(ld.view, D, 'column', end.column ?? 0);
    this.set(ld.view, D, 'datalen', data.length);
    this.set(ld.view, D, 'canon_datalen', lines.length ? lines[lines.length - 1] + 1 : 4096);
    this.set(ld.view, D, 'canon_data', lines.length);
    this.set(ld.view, D, 'minimum_to_wake', end.minimumToWake ?? 1);
    this.set(ld.view, D, 'icanon', end.icanon ? 1 : 0);
    const rf = D.fields.get('read_flags')!.offset;
    for (const p of lines) ld.bytes[rf + (p >> 3)] |= 1 << (p & 7);
    if (data.length) this.buffer(data);
  }

  /** One pty pair opened through a file on the slave (one descriptor). Returns the objrefs used. */
  pair(master: PtyEnd = {}, slave: PtyEnd = {}): { file: number; master: number; slave: number } {
    const file = this.nextObjref++;
    const m = this.nextObjref++;
    const reserved = this.nextObjref++;
    const s = this.nextObjref++;
    const index = this.ptsIndex++;
    this.objref(OBJ.FILE, file);
    this.tty(m, true, 0, reserved, index, master);
    this.tty(s, false, m, 0, index, slave);
    const F = LAYOUT.fileTty;
    const f = this.rec(T.FILE, F.len);
    this.set(f.view, F, 'f_type', FILE_TYPE.TTY);
    this.set(f.view, F, 'f_mode', 3);
    this.set(f.view, F, 'f_flags', 2);
    this.set(f.view, F, 'tty_objref', s);
    const d = this.rec(T.FILE_DESC, LAYOUT.fileDesc.len);
    this.set(d.view, LAYOUT.fileDesc, 'fd_objref', file);
    this.set(d.view, LAYOUT.fileDesc, 'fd_descriptor', this.fd++);
    return { file, master: m, slave: s };
  }

  /**
   * One pty pair as the golden ok-pair-i386 has it: the slave opened on `slaveFds` descriptors
   * through one file, the master on one descriptor through another.
   */
  goldenPair(master: PtyEnd, slave: PtyEnd, slaveFds: number[], masterFd: number): void {
    const slaveFile = this.nextObjref++;
    const m = this.nextObjref++;
    const reserved = this.nextObjref++;
    const s = this.nextObjref++;
    const masterFile = this.nextObjref++;
    const index = this.ptsIndex++;
    this.objref(OBJ.FILE, slaveFile);
    this.tty(m, true, 0, reserved, index, master);
    this.tty(s, false, m, 0, index, slave);
    const ttyFile = (tty: number) => {
      const f = this.rec(T.FILE, LAYOUT.fileTty.len);
      this.set(f.view, LAYOUT.fileTty, 'f_type', FILE_TYPE.TTY);
      this.set(f.view, LAYOUT.fileTty, 'f_mode', 3);
      this.set(f.view, LAYOUT.fileTty, 'f_flags', 2);
      this.set(f.view, LAYOUT.fileTty, 'tty_objref', tty);
    };
    const desc = (file: number, fd: number) => {
      const d = this.rec(T.FILE_DESC, LAYOUT.fileDesc.len);
      this.set(d.view, LAYOUT.fileDesc, 'fd_objref', file);
      this.set(d.view, LAYOUT.fileDesc, 'fd_descriptor', fd);
    };
    ttyFile(s);
    for (const fd of slaveFds) desc(slaveFile, fd);
    this.objref(OBJ.FILE, masterFile);
    ttyFile(m);
    desc(masterFile, masterFd);
  }

  /** Start /dev/pts numbering at `n` (the golden images' ptys are /dev/pts/7 on). */
  ptsFrom(n: number): this {
    this.ptsIndex = n;
    return this;
  }

  /** OBJREF(FILE) + FILE(generic) + FILE_NAME + FILE_DESC. */
  fileGeneric(name: string): void {
    const file = this.nextObjref++;
    this.objref(OBJ.FILE, file);
    const F = LAYOUT.fileGeneric;
    const f = this.rec(T.FILE, F.len);
    this.set(f.view, F, 'f_type', FILE_TYPE.GENERIC);
    this.set(f.view, F, 'f_mode', 0x1d);
    const nm = new TextEncoder().encode(name + '\0');
    this.buffer(nm, T.FILE_NAME);
    const d = this.rec(T.FILE_DESC, LAYOUT.fileDesc.len);
    this.set(d.view, LAYOUT.fileDesc, 'fd_objref', file);
    this.set(d.view, LAYOUT.fileDesc, 'fd_descriptor', this.fd++);
  }

  tail(): Uint8Array {
    const { view } = this.rec(T.TAIL, LAYOUT.tail.len);
    this.set(view, LAYOUT.tail, 'magic', MAGIC_TAIL);
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    this.chunks = [];
    return out;
  }
}

/**
 * An x86_32 image like the golden ok-pair-i386, with `pairs` pty pairs: pair k (from 0) has
 * /dev/pts/(7+k), a master in raw mode with output `total 0\r\n$ ` pending and a canonical slave
 * with `ls -l\n` complete and `ech` partial; the slave is fds 4k..4k+2, the master fd 4k+3.
 */
export function makeSampleImage(pairs = 1): Uint8Array {
  const pids = new Uint8Array(24);
  new DataView(pids.buffer).setInt32(0, 101, true);
  const w = new CkptWriter()
    .header({ time: 1253750400n, uts: ['2.6.31-cr18', '#1 SMP Wed Sep 23 19:51:52 EDT 2009', 'i686'], pids, fdtNfds: 4 * pairs, zeroTask: true })
    .ptsFrom(7);
  const enc = new TextEncoder();
  for (let k = 0; k < pairs; k++) {
    w.goldenPair(
      { data: enc.encode('total 0\r\n$ '), column: 2, minimumToWake: 0 },
      { data: enc.encode('ls -l\nech'), icanon: true, lineEnds: [5], minimumToWake: 0, xpixel: 640, ypixel: 384 },
      [4 * k, 4 * k + 1, 4 * k + 2],
      4 * k + 3,
    );
  }
  return w.tail();
}

/** The smallest number of pairs whose sample image (makeSampleImage) is at least `bytes` long. */
export function pairsForSize(bytes: number): number {
  const one = makeSampleImage(1).length;
  const two = makeSampleImage(2).length;
  return Math.max(1, Math.ceil((bytes - one) / (two - one)) + 1);
}

/** A small valid image with one pair (the fuzzer's built-in seed when no golden image is around). */
export function samplePair(): Uint8Array {
  const w = new CkptWriter().header();
  const enc = new TextEncoder();
  w.pair({ data: enc.encode('total 0\r\n$ ') }, { data: enc.encode('ls -l\nech'), icanon: true, lineEnds: [5] });
  return w.tail();
}

/** Shape (a): `pairs` pty pairs spread among large opaque records, about `bytes` in total. */
export function benchPairs(bytes: number, pairs = 1000): Uint8Array {
  const w = new CkptWriter().header();
  const enc = new TextEncoder();
  const perPair = 2000;
  const gap = Math.max(16, Math.floor((bytes - w.length - pairs * perPair - 16) / pairs));
  for (let i = 0; i < pairs; i++) {
    w.opaque(gap);
    w.pair({ data: enc.encode(`out ${i}\r\n`) }, { data: enc.encode(`cmd ${i}\npart`), icanon: true, lineEnds: [`cmd ${i}`.length] });
  }
  return w.tail();
}

/** Shape (b): many small records (64 bytes each), about `bytes` in total, with one pair. */
export function benchSmall(bytes: number): Uint8Array {
  const w = new CkptWriter().header();
  w.pair({}, {});
  const n = Math.max(0, Math.floor((bytes - w.length - 16) / 64));
  for (let i = 0; i < n; i++) w.opaque(64, i & 1 ? T.STRING : TASK);
  return w.tail();
}

/**
 * Shape (b) at a constant density, for the growth series: cycles of 4 opaque records + OBJREF +
 * FILE(generic) + FILE_NAME + FILE_DESC (the C generator's bench-small cycle), sized so that
 * 64 MiB holds about one million records whatever `bytes` is, with a pty pair every 10,000 cycles.
 */
export function benchSmallDense(bytes: number): Uint8Array {
  const w = new CkptWriter().header();
  const fixed = 16 + 40 + 8 + 18 + 24 + 4 * 8;
  const L = Math.max(0, Math.floor(((64 * 2 ** 20 * 8) / 1e6 - fixed) / 4));
  const cycle = fixed + 4 * L;
  const n = Math.max(1, Math.floor((bytes - w.length - 2048) / cycle));
  const types = [402, 104, 105, 603];
  const enc = new TextEncoder();
  for (let c = 0; c < n; c++) {
    if (c % 10000 === 5000) w.pair({ data: enc.encode('$ ') }, { data: enc.encode('x\n'), icanon: true, lineEnds: [1] });
    for (const t of types) w.opaque(8 + L, t);
    w.fileGeneric(`/var/log/f${String(c % 1e7).padStart(7, '0')}`);
  }
  return w.tail();
}
