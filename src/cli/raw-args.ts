// File names that are not UTF-8. Node decodes each argument as UTF-8 and replaces every invalid
// byte sequence by U+FFFD, so such a name, taken from process.argv, names no file. On Linux the
// arguments' bytes are in /proc/self/cmdline (NUL-separated): an argument holding U+FFFD is matched
// to the same-position raw argument that decodes to it, and its path is given to fs as those bytes
// (Node accepts Buffer paths). Elsewhere, or when that does not match, the string is used as is.
import { readFileSync } from 'node:fs';

let table: Map<string, Buffer | null> | null = null;

function load(): Map<string, Buffer | null> {
  const t = new Map<string, Buffer | null>();
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return t;
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      parts.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < raw.length) parts.push(raw.subarray(start));
  const user = process.argv.slice(2);
  if (parts.length < user.length) return t;
  const tail = parts.slice(parts.length - user.length);
  const add = (s: string, b: Buffer) => {
    if (!s.includes('\uFFFD') || b.toString('utf8') !== s) return;
    const had = t.get(s);
    // Two names that differ only in their invalid bytes read the same: neither can be told apart.
    t.set(s, had === undefined || (had !== null && had.equals(b)) ? b : null);
  };
  user.forEach((s, i) => {
    const b = tail[i] as Buffer;
    add(s, b);
    // --opt=VALUE: the value alone.
    const eq = b.indexOf(0x3d);
    if (s.startsWith('-') && eq > 0) add(s.slice(s.indexOf('=') + 1), b.subarray(eq + 1));
  });
  return t;
}

/** The path to give fs for a file-name argument: its raw bytes when it is not UTF-8. */
export function pathArg(s: string): string | Buffer {
  if (!s.includes('\uFFFD')) return s;
  table ??= load();
  return table.get(s) ?? s;
}
