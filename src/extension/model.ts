// The editor's model of one image, without VS Code: the bytes (kept once, never copied), the record
// index and Structure tree (always, cheap: typed arrays), and the full model — openImage, validate,
// buildGraph — when the image has at most `maxTtys` TTY records (it costs several kilobytes of
// heap per tty record). Answers every request of src/shared/protocol.ts except `rows`' transport.
import { chooseByteOrder, framingDiagnostics, openImage } from '../parser/image.js';
import { Enums, enumName } from '../parser/kaitai.js';
import { buildGraph } from '../parser/graph.js';
import type { Diagnostic, Field, Graph, Image, Tty } from '../parser/model.js';
import type { Splice } from '../parser/encode.js';
import { checkLdiscs } from '../parser/validate/ldisc.js';
import { checkTtys } from '../parser/validate/tty.js';
import { reportJson } from '../parser/report-json.js';
import { indexStream, StreamIndex } from '../parser/stream-index.js';
import { validate } from '../parser/validate/index.js';
import { LAYOUT, T } from '../parser/layout.js';
import type { ByteRange, DiagnosticView, FieldHit, InitData, Requests, Selection, UpdateData } from '../shared/protocol.js';
import { Structure } from './views/structure.js';
import { graphView, ldiscList, ldiscView, pairList, pairView } from './views/model-views.js';

/** The full model costs several kilobytes of heap per TTY record; above this many it is not built. */
export const DEFAULT_MAX_TTYS = 4000;
const MAX_DIAGNOSTICS_SENT = 2000;

export interface ModelOptions {
  /** Build the full model only when the image has at most this many TTY records. */
  maxTtys?: number;
}

export class CkptModel {
  readonly index: StreamIndex;
  readonly littleEndian: boolean;
  readonly structure: Structure;
  readonly img: Image | null;
  diagnostics: Diagnostic[];
  readonly graph: Graph | null;
  readonly modelNote: string | null;
  readonly timings: Record<string, number> = {};
  private pairsCache: ReturnType<typeof pairList> | null = null;
  private ldiscCache: ReturnType<typeof ldiscList> | null = null;

  constructor(
    readonly bytes: Uint8Array,
    readonly fileName: string,
    opts: ModelOptions = {},
  ) {
    const t0 = performance.now();
    const limit = opts.maxTtys ?? DEFAULT_MAX_TTYS;
    // The framing walk is cheap (typed arrays); it tells how many TTY records the full model would decode.
    const le = chooseByteOrder(bytes, bytes.length >= 18 ? bytes[16] | (bytes[17] << 8) : -1) ?? true;
    const quick = indexStream(bytes, le);
    let ttys = 0;
    for (let i = 0; i < quick.count; i++) if (quick.types[i] === T.TTY) ttys++;
    this.timings.index = performance.now() - t0;
    if (ttys <= limit) {
      this.img = openImage(bytes);
      this.index = this.img.index;
      this.littleEndian = this.img.littleEndian;
      this.timings.parse = performance.now() - t0 - this.timings.index;
      this.diagnostics = validate(this.img);
      this.timings.validate = performance.now() - t0 - this.timings.index - this.timings.parse;
      this.graph = buildGraph(this.img);
      this.modelNote = null;
    } else {
      this.img = null;
      this.littleEndian = le;
      this.index = quick;
      this.diagnostics = framingDiagnostics(this.index);
      this.graph = null;
      this.modelNote =
        `This image has ${ttys} TTY records, more than the ${limit} the full model is built for ` +
        `(setting ckptInspector.fullModelMaxTtys): structure, fields and hex are shown, ` +
        `framing problems are checked; terminal, line discipline, graph and the full validation are not built. ` +
        `Run \`ckpt-inspect --json\` for the full report.`;
    }
    const t1 = performance.now();
    this.structure = new Structure({ bytes, littleEndian: this.littleEndian, index: this.index });
    this.structure.setSeverities(this.diagnostics);
    this.timings.structure = performance.now() - t1;
    this.timings.model = performance.now() - t0;
  }

