// The one message protocol between the extension host (the model) and the webview (a view of it).
// Imported by src/extension/ and media/; no runtime dependency on either side (types + tiny helpers).
//
// Handshake: the webview posts `ready` (with the panel it shows first); the host answers `init`
// (summary, counts, diagnostics — or, unless that panel is Problems, a `diagnostics` message with
// them once the webview reports its first screen drawn).
// Data comes on demand through `request` → `response` pairs keyed by id (hex rows as ArrayBuffer,
// tree children, pty pairs, …). The host pushes `reveal` (go to an offset / record) and `reload`
// (the file changed on disk: a new `init`); after an edit, `update` says what changed. The webview reports `selection` changes and `rendered`.

// The validator's diagnostic crosses to the webview as it is (types only: nothing of the parser is
// bundled into the webview by this import).
import type { Diagnostic, Severity } from '../parser/model.js';
import type { Repair, RepairChoice } from '../parser/repair/types.js';
export type { Repair, RepairChoice, Severity };
/** A diagnostic, with the repair its bytes determine when there is one (src/parser/repair/). */
export type DiagnosticView = Diagnostic & { repair?: Repair };

/**
 * An answer sent ahead of its request. With `fill`, the answer is a page whose unchanged entries
 * (those of records the edit did not touch) are null in its `fill` array: the webview takes them
 * from its own answer to the same request at generation `base`, and asks the host when it has none.
 */
export interface Prefetched {
  key: string;
  result: unknown;
  fill?: 'pairs' | 'items';
  base?: number;
}

/**
 * A prefetched answer made whole: a `fill` page's null entries taken from `last`, the receiver's own
 * answer to the same request at generation `base` (pass undefined when it has none of that
 * generation). Null when it cannot be made whole: then the request goes to the host.
 */
export function filledPage(p: Prefetched, last: unknown): unknown {
  if (!p.fill) return p.result;
  const mine = last && typeof last === 'object' ? (last as Record<string, unknown>)[p.fill] : undefined;
  const theirs = p.result && typeof p.result === 'object' ? (p.result as Record<string, unknown>)[p.fill] : undefined;
  if (!Array.isArray(mine) || !Array.isArray(theirs) || mine.length !== theirs.length) return null;
  return { ...(p.result as object), [p.fill]: theirs.map((x: unknown, k) => x ?? mine[k]) };
}

export interface InitData {
  /** Bumped on every reload, so stale responses can be told apart. */
  generation: number;
  fileName: string;
  size: number;
  littleEndian: boolean;
  archId: number;
  archName: string | null;
  /** False when the image is not v18 or its byte order is unknown (records are only framed). */
  decoded: boolean;
  recordCount: number;
  /** Full model (terminal, line discipline, graph, full validation) available. */
  modelBuilt: boolean;
  /** Why the full model is absent, when it is. */
  modelNote: string | null;
  pairCount: number;
  ldiscCount: number;
  graphNodes: number;
  graphEdges: number;
  diagnostics: DiagnosticView[];
  diagnosticsTotal: number;
  counts: { error: number; warning: number; info: number };
  /**
   * Which checks `counts` come from: the full validation, only the framing checks (above
   * fullModelMaxTtys), or none (not a Linux-CR image).
   */
  checked: 'full' | 'framing' | 'none';
  /** What happened to the file on disk that the content shown does not reflect (deleted, changed under unsaved edits), or null. */
  diskNote: string | null;
  /** Host-side timings in ms since the document was opened. */
  timings: Record<string, number>;
  /** Values can be edited (a decoded v18 image with the full model). */
  editable: boolean;
  /** Why this init was sent: first open, an edit/undo/redo, a reload from disk or a revert. */
  cause: 'open' | 'edit' | 'reload';
  /** Answers to the requests the first screen makes (FIRST_REQUESTS), keyed by requestKey: no round trip for them. */
  prefetched?: Prefetched[];
  /**
   * True when `diagnostics` is left empty here and the list follows in a `diagnostics` message once
   * the first screen is drawn (it is most of an init's size; only the Problems panel shows it).
   */
  diagnosticsFollow?: boolean;
}

/** Where a field's value came from, as a capture's sidecar says. */
export interface ProvenanceLabel {
  kind: 'exact' | 'derived' | 'assumed' | 'lost';
  reason: string;
}

/**
 * A provenance sidecar as the editor shows it: labels by edit path (`ttys[1].termios.c_cc[0]`) when
 * it matched the image as opened ('ok', or 'edited' once the content changed since: the labels are
 * then of the image as captured), none and a notice saying why when it was ignored.
 */
