// Validator diagnostics in VS Code's Problems panel. A .ckpt file is binary: every range is on line 0
// and its columns are byte offsets (Position(0, offset)); the message says so, with the offset in hex.
import * as vscode from 'vscode';
import type { Diagnostic } from '../parser/model.js';

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

/** Above this many, only the first ones go to the Problems panel (the editor's own panel lists all it was sent). */
const MAX = 1000;

export function toVsDiagnostics(list: Diagnostic[]): vscode.Diagnostic[] {
  return list.slice(0, MAX).map((d) => {
    const range = new vscode.Range(0, d.offset, 0, d.offset + Math.max(1, d.length));
    const where = `byte offset ${d.offset} (0x${d.offset.toString(16)}), field ${d.field}${d.record !== undefined ? `, record ${d.record}` : ''}; binary file: column = byte offset`;
    const v = new vscode.Diagnostic(range, `${d.message} [${where}]`, SEVERITY[d.severity]);
    v.code = d.code;
    v.source = 'ckpt';
    return v;
  });
}
