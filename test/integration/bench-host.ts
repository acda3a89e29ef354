// Extension-host side of bench/editor.mjs: open $CKPT_BENCH_FILE in the checkpoint editor, wait for
// the webview's first complete render, and write the editor's timings and the host's memory to
// $CKPT_BENCH_RESULT.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as vscode from 'vscode';

type Memory = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

/**
 * A full GC in this (the extension) host, so the memory figures are what stays, not garbage not yet
 * collected. The host is not started with --expose-gc; the flag set at run time exposes gc in a new context.
 */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
}

function memory(): Memory {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

interface Stats {
  generation?: number;
  renders?: { generation: number; ms: number; phases?: Record<string, number> }[];
  timings?: Record<string, number | null>;
  memory?: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  size?: number;
  modelBuilt?: boolean;
}

type Provider = import('../../src/extension/provider.js').CkptEditorProvider;

/**
 * Edit latency (issue 4): from the edit request to the webview's "rendered" ack of the new
 * generation (host apply + model patch/rebuild + re-validation, then the webview's re-render),
 * for field edits and pending-buffer edits on a tty in the middle of the image (the most bytes to
 * move) and pending-buffer edits on the first one.
 */
async function editLatency(): Promise<Record<string, unknown>[]> {
  const p = (await vscode.extensions.getExtension<{ provider: Provider }>('ckpt-inspector.ckpt-inspector')!.activate()).provider;
  const e = p.active!;
  const doc = e.document;
  const img = doc.model.img;
  if (!img) return [];
  const slaves = img.ttys.map((t, i) => ({ t, i })).filter((x) => x.t.role === 'slave');
  const n = slaves[Math.floor(slaves.length / 2)].i;
  // Also a tty near the start, where v18 puts a task's files and so its ttys: the byte store moves
  // the bytes before a pending-input edit when they are fewer. It comes after a pause, as the first
  // pending-input edit does (pages written earlier are cheap to write again for about a second).
  const early = slaves[0].i;
  const steps: [string, string, number?][] = [
    [`ttys[${n}].termios.c_lflag.ECHO`, '0'],
    [`ttys[${n}].winsize.ws_col`, '132'],
    [`ttys[${n}].termios.c_cc.VINTR`, '^X'],
    [`ttys[${n}].termios.c_lflag.ECHO`, '1'],
    [`ttys[${n}].ldisc.data`, 'make bench\\n'],
    [`ttys[${n}].ldisc.data`, 'make bench && ls\\n'],
    [`ttys[${early}].ldisc.data`, 'ls -l\\n', 1500],
    [`ttys[${early}].ldisc.data`, 'ls -la\\n'],
    // A field of a pair the Terminal panel shows (the first page): its table is drawn again.
    [`ttys[${early}].termios.c_lflag.ECHO`, '0'],
    [`ttys[${early}].winsize.ws_col`, '100'],
  ];
  const outs: Record<string, unknown>[] = [];
  // The host's garbage collections during each edit (a pause there is part of the edit's latency).
  const gcs: { start: number; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const x of list.getEntries()) gcs.push({ start: x.startTime, ms: x.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  for (const [path, value, pause] of steps) {
    if (pause) await new Promise((res) => setTimeout(res, pause));
    const t0 = performance.now();
    const r = p.edit(doc, path, value);
    const hostDone = performance.now();
    let render: { generation: number; at: number; ms: number; phases?: Record<string, number>; received?: number; painted?: number } | undefined;
    while (!(render = e.rendered.find((x) => x.generation === r.generation))) {
      if (performance.now() - t0 > 30000) throw new Error(`no render of ${path}`);
      await new Promise((res) => setTimeout(res, 2));
    }
    const t = doc.editTimings.at(-1)!;
    // webviewMs: the webview's own update → rendered time; webviewPhases: its panels' parts of it.
    const phases = Object.fromEntries(Object.entries(render.phases ?? {}).map(([k, v]) => [k, +v.toFixed(1)]));
    // The webview's own clock says when the update arrived and when its frame was painted (the ack
    // that ends toRenderedMs is one more trip back); a reading outside [t0, ack] would be clock skew.
    const onTimeline = (x: number | undefined) => (x !== undefined && x >= t0 && x <= render!.at + 1 ? +(x - t0).toFixed(1) : null);
    outs.push({ path, kind: /\.data$/.test(path) ? 'buffer' : 'field', model: t.model, toPaintedMs: onTimeline(render.painted), toReceivedMs: onTimeline(render.received), hostMs: +t.hostMs.toFixed(1), hostPhases: Object.fromEntries(Object.entries(t.phases).map(([k, v]) => [k, +v.toFixed(1)])), editCallMs: +(hostDone - t0).toFixed(1), toRenderedMs: +(render.at - t0).toFixed(1), webviewMs: +render.ms.toFixed(1), webviewPhases: phases, hostGcMs: gcs.filter((g) => g.start + g.ms >= t0 && g.start <= render.at).map((g) => +g.ms.toFixed(1)) });
    await new Promise((res) => setTimeout(res, 300));
  }
  obs.disconnect();
  {
    const b = new Uint8Array((64 << 20) + 4096);
    b.fill(1);
    const ms: number[] = [];
    for (let k = 0; k < 4; k++) {
      const t = performance.now();
      if (k % 2) b.copyWithin(32 << 20, (32 << 20) + 7, 64 << 20);
      else b.copyWithin((32 << 20) + 7, 32 << 20, 64 << 20);
      ms.push(+(performance.now() - t).toFixed(1));
    }
    outs.push({ memmove32MiBMs: ms });
    // The document's own memory (capacity beyond the content): 7 bytes forward into the spare room and back.
    const st = new Uint8Array(doc.bytes.buffer, doc.bytes.byteOffset);
    const len = doc.bytes.length;
    const ms2: number[] = [];
    for (let k = 0; k < 4; k++) {
      const t = performance.now();
      st.copyWithin((32 << 20) + 7, 32 << 20, len);
      st.copyWithin(32 << 20, (32 << 20) + 7, len + 7);
      ms2.push(+(performance.now() - t).toFixed(1));
    }
    outs.push({ storeMemmove2x32MiBMs: ms2, byteOffset: doc.bytes.byteOffset, cap: doc.bytes.buffer.byteLength, len });
  }
  outs.push({ warmMs: doc.marks.warmMs });
  return outs;
}

type Profile = { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[] };

/** A CPU profile of this host (node:inspector) while `fn` runs, sampled every `us` microseconds. */
async function profiled<T>(fn: () => Promise<T>, us = 1000): Promise<{ result: T; profile: Profile }> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  const post = (m: string, p: object = {}) => new Promise<unknown>((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  session.connect();
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: us });
    await post('Profiler.start');
    const result = await fn();
    const { profile } = (await post('Profiler.stop')) as { profile: Profile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/**
 * Where the event loop was busy, from a CPU profile: the longest run of samples without an idle
 * one between them (a stall, whoever ran), the functions most sampled in it (self time), and the
 * longest such run whose every sample has this extension's bundle (dist/extension.js) on its stack
 * (garbage collection inside it counted with it): the part of a stall that is our code. The
 * profiler's own calls count as idle. And the longest time between two samples.
 */
function busyRuns(profile: Profile, intervalMs: number): Record<string, unknown> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} (${f.url.split('/').pop() || 'native'}:${f.lineNumber + 1})`;
  };
  const ours = (id: number) => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) if (/\/dist\/extension\.js$/.test(byId.get(x)!.callFrame.url)) return true;
    return false;
  };
  const profiler = (id: number) => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) if (byId.get(x)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const kind = (id: number) => {
    const f = byId.get(id)!.callFrame.functionName;
    // The profiler's own start and stop are not part of what is measured.
    return f === '(idle)' || profiler(id) ? 'idle' : f === '(garbage collector)' || f === '(program)' ? 'vm' : ours(id) ? 'ours' : 'other';
  };
  let t = 0;
  let busy = { ms: 0, from: 0, samples: [] as number[] };
  let cur = { ms: 0, from: 0, samples: [] as number[] };
  let our = 0;
  let ourCur = 0;
  let ourTop = new Map<string, number>();
  let ourTopCur = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    // This sample stands for the time until the next, up to 3 sampling intervals: a longer gap is time
    // the process was not on a CPU (longestSampleGapMs), not time the sampled code ran.
    const dt = Math.min(3 * intervalMs, (profile.timeDeltas[i + 1] ?? 0) / 1000);
    t += profile.timeDeltas[i] / 1000;
    const k = kind(id);
    if (k === 'idle') {
      cur = { ms: 0, from: t, samples: [] };
      ourCur = 0;
      ourTopCur = new Map();
      return;
    }
    if (cur.samples.length === 0) cur.from = t;
    cur.ms += dt;
    cur.samples.push(id);
    if (cur.ms > busy.ms) busy = cur;
    if (k === 'other') {
      ourCur = 0;
      ourTopCur = new Map();
    } else if (k === 'ours' || ourCur > 0) {
      ourCur += dt;
      if (k === 'ours') ourTopCur.set(name(id), (ourTopCur.get(name(id)) ?? 0) + dt);
      if (ourCur > our) {
        our = ourCur;
        ourTop = ourTopCur;
      }
    }
  });
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(1)} ms`);
  const self = new Map<string, number>();
  for (const id of busy.samples) self.set(name(id), (self.get(name(id)) ?? 0) + 1);
  const ms = busy.samples.length ? busy.ms / busy.samples.length : 0;
  // The profiler's sampling thread takes a sample every interval while the process runs: a much
  // longer gap between two samples is time the process was not on a CPU (the machine's other work).
  let gap = 0;
  for (const d of profile.timeDeltas.slice(1)) gap = Math.max(gap, d / 1000);
  return {
    longestSampleGapMs: +gap.toFixed(1), longestBusyMs: +busy.ms.toFixed(1), longestBusyAtMs: +busy.from.toFixed(1), longestBusyTop: top(new Map([...self].map(([k, v]) => [k, v * ms]))), oursLongestMs: +our.toFixed(1), oursTop: top(ourTop) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The longest event-loop stall of this host (monitorEventLoopDelay) while `fn` runs. The histogram
 * records the delay between two of its timer's turns, so a stall before its first turn would go
 * unseen: it is given two turns before `fn` starts.
 */
async function longestStall<T>(fn: () => Promise<T>): Promise<{ result: T; stallMaxMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await sleep(15);
  const result = await fn();
  h.disable();
  return { result, stallMaxMs: +(h.max / 1e6).toFixed(1) };
}

/**
 * Save the open 64 MiB image after one more field edit (vscode.workspace.save, as the auto-save of
 * VS Code for the web does a second after each edit): the host's longest stall from the edit until
 * the tab is clean and half a second after. First waits for any auto-save of the edits before.
 */
async function saveStall(): Promise<Record<string, number>> {
  const p = (await vscode.extensions.getExtension<{ provider: Provider }>('ckpt-inspector.ckpt-inspector')!.activate()).provider;
  const doc = p.active!.document;
  const dirty = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.isDirty));
  for (const t0 = performance.now(); dirty() && performance.now() - t0 < 60000; ) await sleep(50);
  await sleep(1500);
  const slave = doc.model.img!.ttys.findIndex((t) => t.role === 'slave');
  const { result: ms, stallMaxMs } = await longestStall(async () => {
    const t0 = performance.now();
    p.edit(doc, `ttys[${slave}].winsize.ws_row`, '51');
    await vscode.workspace.save(doc.uri);
    while (dirty() || doc.hasUnsavedChanges) {
      if (performance.now() - t0 > 60000) throw new Error('the image was not saved within 60 s');
      await sleep(10);
    }
    const saved = performance.now() - t0;
    await sleep(500);
    return saved;
  });
  return { editToSavedMs: +ms.toFixed(1), stallMaxMs };
}

/**
 * Issue 18: open a 1 GiB sparse file of zeros named .ckpt ($CKPT_BENCH_ZEROS) and measure this
 * host's longest event-loop stall (monitorEventLoopDelay, in the extension host itself) from the
 * open until a second after its tab is shown, against the same host idle for as long just after;
 * with a CPU profile of the same time saying whose code the longest stall ran and how long our
 * code's longest stretch was. The image opened before is saved and clean by then (saveStall).
 */
async function zerosOpen(file: string): Promise<Record<string, unknown>> {
  const shown = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === file));
  let renderMs = 0;
  const t0 = performance.now();
  const { result: open, profile } = await profiled(() =>
    longestStall(async () => {
      const t1 = performance.now();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'ckptInspector.editor');
      // Not an image: shown by VS Code's default editor or as one line (src/extension/foreign.ts), in a tab.
      while (!shown()) {
        if (performance.now() - t1 > 120000) throw new Error('no tab of the file of zeros within 120 s');
        await sleep(10);
      }
      renderMs = performance.now() - t1; // to its tab
      await sleep(1000);
    }),
  );
  const span = performance.now() - t0;
  const idle = await longestStall(() => sleep(span));
  if (process.env.CKPT_BENCH_PROFILE) writeFileSync(process.env.CKPT_BENCH_PROFILE, JSON.stringify(profile));
  return { openToRenderMs: +renderMs.toFixed(1), stallMaxMs: open.stallMaxMs, idleStallMaxMs: idle.stallMaxMs, profile: busyRuns(profile, 1) };
}

