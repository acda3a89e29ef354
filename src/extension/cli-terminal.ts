// `ckpt-inspect` within reach of the integrated terminal: a launcher in the extension's global
// storage (on the machine where the extension host runs, which is where its terminals run) that
// starts the bundled CLI with the editor's own Node, and that folder prepended to PATH for every
// terminal through the extension's environment variable collection.
import { chmodSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../io/atomic-write.js';

export const OPEN_TERMINAL_COMMAND = 'ckptInspector.openTerminal';

/** POSIX shell single quotes. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The launcher scripts for `node` running `cli` (bin/ckpt-inspect.js). Inside Electron (desktop VS
 * Code) the executable is the editor itself, which runs as plain Node only with ELECTRON_RUN_AS_NODE.
 */
export function launchers(node: string, cli: string, electron: boolean): { name: string; text: string; mode: number }[] {
  const env = electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  const out = [{ name: 'ckpt-inspect', text: `#!/bin/sh\n# ckpt-inspect of the Checkpoint Image Inspector extension, run with the editor's own Node.\n${env}exec ${sq(node)} ${sq(cli)} "$@"\n`, mode: 0o755 }];
  if (process.platform === 'win32') {
    out.push({ name: 'ckpt-inspect.cmd', text: `@echo off\r\nsetlocal\r\n${electron ? 'set ELECTRON_RUN_AS_NODE=1\r\n' : ''}"${node}" "${cli}" %*\r\n`, mode: 0o644 });
  }
  return out;
}

/** Write the launcher(s) and put their folder on PATH; returns the folder (undefined when storage is not a local folder). */
export function installCliLauncher(context: vscode.ExtensionContext, log?: (line: string) => void): string | undefined {
  const storage = context.globalStorageUri;
  if (storage.scheme !== 'file') return undefined;
  const dir = join(storage.fsPath, 'bin');
  try {
    mkdirSync(dir, { recursive: true });
    for (const l of launchers(process.execPath, join(context.extensionPath, 'bin', 'ckpt-inspect.js'), process.versions.electron !== undefined)) {
      const file = join(dir, l.name);
      writeFileAtomic(file, new TextEncoder().encode(l.text));
      chmodSync(file, l.mode);
    }
  } catch (e) {
    log?.(`ckpt-inspect launcher not installed in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const env = context.environmentVariableCollection;
  env.description = 'Puts ckpt-inspect (the Checkpoint Image Inspector CLI) on PATH';
  env.prepend('PATH', dir + delimiter);
  return dir;
}
