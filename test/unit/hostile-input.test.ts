// Hostile input through the real CLI (issue #11): every test here fails without its fix.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';
import { errorPair, HDR, recordOffsets, sampleWith } from '../lib/splice.js';

/** Offset of `flags` (__u64) in struct ckpt_hdr_tty, from the format reference §10.2. */
const TTY_FLAGS_AT = 32;

const BIN = join(ROOT, 'bin/ckpt-inspect.js');

function cli(args: string[], opts: { input?: Uint8Array } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input: opts.input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

const dir = mkdtempSync(join(tmpdir(), 'ckpt-hostile-'));

/** Nothing a terminal would act on. */
function assertInert(s: string, what: string) {
  assert.doesNotMatch(s.replace(/\n/g, ''), /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/, what);
}

test('1 terminal escapes: an ERROR record cannot set the title, clear the screen or forge a summary line', () => {
  const evil = '\x1b]0;pwned\x07\x1b[2J\x1b[H\n\n0 error(s), 0 warning(s)\n\u202e\x9b31m';
  const f = join(dir, 'error-text.ckpt');
  writeFileSync(f, sampleWith(...errorPair(evil)));
  for (const args of [[f], ['set', f, 'ttys[0].winsize.ws_col=100', '-o', join(dir, 'out.ckpt')]]) {
    const r = cli(args);
    assert.equal(r.code, 1, r.err);
    assertInert(r.out, `stdout of ${args[0]}`);
    assertInert(r.err, `stderr of ${args[0]}`);
    const all = r.out + r.err;
    assert.match(all, /ERROR_RECORD .*: "\\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[H\\x0a\\x0a0 error\(s\), 0 warning\(s\)\\x0a\\u\{202e\}\\u\{9b\}31m"/);
    assert.doesNotMatch(all, /^0 error\(s\)/m);
  }
  const r = cli([f]);
  assert.match(r.out, /^1 error\(s\), 0 warning\(s\)$/m);
  // --json: exact value, written with JSON escapes only.
  const j = cli(['--json', f]);
  assertInert(j.out, 'json');
  const d = JSON.parse(j.out).diagnostics.find((x: { code: string }) => x.code === 'ERROR_RECORD');
  assert.match(d.message, /\\x1b\]0;pwned/);
});

