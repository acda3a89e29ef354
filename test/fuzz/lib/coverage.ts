// Coverage feedback from V8's own block coverage (the inspector protocol, in-process): after each
// input, the blocks of src/parser/** that ran, with AFL-style hit-count buckets, become features;
// an input that shows a feature never seen before joins the corpus.
import { Session } from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: { functionName: string; ranges: Range[] }[];
}

function bucket(n: number): number {
  if (n <= 3) return n;
  if (n < 8) return 4;
  if (n < 16) return 5;
  if (n < 32) return 6;
  if (n < 128) return 7;
  return 8;
}

export class Coverage {
  private session = new Session();
  private seen = new Set<string>();
  private urlIds = new Map<string, number>();
  readonly enabled: boolean;

  constructor(private filter: (url: string) => boolean) {
    let ok = true;
    try {
      this.session.connect();
      this.post('Profiler.enable');
      this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    } catch {
      ok = false;
    }
    this.enabled = ok;
  }

  private post(method: string, params: object = {}): unknown {
    let result: unknown;
    let error: Error | null = null;
    // Same-thread sessions dispatch synchronously.
    this.session.post(method, params, (e, r) => {
      error = e;
      result = r;
    });
    if (error) throw error;
    return result;
  }

  /** Reset counters (call before running an input). */
  reset(): void {
    if (this.enabled) this.post('Profiler.takePreciseCoverage');
  }

  /** Features of the input that just ran; returns how many were new (and records them). */
  collect(): { fresh: number; features: number } {
    if (!this.enabled) return { fresh: 0, features: 0 };
    const r = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    let fresh = 0;
    let features = 0;
    for (const sc of r.result) {
      if (!this.filter(sc.url)) continue;
      let id = this.urlIds.get(sc.url);
      if (id === undefined) {
        id = this.urlIds.size;
        this.urlIds.set(sc.url, id);
      }
      for (const fn of sc.functions) {
        for (const rg of fn.ranges) {
          if (rg.count === 0) continue;
          features++;
          const k = `${id}:${rg.startOffset}:${rg.endOffset}:${bucket(rg.count)}`;
          if (!this.seen.has(k)) {
            this.seen.add(k);
            fresh++;
          }
        }
      }
    }
    return { fresh, features };
  }

  get total(): number {
    return this.seen.size;
  }
}
