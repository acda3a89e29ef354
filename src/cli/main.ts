// ckpt-inspect: report, --json, and the editing and restore subcommands.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { applySplices, type Splice } from '../parser/encode.js';
import { freshErrors } from '../parser/fresh-errors.js';
import { EditError, editForPath, splitAssignment } from '../parser/edit-paths.js';
import { openImage } from '../parser/image.js';
import type { Image } from '../parser/model.js';
import { reportJson } from '../parser/report-json.js';
import { reportText } from '../parser/report-text.js';
import { errorCount, validate } from '../parser/validate/index.js';
import { fixCmd } from './fix.js';
import { restoreCmd } from './restore.js';
import { printErr, printJson } from './tty-out.js';
import { VERSION } from './version.js';

const USAGE = `usage: ckpt-inspect [--json] FILE
       ckpt-inspect set FILE PATH=VALUE... [-o OUT] [--force]
       ckpt-inspect encode EDITED.json [--base IMAGE] -o OUT [--force]
       ckpt-inspect restore FILE --host DEST [options]   (see ckpt-inspect restore --help)
       ckpt-inspect fix FILE [-o OUT] [--dry-run] [--json] [--only CODE]  (see ckpt-inspect fix --help)
       ckpt-inspect --help | --version

Reads a Linux-CR v18 checkpoint image and reports its records, pty pairs, objhash graph and problems.

set     changes fields by path and writes the image atomically (in place, or to OUT):
          ttys[1].termios.c_lflag.ECHO=0   ttys[0].winsize.ws_col=132   ttys[1].ldisc.data="ls\\n"
          ttys[0].flags.TTY_PTY_LOCK=1     ttys[1].termios.c_cc.VINTR=^C  fds[0].fd=4  bytes@1234=0a
        An edit that leaves the image with errors is refused unless --force.
encode  turns the output of --json, edited, back into an image: the values of ttys[], files[] and
        fds[] are written over the image it was made from (--base, or the "source" it names).

Exit status: 0 valid image, 1 image with errors, 2 usage error or unreadable file.
`;

export class UsageError extends Error {}

