// Where the CLI's commands that write an image (set, encode, fix) save it: atomically (a temporary
// file beside the target, fsync, rename; src/io/atomic-write.ts), a MiB at a time on the thread
// pool so that SIGINT, SIGTERM and SIGHUP can stop it and its temporary file is removed; never over
// what is not a regular file. A save that fails is ordinary (a full disk, a read-only file system,
// a folder without write permission, an immutable file): it is said in plain words, naming the file,
// with what became of it, and is not an internal error.
import { lstatSync } from 'node:fs';
import { removeTempFilesOnSignals, SaveError, writeBytesAtomicAsync } from '../io/atomic-write.js';
import { escapeText } from '../shared/escape.js';
import { CliError } from './args.js';
import { nameOf } from './output.js';
import { pathArg } from './raw-args.js';

/** The exit status of a command whose result could not be saved (the same as an unreadable file). */
export const SAVE_FAILED_EXIT = 2;

function exists(path: string | Buffer): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Save `bytes` to the file `out` (a name from the command line); a failure is a CliError. */
export async function saveImage(out: string, bytes: Uint8Array): Promise<void> {
  const path = pathArg(out);
  removeTempFilesOnSignals();
  const existed = exists(path);
  try {
    await writeBytesAtomicAsync(path, bytes, {
      afterTempWritten: () => {
        // Fault injection for the crash-safety test: die between the temporary file and the rename.
        if (process.env.CKPT_INSPECT_FAULT === 'kill-after-temp') process.kill(process.pid, 'SIGKILL');
      },
    });
  } catch (e) {
    if (!(e instanceof SaveError)) throw e;
    // Nothing was renamed over the target: it is as it was (or still absent), whatever failed.
    const after = existed ? 'the file is unchanged' : 'no file was created';
    throw new CliError(`not written: ${escapeText(e.reason)}; ${after}`, { file: nameOf(out, 'out'), exit: SAVE_FAILED_EXIT });
  }
}
