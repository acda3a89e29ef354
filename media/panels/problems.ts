// Problems: the validator's diagnostics; choosing one reveals its bytes and the field that holds them.
import type { DiagnosticView, InitSummary } from '../../src/shared/protocol.js';
import { clear, h, hex } from '../dom.js';
import { request } from '../rpc.js';
import { select } from '../selection.js';

export class ProblemsPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private diags: DiagnosticView[] = [];
  private focus = 0;

  constructor() {
    this.list = h('ul', { class: 'problems', role: 'listbox', 'aria-label': 'Problems', tabindex: 0 });
    this.el = h('div', { class: 'problems-panel' }, this.list);
    this.list.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
      if (li) this.choose(Number(li.dataset.i));
    });
    this.list.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') this.move(1);
      else if (e.key === 'ArrowUp') this.move(-1);
      else if (e.key === 'Enter' || e.key === ' ') this.choose(this.focus);
      else return;
      e.preventDefault();
    });
  }

  /**
   * A new list (after an open, reload or edit): drawn now when the tab shows, else when it is first
   * shown. `diags` null: the list is on its way (InitData.diagnosticsFollow).
   */
  update(init: InitSummary, diags: DiagnosticView[] | null, visible: boolean): void {
    this.pending = { init, diags };
    if (visible) this.shown();
  }

  /** The Problems tab is showing: draw a list that came while it was hidden. */
  shown(): void {
    const p = this.pending;
    if (!p) return;
    const focus = this.focus;
    this.load(p);
    this.focus = Math.min(focus, Math.max(0, this.diags.length - 1));
  }

  private pending: { init: InitSummary; diags: DiagnosticView[] | null } | null = null;

  private load({ init, diags }: { init: InitSummary; diags: DiagnosticView[] | null }): void {
    this.focus = 0;
    clear(this.list);
    if (!diags) {
      // Stays pending: drawn when the list comes (update) while the tab shows.
      this.diags = [];
      this.list.append(h('li', { class: 'muted', role: 'status', text: `Loading ${init.diagnosticsTotal} problem(s)…` }));
      return;
    }
    this.pending = null;
    this.diags = diags;
    if (!this.diags.length) {
      this.list.append(h('li', { class: 'muted', text: init.modelBuilt ? 'No problems: restart accepts this image.' : 'No framing problems (full validation not run).' }));
      return;
    }
    this.diags.forEach((d, i) =>
      this.list.append(
        h(
          'li',
          { class: `problem sev-${d.severity}`, role: 'option', 'data-i': i, id: `problem-${i}`, 'aria-selected': 'false' },
          h('span', { class: `sev-icon sev-${d.severity}`, 'aria-label': d.severity, title: d.severity }),
          h('span', { class: 'code', text: d.code }),
          h('span', { class: 'msg', text: d.message }),
          h('span', { class: 'where', text: `${d.field} @ ${d.offset} (${hex(d.offset)})${d.record !== undefined ? ` · record ${d.record}` : ''}` }),
        ),
      ),
    );
    if (init.diagnosticsTotal > this.diags.length) this.list.append(h('li', { class: 'muted', text: `… and ${init.diagnosticsTotal - this.diags.length} more (export the report for all)` }));
  }

  private move(d: number): void {
    this.focus = Math.max(0, Math.min(this.diags.length - 1, this.focus + d));
    this.mark();
    this.list.querySelector(`#problem-${this.focus}`)?.scrollIntoView({ block: 'nearest' });
  }

  private mark(): void {
    this.list.setAttribute('aria-activedescendant', `problem-${this.focus}`);
    for (const li of Array.from(this.list.querySelectorAll<HTMLElement>('[data-i]'))) {
      const on = Number(li.dataset.i) === this.focus;
      li.classList.toggle('focused', on);
      li.setAttribute('aria-selected', String(on));
    }
  }

  choose(i: number): void {
    const d = this.diags[i];
    if (!d) return;
    this.focus = i;
    this.mark();
    void request('fieldAt', { offset: d.offset }).then((hit) => {
      select({ offset: d.offset, length: Math.max(1, d.length), ...(hit ? { record: hit.record, ...(hit.path && hit.offset === d.offset ? { path: hit.path } : {}) } : {}), label: `${d.code} · ${d.field}` }, 'problems', hit);
    });
  }
}
