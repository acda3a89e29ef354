// Image -> restore plan for the native helper (docs/restore-plan.md). The image is parsed in one
// place only (here, through openImage); the helper never sees it.
import type { Image, Tty } from './model.js';
import { FILE_TYPE } from './layout.js';
import { hasTtyFlag as has, ICANON, TTY } from './names.js';
import { PLAN_LIMITS, type PlanPair, type PlanTermios, type RestorePlan } from './restore-plan.js';
import { analyseCanon } from './validate/ldisc.js';

export class PlanBuildError extends Error {}

function termios(t: Tty): PlanTermios {
  const tm = t.termios;
  return {
    c_iflag: tm.c_iflag.value,
    c_oflag: tm.c_oflag.value,
    c_cflag: tm.c_cflag.value,
    c_lflag: tm.c_lflag.value,
    c_line: tm.c_line.value,
    c_cc: tm.c_cc.map((c) => c.value),
  };
}

export interface PairOfTtys {
  master: Tty;
  slave: Tty | null;
}

/** Masters with the slave that links to each (a slave's link_objref is its master's objref). */
export function ptyPairs(img: Image): PairOfTtys[] {
  return img.ttys
    .filter((t) => t.role === 'master')
    .map((master) => ({
      master,
      slave: img.ttys.find((s) => s.role === 'slave' && master.objref !== null && s.link_objref.value === master.objref) ?? null,
    }));
}

/** The SIGNAL record that makes this tty a session's controlling terminal, if any. */
export function controllingTtyOf(img: Image, t: Tty): { offset: number; pgrp: number } | null {
  if (t.objref === null) return null;
  for (const s of img.signals) {
    if (s.tty_objref.value === t.objref) return { offset: s.offset, pgrp: s.tty_pgrp.value };
  }
  return null;
}

/** How many FILE records of the image open this tty. */
function opensOf(img: Image, t: Tty): number {
  let n = 0;
  for (const f of img.files) if (f.ref && t.objref !== null && f.fType === FILE_TYPE.TTY && f.ref.value === t.objref) n++;
  return n;
}

export interface PlanBuild {
  plan: RestorePlan;
  /** What the plan leaves out, and why (shown to the user before restoring). */
  notes: string[];
}

export function planFromImage(img: Image): RestorePlan {
  return buildPlan(img).plan;
}

export function buildPlan(img: Image): PlanBuild {
  if (!img.decoded) throw new PlanBuildError('the image is not decoded as v18; nothing to restore');
  const pairs: PlanPair[] = [];
  const notes: string[] = [];
  for (const { master, slave } of ptyPairs(img)) {
    if (!slave) {
      notes.push(`master /dev/pts/${master.index.value} (objref ${master.objref}) has no slave in the image and is not restored`);
      continue;
    }
    const sl = slave.ldisc;
    const canonical = (slave.termios.c_lflag.value & ICANON) !== 0;
    const data = sl?.buffer ? sl.buffer.data.slice(0, Math.min(sl.buffer.data.length, sl.datalen.value)) : new Uint8Array(0);
    let lineEnds: number[] = [];
    if (canonical && sl && sl.icanon.value === 1 && sl.canon_data.value > 0) {
      lineEnds = analyseCanon(img, sl).lineEnds.filter((e) => e < data.length);
    }
    const ml = master.ldisc;
    const hungup = has(slave.flags.value, TTY.HUPPED);
    const pts = `/dev/pts/${master.index.value}`;
    const ctty = controllingTtyOf(img, slave);
    if (ctty) {
      notes.push(`${pts} is the controlling terminal of a session in the image (SIGNAL at offset ${ctty.offset}, foreground group ${ctty.pgrp}): the restore re-creates the pair, not the session; --attach makes it the controlling terminal of the command it starts`);
    }
    const opens = opensOf(img, slave);
    if (opens > 1) {
      notes.push(`${pts}: the image opens the slave ${opens} times (a Linux master has one slave; these are opens of it): the restore re-creates the pair once, with one open of the slave`);
    }
    const extraSlaves = img.ttys.filter((s) => s.role === 'slave' && s !== slave && master.objref !== null && s.link_objref.value === master.objref);
    if (extraSlaves.length) {
      notes.push(`${pts}: ${extraSlaves.length + 1} slave TTY records link to this master (objrefs ${[slave, ...extraSlaves].map((s) => s.objref).join(', ')}); a Linux pty has one slave, so only the first is restored`);
    }
    if (hungup && data.length) {
      notes.push(`/dev/pts/${master.index.value}: the slave is hung up, so its ${data.length} bytes of input cannot be restored (nothing can read a hung-up slave)`);
    }
    if (data.length > PLAN_LIMITS.maxInputRestorable && !hungup) {
      notes.push(`/dev/pts/${master.index.value}: ${data.length} bytes of input; the kernel holds ${PLAN_LIMITS.maxInputRestorable}, so the first ${PLAN_LIMITS.maxInputRestorable} are restored with their line ends and the rest is not`);
    }
    pairs.push({
      index: master.index.value,
      locked: has(master.flags.value, TTY.PTY_LOCK) || has(slave.flags.value, TTY.PTY_LOCK),
      packet: (ml?.packet.value ?? 0) === 1,
      exclusive: has(slave.flags.value, TTY.EXCLUSIVE) || has(master.flags.value, TTY.EXCLUSIVE),
      stopped: (sl?.stopped.value ?? 0) === 1,
      hungup,
      slave: {
        termios: termios(slave),
        winsize: {
          ws_row: slave.winsize.ws_row.value,
          ws_col: slave.winsize.ws_col.value,
          ws_xpixel: slave.winsize.ws_xpixel.value,
          ws_ypixel: slave.winsize.ws_ypixel.value,
        },
      },
      input: hungup ? { data: new Uint8Array(0), lineEnds: [], canonical } : { data, lineEnds, canonical },
      // The master of a hung-up pair is not hung up: its reader still gets this output.
      output: ml?.buffer ? ml.buffer.data.slice(0, Math.min(ml.buffer.data.length, ml.datalen.value)) : new Uint8Array(0),
    });
  }
  if (!pairs.length) throw new PlanBuildError(`the image holds no complete pty pair${notes.length ? `: ${notes.join('; ')}` : ''}`);
  return { plan: { version: 1, pairs }, notes };
}
