// Validator diagnostics in VS Code's Problems panel. A .ckpt file is binary: every range is on line 0
// and its columns are byte offsets (Position(0, offset)); the message says so, with the offset in hex.
import * as vscode from 'vscode';
import type { Diagnostic } from '../parser/model.js';

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

/**
 * Errors and warnings go to the Problems panel, at most MAX of them (thousands of markers stall the
 * workbench); infos and the rest stay in the editor's own Problems tab, and one marker says so.
 */
const MAX = 200;

export function toVsDiagnostics(all: Diagnostic[]): vscode.Diagnostic[] {
  const list = all.filter((d) => d.severity !== 'info');
  const out = list.slice(0, MAX).map((d) => {
    const range = new vscode.Range(0, d.offset, 0, d.offset + Math.max(1, d.length));
    const where = `byte offset ${d.offset} (0x${d.offset.toString(16)}), field ${d.field}${d.record !== undefined ? `, record ${d.record}` : ''}; binary file: column = byte offset`;
    const v = new vscode.Diagnostic(range, `${d.message} [${where}]`, SEVERITY[d.severity]);
    v.code = d.code;
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
