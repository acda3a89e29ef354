// View data built from the full model (openImage + validate): pty pairs side by side, line
// disciplines with their pending lines, and the objhash graph (or a bounded part of it). Pure.
import { hexy } from 'hexy';
import type { Field, Graph, Image, Ldisc, Tty } from '../parser/model.js';
import { analyseCanon } from '../parser/validate/ldisc.js';
import { caret, CC_IS_COUNT, CC_NAMES, escapeBytes, TERMIOS_FLAGS, termiosFlagNames, TTY_FLAG_BITS, ttyFlagBit, ttyFlagNames } from '../parser/names.js';
import type { BitControl, FieldCell, GraphView, LdiscView, LineView, PairView, TtyView } from '../shared/protocol.js';

const oct = (v: number) => `0${v.toString(8)}`;

function cell(f: Field<number | bigint>, text: string, raw: string, extra: Partial<FieldCell> = {}): FieldCell {
  const c: FieldCell = { name: f.name, text, raw, offset: f.offset, size: f.size, ...extra };
  if (c.control === 'number') c.value = String(f.value);
  else if (c.control === 'cc' && typeof f.value === 'number') c.value = f.value === 0 ? 'undef' : f.value === 0x7f ? 'DEL' : f.value >= 0x80 ? `0x${f.value.toString(16)}` : caret(f.value);
  return c;
}

/** Where a tty sits in img.ttys: the N of the edit paths `ttys[N]…`. */
const ttyIndexes = new WeakMap<Image, Map<Tty, number>>();
export function ttyIndex(img: Image, t: Tty): number {
  let m = ttyIndexes.get(img);
  if (!m) ttyIndexes.set(img, (m = new Map(img.ttys.map((x, i) => [x, i]))));
  return m.get(t) ?? -1;
}

function ttyFlagBits(value: bigint): BitControl[] {
  return TTY_FLAG_BITS.map((b) => ({ name: b.name, set: ttyFlagBit(value, b.bit) }));
}

function termiosBits(key: keyof typeof TERMIOS_FLAGS, value: number): BitControl[] {
  return TERMIOS_FLAGS[key].map((b) => {
    if (!b.values) return { name: b.name, set: (value & b.mask) !== 0 };
    const options = Object.values(b.values);
    const cur = b.values[value & b.mask];
    return { name: b.name, options: cur ? options : [...options, `0${(value & b.mask).toString(8)}`], current: cur ?? `0${(value & b.mask).toString(8)}` };
  });
}

function ttyCells(t: Tty, n: number): FieldCell[] {
  const base = n >= 0 ? `ttys[${n}]` : null;
  const at = (p: string) => (base ? { path: `${base}.${p}` } : {});
  const num = (p: string) => (base ? { path: `${base}.${p}`, control: 'number' as const } : {});
  const cells: FieldCell[] = [
    cell(t.index, `/dev/pts/${t.index.value}`, String(t.index.value), num('index')),
    cell(t.driver_subtype, t.role, String(t.driver_subtype.value)),
    cell(t.link_objref, t.link_objref.value ? `#${t.link_objref.value}` : 'none', String(t.link_objref.value), num('link_objref')),
    cell(t.file_objref, t.file_objref.value ? `#${t.file_objref.value}` : 'none', String(t.file_objref.value), num('file_objref')),
  ];
  const tf = ttyFlagNames(t.flags.value);
  cells.push(cell(t.flags, tf.join(' ') || '(none)', `0x${t.flags.value.toString(16)}`, { flags: tf, ...at('flags'), ...(base ? { control: 'flags' as const, bits: ttyFlagBits(t.flags.value) } : {}) }));
  for (const k of ['c_iflag', 'c_oflag', 'c_cflag', 'c_lflag'] as const) {
    const f = t.termios[k];
    const names = termiosFlagNames(k, f.value);
    cells.push(cell(f, names.join(' ') || '(none)', oct(f.value), { flags: names, ...at(`termios.${k}`), ...(base ? { control: 'flags' as const, bits: termiosBits(k, f.value) } : {}) }));
  }
  cells.push(cell(t.termios.c_line, String(t.termios.c_line.value), String(t.termios.c_line.value), num('termios.c_line')));
  t.termios.c_cc.forEach((c, i) => {
    const name = CC_NAMES[i] ?? `c_cc[${i}]`;
    const edit = base ? { path: `${base}.termios.c_cc[${i}]`, control: CC_IS_COUNT[i] ? ('number' as const) : ('cc' as const) } : {};
    cells.push({ ...cell(c, CC_IS_COUNT[i] ? String(c.value) : caret(c.value), oct(c.value), edit), name, title: `c_cc[${i}]` });
  });
  const w = t.winsize;
  for (const f of [w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel]) cells.push(cell(f, String(f.value), String(f.value), num(`winsize.${f.name}`)));
  if (t.truncated) for (const c of cells) if (c.size === 0) delete c.path, delete c.control, delete c.bits;
  return cells;
}

