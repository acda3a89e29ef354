// "Checkpoint: Compare with…" and the explorer's "Compare Checkpoint Images": two images side by
// side in a read-only webview panel (media/compare/), its rows from src/editor/compare-view.ts.
import * as vscode from 'vscode';
import { compareOffThread } from '../editor/compare-off-thread.js';
import type { CompareFromWebview, CompareOutcome, CompareProbe, CompareToWebview } from '../editor/compare-view.js';
import { LoadCancelled } from '../editor/off-thread.js';
import { webviewPage } from '../editor/webview-page.js';
import { escapeText } from '../shared/escape.js';

export const COMPARE_VIEW = 'ckptInspector.compare';
/** Files larger than this are not read for a comparison (both are held in memory with their models). */
export const MAX_COMPARE_BYTES = 512 * 2 ** 20;

const baseName = (u: vscode.Uri) => escapeText(u.path.slice(u.path.lastIndexOf('/') + 1) || u.toString());

async function readImage(uri: vscode.Uri): Promise<Uint8Array> {
  const name = baseName(uri);
  let st: vscode.FileStat;
  try {
    st = await vscode.workspace.fs.stat(uri);
  } catch (e) {
    throw new Error(`${name}: cannot read: ${e instanceof Error ? escapeText(e.message) : String(e)}`);
  }
  if ((st.type & vscode.FileType.File) === 0) throw new Error(`${name} is not a regular file: only checkpoint image files can be compared.`);
  if (st.size > MAX_COMPARE_BYTES) throw new Error(`${name} has ${st.size} bytes, more than the ${MAX_COMPARE_BYTES} a comparison reads.`);
  return vscode.workspace.fs.readFile(uri);
}

class ComparePanel {
  private probes = new Map<number, (p: CompareProbe) => void>();
  private nextProbe = 1;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly outcome: CompareOutcome,
  ) {
    panel.webview.onDidReceiveMessage((m: CompareFromWebview) => this.receive(m));
  }

  post(m: CompareToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private receive(m: CompareFromWebview): void {
    const o = this.outcome;
    if (m.type === 'ready') {
      if (!o.ok) this.post({ type: 'refused', problems: o.problems });
      else {
        const total = o.view.header.differences;
        const focus = m.stop !== null && m.stop >= 0 && m.stop < total ? m.stop : null;
        this.post({ type: 'init', header: o.view.header, page: o.view.page(focus ?? 0), focus });
      }
    } else if (m.type === 'page' && o.ok && Number.isSafeInteger(m.stop)) {
      this.post({ type: 'page', page: o.view.page(m.stop), focus: m.focus });
    } else if (m.type === 'probe') {
      this.probes.get(m.id)?.(m.probe);
      this.probes.delete(m.id);
    }
  }

  /** The webview's account of its own DOM (for tests); null when its page does not answer within 2 s (not loaded yet). */
  probe(): Promise<CompareProbe | null> {
    const id = this.nextProbe++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.probes.delete(id);
        resolve(null);
      }, 2000);
      this.probes.set(id, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      this.post({ type: 'probe', id });
    });
  }
}

export class CompareCommands {
  private readonly panels = new Set<ComparePanel>();
  private lastActive: ComparePanel | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  /** The compare panel in front (or the last one that was), if any is open. */
  get active(): ComparePanel | undefined {
    for (const p of this.panels) if (p.panel.active) return p;
    return this.lastActive && this.panels.has(this.lastActive) ? this.lastActive : undefined;
  }

  /** The panel comparing a with b; undefined when the comparison was cancelled. */
  async open(a: vscode.Uri, b: vscode.Uri): Promise<ComparePanel | undefined> {
    try {
      return await this.openPanel(a, b);
    } catch (e) {
      if (e instanceof LoadCancelled) return undefined;
      throw e;
    }
  }

  private async openPanel(a: vscode.Uri, b: vscode.Uri): Promise<ComparePanel> {
    const na = baseName(a);
    const nb = baseName(b);
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Comparing ${na} with ${nb}`, cancellable: true }, async (_p, token) => {
      const [ba, bb] = await Promise.all([readImage(a), readImage(b)]);
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        return await compareOffThread({ name: na, bytes: ba }, { name: nb, bytes: bb }, ac.signal);
      } finally {
        sub.dispose();
      }
    });
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW, `${na} ↔ ${nb}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    const w = panel.webview;
    const cp = new ComparePanel(panel, outcome);
    w.html = webviewPage(
      { cspSource: w.cspSource, uri: (f) => w.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString(), localDir: dist.scheme === 'file' ? dist.fsPath : null },
      { bundle: 'compare', title: 'Compare checkpoint images', bodyAttrs: 'data-view="compare"', body: '<main id="compare" aria-label="Compare checkpoint images"></main>' },
    );
    this.panels.add(cp);
    this.lastActive = cp;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.lastActive = cp;
    });
    panel.onDidDispose(() => this.panels.delete(cp));
    return cp;
  }

  /** Compare with…: A is the argument, the active checkpoint editor's file, or the active tab's; B from a file dialog (or the second argument). */
  async compareWith(activeUri: vscode.Uri | undefined, arg?: vscode.Uri, other?: vscode.Uri): Promise<ComparePanel | undefined> {
    const a = arg instanceof vscode.Uri ? arg : activeUri;
    if (!a) throw new Error('Open a .ckpt file first (or pick one in the Explorer), then run Compare with….');
    let b = other instanceof vscode.Uri ? other : undefined;
    if (!b) {
      const picked = await vscode.window.showOpenDialog({
        title: `Compare ${baseName(a)} with…`,
        openLabel: 'Compare',
        canSelectMany: false,
        defaultUri: vscode.Uri.joinPath(a, '..'),
        filters: { 'Checkpoint images': ['ckpt'], 'All files': ['*'] },
      });
      b = picked?.[0];
      if (!b) return undefined;
    }
    return this.open(a, b);
  }

  /** The explorer's entry: VS Code passes the clicked file and the whole selection. */
  async compareSelected(uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<ComparePanel | undefined> {
    const all = Array.isArray(uris) && uris.length ? uris : uri ? [uri] : [];
    if (all.length !== 2) throw new Error(`Select exactly two .ckpt files to compare (${all.length} selected).`);
    return this.open(all[0] as vscode.Uri, all[1] as vscode.Uri);
  }
}
