// The properties every input must satisfy: parse + validate + JSON report (and its JSON.stringify)
// + text report throw nothing; every diagnostic's offset lies inside the file (0 <= offset < size;
// a 0-byte file may only say offset 0) and its range does not run past the end; time within a
// budget proportional to size; no large memory growth; and encode(decode(x)) == x for inputs that
// decode without errors (when src/parser/encode.ts exists); and the editor's sparse read
// (src/parser/sparse-walk.ts) keeps every byte outside its holes and leaves in them nothing that the
// parser, the validator or the JSON report reads (same diagnostics and report with the holes poisoned).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openImage } from '../../../src/parser/image.js';
import { validateBounded, type Validation } from '../../../src/parser/validate/index.js';
import { reportJson } from '../../../src/parser/report-json.js';
import { reportText } from '../../../src/parser/report-text.js';
import type { Diagnostic, Image } from '../../../src/parser/model.js';
import { SparseWalker } from '../../../src/parser/sparse-walk.js';

export type FindingKind = 'crash' | 'diag-offset' | 'diag-length' | 'slow' | 'memory' | 'roundtrip' | 'cli' | 'hang' | 'sparse';

export interface Finding {
  kind: FindingKind;
  /** Dedup key: same key = same bug. */
  key: string;
  detail: string;
}

export interface Outcome {
  findings: Finding[];
  /** Budget used (ms / budget). */
  budgetRatio?: number;
  diags: Diagnostic[] | null;
  ms: number;
  errors: number;
}

export const REPO = join(__dirname, '../../..');

type Encoder = (img: Image) => Uint8Array;
let encoder: Encoder | null | undefined;

/** encodeImage from src/parser/encode.ts, or null when the encoder does not exist (yet). */
export async function loadEncoder(): Promise<Encoder | null> {
  if (encoder !== undefined) return encoder;
  encoder = null;
  if (existsSync(join(REPO, 'src/parser/encode.ts'))) {
    const m = (await import('../../../src/parser/encode.js')) as Record<string, unknown>;
    const f = m.encodeImage ?? m.encode;
    if (typeof f === 'function') encoder = f as Encoder;
  }
  return encoder;
}

function normalise(msg: string): string {
  return msg.replace(/0x[0-9a-f]+/gi, 'X').replace(/\d+/g, 'N').slice(0, 120);
}

