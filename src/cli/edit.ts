// ckpt-inspect set / encode: change fields by path, or write edited --json back over its image.
import { createHash } from 'node:crypto';
import { applySplices, type Splice } from '../parser/encode.js';
import { freshErrors } from '../parser/fresh-errors.js';
import { EditError, editForPath, splitAssignment } from '../parser/edit-paths.js';
import { openImage } from '../parser/image.js';
import { type ReportIdentity, whyNotBelonging } from '../parser/json-belongs.js';
import type { Image } from '../parser/model.js';
import { REPORT_FORMAT, reportJson } from '../parser/report-json.js';
import { validateBounded } from '../parser/validate/index.js';
import { saveImage } from './save.js';
import { CliError, flag, str, UsageError, type Command, type OptionDef, type Parsed } from './args.js';
import { nameOf, escapeText, readInput, readInputText, refuseTerminal, StdoutWriter } from './output.js';

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

interface WriteOpts {
  /** A file, or '-' for stdout. */
  out: string;
  force: boolean;
}

const WRITE_OPTIONS: Record<string, OptionDef> = {
  output: { type: 'string', short: 'o', arg: 'OUT', help: "write the image to OUT (atomically), or to stdout for '-'" },
  force: { type: 'boolean', help: 'write even when the edit leaves the image with new errors' },
};

/** Validate the result, refuse one with new errors unless forced, and write it (atomically to a file). */
async function finishWrite(before: Image, edited: { bytes: Uint8Array; splices: Splice[] }, opts: WriteOpts, notes: string[], file: string): Promise<number> {
  const { bytes } = edited;
  const after = openImage(bytes);
  const v = validateBounded(after);
  const errs = v.diagnostics.filter((d) => d.severity === 'error');
  const fresh = freshErrors(validateBounded(before), v, edited.splices);
  for (const n of notes) process.stderr.write(`${escapeText(n)}\n`);
  for (const d of errs) process.stderr.write(`error ${d.code} at offset ${d.offset}, field ${d.field}: ${escapeText(d.message)}\n`);
  if (fresh > 0 && !opts.force) {
    process.stderr.write(`ckpt-inspect: ${escapeText(nameOf(file))}: not written: the edit introduces ${fresh} error(s); use --force to write it anyway\n`);
    return 1;
  }
  if (opts.out === '-') {
    await new StdoutWriter().writeBytes(bytes);
  } else {
    await saveImage(opts.out, bytes);
    process.stderr.write(`wrote ${escapeText(nameOf(opts.out, 'out'))} (${bytes.length} bytes)\n`);
  }
  return v.errors ? 1 : 0;
}

function applyPathEdits(img0: Image, assignments: { path: string; value: string }[], notes: string[], file: string): { bytes: Uint8Array; splices: Splice[] } {
  let img = img0;
  const splices: Splice[] = [];
  for (const { path, value } of assignments) {
    let e: ReturnType<typeof editForPath>;
    try {
      e = editForPath(img, path, value);
    } catch (err) {
      if (err instanceof EditError) throw new CliError(err.message, { file: nameOf(file) });
      throw err;
    }
    notes.push(e.description + (e.note ? ` (${e.note})` : ''));
    splices.push(...e.splices);
    // Structural edits move later records: re-open so the next path sees current offsets.
    img = openImage(applySplices(img.bytes, e.splices).bytes);
  }
  return { bytes: img.bytes, splices };
}

/** Where a command that rewrites FILE writes: -o, else FILE itself, else stdout for stdin. */
function target(p: Parsed, file: string): string {
  const out = str(p, 'output') ?? (file === '-' ? '-' : file);
  if (out === '-') refuseTerminal('a binary image');
  return out;
}

export const setCommand: Command = {
  name: 'set',
  synopsis: ['set FILE PATH=VALUE... [-o OUT] [--force]'],
  summary: 'change fields by path; write atomically (in place, to OUT, or to stdout)',
  description: `Changes fields of the image by path and writes it atomically (in place, or to OUT):
  ttys[1].termios.c_lflag.ECHO=0   ttys[0].winsize.ws_col=132   ttys[1].ldisc.data="ls\\n"
  ttys[0].flags.TTY_PTY_LOCK=1     ttys[1].termios.c_cc.VINTR=^C  fds[0].fd=4  bytes@1234=0a
An edit that leaves the image with errors is refused unless --force.
FILE '-' reads the image from stdin and writes the result to stdout unless -o is given.`,
  options: WRITE_OPTIONS,
  epilogue: 'Exit status: 0 written, valid; 1 refused or written with errors; 2 usage error, unreadable file, or the save failed (the file is left as it was).',
  async run(p) {
    const [file, ...assigns] = p.positionals;
    if (file === undefined || assigns.length === 0) throw new UsageError('set needs FILE and at least one PATH=VALUE');
    const out = target(p, file);
    const img = openImage(readInput(file));
    const notes: string[] = [];
    let edits: { path: string; value: string }[];
    try {
      edits = assigns.map(splitAssignment);
    } catch (e) {
      if (e instanceof EditError) throw new UsageError(e.message);
      throw e;
    }
    const edited = applyPathEdits(img, edits, notes, file);
    return finishWrite(img, edited, { out, force: flag(p, 'force') }, notes, file);
  },
};

interface ReportLike {
  format?: unknown;
  source?: { path: string; sha256: string } | null;
  ttys?: Record<string, unknown>[];
  files?: Record<string, unknown>[];
  fds?: Record<string, unknown>[];
}

