// Does the JSON of a report belong to this image? `encode` writes the JSON's values over an image;
// over another image (or a damaged copy) that gives misleading errors or moves values into records
// they never came from. The report says which image it was made from: its sha256 and its record
// framing (offset, type and len of every record).
import type { Image } from './model.js';

export interface ReportIdentity {
  source?: unknown;
  records?: unknown;
}

/** Null when the JSON may be written over `img` (whose bytes hash to `sha256`); else why not. */
export function whyNotBelonging(json: ReportIdentity, img: Image, sha256: string): string | null {
  const src = json.source;
  const claimed = src !== null && typeof src === 'object' && typeof (src as { sha256?: unknown }).sha256 === 'string' ? (src as { sha256: string }).sha256 : null;
  if (claimed !== null && claimed !== sha256) {
    const framing = framingDiffers(json.records, img);
    return `the JSON was made from another image (its source.sha256 is not this image's${framing ? `, and ${framing}` : ''})`;
  }
  const framing = framingDiffers(json.records, img);
  return framing ? `the JSON does not describe this image: ${framing}` : null;
}

function framingDiffers(records: unknown, img: Image): string | null {
  if (records === undefined) return null;
  if (!Array.isArray(records)) return 'its records is not a list';
  const { index } = img;
  if (records.length !== index.count) return `it lists ${records.length} records, the image has ${index.count}`;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as { offset?: unknown; type?: unknown; len?: unknown } | null;
    if (!r || r.offset !== index.offsets[i] || r.type !== index.types[i] || r.len !== index.lens[i]) {
      return `record ${i} differs (offset, type or len)`;
    }
  }
  return null;
}
