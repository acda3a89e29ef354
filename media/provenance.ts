// A field's provenance mark (exact / derived / assumed / lost) beside its value, from a capture's
// sidecar (the host's `provenance` message, which follows an init or update): the reason in its
// tooltip and accessible name, focusable so the keyboard reaches the reason too.
import type { ProvenanceLabel, ProvenanceView } from '../src/shared/protocol.js';
import { codicon, type CodiconName } from './codicons.js';
import { h } from './dom.js';

let shown: ProvenanceView | null = null;
let version = 0;

/** Counts the views received: panels key what they drew by it, to draw their marks again. */
export function provenanceVersion(): number {
  return version;
}

export function setProvenance(p: ProvenanceView | null): void {
  shown = p;
  version++;
  document.body.dataset.provenance = p?.state ?? 'none';
}

export function provenanceNotice(): { state: ProvenanceView['state']; text: string } | null {
  return shown?.notice ? { state: shown.state, text: shown.notice } : null;
}

/** The label of the field with edit path `key`, if the image has a sidecar that names it. */
export function provenanceOf(key: string | undefined): ProvenanceLabel | null {
  const labels = shown?.labels;
  if (!labels || !key || !Object.hasOwn(labels, key)) return null;
  return labels[key] ?? null;
}

export function provenanceText(p: ProvenanceLabel): string {
  // Once the image changed since the capture, every label is of its value as captured.
  return `provenance ${p.kind}${shown?.state === 'edited' ? ' (as captured)' : ''}: ${p.reason}`;
}

/** A codicon for each kind, beside its name (the name and reason are what is read aloud): the kernel's
 * answer, computed from its answers, not readable and so assumed, not kept in the image. */
const ICON: Record<ProvenanceLabel['kind'], CodiconName> = { exact: 'pass-filled', derived: 'symbol-operator', assumed: 'question', lost: 'error' };

export function provenanceMark(key: string | undefined): HTMLElement | null {
  const p = provenanceOf(key);
  if (!p) return null;
  const text = provenanceText(p);
  return h(
    'span',
    { class: `prov prov-${p.kind}`, role: 'note', tabindex: 0, 'data-provenance': p.kind, title: text, 'aria-label': text },
    codicon(ICON[p.kind]),
    p.kind,
  );
}

/** The edit path prefix (`ttys[1]`) of a tty's cells, for the cells that carry no path of their own. */
export function ttyBase(cells: readonly { path?: string }[]): string | null {
  for (const c of cells) {
    const m = c.path?.match(/^ttys\[\d+\]/);
    if (m) return m[0];
  }
  return null;
}
