// Opening an image in the checkpoint editor from a test, shared by the integration suites.
import * as vscode from 'vscode';
import type { CkptDocument } from '../../../src/extension/document.js';
import type { CkptEditorProvider } from '../../../src/extension/provider.js';
import { waitFor } from './wait.js';

export const EXT_ID = 'ckpt-inspector.ckpt-inspector';
export const VIEW = 'ckptInspector.editor';

/** The extension's editor provider (activating the extension if it is not yet). */
export async function provider(): Promise<CkptEditorProvider> {
  const ext = vscode.extensions.getExtension<{ provider: CkptEditorProvider }>(EXT_ID);
  if (!ext) throw new Error(`extension ${EXT_ID} is not loaded`);
  return (await ext.activate()).provider;
}

/** Open `file` in the checkpoint editor; the document once its model is loaded and rendered. */
export async function openRendered(file: string): Promise<{ doc: CkptDocument; p: CkptEditorProvider }> {
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW);
  const p = await provider();
  const e = await waitFor(`render of ${file}`, () => {
    const e = p.active;
    return e && e.document.uri.fsPath === file && e.document.loaded && e.rendered.some((r) => r.generation === e.document.generation) ? e : null;
  });
  return { doc: e.document, p };
}
