// Activation: the .ckpt custom editor, its Problems-panel diagnostics and the "Checkpoint" commands.
import * as vscode from 'vscode';
import { CkptEditorProvider, EditorState } from './provider.js';
import { hexOffset, PanelId, parseOffset } from '../shared/protocol.js';
import { QUICK_FIX_COMMAND } from './diagnostics.js';
import { registerRestoreCommands, restoreHooks } from './restore/index.js';
import { installCliLauncher, OPEN_TERMINAL_COMMAND } from './cli-terminal.js';
import { requireTrust } from './trust.js';
import { escapeText } from '../shared/escape.js';
import { CompareCommands } from './compare.js';
import { COPY_FORMATS, copyAs, isCopyFormat } from '../editor/copy-as.js';

/** Copy As reads the bytes it copies; a selection is at most a record, far below this. */
const COPY_MAX = 1 << 20;

let provider: CkptEditorProvider | undefined;

function activeEditor(): EditorState {
  const e = provider?.active;
  if (!e) throw new Error('Open a .ckpt file in the Checkpoint Image editor first.');
  return e;
}

/** Run a command body; show its error instead of throwing when called from the palette. */
function command<A extends unknown[], R>(body: (...args: A) => Promise<R> | R): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await body(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      provider?.hooks.onError?.(message);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  };
}

export interface Api {
  provider: CkptEditorProvider;
  restoreHooks: typeof restoreHooks;
  /** The folder holding the ckpt-inspect launcher (on every terminal's PATH), if installed. */
  cliDir: string | undefined;
}

