// Re-validation after a value edit (src/parser/validate/revalidate.ts) against validate() of the
// edited bytes: the same list in the same order; and the list of per-record codes against what the
// checks report on the records of a pty over every test image.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editForPath } from '../../src/parser/edit-paths.js';
import { applySplices } from '../../src/parser/encode.js';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { RECORD_LOCAL_CODES, recordsOf, revalidateTtys } from '../../src/parser/validate/revalidate.js';
import { allImages } from '../lib/images.js';

const key = (d: { code: string; offset: number; severity: string; message: string }) => `${d.code}@${d.offset}:${d.severity}:${d.message}`;

// Same-length value edits: what the editor's model patch re-validates instead of validating again.
const EDITS: [string, string][] = [
  ['ttys[1].termios.c_lflag.ICANON', '0'],
  ['ttys[1].ldisc.datalen', '5000'],
  ['ttys[1].ldisc.canon_datalen', '4096'],
  ['ttys[1].flags.TTY_CLOSING', '1'],
  ['ttys[0].termios.c_line', '3'],
  ['ttys[1].ldisc.icanon', '0'],
];

const images = allImages().filter((im) => openImage(im.bytes).ttys.filter((t) => t.ldisc).length >= 2);

test('there are images with two ttys and their line disciplines', () => assert.ok(images.length >= 3, `${images.length}`));

for (const im of images.slice(0, 12)) {
  test(`revalidateTtys after each value edit = validate() of the edited image, in order (${im.name})`, () => {
    for (const [path, value] of EDITS) {
      const before = openImage(im.bytes);
      let e: ReturnType<typeof editForPath>;
      try {
        e = editForPath(before, path, value);
      } catch {
        continue; // a path this image does not have
      }
      if (e.splices.some((s) => s.remove !== s.insert.length)) continue;
      const bytes = applySplices(im.bytes, e.splices).bytes;
      const after = openImage(bytes);
      const n = Number(/ttys\[(\d+)\]/.exec(path)![1]);
      // The edited tty and its partner, read from the edited bytes (what the patch re-reads).
      const t = after.ttys[n];
      const partner = after.ttys.find((x) => x !== t && (x.objref === t.link_objref.value || x.link_objref.value === t.objref));
      const ttys = partner ? [t, partner] : [t];
      const got = revalidateTtys(after, ttys, validate(before), false);
      assert.deepEqual(got.map(key), validate(after).map(key), `${path}=${value}`);
    }
  });
}

test('an edit that changes no diagnostic gives back the same array', () => {
  const img = openImage(images[0].bytes);
  const list = validate(img);
  assert.equal(revalidateTtys(img, img.ttys.slice(0, 2), list, false), list);
  assert.notEqual(revalidateTtys(img, img.ttys.slice(0, 2), list, true), list, 'moved offsets make a new list');
});

test('every code validate() reports on a pty record is per-record (RECORD_LOCAL_CODES) or depends on what a value edit keeps', () => {
  // Pair and objref codes are about roles and objrefs; LDISC_ORPHAN about the record order.
  const structural = /^(PAIR_|REF_|OBJREF_|FILE_|LDISC_ORPHAN$)/;
  const seen = new Set<string>();
  for (const im of allImages()) {
    const img = openImage(im.bytes);
    const records = recordsOf(img.ttys);
    for (const d of validate(img)) {
      if (d.record === undefined || !records.has(d.record)) continue;
      seen.add(d.code);
      if (/^(TTY_|LDISC_)/.test(d.code) && !structural.test(d.code)) assert.ok(RECORD_LOCAL_CODES.has(d.code), `${d.code} (${im.name}) is reported on a tty's record but not re-validated after an edit`);
    }
  }
  assert.ok(seen.size >= 10, [...seen].join(' '));
});
