// Find in the image's bytes (Ctrl+F anywhere in the editor): a bar at the top of the Hex panel with
// the query, Hex/Text and Match Case toggles, previous/next, the result ("3 of 17", "No match", what is
// wrong with the query) in a live region, and once a search has taken 300 ms (the host says how far
// it is) a progress bar with Cancel. The host searches the whole file (src/editor/find.ts); a match
// becomes the selection, which the Hex panel shows and scrolls to.
// Keys: Enter / F3 next, Shift+Enter / Shift+F3 previous, Alt+X hex or text, Alt+C match case,
// Escape closes (or stops a search under way) and gives the focus back.
import { type FindResult, MAX_FIND_QUERY, type ToWebview } from '../src/shared/protocol.js';
import { escapeText } from '../src/shared/escape.js';
import { h, hex } from './dom.js';
import { onHost, post, request } from './rpc.js';
import { select, selection } from './selection.js';

type Direction = 'next' | 'previous';

/** True when the codicon font's classes are styled (@vscode/codicons bundled into the page's style). */
function codiconsLoaded(): boolean {
  for (const sheet of Array.from(document.styleSheets)) {
    let rules: CSSRuleList;
    try {
      rules = sheet.cssRules;
    } catch {
      continue;
    }
    for (const r of Array.from(rules)) if (r instanceof CSSStyleRule && r.selectorText.includes('.codicon-arrow-down')) return true;
  }
  return false;
}

/** A codicon; without the font, the text glyph `fallback` (find-bar.css). */
function icon(name: string, fallback: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true', 'data-fallback': fallback });
}

export class FindBar {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly hexToggle: HTMLButtonElement;
  private readonly caseToggle: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly progressRow: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly progressText: HTMLElement;
  /** The number of the last search sent; its progress and answer are the ones shown. */
  private search = 0;
  private running: number | null = null;
  /** The last match shown, as the query that found it. */
  private last: { key: string; offset: number; length: number } | null = null;
  /** Where the focus was when the bar opened (it goes back there on close). */
  private returnFocus: HTMLElement | null = null;

  constructor() {
    this.input = h('input', {
      class: 'find-input',
      type: 'text',
      'aria-label': 'Find bytes (hex) in the image',
      placeholder: 'Find hex bytes, e.g. de ad be ef',
      spellcheck: 'false',
      autocomplete: 'off',
      maxlength: MAX_FIND_QUERY,
      'aria-keyshortcuts': 'Enter Shift+Enter F3 Shift+F3 Escape',
    });
    this.hexToggle = h('button', { type: 'button', class: 'find-toggle find-hex', 'aria-pressed': 'true', title: 'Search hex bytes; off: text as UTF-8 (Alt+X)', 'aria-keyshortcuts': 'Alt+X', text: 'Hex' });
    this.caseToggle = h('button', { type: 'button', class: 'find-toggle find-case', 'aria-pressed': 'false', 'aria-label': 'Match case', title: 'Match case (Alt+C), text only', 'aria-keyshortcuts': 'Alt+C', disabled: true }, icon('case-sensitive', 'Aa'));
    this.status = h('span', { class: 'find-status', role: 'status', 'aria-live': 'polite', id: 'find-status' });
    this.input.setAttribute('aria-describedby', 'find-status');
    const prev = h('button', { type: 'button', class: 'find-prev', 'aria-label': 'Previous match', title: 'Previous match (Shift+Enter, Shift+F3)' }, icon('arrow-up', '↑'));
    const next = h('button', { type: 'button', class: 'find-next', 'aria-label': 'Next match', title: 'Next match (Enter, F3)' }, icon('arrow-down', '↓'));
    const close = h('button', { type: 'button', class: 'find-close', 'aria-label': 'Close find', title: 'Close (Escape)' }, icon('close', '×'));
    this.progress = h('progress', { class: 'find-progress', max: 1, value: 0, 'aria-label': 'Search progress' });
    this.progressText = h('span', { class: 'find-progress-text' });
    const cancel = h('button', { type: 'button', class: 'find-cancel', text: 'Cancel', title: 'Stop the search (Escape)' });
    this.progressRow = h('div', { class: 'find-progress-row', hidden: true }, this.progress, this.progressText, cancel);
    this.el = h(
      'div',
      { class: 'find-bar', role: 'search', 'aria-label': 'Find in the image', hidden: true },
      h('div', { class: 'find-row' }, this.input, this.hexToggle, this.caseToggle, this.status, prev, next, close),
      this.progressRow,
    );
    if (!codiconsLoaded()) this.el.classList.add('no-codicons');

    this.hexToggle.addEventListener('click', () => this.setHex(!this.isHex));
    this.caseToggle.addEventListener('click', () => this.setCase(!this.matchCase));
    prev.addEventListener('click', () => void this.find('previous'));
    next.addEventListener('click', () => void this.find('next'));
    close.addEventListener('click', () => this.close());
    cancel.addEventListener('click', () => this.cancel());
    this.input.addEventListener('input', () => {
      this.last = null;
      this.input.removeAttribute('aria-invalid');
    });
    this.el.addEventListener('keydown', (e) => this.onKey(e));
    onHost((m: ToWebview) => {
      if (m.type === 'findProgress' && m.search === this.running) this.showProgress(m.done, m.total);
    });
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }
  private get isHex(): boolean {
    return this.hexToggle.getAttribute('aria-pressed') === 'true';
  }
  private get matchCase(): boolean {
    return this.caseToggle.getAttribute('aria-pressed') === 'true';
  }

