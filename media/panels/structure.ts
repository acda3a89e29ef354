// Structure: the record stream as a tree (groups → OBJREF objects → records → decoded fields),
// children fetched from the host page by page. Keyboard: ↑/↓ move, → expand/into, ← collapse/out,
// Home/End, Enter selects.
import type { FieldHit, Selection, TreeNode } from '../../src/shared/protocol.js';
import { codicon } from '../codicons.js';
import { clear, h, hex } from '../dom.js';
import { request, saved, saveSoon } from '../rpc.js';
import { onSelect, select } from '../selection.js';

interface Item {
  node: TreeNode;
  parent: string | null;
  kids: string[] | null;
  pageStart: number;
  expanded: boolean;
  level: number;
}

export class StructurePanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private items = new Map<string, Item>();
  private rootKids: string[] = [];
  private focusId: string | null = null;
  private selectedId: string | null = null;
  private selection: Selection | null = null;

  constructor() {
    this.list = h('div', { class: 'tree', role: 'tree', 'aria-label': 'Record structure', tabindex: 0 });
    this.el = h('section', { class: 'structure', 'aria-label': 'Structure' }, h('h2', { class: 'panel-title', text: 'Structure' }), this.list);
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    this.list.addEventListener('click', (e) => this.onClick(e));
    this.list.addEventListener('focusin', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.treeitem');
      if (row?.dataset.id) this.focusId = row.dataset.id;
    });
    this.list.addEventListener('scroll', () => this.saveView());
    this.list.addEventListener('focus', () => {
      if (!this.focusId && this.rootKids.length) this.setFocus(this.rootKids[0]);
    });
    onSelect((sel, source, hit) => {
      this.selection = sel;
      if (source !== 'tree' && hit && hit.treePath.length) void this.reveal(hit);
      else this.paint();
    });
  }

  /** The open nodes and scroll position saved by the webview's last run, used by its first load. */
  private pendingView = saved().tree ?? null;

  async load(): Promise<void> {
    this.items.clear();
    this.focusId = this.selectedId = null;
    const r = await request('children', { id: 'root', start: 0 });
    this.rootKids = this.adopt(null, r.nodes, 0);
    const view = this.pendingView;
    this.pendingView = null;
    // Parents come before their children in the saved list; a node that is not there any more is skipped.
    for (const o of view?.open ?? []) {
      const it = this.items.get(o.id);
      if (!it || !it.node.hasChildren) continue;
      try {
        await this.loadKids(o.id, o.page);
        it.expanded = true;
      } catch {
        // a page the host no longer has: left closed
      }
    }
    this.paint();
    if (view) this.list.scrollTop = view.top;
  }

  /** Keep the open nodes (in tree order) and the scroll position for the webview's next start. */
  private saveView(): void {
    saveSoon('tree', () => ({ tree: { open: this.visible().filter((id) => this.items.get(id)?.expanded).map((id) => ({ id, page: this.items.get(id)!.pageStart })), top: this.list.scrollTop } }));
  }

  /** Does the tree hold (loaded) a node of one of `records` (null: anything may have changed)? */
  shows(records: number[] | null): boolean {
    if (records === null) return true;
    const set = new Set(records);
    for (const it of this.items.values()) if (it.node.record !== undefined && set.has(it.node.record)) return true;
    return false;
  }

  /** After an edit: the same tree with fresh labels and severities, expanded nodes kept open. */
  async refresh(): Promise<void> {
    const r = await request('children', { id: 'root', start: 0 });
    this.rootKids = this.adopt(null, r.nodes, 0);
    const queue = [...this.rootKids];
    while (queue.length) {
      const it = this.items.get(queue.shift()!);
      if (!it || !it.kids) continue;
      if (!it.expanded) {
        it.kids = null; // reloaded when opened
        continue;
      }
      try {
        await this.loadKids(it.node.id, it.pageStart);
      } catch {
        it.kids = null;
        it.expanded = false;
        continue;
      }
      queue.push(...(it.kids ?? []));
    }
    this.paint();
  }

  private adopt(parent: string | null, nodes: TreeNode[], level: number): string[] {
    return nodes.map((n) => {
      const old = this.items.get(n.id);
      this.items.set(n.id, { node: n, parent, kids: old?.kids ?? null, pageStart: old?.pageStart ?? 0, expanded: old?.expanded ?? false, level });
      return n.id;
    });
  }

  private async loadKids(id: string, start: number): Promise<void> {
    const it = this.items.get(id);
    if (!it) return;
    const r = await request('children', { id, start });
    it.kids = this.adopt(id, r.nodes, it.level + 1);
    it.pageStart = r.start;
  }

  private async toggle(id: string, open?: boolean): Promise<void> {
    const it = this.items.get(id);
    if (!it || !it.node.hasChildren) return;
    const want = open ?? !it.expanded;
    if (want && !it.kids) await this.loadKids(id, 0);
    it.expanded = want;
    this.paint();
  }

  /** Expand the tree along hit.treePath (loading the right pages) and select its last node. */
  async reveal(hit: FieldHit): Promise<void> {
    const path = hit.treePath;
    for (let k = 0; k < path.length - 1; k++) {
      const it = this.items.get(path[k]);
      if (!it) break;
      const page = hit.pageStarts[k + 1] ?? 0;
      if (!it.kids || it.pageStart !== page) await this.loadKids(path[k], page);
      it.expanded = true;
    }
    const last = path[path.length - 1];
    if (this.items.has(last)) {
      this.selectedId = last;
      this.focusId = last;
    }
    this.paint();
    this.list.querySelector('.treeitem.selected')?.scrollIntoView({ block: 'nearest' });
  }

  private visible(): string[] {
    const out: string[] = [];
    const walk = (ids: string[]) => {
      for (const id of ids) {
        out.push(id);
        const it = this.items.get(id)!;
        if (it.expanded && it.kids) walk(it.kids);
      }
    };
    walk(this.rootKids);
    return out;
  }

  paint(): void {
    this.saveView();
    const rows = this.visible();
    if (!this.focusId && rows.length) this.focusId = rows[0];
    clear(this.list);
    const frag = document.createDocumentFragment();
    const sel = this.selection;
    for (const id of rows) {
      const it = this.items.get(id)!;
      const n = it.node;
      const isSel = id === this.selectedId;
      const inSel = !isSel && sel && n.kind !== 'page' && n.length > 0 && n.offset >= sel.offset && n.offset + n.length <= sel.offset + Math.max(sel.length, 1) && n.kind === 'field';
      const row = h(
        'div',
        {
          class: `treeitem kind-${n.kind}${isSel ? ' selected' : ''}${inSel ? ' within' : ''}${n.severity ? ` sev-${n.severity}` : ''}`,
          role: 'treeitem',
          'aria-level': it.level + 1,
          'aria-expanded': n.hasChildren ? String(it.expanded) : undefined,
          'aria-selected': String(isSel),
          'data-id': id,
          tabindex: id === this.focusId ? 0 : -1,
          title: n.kind === 'page' ? n.detail : `${n.label} — ${n.detail}${n.offset >= 0 ? ` @ ${n.offset} (${hex(n.offset)}), ${n.length} byte(s)` : ''}`,
        },
        h('span', { class: `indent lvl-${Math.min(it.level, 12)}` }),
        h('span', { class: `twisty${n.hasChildren ? (it.expanded ? ' open' : ' closed') : ''}`, 'aria-hidden': 'true' }, n.hasChildren ? codicon(it.expanded ? 'chevron-down' : 'chevron-right') : null),
        n.severity ? h('span', { class: `sev-icon sev-${n.severity}`, role: 'img', 'aria-label': n.severity, title: n.severity }, codicon(n.severity)) : null,
        h('span', { class: 'label', text: n.label }),
        h('span', { class: 'detail', text: n.detail }),
        n.offset >= 0 ? h('span', { class: 'where', text: `${hex(n.offset, 6)} +${n.length}` }) : null,
      );
      frag.append(row);
    }
    this.list.append(frag);
    if (document.activeElement && this.list.contains(document.activeElement)) this.focusRow();
  }

  private focusRow(): void {
    const el = this.list.querySelector<HTMLElement>(`[data-id="${CSS.escape(this.focusId ?? '')}"]`);
    el?.focus({ preventScroll: false });
  }

  private setFocus(id: string): void {
    this.focusId = id;
    for (const el of Array.from(this.list.querySelectorAll<HTMLElement>('.treeitem'))) el.tabIndex = el.dataset.id === id ? 0 : -1;
    this.focusRow();
    this.list.querySelector(`[data-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private async activate(id: string): Promise<void> {
    const it = this.items.get(id);
    if (!it) return;
    const n = it.node;
    if (n.kind === 'page' && it.parent) {
      await this.loadKids(it.parent, n.pageStart ?? 0);
      this.paint();
      const p = this.items.get(it.parent);
      if (p?.kids?.length) this.setFocus(p.kids[n.label.includes('more') ? 1 : p.kids.length - 2] ?? p.kids[0]);
      return;
    }
    if (n.offset < 0) return;
    this.selectedId = id;
    this.focusId = id;
    select({ offset: n.offset, length: n.length, ...(n.record !== undefined ? { record: n.record } : {}), ...(n.path ? { path: n.path } : {}), label: n.label }, 'tree');
  }

  private onClick(e: MouseEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.treeitem');
    if (!row?.dataset.id) return;
    const id = row.dataset.id;
    this.focusId = id;
    if ((e.target as HTMLElement).classList.contains('twisty')) {
      void this.toggle(id);
      return;
    }
    void this.activate(id);
    const it = this.items.get(id);
    if (it && it.node.hasChildren && !it.expanded && it.node.kind !== 'field') void this.toggle(id, true);
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.visible();
    if (!rows.length) return;
    const i = Math.max(0, rows.indexOf(this.focusId ?? rows[0]));
    const id = rows[i];
    const it = this.items.get(id)!;
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        this.setFocus(rows[Math.min(rows.length - 1, i + 1)]);
        break;
      case 'ArrowUp':
        this.setFocus(rows[Math.max(0, i - 1)]);
        break;
      case 'Home':
        this.setFocus(rows[0]);
        break;
      case 'End':
        this.setFocus(rows[rows.length - 1]);
        break;
      case 'ArrowRight':
        if (it.node.hasChildren && !it.expanded) void this.toggle(id, true).then(() => this.setFocus(id));
        else if (it.expanded && it.kids?.length) this.setFocus(it.kids[0]);
        break;
      case 'ArrowLeft':
        if (it.expanded) void this.toggle(id, false).then(() => this.setFocus(id));
        else if (it.parent) this.setFocus(it.parent);
        break;
      case 'Enter':
      case ' ':
        void this.activate(id).then(() => this.paint());
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  }
}
