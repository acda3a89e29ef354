// Codicons (@vscode/codicons) as inline SVG, from the package's own icon sources (bundled as text).
// Not its font: the page would fetch the font through VS Code's webview service worker, and a page
// dropped while that fetch is pending (a tab switch, a closed editor) leaves the fetch open in the
// worker until it times out, which holds back the activation of the worker every later webview
// waits for before it loads. The page makes no request at all.
import arrowDown from '@vscode/codicons/src/icons/arrow-down.svg';
import arrowUp from '@vscode/codicons/src/icons/arrow-up.svg';
import chevronDown from '@vscode/codicons/src/icons/chevron-down.svg';
import chevronRight from '@vscode/codicons/src/icons/chevron-right.svg';
import diffAdded from '@vscode/codicons/src/icons/diff-added.svg';
import diffModified from '@vscode/codicons/src/icons/diff-modified.svg';
import diffRemoved from '@vscode/codicons/src/icons/diff-removed.svg';
import error from '@vscode/codicons/src/icons/error.svg';
import info from '@vscode/codicons/src/icons/info.svg';
import warning from '@vscode/codicons/src/icons/warning.svg';
import { s } from './dom.js';

const SOURCES = {
  'arrow-down': arrowDown,
  'arrow-up': arrowUp,
  'chevron-down': chevronDown,
  'chevron-right': chevronRight,
  'diff-added': diffAdded,
  'diff-modified': diffModified,
  'diff-removed': diffRemoved,
  error,
  info,
  warning,
} as const;
export type CodiconName = keyof typeof SOURCES;

/** The path data of each icon (every icon is drawn on a 16×16 grid in currentColor). */
const PATHS = new Map<CodiconName, string[]>();
function paths(name: CodiconName): string[] {
  let p = PATHS.get(name);
  if (!p) {
    p = [...SOURCES[name].matchAll(/<path\b[^>]*\bd="([^"]+)"/g)].map((m) => m[1]);
    PATHS.set(name, p);
  }
  return p;
}

/** The icon `name` as an `<svg class="codicon codicon-NAME">`, hidden from screen readers (its parent labels it). */
export function codicon(name: CodiconName): SVGSVGElement {
  return s('svg', { class: `codicon codicon-${name}`, viewBox: '0 0 16 16', width: 16, height: 16, fill: 'currentColor', 'aria-hidden': 'true', focusable: 'false' }, ...paths(name).map((d) => s('path', { d })));
}