  private setHex(on: boolean): void {
    this.hexToggle.setAttribute('aria-pressed', String(on));
    this.caseToggle.disabled = on;
    this.input.setAttribute('aria-label', on ? 'Find bytes (hex) in the image' : 'Find text (UTF-8) in the image');
    this.input.placeholder = on ? 'Find hex bytes, e.g. de ad be ef' : 'Find text';
    this.last = null;
    this.input.removeAttribute('aria-invalid');
  }
  private setCase(on: boolean): void {
    if (this.isHex) return;
    this.caseToggle.setAttribute('aria-pressed', String(on));
    this.last = null;
  }

  /** Show the bar (Ctrl+F) and put the focus in the query, its text selected. */
  open(): void {
    const active = document.activeElement;
    if (!this.el.contains(active) && active instanceof HTMLElement && active !== document.body) this.returnFocus = active;
    this.el.hidden = false;
    this.input.focus();
    this.input.select();
  }

  /** Hide the bar, stopping a search under way; the focus goes back to where it was (or the Hex view). */
  close(): void {
    this.cancel();
    this.el.hidden = true;
    const back = this.returnFocus?.isConnected ? this.returnFocus : document.querySelector<HTMLElement>('.hex-scroll');
    this.returnFocus = null;
    back?.focus();
  }

  /** Stop the search under way (the host answers it as cancelled). */
  private cancel(): void {
    if (this.running === null) return;
    post({ type: 'findCancel', search: this.running });
  }

  private onKey(e: KeyboardEvent): void {
    let handled = true;
    if (e.key === 'Enter' && e.target === this.input) void this.find(e.shiftKey ? 'previous' : 'next');
    else if (e.key === 'Escape') {
      if (this.running !== null && !this.progressRow.hidden) this.cancel();
      else this.close();
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyX') this.setHex(!this.isHex);
    else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyC') this.setCase(!this.matchCase);
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /** The next or previous match from the selection (from the last match when it is still selected). */
  async find(direction: Direction): Promise<void> {
    if (!this.isOpen) {
      this.open();
      if (!this.input.value) return;
    }
    const query = this.input.value;
    const mode = this.isHex ? 'hex' : 'text';
    const key = `${mode} ${this.matchCase} ${query}`;
    const sel = selection();
    const onLast = this.last !== null && this.last.key === key && sel !== null && sel.offset === this.last.offset && sel.length === this.last.length;
    const from = direction === 'next' ? (onLast ? sel.offset + 1 : (sel?.offset ?? 0)) : (sel?.offset ?? Number.MAX_SAFE_INTEGER);
    if (this.running !== null) this.cancel();
    const search = ++this.search;
    this.running = search;
    this.el.dataset.state = 'searching';
    let r: FindResult;
    try {
      r = await request('find', { search, query, mode, matchCase: this.matchCase, from, direction });
    } catch (err) {
      r = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
    if (search !== this.search) return; // a newer search answers for itself
    this.running = null;
    this.progressRow.hidden = true;
    this.show(r, key);
  }

  private show(r: FindResult, key: string): void {
    this.input.removeAttribute('aria-invalid');
    this.el.dataset.state = r.status;
    delete this.el.dataset.offset;
    switch (r.status) {
      case 'found': {
        const of = r.index === null ? `match at ${hex(r.offset)} (more than ${r.count.toLocaleString('en')})` : `${(r.index + 1).toLocaleString('en')} of ${r.count.toLocaleString('en')}${r.complete ? '' : '+'}`;
        this.say(r.wrapped ? `${of}, wrapped` : of);
        this.el.dataset.offset = String(r.offset);
        this.last = { key, offset: r.offset, length: r.length };
        select({ offset: r.offset, length: r.length, label: r.index === null ? 'match' : `match ${r.index + 1} of ${r.count}${r.complete ? '' : '+'}` }, 'find');
        break;
      }
      case 'none':
        this.last = null;
        this.say('No match');
        break;
      case 'invalid':
        this.input.setAttribute('aria-invalid', 'true');
        this.say(r.error);
        break;
      case 'cancelled':
        this.say(r.changed ? 'The image changed during the search; press Enter to search again' : 'Search cancelled');
        break;
      case 'failed':
        this.say(`Search failed: ${escapeText(r.error)}`);
        break;
    }
  }

  private say(text: string): void {
    this.status.textContent = text;
    this.status.title = text;
  }

  private showProgress(done: number, total: number): void {
    if (this.progressRow.hidden) {
      this.progressRow.hidden = false;
      this.say('Searching…');
    }
    this.progress.max = Math.max(1, total);
    this.progress.value = Math.min(done, total);
    this.progressText.textContent = `${total ? Math.floor((100 * done) / total) : 0}% of ${(total / 1048576).toFixed(1)} MiB`;
  }
}

/**
 * Ctrl+F (Cmd+F) opens the bar anywhere in the editor, F3 / Shift+F3 step. Caught before the page's
 * other handlers and VS Code's own (which would otherwise take Ctrl+F and F3 for the workbench).
 */
export function installFindKeys(bar: FindBar): void {
  window.addEventListener(
    'keydown',
    (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && !e.shiftKey && e.code === 'KeyF') bar.open();
      else if (e.key === 'F3' && !mod && !e.altKey) void bar.find(e.shiftKey ? 'previous' : 'next');
      else return;
      e.preventDefault();
      e.stopPropagation();
    },
    true,
  );
}
