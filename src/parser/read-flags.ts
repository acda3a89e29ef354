// read_flags is a raw copy of the kernel's `unsigned long read_flags[]` bitmap: one bit per ring
// position, words in the producing host's byte order and width (reference §3.2). These helpers map
// a ring position to its byte and bit for each producing architecture.
import { N_TTY_BUF_SIZE } from './names.js';

export interface BitmapLayout {
  littleEndian: boolean;
  /** BITS_PER_LONG of the producing host. */
  wordBits: 32 | 64;
}

/** v18 arch ids: 1 x86_32 (LE, 32), 2 s390x (BE, 64), 3 ppc32 (BE, 32), 4 ppc64 (BE, 64). */
export function bitmapLayoutForArch(archId: number): BitmapLayout {
  switch (archId) {
    case 2:
    case 4:
      return { littleEndian: false, wordBits: 64 };
    case 3:
      return { littleEndian: false, wordBits: 32 };
    default:
      return { littleEndian: true, wordBits: 32 };
  }
}

export function bitPosition(i: number, l: BitmapLayout): { byte: number; bit: number } {
  if (l.littleEndian) return { byte: i >> 3, bit: i & 7 };
  const wordBytes = l.wordBits / 8;
  const word = Math.floor(i / l.wordBits);
  const inWord = i % l.wordBits;
  return { byte: word * wordBytes + wordBytes - 1 - (inWord >> 3), bit: i & 7 };
}

export function testBit(map: Uint8Array, i: number, l: BitmapLayout): boolean {
  const { byte, bit } = bitPosition(i, l);
  return ((map[byte] >> bit) & 1) === 1;
}

export function setBit(map: Uint8Array, i: number, l: BitmapLayout, on: boolean): void {
  const { byte, bit } = bitPosition(i, l);
  if (on) map[byte] |= 1 << bit;
  else map[byte] &= ~(1 << bit);
}

/**
 * Ring positions whose bit is set, ascending: each set bit of each non-zero byte mapped back to its
 * position (bitPosition inverted), not all 4096 positions tested one by one.
 */
export function setPositions(map: Uint8Array, l: BitmapLayout): number[] {
  const out: number[] = [];
  const wordBytes = l.wordBits / 8;
  const end = Math.min(map.length, N_TTY_BUF_SIZE / 8);
  for (let byte = 0; byte < end; byte++) {
    const v = map[byte];
    if (v === 0) continue;
    // The position of bit 0 of this byte.
    const base = l.littleEndian ? byte * 8 : Math.floor(byte / wordBytes) * l.wordBits + (wordBytes - 1 - (byte % wordBytes)) * 8;
    for (let bit = 0; bit < 8; bit++) if ((v >> bit) & 1) out.push(base + bit);
  }
  if (!l.littleEndian) out.sort((a, b) => a - b);
  return out;
}
