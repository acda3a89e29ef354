// One CustomDocument per .ckpt file: VS Code's side of an EditorSession (src/editor/session.ts), which
// owns the bytes, the model and the edits. This adds what needs VS Code: URIs and workspace.fs for
// files that are not local, the file watcher, and cancellation tokens.
import { open as openFile, readFile as readWhole, stat as statFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { type AtomicWriteHooks, SaveError } from '../io/atomic-write.js';
import { ByteStore, type ReadWatch } from '../editor/byte-store.js';
import type { CkptModel } from '../editor/image-model.js';
import { MAX_SIDECAR_BYTES, SIDECAR_SUFFIX } from '../editor/provenance.js';
import { writeAborted, EditorSession, type SaveTarget } from '../editor/session.js';

async function readStore(uri: vscode.Uri): Promise<ByteStore> {
  // A file: URI is read with node's fs straight into the store (workspace.fs may copy).
  return uri.scheme === 'file' ? ByteStore.readFile(uri.fsPath) : ByteStore.from(await vscode.workspace.fs.readFile(uri));
}

/** A capture's provenance sidecar beside the image (null when there is none); too large a one is not read whole. */
async function readSidecarFile(uri: vscode.Uri): Promise<Uint8Array | null> {
  // A local one with node's fs, as the image (no round trip through the workbench).
  if (uri.scheme === 'file') {
    try {
      const st = await statFile(uri.fsPath);
      if (!st.isFile()) return null;
      if (st.size > MAX_SIDECAR_BYTES) return new Uint8Array(MAX_SIDECAR_BYTES + 1);
      return new Uint8Array(await readWhole(uri.fsPath));
    } catch {
      return null;
    }
  }
  let size: number;
  try {
    const st = await vscode.workspace.fs.stat(uri);
    if ((st.type & vscode.FileType.File) === 0) return null;
    size = st.size;
  } catch {
    return null;
  }
  // Past the cap the reader only needs to know the size to refuse it.
  if (size > MAX_SIDECAR_BYTES) return new Uint8Array(size > MAX_SIDECAR_BYTES + 1 ? MAX_SIDECAR_BYTES + 1 : size);
  return vscode.workspace.fs.readFile(uri);
}

export class CkptDocument implements vscode.CustomDocument {
  private readonly disposables: vscode.Disposable[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;

  /**
   * Open a document. A local file is only opened here (a missing or unreadable file fails the open);
   * its bytes are read off the main thread and the model is built by load(), which the provider runs
   * once the webview is on its way, so reading and parsing overlap the webview's start.
   */
  static async create(uri: vscode.Uri, maxTtys: number, backupId?: string, gate?: ReadWatch['gate']): Promise<CkptDocument> {
    const openedAt = performance.now();
    const source = backupId ? vscode.Uri.parse(backupId) : uri;
    const fileName = uri.path.split('/').pop() ?? uri.path;
    const opts = { fileName, filePath: uri.scheme === 'file' ? uri.fsPath : null, maxTtys, restored: backupId !== undefined, openedAt };
    if (source.scheme !== 'file') return new CkptDocument(uri, new EditorSession(await readStore(source), opts));
    // The read and the index of a large file report their progress and stop when it aborts.
    const abort = new AbortController();
    const watch: ReadWatch = { signal: abort.signal, gate };
    const fh = await openFile(source.fsPath, 'r');
    // A store that left large records on disk keeps the file open to read them (until disposed).
    const read = ByteStore.readHandle(fh, source.fsPath, {}, watch).then(
      (s) => {
        if (!s.ownsHandle) void fh.close();
        return s;
      },
      (e: unknown) => {
        void fh.close();
        throw e;
      },
    );
    read.catch(() => undefined); // reported by load(); a synchronous read stands in if it is never awaited
    const session = new EditorSession({ path: source.fsPath, read }, { ...opts, abort });
    watch.progress = (done, size) => session.progress?.(done / Math.max(1, size), 'reading');
    return new CkptDocument(uri, session);
  }

  private constructor(
    readonly uri: vscode.Uri,
    readonly session: EditorSession,
  ) {
    const sidecar = uri.with({ path: `${uri.path}${SIDECAR_SUFFIX}` });
    session.attachSidecar(readSidecarFile(sidecar), sidecar.path.split('/').pop() ?? SIDECAR_SUFFIX);
    if (uri.scheme === 'file' || uri.scheme === 'vscode-remote') {
      const dir = vscode.Uri.joinPath(uri, '..');
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, uri.path.split('/').pop() ?? '*'));
      const schedule = () => {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void session.reload(() => readStore(uri)), 150);
      };
      this.disposables.push(watcher, watcher.onDidChange(schedule), watcher.onDidCreate(schedule), watcher.onDidDelete(schedule));
    }
  }

  // What the commands, the tests and the bench read of the session.
  get model(): CkptModel {
    return this.session.model;
  }
  get bytes(): Uint8Array {
    return this.session.bytes;
  }
  get loaded(): boolean {
    return this.session.loaded;
  }
  load(): Promise<void> {
    return this.session.load();
  }
  get generation(): number {
    return this.session.generation;
  }
  get hasUnsavedChanges(): boolean {
    return this.session.hasUnsavedChanges;
  }
  get bytesOnDisk(): number {
    return this.session.bytesOnDisk;
  }
  get diskNote(): string | null {
    return this.session.diskNote;
  }
  get marks(): Record<string, number> {
    return this.session.marks;
  }
  get editTimings() {
    return this.session.editTimings;
  }

  /** Saving to `target` would write nothing: it is this file and its bytes and stamp are unchanged. */
  savesNothing(target: vscode.Uri): boolean {
    return target.toString() === this.uri.toString() && this.session.savesNothing;
  }

  /** Write the bytes to `target` (default: the document's file): a local file atomically, others through workspace.fs. */
  async saveTo(target: vscode.Uri = this.uri, hooks: AtomicWriteHooks = {}): Promise<void> {
    const own = target.toString() === this.uri.toString();
    const to: SaveTarget =
      target.scheme === 'file'
        ? { own, path: target.fsPath }
        : {
            own,
            write: async (bytes) => {
              try {
                await vscode.workspace.fs.writeFile(target, bytes);
              } catch (e) {
                throw new SaveError(`could not save ${target.toString()}: ${e instanceof Error ? e.message : String(e)}`, e);
              }
            },
          };
    await this.session.save(to, hooks);
  }

  /** Back to the file on disk; earlier edits can no longer be undone or redone. */
  async revert(): Promise<void> {
    this.session.revert(await readStore(this.uri));
  }

  /** Hot exit: the current bytes, written to `destination` (given up, as cancelled, when an edit comes meanwhile). */
  async backup(destination: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    if (destination.scheme === 'file') {
      try {
        await this.session.backupTo(destination.fsPath, () => cancellation?.isCancellationRequested === true);
      } catch (e) {
        if (writeAborted(e)) throw new vscode.CancellationError();
        throw e;
      }
    } else {
      await vscode.workspace.fs.writeFile(destination, this.session.content());
    }
    return { id: destination.toString(), delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined) };
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    for (const d of this.disposables) d.dispose();
    this.session.dispose();
  }
}
