// do_restore_tty (reference §11.3) and the pair rules restart relies on without checking (§11.8).
import { LAYOUT, OBJ, T } from '../layout.js';
import type { Image, Tty } from '../model.js';
import { hasTtyFlag as has, N_TTY, PTY_TYPE_MASTER, PTY_TYPE_SLAVE, TTY, TTY_DRIVER_TYPE_PTY, ttyFlagNames } from '../names.js';
import { at, fieldPlace, hdrField, Sink } from './diag.js';
import { checkRef } from './objrefs.js';

const ttyByRecord = new WeakMap<Image, Map<number, Tty>>();
/** The TTY decoded from record `rec` (a map built once per image: a find() per slave was quadratic). */
function ttyAt(img: Image, rec: number): Tty | undefined {
  let m = ttyByRecord.get(img);
  if (!m) ttyByRecord.set(img, (m = new Map(img.ttys.map((t) => [t.record, t]))));
  return m.get(rec);
}

export function checkTtys(img: Image, sink: Sink): void {
  for (const r of img.shortTtys) {
    at(sink, 'error', 'TTY_LEN', hdrField(img, r, 'len'), `TTY record ${r} has len ${img.index.lens[r]}; restart requires exactly ${LAYOUT.tty.len}.`, r);
  }
  const slavesOf = new Map<number, Tty[]>();
  for (const t of img.ttys) {
    checkTty(img, t, sink);
    if (t.role === 'slave' && t.link_objref.value > 0) {
      const list = slavesOf.get(t.link_objref.value) ?? [];
      list.push(t);
      slavesOf.set(t.link_objref.value, list);
    }
  }
  for (const t of img.ttys) {
    if (t.role !== 'master' || t.objref === null) continue;
    const slaves = slavesOf.get(t.objref) ?? [];
    if (slaves.length === 0) {
      at(sink, 'warning', 'PAIR_NO_SLAVE', fieldPlace(t.link_objref), `Master /dev/pts/${t.index.value} (objref ${t.objref}) has no slave linking to it; the kernel always writes both ends.`, t.record);
    } else if (slaves.length > 1) {
      const s = slaves[1];
      at(sink, 'error', 'PAIR_SHARED_MASTER', fieldPlace(s.link_objref), `A second slave links to master objref ${t.objref}; a pty has exactly one slave.`, s.record);
    }
  }
}