  get decoded(): boolean {
    if (this.img) return this.img.decoded;
    // Without the full model: a HEADER first and rev 2, as openImage decides.
    const { index } = this;
    if (index.count === 0 || index.types[0] !== T.HEADER || index.lens[0] < LAYOUT.header.len) return false;
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return v.getUint16(LAYOUT.header.fields.get('rev')!.offset, this.littleEndian) === 2;
  }

  private pairs() {
    return (this.pairsCache ??= this.img ? pairList(this.img) : []);
  }
  private ldiscs() {
    return (this.ldiscCache ??= this.img ? ldiscList(this.img) : []);
  }

  init(generation: number, timings: Record<string, number>, cause: InitData['cause'] = 'open'): InitData {
    return { ...this.summary(generation, timings), diagnostics: this.diagnosticViews(), cause };
  }

  /** After an edit: the summary, the diagnostics only when they changed, what changed. */
  update(generation: number, timings: Record<string, number>, diagnosticsChanged: boolean, records: number[] | null, ranges: ByteRange[] | null): UpdateData {
    return { ...this.summary(generation, timings), diagnostics: diagnosticsChanged ? this.diagnosticViews() : null, cause: 'edit', records, ranges };
  }

  private diagnosticViews(): DiagnosticView[] {
    return this.diagnostics.slice(0, MAX_DIAGNOSTICS_SENT).map(diagView);
  }

  private summary(generation: number, timings: Record<string, number>): Omit<InitData, 'diagnostics' | 'cause'> {
    const counts = { error: 0, warning: 0, info: 0 };
    for (const d of this.diagnostics) counts[d.severity]++;
    const archId = this.bytes.length >= 18 ? this.bytes[16] | (this.bytes[17] << 8) : -1;
    return {
      generation,
      fileName: this.fileName,
      size: this.bytes.length,
      littleEndian: this.littleEndian,
      archId,
      archName: enumName(Enums.archId, archId) ?? null,
      decoded: this.decoded,
      recordCount: this.index.count,
      modelBuilt: this.img !== null,
      modelNote: this.modelNote,
      pairCount: this.pairs().length,
      ldiscCount: this.ldiscs().length,
      graphNodes: this.graph?.nodes.length ?? 0,
      graphEdges: this.graph?.edges.length ?? 0,
      diagnosticsTotal: this.diagnostics.length,
      counts,
      timings: { ...this.timings, ...timings },
      editable: this.img !== null && this.img.decoded,
    };
  }

  /** Records whose values the last patch() re-read (the pty pairs, their LDISC and BUFFER records). */
  lastPatchRecords: number[] = [];

  private patchMap: Map<number, { f: Field<number | Uint8Array>; t: Tty }> | null = null;