export interface ProvenanceView {
  state: 'ok' | 'edited' | 'stale' | 'invalid';
  notice: string | null;
  labels: Record<string, ProvenanceLabel>;
}

/** The requests the webview makes for its first screen (tree root, first hex chunk, first page of pairs and line disciplines). */
export const FIRST_REQUESTS: { [K in RequestName]?: Requests[K]['params'] } = {
  children: { id: 'root', start: 0 },
  rows: { offset: 0, length: 4096 },
  pairs: { start: 0, count: 4 },
  ldiscs: { start: 0, count: 4 },
};
export function requestKey(name: string, params: unknown): string {
  return `${name} ${JSON.stringify(params)}`;
}

/** What the panels need of an init or update (everything but the diagnostics list). */
export type InitSummary = Omit<InitData, 'diagnostics'>;

/** A byte range of the file. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * After an edit (undo, redo): what changed, so the webview patches the panels in place instead of
 * reloading them. Everything of InitData but the diagnostics, which come only when they changed.
 */
export interface UpdateData extends Omit<InitData, 'diagnostics' | 'cause'> {
  cause: 'edit';
  /** The new list (as in InitData), or null when it is the same as the last one sent. */
  diagnostics: DiagnosticView[] | null;
  /** Records whose values changed (views showing them reload), or null: anything may have changed. */
  records: number[] | null;
  /** Byte ranges rewritten in place, or null: lengths changed, any byte may have moved. */
  ranges: ByteRange[] | null;
}

/** A node of the Structure tree. */
export interface TreeNode {
  id: string;
  kind: 'group' | 'record' | 'field' | 'page';
  label: string;
  /** One-line summary. */
  detail: string;
  offset: number;
  length: number;
  hasChildren: boolean;
  record?: number;
  /** Field path inside the record (`termios.c_cc[2]`), for field nodes. */
  path?: string;
  /** Damage or diagnostics attached to this node. */
  severity?: Severity;
  /** For `page` nodes: where the next/previous page starts. */
  pageStart?: number;
}

/** A place in the file a person selected: a field, a record, or a byte range. */
export interface Selection {
  offset: number;
  length: number;
  record?: number;
  path?: string;
  label?: string;
}

/** The innermost decoded thing that holds a byte. */
export interface FieldHit extends Selection {
  record: number;
  /** Tree ids from the root to the node, for expanding the Structure tree. */
  treePath: string[];
  /** Page start to request for each node of treePath (children window), aligned with treePath. */
  pageStarts: number[];
}

export interface FieldCell {
  name: string;
  /** Human form: flag names, ^C, decimal. */
  text: string;
  /** Raw form: octal for termios flags, hex for tty flags, decimal otherwise. */
  raw: string;
  offset: number;
  size: number;
  /** Differs between master and slave. */
  differs?: boolean;
  /** Per-bit names for flag fields (set ones). */
  flags?: string[];
  title?: string;
  /** Edit path (`ttys[1].termios.c_lflag`) when the value is editable. */
  path?: string;
  /** The control that fits: a number, a control character (^C), or flag bits. */
  control?: 'number' | 'cc' | 'flags';
  /** The value as the edit control shows it (decimal, or ^C / DEL / undef for control characters). */
  value?: string;
  /** For `flags`: every single bit (checkbox) and multi-bit field (choice), with its edit path. */
  bits?: BitControl[];
}

/**
 * A bit of a flags cell. Its edit path is the cell's path and its name (`ttys[1].termios.c_lflag` +
 * `ECHO`) and its description is in src/parser/names.ts: neither is sent (they were most of a pair
 * view's size, and an edit of a shown pair sends its view again).
 */
export interface BitControl {
  name: string;
  /** Single bit: set or not. */
  set?: boolean;
  /** Multi-bit field (CSIZE, NLDLY…): the value names and the current one. */
  options?: string[];
  current?: string;
}

export interface TtyView {
  record: number;
  offset: number;
  role: string;
  objref: number | null;
  index: number;
  device: string;
  cells: FieldCell[];
}

export interface PairView {
  /** Label such as `/dev/pts/7`. */
  title: string;
  master: TtyView | null;
  slave: TtyView | null;
}

export interface LineView {
  /** Text with C escapes (escapeBytes). */
  text: string;
  /** Complete (ends with a line end per read_flags) or the partial line. */
  complete: boolean;
  offset: number;
  length: number;
}

