// The one escaping function for outside text on its way to a terminal (src/shared/escape.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeBytes, escapeBytesCut, escapeText, escapeTextCut, jsonForTerminal } from '../../src/shared/escape.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Nothing a terminal acts on: no C0, DEL, C1, bidi control, separator or lone surrogate. */
function assertInert(s: string, what: string) {
  assert.doesNotMatch(s, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/, what);
  assert.doesNotMatch(s, /[\ud800-\udfff]/u, what);
}

test('printable text, non-ASCII letters and emoji are unchanged', () => {
  for (const s of ['plain name.ckpt', 'a\\b "quoted" 100%', 'Grüße, Ελληνικά, 日本語, עברית, 😀👍🏽', '']) {
    assert.equal(escapeText(s), s);
    assert.equal(escapeBytes(enc(s)), s);
  }
});

test('C0 controls, DEL and ESC sequences are shown as \\xNN', () => {
  const title = '\x1b]0;pwned\x07';
  const clear = '\x1b[2J\x1b[H';
  assert.equal(escapeText(`${title}${clear}x`), '\\x1b]0;pwned\\x07\\x1b[2J\\x1b[Hx');
  assert.equal(escapeText('a\nb\rc\td\x00e\x7f'), 'a\\x0ab\\x0dc\\x09d\\x00e\\x7f');
  assert.equal(escapeBytes(enc('\n0 error(s), 0 warning(s)')), '\\x0a0 error(s), 0 warning(s)');
  for (let c = 0; c < 0x20; c++) assert.equal(escapeText(String.fromCharCode(c)), `\\x${c.toString(16).padStart(2, '0')}`);
});

test('C1 controls (as characters and as their UTF-8) are shown as \\u{NN}', () => {
  assert.equal(escapeText('\u009b2J'), '\\u{9b}2J'); // CSI
  assert.equal(escapeText('\u0085'), '\\u{85}'); // NEL
  assert.equal(escapeBytes(Uint8Array.of(0xc2, 0x9b, 0x32, 0x4a)), '\\u{9b}2J');
});

test('bidirectional controls are shown, not obeyed', () => {
  const all = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  for (const cp of all) {
    const s = `a${String.fromCodePoint(cp)}b`;
    assert.equal(escapeText(s), `a\\u{${cp.toString(16)}}b`);
    assert.equal(escapeBytes(enc(s)), `a\\u{${cp.toString(16)}}b`);
  }
  assert.equal(escapeText('report\u202Efdp.ckpt'), 'report\\u{202e}fdp.ckpt');
  assert.equal(escapeText('x\u2028y'), 'x\\u{2028}y');
});

test('lone surrogates in strings and invalid UTF-8 bytes are shown, not replaced', () => {
  assert.equal(escapeText('a\ud800b'), 'a\\u{d800}b');
  assert.equal(escapeText('a\udfffb\ud83d'), 'a\\u{dfff}b\\u{d83d}');
  assert.equal(escapeText('\ud83d\ude00'), '😀'); // a pair is a character
  const cases: [number[], string][] = [
    [[0xff], '\\xff'],
    [[0xc0, 0xaf], '\\xc0\\xaf'], // overlong '/'
    [[0xe0, 0x80, 0xaf], '\\xe0\\x80\\xaf'], // overlong
    [[0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'], // UTF-8 of a surrogate
    [[0xf4, 0x90, 0x80, 0x80], '\\xf4\\x90\\x80\\x80'], // above U+10FFFF
    [[0xe2, 0x82], '\\xe2\\x82'], // truncated
    [[0x41, 0x80, 0x42], 'A\\x80B'], // stray continuation
    [[0xf0, 0x9f, 0x98, 0x80], '😀'],
  ];
  for (const [b, want] of cases) assert.equal(escapeBytes(Uint8Array.from(b)), want, b.join(','));
});

test('escaping is idempotent and the output is inert for every byte and many code points', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const once = escapeBytes(all);
  assertInert(once, 'all bytes');
  assert.equal(escapeText(once), once);
  for (let cp = 0; cp < 0x3000; cp++) {
    const e = escapeText(String.fromCharCode(cp));
    assertInert(e, cp.toString(16));
    assert.equal(escapeText(e), e);
  }
});

test('cut variants: at most N bytes of the input, whole characters, and how much was left out', () => {
  assert.equal(escapeTextCut('short', 40), 'short');
  assert.equal(escapeTextCut('a'.repeat(50), 40), `${'a'.repeat(40)}…(10 more bytes)`);
  assert.equal(escapeTextCut('a'.repeat(41), 40), `${'a'.repeat(40)}…(1 more byte)`);
  // 39 ASCII + a 4-byte emoji: the emoji does not fit and is not split.
  assert.equal(escapeTextCut(`${'a'.repeat(39)}😀`, 40), `${'a'.repeat(39)}…(4 more bytes)`);
  assert.equal(escapeTextCut('\x1b[2J'.repeat(20), 8), '\\x1b[2J\\x1b[2J…(72 more bytes)');
  const b = enc(`${'b'.repeat(38)}€x`); // € is 3 bytes at 38..40
  assert.equal(escapeBytesCut(b, 40), `${'b'.repeat(38)}…(4 more bytes)`);
  assert.equal(escapeBytesCut(new Uint8Array(100).fill(0xff), 4), '\\xff\\xff\\xff\\xff…(96 more bytes)');
  assert.equal(escapeBytesCut(enc('abc'), 40), 'abc');
});

test('jsonForTerminal keeps the value exact and leaves nothing a terminal obeys', () => {
  const v = { path: '/tmp/a\u202Eb\u0085c\x7f\x1b]0;t\x07\ud800😀é', n: 1 };
  const j = jsonForTerminal(JSON.stringify(v));
  assertInert(j, 'json');
  assert.deepEqual(JSON.parse(j), v);
  assert.match(j, /\\u202e/);
});
