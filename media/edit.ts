// Editing from the webview: every control sends {path, value} to the host (the host computes the
// bytes with src/parser/edit-paths.ts and answers with the outcome or the EditError message, shown
// inline next to the control). Controls carry data-path; after the re-render that follows an edit,
// the control with the same path gets the focus back.
import { h } from './dom.js';
import { request } from './rpc.js';

/** Announced to screen readers (and read by the tests): the last edit's outcome. */
export const editStatus = h('div', { class: 'edit-status', role: 'status', 'aria-live': 'polite' });

let focusPath: string | null = null;

/** Send an edit for `control` (an input, select, textarea or the hex view); show an error inline. */
export async function sendEdit(control: HTMLElement, path: string, value: string): Promise<boolean> {
  const errId = `err-${path.replace(/[^a-zA-Z0-9]/g, '_')}`;
  const holder = control.closest('.edit-wrap') ?? control.parentElement;
  const old = holder?.querySelector<HTMLElement>(`#${CSS.escape(errId)}`);
  try {
    if (document.activeElement === control || control.contains(document.activeElement)) focusPath = path;
    const r = await request('edit', { path, value });
    // What was sent is now the rendered value: a re-render keeps only keys typed after it.
    if (control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement) control.defaultValue = control.value;
    old?.remove();
    control.removeAttribute('aria-invalid');
    editStatus.textContent = r.changed ? `${r.description}${r.note ? ` (${r.note})` : ''}${r.errors ? ` · the image now has ${r.errors} error(s)` : ''}` : 'No change.';
    if (!r.changed) focusPath = null;
    return true;
  } catch (e) {
    focusPath = null;
    const msg = e instanceof Error ? e.message : String(e);
    const err = old ?? h('span', { class: 'edit-error', id: errId, role: 'alert' });
    err.textContent = msg;
    if (!old) holder?.append(err);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', errId);
    editStatus.textContent = msg;
    return false;
  }
}

/** After a re-render: focus the control that made the edit, if it is still there. */
export function restoreFocus(root: ParentNode): void {
  if (!focusPath) return;
  const el = root.querySelector<HTMLElement>(`[data-path="${CSS.escape(focusPath)}"]`);
  focusPath = null;
  el?.focus({ preventScroll: true });
}

/** A text control the person is typing in when a re-render replaces it. */
export interface EditingState {
  path: string;
  /** The typed value, or null when it is still the rendered one. */
  value: string | null;
  start: number | null;
  end: number | null;
}

/** Take note of the focused text control (its typed value and caret) before a re-render. */
export function captureEditing(root: ParentNode): EditingState | null {
  const el = document.activeElement;
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) || el.type === 'checkbox' || !root.contains(el)) return null;
  const path = el.getAttribute('data-path');
  if (!path) return null;
  return { path, value: el.value === el.defaultValue ? null : el.value, start: el.selectionStart, end: el.selectionEnd };
}

/** Give the new control the focus, the typed value and the caret: keys typed during a re-render are kept. */
export function restoreEditing(root: ParentNode, s: EditingState | null): void {
  if (!s) return;
  const el = root.querySelector(`[data-path="${CSS.escape(s.path)}"]`);
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
  el.focus({ preventScroll: true });
  if (s.value !== null) el.value = s.value;
  if (s.start !== null && s.end !== null) el.setSelectionRange(s.start, s.end);
}

/** Is this keyboard/click target an edit control (whose keys and clicks are its own)? */
export function isControl(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && !!t.closest('input, select, textarea, button, label, .edit-wrap');
}

/** A text input that commits on Enter or when it loses focus after a change; Escape restores. */
export function textControl(path: string, value: string, label: string, cls = 'edit-num'): HTMLInputElement {
  const input = h('input', { class: `edit ${cls}`, type: 'text', value, 'data-path': path, 'aria-label': label, spellcheck: 'false', autocomplete: 'off' });
  input.addEventListener('change', () => void sendEdit(input, path, input.value));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = value;
      input.removeAttribute('aria-invalid');
    }
  });
  return input;
}

/** A checkbox for one flag bit. */
export function bitControl(path: string, name: string, set: boolean, title?: string): HTMLElement {
  const box = h('input', { type: 'checkbox', class: 'edit-bit', 'data-path': path, 'data-bit': name });
  box.checked = set;
  box.addEventListener('change', () => {
    void sendEdit(box, path, box.checked ? '1' : '0').then((ok) => {
      if (!ok) box.checked = set;
    });
  });
  return h('label', { class: `bit${set ? ' on' : ''}`, title: title ?? name }, box, h('span', { text: name }));
}

/** A choice for a multi-bit field (CSIZE: CS5…CS8). */
export function choiceControl(path: string, name: string, options: string[], current: string): HTMLElement {
  const sel = h('select', { class: 'edit-choice', 'data-path': path, 'aria-label': name });
  for (const o of options) {
    const opt = h('option', { value: o, text: o });
    opt.selected = o === current;
    sel.append(opt);
  }
  sel.addEventListener('change', () => void sendEdit(sel, path, sel.value));
  return h('label', { class: 'bit choice' }, h('span', { text: `${name} ` }), sel);
}