/** First stack frame inside src/ (file:line), for deduplicating crashes. */
export function frameOf(e: unknown): string {
  const st = e instanceof Error && e.stack ? e.stack.split('\n') : [];
  for (const l of st) {
    const m = /(src\/[^:()\s]+):(\d+)/.exec(l);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return st[1]?.trim() ?? '?';
}

export interface CheckOptions {
  /** Milliseconds allowed: base + perMiB * size in MiB. */
  budgetBaseMs?: number;
  budgetPerMiBMs?: number;
  roundtrip?: boolean;
  memoryLimitBytes?: number;
  /** Check the sparse read too (default true). */
  sparse?: boolean;
}

/**
 * The walker over `bytes` (holes as small as 16 bytes, so that small inputs get them), reads served
 * from memory in the walker's own chunks; the result with every hole byte poisoned.
 */
function sparseCopy(bytes: Uint8Array): { copy: Uint8Array; holes: { at: number; len: number }[]; steps: number } {
  const copy = new Uint8Array(bytes.length);
  const w = new SparseWalker(bytes.length, 16);
  const chunk = new Uint8Array(1 << 20);
  let steps = 0;
  for (let r = w.next(); r; r = w.next()) {
    if (++steps > bytes.length + 16) throw new Error(`the walker made ${steps} reads over ${bytes.length} bytes`);
    const n = Math.min(r.len, bytes.length - r.pos);
    if (r.direct) {
      copy.set(bytes.subarray(r.pos, r.pos + n), r.pos);
      w.advance(n);
    } else {
      chunk.set(bytes.subarray(r.pos, r.pos + n));
      w.take(chunk, n, copy, 0);
    }
  }
  for (const h of w.holes) for (let k = 0; k < h.len; k++) copy[h.at + k] = (0xa5 + k * 7 + (k >> 8)) & 255;
  return { copy, holes: w.holes, steps };
}

export function diagProblems(diags: Diagnostic[], size: number): Finding[] {
  const out: Finding[] = [];
  for (const d of diags) {
    const okOffset = Number.isInteger(d.offset) && d.offset >= 0 && (size === 0 ? d.offset === 0 : d.offset < size);
    if (!okOffset) {
      out.push({ kind: 'diag-offset', key: `diag-offset:${d.code}:${d.field}`, detail: `${d.code} (${d.field}) at offset ${d.offset} in a ${size}-byte file: ${d.message}` });
      continue;
    }
    const okLen = Number.isInteger(d.length) && d.length >= 0 && d.offset + d.length <= Math.max(size, 0);
    if (!okLen) {
      out.push({ kind: 'diag-length', key: `diag-length:${d.code}:${d.field}`, detail: `${d.code} (${d.field}) at ${d.offset} length ${d.length} runs past the ${size}-byte file: ${d.message}` });
    }
  }
  return out;
}

/** Run the whole in-process pipeline on one input; report what broke. */
export function checkInput(bytes: Uint8Array, opts: CheckOptions = {}): Outcome {
  const findings: Finding[] = [];
  const size = bytes.length;
  const rss0 = process.memoryUsage.rss();
  // Budgets are on CPU time, not wall time: the machine may be shared, and a starved process is
  // not a slow parser.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let stage = 'openImage';
  let diags: Diagnostic[] | null = null;
  let counted: Validation | null = null;
  let img: Image | null = null;
  const times: Record<string, number> = {};
  let ts = t0;
  const lap = (next: string) => {
    const now = performance.now();
    times[stage] = now - ts;
    ts = now;
    stage = next;
  };
  try {
    img = openImage(bytes);
    lap('validate');
    // What the CLI does (src/cli/main.ts): the bounded validation, then both reports.
    counted = validateBounded(img);
    diags = counted.diagnostics;
    lap('reportJson');
    const j = reportJson(img, diags, counted.omitted);
    lap('JSON.stringify');
    JSON.stringify(j);
    lap('reportText');
    reportText(img, diags, 'fuzz.ckpt', { counted });
    lap('done');
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    findings.push({ kind: 'crash', key: `crash:${stage}:${frameOf(e)}:${normalise(msg)}`, detail: `${stage} threw ${msg}\n${e instanceof Error ? e.stack : ''}` });
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  const ms = Math.min(wall, (c.user + c.system) / 1000);
  const budget = (opts.budgetBaseMs ?? 100) + (opts.budgetPerMiBMs ?? 1000) * (size / 2 ** 20);
  if (ms > budget) {
    const worst = Object.entries(times).sort((a, b) => b[1] - a[1])[0]?.[0] ?? stage;
    const split = Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ');
    findings.push({ kind: 'slow', key: `slow:${worst}`, detail: `${ms.toFixed(0)} ms for ${size} bytes (budget ${budget.toFixed(0)} ms): ${split}` });
  }
  const grown = process.memoryUsage.rss() - rss0;
  const memLimit = opts.memoryLimitBytes ?? 256 * 2 ** 20 + 8 * size;
  if (grown > memLimit) {
    findings.push({ kind: 'memory', key: 'memory', detail: `RSS grew by ${(grown / 2 ** 20).toFixed(0)} MiB for a ${size}-byte input` });
  }
  if (diags) findings.push(...diagProblems(diags, size));
  const errors = counted ? counted.errors : -1;
  if (img && diags && errors === 0 && opts.roundtrip !== false && encoder) {
    try {
      const out = encoder(img);
      let at = -1;
      if (out.length !== bytes.length) at = Math.min(out.length, bytes.length);
      else for (let i = 0; i < out.length; i++) if (out[i] !== bytes[i]) { at = i; break; }
      if (at >= 0) {
        findings.push({ kind: 'roundtrip', key: `roundtrip:${out.length === bytes.length ? 'byte' : 'size'}`, detail: `encodeImage(openImage(x)) differs from x at offset ${at} (sizes ${out.length} / ${bytes.length})` });
      }
    } catch (e) {
      findings.push({ kind: 'crash', key: `crash:encodeImage:${frameOf(e)}:${normalise(String(e))}`, detail: `encodeImage threw ${e instanceof Error ? e.stack : String(e)}` });
    }
  }
  if (img && diags && opts.sparse !== false) {
    try {
      const { copy, holes } = sparseCopy(bytes);
      let p = 0;
      let bad = -1;
      for (const h of [...holes, { at: bytes.length, len: 0 }]) {
        for (let i = p; i < h.at && bad < 0; i++) if (copy[i] !== bytes[i]) bad = i;
        p = h.at + h.len;
      }
      if (bad >= 0) findings.push({ kind: 'sparse', key: 'sparse:kept', detail: `the sparse read lost byte ${bad} outside its holes` });
      else if (holes.length) {
        const img2 = openImage(copy);
        const d2 = validateBounded(img2).diagnostics;
        const j = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
        if (j(d2) !== j(diags)) findings.push({ kind: 'sparse', key: 'sparse:diagnostics', detail: `diagnostics differ with the ${holes.length} hole(s) poisoned` });
        else if (j(reportJson(img2, d2)) !== j(reportJson(img, diags))) findings.push({ kind: 'sparse', key: 'sparse:report', detail: `the JSON report differs with the ${holes.length} hole(s) poisoned` });
      }
    } catch (e) {
      findings.push({ kind: 'crash', key: `crash:sparse:${frameOf(e)}:${normalise(String(e))}`, detail: `the sparse read threw ${e instanceof Error ? e.stack : String(e)}` });
    }
  }
  return { findings, diags, ms, errors };
}

/** Run the built CLI on a file, in --json and text mode; it must exit 0/1 as the in-process result says. */
export function checkCli(file: string, size: number, expectErrors: number | null): Finding[] {
  const cli = join(REPO, 'bin/ckpt-inspect.js');
  if (!existsSync(cli)) return [];
  const out: Finding[] = [];
  for (const mode of ['--json', 'text'] as const) {
    const args = mode === '--json' ? [cli, '--json', file] : [cli, file];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 180_000 });
    const what = `ckpt-inspect ${mode === '--json' ? '--json ' : ''}FILE`;
    if (r.error || r.signal) {
      out.push({ kind: 'cli', key: `cli:${mode}:signal`, detail: `${what} died: ${r.error?.message ?? r.signal}` });
      continue;
    }
    const want = expectErrors === null ? null : expectErrors > 0 ? 1 : 0;
    if (r.status !== 0 && r.status !== 1) {
      out.push({ kind: 'cli', key: `cli:${mode}:exit${r.status}:${normalise(r.stderr.split('\n')[0] ?? '')}`, detail: `${what} exited ${r.status}: ${r.stderr.trim()}` });
      continue;
    }
    // Nothing from the image reaches the terminal as a control (issue 11): only newlines are raw.
    const raw = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/.exec(r.stdout + r.stderr);
    if (raw) out.push({ kind: 'cli', key: `cli:${mode}:raw-control`, detail: `${what} printed U+${(raw[0].codePointAt(0) as number).toString(16).padStart(4, '0')} raw at ${raw.index}` });
    if (want !== null && r.status !== want) {
      out.push({ kind: 'cli', key: `cli:${mode}:status-mismatch`, detail: `${what} exited ${r.status}; in-process validate found ${expectErrors} error(s)` });
    }
    if (mode === '--json') {
      try {
        const j = JSON.parse(r.stdout) as { size: number; diagnostics: { offset: number }[] };
        if (j.size !== size) out.push({ kind: 'cli', key: 'cli:json-size', detail: `--json says size ${j.size}, file has ${size}` });
      } catch (e) {
        out.push({ kind: 'cli', key: 'cli:json-parse', detail: `--json output is not JSON: ${String(e)}` });
      }
    }
  }
  return out;
}
