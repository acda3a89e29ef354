import type { Diagnostic, Field, Image, Severity } from '../model.js';

export interface Place {
  offset: number;
  size: number;
  name: string;
}

export type Sink = (d: Diagnostic) => void;

export function at(sink: Sink, severity: Severity, code: string, place: Place, message: string, record?: number): void {
  sink({ severity, code, message, offset: place.offset, length: place.size, field: place.name, ...(record !== undefined ? { record } : {}) });
}

/** The record header's `type` or `len` field of record i. */
export function hdrField(img: Image, i: number, which: 'type' | 'len'): Place {
  const o = img.index.offsets[i];
  return which === 'type' ? { offset: o, size: 4, name: 'type' } : { offset: o + 4, size: 4, name: 'len' };
}

export function fieldPlace(f: Field<unknown>): Place {
  return { offset: f.offset, size: f.size, name: f.name };
}