  /**
   * Bring the model up to date after same-length splices that each rewrite exactly one TTY or LDISC
   * value which nothing else is derived from (termios, winsize, tty flags, c_cc, the LDISC scalars,
   * state bits and read_flags): the values are read again, and only that pty pair's TTY and LDISC
   * checks run again. Returns false when a full rebuild is needed (anything else: identity fields,
   * objrefs, lengths, the pending buffer, other records).
   */
  patch(bytes: Uint8Array, splices: Splice[]): boolean {
    const img = this.img;
    if (!img || !img.decoded || bytes !== this.bytes || splices.length === 0) return false;
    const map = (this.patchMap ??= patchableFields(img));
    const hits: { f: Field<number | Uint8Array>; t: Tty }[] = [];
    for (const s of splices) {
      const e = map.get(s.offset);
      if (!e || s.remove !== e.f.size || s.insert.length !== e.f.size) return false;
      hits.push(e);
    }
    const t0 = performance.now();
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = img.littleEndian;
    const ttys = new Set<Tty>();
    for (const { f, t } of hits) {
      if (f.value instanceof Uint8Array) f.value = bytes.slice(f.offset, f.offset + f.size);
      else if (f.size === 1) f.value = v.getUint8(f.offset);
      else if (f.size === 2) f.value = v.getUint16(f.offset, le);
      else if (f.size === 4) f.value = v.getUint32(f.offset, le);
      else f.value = Number(v.getBigUint64(f.offset, le));
      ttys.add(t);
    }
    // The pair partners too: a check of one side may look at the other.
    for (const t of [...ttys]) for (const p of this.partners(t)) ttys.add(p);
    const records = new Set<number>();
    for (const t of ttys) {
      records.add(t.record);
      if (t.ldisc) {
        records.add(t.ldisc.record);
        if (t.ldisc.buffer) records.add(t.ldisc.buffer.record);
      }
    }
    // Pair-level codes depend on roles and objrefs only, which a patch never changes.
    const local = (d: Diagnostic) => d.record !== undefined && records.has(d.record) && ttyOrLdiscCode(d.code);
    const fresh: Diagnostic[] = [];
    const sub: Image = { ...img, ttys: [...ttys] };
    checkTtys(sub, (d) => void (local(d) && fresh.push(d)));
    checkLdiscs(sub, (d) => void (local(d) && fresh.push(d)));
    const rank = { error: 0, warning: 1, info: 2 } as const;
    // Checks outside checkTtys/checkLdiscs (framing, objrefs, files) report on these records too: keep them.
    const kept = this.diagnostics.filter((d) => !local(d));
    this.diagnostics = [...kept, ...fresh].sort((a, b) => a.offset - b.offset || rank[a.severity] - rank[b.severity]);
    this.structure.setSeverities(this.diagnostics);
    this.lastPatchRecords = [...records];
    this.timings.patch = performance.now() - t0;
    return true;
  }

  /** Build what the first patch needs (the field map, the pair list) ahead of the first edit. */
  warm(): void {
    if (!this.img || !this.img.decoded) return;
    this.patchMap ??= patchableFields(this.img);
    this.pairs();
  }

  private partners(t: Tty): Tty[] {
    const out: Tty[] = [];
    for (const p of this.pairs()) if (p.master === t || p.slave === t) for (const x of [p.master, p.slave]) if (x && x !== t) out.push(x);
    return out;
  }

  rows(offset: number, length: number): { offset: number; data: ArrayBuffer } {
    const o = Math.max(0, Math.min(offset, this.bytes.length));
    const e = Math.max(o, Math.min(this.bytes.length, o + Math.max(0, Math.min(length, 1 << 20))));
    // A fresh ArrayBuffer of exactly these bytes (the only thing that crosses to the webview).
    return { offset: o, data: this.bytes.slice(o, e).buffer };
  }

  handle<K extends keyof Requests>(name: K, params: Requests[K]['params']): Requests[K]['result'] {
    const p = params as never as Record<string, number | string | null>;
    switch (name) {
      case 'rows':
        return this.rows(p.offset as number, p.length as number) as Requests[K]['result'];
      case 'children':
        return this.structure.children(String(p.id), Number(p.start) || 0) as Requests[K]['result'];
      case 'fieldAt':
        return this.structure.fieldAt(Number(p.offset)) as Requests[K]['result'];
      case 'locateRecord':
        return this.structure.locate(Number(p.record)) as Requests[K]['result'];
      case 'pairs': {
        const all = this.pairs();
        const s = Math.max(0, Number(p.start));
        return { pairs: all.slice(s, s + Math.min(50, Number(p.count))).map((x) => pairView(this.img!, x)), total: all.length } as Requests[K]['result'];
      }
      case 'ldiscs': {
        const all = this.ldiscs();
        const s = Math.max(0, Number(p.start));
        return { items: all.slice(s, s + Math.min(50, Number(p.count))).map((x) => ldiscView(this.img!, x.tty, x.ldisc)), total: all.length } as Requests[K]['result'];
      }
      case 'graph':
        return (this.graph
          ? graphView(this.graph, p.focusRecord === null || p.focusRecord === undefined ? null : Number(p.focusRecord))
          : { nodes: [], edges: [], totalNodes: 0, totalEdges: 0, note: this.modelNote }) as Requests[K]['result'];
      default:
        throw new Error(`unknown request ${String(name)}`);
    }
  }

