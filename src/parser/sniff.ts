// Does a file start like a Linux-CR image? A cheap look at its first 16 bytes, so that a file that
// is not one (a PyTorch or TensorFlow `.ckpt`, a zip, a gigabyte of zeros) is never read further,
// indexed or validated. An image whose HEADER record is damaged still qualifies when either its
// record header or its magic is intact, so that the validator can say what is wrong with it.
import { LAYOUT, T } from './layout.js';

/** CHECKPOINT_MAGIC_HEAD (format notes §5.2). */
export const MAGIC_HEAD = 0x00feed0cc0a2d200n;

/** Bytes looksLikeLinuxCr needs to decide (fewer: it decides on what there is). */
export const SNIFF_BYTES = 16;

/**
 * True when `bytes` (the file's first bytes, at least SNIFF_BYTES of them when the file has that
 * many) begin with a HEADER record header {type 1, len 72} or with CHECKPOINT_MAGIC_HEAD at offset 8,
 * in either byte order.
 */
export function looksLikeLinuxCr(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    if (v.getUint32(0, le) === T.HEADER && v.getUint32(4, le) === LAYOUT.header.len) return true;
    if (bytes.length >= 16 && v.getBigUint64(8, le) === MAGIC_HEAD) return true;
  }
  return false;
}

/** Why a file is not taken for a Linux-CR image, in one line (file names are the caller's). */
export function notLinuxCrReason(bytes: Uint8Array, size: number): string {
  if (size === 0) return 'the file is empty';
  if (size < 8) return `the file has ${size} byte(s), fewer than one record header`;
  return 'it does not start with a Linux-CR HEADER record (type 1, len 72) or CHECKPOINT_MAGIC_HEAD';
}
