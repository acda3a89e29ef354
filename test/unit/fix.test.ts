// Repairs on the shipped sample (an x86_32 image whose slave holds `ls -l\n` + `ech` in canonical
// mode, one line-end bit on the `\n`): the line-end plausibility rule of issue 15 and
// `ckpt-inspect fix` as a user runs it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeInt } from '../../src/parser/encode.js';
import { openImage } from '../../src/parser/image.js';
import { repairsFor } from '../../src/parser/repair/index.js';
import { validate } from '../../src/parser/validate/index.js';
import { ROOT } from '../lib/images.js';
import { validJson } from '../lib/schemas.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const SAMPLE = new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt')));
const dir = mkdtempSync(join(tmpdir(), 'ckpt-fix-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

const img = openImage(SAMPLE);
const slave = img.ttys.find((t) => t.role === 'slave' && t.ldisc?.icanon.value === 1);

/** The sample with one u32 of the slave's LDISC set to `value` (the sample is little-endian). */
function damaged(field: 'canon_datalen' | 'datalen', value: number): Uint8Array {
  if (!slave?.ldisc) throw new Error('the sample has no canonical slave');
  const out = SAMPLE.slice();
  out.set(encodeInt(value, 4, true), slave.ldisc[field].offset);
  return out;
}

test('the sample is what these tests assume: canonical slave, "ls -l\\n" + "ech", canon_datalen 6', () => {
  assert.ok(slave?.ldisc?.buffer);
  assert.equal(new TextDecoder().decode(slave.ldisc.buffer.data), 'ls -l\nech');
  assert.equal(slave.ldisc.canon_datalen.value, 6);
  assert.equal(validate(img).filter((d) => d.severity !== 'info').length, 0);
});

test('canon_datalen 9 with the one line end on the \\n: reported at canon_datalen with both readings', () => {
  const bad = openImage(damaged('canon_datalen', 9));
  const diags = validate(bad);
  const at = diags.filter((d) => d.severity !== 'info');
  assert.deepEqual(at.map((d) => [d.code, d.field, d.offset]), [['LDISC_CANON_DATALEN', 'canon_datalen', slave!.ldisc!.canon_datalen.offset]]);
  assert.match(at[0].message, /read_tail 4093/);
  assert.match(at[0].message, /'h'/);
  assert.match(at[0].message, /would be 6/);
  const reps = repairsFor(bad, diags).filter((r) => r.code === 'LDISC_CANON_DATALEN');
  assert.equal(reps.length, 1);
  assert.equal(reps[0].unambiguous, false);
  assert.deepEqual(reps[0].choices.map((c) => c.newValue), ['6', '9']);
  assert.equal(reps[0].choices[1].writes.length, 0);
  assert.match(reps[0].why ?? '', /likelier/);
});

test('a genuinely wrapped ring (line end on the \\n under the recovered read_tail) stays a LDISC_READ_TAIL warning', () => {
  // read_tail 100: the bit of the \n (payload byte 5) at ring position 105, canon_datalen 6.
  const bytes = SAMPLE.slice();
  const l = slave!.ldisc!;
  const flags = new Uint8Array(l.read_flags.size);
  flags[105 >> 3] |= 1 << (105 & 7);
  bytes.set(flags, l.read_flags.offset);
  const diags = validate(openImage(bytes));
  assert.deepEqual(diags.filter((d) => d.severity !== 'info').map((d) => d.code), ['LDISC_READ_TAIL']);
});

test('fix repairs datalen from its BUFFER in place: the original bytes, exit 0', () => {
  const file = join(dir, 'datalen.ckpt');
  writeFileSync(file, damaged('datalen', 12));
  const r = cli(['fix', file]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /LDISC_BUFFER_LEN at offset \d+: datalen 12 -> 9/);
  assert.deepEqual(new Uint8Array(readFileSync(file)), SAMPLE);
});

test('fix --dry-run prints the plan and writes nothing; -o writes elsewhere', () => {
  const file = join(dir, 'dry.ckpt');
  const bad = damaged('datalen', 5000);
  writeFileSync(file, bad);
  const r = cli(['fix', file, '--dry-run']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /would apply 1 repair/);
  assert.match(r.out, /dry run, nothing written/);
  assert.deepEqual(new Uint8Array(readFileSync(file)), bad);
  const out = join(dir, 'dry-fixed.ckpt');
  assert.equal(cli(['fix', file, '-o', out]).code, 0);
  assert.deepEqual(new Uint8Array(readFileSync(out)), SAMPLE);
  assert.deepEqual(new Uint8Array(readFileSync(file)), bad);
});

test('fix --json: format, the applied repair with its bytes, the result', () => {
  const file = join(dir, 'json.ckpt');
  writeFileSync(file, damaged('datalen', 12));
  const r = cli(['fix', file, '--json', '--dry-run']);
  assert.equal(r.code, 0, r.err);
  const j = validJson<{ format: string; before: unknown; after: unknown; applied: { choices: { field: string; oldValue: string; newValue: string; writes: unknown }[] }[] }>(r.out, 'ckpt-inspect.fix/1');
  assert.equal(j.format, 'ckpt-inspect.fix/1');
  assert.deepEqual(j.before, { errors: 1, warnings: 0 });
  assert.deepEqual(j.after, { errors: 0, warnings: 0 });
  const c = j.applied[0].choices[0];
  assert.equal(c.field, 'datalen');
  assert.deepEqual([c.oldValue, c.newValue], ['12', '9']);
  assert.deepEqual(c.writes, [{ offset: slave!.ldisc!.datalen.offset, old: '0c000000', new: '09000000' }]);
});

test('fix lists the two readings of an ambiguous problem and does not apply either (exit 1)', () => {
  const file = join(dir, 'ambiguous.ckpt');
  const bad = damaged('canon_datalen', 9);
  writeFileSync(file, bad);
  const j = validJson<{ ambiguous: { choices: { newValue: string }[] }[] }>(cli(['fix', file, '--json']).out, 'ckpt-inspect.fix/1');
  assert.deepEqual(j.ambiguous[0]?.choices.map((c) => c.newValue), ['6', '9']);
  const r = cli(['fix', file]);
  assert.equal(r.code, 1);
  assert.match(r.out, /1\) canon_datalen 9 -> 6 .*\(likelier\)/);
  assert.match(r.out, /2\) canon_datalen 9 -> 9 \[no change\]/);
  assert.match(r.out, /nothing written/);
  assert.deepEqual(new Uint8Array(readFileSync(file)), bad);
});

