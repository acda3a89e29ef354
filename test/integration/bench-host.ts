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

/**
 * Issue 18: open a 1 GiB sparse file of zeros named .ckpt ($CKPT_BENCH_ZEROS) and measure this
 * host's longest event-loop stall (monitorEventLoopDelay, in the extension host itself) from the
 * open until a second after its render, against the same host idle for as long just before.
 */
async function zerosOpen(file: string): Promise<Record<string, number>> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const idle = monitorEventLoopDelay({ resolution: 5 });
  const open = monitorEventLoopDelay({ resolution: 5 });
  const t0 = performance.now();
  open.enable();
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'ckptInspector.editor');
  // Not an image: shown by VS Code's default editor or as one line (src/extension/foreign.ts), in a tab.
  const shown = () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === file));
  for (;;) {
    if (shown()) break;
    if (performance.now() - t0 > 120000) throw new Error('no tab of the file of zeros within 120 s');
    await sleep(10);
  }
  const renderMs = performance.now() - t0; // to its tab
  await sleep(1000);
  open.disable();
  const span = performance.now() - t0;
  idle.enable();
  await sleep(span);
  idle.disable();
  return { openToRenderMs: +renderMs.toFixed(1), stallMaxMs: +(open.max / 1e6).toFixed(1), idleStallMaxMs: +(idle.max / 1e6).toFixed(1), };
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
    const zeros = process.env.CKPT_BENCH_ZEROS ? await zerosOpen(process.env.CKPT_BENCH_ZEROS) : undefined;
    writeFileSync(out, JSON.stringify({ ok: true, openToRenderSeenMs: seen, stats: s, memoryBefore: before, memoryAfter: after.memory, memoryBeforeGc: beforeGc, memoryAfterGc: afterGc, edits, zeros }));
  } catch (e) {
    writeFileSync(out, JSON.stringify({ ok: false, error: String(e) }));
  }
}
