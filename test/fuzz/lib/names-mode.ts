// The names mode of the fuzzer (issue 11): the CLI given hostile file names (controls, escape
// sequences, bidi overrides, bytes that are not UTF-8, names of 254-256 bytes, names that look like
// options or commands) for files of every kind (an image, an empty file, a FIFO without a writer,
// character devices like /dev/zero and /dev/null, a directory, a symlink loop, a dangling symlink, a
// symlink to a FIFO), as the input and as the -o target of every command. Every run must keep the
// invariants of cli-run.ts; an input or target that is not a regular file must be refused (exit 2)
// by a message that names it. Seeds: test/fuzz/seeds/names.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeBytes } from '../../../src/shared/escape.js';
import { type Finding, REPO } from './oracle.js';
import type { Rng } from './mutate.js';
import { folderProblems, runCliRaw, runProblems, snapshot, writable } from './cli-run.js';

const TIMEOUT_MS = 30_000;

/** A seed name: `\xNN` is a raw byte, `\n` `\r` `\t` `\\` as in C, anything else its UTF-8. */
export function seedBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(s.slice(i + 2, i + 4))) {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c === '\\' && 'nrt\\'.includes(s[i + 1] ?? '')) {
      out.push({ n: 10, r: 13, t: 9, '\\': 92 }[s[i + 1] as 'n' | 'r' | 't' | '\\']);
      i++;
    } else {
      const cp = s.codePointAt(i) as number;
      out.push(...Buffer.from(String.fromCodePoint(cp)));
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(out);
}

export function loadNameSeeds(): Buffer[] {
  const j = JSON.parse(readFileSync(join(REPO, 'test/fuzz/seeds/names.json'), 'utf8')) as { names: string[] };
  // A '/' would make a path, and NUL cannot be in one: the file system's own rules.
  return j.names.map(seedBytes).map((b) => Buffer.from(b.filter((x) => x !== 0x2f && x !== 0)));
}

export const KINDS = ['image', 'damaged', 'empty', 'fifo', 'zero', 'null', 'dir', 'loop', 'dangling', 'fifo-link', 'absent'] as const;
export type Kind = (typeof KINDS)[number];
const REGULAR: ReadonlySet<Kind> = new Set(['image', 'damaged', 'empty']);

