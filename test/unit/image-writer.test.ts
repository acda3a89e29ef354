// The test and bench image writer (test/lib/image-writer.ts) writes what the parser reads as it was
// asked: valid images (no error, no warning) with the pty pairs, descriptors and pending input given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { benchPairs, benchSmall, makeSampleImage, pairsForSize, samplePair } from '../lib/image-writer.js';

const problems = (bytes: Uint8Array) => validate(openImage(bytes)).filter((d) => d.severity !== 'info').map((d) => `${d.code}@${d.offset}`);

test('the golden-like sample: N pairs on /dev/pts/7.., the slave on three descriptors and the master on one, no problem', () => {
  for (const n of [1, 3]) {
    const img = openImage(makeSampleImage(n));
    assert.deepEqual(problems(img.bytes), []);
    const masters = img.ttys.filter((t) => t.role === 'master');
    assert.deepEqual(
      masters.map((t) => t.index.value),
      Array.from({ length: n }, (_, k) => 7 + k),
    );
    assert.equal(img.fds.length, 4 * n);
    const slave = img.ttys.find((t) => t.role === 'slave')!;
    assert.equal(new TextDecoder().decode(slave.ldisc!.buffer!.data), 'ls -l\nech');
  }
  assert.ok(makeSampleImage(pairsForSize(100_000)).length >= 100_000);
});

test('the small seed and the bench shapes are valid images of the asked size', () => {
  assert.deepEqual(problems(samplePair()), []);
  const big = benchPairs(1 << 20, 20);
  assert.deepEqual(problems(big), []);
  assert.ok(Math.abs(big.length - (1 << 20)) < 64 * 1024, `${big.length}`);
  assert.equal(openImage(big).ttys.length, 40);
  assert.deepEqual(problems(benchSmall(256 * 1024)), []);
});
