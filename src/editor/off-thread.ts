// Long work of opening a document, off the extension host's event loop: every extension shares that
// loop, and indexing a large damaged file (a framing break followed by hundreds of MiB) would hold
// them all. The record index is built in a worker thread (src/editor/index-worker.ts) over the
// store's shared memory; cancelling terminates the worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { indexStream, type StreamIndex } from '../parser/stream-index.js';

/** The bundled worker next to the bundled extension (dist/). */
const WORKER = join(__dirname, 'index-worker.js');

export class LoadCancelled extends Error {
  // Named for whoever sees it outside this bundle (the class's own name is minified).
  override readonly name = 'LoadCancelled';
  constructor() {
    super('cancelled');
  }
}

/**
 * A worker for indexOffThread, started ahead: its start (a new isolate loading its bundle) takes
 * longer than the index itself, and can overlap the file's read. Null where there is no worker file.
 * Whoever does not hand it to indexOffThread terminates it.
 */
export function startIndexWorker(workerFile = WORKER): Worker | null {
  if (!existsSync(workerFile)) return null;
  const w = new Worker(workerFile);
  w.unref(); // an idle worker keeps no process alive; indexOffThread refs it while it works
  return w;
}

/**
 * The record index of `bytes`, built in a worker when they live in shared memory and the worker is
 * there (the bundled extension), else here. Rejects with LoadCancelled when `signal` aborts.
 * `started` (from startIndexWorker) is used instead of a new worker, and terminated in any case.
 */
export function indexOffThread(bytes: Uint8Array, littleEndian: boolean, signal?: AbortSignal, workerFile = WORKER, started?: Worker | null): Promise<StreamIndex> {
  const here = !(bytes.buffer instanceof SharedArrayBuffer) || !(started || existsSync(workerFile));
  if (signal?.aborted || here) void started?.terminate();
  if (signal?.aborted) return Promise.reject(new LoadCancelled());
  if (here) return Promise.resolve(indexStream(bytes, littleEndian));
  const worker = started ?? new Worker(workerFile);
  worker.ref();
  return runInWorker<{ ok: true; index: StreamIndex } | { ok: false; error: string }, StreamIndex>(
    worker,
    { buffer: bytes.buffer, byteOffset: bytes.byteOffset, length: bytes.length, littleEndian },
    (m) => {
      if (m.ok) return m.index;
      throw new Error(m.error);
    },
    signal,
  );
}

/**
 * Post `message` to `worker` and settle with `answer(its one reply)`; the worker is terminated once
 * it has answered, failed, or `signal` aborted (LoadCancelled).
 */
export function runInWorker<M, T>(worker: Worker, message: unknown, answer: (m: M) => T, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
    };
    const abort = () => {
      done();
      reject(new LoadCancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (m: M) => {
      done();
      try {
        resolve(answer(m));
      } catch (e) {
        reject(e);
      }
    });
    worker.once('error', (e) => {
      done();
      reject(e);
    });
    worker.postMessage(message);
  });
}