export function activate(context: vscode.ExtensionContext): Api {
  const diagnostics = vscode.languages.createDiagnosticCollection('ckpt');
  context.subscriptions.push(diagnostics);
  provider = CkptEditorProvider.register(context, diagnostics);
  registerRestoreCommands(context);
  const p = provider;
  const cliDir = installCliLauncher(context, (l) => console.warn(l));

  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(
    'ckptInspector.goToOffset',
    command(async (arg?: number | string) => {
      const e = activeEditor();
      const name = escapeText(e.document.model.fileName);
      // No offset to offer in an empty file, nor in one that is not shown as an image (only its first bytes were read).
      if (e.document.model.notImage !== null) throw new Error(`${name} is not shown as a Linux-CR image (${e.document.model.notImage}): there is no offset to go to.`);
      let text = arg === undefined ? undefined : String(arg);
      if (text === undefined) {
        text = await vscode.window.showInputBox({
          title: 'Go to offset',
          prompt: `Byte offset in ${name} (0–${e.document.bytes.length - 1}); decimal, 0x… or …h`,
          validateInput: (v) => {
            const n = parseOffset(v);
            return n === undefined ? 'Not an offset' : n >= e.document.bytes.length ? `Past the end (${e.document.bytes.length} bytes)` : null;
          },
        });
        if (text === undefined) return undefined;
      }
      const offset = parseOffset(text);
      if (offset === undefined || offset >= e.document.bytes.length) throw new Error(`Not an offset in this file: ${text}`);
      const m = e.document.model;
      const hit = m.structure.fieldAt(offset) ?? { record: -1, offset, length: 1, treePath: [], pageStarts: [], label: hexOffset(offset) };
      p.reveal(e, hit, undefined, offset);
      return hit;
    }),
  );

  reg(
    'ckptInspector.copySelectionAsJson',
    command(async () => {
      const e = activeEditor();
      if (!e.selection) throw new Error('Nothing is selected: select a record, field or byte first.');
      const json = JSON.stringify(e.document.model.selectionJson(e.selection), null, 2);
      await vscode.env.clipboard.writeText(json);
      void vscode.window.setStatusBarMessage('Checkpoint: selection copied as JSON', 3000);
      return json;
    }),
  );

  reg(
    'ckptInspector.copySelectionAs',
    command(async (format?: string) => {
      const e = activeEditor();
      const sel = e.selection;
      if (!sel) throw new Error('Nothing is selected: select a record, field or byte first.');
      let f = format;
      if (f === undefined) {
        const pick = await vscode.window.showQuickPick(
          Object.entries(COPY_FORMATS).map(([id, label]) => ({ label, id })),
          { title: `Copy ${sel.length} byte(s) at ${hexOffset(sel.offset)} as` },
        );
        if (!pick) return undefined;
        f = pick.id;
      }
      if (!isCopyFormat(f)) throw new Error(`No copy format ${escapeText(String(f))}: ${Object.keys(COPY_FORMATS).join(', ')}.`);
      if (sel.length > COPY_MAX) throw new Error(`The selection is ${sel.length} bytes; Copy As takes at most ${COPY_MAX}.`);
      const text = copyAs(e.document.session.read(sel.offset, sel.length), f, sel.path ?? sel.label ?? 'selection');
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage(`Checkpoint: ${sel.length} byte(s) copied as ${f}`, 3000);
      return text;
    }),
  );

  reg(
    'ckptInspector.exportReport',
    command(async (target?: vscode.Uri) => {
      const e = activeEditor();
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'Export checkpoint report (ckpt-inspect --json)',
          defaultUri: e.document.uri.with({ path: e.document.uri.path.replace(/\.ckpt$/i, '') + '.report.json' }),
          filters: { JSON: ['json'] },
        }));
      if (!uri) return undefined;
      const json = JSON.stringify(e.document.model.report()) + '\n';
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(json));
      void vscode.window.setStatusBarMessage(`Checkpoint: report written to ${uri.fsPath}`, 5000);
      return uri;
    }),
  );

  reg(
    'ckptInspector.revealObjref',
    command(async (arg?: number | string) => {
      const e = activeEditor();
      let text = arg === undefined ? undefined : String(arg);
      if (text === undefined) {
        text = await vscode.window.showInputBox({ title: 'Reveal object by objref', prompt: 'objref (a positive number)', validateInput: (v) => (/^\s*\d+\s*$/.test(v) ? null : 'Not a number') });
        if (text === undefined) return undefined;
      }
      const objref = Number(text);
      const hit = e.document.model.revealObjref(objref);
      if (!hit) throw new Error(`No object with objref ${objref} in ${e.document.model.fileName}.`);
      p.reveal(e, hit);
      return hit;
    }),
  );

  // The Quick Fix of one problem: linked from its code in VS Code's Problems view (args: the file's
  // URI, the code, the offset), or from the palette for the active editor's problems.
  reg(
    QUICK_FIX_COMMAND,
    command(async (uriText?: string, code?: string, offset?: number, choice?: number) => {
      const e = uriText ? p.editorsOf(vscode.Uri.parse(uriText))[0] : activeEditor();
      if (!e) throw new Error('Open the checkpoint image in its editor first.');
      const doc = e.document;
      let r = code !== undefined && offset !== undefined ? doc.model.repairs().find((x) => x.code === code && x.offset === offset) : undefined;
      if (!r) {
        const all = doc.model.repairs();
        if (!all.length) throw new Error(`No problem of ${doc.model.fileName} has a repair${code ? ` (${code} at offset ${offset} may have been fixed already)` : ''}.`);
        const pick = await vscode.window.showQuickPick(
          all.map((x) => ({ label: `${x.code} @ ${x.offset}`, description: x.unambiguous ? `${x.choices[0].field} ${x.choices[0].oldValue} → ${x.choices[0].newValue}` : `${x.choices.length} readings`, detail: x.unambiguous ? x.choices[0].reason : x.why, r: x })),
          { title: 'Checkpoint: Quick Fix', placeHolder: 'Problem to repair' },
        );
        if (!pick) return undefined;
        r = pick.r;
      }
      let k = choice;
      if (k === undefined && r.choices.length > 1) {
        const pick = await vscode.window.showQuickPick(
          r.choices.map((c, i) => ({ label: `${c.field} ${c.oldValue} → ${c.newValue}${i === 0 ? ' (likelier)' : ''}`, detail: c.reason, i })),
          { title: `${r.code} at offset ${r.offset}: ${r.why ?? 'choose a reading'}`, placeHolder: 'Repair to apply' },
        );
        if (!pick) return undefined;
        k = pick.i;
      }
      return p.applyRepair(doc, r.code, r.offset, k ?? 0);
    }),
  );

  reg(
    'ckptInspector.fixAllUnambiguous',
    command(async () => {
      const e = activeEditor();
      const r = p.fixAll(e.document);
      void vscode.window.setStatusBarMessage(`Checkpoint: ${r.applied} repair(s) applied${r.ambiguous ? `, ${r.ambiguous} need a choice` : ''}`, 5000);
      return r;
    }),
  );

  reg(OPEN_TERMINAL_COMMAND, () => {
    if (!requireTrust('Open Terminal with ckpt-inspect', restoreHooks.onMessage)) return undefined;
    const t = vscode.window.createTerminal({ name: 'ckpt-inspect', iconPath: new vscode.ThemeIcon('terminal') });
    t.show();
    if (!cliDir) void vscode.window.showWarningMessage('ckpt-inspect could not be put on PATH here (see the extension host log); run it as `node <extension>/bin/ckpt-inspect.js`.');
    return t.name;
  });

  const compare = new CompareCommands(context);
  const activeUri = () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const uri = p.active?.document.uri ?? (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined);
    return uri && /\.ckpt$/i.test(uri.path) ? uri : undefined;
  };
  reg('ckptInspector.compareWith', command((uri?: vscode.Uri, other?: vscode.Uri) => compare.compareWith(activeUri(), uri, other)));
  reg('ckptInspector.compareSelected', command((uri?: vscode.Uri, uris?: vscode.Uri[]) => compare.compareSelected(uri, uris)));
  reg('ckptInspector.nextDifference', () => compare.active?.post({ type: 'move', dir: 1 }));
  reg('ckptInspector.previousDifference', () => compare.active?.post({ type: 'move', dir: -1 }));

  // Internal (not in the palette): used by the integration tests and bench/editor.mjs.
  reg('ckptInspector.internal.compareProbe', () => compare.active?.probe());
  reg('ckptInspector.internal.showPanel', (panel: PanelId) => {
    const e = activeEditor();
    e.post({ type: 'showPanel', panel });
  });
  reg('ckptInspector.internal.stats', () => {
    const e = p.active;
    const mem = process.memoryUsage();
    const out: Record<string, unknown> = { memory: { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers } };
    if (e) {
      const m = e.document.marks;
      const since = (k: string) => (m[k] !== undefined ? m[k] - m.open : null);
      out.generation = e.document.generation;
      out.timings = {
        read: since('read'),
        model: since('model'),
        resolve: since('resolve'),
        ready: since('ready'),
        init: since('init'),
        rendered: since('rendered'),
      };
      out.renders = e.rendered;
      out.selection = e.selection;
      out.activePanel = e.activePanel;
      // Polled while the file is read and parsed: what needs the model waits for it (asking would load it here, at once).
      if (!e.document.loaded) return out;
      out.size = e.document.bytes.length;
      out.modelBuilt = e.document.model.img !== null;
      Object.assign(out.timings as Record<string, number | null>, Object.fromEntries(Object.entries(e.document.model.timings).map(([k, v]) => [`model.${k}`, v])));
      out.diagnostics = e.document.model.diagnostics.length;
      out.errors = e.document.model.diagnostics.filter((d) => d.severity === 'error').length;
      out.edits = e.document.editTimings;
      out.unsaved = e.document.hasUnsavedChanges;
    }
    return out;
  });

  return { provider: p, restoreHooks, cliDir };
}

export function deactivate(): void {
  provider = undefined;
}
