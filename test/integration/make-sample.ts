// node --import tsx test/integration/make-sample.ts OUT.ckpt [--pairs N | --size BYTES]
import { writeFileSync } from 'node:fs';
import { makeSampleImage, pairsForSize } from '../lib/image-writer.js';

const [out, opt, val] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: make-sample.ts OUT.ckpt [--pairs N | --size BYTES]\n');
  process.exit(2);
}
const pairs = opt === '--pairs' ? Number(val) : opt === '--size' ? pairsForSize(Number(val)) : 1;
const img = makeSampleImage(pairs);
writeFileSync(out, img);
process.stdout.write(JSON.stringify({ file: out, size: img.length, pairs }) + '\n');
