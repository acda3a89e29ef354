// Corrupt one field of a valid image (every field family the repairs use; little- and big-endian;
// the C generator's images and the golden ones) and require: where `fix` applies a repair it gives
// back exactly the original bytes, and where it does not, the original is among the choices it
// offers. The rates per family are printed (and asserted where the format's redundancy fixes the
// value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeInt } from '../../src/parser/encode.js';
import { openImage } from '../../src/parser/image.js';
import type { Image } from '../../src/parser/model.js';
import { applyChoice, planFix } from '../../src/parser/repair/index.js';
import { errorCount, validate } from '../../src/parser/validate/index.js';
import { allImages, rng } from '../lib/images.js';

interface Corruption {
  family: string;
  /** Replace `size` bytes at `offset` by the encoding of value, or splice (for the TAIL family). */
  apply(bytes: Uint8Array): Uint8Array;
  what: string;
}

function put(bytes: Uint8Array, offset: number, size: number, value: number | bigint, le: boolean): Uint8Array {
  const out = bytes.slice();
  out.set(encodeInt(value, size, le), offset);
  return out;
}

function fieldCorruptions(img: Image, family: string, offset: number, size: number, values: (number | bigint)[], le = img.littleEndian): Corruption[] {
  const cur = new DataView(img.bytes.buffer, img.bytes.byteOffset + offset, size);
  const orig = size === 8 ? cur.getBigUint64(0, le) : BigInt(size === 4 ? cur.getUint32(0, le) : size === 2 ? cur.getUint16(0, le) : cur.getUint8(0));
  const mask = (1n << BigInt(size * 8)) - 1n;
  return values
    .map((v) => BigInt(v) & mask)
    .filter((v, k, all) => v !== orig && all.indexOf(v) === k)
    .map((v) => ({ family, what: `${family} @${offset} ${orig} -> ${v}`, apply: (b: Uint8Array) => put(b, offset, size, v, le) }));
}

