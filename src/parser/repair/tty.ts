// Repairs of TTY records: driver type and subtype, the role objrefs, flag bits restart refuses on a
// tty that shows no sign of that state, the pair's index and the slave's link to its master.
import { T } from '../layout.js';
import type { Diagnostic, Tty } from '../model.js';
import { N_TTY, PTY_TYPE_MASTER, PTY_TYPE_SLAVE, TTY, TTY_DRIVER_TYPE_PTY } from '../names.js';
import type { Ctx } from './context.js';
import { typeChoice } from './framing.js';
import { readUint, type Repair, type RepairChoice, setTo, several, single } from './types.js';

const HEX = { hex: true };
const KNOWN = BigInt(TTY.KNOWN);

function flagsOf(ctx: Ctx, t: Tty): bigint {
  return readUint(ctx.img, t.flags.offset, 8);
}

function flagsTo(ctx: Ctx, t: Tty, next: bigint, reason: string): RepairChoice {
  return setTo(ctx.img, t.flags, next, reason, HEX);
}

function hasLdiscAfter(ctx: Ctx, t: Tty): boolean {
  const n = t.record + 1;
  return n < ctx.img.index.count && ctx.img.index.types[n] === T.TTY_LDISC;
}

/** Masters before the slave with its index and no other slave: what its link_objref can name. */
function mastersFor(ctx: Ctx, s: Tty): Tty[] {
  const taken = new Set<number>();
  for (const o of ctx.img.ttys) if (o !== s && o.role === 'slave' && o.link_objref.value > 0) taken.add(o.link_objref.value);
  const ids = ctx.usedIds();
  const count = new Map<number, number>();
  for (let k = 0; k < ctx.img.objrefs.length; k++) count.set(ctx.img.objrefs.refs[k], (count.get(ctx.img.objrefs.refs[k]) ?? 0) + 1);
  return ctx.img.ttys.filter((m) => m.role === 'master' && m.objref !== null && m.objref > 0 && count.get(m.objref) === 1 && ids.has(m.objref) && m.record < s.record && m.index.value === s.index.value && !taken.has(m.objref));
}

/** A slave's link_objref that names no usable master: the one master of its index without a slave. */
export function linkRepair(ctx: Ctx, d: Diagnostic, s: Tty): Repair | null {
  const ms = mastersFor(ctx, s);
  if (ms.length === 0 || ms[0].objref === s.link_objref.value) return null;
  const choices = ms.map((m) => setTo(ctx.img, s.link_objref, m.objref as number, `Master objref ${m.objref} (record ${m.record}) has the slave's index ${s.index.value} and no slave of its own; a pty pair shares one index.`, { signed: true }));
  if (choices.length === 1) return single(d, choices[0]);
  return several(d, choices.reverse(), 'Several masters of this index have no slave; the nearest before the slave is likelier, as the kernel writes a slave right after its master.');
}

function subtypeTo(ctx: Ctx, t: Tty, v: number, reason: string): RepairChoice {
  return setTo(ctx.img, t.driver_subtype, v, reason);
}

