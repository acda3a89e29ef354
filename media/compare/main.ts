// The Compare webview: two images side by side, one grid row per record that differs and per
// differing field, offsets in each file. F7 / Alt+F5 go to the next difference, Shift+F7 /
// Shift+Alt+F5 to the previous one (as in VS Code's diff editor); arrows move between rows. The host
// sends one page of differences at a time (src/editor/compare-view.ts).
import type { CompareFromWebview, CompareHeader, ComparePage, CompareProbe, CompareRow, CompareToWebview, FileProblem } from '../../src/editor/compare-view.js';
import { clear, h } from '../dom.js';
import { type CodiconName, codicon } from '../codicons.js';

interface VsCodeApi {
  postMessage(msg: CompareFromWebview): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const post = (m: CompareFromWebview) => vscode.postMessage(m);

const app = document.getElementById('compare') as HTMLElement;
let header: CompareHeader | null = null;
let page: ComparePage | null = null;
/** The difference last moved to (-1: none yet). */
let current = -1;

const hexOff = (n: number) => `0x${n.toString(16)} (${n})`;
const sizeText = (n: number) => `${n.toLocaleString('en')} bytes`;

const icon = (name: CodiconName): SVGSVGElement => codicon(name);

function problemList(problems: FileProblem[]): HTMLElement {
  return h(
    'ul',
    { class: 'cmp-problems' },
    ...problems.map((p) => h('li', { class: 'cmp-problem' }, icon('error'), ` ${p.side} ${p.file}: offset ${p.offset}, field ${p.field}: ${p.message} (${p.code})`)),
  );
}

function sideSummary(side: 'A' | 'B', s: CompareHeader['a']): HTMLElement {
  return h(
    'div',
    { class: `cmp-side cmp-side-${side.toLowerCase()}` },
    h('span', { class: 'cmp-side-tag', text: side }),
    h('span', { class: 'cmp-file', text: s.name }),
    h('span', { class: 'cmp-muted', text: ` ${sizeText(s.size)}, ${s.records} records, ${s.endian === 'le' ? 'little' : 'big'}-endian` }),
    s.problems.length ? problemList(s.problems) : null,
    s.moreProblems ? h('div', { class: 'cmp-muted', text: `and ${s.moreProblems} more framing problem(s) in ${s.name}` }) : null,
  );
}

const changeText = (c: string) => (c === 'removed' ? `only in A` : c === 'inserted' ? `only in B` : 'changed');

function rowEl(r: CompareRow): HTMLTableRowElement {
  if (r.kind === 'record') {
    const where = (x: typeof r.a) => (x ? `record #${x.record} at ${hexOff(x.offset)}, ${x.len} bytes` : '—');
    return h(
      'tr',
      { class: `cmp-record change-${r.change}${r.stop !== null ? ' stop' : ''}`, 'data-kind': 'record', 'data-stop': r.stop ?? undefined, tabindex: -1, 'aria-level': 1 },
      h('th', { scope: 'row', class: 'cmp-label' }, icon(r.change === 'changed' ? 'diff-modified' : r.change === 'inserted' ? 'diff-added' : 'diff-removed'), ` ${r.label}`),
      h('td', { class: `cmp-a${r.change === 'removed' ? ' differs' : ''}`, colspan: 2, text: where(r.a) }),
      h('td', { class: `cmp-b${r.change === 'inserted' ? ' differs' : ''}`, colspan: 2, text: where(r.b) }),
      h('td', { class: 'cmp-change', text: changeText(r.change) }),
    ) as HTMLTableRowElement;
  }
  return h(
    'tr',
    { class: 'cmp-field stop', 'data-kind': 'field', 'data-stop': r.stop, 'data-offset-a': r.offsetA, 'data-offset-b': r.offsetB, tabindex: -1, 'aria-level': 2 },
    h('th', { scope: 'row', class: 'cmp-label cmp-fieldname', text: r.field }),
    h('td', { class: 'cmp-off', text: hexOff(r.offsetA) }),
    h('td', { class: 'cmp-a cmp-value differs', text: r.a }),
    h('td', { class: 'cmp-off', text: hexOff(r.offsetB) }),
    h('td', { class: 'cmp-b cmp-value differs', text: r.b }),
    h('td', { class: 'cmp-change', text: r.note || 'changed' }),
  ) as HTMLTableRowElement;
}

const status = h('span', { class: 'cmp-position', role: 'status', 'aria-live': 'polite' });
const count = h('span', { class: 'cmp-count' });
const prevBtn = h('button', { class: 'cmp-btn cmp-prev', title: 'Previous Difference (Shift+F7)', 'aria-label': 'Previous difference', 'aria-keyshortcuts': 'Shift+F7 Shift+Alt+F5' }, icon('arrow-up'));
const nextBtn = h('button', { class: 'cmp-btn cmp-next', title: 'Next Difference (F7)', 'aria-label': 'Next difference', 'aria-keyshortcuts': 'F7 Alt+F5' }, icon('arrow-down'));
const pagePrev = h('button', { class: 'cmp-btn cmp-page-prev', text: 'Previous page' });
const pageNext = h('button', { class: 'cmp-btn cmp-page-next', text: 'Show more' });
const pageInfo = h('span', { class: 'cmp-page-info', role: 'note' });
const tbody = h('tbody');
const table = h(
  'table',
  { class: 'cmp-grid', role: 'grid', 'aria-label': 'Differences between image A and image B' },
  h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Record / field' }), h('th', { scope: 'col', class: 'cmp-head-a', colspan: 2, id: 'cmp-head-a' }), h('th', { scope: 'col', class: 'cmp-head-b', colspan: 2, id: 'cmp-head-b' }), h('th', { scope: 'col', text: 'Change' }))),
  tbody,
);

function rows(): HTMLTableRowElement[] {
  return Array.from(tbody.querySelectorAll<HTMLTableRowElement>('tr'));
}

function focusRow(tr: HTMLTableRowElement | undefined): void {
  if (!tr) return;
  for (const r of rows()) r.tabIndex = r === tr ? 0 : -1;
  tr.focus();
  tr.scrollIntoView({ block: 'nearest' });
  const stop = tr.dataset.stop;
  if (stop !== undefined) {
    current = Number(stop);
    vscode.setState({ stop: current });
    status.textContent = `Difference ${current + 1} of ${header?.differences ?? 0}`;
  }
}

function focusStop(stop: number): void {
  focusRow(tbody.querySelector<HTMLTableRowElement>(`tr.stop[data-stop="${stop}"]`) ?? undefined);
}

function move(dir: 1 | -1): void {
  const total = header?.differences ?? 0;
  if (!total || !page) return;
  // From the focused row when it is a difference, else from the last one moved to; wrapping around like the diff editor.
  const at = document.activeElement instanceof HTMLElement && document.activeElement.closest('tr')?.dataset.stop !== undefined ? Number(document.activeElement.closest('tr')?.dataset.stop) : current;
  const target = at < 0 ? (dir > 0 ? 0 : total - 1) : (at + dir + total) % total;
  if (target >= page.start && target < page.end) focusStop(target);
  else post({ type: 'page', stop: target, focus: target });
}

function renderPage(p: ComparePage, focus: number | null): void {
  page = p;
  clear(tbody);
  for (const r of p.rows) tbody.append(rowEl(r));
  const total = header?.differences ?? 0;
  pageInfo.textContent = total > p.end - p.start ? `Showing differences ${p.start + 1}–${p.end} of ${total}` : '';
  pagePrev.hidden = p.start === 0;
  pageNext.hidden = p.end >= total;
  const first = rows()[0];
  if (first) first.tabIndex = 0;
  if (focus !== null) focusStop(focus);
}

function renderHeader(hd: CompareHeader): HTMLElement {
  const parts = [`${hd.changedRecords} record(s) changed`, `${hd.removedRecords} only in A`, `${hd.insertedRecords} only in B`];
  count.textContent = `${hd.differences} difference${hd.differences === 1 ? '' : 's'} (${parts.join(', ')})`;
  (table.querySelector('#cmp-head-a') as HTMLElement).textContent = `A: ${hd.a.name}`;
  (table.querySelector('#cmp-head-b') as HTMLElement).textContent = `B: ${hd.b.name}`;
  return h(
    'header',
    { class: 'cmp-summary', 'aria-label': 'Images compared' },
    sideSummary('A', hd.a),
    sideSummary('B', hd.b),
    hd.alignment === 'position' ? h('div', { class: 'cmp-note', text: 'The images share too few records to align them by identity: records are compared by position.' }) : null,
  );
}

function init(hd: CompareHeader, p: ComparePage, focus: number | null): void {
  header = hd;
  clear(app);
  document.body.dataset.state = hd.equal ? 'equal' : 'differs';
  const summary = renderHeader(hd);
  if (hd.equal) {
    app.append(summary, h('p', { class: 'cmp-equal', role: 'status', text: `The images are identical (${sizeText(hd.a.size)}).` }));
    return;
  }
  const bytesOnly = hd.differences === 0 ? h('p', { class: 'cmp-note', role: 'status', text: `The files differ from byte ${hd.firstDifference}, but in no record or field this view compares.` }) : null;
  app.append(summary, h('div', { class: 'cmp-toolbar', role: 'toolbar', 'aria-label': 'Differences', 'aria-controls': 'cmp-grid' }, count, prevBtn, nextBtn, status, pagePrev, pageInfo, pageNext));
  if (bytesOnly) app.append(bytesOnly);
  app.append(table);
  table.id = 'cmp-grid';
  renderPage(p, focus);
}

function refused(problems: FileProblem[]): void {
  clear(app);
  document.body.dataset.state = 'refused';
  app.append(h('h2', { class: 'cmp-title', text: 'These files cannot be compared' }), h('div', { role: 'alert' }, problemList(problems)));
}

prevBtn.addEventListener('click', () => move(-1));
nextBtn.addEventListener('click', () => move(1));
pagePrev.addEventListener('click', () => page && post({ type: 'page', stop: page.start - 1, focus: null }));
pageNext.addEventListener('click', () => page && post({ type: 'page', stop: page.end, focus: page.end }));

document.addEventListener('keydown', (e) => {
  const f7 = e.key === 'F7' && !e.altKey && !e.ctrlKey && !e.metaKey;
  const altF5 = e.key === 'F5' && e.altKey && !e.ctrlKey && !e.metaKey;
  if (f7 || altF5) {
    e.preventDefault();
    move(e.shiftKey ? -1 : 1);
    return;
  }
  const tr = (e.target as HTMLElement | null)?.closest?.('tbody tr') as HTMLTableRowElement | null;
  if (!tr) return;
  const all = rows();
  const i = all.indexOf(tr);
  let to: HTMLTableRowElement | undefined;
  if (e.key === 'ArrowDown') to = all[i + 1];
  else if (e.key === 'ArrowUp') to = all[i - 1];
  else if (e.key === 'Home') to = all[0];
  else if (e.key === 'End') to = all[all.length - 1];
  else return;
  e.preventDefault();
  focusRow(to);
});

function probe(): CompareProbe {
  const st = document.body.dataset.state;
  const active = document.activeElement instanceof HTMLElement ? document.activeElement.closest('tbody tr') : null;
  const text = (el: Element | null | undefined) => (el?.textContent ?? '').trim();
  return {
    state: st === 'equal' || st === 'differs' || st === 'refused' ? st : 'loading',
    summary: [...Array.from(app.querySelectorAll('.cmp-side')).map((e) => Array.from(e.children).map(text).join(' ')), text(app.querySelector('.cmp-equal'))].filter(Boolean).join(' '),
    count: text(count),
    position: text(status),
    errors: Array.from(app.querySelectorAll('.cmp-problem')).map((e) => text(e)),
    rows: rows().map((r) => {
      const td = r.querySelectorAll('td');
      const field = r.dataset.kind === 'field';
      return {
        kind: r.dataset.kind ?? '',
        stop: r.dataset.stop !== undefined ? Number(r.dataset.stop) : null,
        label: text(r.querySelector('th')),
        offsetA: field ? text(td[0]) : '',
        a: text(field ? td[1] : td[0]),
        offsetB: field ? text(td[2]) : '',
        b: text(field ? td[3] : td[1]),
        change: text(r.querySelector('.cmp-change')),
        marked: r.querySelector('.differs') !== null,
      };
    }),
    focusedStop: active instanceof HTMLElement && active.dataset.stop !== undefined ? Number(active.dataset.stop) : null,
    focusedLabel: active ? text(active.querySelector('th')) : null,
  };
}

window.addEventListener('message', (ev: MessageEvent<CompareToWebview>) => {
  const m = ev.data;
  if (m.type === 'init') init(m.header, m.page, m.focus);
  else if (m.type === 'page') renderPage(m.page, m.focus);
  else if (m.type === 'refused') refused(m.problems);
  else if (m.type === 'move') move(m.dir);
  else if (m.type === 'probe') post({ type: 'probe', id: m.id, probe: probe() });
});

const saved = vscode.getState() as { stop?: number } | undefined;
post({ type: 'ready', stop: typeof saved?.stop === 'number' ? saved.stop : null });
