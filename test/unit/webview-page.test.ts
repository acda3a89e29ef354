// The webview's page (src/editor/webview-page.ts): a strict CSP whose nonce is on the one script and
// style, nothing else for the page to fetch (no fonts), and the bundle linked instead of inlined when
// its text would end its element early or the files are not local.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { webviewPage } from '../../src/editor/webview-page.js';

function dist(js: string, css: string): string {
  const d = mkdtempSync(join(tmpdir(), 'ckpt-page-'));
  writeFileSync(join(d, 'webview.js'), js);
  writeFileSync(join(d, 'webview.css'), css);
  return d;
}
const uri = (f: string) => `https://webview.test/dist/${f}`;

test('inlined: the nonce on the script and the style, no unsafe-inline, no fonts', () => {
  const d = dist('console.log(1);\n//# sourceMappingURL=webview.js.map\n', '.x{color:red}\n');
  try {
    const page = webviewPage({ cspSource: 'https://webview.test', uri, localDir: d });
    const csp = /content="([^"]*)"/.exec(page)![1];
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /font-src/, 'default-src none: the page loads no font (media/codicons.ts)');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal((page.match(new RegExp(`nonce="${nonce}"`, 'g')) ?? []).length, 2, 'the script and the style');
    assert.match(page, /sourceMappingURL=https:\/\/webview\.test\/dist\/webview\.js\.map/);
    assert.notEqual(webviewPage({ cspSource: 'x', uri, localDir: d }).match(/nonce-([^']+)/)![1], nonce, 'a new nonce each page');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('linked: a bundle holding an end tag or a comment opener, or files that are not local', () => {
  for (const [js, css] of [
    ['var s = "</script>";', '.x{}'],
    ['var s = "<!--";', '.x{}'],
    ['1', '.x{content:"</style>"}'],
  ]) {
    const d = dist(js, css);
    try {
      const page = webviewPage({ cspSource: 'https://webview.test', uri, localDir: d });
      assert.match(page, /<script nonce="[^"]+" id="ckpt-webview-script" src="https:\/\/webview\.test\/dist\/webview\.js"><\/script>/, js);
      assert.match(page, /<link rel="stylesheet" href="https:\/\/webview\.test\/dist\/webview\.css">/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }
  assert.match(webviewPage({ cspSource: 'https://webview.test', uri, localDir: null }), /src="https:\/\/webview\.test\/dist\/webview\.js"/);
});

test("another page (Compare's): its own bundle inlined, its body and title, nothing else of the editor's", () => {
  const d = dist('editor();', '.editor{}');
  writeFileSync(join(d, 'compare.js'), 'compare();');
  writeFileSync(join(d, 'compare.css'), '.cmp{}');
  try {
    const page = webviewPage({ cspSource: 'https://webview.test', uri, localDir: d }, { bundle: 'compare', title: 'Compare checkpoint images', bodyAttrs: 'data-view="compare"', body: '<main id="compare"></main>' });
    assert.match(page, /<script nonce="[^"]+" id="ckpt-webview-script">compare\(\);<\/script>/);
    assert.match(page, /<style nonce="[^"]+">\.cmp\{\}<\/style>/);
    assert.match(page, /<body data-view="compare">\n<main id="compare"><\/main>/);
    assert.match(page, /<title>Compare checkpoint images<\/title>/);
    assert.doesNotMatch(page, /editor|id="app"|src=|href=/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
