// Validator diagnostics in VS Code's Problems panel. A .ckpt file is binary: every range is on line 0
// and its columns are byte offsets (Position(0, offset)); the message says so, with the offset in hex.
// A problem with a repair says what it would change, and its code links to the Quick Fix command
// (a CodeActionProvider cannot act on a custom editor; the Problems view opens a code's target
// link with commands allowed); any other problem's code links to its row in docs/diagnostics.md
// (shipped with the extension), which every problem also names as related information.
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

/** docs/diagnostics.md and the line of each code's row in it. */
export interface CodeDocs {
  uri: vscode.Uri;
  lines: Map<string, number>;
}

/** The row explaining `code`, as a link target (a file URI with a line fragment) and a location. */
function docOf(docs: CodeDocs | undefined, code: string): { target: vscode.Uri; location: vscode.Location } | null {
  const line = docs?.lines.get(code);
  if (!docs || line === undefined) return null;
  return { target: docs.uri.with({ fragment: `L${line}` }), location: new vscode.Location(docs.uri, new vscode.Position(line - 1, 0)) };
}

/** `shown`: the diagnostic as the editor shows it (image text cut shorter, CkptModel.shown). */
export function toVsDiagnostics(all: Diagnostic[], uri?: vscode.Uri, repairs: Repair[] = [], shown: (d: Diagnostic) => Diagnostic = (d) => d, docs?: CodeDocs): vscode.Diagnostic[] {
  const list = all.filter((d) => d.severity !== 'info');
  const byKey = new Map(repairs.map((r) => [`${r.code}@${r.offset}`, r]));
  const out = list.slice(0, MAX).map((x) => {
    const d = shown(x);
    const range = new vscode.Range(0, d.offset, 0, d.offset + Math.max(1, d.length));
    const where = `byte offset ${d.offset} (0x${d.offset.toString(16)}), field ${d.field}${d.record !== undefined ? `, record ${d.record}` : ''}; binary file: column = byte offset`;
    const r = byKey.get(`${d.code}@${d.offset}`);
    const v = new vscode.Diagnostic(range, `${d.message} [${where}]${r ? fixText(r) : ''}`, SEVERITY[d.severity]);
    const doc = docOf(docs, d.code);
    v.code = r && uri ? { value: d.code, target: quickFixUri(uri, d.code, d.offset) } : doc ? { value: d.code, target: doc.target } : d.code;
    if (doc) v.relatedInformation = [new vscode.DiagnosticRelatedInformation(doc.location, `${d.code} in docs/diagnostics.md: what it means and why`)];
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
