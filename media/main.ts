// The webview entry: a summary bar, the Structure tree on the left, tabbed panels (Terminal, Line
// discipline, Graph, Problems) above the Hex view on the right. Handshake: post `ready`, render the
// `init` the host answers, then post `rendered` once the first screen is complete.
import type { FieldHit, InitData, PanelId, ToWebview, UpdateData } from '../src/shared/protocol.js';
import { clear, h } from './dom.js';
import { escapeText } from '../src/shared/escape.js';
import { onHost, post, save, saved, setPrefetched } from './rpc.js';
import { select } from './selection.js';
import { GraphPanel } from './panels/graph.js';
import { HexPanel } from './panels/hex.js';
import { LdiscPanel } from './panels/ldisc.js';
import { ProblemsPanel } from './panels/problems.js';
import { StructurePanel } from './panels/structure.js';
import { TerminalPanel } from './panels/terminal.js';
import { editStatus } from './edit.js';
import { FindBar, installFindKeys } from './find-bar.js';
import { provenanceNotice, setProvenance } from './provenance.js';

const t0 = performance.now();
const app = document.getElementById('app')!;

const summary = h('header', { class: 'summary', 'aria-label': 'Image summary' });
const banner = h('div', { class: 'banner', role: 'status' });
const structure = new StructurePanel();
const hexPanel = new HexPanel();
const terminal = new TerminalPanel();
const ldisc = new LdiscPanel();
const graph = new GraphPanel();
const problems = new ProblemsPanel();
const findBar = new FindBar();
// At the top of the Hex panel, under its title.
hexPanel.el.querySelector('.panel-title')?.after(findBar.el);
installFindKeys(findBar);

