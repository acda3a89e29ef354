// Line discipline: the pending buffer of each tty as text with escapes, split into the complete lines
// (line ends from read_flags) and the partial line, plus column, canon_*, the state bits and a hexdump.
import type { LdiscView } from '../../src/shared/protocol.js';
import { clear, h, hex } from '../dom.js';
import { request } from '../rpc.js';
import { select } from '../selection.js';
import { bitControl, isControl, sendEdit, textControl } from '../edit.js';
import { provenanceMark, provenanceVersion } from '../provenance.js';
import { PagedPanel } from './paged-panel.js';

const PAGE = 4;

export class LdiscPanel extends PagedPanel<LdiscView> {
  constructor() {
    super({ panelClass: 'ldisc', bodyClass: 'ldiscs', what: 'line disciplines', pageSize: PAGE, recordSelector: '.ldisc-card', recordKeys: ['rec', 'tty'], noModel: '', empty: 'No line discipline records in this image.' });
  }

  protected pick(e: Event): void {
    if (isControl(e.target)) return;
    const b = (e.target as HTMLElement).closest<HTMLElement>('[data-off]');
    if (!b) return;
    const offset = Number(b.dataset.off);
    const length = Number(b.dataset.len);
    void request('fieldAt', { offset }).then((hit) => select({ offset, length, ...(hit ? { record: hit.record } : {}), ...(hit && hit.length === length && hit.path ? { path: hit.path } : {}), label: b.dataset.label ?? '' }, 'ldisc', hit));
  }

  protected async fetch(start: number, count: number): Promise<{ items: LdiscView[]; total: number }> {
    return request('ldiscs', { start, count });
  }

  protected forget(): void {
    this.drawn = [];
  }

  /** Only the cards whose view changed are drawn again (a card holds a hexdump and the buffer's editor). */
  protected draw(items: LdiscView[]): void {
    const next = items.map((l) => JSON.stringify([l, !!this.init?.editable, provenanceVersion()]));
    const kept = this.drawn.length === next.length && this.body.children.length === next.length;
    if (!kept) clear(this.body);
    next.forEach((key, k) => {
      if (kept && this.drawn[k] === key) return;
      const el = this.card(items[k]);
      if (kept) this.body.replaceChild(el, this.body.children[k]);
      else this.body.append(el);
    });
    this.drawn = next;
  }

  /** What each drawn card shows (its view as JSON), in order. */
  private drawn: string[] = [];

  private pickable(label: string, offset: number, length: number, ...kids: (HTMLElement | string)[]): HTMLElement {
    return h('span', { class: 'pick', role: 'button', tabindex: 0, 'data-off': offset, 'data-len': length, 'data-label': label, title: `${label} @ ${offset} (${hex(offset)}), ${length} byte(s)` }, ...kids);
  }

  /**
   * The pending input as editable text (C escapes: \\n, \\t, \\xHH) or hex; Apply (or Ctrl+Enter)
   * sends it. The text goes into the textarea as its value, never as markup.
   */
  private bufferEditor(l: LdiscView): HTMLElement {
    const path = l.dataPath!;
    const id = `buf-${l.record}`;
    const area = h('textarea', { class: 'edit buffer-edit', id, 'data-path': path, rows: 3, spellcheck: 'false', 'aria-label': `pending input of ${l.title}` });
    area.value = l.dataText;
    const mode = h('select', { class: 'buffer-mode', 'aria-label': 'buffer editor format' }, h('option', { value: 'text', text: 'text (C escapes)' }), h('option', { value: 'hex', text: 'hex' }));
    mode.addEventListener('change', () => {
      area.value = mode.value === 'hex' ? l.dataHex : l.dataText;
    });
    const apply = h('button', { class: 'btn buffer-apply', type: 'button', text: 'Apply' });
    const send = () => void sendEdit(area, path, mode.value === 'hex' ? `hex:${area.value}` : area.value);
    apply.addEventListener('click', send);
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        send();
      }
    });
    return h(
      'div',
      { class: 'edit-wrap buffer-editor' },
      h('label', { for: id, class: 'muted', text: `Edit the pending input (${l.icanon ? 'canonical mode: each \\n ends a line' : 'raw mode'}); Ctrl+Enter applies` }),
      area,
      h('div', { class: 'buffer-actions' }, mode, apply),
    );
  }

  private card(l: LdiscView): HTMLElement {
    const editable = !!this.init?.editable;
    const facts = h('dl', { class: 'facts' });
    // Cells of a tty the edit paths do not reach carry no path: their provenance key is built as the capture's.
    const base = l.dataPath ? l.dataPath.replace(/\.data$/, '') : null;
    for (const c of l.cells) {
      const v = editable && c.path ? h('span', { class: 'edit-wrap' }, textControl(c.path, c.value ?? c.raw, `${l.title} ${c.name}`)) : c.text;
      facts.append(h('dt', {}, this.pickable(c.name, c.offset, c.size, c.name)), h('dd', {}, v, provenanceMark(c.path ?? (base ? `${base}.${c.name}` : undefined))));
    }
    const bits = h('div', { class: editable ? 'edit-wrap bits' : 'chips', role: 'group', 'aria-label': 'state bits' });
    for (const b of l.bitsAll) {
      if (editable && b.path && b.value <= 1) bits.append(bitControl(b.path, b.name, b.value === 1, `${b.name} @ ${b.offset}`));
      else bits.append(this.pickable(b.name, b.offset, 1, h('span', { class: `chip${b.value ? ' on' : ' off'}`, text: `${b.name}${b.value > 1 ? `=${b.value}` : ''}` })));
    }
    const lines = h('ol', { class: 'lines', 'aria-label': 'pending input' });
    for (const ln of l.lines) {
      const kind = ln.complete ? 'complete line' : l.icanon ? 'partial line' : 'pending (raw mode, no lines)';
      lines.append(
        h(
          'li',
          { class: `line ${ln.complete ? 'complete' : 'partial'}` },
          this.pickable(kind, ln.offset, ln.length, h('code', { class: 'text', text: ln.text || '(empty)' })),
          h('span', { class: 'line-kind', text: ln.complete ? '⏎ complete' : l.icanon ? '… partial' : 'raw' }),
        ),
      );
    }
    const note = l.icanon
      ? `canonical mode · line ends from read_flags at ${l.lineEnds.length ? l.lineEnds.join(', ') : 'none'}${l.readTail !== null ? ` · read_tail ${l.readTail}` : ''}`
      : 'raw mode: read_flags carries no line ends';
    return h(
      'section',
      { class: 'ldisc-card', 'aria-label': `line discipline of ${l.title}`, 'data-rec': l.record, 'data-tty': l.ttyRecord },
      h('h3', { class: 'pair-title' }, this.pickable(`LDISC record ${l.record}`, l.offset, 560, `${l.title} · LDISC record ${l.record}`)),
      facts,
      bits,
      h('h4', { text: `Pending input (${l.bufferLength} byte${l.bufferLength === 1 ? '' : 's'})` }),
      h('p', { class: 'muted', text: note }),
      lines,
      editable && l.dataPath ? this.bufferEditor(l) : '',
      l.hexdump ? h('pre', { class: 'hexdump', 'aria-label': 'hexdump of the pending buffer', text: l.hexdump }) : h('p', { class: 'muted', text: 'no BUFFER' }),
    );
  }
}
