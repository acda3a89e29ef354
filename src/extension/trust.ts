// Restricted Mode: inspecting and editing an image is fine in an untrusted folder (that is where an
// image attached to a bug report lands); what runs a program (ssh, the remote helper, a terminal)
// waits until the person trusts the workspace.
import * as vscode from 'vscode';

/** The warning shown when such a command is invoked anyway (a keybinding, another extension). */
export function untrustedMessage(what: string): string {
  return `${what} runs programs (ssh, a terminal), which Restricted Mode does not allow. Trust this workspace to use it; inspecting and editing images works without.`;
}

export const MANAGE_TRUST = 'Manage Workspace Trust';

/** True when the workspace is trusted; otherwise says why not (with a way to change it) and returns false. */
export function requireTrust(what: string, shown?: (message: string) => void): boolean {
  if (vscode.workspace.isTrusted) return true;
  const msg = untrustedMessage(what);
  shown?.(msg);
  void vscode.window.showWarningMessage(msg, MANAGE_TRUST).then((pick) => {
    if (pick === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
