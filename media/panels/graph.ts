// Objhash graph: buildGraph's nodes and edges laid out by @dagrejs/dagre and drawn as our own SVG.
// Reserved objrefs and missing objects get their own node styles; dangling edges are dashed. Nodes
// are focusable: arrow keys move to the nearest node in that direction, Enter selects its record.
import dagre from '@dagrejs/dagre';
import type { GraphView, InitSummary } from '../../src/shared/protocol.js';
import { clear, h, s } from '../dom.js';
import { request } from '../rpc.js';
import { onSelect, select } from '../selection.js';

const CHAR_W = 7.2;
const NODE_H = 30;

interface Placed {
  id: string;
  x: number;
  y: number;
  w: number;
  el: SVGGElement;
  record: number;
}

export class GraphPanel {
  readonly el: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly note: HTMLElement;
  private placed: Placed[] = [];
  private focusRecord: number | null = null;
  private init: InitSummary | null = null;
  private shownFor: number | null | undefined = undefined;
  private partial = false;

  constructor() {
    this.note = h('p', { class: 'note' });
    this.canvas = h('div', { class: 'graph-canvas' });
    const legend = h(
      'div',
      { class: 'legend', 'aria-label': 'legend' },
      ...[
        ['tty-master', 'TTY master'],
        ['tty-slave', 'TTY slave'],
        ['file', 'FILE'],
        ['file-table', 'FILE_TABLE'],
        ['fd', 'fd'],
        ['reserved', 'reserved objref'],
        ['missing', 'missing object'],
      ].map(([k, t]) => h('span', { class: `legend-item kind-${k}` }, h('span', { class: 'swatch' }), t)),
      h('span', { class: 'legend-item' }, h('span', { class: 'dash' }), 'dangling reference'),
    );
    this.el = h('div', { class: 'graph' }, legend, this.note, this.canvas);
    onSelect((sel, source) => {
      if (!sel) return;
      for (const p of this.placed) p.el.classList.toggle('selected', p.record === sel.record);
      if (source !== 'graph' && this.partial && sel.record !== undefined && !this.placed.some((p) => p.record === sel.record)) {
        this.focusRecord = sel.record;
        if (!this.el.closest('[hidden]')) void this.fill();
      }
    });
  }

  /** New model; the layout runs now only if the Graph tab is showing, else when it is first shown. */
  async load(init: InitSummary, visible: boolean): Promise<void> {
    this.init = init;
    this.shownFor = undefined;
    this.placed = [];
    clear(this.canvas);
    if (visible) await this.fill();
  }

  async fill(): Promise<void> {
    if (!this.init) return;
    if (!this.init.modelBuilt) {
      clear(this.canvas);
      this.note.textContent = this.init.modelNote ?? '';
      return;
    }
    if (this.shownFor === this.focusRecord && this.placed.length) return;
    const g = await request('graph', { focusRecord: this.focusRecord });
    this.shownFor = this.focusRecord;
    this.partial = g.note !== null;
    this.note.textContent = g.note ?? `${g.totalNodes} nodes, ${g.totalEdges} edges`;
    this.draw(g);
  }

