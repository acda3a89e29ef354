// Building hostile images for tests from the shipped sample: records framed as the format
// reference says (struct ckpt_hdr: u32 type, u32 len including the header; little-endian sample).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './images.js';

export const SAMPLE = join(ROOT, 'samples/pair.ckpt');
export const HDR = { STRING: 4, TTY: 306, TAIL: 9001, ERROR: 9999 } as const;

export function record(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const r = new Uint8Array(8 + payload.length);
  const v = new DataView(r.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, r.length, true);
  r.set(payload, 8);
  return r;
}

/** Offsets of the sample's records, walked by their len. */
export function recordOffsets(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const offs: number[] = [];
  for (let o = 0; o + 8 <= b.length; o += v.getUint32(o + 4, true)) offs.push(o);
  return offs;
}

/** The sample with `records` inserted before its TAIL (the last record). */
export function sampleWith(...records: Uint8Array[]): Uint8Array {
  const b = new Uint8Array(readFileSync(SAMPLE));
  const offs = recordOffsets(b);
  const tail = offs[offs.length - 1];
  return Buffer.concat([b.subarray(0, tail), ...records, b.subarray(tail)]);
}

/** ckpt_write_err's pair: a header-only ERROR record and a STRING of '\0' + message + '\0'. */
export function errorPair(message: Uint8Array | string): Uint8Array[] {
  const m = typeof message === 'string' ? new TextEncoder().encode(message) : message;
  return [record(HDR.ERROR), record(HDR.STRING, Uint8Array.from([0, ...m, 0]))];
}