/** mkfifo and mknod take names as strings: make the node under a plain name, then rename it (rename takes bytes). */
function special(dir: string, name: Buffer, args: string[]): void {
  const plain = join(dir, '.plain-node');
  const r = spawnSync(args[0] as string, [plain, ...args.slice(1)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]}: ${r.stderr}`);
  try {
    renameSync(plain, Buffer.concat([Buffer.from(`${dir}/`), name]));
  } catch (e) {
    rmSync(plain);
    throw e;
  }
}

/** Make a file of `kind` named `name` in `dir`; the kind made ('absent' when the name is too long to exist). */
export function makeKind(dir: string, name: Buffer, kind: Kind, image: Uint8Array): Kind {
  if (kind === 'absent') return kind;
  const p = Buffer.concat([Buffer.from(`${dir}/`), name]);
  try {
    switch (kind) {
      case 'image': writeFileSync(p, image); break;
      case 'damaged': {
        const b = Uint8Array.from(image);
        b[b.length - 4] ^= 0xff; // TAIL magic: fix repairs it, so fix writes
        writeFileSync(p, b);
        break;
      }
      case 'empty': writeFileSync(p, ''); break;
      case 'fifo': special(dir, name, ['mkfifo']); break;
      case 'zero': special(dir, name, ['mknod', 'c', '1', '5']); break;
      case 'null': special(dir, name, ['mknod', 'c', '1', '3']); break;
      case 'dir': mkdirSync(p); break;
      case 'loop': {
        const other = Buffer.concat([Buffer.from(`${dir}/.loop-`), name.subarray(0, 200)]);
        symlinkSync(other, p);
        symlinkSync(p, other);
        break;
      }
      case 'dangling': symlinkSync(Buffer.from(`${dir}/.nowhere/x`), p); break;
      case 'fifo-link': {
        const f = Buffer.from('.fifo-target');
        special(dir, f, ['mkfifo']);
        symlinkSync(f, p);
        break;
      }
    }
    return kind;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return 'absent';
    throw e;
  }
}

/** A name from the seeds: one, two joined, or padded with one of them to 254, 255 or 256 bytes. */
export function pickName(rng: Rng, seeds: Buffer[]): Buffer {
  let n = rng.pick(seeds);
  if (rng.chance(0.4)) n = Buffer.concat([n, rng.pick(seeds)]);
  if (rng.chance(0.25)) {
    const want = rng.pick([254, 255, 256]);
    const fill = rng.pick(seeds.filter((s) => s.length > 0)) ?? Buffer.from('x');
    const parts = [n];
    let len = n.length;
    while (len < want) {
      parts.push(fill);
      len += fill.length;
    }
    n = Buffer.concat(parts).subarray(0, want);
  }
  return n.length ? n : Buffer.from('x');
}

const COMMANDS = ['report', 'report-json', 'set-out', 'set-refused', 'fix-out', 'fix-in-place', 'fix-dry', 'diff', 'encode-base'] as const;
type Command = (typeof COMMANDS)[number];

export interface NamesCase {
  command: Command;
  input: Buffer;
  inputKind: Kind;
  out: Buffer;
  outKind: Kind;
  absolute: boolean;
}

export function pickCase(rng: Rng, seeds: Buffer[], i: number): NamesCase {
  // The first cases give each kind to the input, another to the target, with the seeds' names in turn.
  if (i < KINDS.length) {
    return {
      command: COMMANDS[i % COMMANDS.length] as Command,
      input: seeds[i % seeds.length] as Buffer,
      inputKind: KINDS[i] as Kind,
      out: seeds[(i + KINDS.length) % seeds.length] as Buffer,
      outKind: KINDS[(i + 5) % KINDS.length] as Kind,
      absolute: i % 2 === 1,
    };
  }
  return {
    command: rng.pick(COMMANDS),
    input: pickName(rng, seeds),
    inputKind: rng.chance(0.5) ? rng.pick(['image', 'damaged'] as const) : rng.pick(KINDS),
    out: pickName(rng, seeds),
    outKind: rng.pick(KINDS),
    absolute: rng.chance(0.3),
  };
}

/** The CLI's arguments for a case (names relative to the case folder as ./NAME, or absolute). */
function argsFor(c: NamesCase, dir: string, jsonPath: string): Buffer[] {
  const at = (n: Buffer) => Buffer.concat([Buffer.from(c.absolute ? `${dir}/` : './'), n]);
  const s = (x: string) => Buffer.from(x);
  switch (c.command) {
    case 'report': return [at(c.input)];
    case 'report-json': return [s('--json'), at(c.input)];
    case 'set-out': return [s('set'), at(c.input), s('ttys[0].winsize.ws_col=99'), s('-o'), at(c.out)];
    case 'set-refused': return [s('set'), at(c.input), s('ttys[1].flags.TTY_CLOSING=1')];
    case 'fix-out': return [s('fix'), at(c.input), s('-o'), at(c.out)];
    case 'fix-in-place': return [s('fix'), at(c.input)];
    case 'fix-dry': return [s('fix'), at(c.input), s('--dry-run')];
    case 'diff': return [s('diff'), at(c.input), at(c.out)];
    case 'encode-base': return [s('encode'), s(jsonPath), s('--base'), at(c.input), s('-o'), at(c.out)];
  }
}

/** What a case may write: the -o target (or the input, for fix in place). */
function target(c: NamesCase): Buffer | null {
  if (c.command === 'set-out' || c.command === 'fix-out' || c.command === 'encode-base') return c.out;
  if (c.command === 'fix-in-place') return c.input;
  return null;
}

export function describe(c: NamesCase): string {
  return `${c.command} input ${c.inputKind} ${JSON.stringify(escapeBytes(c.input))} target ${c.outKind} ${JSON.stringify(escapeBytes(c.out))}${c.absolute ? ' (absolute paths)' : ''}`;
}

/**
 * Run one case in a fresh folder under `work`; `jsonPath` is an edited --json report of `image`
 * (for encode --base). Returns the findings, keyed by command and kinds (not by the random names).
 */
export function runNamesCase(c: NamesCase, work: string, image: Uint8Array, jsonPath: string, canMknod: boolean): Finding[] {
  const dir = join(work, 'names-case');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const fix = (k: Kind): Kind => (!canMknod && (k === 'zero' || k === 'null') ? 'fifo' : k);
  // The target of a command that reads two files (diff) or writes one is another name; a case
  // whose two names are the same is one file.
  const same = c.out.equals(c.input);
  const inputKind = makeKind(dir, c.input, fix(c.inputKind), image);
  const outKind = same ? inputKind : makeKind(dir, c.out, fix(c.outKind), image);
  const what = `${c.command}:${inputKind}->${outKind}`;
  const before = snapshot(dir);
  const t = target(c);
  const may = t ? writable(dir, t) : new Set<string>();
  const r = runCliRaw(argsFor(c, dir, jsonPath), dir, work, TIMEOUT_MS);
  const found = runProblems(r, 'names', what, TIMEOUT_MS);
  if (r.timedOut) return found;
  found.push(...folderProblems(before, snapshot(dir), may, 'names', what));
  // What is not a regular file (or does not exist) is never read as an image, nor replaced.
  const refusedIn = !REGULAR.has(inputKind);
  const refusedOut = c.command === 'diff' ? !REGULAR.has(outKind) : target(c) === c.out && !REGULAR.has(outKind) && outKind !== 'absent';
  if ((refusedIn || refusedOut) && r.code !== 2) {
    found.push({ kind: 'cli', key: `names:accepted:${what}`, detail: `${describe(c)}: exit ${r.code}, not refused` });
  }
  if (r.code === 2) {
    const err = r.err.toString('utf8');
    const named = [c.input, c.out].some((n) => err.includes(escapeBytes(n)));
    if (!named) found.push({ kind: 'cli', key: `names:unnamed:${what}`, detail: `${describe(c)}: refused without naming the file: ${err.trim().slice(0, 500)}` });
  }
  return found;
}
