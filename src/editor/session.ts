// One open image in the editor, without VS Code: the bytes (a ByteStore, edited in place), the model
// built over them, the edits with their undo and redo, whether the bytes are the file's (the saved
// diff), saving, and what each attached webview is sent after a change (session-view.ts). The
// extension's CkptDocument and CkptEditorProvider only connect this to VS Code's API.
//
// Each edit keeps its forward and inverse splices: undo and redo apply them to the CURRENT bytes, so
// undo after a save simply makes the reverse change (the host's edit stack decides the order).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { type AtomicWriteHooks, SaveError, writeFileAtomicAsync, writeFileAtomicWith } from '../io/atomic-write.js';
import { EditError, editForPath } from '../parser/edit-paths.js';
import type { Splice } from '../parser/encode.js';
import { byteOrderOf } from '../parser/image.js';
import { type DiagnosticView, type EditOutcome, type FindParams, type FindResult, FIRST_REQUESTS, type InitData, type ProvenanceView, type RequestName, requestKey } from '../shared/protocol.js';
import { ByteStore, type FileStamp, SourceChangedError, WriteAborted } from './byte-store.js';
import { Emitter } from './emitter.js';
import { FindCancelled, type FindPattern, FindQueryError, findAll, type MatchList, type PassOptions, parseFindQuery, step } from './find.js';
import { CkptModel, type ModelOptions } from './image-model.js';
import { indexOffThread, startIndexWorker } from './off-thread.js';
import { choiceLabel, choiceSplices, findRepair, fixAllSplices } from './repairs.js';
import { readSidecar } from './provenance.js';
import { SavedDiff } from './saved-diff.js';
import type { SessionView } from './session-view.js';

export interface EditEntry {
  label: string;
  path: string;
  forward: Splice[];
  inverse: Splice[];
  /** The session's epoch when the edit was made: a revert or reload from disk starts a new one. */
  epoch: number;
}

export interface EditTiming {
  path: string;
  kind: 'edit' | 'undo' | 'redo';
  generation: number;
  /** performance.now() when the edit arrived. */
  at: number;
  /** Splices computed and applied, model brought up to date, image re-validated (ms). */
  hostMs: number;
  /** How the model was brought up to date. */
  model: 'patched' | 'rebuilt';
  /** Parts of hostMs: splices planned from the path, applied to the bytes, model brought up to date. */
  phases: { plan: number; apply: number; model: number };
}

/** Where the bytes come from: a store already read, or a file still being read (ByteStore.readHandle). */
export type SessionSource = ByteStore | { path: string; read: Promise<ByteStore> };

export interface SessionOptions {
  fileName: string;
  /** The local file this session shows (its stamp tells a change on disk); null when it is not one. */
  filePath: string | null;
  /** Images with more TTY records get the framing-only model (CkptModel). */
  maxTtys: number;
  /** The content comes from a hot-exit backup: it differs from the file until saved or reverted. */
  restored?: boolean;
  /** Stops the read of the source (cancelLoad); the index built after it stops with it. */
  abort?: AbortController;
  /** performance.now() when the open started (default: now). */
  openedAt?: number;
}

/** Where a save writes: the session's own file or another, by path or through `write` (a non-local file system). */
export type SaveTarget = { own: boolean } & ({ path: string } | { write: (bytes: Uint8Array) => Promise<void> });

