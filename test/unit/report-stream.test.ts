// The CLI's reports are written without building the graph or the report object (GraphWalk,
// JsonBytes). Here they are held against what they replace: buildGraph's nodes and edges, the text
// report's graph section as buildGraph gives it, and JSON.stringify of reportJson (made safe for a
// terminal as the CLI did), on every test image, seeded mutations of them (broken framing, dangling,
// duplicate and forward objrefs, truncations, swapped records) and a generated bench-small image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allImages, generator } from '../lib/images.js';
import { mutate, Rng } from '../fuzz/lib/mutate.js';
import { openImage } from '../../src/parser/image.js';
import { validateBounded } from '../../src/parser/validate/index.js';
import { buildGraph } from '../../src/parser/graph.js';
import { GraphWalk } from '../../src/parser/graph-walk.js';
import { JsonBytes } from '../../src/parser/json-bytes.js';
import { reportJson, reportJsonBytes, reportNdjsonBytes, ttyJson } from '../../src/parser/report-json.js';
import { reportText } from '../../src/parser/report-text.js';
import { limitDiagnostics } from '../../src/parser/validate/index.js';
import { jsonForTerminal } from '../../src/shared/escape.js';
import type { GraphEdge, GraphNode, Image } from '../../src/parser/model.js';

interface Case {
  name: string;
  bytes: Uint8Array;
}

function corpus(): Case[] {
  const base = allImages().map((im) => ({ name: im.name, bytes: im.bytes }));
  const out: Case[] = [...base];
  const rng = new Rng(12);
  const pool = { other: () => (base[rng.int(base.length)] as Case).bytes };
  for (const c of base) {
    for (let k = 0; k < 3; k++) out.push({ name: `${c.name}~${k}`, bytes: mutate(c.bytes, rng, pool).bytes });
  }
  const reg = join(__dirname, '../fixtures/regressions');
  for (const f of readdirSync(reg).filter((n) => n.endsWith('.ckpt'))) out.push({ name: f, bytes: new Uint8Array(readFileSync(join(reg, f))) });
  const gen = generator();
  assert.ok(gen, 'ckpt-gen compiles');
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-report-stream-'));
  for (const shape of ['bench-small', 'bench-pairs']) {
    const f = join(dir, `${shape}.ckpt`);
    execFileSync(gen, [shape, f, '1M']);
    out.push({ name: shape, bytes: new Uint8Array(readFileSync(f)) });
  }
  return out;
}

const CASES = corpus();

/** The graph as GraphWalk hands it out, made into buildGraph's objects. */
function walked(img: Image, limit?: number): { nodes: GraphNode[]; edges: GraphEdge[]; count: number } {
  const g = new GraphWalk(img);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const count = g.walk(
    {
      node: (tag, a, b, c, kind, objref, objtype, record) => nodes.push({ id: g.id(tag, a, b, c), kind, label: g.label(tag, a, b), objref, objtype, record }),
      edge: (ft, fa, fb, fc, tt, ta, tb, tc, label, offset, dangling) => edges.push({ from: g.id(ft, fa, fb, fc), to: g.id(tt, ta, tb, tc), label, offset, dangling }),
    },
    limit,
  );
  return { nodes, edges, count };
}

/** The text report's graph section as it was made from buildGraph. */
function graphSectionFromBuild(img: Image, maxEdges: number): string[] {
  const g = buildGraph(img);
  if (!g.edges.length) return [];
  const label = new Map(g.nodes.map((n) => [n.id, n.label]));
  const out = ['', 'Objhash graph:'];
  for (const e of g.edges.slice(0, maxEdges)) out.push(`  ${label.get(e.from)} --${e.label}--> ${label.get(e.to)}${e.dangling ? '  (dangling)' : ''}`);
  if (g.edges.length > maxEdges) out.push(`  … ${g.edges.length - maxEdges} more edges (use --json for all)`);
  return out;
}

function graphSectionOf(text: string): string[] {
  const lines = text.split('\n');
  const at = lines.indexOf('Objhash graph:');
  if (at < 0) return [];
  const end = lines.indexOf('', at);
  return lines.slice(at - 1, end);
}

