// The provenance sidecar a capture writes beside its image (IMAGE.provenance.json, schema
// docs/schemas/provenance.schema.json), read for the editor as hostile input: bounded in size and
// count, checked for shape, and only believed when its sha256 is that of the image's bytes as opened.
// Anything else is ignored with a one-line notice saying why.
import { CC_NAMES } from '../parser/names.js';
import { escapeText } from '../shared/escape.js';
import type { ProvenanceLabel, ProvenanceView } from '../shared/protocol.js';

export const SIDECAR_SUFFIX = '.provenance.json';
/** Largest sidecar read: a capture of many pairs is well under this (about 200 bytes a field). */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;
export const MAX_SIDECAR_FIELDS = 100_000;
const MAX_PATH = 200;
const MAX_REASON = 2000;
const KINDS = new Set(['exact', 'derived', 'assumed', 'lost']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The key a field's label is found under: its edit path, with the sidecar's `c_cc.VINTR` spelled as
 * the editor's `c_cc[0]`; null for a path the editor cannot show.
 */
export function provenanceKey(path: string): string | null {
  if (!/^[A-Za-z0-9_.[\]/]+$/.test(path) || path === '__proto__') return null;
  return path.replace(/\.c_cc\.([A-Z0-9]+)$/, (all, name: string) => {
    const i = (CC_NAMES as readonly string[]).indexOf(name);
    return i >= 0 ? `.c_cc[${i}]` : all;
  });
}

function ignored(state: 'stale' | 'invalid', name: string, why: string): ProvenanceView {
  return { state, notice: `Provenance sidecar ${escapeText(name)} ignored (${state}): ${why}`, labels: {} };
}

/**
 * What the editor shows of a sidecar: `bytes` as read (null when there is none), `imageSha` the
 * sha256 (hex) of the image's bytes as opened, `name` the sidecar's file name for the notice.
 * Returns null when there is no sidecar.
 */
export function readSidecar(bytes: Uint8Array | null, imageSha: string, imageSize: number, name: string): ProvenanceView | null {
  if (bytes === null) return null;
  if (bytes.length > MAX_SIDECAR_BYTES) return ignored('invalid', name, `larger than the ${MAX_SIDECAR_BYTES}-byte limit`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return ignored('invalid', name, `not UTF-8 JSON (${e instanceof Error ? e.message.slice(0, 120) : 'unreadable'})`);
  }
  if (!isObj(doc)) return ignored('invalid', name, 'not a JSON object');
  if (doc.format !== 'ckpt-inspect.provenance/1') return ignored('invalid', name, 'format is not ckpt-inspect.provenance/1');
  const img = doc.image;
  if (!isObj(img) || typeof img.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(img.sha256)) return ignored('invalid', name, 'image.sha256 is not 64 lowercase hex digits');
  if (img.sha256 !== imageSha || img.size !== imageSize) return ignored('stale', name, 'its image.sha256 is not the sha256 of this image (edited or replaced since the capture)');
  const fields = doc.fields;
  if (!Array.isArray(fields)) return ignored('invalid', name, 'fields is not an array');
  if (fields.length > MAX_SIDECAR_FIELDS) return ignored('invalid', name, `${fields.length} fields, more than ${MAX_SIDECAR_FIELDS}`);
  const labels: Record<string, ProvenanceLabel> = Object.create(null);
  for (let i = 0; i < fields.length; i++) {
    const f: unknown = fields[i];
    const bad = (what: string) => ignored('invalid', name, `fields[${i}].${what}`);
    if (!isObj(f)) return bad('is not an object');
    if (typeof f.path !== 'string' || f.path.length === 0 || f.path.length > MAX_PATH) return bad(`path is not a string of 1..${MAX_PATH} characters`);
    if (typeof f.provenance !== 'string' || !KINDS.has(f.provenance)) return bad('provenance is not exact, derived, assumed or lost');
    if (typeof f.reason !== 'string' || f.reason.length === 0 || f.reason.length > MAX_REASON) return bad(`reason is not a string of 1..${MAX_REASON} characters`);
    if (!(f.offset === null || (Number.isSafeInteger(f.offset) && (f.offset as number) >= 0))) return bad('offset is not null or a non-negative integer');
    if (!(Number.isSafeInteger(f.size) && (f.size as number) >= 0)) return bad('size is not a non-negative integer');
    if (typeof f.offset === 'number' && f.offset + (f.size as number) > imageSize) return bad('offset + size is past the end of the image');
    const key = provenanceKey(f.path);
    if (key === null) continue;
    labels[key] = { kind: f.provenance as ProvenanceLabel['kind'], reason: escapeText(f.reason) };
  }
  return { state: 'ok', notice: null, labels };
}
