// Saving never risks the user's file: the new bytes go to a temporary file in the same folder,
// which is fsynced, given the original's mode and renamed over it; the folder is fsynced after.
// Any failure before the rename leaves the original untouched and removes the temporary file.
//
// The target is resolved first: a symbolic link is followed, and the file it names is replaced (in
// its own folder), so the link stays a link; anything but a regular file (a device, a FIFO, a
// socket, a directory) is refused, never replaced by a regular file. Paths may be Buffers (file
// names that are not UTF-8).
import { closeSync, constants, fchmodSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { fileKind } from './read-input.js';

export interface AtomicWriteHooks {
  /** Called once the temporary file is complete and synced, before the rename (tests inject failures here). */
  afterTempWritten?: (tempPath: string) => void;
}

export class SaveError extends Error {
  /** What went wrong in plain words, without the file's name (a message names the file its own way). */
  readonly reason: string;
  constructor(
    message: string,
    override readonly cause?: unknown,
    /** The errno code (ENOSPC, EROFS, …) or ENOTREG for a target that is not a regular file. */
    readonly code?: string,
    reason?: string,
  ) {
    super(message);
    this.reason = reason ?? message;
  }
}

export type PathLike = string | Buffer;

const show = (p: PathLike) => (typeof p === 'string' ? p : p.toString('utf8'));

/** What a failed save says about its cause, for a person. */
export function saveErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT': return 'the folder does not exist';
    case 'ENOTDIR': return 'a component of the path is not a folder';
    case 'EISDIR': return 'it is a directory';
    // A save makes its temporary file in the folder, so a writable file in a folder that is not
    // writable cannot be saved: say so, or the person looks at the file's own permissions.
    case 'EACCES': return 'permission denied (a save needs write permission on the folder, where it makes a temporary copy)';
    case 'EPERM': return 'operation not permitted (the file may be immutable or append-only, or in a sticky folder and owned by someone else)';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'ENAMETOOLONG': return 'the file name is too long';
    case 'ELOOP': return 'too many levels of symbolic links';
    case 'EXDEV': return 'the link and its target are on different file systems';
    default: return (err?.message ?? String(e)).replace(/^[A-Z]+: /, '');
  }
}

/**
 * Where a save of `target` writes: the target itself, or the file a symbolic link names; with its
 * mode. Refuses (SaveError ENOTREG) a target that exists and is not a regular file.
 */
export function resolveSaveTarget(target: PathLike): { path: PathLike; mode: number } {
  let path: PathLike = target;
  let st: Stats | null = null;
  try {
    st = lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SaveError(`could not save ${show(target)}: ${saveErrorText(e)}`, e, (e as NodeJS.ErrnoException).code, saveErrorText(e));
  }
  if (st?.isSymbolicLink()) {
    try {
      path = typeof target === 'string' ? realpathSync(target) : realpathSync(target, { encoding: 'buffer' });
      st = statSync(path);
    } catch (e) {
      const reason = `it is a symbolic link to a file that cannot be reached (${saveErrorText(e)})`;
      throw new SaveError(`could not save ${show(target)}: ${reason}`, e, (e as NodeJS.ErrnoException).code, reason);
    }
  }
  if (st && !st.isFile()) {
    const reason = `it is ${fileKind(st)}; only a regular file is replaced`;
    throw new SaveError(`not saving over ${show(target)}: ${reason}`, undefined, 'ENOTREG', reason);
  }
  return { path, mode: st ? st.mode & 0o7777 : 0o644 };
}

/** NAME_MAX of Linux file systems, in bytes. */
const NAME_MAX = 255;

