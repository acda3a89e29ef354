// Repairs of objrefs and of the fields that name them: an OBJREF's objref and objtype, a slave's
// link, a file's tty_objref, a descriptor's fd_objref and fd, a FILE's f_type.
import { Enums, enumName } from '../kaitai.js';
import { FILE_TYPE, fileLayoutFor, LAYOUT, OBJ, T } from '../layout.js';
import type { Diagnostic } from '../model.js';
import type { Ctx } from './context.js';
import { chainFrom, lenChoice, objtypeFor, typeChoice } from './framing.js';
import { linkRepair } from './tty.js';
import { readU32, readUint, type Repair, type RepairChoice, setTo, several, single } from './types.js';
import { consistent } from './verify.js';

/** Trying candidates means validating a copy per candidate: only for images up to this size. */
const VERIFY_MAX_BYTES = 8 << 20;
const INODE = 1;
const SOCK = 14;

function signedAt(ctx: Ctx, offset: number): number {
  const v = Number(readUint(ctx.img, offset, 4));
  return v >= 2 ** 31 ? v - 2 ** 32 : v;
}

function objName(t: number): string {
  return enumName(Enums.objType, t) ?? `objtype ${t}`;
}

/** Keep the consistent candidates; one left is a repair, several are readings. */
function decide(ctx: Ctx, d: Diagnostic, cands: RepairChoice[], why: string): Repair | null {
  if (cands.length === 0) return null;
  const tried = verifiable(ctx, cands.length);
  const ok = tried ? consistent(ctx.img, ctx.diags, cands) : [];
  if (ok.length === 1 && tried) return single(d, ok[0]);
  const list = ok.length ? ok : cands;
  return several(d, list.slice(0, 6), why);
}

/** Whether n candidates may be tried on copies (small enough image, trials left); takes them. */
function verifiable(ctx: Ctx, n: number): boolean {
  if (ctx.img.size > VERIFY_MAX_BYTES || ctx.trials < n) return false;
  ctx.trials -= n;
  return true;
}

/** An OBJREF whose objref is damaged (invalid or a duplicate) exists: refs are not to be changed. */
const OBJECT_DAMAGE = new Set(['OBJREF_INVALID', 'OBJREF_DUPLICATE', 'OBJREF_TYPE', 'OBJREF_NO_OBJECT', 'OBJ_WITHOUT_OBJREF', 'REC_LEN_SHORT', 'REC_TRUNCATED', 'REC_HDR_TRUNCATED']);

/**
 * An object's own OBJREF or record is damaged (or the framing is): references to it are then not
 * to be changed, the object's repair comes first.
 */
function objrefDamaged(ctx: Ctx): boolean {
  return ctx.diags.some((x) => OBJECT_DAMAGE.has(x.code));
}

function refCandidates(ctx: Ctx, d: Diagnostic, objtype: number, before: number, order: (ref: number) => number, what: string): Repair | null {
  const place = { offset: d.offset, size: 4, name: d.field };
  const cur = signedAt(ctx, d.offset);
  const refs: number[] = [];
  for (const o of ctx.img.objects.values()) if (o.type === objtype && o.ref > 0 && o.target >= 0 && o.target < before && o.ref !== cur) refs.push(o.ref);
  refs.sort((a, b) => order(a) - order(b));
  const cands = refs.map((r) => setTo(ctx.img, place, r, `Objref ${r} is a ${objName(objtype)} restored before this record.`, { signed: true }));
  return decide(ctx, d, cands, what);
}

export function refRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  if (d.record === undefined) return null;
  const rt = img.index.types[d.record];
  if (rt === T.TTY) {
    const t = ctx.ttyOfRecord(d.record);
    if (!t || t.role !== 'slave' || d.offset !== t.link_objref.offset) return null;
    return objrefDamaged(ctx) ? null : linkRepair(ctx, d, t);
  }
  if (objrefDamaged(ctx)) return null;
  if (rt === T.FILE) {
    // The tty a file is open on: one no other file names is likelier (a pair's two sides are
    // usually reached by different files).
    const named = new Map<number, number>();
    for (const f of img.files) if (f.ref && f.record !== d.record) named.set(f.ref.value, (named.get(f.ref.value) ?? 0) + 1);
    return refCandidates(ctx, d, OBJ.TTY, d.record, (r) => named.get(r) ?? 0, 'Several ttys are restored before this file; one that no other file names is likelier.');
  }
  if (rt === T.FILE_DESC) {
    // The FILE written nearest before the descriptor is likelier: checkpoint_obj writes a file
    // right before its first FILE_DESC.
    const dist = (r: number) => d.record! - (img.objects.get(r)?.target ?? 0);
    return refCandidates(ctx, d, OBJ.FILE, d.record, dist, 'Several files are restored before this descriptor; the one written nearest before it is likelier.');
  }
  if (rt === T.SIGNAL) {
    const slave = (r: number) => (img.ttys.find((t) => t.objref === r)?.role === 'slave' ? 0 : 1);
    return refCandidates(ctx, d, OBJ.TTY, d.record, slave, 'Several ttys are restored before this SIGNAL; a controlling tty is usually a slave.');
  }
  return null;
}

