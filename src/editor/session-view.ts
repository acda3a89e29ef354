// One webview showing an EditorSession: what it was sent, what it asked, what it drew. The policy of
// what goes to it: the init once it is ready, after an edit only what changed (session.ts), and the
// diagnostics list, the largest part of either, held back until its first screen is drawn unless
// the Problems panel is the one shown. Messages are checked by src/shared/protocol.ts before they
// get here.
import { EditError } from '../parser/edit-paths.js';
import type { DiagnosticView, EditOutcome, FieldHit, FindParams, FindResult, FromWebview, PanelId, RequestName, Requests, Selection, ToWebview } from '../shared/protocol.js';
import type { EditorSession } from './session.js';

/** A find still under way this long (ms) shows its progress and a Cancel; then every FIND_PROGRESS_EVERY ms. */
export const FIND_PROGRESS_AFTER = 300;
const FIND_PROGRESS_EVERY = 100;

/** A generation's first render as the webview reported it. */
export interface RenderAck {
  generation: number;
  /** performance.now() when the ack arrived. */
  at: number;
  /** The webview's own time from its script's start (or the update's arrival) to the render. */
  ms: number;
  phases?: Record<string, number>;
  /** When the webview got the update and had painted it (this process's performance.now() timeline, from the webview's wall clock). */
  received?: number;
  painted?: number;
}

export class SessionView {
  /** The webview said it is ready for its init. */
  ready = false;
  /** What the webview has selected (a record, field or bytes), kept for the host's commands. */
  selection: Selection | null = null;
  /** Each generation whose first render the webview reported. */
  readonly rendered: RenderAck[] = [];
  activePanel: PanelId | null = null;
  /** The panel the webview said it shows first (its `ready`). */
  firstPanel?: PanelId;
  /** Diagnostics an init or update left out, sent once that generation's first screen is drawn. */
  private held: { generation: number; list: DiagnosticView[] } | null = null;
  /** The find under way: one per view, a new one stops the last. */
  private finding: { search: number; abort: AbortController } | null = null;

  constructor(
    readonly session: EditorSession,
    readonly post: (msg: ToWebview) => void,
  ) {}

  private get problemsShown(): boolean {
    return (this.activePanel ?? this.firstPanel) === 'problems';
  }

  receive(msg: FromWebview): void {
    const s = this.session;
    switch (msg.type) {
      case 'ready':
        s.marks.ready ??= performance.now();
        this.ready = true;
        if (msg.panel) this.firstPanel = msg.panel;
        // The model may still be on its way (a failed read is reported where load() was started).
        // A new page has no provenance shown.
        this.provenanceSent = 'none';
        s.load().then(
          () => this.sendInit(),
          () => undefined,
        );
        break;
      case 'request':
        this.answer(msg.id, msg.name, msg.params);
        break;
      case 'selection':
        this.selection = msg.selection;
        break;
      case 'rendered':
        if (msg.phase === 'first') this.onFirstRender(msg);
        break;
      case 'panel':
        this.activePanel = msg.panel;
        break;
      case 'findCancel':
        if (this.finding?.search === msg.search) this.finding.abort.abort('cancelled');
        break;
      case 'error':
        console.error(`ckpt webview: ${msg.message}`);
        break;
    }
  }

  private onFirstRender(msg: Extract<FromWebview, { type: 'rendered' }>): void {
    this.rendered.push({
      generation: msg.generation,
      at: performance.now(),
      ms: msg.ms,
      ...(msg.phases ? { phases: msg.phases } : {}),
      ...(msg.receivedAt !== undefined ? { received: msg.receivedAt - performance.timeOrigin } : {}),
      ...(msg.paintedAt !== undefined ? { painted: msg.paintedAt - performance.timeOrigin } : {}),
    });
    this.session.viewRendered(this, msg.generation);
    const held = this.held;
    if (held && held.generation === msg.generation) {
      this.held = null;
      this.post({ type: 'diagnostics', generation: held.generation, diagnostics: held.list });
    }
  }

  /** The state of the provenance the webview was last sent ('none': no sidecar, as a new page assumes). */
  private provenanceSent: string = 'none';

  /**
   * The provenance sidecar's view, when it differs from what the webview was last sent. It follows
   * an init or update in its own message: the sidecar's read and check never hold back a render.
   */
  private sendProvenance(): void {
    if (!this.ready) return;
    const view = this.session.provenanceView();
    const state = view?.state ?? 'none';
    if (state === this.provenanceSent) return;
    this.provenanceSent = state;
    this.post({ type: 'provenance', provenance: view });
  }