export class EditorSession {
  readonly fileName: string;
  readonly filePath: string | null;
  private readonly maxTtys: number;
  private _generation = 1;
  /** performance.now() of this session's milestones (open, read, model, resolve, ready, init, rendered), for the bench and tests. */
  readonly marks: Record<string, number> = {};
  /** The last edits' timings (newest last), for the bench and the stats command. */
  readonly editTimings: EditTiming[] = [];
  private epoch = 0;
  /** Bumped by every change of the bytes; equal to savedSeq right after an open, save or revert. */
  private changeSeq = 0;
  private savedSeq = 0;
  private lastSaveAt = -Infinity;
  /**
   * Whether the bytes are the file's, exactly (saved-diff.ts), made at the first edit after an open,
   * save, revert or reload. Not kept for content restored from a backup until it is saved or
   * reverted: its save point is a file whose bytes this session never held.
   */
  private diff: SavedDiff | null = null;
  private diffValid: boolean;
  /** The file as this session last read or wrote it: a save of unchanged bytes over an unchanged file writes nothing. */
  private diskStamp: FileStamp | null = null;
  /** What the last change touched: records re-read by a patch (null after a rebuild), ranges rewritten in place (null when lengths changed). */
  lastChange: { records: number[] | null; ranges: { offset: number; length: number }[] | null } = { records: null, ranges: null };
  /** Why the model last changed, for the webview (it keeps its place after an edit). */
  lastCause: InitData['cause'] = 'open';
  /**
   * What happened to the file on disk that the content shown does not follow (deleted; changed under
   * unsaved edits), for the views (InitData.diskNote); null when the content is the file's.
   */
  diskNote: string | null = null;

  /** The model changed: after an edit (undo, redo) or new content from disk (a revert, a reload). */
  readonly changed = new Emitter<{ cause: 'edit' | 'reload'; diagnosticsChanged: boolean }>();
  /** diskNote changed. */
  readonly diskChanged = new Emitter<string | null>();
  /** An edit made from a view (the host puts it on its edit stack). */
  readonly edited = new Emitter<EditEntry>();
  /** A view drew a generation for the first time. */
  readonly rendered = new Emitter<{ view: SessionView; generation: number }>();

  /** The webviews showing this session. */
  readonly views = new Set<SessionView>();
  /** The first pass of the last find query, while the bytes are those it searched (same generation). */
  private findList: { key: string; generation: number; list: MatchList } | null = null;
  /** Aborted when the bytes change: a find under way stops rather than mix two states of the bytes. */
  private contentChange = new AbortController();
  /** Tests: awaited before each chunk of a find, with its signal (a search held under way). */
  findGate: ((signal: AbortSignal | undefined) => Promise<void> | undefined) | undefined;
  /** What the views were last sent of the diagnostics (diagnosticsKey). */
  private sent: { list: readonly unknown[]; key: string } | null = null;
  /** Init data built while a webview boots (the host is idle then); used once. */
  private prepared: { generation: number; data: InitData } | null = null;

  /** The file being read (until its bytes are in). */
  private loading: { path: string; read: Promise<ByteStore> } | null;
  private loadedStore: ByteStore | null;
  private loadedModel: CkptModel | null = null;
  private loadPromise: Promise<void> | undefined;
  private readonly abort: AbortController;
  /** The worker load() indexes the bytes in, started with the read (terminated if the model is built without it). */
  private indexWorker: Worker | null;
  /** Told how far load() has come (a fraction of the file read; then the index). */
  progress: ((fraction: number, step: 'reading' | 'indexing') => void) | undefined;

  constructor(source: SessionSource, opts: SessionOptions) {
    this.fileName = opts.fileName;
    this.filePath = opts.filePath;
    this.maxTtys = opts.maxTtys;
    this.abort = opts.abort ?? new AbortController();
    this.loadedStore = source instanceof ByteStore ? source : null;
    this.loading = source instanceof ByteStore ? null : source;
    this.marks.open = opts.openedAt ?? performance.now();
    if (this.loadedStore) this.marks.read = performance.now();
    // The index worker starts while the file is read: its start takes longer than the index.
    this.indexWorker = this.loading ? startIndexWorker() : null;
    // Content restored from a backup differs from the file until it is saved.
    this.diffValid = !opts.restored;
    if (opts.restored) this.changeSeq++;
    else if (this.loadedStore) this.diskStamp = this.loadedStore.stamp;
  }

  /**
   * Read the bytes (if still on their way) and build the model; resolves when both are there.
   * Idempotent. Rejects when the file could not be read, or with LoadCancelled.
   */
  load(): Promise<void> {
    return (this.loadPromise ??= (async () => {
      let worker = this.indexWorker;
      this.indexWorker = null;
      try {
        if (!this.loadedStore && this.loading) {
          const store = await this.loading.read;
          if (!this.loadedStore) this.adoptRead(store);
        }
        const store = this.store;
        if (!this.loadedModel && !store.headOnly) {
          // The record index is the one walk over every byte: in a worker, so the event loop stays free.
          this.progress?.(1, 'indexing');
          const started = worker;
          worker = null;
          const index = await indexOffThread(store.view, byteOrderOf(store.view) ?? true, this.abort.signal, undefined, started);
          if (!this.loadedModel && this.loadedStore === store) this.setModel(new CkptModel(store.view, this.fileName, { ...this.modelOptions, index }));
        }
      } finally {
        void worker?.terminate();
      }
      void this.model;
    })());
  }

