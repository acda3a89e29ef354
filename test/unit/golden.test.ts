// The golden images in ../shared/golden were written from gcc-compiled C structs, with their values
// in .json: an oracle independent of this code. Skipped (with a note) on a clone without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage } from '../../src/parser/image.js';
import { reportJson } from '../../src/parser/report-json.js';
import { validate } from '../../src/parser/validate/index.js';

const GOLDEN = join(__dirname, '../../../shared/golden');
const have = existsSync(GOLDEN);

interface GoldenError { offset: number; field: string }
interface Golden {
  size: number;
  endian: string;
  errors: GoldenError[];
  ttys: Record<string, unknown>[];
  files: unknown[];
  recordOffsets: { masterTty: number; slaveTty: number; slaveFile: number };
}

const names = have ? readdirSync(GOLDEN).filter((n) => n.endsWith('.ckpt')).map((n) => n.replace(/\.ckpt$/, '')) : [];

test('golden images are present (or the suite says why not)', { skip: have ? false : 'no ../shared/golden in this checkout' }, () => {
  assert.ok(names.length >= 4);
});

for (const name of names) {
  test(`golden ${name}`, () => {
    const bytes = new Uint8Array(readFileSync(join(GOLDEN, `${name}.ckpt`)));
    const g = JSON.parse(readFileSync(join(GOLDEN, `${name}.json`), 'utf8')) as Golden;
    const img = openImage(bytes);
    const diags = validate(img);
    const r = reportJson(img, diags);
    assert.equal(r.size, g.size);
    assert.equal(r.endian, g.endian);
    const errors = diags.filter((d) => d.severity === 'error').map((d) => ({ offset: d.offset, field: d.field }));
    assert.deepEqual(errors, g.errors);
    // The .json of a damaged image lists the values before the damage: the damaged field itself is
    // the one its errors[] names, so that field alone is compared with the bytes instead.
    const damaged = new Set(g.errors.map((e) => e.field));
    // The golden files write flags (u64) as a JSON number, --json as a decimal string; their values are
    // far below 2^53, so the number is exact here (a rounded one would differ, not pass).
    const strip = (t: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(t, (k, v) => (damaged.has(k) ? undefined : k === 'flags' && typeof v === 'number' ? String(v) : v)));
    assert.deepEqual(r.ttys.map((t) => strip(t as unknown as Record<string, unknown>)), g.ttys.map(strip));
    assert.deepEqual(r.files, g.files);
    const master = img.ttys.find((t) => t.role === 'master');
    const slave = img.ttys.find((t) => t.role === 'slave');
    assert.equal(master?.offset, g.recordOffsets.masterTty);
    assert.equal(slave?.offset, g.recordOffsets.slaveTty);
    const slaveFile = img.files.find((f) => f.ref?.value === slave?.objref);
    assert.equal(slaveFile?.offset, g.recordOffsets.slaveFile);
    for (const e of g.errors) {
      // The damaged value as the bytes hold it must be what the model shows at that offset.
      const f = img.ttys.flatMap((t) => (t.ldisc ? [t.ldisc.datalen, t.ldisc.canon_datalen, t.ldisc.canon_data] : []))
        .find((x) => x.offset === e.offset);
      if (f) assert.equal(f.name, e.field);
    }
  });
}
