// Re-validation after an edit that rewrote values of a few pty pairs (the editor's model patch): only
// the per-record checks of those TTY, LDISC and BUFFER records run again, and what they find replaces
// what they found before. Everything else a check reports depends on what such an edit never
// changes (framing, objrefs, roles, files), so it stays.
import type { Diagnostic, Image, Tty } from '../model.js';
import { diagnosticOrder } from './index.js';
import { checkLdiscsOf } from './ldisc.js';
import { checkTtys } from './tty.js';

/**
 * Codes that depend on the values of one TTY record and its LDISC and pending-input BUFFER only (and
 * its pair partner's, which is re-checked with it): the ones re-validation replaces. PAIR_*, REF_*
 * and LDISC_ORPHAN depend on roles, objrefs and the record order, which such an edit keeps.
 */
export const RECORD_LOCAL_CODES: ReadonlySet<string> = new Set([
  'TTY_CLOSING',
  'TTY_C_LINE',
  'TTY_DRIVER_SUBTYPE',
  'TTY_DRIVER_TYPE',
  'TTY_FILE_OBJREF',
  'TTY_FLAGS_BAD',
  'TTY_FLAGS_UNKNOWN',
  'TTY_FLUSHING',
  'TTY_HUPPED_32BE',
  'TTY_HUPPED_MASTER',
  'TTY_LDISC_AFTER_HUP',
  'TTY_LDISC_FLAGS',
  'TTY_LDISC_MISSING',
  'TTY_LDISC_NUM',
  'TTY_LEN',
  'TTY_LINK_OBJREF',
  'LDISC_BOOL',
  'LDISC_BUFFER_LEN',
  'LDISC_BUFFER_MISSING',
  'LDISC_BUFFER_UNEXPECTED',
  'LDISC_CANON_DATA',
  'LDISC_CANON_DATALEN',
  'LDISC_CANON_DATALEN_RANGE',
  'LDISC_CANON_HEAD_4096',
  'LDISC_DATALEN',
  'LDISC_ICANON_TERMIOS',
  'LDISC_LEN',
  'LDISC_READ_FLAGS_RAW',
  'LDISC_READ_TAIL',
]);

/** The records whose checks revalidateTtys runs: each tty's, its LDISC's and its pending input's. */
export function recordsOf(ttys: Iterable<Tty>): Set<number> {
  const records = new Set<number>();
  for (const t of ttys) {
    records.add(t.record);
    if (t.ldisc) {
      records.add(t.ldisc.record);
      if (t.ldisc.buffer) records.add(t.ldisc.buffer.record);
    }
  }
  return records;
}

/**
 * `diagnostics` (a validated list of `img`, in diagnosticOrder) after the values of `ttys` changed:
 * their per-record diagnostics found again. Returns the same array when those are what they were and
 * `moved` is false (no offset moved), which tells the caller there is nothing new to show.
 */
export function revalidateTtys(img: Image, ttys: readonly Tty[], diagnostics: Diagnostic[], moved: boolean): Diagnostic[] {
  const records = recordsOf(ttys);
  const local = (d: Diagnostic) => d.record !== undefined && records.has(d.record) && RECORD_LOCAL_CODES.has(d.code);
  const fresh: Diagnostic[] = [];
  const sink = (d: Diagnostic) => void (local(d) && fresh.push(d));
  const sub: Image = { ...img, ttys: [...ttys], shortTtys: [] };
  checkTtys(sub, sink);
  checkLdiscsOf(img, sub.ttys, sink);
  fresh.sort(diagnosticOrder);
  if (!moved && same(diagnostics.filter(local), fresh)) return diagnostics;
  return [...diagnostics.filter((d) => !local(d)), ...fresh].sort(diagnosticOrder);
}

function same(a: readonly Diagnostic[], b: readonly Diagnostic[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.code !== y.code || x.severity !== y.severity || x.offset !== y.offset || x.length !== y.length || x.field !== y.field || x.record !== y.record || x.message !== y.message) return false;
  }
  return true;
}
