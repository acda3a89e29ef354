// A "‹ previous · n–m of N · next ›" bar for panels that page through host data.
import { h } from '../dom.js';

export class Pager {
  readonly el: HTMLElement;
  private readonly info: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  start = 0;

  constructor(
    private readonly pageSize: number,
    private readonly what: string,
    private readonly onChange: (start: number) => void,
  ) {
    this.prev = h('button', { class: 'btn', type: 'button', text: '‹ Previous' });
    this.next = h('button', { class: 'btn', type: 'button', text: 'Next ›' });
    this.info = h('span', { class: 'pager-info' });
    this.el = h('div', { class: 'pager', role: 'navigation', 'aria-label': `${what} pages` }, this.prev, this.info, this.next);
    this.prev.addEventListener('click', () => this.go(this.start - this.pageSize));
    this.next.addEventListener('click', () => this.go(this.start + this.pageSize));
  }

  private total = 0;
  update(total: number): void {
    this.total = total;
    const end = Math.min(total, this.start + this.pageSize);
    this.info.textContent = total ? `${this.what} ${this.start + 1}–${end} of ${total}` : `no ${this.what}`;
    this.prev.disabled = this.start <= 0;
    this.next.disabled = end >= total;
    this.el.hidden = total <= this.pageSize;
  }

  private go(s: number): void {
    this.start = Math.max(0, Math.min(s, Math.max(0, this.total - 1)));
    this.onChange(this.start);
  }
}
