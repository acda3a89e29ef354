// The Compare view of two images (Checkpoint: Compare with…): the rows the webview shows, built from
// src/parser/diff.ts's answer. A difference ("stop", what next/previous moves between) is a field that
// differs in a record present in both images, or a record only one of them has. Rows are handed out
// a page of stops at a time, so a hostile pair of images with millions of differing records costs the
// webview no more than one page. No vscode import.
import { diffImages, type DiffValue, type ImageDiff, type RecordDiff, type RecordSide } from '../parser/diff.js';
import { openImage } from '../parser/image.js';
import type { Image } from '../parser/model.js';
import { TERMIOS_FLAGS, termiosFlagNames } from '../parser/names.js';
import { looksLikeLinuxCr, notLinuxCrReason, SNIFF_BYTES } from '../parser/sniff.js';

/** Differences per page. */
export const COMPARE_PAGE = 500;
/** Characters of a value shown (hex strings of payloads can be 8 KiB). */
export const VALUE_CHARS = 64;
/** Framing problems listed per file (the rest counted). */
export const PROBLEMS_SHOWN = 3;

export type Side = 'A' | 'B';

export interface CompareFile {
  /** The name shown (the caller's, e.g. the file's base name). */
  name: string;
  bytes: Uint8Array;
}

/** A problem of one of the files: which file, where, which field, what. */
export interface FileProblem {
  side: Side;
  file: string;
  code: string;
  offset: number;
  field: string;
  message: string;
}

export interface SideSummary {
  name: string;
  size: number;
  records: number;
  endian: 'le' | 'be';
  problems: FileProblem[];
  /** Framing problems beyond those listed. */
  moreProblems: number;
}

export interface CompareRecordRow {
  kind: 'record';
  change: RecordDiff['change'];
  /** Record type name, objref and, for a TTY, its LDISC and pending input, the pty end's role and pts index. */
  label: string;
  a: RecordSide | null;
  b: RecordSide | null;
  /** The difference this row is (an inserted or removed record), or null for a changed record's heading. */
  stop: number | null;
}

export interface CompareFieldRow {
  kind: 'field';
  /** C field name, `len`, `type`, or `bytes` for bytes no decoded field holds. */
  field: string;
  a: string;
  b: string;
  offsetA: number;
  offsetB: number;
  /** What changed, in words (flag bits set and cleared, how many bytes differ), or ''. */
  note: string;
  stop: number;
}

export type CompareRow = CompareRecordRow | CompareFieldRow;

export interface ComparePage {
  /** First and one past the last stop of the page. */
  start: number;
  end: number;
  rows: CompareRow[];
}

export interface CompareHeader {
  a: SideSummary;
  b: SideSummary;
  equal: boolean;
  differences: number;
  changedRecords: number;
  insertedRecords: number;
  removedRecords: number;
  alignment: ImageDiff['alignment'];
  firstDifference: number | null;
  pageSize: number;
}

export type CompareOutcome = { ok: true; view: CompareView } | { ok: false; problems: FileProblem[] };

/** What a comparison found, as plain data (it crosses from the worker thread by structured clone). */
export interface CompareData {
  diff: ImageDiff;
  a: SideSummary;
  b: SideSummary;
  /** The pty end (role and /dev/pts index) of TTY, TTY_LDISC and pending-input BUFFER records, by record index, in A and in B. */
  ttysA: Map<number, string>;
  ttysB: Map<number, string>;
}

export type CompareResult = { ok: true; data: CompareData } | { ok: false; problems: FileProblem[] };

function shown(v: DiffValue): string {
  if (v === null) return '—';
  if (typeof v === 'number') return v > 9 || v < 0 ? `${v} (0x${(v >>> 0).toString(16)})` : String(v);
  if (v === '') return '(empty)';
  return v.length > VALUE_CHARS ? `${v.slice(0, VALUE_CHARS)}…` : v;
}

/** Flag bits set and cleared between two termios flag words, by name. */
function flagNote(field: string, a: DiffValue, b: DiffValue): string {
  if (!(field in TERMIOS_FLAGS) || typeof a !== 'number' || typeof b !== 'number') return '';
  const k = field as keyof typeof TERMIOS_FLAGS;
  const na = new Set(termiosFlagNames(k, a));
  const nb = new Set(termiosFlagNames(k, b));
  const set = [...nb].filter((n) => !na.has(n)).map((n) => `+${n}`);
  const cleared = [...na].filter((n) => !nb.has(n)).map((n) => `−${n}`);
  return [...set, ...cleared].join(' ');
}

function problemsOf(side: Side, name: string, img: Image): { problems: FileProblem[]; more: number } {
  const all = img.parseDiagnostics.filter((d) => d.severity === 'error');
  return {
    problems: all.slice(0, PROBLEMS_SHOWN).map((d) => ({ side, file: name, code: d.code, offset: d.offset, field: d.field, message: d.message })),
    more: Math.max(0, all.length - PROBLEMS_SHOWN),
  };
}

/** The pty end a TTY, its LDISC and the LDISC's BUFFER (pending input) belong to, by record, for the record labels. */
function ttyLabels(img: Image): Map<number, string> {
  const out = new Map<number, string>();
  for (const t of img.ttys) {
    const who = `${t.role} of /dev/pts/${t.index.value}`;
    out.set(t.record, who);
    if (t.ldisc) out.set(t.ldisc.record, who);
    if (t.ldisc?.buffer) out.set(t.ldisc.buffer.record, `pending input of ${who}`);
  }
  return out;
}

export class CompareView {
  readonly header: CompareHeader;
  /** First stop of each record of the diff (prefix sums), and one past the last. */
  private readonly firstStop: Uint32Array;

