// Reading an input file from outside: only a regular file is read (a FIFO without a writer would
// block forever, /dev/zero never ends, a socket or a terminal is not an image), and it is opened
// without blocking so that finding out costs nothing. The standard input is read when it is a pipe
// or a file, not when it is a terminal or a device.
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';

export class InputError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a non-regular file is, for a message. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A read or open failure in words, for a message that already names the file. */
export function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': return 'permission denied';
    case 'ENOTDIR': return 'a component of the path is not a directory';
    case 'ENAMETOOLONG': return 'the file name is too long';
    case 'ELOOP': return 'too many levels of symbolic links';
    default: return (e.message ?? String(e)).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  }
}

/**
 * The Buffer's bytes as a plain Uint8Array over the same memory (Buffer's own slice/subarray
 * differ from Uint8Array's). `new Uint8Array(buffer)` would copy: a second file-sized block.
 */
function plainBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * `use(fd, st)` on a regular file opened for reading (a string, or a Buffer for a name that is not
 * UTF-8); anything else is refused before a byte is read. Failures become InputErrors in words.
 */
/** An error the system gave (an errno code from a syscall), as opposed to one thrown by our code. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** A regular file opened for reading (never a device, a FIFO or a directory), with its stat. */
function openRegular(path: string | Buffer): { fd: number; st: Stats } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputError(`cannot read: ${errnoText(e as NodeJS.ErrnoException)}`, (e as NodeJS.ErrnoException).code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`cannot read: it is ${fileKind(st)}; only a regular file (or - for the standard input) is read`, 'ENOTREG');
    return { fd, st };
  } catch (e) {
    closeSync(fd);
    throw readError(e);
  }
}

/** Only the system's answers are about the file; anything else is a bug in the reader and must say so. */
function readError(e: unknown): unknown {
  if (e instanceof InputError || !isSystemError(e)) return e;
  return new InputError(`cannot read: ${errnoText(e)}`, e.code);
}

export function withRegularFile<T>(path: string | Buffer, use: (fd: number, st: Stats) => T): T {
  const { fd, st } = openRegular(path);
  try {
    return use(fd, st);
  } catch (e) {
    throw readError(e);
  } finally {
    closeSync(fd);
  }
}

/** withRegularFile for an asynchronous `use`: the file is closed when what it returns settles. */
export async function withRegularFileAsync<T>(path: string | Buffer, use: (fd: number, st: Stats) => Promise<T>): Promise<T> {
  const { fd, st } = openRegular(path);
  try {
    return await use(fd, st);
  } catch (e) {
    throw readError(e);
  } finally {
    closeSync(fd);
  }
}

/** The whole of a regular file. */
export function readRegularFile(path: string | Buffer): Uint8Array {
  return withRegularFile(path, (fd) => plainBytes(readFileSync(fd)));
}

/** The whole standard input, when it is a pipe, a socket or a regular file. */
export function readStandardInput(): Uint8Array {
  let st: Stats;
  try {
    st = fstatSync(0);
  } catch (e) {
    throw new InputError(`cannot read: ${errnoText(e as NodeJS.ErrnoException)}`, (e as NodeJS.ErrnoException).code);
  }
  if (st.isCharacterDevice() || st.isBlockDevice() || st.isDirectory()) {
    throw new InputError(`cannot read: it is ${process.stdin.isTTY ? 'a terminal' : fileKind(st)}; give a file, or pipe an image in`, 'ENOTREG');
  }
  try {
    return plainBytes(readFileSync(0));
  } catch (e) {
    throw new InputError(`cannot read: ${errnoText(e as NodeJS.ErrnoException)}`, (e as NodeJS.ErrnoException).code);
  }
}
