// The custom editor for *.ckpt: one CkptDocument per file, any number of webview panels showing it.
// The webview is only a view: it asks for data through src/shared/protocol.ts and the host answers
// from the document's model.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CkptDocument, type EditEntry } from './document.js';
import { DEFAULT_MAX_TTYS, diagView } from './model.js';
import { checkFromWebview, FIRST_REQUESTS, requestKey, type EditOutcome, type FieldHit, type InitData, type DiagnosticView, type FromWebview, type PanelId, type RequestName, type Requests, type Selection, type ToWebview } from '../shared/protocol.js';
import { EditError } from '../parser/edit-paths.js';
import type { AtomicWriteHooks } from '../io/atomic-write.js';
import { toVsDiagnostics } from './diagnostics.js';
import { choiceLabel, choiceSplices, findRepair, fixAllSplices } from './repairs.js';
import type { Splice } from '../parser/encode.js';
import { ForeignFile, ForeignFiles, foreignFile } from './foreign.js';
import { escapeText } from '../shared/escape.js';
import { LoadCancelled } from './off-thread.js';

export const VIEW_TYPE = 'ckptInspector.editor';

export interface EditorState {
  panel: vscode.WebviewPanel;
  document: CkptDocument;
  selection: Selection | null;
  ready: boolean;
  /** Each generation whose first render the webview reported. `at`: when the ack arrived; `received`, `painted`: when the webview got the update and had painted it (this host's performance.now() timeline, from the webview's wall clock). */
  rendered: { generation: number; at: number; ms: number; phases?: Record<string, number>; received?: number; painted?: number }[];
  activePanel: PanelId | null;
  /** The panel the webview said it shows first (its `ready`). */
  firstPanel?: PanelId;
  /** Diagnostics an init left out, sent once that generation's first screen is drawn. */
  heldDiagnostics: { generation: number; list: DiagnosticView[] } | null;
  post(msg: ToWebview): void;
}

/** What the integration tests may replace: the save confirmation, write failures, error messages. */
export interface ProviderHooks {
  /** Answer the "save an image with errors?" question (default: a modal warning). */
  confirmSave?: (message: string) => Promise<string | undefined>;
  /** Passed to writeFileAtomic (inject a failure before the rename). */
  write?: AtomicWriteHooks;
  /** Called with every error message shown to the user. */
  onError?: (message: string) => void;
  /** Called with every warning shown to the user (a backup that failed). */
  onWarning?: (message: string) => void;
  /** Awaited before each piece of a document's read (ReadWatch.gate): a load held under way. */
  readGate?: (uri: vscode.Uri, done: number, size: number, signal: AbortSignal | undefined) => Promise<void> | undefined;
}

export const SAVE_ANYWAY = 'Save Anyway';