export function ttyRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const t = d.record !== undefined ? ctx.ttyOfRecord(d.record) : undefined;
  if (!t || (t.record !== d.record && d.code !== 'TTY_LDISC_AFTER_HUP')) return null;
  const link = t.link_objref.value;
  const fo = t.file_objref.value;
  const flags = flagsOf(ctx, t);
  const masterShape = link === 0 && fo > 0;
  const slaveShape = link > 0 && fo === 0;
  switch (d.code) {
    case 'TTY_DRIVER_TYPE':
      return single(d, setTo(img, t.driver_type, TTY_DRIVER_TYPE_PTY, 'Only TTY_DRIVER_TYPE_PTY (4) ttys are checkpointed (tty_can_checkpoint).'));
    case 'TTY_LDISC_NUM':
      return single(d, setTo(img, t.ldisc_num, N_TTY, 'A v18 kernel checkpoints only N_TTY (0) line disciplines.'));
    case 'TTY_C_LINE':
      return single(d, setTo(img, t.termios.c_line, N_TTY, 'c_line names the line discipline, and this tty\'s is N_TTY (0).'));
    case 'TTY_DRIVER_SUBTYPE': {
      if (masterShape) return single(d, subtypeTo(ctx, t, PTY_TYPE_MASTER, 'link_objref 0 and a reserved file_objref are a master\'s.'));
      if (slaveShape) return single(d, subtypeTo(ctx, t, PTY_TYPE_SLAVE, 'A link_objref to a master and file_objref 0 are a slave\'s.'));
      return null;
    }
    case 'TTY_LINK_OBJREF': {
      if (t.role === 'master') {
        if (fo === 0 && link > 0) return single(d, subtypeTo(ctx, t, PTY_TYPE_SLAVE, `A link_objref (${link}) and file_objref 0 are a slave's: driver_subtype is the damaged field.`));
        return single(d, setTo(img, t.link_objref, 0, 'A master\'s link_objref is 0 (the writer asserts it), and this tty has a master\'s reserved file_objref.', { signed: true }));
      }
      if (t.role === 'slave') {
        if (link === 0 && fo > 0) return single(d, subtypeTo(ctx, t, PTY_TYPE_MASTER, `link_objref 0 and a reserved file_objref (${fo}) are a master's: driver_subtype is the damaged field.`));
        return linkRepair(ctx, d, t);
      }
      return null;
    }
    case 'TTY_FILE_OBJREF': {
      if (t.role === 'slave') {
        if (link === 0 && fo > 0) return single(d, subtypeTo(ctx, t, PTY_TYPE_MASTER, `link_objref 0 and a reserved file_objref (${fo}) are a master's: driver_subtype is the damaged field.`));
        return single(d, setTo(img, t.file_objref, 0, 'A slave\'s file_objref is 0; only a master reserves one.', { signed: true }));
      }
      if (t.role === 'master') {
        if (link > 0 && fo === 0) return single(d, subtypeTo(ctx, t, PTY_TYPE_SLAVE, `A link_objref (${link}) and file_objref 0 are a slave's: driver_subtype is the damaged field.`));
        return reservedRepair(ctx, d, t);
      }
      return null;
    }
    case 'TTY_FLAGS_BAD': {
      const closing = t.ldisc ? t.ldisc.bools[10].value === 1 : false;
      const next = flags & ~BigInt(TTY.BAD);
      const c = flagsTo(ctx, t, next, `restart refuses TTY_CLOSING and TTY_FLUSHING, and a kernel never writes a tty with them${closing ? '' : '; the LDISC shows no closing either'}.`);
      return single(d, c);
    }
    case 'TTY_HUPPED_MASTER':
      if (!hasLdiscAfter(ctx, t)) return null; // hung up indeed: the writer skipped its LDISC
      return single(d, flagsTo(ctx, t, flags & ~BigInt(TTY.HUPPED), 'An LDISC record follows, and the kernel writes one only for a tty that is not hung up.'));
    case 'TTY_LDISC_AFTER_HUP':
      return single(d, flagsTo(ctx, t, flags & ~BigInt(TTY.HUPPED), 'An LDISC record follows, and the kernel writes one only for a tty that is not hung up.'));
    case 'TTY_LDISC_MISSING': {
      const c = typeChoice(img, t.record + 1);
      if (c) return single(d, c);
      if (t.role !== 'slave') return null;
      return single(d, flagsTo(ctx, t, flags | BigInt(TTY.HUPPED), 'No LDISC record follows, and the kernel skips it exactly when the tty is hung up.'));
    }
    case 'TTY_LDISC_FLAGS': {
      const next = (flags & ~BigInt(TTY.LDISC_FLAGS)) | BigInt(TTY.LDISC_GOOD);
      return single(d, flagsTo(ctx, t, next, 'An LDISC record follows, and the kernel writes it only when TTY_LDISC and TTY_LDISC_OPEN are set and TTY_LDISC_CHANGING is clear.'));
    }
    case 'TTY_FLAGS_UNKNOWN': {
      const next = flags & KNOWN;
      return single(d, flagsTo(ctx, t, next, 'A 2.6.31 kernel never sets bits tty.h does not define.'));
    }
    case 'PAIR_INDEX': {
      const l = linkRepair(ctx, d, t);
      if (l) return l;
      const m = img.ttys.find((x) => x.role === 'master' && x.objref === link);
      if (!m) return null;
      const a = setTo(img, t.index, m.index.value, `The slave takes its master's index ${m.index.value} (restart opens /dev/pts/${m.index.value} for it).`);
      const b = setTo(img, m.index, t.index.value, `The master takes the slave's index ${t.index.value}, if the master's is the damaged one.`);
      const clash = img.ttys.some((x) => x !== m && x.role === 'master' && x.index.value === m.index.value);
      if (clash) return several(d, [b, a], `Another master also has index ${m.index.value}, so the master's index is likelier the damaged one.`);
      return several(d, [a, b], 'Nothing else in the image holds the index; the slave\'s is changed first because restart ignores it.');
    }
    default:
      return null;
  }
}

/** A master's missing reserved file_objref: the one id no object carries. */
function reservedRepair(ctx: Ctx, d: Diagnostic, m: Tty): Repair | null {
  const used = new Set(ctx.usedIds());
  used.delete(m.file_objref.value);
  let max = 0;
  for (const v of used) if (v > max) max = v;
  const free: number[] = [];
  for (let v = 1; v <= max; v++) if (!used.has(v)) free.push(v);
  const why = (v: number) => `Objref ${v} is the only id below ${max} that no object carries; ckpt_obj_reserve hands out such an id for the master's ptmx file.`;
  if (free.length === 1) return single(d, setTo(ctx.img, m.file_objref, free[0], why(free[0]), { signed: true }));
  const pool = free.length ? free : [max + 1];
  const own = m.objref ?? 0;
  // ckpt_obj_reserve runs right after the master gets its objref: the next id is likeliest.
  pool.sort((a, b) => Math.abs(a - own - 1) - Math.abs(b - own - 1));
  const choices = pool.slice(0, 4).map((v) => setTo(ctx.img, m.file_objref, v, `Objref ${v} is carried by no object.`, { signed: true }));
  return several(d, choices, `The master's own objref is ${own}, and ckpt_obj_reserve runs right after it is assigned, so the id closest above it is likelier.`);
}
