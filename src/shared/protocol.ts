// The one message protocol between the extension host (the model) and the webview (a view of it).
// Imported by src/extension/ and media/; no runtime dependency on either side (types + tiny helpers).
//
// Handshake: the webview posts `ready`; the host answers `init` (summary, counts, diagnostics).
// Data comes on demand through `request` → `response` pairs keyed by id (hex rows as ArrayBuffer,
// tree children, pty pairs, …). The host pushes `reveal` (go to an offset / record) and `reload`
// (the file changed on disk: a new `init`). The webview reports `selection` changes and `rendered`.

export type Severity = 'error' | 'warning' | 'info';

export interface DiagnosticView {
  severity: Severity;
  code: string;
  message: string;
  offset: number;
  length: number;
  field: string;
  record?: number;
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
  /** Host-side timings in ms since the document was opened. */
  timings: Record<string, number>;
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
  bitsAll: { name: string; value: number; offset: number }[];
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
}
export type RequestName = keyof Requests;

export type FromWebview =
  | { type: 'ready' }
  | { type: 'request'; id: number; name: RequestName; params: unknown }
  | { type: 'selection'; selection: Selection | null }
  | { type: 'rendered'; generation: number; phase: 'first' | 'panel'; panel: string; ms: number; phases?: Record<string, number> }
  | { type: 'panel'; panel: PanelId }
  | { type: 'error'; message: string };

export type ToWebview =
  | { type: 'init'; data: InitData }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'reveal'; hit: FieldHit; panel?: PanelId }
  | { type: 'showPanel'; panel: PanelId };

export const PANELS = ['terminal', 'ldisc', 'graph', 'problems'] as const;
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
