// "Checkpoint: Restore to Remote Host…": pick a host (ssh config + recent), verify only or restore
// and attach a terminal; progress with cancel; every ssh call logged with exit code and stderr.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { HelperInstallError, HelperTamperedError, HelperUnavailableError, type HashStore } from '../../remote/helper-cache.js';
import {
  attachSshArgs, preparePlan, stagePlan, unstagePlan, validateAttachCommand, verifyRemote,
  type PreparedPlan, type RemoteOptions,
} from '../../remote/restore-remote.js';
import { HostKeyError, InvalidDestinationError, InvalidOptionError, resolveHost, SshAbortError, SshConnectError, SshError, validateDestination } from '../../remote/ssh.js';
import { configHosts, pushRecent } from './hosts.js';
import { renderVerifyTable } from './table.js';
import { completeReport, reportOutcome } from '../../parser/verify-coverage.js';
import { requireTrust } from '../trust.js';
import { CAPTURE_COMMAND, captureFromRemote } from './capture.js';

export const RESTORE_COMMAND = 'ckptInspector.restoreToRemote';
export const RECENT_KEY = 'ckptInspector.restore.recentHosts';
const HASHES_KEY = 'ckptInspector.restore.helperHashes';

type Action = { kind: 'verify' } | { kind: 'attach'; command?: string };

/** Client-side record of helper hashes installed by this extension (checked on every run). */
function globalHashStore(context: vscode.ExtensionContext): HashStore {
  return {
    get: (k) => context.globalState.get<Record<string, string>>(HASHES_KEY, {})[k],
    set: (k, v) => { void context.globalState.update(HASHES_KEY, { ...context.globalState.get<Record<string, string>>(HASHES_KEY, {}), [k]: v }); },
  };
}

/**
 * The ssh config file of the machine where ssh runs (this extension host's): our own machine-scoped
 * setting; else, only when the extension host is the local one, Remote-SSH's `remote.SSH.configFile`
 * (a setting of the local machine, which names a file there); else ssh's default.
 */
export function sshConfigFile(): string | undefined {
  const own = vscode.workspace.getConfiguration('ckptInspector.ssh').get<string>('configFile');
  if (own && own.trim() !== '') return own.trim();
  if (vscode.env.remoteName !== undefined) return undefined;
  const v = vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile');
  return v && v.trim() !== '' ? v.trim() : undefined;
}

/** The ssh client to run (setting `ckptInspector.ssh.path`, scope machine), default `ssh` from PATH. */
export function sshPath(): string | undefined {
  const v = vscode.workspace.getConfiguration('ckptInspector.ssh').get<string>('path');
  return v && v.trim() !== '' ? v.trim() : undefined;
}

/** What the tests may observe: messages shown and how each run ended. */
/** The options every remote operation of the extension runs with: the user's ssh and config, the extension's helper and hash store. */
export function remoteOptions(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, signal: AbortSignal, cfg: string | undefined, ssh: string | undefined): RemoteOptions {
  return {
    packageRoot: context.extensionPath,
    ...(cfg ? { configFile: cfg } : {}),
    ...(ssh ? { sshPath: ssh } : {}),
    hashStore: globalHashStore(context),
    signal,
    timeoutMs: 120_000,
    log: (l) => log.info(l),
  };
}

export const restoreHooks: { onMessage?: (message: string) => void } = {};

async function targetUri(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText) {
    if (tab.uri.path.endsWith('.ckpt')) return tab.uri;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Checkpoint images': ['ckpt'], 'All files': ['*'] }, title: 'Checkpoint image to restore' });
  return picked?.[0];
}

