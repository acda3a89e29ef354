// Two images compared in a worker thread (src/editor/compare-worker.ts) when the bundled worker is
// there, else here; cancelling terminates the worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type CompareFile, type CompareOutcome, CompareView, compareData } from './compare-view.js';
import { LoadCancelled, runInWorker } from './off-thread.js';

const WORKER = join(__dirname, 'compare-worker.js');

export function compareOffThread(a: CompareFile, b: CompareFile, signal?: AbortSignal, workerFile = WORKER): Promise<CompareOutcome> {
  if (signal?.aborted) return Promise.reject(new LoadCancelled());
  const outcome = (r: ReturnType<typeof compareData>): CompareOutcome => (r.ok ? { ok: true, view: new CompareView(r.data) } : r);
  if (!existsSync(workerFile)) return Promise.resolve(outcome(compareData(a, b)));
  // Copies: the caller's bytes stay usable (a transfer would detach them).
  return runInWorker<{ ok: true; result: ReturnType<typeof compareData> } | { ok: false; error: string }, CompareOutcome>(
    new Worker(workerFile),
    { a, b },
    (m) => {
      if (m.ok) return outcome(m.result);
      throw new Error(`internal error comparing the images: ${m.error}`);
    },
    signal,
  );
}
