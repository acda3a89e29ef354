// Saving never risks the user's file: the new bytes go to a temporary file in the same folder,
// which is fsynced, given the original's mode and renamed over it; the folder is fsynced after.
// Any failure before the rename leaves the original untouched and removes the temporary file.
import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';

export interface AtomicWriteHooks {
  /** Called once the temporary file is complete and synced, before the rename (tests inject failures here). */
  afterTempWritten?: (tempPath: string) => void;
}

export class SaveError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export function writeFileAtomic(target: string, data: Uint8Array, hooks: AtomicWriteHooks = {}): void {
  writeFileAtomicWith(
    target,
    (fd) => {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    },
    hooks,
  );
}

/** As writeFileAtomic, with the content written by `write(fd)` (a store that streams part of it from elsewhere). */
export function writeFileAtomicWith(target: string, write: (fd: number) => void, hooks: AtomicWriteHooks = {}): void {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    // A new file: default mode.
  }
  let fd = -1;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    write(fd);
    fchmodSync(fd, mode);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    hooks.afterTempWritten?.(temp);
    renameSync(temp, target);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      /* it may not exist */
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new SaveError(`could not save ${target}: ${why}; the original file is unchanged`, e);
  }
  try {
    const dfd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself has happened.
  }
}

/**
 * As writeFileAtomicWith, off the event loop: `write(fh)` writes the content through the handle
 * (reads and writes on libuv's thread pool), then the same fsync, mode and rename. For a hot-exit
 * backup of a large image, which VS Code asks for while a person is still editing.
 */
export async function writeFileAtomicAsync(target: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = (await stat(target)).mode & 0o7777;
  } catch {
    // A new file: default mode.
  }
  let fh: FileHandle | null = null;
  try {
    fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await write(fh);
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(temp, target);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    const why = e instanceof Error ? e.message : String(e);
    throw new SaveError(`could not write ${target}: ${why}; the original file is unchanged`, e);
  }
  try {
    const d = await open(dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself has happened.
  }
}
