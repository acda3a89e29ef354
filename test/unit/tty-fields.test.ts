// openImage reads TTY and TTY_LDISC fields at the offsets the layout learnt, not through the
// generated parser. Here the generated parser decodes every such record again (an independent
// reading of the same bytes), and each Field openImage made must match it: value, offset, size and
// name, in the same key order (the reports print these objects). Run over the golden and generated
// images, the bench shape of a thousand pairs, and damaged copies of them (short and odd records).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openImage } from '../../src/parser/image.js';
import { type DecodedField, type DecodedNode, decodeRecordBody, field as findField } from '../../src/parser/kaitai.js';
import { T } from '../../src/parser/layout.js';
import type { Field, Image } from '../../src/parser/model.js';
import { allImages, generator, rng } from '../lib/images.js';

function num(node: DecodedNode, name: string): Field {
  const f = findField(node, name);
  assert.ok(f && typeof f.value === 'number', `decoded ${node.type} has ${name}`);
  return { value: f.value as number, offset: f.offset, size: f.size, name };
}

function sub(node: DecodedNode, name: string): DecodedNode {
  const f = findField(node, name);
  assert.ok(f && f.value && typeof f.value === 'object' && 'fields' in f.value);
  return f.value as DecodedNode;
}

const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v));

/** Every TTY and LDISC field openImage made, against the generated parser's decode. Returns how many TTYs were checked. */
function checkImage(img: Image, what: string): number {
  const src = { bytes: img.bytes, littleEndian: img.littleEndian };
  for (const t of img.ttys) {
    const dec = decodeRecordBody(src, t.offset, T.TTY, t.len);
    assert.ok(dec.body && !dec.error, `${what}: TTY record ${t.record} decodes`);
    const node = dec.body;
    const tn = sub(node, 'termios');
    const wn = sub(node, 'winsize');
    const cc = findField(tn, 'c_cc') as DecodedField;
    const flags = findField(node, 'flags') as DecodedField;
    const want = {
      driver_type: num(node, 'driver_type'),
      driver_subtype: num(node, 'driver_subtype'),
      link_objref: num(node, 'link_objref'),
      file_objref: num(node, 'file_objref'),
      padding: num(node, 'padding'),
      index: num(node, 'index'),
      ldisc_num: num(node, 'ldisc'),
      flags: { value: flags.value, offset: flags.offset, size: 8, name: 'flags' },
      termios: {
        c_iflag: num(tn, 'c_iflag'),
        c_oflag: num(tn, 'c_oflag'),
        c_cflag: num(tn, 'c_cflag'),
        c_lflag: num(tn, 'c_lflag'),
        c_line: num(tn, 'c_line'),
        c_cc: (cc.value as number[]).map((v, i) => ({ value: v, offset: cc.items?.[i]?.offset, size: cc.items?.[i]?.size, name: `c_cc[${i}]` })),
      },
      winsize: { ws_row: num(wn, 'ws_row'), ws_col: num(wn, 'ws_col'), ws_xpixel: num(wn, 'ws_xpixel'), ws_ypixel: num(wn, 'ws_ypixel') },
    };
    const got = { driver_type: t.driver_type, driver_subtype: t.driver_subtype, link_objref: t.link_objref, file_objref: t.file_objref, padding: t.padding, index: t.index, ldisc_num: t.ldisc_num, flags: t.flags, termios: t.termios, winsize: t.winsize };
    assert.equal(json(got), json(want), `${what}: TTY record ${t.record}`);
    assert.equal(t.truncated, undefined);

    const j = t.record + 1;
    const { types, offsets, lens, spans } = img.index;
    if (j >= img.index.count || types[j] !== T.TTY_LDISC || spans[j] !== lens[j]) {
      assert.equal(t.ldisc, null, `${what}: TTY record ${t.record} has no LDISC`);
      continue;
    }
    const ld = decodeRecordBody(src, offsets[j], T.TTY_LDISC, lens[j]);
    if (!ld.body || ld.error) {
      assert.equal(t.ldisc, null, `${what}: LDISC record ${j} does not decode: none`);
      continue;
    }
    const l = t.ldisc;
    assert.ok(l, `${what}: LDISC record ${j} decodes`);
    const n = ld.body;
    const rf = findField(n, 'read_flags') as DecodedField;
    const bools = ['stopped', 'hw_stopped', 'flow_stopped', 'packet', 'ctrl_status', 'lnext', 'erasing', 'raw', 'real_raw', 'icanon', 'closing'].map((k) => num(n, k));
    const wantL = {
      record: j,
      offset: offsets[j],
      len: lens[j],
      column: num(n, 'column'),
      datalen: num(n, 'datalen'),
      canon_column: num(n, 'canon_column'),
      canon_datalen: num(n, 'canon_datalen'),
      canon_data: num(n, 'canon_data'),
      minimum_to_wake: num(n, 'minimum_to_wake'),
      bools,
      stopped: bools[0],
      packet: bools[3],
      icanon: bools[9],
      read_flags: { value: rf.value, offset: rf.offset, size: rf.size, name: 'read_flags' },
    };
    const { buffer: _b, ...gotL } = l;
    assert.equal(json(gotL), json(wantL), `${what}: LDISC record ${j}`);
    // Both are views of the image's bytes (an edit of them shows through).
    assert.equal(l.read_flags.value.buffer, img.bytes.buffer);
  }
  return img.ttys.length;
}

/** A copy with `n` random bytes changed in the tty records' neighbourhood, or a record length cut. */
function damaged(bytes: Uint8Array, img: Image, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  const ttys = img.ttys;
  if (!ttys.length) return out;
  for (let k = 0; k < 8; k++) {
    const t = ttys[Math.floor(r() * ttys.length)];
    const at = t.offset + Math.floor(r() * Math.min(700, out.length - t.offset));
    if (r() < 0.2 && t.record + 1 < img.index.count) {
      // An LDISC (or TTY) made one byte shorter: it no longer decodes, and the framing moves on.
      const j = r() < 0.5 ? t.record : t.record + 1;
      const o = img.index.offsets[j];
      view.setUint32(o + 4, view.getUint32(o + 4, img.littleEndian) - 1, img.littleEndian);
    } else out[at] = Math.floor(r() * 256);
  }
  return out;
}

test('TTY and LDISC fields read at the layout offsets equal the generated parser decode, on every test image and damaged copies', () => {
  const images = allImages();
  assert.ok(images.length > 10, 'the generated images are there');
  let ttys = 0;
  for (const im of images) {
    const img = openImage(im.bytes);
    ttys += checkImage(img, im.name);
    for (let s = 1; s <= 5; s++) {
      const what = `${im.name} damaged (seed ${s})`;
      checkImage(openImage(damaged(im.bytes, img, s)), what);
    }
  }
  assert.ok(ttys > 20, `${ttys} TTY records compared`);
});

test('the same on the bench image of a thousand pty pairs, big-endian sample included', () => {
  const gen = generator();
  assert.ok(gen, 'test/gen/ckpt-gen.c compiles');
  const dir = mkdtempSync(join(tmpdir(), 'tty-fields-'));
  try {
    const file = join(dir, 'pairs.ckpt');
    const g = spawnSync(gen, ['bench-pairs', file, String(4 << 20)], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
    const img = openImage(new Uint8Array(readFileSync(file)));
    assert.equal(checkImage(img, 'bench-pairs'), 2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(
    allImages().some((im) => !openImage(im.bytes).littleEndian && openImage(im.bytes).ttys.length > 0),
    'a big-endian image with TTYs is among those checked',
  );
});
