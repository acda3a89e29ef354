// looksLikeLinuxCr: the first-contact check the editor makes before reading a `.ckpt` further.
// Golden bytes are the format notes' table of the HEADER's first 16 bytes (§2, both byte orders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeLinuxCr } from '../../src/parser/sniff.js';
import { allImages } from '../lib/images.js';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((x) => parseInt(x, 16)));
const LE_HDR = '01 00 00 00 48 00 00 00';
const BE_HDR = '00 00 00 01 00 00 00 48';
const LE_MAGIC = '00 d2 a2 c0 0c ed fe 00';
const BE_MAGIC = '00 fe ed 0c c0 a2 d2 00';
const JUNK8 = '11 22 33 44 55 66 77 88';

test('a HEADER record header or the head magic, in either byte order, looks like an image', () => {
  assert.equal(looksLikeLinuxCr(hex(`${LE_HDR} ${LE_MAGIC}`)), true);
  assert.equal(looksLikeLinuxCr(hex(`${BE_HDR} ${BE_MAGIC}`)), true);
  // One of the two damaged: still an image (the validator says what is wrong with it).
  assert.equal(looksLikeLinuxCr(hex(`${JUNK8} ${LE_MAGIC}`)), true);
  assert.equal(looksLikeLinuxCr(hex(`${JUNK8} ${BE_MAGIC}`)), true);
  assert.equal(looksLikeLinuxCr(hex(`${LE_HDR} ${JUNK8}`)), true);
  assert.equal(looksLikeLinuxCr(hex(LE_HDR)), true);
});

test('other files do not: zeros, a zip, a pickle, short or empty files', () => {
  assert.equal(looksLikeLinuxCr(new Uint8Array(4096)), false);
  assert.equal(looksLikeLinuxCr(hex('50 4b 03 04 14 00 00 00 08 00 00 00 21 00 00 00')), false); // zip local header (PyTorch, Lightning)
  assert.equal(looksLikeLinuxCr(hex('80 02 7d 71 00 28 58 05 00 00 00 73 74 61 74 65')), false); // pickle protocol 2
  assert.equal(looksLikeLinuxCr(hex('01 00 00 00 48 00 00')), false);
  assert.equal(looksLikeLinuxCr(new Uint8Array(0)), false);
  // The right type with another len, and the magic at the wrong place.
  assert.equal(looksLikeLinuxCr(hex(`01 00 00 00 49 00 00 00 ${JUNK8}`)), false);
  assert.equal(looksLikeLinuxCr(hex(`${LE_MAGIC} ${JUNK8}`)), false);
});

test('the shipped sample and every generated image look like images', () => {
  assert.equal(looksLikeLinuxCr(new Uint8Array(readFileSync(join(__dirname, '../../samples/pair.ckpt')))), true);
  const images = allImages();
  assert.ok(images.length > 0);
  for (const img of images) {
    // Images whose first record is cut off on purpose are not taken for images.
    if (img.bytes.length < 8) continue;
    assert.equal(looksLikeLinuxCr(img.bytes.subarray(0, 16)), true, img.name);
  }
});
