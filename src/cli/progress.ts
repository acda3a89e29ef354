// Progress on stderr while a long report runs: only when stderr is a terminal and the work has
// taken more than a second (a pipe or a log file gets nothing; a quick run shows nothing). The
// work is synchronous, so the line is drawn at the steps the report passes, not by a timer.
import { escapeText } from '../shared/escape.js';

export class Progress {
  private readonly start = performance.now();
  private shown = false;
  private last = 0;
  private enabled: boolean;
  private readonly afterMs: number;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true;
    // TEST ONLY: CKPT_INSPECT_PROGRESS_AFTER_MS lowers the one-second threshold so the test
    // suite can see the line on a real pty without depending on the machine's speed.
    const t = Number(process.env.CKPT_INSPECT_PROGRESS_AFTER_MS);
    this.afterMs = Number.isFinite(t) && t >= 0 && process.env.CKPT_INSPECT_PROGRESS_AFTER_MS !== '' ? t : 1000;
  }

  /** Say what is being done now (drawn at most every 100 ms, and only after the threshold). */
  step(what: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.start < this.afterMs || (this.shown && now - this.last < 100)) return;
    this.last = now;
    this.shown = true;
    this.stream.write(`\r\x1b[K${escapeText(`ckpt-inspect: ${this.label}: ${what}`)}`);
  }

  /** Clear the line and draw no more (the output itself is going to the same terminal). */
  stop(): void {
    this.done();
    this.enabled = false;
  }

  /** Clear the line, if one was drawn. */
  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}
