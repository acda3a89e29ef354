// The record index built in a worker thread (src/editor/off-thread.ts, the bundled
// dist/index-worker.js that `npm test` builds first): the same index, the event loop free meanwhile,
// and a cancel that stops it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexOffThread, LoadCancelled } from '../../src/editor/off-thread.js';
import { indexStream } from '../../src/parser/stream-index.js';

const WORKER = join(__dirname, '../../dist/index-worker.js');
const SAMPLE = new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')));

/** The sample followed by `zeros` zero bytes, in shared memory (as the document's store holds it). */
function shared(zeros: number): Uint8Array {
  const b = new Uint8Array(new SharedArrayBuffer(SAMPLE.length + zeros));
  b.set(SAMPLE);
  return b;
}

test('the worker is built (npm test and the extension bundle build it)', () => {
  assert.ok(existsSync(WORKER), WORKER);
});

test('the worker\'s index is the index, and the event loop runs while it is built', async () => {
  const bytes = shared(64 << 20);
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  const idx = await indexOffThread(bytes, true, undefined, WORKER);
  clearInterval(tick);
  // Built here, the promise would be settled before any timer ran.
  assert.ok(turns > 0, 'timers ran while the index was built');
  const here = indexStream(bytes, true);
  assert.equal(idx.count, here.count);
  assert.deepEqual(Array.from(idx.offsets), Array.from(here.offsets));
  assert.deepEqual(Array.from(idx.types), Array.from(here.types));
  assert.deepEqual(Array.from(idx.spans), Array.from(here.spans));
  assert.deepEqual(idx.problems, here.problems);
});

test('cancelling stops the worker: LoadCancelled', async () => {
  const ctl = new AbortController();
  const p = indexOffThread(shared(256 << 20), true, ctl.signal, WORKER);
  setImmediate(() => ctl.abort());
  await assert.rejects(p, LoadCancelled);
});
