// Copy As (src/editor/copy-as.ts), checked by the languages that read the text back: gcc compiles
// the C array and prints it, python3 evaluates the bytes literal, node's Buffer decodes hex and base64.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyAs, isCopyFormat } from '../../src/editor/copy-as.js';

const all = Uint8Array.from({ length: 256 }, (_, i) => i);

test('hex and base64 decode to the bytes', () => {
  assert.deepEqual(new Uint8Array(Buffer.from(copyAs(all, 'hex'), 'hex')), all);
  assert.deepEqual(new Uint8Array(Buffer.from(copyAs(all, 'base64'), 'base64')), all);
});

test('the Python literal evaluates to the bytes (python3)', () => {
  const out = execFileSync('python3', ['-c', `import sys; sys.stdout.write(${copyAs(all, 'python')}.hex())`], { encoding: 'utf8' });
  assert.equal(out, Buffer.from(all).toString('hex'));
});

test('the C array compiles and holds the bytes (gcc), its name made an identifier', () => {
  const d = mkdtempSync(join(tmpdir(), 'ckpt-copy-'));
  try {
    const arr = copyAs(all, 'c', 'ttys[1].termios');
    assert.match(arr, /^unsigned char ttys_1__termios\[256\] = \{/);
    writeFileSync(join(d, 'a.c'), `#include <stdio.h>\n${arr}\nint main(void){for(unsigned i=0;i<sizeof ttys_1__termios;i++)printf("%02x",ttys_1__termios[i]);return 0;}\n`);
    execFileSync('gcc', ['-Wall', '-Werror', '-o', join(d, 'a'), join(d, 'a.c')]);
    assert.equal(execFileSync(join(d, 'a'), { encoding: 'utf8' }), Buffer.from(all).toString('hex'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('formats by name only', () => {
  assert.ok(isCopyFormat('c'));
  assert.ok(!isCopyFormat('constructor'));
  assert.ok(!isCopyFormat(3));
});
