// Repairs of LDISC records: datalen against its BUFFER, canon_data against the line-end bits,
// canon_datalen against the line ends, the bit-field bytes, icanon against termios.
import { HDR_SIZE, T } from '../layout.js';
import type { Diagnostic, Ldisc, Tty } from '../model.js';
import { ICANON, N_TTY_BUF_SIZE, toHex } from '../names.js';
import { setBit, setPositions } from '../read-flags.js';
import { analyseCanon, canonDatalenAtTail0, isTerminator } from '../validate/ldisc.js';
import type { Ctx } from './context.js';
import { chainFrom, lenChoice, typeChoice } from './framing.js';
import { keep, type Repair, type RepairChoice, setTo, several, single } from './types.js';

function datalenTo(ctx: Ctx, l: Ldisc, v: number, reason: string): RepairChoice {
  return setTo(ctx.img, l.datalen, v, reason);
}

/** read_flags with a bit on each terminator in the first `upto` payload bytes (read_tail 0). */
function flagsFromTerminators(ctx: Ctx, l: Ldisc, upto: number): { map: Uint8Array; count: number } {
  const data = l.buffer?.data ?? new Uint8Array(0);
  const map = new Uint8Array(l.read_flags.value.length);
  let count = 0;
  for (let k = 0; k < Math.min(upto, data.length, N_TTY_BUF_SIZE); k++) {
    if (isTerminator(data[k])) {
      setBit(map, k, ctx.img.bitmap, true);
      count++;
    }
  }
  return { map, count };
}

function readFlagsTo(ctx: Ctx, l: Ldisc, map: Uint8Array, what: string, reason: string): RepairChoice {
  const old = l.read_flags.value;
  return {
    field: 'read_flags',
    offset: l.read_flags.offset,
    oldValue: `${setPositions(old, ctx.img.bitmap).length} bit(s)`,
    newValue: what,
    writes: [{ offset: l.read_flags.offset, old: toHex(old), new: toHex(map) }],
    reason,
  };
}