export interface LdiscView {
  title: string;
  ttyRecord: number;
  record: number;
  offset: number;
  icanon: boolean;
  cells: FieldCell[];
  /** State bits that are set (stopped, packet, …). */
  bitsSet: string[];
  bitsAll: { name: string; value: number; offset: number; path?: string }[];
  /** Edit path of the pending input (`ttys[1].ldisc.data`), when editable. */
  dataPath?: string;
  /** The whole pending input with C escapes (what the text editor shows) and as hex. */
  dataText: string;
  dataHex: string;
  lines: LineView[];
  /** Line-end positions recovered from read_flags (payload offsets). */
  lineEnds: number[];
  readTail: number | null;
  bufferOffset: number | null;
  bufferLength: number;
  /** hexy output of the pending buffer. */
  hexdump: string;
}

export interface GraphNodeView {
  id: string;
  kind: string;
  label: string;
  record: number;
  objref: number | null;
}
export interface GraphEdgeView {
  from: string;
  to: string;
  label: string;
  offset: number;
  dangling: boolean;
}
export interface GraphView {
  nodes: GraphNodeView[];
  edges: GraphEdgeView[];
  totalNodes: number;
  totalEdges: number;
  /** Set when only part of the graph is shown. */
  note: string | null;
}

/** Requests from the webview, with their parameters and results. */
export interface Requests {
  rows: { params: { offset: number; length: number }; result: { offset: number; data: ArrayBuffer } };
  children: { params: { id: string; start: number }; result: { nodes: TreeNode[]; total: number; start: number } };
  fieldAt: { params: { offset: number }; result: FieldHit | null };
  locateRecord: { params: { record: number }; result: FieldHit | null };
  pairs: { params: { start: number; count: number }; result: { pairs: PairView[]; total: number } };
  ldiscs: { params: { start: number; count: number }; result: { items: LdiscView[]; total: number } };
  graph: { params: { focusRecord: number | null }; result: GraphView };
  /** Change a value by path (src/parser/edit-paths.ts); the host computes the bytes. */
  edit: { params: { path: string; value: string }; result: EditOutcome };
  /** Apply choice `choice` of the repair of the diagnostic `code` at `offset`, as one undoable edit. */
  repair: { params: { code: string; offset: number; choice: number }; result: EditOutcome };
  /** Apply every unambiguous repair (ckpt-inspect fix), as one undoable edit. */
  fixAll: { params: { generation: number }; result: EditOutcome & { applied: number; ambiguous: number } };
  /** Find bytes (hex) or text in the whole image (src/editor/find.ts); progress comes as `findProgress`, a `findCancel` stops it. */
  find: { params: FindParams; result: FindResult };
}

/** A find request: the query, where to look from and which way. */
export interface FindParams {
  /** The webview's number for this search (its progress and its cancel name it). */
  search: number;
  query: string;
  mode: 'hex' | 'text';
  /** Text only: letters match in their case only. */
  matchCase: boolean;
  /** Next: the first match starting at or after this offset; previous: the last starting before it. */
  from: number;
  direction: 'next' | 'previous';
}

/**
 * A find's answer. `index` is the match's place (0-based) among the `count` matches of the first pass;
 * null when it lies past them (`complete` false: the first pass stopped at `count`).
 */
export type FindResult =
  | { status: 'found'; offset: number; length: number; index: number | null; count: number; complete: boolean; wrapped: boolean; generation: number }
  | { status: 'none'; generation: number }
  /** The query names no bytes (odd hex digits, a stray character…); `error` says what and where. */
  | { status: 'invalid'; error: string }
  /** Stopped: by a `findCancel`, by a newer search, or because the image changed meanwhile (`changed`). */
  | { status: 'cancelled'; changed: boolean }
  /** The bytes could not be read (the file changed on disk under the parts left there). */
  | { status: 'failed'; error: string };

export interface EditOutcome {
  /** False when the value was already that (nothing changed, no undo step). */
  changed: boolean;
  description: string;
  note?: string;
  /** Generation of the model after the edit. */
  generation: number;
  /** Errors in the image after the edit (it is allowed; saving asks). */
  errors: number;
}
export type RequestName = keyof Requests;

