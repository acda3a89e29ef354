// Worker thread (dist/index-worker.js): the record index of an image's bytes, built off the extension
// host's event loop. The bytes are the document's store, a SharedArrayBuffer, so nothing is copied
// in; the index (typed arrays) is copied back.
import { parentPort } from 'node:worker_threads';
import { indexStream } from '../parser/stream-index.js';

export interface IndexJob {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
  littleEndian: boolean;
}

parentPort?.on('message', (job: IndexJob) => {
  try {
    parentPort!.postMessage({ ok: true, index: indexStream(new Uint8Array(job.buffer, job.byteOffset, job.length), job.littleEndian) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