export class CkptEditorProvider implements vscode.CustomEditorProvider<CkptDocument | ForeignFile> {
  private readonly editors = new Set<EditorState>();
  /** Pending publications of a document's diagnostics to the Problems panel, by URI. */
  private readonly publishTimers = new Map<string, { timer: NodeJS.Timeout; run: () => void }>();
  private lastActive: EditorState | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<CkptDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  /** `.ckpt` files that are not Linux-CR images (foreign.ts). */
  readonly foreign = new ForeignFiles();
  readonly hooks: ProviderHooks = {};
  /** Messages the webviews sent that the protocol does not accept (dropped), for the tests. */
  rejectedMessages = 0;

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
      // A tab that turns dirty while its bytes are the file's (see settleDirty).
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const t of e.changed) {
          if (!t.isDirty || !(t.input instanceof vscode.TabInputCustom) || t.input.viewType !== VIEW_TYPE) continue;
          const key = t.input.uri.toString();
          const doc = [...provider.editors].find((x) => x.document.uri.toString() === key)?.document;
          if (doc) provider.settleDirty(doc);
        }
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

  async openCustomDocument(uri: vscode.Uri, ctx: vscode.CustomDocumentOpenContext): Promise<CkptDocument | ForeignFile> {
    if (!ctx.backupId) {
      const f = await foreignFile(uri);
      if (f) return f;
    }
    const maxTtys = vscode.workspace.getConfiguration('ckptInspector').get<number>('fullModelMaxTtys', DEFAULT_MAX_TTYS);
    const gate = this.hooks.readGate;
    const doc = await CkptDocument.create(uri, maxTtys, ctx.backupId, gate && ((done, size, signal) => gate(uri, done, size, signal)));
    const publish = () => this.diagnostics.set(uri, toVsDiagnostics(doc.model.diagnostics, uri, doc.model.repairs(), (d) => doc.model.shown(d)));
    // The Problems panel once the webview has rendered (its messages pass the workbench's thread,
    // which the markers would hold up), or after `ms` without a render.
    const publishSoon = (ms: number) => {
      const k = uri.toString();
      clearTimeout(this.publishTimers.get(k)?.timer);
      const run = () => {
        clearTimeout(this.publishTimers.get(k)?.timer);
        this.publishTimers.delete(k);
        publish();
      };
      this.publishTimers.set(k, { timer: setTimeout(run, ms), run });
    };
    publishSoon(3000);
    doc.onDidChangeModel((cause) => {
      // The same list (a patch that changed no diagnostic keeps its array) needs no comparison.
      const list = doc.model.diagnostics;
      const sent = this.sentDiagnostics.get(doc);
      let changed = false;
      if (!sent || sent.list !== list) {
        const k = diagnosticsKey(list);
        changed = k !== sent?.key;
        this.sentDiagnostics.set(doc, { list, key: k });
      }
      if (cause === 'edit') {
        // Only what changed: the summary, the diagnostics when they differ, the records and bytes touched.
        for (const e of this.editorsOf(uri)) this.sendUpdate(e, changed);
        if (changed) publishSoon(1000);
      } else {
        for (const e of this.editorsOf(uri)) this.sendInit(e);
        publishSoon(1000);
      }
    });
    doc.onDidChangeDisk((note) => {
      for (const e of this.editorsOf(uri)) if (e.ready) e.post({ type: 'disk', note });
    });
    // Another editor of the same file may be open; the document outlives none of them.
    return doc;
  }

  async resolveCustomEditor(document: CkptDocument | ForeignFile, panel: vscode.WebviewPanel): Promise<void> {
    if (document instanceof ForeignFile) return this.foreign.resolve(document, panel);
    document.marks.resolve ??= performance.now();
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    webview.html = this.html(webview, dist);
    // Read and parse while the webview loads its page and script (most of a second), then ready the
    // init. Not before the html and this method's answer are on their way to the workbench: the
    // extension host's writes to it go out on a timer, which this one follows.
    setTimeout(() => {
      if (!this.editors.has(state)) return; // closed at once: nothing to read for (another editor or a use loads it)
      document.load().then(
        () => {
          if (!state.ready && this.editors.has(state) && !this.prepared.has(document)) this.prepared.set(document, { generation: document.generation, data: this.buildInit(document) });
        },
        (err: unknown) => {
          if (!this.editors.has(state)) return;
          if (err instanceof LoadCancelled) return panel.dispose();
          this.showError(`Could not read ${escapeText(document.uri.fsPath || document.uri.toString())}: ${escapeText(err instanceof Error ? err.message : String(err))}`);
          panel.dispose();
        },
      );
    }, 0);
    this.showLoadProgress(document);
    const state: EditorState = {
      panel,
      document,
      selection: null,
      ready: false,
      rendered: [],
      activePanel: null,
      heldDiagnostics: null,
      post: (msg) => void webview.postMessage(msg),
    };
    this.editors.add(state);
    this.lastActive = state;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.lastActive = state;
    });
    panel.onDidDispose(() => {
      this.editors.delete(state);
      if (this.editorsOf(document.uri).length === 0) {
        clearTimeout(this.publishTimers.get(document.uri.toString())?.timer);
        this.publishTimers.delete(document.uri.toString());
        this.diagnostics.delete(document.uri);
      }
    });
    webview.onDidReceiveMessage((raw: unknown) => {
      const msg = checkFromWebview(raw);
      if (msg) this.onMessage(state, msg);
      else this.rejectedMessages++;
    });
  }

  /** A load that takes more than half a second gets a notification with its progress and Cancel. */
  private showLoadProgress(document: CkptDocument): void {
    setTimeout(() => {
      if (document.loaded) return;
      const title = `Opening ${escapeText(document.uri.path.split('/').pop() ?? '')}`;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => document.cancelLoad());
        let shown = 0;
        document.progress = (fraction, step) => {
          const pct = Math.floor(fraction * 100);
          progress.report({ message: step === 'reading' ? `reading, ${pct}%` : 'indexing the records', increment: pct - shown });
          shown = pct;
        };
        return document
          .load()
          .catch(() => undefined)
          .finally(() => (document.progress = undefined));
      });
    }, 500);
  }

  private onMessage(e: EditorState, msg: FromWebview): void {
    switch (msg.type) {
      case 'ready':
        e.document.marks.ready ??= performance.now();
        e.ready = true;
        if (msg.panel) e.firstPanel = msg.panel;
        // The model may still be on its way (a failed read is reported where load() was started).
        e.document.load().then(
          () => this.sendInit(e),
          () => undefined,
        );
        break;
      case 'request':
        this.answer(e, msg.id, msg.name, msg.params);
        break;
      case 'selection':
        e.selection = msg.selection;
        break;
      case 'rendered':
        if (msg.phase === 'first') {
          e.rendered.push({
            generation: msg.generation,
            at: performance.now(),
            ms: msg.ms,
            ...(msg.phases ? { phases: msg.phases } : {}),
            ...(msg.receivedAt !== undefined ? { received: msg.receivedAt - performance.timeOrigin } : {}),
            ...(msg.paintedAt !== undefined ? { painted: msg.paintedAt - performance.timeOrigin } : {}),
          });
          e.document.marks.rendered ??= performance.now();
          const pub = this.publishTimers.get(e.document.uri.toString());
          if (pub && msg.generation === e.document.generation) setTimeout(pub.run, 0);
          if (msg.generation === e.document.generation) e.document.rendered();
          const held = e.heldDiagnostics;
          if (held && held.generation === msg.generation) {
            e.heldDiagnostics = null;
            e.post({ type: 'diagnostics', generation: held.generation, diagnostics: held.list });
          }
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

  /** What the views were last sent of each document's diagnostics (diagnosticsKey). */
  private readonly sentDiagnostics = new WeakMap<CkptDocument, { list: readonly unknown[]; key: string }>();

  /** Init data built while the webview boots (the host is idle then), by document; used once. */
  private readonly prepared = new WeakMap<CkptDocument, { generation: number; data: InitData }>();

  private buildInit(d: CkptDocument): InitData {
    const m = d.marks;
    const timings: Record<string, number> = {};
    for (const k of ['read', 'model', 'resolve']) if (m[k] !== undefined) timings[k] = m[k] - m.open;
    const data = d.model.init(d.generation, timings, d.lastCause);
    data.diskNote = d.diskNote;
    if (!this.sentDiagnostics.has(d)) this.sentDiagnostics.set(d, { list: d.model.diagnostics, key: diagnosticsKey(d.model.diagnostics) });
    // The first screen's requests, answered now (saves a round trip each through the workbench).
    data.prefetched = [];
    for (const [name, params] of Object.entries(FIRST_REQUESTS) as [RequestName, never][]) {
      try {
        data.prefetched.push({ key: requestKey(name, params), result: d.model.handle(name, params) });
      } catch {
        // asked again by the webview, answered (or refused) then
      }
    }
    return data;
  }

  private sendInit(e: EditorState): void {
    if (!e.ready) return;
    const d = e.document;
    const p = this.prepared.get(d);
    this.prepared.delete(d);
    const data = p && p.generation === d.generation && p.data.cause === d.lastCause ? p.data : this.buildInit(d);
    data.timings.init = performance.now() - d.marks.open;
    d.marks.init ??= performance.now();
    // The list is most of an init (a few hundred KB for a thousand diagnostics) and only the Problems
    // panel shows it: unless that panel is the first one shown, it follows the first screen.
    const panel = e.activePanel ?? e.firstPanel;
    if (panel !== 'problems' && data.diagnostics.length) {
      e.heldDiagnostics = { generation: data.generation, list: data.diagnostics };
      e.post({ type: 'init', data: { ...data, diagnostics: [], diagnosticsFollow: true } });
    } else {
      e.heldDiagnostics = null;
      e.post({ type: 'init', data });
    }
  }

  private sendUpdate(e: EditorState, diagnosticsChanged: boolean): void {
    if (!e.ready) return;
    const d = e.document;
    const { records, ranges } = d.lastChange;
    // A list still held back from the init goes with the update (the webview has none yet).
    const withDiagnostics = diagnosticsChanged || e.heldDiagnostics !== null;
    e.heldDiagnostics = null;
    // As after an open: unless Problems is shown, a changed list (after a pending-input edit every
    // offset after it moves: ~300 KB on the bench image, most of the update's way through the
    // workbench) follows the render ack.
    const shown = (e.activePanel ?? e.firstPanel) === 'problems';
    const data = d.model.update(d.generation, { update: performance.now() - d.marks.open }, withDiagnostics, records, ranges, shown);
    data.diskNote = d.diskNote;
    if (withDiagnostics && !shown) {
      e.heldDiagnostics = { generation: d.generation, list: d.model.diagnosticViews() };
      data.diagnosticsFollow = true;
    }
    e.post({ type: 'update', data });
  }

  private answer(e: EditorState, id: number, name: RequestName, params: unknown): void {
    if (name === 'edit' || name === 'repair' || name === 'fixAll') {
      try {
        let result: EditOutcome;
        if (name === 'repair') {
          const p = params as Requests['repair']['params'];
          result = this.applyRepair(e.document, p.code, p.offset, p.choice);
        } else if (name === 'fixAll') result = this.fixAll(e.document);
        else {
          const p = params as Requests['edit']['params'];
          result = this.edit(e.document, p.path, p.value);
        }
        e.post({ type: 'response', id, ok: true, result });
      } catch (err) {
        // EditError messages are for the person (shown inline); anything else is a bug, say so.
        const msg = err instanceof EditError || err instanceof RangeError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
        e.post({ type: 'response', id, ok: false, error: msg });
      }
      return;
    }
    try {
      const result = e.document.model.handle(name, params as Requests[typeof name]['params']);
      e.post({ type: 'response', id, ok: true, result });
    } catch (err) {
      e.post({ type: 'response', id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Change a value of the document by path (the webview's edit request, also used by the tests and
   * the bench). The edit joins VS Code's edit stack with its description as the label.
   */
  edit(document: CkptDocument, path: string, value: string): EditOutcome {
    const r = document.edit(path, value);
    const counts = () => document.model.diagnostics.filter((d) => d.severity === 'error').length;
    if (!r) return { changed: false, description: `${path}: already ${value}`, generation: document.generation, errors: counts() };
    this.pushEntry(document, r.entry);
    return { changed: true, description: r.entry.label, ...(r.note ? { note: r.note } : {}), generation: document.generation, errors: counts() };
  }

  /** Apply choice `choice` of the repair of diagnostic `code` at `offset` as one undoable edit. */
  applyRepair(document: CkptDocument, code: string, offset: number, choice = 0): EditOutcome {
    const r = findRepair(document, code, offset);
    const c = r.choices[choice];
    if (!c) throw new EditError(`${code} at offset ${offset} has ${r.choices.length} choice(s)`);
    return this.spliceEdit(document, choiceSplices(document, c), choiceLabel(r, c), `repair:${code}@${offset}`);
  }

  /** Every unambiguous repair, as one undoable edit ("Fix All Unambiguous"). */
  fixAll(document: CkptDocument): EditOutcome & { applied: number; ambiguous: number } {
    const plan = fixAllSplices(document);
    if (!plan || plan.applied === 0) {
      return { changed: false, description: 'no unambiguous repair', generation: document.generation, errors: document.model.diagnostics.filter((d) => d.severity === 'error').length, applied: 0, ambiguous: plan?.ambiguous ?? 0 };
    }
    return { ...this.spliceEdit(document, plan.splices, `Fix all unambiguous (${plan.applied} repair(s))`, 'repair:all'), applied: plan.applied, ambiguous: plan.ambiguous };
  }

  private spliceEdit(document: CkptDocument, splices: Splice[], label: string, path: string): EditOutcome {
    const entry = document.editSplices(splices, label, path);
    const errors = document.model.diagnostics.filter((d) => d.severity === 'error').length;
    if (!entry) return { changed: false, description: label, generation: document.generation, errors };
    this.pushEntry(document, entry);
    return { changed: true, description: label, generation: document.generation, errors };
  }

  /** An applied edit joins VS Code's edit stack (undo, redo) under its label. */
  private pushEntry(document: CkptDocument, entry: EditEntry): void {
    this.changeEmitter.fire({
      document,
      label: entry.label,
      undo: () => {
        document.undo(entry);
        this.settleDirty(document);
      },
      redo: () => {
        document.redo(entry);
        this.settleDirty(document);
      },
    });
    this.settleDirty(document);
  }

  private showError(message: string): void {
    this.hooks.onError?.(message);
    void vscode.window.showErrorMessage(message);
  }

  /** Images with errors are saved only when the person says so (modal; setting ckptInspector.confirmSaveWithErrors). */
  private async confirmErrors(document: CkptDocument, target: vscode.Uri): Promise<void> {
    const errors = document.model.diagnostics.filter((d) => d.severity === 'error');
    if (!errors.length || !vscode.workspace.getConfiguration('ckptInspector').get<boolean>('confirmSaveWithErrors', true)) return;
    const first = errors[0];
    const message = `${escapeText(target.path.split('/').pop() ?? '')} has ${errors.length} error(s) that restart would refuse (first: ${first.code} at offset ${first.offset}: ${document.model.shown(first).message}). Save anyway?`;
    const answer = this.hooks.confirmSave ? await this.hooks.confirmSave(message) : await vscode.window.showWarningMessage(message, { modal: true }, SAVE_ANYWAY);
    if (answer !== SAVE_ANYWAY) throw new vscode.CancellationError();
  }

  /**
   * VS Code's edit stack calls a document dirty whenever it is away from the save point, even when
   * an edit put back the file's bytes (ECHO off, then on again). When the bytes are the file's and
   * its tab says dirty, a save makes the two agree: it writes nothing (CkptDocument.savesNothing).
   */
  private settleDirty(document: CkptDocument): void {
    if (!document.matchesFile) return;
    setTimeout(() => {
      if (document.matchesFile && tabDirty(document.uri) && document.savesNothing(document.uri)) void vscode.workspace.save(document.uri);
    }, 0);
  }

  private async save(document: CkptDocument, target: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<void> {
    // Errors are confirmed before a write, not before a save that writes nothing.
    if (!document.savesNothing(target)) await this.confirmErrors(document, target);
    if (cancellation?.isCancellationRequested) throw new vscode.CancellationError();
    try {
      await document.saveTo(target, this.hooks.write);
    } catch (err) {
      this.showError(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  reveal(e: EditorState, hit: FieldHit, panel?: PanelId): void {
    e.selection = hit;
    e.post({ type: 'reveal', hit, ...(panel ? { panel } : {}) });
  }

  /** dist/webview.js and webview.css, read once (null: link them instead). */
  private bundle: { js: string; css: string } | null | undefined;

  /**
   * The webview's script and style inlined into its page (allowed by the nonce, as the linked ones
   * were): a link is one more fetch through the workbench's service worker and the remote file
   * system each, a few hundred ms of the webview's start on a busy machine. Linked when the
   * extension's files are not local or an end tag (or a comment opener, which changes how the
   * rest of a script element is read) inside them would end the element early.
   */
  private inlineBundle(dist: vscode.Uri): { js: string; css: string } | null {
    if (this.bundle !== undefined) return this.bundle;
    try {
      if (dist.scheme !== 'file') throw new Error('not a local folder');
      const js = readFileSync(join(dist.fsPath, 'webview.js'), 'utf8');
      const css = readFileSync(join(dist.fsPath, 'webview.css'), 'utf8');
      this.bundle = /<\/script|<!--/i.test(js) || /<\/style/i.test(css) ? null : { js, css };
    } catch {
      this.bundle = null;
    }
    return this.bundle;
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = makeNonce();
    const uri = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    const inline = this.inlineBundle(dist);
    const csp = `default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
    // Source maps stay files, named by their full webview URI (the page has no base for a relative one).
    const style = inline ? `<style nonce="${nonce}">${inline.css.replace(/\/\*# sourceMappingURL=(\S+) \*\/\s*$/, (_, f: string) => `/*# sourceMappingURL=${uri(f)} */`)}</style>` : `<link rel="stylesheet" href="${uri('webview.css')}">`;
    const script = inline
      ? `<script nonce="${nonce}" id="ckpt-webview-script">${inline.js.replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (_, f: string) => `//# sourceMappingURL=${uri(f)}`)}</script>`
      : `<script nonce="${nonce}" id="ckpt-webview-script" src="${uri('webview.js')}"></script>`;
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

  // ---- CustomEditorProvider: save, save as, revert and backup work on the document alone (never the webview). ----

  async saveCustomDocument(document: CkptDocument | ForeignFile, cancellation?: vscode.CancellationToken): Promise<void> {
    if (document instanceof ForeignFile) return; // never changed
    await this.save(document, document.uri, cancellation);
  }
  async saveCustomDocumentAs(document: CkptDocument | ForeignFile, destination: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<void> {
    if (document instanceof ForeignFile) {
      await vscode.workspace.fs.copy(document.uri, destination, { overwrite: true });
      return;
    }
    await this.save(document, destination, cancellation);
  }
  async revertCustomDocument(document: CkptDocument | ForeignFile): Promise<void> {
    if (document instanceof ForeignFile) return;
    await document.revert();
  }
  async backupCustomDocument(document: CkptDocument | ForeignFile, context: vscode.CustomDocumentBackupContext, cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    if (document instanceof ForeignFile) return { id: document.uri.toString(), delete: () => undefined };
    try {
      const b = await document.backup(context.destination, cancellation);
      this.backupWarned.delete(document);
      return b;
    } catch (err) {
      // VS Code only logs a failed backup: say it once (until a backup succeeds again), as the edits are at risk.
      if (!(err instanceof vscode.CancellationError) && !cancellation?.isCancellationRequested && !this.backupWarned.has(document)) {
        this.backupWarned.add(document);
        const why = err instanceof Error ? err.message : String(err);
        const message = `Your unsaved edits to ${escapeText(document.uri.path.split('/').pop() ?? '')} are no longer backed up (hot exit): ${escapeText(why)} Use Save As… to keep them.`;
        this.hooks.onWarning?.(message);
        void vscode.window.showWarningMessage(message);
      }
      throw err;
    }
  }

  /** Documents whose failed backup the person was told about (until a backup succeeds again). */
  private readonly backupWarned = new WeakSet<CkptDocument>();
}

/** Identity of a diagnostics list (what the views show of it): equal keys, nothing to resend. */
function diagnosticsKey(ds: readonly { severity: string; code: string; message: string; offset: number; length: number; field: string; record?: number }[]): string {
  let s = '';
  for (const d of ds) s += `${d.severity}\u0000${d.code}\u0000${d.offset}\u0000${d.length}\u0000${d.field}\u0000${d.record ?? ''}\u0000${d.message}\n`;
  return s;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, 'x');
}

export { diagView };

/** The workbench shows a tab of this document as dirty. */
function tabDirty(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.isDirty && t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === key));
}
