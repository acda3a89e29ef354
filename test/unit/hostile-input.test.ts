// Hostile input through the real CLI (issue #11): every test here fails without its fix.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';
import { errorPair, sampleWith } from '../lib/splice.js';

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
