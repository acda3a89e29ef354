// What the Playwright side of the harness (run.mjs) asks the extension host to do or tell while the
// DOM checks run ($EXT_TEST_RELEASE.ask holds {name, args}; the answer goes to $EXT_TEST_RELEASE.answer):
// a load held under way, so the notification with its progress and Cancel can be clicked, and what
// the host then holds of it; a find held under way until it is cancelled; a setting changed; the
// clipboard.
import { readdirSync, readlinkSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CkptDocument } from '../../../src/extension/document.js';
import { provider, VIEW } from './open.js';

interface Held {
  uri: vscode.Uri;
  /** The read's position where it was held (after one piece read with the notification up). */
  heldAt?: number;
  /** The read saw its abort signal. */
  aborted: boolean;
  errors: string[];
  /** How the document's load() ended: the error's name, or 'loaded'. */
  loadEnded?: string;
}
let held: Held | undefined;

/** Descriptors of this process open on `path` (/proc/self/fd). */
function fdsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const asks: Record<string, (args: Record<string, string>) => Promise<unknown>> = {
  /**
   * Open `file` in the checkpoint editor with its read held: pieces are read until the load's
   * progress notification is up (the document has a progress listener), one more is read so the
   * notification shows a percentage, and the next waits until the load is cancelled.
   */
  async holdRead({ file }) {
    const p = await provider();
    const uri = vscode.Uri.file(file);
    const h: Held = { uri, aborted: false, errors: [] };
    held = h;
    let doc: CkptDocument | undefined;
    let passed = false;
    p.hooks.onError = (m) => h.errors.push(m);
    // The error notifications of earlier checks (the mocha suite's huge.ckpt) stay up in a workbench
    // that has no focus: cleared, so that the ones counted after the Cancel are this load's.
    await vscode.commands.executeCommand('notifications.clearAll');
    p.hooks.readGate = async (u, done, _size, signal) => {
      if (u.toString() !== uri.toString() || done === 0 || !signal) return;
      while (!doc?.session.progress && !signal.aborted) await sleep(20);
      if (!passed) {
        passed = true;
        return;
      }
      h.heldAt = done;
      if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      h.aborted = true;
    };
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW);
    for (const t0 = Date.now(); !doc && Date.now() - t0 < 20000; await sleep(20)) doc = p.editorsOf(uri)[0]?.document;
    if (!doc) throw new Error(`no editor of ${file}`);
    doc.load().then(
      () => (h.loadEnded = 'loaded'),
      (e: unknown) => (h.loadEnded = e instanceof Error ? e.name : String(e)),
    );
    return {};
  },
  /** What the host holds of the file of holdRead. */
  async heldState() {
    if (!held) throw new Error('nothing held');
    const p = await provider();
    const key = held.uri.toString();
    return {
      heldAt: held.heldAt ?? null,
      aborted: held.aborted,
      errors: held.errors,
      loadEnded: held.loadEnded ?? null,
      editors: p.editorsOf(held.uri).length,
      tabs: vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === key).length,
      diagnostics: vscode.languages.getDiagnostics(held.uri).length,
      fds: fdsOn(held.uri.fsPath),
    };
  },
  /** Set a setting of this extension (ckptInspector.*) for the user: {key, value} with value as JSON; without value, back to its default. */
  async setting({ key, value }) {
    await vscode.workspace.getConfiguration('ckptInspector').update(key, value === undefined ? undefined : JSON.parse(value), vscode.ConfigurationTarget.Global);
    return {};
  },
  /** Hold every find in the editor of `file` before its first chunk until it is cancelled (media/find-bar.ts's progress and Cancel). */
  async holdFind({ file }) {
    const doc = (await provider()).editorsOf(vscode.Uri.file(file))[0]?.document;
    if (!doc) throw new Error(`no editor of ${file}`);
    doc.session.findGate = (signal) => (signal && !signal.aborted ? new Promise((r) => signal.addEventListener('abort', () => r(), { once: true })) : undefined);
    return {};
  },
  async releaseFind({ file }) {
    const doc = (await provider()).editorsOf(vscode.Uri.file(file))[0]?.document;
    if (doc) doc.session.findGate = undefined;
    return {};
  },
  /** The clipboard as VS Code's API reads it (what Ctrl+C in the webview put there). */
  async clipboard() {
    return vscode.env.clipboard.readText();
  },
  async setClipboard({ text }) {
    await vscode.env.clipboard.writeText(text);
    return {};
  },
  async releaseHold() {
    const p = await provider();
    p.hooks.readGate = p.hooks.onError = undefined;
    held = undefined;
    return {};
  },
};

export async function answer(ask: { name: string; args?: Record<string, string> }): Promise<unknown> {
  const fn = asks[ask.name];
  if (!fn) throw new Error(`unknown ask ${ask.name}`);
  return fn(ask.args ?? {});
}
