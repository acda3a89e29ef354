// Draws images/icon.png (128×128, the extension's Marketplace icon): a pty pair as two terminal
// windows, a prompt in the front one, and a magnifying glass. Plain shapes rasterised with 4×4
// supersampling and written as an RGBA PNG with node:zlib, so no image tool is needed.
// Run: node scripts/draw-icon.mjs
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const N = 128;
const SS = 4;

// Signed distances (negative inside).
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r), qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const segment = (ax, ay, bx, by, w) => (x, y) => {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy) - w / 2;
};
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
const disc = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const union = (...fs) => (x, y) => Math.min(...fs.map((f) => f(x, y)));
const minus = (f, g) => (x, y) => Math.max(f(x, y), -g(x, y));

const hex = (s, a = 1) => [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16), a];
const mix = (c0, c1, t) => c0.map((v, i) => v + (c1[i] - v) * t);

const outline = (f, w) => (x, y) => Math.max(f(x, y), -f(x, y) - w);

// Layers, back to front: [shape, colour(x, y)].
const bg = roundRect(4, 4, 124, 124, 24);
const back = roundRect(40, 18, 114, 74, 8);
const front = roundRect(14, 38, 94, 100, 8);
const titleBar = (f, x0, y0, x1) => minus(f, roundRect(x0 - 6, y0 + 12, x1 + 6, y0 + 200, 0));
const prompt = union(segment(26, 62, 38, 71, 6), segment(38, 71, 26, 80, 6), segment(46, 82, 62, 82, 6));
const lens = ring(88, 88, 15, 7);
const glass = disc(88, 88, 11.5);
const handle = segment(99, 99, 116, 116, 10);
const layers = [
  [bg, (_x, y) => mix(hex('#24507e'), hex('#0e2238'), y / N)],
  [back, () => hex('#0b1a2b')],
  [union(outline(back, 2.5), titleBar(back, 40, 18, 114)), () => hex('#7fb3e6')],
  [front, () => hex('#08121e')],
  [union(outline(front, 2.5), titleBar(front, 14, 38, 94)), () => hex('#e8eef5')],
  [prompt, () => hex('#5fe08f')],
  [glass, () => hex('#ffd27a', 0.35)],
  [union(lens, handle), () => hex('#f5a524')],
];

const px = new Uint8Array(N * N * 4);
for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    let acc = [0, 0, 0, 0]; // premultiplied
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const fx = x + (sx + 0.5) / SS, fy = y + (sy + 0.5) / SS;
        let c = [0, 0, 0, 0];
        for (const [shape, colour] of layers) {
          if (shape(fx, fy) >= 0) continue;
          const [r, g, b, a] = colour(fx, fy);
          c = [r * a + c[0] * (1 - a), g * a + c[1] * (1 - a), b * a + c[2] * (1 - a), a + c[3] * (1 - a)];
        }
        acc = acc.map((v, i) => v + c[i]);
      }
    }
    const a = acc[3] / (SS * SS);
    const o = (y * N + x) * 4;
    for (let i = 0; i < 3; i++) px[o + i] = a > 0 ? Math.round(acc[i] / acc[3]) : 0;
    px[o + 3] = Math.round(a * 255);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) raw.set(px.subarray(y * N * 4, (y + 1) * N * 4), y * (N * 4 + 1) + 1);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'images', 'icon.png');
writeFileSync(out, png);
console.log(`${out}: ${png.length} bytes`);
