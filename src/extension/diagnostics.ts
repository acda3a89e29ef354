// Validator diagnostics in VS Code's Problems panel. A .ckpt file is binary: every range is on line 0
// and its columns are byte offsets (Position(0, offset)); the message says so, with the offset in hex.
// A problem with a repair says what it would change, and its code links to the Quick Fix command
// (a CodeActionProvider cannot act on a custom editor; the Problems view opens a code's target
// link with commands allowed).
import * as vscode from 'vscode';
import type { Diagnostic } from '../parser/model.js';
import type { Repair } from '../parser/repair/types.js';

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

export const QUICK_FIX_COMMAND = 'ckptInspector.quickFix';

/**
 * Errors and warnings go to the Problems panel, at most MAX of them (thousands of markers stall the
 * workbench); infos and the rest stay in the editor's own Problems tab, and one marker says so.
 */
const MAX = 200;

/** The command URI a problem's code links to: the Quick Fix of that diagnostic in that file. */
export function quickFixUri(uri: vscode.Uri, code: string, offset: number): vscode.Uri {
  return vscode.Uri.parse(`command:${QUICK_FIX_COMMAND}?${encodeURIComponent(JSON.stringify([uri.toString(), code, offset]))}`);
}

function fixText(r: Repair): string {
  const c = r.choices[0];
  if (r.unambiguous) return ` Quick fix (click the code): ${c.field} ${c.oldValue} → ${c.newValue}. ${c.reason}`;
  return ` ${r.choices.length} possible repairs (click the code to choose); likelier: ${c.field} ${c.oldValue} → ${c.newValue}. ${r.why ?? ''}`;
}

/** `shown`: the diagnostic as the editor shows it (image text cut shorter, CkptModel.shown). */
export function toVsDiagnostics(all: Diagnostic[], uri?: vscode.Uri, repairs: Repair[] = [], shown: (d: Diagnostic) => Diagnostic = (d) => d): vscode.Diagnostic[] {
  const list = all.filter((d) => d.severity !== 'info');
  const byKey = new Map(repairs.map((r) => [`${r.code}@${r.offset}`, r]));
  const out = list.slice(0, MAX).map((x) => {
    const d = shown(x);
    const range = new vscode.Range(0, d.offset, 0, d.offset + Math.max(1, d.length));
    const where = `byte offset ${d.offset} (0x${d.offset.toString(16)}), field ${d.field}${d.record !== undefined ? `, record ${d.record}` : ''}; binary file: column = byte offset`;
    const r = byKey.get(`${d.code}@${d.offset}`);
    const v = new vscode.Diagnostic(range, `${d.message} [${where}]${r ? fixText(r) : ''}`, SEVERITY[d.severity]);
    v.code = r && uri ? { value: d.code, target: quickFixUri(uri, d.code, d.offset) } : d.code;
    v.source = 'ckpt';
    return v;
  });
  const rest = all.length - out.length;
  if (rest > 0) {
    const v = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `${rest} more problem(s) (${all.length - list.length} info) are listed in the checkpoint editor's Problems tab.`, vscode.DiagnosticSeverity.Information);
    v.source = 'ckpt';
    out.push(v);
  }
  return out;
}
