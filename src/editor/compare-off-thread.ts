// Two images compared in a worker thread (src/editor/compare-worker.ts) when the bundled worker is
// there, else here; cancelling terminates the worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type CompareFile, type CompareOutcome, CompareView, compareData } from './compare-view.js';
import { LoadCancelled } from './off-thread.js';

const WORKER = join(__dirname, 'compare-worker.js');

export function compareOffThread(a: CompareFile, b: CompareFile, signal?: AbortSignal, workerFile = WORKER): Promise<CompareOutcome> {
  if (signal?.aborted) return Promise.reject(new LoadCancelled());
  const outcome = (r: ReturnType<typeof compareData>): CompareOutcome => (r.ok ? { ok: true, view: new CompareView(r.data) } : r);
  if (!existsSync(workerFile)) return Promise.resolve(outcome(compareData(a, b)));
  const worker = new Worker(workerFile);
  return new Promise<CompareOutcome>((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
    };
    const abort = () => {
      done();
      reject(new LoadCancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (m: { ok: true; result: ReturnType<typeof compareData> } | { ok: false; error: string }) => {
      done();
      if (m.ok) resolve(outcome(m.result));
      else reject(new Error(`internal error comparing the images: ${m.error}`));
    });
    worker.once('error', (e) => {
      done();
      reject(e);
    });
    // Copies: the caller's bytes stay usable (a transfer would detach them).
    worker.postMessage({ a, b });
  });
}
