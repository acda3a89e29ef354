// Every field of every pty pair in the image, in the --verify report: the helper compares what
// the kernel can tell (index, lock, modes, slave termios, window size, both queues); this module
// adds each TTY and LDISC field of the image that is not one of those, saying which kernel answer
// covers it, or why no restore can bring it back. Pure: no I/O, no vscode.
import type { Image, Ldisc, Tty } from './model.js';
import { ICANON, PTY_TYPE_MASTER, PTY_TYPE_SLAVE, TTY, TTY_DRIVER_TYPE_PTY, N_TTY } from './names.js';
import { controllingTtyOf, ptyPairs } from './plan-from-image.js';

/** TTY_OTHER_CLOSED (bit 2): the other side of the pair has closed. */
const TTY_OTHER_CLOSED = 1 << 2;
import { PLAN_LIMITS, type FieldStatus, type VerifyField, type VerifyReport } from './restore-plan.js';

/** What the helper said about one of its fields (or, before a restore, what it is expected to say). */
export type HelperAnswer = (name: string) => { status: FieldStatus; reason: string | null; kernel: unknown } | undefined;

/**
 * The pty driver's fixed termios for every master (ptm_driver init_termios): raw, B38400|CS8|CREAD,
 * the default control characters. A master's own termios cannot be read or set from userspace
 * (TCGETS/TCSETS on a master act on the slave's), so an image value equal to this is what any
 * restored master has; another value cannot be brought back.
 */
const MASTER_TERMIOS = { c_iflag: 0, c_oflag: 0, c_cflag: 0o277, c_lflag: 0, c_line: 0, c_cc: [3, 28, 127, 21, 4, 0, 1, 0] };

const WHY = {
  masterTermios:
    "Linux fixes a pty master's own termios (raw, B38400 CS8 CREAD); TCGETS/TCSETS on a master read and set the slave's, so no other value can be set or read back",
  winsize:
    'Linux keeps one window size per pair (TIOCGWINSZ on either side reads the same); the slave\'s was restored and the master\'s differs from it in the image',
  hungMaster:
    'a pty master cannot be hung up apart from its pair (v18 restart refuses TTY_HUPPED on a master); the pair was restored live',
  hungSlaveLdisc:
    'the slave is hung up: read() on a hung-up slave returns 0 and v18 writes no line discipline for it, so none can be restored',
  objref: 'an identifier inside the image (objhash); the link it records is the restored pair itself',
  driver: 'a Unix98 pty pair (driver type 4, master subtype 1, slave subtype 2) is created from ptmx',
  ldiscNum: 'a new pty uses N_TTY (0)',
  column: 'no ioctl reads or sets the n_tty column; only output and echo processing move it, and a restored pair starts at 0',
  canonColumn: 'no ioctl reads or sets the column where the current canonical line began; a restored pair starts at 0',
  minWake: 'set by n_tty while a reader waits (from VMIN); no ioctl sets it, and a restored pair starts at 1',
  zeroOnly: (what: string): string => `${what}: no ioctl sets it, and a restored pair starts at 0`,
  flowStopped:
    'output is stopped with tcflow(TCOOFF), which sets flow_stopped along with stopped; a ^S stop (stopped without flow_stopped) is not told apart from userspace',
  ctrlStatus:
    'a pending packet-mode status byte can only be raised by the event it reports (flush, stop, start, IXON change), which would change the queues or the termios; a restored pair has none pending',
  slavePacket: 'packet mode belongs to the master (TIOCPKT); a slave has it 0',
  closing: 'a tty being closed is not restored; a restored pair is open',
  otherClosed:
    'the slave had been closed, so the master reads EIO once its queue is drained; the restored pair keeps its slave open (the queued output is restored)',
  ctty:
    "a controlling terminal belongs to a session of processes, which a restore of pty pairs does not re-create; --attach makes the pair the controlling terminal of the command it starts",
  derived: (from: string): string => `n_tty derives it from ${from}`,
  staleCanon: 'meaningless outside canonical mode (the distance to a stale canon_head, §10.4 of the format notes): no reader sees it',
};

