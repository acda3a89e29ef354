// Worker thread (dist/compare-worker.js): two images compared off the extension host's event loop,
// which every extension shares (two 64 MiB images that differ every page take seconds). The bytes
// are moved in, the answer (plain data) is copied back.
import { parentPort } from 'node:worker_threads';
import { compareData } from './compare-view.js';

export interface CompareJob {
  a: { name: string; bytes: Uint8Array };
  b: { name: string; bytes: Uint8Array };
}

parentPort?.on('message', (job: CompareJob) => {
  try {
    parentPort!.postMessage({ ok: true, result: compareData(job.a, job.b) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