test('fix --only restricts the codes repaired', () => {
  const file = join(dir, 'only.ckpt');
  writeFileSync(file, damaged('datalen', 12));
  const r = cli(['fix', file, '--only', 'HDR_MAGIC,TAIL_MAGIC']);
  assert.equal(r.code, 1);
  assert.match(r.out, /no unambiguous repair/);
  assert.equal(cli(['fix', file, '--only', 'LDISC_BUFFER_LEN']).code, 0);
});

test('fix: usage errors and targets that are not plain files exit 2', () => {
  assert.equal(cli(['fix']).code, 2);
  assert.equal(cli(['fix', join(dir, 'missing.ckpt')]).code, 2);
  assert.equal(cli(['fix', join(ROOT, 'samples/pair.ckpt'), '--bogus']).code, 2);
  const file = join(dir, 'target.ckpt');
  writeFileSync(file, damaged('datalen', 12));
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  assert.equal(cli(['fix', file, '-o', sub]).code, 2);
  assert.ok(statSync(sub).isDirectory());
  assert.equal(cli(['fix', '--help']).code, 0);
});

test('the webview may ask for a repair or Fix All; malformed asks are refused', async () => {
  const { checkFromWebview } = await import('../../src/shared/protocol.js');
  const ask = (name: string, params: unknown) => checkFromWebview({ type: 'request', id: 1, name, params });
  assert.ok(ask('repair', { code: 'LDISC_BUFFER_LEN', offset: 1258, choice: 0 }));
  assert.ok(ask('fixAll', { generation: 3 }));
  assert.equal(ask('repair', { code: 'X'.repeat(65), offset: 1, choice: 0 }), null);
  assert.equal(ask('repair', { code: 'A', offset: 1.5, choice: 0 }), null);
  assert.equal(ask('repair', { code: 'A', offset: 1 }), null);
  assert.equal(ask('fixAll', {}), null);
});
