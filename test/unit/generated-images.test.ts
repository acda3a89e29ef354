// Images written by test/gen/ckpt-gen.c from gcc-compiled structs, one valid image per shape and one
// corrupt image per validator rule; each .json names the exact errors (code, offset, field).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openImage } from '../../src/parser/image.js';
import { reportJson } from '../../src/parser/report-json.js';
import { validate } from '../../src/parser/validate/index.js';
import { generatedImages } from '../lib/images.js';

const images = generatedImages();

test('the C generator is available', { skip: images.length ? false : 'test/gen/ckpt-gen.c not present or gcc missing' }, () => {
  assert.ok(images.length > 20);
});

const key = (p: { code?: string; offset: number; field: string }) => `${p.code ?? '?'}@${p.offset}:${p.field}`;

for (const im of images) {
  test(`generated ${im.name}`, () => {
    const img = openImage(im.bytes);
    const diags = validate(img);
    const errors = diags.filter((d) => d.severity === 'error').map(key).sort();
    assert.deepEqual(errors, im.json.errors.map(key).sort(), 'errors differ');
    for (const w of im.json.warnings ?? []) {
      assert.ok(diags.some((d) => d.severity === 'warning' && key(d) === key(w)), `missing warning ${key(w)}`);
    }
    const r = reportJson(img, diags);
    assert.equal(r.size, im.json.size);
    assert.equal(r.endian, im.json.endian);
    if (im.json.ttys) {
      const damaged = new Set(im.json.errors.map((e) => e.field));
      const strip = (t: unknown) => JSON.parse(JSON.stringify(t, (k, v) => (damaged.has(k) ? undefined : v)));
      assert.deepEqual(r.ttys.map(strip), im.json.ttys.map(strip));
    }
    if (im.json.files) assert.deepEqual(r.files, im.json.files);
    const ro = im.json.recordOffsets;
    if (ro) {
      const master = img.ttys.find((t) => t.role === 'master');
      const slave = img.ttys.find((t) => t.role === 'slave');
      if (typeof ro.masterTty === 'number' && ro.masterTty >= 0) assert.equal(master?.offset, ro.masterTty);
      if (typeof ro.slaveTty === 'number' && ro.slaveTty >= 0) assert.equal(slave?.offset, ro.slaveTty);
    }
  });
}
