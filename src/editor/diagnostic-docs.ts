// Where each diagnostic code is explained: its row in docs/diagnostics.md (a table row that starts
// with the code), so that a problem can link to the line that says what it means.

/** The 1-based line of each code's row in the markdown of docs/diagnostics.md. */
export function codeLines(markdown: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(lines[i]);
    if (m && !out.has(m[1])) out.set(m[1], i + 1);
  }
  return out;
}
