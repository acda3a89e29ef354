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
import passFilled from '@vscode/codicons/src/icons/pass-filled.svg';
import question from '@vscode/codicons/src/icons/question.svg';
import symbolOperator from '@vscode/codicons/src/icons/symbol-operator.svg';
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
  'pass-filled': passFilled,
  question,
  'symbol-operator': symbolOperator,
  warning,
} as const;
export type CodiconName = keyof typeof SOURCES;

/** The paths of each icon (every icon is drawn on a 16×16 grid in currentColor): their data, and the
 * fill rule of those whose hole depends on it (the ring of `question`). */
interface IconPath { d: string; fillRule: string | undefined }
const PATHS = new Map<CodiconName, IconPath[]>();
function paths(name: CodiconName): IconPath[] {
  let p = PATHS.get(name);
  if (!p) {
    p = [...SOURCES[name].matchAll(/<path\b[^>]*>/g)].flatMap((m) => {
      const d = /\bd="([^"]+)"/.exec(m[0])?.[1];
      return d ? [{ d, fillRule: /\bfill-rule="(nonzero|evenodd)"/.exec(m[0])?.[1] }] : [];
    });
    PATHS.set(name, p);
  }
  return p;
}

/** The icon `name` as an `<svg class="codicon codicon-NAME">`, hidden from screen readers (its parent labels it). */
export function codicon(name: CodiconName): SVGSVGElement {
  return s('svg', { class: `codicon codicon-${name}`, viewBox: '0 0 16 16', width: 16, height: 16, fill: 'currentColor', 'aria-hidden': 'true', focusable: 'false' }, ...paths(name).map(({ d, fillRule }) => s('path', { d, 'fill-rule': fillRule })));
}
