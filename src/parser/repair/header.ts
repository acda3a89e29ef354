// Repairs of the header block and the TAIL: magic numbers, the kernel constants, arch_id, rev,
// uflags and the TREE's nr_tasks.
import { HDR_SIZE, LAYOUT, PIDS_ENTRY_SIZE, T } from '../layout.js';
import type { Diagnostic } from '../model.js';
import { bitmapLayoutForArch, setPositions } from '../read-flags.js';
import { KERNEL_CONST, MAGIC_HEAD, MAGIC_TAIL } from '../validate/stream.js';
import { isTerminator } from '../validate/ldisc.js';
import type { Ctx } from './context.js';
import { lenChoice, typeChoice } from './framing.js';
import { readU32, readUint, type Repair, type RepairChoice, setTo, several, single } from './types.js';

const ARCH_NAMES: Record<number, string> = { 1: 'x86_32', 2: 's390x', 3: 'ppc32', 4: 'ppc64' };

/** How many canonical line-end bits land on a terminator under an arch's read_flags layout. */
function terminatorScore(ctx: Ctx, arch: number): number {
  const layout = bitmapLayoutForArch(arch);
  let score = 0;
  for (const t of ctx.img.ttys) {
    const l = t.ldisc;
    if (!l?.buffer || l.icanon.value !== 1) continue;
    for (const p of setPositions(l.read_flags.value, layout)) if (p < l.buffer.data.length && isTerminator(l.buffer.data[p])) score++;
  }
  return score;
}

function archRepair(ctx: Ctx, d: Diagnostic, littleEndian: boolean): Repair | null {
  const { img } = ctx;
  const place = { offset: 16, size: 2, name: 'arch_id' };
  if (littleEndian) {
    return single(d, setTo(img, place, 1, 'The record headers are little-endian, and x86_32 (1) is the only little-endian v18 architecture.', { littleEndian: true }));
  }
  const archLen = img.index.count > 4 && img.index.types[4] === T.HEADER_ARCH ? img.index.lens[4] : -1;
  // v18 writes an 8-byte HEADER_ARCH on s390 and a 16-byte one on x86; ppc's is not known.
  const cands = archLen === LAYOUT.headerArchX86.len ? [3, 4] : [2, 3, 4];
  const scored = cands.map((a) => ({ a, s: terminatorScore(ctx, a) })).sort((x, y) => y.s - x.s || (archLen === HDR_SIZE ? (x.a === 2 ? -1 : y.a === 2 ? 1 : 0) : 0));
  const choices = scored.map(({ a }) => setTo(img, place, a, `The record headers are big-endian; ${ARCH_NAMES[a]} (${a}) is a big-endian v18 architecture.`, { littleEndian: true }));
  const best = scored[0];
  const why = best.s > (scored[1]?.s ?? 0)
    ? `${ARCH_NAMES[best.a]}'s read_flags word layout puts ${best.s} canonical line end(s) on '\\n' or VEOF, more than the others.`
    : archLen === HDR_SIZE ? 'An 8-byte HEADER_ARCH is what s390 writes; ppc32 and ppc64 cannot be told apart from the bytes.' : 'Nothing in the bytes tells these architectures apart.';
  return several(d, choices, why);
}

export function headerRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const h = img.header;
  switch (d.code) {
    case 'HDR_MAGIC':
      return h ? single(d, setTo(img, h.magic, MAGIC_HEAD, 'The header magic is the constant CHECKPOINT_MAGIC_HEAD.', { hex: true })) : null;
    case 'TAIL_MAGIC':
      return single(d, setTo(img, { offset: d.offset, size: 8, name: 'magic' }, MAGIC_TAIL, 'The TAIL magic is the constant CHECKPOINT_MAGIC_TAIL.', { hex: true }));
    case 'HDR_CONST': {
      const want = KERNEL_CONST[d.field];
      return want === undefined ? null : single(d, setTo(img, { offset: d.offset, size: d.length, name: d.field }, want, `check_kernel_const requires ${d.field} ${want}, the value every v18 kernel writes.`));
    }
    case 'HDR_ARCH_ID':
      return archRepair(ctx, d, img.littleEndian);
    case 'HDR_REV': {
      // v18 numbers BUFFER 3; from rev 3 on it is 4. uts BUFFERs of type 3 say the tables are v18's.
      const { types, lens, count } = img.index;
      if (count < 4) return null;
      for (let k = 1; k <= 3; k++) if (types[k] !== T.BUFFER || lens[k] !== 73) return null;
      return single(d, setTo(img, { offset: d.offset, size: 2, name: 'rev' }, 2, 'The three uts BUFFERs after the header have type 3, which is BUFFER only in v18 (rev 2); later revisions number it 4.'));
    }
    case 'HDR_UFLAGS': {
      if (!h) return null;
      const v = h.uflags.value;
      const low = v & 1n;
      const a = setTo(img, h.uflags, low, `Clearing the bits v18 does not define keeps CHECKPOINT_SUBTREE ${low ? 'set' : 'clear'} as found.`, { hex: true });
      const b = setTo(img, h.uflags, low ^ 1n, `CHECKPOINT_SUBTREE ${low ? 'clear' : 'set'}: the other reading, if bit 0 was damaged as well.`, { hex: true });
      return several(d, [a, b], 'A flipped high bit leaves bit 0 as written; only a wider damage would also change it.');
    }
    case 'HDR_FIRST': {
      if (img.index.count === 0 || img.size < 8) return null;
      // Record 0 read in the other byte order is HEADER/72: arch_id chose the wrong order.
      const otherType = Number(readUint(img, 0, 4, !img.littleEndian));
      const otherLen = Number(readUint(img, 4, 4, !img.littleEndian));
      if (otherType === T.HEADER && otherLen === LAYOUT.header.len) return archRepair(ctx, { ...d, offset: 16, field: 'arch_id' }, !img.littleEndian);
      const c = typeChoice(img, 0);
      return c ? single(d, c) : null;
    }
    case 'TREE_PIDS': {
      const { types, lens, offsets, count, spans } = img.index;
      if (d.field === 'type') {
        const c = d.record !== undefined ? typeChoice(img, d.record) : null;
        return c ? single(d, c) : null;
      }
      if (d.field === 'len' && d.record !== undefined) {
        const c = lenChoice(img, d.record);
        if (c) return single(d, c);
      }
      // nr_tasks against the pids BUFFER that frames soundly after it.
      const tree = 5;
      if (count < 7 || types[tree] !== T.TREE || types[tree + 1] !== T.BUFFER || spans[tree + 1] !== lens[tree + 1]) return null;
      const payload = lens[tree + 1] - HDR_SIZE;
      if (payload <= 0 || payload % PIDS_ENTRY_SIZE !== 0) return null;
      const n = payload / PIDS_ENTRY_SIZE;
      const place = { offset: offsets[tree] + 8, size: 4, name: 'nr_tasks' };
      if (readU32(img, place.offset) === n) return null;
      return single(d, setTo(img, place, n, `The pids BUFFER after TREE frames soundly and holds ${payload} bytes, ${n} struct ckpt_pids of ${PIDS_ENTRY_SIZE}.`));
    }
    default:
      return null;
  }
}

/** `len` or `type` of a record in the header block (HDR_LEN, HDR_UTS_BUFFER, HDR_ARCH_RECORD). */
export function recordFieldRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  if (d.record === undefined) return null;
  let c: RepairChoice | null = null;
  if (d.field === 'len') c = lenChoice(ctx.img, d.record);
  else if (d.field === 'type') c = typeChoice(ctx.img, d.record);
  return c ? single(d, c) : null;
}
