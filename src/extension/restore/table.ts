// The verify result as an HTML table (a webview without scripts). Pure: no `vscode` import.
import type { VerifyReport } from '../../parser/restore-plan.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STATUS_LABEL: Record<string, string> = { restored: 'restored', partial: 'partial', mismatch: 'mismatch', 'not-restorable': 'not restorable' };

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v === '' ? '(empty)' : v;
  return JSON.stringify(v);
}

export interface TableInput {
  report: VerifyReport;
  file: string;
  host: string;
  notes: string[];
  /** ms, for the header */
  durationMs?: number;
}

/** Rows of the table: one per field and pair (exported for tests). */
export function tableRows(report: VerifyReport): { pair: number; pts: string; name: string; image: string; kernel: string; status: string; reason: string }[] {
  return report.pairs.flatMap((p, i) =>
    p.fields.map((f) => ({
      pair: i,
      pts: `/dev/pts/${String(p.image.index)}${p.kernel.index !== null && p.kernel.index !== p.image.index ? ` → ${p.kernel.index}` : ''}`,
      name: f.name,
      image: show(f.image),
      kernel: show(f.kernel),
      status: STATUS_LABEL[f.status] ?? f.status,
      reason: f.reason ?? '',
    })),
  );
}

/** A complete HTML page; `nonce` authorises the one inline style block (CSP: no scripts at all). */
export function renderVerifyTable(t: TableInput, cspSource: string, nonce: string): string {
  const rows = tableRows(t.report);
  const counts = rows.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
  const summary = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ');
  const body = rows
    .map((r) => {
      const cls = r.status === 'restored' ? 'ok' : r.status === 'mismatch' ? 'bad' : 'na';
      return `<tr class="${cls}"><td>${esc(r.pts)}</td><td class="field"><code>${esc(r.name)}</code></td><td><code>${esc(r.image)}</code></td><td><code>${esc(r.kernel)}</code></td><td class="st">${esc(r.status)}</td><td>${esc(r.reason)}</td></tr>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Restore verification</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border); vertical-align: top; }
td code { font-family: var(--vscode-editor-font-family); word-break: break-all; }
td.field code { word-break: normal; white-space: nowrap; }
tr.ok .st { color: var(--vscode-testing-iconPassed); }
tr.bad .st { color: var(--vscode-errorForeground); font-weight: bold; }
tr.na .st { color: var(--vscode-descriptionForeground); }
.verdict.ok { color: var(--vscode-testing-iconPassed); } .verdict.bad { color: var(--vscode-errorForeground); }
</style></head><body>
<h2 class="verdict ${t.report.ok ? 'ok' : 'bad'}">${t.report.ok ? 'Every restorable field matches' : 'Mismatch'}</h2>
<p>${esc(t.file)} on <b>${esc(t.host)}</b>: ${esc(summary)}${t.durationMs !== undefined ? ` (${Math.round(t.durationMs)} ms)` : ''}</p>
${t.notes.map((n) => `<p>Note: ${esc(n)}</p>`).join('\n')}
<table><thead><tr><th>pty</th><th>field</th><th>image</th><th>kernel</th><th>status</th><th>why</th></tr></thead>
<tbody>
${body}
</tbody></table>
</body></html>`;
}