  /** The capture's provenance sidecar as checked against the bytes as opened, and the generation it was checked at. */
  private provenance: { view: ProvenanceView; generation: number } | null = null;
  private sidecar: { read: Promise<Uint8Array | null>; name: string } | null = null;
  private provenanceCheck: Promise<void> | null = null;

  /**
   * The bytes of the sidecar `name` beside the image (null when there is none). Checked against the
   * bytes once they are loaded (src/editor/provenance.ts): a view sends it once provenanceReady
   * settles, after its init (never before: the read must not delay the first screen), and asks only
   * after load(), so this starts no read of its own.
   */
  attachSidecar(read: Promise<Uint8Array | null>, name: string): void {
    this.sidecar = { read: read.catch(() => null), name };
  }
  get provenanceReady(): Promise<void> {
    const sc = this.sidecar;
    if (!sc) return Promise.resolve();
    return (this.provenanceCheck ??= Promise.all([this.load(), sc.read]).then(
      ([, bytes]) => {
        if (bytes === null) return;
        if (this.store.headOnly) return; // far larger than any capture; its bytes are not all in memory
        const content = this.content();
        const view = readSidecar(bytes, createHash('sha256').update(content).digest('hex'), content.length, sc.name);
        if (view) this.provenance = { view, generation: this._generation };
      },
      () => undefined,
    ));
  }

  /**
   * What the views show of the sidecar. Once the content changed (an edit, a reload) the labels are
   * kept, keyed by edit path so they stay on their fields when offsets move, and said to be of the
   * image as captured: the sidecar describes the captured bytes, not the edited ones.
   */
  provenanceView(): ProvenanceView | null {
    const p = this.provenance;
    if (!p) return null;
    if (p.view.state !== 'ok' || p.generation === this._generation) return p.view;
    return { state: 'edited', notice: "Provenance as captured: the image has changed since (edited or reloaded), so a changed value's label tells where its captured value came from.", labels: p.view.labels };
  }

  /** Stop loading: the read and the worker stop, load() rejects with LoadCancelled. */
  cancelLoad(): void {
    this.abort.abort();
  }

  /** The bytes and the model are there (load() has finished, or something needed them earlier). */
  get loaded(): boolean {
    return this.loadedModel !== null;
  }

  private adoptRead(store: ByteStore): void {
    this.loadedStore = store;
    this.loading = null;
    if (this.diffValid) this.diskStamp = store.stamp;
    this.marks.read = performance.now();
  }

  private get store(): ByteStore {
    if (!this.loadedStore) {
      // Needed before the read finished: read the file now (the pending read's buffer is dropped).
      const { path, read } = this.loading!;
      void read.then(
        (s) => s.dispose(),
        () => undefined,
      );
      this.adoptRead(ByteStore.readFile(path));
    }
    return this.loadedStore!;
  }

  get model(): CkptModel {
    if (!this.loadedModel) this.setModel(new CkptModel(this.store.view, this.fileName, this.modelOptions));
    return this.loadedModel!;
  }

  private setModel(model: CkptModel): void {
    void this.indexWorker?.terminate();
    this.indexWorker = null;
    this.loadedModel = model;
    this.marks.model ??= performance.now();
    this.warmSoon();
  }

  /** The model reads the bytes it shows through the store (which reads what it left on disk). */
  private get modelOptions(): ModelOptions {
    const store = this.store;
    return { maxTtys: this.maxTtys, read: (o, l) => this.store.read(o, l), ...(store.headOnly && store.stamp ? { size: Number(store.stamp.size) } : {}) };
  }

