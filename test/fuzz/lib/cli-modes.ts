// The drivers of the fuzzer's CLI modes (names and encode): seed cases first, then random cases
// until the mode's share of the time is used. Each finding is reported with what reproduces it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Finding, REPO } from './oracle.js';
import { Rng } from './mutate.js';
import { runCliRaw } from './cli-run.js';
import { describe, KINDS, loadNameSeeds, makeKind, pickCase, runNamesCase } from './names-mode.js';
import { hostileDocument, loadEncodeSeeds, runEncodeCase } from './encode-mode.js';

export type Report = (f: Finding, repro: Uint8Array, ext: string) => void;

export interface ModeStats {
  runs: number;
  seedRuns: number;
  ms: number;
  note: string;
}

const SAMPLE = () => new Uint8Array(readFileSync(join(REPO, 'samples/pair.ckpt')));

/** The image's --json report, from the built CLI (its `source` names `file`). */
function reportOf(file: string, work: string): unknown {
  const r = runCliRaw([Buffer.from('--json'), Buffer.from(file)], work, work, 60_000);
  if (r.code !== 0) throw new Error(`ckpt-inspect --json ${file}: exit ${r.code}: ${r.err.toString()}`);
  return JSON.parse(r.out.toString('utf8'));
}

const canMknod = () => process.getuid?.() === 0;

export function namesMode(work: string, untilMs: number, seed: number, report: Report): ModeStats {
  const t0 = Date.now();
  const seeds = loadNameSeeds();
  const rng = new Rng(seed);
  const image = SAMPLE();
  const base = join(work, 'names-base.ckpt');
  writeFileSync(base, image);
  // encode --base: the sample's report with one value edited.
  const doc = reportOf(base, work) as { ttys: { winsize: { ws_col: number } }[] };
  doc.ttys[0].winsize.ws_col = 91;
  const jsonPath = join(work, 'names-edited.json');
  writeFileSync(jsonPath, JSON.stringify(doc));
  const mknod = canMknod();
  let runs = 0;
  // One seed case per kind (as input, and another kind as target), then random cases.
  for (let i = 0; i < KINDS.length || Date.now() < untilMs; i++) {
    const c = pickCase(rng, seeds, i);
    for (const f of runNamesCase(c, work, image, jsonPath, mknod)) report({ ...f, detail: `${describe(c)}\n${f.detail}` }, Buffer.from(`${describe(c)}\n`), 'case.txt');
    runs++;
  }
  return { runs, seedRuns: KINDS.length, ms: Date.now() - t0, note: mknod ? '' : ' (not root: character devices replaced by FIFOs)' };
}

export function encodeMode(work: string, untilMs: number, seed: number, report: Report): ModeStats {
  const t0 = Date.now();
  const seeds = loadEncodeSeeds();
  const rng = new Rng(seed);
  const dir = join(work, 'encode-case');
  mkdirSync(dir);
  const image = SAMPLE();
  writeFileSync(join(dir, 'base.ckpt'), image);
  // The special files the seeds' source.path values name.
  const mknod = canMknod();
  for (const [name, kind] of [['fifo', 'fifo'], ['zero', mknod ? 'zero' : 'fifo'], ['folder', 'dir'], ['loop', 'loop'], ['dangling', 'dangling']] as const) makeKind(dir, Buffer.from(name), kind, image);
  const doc = reportOf('base.ckpt', dir);
  let runs = 0;
  // Documents from the seeds (whole, or spliced into the real report), at least a few whatever the time.
  while (runs < 4 || Date.now() < untilMs) {
    const c = { doc: hostileDocument(rng, doc as never, seeds), base: rng.chance(0.5), force: rng.chance(0.3) };
    for (const f of runEncodeCase(c, dir, work)) report({ ...f, detail: `${f.detail}\nencode${c.base ? ' --base base.ckpt' : ''}${c.force ? ' --force' : ''} of the saved .json` }, c.doc, 'json');
    runs++;
  }
  return { runs, seedRuns: 0, ms: Date.now() - t0, note: '' };
}