function checkTty(img: Image, t: Tty, sink: Sink): void {
  const r = t.record;
  if (t.len !== LAYOUT.tty.len) {
    at(sink, 'error', 'TTY_LEN', hdrField(img, r, 'len'), `TTY record ${r} has len ${t.len}; restart requires exactly ${LAYOUT.tty.len}.`, r);
    if (t.truncated) return;
  }
  if (t.driver_type.value !== TTY_DRIVER_TYPE_PTY) {
    at(sink, 'error', 'TTY_DRIVER_TYPE', fieldPlace(t.driver_type), `driver_type is ${t.driver_type.value}; only TTY_DRIVER_TYPE_PTY (4) can be restored.`, r);
  }
  const sub = t.driver_subtype.value;
  if (sub !== PTY_TYPE_MASTER && sub !== PTY_TYPE_SLAVE) {
    at(sink, 'error', 'TTY_DRIVER_SUBTYPE', fieldPlace(t.driver_subtype), `driver_subtype is ${sub}; it must be PTY_TYPE_MASTER (1) or PTY_TYPE_SLAVE (2).`, r);
  }
  const master = sub === PTY_TYPE_MASTER;
  const slave = sub === PTY_TYPE_SLAVE;
  const link = t.link_objref.value;
  if (link < 0 || (master && link !== 0) || (slave && link === 0)) {
    at(sink, 'error', 'TTY_LINK_OBJREF', fieldPlace(t.link_objref),
      link < 0 ? `link_objref ${link} is negative.` : master ? `A master has link_objref ${link}; a master's must be 0.` : 'A slave has link_objref 0; it must name its master.', r);
  } else if (slave) {
    const target = checkRef(img, sink, t.link_objref, r, [OBJ.TTY], "a slave's link");
    if (target >= 0) {
      const m = ttyAt(img, target);
      if (m && m.role !== 'master') {
        at(sink, 'error', 'REF_WRONG_TYPE', fieldPlace(t.link_objref), `link_objref ${link} names a ${m.role} tty; a slave must link to its master.`, r);
      } else if (m && m.index.value !== t.index.value) {
        at(sink, 'error', 'PAIR_INDEX', fieldPlace(t.index), `Slave index ${t.index.value} differs from its master's ${m.index.value}; restart opens /dev/pts/${m.index.value} for it.`, r);
      }
    }
  }
  const fo = t.file_objref.value;
  if (fo < 0 || (master && fo === 0) || (slave && fo !== 0)) {
    at(sink, 'error', 'TTY_FILE_OBJREF', fieldPlace(t.file_objref),
      fo < 0 ? `file_objref ${fo} is negative.` : master ? 'A master has file_objref 0; it must be a reserved objref for the ptmx file.' : `A slave has file_objref ${fo}; a slave's must be 0.`, r);
  }
  const flags = t.flags.value;
  if (has(flags, TTY.BAD)) {
    at(sink, 'error', 'TTY_FLAGS_BAD', fieldPlace(t.flags), `flags 0x${flags.toString(16)} has ${ttyFlagNames(flags).filter((n) => n === 'TTY_CLOSING' || n === 'TTY_FLUSHING').join(' and ')} set (CKPT_TTY_BAD); restart refuses it.`, r);
  }
  const hupped = has(flags, TTY.HUPPED);
  if (master && hupped) {
    at(sink, 'error', 'TTY_HUPPED_MASTER', fieldPlace(t.flags), 'A master tty has TTY_HUPPED set; restart refuses a hung-up master.', r);
  }
  if (hupped && img.archId === 3) {
    at(sink, 'warning', 'TTY_HUPPED_32BE', fieldPlace(t.flags), 'On ppc32 the v18 restart tests TTY_HUPPED in the wrong half of flags and will expect an LDISC record that is not there.', r);
  }
  const unknown = flags & ~BigInt(TTY.KNOWN);
  if (unknown !== 0n) {
    at(sink, 'warning', 'TTY_FLAGS_UNKNOWN', fieldPlace(t.flags), `flags has bits 2.6.31 does not define (0x${unknown.toString(16)}).`, r);
  }
  if (t.termios.c_line.value !== N_TTY) {
    at(sink, 'warning', 'TTY_C_LINE', fieldPlace(t.termios.c_line), `c_line is ${t.termios.c_line.value}, not N_TTY (0).`, r);
  }
  const next = r + 1;
  const nextIsLdisc = next < img.index.count && img.index.types[next] === T.TTY_LDISC;
  if (hupped && master) {
    // Restart already refused this master; what follows it is not read.
  } else if (hupped) {
    if (nextIsLdisc) {
      at(sink, 'error', 'TTY_LDISC_AFTER_HUP', hdrField(img, next, 'type'), `An LDISC record follows hung-up tty record ${r}; restart does not read it and stops at it.`, next);
    }
  } else if (!hupped && !nextIsLdisc) {
    at(sink, 'error', 'TTY_LDISC_MISSING', hdrField(img, r, 'type'), `TTY record ${r} is not hung up, so restart reads an LDISC record next, but ${next < img.index.count ? 'none follows' : 'the image ends'}.`, r);
  }
  if (t.ldisc) {
    if (t.ldisc_num.value !== N_TTY) {
      at(sink, 'error', 'TTY_LDISC_NUM', fieldPlace(t.ldisc_num), `ldisc is ${t.ldisc_num.value}, not N_TTY (0): restart silently skips the line discipline state.`, r);
    }
    if ((flags & BigInt(TTY.LDISC_FLAGS)) !== BigInt(TTY.LDISC_GOOD)) {
      at(sink, 'error', 'TTY_LDISC_FLAGS', fieldPlace(t.flags), `flags 0x${flags.toString(16)} lacks TTY_LDISC|TTY_LDISC_OPEN or has TTY_LDISC_CHANGING: restart silently skips the line discipline state.`, r);
    }
  } else if (t.ldisc_num.value !== N_TTY) {
    at(sink, 'error', 'TTY_LDISC_NUM', fieldPlace(t.ldisc_num), `ldisc is ${t.ldisc_num.value}, not N_TTY (0); a v18 kernel only checkpoints N_TTY.`, r);
  }
}
