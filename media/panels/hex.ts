// Hex: the whole file, virtualised. Only the visible rows exist in the DOM; bytes come from the host
// in 4 KiB chunks on demand (ArrayBuffer), kept in a small LRU. Browsers cap element heights, so the
// scroll range is scaled when the file has more rows than fit. Keyboard (onKey): arrows, PageUp/PageDown,
// Home/End (row), Ctrl+Home/End (file), with Shift they extend a byte range from where the caret was;
// Enter selects the innermost field at the caret; Ctrl+C copies the selection as hex. Shift+click
// extends the range to the byte clicked. The grid's aria-activedescendant is the byte at the caret.
import { HEX_BYTES_PER_ROW as W, type Selection } from '../../src/shared/protocol.js';
import { clear, h, hex } from '../dom.js';
import { post, request, saveSoon } from '../rpc.js';
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
  /** Where a Shift range started (the caret before the first Shift move or Shift+click); null without one. */
  private anchor: number | null = null;
  /** Counts picks, Shift ranges and selections made elsewhere: a pick whose field arrives after a newer one drops it. */
  private picks = 0;
  private generation = 0;
  private editable = false;
  /** First hex digit typed at the caret, waiting for the second. */
  private nibble: number | null = null;

  constructor() {
    this.spacer = h('div', { class: 'hex-spacer' });
    this.rowsEl = h('div', { class: 'hex-rows', role: 'rowgroup' });
    // The focusable scroller is the grid: a screen reader follows its aria-activedescendant (the caret's byte).
    this.scroller = h('div', { class: 'hex-scroll', role: 'grid', tabindex: 0, 'aria-readonly': 'true', 'aria-label': HEX_LABEL }, this.rowsEl, this.spacer);
    this.spacer.setAttribute('aria-hidden', 'true');
    this.status = h('div', { class: 'hex-status', 'aria-live': 'polite' });
    this.inspector = h('dl', { class: 'inspector', 'aria-label': 'Data inspector: the bytes at the caret as numbers' });
    this.el = h('section', { class: 'hex', 'aria-label': 'Hex' }, h('h2', { class: 'panel-title', text: 'Hex' }), this.scroller, this.status, this.inspector);
    this.scroller.addEventListener('scroll', () => this.onScroll());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.rowsEl.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver(() => this.layout()).observe(this.scroller);
    onSelect((sel, source) => {
      this.sel = sel;
      if (source !== 'hex') this.picks++;
      if (sel && source !== 'hex') {
        this.caret = sel.offset;
        this.anchor = null;
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
    this.scroller.setAttribute('aria-readonly', String(!editable));
    this.scroller.setAttribute('aria-label', `${HEX_LABEL}${editable ? ', hex digits overwrite the byte at the caret' : ''}`);
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
      const slot = this.rowEls.length;
      const off = h('span', { class: 'hex-off', role: 'rowheader' });
      const bytes: HTMLElement[] = [];
      const chars: HTMLElement[] = [];
      const bytesEl = h('span', { class: 'hex-bytes', role: 'presentation' });
      // The characters repeat the bytes for the eye; the grid's cells are the bytes.
      const charsEl = h('span', { class: 'hex-chars', 'aria-hidden': 'true' });
      for (let k = 0; k < W; k++) {
        const b = h('span', { class: `b${k === 7 ? ' gap' : ''}`, role: 'gridcell', id: `hex-cell-${slot}-${k}` });
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
    let caretCell: HTMLElement | null = null;
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
        r.bytes[j].setAttribute('aria-selected', String(inSel));
        if (o === this.caret && o < this.size) caretCell = r.bytes[j];
        r.chars[j].className = `c${cls}`;
        r.chars[j].dataset.off = String(o);
        r.chars[j].textContent = b < 0 ? (b === -1 ? '·' : '') : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
    }
    this.showCaretCell(caretCell);
    this.showInspector();
  }

  /** The cell at the caret, the grid's active descendant, named by its offset and value (what a screen reader says). */
  private caretCell: HTMLElement | null = null;
  private showCaretCell(cell: HTMLElement | null): void {
    if (this.caretCell && this.caretCell !== cell) this.caretCell.removeAttribute('aria-label');
    this.caretCell = cell;
    if (!cell) {
      this.scroller.removeAttribute('aria-activedescendant');
      return;
    }
    const b = this.byteAt(this.caret);
    const ch = b >= 0x20 && b < 0x7f ? `, '${String.fromCharCode(b)}'` : '';
    cell.setAttribute('aria-label', `${hex(this.caret)}: ${b >= 0 ? `${HEXCH[b]} (${b}${ch})` : 'not loaded'}`);
    this.scroller.setAttribute('aria-activedescendant', cell.id);
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
    const picked = ++this.picks;
    const hit = await request('fieldAt', { offset });
    // A Shift range or another pick made while the host answered is the newer selection.
    if (picked !== this.picks) return;
    if (hit) select(hit, 'hex', hit);
    else select({ offset, length: 1, label: `byte ${hex(offset)}` }, 'hex');
  }

  private onClick(e: MouseEvent): void {
    const t = (e.target as HTMLElement).closest<HTMLElement>('[data-off]');
    if (!t?.dataset.off) return;
    this.scroller.focus({ preventScroll: true });
    const o = Number(t.dataset.off);
    if (o >= this.size) return;
    if (e.shiftKey) {
      e.preventDefault();
      this.extendTo(o);
      return;
    }
    this.anchor = null;
    void this.pick(o);
  }

  /** The caret on `offset` (Go to Offset), the selection as it is. */
  caretTo(offset: number): void {
    if (this.size === 0) return;
    this.caret = Math.max(0, Math.min(offset, this.size - 1));
    this.anchor = null;
    this.scrollTo(this.caret);
    this.paint();
    this.showStatus();
  }

  /** The range from the anchor (set now to the caret if there is none) to `offset`, with the caret there. */
  private extendTo(offset: number): void {
    this.picks++;
    this.anchor ??= this.caret;
    this.caret = offset;
    const a = Math.min(this.anchor, offset);
    const b = Math.max(this.anchor, offset);
    this.nibble = null;
    select({ offset: a, length: b - a + 1, label: b > a ? 'bytes' : `byte ${hex(a)}` }, 'hex');
    this.scrollTo(offset);
  }

  /** Ctrl+C: the selection (or the byte at the caret) as hex, through the host (it has every byte). */
  private copy(): void {
    if (this.size === 0) return;
    if (!this.sel) select({ offset: this.caret, length: 1, label: `byte ${hex(this.caret)}` }, 'hex');
    post({ type: 'copy' });
  }

  /**
   * Every key of the Hex panel, in order: shortcuts with Ctrl (Ctrl+C), hex digits (overwrite),
   * caret moves (with Shift, a range), Enter/Space (select the field).
   */
  private onKey(e: KeyboardEvent): void {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      switch (e.key.toLowerCase()) {
        case 'c':
          e.preventDefault();
          this.copy();
          return;
        default:
          break; // Ctrl+Home/End move below; anything else is the workbench's
      }
    }
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
    const to = Math.max(0, Math.min(last, c));
    if (e.shiftKey && this.size > 0) {
      this.extendTo(to);
      return;
    }
    this.anchor = null;
    this.caret = to;
    this.scrollTo(this.caret);
    this.paint();
    this.showStatus();
  }
}

const HEX_LABEL = 'Bytes: arrow keys move, Shift+arrows select a range, Enter selects the field, Ctrl+C copies the selection as hex';