  /** The whole state of the session, once the webview is ready. */
  sendInit(): void {
    if (!this.ready) return;
    this.sendInitData();
    this.session.provenanceReady.then(
      () => this.sendProvenance(),
      () => undefined,
    );
  }

  private sendInitData(): void {
    const data = this.session.initData();
    // Unless Problems is the first panel shown, its list follows the first screen.
    if (!this.problemsShown && data.diagnostics.length) {
      this.held = { generation: data.generation, list: data.diagnostics };
      this.post({ type: 'init', data: { ...data, diagnostics: [], diagnosticsFollow: true } });
    } else {
      this.held = null;
      this.post({ type: 'init', data });
    }
  }

  /** After an edit: what changed (the model answers ahead the requests it will make again). */
  sendUpdate(diagnosticsChanged: boolean): void {
    if (!this.ready) return;
    const s = this.session;
    const { records, ranges } = s.lastChange;
    // A list still held back from the init goes with the update (the webview has none yet).
    const withDiagnostics = diagnosticsChanged || this.held !== null;
    this.held = null;
    // As after an open: unless Problems is shown, a changed list follows the render ack (after a
    // pending-input edit every offset after it moves, and the list is most of the update).
    const shown = this.problemsShown;
    const data = s.model.update(s.generation, { update: performance.now() - s.marks.open }, withDiagnostics, records, ranges, shown);
    data.diskNote = s.diskNote;
    if (withDiagnostics && !shown) {
      this.held = { generation: s.generation, list: s.diagnosticViews() };
      data.diagnosticsFollow = true;
    }
    this.post({ type: 'update', data });
    this.sendProvenance();
  }

  /** Show `hit` (a command's Go to Offset, Reveal Objref) and take it as the selection. */
  reveal(hit: FieldHit, panel?: PanelId, at?: number): void {
    this.selection = hit;
    this.post({ type: 'reveal', hit, ...(panel ? { panel } : {}), ...(at !== undefined ? { at } : {}) });
  }

  /**
   * Answer a find when it is done; meanwhile, once it has taken FIND_PROGRESS_AFTER ms, say how far
   * it is (on a timer, so a pass that is slow to read says so too).
   */
  private async find(id: number, p: FindParams): Promise<void> {
    this.finding?.abort.abort('superseded');
    const mine = { search: p.search, abort: new AbortController() };
    this.finding = mine;
    let at = { done: 0, total: this.session.bytes.length };
    const tell = () => this.post({ type: 'findProgress', search: p.search, done: at.done, total: at.total });
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      tell();
      timer = setInterval(tell, FIND_PROGRESS_EVERY);
    }, FIND_PROGRESS_AFTER);
    let result: FindResult;
    try {
      result = await this.session.find(p, { signal: mine.abort.signal, progress: (done, total) => (at = { done, total }) });
    } catch (err) {
      this.post({ type: 'response', id, ok: false, error: `internal error: ${err instanceof Error ? err.message : String(err)}` });
      return;
    } finally {
      clearTimeout(timer);
      clearInterval(timer);
      if (this.finding === mine) this.finding = null;
    }
    this.post({ type: 'response', id, ok: true, result });
  }

  private answer(id: number, name: RequestName, params: unknown): void {
    const s = this.session;
    if (name === 'find') {
      void this.find(id, params as FindParams);
      return;
    }
    if (name === 'edit' || name === 'repair' || name === 'fixAll') {
      try {
        let result: EditOutcome;
        if (name === 'repair') {
          const p = params as Requests['repair']['params'];
          result = s.applyRepair(p.code, p.offset, p.choice);
        } else if (name === 'fixAll') result = s.fixAll();
        else {
          const p = params as Requests['edit']['params'];
          result = s.editOutcome(p.path, p.value);
        }
        this.post({ type: 'response', id, ok: true, result });
      } catch (err) {
        // EditError messages are for the person (shown inline); anything else is a bug, say so.
        const msg = err instanceof EditError || err instanceof RangeError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
        this.post({ type: 'response', id, ok: false, error: msg });
      }
      return;
    }
    try {
      const result = s.model.handle(name, params as Requests[typeof name]['params']);
      this.post({ type: 'response', id, ok: true, result });
    } catch (err) {
      this.post({ type: 'response', id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
