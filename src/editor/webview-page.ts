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

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, 'x');
}

/** dist/webview.js and webview.css, read once per folder (null: link them instead). */
const bundles = new Map<string, { js: string; css: string } | null>();

function inlineBundle(dir: string | null): { js: string; css: string } | null {
  if (dir === null) return null;
  let b = bundles.get(dir);
  if (b !== undefined) return b;
  try {
    const js = readFileSync(join(dir, 'webview.js'), 'utf8');
    const css = readFileSync(join(dir, 'webview.css'), 'utf8');
    b = /<\/script|<!--/i.test(js) || /<\/style/i.test(css) ? null : { js, css };
  } catch {
    b = null;
  }
  bundles.set(dir, b);
  return b;
}

export function webviewPage(src: PageSource): string {
  const nonce = makeNonce();
  const inline = inlineBundle(src.localDir);
  const csp = `default-src 'none'; img-src ${src.cspSource}; style-src ${src.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
  // Source maps stay files, named by their full webview URI (the page has no base for a relative one).
  const style = inline ? `<style nonce="${nonce}">${inline.css.replace(/\/\*# sourceMappingURL=(\S+) \*\/\s*$/, (_, f: string) => `/*# sourceMappingURL=${src.uri(f)} */`)}</style>` : `<link rel="stylesheet" href="${src.uri('webview.css')}">`;
  const script = inline
    ? `<script nonce="${nonce}" id="ckpt-webview-script">${inline.js.replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (_, f: string) => `//# sourceMappingURL=${src.uri(f)}`)}</script>`
    : `<script nonce="${nonce}" id="ckpt-webview-script" src="${src.uri('webview.js')}"></script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${style}
<title>Checkpoint image</title>
</head>
<body>
<div id="app" class="app" role="application" aria-label="Checkpoint image inspector"></div>
${script}
</body>
</html>`;
}