export type FromWebview =
  /** `panel`: the panel the webview shows first (its saved state), when it knows. */
  | { type: 'ready'; panel?: PanelId }
  | { type: 'request'; id: number; name: RequestName; params: unknown }
  | { type: 'selection'; selection: Selection | null }
  | {
      type: 'rendered';
      generation: number;
      phase: 'first' | 'panel';
      panel: string;
      ms: number;
      phases?: Record<string, number>;
      /** Wall-clock ms (performance.timeOrigin + now, sub-ms) when the update arrived and when its frame had been painted. */
      receivedAt?: number;
      paintedAt?: number;
    }
  | { type: 'panel'; panel: PanelId }
  /** Stop the find request of this `search` number. */
  | { type: 'findCancel'; search: number }
  /** Ctrl+C in the Hex panel: the selection's bytes as hex text to the clipboard. */
  | { type: 'copy' }
  | { type: 'error'; message: string };

export type ToWebview =
  | { type: 'init'; data: InitData }
  | { type: 'update'; data: UpdateData }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  /** `at`: the byte to put the hex caret on (Go to Offset), when not the field's first. */
  | { type: 'reveal'; hit: FieldHit; panel?: PanelId; at?: number }
  | { type: 'showPanel'; panel: PanelId }
  /** The diagnostics an init of this generation left out (InitData.diagnosticsFollow). */
  | { type: 'diagnostics'; generation: number; diagnostics: DiagnosticView[] }
  /** The file on disk changed in a way the content shown does not follow (InitData.diskNote). */
  | { type: 'disk'; note: string | null }
  /** A find still under way: `done` of `total` bytes searched. */
  | { type: 'findProgress'; search: number; done: number; total: number }
  /**
   * The capture's provenance sidecar beside the image (src/editor/provenance.ts), null when there is
   * none: its own message after an init or update, so that the sidecar's read never delays the first screen.
   */
  | { type: 'provenance'; provenance: ProvenanceView | null };

export const PANELS = ['terminal', 'ldisc', 'graph', 'problems'] as const;

// ---- Message validation: each side accepts only messages of these types with well-formed fields. ----

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 1 << 20): v is string => typeof v === 'string' && v.length <= max;
const isPanel = (v: unknown): v is PanelId => typeof v === 'string' && (PANELS as readonly string[]).includes(v);
const REQUEST_NAMES: readonly RequestName[] = ['rows', 'children', 'fieldAt', 'locateRecord', 'pairs', 'ldiscs', 'graph', 'edit', 'repair', 'fixAll', 'find'];
/** Longest find query accepted (src/editor/find.ts says what it holds). */
export const MAX_FIND_QUERY = 8192;
/** Longest edit value accepted (hex of a 4096-byte buffer with spaces, or escapes). */
export const MAX_EDIT_VALUE = 64 * 1024;

function isSelection(v: unknown): v is Selection {
  return isObj(v) && isInt(v.offset) && isInt(v.length) && (v.record === undefined || isInt(v.record)) && (v.path === undefined || isStr(v.path, 1000)) && (v.label === undefined || isStr(v.label, 1000));
}
const PROVENANCE_STATES: readonly string[] = ['ok', 'edited', 'stale', 'invalid'];
const PROVENANCE_KINDS: readonly string[] = ['exact', 'derived', 'assumed', 'lost'];
function isProvenance(v: unknown): v is ProvenanceView {
  if (!isObj(v) || !PROVENANCE_STATES.includes(v.state as string) || !(v.notice === null || isStr(v.notice, 4096)) || !isObj(v.labels)) return false;
  return Object.values(v.labels).every((l) => isObj(l) && PROVENANCE_KINDS.includes(l.kind as string) && isStr(l.reason, 8192));
}
function isHit(v: unknown): v is FieldHit {
  if (!isSelection(v)) return false;
  const o = v as unknown as Obj;
  return isInt(o.record) && Array.isArray(o.treePath) && o.treePath.every((x) => isStr(x, 1000)) && Array.isArray(o.pageStarts) && o.pageStarts.every(isInt);
}

/** Answers sent ahead (init, update): absent, or a list of keyed results. */
function isPrefetched(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.every((p) => isObj(p) && isStr(p.key, 1000) && (p.fill === undefined || ((p.fill === 'pairs' || p.fill === 'items') && isInt(p.base)))));
}

