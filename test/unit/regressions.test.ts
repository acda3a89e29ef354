// Fuzzer regressions (test/fixtures/regressions/regressions.json): each minimised input runs
// through the parser, validator, both reports and the built CLI, and the property it once broke
// is asserted. Entries marked "open" are known unfixed findings and run as todo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { reportJson } from '../../src/parser/report-json.js';
import { reportText } from '../../src/parser/report-text.js';
import type { Diagnostic } from '../../src/parser/model.js';

interface Entry {
  file: string;
  properties: ('no-throw' | 'diag-offsets' | 'cli-exit')[];
  what: string;
  open?: string;
}

const DIR = join(__dirname, '../fixtures/regressions');
const CLI = join(__dirname, '../../bin/ckpt-inspect.js');
const entries = JSON.parse(readFileSync(join(DIR, 'regressions.json'), 'utf8')) as Entry[];

function pipeline(bytes: Uint8Array): Diagnostic[] {
  const img = openImage(bytes);
  const diags = validate(img);
  JSON.stringify(reportJson(img, diags));
  reportText(img, diags, 'regression.ckpt');
  return diags;
}

for (const e of entries) {
  test(`regression ${e.file}: ${e.properties.join(', ')}`, e.open ? { todo: e.open } : {}, () => {
    const bytes = new Uint8Array(readFileSync(join(DIR, e.file)));
    if (e.properties.includes('no-throw')) {
      assert.doesNotThrow(() => pipeline(bytes), e.what);
    }
    if (e.properties.includes('diag-offsets')) {
      const img = openImage(bytes);
      for (const d of validate(img)) {
        const size = bytes.length;
        assert.ok(size === 0 ? d.offset === 0 : d.offset >= 0 && d.offset < size, `${d.code} offset ${d.offset} outside the ${size}-byte file`);
        assert.ok(d.length >= 0 && d.offset + d.length <= size, `${d.code} range ${d.offset}+${d.length} past the ${size}-byte file`);
      }
    }
    if (e.properties.includes('cli-exit') && existsSync(CLI)) {
      for (const args of [[CLI, join(DIR, e.file)], [CLI, '--json', join(DIR, e.file)]]) {
        const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
        assert.ok(r.status === 0 || r.status === 1, `${args.slice(1).join(' ')} exited ${r.status}: ${r.stderr}`);
      }
    }
  });
}

test('the text report describes at most maxTtys TTY records and says how many more there are', () => {
  const img = openImage(new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt'))));
  const diags = validate(img);
  assert.ok(img.ttys.length >= 2);
  const all = reportText(img, diags, 'pair.ckpt');
  assert.equal(all.match(/^ {2}TTY objref /gm)?.length, img.ttys.length);
  const one = reportText(img, diags, 'pair.ckpt', { maxTtys: 1 });
  assert.equal(one.match(/^ {2}TTY objref /gm)?.length, 1);
  assert.match(one, new RegExp(`… ${img.ttys.length - 1} more TTY records \\(use --json for all\\)`));
});

test('a TTY record with no payload is a short TTY: no Tty object, its LDISC not an orphan, TTY_LEN on its len', () => {
  // Two ttys of the sample, the second cut to its 8-byte header (len 8), the rest of the image after it.
  const bytes = new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')));
  const img = openImage(bytes);
  const t = img.ttys[1];
  const le = img.littleEndian;
  const cut = new Uint8Array(bytes.length - (t.len - 8));
  cut.set(bytes.subarray(0, t.offset + 8));
  cut.set(bytes.subarray(t.offset + t.len), t.offset + 8);
  new DataView(cut.buffer).setUint32(t.offset + 4, 8, le);
  const v = openImage(cut);
  assert.equal(v.ttys.length, 1);
  assert.deepEqual(v.shortTtys, [t.record]);
  const d = validate(v);
  assert.ok(d.some((x) => x.code === 'TTY_LEN' && x.record === t.record && x.offset === t.offset + 4));
  assert.ok(!d.some((x) => x.code === 'LDISC_ORPHAN'));
});
