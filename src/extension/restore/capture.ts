// "Checkpoint: Capture Terminal from Remote Host…": pick a host, then a process from the remote's
// list of processes holding ptys; the capture (src/remote/capture-remote.ts) is written into the
// workspace folder (or where the user says) with its provenance beside it, and opened in the editor
// with the provenance next to it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { writeBytesAtomicAsync } from '../../io/atomic-write.js';
import { captureRemote, describePtys, listRemote, provenancePathFor } from '../../remote/capture-remote.js';
import { escapeText } from '../../shared/escape.js';
import { requireTrust } from '../trust.js';
import { pushRecent } from './hosts.js';
import { pickHost, RECENT_KEY, remoteOptions, reportError, sshConfigFile, sshPath } from './index.js';

export const CAPTURE_COMMAND = 'ckptInspector.captureFromRemote';

/** A file name for the capture in `dir` that does not exist yet: `comm-pid.ckpt`, `comm-pid-2.ckpt`, … */
function freshName(dir: string, comm: string, pid: number): string {
  const base = `${comm.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32) || 'process'}-${pid}`;
  for (let i = 1; ; i++) {
    const name = `${base}${i > 1 ? `-${i}` : ''}.ckpt`;
    if (!existsSync(join(dir, name)) && !existsSync(join(dir, `${name}.provenance.json`))) return join(dir, name);
  }
}

export async function captureFromRemote(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  if (!requireTrust('Capture Terminal from Remote Host')) return;
  const cfg = sshConfigFile();
  const ssh = sshPath();
  const dest = await pickHost(context, cfg, 'Capture Terminal from Remote Host: SSH destination');
  if (!dest) return;
  await context.globalState.update(RECENT_KEY, pushRecent(context.globalState.get<string[]>(RECENT_KEY, []), dest));
  const abort = new AbortController();
  const opts = remoteOptions(context, log, abort.signal, cfg, ssh);
  const withProgress = <T>(title: string, fn: () => Promise<T>): Thenable<T> =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await fn();
      } finally {
        sub.dispose();
      }
    });
  try {
    const list = await withProgress(`Listing the terminals on ${dest}`, () => listRemote(dest, opts));
    type Item = vscode.QuickPickItem & { pid: number; comm: string };
    const items: Item[] = list.processes
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({ label: `${p.pid}  ${escapeText(p.comm)}`, description: escapeText(describePtys(p)), pid: p.pid, comm: p.comm }));
    if (!items.length) {
      void vscode.window.showInformationMessage(`No process on ${dest} holds a terminal you may capture${list.unreadable_processes ? ` (${list.unreadable_processes} processes of other users could not be looked at)` : ''}.`);
      return;
    }
    const it = await vscode.window.showQuickPick(items, { title: `Capture Terminal from ${dest}: process`, matchOnDescription: true, placeHolder: 'The process whose pseudo-terminal to capture' });
    if (!it) return;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    let target: string;
    if (folder) {
      target = freshName(folder.uri.fsPath, it.comm, it.pid);
    } else {
      const picked = await vscode.window.showSaveDialog({ filters: { 'Checkpoint images': ['ckpt'] }, title: 'Save the captured image' });
      if (!picked) return;
      target = picked.fsPath;
    }
    const r = await withProgress(`Capturing pid ${it.pid} on ${dest}`, () => captureRemote(dest, { pid: it.pid }, opts));
    const side = provenancePathFor(target);
    await writeBytesAtomicAsync(target, r.image.bytes);
    await writeBytesAtomicAsync(side, new TextEncoder().encode(`${JSON.stringify(r.image.provenance, null, 1)}\n`));
    const c = r.image.provenance.counts;
    const ptys = r.description.pairs.map((p) => `/dev/pts/${p.index}`).join(', ');
    log.info(`captured ${ptys} of pid ${it.pid} on ${dest} into ${target}: ${c.exact} exact, ${c.derived} derived, ${c.assumed} assumed, ${c.lost} lost`);
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(target), 'ckptInspector.editor');
    await vscode.window.showTextDocument(vscode.Uri.file(side), { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    void vscode.window.showInformationMessage(`Captured ${ptys} of pid ${it.pid} (${escapeText(it.comm)}) on ${dest}: ${c.exact} fields exact, ${c.derived} derived, ${c.assumed} assumed, ${c.lost} lost (the provenance is beside the image).`);
  } catch (e) {
    await reportError(e, dest, cfg, ssh, log, 'Capture');
  }
}