  get bytes(): Uint8Array {
    return this.store.view;
  }
  /** Bytes of the file the store left on disk (a large image's page contents). */
  get bytesOnDisk(): number {
    return this.store.bytesOnDisk;
  }
  get generation(): number {
    return this._generation;
  }
  /** Error diagnostics of the image as it is now. */
  get errorCount(): number {
    return this.model.diagnostics.filter((d) => d.severity === 'error').length;
  }

  // ---- dirty state ----

  /** The bytes differ from the file as last opened, saved or reverted. */
  get hasUnsavedChanges(): boolean {
    return this.diffValid ? !this.matchesFile : this.changeSeq !== this.savedSeq;
  }

  /** The bytes are exactly those of the file as last opened, saved or reverted (false for restored content, until saved). */
  get matchesFile(): boolean {
    return this.diffValid && (this.diff === null || this.diff.clean);
  }

  /** Saving to the own file would write nothing: the bytes are the file's and the file is as this session last saw it. */
  get savesNothing(): boolean {
    return this.filePath !== null && this.matchesFile && this.diskStamp !== null && sameStamp(this.diskStamp, this.filePath);
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

  private record(diff: SavedDiff | null, splices: Splice[], inverse: Splice[]): void {
    try {
      diff?.record(splices, inverse);
    } catch {
      // Never expected; if it happens, dirty falls back to the host's own rule (any change since the save).
      this.diffValid = false;
      this.diff = null;
    }
  }

  // ---- edits ----

  /**
   * Change a value by path (src/parser/edit-paths.ts). Null when the value is already that (nothing
   * to undo). Throws EditError (bad path or value) without touching the bytes.
   */
  edit(path: string, value: string): { entry: EditEntry; note?: string } | null {
    const t0 = performance.now();
    const img = this.model.img;
    if (!img) throw new EditError(this.model.modelNote ?? 'this image has no decoded model to edit');
    const e = editForPath(img, path, value);
    const entry = this.editSplices(e.splices, e.description, path, t0);
    return entry ? { entry, ...(e.note ? { note: e.note } : {}) } : null;
  }

  /**
   * Apply byte splices as one edit (a repair, or all of them); offsets refer to the current bytes, in
   * application order. Null when they change nothing.
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
    this.bytesChanged();
    const t1 = performance.now();
    let model = this.model;
    const how = model.patch(this.store.view, splices) ? 'patched' : 'rebuilt';
    if (how === 'rebuilt') {
      model = new CkptModel(this.store.view, this.fileName, this.modelOptions);
      this.setModel(model);
    }
    const t2 = performance.now();
    this._generation++;
    this.lastChange = {
      records: how === 'patched' ? model.lastPatchRecords : null,
      ranges: splices.every((s) => s.remove === s.insert.length) ? splices.map((s) => ({ offset: s.offset, length: s.insert.length })) : null,
    };
    this.editTimings.push({ path, kind, generation: this._generation, at: t0, hostMs: performance.now() - t0, model: how, phases: { plan: planMs, apply: t1 - t0 - planMs, model: t2 - t1 } });
    if (this.editTimings.length > 50) this.editTimings.shift();
    this.lastCause = 'edit';
    this.fireChanged('edit');
  }

  /** An edit by path as a view's request answers it; a change is announced on `edited`. */
  editOutcome(path: string, value: string): EditOutcome {
    const r = this.edit(path, value);
    if (!r) return { changed: false, description: `${path}: already ${value}`, generation: this._generation, errors: this.errorCount };
    this.edited.fire(r.entry);
    return { changed: true, description: r.entry.label, ...(r.note ? { note: r.note } : {}), generation: this._generation, errors: this.errorCount };
  }

  /** Apply choice `choice` of the repair of diagnostic `code` at `offset` as one undoable edit. */
  applyRepair(code: string, offset: number, choice = 0): EditOutcome {
    const r = findRepair(this.model, code, offset);
    const c = r.choices[choice];
    if (!c) throw new EditError(`${code} at offset ${offset} has ${r.choices.length} choice(s)`);
    return this.spliceOutcome(choiceSplices(this.bytes, c), choiceLabel(r, c), `repair:${code}@${offset}`);
  }

  /** Every unambiguous repair, as one undoable edit ("Fix All Unambiguous"). */
  fixAll(): EditOutcome & { applied: number; ambiguous: number } {
    const plan = fixAllSplices(this.model, this.bytes);
    if (!plan || plan.applied === 0) return { changed: false, description: 'no unambiguous repair', generation: this._generation, errors: this.errorCount, applied: 0, ambiguous: plan?.ambiguous ?? 0 };
    return { ...this.spliceOutcome(plan.splices, `Fix all unambiguous (${plan.applied} repair(s))`, 'repair:all'), applied: plan.applied, ambiguous: plan.ambiguous };
  }

  private spliceOutcome(splices: Splice[], label: string, path: string): EditOutcome {
    const entry = this.editSplices(splices, label, path);
    if (entry) this.edited.fire(entry);
    return { changed: entry !== null, description: label, generation: this._generation, errors: this.errorCount };
  }

  // ---- find ----

  /** A find under way stops; the next one makes a new first pass. */
  private bytesChanged(): void {
    this.contentChange.abort('changed');
    this.contentChange = new AbortController();
    this.findList = null;
  }

  /**
   * Find a query's next or previous match in the whole image (src/editor/find.ts), including the bytes
   * left on disk, as edited. The first request of a query makes one pass over the image that records
   * its matches (the count shown as "N of M"); next and previous then step through them. `signal`
   * stops it; so does a change of the bytes meanwhile.
   */
  async find(p: FindParams, opts: { signal?: AbortSignal; progress?: (done: number, total: number) => void } = {}): Promise<FindResult> {
    let pat: FindPattern;
    try {
      pat = parseFindQuery(p.query, p.mode, p.matchCase);
    } catch (e) {
      if (e instanceof FindQueryError) return { status: 'invalid', error: e.message };
      throw e;
    }
    const store = this.store;
    const generation = this._generation;
    const change = this.contentChange.signal;
    const pass: PassOptions = { signal: opts.signal ? AbortSignal.any([change, opts.signal]) : change, ...(opts.progress ? { progress: opts.progress } : {}), ...(this.findGate ? { gate: this.findGate } : {}) };
    const key = `${pat.foldCase ? 'fold' : 'exact'} ${Buffer.from(pat.bytes).toString('hex')}`;
    try {
      let found = this.findList;
      if (!found || found.key !== key || found.generation !== generation) {
        const list = await findAll(store, pat, pass);
        found = this.findList = { key, generation, list };
      }
      const r = await step(store, pat, found.list, p.from, p.direction, pass);
      if (!r) return { status: 'none', generation };
      return { status: 'found', offset: r.offset, length: pat.bytes.length, index: r.index, count: found.list.offsets.length, complete: found.list.complete, wrapped: r.wrapped, generation };
    } catch (e) {
      if (e instanceof FindCancelled) return { status: 'cancelled', changed: change.aborted };
      // The file changed on disk under the bytes left there, or could not be read.
      if (e instanceof SourceChangedError) return { status: 'failed', error: e.message };
      if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') return { status: 'failed', error: `the image's file could not be read: ${e.message}` };
      throw e;
    }
  }

  // ---- save, revert, reload, backup ----

  /** A save to a file under way (a reload for the watcher's event of its rename waits for it). */
  private saving: Promise<number> | null = null;

  /** Write the bytes to `target`: a path atomically, else through its `write`. */
  async save(target: SaveTarget, hooks: AtomicWriteHooks = {}): Promise<void> {
    let seq = this.changeSeq;
    if (target.own && this.savesNothing) {
      // The bytes are the file's and the file has not changed since: there is nothing to write.
      this.savedSeq = seq;
      this.lastSaveAt = performance.now();
      return;
    }
    if ('path' in target) {
      const saving = this.writeState(target.path, hooks);
      this.saving = saving;
      try {
        seq = await saving;
      } finally {
        if (this.saving === saving) this.saving = null;
      }
    } else {
      await target.write(this.store.read(0, this.store.length));
    }
    if (target.own) {
      this.savedSeq = seq;
      this.lastSaveAt = performance.now();
      this.diffValid = true;
      this.diff?.reset();
      this.diskStamp = this.filePath !== null ? stampOf(this.filePath) : null;
    }
  }

  /**
   * Write the current bytes to `path` off the event loop (a MiB at a time on the thread pool): a host
   * may save a second after each edit (auto-save), and a synchronous write of a large image would hold
   * up every extension for as long. An edit while it is written starts it again with the new bytes,
   * so the file always ends as one state of the content; when edits keep coming, the third try writes
   * synchronously. Resolves to the changeSeq of the state written, which is still the current one
   * (the caller's continuation runs in the same tick).
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
        if (writeAborted(e)) continue;
        throw e;
      }
      if (unchanged()) return seq;
    }
  }

  /** A copy of `length` bytes at `offset` (what a sparse store left on disk included), clamped to the content. */
  read(offset: number, length: number): Uint8Array {
    const o = Math.max(0, Math.min(offset, this.store.length));
    return this.store.read(o, Math.max(0, Math.min(length, this.store.length - o)));
  }

  /** The whole content, for a write through a non-local file system. */
  content(): Uint8Array {
    return this.store.read(0, this.store.length);
  }

  /** Back to the file on disk (`store`, read again); earlier edits can no longer be undone or redone. */
  revert(store: ByteStore): void {
    this.epoch++;
    this.changeSeq = this.savedSeq = 0;
    this.diffValid = true;
    this.replaceStore(store);
  }

  private setDiskNote(note: string | null): void {
    if (note === this.diskNote) return;
    this.diskNote = note;
    this.diskChanged.fire(note);
  }

  /** The file changed on disk (a watcher says so): read it again with `read`. Never drops unsaved changes. */
  async reload(read: () => Promise<ByteStore>): Promise<void> {
    // Our own save's rename: judged once the save has set the file's new stamp.
    if (this.saving) await this.saving.catch(() => undefined);
    // Still reading: compared once the read is in (asking for the bytes now would read the whole
    // file again on the event loop, past the load's Cancel). A load that failed or was cancelled has
    // nothing to compare.
    if (!this.loadedStore && this.loading) {
      const ok = await this.load().then(
        () => true,
        () => false,
      );
      if (!ok) return;
    }
    if (this.filePath !== null && !existsSync(this.filePath)) {
      const edits = this.hasUnsavedChanges ? ' with your unsaved edits' : '';
      this.setDiskNote(`The file was deleted on disk. Shown: its content as last read${edits}; Save writes it back.`);
      return;
    }
    if (this.hasUnsavedChanges) {
      // The person's edits win; Save overwrites, Revert reloads.
      if (this.filePath !== null && this.diskStamp && !sameStamp(this.diskStamp, this.filePath) && performance.now() - this.lastSaveAt >= 2000) {
        this.setDiskNote('The file changed on disk since it was read. Shown: your unsaved edits of the content as read; Save overwrites the file, Revert loads it.');
      }
      return;
    }
    if (performance.now() - this.lastSaveAt < 2000) return; // our own save
    let store: ByteStore;
    try {
      store = await read();
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
    this.marks.reload = performance.now();
    this.diskNote = null; // goes with the init the reload sends
    if (this.loadedStore !== store) this.loadedStore?.dispose();
    this.loadedStore = store;
    this.loading = null;
    this.diff = null;
    this.bytesChanged();
    this.diskStamp = store.stamp;
    this.setModel(new CkptModel(store.view, this.fileName, this.modelOptions));
    this._generation++;
    this.lastCause = 'reload';
    this.fireChanged('reload');
  }

  /**
   * Hot exit: the current bytes, written to `path` off the event loop, given up (WriteAborted inside
   * a SaveError) when an edit comes meanwhile or `cancelled` says so: the host asks again after it.
   */
  async backupTo(path: string, cancelled: () => boolean): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    const store = this.store;
    const generation = this._generation;
    await writeFileAtomicAsync(path, (fh) => store.writeToAsync(fh, () => this._generation === generation && this.loadedStore === store && !cancelled()));
  }

  // ---- the views ----

  attach(view: SessionView): void {
    this.views.add(view);
  }
  detach(view: SessionView): void {
    this.views.delete(view);
  }

  /** The diagnostics changed since the views were last sent them (compared by what they show, once per list). */
  private diagnosticsChanged(): boolean {
    const list = this.model.diagnostics;
    if (this.sent?.list === list) return false;
    const key = diagnosticsKey(list);
    const changed = key !== this.sent?.key;
    this.sent = { list, key };
    return changed;
  }

  private fireChanged(cause: 'edit' | 'reload'): void {
    const diagnosticsChanged = this.diagnosticsChanged() || cause === 'reload';
    // After an edit only what changed: the summary, the diagnostics when they differ, the records and bytes touched.
    for (const v of this.views) {
      if (cause === 'edit') v.sendUpdate(diagnosticsChanged);
      else v.sendInit();
    }
    this.changed.fire({ cause, diagnosticsChanged });
  }

  /** Build the first init ahead, while the webview still loads (used by its first sendInit). */
  prepareInit(): void {
    if (!this.prepared && this.loaded) this.prepared = { generation: this._generation, data: this.buildInit() };
  }

  /** The init a view is sent: the summary, the diagnostics and the answers to the first screen's requests. */
  initData(): InitData {
    const p = this.prepared;
    this.prepared = null;
    const data = p && p.generation === this._generation && p.data.cause === this.lastCause ? p.data : this.buildInit();
    data.timings.init = performance.now() - this.marks.open;
    this.marks.init ??= performance.now();
    return data;
  }

  private buildInit(): InitData {
    const m = this.marks;
    const timings: Record<string, number> = {};
    for (const k of ['read', 'model', 'resolve']) if (m[k] !== undefined) timings[k] = m[k] - m.open;
    const model = this.model;
    const data = model.init(this._generation, timings, this.lastCause);
    data.diskNote = this.diskNote;
    if (!this.sent) this.sent = { list: model.diagnostics, key: diagnosticsKey(model.diagnostics) };
    // The first screen's requests, answered now (saves a round trip each through the host).
    data.prefetched = [];
    for (const [name, params] of Object.entries(FIRST_REQUESTS) as [RequestName, never][]) {
      try {
        data.prefetched.push({ key: requestKey(name, params), result: model.handle(name, params) });
      } catch {
        // asked again by the webview, answered (or refused) then
      }
    }
    return data;
  }

  /** A view drew generation `generation`: warm the model for edits now, tell the host. */
  viewRendered(view: SessionView, generation: number): void {
    this.marks.rendered ??= performance.now();
    if (generation === this._generation && this.warmTimer !== undefined) this.warmSoon(20);
    this.rendered.fire({ view, generation });
  }

  /** The diagnostics as the views show them (for a list held back from an update). */
  diagnosticViews(): DiagnosticView[] {
    return this.model.diagnosticViews();
  }

  private warmTimer: NodeJS.Timeout | undefined;
  /**
   * After the first render has had its turn: prepare the model for fast field edits. Run when a
   * view reports its render (viewRendered), else after `ms`.
   */
  private warmSoon(ms = 3000): void {
    clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      const t0 = performance.now();
      this.loadedModel?.warm();
      this.marks.warmMs = performance.now() - t0;
    }, ms);
  }

  dispose(): void {
    clearTimeout(this.warmTimer);
    void this.indexWorker?.terminate();
    this.indexWorker = null;
    this.contentChange.abort('disposed');
    this.loadedStore?.dispose();
    if (this.loading)
      void this.loading.read.then(
        (s) => s.dispose(),
        () => undefined,
      );
    for (const e of [this.changed, this.diskChanged, this.edited, this.rendered]) e.clear();
  }
}

/** A write (a backup, a save's try) given up because the content changed meanwhile. */
export function writeAborted(e: unknown): boolean {
  return e instanceof SaveError && e.cause instanceof WriteAborted;
}

/** Identity of a diagnostics list as the views show it: equal keys, nothing to resend. */
export function diagnosticsKey(ds: readonly { severity: string; code: string; message: string; offset: number; length: number; field: string; record?: number }[]): string {
  let s = '';
  for (const d of ds) s += `${d.severity}\u0000${d.code}\u0000${d.offset}\u0000${d.length}\u0000${d.field}\u0000${d.record ?? ''}\u0000${d.message}\n`;
  return s;
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
