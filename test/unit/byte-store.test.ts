// What the editor's byte store reads of odd files (src/editor/byte-store.ts): a file that does not
// start like an image is read no further than its first 16 bytes, whatever its size; an image larger
// than the store can hold is refused with a reason a person can act on, not Node's "out of range".
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ByteStore, TooLargeError } from '../../src/editor/byte-store.js';
import { CkptModel } from '../../src/editor/image-model.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-store-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SAMPLE = new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')));
const GiB = 2 ** 30;

/** A sparse file of `size` bytes that starts with `head`. */
function sparse(name: string, head: Uint8Array, size: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  writeSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  truncateSync(p, size);
  return p;
}

test('a 1 GiB file of zeros: 16 bytes read, the model says why it is not an image and gives the file size', async () => {
  const p = sparse('zeros.ckpt', new Uint8Array(0), GiB);
  for (const store of [ByteStore.readFile(p), await ByteStore.readHandle(await open(p, 'r'), p)]) {
    assert.equal(store.headOnly, true);
    assert.equal(store.length, 16);
    assert.equal(store.stamp?.size, BigInt(GiB));
    const m = new CkptModel(store.view, 'zeros.ckpt', { size: Number(store.stamp!.size) });
    assert.equal(m.index.count, 0);
    assert.equal(m.init(1, {}).size, GiB);
    store.dispose();
  }
});

test('an image is read whole as before (the first bytes are only a look)', () => {
  const p = sparse('sample.ckpt', SAMPLE, SAMPLE.length);
  const store = ByteStore.readFile(p);
  assert.equal(store.headOnly, false);
  assert.deepEqual(store.view, SAMPLE);
});

test('an image over 4 GiB is refused with the reason, a non-image over 4 GiB opens as a non-image', async () => {
  const big = 4 * GiB + 4096;
  const img = sparse('big.ckpt', SAMPLE, big);
  for (const read of [async () => ByteStore.readFile(img), async () => ByteStore.readHandle(await open(img, 'r'), img)]) {
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(e instanceof TooLargeError, String(e));
      assert.match(e.message, /^The file is 4294971392 bytes \(4\.00 GiB\); the editor opens images of up to \d+ bytes .*Larger images are not supported: /);
      assert.doesNotMatch(e.message, /out of range/);
      return true;
    });
  }
  const zip = sparse('model.ckpt', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0, 0, 0x21, 0, 0, 0]), 5 * GiB);
  const store = ByteStore.readFile(zip);
  assert.equal(store.headOnly, true);
  const m = new CkptModel(store.view, 'model.ckpt', { size: Number(store.stamp!.size) });
  assert.match(m.modelNote ?? '', /^Not a Linux-CR checkpoint image: it does not start with a Linux-CR HEADER record/);
  assert.equal(m.init(1, {}).size, 5 * GiB);
});
