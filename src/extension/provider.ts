// The custom editor for *.ckpt: VS Code's side of the editor core (src/editor/). One CkptDocument
// per file, any number of webview panels showing it, each an EditorView of the document's session.
// This file adds what needs VS Code: the webview's page, the edit stack, the Problems panel, the
// save confirmation, progress notifications and error messages.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { codeLines } from '../editor/diagnostic-docs.js';
import { DEFAULT_MAX_TTYS } from '../editor/image-model.js';
import { LoadCancelled } from '../editor/off-thread.js';
import type { EditEntry } from '../editor/session.js';
import { SessionView } from '../editor/session-view.js';
import { webviewPage } from '../editor/webview-page.js';
import type { AtomicWriteHooks } from '../io/atomic-write.js';
import { escapeText } from '../shared/escape.js';
import { checkFromWebview, type EditOutcome, type FieldHit, type FromWebview, hexOffset, type PanelId } from '../shared/protocol.js';
import { type CodeDocs, toVsDiagnostics } from './diagnostics.js';
import { CkptDocument } from './document.js';
import { ForeignFile, ForeignFiles, foreignFile } from './foreign.js';

export const VIEW_TYPE = 'ckptInspector.editor';

/** A webview panel showing a document: a view of its session. */
export class EditorView extends SessionView {
  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly document: CkptDocument,
  ) {
    super(document.session, (msg) => void panel.webview.postMessage(msg));
  }
  /** Told when the webview's selection changed. */
  onSelection: (() => void) | undefined;
  override receive(msg: FromWebview): void {
    super.receive(msg);
    if (msg.type === 'selection') this.onSelection?.();
    // Ctrl+C in the Hex panel: what Copy Selection As… does with hex (the bytes may not all be in the webview).
    if (msg.type === 'copy') void vscode.commands.executeCommand('ckptInspector.copySelectionAs', 'hex');
  }
  override reveal(hit: FieldHit, panel?: PanelId, at?: number): void {
    super.reveal(hit, panel, at);
    this.onSelection?.();
  }
}
/** The editor the commands act on (the name the commands and tests know it by). */
export type EditorState = EditorView;

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
  private readonly editors = new Set<EditorView>();
  /** Pending publications of a document's diagnostics to the Problems panel, by URI. */
  private readonly publishTimers = new Map<string, { timer: NodeJS.Timeout; run: () => void }>();
  private lastActive: EditorView | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<CkptDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  /** `.ckpt` files that are not Linux-CR images (foreign.ts). */
  readonly foreign = new ForeignFiles();
  readonly hooks: ProviderHooks = {};
  /** Messages the webviews sent that the protocol does not accept (dropped), for the tests. */
  rejectedMessages = 0;

  /** The active editor's selection: where it is, how long, what field. */
  private readonly status = vscode.window.createStatusBarItem('ckptInspector.selection', vscode.StatusBarAlignment.Right, 100);

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly diagnostics: vscode.DiagnosticCollection,
  ) {
    this.status.name = 'Checkpoint Selection';
    context.subscriptions.push(this.status);
  }

  private showStatus(): void {
    const e = this.active;
    if (!e || !e.panel.active) {
      this.status.hide();
      return;
    }
    const s = e.selection;
    this.status.text = s ? `$(symbol-field) ${escapeText(s.label ?? s.path ?? 'bytes')} @ ${hexOffset(s.offset)} · ${s.length} byte${s.length === 1 ? '' : 's'}` : 'No selection';
    this.status.tooltip = s ? `Selection at byte offset ${s.offset}, ${s.length} byte(s)${s.path ? `, field ${s.path}` : ''}` : 'Nothing selected in the checkpoint editor';
    this.status.show();
  }

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
          const doc = provider.editorsOf(t.input.uri)[0]?.document;
          if (doc) provider.settleDirty(doc);
        }
      }),
    );
    return provider;
  }

  private docs: CodeDocs | null | undefined;
  /** docs/diagnostics.md as shipped with the extension, read once (null when it is not there). */
  private codeDocs(): CodeDocs | undefined {
    if (this.docs === undefined) {
      const doc = vscode.Uri.joinPath(this.context.extensionUri, 'docs', 'diagnostics.md');
      try {
        this.docs = doc.scheme === 'file' ? { uri: doc, lines: codeLines(readFileSync(doc.fsPath, 'utf8')) } : null;
      } catch {
        this.docs = null;
      }
    }
    return this.docs ?? undefined;
  }

  /** The editor commands act on: the focused one, else the last focused. */
  get active(): EditorView | undefined {
    for (const e of this.editors) if (e.panel.active) return e;
    return this.lastActive && this.editors.has(this.lastActive) ? this.lastActive : [...this.editors].pop();
  }

  editorsOf(uri: vscode.Uri): EditorView[] {
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
    const s = doc.session;
    const publish = () => this.diagnostics.set(uri, toVsDiagnostics(s.model.diagnostics, uri, s.model.repairs(), (d) => s.model.shown(d), this.codeDocs()));
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
    s.changed.on(({ diagnosticsChanged }) => diagnosticsChanged && publishSoon(1000));
    s.rendered.on(({ generation }) => {
      const pub = this.publishTimers.get(uri.toString());
      if (pub && generation === s.generation) setTimeout(pub.run, 0);
    });
    s.diskChanged.on((note) => {
      for (const e of this.editorsOf(uri)) if (e.ready) e.post({ type: 'disk', note });
    });
    s.edited.on((entry) => this.pushEntry(doc, entry));
    return doc;
  }

  async resolveCustomEditor(document: CkptDocument | ForeignFile, panel: vscode.WebviewPanel): Promise<void> {
    if (document instanceof ForeignFile) return this.foreign.resolve(document, panel);
    const session = document.session;
    session.marks.resolve ??= performance.now();
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    webview.html = webviewPage({ cspSource: webview.cspSource, uri: (f) => webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString(), localDir: dist.scheme === 'file' ? dist.fsPath : null });
    const view = new EditorView(panel, document);
    // Read and parse while the webview loads its page and script (most of a second), then ready the
    // init. Not before the html and this method's answer are on their way to the workbench: the
    // extension host's writes to it go out on a timer, which this one follows.
    setTimeout(() => {
      if (!this.editors.has(view)) return; // closed at once: nothing to read for (another editor or a use loads it)
      session.load().then(
        () => {
          if (!view.ready && this.editors.has(view)) session.prepareInit();
        },
        (err: unknown) => {
          if (!this.editors.has(view)) return;
          if (err instanceof LoadCancelled) return panel.dispose();
          this.showError(`Could not read ${escapeText(document.uri.fsPath || document.uri.toString())}: ${escapeText(err instanceof Error ? err.message : String(err))}`);
          panel.dispose();
        },
      );
    }, 0);
    this.showLoadProgress(document);
    this.editors.add(view);
    session.attach(view);
    this.lastActive = view;
    view.onSelection = () => this.showStatus();
    panel.onDidChangeViewState(() => {
      if (panel.active) this.lastActive = view;
      this.showStatus();
    });
    panel.onDidDispose(() => {
      this.editors.delete(view);
      this.showStatus();
      session.detach(view);
      if (this.editorsOf(document.uri).length === 0) {
        clearTimeout(this.publishTimers.get(document.uri.toString())?.timer);
        this.publishTimers.delete(document.uri.toString());
        this.diagnostics.delete(document.uri);
      }
    });
    webview.onDidReceiveMessage((raw: unknown) => {
      const msg = checkFromWebview(raw);
      if (msg) view.receive(msg);
      else this.rejectedMessages++;
    });
  }

  /** A load that takes more than half a second gets a notification with its progress and Cancel. */
  private showLoadProgress(document: CkptDocument): void {
    const s = document.session;
    setTimeout(() => {
      if (s.loaded) return;
      const title = `Opening ${escapeText(document.uri.path.split('/').pop() ?? '')}`;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => s.cancelLoad());
        let shown = 0;
        s.progress = (fraction, step) => {
          const pct = Math.floor(fraction * 100);
          progress.report({ message: step === 'reading' ? `reading, ${pct}%` : 'indexing the records', increment: pct - shown });
          shown = pct;
        };
        return s
          .load()
          .catch(() => undefined)
          .finally(() => (s.progress = undefined));
      });
    }, 500);
  }

  /** Change a value of the document by path (also used by the tests and the bench); it joins VS Code's edit stack. */
  edit(document: CkptDocument, path: string, value: string): EditOutcome {
    return document.session.editOutcome(path, value);
  }

  /** Apply choice `choice` of the repair of diagnostic `code` at `offset` as one undoable edit. */
  applyRepair(document: CkptDocument, code: string, offset: number, choice = 0): EditOutcome {
    return document.session.applyRepair(code, offset, choice);
  }

  /** Every unambiguous repair, as one undoable edit ("Fix All Unambiguous"). */
  fixAll(document: CkptDocument): EditOutcome & { applied: number; ambiguous: number } {
    return document.session.fixAll();
  }

  /** An applied edit joins VS Code's edit stack (undo, redo) under its label. */
  private pushEntry(document: CkptDocument, entry: EditEntry): void {
    this.changeEmitter.fire({
      document,
      label: entry.label,
      undo: () => {
        document.session.undo(entry);
        this.settleDirty(document);
      },
      redo: () => {
        document.session.redo(entry);
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
    const model = document.session.model;
    const errors = model.diagnostics.filter((d) => d.severity === 'error');
    if (!errors.length || !vscode.workspace.getConfiguration('ckptInspector').get<boolean>('confirmSaveWithErrors', true)) return;
    const first = errors[0];
    const message = `${escapeText(target.path.split('/').pop() ?? '')} has ${errors.length} error(s) that restart would refuse (first: ${first.code} at offset ${first.offset}: ${model.shown(first).message}). Save anyway?`;
    const answer = this.hooks.confirmSave ? await this.hooks.confirmSave(message) : await vscode.window.showWarningMessage(message, { modal: true }, SAVE_ANYWAY);
    if (answer !== SAVE_ANYWAY) throw new vscode.CancellationError();
  }

  /**
   * VS Code's edit stack calls a document dirty whenever it is away from the save point, even when
   * an edit put back the file's bytes (ECHO off, then on again). When the bytes are the file's and
   * its tab says dirty, a save makes the two agree: it writes nothing (EditorSession.savesNothing).
   */
  private settleDirty(document: CkptDocument): void {
    if (!document.session.matchesFile) return;
    setTimeout(() => {
      if (document.session.matchesFile && tabDirty(document.uri) && document.savesNothing(document.uri)) void vscode.workspace.save(document.uri);
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

  reveal(e: EditorView, hit: FieldHit, panel?: PanelId, at?: number): void {
    e.reveal(hit, panel, at);
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

/** The workbench shows a tab of this document as dirty. */
function tabDirty(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.isDirty && t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === key));
}
