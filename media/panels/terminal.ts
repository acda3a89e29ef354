// Terminal: each pty pair, master and slave side by side; flags by name with the raw value, c_cc in
// ^C notation, winsize; values that differ between the two sides are marked. Clicking a value (or
// Enter on it) selects its bytes.
import type { FieldCell, PairView, TtyView } from '../../src/shared/protocol.js';
import { clear, h, hex } from '../dom.js';
import { request } from '../rpc.js';
import { onSelect, select } from '../selection.js';
import { PagedPanel } from './paged-panel.js';
import { TERMIOS_FLAGS, TTY_FLAG_BITS } from '../../src/parser/names.js';

/** What a flag bit means (the views send its name only). */
const BIT_DOCS = new Map<string, string>([
  ...TTY_FLAG_BITS.map((b) => [`flags.${b.name}`, b.doc] as [string, string]),
  ...Object.entries(TERMIOS_FLAGS).flatMap(([field, list]) => list.map((b) => [`${field}.${b.name}`, b.doc] as [string, string])),
]);
function bitDoc(cell: string, bit: string): string | undefined {
  return BIT_DOCS.get(`${cell}.${bit}`);
}
import { bitControl, choiceControl, textControl } from '../edit.js';
import { provenanceMark, provenanceOf, provenanceText, provenanceVersion, ttyBase } from '../provenance.js';

const PAGE = 4;

function sideTitle(t: TtyView | null, k: number): string {
  return t ? `${t.role}${t.objref !== null ? ` #${t.objref}` : ''} · record ${t.record} @ ${hex(t.offset, 4)}` : k === 0 ? 'no master' : 'no slave';
}

function cellTitle(c: FieldCell): string {
  return `${c.title ?? c.name} @ ${c.offset} (${hex(c.offset)}), ${c.size} byte(s)${c.differs ? ' — differs between master and slave' : ''}`;
}

/** A cell's view without its place: two cells equal under this differ at most in where they are. */
function placeless(c: FieldCell): string {
  return JSON.stringify({ ...c, offset: 0 });
}

export class TerminalPanel extends PagedPanel<PairView> {
  constructor() {
    super({ panelClass: 'terminal', bodyClass: 'pairs', what: 'pairs', pageSize: PAGE, recordSelector: '.cell[data-rec]', recordKeys: ['rec'], noModel: 'The full model is not available.', empty: 'No TTY records in this image.' });
    onSelect((sel) => {
      for (const b of Array.from(this.body.querySelectorAll<HTMLElement>('.cell'))) {
        const o = Number(b.dataset.off);
        b.classList.toggle('selected', !!sel && o === sel.offset && Number(b.dataset.len) === sel.length);
      }
    });
  }

  protected async fetch(start: number, count: number): Promise<{ items: PairView[]; total: number }> {
    const r = await request('pairs', { start, count });
    return { items: r.pairs, total: r.total };
  }

  protected forget(): void {
    this.drawn = [];
  }

  /** Only the pairs whose view changed are drawn again: a pair's table is hundreds of controls. */
  protected draw(pairs: PairView[]): void {
    // Provenance marks are drawn again when the host sends the sidecar (after the init, and 'as captured' after a first edit).
    const editable = `${!!this.init?.editable} ${provenanceVersion()}`;
    const next = pairs.map((p) => ({ key: JSON.stringify(p), editable }));
    const kept = this.drawn.length === next.length && this.body.children.length === next.length;
    if (!kept) clear(this.body);
    next.forEach((n, k) => {
      const was = kept ? this.drawn[k] : undefined;
      if (was && was.key === n.key && was.editable === n.editable) return;
      // The same pair with other values: only its changed cells are drawn again.
      if (was && was.editable === n.editable && this.patchPair(this.body.children[k] as HTMLElement, was.view, pairs[k])) return;
      const el = this.pairTable(pairs[k]);
      if (was) this.body.replaceChild(el, this.body.children[k]);
      else this.body.append(el);
    });
    this.drawn = next.map((n, k) => ({ ...n, view: pairs[k] }));
  }

  /** What each drawn pair section shows (its view, and as JSON), in order. */
  private drawn: { key: string; editable: string; view: PairView }[] = [];
  /** Each drawn pair section's value cells, by side (0 master, 1 slave) and field name. */
  private readonly cellsOf = new WeakMap<HTMLElement, Map<string, HTMLElement>>();

  /**
   * Draw again the cells of `el` (drawn from `old`) whose values differ in `p`; false when the pair
   * itself differs (another tty, record or offset in its header, other fields): then it is redrawn.
   */
  private patchPair(el: HTMLElement, old: PairView, p: PairView): boolean {
    const cells = this.cellsOf.get(el);
    const sides = [p.master, p.slave];
    const before = [old.master, old.slave];
    // Records keep their numbers when an edit moves them (a pending input of another length before
    // them): then only the offsets shown change, and are updated where they are.
    const head = (t: TtyView | null) => (t ? [t.role, t.objref, t.record, t.cells.map((c) => c.name).join()].join('|') : '');
    if (!cells || p.title !== old.title || sides.some((t, k) => head(t) !== head(before[k]))) return false;
    sides.forEach((t, k) => {
      if (t && before[k] && t.offset !== before[k]!.offset) {
        const th = el.querySelector<HTMLElement>(`thead th.side-${k}`);
        if (th) th.textContent = sideTitle(t, k);
      }
      for (const c of t?.cells ?? []) {
        const o = before[k]?.cells.find((x) => x.name === c.name);
        if (o && JSON.stringify(o) === JSON.stringify(c)) continue;
        const td = cells.get(`${k}:${c.name}`);
        if (!td) continue;
        const span = td.querySelector<HTMLElement>(':scope > .cell');
        if (o && span && placeless(o) === placeless(c)) {
          span.dataset.off = String(c.offset);
          span.title = cellTitle(c);
          continue;
        }
        clear(td);
        td.append(this.cell(t, c.name));
      }
    });
    return true;
  }