export async function run(): Promise<void> {
  const file = process.env.CKPT_BENCH_FILE!;
  const out = process.env.CKPT_BENCH_RESULT!;
  try {
    await vscode.extensions.getExtension('ckpt-inspector.ckpt-inspector')!.activate();
    await new Promise((r) => setTimeout(r, 1000)); // let the workbench settle
    const before = memory();
    collect();
    const beforeGc = memory();
    const t0 = performance.now();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'ckptInspector.editor');
    let s: Stats = {};
    for (;;) {
      s = (await vscode.commands.executeCommand<Stats>('ckptInspector.internal.stats')) ?? {};
      if (s.renders?.some((r) => r.generation === s.generation)) break;
      if (performance.now() - t0 > 120000) throw new Error('no render within 120 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const seen = performance.now() - t0;
    // The stats command hands out the editor's own arrays: keep the first render as it was then.
    s = JSON.parse(JSON.stringify(s)) as Stats;
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await vscode.commands.executeCommand<Stats>('ckptInspector.internal.stats'))!;
    collect();
    const afterGc = memory();
    const edits = await editLatency();
    const save = await saveStall();
    const zeros = process.env.CKPT_BENCH_ZEROS ? await zerosOpen(process.env.CKPT_BENCH_ZEROS) : undefined;
    writeFileSync(out, JSON.stringify({ ok: true, openToRenderSeenMs: seen, stats: s, memoryBefore: before, memoryAfter: after.memory, memoryBeforeGc: beforeGc, memoryAfterGc: afterGc, edits, save, zeros }));
  } catch (e) {
    writeFileSync(out, JSON.stringify({ ok: false, error: String(e) }));
  }
}
