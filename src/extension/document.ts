// One CustomDocument per .ckpt file: owns the bytes (a ByteStore, edited in place) and the model
// built over them. Edits come as paths (src/parser/edit-paths.ts); the document turns them into
// splices, applies them, rebuilds the model and tells the views. Each edit keeps its forward and
// inverse splices: undo and redo apply them to the CURRENT bytes, so undo after a save simply
// makes the reverse change (VS Code's edit stack decides the order; the bytes follow it).
import { existsSync, statSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { editForPath, EditError } from '../parser/edit-paths.js';
import type { Splice } from '../parser/encode.js';
import { SaveError, writeFileAtomicAsync, writeFileAtomicWith, type AtomicWriteHooks } from '../io/atomic-write.js';
import { ByteStore, WriteAborted, type FileStamp, type ReadWatch } from './byte-store.js';
import { indexOffThread } from './off-thread.js';
import { byteOrderOf } from '../parser/image.js';
import { SavedDiff } from './saved-diff.js';
import { CkptModel, type ModelOptions } from './model.js';

export interface EditEntry {
  label: string;
  path: string;
  forward: Splice[];
  inverse: Splice[];
  /** The document's epoch when the edit was made: a revert or reload from disk starts a new one. */
  epoch: number;
}

export interface EditTiming {
  path: string;
  kind: 'edit' | 'undo' | 'redo';
  generation: number;
  /** performance.now() when the edit arrived. */
  at: number;
  /** Host: splices computed and applied, model rebuilt, image re-validated (ms). */
  hostMs: number;
  /** How the model was brought up to date. */
  model: 'patched' | 'rebuilt';
  /** Parts of hostMs: splices planned from the path, applied to the bytes, model brought up to date. */
  phases: { plan: number; apply: number; model: number };
}

async function readStore(uri: vscode.Uri): Promise<ByteStore> {
  // A file: URI is read with node's fs straight into the store (workspace.fs may copy).
  return uri.scheme === 'file' ? ByteStore.readFile(uri.fsPath) : ByteStore.from(await vscode.workspace.fs.readFile(uri));
}

export class CkptDocument implements vscode.CustomDocument {
  private _generation = 1;
  private readonly changed = new vscode.EventEmitter<'edit' | 'reload'>();
  /** The model changed: after an edit (undo, redo) or a reload from disk (or a revert). */
  readonly onDidChangeModel = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** ms timestamps (performance.now()) of this document's life, for the bench and tests. */
  readonly marks: Record<string, number> = {};
  /** The last edits' timings (newest last), for the bench and the stats command. */
  readonly editTimings: EditTiming[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  private epoch = 0;
  /** Bumped by every change of the bytes; equal to savedSeq right after an open, save or revert. */
  private changeSeq = 0;
  private savedSeq = 0;
  private lastSaveAt = -Infinity;
  /**
   * Whether the bytes are the file's, exactly (src/extension/saved-diff.ts), made at the first edit
   * after an open, save, revert or reload. Not kept for a document restored from a backup until it
   * is saved or reverted: its save point is a file whose bytes this document never held.
   */
  private diff: SavedDiff | null = null;
  private diffValid = true;
  /** The file as this document last read or wrote it: a save of unchanged bytes over an unchanged file writes nothing. */
  private diskStamp: FileStamp | null = null;
  /** What the last edit (undo, redo) changed: records re-read by a patch (null after a rebuild), ranges rewritten in place (null when lengths changed). */
  lastChange: { records: number[] | null; ranges: { offset: number; length: number }[] | null } = { records: null, ranges: null };
  /** Why the model last changed, for the webview (keep its place after an edit). */
  lastCause: 'open' | 'edit' | 'reload' = 'open';

  /**
   * Open a document. A file: source is only opened here (a missing or unreadable file fails the open);
   * its bytes are read off the main thread and the model is built by load(), which the provider runs
   * once the webview is on its way, so reading and parsing overlap the webview's start. Anything
   * that needs the bytes or the model earlier gets them at once (read synchronously).
   */
  static async create(uri: vscode.Uri, maxTtys: number, backupId?: string, gate?: ReadWatch['gate']): Promise<CkptDocument> {
    const t0 = performance.now();
    const source = backupId ? vscode.Uri.parse(backupId) : uri;
    let doc: CkptDocument;
    // The read and the index of a large file report their progress here and stop when it aborts.
    const abort = new AbortController();
    const watch: ReadWatch = { signal: abort.signal, gate };
    if (source.scheme === 'file') {
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
      doc = new CkptDocument(uri, { path: source.fsPath, read }, maxTtys);
    } else {
      const store = await readStore(source);
      doc = new CkptDocument(uri, store, maxTtys);
      doc.marks.read = performance.now();
    }
    // A document restored from a backup differs from the file until it is saved.
    if (backupId) {
      doc.changeSeq++;
      doc.diffValid = false;
    }
    doc.marks.open = t0;
    doc.abort = abort;
    watch.progress = (done, size) => doc.progress?.(done / Math.max(1, size), 'reading');
    return doc;
  }

  /** The file being read (until its bytes are in). */
  private loading: { path: string; read: Promise<ByteStore> } | null;
  private loadedStore: ByteStore | null;
  private loadedModel: CkptModel | null = null;
  private loadPromise: Promise<void> | undefined;
  private readonly fileName: string;

  private constructor(
    readonly uri: vscode.Uri,
    source: ByteStore | { path: string; read: Promise<ByteStore> },
    private readonly maxTtys: number,
  ) {
    this.fileName = uri.path.split('/').pop() ?? uri.path;
    this.loadedStore = source instanceof ByteStore ? source : null;
    this.loading = source instanceof ByteStore ? null : source;
    this.disposables.push(this.diskChanged);
    if (uri.scheme === 'file' || uri.scheme === 'vscode-remote') {
      const dir = vscode.Uri.joinPath(uri, '..');
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, uri.path.split('/').pop() ?? '*'));
      const schedule = () => {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reload(), 150);
      };
      watcher.onDidChange(schedule);
      watcher.onDidCreate(schedule);
      watcher.onDidDelete(schedule);
      this.disposables.push(watcher);
    }
  }

  /**
   * Read the bytes (if still on their way) and build the model; resolves when both are there.
   * Idempotent. Rejects when the file could not be read.
   */
  load(): Promise<void> {
    return (this.loadPromise ??= (async () => {
      if (!this.loadedStore && this.loading) {
        const store = await this.loading.read;
        if (!this.loadedStore) {
          this.loadedStore = store;
          this.loading = null;
          if (this.diffValid) this.diskStamp = store.stamp;
          this.marks.read = performance.now();
        }
      }
      const store = this.store;
      if (!this.loadedModel && !store.headOnly) {
        // The record index is the one walk over every byte: in a worker, so the event loop stays free.
        this.progress?.(1, 'indexing');
        const index = await indexOffThread(store.view, byteOrderOf(store.view) ?? true, this.abort.signal);
        if (!this.loadedModel && this.loadedStore === store) {
          this.loadedModel = new CkptModel(store.view, this.fileName, { ...this.modelOptions, index });
          this.marks.model = performance.now();
          this.warmSoon();
        }
      }
      void this._model;
    })());
  }

  /** Cancels the read and the index of load() (which then rejects with LoadCancelled). */
  private abort = new AbortController();
  /** Told how far load() has come (a fraction of the file read; then the index). */
  progress: ((fraction: number, step: 'reading' | 'indexing') => void) | undefined;
  /** Stop loading: the read and the worker stop, load() rejects with LoadCancelled. */
  cancelLoad(): void {
    this.abort.abort();
  }

  /** The bytes and the model are there (load() has finished, or something needed them earlier). */
  get loaded(): boolean {
    return this.loadedModel !== null;
  }

  // The edit path below reads and replaces the bytes and the model through these two accessors.
  private get store(): ByteStore {
    if (!this.loadedStore) {
      // Needed before the read finished: read the file now (the pending read's buffer is dropped).
      this.loadedStore = ByteStore.readFile(this.loading!.path);
      void this.loading!.read.then((s) => s.dispose(), () => undefined);
      this.loading = null;
      if (this.diffValid) this.diskStamp = this.loadedStore.stamp;
      this.marks.read = performance.now();
    }
    return this.loadedStore;
  }
  private set store(store: ByteStore) {
    if (this.loadedStore !== store) this.loadedStore?.dispose();
    this.loadedStore = store;
    this.loading = null;
  }
  private get _model(): CkptModel {
    if (!this.loadedModel) {
      this.loadedModel = new CkptModel(this.store.view, this.fileName, this.modelOptions);
      this.marks.model = performance.now();
      this.warmSoon();
    }
    return this.loadedModel;
  }
  private set _model(model: CkptModel) {
    this.loadedModel = model;
  }

  /** The model reads bytes it shows through the store (which reads what it left on disk). */
  private get modelOptions(): ModelOptions {
    const store = this.store;
    return { maxTtys: this.maxTtys, read: (o, l) => this.store.read(o, l), ...(store.headOnly && store.stamp ? { size: Number(store.stamp.size) } : {}) };
  }

  get model(): CkptModel {
    return this._model;
  }
  get bytes(): Uint8Array {
    return this.store.view;
  }
  /** Bytes of the file the store left on disk (a large image's page contents), for the stats and tests. */
  get bytesOnDisk(): number {
    return this.store.bytesOnDisk;
  }
  get generation(): number {
    return this._generation;
  }
  /** The bytes differ from the file as last opened, saved or reverted. */
  get hasUnsavedChanges(): boolean {
    return this.diffValid ? !this.matchesFile : this.changeSeq !== this.savedSeq;
  }

  /** The bytes are exactly those of the file as last opened, saved or reverted (false after a restore from backup, until saved). */
  get matchesFile(): boolean {
    return this.diffValid && (this.diff === null || this.diff.clean);
  }

  private record(diff: SavedDiff | null, splices: Splice[], inverse: Splice[]): void {
    try {
      diff?.record(splices, inverse);
    } catch {
      // Never expected; if it happens, dirty falls back to VS Code's own rule (any change since the save).
      this.diffValid = false;
      this.diff = null;
    }
  }

  /** Saving to `target` would write nothing: the bytes are the file's and the file is as this document last saw it. */
  savesNothing(target: vscode.Uri): boolean {
    return target.toString() === this.uri.toString() && target.scheme === 'file' && this.matchesFile && this.diskStamp !== null && sameStamp(this.diskStamp, target.fsPath);
  }

  /** Before bytes change: the save point is the bytes as they are now, if nothing was recorded yet. */
  private savePoint(): SavedDiff | null {
    if (!this.diffValid) return null;
    const store = this.store;
    return (this.diff ??= new SavedDiff(
      () => store.view,
      (o, n) => store.bytesAt(o, n),
    ));
  }

  // ---- edits ----

  /**
   * Change a value by path. Returns null when the value is already that (nothing to undo). Throws
   * EditError (bad path or value) without touching the bytes.
   */
  edit(path: string, value: string): { entry: EditEntry; note?: string } | null {
    const t0 = performance.now();
    const img = this._model.img;
    if (!img) throw new EditError(this._model.modelNote ?? 'this image has no decoded model to edit');
    const e = editForPath(img, path, value);
    const entry = this.editSplices(e.splices, e.description, path, t0);
    return entry ? { entry, ...(e.note ? { note: e.note } : {}) } : null;
  }

  /**
   * Apply byte splices as one edit (a repair, or all of them); offsets refer to the current bytes,
   * in application order. Null when they change nothing.
   */
  editSplices(splices: Splice[], label: string, path: string, t0 = performance.now()): EditEntry | null {
    if (this.store.isNoop(splices)) return null;
    const t1 = performance.now();
    const diff = this.savePoint();
    const inverse = this.store.apply(splices);
    this.record(diff, splices, inverse);
    const entry: EditEntry = { label, path, forward: splices, inverse, epoch: this.epoch };
    this.afterChange(t0, path, 'edit', splices, t1 - t0);
    return entry;
  }

  undo(entry: EditEntry): void {
    this.replay(entry, 'undo');
  }
  redo(entry: EditEntry): void {
    this.replay(entry, 'redo');
  }

  private replay(entry: EditEntry, kind: 'undo' | 'redo'): void {
    // An edit made before a revert or a reload from disk no longer describes these bytes.
    if (entry.epoch !== this.epoch) return;
    const t0 = performance.now();
    const splices = kind === 'undo' ? entry.inverse : entry.forward;
    const diff = this.savePoint();
    const inv = this.store.apply(splices);
    this.record(diff, splices, inv);
    // Keep the pair consistent with what was actually applied (identical unless the bytes moved on).
    if (kind === 'undo') entry.forward = inv;
    else entry.inverse = inv;
    this.afterChange(t0, entry.path, kind, splices);
  }

  private afterChange(t0: number, path: string, kind: EditTiming['kind'], splices: Splice[], planMs = 0): void {
    this.changeSeq++;
    const t1 = performance.now();
    const how = this._model.patch(this.store.view, splices) ? 'patched' : 'rebuilt';
    if (how === 'rebuilt') {
      this._model = new CkptModel(this.store.view, this._model.fileName, this.modelOptions);
      this.warmSoon();
    }
    const t2 = performance.now();
    this._generation++;
    this.lastChange = {
      records: how === 'patched' ? this._model.lastPatchRecords : null,
      ranges: splices.every((s) => s.remove === s.insert.length) ? splices.map((s) => ({ offset: s.offset, length: s.insert.length })) : null,
    };
    this.editTimings.push({ path, kind, generation: this._generation, at: t0, hostMs: performance.now() - t0, model: how, phases: { plan: planMs, apply: t1 - t0 - planMs, model: t2 - t1 } });
    if (this.editTimings.length > 50) this.editTimings.shift();
    this.lastCause = 'edit';
    this.changed.fire('edit');
  }

  // ---- save, revert, backup ----

  /** Write the bytes to `target` (default: the document's file). file: URIs atomically; others through workspace.fs. */
  async saveTo(target: vscode.Uri = this.uri, hooks: AtomicWriteHooks = {}): Promise<void> {
    let seq = this.changeSeq;
    const own = target.toString() === this.uri.toString();
    if (this.savesNothing(target)) {
      // The bytes are the file's and the file has not changed since: there is nothing to write.
      this.savedSeq = seq;
      this.lastSaveAt = performance.now();
      return;
    }
    if (target.scheme === 'file') {
      const saving = this.writeState(target.fsPath, hooks);
      this.saving = saving;
      try {
        seq = await saving;
      } finally {
        if (this.saving === saving) this.saving = null;
      }
    } else {
      try {
        await vscode.workspace.fs.writeFile(target, this.store.read(0, this.store.length));
      } catch (e) {
        throw new SaveError(`could not save ${target.toString()}: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    }
    if (own) {
      this.savedSeq = seq;
      this.lastSaveAt = performance.now();
      this.diffValid = true;
      this.diff?.reset();
      this.diskStamp = target.scheme === 'file' ? stampOf(target.fsPath) : null;
    }
  }

  /** A save to a file under way (the file watcher's event of its rename waits for it). */
  private saving: Promise<number> | null = null;

  /**
   * Write the current bytes to `path` off the event loop (a MiB at a time on the thread pool): VS
   * Code for the web auto-saves a second after each edit, and a synchronous write of a large image
   * held up every extension for as long. An edit while it is written starts it again with the new
   * bytes, so the file always ends as one state of the content; when edits keep coming, the third
   * try writes synchronously. Resolves to the changeSeq of the state written, which is still the
   * current one (the caller's continuation runs in the same tick).
   */
  private async writeState(path: string, hooks: AtomicWriteHooks): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const store = this.store;
      const seq = this.changeSeq;
      const unchanged = () => this.loadedStore === store && this.changeSeq === seq;
      if (attempt >= 2) {
        writeFileAtomicWith(path, (fd) => store.writeTo(fd), hooks);
        return seq;
      }
      try {
        await writeFileAtomicAsync(path, (fh) => store.writeToAsync(fh, unchanged), hooks, 'save');
      } catch (e) {
        if (e instanceof SaveError && e.cause instanceof WriteAborted) continue;
        throw e;
      }
      if (unchanged()) return seq;
    }
  }

  /** Back to the file on disk; earlier edits can no longer be undone or redone. */
  async revert(): Promise<void> {
    const store = await readStore(this.uri);
    this.epoch++;
    this.changeSeq = this.savedSeq = 0;
    this.diffValid = true;
    this.replaceStore(store);
  }

  /**
   * What happened to the file on disk that the content shown does not follow (deleted; changed
   * under unsaved edits), for the views (InitData.diskNote); null when the content is the file's.
   */
  diskNote: string | null = null;
  private readonly diskChanged = new vscode.EventEmitter<string | null>();
  readonly onDidChangeDisk = this.diskChanged.event;
  private setDiskNote(note: string | null): void {
    if (note === this.diskNote) return;
    this.diskNote = note;
    this.diskChanged.fire(note);
  }

  /** Re-read the file after it changed on disk (the file watcher). Never drops unsaved changes. */
  async reload(): Promise<void> {
    // Our own save's rename: judged once the save has set the file's new stamp.
    if (this.saving) await this.saving.catch(() => undefined);
    // Still reading: compared once the read is in (asking for the bytes now would read the whole
    // file again on the event loop, past the load's Cancel). A load that failed or was cancelled has
    // nothing to compare.
    if (!this.loadedStore && this.loading) {
      const ok = await this.load().then(() => true, () => false);
      if (!ok) return;
    }
    if (this.uri.scheme === 'file' && !existsSync(this.uri.fsPath)) {
      const edits = this.hasUnsavedChanges ? ' with your unsaved edits' : '';
      this.setDiskNote(`The file was deleted on disk. Shown: its content as last read${edits}; Save writes it back.`);
      return;
    }
    if (this.hasUnsavedChanges) {
      // The person's edits win; Save overwrites, Revert reloads.
      if (this.uri.scheme === 'file' && this.diskStamp && !sameStamp(this.diskStamp, this.uri.fsPath) && performance.now() - this.lastSaveAt >= 2000) {
        this.setDiskNote('The file changed on disk since it was read. Shown: your unsaved edits of the content as read; Save overwrites the file, Revert loads it.');
      }
      return;
    }
    if (performance.now() - this.lastSaveAt < 2000) return; // our own save
    let store: ByteStore;
    try {
      store = await readStore(this.uri);
    } catch (e) {
      // Unreadable now: keep showing what we had, and say so.
      this.setDiskNote(`The file can no longer be read (${e instanceof Error ? e.message : String(e)}). Shown: its content as last read.`);
      return;
    }
    if (this.hasUnsavedChanges) return;
    let same = false;
    try {
      same = store.equals(this.store);
    } catch {
      // Ours changed in place under its holes: what is on disk now is what to show.
    }
    if (same) {
      store.dispose();
      this.setDiskNote(null);
      return;
    }
    this.epoch++;
    this.replaceStore(store);
  }

  /** New content from disk: rebuild the model and tell the views. */
  private replaceStore(store: ByteStore): void {
    const t0 = performance.now();
    this.diskNote = null; // goes with the init the reload sends
    this.store = store;
    this.diff = null;
    this.diskStamp = store.stamp;
    this._model = new CkptModel(store.view, this._model.fileName, this.modelOptions);
    this.warmSoon();
    this._generation++;
    this.marks.reload = t0;
    this.lastCause = 'reload';
    this.changed.fire('reload');
  }

  /**
   * Hot exit: the current bytes, written to `destination`. VS Code asks for it about a second after
   * each change while the document is dirty: for a large image it is written off the event loop, and
   * given up (cancelled) if an edit comes meanwhile, as VS Code asks again after it.
   */
  async backup(destination: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    if (destination.scheme === 'file') {
      const { mkdirSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(destination.fsPath), { recursive: true });
      const store = this.store;
      const generation = this._generation;
      try {
        await writeFileAtomicAsync(destination.fsPath, (fh) => store.writeToAsync(fh, () => this._generation === generation && this.loadedStore === store && !cancellation?.isCancellationRequested));
      } catch (e) {
        if (e instanceof SaveError && e.cause instanceof WriteAborted) throw new vscode.CancellationError();
        throw e;
      }
    } else {
      await vscode.workspace.fs.writeFile(destination, this.store.read(0, this.store.length));
    }
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }

  private warmTimer: NodeJS.Timeout | undefined;
  /**
   * After the first render has had its turn: prepare the model for fast field edits (a few hundred
   * ms on a large image). Run when a webview reports its render (rendered()), else after `ms`.
   */
  private warmSoon(ms = 3000): void {
    clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      const t0 = performance.now();
      this._model.warm();
      this.marks.warmMs = performance.now() - t0;
    }, ms);
  }

  /** A webview has drawn this document's model: warm it now (once). */
  rendered(): void {
    if (this.warmTimer !== undefined) this.warmSoon(20);
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    clearTimeout(this.warmTimer);
    for (const d of this.disposables) d.dispose();
    this.loadedStore?.dispose();
    if (this.loading) void this.loading.read.then((s) => s.dispose(), () => undefined);
  }
}

function stampOf(path: string): FileStamp | null {
  try {
    const st = statSync(path, { bigint: true });
    return { size: st.size, mtimeNs: st.mtimeNs };
  } catch {
    return null;
  }
}

function sameStamp(a: FileStamp, path: string): boolean {
  const b = stampOf(path);
  return b !== null && a.size === b.size && a.mtimeNs === b.mtimeNs;
}
