// The skeleton the Terminal and Line discipline panels share: a page of items asked from the host
// (a pager above it), drawn again on load and after an edit that touched a record it shows, picking
// a value by click, Enter or Space, and an edit in progress kept across the redraw.
import type { InitSummary } from '../../src/shared/protocol.js';
import { clear, h } from '../dom.js';
import { captureEditing, isControl, restoreEditing, restoreFocus } from '../edit.js';
import { Pager } from './pager.js';

export interface PagedPanelSpec {
  /** Class of the panel's element and of the list under its pager. */
  panelClass: string;
  bodyClass: string;
  /** What the pager counts ("pairs"). */
  what: string;
  pageSize: number;
  /** Elements that name the records they show in `data-*` attributes (`recordKeys`). */
  recordSelector: string;
  recordKeys: string[];
  /** Shown without the full model (when the model gives no note) and for an empty page. */
  noModel: string;
  empty: string;
}

export abstract class PagedPanel<T> {
  readonly el: HTMLElement;
  protected readonly body: HTMLElement;
  protected readonly pager: Pager;
  init: InitSummary | null = null;
  private fillSeq = 0;

  constructor(private readonly spec: PagedPanelSpec) {
    this.body = h('div', { class: spec.bodyClass });
    this.pager = new Pager(spec.pageSize, spec.what, () => void this.fill());
    this.el = h('div', { class: spec.panelClass }, this.pager.el, this.body);
    this.body.addEventListener('click', (e) => this.pick(e));
    this.body.addEventListener('keydown', (e) => {
      if (isControl(e.target)) return;
      if (e.key === 'Enter' || e.key === ' ') {
        this.pick(e);
        e.preventDefault();
      }
    });
  }

  /** A page of items from the host. */
  protected abstract fetch(start: number, count: number): Promise<{ items: T[]; total: number }>;
  /** Draw `items` into the body (which may still hold the previous page). */
  protected abstract draw(items: T[]): void;
  /** Forget what was drawn (the body is being emptied). */
  protected abstract forget(): void;
  /** A click, Enter or Space on the body. */
  protected abstract pick(e: Event): void;

  /** Does the panel show one of `records` (null: anything may have changed)? */
  shows(records: number[] | null): boolean {
    if (records === null) return true;
    const set = new Set(records);
    for (const el of Array.from(this.body.querySelectorAll<HTMLElement>(this.spec.recordSelector))) {
      for (const k of this.spec.recordKeys) if (el.dataset[k] !== undefined && set.has(Number(el.dataset[k]))) return true;
    }
    return false;
  }

  async load(init: InitSummary): Promise<void> {
    this.init = init;
    if (init.cause !== 'edit') this.pager.start = 0;
    await this.fill();
    restoreFocus(this.body);
  }

  /** Draw the page shown again (what it shows beside the values changed), if it was drawn. */
  async redraw(): Promise<void> {
    if (!this.init) return;
    await this.fill();
  }

  private note(text: string): void {
    this.forget();
    clear(this.body);
    this.body.append(h('p', { class: 'note', text }));
  }

  protected async fill(): Promise<void> {
    const seq = ++this.fillSeq;
    const init = this.init;
    // The old content stays until the new one is ready, so that keys typed meanwhile land somewhere.
    if (!init) {
      this.forget();
      return clear(this.body);
    }
    if (!init.modelBuilt) {
      this.note(init.modelNote ?? this.spec.noModel);
      this.pager.update(0);
      return;
    }
    const r = await this.fetch(this.pager.start, this.spec.pageSize);
    if (seq !== this.fillSeq) return; // a newer fill (a later edit) owns the panel
    const editing = captureEditing(this.body);
    this.pager.update(r.total);
    if (!r.items.length) return this.note(this.spec.empty);
    this.draw(r.items);
    restoreEditing(this.body, editing);
  }
}
