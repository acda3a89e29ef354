// The one selection of an editor, shared by every panel: a field, a record or a byte range.
import type { FieldHit, Selection } from '../src/shared/protocol.js';
import { post, save } from './rpc.js';

export type SelectionSource = 'tree' | 'hex' | 'graph' | 'terminal' | 'ldisc' | 'problems' | 'host' | 'find';
type Listener = (sel: Selection | null, source: SelectionSource, hit: FieldHit | null) => void;

const listeners: Listener[] = [];
let current: Selection | null = null;

export function onSelect(l: Listener): void {
  listeners.push(l);
}

export function selection(): Selection | null {
  return current;
}

/** Select; `hit` (with a tree path) lets the Structure tree expand to it. */
export function select(sel: Selection | null, source: SelectionSource, hit: FieldHit | null = null): void {
  current = sel;
  post({ type: 'selection', selection: sel });
  save({ selection: sel, hit });
  for (const l of listeners) l(sel, source, hit);
}
