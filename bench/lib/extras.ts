// Extra benchmark modules (bench/editor.mjs, bench/restore.ts…) owned by others: each is run in a
// child with `--json`; the JSON it prints is its figures. When it prints none, it is imported by a
// wrapper that calls an exported run()/bench()/default function (or reads an exported `figures`).
// Anything that fails is reported as "not run" in the table instead of failing the benchmark.
import { spawnSync } from 'node:child_process';

export interface Figure {
  name: string;
  value?: number | string;
  unit?: string;
  baseline?: number | string;
  ratio?: number;
  target?: number | string;
  ok?: boolean;
}

function lastJson(text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    // a log line or two before the JSON: try each line from the end, then each '{' / '['
  }
  const lines = t.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export function runExtra(file: string, cwd: string, timeoutMs = 600_000): { ok: true; value: unknown } | { ok: false; error: string } {
  const direct = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, '--json'], { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const v = lastJson(direct.stdout ?? '');
  if (direct.status === 0 && v !== undefined) return { ok: true, value: v };
  const wrapper = `
    const m = await import(${JSON.stringify('file://' + file)});
    const f = m.run ?? m.bench ?? (typeof m.default === 'function' ? m.default : undefined);
    const v = f ? await f({ json: true }) : (m.figures ?? m.default);
    if (v === undefined) throw new Error('no JSON printed and no run()/bench()/default/figures export');
    process.stdout.write('\\n' + JSON.stringify(v) + '\\n');
  `;
  const w = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', wrapper], { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const wv = lastJson(w.stdout ?? '');
  if (w.status === 0 && wv !== undefined) return { ok: true, value: wv };
  const why = (direct.signal ? `killed by ${direct.signal}` : direct.status !== 0 ? `exit ${direct.status}: ${(direct.stderr ?? '').trim().split('\n').pop()}` : 'printed no JSON').slice(0, 160);
  return { ok: false, error: why };
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function asFigure(o: Record<string, unknown>, fallbackName: string): Figure | null {
  const name = typeof o.name === 'string' ? o.name : typeof o.figure === 'string' ? o.figure : typeof o.label === 'string' ? o.label : fallbackName;
  const value = num(o.value) ?? (typeof o.value === 'string' ? o.value : undefined) ?? num(o.ms) ?? num(o.median);
  const ratio = num(o.ratio);
  if (value === undefined && ratio === undefined) return null;
  const f: Figure = { name };
  if (value !== undefined) f.value = value;
  if (typeof o.unit === 'string') f.unit = o.unit;
  else if (num(o.ms) !== undefined && o.value === undefined) f.unit = 'ms';
  if (num(o.baseline) !== undefined || typeof o.baseline === 'string') f.baseline = o.baseline as number | string;
  if (ratio !== undefined) f.ratio = ratio;
  if (num(o.target) !== undefined || typeof o.target === 'string') f.target = o.target as number | string;
  if (typeof o.ok === 'boolean') f.ok = o.ok;
  else if (ratio !== undefined && num(o.target) !== undefined) f.ok = ratio <= (o.target as number);
  return f;
}

/** Accepts [{name, value, unit, baseline, ratio, target}], {figures: [...]}, or any object (numeric leaves). */
export function normaliseExtra(v: unknown): Figure[] {
  const out: Figure[] = [];
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { figures?: unknown }).figures) ? (v as { figures: unknown[] }).figures : null;
  if (list) {
    list.forEach((x, i) => {
      if (x && typeof x === 'object') {
        const f = asFigure(x as Record<string, unknown>, `figure ${i}`);
        if (f) out.push(f);
      }
    });
    if (out.length) return out;
  }
  // {fooMs, barMs, ratio[, target]}: one figure, the first number against the second.
  if (v && typeof v === 'object' && !Array.isArray(v) && num((v as Record<string, unknown>).ratio) !== undefined) {
    const o = v as Record<string, unknown>;
    const nums = Object.entries(o).filter(([k, x]) => k !== 'ratio' && k !== 'target' && num(x) !== undefined) as [string, number][];
    if (nums.length === 2) {
      const unit = (k: string) => (/Ms$/.test(k) ? ' ms' : '');
      const f: Figure = { name: nums[0][0].replace(/Ms$/, ''), value: nums[0][1], unit: unit(nums[0][0]).trim() || undefined, baseline: `${nums[1][0].replace(/Ms$/, '')} ${nums[1][1]}${unit(nums[1][0])}`, ratio: o.ratio as number };
      if (num(o.target) !== undefined) {
        f.target = o.target as number;
        f.ok = (o.ratio as number) <= (o.target as number);
      }
      if (f.unit === undefined) delete f.unit;
      return [f];
    }
  }
  const walk = (x: unknown, path: string, depth: number) => {
    if (depth > 4 || out.length > 60) return;
    if (typeof x === 'number' && Number.isFinite(x)) out.push({ name: path || 'value', value: x });
    else if (x && typeof x === 'object') {
      const f = !Array.isArray(x) ? asFigure(x as Record<string, unknown>, path) : null;
      if (f && (x as Record<string, unknown>).name !== undefined) {
        out.push(f);
        return;
      }
      for (const [k, y] of Object.entries(x)) walk(y, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  walk(v, '', 0);
  return out;
}