  readonly diff: ImageDiff;
  private readonly ttysA: Map<number, string>;
  private readonly ttysB: Map<number, string>;

  constructor({ diff, a, b, ttysA, ttysB }: CompareData) {
    this.diff = diff;
    this.ttysA = ttysA;
    this.ttysB = ttysB;
    const n = diff.records.length;
    this.firstStop = new Uint32Array(n + 1);
    let changed = 0;
    let inserted = 0;
    let removed = 0;
    for (let i = 0; i < n; i++) {
      const r = diff.records[i] as RecordDiff;
      if (r.change === 'changed') changed++;
      else if (r.change === 'inserted') inserted++;
      else removed++;
      (this.firstStop[i + 1] as number) = (this.firstStop[i] as number) + (r.change === 'changed' ? r.fields.length : 1);
    }
    this.header = {
      a,
      b,
      equal: diff.equal,
      differences: this.firstStop[n] as number,
      changedRecords: changed,
      insertedRecords: inserted,
      removedRecords: removed,
      alignment: diff.alignment,
      firstDifference: diff.firstDifference,
      pageSize: COMPARE_PAGE,
    };
  }

  /** The page holding stop `stop` (clamped), pages starting at multiples of the page size. */
  page(stop: number): ComparePage {
    const total = this.header.differences;
    const start = total === 0 ? 0 : Math.floor(Math.min(Math.max(0, stop), total - 1) / COMPARE_PAGE) * COMPARE_PAGE;
    const end = Math.min(total, start + COMPARE_PAGE);
    const rows: CompareRow[] = [];
    if (end === start) return { start, end, rows };
    // The first record with a stop at or after `start`.
    let lo = 0;
    let hi = this.diff.records.length - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if ((this.firstStop[m + 1] as number) <= start) lo = m + 1;
      else hi = m;
    }
    for (let i = lo; i < this.diff.records.length; i++) {
      const first = this.firstStop[i] as number;
      if (first >= end) break;
      const r = this.diff.records[i] as RecordDiff;
      const tty = (r.a && this.ttysA.get(r.a.record)) ?? (r.b && this.ttysB.get(r.b.record)) ?? null;
      const label = `${r.type}${r.objref !== null ? ` objref ${r.objref}` : ''}${tty ? ` (${tty})` : ''}`;
      rows.push({ kind: 'record', change: r.change, label, a: r.a, b: r.b, stop: r.change === 'changed' ? null : first });
      if (r.change !== 'changed') continue;
      r.fields.forEach((f, k) => {
        const stop = first + k;
        if (stop < start || stop >= end) return;
        const note = f.field === 'bytes' ? `${f.count ?? 0} byte(s) differ${(f.count ?? 0) > 16 ? '; the first 16 shown' : ''}` : flagNote(f.field, f.a, f.b);
        rows.push({ kind: 'field', field: f.field, a: shown(f.a), b: shown(f.b), offsetA: f.offsetA, offsetB: f.offsetB, note, stop });
      });
    }
    return { start, end, rows };
  }
}

function summaryOf(side: Side, f: CompareFile, img: Image, d: ImageDiff): SideSummary {
  const p = problemsOf(side, f.name, img);
  const s = side === 'A' ? d.a : d.b;
  return { name: f.name, size: s.size, records: s.records, endian: s.endian, problems: p.problems, moreProblems: p.more };
}

/** Compare two files: refused, naming the file, offset and field, when either is not a Linux-CR image. */
export function compareFiles(a: CompareFile, b: CompareFile): CompareOutcome {
  const r = compareData(a, b);
  return r.ok ? { ok: true, view: new CompareView(r.data) } : r;
}

/** compareFiles' work, its answer as plain data (src/editor/compare-worker.ts runs it off the extension host's thread). */
export function compareData(a: CompareFile, b: CompareFile): CompareResult {
  const refused: FileProblem[] = [];
  for (const [side, f] of [['A', a], ['B', b]] as const) {
    if (!looksLikeLinuxCr(f.bytes.subarray(0, SNIFF_BYTES))) {
      refused.push({ side, file: f.name, code: 'NOT_LINUX_CR', offset: 0, field: 'HEADER', message: `not a Linux-CR checkpoint image: ${notLinuxCrReason(f.bytes, f.bytes.length)}` });
    }
  }
  if (refused.length) return { ok: false, problems: refused };
  const ia = openImage(a.bytes);
  const ib = openImage(b.bytes);
  const d = diffImages(ia, ib);
  return { ok: true, data: { diff: d, a: summaryOf('A', a, ia, d), b: summaryOf('B', b, ib, d), ttysA: ttyLabels(ia), ttysB: ttyLabels(ib) } };
}

/** What the Compare webview reads back from its own DOM when asked (the integration tests' view of it). */
export interface CompareProbe {
  state: 'equal' | 'differs' | 'refused' | 'loading';
  summary: string;
  count: string;
  position: string;
  errors: string[];
  rows: { kind: string; stop: number | null; label: string; offsetA: string; a: string; offsetB: string; b: string; change: string; marked: boolean }[];
  /** The stop of the focused row, or null (focus elsewhere). */
  focusedStop: number | null;
  focusedLabel: string | null;
}

export type CompareToWebview =
  | { type: 'init'; header: CompareHeader; page: ComparePage; focus: number | null }
  | { type: 'page'; page: ComparePage; focus: number | null }
  | { type: 'refused'; problems: FileProblem[] }
  | { type: 'move'; dir: 1 | -1 }
  | { type: 'probe'; id: number };

export type CompareFromWebview = { type: 'ready'; stop: number | null } | { type: 'page'; stop: number; focus: number | null } | { type: 'probe'; id: number; probe: CompareProbe };
