// restore_tty_ldisc (reference §11.4) and what it silently skips or misreads (§10.4, §11.5).
import { recordTypeName } from '../image.js';
import { LAYOUT, T } from '../layout.js';
import type { Image, Ldisc, Tty } from '../model.js';
import { ICANON, N_TTY_BUF_SIZE } from '../names.js';
import { setPositions } from '../read-flags.js';
import { at, fieldPlace, hdrField, Sink } from './diag.js';

export interface CanonAnalysis {
  /** Ring positions with a line-end bit. */
  positions: number[];
  /** read_tail at checkpoint time, recovered from canon_datalen and the last line end (§10.4), or null. */
  readTail: number | null;
  /** Payload offsets of the line ends under the recovered read_tail (or read_tail 0 when unknown). */
  lineEnds: number[];
}

/** Where the line ends are, and where the ring's read_tail was (canonical mode with complete lines). */
export function analyseCanon(img: Image, l: Ldisc): CanonAnalysis {
  const positions = setPositions(l.read_flags.value, img.bitmap);
  const C = l.canon_datalen.value;
  let readTail: number | null = null;
  if (positions.length > 0 && C >= 1 && C <= N_TTY_BUF_SIZE) {
    // All positions lie in the C bytes ending at positions[k] iff the circular arc from the next
    // position (positions[k+1], wrapping) to positions[k] is shorter than C. Same first k as testing
    // every q for every p, in O(n) instead of O(n^2) (4095 line ends made that 16M steps per LDISC).
    const n = positions.length;
    for (let k = 0; k < n; k++) {
      const p = positions[k];
      const next = positions[(k + 1) % n];
      if ((p - next + N_TTY_BUF_SIZE) % N_TTY_BUF_SIZE < C) {
        readTail = (p + 1 - C + 2 * N_TTY_BUF_SIZE) % N_TTY_BUF_SIZE;
        break;
      }
    }
  }
  const base = readTail ?? 0;
  const lineEnds = positions.map((q) => (q - base + N_TTY_BUF_SIZE) % N_TTY_BUF_SIZE).sort((a, b) => a - b);
  return { positions, readTail, lineEnds };
}

/** Bytes n_tty stores at a line end that the image can show: '\n' and VEOF (stored as 0x00, §10.4). */
export function isTerminator(b: number): boolean {
  return b === 0x0a || b === 0x00;
}

