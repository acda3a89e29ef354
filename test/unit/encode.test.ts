// The encoder: round trips, edits that re-parse to the edited values, undo of random edit sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySplices, encodeImage, Splice } from '../../src/parser/encode.js';
import { editForPath } from '../../src/parser/edit-paths.js';
import { openImage } from '../../src/parser/image.js';
import { reportJson } from '../../src/parser/report-json.js';
import { validate } from '../../src/parser/validate/index.js';
import { allImages, rng } from '../lib/images.js';

const images = allImages();

test('there are images to round-trip', { skip: images.length ? false : 'neither golden nor generated images available' }, () => {
  assert.ok(images.length > 0);
});

for (const im of images) {
  test(`encode(decode(${im.source}/${im.name})) is byte-identical`, () => {
    const img = openImage(im.bytes);
    const out = encodeImage(img);
    assert.equal(out.length, im.bytes.length);
    assert.ok(Buffer.from(out).equals(Buffer.from(im.bytes)), 'bytes differ');
  });
}

test('the encoder writes model values back: a changed value reaches the bytes', { skip: images.length ? false : 'no images' }, () => {
  const img = openImage(images[0].bytes);
  const t = img.ttys[0];
  t.winsize.ws_col.value = 200;
  const again = openImage(encodeImage(img));
  assert.equal(again.ttys[0].winsize.ws_col.value, 200);
});

/** Edits a person makes, chosen at random against the current image. */
function randomEdit(img: ReturnType<typeof openImage>, r: () => number): { path: string; value: string; check: (img2: ReturnType<typeof openImage>) => void } | null {
  if (!img.ttys.length) return null;
  const ti = Math.floor(r() * img.ttys.length);
  const t = img.ttys[ti];
  const choice = Math.floor(r() * 7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  switch (choice) {
    case 0: {
      const v = Math.floor(r() * 300);
      return { path: `ttys[${ti}].winsize.ws_col`, value: String(v), check: (i2) => assert.equal(i2.ttys[ti].winsize.ws_col.value, v) };
    }
    case 1: {
      const on = r() < 0.5;
      return { path: `ttys[${ti}].termios.c_lflag.ECHO`, value: on ? '1' : '0', check: (i2) => assert.equal((i2.ttys[ti].termios.c_lflag.value & 0o10) !== 0, on) };
    }
    case 2: {
      const c = pick(['^C', '^?', 'DEL', 'undef', '7', 'x']);
      const want = { '^C': 3, '^?': 127, DEL: 127, undef: 0, '7': 7, x: 120 }[c] as number;
      return { path: `ttys[${ti}].termios.c_cc.VINTR`, value: c, check: (i2) => assert.equal(i2.ttys[ti].termios.c_cc[0].value, want) };
    }
    case 3: {
      const on = r() < 0.5;
      return { path: `ttys[${ti}].flags.TTY_PTY_LOCK`, value: on ? '1' : '0', check: (i2) => assert.equal((i2.ttys[ti].flags.value & 0x10000n) !== 0n, on) };
    }
    case 4: {
      if (!t.ldisc) return null;
      const len = Math.floor(r() * 40);
      const bytes = Uint8Array.from({ length: len }, () => pick([0x61, 0x62, 0x0a, 0x20, 0x00, 0xff, 0x7f, 0x0d]));
      const hex = Buffer.from(bytes).toString('hex');
      return {
        path: `ttys[${ti}].ldisc.data`,
        value: `hex:${hex}`,
        check: (i2) => {
          const l = i2.ttys[ti].ldisc;
          assert.ok(l);
          assert.equal(l.datalen.value, len);
          assert.equal(Buffer.from(l.buffer?.data ?? new Uint8Array()).toString('hex'), hex);
          if (l.icanon.value === 1) assert.equal(l.canon_data.value, bytes.filter((b) => b === 0x0a).length);
        },
      };
    }
    case 5: {
      const v = Math.floor(r() * 64);
      return { path: `ttys[${ti}].index`, value: String(v), check: (i2) => assert.equal(i2.ttys[ti].index.value, v) };
    }
    default: {
      if (!t.ldisc) return null;
      const v = Math.floor(r() * 100);
      return { path: `ttys[${ti}].ldisc.column`, value: String(v), check: (i2) => assert.equal(i2.ttys[ti].ldisc?.column.value, v) };
    }
  }
}

for (const im of images.filter((x) => x.json.errors.length === 0).slice(0, 12)) {
  test(`random edits of ${im.source}/${im.name} re-parse to the edited values and undo to the original`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed * 7919 + im.bytes.length);
      let img = openImage(im.bytes);
      const undo: Splice[][] = [];
      for (let step = 0; step < 8; step++) {
        const e = randomEdit(img, r);
        if (!e) continue;
        const pe = editForPath(img, e.path, e.value);
        const res = applySplices(img.bytes, pe.splices);
        undo.push(res.inverse);
        img = openImage(res.bytes);
        e.check(img);
        // Nothing but what was edited changes: the record count stays the same.
        assert.equal(img.ttys.length, openImage(im.bytes).ttys.length);
      }
      let bytes = img.bytes;
      for (const inv of undo.reverse()) bytes = applySplices(bytes, inv).bytes;
      assert.ok(Buffer.from(bytes).equals(Buffer.from(im.bytes)), `seed ${seed}: undo did not restore the original`);
    }
  });
}

test('a buffer edit keeps the image valid and shifts the records after it', { skip: images.some((i) => i.name === 'ok-pair-i386') ? false : 'golden ok-pair-i386 absent' }, () => {
  const im = images.find((i) => i.name === 'ok-pair-i386');
  assert.ok(im);
  const img = openImage(im.bytes);
  const slave = img.ttys.findIndex((t) => t.role === 'slave');
  const pe = editForPath(img, `ttys[${slave}].ldisc.data`, 'echo one\\necho two\\npart');
  const img2 = openImage(applySplices(img.bytes, pe.splices).bytes);
  assert.equal(img2.size, img.size + (22 - 9));
  assert.deepEqual(validate(img2).filter((d) => d.severity === 'error'), []);
  const l = img2.ttys[slave].ldisc;
  assert.ok(l);
  assert.equal(l.canon_data.value, 2);
  assert.equal(l.canon_datalen.value, 18);
  assert.equal(reportJson(img2, []).files.length, 2);
  assert.equal(img2.tailRecord, img.tailRecord);
});

test('an edit that breaks the image is still applied and validation names it', { skip: images.length ? false : 'no images' }, () => {
  const im = images.find((i) => i.json.errors.length === 0 && openImage(i.bytes).ttys.some((t) => t.ldisc));
  assert.ok(im);
  const img = openImage(im.bytes);
  const ti = img.ttys.findIndex((t) => t.ldisc);
  const big = 'hex:' + '61'.repeat(5000);
  const img2 = openImage(applySplices(img.bytes, editForPath(img, `ttys[${ti}].ldisc.data`, big).splices).bytes);
  const d = validate(img2).find((x) => x.code === 'LDISC_DATALEN');
  assert.ok(d);
  assert.equal(d.offset, img2.ttys[ti].ldisc?.datalen.offset);
});