export function ldiscRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const t: Tty | undefined = d.record !== undefined ? ctx.ttyOfRecord(d.record) : undefined;
  const l = t?.ldisc;
  if (!t || !l) return null;
  const buf = l.buffer;
  const D = l.datalen.value;
  const N = l.canon_data.value;
  // A BUFFER whose len misframes what follows is the damaged one, not datalen.
  if (buf && !chainFrom(img, buf.offset + img.index.lens[buf.record]) && (d.code === 'LDISC_BUFFER_LEN' || d.code === 'LDISC_BUFFER_UNEXPECTED' || d.code === 'LDISC_DATALEN')) {
    const c = lenChoice(img, buf.record);
    return c ? single(d, c) : null;
  }
  switch (d.code) {
    case 'LDISC_BUFFER_LEN':
    case 'LDISC_BUFFER_UNEXPECTED':
      if (!buf) return null;
      return single(d, datalenTo(ctx, l, buf.data.length, `The BUFFER after the LDISC frames soundly and holds ${buf.data.length} byte(s); datalen ${buf.data.length} makes both agree.`));
    case 'LDISC_DATALEN':
      if (buf) return single(d, datalenTo(ctx, l, buf.data.length, `datalen ${D} exceeds the 4096-byte ring; the BUFFER that follows holds ${buf.data.length} byte(s).`));
      return single(d, datalenTo(ctx, l, 0, `datalen ${D} exceeds the 4096-byte ring, and no BUFFER follows: the kernel writes none when datalen is 0.`));
    case 'LDISC_BUFFER_MISSING': {
      const next = l.record + 1;
      const { types, lens, spans, count } = img.index;
      if (next < count) {
        const c = typeChoice(img, next);
        if (c) return single(d, c);
        // A BUFFER whose own len is broken: that is the framing repair's to make.
        if (types[next] === T.BUFFER && spans[next] !== lens[next]) return null;
        if (lens[next] === D + HDR_SIZE) return null;
      }
      return single(d, datalenTo(ctx, l, 0, `No BUFFER follows the LDISC, and the kernel writes one exactly when datalen is not 0.`));
    }
    case 'LDISC_BOOL': {
      const f = l.bools.find((b) => b.offset === d.offset);
      if (!f) return null;
      if (f === l.icanon) {
        const v = (t.termios.c_lflag.value & ICANON) !== 0 ? 1 : 0;
        return single(d, setTo(img, f, v, `icanon mirrors ICANON in the tty's c_lflag, which is ${v ? 'set' : 'clear'}.`));
      }
      const low = f.value & 1;
      return several(d, [
        setTo(img, f, low, `${f.name} keeps its low bit (${low}), as restart would.`),
        setTo(img, f, low ^ 1, `${f.name} ${low ^ 1}, if the low bit was damaged as well.`),
      ], 'A bit-field byte is 0 or 1; a damaged high bit leaves the low bit as written.');
    }
    case 'LDISC_ICANON_TERMIOS': {
      const canonEvidence = setPositions(l.read_flags.value, img.bitmap).length > 0 || N > 0;
      const lflag = t.termios.c_lflag;
      const icanonTo = setTo(img, l.icanon, (lflag.value & ICANON) !== 0 ? 1 : 0, 'icanon follows ICANON in c_lflag.');
      const lflagTo = setTo(img, lflag, l.icanon.value === 1 ? lflag.value | ICANON : lflag.value & ~ICANON, 'ICANON in c_lflag follows icanon.', { hex: true });
      if (canonEvidence) {
        // Line ends or complete lines exist only in canonical mode: the one that says raw is damaged.
        return single(d, l.icanon.value === 1 ? lflagTo : icanonTo);
      }
      return several(d, [icanonTo, lflagTo], 'No line end tells the mode; termios is what the kernel applies first, so icanon following it is offered first.');
    }
    case 'LDISC_READ_FLAGS_RAW': {
      if ((t.termios.c_lflag.value & ICANON) !== 0) {
        return single(d, setTo(img, l.icanon, 1, 'Line-end bits exist only in canonical mode, and ICANON is set in c_lflag: icanon is the damaged byte.'));
      }
      const empty = new Uint8Array(l.read_flags.value.length);
      return single(d, readFlagsTo(ctx, l, empty, 'no bits', 'icanon and c_lflag both say raw mode, where the kernel clears read_flags.'));
    }
    case 'LDISC_CANON_DATA':
      return canonDataRepair(ctx, d, t, l);
    case 'LDISC_CANON_DATALEN':
    case 'LDISC_CANON_DATALEN_RANGE':
      return canonDatalenRepair(ctx, d, t, l);
    default:
      return null;
  }
}

function canonDatalenRepair(ctx: Ctx, d: Diagnostic, _t: Tty, l: Ldisc): Repair | null {
  const { img } = ctx;
  const C = l.canon_datalen.value;
  const N = l.canon_data.value;
  const a = analyseCanon(img, l);
  if (l.icanon.value !== 1) return null; // a raw tty's canon_datalen is stale: nothing tells its value
  if (N === 0 && a.positions.length === 0) {
    return single(d, setTo(img, l.canon_datalen, N_TTY_BUF_SIZE, 'A canonical tty with no complete line has canon_head == read_tail, which the writer stores as 4096.'));
  }
  const alt = canonDatalenAtTail0(img, l, a.positions);
  if (alt === null && C > N_TTY_BUF_SIZE) {
    // Out of range: every read_tail that puts each bit on a terminator of the pending input.
    const cands = wrappedCanonDatalens(l, a.positions);
    if (cands.length === 1) {
      return single(d, setTo(img, l.canon_datalen, cands[0].c, `Only read_tail ${cands[0].t} puts every line-end bit on '\\n' or VEOF of the pending input; canon_datalen ${cands[0].c} ends after the last.`));
    }
    if (cands.length > 1) {
      return several(d, cands.slice(0, 6).map((x) => setTo(img, l.canon_datalen, x.c, `read_tail ${x.t} puts every line-end bit on a terminator.`)), 'Several ring positions explain the bits; read_tail 0 (restart\'s own mapping) first, then by distance from it.');
    }
    return null;
  }
  if (alt === null || alt === C) return null;
  const fix = setTo(img, l.canon_datalen, alt, `With read_tail 0 every line-end bit lies on '\\n' or VEOF, the last at payload byte ${alt - 1}; canon_datalen ${alt} ends right after it.`);
  // A wrapped ring explains C as well when the recovery of §10.4 finds a read_tail for it.
  if (C <= N_TTY_BUF_SIZE && C <= l.datalen.value && a.readTail !== null && a.readTail !== 0 && a.lineEnds[a.lineEnds.length - 1] === C - 1) {
    return several(d, [fix, keep(l.canon_datalen, String(C), `Keep ${C}: the ring had wrapped (read_tail ${a.readTail}), which puts a line end on an ordinary byte.`)],
      `A line end sits on '\\n', VEOF (0x00) or VEOL/VEOL2; the wrapped reading needs one on an ordinary byte, so a damaged canon_datalen is likelier.`);
  }
  return single(d, fix);
}