test('1 terminal escapes: file names from arguments, -o and source.path are escaped on stdout and stderr', () => {
  const name = join(dir, 'a\x1b]0;t\x07\u202eb.ckpt');
  writeFileSync(name, sampleWith());
  const rep = cli([name]);
  assert.equal(rep.code, 0, rep.err);
  assertInert(rep.out, 'report');
  assert.ok(rep.out.includes('a\\x1b]0;t\\x07\\u{202e}b.ckpt: '), rep.out.slice(0, 200));
  const j = cli(['--json', name]);
  assertInert(j.out, 'json');
  assert.equal(JSON.parse(j.out).source.path, name);
  const missing = cli([join(dir, 'no\x1b[2Jsuch\n0 error(s).ckpt')]);
  assert.equal(missing.code, 2);
  assertInert(missing.err, 'missing');
  assert.match(missing.err, /no\\x1b\[2Jsuch\\x0a0 error/);
  const out = join(dir, 'o\x1b[31m\u2066.ckpt');
  const s = cli(['set', name, 'ttys[0].winsize.ws_col=100', '-o', out]);
  assert.equal(s.code, 0, s.err);
  assertInert(s.err, 'set');
  assert.match(s.err, /wrote .*o\\x1b\[31m\\u\{2066\}\.ckpt/);
});

/** tty flags of the sample's TTY records, read from the bytes (u64 little-endian at payload offset 32). */
function ttyFlagsOf(b: Uint8Array): bigint[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return recordOffsets(b)
    .filter((o) => v.getUint32(o, true) === HDR.TTY)
    .map((o) => v.getBigUint64(o + TTY_FLAGS_AT, true));
}

test('2 64-bit flags: set writes exactly the value asked, --json and the report show it exactly, encode keeps it', () => {
  const f = join(dir, 'flags.ckpt');
  writeFileSync(f, sampleWith());
  const all = cli(['set', f, 'ttys[0].flags=0xffffffffffffffff', '--force']);
  assert.equal(all.code, 1, all.err); // every bit: CKPT_TTY_BAD, refused by restart, written with --force
  assert.doesNotMatch(all.err, /internal error/);
  assert.equal(ttyFlagsOf(readFileSync(f))[0], 0xffffffffffffffffn);
  const v = 0x8000000000000a00n | (1n << 52n) | 1n; // bit 63, bit 52 and bit 0 beside the ldisc bits
  const s = cli(['set', f, `ttys[0].flags=${v}`]);
  assert.doesNotMatch(s.err, /internal error/, s.err);
  assert.equal(ttyFlagsOf(readFileSync(f))[0], v);
  const j = cli(['--json', f]);
  assert.equal(JSON.parse(j.out).ttys[0].flags, v.toString());
  assert.match(cli([f]).out, new RegExp(`flags 0x${v.toString(16)} TTY_THROTTLED TTY_LDISC TTY_LDISC_OPEN 0x${(v & ~0xa01n).toString(16)}`));
  // The unedited JSON encodes to the identical bytes; an edited bit lands exactly.
  const doc = JSON.parse(j.out);
  doc.ttys[0].flags = (v | (1n << 62n)).toString();
  const jf = join(dir, 'flags.json');
  writeFileSync(jf, JSON.stringify(doc));
  const e = cli(['encode', jf, '-o', join(dir, 'flags-enc.ckpt')]);
  assert.doesNotMatch(e.err, /internal error/, e.err);
  assert.equal(ttyFlagsOf(readFileSync(join(dir, 'flags-enc.ckpt')))[0], v | (1n << 62n));
});

test('2 64-bit flags: a bit above 2^53 does not hide TTY_CLOSING from the validator, and bit 63 does not invent an error', () => {
  const f = join(dir, 'closing61.ckpt');
  writeFileSync(f, sampleWith());
  const c = cli(['set', f, `ttys[1].flags=${0xa80n | (1n << 61n)}`]);
  assert.equal(c.code, 1);
  assert.match(c.err, /not written: the edit introduces 1 error/);
  assert.match(c.err, /TTY_FLAGS_BAD/);
  const h = cli(['set', f, `ttys[1].flags=${0xa00n | (1n << 63n)}`]);
  assert.equal(h.code, 0, h.err);
  assert.doesNotMatch(cli([f]).out, /TTY_LDISC_FLAGS/);
});

test('3 --force gate: a second error of a code the image has is new; an old error moved by the edit is not', () => {
  const f = join(dir, 'force.ckpt');
  writeFileSync(f, sampleWith());
  assert.equal(cli(['set', f, 'ttys[1].flags.TTY_CLOSING=1', '--force']).code, 1);
  const before = readFileSync(f);
  // The slave's TTY_FLAGS_BAD moves with its record when the master's pending input shrinks: not new.
  const moved = cli(['set', f, 'ttys[0].ldisc.data=hello\\n']);
  assert.match(moved.err, /wrote /, moved.err);
  assert.equal(moved.code, 1);
  // The same code on the other tty is a new error: refused, file unchanged.
  const second = join(dir, 'force2.ckpt');
  writeFileSync(second, before);
  const r = cli(['set', second, 'ttys[0].flags.TTY_CLOSING=1']);
  assert.equal(r.code, 1);
  assert.match(r.err, /not written: the edit introduces 1 error\(s\)/);
  assert.deepEqual(readFileSync(second), before);
  assert.match(cli(['set', second, 'ttys[0].flags.TTY_CLOSING=1', '--force']).err, /wrote /);
});
