// The linear-time property, probed directly: structural patterns that a quadratic loop would
// punish (pending OBJREFs never satisfied, many pty pairs, canonical LDISCs full of line ends,
// many dangling references, many masters with reserved objrefs) are built at n and 4n copies;
// parse+validate+reports CPU time per byte must not grow by more than `maxGrowth`, and must stay
// under `maxMsPerMiB` (the fuzzer's per-input budget).
import { CkptWriter } from '../../lib/image-writer.js';
import { LAYOUT, OBJ, T } from '../../../src/parser/layout.js';
import { checkInput, Finding } from './oracle.js';

type Builder = (n: number) => Uint8Array;

const lineEnds = [...Array(4095).keys()];
const fullCanon = new Uint8Array(4095).fill(0x0a);

export const PATTERNS: Record<string, { build: Builder; n: number }> = {
  'pending OBJREFs (objtype CRED, no CRED record) then other records': {
    n: 2000,
    build: (n) => {
      const w = new CkptWriter().header();
      for (let i = 0; i < n; i++) w.objref(OBJ.CRED, 1000 + i);
      for (let i = 0; i < n; i++) w.opaque(16, T.STRING);
      return w.tail();
    },
  },
  'many pty pairs': {
    n: 1500,
    build: (n) => {
      const w = new CkptWriter().header();
      for (let i = 0; i < n; i++) w.pair({}, {});
      return w.tail();
    },
  },
  'canonical LDISCs with 4095 line ends': {
    n: 2,
    build: (n) => {
      const w = new CkptWriter().header();
      for (let i = 0; i < n; i++) w.pair({}, { data: fullCanon, icanon: true, lineEnds });
      return w.tail();
    },
  },
  'empty TTY records (8 bytes each, no OBJREF)': {
    n: 20000,
    build: (n) => {
      const b = new CkptWriter().header().tail();
      const body = new Uint8Array(n * 8);
      const v = new DataView(body.buffer);
      for (let i = 0; i < n; i++) {
        v.setUint32(i * 8, T.TTY, true);
        v.setUint32(i * 8 + 4, 8, true);
      }
      const out = new Uint8Array(b.length + body.length);
      out.set(b.subarray(0, b.length - 16));
      out.set(body, b.length - 16);
      out.set(b.subarray(b.length - 16), b.length - 16 + body.length);
      return out;
    },
  },
  // The records alone: a base of other records (pty pairs cost less per byte) would be diluted by n,
  // and the growth per byte would measure the mix. n is large enough that a quadratic with the
  // cheapest inner step (a typed-array read per pair of records, ~1 ns, against ~7 us of linear work
  // per record, mostly the JSON report) is about half the cost at n.
  'FILE_DESCs with dangling fd_objref': {
    n: 12000,
    build: (n) => {
      const b = new CkptWriter().header().tail();
      // append n FILE_DESC records naming objref 999999 before the TAIL
      const L = LAYOUT.fileDesc.len;
      const body = new Uint8Array(n * L);
      const v = new DataView(body.buffer);
      for (let i = 0; i < n; i++) {
        v.setUint32(i * L, T.FILE_DESC, true);
        v.setUint32(i * L + 4, L, true);
        v.setInt32(i * L + LAYOUT.fileDesc.fields.get('fd_objref')!.offset, 999999, true);
        v.setInt32(i * L + LAYOUT.fileDesc.fields.get('fd_descriptor')!.offset, 10000 + i, true);
      }
      const out = new Uint8Array(b.length + body.length);
      out.set(b.subarray(0, b.length - 16));
      out.set(body, b.length - 16);
      out.set(b.subarray(b.length - 16), b.length - 16 + body.length);
      return out;
    },
  },
};

export interface ScalingResult {
  pattern: string;
  sizes: [number, number];
  /** ms per MiB at n and 4n; the 4n one is null when n alone was already far over the budget. */
  msPerMiB: [number, number | null];
  growth: number | null;
}

export function scalingProbe(maxGrowth = 2.5, maxMsPerMiB = 2000): { results: ScalingResult[]; findings: Finding[]; inputs: Map<string, Uint8Array> } {
  const results: ScalingResult[] = [];
  const findings: Finding[] = [];
  const inputs = new Map<string, Uint8Array>();
  // A loaded machine (CI beside other work) can slow one measurement by 2x or more; a superlinear
  // or slow path is slow every time, so a limit passed must stay passed on two more measurements.
  // A result more than twice over a limit stays over whatever the load, so it ends the measuring:
  // a quadratic path at 4n can take minutes per run.
  const far = (msPerMiB: number): boolean => msPerMiB > 2 * maxMsPerMiB;
  for (const [name, p] of Object.entries(PATTERNS)) {
    const small = p.build(p.n);
    const big = p.build(p.n * 4);
    checkInput(p.build(Math.max(1, p.n >> 2)), { roundtrip: false, sparse: false }); // warm-up, small: a quadratic path would make it long
    const per = (b: Uint8Array): number => {
      let best = Infinity;
      for (let k = 0; k < 3; k++) {
        best = Math.min(best, checkInput(b, { roundtrip: false, sparse: false, budgetBaseMs: 1e9 }).ms / (b.length / 2 ** 20));
        if (far(best)) break;
      }
      return best;
    };
    const measure = (): ScalingResult => {
      const a = per(small);
      if (far(a)) return { pattern: name, sizes: [small.length, big.length], msPerMiB: [a, null], growth: null };
      const c = per(big);
      return { pattern: name, sizes: [small.length, big.length], msPerMiB: [a, c], growth: c / a };
    };
    const over = (x: ScalingResult): boolean => x.growth === null || x.growth > maxGrowth || (x.msPerMiB[1] ?? Infinity) > maxMsPerMiB;
    const settled = (x: ScalingResult): boolean => x.growth === null || x.growth > 2 * maxGrowth || far(x.msPerMiB[1] ?? Infinity);
    let r = measure();
    for (let k = 0; k < 2 && over(r) && !settled(r); k++) {
      const again = measure();
      if (!over(again) || (again.growth !== null && r.growth !== null && again.growth < r.growth)) r = again;
    }
    results.push(r);
    const [a, c] = r.msPerMiB;
    if (c === null || r.growth === null) {
      findings.push({ kind: 'slow', key: `slow:per-MiB:${name}`, detail: `${name}: ${a.toFixed(0)} ms/MiB at ${small.length} bytes (budget ${maxMsPerMiB} ms/MiB); ${big.length} bytes not measured` });
      inputs.set(`slow:per-MiB:${name}`, small);
    } else if (r.growth > maxGrowth) {
      findings.push({ kind: 'slow', key: `slow:superlinear:${name}`, detail: `${name}: ${a.toFixed(0)} ms/MiB at ${small.length} bytes, ${c.toFixed(0)} ms/MiB at ${big.length} bytes (x${r.growth.toFixed(1)} per byte for x4 size): superlinear` });
      inputs.set(`slow:superlinear:${name}`, big);
    } else if (c > maxMsPerMiB) {
      findings.push({ kind: 'slow', key: `slow:per-MiB:${name}`, detail: `${name}: ${c.toFixed(0)} ms/MiB (budget ${maxMsPerMiB} ms/MiB)` });
      inputs.set(`slow:per-MiB:${name}`, big);
    }
  }
  return { results, findings, inputs };
}
