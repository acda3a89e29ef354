// Text from outside (image bytes, file names, JSON values, remote output) on its way to a terminal
// or a one-line UI label. Terminals obey control characters and escape sequences (clear the screen,
// set the window title, move the cursor and overwrite a line), and bidirectional controls reorder
// what is shown around them, so a hostile string could forge any output. Everything such a string
// could use is shown as a visible escape instead; printable text, including non-ASCII letters and
// emoji, is left as it is.
//
// - bytes below 0x20 and DEL, and bytes that are not valid UTF-8: `\xNN`
// - C1 controls (U+0080-U+009F), bidi controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069),
//   line and paragraph separators (U+2028/9) and lone surrogates: `\u{NNNN}`
//
// The result holds no character that needs escaping, so escaping twice changes nothing; a backslash
// is printable and left alone. Pure (no node or vscode imports): the CLI, the remote transport, the
// extension host and the webview share it.

/** Code points other than C0/DEL that are shown escaped. */
function isHidden(cp: number): boolean {
  return (
    (cp >= 0x80 && cp <= 0x9f) ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

const HEX2 = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
const CP = (cp: number) => `\\u{${cp.toString(16)}}`;

// Fast path: most names and messages hold nothing to escape. Lone surrogates are tested separately
// (a regex with the `u` flag sees a pair as one code point, so [\ud800-\udfff] matches only lone ones).
const NEEDS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u;

/** A JS string, escaped for a terminal. */
export function escapeText(s: string): string {
  if (!NEEDS.test(s)) return s;
  let out = '';
  for (const ch of s) {
    // for..of yields whole code points; a lone surrogate comes out as a one-unit string.
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x20 || cp === 0x7f) out += HEX2(cp);
    else if (isHidden(cp)) out += CP(cp);
    else out += ch;
  }
  return out;
}

/**
 * Bytes (UTF-8 expected, not trusted), escaped for a terminal: valid UTF-8 is decoded and treated
 * as escapeText does; every byte that is not part of a valid, shortest-form sequence of a scalar
 * value is shown as `\xNN`, so no byte is lost or replaced by U+FFFD.
 */
export function escapeBytes(b: Uint8Array, start = 0, end = b.length): string {
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      out += c < 0x20 || c === 0x7f ? HEX2(c) : String.fromCharCode(c);
      i++;
      continue;
    }
    const n = utf8SeqLen(b, i, end);
    if (n === 0) {
      out += HEX2(c);
      i++;
      continue;
    }
    const cp = decodeAt(b, i, n);
    out += isHidden(cp) ? CP(cp) : String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

/** Length of the valid UTF-8 sequence at b[i] (2-4), or 0 if it is not one (RFC 3629 table). */
function utf8SeqLen(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < end && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // not a surrogate
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function decodeAt(b: Uint8Array, i: number, n: number): number {
  if (n === 2) return ((b[i] & 0x1f) << 6) | (b[i + 1] & 0x3f);
  if (n === 3) return ((b[i] & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
  return ((b[i] & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
}

/** UTF-8 length of a JS string as encoded by TextEncoder (a lone surrogate counts as U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

export const DEFAULT_CUT = 40;

function more(n: number): string {
  return `…(${n} more byte${n === 1 ? '' : 's'})`;
}

/**
 * As escapeBytes, for at most `max` bytes of the input (cut at a character boundary where the
 * bytes are valid UTF-8), followed by `…(N more bytes)` when something was left out.
 */
export function escapeBytesCut(b: Uint8Array, max = DEFAULT_CUT, start = 0, end = b.length): string {
  if (end - start <= max) return escapeBytes(b, start, end);
  let cut = start + max;
  // Back up to the start of a sequence (at most 3 continuation bytes) so a character is not split.
  for (let k = 0; k < 3 && cut > start && (b[cut] & 0xc0) === 0x80; k++) cut--;
  if ((b[cut] & 0xc0) === 0x80) cut = start + max; // not UTF-8 there: cut where asked
  return escapeBytes(b, start, cut) + more(end - cut);
}

/** As escapeText, for at most `max` UTF-8 bytes of the input (whole characters), then `…(N more bytes)`. */
export function escapeTextCut(s: string, max = DEFAULT_CUT): string {
  let used = 0;
  let i = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (used + n > max) return escapeText(s.slice(0, i)) + more(utf8Length(s.slice(i)));
    used += n;
    i += ch.length;
  }
  return escapeText(s);
}

/**
 * JSON text made safe to print: JSON.stringify already writes C0 controls and lone surrogates as
 * `\uXXXX`; this also writes DEL, C1, bidi controls and U+2028/9 that way. The JSON still parses to
 * exactly the same value (these are ordinary JSON escapes), so it stays a faithful, exact record.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
