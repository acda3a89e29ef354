// The webview's page: a strict Content-Security-Policy with a nonce, and the script and style
// inlined when that is safe. A linked file is one more fetch through the workbench's service worker
// and the remote file system each, a noticeable part of the webview's start on a busy machine; they
// are linked when the extension's files are not local or an end tag (or a comment opener, which
// changes how the rest of a script element is read) inside them would end the element early.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PageSource {
  /** The webview's own origin for CSP (Webview.cspSource). */
  cspSource: string;
  /** The webview URI of a file of the bundle folder (dist/). */
  uri: (file: string) => string;
  /** dist/ on this machine's file system, when the extension's files are local. */
  localDir: string | null;
}

/** Which page: its bundle (dist/NAME.js and NAME.css), title and body. The editor's by default. */
export interface PageKind {
  bundle: string;
  title: string;
  /** Attributes of <body> (trusted, ours) and its content before the script. */
  bodyAttrs: string;
  body: string;
}

const EDITOR_PAGE: PageKind = {
  bundle: 'webview',
  title: 'Checkpoint image',
  bodyAttrs: '',
  body: '<div id="app" class="app" role="application" aria-label="Checkpoint image inspector"></div>',
};

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, 'x');
}

/** dist/NAME.js and NAME.css, read once per folder and bundle (null: link them instead). */
const bundles = new Map<string, { js: string; css: string } | null>();

function inlineBundle(dir: string | null, name: string): { js: string; css: string } | null {
  if (dir === null) return null;
  const key = join(dir, name);
  let b = bundles.get(key);
  if (b !== undefined) return b;
  try {
    const js = readFileSync(join(dir, `${name}.js`), 'utf8');
    const css = readFileSync(join(dir, `${name}.css`), 'utf8');
    b = /<\/script|<!--/i.test(js) || /<\/style/i.test(css) ? null : { js, css };
  } catch {
    b = null;
  }
  bundles.set(key, b);
  return b;
}

export function webviewPage(src: PageSource, kind: PageKind = EDITOR_PAGE): string {
  const nonce = makeNonce();
  const { bundle } = kind;
  const inline = inlineBundle(src.localDir, bundle);
  const csp = `default-src 'none'; img-src ${src.cspSource}; style-src ${src.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
  // Source maps stay files, named by their full webview URI (the page has no base for a relative one).
  const style = inline ? `<style nonce="${nonce}">${inline.css.replace(/\/\*# sourceMappingURL=(\S+) \*\/\s*$/, (_, f: string) => `/*# sourceMappingURL=${src.uri(f)} */`)}</style>` : `<link rel="stylesheet" href="${src.uri(`${bundle}.css`)}">`;
  const script = inline
    ? `<script nonce="${nonce}" id="ckpt-webview-script">${inline.js.replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (_, f: string) => `//# sourceMappingURL=${src.uri(f)}`)}</script>`
    : `<script nonce="${nonce}" id="ckpt-webview-script" src="${src.uri(`${bundle}.js`)}"></script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${style}
<title>${kind.title}</title>
</head>
<body${kind.bodyAttrs ? ` ${kind.bodyAttrs}` : ''}>
${kind.body}
${script}
</body>
</html>`;
}
