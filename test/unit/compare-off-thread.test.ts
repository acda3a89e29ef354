// Two images compared in a worker thread (src/editor/compare-off-thread.ts, the bundled
// dist/compare-worker.js that `npm test` builds first): the same view as compared here, the event
// loop free meanwhile, and a cancel that stops it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareOffThread } from '../../src/editor/compare-off-thread.js';
import { compareFiles } from '../../src/editor/compare-view.js';
import { LoadCancelled } from '../../src/editor/off-thread.js';
import { makeSampleImage } from '../lib/image-writer.js';

const WORKER = join(__dirname, '../../dist/compare-worker.js');

/** An image of `pairs` pty pairs and a copy with one byte of every 97 flipped. */
function pair(pairs: number): [Uint8Array, Uint8Array] {
  const a = makeSampleImage(pairs);
  const b = a.slice();
  for (let i = 100; i < b.length; i += 97) (b[i] as number) ^= 1;
  return [a, b];
}

test('the worker is built (npm test and the extension bundle build it)', () => {
  assert.ok(existsSync(WORKER), WORKER);
});

test("the worker's comparison is the comparison, and the event loop runs while it is made", async () => {
  const [a, b] = pair(40);
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  const got = await compareOffThread({ name: 'a', bytes: a }, { name: 'b', bytes: b }, undefined, WORKER);
  clearInterval(tick);
  assert.ok(turns > 0, 'timers ran while the images were compared');
  const here = compareFiles({ name: 'a', bytes: a }, { name: 'b', bytes: b });
  assert.ok(got.ok && here.ok);
  assert.ok(got.view.header.differences > 40, `${got.view.header.differences} differences`);
  assert.deepEqual(got.view.header, here.view.header);
  assert.deepEqual(got.view.page(0), here.view.page(0));
  // The caller's bytes are not detached.
  assert.equal(a.length > 0 && b.length, a.length);
});

test('a refusal comes back as such; cancelling stops the worker: LoadCancelled', async () => {
  const r = await compareOffThread({ name: 'a', bytes: new Uint8Array(0) }, { name: 'b', bytes: makeSampleImage(1) }, undefined, WORKER);
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => [p.side, p.file, p.offset, p.field]), [['A', 'a', 0, 'HEADER']]);
  const [a, b] = pair(2000);
  const ctl = new AbortController();
  const p = compareOffThread({ name: 'a', bytes: a }, { name: 'b', bytes: b }, ctl.signal, WORKER);
  setImmediate(() => ctl.abort());
  await assert.rejects(p, LoadCancelled);
});
