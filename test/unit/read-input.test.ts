import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError, readRegularFile, withRegularFile } from '../../src/io/read-input.js';

const dir = mkdtempSync(join(tmpdir(), 'read-input-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a.ckpt');
writeFileSync(file, Buffer.from([1, 2, 3]));

test('a bug inside the reader is not dressed up as a problem with the file', () => {
  assert.throws(() => withRegularFile(file, () => { throw new TypeError('Cannot read properties of undefined'); }),
    (e: unknown) => e instanceof TypeError && !(e instanceof InputError));
});

test('the system refusing a read is a problem with the file, named in plain words', () => {
  assert.throws(() => readRegularFile(join(dir, 'missing.ckpt')), (e: unknown) => e instanceof InputError && /cannot read: no such file/.test(e.message));
  assert.throws(() => readRegularFile(dir), (e: unknown) => e instanceof InputError && /cannot read: it is a directory/.test(e.message));
  assert.deepEqual([...readRegularFile(file)], [1, 2, 3]);
});