function bit(v: number | bigint, mask: number): boolean {
  return typeof v === 'bigint' ? (v & BigInt(mask)) !== 0n : ((v % 2 ** 32) & mask) !== 0;
}

function worst(a: FieldStatus, b: FieldStatus): FieldStatus {
  const rank: Record<FieldStatus, number> = { restored: 0, partial: 1, 'not-restorable': 2, mismatch: 3 };
  return rank[a] >= rank[b] ? a : b;
}

interface Row { name: string; image: unknown; kernel: unknown; status: FieldStatus; reason: string | null }

/** The image fields of one pair, each mapped to a status. `helper` answers for the helper's own fields. */
export function imageFields(master: Tty, slave: Tty, helper: HelperAnswer, session: Session): Row[] {
  const rows: Row[] = [];
  const via = (name: string, image: unknown, helperNames: string[], reason: string | null = null): void => {
    let status: FieldStatus = 'restored';
    const reasons: string[] = [];
    let kernel: unknown = null;
    for (const h of helperNames) {
      const a = helper(h);
      if (!a) { status = worst(status, 'mismatch'); reasons.push(`${h} is missing from the helper's report`); continue; }
      status = worst(status, a.status);
      if (a.reason && a.status !== 'restored') reasons.push(a.reason);
      if (helperNames.length === 1) kernel = a.kernel;
    }
    const why = [reason, ...reasons, `through ${helperNames.join(', ')}`].filter((x) => x !== null).join('; ');
    rows.push({ name, image, kernel, status, reason: why });
  };
  const fixed = (name: string, image: unknown, ok: boolean, whyOk: string, whyNot: string = whyOk): void => {
    rows.push({ name, image, kernel: null, status: ok ? 'restored' : 'not-restorable', reason: ok ? whyOk : whyNot });
  };
  const hungSlave = bit(slave.flags.value, TTY.HUPPED);

  for (const [role, t] of [['master', master], ['slave', slave]] as const) {
    const p = `${role}.`;
    const subtype = role === 'master' ? PTY_TYPE_MASTER : PTY_TYPE_SLAVE;
    fixed(`${p}driver_type`, t.driver_type.value, t.driver_type.value === TTY_DRIVER_TYPE_PTY, WHY.driver, `only pty pairs can be restored: ${WHY.driver}`);
    fixed(`${p}driver_subtype`, t.driver_subtype.value, t.driver_subtype.value === subtype, WHY.driver, `the ${role} of a pair has subtype ${subtype}: ${WHY.driver}`);
    fixed(`${p}link_objref`, t.link_objref.value, true, WHY.objref);
    fixed(`${p}file_objref`, t.file_objref.value, true, WHY.objref);
    via(`${p}index`, t.index.value, ['index']);
    fixed(`${p}ldisc`, t.ldisc_num.value, t.ldisc_num.value === N_TTY, WHY.ldiscNum, `only N_TTY can be restored: ${WHY.ldiscNum}`);
    // flags: the bits with a meaning outside the kernel are lock, exclusive and hangup; the rest
    // (TTY_LDISC, TTY_LDISC_OPEN, …) are the kernel's own bookkeeping, set by opening the pair.
    const f = t.flags.value as number | bigint;
    const flagVia = role === 'master' ? ['locked'] : ['locked', 'exclusive', 'hungup'];
    if (role === 'master' && bit(f, TTY.HUPPED)) {
      rows.push({ name: `${p}flags`, image: t.flags.value.toString(), kernel: null, status: 'not-restorable', reason: `TTY_HUPPED: ${WHY.hungMaster}` });
    } else if (role === 'master' && bit(f, TTY_OTHER_CLOSED)) {
      rows.push({ name: `${p}flags`, image: t.flags.value.toString(), kernel: null, status: 'not-restorable', reason: `TTY_OTHER_CLOSED: ${WHY.otherClosed}` });
    } else {
      via(`${p}flags`, t.flags.value.toString(), flagVia, 'TTY_PTY_LOCK, TTY_EXCLUSIVE and TTY_HUPPED carry the state; the other bits are set by the kernel when the pair is opened');
    }
    // termios and window size
    const tm = t.termios;
    const scalar = ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag', 'c_line'] as const;
    for (const k of scalar) {
      if (role === 'slave') via(`${p}termios.${k}`, tm[k].value, [`slave.termios.${k}`]);
      else fixed(`${p}termios.${k}`, tm[k].value, tm[k].value === MASTER_TERMIOS[k], WHY.masterTermios);
    }
    tm.c_cc.forEach((c, i) => {
      if (role === 'slave') via(`${p}termios.c_cc[${i}]`, c.value, [`slave.termios.c_cc[${i}]`]);
      else fixed(`${p}termios.c_cc[${i}]`, c.value, c.value === MASTER_TERMIOS.c_cc[i], WHY.masterTermios);
    });
    for (const k of ['ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel'] as const) {
      if (role === 'slave' || t.winsize[k].value === slave.winsize[k].value) via(`${p}winsize.${k}`, t.winsize[k].value, [`slave.winsize.${k}`]);
      else fixed(`${p}winsize.${k}`, t.winsize[k].value, false, WHY.winsize);
    }
    ldiscFields(rows, role, t, t.ldisc, role === 'slave' && hungSlave, via, fixed);
  }
  // Not a field of the TTY record but of the session's SIGNAL record that names it.
  const image = session.image ? { signalOffset: session.image.offset, tty_pgrp: session.image.pgrp } : false;
  const kernel = session.kernel === undefined ? null : session.kernel !== null;
  if (session.image) rows.push({ name: 'slave.controlling_tty', image, kernel, status: 'not-restorable', reason: WHY.ctty });
  else if (session.kernel === undefined || session.kernel === null) rows.push({ name: 'slave.controlling_tty', image, kernel, status: 'restored', reason: 'no session has it (TIOCGSID on the slave: ENOTTY), as in the image' });
  else rows.push({ name: 'slave.controlling_tty', image, kernel, status: 'mismatch', reason: `session ${session.kernel} has it, the image names none` });
  return rows;
}

