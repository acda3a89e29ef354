// Problems: the validator's diagnostics; choosing one reveals its bytes and the field that holds them.
// A problem with a repair shows why beside it and a Quick Fix button per reading (Ctrl+. applies
// the likelier one of the focused problem); "Fix All Unambiguous" in the header applies every
// repair `ckpt-inspect fix` would, as one undoable edit.
import type { DiagnosticView, InitSummary, Repair } from '../../src/shared/protocol.js';
import { editStatus } from '../edit.js';
import { escapeText } from '../../src/shared/escape.js';
import { codicon } from '../codicons.js';
import { clear, h, hex } from '../dom.js';
import { request } from '../rpc.js';
import { select } from '../selection.js';

export class ProblemsPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private diags: DiagnosticView[] = [];
  private focus = 0;

  private readonly fixAllBtn: HTMLButtonElement;
  private generation = 0;

  constructor() {
    this.list = h('ul', { class: 'problems', role: 'listbox', 'aria-label': 'Problems', tabindex: 0 });
    this.fixAllBtn = h('button', { class: 'btn fix-all', type: 'button', text: 'Fix All Unambiguous', title: 'Apply every repair the bytes determine (as ckpt-inspect fix does), as one undoable edit' }) as HTMLButtonElement;
    this.fixAllBtn.hidden = true;
    this.fixAllBtn.addEventListener('click', () => void this.fixAll());
    this.el = h('div', { class: 'problems-panel' }, h('div', { class: 'problems-header', role: 'toolbar', 'aria-label': 'Problems actions' }, this.fixAllBtn), this.list);
    this.list.addEventListener('click', (e) => {
      const btn = (e.target as HTMLElement).closest<HTMLElement>('[data-fix]');
      if (btn) {
        e.stopPropagation();
        void this.fix(Number(btn.dataset.fix), Number(btn.dataset.choice));
        return;
      }
      const li = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
      if (li) this.choose(Number(li.dataset.i));
    });
    this.list.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === '.') {
        const r = this.diags[this.focus]?.repair;
        if (r) void this.fix(this.focus, 0);
        e.preventDefault();
        return;
      }
      if ((e.target as HTMLElement).closest('[data-fix]')) return;
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
    this.generation = init.generation;
    clear(this.list);
    const fixable = (diags ?? []).filter((d) => d.repair?.unambiguous).length;
    this.fixAllBtn.hidden = fixable === 0;
    this.fixAllBtn.textContent = `Fix All Unambiguous (${fixable})`;
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
          h('span', { class: `sev-icon sev-${d.severity}`, role: 'img', 'aria-label': d.severity, title: d.severity }, codicon(d.severity)),
          h('span', { class: 'code', text: d.code }),
          h('span', { class: 'msg', text: escapeText(d.message) }),
          h('span', { class: 'where', text: `${d.field} @ ${d.offset} (${hex(d.offset)})${d.record !== undefined ? ` · record ${d.record}` : ''}` }),
          ...(d.repair ? [repairView(d.repair, i)] : []),
        ),
      ),
    );
    if (init.diagnosticsTotal > this.diags.length) this.list.append(h('li', { class: 'muted', text: `… and ${init.diagnosticsTotal - this.diags.length} more (export the report for all)` }));
  }

  /** Apply choice `choice` of problem i's repair (one undoable edit; the host re-validates). */
  private async fix(i: number, choice: number): Promise<void> {
    const d = this.diags[i];
    if (!d?.repair) return;
    try {
      const r = await request('repair', { code: d.code, offset: d.offset, choice });
      editStatus.textContent = r.changed ? `${r.description}${r.errors ? ` · the image now has ${r.errors} error(s)` : ' · no errors left'}` : 'No change.';
    } catch (e) {
      editStatus.textContent = e instanceof Error ? e.message : String(e);
    }
    this.list.focus();
  }

  private async fixAll(): Promise<void> {
    try {
      const r = await request('fixAll', { generation: this.generation });
      editStatus.textContent = r.changed ? `${r.applied} repair(s) applied${r.ambiguous ? `, ${r.ambiguous} need a choice` : ''}${r.errors ? ` · ${r.errors} error(s) left` : ' · no errors left'}` : 'No unambiguous repair.';
    } catch (e) {
      editStatus.textContent = e instanceof Error ? e.message : String(e);
    }
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

/** The repair beside its problem: why, and one Quick Fix button per reading (the likelier first). */
function repairView(r: Repair, i: number): HTMLElement {
  const box = h('div', { class: 'repair' });
  const first = r.choices[0];
  box.append(h('span', { class: 'repair-why', text: r.unambiguous ? first.reason : (r.why ?? 'More than one reading fits the bytes.') }));
  r.choices.forEach((c, k) => {
    const label = c.writes.length ? `${c.field} ${c.oldValue} → ${c.newValue}` : `keep ${c.field} ${c.oldValue}`;
    const btn = h('button', {
      class: `btn quick-fix${k === 0 ? ' likelier' : ''}`,
      type: 'button',
      'data-fix': i,
      'data-choice': k,
      title: c.reason,
      'aria-label': `Quick fix: ${label}${r.choices.length > 1 && k === 0 ? ' (likelier)' : ''}. ${c.reason}`,
    });
    btn.textContent = `Fix: ${label}${r.choices.length > 1 && k === 0 ? ' (likelier)' : ''}`;
    if (!c.writes.length) btn.setAttribute('disabled', '');
    box.append(btn);
  });
  return box;
}
