// Memory property: small inputs that claim huge lengths and counts (record len 0xffffffff,
// datalen, canon_datalen, nr_tasks, fdt_nfds, objrefs…) must allocate nothing in proportion to
// the claim. Run in a child with a 64 MiB old space; its peak RSS after processing every input is
// compared with its peak RSS right after loading the modules.
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { samplePair } from '../../lib/image-writer.js';
import { LAYOUT, T } from '../../../src/parser/layout.js';
import { walk } from './records.js';
import { peakRss } from '../../../bench/lib/peak-rss.js';

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff8];

export function hugeClaims(): Uint8Array[] {
  const out: Uint8Array[] = [];
  // 64-byte files made of record headers that claim huge lens.
  for (const len of HUGE) {
    const b = new Uint8Array(64);
    const v = new DataView(b.buffer);
    for (let p = 0; p + 8 <= 64; p += 8) {
      v.setUint32(p, p === 0 ? T.HEADER : T.BUFFER, true);
      v.setUint32(p + 4, len, true);
    }
    b[16] = 1;
    out.push(b);
  }
  const base = samplePair();
  const w = walk(base);
  for (const r of w.recs) {
    for (const len of HUGE.slice(0, 2)) {
      const b = base.slice();
      new DataView(b.buffer).setUint32(r.off + 4, len, true);
      out.push(b);
    }
  }
  const fields: [number, string, string][] = [
    [T.TTY_LDISC, 'datalen', 'ldisc'], [T.TTY_LDISC, 'canon_datalen', 'ldisc'], [T.TTY_LDISC, 'canon_data', 'ldisc'],
    [T.TREE, 'nr_tasks', 'tree'], [T.FILE_TABLE, 'fdt_nfds', 'fileTable'], [T.OBJREF, 'objref', 'objref'],
    [T.TTY, 'index', 'tty'], [T.TTY, 'link_objref', 'tty'], [T.FILE_DESC, 'fd_descriptor', 'fileDesc'],
  ];
  for (const [type, name, lay] of fields) {
    const L = (LAYOUT as Record<string, { fields: Map<string, { offset: number }> }>)[lay];
    for (const r of w.recs.filter((x) => x.type === type)) {
      for (const val of HUGE) {
        const b = base.slice();
        new DataView(b.buffer).setUint32(r.off + L.fields.get(name)!.offset, val, true);
        out.push(b);
      }
    }
  }
  return out;
}

/**
 * Damaged images of many tiny records (issue 11): the record index is their only cost (no model
 * object, diagnostics past DIAGNOSTICS_PER_CODE only counted), so 64 Ki of them in 512 KiB stay far
 * inside the probe's limit; at the 2.7 KB each they once cost, they would not.
 */
export function shortRecordSpam(n = 65536): Uint8Array[] {
  const base = samplePair();
  const w = walk(base);
  const tailOff = w.recs[w.recs.length - 1].off;
  const kinds: [number, number][] = [[T.TTY, 8], [T.TTY, 12], [T.TTY_LDISC, 8], [T.OBJREF, 8], [T.FILE, 8], [9000, 8]];
  return kinds.map(([type, len]) => {
    const body = new Uint8Array(n * len);
    const v = new DataView(body.buffer);
    for (let i = 0; i < n; i++) {
      v.setUint32(i * len, type, true);
      v.setUint32(i * len + 4, len, true);
    }
    const out = new Uint8Array(base.length + body.length);
    out.set(base.subarray(0, tailOff));
    out.set(body, tailOff);
    out.set(base.subarray(tailOff), tailOff + body.length);
    return out;
  });
}

export interface ProbeResult {
  ok: boolean;
  inputs: number;
  baselineRss: number;
  peakRss: number;
  detail: string;
  worst?: Uint8Array;
}

export async function memoryProbe(dir: string, limit = 64 * 2 ** 20): Promise<ProbeResult> {
  const inputs = [...hugeClaims(), ...shortRecordSpam()];
  const list = inputs.map((b, i) => {
    const f = join(dir, `mem-${i}.ckpt`);
    writeFileSync(f, b);
    return f;
  });
  const listFile = join(dir, 'mem-list.json');
  writeFileSync(listFile, JSON.stringify(list));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--max-old-space-size=64', __filename, listFile], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    return { ok: false, inputs: inputs.length, baselineRss: 0, peakRss: 0, detail: `memory probe child failed (status ${r.status}, ${r.signal ?? ''}): ${r.stderr.slice(-2000)}` };
  }
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { base: number; peak: number; worstIdx: number; worstGrowth: number };
  const ok = res.peak - res.base < limit;
  return {
    ok,
    inputs: inputs.length,
    baselineRss: res.base,
    peakRss: res.peak,
    detail: `peak RSS ${res.peak} vs ${res.base} after loading; largest step ${res.worstGrowth} bytes on input ${res.worstIdx}`,
    worst: ok ? undefined : inputs[res.worstIdx],
  };
}

async function child(listFile: string): Promise<void> {
  const { openImage } = await import('../../../src/parser/image.js');
  const { validateBounded } = await import('../../../src/parser/validate/index.js');
  const { reportJson } = await import('../../../src/parser/report-json.js');
  const { reportText } = await import('../../../src/parser/report-text.js');
  // warm up the modules so their code and tables are in the baseline
  const s = samplePair();
  const im = openImage(s);
  const d = validateBounded(im);
  JSON.stringify(reportJson(im, d.diagnostics, d.omitted));
  reportText(im, d.diagnostics, 'x', { counted: d });
  const base = peakRss();
  let worstIdx = -1;
  let worstGrowth = 0;
  const list = JSON.parse(readFileSync(listFile, 'utf8')) as string[];
  list.forEach((f, i) => {
    const before = peakRss();
    const b = new Uint8Array(readFileSync(f));
    try {
      const img = openImage(b);
      // What the CLI does (src/cli/main.ts): the bounded validation and both reports.
      const v = validateBounded(img);
      JSON.stringify(reportJson(img, v.diagnostics, v.omitted));
      reportText(img, v.diagnostics, f, { counted: v });
    } catch {
      // exceptions are the main fuzzer's business
    }
    const g = peakRss() - before;
    if (g > worstGrowth) {
      worstGrowth = g;
      worstIdx = i;
    }
  });
  const peak = peakRss();
  process.stdout.write(JSON.stringify({ base, peak, worstIdx, worstGrowth }) + '\n');
}

if (require.main === module) {
  child(process.argv[2]).catch((e) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e));
    process.exit(1);
  });
}
