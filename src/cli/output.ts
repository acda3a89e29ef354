// What the CLI reads and writes: FILE or `-` (stdin), `-o OUT` or `-` (stdout), and the stdout
// stream the reports are written to a chunk at a time (backpressure respected, a closed pipe ends
// the work quietly).
import { errnoText, InputError, readRegularFile, readStandardInput } from '../io/read-input.js';
import { readRegularFileSparse } from '../io/read-sparse.js';
import type { PackedRecords } from '../parser/record-lists.js';
import type { StreamIndex } from '../parser/stream-index.js';
import { CliError } from './args.js';
import { pathArg } from './raw-args.js';

export { escapeText } from '../shared/escape.js';
import { escapeBytes } from '../shared/escape.js';

/** Display name of an operand in messages: `-` is the standard input or output. */
export function nameOf(file: string, stream: 'in' | 'out' = 'in'): string {
  if (file === '-') return stream === 'in' ? '(standard input)' : '(standard output)';
  // A name that is not UTF-8, shown with its bytes (\xNN) rather than as U+FFFD.
  const raw = pathArg(file);
  return typeof raw === 'string' ? file : escapeBytes(raw);
}

/** The whole of FILE, or of the standard input for `-`. */
export function readInput(file: string): Uint8Array {
  try {
    return file === '-' ? readStandardInput() : readRegularFile(pathArg(file));
  } catch (e) {
    if (e instanceof InputError) throw new CliError(e.message, { file: nameOf(file) });
    throw new CliError(`cannot read: ${errnoText(e as NodeJS.ErrnoException)}`, { file: nameOf(file) });
  }
}

/**
 * FILE for a report: the bytes the reports read (when the framing is sound, only the records the
 * reports look into, the list records packed apart: see readRegularFileSparse), with `hash` the
 * sha256 of the whole file, and the record index when its framing is sound; `-` is read whole and
 * not hashed.
 */
export async function readReportInput(file: string, hash: boolean): Promise<{ bytes: Uint8Array; sha256?: string; index?: StreamIndex; packed?: PackedRecords }> {
  if (file === '-') return { bytes: readInput(file) };
  try {
    return await readRegularFileSparse(pathArg(file), { hash, pack: true });
  } catch (e) {
    if (e instanceof InputError) throw new CliError(e.message, { file: nameOf(file) });
    throw new CliError(`cannot read: ${errnoText(e as NodeJS.ErrnoException)}`, { file: nameOf(file) });
  }
}

export function readInputText(file: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(readInput(file));
}

/** Binary output goes to a pipe or a file, never to a terminal. */
export function refuseTerminal(what: string): void {
  if (process.stdout.isTTY) throw new CliError(`not writing ${what} to a terminal; give -o FILE or redirect the output`, { file: nameOf('-', 'out'), usage: true });
}

/**
 * Buffered writer to stdout: text is gathered into chunks of about `chunk` characters, each written
 * as it fills; `flush` waits for 'drain' when the stream asks (a slow reader holds the producer
 * back instead of the output piling up in memory).
 */
export class StdoutWriter {
  private parts: string[] = [];
  private pending = 0;
  constructor(
    private readonly stream: NodeJS.WritableStream = process.stdout,
    private readonly chunk = 1 << 20,
  ) {}

  /** Queue text; returns true when a flush is due. */
  push(s: string): boolean {
    this.parts.push(s);
    this.pending += s.length;
    return this.pending >= this.chunk;
  }

  /**
   * Queue text and write a full chunk at once, without waiting for 'drain': for a producer that
   * cannot wait and makes a bounded amount of text (the text report), so that the text written
   * can be collected while the rest is made.
   */
  pushNow(s: string): void {
    if (this.push(s)) this.stream.write(this.take());
  }

  async flush(): Promise<void> {
    if (!this.pending && !this.parts.length) return;
    if (!this.stream.write(this.take())) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  /** The queued text, which is no longer queued. */
  private take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.pending = 0;
    return text;
  }

  async write(s: string): Promise<void> {
    if (this.push(s)) await this.flush();
  }

  /**
   * Bytes the caller will overwrite as soon as this resolves (a reused buffer): resolves once the
   * stream has handed them on, not merely queued them, so a slow reader holds the producer back.
   */
  async writeChunk(b: Uint8Array): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.stream.write(b, () => resolve()));
  }

  async writeBytes(b: Uint8Array): Promise<void> {
    await this.flush();
    if (!this.stream.write(b)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }
}
