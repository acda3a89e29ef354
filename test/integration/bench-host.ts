// Extension-host side of bench/editor.mjs: open $CKPT_BENCH_FILE in the checkpoint editor, wait for
// the webview's first complete render, and write the editor's timings and the host's memory to
// $CKPT_BENCH_RESULT.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';

interface Stats {
  generation?: number;
  renders?: { generation: number; ms: number }[];
  timings?: Record<string, number | null>;
  memory?: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  size?: number;
  modelBuilt?: boolean;
}

export async function run(): Promise<void> {
  const file = process.env.CKPT_BENCH_FILE!;
  const out = process.env.CKPT_BENCH_RESULT!;
  try {
    await vscode.extensions.getExtension('ckpt-inspector.ckpt-inspector')!.activate();
    await new Promise((r) => setTimeout(r, 1000)); // let the workbench settle
    const before = process.memoryUsage();
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
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await vscode.commands.executeCommand<Stats>('ckptInspector.internal.stats'))!;
    writeFileSync(out, JSON.stringify({ ok: true, openToRenderSeenMs: seen, stats: s, memoryBefore: before, memoryAfter: after.memory }));
  } catch (e) {
    writeFileSync(out, JSON.stringify({ ok: false, error: String(e) }));
  }
}