export async function pickHost(context: vscode.ExtensionContext, cfg: string | undefined, title = 'Restore to Remote Host: SSH destination'): Promise<string | undefined> {
  const recent = context.globalState.get<string[]>(RECENT_KEY, []);
  const hosts = configHosts(cfg);
  type Item = vscode.QuickPickItem & { dest?: string };
  const items: Item[] = [];
  if (recent.length) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
  for (const r of recent) items.push({ label: r, dest: r, description: 'recent' });
  if (hosts.length) items.push({ label: 'SSH config', kind: vscode.QuickPickItemKind.Separator });
  for (const h of hosts) if (!recent.includes(h.host)) items.push({ label: h.host, dest: h.host, description: h.file });
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = title;
  qp.placeholder = 'A Host of your ssh config, or [user@]host';
  qp.items = items;
  qp.matchOnDescription = true;
  const typed = (v: string): Item[] => {
    if (v.trim() === '' || items.some((i) => i.dest === v.trim())) return items;
    let detail: string | undefined;
    try { validateDestination(v.trim()); } catch (e) { detail = (e as Error).message; }
    return [{ label: v.trim(), dest: detail ? undefined : v.trim(), description: detail ? 'not a valid destination' : 'connect to this destination', ...(detail ? { detail } : {}) }, ...items];
  };
  qp.onDidChangeValue((v) => { qp.items = typed(v); });
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const it = qp.selectedItems[0];
      if (!it?.dest) return;
      done = true;
      resolve(it.dest);
      qp.hide();
    });
    qp.onDidHide(() => { if (!done) resolve(undefined); qp.dispose(); });
    qp.show();
  });
}

async function pickAction(): Promise<Action | undefined> {
  const items: (vscode.QuickPickItem & { id: string })[] = [
    { id: 'verify', label: '$(checklist) Verify only', detail: 'Restore the pty pairs, read every field back from the kernel, compare, and close them again' },
    { id: 'attach', label: '$(terminal) Restore and attach (login shell)', detail: 'Restore and open a terminal on the restored pty running your login shell' },
    { id: 'attach-cmd', label: '$(terminal) Restore and attach a command…', detail: 'Restore and run a program of your choice on the restored pty' },
  ];
  const it = await vscode.window.showQuickPick(items, { title: 'Restore to Remote Host: what to do' });
  if (!it) return undefined;
  if (it.id === 'verify') return { kind: 'verify' };
  if (it.id === 'attach') return { kind: 'attach' };
  const cmd = await vscode.window.showInputBox({
    title: 'Command to run on the restored terminal',
    prompt: 'A program and plain arguments (no shell syntax), e.g. sh or bash -l',
    value: 'sh',
    validateInput: (v) => { try { validateAttachCommand(v); return undefined; } catch (e) { return (e as Error).message; } },
  });
  return cmd === undefined ? undefined : { kind: 'attach', command: cmd.trim() };
}

function showTable(plan: PreparedPlan, file: string, host: string, report: NonNullable<Awaited<ReturnType<typeof verifyRemote>>['report']>, ms: number): void {
  const panel = vscode.window.createWebviewPanel('ckptInspector.restoreVerify', `Restore: ${basename(file)} on ${host}`, vscode.ViewColumn.Beside, { enableScripts: false });
  panel.webview.html = renderVerifyTable({ report, file, host, notes: plan.notes, durationMs: ms }, panel.webview.cspSource, randomBytes(16).toString('base64'));
}

export async function reportError(e: unknown, dest: string, cfg: string | undefined, ssh: string | undefined, log: vscode.LogOutputChannel, what = 'Restore'): Promise<void> {
  const msg = e instanceof Error ? e.message : String(e);
  log.error(msg + (e instanceof SshError && e.stderr ? `\nstderr: ${e.stderr.trim()}` : ''));
  if (e instanceof SshAbortError) { void vscode.window.showInformationMessage(`${what} cancelled.`); return; }
  if (e instanceof HostKeyError) {
    const open = 'Open Terminal to Check the Key';
    const pick = await vscode.window.showErrorMessage(`SSH: the host key of ${dest} is ${e.problem === 'changed' ? 'DIFFERENT from the recorded one' : 'not known'}. Nothing was run on the host.`, { modal: true, detail: e.hint }, open, 'Show Log');
    if (pick === open) {
      // The user's own ssh, interactive: it shows the fingerprint and asks; we never answer for them.
      vscode.window.createTerminal({ name: `ssh ${dest} (host key)`, shellPath: ssh ?? 'ssh', shellArgs: [...(cfg ? ['-F', cfg] : []), '--', dest] }).show();
    } else if (pick === 'Show Log') log.show();
    return;
  }
  const kind = e instanceof SshConnectError ? 'SSH connection failed' : e instanceof HelperUnavailableError || e instanceof HelperInstallError || e instanceof HelperTamperedError ? 'Helper problem' : e instanceof InvalidDestinationError || e instanceof InvalidOptionError ? 'Refused' : `${what} failed`;
  const pick = await vscode.window.showErrorMessage(`${kind}: ${msg}`, 'Show Log');
  if (pick) log.show();
}