const TABS: { id: PanelId; title: string; el: HTMLElement }[] = [
  { id: 'terminal', title: 'Terminal', el: terminal.el },
  { id: 'ldisc', title: 'Line discipline', el: ldisc.el },
  { id: 'graph', title: 'Objhash graph', el: graph.el },
  { id: 'problems', title: 'Problems', el: problems.el },
];
const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Panels' });
const tabButtons = new Map<PanelId, HTMLButtonElement>();
const tabPanels = h('div', { class: 'tabpanels' });
for (const t of TABS) {
  const b = h('button', { class: 'tab', role: 'tab', type: 'button', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}`, 'data-panel': t.id, text: t.title });
  tabButtons.set(t.id, b);
  tablist.append(b);
  const p = h('div', { class: 'tabpanel', role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, tabindex: 0 }, t.el);
  tabPanels.append(p);
}
let current: PanelId = saved().panel ?? 'terminal';

function showPanel(id: PanelId, focus = false): void {
  current = id;
  for (const t of TABS) {
    const on = t.id === id;
    const b = tabButtons.get(t.id)!;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    document.getElementById(`panel-${t.id}`)!.hidden = !on;
  }
  if (focus) tabButtons.get(id)!.focus();
  save({ panel: id });
  post({ type: 'panel', panel: id });
  if (id === 'graph') void graph.fill();
  if (id === 'problems') problems.shown();
}
tablist.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest<HTMLElement>('[data-panel]');
  if (b) showPanel(b.dataset.panel as PanelId, true);
});
tablist.addEventListener('keydown', (e) => {
  const i = TABS.findIndex((t) => t.id === current);
  let j = i;
  if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
  else if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
  else if (e.key === 'Home') j = 0;
  else if (e.key === 'End') j = TABS.length - 1;
  else return;
  e.preventDefault();
  showPanel(TABS[j].id, true);
});

app.append(
  summary,
  banner,
  editStatus,
  h('main', { class: 'layout' }, structure.el, h('div', { class: 'right' }, h('section', { class: 'panels', 'aria-label': 'Panels' }, tablist, tabPanels), hexPanel.el)),
);

function fmtSize(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function countText(d: Omit<InitData, 'diagnostics' | 'cause'>, n: number): string {
  return d.checked === 'full' ? String(n) : d.checked === 'framing' ? `${n} (framing only; full check not computed)` : 'not computed';
}

/** What happened to the file on disk (InitData.diskNote, or a `disk` message since). */
let diskNote: string | null = null;
let lastSummary: Omit<InitData, 'diagnostics' | 'cause'> | null = null;

function renderSummary(d: Omit<InitData, 'diagnostics' | 'cause'>): void {
  lastSummary = d;
  clear(summary);
  const item = (label: string, value: string, cls = '') => h('span', { class: `sum-item ${cls}` }, h('span', { class: 'sum-label', text: label }), h('span', { class: 'sum-value', text: value }));
  summary.append(
    h('span', { class: 'sum-file', text: escapeText(d.fileName) }),
    item('size', `${fmtSize(d.size)} (${d.size} bytes)`),
    // arch_id is at offset 16: a file shorter than that has none.
    item('arch', d.archId < 0 ? '— (no header)' : `${d.archName ?? `unknown (${d.archId})`} · ${d.littleEndian ? 'little' : 'big'}-endian`),
    item('records', String(d.recordCount)),
    item('pty pairs', d.modelBuilt ? String(d.pairCount) : '—'),
    // Above fullModelMaxTtys only the framing is checked: the counts say so rather than pass for a clean bill.
    item('errors', countText(d, d.counts.error), d.counts.error ? 'bad' : ''),
    item('warnings', countText(d, d.counts.warning), d.counts.warning ? 'warn' : ''),
  );
  clear(banner);
  banner.hidden = true;
  const msgs: { cls: string; text: string }[] = [];
  if (d.counts.error) msgs.push({ cls: 'bad', text: `Damaged image: ${d.counts.error} error(s). Everything the parser recovered is shown; damaged records are marked in Structure and listed under Problems.` });
  if (!d.decoded && d.checked !== 'none') msgs.push({ cls: 'bad', text: 'Not decoded as v18 (bad header or unknown byte order): records are only framed.' });
  if (d.modelNote) msgs.push({ cls: 'info', text: d.modelNote });
  if (diskNote) msgs.push({ cls: 'bad disk-note', text: diskNote });
  const prov = provenanceNotice();
  if (prov) msgs.push({ cls: `info prov-note prov-${prov.state}`, text: prov.text });
  for (const m of msgs) banner.append(h('p', { class: m.cls, text: m.text }));
  banner.hidden = msgs.length === 0;
  tabButtons.get('problems')!.textContent = `Problems (${d.diagnosticsTotal})`;
}

/** Once the browser has laid out and painted what was appended: the next frame, then a task after it. */
function afterPaint(f: () => void): void {
  requestAnimationFrame(() => setTimeout(f, 0));
}

let generation = 0;
/** The last init, for the diagnostics that follow it. */
let initData: InitData | null = null;
/** The last update, for the diagnostics that follow it. */
let summaryData: UpdateData | null = null;
/**
 * What an init and an update both start with: the new generation, the host's answers to what the
 * panels will ask (tree pages, hex chunks, pairs), and the summary.
 */
function beginRender(d: InitData | UpdateData): void {
  generation = d.generation;
  diskNote = d.diskNote;
  document.body.dataset.generation = String(d.generation);
  document.body.dataset.state = 'loading';
  setPrefetched(d.prefetched, d.generation);
  renderSummary(d);
}

/** The hidden panels, after the visible ones are on screen; `data-state` says when all are current. */
async function finishRender(d: InitData | UpdateData, later: (() => Promise<void>)[]): Promise<void> {
  for (const f of later) await f();
  if (generation === d.generation) {
    setPrefetched([]); // never answer a later request with these (the model may have moved on)
    document.body.dataset.state = 'rendered';
  }
}

async function onInit(d: InitData): Promise<void> {
  const first = generation === 0;
  beginRender(d);
  // Only the visible panel is drawn before the first screen; the others right after it.
  initData = d;
  problems.update(d, d.diagnosticsFollow ? null : d.diagnostics, false);
  // An init after an edit keeps the place of the page that made it; a new page (a tab switch after an
  // edit) starts from its saved state like any other.
  const keep = d.cause === 'edit' && !first;
  if (!keep) showPanel(current);
  const phases: Record<string, number> = { init: performance.now() - t0 };
  const timed = (name: string, p: Promise<void>) => p.then(() => void (phases[name] = performance.now() - t0));
  const later: (() => Promise<void>)[] = [];
  const jobs = [timed('structure', keep ? structure.refresh() : structure.load()), timed('hex', hexPanel.load(d.size, d.generation, d.editable)), timed('graph', graph.load(d, current === 'graph'))];
  for (const [id, p] of [['terminal', terminal], ['ldisc', ldisc]] as const) {
    if (current === id) jobs.push(timed(id, p.load(d)));
    else later.push(() => p.load(d));
  }
  await Promise.all(jobs);
  // A restart of the webview (a tab switch) shows what it showed: the selection (told to the host, so
  // that its commands still have it), the hex caret and first row, the tree as it was opened.
  if (first) {
    const st = saved();
    // What was restored, for the tests: the saved state's keys and panel.
    document.body.dataset.restored = `${Object.keys(st).sort().join(',')}:${st.panel ?? ''}:${current}`;
    const sel = st.selection && st.selection.offset < d.size ? st.selection : null;
    select(sel, 'host', sel && st.hit?.treePath.length ? st.hit : null);
    hexPanel.restore(st.hex);
  }
  // The browser has laid out and painted what was appended. For the bench: `script` is when this
  // script started (ms since the webview's page began to load), `frame` the next frame after the panels.
  phases.script = t0;
  requestAnimationFrame(() => {
    phases.frame = performance.now() - t0;
    setTimeout(() => post({ type: 'rendered', generation: d.generation, phase: 'first', panel: current, ms: performance.now() - t0, phases }), 0);
  });
  await finishRender(d, later);
}

/**
 * After an edit: patch what changed in place. The visible panel, the hex view and the tree (when
 * they show a changed record or byte) first, then `rendered`; hidden panels catch up afterwards.
 */
async function onUpdate(d: UpdateData): Promise<void> {
  const t1 = performance.now();
  beginRender(d);
  summaryData = d;
  if (d.diagnostics) problems.update(d, d.diagnostics, current === 'problems');
  else if (d.diagnosticsFollow) problems.update(d, null, false);
  const phases: Record<string, number> = { update: t1 - t0 };
  const timed = (name: string, p: Promise<void>) => p.then(() => void (phases[name] = performance.now() - t1));
  const later: (() => Promise<void>)[] = [];
  const jobs: Promise<void>[] = [timed('hex', hexPanel.refresh(d.size, d.generation, d.editable, d.ranges))];
  // A changed list may change the tree's marks; a changed length moves the offsets it shows.
  if (d.diagnostics || d.diagnosticsFollow || d.ranges === null || structure.shows(d.records)) jobs.push(timed('structure', structure.refresh()));
  for (const [id, p] of [['terminal', terminal], ['ldisc', ldisc]] as const) {
    if (!p.shows(d.records)) {
      p.init = d;
      continue;
    }
    if (current === id) jobs.push(timed(id, p.load(d)));
    else later.push(() => p.load(d));
  }
  if (d.records === null) {
    if (current === 'graph') jobs.push(timed('graph', graph.load(d, true)));
    else later.push(() => graph.load(d, false));
  }
  await Promise.all(jobs);
  afterPaint(() => {
    const now = performance.now();
    post({ type: 'rendered', generation: d.generation, phase: 'first', panel: current, ms: now - t1, phases, receivedAt: performance.timeOrigin + t1, paintedAt: performance.timeOrigin + now });
  });
  await finishRender(d, later);
}

onHost((msg: ToWebview) => {
  switch (msg.type) {
    case 'init':
      onInit(msg.data).catch((e: unknown) => post({ type: 'error', message: String(e) }));
      break;
    case 'update':
      onUpdate(msg.data).catch((e: unknown) => post({ type: 'error', message: String(e) }));
      break;
    case 'reveal': {
      const hit: FieldHit = msg.hit;
      if (msg.panel) showPanel(msg.panel);
      select(hit, 'host', hit.treePath.length ? hit : null);
      if (msg.at !== undefined) hexPanel.caretTo(msg.at);
      break;
    }
    case 'showPanel':
      showPanel(msg.panel);
      break;
    case 'disk':
      diskNote = msg.note;
      if (lastSummary) renderSummary(lastSummary);
      break;
    case 'provenance':
      setProvenance(msg.provenance);
      if (lastSummary) renderSummary(lastSummary);
      // The marks beside the values: the panels that drew a page draw it again (a hidden one that has not yet draws them when it does).
      for (const p of [terminal, ldisc]) p.redraw().catch((e: unknown) => post({ type: 'error', message: String(e) }));
      break;
    case 'diagnostics':
      // The list the init left out (InitData.diagnosticsFollow); a later init or update supersedes it.
      if (initData && msg.generation === generation && msg.generation === initData.generation) problems.update(initData, msg.diagnostics, current === 'problems');
      // Or the list an update left out (UpdateData.diagnosticsFollow).
      else if (summaryData && msg.generation === generation && msg.generation === summaryData.generation) problems.update(summaryData, msg.diagnostics, current === 'problems');
      break;
    default:
      break;
  }
});

window.addEventListener('error', (e) => post({ type: 'error', message: `${e.message} @ ${e.filename}:${e.lineno}` }));
// The panel shown first: the host sends the diagnostics with the init only when it is Problems.
post({ type: 'ready', panel: current });