/** An OBJREF's damaged objref: the value dangling references name. */
export function objrefValueRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  if (d.record === undefined) return null;
  const targets: number[] = [d.record];
  if (d.code === 'OBJREF_DUPLICATE') {
    const v = signedAt(ctx, d.offset);
    for (let k = 0; k < img.objrefs.length; k++) if (img.objrefs.refs[k] === v && img.objrefs.records[k] !== d.record) targets.push(img.objrefs.records[k]);
  }
  const dangling = new Set<number>();
  for (const x of ctx.diags) if (x.code === 'REF_DANGLING' && x.length === 4) dangling.add(signedAt(ctx, x.offset));
  const values = [...dangling].filter((v) => v > 0);
  if (values.length === 0 && d.code === 'OBJREF_INVALID') {
    // Nothing names it: an id no object carries below the largest.
    const used = ctx.usedIds();
    let max = 0;
    for (const v of used) if (v > max) max = v;
    for (let v = 1; v <= max + 1 && values.length < 6; v++) if (!used.has(v)) values.push(v);
  }
  const cands: RepairChoice[] = [];
  for (const rec of targets) {
    const place = { offset: img.index.offsets[rec] + 12, size: 4, name: 'objref' };
    const type = readU32(img, img.index.offsets[rec] + 8);
    for (const v of values) cands.push(setTo(img, place, v, `References to objref ${v} name no object, and this OBJREF (record ${rec}, ${objName(type)}) is the one whose objref is damaged.`, { signed: true }));
  }
  return decide(ctx, d, cands, 'More than one objref value makes the references resolve.');
}

/** An OBJREF's objtype against the record that follows it, or that record's type. */
export function objtypeRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const { types, offsets, lens, count } = img.index;
  if (d.record === undefined) return null;
  if (d.code === 'OBJ_WITHOUT_OBJREF') {
    const r = d.record;
    const want = objtypeFor(types[r]);
    const prev = r - 1;
    if (want === undefined || prev < 0 || lens[prev] !== LAYOUT.objref.len) return null;
    const p = offsets[prev];
    if (types[prev] === T.OBJREF) {
      return single(d, setTo(img, { offset: p + 8, size: 4, name: 'objtype' }, want, `The OBJREF before this ${enumName(Enums.hdrType, types[r])} introduces it, so its objtype is ${objName(want)}.`));
    }
    const c = typeChoice(img, prev);
    return c ? single(d, c) : null;
  }
  const r = d.record;
  const next = r + 1;
  if (next >= count) return null;
  const c = typeChoice(img, next);
  if (c && d.code === 'OBJREF_NO_OBJECT') return single(d, c);
  const want = objtypeFor(types[next]);
  if (want === undefined) return null;
  return single(d, setTo(img, { offset: offsets[r] + 8, size: 4, name: 'objtype' }, want, `The record after this OBJREF is a ${enumName(Enums.hdrType, types[next])}, the object of type ${objName(want)}.`));
}

/** f_type from what the record holds: the object its reference names, or the FILE_NAME after it. */
function fileTypeFromContents(ctx: Ctx, rec: number): { type: number; why: string } | undefined {
  const { img } = ctx;
  const { offsets, lens, types, count } = img.index;
  const L = lens[rec];
  if (L === LAYOUT.fileTty.len) {
    const ref = signedAt(ctx, offsets[rec] + 40);
    const o = img.objects.get(ref);
    if (!o) return undefined;
    const t = o.type === OBJ.TTY ? FILE_TYPE.TTY : o.type === INODE ? FILE_TYPE.PIPE : o.type === SOCK ? FILE_TYPE.SOCKET : undefined;
    return t === undefined ? undefined : { type: t, why: `its reference at offset 40 (${ref}) names a ${objName(o.type)} object` };
  }
  if (L === LAYOUT.fileGeneric.len && rec + 1 < count && types[rec + 1] === T.FILE_NAME) return { type: FILE_TYPE.GENERIC, why: 'a FILE_NAME record follows it, as it follows a generic file' };
  return undefined;
}

