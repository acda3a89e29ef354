// The encode mode of the fuzzer (issue 11): `ckpt-inspect encode` given hostile JSON. Each document
// starts from the image's real --json report (so that it belongs to the image and the values get
// past the belonging check) with hostile pieces spliced in as text: values (huge and negative
// numbers, wrong types, escapes, lone surrogates, __proto__), members (duplicate keys, inherited
// names), whole documents, source.path values that name FIFOs, devices, directories, loops and file
// descriptors; values nested thousands deep; documents truncated or with stray bytes. Every run must
// keep the invariants of cli-run.ts, and the image never changes. Seeds: test/fuzz/seeds/encode.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Finding, REPO } from './oracle.js';
import type { Rng } from './mutate.js';
import { folderProblems, runCliRaw, runProblems, snapshot, writable } from './cli-run.js';

const TIMEOUT_MS = 30_000;

export interface EncodeSeeds {
  values: string[];
  members: string[];
  documents: string[];
  paths: string[];
}

export function loadEncodeSeeds(): EncodeSeeds {
  return JSON.parse(readFileSync(join(REPO, 'test/fuzz/seeds/encode.json'), 'utf8')) as EncodeSeeds;
}

// Markers put in the parsed report where a hostile piece goes, found again in its text.
const HOLE_MARK = '@@fuzz-hole@@';
const KEY_MARK = '@@fuzz-key@@';
const HOLE = JSON.stringify(HOLE_MARK);
const KEY = `${JSON.stringify(KEY_MARK)}:0`;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every place in `v` (objects and their members, array items), as parent and key. */
function places(v: Json, out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [], depth = 0): typeof out {
  if (depth > 8 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), places(x, out, depth + 1)));
  else for (const [k, x] of Object.entries(v)) (out.push({ parent: v, key: k }), places(x, out, depth + 1));
  return out;
}

function nest(rng: Rng, text: string): string {
  const n = rng.pick([10, 1000, 100_000]);
  return rng.chance(0.5) ? '['.repeat(n) + text + ']'.repeat(n) : '{"a":'.repeat(n) + text + '}'.repeat(n);
}

const STRAY = [[0x00], [0xff], [0xc0, 0xaf], [0xef, 0xbb, 0xbf], [0x1b], [0x22], [0x5c], [0x7d], [0xed, 0xa0, 0x80]];

/**
 * One hostile document: the report (a parsed --json of the image) with 1-3 values replaced and
 * maybe a member added, as text; or a seed document; then maybe truncated or given stray bytes.
 */
export function hostileDocument(rng: Rng, report: Json, seeds: EncodeSeeds): Buffer {
  let text: string;
  if (rng.chance(0.15)) text = rng.pick(seeds.documents);
  else {
    const doc = JSON.parse(JSON.stringify(report)) as Json;
    const ps = places(doc);
    const fills: string[] = [];
    for (let k = 1 + rng.int(3); k > 0; k--) {
      const p = rng.pick(ps);
      if (!p) break;
      (p.parent as Record<string | number, Json>)[p.key] = HOLE_MARK;
      let v = rng.chance(0.2) && p.key === 'path' ? JSON.stringify(rng.pick(seeds.paths)) : rng.pick(seeds.values);
      if (rng.chance(0.1)) v = nest(rng, v);
      fills.push(v);
    }
    let member: string | null = null;
    if (rng.chance(0.4)) {
      const objs = ps.map((p) => (p.parent as Record<string | number, Json>)[p.key]).filter((x): x is { [k: string]: Json } => x !== null && typeof x === 'object' && !Array.isArray(x));
      const o = objs.length ? rng.pick(objs) : null;
      if (o) {
        const keys = Object.keys(o);
        // A duplicate of one of its own keys, or a seed member.
        member = keys.length && rng.chance(0.5) ? `${JSON.stringify(rng.pick(keys))}:${rng.pick(seeds.values)}` : rng.pick(seeds.members);
        o[KEY_MARK] = 0;
      }
    }
    text = JSON.stringify(doc);
    for (const f of fills) text = text.replace(HOLE, () => f);
    if (member !== null) text = text.replace(KEY, () => member as string);
  }
  let bytes = Buffer.from(text);
  if (rng.chance(0.1)) bytes = bytes.subarray(0, rng.int(bytes.length + 1));
  if (rng.chance(0.1)) {
    const at = rng.int(bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.pick(STRAY)), bytes.subarray(at)]);
  }
  return bytes;
}

export interface EncodeCase {
  doc: Buffer;
  base: boolean;
  force: boolean;
}

/**
 * Run `encode DOC [--base base.ckpt] -o out.ckpt [--force]` in `dir` (which holds base.ckpt and the
 * special files the seeds' paths name); the document is written to `work`, outside the folder.
 */
export function runEncodeCase(c: EncodeCase, dir: string, work: string): Finding[] {
  const docPath = join(work, 'encode-doc.json');
  writeFileSync(docPath, c.doc);
  const before = snapshot(dir);
  const may = writable(dir, Buffer.from('out.ckpt'));
  const args = [Buffer.from('encode'), Buffer.from(docPath), ...(c.base ? [Buffer.from('--base'), Buffer.from('base.ckpt')] : []), Buffer.from('-o'), Buffer.from('out.ckpt'), ...(c.force ? [Buffer.from('--force')] : [])];
  const what = `encode${c.base ? ' --base' : ''}${c.force ? ' --force' : ''}`;
  const r = runCliRaw(args, dir, work, TIMEOUT_MS);
  const found = runProblems(r, 'encode', what, TIMEOUT_MS);
  if (!r.timedOut) found.push(...folderProblems(before, snapshot(dir), may, 'encode', what));
  return found;
}