function readImage(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message}`);
  }
}

function inspect(args: string[]): number {
  let json = false;
  const files: string[] = [];
  for (const a of args) {
    if (a === '--json') json = true;
    else if (a === '--') continue;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError(files.length ? 'give one FILE' : 'missing FILE');
  const file = files[0];
  const img = openImage(file === '-' ? new Uint8Array(readFileSync(0)) : readImage(file));
  const diags = validate(img);
  if (json) {
    const source = file === '-' ? null : { path: resolve(file), sha256: sha256(img.bytes) };
    printJson({ ...reportJson(img, diags), source });
  }
  else process.stdout.write(reportText(img, diags, file));
  return errorCount(diags) > 0 ? 1 : 0;
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

interface WriteOpts {
  out: string | null;
  force: boolean;
}

function takeWriteOpts(args: string[]): { rest: string[]; opts: WriteOpts } {
  const rest: string[] = [];
  const opts: WriteOpts = { out: null, force: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--output') {
      const v = args[++i];
      if (!v) throw new UsageError(`${a} needs a file name`);
      opts.out = v;
    } else if (a === '--force') opts.force = true;
    else rest.push(a);
  }
  return { rest, opts };
}

/** Validate the result, refuse one with new errors unless forced, and write it atomically. */
function finishWrite(before: Image, edited: { bytes: Uint8Array; splices: Splice[] }, target: string, opts: WriteOpts, notes: string[]): number {
  const { bytes } = edited;
  const after = openImage(bytes);
  const diags = validate(after);
  const errs = diags.filter((d) => d.severity === 'error');
  const fresh = freshErrors(validate(before), diags, edited.splices);
  for (const n of notes) printErr(n);
  for (const d of errs) printErr(`error ${d.code} at offset ${d.offset}, field ${d.field}: ${d.message}`);
  if (fresh.length && !opts.force) {
    printErr(`ckpt-inspect: not written: the edit introduces ${fresh.length} error(s); use --force to write it anyway`);
    return 1;
  }
  writeFileAtomic(target, bytes, {
    afterTempWritten: () => {
      // Fault injection for the crash-safety test: die between the temporary file and the rename.
      if (process.env.CKPT_INSPECT_FAULT === 'kill-after-temp') process.kill(process.pid, 'SIGKILL');
    },
  });
  printErr(`wrote ${target} (${bytes.length} bytes)`);
  return errs.length ? 1 : 0;
}

function applyPathEdits(img0: Image, assignments: { path: string; value: string }[], notes: string[]): { bytes: Uint8Array; splices: Splice[] } {
  let img = img0;
  const splices: Splice[] = [];
  for (const { path, value } of assignments) {
    const e = editForPath(img, path, value);
    notes.push(e.description + (e.note ? ` (${e.note})` : ''));
    splices.push(...e.splices);
    // Structural edits move later records: re-open so the next path sees current offsets.
    img = openImage(applySplices(img.bytes, e.splices).bytes);
  }
  return { bytes: img.bytes, splices };
}

function setCmd(args: string[]): number {
  const { rest, opts } = takeWriteOpts(args);
  const [file, ...assigns] = rest;
  if (!file || assigns.length === 0) throw new UsageError('set needs FILE and at least one PATH=VALUE');
  const img = openImage(readImage(file));
  const notes: string[] = [];
  const bytes = applyPathEdits(img, assigns.map(splitAssignment), notes);
  return finishWrite(img, bytes, opts.out ?? file, opts, notes);
}

interface ReportLike {
  source?: { path: string; sha256: string } | null;
  ttys?: Record<string, unknown>[];
  files?: Record<string, unknown>[];
  fds?: Record<string, unknown>[];
}

/** Flatten a JSON value into path=value pairs (`ttys[1].termios.c_lflag` …). */
function flatten(prefix: string, v: unknown, out: Map<string, unknown>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(`${prefix}.${k}`, x, out);
  } else out.set(prefix, v);
}

function encodeCmd(args: string[]): number {
  const { rest, opts } = takeWriteOpts(args);
  let base: string | null = null;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--base') base = rest[++i] ?? null;
    else files.push(rest[i]);
  }
  if (files.length !== 1 || !opts.out) throw new UsageError('encode needs EDITED.json and -o OUT');
  let edited: ReportLike;
  try {
    edited = JSON.parse(readFileSync(files[0], 'utf8')) as ReportLike;
  } catch (e) {
    throw new UsageError(`cannot read ${files[0]} as JSON: ${e instanceof Error ? e.message : e}`);
  }
  const basePath = base ?? edited.source?.path;
  if (!basePath) throw new UsageError('the JSON names no source image; give --base IMAGE');
  const img = openImage(readImage(basePath));
  if (!base && edited.source && edited.source.sha256 !== sha256(img.bytes) && !opts.force) {
    throw new UsageError(`${basePath} has changed since the JSON was made (sha256 differs); give --base or --force`);
  }
  const current = reportJson(img, []);
  const want = new Map<string, unknown>();
  const have = new Map<string, unknown>();
  for (const key of ['ttys', 'files', 'fds'] as const) {
    (edited[key] ?? []).forEach((x, i) => flatten(`${key}[${i}]`, x, want));
    (current[key] as unknown[]).forEach((x, i) => flatten(`${key}[${i}]`, x, have));
  }
  const assigns: { path: string; value: string }[] = [];
  const late: { path: string; value: string }[] = [];
  for (const [path, v] of want) {
    if (!have.has(path)) throw new UsageError(`${path} is not in the image (adding records is not supported)`);
    const old = have.get(path);
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    if (path.endsWith('.ldisc.data')) {
      assigns.push({ path, value: `hex:${String(v)}` });
    } else if (path.endsWith('.termios.c_cc') && Array.isArray(v)) {
      v.forEach((c, i) => late.push({ path: path.replace(/\.c_cc$/, `.c_cc[${i}]`), value: String(c) }));
    } else if (path.endsWith('.role') || path.endsWith('.objref') || path.endsWith('.offset')) {
      throw new UsageError(`${path} is derived from the image and cannot be set`);
    } else {
      late.push({ path, value: String(v) });
    }
  }
  const notes: string[] = [];
  // Buffer edits first (they recompute canon_*); explicit scalar values then win.
  const bytes = applyPathEdits(img, [...assigns, ...late], notes);
  return finishWrite(img, bytes, opts.out, opts, notes);
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write(`ckpt-inspect ${VERSION}\n`);
      return 0;
    }
    if (argv[0] === 'set') return setCmd(argv.slice(1));
    if (argv[0] === 'encode') return encodeCmd(argv.slice(1));
    if (argv[0] === 'restore') return restoreCmd(argv.slice(1));
    if (argv[0] === 'fix') return fixCmd(argv.slice(1));
    return inspect(argv);
  } catch (e) {
    if (e instanceof EditError) {
      printErr(`ckpt-inspect: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError) {
      printErr(`ckpt-inspect: ${e.message}`);
      return 2;
    }
    // Never a stack trace for bad input: an unexpected failure is reported as a bug, briefly.
    printErr(`ckpt-inspect: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