function byteName(b: number): string {
  return b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * canon_datalen as read_tail 0 explains the line-end bits: one past the last set bit, when every set
 * bit lies on a terminator byte of the pending input (restart's own mapping, §3.3). Null otherwise.
 */
export function canonDatalenAtTail0(img: Image, l: Ldisc, positions?: number[]): number | null {
  const pos = positions ?? setPositions(l.read_flags.value, img.bitmap);
  const data = l.buffer?.data;
  if (!data || pos.length === 0) return null;
  for (const p of pos) if (p >= data.length || !isTerminator(data[p])) return null;
  return pos[pos.length - 1] + 1;
}

/**
 * The recovery of §10.4 puts a line end on an ordinary character while read_tail 0 explains every
 * bit with a real terminator and another canon_datalen: the likelier story is a damaged canon_datalen.
 */
function implausibleRecovery(img: Image, l: Ldisc, a: CanonAnalysis): { byte: number; at: number; canonDatalen: number } | null {
  const data = l.buffer?.data;
  if (!data) return null;
  const bad = a.lineEnds.find((k) => k < data.length && !isTerminator(data[k]));
  if (bad === undefined) return null;
  const alt = canonDatalenAtTail0(img, l, a.positions);
  if (alt === null || alt === l.canon_datalen.value) return null;
  return { byte: data[bad], at: bad, canonDatalen: alt };
}

export function checkLdiscs(img: Image, sink: Sink): void {
  const owned = new Set<number>();
  for (const t of img.ttys) {
    if (!t.ldisc) continue;
    owned.add(t.ldisc.record);
    if (t.ldisc.buffer) owned.add(t.ldisc.buffer.record);
  }
  // A TTY too short to read (TTY_LEN) still has its LDISC after it: restart stops before either.
  for (const r of img.shortTtys) if (r + 1 < img.index.count && img.index.types[r + 1] === T.TTY_LDISC) owned.add(r + 1);
  checkLdiscsOf(img, img.ttys, sink);
  const { index } = img;
  for (let i = 0; i < index.count; i++) {
    if (index.types[i] === T.TTY_LDISC && !owned.has(i)) {
      const prev = i > 0 ? recordTypeName(index.types[i - 1]) : 'nothing';
      if (index.lens[i] !== LAYOUT.ldisc.len && i > 0 && index.types[i - 1] === T.TTY) {
        at(sink, 'error', 'LDISC_LEN', hdrField(img, i, 'len'), `LDISC record ${i} has len ${index.lens[i]}; restart requires exactly ${LAYOUT.ldisc.len}.`, i);
      } else {
        at(sink, 'error', 'LDISC_ORPHAN', hdrField(img, i, 'type'), `LDISC record ${i} follows ${prev}, not a TTY; restart never reads it.`, i);
      }
    }
  }
}

/**
 * The per-record LDISC checks of these ttys only: what an edit of one pair needs again. The scan for
 * orphan LDISC records (checkLdiscs) walks the whole index; an edit of values never makes or
 * unmakes an orphan.
 */
export function checkLdiscsOf(img: Image, ttys: readonly Tty[], sink: Sink): void {
  for (const t of ttys) if (t.ldisc) checkLdisc(img, t, t.ldisc, sink);
}

function checkLdisc(img: Image, t: Tty, l: Ldisc, sink: Sink): void {
  const r = l.record;
  if (l.len !== LAYOUT.ldisc.len) {
    at(sink, 'error', 'LDISC_LEN', hdrField(img, r, 'len'), `LDISC record ${r} has len ${l.len}; restart requires exactly ${LAYOUT.ldisc.len}.`, r);
  }
  const D = l.datalen.value;
  const C = l.canon_datalen.value;
  const buf = l.buffer;
  const datalenOk = D <= N_TTY_BUF_SIZE;
  if (!datalenOk) {
    at(sink, 'error', 'LDISC_DATALEN', fieldPlace(l.datalen), `datalen ${D} exceeds N_TTY_BUF_SIZE (4096): restart silently skips this line discipline and leaves its BUFFER unread.`, r);
  }
  if (C > N_TTY_BUF_SIZE) {
    at(sink, 'error', 'LDISC_CANON_DATALEN_RANGE', fieldPlace(l.canon_datalen), `canon_datalen ${C} exceeds 4096: restart silently skips this line discipline.`, r);
  }
  if (datalenOk) {
    if (D > 0 && !buf) {
      const n = r + 1;
      at(sink, 'error', 'LDISC_BUFFER_MISSING', fieldPlace(l.datalen), `datalen is ${D} but ${n < img.index.count ? recordTypeName(img.index.types[n]) : 'the end of the file'} follows instead of a BUFFER.`, r);
    } else if (D > 0 && buf && buf.data.length !== D) {
      at(sink, 'error', 'LDISC_BUFFER_LEN', fieldPlace(l.datalen), `datalen is ${D} but the BUFFER that follows holds ${buf.data.length} byte(s); restart requires them equal.`, r);
    } else if (D === 0 && buf) {
      at(sink, 'error', 'LDISC_BUFFER_UNEXPECTED', hdrField(img, buf.record, 'type'), `datalen is 0 but a BUFFER follows; restart does not read it and takes it for the next object.`, buf.record);
    }
  }
  for (const b of l.bools) {
    if (b.value > 1) {
      at(sink, 'error', 'LDISC_BOOL', fieldPlace(b), `${b.name} is ${b.value}; it restores into a 1-bit field, which keeps only ${b.value & 1}.`, r);
    }
  }
  const icanon = l.icanon.value === 1;
  const termiosCanon = (t.termios.c_lflag.value & ICANON) !== 0;
  if (l.icanon.value <= 1 && icanon !== termiosCanon) {
    at(sink, 'warning', 'LDISC_ICANON_TERMIOS', fieldPlace(l.icanon), `icanon is ${l.icanon.value} but ICANON is ${termiosCanon ? 'set' : 'clear'} in c_lflag.`, r);
  }
  const a = analyseCanon(img, l);
  const N = l.canon_data.value;
  if (!icanon) {
    if (a.positions.length > 0) {
      at(sink, 'warning', 'LDISC_READ_FLAGS_RAW', fieldPlace(l.read_flags), `${a.positions.length} line-end bit(s) are set in read_flags while icanon is 0; a kernel clears them when ICANON goes off.`, r);
    }
  } else if (datalenOk && C <= N_TTY_BUF_SIZE) {
    if (N !== a.positions.length) {
      at(sink, 'error', 'LDISC_CANON_DATA', fieldPlace(l.canon_data), `canon_data is ${N} but read_flags marks ${a.positions.length} line end(s).`, r);
    } else if (N > 0) {
      if (C > D) {
        at(sink, 'error', 'LDISC_CANON_DATALEN', fieldPlace(l.canon_datalen), `canon_datalen ${C} exceeds datalen ${D}: the complete lines cannot be longer than the pending input.`, r);
      } else if (a.readTail === null) {
        at(sink, 'error', 'LDISC_CANON_DATALEN', fieldPlace(l.canon_datalen), `The line ends in read_flags do not fit in the last ${C} byte(s) that canon_datalen says hold the complete lines.`, r);
      } else if (a.lineEnds[a.lineEnds.length - 1] !== C - 1) {
        at(sink, 'error', 'LDISC_CANON_DATALEN', fieldPlace(l.canon_datalen), `canon_datalen ${C} does not end at the last line end.`, r);
      } else if (a.readTail !== 0) {
        const alt = implausibleRecovery(img, l, a);
        if (alt) {
          at(sink, 'error', 'LDISC_CANON_DATALEN', fieldPlace(l.canon_datalen),
            `canon_datalen ${C} is explained only by read_tail ${a.readTail}, which puts a line end on ${byteName(alt.byte)} (payload byte ${alt.at}); with read_tail 0 every line end is on a terminator and canon_datalen would be ${alt.canonDatalen}. Likelier: canon_datalen is damaged (${alt.canonDatalen}); else the ring had wrapped and restart will misplace the line ends.`, r);
        } else {
          at(sink, 'warning', 'LDISC_READ_TAIL', fieldPlace(l.read_flags), `read_tail was ${a.readTail} at checkpoint: restart moves the data to position 0 but copies read_flags as is, so the line ends will mark other bytes.`, r);
        }
      }
    }
  }
  if (C === N_TTY_BUF_SIZE) {
    at(sink, 'info', 'LDISC_CANON_HEAD_4096', fieldPlace(l.canon_datalen), 'canon_datalen is 4096 (no complete line, or raw mode): restart sets canon_head to 4096, one past the ring.', r);
  }
}