function canonDataRepair(ctx: Ctx, d: Diagnostic, _t: Tty, l: Ldisc): Repair | null {
  const { img } = ctx;
  const C = l.canon_datalen.value;
  const N = l.canon_data.value;
  const D = l.datalen.value;
  const pos = setPositions(l.read_flags.value, img.bitmap);
  const P = pos.length;
  const choices: RepairChoice[] = [];
  // Reading A: canon_data is damaged; the bits and canon_datalen must then agree on their own.
  const a = analyseCanon(img, l);
  const bitsFit = P === 0 ? C === N_TTY_BUF_SIZE : C <= D && a.readTail !== null && a.lineEnds[a.lineEnds.length - 1] === C - 1 && a.lineEnds.every((k) => k < D && l.buffer !== null && isTerminator(l.buffer.data[k]));
  if (bitsFit) choices.push(setTo(img, l.canon_data, P, `read_flags marks ${P} line end(s), each on '\\n' or VEOF and ending where canon_datalen says; canon_data counts them.`));
  // Reading B: read_flags lost or gained bits; the terminators in the complete lines must count N.
  if (N > 0 && C <= D && l.buffer && isTerminator(l.buffer.data[C - 1])) {
    const { map, count } = flagsFromTerminators(ctx, l, C);
    if (count === N) choices.push(readFlagsTo(ctx, l, map, `${N} bit(s)`, `The first ${C} byte(s) (canon_datalen) hold exactly ${N} terminator(s), as canon_data says; read_flags marks them with read_tail 0.`));
  }
  if (choices.length === 0) return null;
  if (choices.length === 1) return single(d, choices[0]);
  return several(d, choices, 'canon_data is one damaged value, read_flags would need bits damaged; the single value is likelier.');
}

/** canon_datalen for each read_tail under which every set bit lies on a terminator of the payload. */
function wrappedCanonDatalens(l: Ldisc, positions: number[]): { t: number; c: number }[] {
  const data = l.buffer?.data;
  const out: { t: number; c: number }[] = [];
  if (!data || positions.length === 0) return out;
  const D = data.length;
  for (let t = 0; t < N_TTY_BUF_SIZE; t++) {
    let last = -1;
    let ok = true;
    for (const q of positions) {
      const k = (q - t + N_TTY_BUF_SIZE) % N_TTY_BUF_SIZE;
      if (k >= D || !isTerminator(data[k])) {
        ok = false;
        break;
      }
      if (k > last) last = k;
    }
    if (ok) out.push({ t, c: last + 1 });
  }
  const seen = new Set<number>();
  return out.filter((x) => (seen.has(x.c) ? false : (seen.add(x.c), true))).sort((x, y) => Math.min(x.t, N_TTY_BUF_SIZE - x.t) - Math.min(y.t, N_TTY_BUF_SIZE - y.t));
}
