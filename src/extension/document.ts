// One CustomDocument per .ckpt file: owns the bytes (read once) and the model built over them.
// Edits (issue 4) will change `bytes` and call `rebuild()`; views listen to onDidChangeModel.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { CkptModel } from './model.js';

/** The Buffer's bytes as a plain Uint8Array view: no copy. */
function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class CkptDocument implements vscode.CustomDocument {
  private _model: CkptModel;
  private _generation = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeModel = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** ms timestamps (performance.now()) of this document's life, for the bench and tests. */
  readonly marks: Record<string, number> = {};
  private reloadTimer: NodeJS.Timeout | undefined;

  static async create(uri: vscode.Uri, maxTtys: number, backupId?: string): Promise<CkptDocument> {
    const t0 = performance.now();
    const src = backupId ? vscode.Uri.parse(backupId) : uri;
    // A file: URI is read with node's fs: exactly one buffer of the file's size (workspace.fs may copy).
    const bytes = src.scheme === 'file' ? asBytes(await readFile(src.fsPath)) : await vscode.workspace.fs.readFile(src);
    const t1 = performance.now();
    const doc = new CkptDocument(uri, bytes, maxTtys);
    doc.marks.open = t0;
    doc.marks.read = t1;
    doc.marks.model = performance.now();
    return doc;
  }

  private constructor(
    readonly uri: vscode.Uri,
    private _bytes: Uint8Array,
    private readonly maxTtys: number,
  ) {
    this._model = new CkptModel(_bytes, uri.path.split('/').pop() ?? uri.path, { maxTtys });
    if (uri.scheme === 'file' || uri.scheme === 'vscode-remote') {
      const dir = vscode.Uri.joinPath(uri, '..');
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, uri.path.split('/').pop() ?? '*'));
      const schedule = () => {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reload(), 150);
      };
      watcher.onDidChange(schedule);
      watcher.onDidCreate(schedule);
      this.disposables.push(watcher);
    }
  }

  get model(): CkptModel {
    return this._model;
  }
  get bytes(): Uint8Array {
    return this._bytes;
  }
  get generation(): number {
    return this._generation;
  }

  /** Re-read the file from disk and rebuild the model (the file watcher calls this). */
  async reload(): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = this.uri.scheme === 'file' ? asBytes(await readFile(this.uri.fsPath)) : await vscode.workspace.fs.readFile(this.uri);
    } catch {
      return; // deleted or unreadable: keep showing what we had
    }
    this.replaceBytes(bytes);
  }

  /** New content (a reload, later an edit): rebuild the model and tell the views. */
  replaceBytes(bytes: Uint8Array): void {
    const t0 = performance.now();
    this._bytes = bytes;
    this._model = new CkptModel(bytes, this._model.fileName, { maxTtys: this.maxTtys });
    this._generation++;
    this.marks.reload = t0;
    this.changed.fire();
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    for (const d of this.disposables) d.dispose();
  }
}
