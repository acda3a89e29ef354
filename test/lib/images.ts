// Test images: the golden set (when ../shared/golden exists) and the cases written by the C
// generator test/gen/ckpt-gen.c, compiled here with gcc so that struct layouts are the compiler's.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const GOLDEN = join(ROOT, '../shared/golden');
const GEN_SRC = join(ROOT, 'test/gen/ckpt-gen.c');

export interface ExpectedProblem { code?: string; offset: number; field: string }
export interface CaseJson {
  size: number;
  endian: string;
  errors: ExpectedProblem[];
  warnings?: ExpectedProblem[];
  ttys: Record<string, unknown>[];
  files: unknown[];
  recordOffsets?: { masterTty: number; slaveTty: number; slaveFile: number };
}
export interface TestImage { name: string; bytes: Uint8Array; json: CaseJson; source: 'golden' | 'generated' }

let genBin: string | null | undefined;
/** Path of the compiled generator, or null when its source is not in the tree yet. */
export function generator(): string | null {
  if (genBin !== undefined) return genBin;
  if (!existsSync(GEN_SRC)) return (genBin = null);
  const hash = createHash('sha256').update(readFileSync(GEN_SRC)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `ckpt-gen-${hash}`);
  const bin = join(dir, 'ckpt-gen');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', bin, GEN_SRC], { stdio: 'inherit' });
  }
  return (genBin = bin);
}

let casesDir: string | null | undefined;
export function generatedCasesDir(): string | null {
  if (casesDir !== undefined) return casesDir;
  const bin = generator();
  if (!bin) return (casesDir = null);
  const dir = join(bin, '..', 'cases');
  if (!existsSync(join(dir, 'index.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync(bin, ['cases', dir], { stdio: 'inherit' });
  }
  return (casesDir = dir);
}

function load(dir: string, source: TestImage['source']): TestImage[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ckpt') && existsSync(join(dir, n.replace(/\.ckpt$/, '.json'))))
    .sort()
    .map((n) => ({
      name: n.replace(/\.ckpt$/, ''),
      bytes: new Uint8Array(readFileSync(join(dir, n))),
      json: JSON.parse(readFileSync(join(dir, n.replace(/\.ckpt$/, '.json')), 'utf8')) as CaseJson,
      source,
    }));
}

export function goldenImages(): TestImage[] {
  return existsSync(GOLDEN) ? load(GOLDEN, 'golden') : [];
}

export function generatedImages(): TestImage[] {
  const dir = generatedCasesDir();
  return dir ? load(dir, 'generated') : [];
}

export function allImages(): TestImage[] {
  return [...goldenImages(), ...generatedImages()];
}

/** A small deterministic PRNG (mulberry32) so property tests are reproducible from their seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