  private draw(g: GraphView): void {
    clear(this.canvas);
    this.placed = [];
    if (!g.nodes.length) {
      this.canvas.append(h('p', { class: 'muted', text: 'No objects.' }));
      return;
    }
    const dg = new dagre.graphlib.Graph({ multigraph: true });
    dg.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 56, edgesep: 8, marginx: 12, marginy: 12 });
    dg.setDefaultEdgeLabel(() => ({}));
    for (const n of g.nodes) dg.setNode(n.id, { width: Math.max(60, n.label.length * CHAR_W + 20), height: NODE_H });
    // Labels are drawn at the middle of each route, not laid out as dagre label nodes (which double the ranks).
    g.edges.forEach((e, i) => dg.setEdge(e.from, e.to, {}, `e${i}`));
    dagre.layout(dg);
    const gl = dg.graph();
    const W = Math.ceil(gl.width ?? 400);
    const H = Math.ceil(gl.height ?? 300);
    // Fit the panel's width, shrinking to at most 80 % before scrolling (CSSOM styles are CSP-safe).
    const svg = s('svg', { class: 'graph-svg', width: '100%', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'xMinYMin meet', role: 'group', 'aria-label': `Objhash graph, ${g.nodes.length} nodes` });
    svg.style.maxWidth = `${W}px`;
    svg.style.minWidth = `${Math.round(W * 0.8)}px`;
    const defs = s('defs', {});
    for (const [id, cls] of [['arrow', 'arrowhead'], ['arrow-dangling', 'arrowhead dangling']]) {
      defs.append(
        s('marker', { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: cls })),
      );
    }
    svg.append(defs);
    const edgesG = s('g', { class: 'edges' });
    g.edges.forEach((e, i) => {
      const ed = dg.edge({ v: e.from, w: e.to, name: `e${i}` });
      if (!ed?.points) return;
      const d = ed.points.map((p: { x: number; y: number }, k: number) => `${k ? 'L' : 'M'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
      const grp = s('g', { class: `edge${e.dangling ? ' dangling' : ''}` });
      grp.append(s('path', { d, class: 'edge-line', 'marker-end': `url(#${e.dangling ? 'arrow-dangling' : 'arrow'})` }));
      grp.append(s('title', { text: `${e.label} @ ${e.offset}${e.dangling ? ' (dangling: no such object)' : ''}` }));
      const a = ed.points[Math.floor((ed.points.length - 1) / 2)];
      const b = ed.points[Math.ceil((ed.points.length - 1) / 2)];
      grp.append(s('text', { x: ((a.x + b.x) / 2).toFixed(1), y: ((a.y + b.y) / 2 - 3).toFixed(1), class: 'edge-label', 'text-anchor': 'middle', text: e.label }));
      edgesG.append(grp);
    });
    svg.append(edgesG);
    const nodesG = s('g', { class: 'nodes' });
    for (const n of g.nodes) {
      const p = dg.node(n.id);
      const w = p.width;
      const el = s('g', {
        class: `node kind-${n.kind}`,
        transform: `translate(${(p.x - w / 2).toFixed(1)} ${(p.y - NODE_H / 2).toFixed(1)})`,
        tabindex: 0,
        role: 'button',
        'data-id': n.id,
        'data-record': n.record,
        'aria-label': `${n.label}${n.kind === 'reserved' ? ' (reserved objref)' : n.kind === 'missing' ? ' (missing object)' : ''}`,
      });
      el.append(s('rect', { width: w.toFixed(1), height: NODE_H, rx: 4, ry: 4, class: 'node-box' }));
      el.append(s('text', { x: (w / 2).toFixed(1), y: NODE_H / 2 + 4, 'text-anchor': 'middle', class: 'node-label', text: n.label }));
      el.append(s('title', { text: `${n.label}${n.record >= 0 ? ` · record ${n.record}` : ''}` }));
      nodesG.append(el);
      this.placed.push({ id: n.id, x: p.x, y: p.y, w, el, record: n.record });
    }
    svg.append(nodesG);
    svg.addEventListener('click', (e) => {
      const t = (e.target as Element).closest('.node') as SVGGElement | null;
      if (t) this.choose(t);
    });
    svg.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.append(svg);
  }

  private choose(el: SVGGElement): void {
    el.focus();
    const rec = Number(el.getAttribute('data-record'));
    if (rec < 0) {
      select(null, 'graph');
      for (const p of this.placed) p.el.classList.toggle('selected', p.el === el);
      return;
    }
    void request('locateRecord', { record: rec }).then((hit) => {
      if (hit) select(hit, 'graph', hit);
    });
  }

  private onKey(e: KeyboardEvent): void {
    const cur = this.placed.find((p) => p.el === document.activeElement);
    if (!cur) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(cur.el);
      return;
    }
    const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!dir) return;
    e.preventDefault();
    let best: Placed | null = null;
    let bestScore = Infinity;
    for (const p of this.placed) {
      if (p === cur) continue;
      const dx = p.x - cur.x;
      const dy = p.y - cur.y;
      const along = dx * dir[0] + dy * dir[1];
      if (along <= 0) continue;
      const across = Math.abs(dx * dir[1]) + Math.abs(dy * dir[0]);
      const score = along + 2 * across;
      if (score < bestScore) {
        bestScore = score;
        best = p;
      }
    }
    if (best) {
      best.el.focus();
      best.el.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }
  }
}
