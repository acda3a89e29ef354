// `ckpt-inspect` within reach of the integrated terminal: a launcher in the extension's global
// storage (on the machine where the extension host runs, which is where its terminals run) that
// starts the bundled CLI with the editor's own Node, and that folder prepended to PATH for every
// terminal through the extension's environment variable collection.
import { chmodSync, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../io/atomic-write.js';
import { launchers } from './cli-launcher.js';

export const OPEN_TERMINAL_COMMAND = 'ckptInspector.openTerminal';

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
