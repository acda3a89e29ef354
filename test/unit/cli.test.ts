// The ckpt-inspect CLI as a user runs it: the built bin, real files, exit codes, atomic writes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';
import { validJson } from '../lib/schemas.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const SAMPLE = join(ROOT, 'samples/pair.ckpt');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

const dir = mkdtempSync(join(tmpdir(), 'ckpt-cli-'));

test('report on the shipped sample: pty index, decoded flags, line and partial line, exit 0', () => {
  const r = cli([SAMPLE]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /slave \/dev\/pts\/3/);
  assert.match(r.out, /c_lflag 0105073: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN/);
  assert.match(r.out, /line {4}"ls -l\\n"/);
  assert.match(r.out, /partial "ech"/);
  assert.match(r.out, /TTY slave \/dev\/pts\/3 #5 --link_objref--> TTY master \/dev\/pts\/3 #3/);
});

test('--json has the documented keys and agrees with the sample', () => {
  const r = cli(['--json', SAMPLE]);
  assert.equal(r.code, 0);
  const j = validJson(r.out, 'ckpt-inspect.report/1');
  for (const k of ['size', 'endian', 'records', 'ttys', 'files', 'fds', 'graph', 'diagnostics']) assert.ok(k in j, k);
  assert.equal(j.size, statSync(SAMPLE).size);
  assert.deepEqual(Object.keys(j.records[0]), ['offset', 'type', 'typeName', 'len']);
  assert.deepEqual(Object.keys(j.ttys[0]).sort(), ['fileObjref', 'flags', 'index', 'ldisc', 'linkObjref', 'objref', 'role', 'termios', 'winsize'].sort());
  assert.equal(j.ttys[1].ldisc?.data, Buffer.from('ls -l\nech').toString('hex'));
  assert.ok(j.graph.nodes.length > 0 && j.graph.edges.length > 0);
  for (const d of j.diagnostics) assert.deepEqual(Object.keys(d).slice(0, 6), ['severity', 'code', 'message', 'offset', 'length', 'field']);
});

test('a damaged image: exit 1, diagnostic with offset and field, no stack trace', () => {
  const bad = join(dir, 'bad.ckpt');
  const b = readFileSync(SAMPLE);
  b[8] ^= 0xff; // header magic
  writeFileSync(bad, b);
  const r = cli([bad]);
  assert.equal(r.code, 1);
  assert.match(r.out, /error {3}HDR_MAGIC at offset 8 \(0x8\), field magic/);
  assert.doesNotMatch(r.err + r.out, /\bat .*\.(js|ts):\d+/);
});

test('garbage, empty and truncated files never give a stack trace', () => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['junk', Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)],
    ['cut', new Uint8Array(readFileSync(SAMPLE)).subarray(0, 1000)],
    ['huge-len', Uint8Array.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(64)])],
  ];
  for (const [name, bytes] of cases) {
    const f = join(dir, `${name}.ckpt`);
    writeFileSync(f, bytes);
    for (const args of [[f], ['--json', f]]) {
      const r = cli(args);
      assert.equal(r.code, 1, `${name}: ${r.err}`);
      if (args[0] === '--json') validJson(r.out);
      assert.equal(r.err, '', name);
      assert.doesNotMatch(r.out, /internal error|\bat .*\.(js|ts):\d+/, name);
    }
  }
});

test('usage errors exit 2 with a message', () => {
  assert.equal(cli([]).code, 2);
  const r = cli([join(dir, 'nonexistent.ckpt')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no such file/);
  assert.equal(cli(['--bogus', SAMPLE]).code, 2);
  assert.equal(cli(['set', SAMPLE, 'ttys[9].index=1']).code, 2);
});

test('set edits in place atomically, keeps the mode, and the result re-parses to the new values', () => {
  const f = join(dir, 'set.ckpt');
  copyFileSync(SAMPLE, f);
  chmodSync(f, 0o640);
  const r = cli(['set', f, 'ttys[1].termios.c_lflag.ECHO=0', 'ttys[0].winsize.ws_col=132', 'ttys[1].ldisc.data=ls\\n']);
  assert.equal(r.code, 0, r.err);
  assert.equal(statSync(f).mode & 0o777, 0o640);
  const j = validJson(cli(['--json', f]).out);
  assert.equal(j.ttys[1].termios.c_lflag & 0o10, 0);
  assert.equal(j.ttys[0].winsize.ws_col, 132);
  assert.equal(j.ttys[1].ldisc?.data, '6c730a');
  assert.equal(j.ttys[1].ldisc?.canon_data, 1);
  assert.equal(j.ttys[1].ldisc?.canon_datalen, 3);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});

test('set refuses an edit that introduces errors unless --force; -o writes elsewhere', () => {
  const f = join(dir, 'force.ckpt');
  copyFileSync(SAMPLE, f);
  const before = readFileSync(f);
  const r = cli(['set', f, 'ttys[1].ldisc.datalen=5000']);
  assert.equal(r.code, 1);
  assert.match(r.err, /LDISC_DATALEN/);
  assert.ok(readFileSync(f).equals(before));
  const out = join(dir, 'forced.ckpt');
  const r2 = cli(['set', f, 'ttys[1].ldisc.datalen=5000', '--force', '-o', out]);
  assert.equal(r2.code, 1);
  assert.ok(readFileSync(f).equals(before));
  assert.equal(validJson(cli(['--json', out]).out).ttys[1].ldisc?.datalen, 5000);
});

test('a save killed after the temporary file is written leaves the original unchanged', () => {
  const f = join(dir, 'kill.ckpt');
  copyFileSync(SAMPLE, f);
  const before = readFileSync(f);
  const r = cli(['set', f, 'ttys[0].winsize.ws_col=99'], { CKPT_INSPECT_FAULT: 'kill-after-temp' });
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(readFileSync(f).equals(before), 'original changed');
  // The killed process could not clean up: its complete temporary file is left beside the original.
  const tmp = readdirSync(dir).filter((n) => n.startsWith('.kill.ckpt.') && n.endsWith('.tmp'));
  assert.equal(tmp.length, 1);
  assert.equal(validJson(cli(['--json', join(dir, tmp[0])]).out).ttys[0].winsize.ws_col, 99);
});

test('encode turns edited --json back into an image; unedited JSON gives identical bytes', () => {
  const jf = join(dir, 'sample.json');
  writeFileSync(jf, cli(['--json', SAMPLE]).out);
  const same = join(dir, 'same.ckpt');
  assert.equal(cli(['encode', jf, '-o', same]).code, 0);
  assert.ok(readFileSync(same).equals(readFileSync(SAMPLE)));
  const j = JSON.parse(readFileSync(jf, 'utf8'));
  j.ttys[1].winsize.ws_row = 50;
  j.ttys[1].termios.c_cc[0] = 7;
  j.ttys[1].ldisc.data = Buffer.from('whoami\n').toString('hex');
  writeFileSync(jf, JSON.stringify(j));
  const out = join(dir, 'encoded.ckpt');
  const r = cli(['encode', jf, '-o', out]);
  assert.equal(r.code, 0, r.err);
  const k = validJson(cli(['--json', out]).out);
  assert.equal(k.ttys[1].winsize.ws_row, 50);
  assert.equal(k.ttys[1].termios.c_cc[0], 7);
  assert.equal(k.ttys[1].ldisc?.data, Buffer.from('whoami\n').toString('hex'));
  assert.equal(k.ttys[1].ldisc?.canon_datalen, 7);
});