/** Flatten a JSON value into path=value pairs (`ttys[1].termios.c_lflag` …). */
function flatten(prefix: string, v: unknown, out: Map<string, unknown>, depth = 0): void {
  // A report nests three objects deep under a tty (ldisc, termios, winsize): deeper is not one.
  if (depth > 4) throw new CliError(`${escapeText(prefix)} is nested deeper than any value of a report`);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(`${prefix}.${k}`, x, out, depth + 1);
  } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
    // A report's lists (c_cc) hold single values; a nested one would be compared by recursion.
    throw new CliError(`${escapeText(prefix)} is nested deeper than any value of a report`);
  } else out.set(prefix, v);
}

/** A JSON value where the report has a number, string or boolean, as the text a path edit takes. */
function scalar(path: string, v: unknown, file: string): string {
  if (v !== null && typeof v === 'object') throw new CliError(`${escapeText(path)}: ${Array.isArray(v) ? 'an array' : 'an object'} where the report has a single value`, { file: nameOf(file) });
  return String(v);
}

export const encodeCommand: Command = {
  name: 'encode',
  synopsis: ['encode EDITED.json [--base IMAGE] [-o OUT] [--force]'],
  summary: 'write edited --json output back over the image it was made from',
  description: `Turns the output of --json, edited, back into an image: the values of ttys[], files[] and
fds[] are written over the image it was made from (--base, or the "source" it names).
EDITED.json '-' reads stdin; without -o the image goes to stdout (never to a terminal):
  ckpt-inspect --json img.ckpt | jq '.ttys[1].winsize.ws_col = 100' | ckpt-inspect encode - > edited.ckpt`,
  options: {
    base: { type: 'string', arg: 'IMAGE', help: 'the image to write over (default: the "source" the JSON names)' },
    ...WRITE_OPTIONS,
    output: { ...(WRITE_OPTIONS.output as OptionDef), help: "write the image to OUT (atomically), or to stdout for '-' (the default when stdout is not a terminal)" },
  },
  epilogue: 'Exit status: 0 written, valid; 1 refused or written with errors; 2 usage error, unreadable file, or the save failed (the file is left as it was).',
  async run(p) {
    const files = p.positionals;
    if (files.length !== 1) throw new UsageError(files.length ? 'encode takes one EDITED.json' : 'encode needs EDITED.json');
    const file = files[0] as string;
    const out = str(p, 'output') ?? '-';
    if (out === '-') refuseTerminal('a binary image');
    const base = str(p, 'base');
    const force = flag(p, 'force');
    let edited: ReportLike;
    try {
      const v: unknown = JSON.parse(readInputText(file));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
      edited = v as ReportLike;
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`not the JSON of a report: ${escapeText(e instanceof Error ? e.message : String(e))}`, { file: nameOf(file) });
    }
    if (edited.format !== undefined && edited.format !== REPORT_FORMAT) {
      throw new CliError(`format ${escapeText(JSON.stringify(edited.format).slice(0, 80))} is not ${REPORT_FORMAT}`, { file: nameOf(file) });
    }
    const src = edited.source;
    const srcPath = src && typeof src === 'object' && typeof src.path === 'string' ? src.path : undefined;
    const basePath = base ?? srcPath;
    if (!basePath) throw new CliError('the JSON names no source image; give --base IMAGE', { file: nameOf(file), usage: true });
    const img = openImage(readInput(basePath));
    const why = whyNotBelonging(edited as ReportIdentity, img, sha256(img.bytes));
    if (why && !force) {
      const hint = base ? 'give the image it was made from, or --force to write its values anyway' : 'the image has changed since the JSON was made; give --base or --force';
      throw new CliError(`${why}; ${hint}`, { file: nameOf(basePath) });
    }
    const current = reportJson(img, []);
    const want = new Map<string, unknown>();
    const have = new Map<string, unknown>();
    for (const key of ['ttys', 'files', 'fds'] as const) {
      const list = edited[key] ?? [];
      if (!Array.isArray(list)) throw new CliError(`${key} is not an array`, { file: nameOf(file) });
      list.forEach((x, i) => flatten(`${key}[${i}]`, x, want));
      (current[key] as unknown[]).forEach((x, i) => flatten(`${key}[${i}]`, x, have));
    }
    const assigns: { path: string; value: string }[] = [];
    const late: { path: string; value: string }[] = [];
    for (const [path, v] of want) {
      if (!have.has(path)) throw new CliError(`${escapeText(path)} is not in the image (adding records is not supported)`, { file: nameOf(file) });
      const old = have.get(path);
      if (JSON.stringify(old) === JSON.stringify(v)) continue;
      if (path.endsWith('.ldisc.data')) {
        assigns.push({ path, value: `hex:${scalar(path, v, file)}` });
      } else if (path.endsWith('.termios.c_cc') && Array.isArray(v)) {
        v.forEach((c, i) => {
          const at = path.replace(/\.c_cc$/, `.c_cc[${i}]`);
          late.push({ path: at, value: scalar(at, c, file) });
        });
      } else if (path.endsWith('.role') || path.endsWith('.objref') || path.endsWith('.offset')) {
        throw new CliError(`${escapeText(path)} is derived from the image and cannot be set`, { file: nameOf(file) });
      } else {
        late.push({ path, value: scalar(path, v, file) });
      }
    }
    const notes: string[] = [];
    // Buffer edits first (they recompute canon_*); explicit scalar values then win.
    const result = applyPathEdits(img, [...assigns, ...late], notes, basePath);
    return finishWrite(img, result, { out, force }, notes, basePath);
  },
};