/** The SIGNAL record naming the slave (image) and TIOCGSID on the restored slave (kernel; undefined before a restore). */
export interface Session { image: { offset: number; pgrp: number } | null; kernel: number | null | undefined }

type Via = (name: string, image: unknown, helperNames: string[], reason?: string | null) => void;
type Fixed = (name: string, image: unknown, ok: boolean, whyOk: string, whyNot?: string) => void;

const LDISC_FIELDS = [
  'column', 'datalen', 'canon_column', 'canon_datalen', 'canon_data', 'minimum_to_wake', 'stopped', 'hw_stopped', 'flow_stopped',
  'packet', 'ctrl_status', 'lnext', 'erasing', 'raw', 'real_raw', 'icanon', 'closing', 'read_flags', 'data',
] as const;

function ldiscFields(rows: Row[], role: 'master' | 'slave', t: Tty, l: Ldisc | null, hungSlave: boolean, via: Via, fixed: Fixed): void {
  const p = `${role}.ldisc.`;
  if (!l || hungSlave) {
    // No LDISC record (a hung-up tty, or a damaged image): every field is reported, none restored.
    const why = hungSlave ? WHY.hungSlaveLdisc : 'the image has no LDISC record for this tty';
    const img = (k: string): unknown => {
      if (!l) return null;
      if (k === 'data') return l.buffer ? hex(l.buffer.data) : '';
      if (k === 'read_flags') return hex(l.read_flags.value);
      const b = l.bools.find((x) => x.name === k);
      if (b) return b.value;
      const v = (l as unknown as Record<string, { value: unknown } | undefined>)[k];
      return v?.value ?? null;
    };
    const queue = role === 'slave' ? ['input.lines', 'input.tail'] : ['output'];
    for (const k of LDISC_FIELDS) {
      if (!hungSlave && (k === 'data' || k === 'datalen')) via(`${p}${k}`, img(k), queue, why);
      else rows.push({ name: `${p}${k}`, image: img(k), kernel: null, status: 'not-restorable', reason: why });
    }
    return;
  }
  const bool = (name: string): number => l.bools.find((b) => b.name === name)?.value ?? 0;
  const canonical = (t.termios.c_lflag.value & ICANON) !== 0;
  const queue = role === 'slave' ? ['input.lines', 'input.tail'] : ['output'];
  fixed(`${p}column`, l.column.value, l.column.value === 0, WHY.column);
  via(`${p}datalen`, l.datalen.value, queue);
  fixed(`${p}canon_column`, l.canon_column.value, l.canon_column.value === 0, WHY.canonColumn);
  if (role === 'slave' && canonical) {
    via(`${p}canon_datalen`, l.canon_datalen.value, queue, 'the complete lines pending');
    via(`${p}canon_data`, l.canon_data.value, queue, 'the number of complete lines pending');
    via(`${p}read_flags`, hex(l.read_flags.value), queue, 'the line ends pending');
  } else {
    fixed(`${p}canon_datalen`, l.canon_datalen.value, true, WHY.staleCanon);
    fixed(`${p}canon_data`, l.canon_data.value, l.canon_data.value === 0, 'no complete lines outside canonical mode', 'complete lines recorded outside canonical mode are not restored (switching ICANON clears them)');
    fixed(`${p}read_flags`, hex(l.read_flags.value), l.read_flags.value.every((b) => b === 0), 'no line ends outside canonical mode', 'line ends recorded outside canonical mode are not restored (switching ICANON clears them)');
  }
  fixed(`${p}minimum_to_wake`, l.minimum_to_wake.value, l.minimum_to_wake.value === 1, WHY.minWake);
  if (role === 'slave') {
    via(`${p}stopped`, bool('stopped'), ['stopped']);
    if (bool('flow_stopped') === bool('stopped')) via(`${p}flow_stopped`, bool('flow_stopped'), ['stopped']);
    else fixed(`${p}flow_stopped`, bool('flow_stopped'), false, WHY.flowStopped);
  } else {
    fixed(`${p}stopped`, bool('stopped'), bool('stopped') === 0, WHY.zeroOnly('a master\'s output is never stopped by the slave\'s flow control'));
    fixed(`${p}flow_stopped`, bool('flow_stopped'), bool('flow_stopped') === 0, WHY.zeroOnly('flow control of the master'));
  }
  fixed(`${p}hw_stopped`, bool('hw_stopped'), bool('hw_stopped') === 0, WHY.zeroOnly('a pty has no hardware flow control'));
  if (role === 'master') via(`${p}packet`, bool('packet'), ['packet']);
  else fixed(`${p}packet`, bool('packet'), bool('packet') === 0, WHY.slavePacket);
  fixed(`${p}ctrl_status`, bool('ctrl_status'), bool('ctrl_status') === 0, WHY.ctrlStatus);
  fixed(`${p}lnext`, bool('lnext'), bool('lnext') === 0, WHY.zeroOnly('a pending LNEXT (the next byte taken literally)'));
  fixed(`${p}erasing`, bool('erasing'), bool('erasing') === 0, WHY.zeroOnly('the erase state of ECHOPRT'));
  if (role === 'slave') {
    via(`${p}raw`, bool('raw'), ['slave.termios.c_lflag', 'slave.termios.c_iflag'], WHY.derived('the termios'));
    via(`${p}real_raw`, bool('real_raw'), ['slave.termios.c_lflag', 'slave.termios.c_iflag'], WHY.derived('the termios'));
    via(`${p}icanon`, bool('icanon'), ['slave.termios.c_lflag'], WHY.derived('ICANON'));
  } else {
    fixed(`${p}raw`, bool('raw'), true, WHY.derived("the master's fixed raw termios"));
    fixed(`${p}real_raw`, bool('real_raw'), true, WHY.derived("the master's fixed raw termios"));
    fixed(`${p}icanon`, bool('icanon'), bool('icanon') === 0, WHY.derived("the master's fixed raw termios"), WHY.masterTermios);
  }
  fixed(`${p}closing`, bool('closing'), bool('closing') === 0, WHY.closing);
  via(`${p}data`, l.buffer ? hex(l.buffer.data) : '', queue);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The pairs the plan restores (masters with a slave), in plan order. */
function restoredPairs(img: Image): { master: Tty; slave: Tty }[] {
  return ptyPairs(img).flatMap(({ master, slave }) => (slave ? [{ master, slave }] : []));
}

/**
 * The helper's report with every image field of each pair appended (the helper's own fields first,
 * then the image's, named `master.…` / `slave.…` after the C fields of the TTY and LDISC records).
 */
export function completeReport(img: Image, report: VerifyReport): VerifyReport {
  const pairs = restoredPairs(img);
  return {
    ...report,
    pairs: report.pairs.map((pr, i) => {
      const pp = pairs[i];
      if (!pp) return pr;
      const have = new Set(pr.fields.map((f) => f.name));
      const helper: HelperAnswer = (name) => pr.fields.find((f) => f.name === name);
      const session: Session = { image: controllingTtyOf(img, pp.slave), kernel: pr.kernel.session ?? null };
      const extra = imageFields(pp.master, pp.slave, helper, session).filter((r) => !have.has(r.name));
      return { ...pr, fields: [...pr.fields, ...extra] };
    }),
  };
}

/**
 * Before any restore: the fields of the image that will not come back (status other than
 * restored when every kernel answer is as planned). `--strict` refuses the restore when this is
 * not empty.
 */
export function predictedLosses(img: Image): { pair: number; field: VerifyField }[] {
  const out: { pair: number; field: VerifyField }[] = [];
  restoredPairs(img).forEach(({ master, slave }, i) => {
    const hung = bit(slave.flags.value as number | bigint, TTY.HUPPED);
    const inputLen = slave.ldisc?.datalen.value ?? 0;
    const helper: HelperAnswer = (name) => {
      if (name === 'input.lines' || name === 'input.tail') {
        if (hung) return { status: 'not-restorable', reason: WHY.hungSlaveLdisc, kernel: null };
        if (inputLen > PLAN_LIMITS.maxInputRestorable) {
          return { status: 'partial', reason: `the kernel's n_tty buffer holds at most ${PLAN_LIMITS.maxInputRestorable} bytes (N_TTY_BUF_SIZE - 1): the last ${inputLen - PLAN_LIMITS.maxInputRestorable} of ${inputLen} input bytes cannot be restored`, kernel: null };
        }
      }
      return { status: 'restored', reason: null, kernel: null };
    };
    for (const name of ['input.lines', 'input.tail']) {
      const a = helper(name);
      if (a && a.status !== 'restored') out.push({ pair: i, field: { name, image: null, kernel: null, status: a.status, reason: a.reason } });
    }
    for (const r of imageFields(master, slave, helper, { image: controllingTtyOf(img, slave), kernel: undefined })) {
      if (r.status !== 'restored') out.push({ pair: i, field: r });
    }
  });
  return out;
}

export type RestoreOutcome = 'restored' | 'losses' | 'mismatch';

/**
 * restored: every field restored; losses: some partial or not restorable (each with its reason), or
 * an index moved because --index any allowed it; mismatch otherwise.
 */
export function reportOutcome(report: VerifyReport): RestoreOutcome {
  const all = report.pairs.flatMap((p) => p.fields);
  if (!report.ok || all.some((f) => f.status === 'mismatch' && !(f.reason ?? '').includes('--index any'))) return 'mismatch';
  return all.some((f) => f.status !== 'restored') ? 'losses' : 'restored';
}
