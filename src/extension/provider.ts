// The custom editor for *.ckpt: one CkptDocument per file, any number of webview panels showing it.
// The webview is only a view: it asks for data through src/shared/protocol.ts and the host answers
// from the document's model.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { CkptDocument } from './document.js';
import { DEFAULT_MAX_TTYS, diagView } from './model.js';
import type { FieldHit, FromWebview, PanelId, RequestName, Requests, Selection, ToWebview } from '../shared/protocol.js';
import { toVsDiagnostics } from './diagnostics.js';

export const VIEW_TYPE = 'ckptInspector.editor';

export interface EditorState {
  panel: vscode.WebviewPanel;
  document: CkptDocument;
  selection: Selection | null;
  ready: boolean;
  /** Generation whose first render the webview reported, and when (performance.now()). */
  rendered: { generation: number; at: number; ms: number; phases?: Record<string, number> }[];
  activePanel: PanelId | null;
  post(msg: ToWebview): void;
}

export class CkptEditorProvider implements vscode.CustomEditorProvider<CkptDocument> {
  private readonly editors = new Set<EditorState>();
  private lastActive: EditorState | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<CkptDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly diagnostics: vscode.DiagnosticCollection,
  ) {}

  static register(context: vscode.ExtensionContext, diagnostics: vscode.DiagnosticCollection): CkptEditorProvider {
    const provider = new CkptEditorProvider(context, diagnostics);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }),
    );
    return provider;
  }

  /** The editor commands act on: the focused one, else the last focused. */
  get active(): EditorState | undefined {
    for (const e of this.editors) if (e.panel.active) return e;
    return this.lastActive && this.editors.has(this.lastActive) ? this.lastActive : [...this.editors].pop();
  }

  editorsOf(uri: vscode.Uri): EditorState[] {
    return [...this.editors].filter((e) => e.document.uri.toString() === uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri, ctx: vscode.CustomDocumentOpenContext): Promise<CkptDocument> {
    const maxTtys = vscode.workspace.getConfiguration('ckptInspector').get<number>('fullModelMaxTtys', DEFAULT_MAX_TTYS);
    const doc = await CkptDocument.create(uri, maxTtys, ctx.backupId);
    const publish = () => this.diagnostics.set(uri, toVsDiagnostics(doc.model.diagnostics));
    publish();
    doc.onDidChangeModel(() => {
      publish();
      for (const e of this.editorsOf(uri)) this.sendInit(e);
    });
    return doc;
  }

  async resolveCustomEditor(document: CkptDocument, panel: vscode.WebviewPanel): Promise<void> {
    document.marks.resolve ??= performance.now();
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    webview.html = this.html(webview, dist);
    const state: EditorState = {
      panel,
      document,
      selection: null,
      ready: false,
      rendered: [],
      activePanel: null,
      post: (msg) => void webview.postMessage(msg),
    };
    this.editors.add(state);
    this.lastActive = state;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.lastActive = state;
    });
    panel.onDidDispose(() => {
      this.editors.delete(state);
      if (this.editorsOf(document.uri).length === 0) this.diagnostics.delete(document.uri);
    });
    webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(state, msg));
  }

  private onMessage(e: EditorState, msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        e.ready = true;
        this.sendInit(e);
        break;
      case 'request':
        this.answer(e, msg.id, msg.name, msg.params);
        break;
      case 'selection':
        e.selection = msg.selection;
        break;
      case 'rendered':
        if (msg.phase === 'first') {
          e.rendered.push({ generation: msg.generation, at: performance.now(), ms: msg.ms, ...(msg.phases ? { phases: msg.phases } : {}) });
          e.document.marks.rendered ??= performance.now();
        }
        break;
      case 'panel':
        e.activePanel = msg.panel;
        break;
      case 'error':
        console.error(`ckpt webview: ${msg.message}`);
        break;
    }
  }

  private sendInit(e: EditorState): void {
    if (!e.ready) return;
    const d = e.document;
    const m = d.marks;
    const rel = (k: string) => (m[k] !== undefined ? m[k] - m.open : undefined);
    const timings: Record<string, number> = {};
    for (const k of ['read', 'model', 'resolve']) {
      const v = rel(k);
      if (v !== undefined) timings[k] = v;
    }
    timings.init = performance.now() - m.open;
    e.post({ type: 'init', data: d.model.init(d.generation, timings) });
  }

  private answer(e: EditorState, id: number, name: RequestName, params: unknown): void {
    try {
      const result = e.document.model.handle(name, params as Requests[typeof name]['params']);
      e.post({ type: 'response', id, ok: true, result });
    } catch (err) {
      e.post({ type: 'response', id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  reveal(e: EditorState, hit: FieldHit, panel?: PanelId): void {
    e.selection = hit;
    e.post({ type: 'reveal', hit, ...(panel ? { panel } : {}) });
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = makeNonce();
    const js = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
    const csp = `default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>Checkpoint image</title>
</head>
<body>
<div id="app" class="app" role="application" aria-label="Checkpoint image inspector"></div>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
  }

  // ---- CustomEditorProvider: the document is not editable yet (issue 4); save writes the bytes as they are. ----

  async saveCustomDocument(document: CkptDocument): Promise<void> {
    await vscode.workspace.fs.writeFile(document.uri, document.bytes);
  }
  async saveCustomDocumentAs(document: CkptDocument, destination: vscode.Uri): Promise<void> {
    await vscode.workspace.fs.writeFile(destination, document.bytes);
  }
  async revertCustomDocument(document: CkptDocument): Promise<void> {
    await document.reload();
  }
  async backupCustomDocument(document: CkptDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    await vscode.workspace.fs.writeFile(context.destination, document.bytes);
    return {
      id: context.destination.toString(),
      delete: () => void vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined),
    };
  }
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, 'x');
}

export { diagView };
