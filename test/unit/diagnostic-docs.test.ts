// docs/diagnostics.md explains every code the validator reports (the editor's Problems link to the
// row; src/editor/diagnostic-docs.ts finds it), found by validating every test image.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { codeLines } from '../../src/editor/diagnostic-docs.js';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { allImages, ROOT } from '../lib/images.js';

const md = readFileSync(join(ROOT, 'docs/diagnostics.md'), 'utf8');

test('each code is found at the line of its table row', () => {
  const lines = codeLines(md);
  const text = md.split('\n');
  assert.ok(lines.size >= 60, `${lines.size} codes`);
  for (const [code, n] of lines) assert.ok(text[n - 1].startsWith(`| \`${code}\` |`), `${code} at line ${n}: ${text[n - 1]}`);
  assert.equal(lines.get('severity'), undefined, 'the key table above the codes is not a code');
});

test('every code the validator reports on the test images has its row', () => {
  const lines = codeLines(md);
  const seen = new Set<string>();
  for (const im of allImages()) for (const d of validate(openImage(im.bytes))) seen.add(d.code);
  assert.ok(seen.size >= 30, `${seen.size} codes seen`);
  const missing = [...seen].filter((c) => !lines.has(c));
  assert.deepEqual(missing, []);
});
