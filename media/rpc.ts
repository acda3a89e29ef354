// The webview end of src/shared/protocol.ts: typed requests with promises, host events to listeners.
import { checkToWebview, type FieldHit, filledPage, requestKey, type FromWebview, type PanelId, type Prefetched, type RequestName, type Requests, type Selection, type ToWebview } from '../src/shared/protocol.js';

interface VsCodeApi {
  postMessage(msg: FromWebview): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();

let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
type Listener = (msg: ToWebview) => void;
const listeners: Listener[] = [];

export function post(msg: FromWebview): void {
  vscode.postMessage(msg);
}

/** Answers the host sent with init, each used once (until the first screen is drawn). */
const prefetched = new Map<string, unknown>();
/** The last answer to each page request (pty pairs, line disciplines) and the generation it is of. */
const lastPages = new Map<string, { generation: number; result: unknown }>();
const PAGED: ReadonlySet<string> = new Set(['pairs', 'ldiscs']);
let generationNow = 0;

export function setPrefetched(list: Prefetched[] | undefined, generation = generationNow): void {
  generationNow = generation;
  prefetched.clear();
  for (const p of list ?? []) {
    if (!p.fill) {
      prefetched.set(p.key, p.result);
      continue;
    }
    // A page with only its changed entries: the rest from our answer of the generation before.
    const last = lastPages.get(p.key);
    const whole = filledPage(p, last && last.generation === p.base ? last.result : undefined);
    if (whole !== null) prefetched.set(p.key, whole); // else the panel asks the host
  }
}

function remember(name: RequestName, key: string, result: unknown): void {
  if (PAGED.has(name)) lastPages.set(key, { generation: generationNow, result });
}

export function request<K extends RequestName>(name: K, params: Requests[K]['params']): Promise<Requests[K]['result']> {
  const key = requestKey(name, params);
  if (prefetched.has(key)) {
    const r = prefetched.get(key) as Requests[K]['result'];
    prefetched.delete(key);
    remember(name, key, r);
    return Promise.resolve(r);
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    // The host answers in order with its updates: the generation current when the answer arrives is the one it is of.
    pending.set(id, { resolve: (v: unknown) => (remember(name, key, v), (resolve as (v: unknown) => void)(v)), reject });
    post({ type: 'request', id, name, params });
  });
}

export function onHost(l: Listener): void {
  listeners.push(l);
}

/** Messages dropped because they are not of the protocol's types (or malformed), for the tests. */
export let rejected = 0;

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const msg = checkToWebview(ev.data);
  if (!msg) {
    rejected++;
    document.body.dataset.rejectedMessages = String(rejected);
    return;
  }
  if (msg.type === 'response') {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error));
    return;
  }
  for (const l of listeners) l(msg);
});

/**
 * What the webview keeps across its own restarts (VS Code drops a hidden webview's page: a tab
 * switch reloads it), through VS Code's webview state: the panel shown, the selection, the hex
 * view's caret and first row, the Structure tree's open nodes and scroll position.
 */
export interface SavedState {
  panel?: PanelId;
  selection?: Selection | null;
  /** The selection's place in the tree, when it has one. */
  hit?: FieldHit | null;
  hex?: { caret: number; firstRow: number };
  tree?: { open: { id: string; page: number }[]; top: number };
}
/**
 * The state the last run of this webview left, as it was when this page started. The panels save
 * their own state from their first paint on, so a restore must read this, not the current state.
 */
const initial: Readonly<SavedState> = Object.freeze((vscode.getState() as SavedState | undefined) ?? {});
let state: SavedState = { ...initial };
export function saved(): Readonly<SavedState> {
  return initial;
}
export function save(patch: SavedState): void {
  state = { ...state, ...patch };
  vscode.setState(state);
}

/** `save`, at most once per `ms` for a key (scrolling saves a position per frame). */
const later = new Map<string, ReturnType<typeof setTimeout>>();
/** How many throttled saves are still to run (a test waits for 0 before it drops the page). */
function showPending(): void {
  document.body.dataset.savesPending = String(later.size);
}
export function saveSoon(key: string, patch: () => SavedState, ms = 150): void {
  if (later.has(key)) return;
  later.set(
    key,
    setTimeout(() => {
      later.delete(key);
      save(patch());
      showPending();
    }, ms),
  );
  showPending();
}
