// ckpt-inspect [--json | --ndjson] [--only SECTION] FILE: the report, as text or streamed JSON.
import { resolve } from 'node:path';
import { openImage } from '../parser/image.js';
import { REPORT_SECTIONS, reportJsonBytes, reportNdjsonBytes, type ReportSection } from '../parser/report-json.js';
import { reportTextChunks } from '../parser/report-text.js';
import { validateBounded } from '../parser/validate/index.js';
import { flag, strs, UsageError, type Command } from './args.js';
import { nameOf, escapeText, readReportInput, StdoutWriter } from './output.js';
import { mib, Progress } from './progress.js';

const SECTIONS = Object.keys(REPORT_SECTIONS) as ReportSection[];
/** Bytes of JSON written at a time. */
const CHUNK = 1 << 18;

function sections(list: string[]): ReportSection[] | undefined {
  if (!list.length) return undefined;
  const out: ReportSection[] = [];
  for (const s of list.flatMap((x) => x.split(','))) {
    if (!SECTIONS.includes(s as ReportSection)) throw new UsageError(`--only takes ${SECTIONS.join(', ')}, not '${escapeText(s)}'`);
    if (!out.includes(s as ReportSection)) out.push(s as ReportSection);
  }
  return out;
}

export const reportCommand: Command = {
  name: '',
  synopsis: ['[--json | --ndjson] [--only SECTION[,SECTION]] FILE'],
  summary: 'report the records, pty pairs, objhash graph and problems of FILE',
  description: `Reads a Linux-CR v18 checkpoint image (FILE, or '-' for stdin) and reports its records, pty
pairs, objhash graph and problems. The text report cuts long lists and says how much it left out;
--json has everything, as one object whose "format" is "ckpt-inspect.report/1"
(docs/schemas/report.schema.json).`,
  options: {
    json: { type: 'boolean', help: 'print the report as one JSON object' },
    ndjson: { type: 'boolean', help: 'print one JSON object per line: records (or the one --only section)' },
    only: { type: 'string', multiple: true, arg: SECTIONS.join('|'), help: 'only these parts of the report (repeat or separate by commas)' },
    version: { type: 'boolean', short: 'V', help: 'print the version and exit' },
  },
  epilogue: 'Exit status: 0 valid image, 1 image with errors, 2 usage error or unreadable file.',
  async run(p) {
    const files = p.positionals;
    if (files.length !== 1) throw new UsageError(files.length ? `give one FILE, not ${files.length}` : 'missing FILE');
    const file = files[0] as string;
    const json = flag(p, 'json');
    const ndjson = flag(p, 'ndjson');
    const only = sections(strs(p, 'only'));
    if (json && ndjson) throw new UsageError('--json and --ndjson are exclusive');
    if (ndjson && only && only.length > 1) throw new UsageError('--ndjson prints one section: give one --only');

    const progress = new Progress(nameOf(file));
    progress.step('reading');
    const input = await readReportInput(file, json);
    const bytes = input.bytes;
    progress.step(`parsing ${mib(bytes.length)}`);
    const img = openImage(bytes, input.index, input.packed);
    progress.step(`validating ${img.index.count} records`);
    const v = validateBounded(img);
    const diags = v.diagnostics;
    const out = new StdoutWriter();
    // Output to the same terminal would be overwritten by the progress line.
    if (process.stdout.isTTY) progress.stop();
    let written = 0;
    // Each chunk is a view of the producer's reused buffer: written out before the next is made.
    const send = async (chunk: Uint8Array) => {
      written += chunk.length;
      progress.step(`writing ${json ? 'JSON' : 'NDJSON'}: ${mib(written)}`);
      await out.writeChunk(chunk);
    };
    try {
      if (json) {
        const source = input.sha256 === undefined ? null : { path: resolve(file), sha256: input.sha256 };
        for (const chunk of reportJsonBytes(img, diags, { source, omitted: v.omitted, terminal: true, chunk: CHUNK, ...(only ? { only } : {}) })) await send(chunk);
      } else if (ndjson) {
        for (const chunk of reportNdjsonBytes(img, diags, only?.[0] ?? 'records', CHUNK, true)) await send(chunk);
      } else {
        progress.step('writing the report');
        reportTextChunks(img, diags, nameOf(file), (c) => out.pushNow(c), { counted: v, ...(only ? { only } : {}) });
        progress.done();
      }
    } finally {
      progress.done();
    }
    await out.flush();
    return v.errors > 0 ? 1 : 0;
  },
};
