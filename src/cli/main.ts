// ckpt-inspect: report, --json, and the editing and restore subcommands.
import { readFileSync } from 'node:fs';
import { openImage } from '../parser/image.js';
import { reportJson } from '../parser/report-json.js';
import { reportText } from '../parser/report-text.js';
import { errorCount, validate } from '../parser/validate/index.js';

const USAGE = `usage: ckpt-inspect [--json] FILE
       ckpt-inspect --help

Reads a Linux-CR v18 checkpoint image and reports its records, pty pairs, objhash graph and problems.
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
  if (json) process.stdout.write(JSON.stringify(reportJson(img, diags)) + '\n');
  else process.stdout.write(reportText(img, diags, file));
  return errorCount(diags) > 0 ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    return inspect(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ckpt-inspect: ${e.message}\n`);
      return 2;
    }
    // Never a stack trace for bad input: an unexpected failure is reported as a bug, briefly.
    process.stderr.write(`ckpt-inspect: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

