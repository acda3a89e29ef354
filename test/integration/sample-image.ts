// A writer for small and large sample images with the layout of the golden ones (header block, one
// task, a file table, then pty pairs), used by the integration tests when ../shared/golden and the C
// generator are absent, and by bench/editor.mjs for its 64 MiB image. Field offsets come from
// src/parser/layout.ts (learned from the .ksy), so the writer never restates the format.
import { FILE_TYPE, LAYOUT, OBJ, RecordLayout, T } from '../../src/parser/layout.js';

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  constructor(cap: number) {
    this.buf = new Uint8Array(cap);
    this.view = new DataView(this.buf.buffer);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  /** Start a record of `len` bytes (zero-filled); returns its offset. */
  record(type: number, len: number): number {
    this.ensure(len);
    const o = this.pos;
    this.buf.fill(0, o, o + len);
    this.view.setUint32(o, type, true);
    this.view.setUint32(o + 4, len, true);
    this.pos += len;
    return o;
  }
  set(o: number, l: RecordLayout, name: string, v: number | bigint): void {
    const f = l.fields.get(name);
    if (!f) throw new Error(`no field ${name}`);
    if (f.size === 1) this.view.setUint8(o + f.offset, Number(v));
    else if (f.size === 2) this.view.setUint16(o + f.offset, Number(v), true);
    else if (f.size === 4) this.view.setInt32(o + f.offset, Number(v), true);
    else this.view.setBigUint64(o + f.offset, BigInt(v), true);
  }
  fixed(type: number, l: RecordLayout, values: Record<string, number | bigint>): number {
    const o = this.record(type, l.len);
    for (const [k, v] of Object.entries(values)) this.set(o, l, k, v);
    return o;
  }
  bytes(type: number, data: Uint8Array): number {
    const o = this.record(type, 8 + data.length);
    this.buf.set(data, o + 8);
    return o;
  }
  objref(objtype: number, objref: number): number {
    return this.fixed(T.OBJREF, LAYOUT.objref, { objtype, objref });
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const text = (s: string, len = s.length): Uint8Array => {
  const b = new Uint8Array(len);
  b.set(new TextEncoder().encode(s).subarray(0, len));
  return b;
};

interface TtySpec {
  objref: number;
  subtype: 1 | 2;
  index: number;
  link: number;
  file: number;
  iflag: number;
  oflag: number;
  lflag: number;
  xpixel: number;
  ypixel: number;
  column: number;
  canonDatalen: number;
  canonData: number;
  icanon: number;
  data: Uint8Array;
  lineEnds: number[];
}

function tty(w: Writer, s: TtySpec): void {
  w.objref(OBJ.TTY, s.objref);
  const o = w.fixed(T.TTY, LAYOUT.tty, {
    driver_type: 4,
    driver_subtype: s.subtype,
    link_objref: s.link,
    file_objref: s.file,
    index: s.index,
    ldisc: 0,
    flags: 2560,
    'termios.c_iflag': s.iflag,
    'termios.c_oflag': s.oflag,
    'termios.c_cflag': 191,
    'termios.c_lflag': s.lflag,
    'winsize.ws_row': 24,
    'winsize.ws_col': 80,
    'winsize.ws_xpixel': s.xpixel,
    'winsize.ws_ypixel': s.ypixel,
  });
  const cc = [3, 28, 127, 21, 4, 0, 1, 0];
  const ccOff = LAYOUT.tty.fields.get('termios.c_cc')!.offset;
  w.buf.set(cc, o + ccOff);
  const l = w.fixed(T.TTY_LDISC, LAYOUT.ldisc, {
    column: s.column,
    datalen: s.data.length,
    canon_datalen: s.canonDatalen,
    canon_data: s.canonData,
    icanon: s.icanon,
  });
  const rf = l + LAYOUT.ldisc.fields.get('read_flags')!.offset;
  for (const p of s.lineEnds) w.buf[rf + (p >> 3)] |= 1 << (p & 7);
  if (s.data.length) w.bytes(T.BUFFER, s.data);
}

/**
 * An x86_32 image like the golden ok-pair-i386, with `pairs` pty pairs: pair k (from 0) has
 * /dev/pts/(7+k), a master in raw mode with output `total 0\r\n$ ` pending and a canonical slave
 * with `ls -l\n` complete and `ech` partial; the slave is fds 4k..4k+2, the master fd 4k+3.
 */
export function makeSampleImage(pairs = 1): Uint8Array {
  const w = new Writer(4096 + pairs * 1600);
  w.fixed(T.HEADER, LAYOUT.header, {
    magic: 0x00feed0cc0a2d200n,
    arch_id: 1,
    major: 2,
    minor: 6,
    patch: 31,
    rev: 2,
    'constants.task_comm_len': 16,
    'constants.mm_saved_auxv_len': 152,
    'constants.signal_nsig': 64,
    'constants.uts_sysname_len': 65,
    'constants.uts_nodename_len': 65,
    'constants.uts_release_len': 65,
    'constants.uts_version_len': 65,
    'constants.uts_machine_len': 65,
    'constants.uts_domainname_len': 65,
    'constants.rlimit_nlimits': 16,
    'constants.n_tty_buf_size': 4096,
    'constants.tty_termios_ncc': 8,
    time: 1253750400n,
    uflags: 0n,
  });
  w.bytes(T.BUFFER, text('2.6.31-cr18', 65));
  w.bytes(T.BUFFER, text('#1 SMP Wed Sep 23 19:51:52 EDT 2009', 65));
  w.bytes(T.BUFFER, text('i686', 65));
  w.fixed(T.HEADER_ARCH, LAYOUT.headerArchX86, { has_fxsr: 1, has_xsave: 0, xstate_size: 512 });
  w.fixed(T.TREE, LAYOUT.tree, { nr_tasks: 1 });
  const pids = new Uint8Array(24);
  new DataView(pids.buffer).setInt32(0, 101, true);
  w.bytes(T.BUFFER, pids);
  w.record(102, 64); // TASK: opaque to this project
  w.bytes(T.STRING, text('bash', 16));
  w.objref(OBJ.FILE_TABLE, 1);
  w.fixed(T.FILE_TABLE, LAYOUT.fileTable, { fdt_nfds: 4 * pairs });
  let next = 2;
  for (let k = 0; k < pairs; k++) {
    const slaveFile = next;
    const master = next + 1;
    const reserved = next + 2;
    const slave = next + 3;
    const masterFile = next + 4;
    next += 5;
    w.objref(OBJ.FILE, slaveFile);
    tty(w, {
      objref: master, subtype: 1, index: 7 + k, link: 0, file: reserved, iflag: 0, oflag: 0, lflag: 0, xpixel: 0, ypixel: 0,
      column: 2, canonDatalen: 4096, canonData: 0, icanon: 0, data: text('total 0\r\n$ '), lineEnds: [],
    });
    tty(w, {
      objref: slave, subtype: 2, index: 7 + k, link: master, file: 0, iflag: 17664, oflag: 5, lflag: 35387, xpixel: 640, ypixel: 384,
      column: 0, canonDatalen: 6, canonData: 1, icanon: 1, data: text('ls -l\nech'), lineEnds: [5],
    });
    w.fixed(T.FILE, LAYOUT.fileTty, { f_type: FILE_TYPE.TTY, f_mode: 3, f_flags: 2, tty_objref: slave });
    for (let fd = 0; fd < 3; fd++) w.fixed(T.FILE_DESC, LAYOUT.fileDesc, { fd_objref: slaveFile, fd_descriptor: 4 * k + fd });
    w.objref(OBJ.FILE, masterFile);
    w.fixed(T.FILE, LAYOUT.fileTty, { f_type: FILE_TYPE.TTY, f_mode: 3, f_flags: 2, tty_objref: master });
    w.fixed(T.FILE_DESC, LAYOUT.fileDesc, { fd_objref: masterFile, fd_descriptor: 4 * k + 3 });
  }
  w.fixed(T.TAIL, LAYOUT.tail, { magic: 0x002d2a0cc0deef00n });
  return w.result();
}

/** The smallest number of pairs whose image is at least `bytes` long. */
export function pairsForSize(bytes: number): number {
  const one = makeSampleImage(1).length;
  const two = makeSampleImage(2).length;
  return Math.max(1, Math.ceil((bytes - one) / (two - one)) + 1);
}
