#!/usr/bin/env node
// Editor bench (issue 3): a 64 MiB image opened in the .ckpt editor in a real VS Code (code-server);
// time from open to the webview's first complete render, and the extension host's RSS after opening.
// Prints one JSON object. Targets: first render < 1500 ms, host RSS < 3 × file size.
//   node bench/editor.mjs [--size BYTES] [--mode bench-pairs|bench-small|writer]
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHostModule, root, startWorkbench, waitUntil } from '../test/integration/workbench.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const SIZE = Number(opt('--size', String(64 * 1024 * 1024)));
let mode = opt('--mode', 'bench-pairs');

const r = spawnSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(2);
await bundleHostModule('test/integration/bench-host.ts', 'dist/test/integration/bench-host.js');

/** The host's memory after opening, next to the file's size and to the same host just before. */
function memoryFigures(before, after, size) {
  return {
    hostRssBytes: after.rss,
    hostRssBeforeOpenBytes: before.rss,
    hostRssOverFileSize: +(after.rss / size).toFixed(2),
    hostRssGrowthOverFileSize: +((after.rss - before.rss) / size).toFixed(2),
    heapUsedBytes: after.heapUsed,
    arrayBuffersBytes: after.arrayBuffers,
  };
}

let result;
const wb = await startWorkbench({
  testsModule: 'dist/test/integration/bench-host.js',
  prepare: ({ tmp, ws }) => {
    const file = join(ws, 'bench.ckpt');
    if (mode !== 'writer' && existsSync(join(root, 'test/gen/ckpt-gen.c'))) {
      const gen = join(tmp, 'ckpt-gen');
      execFileSync('gcc', ['-O2', '-o', gen, join(root, 'test/gen/ckpt-gen.c')]);
      execFileSync(gen, [mode, file, String(SIZE)], { stdio: ['ignore', 'ignore', 'inherit'] });
    } else {
      mode = 'writer';
      execFileSync('node', ['--import', 'tsx', 'test/integration/make-sample.ts', file, '--size', String(SIZE)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    result = join(tmp, 'bench-result.json');
    // Issue 18: a 1 GiB sparse file of zeros named .ckpt, opened after the image.
    const zeros = join(ws, 'zeros-1g.ckpt');
    closeSync(openSync(zeros, 'w'));
    truncateSync(zeros, 2 ** 30);
    return { CKPT_BENCH_FILE: file, CKPT_BENCH_RESULT: result, CKPT_BENCH_ZEROS: zeros };
  },
});
let out;
try {
  await waitUntil('the bench result', async () => existsSync(result), 240000);
  const res = JSON.parse(readFileSync(result, 'utf8'));
  if (!res.ok) throw new Error(res.error);
  const size = statSync(join(wb.ws, 'bench.ckpt')).size;
  const t = res.stats.timings;
  out = {
    file: { size, mode, records: undefined, modelBuilt: res.stats.modelBuilt },
    firstRenderMs: t.rendered, // openCustomDocument → webview's "rendered" (first complete screen), host clock
    openToRenderSeenMs: Math.round(res.openToRenderSeenMs), // vscode.openWith → render observed by polling
    phasesMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v === null ? null : Math.round(v)])),
    webviewMs: res.stats.renders.at(-1)?.ms, // webview script start → rendered
    webviewPhasesMs: Object.fromEntries(Object.entries(res.stats.renders.at(-1)?.phases ?? {}).map(([k, v]) => [k, Math.round(v)])),
    // Where the first render's time goes, on the host's clock (the webview's own times shifted by
    // when its ack arrived, so each message's way through the workbench falls into the step after it).
    path: (() => {
      const r = res.stats.renders.at(-1);
      const p = r?.phases ?? {};
      if (!r || p.init === undefined || p.frame === undefined) return undefined;
      const start = t.rendered - r.ms; // webview script start, host clock
      return {
        openToResolve: Math.round(t.resolve),
        hostRead: Math.round(t.read),
        hostModelBuilt: Math.round(t.model),
        resolveToWebviewScript: Math.round(start - t.resolve),
        webviewPageToScript: Math.round(p.script ?? NaN),
        webviewScriptToInit: Math.round(p.init),
        hostInitSentAfterScript: Math.round(t.init - start),
        initToPanelsDone: Math.round(Math.max(...['structure', 'hex', 'terminal', 'ldisc', 'graph'].map((k) => p[k] ?? 0)) - p.init),
        panelsToFrame: Math.round(p.frame - Math.max(...['structure', 'hex', 'terminal', 'ldisc', 'graph'].map((k) => p[k] ?? 0))),
        frameToAck: Math.round(r.ms - p.frame),
      };
    })(),
    // Host RSS 1.5 s after the first render, as it is (garbage included), and after a full GC in the
    // host (what the open image keeps); "before" is the same host just before vscode.openWith.
    ...memoryFigures(res.memoryBefore, res.memoryAfter, size),
    afterGc: { ...memoryFigures(res.memoryBeforeGc, res.memoryAfterGc, size), heapUsedBeforeOpenBytes: res.memoryBeforeGc.heapUsed },
    // Edit → re-rendered, re-validated view (host apply + model patch or rebuild + validate, then the webview's ack).
    edits: res.edits,
    zeros: res.zeros,
    targets: { firstRenderMs: 1500, rssOverFileSize: 3, fieldEditMs: 50, bufferEditMs: 200 },
  };
  // An edit is on screen when the webview has painted it (its clock, on this machine); the ack back to the host is one more trip.
  const shown = (x) => (typeof x.toPaintedMs === 'number' ? x.toPaintedMs : x.toRenderedMs);
  const worst = (kind) => Math.max(...(res.edits ?? []).filter((x) => x.kind === kind && typeof x.toRenderedMs === 'number').map(shown));
  out.editWorstMs = { field: worst('field'), buffer: worst('buffer') };
  out.pass = { firstRender: out.firstRenderMs < 1500, memory: out.hostRssOverFileSize < 3, memoryAfterGc: out.afterGc.hostRssOverFileSize < 3, fieldEdit: out.editWorstMs.field < 50, bufferEdit: out.editWorstMs.buffer < 200 };
  // What `npm run bench` puts in its table (it shows `figures` when there is such a list; the rest
  // of this object is the detail, printed in full when this script runs on its own).
  const MiB = 2 ** 20;
  const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
  const z = res.zeros;
  const sv = res.save;
  out.save = sv;
  out.figures = [
    ...(z
      ? [
          { name: 'editor: open a 1 GiB file of zeros -> tab shown (host\'s longest event-loop stall)', value: z.stallMaxMs, unit: 'ms', baseline: `idle host ${z.idleStallMaxMs} ms over as long; tab shown after ${Math.round(z.openToRenderMs)} ms`, target: '< 100 ms', ok: z.stallMaxMs < 100 },
          // From a CPU profile of the same open: whose code the longest busy stretch ran, and our extension's longest.
          { name: '  longest busy stretch in its CPU profile', value: z.profile.longestBusyMs, unit: 'ms', baseline: `${z.profile.longestBusyTop.join('; ') || 'none'}; longest time between two samples (the host not on a CPU) ${z.profile.longestSampleGapMs} ms` },
          { name: '  of which this extension\'s code (its longest stretch)', value: z.profile.oursLongestMs, unit: 'ms', baseline: z.profile.oursTop.join('; ') || 'none', target: '< 100 ms', ok: z.profile.oursLongestMs < 100 },
        ]
      : []),
    ...(sv
      ? [{ name: 'editor: save the 64 MiB image after an edit (host\'s longest event-loop stall)', value: sv.stallMaxMs, unit: 'ms', baseline: `saved after ${Math.round(sv.editToSavedMs)} ms`, target: '< 100 ms', ok: sv.stallMaxMs < 100 }]
      : []),
    { name: 'editor: open -> first complete render (64 MiB)', value: Math.round(out.firstRenderMs), unit: 'ms', target: '< 1500 ms', ok: out.pass.firstRender },
    { name: 'editor: extension host RSS after opening', value: mib(out.hostRssBytes), baseline: `file ${mib(size)}`, ratio: out.hostRssOverFileSize, target: '< 3x', ok: out.pass.memory },
    { name: '  the same after a full GC in the host', value: mib(out.afterGc.hostRssBytes), baseline: `file ${mib(size)}`, ratio: out.afterGc.hostRssOverFileSize, target: '< 3x', ok: out.pass.memoryAfterGc },
    { name: '  host RSS before opening (VS Code and its extensions)', value: mib(out.hostRssBeforeOpenBytes), baseline: `file ${mib(size)}`, ratio: +(out.hostRssBeforeOpenBytes / size).toFixed(2) },
    { name: '  host RSS growth from opening', value: mib(out.hostRssBytes - out.hostRssBeforeOpenBytes), baseline: `file ${mib(size)}`, ratio: out.hostRssGrowthOverFileSize },
    ...(res.edits ?? []).filter((e) => typeof e.toRenderedMs === 'number').map((e, i) => ({
      name: `editor: edit ${i + 1} (${e.kind}, ${e.model}) ${e.path} -> painted`,
      value: shown(e),
      unit: 'ms',
      baseline: `ack back in the host at ${e.toRenderedMs} ms; update in the webview at ${e.toReceivedMs} ms`,
      target: e.kind === 'buffer' ? '< 200 ms' : '< 50 ms',
      ok: shown(e) < (e.kind === 'buffer' ? 200 : 50),
    })),
  ];
} finally {
  await wb.stop();
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