/** Fields whose difference between master and slave is worth marking (identity fields always differ). */
const COMPARED = new Set(['index', 'flags', 'c_iflag', 'c_oflag', 'c_cflag', 'c_lflag', 'c_line', ...CC_NAMES, 'ws_row', 'ws_col', 'ws_xpixel', 'ws_ypixel']);

function ttyView(img: Image, t: Tty): TtyView {
  return { record: t.record, offset: t.offset, role: t.role, objref: t.objref, index: t.index.value, device: `/dev/pts/${t.index.value}`, cells: ttyCells(t, img.decoded ? ttyIndex(img, t) : -1) };
}

/** Pty pairs: a slave with the master its link_objref names; lone ttys on their own. */
export function pairList(img: Image): { master: Tty | null; slave: Tty | null }[] {
  const byObjref = new Map<number, Tty>();
  for (const t of img.ttys) if (t.objref !== null) byObjref.set(t.objref, t);
  const used = new Set<Tty>();
  const pairs: { master: Tty | null; slave: Tty | null; first: number }[] = [];
  for (const t of img.ttys) {
    if (used.has(t)) continue;
    if (t.role === 'slave') {
      const m = byObjref.get(t.link_objref.value);
      const master = m && m.role === 'master' && !used.has(m) ? m : null;
      if (master) used.add(master);
      used.add(t);
      pairs.push({ master, slave: t, first: Math.min(t.record, master?.record ?? t.record) });
    } else if (t.role === 'master') {
      const s = img.ttys.find((x) => !used.has(x) && x.role === 'slave' && x.link_objref.value === t.objref && t.objref !== null);
      if (s) used.add(s);
      used.add(t);
      pairs.push({ master: t, slave: s ?? null, first: t.record });
    } else {
      used.add(t);
      pairs.push({ master: t, slave: null, first: t.record });
    }
  }
  return pairs.sort((a, b) => a.first - b.first);
}

export function pairView(img: Image, p: { master: Tty | null; slave: Tty | null }): PairView {
  const m = p.master ? ttyView(img, p.master) : null;
  const s = p.slave ? ttyView(img, p.slave) : null;
  if (m && s) {
    for (const c of m.cells) {
      if (!COMPARED.has(c.name)) continue;
      const o = s.cells.find((x) => x.name === c.name);
      if (o && o.raw !== c.raw) c.differs = o.differs = true;
    }
  }
  const idx = p.master?.index.value ?? p.slave?.index.value;
  return { title: idx !== undefined ? `/dev/pts/${idx}` : 'tty', master: m, slave: s };
}

const LDISC_CELLS = ['column', 'datalen', 'canon_column', 'canon_datalen', 'canon_data', 'minimum_to_wake'] as const;