/** The chunks as text; each is copied as it comes (it is a view of a buffer the next one reuses). */
function concat(chunks: Iterable<Uint8Array>): string {
  const parts: Buffer[] = [];
  for (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

test('the corpus has damaged images whose graphs have dangling, missing and reserved nodes', () => {
  assert.ok(CASES.length > 100, `${CASES.length} images`);
  const kinds = new Set<string>();
  let dangling = 0;
  for (const c of CASES) {
    const g = buildGraph(openImage(c.bytes));
    for (const n of g.nodes) kinds.add(n.kind);
    dangling += g.edges.filter((e) => e.dangling).length;
  }
  for (const k of ['tty-master', 'tty-slave', 'file', 'file-table', 'missing', 'reserved', 'fd']) assert.ok(kinds.has(k), k);
  assert.ok(dangling > 0);
});

test('GraphWalk gives buildGraph\'s nodes and edges in its order, and counts what it leaves out past a limit', () => {
  for (const c of CASES) {
    const img = openImage(c.bytes);
    const full = buildGraph(img);
    const w = walked(img);
    assert.deepEqual(w.nodes, full.nodes, c.name);
    assert.deepEqual(w.edges, full.edges, c.name);
    assert.equal(w.count, full.edges.length, c.name);
    for (const limit of [0, 1, 7, 100]) {
      const g = new GraphWalk(img);
      const edges: string[] = [];
      const n = g.walk({ edge: (ft, fa, fb, fc, tt, ta, tb, tc, label, offset) => edges.push(`${g.id(ft, fa, fb, fc)} ${g.id(tt, ta, tb, tc)} ${label} ${offset}`) }, limit);
      assert.equal(n, full.edges.length, `${c.name} limit ${limit}`);
      assert.deepEqual(
        edges,
        full.edges.slice(0, limit).map((e) => `${e.from} ${e.to} ${e.label} ${e.offset}`),
        `${c.name} limit ${limit}`,
      );
    }
  }
});

test('the text report\'s graph section is the one buildGraph gives, cut where it was', () => {
  for (const c of CASES) {
    const img = openImage(c.bytes);
    const v = validateBounded(img);
    for (const maxTtys of [1, 3, 1000]) {
      const text = reportText(img, v.diagnostics, c.name, { counted: v, maxTtys });
      assert.deepEqual(graphSectionOf(text), graphSectionFromBuild(img, 10 * maxTtys), `${c.name} maxTtys ${maxTtys}`);
    }
  }
});

test('the JSON written as bytes is the report object\'s JSON.stringify, made safe for a terminal, at any chunk size', () => {
  // A source path with what a terminal would obey, and non-ASCII text that must stay UTF-8.
  const source = { path: '/tmp/x\u009b2J\u202e\u2028"\\é😀\x7f.ckpt', sha256: 'ab'.repeat(32) };
  for (const c of CASES) {
    const img = openImage(c.bytes);
    const v = validateBounded(img);
    const want = jsonForTerminal(`${JSON.stringify({ ...reportJson(img, v.diagnostics, v.omitted), source })}\n`);
    for (const chunk of [3, 1 << 16]) {
      assert.equal(concat(reportJsonBytes(img, v.diagnostics, { source, omitted: v.omitted, terminal: true, chunk })), want, `${c.name} chunk ${chunk}`);
    }
    const only = reportJsonBytes(img, v.diagnostics, { only: ['graph', 'records'], chunk: 1 << 12 });
    const r = reportJson(img, v.diagnostics);
    assert.equal(concat(only), `${JSON.stringify({ format: r.format, size: r.size, endian: r.endian, archId: r.archId, rev: r.rev, decoded: r.decoded, only: ['graph', 'records'], records: r.records, objects: r.objects, graph: r.graph })}\n`, c.name);
  }
});

test('--ndjson as bytes: one JSON.stringify per line, for each section', () => {
  for (const c of CASES) {
    const img = openImage(c.bytes);
    const v = validateBounded(img);
    const r = reportJson(img, v.diagnostics);
    const lines = (xs: unknown[]) => xs.map((x) => `${JSON.stringify(x)}\n`).join('');
    const want = {
      records: lines(r.records),
      graph: lines(r.graph.edges),
      ttys: lines(img.ttys.map(ttyJson)),
      diagnostics: lines(limitDiagnostics(v.diagnostics, 1000).shown.map((d) => ({ severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, field: d.field, ...(d.record !== undefined ? { record: d.record } : {}) }))),
    } as const;
    for (const section of ['records', 'graph', 'ttys', 'diagnostics'] as const) {
      const got = concat(reportNdjsonBytes(img, v.diagnostics, section, 100));
      assert.equal(got, want[section], `${c.name} ${section}`);
    }
  }
});

test('JsonBytes writes numbers and strings exactly as JSON.stringify does', () => {
  const nums = [0, -0, 1, 9, 10, 99, 100, 4294967295, 4294967296, 2 ** 53, -1, -5, -99, -100, -2147483647, -2147483648, 1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY];
  const strs = ['', 'plain', 'a"b', 'back\\slash', 'nl\n', '\x00\x1f', '\x7f', 'é', '😀', '\ud800', 'x\u2028y', '\u0085', '\u202e', 'x'.repeat(100000) + 'é'];
  for (const terminal of [false, true]) {
    const w = new JsonBytes(8, terminal);
    const got: string[] = [];
    const put = (f: () => void) => {
      f();
      got.push(Buffer.from(w.take()).toString('utf8'));
    };
    for (const n of nums) put(() => w.num(n));
    for (const s of strs) put(() => w.str(s));
    put(() => w.numOrNull(null));
    put(() => w.strOrNull(null));
    const t = (s: string) => (terminal ? jsonForTerminal(s) : s);
    const want = [...nums.map((n) => JSON.stringify(n)), ...strs.map((s) => t(JSON.stringify(s))), 'null', 'null'];
    assert.deepEqual(got, want, `terminal ${terminal}`);
  }
});
