// ckpt-inspect diff A B [--json]: what differs between two images (src/parser/diff.ts).
import { resolve } from 'node:path';
import { diffImages, type DiffValue, type FieldDiff, type ImageDiff, type RecordDiff } from '../parser/diff.js';
import { openImage } from '../parser/image.js';
import { jsonForTerminal } from '../shared/escape.js';
import { flag, UsageError, type Command } from './args.js';
import { escapeText, nameOf, readInput, StdoutWriter } from './output.js';

const MAX_TEXT_RECORDS = 200;

function show(v: DiffValue): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v === '' ? '""' : v.length > 64 ? `${v.slice(0, 64)}…` : v;
  return String(v);
}

function where(r: RecordDiff): string {
  const s = (x: RecordDiff['a']) => (x ? `#${x.record} @${x.offset}` : '-');
  return `${r.type}${r.objref !== null ? ` objref ${r.objref}` : ''}  A ${s(r.a)}  B ${s(r.b)}`;
}

function fieldLine(f: FieldDiff): string {
  const at = f.offsetA === f.offsetB ? `@${f.offsetA}` : `A @${f.offsetA}, B @${f.offsetB}`;
  return `    ${f.field}: ${show(f.a)} -> ${show(f.b)}  (${at})${f.count !== undefined ? `, ${f.count} byte(s)` : ''}`;
}

export function diffText(d: ImageDiff, nameA: string, nameB: string): string {
  const out: string[] = [`--- A ${nameA}: ${d.a.size} bytes, ${d.a.records} records, ${d.a.endian === 'le' ? 'little' : 'big'}-endian`, `+++ B ${nameB}: ${d.b.size} bytes, ${d.b.records} records, ${d.b.endian === 'le' ? 'little' : 'big'}-endian`];
  if (d.equal) {
    out.push('identical');
    return `${out.map(escapeText).join('\n')}\n`;
  }
  out.push(`first differing byte at offset ${d.firstDifference}${d.alignment === 'position' ? '; the images share too few records: aligned by position' : ''}`);
  for (const r of d.records.slice(0, MAX_TEXT_RECORDS)) {
    out.push(`${r.change.padEnd(8)} ${where(r)}`);
    for (const f of r.fields) out.push(fieldLine(f));
  }
  if (d.records.length > MAX_TEXT_RECORDS) out.push(`… ${d.records.length - MAX_TEXT_RECORDS} more records (use --json for all)`);
  if (d.pairs.length) out.push('', 'Pty pairs (by pts index):');
  for (const p of d.pairs) {
    out.push(`  /dev/pts/${p.index}: ${p.change === 'changed' ? 'changed' : p.change === 'removed' ? 'only in A' : 'only in B'}`);
    for (const f of p.fields) out.push(`    ${f.role ?? '?'} ${f.field}: ${show(f.a)} -> ${show(f.b)}`);
  }
  const count = (c: RecordDiff['change']) => d.records.filter((r) => r.change === c).length;
  out.push('', `${count('changed')} record(s) changed, ${count('inserted')} inserted, ${count('removed')} removed`);
  return `${out.map(escapeText).join('\n')}\n`;
}

export const diffCommand: Command = {
  name: 'diff',
  synopsis: ['diff A B [--json]'],
  summary: 'what differs between two images, record by record and field by field',
  description: `Compares two images: records aligned by identity (an object's records by objref, the others by
type and order), so inserted and removed records are found; field-level differences with the C
field name and the offset in each file; and the pty pairs compared by pts index. A or B '-' reads
stdin. --json prints one object whose "format" is "ckpt-inspect.diff/1" (docs/schemas/diff.schema.json).`,
  options: {
    json: { type: 'boolean', help: 'print the differences as one JSON object' },
  },
  epilogue: 'Exit status: 0 the images are identical, 1 they differ, 2 usage error or unreadable file.',
  async run(p) {
    const files = p.positionals;
    if (files.length !== 2) throw new UsageError(`diff takes two images, not ${files.length}`);
    const [fa, fb] = files as [string, string];
    if (fa === '-' && fb === '-') throw new UsageError("only one of A and B can be '-'");
    const a = openImage(readInput(fa));
    const b = openImage(readInput(fb));
    const d = diffImages(a, b);
    const out = new StdoutWriter();
    if (flag(p, 'json')) {
      const source = (f: string) => (f === '-' ? null : resolve(f));
      await out.write(jsonForTerminal(`${JSON.stringify({ ...d, sources: { a: source(fa), b: source(fb) } })}\n`));
    } else {
      await out.write(diffText(d, nameOf(fa), nameOf(fb)));
    }
    await out.flush();
    return d.equal ? 0 : 1;
  },
};