  /** The record that holds object `objref` (its own record, else its OBJREF), as a hit to reveal. */
  revealObjref(objref: number): FieldHit | null {
    if (this.img) {
      const o = this.img.objects.get(objref);
      if (o) return this.structure.locate(o.target >= 0 ? o.target : o.record);
      const r = this.img.objrefs.find((x) => x.objref.value === objref);
      return r ? this.structure.locate(r.record) : null;
    }
    // Without the full model: scan the OBJREF records (typed arrays + DataView).
    const { types, offsets, lens, count } = this.index;
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const at = LAYOUT.objref.fields.get('objref')!.offset;
    for (let i = 0; i < count; i++) {
      if (types[i] === T.OBJREF && lens[i] >= LAYOUT.objref.len && v.getInt32(offsets[i] + at, this.littleEndian) === objref) {
        const next = i + 1 < count && types[i + 1] !== T.OBJREF ? i + 1 : i;
        return this.structure.locate(next);
      }
    }
    return null;
  }

  /** The selection as JSON: where it is, what record and field, the decoded value and the bytes. */
  selectionJson(sel: Selection): Record<string, unknown> {
    const rec = sel.record ?? this.structure.recordAt(sel.offset);
    const out: Record<string, unknown> = {
      file: this.fileName,
      offset: sel.offset,
      length: sel.length,
      hex: Buffer.from(this.bytes.subarray(sel.offset, sel.offset + Math.min(sel.length, 4096))).toString('hex'),
    };
    if (rec >= 0) {
      out.record = rec;
      out.recordType = enumName(Enums.hdrType, this.index.types[rec]) ?? this.index.types[rec];
      out.recordOffset = this.index.offsets[rec];
    }
    if (rec >= 0 && sel.path) {
      const f = this.structure.fieldValue(rec, sel.path);
      if (f) {
        out.field = sel.path;
        out.value = f.value;
        out.text = f.text;
      }
    }
    const ds = this.diagnostics.filter((d) => d.offset < sel.offset + Math.max(1, sel.length) && sel.offset < d.offset + Math.max(1, d.length));
    if (ds.length) out.diagnostics = ds.map(diagView);
    return out;
  }

  report(): unknown {
    if (this.img) return reportJson(this.img, this.diagnostics);
    const img = openImage(this.bytes); // on request only: the full report needs the full model
    return reportJson(img, validate(img));
  }
}

/** Per-record codes of checkTtys and checkLdiscs (docs/diagnostics.md); PAIR_*, REF_* and LDISC_ORPHAN depend on what a patch never changes. */
function ttyOrLdiscCode(code: string): boolean {
  return /^(TTY_|LDISC_)/.test(code) && code !== 'LDISC_ORPHAN';
}

/** TTY and LDISC values a patch may rewrite, by offset. */
function patchableFields(img: Image): Map<number, { f: Field<number | Uint8Array>; t: Tty }> {
  const m = new Map<number, { f: Field<number | Uint8Array>; t: Tty }>();
  for (const t of img.ttys) {
    if (t.truncated) continue;
    const tm = t.termios;
    const w = t.winsize;
    const list: Field<number | Uint8Array>[] = [t.flags, tm.c_iflag, tm.c_oflag, tm.c_cflag, tm.c_lflag, tm.c_line, ...tm.c_cc, w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel];
    const l = t.ldisc;
    if (l) list.push(l.column, l.datalen, l.canon_column, l.canon_datalen, l.canon_data, l.minimum_to_wake, ...l.bools, l.read_flags);
    for (const f of list) if (f.size > 0) m.set(f.offset, { f, t });
  }
  return m;
}

export function diagView(d: Diagnostic): DiagnosticView {
  return { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, field: d.field, ...(d.record !== undefined ? { record: d.record } : {}) };
}
