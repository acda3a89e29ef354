// ckpt-inspect diff A B: the expected differences come from the edit requested with `set` (its
// values from the C generator's .json and termios.h), from a plain byte comparison of the files and
// from the generator's .json of two different images, never from the diff code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedCasesDir, GOLDEN, ROOT, type CaseJson } from '../lib/images.js';
import { validJson } from '../lib/schemas.js';
import { alignKeys, type ImageDiff } from '../../src/parser/diff.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const dir = mkdtempSync(join(tmpdir(), 'ckpt-diff-'));
const ECHO = 0o10; // termios.h

function cli(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...(input ? { input } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function caseFile(name: string): { ckpt: string; json: CaseJson } {
  const d = generatedCasesDir();
  assert.ok(d, 'ckpt-gen cases');
  return { ckpt: join(d, `${name}.ckpt`), json: JSON.parse(readFileSync(join(d, `${name}.json`), 'utf8')) as CaseJson };
}

function diff(a: string, b: string): { code: number | null; d: ImageDiff; text: string } {
  const j = cli(['diff', '--json', a, b]);
  assert.ok(j.code === 0 || j.code === 1, j.err);
  const t = cli(['diff', a, b]);
  assert.equal(t.code, j.code);
  return { code: j.code, d: validJson<ImageDiff>(j.out, 'ckpt-inspect.diff/1'), text: t.out };
}

/** Offsets at which two equal-length files differ. */
function differingBytes(a: string, b: string): number[] {
  const x = readFileSync(a);
  const y = readFileSync(b);
  assert.equal(x.length, y.length);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}

type Tty = CaseJson['ttys'][number] & { role: string; termios: { c_lflag: number }; winsize: { ws_col: number } };

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

test('an image against a copy edited with set: exactly the fields the edit changed, at the bytes that differ', () => {
  const { ckpt, json } = caseFile('ok-pair-i386');
  const ttys = json.ttys as Tty[];
  const slave = ttys.findIndex((t) => t.role === 'slave');
  const master = ttys.findIndex((t) => t.role === 'master');
  const out = join(dir, 'edited.ckpt');
  assert.equal(cli(['set', ckpt, `ttys[${slave}].termios.c_lflag.ECHO=0`, `ttys[${master}].winsize.ws_col=132`, '-o', out]).code, 0);
  const { code, d, text } = diff(ckpt, out);
  assert.equal(code, 1);
  assert.equal(d.equal, false);
  const fields = d.records.flatMap((r) => r.fields.map((f) => ({ ...f, change: r.change, type: r.type })));
  assert.deepEqual(
    fields.map((f) => [f.change, f.type, f.field, f.a, f.b]).sort(),
    [
      ['changed', 'TTY', 'c_lflag', (ttys[slave] as Tty).termios.c_lflag, (ttys[slave] as Tty).termios.c_lflag & ~ECHO],
      ['changed', 'TTY', 'ws_col', (ttys[master] as Tty).winsize.ws_col, 132],
    ].sort(),
  );
  // Little-endian and both values below 256 apart in the low byte: each field starts at the byte that differs.
  assert.deepEqual(fields.map((f) => f.offsetA).sort((x, y) => x - y), differingBytes(ckpt, out));
  for (const f of fields) assert.equal(f.offsetA, f.offsetB);
  assert.equal(d.firstDifference, differingBytes(ckpt, out)[0]);
  // The TTY records are the ones the generator placed.
  const offs = d.records.map((r) => r.a?.offset).sort((x, y) => (x ?? 0) - (y ?? 0));
  assert.deepEqual(offs, [json.recordOffsets?.masterTty, json.recordOffsets?.slaveTty].sort((x, y) => (x ?? 0) - (y ?? 0)));
  // Pairs by pts index.
  assert.equal(d.pairs.length, 1);
  assert.equal(d.pairs[0]?.index, (ttys[slave] as Tty & { index: number }).index);
  assert.deepEqual(d.pairs[0]?.fields.map((f) => `${f.role} ${f.field}`).sort(), ['master winsize.ws_col', 'slave termios.c_lflag']);
  assert.match(text, /c_lflag: \d+ -> \d+ {2}\(@\d+\)/);
  assert.match(text, /2 record\(s\) changed, 0 inserted, 0 removed/);
});

test('identical images: exit 0; one side from stdin', () => {
  const { ckpt } = caseFile('ok-pair-i386');
  const r = diff(ckpt, ckpt);
  assert.equal(r.code, 0);
  assert.equal(r.d.equal, true);
  assert.deepEqual(r.d.records, []);
  assert.match(r.text, /^identical$/m);
  const s = cli(['diff', '--json', ckpt, '-'], new Uint8Array(readFileSync(ckpt)));
  assert.equal(s.code, 0, s.err);
  assert.equal(validJson<ImageDiff & { sources: { b: string | null } }>(s.out).sources.b, null);
});

test('a removed BUFFER record (pending input emptied) and the same one inserted the other way round', () => {
  const { ckpt, json } = caseFile('ok-pair-i386');
  const ttys = json.ttys as Tty[];
  const slave = ttys.findIndex((t) => t.role === 'slave');
  const out = join(dir, 'nobuf.ckpt');
  assert.equal(cli(['set', ckpt, `ttys[${slave}].ldisc.data=`, '-o', out, '--force']).code === 2, false);
  // Where the BUFFER was: the record after the slave's LDISC, from the report of A (the model, not the diff).
  const rep = validJson(cli(['--json', ckpt]).out);
  const ldiscAt = rep.records.findIndex((r, i) => i > 0 && r.typeName === 'TTY_LDISC' && (rep.records[i - 1]?.offset ?? 0) >= (json.recordOffsets?.slaveTty ?? 0));
  const buf = rep.records[ldiscAt + 1];
  assert.equal(buf?.typeName, 'BUFFER');
  const removed = diff(ckpt, out);
  assert.equal(removed.code, 1);
  const rm = removed.d.records.filter((r) => r.change !== 'changed');
  assert.deepEqual(rm.map((r) => [r.change, r.type, r.a?.offset, r.a?.record, r.b]), [['removed', 'BUFFER', buf?.offset, ldiscAt + 1, null]]);
  const ch = removed.d.records.find((r) => r.change === 'changed');
  assert.ok(ch?.fields.some((f) => f.field === 'datalen' && f.b === 0 && f.a === Buffer.from((ttys[slave] as Tty & { ldisc: { data: string } }).ldisc.data, 'hex').length));
  const inserted = diff(out, ckpt);
  const ins = inserted.d.records.filter((r) => r.change !== 'changed');
  assert.deepEqual(ins.map((r) => [r.change, r.type, r.b?.offset, r.a]), [['inserted', 'BUFFER', buf?.offset, null]]);
  assert.match(removed.text, /^removed {2}BUFFER {2}A #\d+ @\d+ {2}B -$/m);
});

test('big-endian images: the field at its offset, the differing byte being its low-order (last) byte', () => {
  for (const name of ['ok-s390x', 'ok-ppc32']) {
    const { ckpt, json } = caseFile(name);
    assert.equal(json.endian, 'be');
    const ttys = json.ttys as Tty[];
    const out = join(dir, `${name}-edit.ckpt`);
    assert.equal(cli(['set', ckpt, 'ttys[0].winsize.ws_col=200', '-o', out]).code, 0);
    const { d } = diff(ckpt, out);
    assert.equal(d.a.endian, 'be');
    const f = d.records.flatMap((r) => r.fields);
    assert.deepEqual(f.map((x) => [x.field, x.a, x.b]), [['ws_col', (ttys[0] as Tty).winsize.ws_col, 200]]);
    // ws_col is 16 bits: 80 -> 200 changes only its second byte in big-endian order.
    assert.deepEqual(differingBytes(ckpt, out), [(f[0]?.offsetA ?? 0) + 1]);
  }
});

test('two different golden images: the pty pair differences are those of their .json files', () => {
  const a = caseFile('ok-pair-i386');
  const b = caseFile('ok-raw-locked-packet');
  // The generator's two cases are byte-identical to the golden images of the same name.
  if (existsSync(GOLDEN)) {
    for (const n of ['ok-pair-i386', 'ok-raw-locked-packet']) assert.ok(readFileSync(join(GOLDEN, `${n}.ckpt`)).equals(readFileSync(caseFile(n).ckpt)), n);
  }
  const flat = (prefix: string, v: unknown, m: Map<string, string>) => {
    if (Array.isArray(v)) v.forEach((x, k) => flat(`${prefix}[${k}]`, x, m));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) flat(prefix ? `${prefix}.${k}` : k, x, m);
    else m.set(prefix, String(v));
  };
  const byIndex = (j: CaseJson) => {
    const m = new Map<string, string>();
    for (const t of j.ttys as (Tty & { index: number })[]) {
      const { objref: _o, role, index, ...rest } = t;
      flat(`${index} ${role}`, rest, m);
    }
    return m;
  };
  const ma = byIndex(a.json);
  const mb = byIndex(b.json);
  const want = [...new Set([...ma.keys(), ...mb.keys()])].filter((k) => ma.get(k) !== mb.get(k)).sort();
  assert.ok(want.length > 3, 'the two images differ in their pty pairs');
  const { code, d } = diff(a.ckpt, b.ckpt);
  assert.equal(code, 1);
  const got = d.pairs.flatMap((p) => p.fields.map((f) => `${p.index} ${f.role}.${f.field}`)).sort();
  assert.deepEqual(got, want.map((k) => k.replace(/^(\d+) (\w+)\./, '$1 $2.')).sort());
});

test('usage: two images, exit 2 with the file named when one is unreadable', () => {
  const { ckpt } = caseFile('ok-pair-i386');
  const r = cli(['diff', ckpt]);
  assert.equal(r.code, 2);
  assert.match(r.err, /diff takes two images/);
  assert.match(r.err, /Try 'ckpt-inspect diff --help'/);
  const m = cli(['diff', ckpt, join(dir, 'missing.ckpt')]);
  assert.equal(m.code, 2);
  assert.match(m.err, /missing\.ckpt: cannot read: no such file/);
  assert.equal(cli(['diff', '--help']).code, 0);
});

test('record alignment: a valid and shortest edit script (checked against an LCS table) on random key sequences', () => {
  let seed = 12;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let t = 0; t < 2000; t++) {
    const a = Array.from({ length: Math.floor(rnd() * 14) }, () => 'abc'[Math.floor(rnd() * 3)] as string);
    const b = Array.from({ length: Math.floor(rnd() * 14) }, () => 'abc'[Math.floor(rnd() * 3)] as string);
    const ops = alignKeys(a, b);
    assert.ok(ops);
    let i = 0;
    let j = 0;
    let edits = 0;
    for (const o of ops) {
      if (o.kind === 'same') {
        assert.deepEqual([o.i, o.j, a[o.i]], [i, j, b[o.j]]);
        i++;
        j++;
      } else if (o.kind === 'removed') {
        assert.equal(o.i, i++);
        edits++;
      } else {
        assert.equal(o.j, j++);
        edits++;
      }
    }
    assert.deepEqual([i, j], [a.length, b.length]);
    const L = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let x = a.length - 1; x >= 0; x--) for (let y = b.length - 1; y >= 0; y--) (L[x] as number[])[y] = a[x] === b[y] ? ((L[x + 1] as number[])[y + 1] as number) + 1 : Math.max((L[x + 1] as number[])[y] as number, (L[x] as number[])[y + 1] as number);
    assert.equal(edits, a.length + b.length - 2 * ((L[0] as number[])[0] as number), `${a.join('')} / ${b.join('')}`);
  }
  assert.equal(alignKeys(['a', 'b'], ['c', 'd'], 1), null);
});