/** The host's message as the webview accepts it, or null (unknown type or malformed fields). */
export function checkToWebview(m: unknown): ToWebview | null {
  if (!isObj(m)) return null;
  switch (m.type) {
    case 'init':
      if (isObj(m.data) && !isPrefetched(m.data.prefetched)) return null;
      return isObj(m.data) && isInt(m.data.generation) && isInt(m.data.size) && isStr(m.data.fileName, 4096) && Array.isArray(m.data.diagnostics) ? (m as ToWebview) : null;
    case 'update': {
      const d = m.data;
      if (!isObj(d) || !isInt(d.generation) || !isInt(d.size) || !isStr(d.fileName, 4096) || !isObj(d.counts) || !isPrefetched(d.prefetched)) return null;
      if (d.diagnostics !== null && !Array.isArray(d.diagnostics)) return null;
      if (d.records !== null && !(Array.isArray(d.records) && d.records.every(isInt))) return null;
      if (d.ranges !== null && !(Array.isArray(d.ranges) && d.ranges.every((r) => isObj(r) && isInt(r.offset) && isInt(r.length)))) return null;
      return m as ToWebview;
    }
    case 'response':
      if (!isInt(m.id)) return null;
      if (m.ok === true) return m as ToWebview;
      return m.ok === false && isStr(m.error) ? (m as ToWebview) : null;
    case 'reveal':
      return isHit(m.hit) && (m.panel === undefined || isPanel(m.panel)) && (m.at === undefined || isInt(m.at)) ? (m as ToWebview) : null;
    case 'showPanel':
      return isPanel(m.panel) ? (m as ToWebview) : null;
    case 'diagnostics':
      return isInt(m.generation) && Array.isArray(m.diagnostics) ? (m as ToWebview) : null;
    case 'disk':
      return m.note === null || isStr(m.note, 4096) ? (m as ToWebview) : null;
    case 'findProgress':
      return isInt(m.search) && isInt(m.done) && isInt(m.total) ? (m as ToWebview) : null;
    case 'provenance':
      return m.provenance === null || isProvenance(m.provenance) ? (m as ToWebview) : null;
    default:
      return null;
  }
}

/** The webview's message as the host accepts it, or null. */
export function checkFromWebview(m: unknown): FromWebview | null {
  if (!isObj(m)) return null;
  switch (m.type) {
    case 'ready':
      return isPanel(m.panel) ? { type: 'ready', panel: m.panel } : { type: 'ready' };
    case 'request': {
      if (!isInt(m.id) || !REQUEST_NAMES.includes(m.name as RequestName) || !isObj(m.params)) return null;
      const p = m.params;
      const ok: Record<RequestName, () => boolean> = {
        rows: () => isInt(p.offset) && isInt(p.length),
        children: () => isStr(p.id, 1000) && isInt(p.start),
        fieldAt: () => isInt(p.offset),
        locateRecord: () => isInt(p.record),
        pairs: () => isInt(p.start) && isInt(p.count),
        ldiscs: () => isInt(p.start) && isInt(p.count),
        graph: () => p.focusRecord === null || isInt(p.focusRecord),
        edit: () => isStr(p.path, 200) && isStr(p.value, MAX_EDIT_VALUE),
        repair: () => isStr(p.code, 64) && isInt(p.offset) && isInt(p.choice),
        fixAll: () => isInt(p.generation),
        find: () => isInt(p.search) && isStr(p.query, MAX_FIND_QUERY) && (p.mode === 'hex' || p.mode === 'text') && typeof p.matchCase === 'boolean' && isInt(p.from) && (p.direction === 'next' || p.direction === 'previous'),
      };
      return ok[m.name as RequestName]() ? (m as FromWebview) : null;
    }
    case 'selection':
      return m.selection === null || isSelection(m.selection) ? (m as FromWebview) : null;
    case 'rendered':
      return isInt(m.generation) && (m.phase === 'first' || m.phase === 'panel') && isStr(m.panel, 100) && isNum(m.ms) && (m.receivedAt === undefined || isNum(m.receivedAt)) && (m.paintedAt === undefined || isNum(m.paintedAt))
        ? (m as FromWebview)
        : null;
    case 'panel':
      return isPanel(m.panel) ? (m as FromWebview) : null;
    case 'findCancel':
      return isInt(m.search) ? (m as FromWebview) : null;
    case 'copy':
      return { type: 'copy' };
    case 'error':
      return isStr(m.message, 10000) ? (m as FromWebview) : null;
    default:
      return null;
  }
}
export type PanelId = (typeof PANELS)[number];

/** Rows of the hex view. */
export const HEX_BYTES_PER_ROW = 16;
/** Children returned per tree request. */
export const TREE_PAGE = 200;

export function hexOffset(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Parse an offset as a person types it: `1234`, `0x4d2`, `4d2h`. */
export function parseOffset(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^[0-9a-f]+h$/i.test(t)) v = parseInt(t.slice(0, -1), 16);
  else if (/^[0-9]+$/.test(t)) v = parseInt(t, 10);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}
