// A `.ckpt` that is not a Linux-CR image (PyTorch Lightning and Stable Diffusion checkpoints are zip
// files or pickles, TensorFlow's are index files): it is handed to VS Code's default editor the
// first time it opens in this window, and shows one line with "Reopen With…" when the person
// chooses this editor for it again. Nothing of it is read past its first bytes, nothing goes to
// the Problems panel.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import * as vscode from 'vscode';
import { looksLikeLinuxCr, notLinuxCrReason, SNIFF_BYTES } from '../parser/sniff.js';

/** The document of a file that is not an image: nothing to edit, save or back up. */
export class ForeignFile implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    /** Why it is not taken for an image (notLinuxCrReason). */
    readonly reason: string,
  ) {}
  dispose(): void {}
}

/** The file's first SNIFF_BYTES bytes and its size (a `file:` file is not read further). */
async function head(uri: vscode.Uri): Promise<{ bytes: Uint8Array; size: number }> {
  if (uri.scheme === 'file') {
    const fh = await open(uri.fsPath, 'r');
    try {
      const size = (await fh.stat()).size;
      const buf = new Uint8Array(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      return { bytes: buf.subarray(0, bytesRead), size };
    } finally {
      await fh.close();
    }
  }
  // Other file systems have no partial read in the API.
  const all = await vscode.workspace.fs.readFile(uri);
  return { bytes: all.subarray(0, SNIFF_BYTES), size: all.length };
}

/** A ForeignFile when `uri` does not start like a Linux-CR image; undefined when it does (or cannot be read: the editor reports that). */
export async function foreignFile(uri: vscode.Uri): Promise<ForeignFile | undefined> {
  let h: { bytes: Uint8Array; size: number };
  try {
    h = await head(uri);
  } catch {
    return undefined;
  }
  return looksLikeLinuxCr(h.bytes) ? undefined : new ForeignFile(uri, notLinuxCrReason(h.bytes, h.size));
}

export const NOT_AN_IMAGE = 'not a Linux-CR checkpoint image';
const REOPEN_COMMAND = 'workbench.action.reopenWithEditor';

/**
 * Show a foreign file. The first time in this window: open it in the default editor in the same
 * group and close this one. After that (the person chose this editor for it): the one line.
 */
export class ForeignFiles {
  private readonly handedOver = new Set<string>();
  /** Files handed to the default editor (for the tests). */
  readonly log: string[] = [];

  async resolve(doc: ForeignFile, panel: vscode.WebviewPanel): Promise<void> {
    const key = doc.uri.toString();
    if (!this.handedOver.has(key)) {
      this.handedOver.add(key);
      this.log.push(key);
      const tab = findTab(doc.uri);
      try {
        await vscode.commands.executeCommand('vscode.openWith', doc.uri, 'default', { viewColumn: panel.viewColumn ?? vscode.ViewColumn.Active, preview: tab?.isPreview ?? false, preserveFocus: !panel.active });
        panel.dispose();
        return;
      } catch {
        // No default editor took it: show the line below.
      }
    }
    panel.webview.options = { enableScripts: false, enableCommandUris: [REOPEN_COMMAND] };
    panel.webview.html = foreignHtml(doc, panel.webview.cspSource);
  }
}

function findTab(uri: vscode.Uri): vscode.Tab | undefined {
  const key = uri.toString();
  for (const g of vscode.window.tabGroups.all) for (const t of g.tabs) if (t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === key) return t;
  return undefined;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** One line and a "Reopen With…" command link (no script: the page's CSP allows none). */
export function foreignHtml(doc: ForeignFile, cspSource: string): string {
  const name = doc.uri.path.split('/').pop() ?? doc.uri.path;
  const nonce = randomBytes(18).toString('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}';">
<title>${esc(name)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1em; }
a.button { display: inline-block; margin-left: 1em; padding: 2px 12px; color: var(--vscode-button-foreground); background: var(--vscode-button-background); text-decoration: none; border-radius: 2px; }
a.button:hover { background: var(--vscode-button-hoverBackground); }
a.button:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
</style></head>
<body data-state="foreign">
<p role="status" id="foreign" title="${esc(doc.reason)}">${esc(name)}: ${NOT_AN_IMAGE}<a class="button" role="button" href="command:${REOPEN_COMMAND}">Reopen With…</a></p>
</body></html>`;
}