function corruptionsOf(img: Image, seed: number): Corruption[] {
  const r = rng(seed);
  const rand32 = () => Math.floor(r() * 2 ** 32);
  const le = img.littleEndian;
  const out: Corruption[] = [];
  const { offsets, lens, count } = img.index;
  const u32 = (o: number) => new DataView(img.bytes.buffer, img.bytes.byteOffset + o, 4).getUint32(0, le);
  for (let i = 0; i < count; i++) {
    const L = lens[i];
    // len: near misses that keep the framing inside the file, and wild values that break it.
    out.push(...fieldCorruptions(img, 'len', offsets[i] + 4, 4, [[L + 8, L - 8, L + 1, L ^ 0x100][i % 4], rand32()]));
    out.push(...fieldCorruptions(img, 'type', offsets[i], 4, [rand32()]));
  }
  const h = img.header;
  if (h) {
    out.push(...fieldCorruptions(img, 'magic', h.magic.offset, 8, [h.magic.value ^ 0xff00n, BigInt(rand32())]));
    for (const c of h.constants.filter((c) => c.name !== 'mm_saved_auxv_len')) out.push(...fieldCorruptions(img, 'header constant', c.offset, c.size, [c.value + 1]));
    out.push(...fieldCorruptions(img, 'header rev', h.rev.offset, 2, [3, 0x4002]));
  }
  if (img.tailRecord >= 0) {
    const o = offsets[img.tailRecord];
    out.push(...fieldCorruptions(img, 'magic', o + 8, 8, [0x002d2a0cc0deef01n, BigInt(rand32())]));
    if (img.tailRecord === count - 1) {
      out.push({ family: 'missing TAIL', what: 'TAIL removed', apply: (b) => b.slice(0, o) });
      out.push({ family: 'missing TAIL', what: 'TAIL cut to 5 bytes', apply: (b) => b.slice(0, o + 5) });
      out.push({ family: 'missing TAIL', what: 'TAIL cut to 12 bytes', apply: (b) => b.slice(0, o + 12) });
    }
  }
  for (const t of img.ttys) {
    const l = t.ldisc;
    if (l) {
      out.push(...fieldCorruptions(img, 'datalen', l.datalen.offset, 4, [l.datalen.value + 3, l.datalen.value ^ 0x1000, rand32(), 0]));
      if (l.icanon.value === 1) {
        out.push(...fieldCorruptions(img, 'canon_data', l.canon_data.offset, 4, [l.canon_data.value + 1, l.canon_data.value ^ 4, rand32()]));
        out.push(...fieldCorruptions(img, 'canon_datalen', l.canon_datalen.offset, 4, [l.canon_datalen.value + 3, l.canon_datalen.value ^ 0x2000, l.canon_datalen.value - 1]));
      }
    }
    if (t.role === 'slave') out.push(...fieldCorruptions(img, 'link_objref', t.link_objref.offset, 4, [t.link_objref.value + 40, 0, -3]));
    const flags = BigInt(u32(t.flags.offset + (le ? 0 : 4)));
    const bits: bigint[] = [flags | 0x80n, flags | 0x80000n, flags & ~0x800n, flags | 0x400n];
    if (t.role === 'master' && l) bits.push(flags | 0x40000n);
    if (l && t.role === 'slave') bits.push(flags | 0x40000n);
    out.push(...fieldCorruptions(img, 'flag bits', t.flags.offset, 8, bits));
    out.push(...fieldCorruptions(img, 'tty fields', t.driver_type.offset, 2, [3]));
    out.push(...fieldCorruptions(img, 'tty fields', t.driver_subtype.offset, 2, [7]));
    out.push(...fieldCorruptions(img, 'tty fields', t.file_objref.offset, 4, [t.role === 'master' ? 0 : 9]));
  }
  for (const o of img.objrefs) out.push(...fieldCorruptions(img, 'objref', o.objref.offset, 4, [0, -2]), ...fieldCorruptions(img, 'objtype', o.objtype.offset, 4, [99]));
  for (const f of img.files) out.push(...fieldCorruptions(img, 'f_type', f.f_type.offset, 4, [77]));
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

type Outcome = 'restored' | 'offered' | 'unrepaired' | 'undetected' | 'wrong';

function judge(orig: Uint8Array, bad: Uint8Array): Outcome {
  const before = validate(openImage(bad));
  const base = validate(openImage(orig));
  const key = (d: { code: string; offset: number; severity: string }) => `${d.severity}:${d.code}@${d.offset}`;
  const known = new Set(base.map(key));
  if (!before.some((d) => d.severity !== 'info' && !known.has(key(d)))) return 'undetected';
  const plan = planFix(bad);
  if (equal(plan.bytes, orig)) return 'restored';
  // Bytes `fix` wrote must be the original's: a change that is not is a wrong repair.
  if (plan.bytes.length === orig.length && bad.length === orig.length) {
    for (let k = 0; k < orig.length; k++) if (plan.bytes[k] !== bad[k] && plan.bytes[k] !== orig[k]) return 'wrong';
  } else if (plan.applied.length && plan.bytes.length !== bad.length) return 'wrong';
  for (const r of plan.ambiguous) {
    for (const c of r.choices) {
      try {
        if (equal(applyChoice(plan.bytes, c), orig)) return 'offered';
      } catch {
        // a choice for bytes that an earlier choice changed
      }
    }
  }
  return 'unrepaired';
}

// One image per shape: both golden ones, and the generator's big-endian, wrapped-ring, hung-up,
// controlling-tty and multi-pair images (every valid one would take minutes for little more).
const SHAPES = new Set(['ok-pair-i386', 'ok-raw-locked-packet', 'ok-s390x', 'ok-ppc32', 'ok-ppc64-canon-full-4096', 'ok-canon-read-tail-wrap', 'ok-s390x-canon-read-tail-wrap', 'ok-hupped-slave', 'ok-ctty-signal', 'ok-three-pairs', 'ok-two-tasks-shared-file', 'ok-canon-no-line']);
const images = allImages().filter((im) => (im.source === 'golden' || SHAPES.has(im.name)) && im.json.errors.length === 0 && errorCount(validate(openImage(im.bytes))) === 0);

test('corrupting single fields: fix restores the original or offers it, never writes other bytes', { skip: images.length ? false : 'no valid test images (gcc missing?)' }, () => {
  const rates = new Map<string, Record<Outcome, number>>();
  const wrong: string[] = [];
  let seed = 1;
  for (const im of images) {
    const img = openImage(im.bytes);
    for (const c of corruptionsOf(img, seed++)) {
      const bad = c.apply(im.bytes);
      const o = judge(im.bytes, bad);
      const row = rates.get(c.family) ?? { restored: 0, offered: 0, unrepaired: 0, undetected: 0, wrong: 0 };
      row[o]++;
      rates.set(c.family, row);
      if (o === 'wrong') wrong.push(`${im.name} ${im.json.endian}: ${c.what}`);
      if (o === 'unrepaired' && process.env.REPAIR_DEBUG) console.log(`unrepaired ${im.name}: ${c.what}`);
    }
  }
  const lines = ['family            detected  restored  offered  unrepaired  (undetected)'];
  let tot = { d: 0, r: 0, o: 0 };
  for (const [f, r] of [...rates].sort()) {
    const d = r.restored + r.offered + r.unrepaired + r.wrong;
    tot = { d: tot.d + d, r: tot.r + r.restored, o: tot.o + r.offered };
    const pct = (n: number) => `${d ? ((100 * n) / d).toFixed(1) : '-'}%`.padStart(8);
    lines.push(`${f.padEnd(18)}${String(d).padStart(8)}  ${pct(r.restored)}  ${pct(r.offered)}  ${pct(r.unrepaired + r.wrong)}    (${r.undetected})`);
  }
  lines.push(`all               ${String(tot.d).padStart(8)}  ${((100 * tot.r) / tot.d).toFixed(1)}% restored, ${((100 * tot.o) / tot.d).toFixed(1)}% offered among choices`);
  console.log(lines.join('\n'));
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} corruption(s) repaired to bytes that are not the original`);
  // Where the format's redundancy determines the value, every detected corruption is restored or offered.
  for (const f of ['datalen', 'canon_data', 'canon_datalen', 'magic', 'missing TAIL', 'header constant', 'link_objref']) {
    const r = rates.get(f);
    assert.ok(r, `no corruption of ${f} was tried`);
    assert.equal(r.unrepaired, 0, `${f}: ${r.unrepaired} detected corruption(s) neither restored nor offered`);
  }
});

test('hostile bytes: repairsFor and planFix never throw and always end (random multi-byte damage, truncation)', { skip: images.length ? false : 'no valid test images' }, () => {
  const r = rng(15);
  let n = 0;
  for (const im of images.slice(0, 6)) {
    for (let k = 0; k < 40; k++) {
      let bad = im.bytes.slice();
      const hits = 1 + Math.floor(r() * 6);
      for (let j = 0; j < hits; j++) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
      if (k % 5 === 0) bad = bad.slice(0, Math.floor(r() * bad.length));
      const plan = planFix(bad);
      assert.ok(plan.applied.length <= 64, 'passes are bounded');
      // What fix writes has no more errors than what it read.
      const after = plan.after.filter((d) => d.severity === 'error').length;
      assert.ok(after <= plan.before.filter((d) => d.severity === 'error').length, `${im.name} #${k}: fix made more errors`);
      n++;
    }
  }
  assert.equal(n, images.slice(0, 6).length * 40);
});