export function ldiscView(img: Image, t: Tty, l: Ldisc): LdiscView {
  const n = img.decoded ? ttyIndex(img, t) : -1;
  const edit = n >= 0 ? `ttys[${n}].ldisc` : null;
  const cells = LDISC_CELLS.map((k) => cell(l[k], String(l[k].value), String(l[k].value), edit && l[k].size > 0 ? { path: `${edit}.${k}`, control: 'number' as const } : {}));
  const data = l.buffer?.data ?? new Uint8Array(0);
  const base = l.buffer?.dataOffset ?? 0;
  const icanon = l.icanon.value !== 0;
  const canon = analyseCanon(img, l);
  const lines: LineView[] = [];
  let from = 0;
  if (icanon) {
    for (const e of canon.lineEnds) {
      if (e < from || e >= data.length) continue;
      lines.push({ text: escapeBytes(data.subarray(from, e + 1)), complete: true, offset: base + from, length: e + 1 - from });
      from = e + 1;
    }
  }
  if (from < data.length || lines.length === 0) {
    lines.push({ text: escapeBytes(data.subarray(from)), complete: false, offset: base + from, length: data.length - from });
  }
  return {
    title: `${t.role} /dev/pts/${t.index.value}${t.objref !== null ? ` #${t.objref}` : ''}`,
    ttyRecord: t.record,
    record: l.record,
    offset: l.offset,
    icanon,
    cells,
    bitsSet: l.bools.filter((b) => b.value !== 0).map((b) => b.name),
    bitsAll: l.bools.map((b) => ({ name: b.name, value: b.value, offset: b.offset, ...(edit && b.size > 0 ? { path: `${edit}.${b.name}` } : {}) })),
    ...(edit ? { dataPath: `${edit}.data` } : {}),
    dataText: escapeBytes(data),
    dataHex: Buffer.from(data).toString('hex').replace(/(..)(?!$)/g, '$1 '),
    lines,
    lineEnds: canon.lineEnds,
    readTail: canon.readTail,
    bufferOffset: l.buffer ? l.buffer.dataOffset : null,
    bufferLength: data.length,
    hexdump: data.length ? hexy(data, { bytesPerLine: 16, bytesPerGroup: 1, displayOffset: base, caps: 'lower' }).trimEnd() : '',
  };
}

export function ldiscList(img: Image): { tty: Tty; ldisc: Ldisc }[] {
  const out: { tty: Tty; ldisc: Ldisc }[] = [];
  for (const p of pairList(img)) {
    for (const t of [p.master, p.slave]) if (t?.ldisc) out.push({ tty: t, ldisc: t.ldisc });
  }
  return out;
}

export const GRAPH_LIMIT = 250;

/** The whole graph when small; otherwise the connected component around `focusRecord` (or the first ones), bounded. */
export function graphView(g: Graph, focusRecord: number | null): GraphView {
  const total = { totalNodes: g.nodes.length, totalEdges: g.edges.length };
  if (g.nodes.length <= GRAPH_LIMIT) return { nodes: g.nodes.map(nodeView), edges: g.edges, ...total, note: null };
  const adj = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    let l = adj.get(a);
    if (!l) adj.set(a, (l = []));
    l.push(b);
  };
  for (const e of g.edges) {
    link(e.from, e.to);
    link(e.to, e.from);
  }
  const focus = focusRecord !== null ? g.nodes.find((n) => n.record === focusRecord) : undefined;
  const keep = new Set<string>();
  // Breadth-first from the focus, skipping hubs (a FILE_TABLE with thousands of fds) as a way through.
  const queue = focus ? [focus.id] : [];
  const start = focus ? 0 : 0;
  void start;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  let seedIdx = 0;
  while (keep.size < GRAPH_LIMIT) {
    if (!queue.length) {
      while (seedIdx < g.nodes.length && (keep.has(g.nodes[seedIdx].id) || g.nodes[seedIdx].kind === 'file-table')) seedIdx++;
      if (seedIdx >= g.nodes.length || (focus && keep.size > 0)) break;
      queue.push(g.nodes[seedIdx].id);
    }
    const id = queue.shift()!;
    if (keep.has(id)) continue;
    keep.add(id);
    const nb = adj.get(id) ?? [];
    if (nb.length > 50 && id !== focus?.id) continue;
    for (const n of nb) if (!keep.has(n)) queue.push(n);
  }
  const nodes = [...keep].map((id) => nodeView(byId.get(id)!));
  const edges = g.edges.filter((e) => keep.has(e.from) && keep.has(e.to));
  return {
    nodes,
    edges,
    ...total,
    note: `The graph has ${g.nodes.length} nodes and ${g.edges.length} edges; showing ${nodes.length} nodes ${focus ? 'around the selected record' : 'from the start of the image'}. Select a record to see its neighbourhood.`,
  };
}

function nodeView(n: Graph['nodes'][number]) {
  return { id: n.id, kind: n.kind, label: n.label, record: n.record, objref: n.objref };
}