export function fileRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  if (d.record === undefined) return null;
  const rec = d.record;
  const p = img.index.offsets[rec];
  const ftPlace = { offset: p + 8, size: 4, name: 'f_type' };
  if (d.code === 'FILE_TYPE' || (d.code === 'FILE_LEN' && chainFrom(img, p + img.index.lens[rec]))) {
    const ft = fileTypeFromContents(ctx, rec);
    if (ft && fileLayoutFor(ft.type)?.len === img.index.lens[rec] && ft.type !== readU32(img, ftPlace.offset)) {
      return single(d, setTo(img, ftPlace, ft.type, `f_type ${enumName(Enums.fileType, ft.type)}: ${ft.why}, and the record's len fits.`));
    }
    if (d.code === 'FILE_TYPE') return null;
  }
  if (d.code === 'FILE_LEN') {
    const c = lenChoice(img, rec);
    return c ? single(d, c) : null;
  }
  if (d.code === 'FILE_TTY_OBJREF') return objrefDamaged(ctx) ? null : refRepair(ctx, d);
  return null;
}

export function fdRepair(ctx: Ctx, d: Diagnostic): Repair | null {
  const { img } = ctx;
  const fds = img.fds;
  let k = -1;
  for (let j = 0; j < fds.length; j++) if (fds.at(j).fd_descriptor.offset === d.offset || fds.at(j).fd_close_on_exec.offset === d.offset) k = j;
  if (k < 0) return null;
  const cur = fds.at(k);
  if (d.code === 'FILE_DESC_CLOEXEC') {
    const low = cur.cloexec & 1;
    return several(d, [
      setTo(img, cur.fd_close_on_exec, low, `fd_close_on_exec keeps its low bit (${low}).`),
      setTo(img, cur.fd_close_on_exec, low ^ 1, `fd_close_on_exec ${low ^ 1}, if the low bit was damaged too.`),
    ], 'The field is 0 or 1; a damaged high bit leaves the low bit as written.');
  }
  // Descriptors of one table are written in ascending fd order: the damaged one sits between neighbours.
  const table = cur.table;
  const idx: number[] = [];
  for (let j = 0; j < fds.length; j++) if (fds.tables[j] === table) idx.push(j);
  const pos = idx.indexOf(k);
  const tries = d.code === 'FILE_DESC_FD' && cur.fd >= 0 ? [pos - 1, pos] : [pos];
  const cands: RepairChoice[] = [];
  for (const q of tries) {
    if (q < 0) continue;
    const lo = q > 0 ? fds.fd(idx[q - 1]) + 1 : 0;
    const hi = q < idx.length - 1 ? fds.fd(idx[q + 1]) - 1 : Infinity;
    const f = fds.at(idx[q]);
    if (lo === hi && lo !== f.fd) cands.push(setTo(img, f.fd_descriptor, lo, `Descriptors are written in ascending fd order, and ${lo} is the only fd between its neighbours.`, { signed: true }));
  }
  if (cands.length === 0) {
    // The last descriptor of its table: only "the next fd" is suggested by the order.
    for (const q of tries) {
      if (q < 0 || q !== idx.length - 1) continue;
      const f = fds.at(idx[q]);
      const lo = q > 0 ? fds.fd(idx[q - 1]) + 1 : 0;
      if (lo !== f.fd) cands.push(setTo(img, f.fd_descriptor, lo, `The table's descriptors are dense so far; ${lo} follows the one before it.`, { signed: true }));
    }
    const ok = verifiable(ctx, cands.length) ? consistent(img, ctx.diags, cands) : cands;
    return ok.length ? several(d, ok, 'The last descriptor of a table can hold any higher fd; the next one after its neighbour is only the likeliest.') : null;
  }
  return decide(ctx, d, cands, 'More than one descriptor could be the damaged one.');
}
