// What a repair is: the bytes to write, the field's old and new value, and why. Pure data (hex
// strings, no typed arrays) so it crosses to the webview and into `fix --json` as it is.
import { encodeInt } from '../encode.js';
import type { Image } from '../model.js';
import { toHex } from '../names.js';

/** Replace `old` (hex) at `offset` by `new` (hex); offsets refer to the image the repair was made for. */
export interface ByteWrite {
  offset: number;
  old: string;
  new: string;
}

export interface RepairChoice {
  /** C field name (`datalen`, `len`, `link_objref`, …). */
  field: string;
  /** Absolute offset of the field. */
  offset: number;
  oldValue: string;
  newValue: string;
  /** Empty for the reading that keeps the bytes as they are. */
  writes: ByteWrite[];
  /** One sentence: why this value. */
  reason: string;
}

export interface Repair {
  /** The diagnostic it belongs to. */
  code: string;
  offset: number;
  field: string;
  /** choices[0] is the likelier reading. */
  choices: RepairChoice[];
  /** One choice, and nothing else explains the bytes: `fix` applies it. */
  unambiguous: boolean;
  /** Which reading is likelier and why, when there is more than one. */
  why?: string;
}

export interface Place {
  offset: number;
  size: number;
  name: string;
}

export function readUint(img: Image, offset: number, size: number, littleEndian = img.littleEndian): bigint {
  if (offset < 0 || offset + size > img.size) return -1n;
  const v = new DataView(img.bytes.buffer, img.bytes.byteOffset + offset, size);
  if (size === 1) return BigInt(v.getUint8(0));
  if (size === 2) return BigInt(v.getUint16(0, littleEndian));
  if (size === 4) return BigInt(v.getUint32(0, littleEndian));
  return v.getBigUint64(0, littleEndian);
}

export function readU32(img: Image, offset: number): number {
  return Number(readUint(img, offset, 4));
}

function show(v: number | bigint, hex: boolean): string {
  if (!hex) return String(v);
  return `0x${v.toString(16)}`;
}

/** A choice that sets one field to `value` (image byte order unless `littleEndian` says otherwise). */
export function setTo(img: Image, place: Place, value: number | bigint, reason: string, opts: { hex?: boolean; littleEndian?: boolean; signed?: boolean } = {}): RepairChoice {
  const le = opts.littleEndian ?? img.littleEndian;
  const old = img.bytes.subarray(place.offset, place.offset + place.size);
  const next = encodeInt(value, place.size, le);
  let oldV: number | bigint = readUint(img, place.offset, place.size, le);
  if (opts.signed && typeof oldV === 'bigint' && oldV >= 1n << BigInt(place.size * 8 - 1)) oldV -= 1n << BigInt(place.size * 8);
  return {
    field: place.name,
    offset: place.offset,
    oldValue: show(oldV, !!opts.hex),
    newValue: show(value, !!opts.hex),
    writes: [{ offset: place.offset, old: toHex(old), new: toHex(next) }],
    reason,
  };
}

/** The reading that changes nothing (offered beside a repair when the bytes may be right). */
export function keep(place: Place, value: string, reason: string): RepairChoice {
  return { field: place.name, offset: place.offset, oldValue: value, newValue: value, writes: [], reason };
}

export function single(d: { code: string; offset: number; field: string }, c: RepairChoice): Repair {
  return { code: d.code, offset: d.offset, field: d.field, choices: [c], unambiguous: true };
}

export function several(d: { code: string; offset: number; field: string }, choices: RepairChoice[], why: string): Repair {
  return { code: d.code, offset: d.offset, field: d.field, choices, unambiguous: false, why };
}
