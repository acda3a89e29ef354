// Progress on stderr only when stderr is a terminal and the work takes long enough, and binary
// output refused to a terminal: run on a real pty (python3's pty module), never a mock.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const SAMPLE = join(ROOT, 'samples/pair.ckpt');
const PTY = join(ROOT, 'test/lib/on-pty.py');
const dir = mkdtempSync(join(tmpdir(), 'ckpt-progress-'));

function onPty(which: 'stdout' | 'stderr', args: string[], env: NodeJS.ProcessEnv = {}): { tty: string; code: number } {
  const r = spawnSync('/usr/bin/python3', [PTY, which, process.execPath, BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { tty: string; code: number };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

test('progress is drawn on a terminal stderr once the work passes the threshold, and cleared at the end', () => {
  for (const args of [[SAMPLE], ['--json', SAMPLE]]) {
    const r = onPty('stderr', args, { CKPT_INSPECT_PROGRESS_AFTER_MS: '0' });
    assert.equal(r.code, 0);
    assert.match(r.tty, /^\r\x1b\[Kckpt-inspect: \S*pair\.ckpt: reading/);
    assert.ok(r.tty.endsWith('\r\x1b[K'), JSON.stringify(r.tty));
  }
});

test('no progress for quick work (under a second), nor on a stderr that is not a terminal', () => {
  const quick = onPty('stderr', ['--json', SAMPLE]);
  assert.equal(quick.code, 0);
  assert.equal(quick.tty, '');
  const piped = spawnSync(process.execPath, [BIN, '--json', SAMPLE], { encoding: 'utf8', env: { ...process.env, CKPT_INSPECT_PROGRESS_AFTER_MS: '0' } });
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');
});

test('a binary image is never written to a terminal: encode without -o, and -o -', () => {
  const json = join(dir, 'r.json');
  const j = spawnSync(process.execPath, [BIN, '--json', SAMPLE], { encoding: 'utf8' });
  writeFileSync(json, j.stdout);
  for (const args of [['encode', json], ['encode', json, '-o', '-'], ['set', SAMPLE, 'ttys[0].winsize.ws_col=99', '-o', '-']]) {
    const r = onPty('stdout', args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.tty, '', args.join(' '));
  }
});