async function restoreToRemote(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, arg: unknown): Promise<void> {
  if (!requireTrust('Restore to Remote Host', restoreHooks.onMessage)) return;
  const uri = await targetUri(arg);
  if (!uri) return;
  let plan: PreparedPlan;
  try {
    plan = preparePlan(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    void vscode.window.showErrorMessage(`${basename(uri.fsPath)}: nothing to restore: ${(e as Error).message}`);
    return;
  }
  const cfg = sshConfigFile();
  const ssh = sshPath();
  const dest = await pickHost(context, cfg);
  if (!dest) return;
  const action = await pickAction();
  if (!action) return;
  await context.globalState.update(RECENT_KEY, pushRecent(context.globalState.get<string[]>(RECENT_KEY, []), dest));
  for (const n of plan.notes) log.warn(`${basename(uri.fsPath)}: ${n}`);

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Restore ${basename(uri.fsPath)} on ${dest}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      const opts = remoteOptions(context, log, abort.signal, cfg, ssh);
      try {
        progress.report({ message: 'reading the ssh configuration (ssh -G)…' });
        const r = await resolveHost(dest, { ...(cfg ? { configFile: cfg } : {}), ...(ssh ? { sshPath: ssh } : {}), log: (l) => log.info(l), signal: abort.signal });
        log.info(`${dest}: ${r.user}@${r.hostname}:${r.port}, known hosts ${r.userKnownHostsFiles.join(' ')}, StrictHostKeyChecking ${r.strictHostKeyChecking}`);
        if (action.kind === 'verify') {
          progress.report({ message: `restoring on ${r.hostname} and reading back…` });
          const v = await verifyRemote(dest, plan, opts);
          log.info(`helper: exit ${v.exitCode}, cache ${v.cache.action}${v.cache.how ? ` (${v.cache.how})` : ''}, ${v.cache.roundTrips} round trip(s), ${Math.round(v.durationMs)} ms`);
          if (!v.report) throw new Error(`${v.exitCode === 2 ? 'the helper refused the plan' : 'the restore failed on the host'} (exit ${v.exitCode}): ${v.stderr}`);
          const full = completeReport(plan.image, v.report);
          showTable(plan, uri.fsPath, dest, full, v.durationMs);
          const outcome = reportOutcome(full);
          if (outcome === 'restored') void vscode.window.showInformationMessage(`Restored on ${dest}: every field of the image restored.`);
          else if (outcome === 'losses') void vscode.window.showInformationMessage(`Restored on ${dest}, with documented losses: the table gives each field that is partial or not restorable, and why.`);
          else void vscode.window.showWarningMessage(`Restored on ${dest} with mismatches: see the table.`);
          return;
        }
        progress.report({ message: 'installing/checking the helper and uploading the plan…' });
        const staged = await stagePlan(dest, plan.text, opts);
        const args = attachSshArgs(staged, { tty: '-t', ...(cfg ? { configFile: cfg } : {}), ...(action.command ? { command: action.command } : {}) });
        log.info(`terminal: ssh ${args.map((a) => (/^[\w./=@:,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`);
        const term = vscode.window.createTerminal({ name: `Restored ${basename(uri.fsPath)} @ ${dest}`, shellPath: ssh ?? 'ssh', shellArgs: args, iconPath: new vscode.ThemeIcon('debug-restart') });
        const closed = vscode.window.onDidCloseTerminal((t) => {
          if (t !== term) return;
          closed.dispose();
          const code = t.exitStatus?.code;
          log.info(`terminal on ${dest} closed, exit ${code ?? 'unknown'}`);
          // 255: ssh itself failed, so the remote command never consumed the staged plan.
          if (code === 255 || code === undefined) {
            const { signal: _done, ...rest } = opts;
            void unstagePlan(staged, { ...rest, timeoutMs: 30_000 });
          }
        });
        context.subscriptions.push(closed);
        term.show();
      } catch (e) {
        await reportError(e, dest, cfg, ssh, log);
      } finally {
        sub.dispose();
      }
    },
  );
}

export function registerRestoreCommands(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Checkpoint Restore', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(RESTORE_COMMAND, (arg?: unknown) => restoreToRemote(context, log, arg)),
    vscode.commands.registerCommand(CAPTURE_COMMAND, () => captureFromRemote(context, log)),
  );
}
