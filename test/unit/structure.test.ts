// The Structure tree (src/editor/structure.ts) and the record summaries it shows
// (src/parser/record-summary.ts), against the C generator's own account of each image (its .json:
// record offsets, each tty's role, index and objrefs, each line discipline's counts), in both byte
// orders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Structure } from '../../src/editor/structure.js';
import { openImage } from '../../src/parser/image.js';
import { T } from '../../src/parser/layout.js';
import { findObjrefRecord, objrefOf, recordSummary } from '../../src/parser/record-summary.js';
import { generatedImages } from '../lib/images.js';

interface CaseTty { objref: number; role: string; index: number; linkObjref: number; fileObjref: number; ldisc?: { datalen: number; canon_datalen: number; column: number } }

const cases = generatedImages().filter((im) => im.name.startsWith('ok-') && im.json.recordOffsets && im.json.ttys.length === 2);

test('there are generated images in both byte orders to check against', () => {
  assert.ok(cases.length >= 5, `${cases.length}`);
  assert.ok(cases.some((c) => c.json.endian === 'be'), 'a big-endian case');
});

for (const im of cases) {
  test(`record summaries, OBJREF labels and the tree's nesting agree with the generator (${im.name})`, () => {
    const img = openImage(im.bytes);
    const src = { bytes: img.bytes, littleEndian: img.littleEndian, index: img.index };
    const s = new Structure(src);
    const ro = im.json.recordOffsets!;
    const ttys = im.json.ttys as unknown as CaseTty[];
    for (const [off, role] of [[ro.masterTty, 'master'], [ro.slaveTty, 'slave']] as const) {
      const t = ttys.find((x) => x.role === role)!;
      const r = s.recordAt(off);
      assert.equal(img.index.offsets[r], off);
      assert.equal(img.index.types[r], T.TTY);
      assert.equal(recordSummary(src, r), `${role} /dev/pts/${t.index} · link_objref ${t.linkObjref} · file_objref ${t.fileObjref}`);
      // The OBJREF that introduces the tty holds it in the tree and is found by its objref.
      const ref = s.parent[r];
      assert.deepEqual(objrefOf(src, ref), { objtype: objrefOf(src, ref)!.objtype, objref: t.objref });
      assert.equal(findObjrefRecord(src, t.objref), ref);
      assert.match(s.recordNode(ref).label, new RegExp(`^OBJREF TTY #${t.objref}$`));
      if (t.ldisc) {
        assert.equal(img.index.types[r + 1], T.TTY_LDISC);
        assert.equal(recordSummary(src, r + 1), `datalen ${t.ldisc.datalen} · canon_datalen ${t.ldisc.canon_datalen} · column ${t.ldisc.column}`);
        assert.equal(s.parent[r + 1], ref, 'the LDISC sits under the tty\'s OBJREF');
      }
    }
    assert.match(recordSummary(src, 0), /^kernel \d+\.\d+\.\d+, rev 2, arch \w+/);
    assert.equal(findObjrefRecord(src, 99999), -1);
  });
}