/** A temporary name beside `target` that fits NAME_MAX whatever the target's name. */
export function tempPathFor(target: PathLike): PathLike {
  const rand = randomBytes(6).toString('hex');
  const suffix = `.${rand}.tmp`;
  if (typeof target === 'string') {
    const base = basename(target);
    const room = NAME_MAX - 1 - Buffer.byteLength(suffix);
    let cut = base;
    if (Buffer.byteLength(base) > room) {
      // Cut to whole characters within the room left.
      cut = '';
      for (const ch of base) {
        if (Buffer.byteLength(cut + ch) > room) break;
        cut += ch;
      }
    }
    return join(dirname(target), `.${cut}${suffix}`);
  }
  const slash = target.lastIndexOf(0x2f);
  const dir = slash >= 0 ? target.subarray(0, slash + 1) : Buffer.from('./');
  const base = target.subarray(slash + 1);
  const room = NAME_MAX - 1 - suffix.length;
  return Buffer.concat([dir, Buffer.from('.'), base.subarray(0, room), Buffer.from(suffix)]);
}

function dirOf(p: PathLike): PathLike {
  if (typeof p === 'string') return dirname(p);
  const slash = p.lastIndexOf(0x2f);
  return slash > 0 ? p.subarray(0, slash) : slash === 0 ? Buffer.from('/') : Buffer.from('.');
}

// Temporary files being written, removed if the process is stopped by a signal meanwhile.
const live = new Set<PathLike>();
let signalsArmed = false;

/**
 * Remove temporary files when SIGINT, SIGTERM or SIGHUP stops the process during a save (the CLI
 * calls this; the extension host's signals are VS Code's). The signal is then raised again, so the
 * process ends as it would have.
 */
export function removeTempFilesOnSignals(): void {
  if (signalsArmed) return;
  signalsArmed = true;
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (sig: NodeJS.Signals) => {
    for (const t of live) {
      try {
        unlinkSync(t);
      } catch {
        /* already gone */
      }
    }
    live.clear();
    for (const s of sigs) process.removeListener(s, handler);
    process.kill(process.pid, sig);
  };
  for (const s of sigs) process.on(s, handler);
}

export function writeFileAtomic(target: PathLike, data: Uint8Array, hooks: AtomicWriteHooks = {}): void {
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
export function writeFileAtomicWith(target: PathLike, write: (fd: number) => void, hooks: AtomicWriteHooks = {}): void {
  const { path, mode } = resolveSaveTarget(target);
  const dir = dirOf(path);
  const temp = tempPathFor(path);
  let fd = -1;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    live.add(temp);
    write(fd);
    fchmodSync(fd, mode);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    hooks.afterTempWritten?.(show(temp));
    renameSync(temp, path);
    live.delete(temp);
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
    live.delete(temp);
    throw new SaveError(`could not save ${show(target)}: ${saveErrorText(e)}; the original file is unchanged`, e, (e as NodeJS.ErrnoException).code, saveErrorText(e));
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
export async function writeFileAtomicAsync(target: PathLike, write: (fh: FileHandle) => Promise<void>, hooks: AtomicWriteHooks = {}, verb: 'write' | 'save' = 'write'): Promise<void> {
  const { path, mode } = resolveSaveTarget(target);
  const dir = dirOf(path);
  const temp = tempPathFor(path);
  let fh: FileHandle | null = null;
  // Listed before the open: the file exists as soon as the thread pool has created it, and a signal
  // handled before the open's promise settles must still find it. The name is random, so it is ours.
  live.add(temp);
  try {
    fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await write(fh);
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    fh = null;
    hooks.afterTempWritten?.(show(temp));
    await rename(temp, path);
    live.delete(temp);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    live.delete(temp);
    throw new SaveError(`could not ${verb} ${show(target)}: ${saveErrorText(e)}; the original file is unchanged`, e, (e as NodeJS.ErrnoException).code, saveErrorText(e));
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

/** As writeFileAtomic, writing a MiB at a time so a signal can stop it (and its temporary file is removed). */
export async function writeBytesAtomicAsync(target: PathLike, data: Uint8Array, hooks: AtomicWriteHooks = {}): Promise<void> {
  await writeFileAtomicAsync(target, async (fh) => {
    const step = 1 << 20;
    for (let off = 0; off < data.length; ) {
      const { bytesWritten } = await fh.write(data, off, Math.min(step, data.length - off));
      off += bytesWritten;
    }
  }, hooks);
}
