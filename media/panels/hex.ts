// Hex: the whole file, virtualised. Only the visible rows exist in the DOM; bytes come from the host
// in 4 KiB chunks on demand (ArrayBuffer), kept in a small LRU. Browsers cap element heights, so the
// scroll range is scaled when the file has more rows than fit. Keyboard: arrows, PageUp/PageDown,
// Home/End (row), Ctrl+Home/End (file), Enter selects the innermost field at the caret.
import { HEX_BYTES_PER_ROW as W, type Selection } from '../../src/shared/protocol.js';
import { clear, h, hex } from '../dom.js';
import { request, saveSoon } from '../rpc.js';
import { onSelect, select } from '../selection.js';
import { sendEdit } from '../edit.js';

const CHUNK = 4096;
const MAX_CHUNKS = 256;
const MAX_SCROLL_PX = 4_000_000;
const HEXCH = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class HexPanel {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly status: HTMLElement;
  private size = 0;
  private rowH = 18;
  private firstRow = 0;
  private rowEls: { row: HTMLElement; off: HTMLElement; bytes: HTMLElement[]; chars: HTMLElement[] }[] = [];
  private chunks = new Map<number, Uint8Array>();
  private loading = new Map<number, Promise<void>>();
  private sel: Selection | null = null;
  private caret = 0;
  private generation = 0;
  private editable = false;
  /** First hex digit typed at the caret, waiting for the second. */
  private nibble: number | null = null;

  constructor() {
    this.spacer = h('div', { class: 'hex-spacer' });
    this.rowsEl = h('div', { class: 'hex-rows', role: 'grid', 'aria-label': 'Bytes', 'aria-readonly': 'true' });
    this.scroller = h('div', { class: 'hex-scroll', tabindex: 0, 'aria-label': 'Hex view: arrow keys move, Enter selects the field' }, this.rowsEl, this.spacer);
    this.status = h('div', { class: 'hex-status', 'aria-live': 'polite' });
    this.inspector = h('dl', { class: 'inspector', 'aria-label': 'Data inspector: the bytes at the caret as numbers' });
    this.el = h('section', { class: 'hex', 'aria-label': 'Hex' }, h('h2', { class: 'panel-title', text: 'Hex' }), this.scroller, this.status, this.inspector);
    this.scroller.addEventListener('scroll', () => this.onScroll());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.rowsEl.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver(() => this.layout()).observe(this.scroller);
    onSelect((sel, source) => {
      this.sel = sel;
      if (sel && source !== 'hex') {
        this.caret = sel.offset;
        this.scrollTo(sel.offset);
      }
      this.paint();
      this.showStatus();
    });
  }

  private get rows(): number {
    return Math.max(1, Math.ceil(this.size / W));
  }
  private get visibleRows(): number {
    return Math.max(1, Math.floor(this.scroller.clientHeight / this.rowH));
  }
  private get scrollPx(): number {
    return Math.min(this.rows * this.rowH, MAX_SCROLL_PX);
  }

  /**
   * After an edit: drop the cached bytes of `ranges` (all of them when null: lengths changed) and
   * redraw the screen; the scroll position, caret and selection stay.
   */
  async refresh(size: number, generation: number, editable: boolean, ranges: { offset: number; length: number }[] | null): Promise<void> {
    if (ranges === null || size !== this.size || editable !== this.editable) return this.load(size, generation, editable);
    this.generation = generation;
    this.nibble = null;
    for (const r of ranges) {
      for (let c = Math.floor(r.offset / CHUNK); c * CHUNK < r.offset + Math.max(1, r.length); c++) this.chunks.delete(c);
    }
    this.loading.clear();
    // Bytes changed out of sight: the rows on screen are as they were (the chunks are fetched again when scrolled to).
    const start = this.firstRow * W;
    const end = Math.min(this.size, (this.firstRow + this.visibleRows + 1) * W);
    if (!ranges.some((r) => r.offset < end && start < r.offset + Math.max(1, r.length))) return;
    await this.fetchVisible();
    this.paint();
  }

  /** Start over for a (re)loaded file; resolves once the first screen of bytes is drawn. */
  async load(size: number, generation: number, editable = false): Promise<void> {
    this.editable = editable;
    this.nibble = null;
    this.rowsEl.setAttribute('aria-readonly', String(!editable));
    this.scroller.setAttribute('aria-label', `Hex view: arrow keys move, Enter selects the field${editable ? ', hex digits overwrite the byte at the caret' : ''}`);
    this.size = size;
    this.generation = generation;
    this.chunks.clear();
    this.loading.clear();
    this.caret = Math.min(this.caret, Math.max(0, size - 1));
    this.layout();
    await this.fetchVisible();
    this.paint();
  }

  private layout(): void {
    // Row height from the rendered font (CSS decides it).
    const probe = this.rowEls[0]?.row;
    if (probe && probe.offsetHeight > 0) this.rowH = probe.offsetHeight;
    this.spacer.style.height = `${this.scrollPx}px`;
    const need = this.visibleRows + 1;
    while (this.rowEls.length < need) {
      const off = h('span', { class: 'hex-off' });
      const bytes: HTMLElement[] = [];
      const chars: HTMLElement[] = [];
      const bytesEl = h('span', { class: 'hex-bytes' });
      const charsEl = h('span', { class: 'hex-chars' });
      for (let k = 0; k < W; k++) {
        const b = h('span', { class: `b${k === 7 ? ' gap' : ''}`, role: 'gridcell' });
        bytes.push(b);
        bytesEl.append(b);
        const c = h('span', { class: 'c' });
        chars.push(c);
        charsEl.append(c);
      }
      const row = h('div', { class: 'hex-row', role: 'row' }, off, bytesEl, charsEl);
      this.rowsEl.append(row);
      this.rowEls.push({ row, off, bytes, chars });
    }
    for (let k = 0; k < this.rowEls.length; k++) this.rowEls[k].row.hidden = k >= need;
    this.onScroll();
  }

  /** Keep the caret and the first row shown for the webview's next start (rpc.ts SavedState). */
  private saveView(): void {
    saveSoon('hex', () => ({ hex: { caret: this.caret, firstRow: this.firstRow } }));
  }

  /** Back to a saved caret and first row (after a restart of the webview), within this file's size. */
  restore(view: { caret: number; firstRow: number } | undefined): void {
    if (!view || this.size === 0) return;
    this.caret = Math.max(0, Math.min(view.caret, this.size - 1));
    const maxRow = Math.max(0, this.rows - this.visibleRows);
    const target = Math.max(0, Math.min(view.firstRow, maxRow));
    this.scroller.scrollTop = this.rows * this.rowH <= MAX_SCROLL_PX ? target * this.rowH : (target / Math.max(1, maxRow)) * (this.scrollPx - this.scroller.clientHeight);
    this.firstRow = target;
    this.paint();
    void this.fetchVisible().then(() => this.paint());
  }

  private onScroll(): void {
    const max = Math.max(1, this.scrollPx - this.scroller.clientHeight);
    const maxRow = Math.max(0, this.rows - this.visibleRows);
    const first = this.rows * this.rowH <= MAX_SCROLL_PX ? Math.floor(this.scroller.scrollTop / this.rowH) : Math.round((this.scroller.scrollTop / max) * maxRow);
    this.firstRow = Math.max(0, Math.min(maxRow, first));
    this.paint();
    this.saveView();
    void this.fetchVisible().then(() => this.paint());
  }

  private scrollTo(offset: number): void {
    const row = Math.floor(offset / W);
    if (row >= this.firstRow && row < this.firstRow + this.visibleRows - 1) return;
    const target = Math.max(0, row - Math.floor(this.visibleRows / 3));
    const maxRow = Math.max(1, this.rows - this.visibleRows);
    const top = this.rows * this.rowH <= MAX_SCROLL_PX ? target * this.rowH : (target / maxRow) * (this.scrollPx - this.scroller.clientHeight);
    this.scroller.scrollTop = top;
    this.firstRow = Math.min(target, Math.max(0, this.rows - this.visibleRows));
    void this.fetchVisible().then(() => this.paint());
  }

  private async fetchVisible(): Promise<void> {
    const start = this.firstRow * W;
    const end = Math.min(this.size, (this.firstRow + this.visibleRows + 1) * W);
    const jobs: Promise<void>[] = [];
    for (let c = Math.floor(start / CHUNK); c * CHUNK < end; c++) jobs.push(this.fetchChunk(c));
    await Promise.all(jobs);
  }

  private fetchChunk(c: number): Promise<void> {
    if (this.chunks.has(c)) return Promise.resolve();
    const pending = this.loading.get(c);
    if (pending) return pending;
    const gen = this.generation;
    const p = request('rows', { offset: c * CHUNK, length: CHUNK }).then((r) => {
      this.loading.delete(c);
      if (gen !== this.generation) return;
      this.chunks.set(c, new Uint8Array(r.data));
      if (this.chunks.size > MAX_CHUNKS) this.chunks.delete(this.chunks.keys().next().value as number);
    });
    this.loading.set(c, p);
    return p;
  }

  private byteAt(o: number): number {
    const c = this.chunks.get(Math.floor(o / CHUNK));
    return c ? c[o % CHUNK] ?? -1 : -1;
  }

  paint(): void {
    const s = this.sel;
    const s0 = s ? s.offset : -1;
    const s1 = s ? s.offset + Math.max(1, s.length) : -1;
    for (let k = 0; k < this.rowEls.length; k++) {
      const r = this.rowEls[k];
      const rowOff = (this.firstRow + k) * W;
      if (r.row.hidden) continue;
      if (rowOff >= this.size) {
        r.off.textContent = '';
        for (let j = 0; j < W; j++) {
          r.bytes[j].textContent = '';
          r.chars[j].textContent = '';
          r.bytes[j].className = 'b';
          r.chars[j].className = 'c';
        }
        continue;
      }
      r.off.textContent = hex(rowOff);
      for (let j = 0; j < W; j++) {
        const o = rowOff + j;
        const b = o < this.size ? this.byteAt(o) : -2;
        const inSel = o >= s0 && o < s1;
        const cls = `${inSel ? ' sel' : ''}${o === this.caret ? ' caret' : ''}${b === 0 ? ' zero' : ''}`;
        r.bytes[j].className = `b${j === 7 ? ' gap' : ''}${cls}`;
        r.bytes[j].dataset.off = String(o);
        r.bytes[j].textContent = b >= 0 ? HEXCH[b] : b === -1 ? '··' : '';
        r.chars[j].className = `c${cls}`;
        r.chars[j].dataset.off = String(o);
        r.chars[j].textContent = b < 0 ? (b === -1 ? '·' : '') : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
    }
    this.showInspector();
  }

  private readonly inspector: HTMLElement;
  /** What the inspector shows now (its caret and the bytes it read), so that a paint redraws it only when that changed. */
  private inspected = '';

  /** The data inspector: the bytes at the caret as unsigned and signed integers of 1 to 8 bytes, both byte orders. */
  private showInspector(): void {
    const bytes: number[] = [];
    for (let k = 0; k < 8 && this.caret + k < this.size; k++) bytes.push(this.byteAt(this.caret + k));
    const key = `${this.caret}:${bytes.join(',')}`;
    if (key === this.inspected) return;
    this.inspected = key;
    clear(this.inspector);
    for (const n of [1, 2, 4, 8]) {
      const b = bytes.slice(0, n);
      const known = b.length === n && b.every((x) => x >= 0);
      const read = (le: boolean): [string, string] => {
        if (!known) return ['—', '—'];
        const v = new DataView(Uint8Array.from(b).buffer);
        if (n === 1) return [String(v.getUint8(0)), String(v.getInt8(0))];
        if (n === 2) return [String(v.getUint16(0, le)), String(v.getInt16(0, le))];
        if (n === 4) return [String(v.getUint32(0, le)), String(v.getInt32(0, le))];
        return [String(v.getBigUint64(0, le)), String(v.getBigInt64(0, le))];
      };
      const [ule, ile] = read(true);
      const [ube, ibe] = read(false);
      const row = (name: string, le: string, be: string) => {
        this.inspector.append(h('dt', { text: name }), h('dd', { class: 'le', 'data-type': `${name}le`, title: `${name}, little-endian`, text: le }), h('dd', { class: 'be', 'data-type': `${name}be`, title: `${name}, big-endian`, text: n === 1 ? '' : be }));
      };
      row(`u${n * 8}`, ule, ube);
      row(`i${n * 8}`, ile, ibe);
    }
  }

  private showStatus(): void {
    this.saveView();
    this.showInspector();
    const s = this.sel;
    this.status.textContent = s
      ? `${s.label ?? 'selection'} · offset ${s.offset} (${hex(s.offset)}) · ${s.length} byte(s)`
      : `caret ${this.caret} (${hex(this.caret)})`;
  }

  private async pick(offset: number): Promise<void> {
    this.caret = offset;
    const hit = await request('fieldAt', { offset });
    if (hit) select(hit, 'hex', hit);
    else select({ offset, length: 1, label: `byte ${hex(offset)}` }, 'hex');
  }

  private onClick(e: MouseEvent): void {
    const t = (e.target as HTMLElement).closest<HTMLElement>('[data-off]');
    if (!t?.dataset.off) return;
    this.scroller.focus({ preventScroll: true });
    void this.pick(Number(t.dataset.off));
  }

  private onKey(e: KeyboardEvent): void {
    const page = this.visibleRows * W;
    const last = Math.max(0, this.size - 1);
    let c = this.caret;
    if (this.editable && /^[0-9a-f]$/i.test(e.key) && !e.ctrlKey && !e.altKey && !e.metaKey && this.size > 0) {
      e.preventDefault();
      const d = parseInt(e.key, 16);
      if (this.nibble === null) {
        this.nibble = d;
        this.status.textContent = `byte ${hex(this.caret)}: ${e.key.toLowerCase()}_ (type the second digit, Escape cancels)`;
        return;
      }
      const value = ((this.nibble << 4) | d).toString(16).padStart(2, '0');
      this.nibble = null;
      const at = this.caret;
      void sendEdit(this.scroller, `bytes@${at}`, value).then((ok) => {
        if (ok && this.caret === at) this.caret = Math.min(at + 1, Math.max(0, this.size - 1));
        this.paint();
        this.showStatus();
      });
      return;
    }
    if (e.key === 'Escape' && this.nibble !== null) {
      this.nibble = null;
      this.showStatus();
      return;
    }
    switch (e.key) {
      case 'ArrowLeft': c -= 1; break;
      case 'ArrowRight': c += 1; break;
      case 'ArrowUp': c -= W; break;
      case 'ArrowDown': c += W; break;
      case 'PageUp': c -= page; break;
      case 'PageDown': c += page; break;
      case 'Home': c = e.ctrlKey ? 0 : c - (c % W); break;
      case 'End': c = e.ctrlKey ? last : c - (c % W) + W - 1; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        void this.pick(this.caret);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.caret = Math.max(0, Math.min(last, c));
    this.scrollTo(this.caret);
    this.paint();
    this.showStatus();
  }
}
