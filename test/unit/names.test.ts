// The one table of names (src/parser/names.ts): termios flag masks against the C library's
// <termios.h> (compiled here with gcc, as restart's x86 termbits), the c_cc order, and the
// conversions the views and edits use (caret notation, C escapes, hex) both ways.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CC_NAMES, caret, escapeBytes, fromHex, parseCaret, TERMIOS_FLAGS, termiosFlagNames, toHex, ttyFlagNames, unescapeBytes } from '../../src/parser/names.js';

/** name -> value of every termios constant the table names, from the C headers. */
function cTermios(names: string[]): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-names-'));
  try {
    const src = join(dir, 'names.c');
    const lines = names.map((n) => `#ifdef ${n}\n  printf("${n} %lu\\n", (unsigned long)${n});\n#endif`);
    writeFileSync(src, `#define _GNU_SOURCE\n#include <stdio.h>\n#include <termios.h>\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`);
    execFileSync('gcc', ['-o', join(dir, 'names'), src]);
    const out = execFileSync(join(dir, 'names'), { encoding: 'utf8' });
    return new Map(out.trim().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every termios flag and multi-bit field has the mask (and value names) of <termios.h>', () => {
  const names: string[] = [];
  for (const list of Object.values(TERMIOS_FLAGS)) {
    for (const b of list) {
      names.push(b.name);
      for (const v of Object.values(b.values ?? {})) names.push(v);
    }
  }
  const c = cTermios(names);
  let checked = 0;
  for (const list of Object.values(TERMIOS_FLAGS)) {
    for (const b of list) {
      assert.equal(b.mask, c.get(b.name), b.name);
      checked++;
      for (const [value, name] of Object.entries(b.values ?? {})) {
        if (!c.has(name)) continue; // a name glibc does not define (BOTHER)
        assert.equal(Number(value), c.get(name), name);
        checked++;
      }
    }
  }
  assert.ok(checked >= 70, `${checked} constants checked`);
});

test('c_cc names are in the kernel order of a v18 image (VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC)', () => {
  const c = cTermios([...CC_NAMES]);
  CC_NAMES.forEach((n, i) => assert.equal(c.get(n), i, n));
});

test('flag names: set bits by name, multi-bit fields by value name, the rest in octal', () => {
  assert.deepEqual(termiosFlagNames('c_lflag', 0o105073), ['ISIG', 'ICANON', 'ECHO', 'ECHOE', 'ECHOK', 'ECHOCTL', 'ECHOKE', 'IEXTEN']);
  assert.deepEqual(termiosFlagNames('c_cflag', 0o277), ['B38400', 'CS8', 'CREAD']);
  assert.deepEqual(termiosFlagNames('c_oflag', 0o5 | 0o3000), ['OPOST', 'ONLCR', 'CR3']);
  assert.deepEqual(termiosFlagNames('c_iflag', 0o400 | 0o200000), ['ICRNL', '0200000']);
  assert.deepEqual(ttyFlagNames(0n), []);
  assert.deepEqual(ttyFlagNames(1n << 40n), ['0x10000000000'], 'bits 2.6.31 does not name, in hex');
});

test('caret notation as stty writes it, and back for every byte', () => {
  assert.equal(caret(3), '^C');
  assert.equal(caret(0x7f), '^?');
  assert.equal(caret(0), '<undef>');
  assert.equal(caret(0x83), 'M-^C');
  assert.equal(parseCaret('^c'), 3);
  assert.equal(parseCaret('DEL'), 0x7f);
  assert.equal(parseCaret('0x1c'), 0x1c);
  assert.equal(parseCaret('034'), 0o34);
  assert.equal(parseCaret('256'), undefined);
  assert.equal(parseCaret('ab'), undefined);
  // Digits are numbers when typed (`0` is <undef>, `7` is BEL): every other byte comes back.
  for (let c = 0; c < 0x80; c++) if (c < 0x30 || c > 0x39) assert.equal(parseCaret(caret(c)), c, `byte ${c}`);
});

test('C escapes: every byte value round-trips; bad escapes are refused, not guessed', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(unescapeBytes(escapeBytes(all)), all);
  assert.equal(escapeBytes(new TextEncoder().encode('a\n"\\\x1b')), 'a\\n\\"\\\\\\x1b');
  assert.deepEqual(unescapeBytes('é'), new TextEncoder().encode('é'), 'text is its UTF-8');
  for (const bad of ['\\', '\\q', '\\x4', '\ud800']) assert.throws(() => unescapeBytes(bad), RangeError, JSON.stringify(bad));
});

test('hex both ways; odd length and non-hex refused', () => {
  const b = Uint8Array.from([0, 15, 16, 255]);
  assert.equal(toHex(b), '000f10ff');
  assert.deepEqual(fromHex('000F10ff'), b);
  assert.throws(() => fromHex('abc'));
  assert.throws(() => fromHex('zz'));
});