  private pairTable(p: PairView): HTMLElement {
    const sides = [p.master, p.slave];
    const names: string[] = [];
    for (const t of sides) for (const c of t?.cells ?? []) if (!names.includes(c.name)) names.push(c.name);
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col', text: 'field' }),
      ...sides.map((t, k) => h('th', { scope: 'col', class: `side-${k}`, text: sideTitle(t, k) })),
    );
    const cells = new Map<string, HTMLElement>();
    const rows = names.map((n) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row', class: 'fname', text: n }),
        ...sides.map((t, k) => {
          const td = h('td', {}, this.cell(t, n));
          cells.set(`${k}:${n}`, td);
          return td;
        }),
      ),
    );
    const section = h(
      'section',
      { class: 'pair', 'aria-label': `pty pair ${p.title}` },
      h('h3', { class: 'pair-title', text: `${p.title}` }),
      h('table', { class: 'pair-table' }, h('thead', {}, head), h('tbody', {}, ...rows)),
    );
    this.cellsOf.set(section, cells);
    return section;
  }

  private cell(t: TtyView | null, name: string): HTMLElement | string {
    const c: FieldCell | undefined = t?.cells.find((x) => x.name === name);
    if (!t || !c) return '';
    const kids: (HTMLElement | string)[] = [];
    const edit = this.init?.editable && c.path && c.control ? c : null;
    if (edit && edit.control === 'flags' && edit.bits) {
      const box = h('span', { class: 'edit-wrap bits', role: 'group', 'aria-label': `${t.role} ${c.name} bits` });
      for (const b of edit.bits) {
        const path = `${edit.path}.${b.name}`;
        const doc = bitDoc(c.name, b.name);
        box.append(b.options ? choiceControl(path, b.name, b.options, b.current ?? '') : bitControl(path, b.name, !!b.set, doc ? `${b.name}: ${doc}` : b.name));
      }
      const extra = (c.flags ?? []).filter((f) => /^0/.test(f));
      if (extra.length) box.append(h('span', { class: 'chip', text: extra.join(' '), title: 'bits with no name' }));
      kids.push(box, h('span', { class: 'raw', text: c.raw }));
    } else if (edit) {
      const wrap = h('span', { class: 'edit-wrap' }, textControl(edit.path!, c.value ?? c.raw, `${t.role} ${c.name}`, c.control === 'cc' ? 'edit-cc' : 'edit-num'));
      kids.push(wrap);
      if (c.text !== c.value) kids.push(h('span', { class: 'raw', text: c.control === 'cc' ? c.raw : c.text }));
    } else if (c.flags) {
      const chips = h('span', { class: 'chips' });
      for (const f of c.flags) chips.append(h('span', { class: 'chip', text: f }));
      if (!c.flags.length) chips.append(h('span', { class: 'muted', text: '(none)' }));
      kids.push(chips, h('span', { class: 'raw', text: c.raw }));
    } else {
      kids.push(h('span', { class: 'val', text: c.text }));
      if (c.raw !== c.text) kids.push(h('span', { class: 'raw', text: c.raw }));
    }
    if (c.differs) kids.push(h('span', { class: 'differs-mark', text: '≠', title: 'differs between master and slave' }));
    const base = ttyBase(t.cells);
    const key = c.path ?? (base ? `${base}.${c.name}` : undefined);
    const mark = provenanceMark(key);
    if (mark) kids.push(mark);
    const prov = provenanceOf(key);
    return h(
      'span',
      {
        class: `cell${c.differs ? ' differs' : ''}`,
        role: 'button',
        tabindex: 0,
        'data-off': c.offset,
        'data-len': c.size,
        'data-rec': t.record,
        'data-name': c.name,
        'data-role': t.role,
        title: cellTitle(c),
        'aria-label': `${t.role} ${c.name}: ${c.text}${c.differs ? ', differs' : ''}${prov ? `, ${provenanceText(prov)}` : ''}`,
      },
      ...kids,
    );
  }

  protected pick(e: Event): void {
    const b = (e.target as HTMLElement).closest<HTMLElement>('.cell');
    if (!b) return;
    const offset = Number(b.dataset.off);
    void request('fieldAt', { offset }).then((hit) => {
      const base = { offset, length: Number(b.dataset.len), record: Number(b.dataset.rec), label: `${b.dataset.role} ${b.dataset.name}` };
      if (hit && hit.offset === offset && hit.length === base.length) select({ ...hit, label: base.label }, 'terminal', hit);
      else select(base, 'terminal', hit);
    });
  }
}
