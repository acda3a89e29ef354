// The editor's model of one image, without VS Code: the bytes (kept once, never copied), the record
// index and Structure tree (always, cheap: typed arrays), and the full model — openImage, validate,
// buildGraph — when the image has at most `maxTtys` TTY records (it costs several kilobytes of
// heap per tty record). Answers every request of src/shared/protocol.ts except `rows`' transport.
import { archIdOf, byteOrderOf, framingDiagnostics, isV18, openImage } from '../parser/image.js';
import { findObjrefRecord } from '../parser/record-summary.js';
import { looksLikeLinuxCr, notLinuxCrReason, SNIFF_BYTES } from '../parser/sniff.js';
import { Enums, enumName } from '../parser/kaitai.js';
import { buildGraph } from '../parser/graph.js';
import type { Diagnostic, Field, FieldValue, Graph, Image, Tty } from '../parser/model.js';
import type { Splice } from '../parser/encode.js';
import { bufferPayloadOwner, bufferSpliceOwner, rebaseAfterSplice, rebaseTables, rereadField, type BufferOwner } from '../parser/rebase.js';
import { recordsOf, revalidateTtys } from '../parser/validate/revalidate.js';
import { reportJson } from '../parser/report-json.js';
import { emptyIndex, indexStream, StreamIndex } from '../parser/stream-index.js';
import { validateBounded } from '../parser/validate/index.js';
import { type Repair, repairKey, repairsFor } from '../parser/repair/index.js';
import { errorRecordMessage } from '../parser/validate/stream.js';
import { DEFAULT_CUT } from '../shared/escape.js';
import { LAYOUT, T } from '../parser/layout.js';
import { requestKey, type ByteRange, type DiagnosticView, type FieldHit, type InitData, type Prefetched, type RequestName, type Requests, type Selection, type UpdateData } from '../shared/protocol.js';
import { Structure } from './structure.js';
import { graphView, ldiscList, ldiscView, pairList, pairView } from './panel-views.js';

/**
 * Requests update() may answer ahead, and how many of each (the newest) are remembered: a tree page
 * is up to TREE_PAGE nodes, and the tree asks again only for its expanded nodes' pages.
 */
const REPLAY_LIMIT = { children: 8, rows: 8, pairs: 2, ldiscs: 2 } as const;
type ReplayedRequest = keyof typeof REPLAY_LIMIT;

/** The full model costs several kilobytes of heap per TTY record; above this many it is not built. */
export const DEFAULT_MAX_TTYS = 4000;
const MAX_DIAGNOSTICS_SENT = 2000;
/** Images from this size on are read sparsely (byte-store.ts): their payloads are not all in memory to repair from. */
const REPAIR_MAX_BYTES = 16 << 20;

export interface ModelOptions {
  /** Build the full model only when the image has at most this many TTY records. */
  maxTtys?: number;
  /**
   * Copies of arbitrary bytes (Hex rows, the selection's JSON, raw payloads): the document's store,
   * which reads what a sparse store left on disk. Default: from `bytes`.
   */
  read?: (offset: number, length: number) => Uint8Array;
  /** The file's size, when `bytes` are only its first bytes (a file that does not start like an image). */
  size?: number;
  /** The record index of `bytes` in the byte order byteOrderOf gives, built elsewhere (a worker thread). */
  index?: StreamIndex;
}

export class CkptModel {
  readonly index: StreamIndex;
  readonly littleEndian: boolean;
  private _structure: Structure;
  /** What the Structure reads; its `bytes` follow the model's after a length-changing edit. */
  private readonly structureSrc: { bytes: Uint8Array; littleEndian: boolean; index: StreamIndex; read: (offset: number, length: number) => Uint8Array };
  private readonly readBytes: (offset: number, length: number) => Uint8Array;
  readonly img: Image | null;
  diagnostics: Diagnostic[];
  /** Per code, the diagnostics found beyond the DIAGNOSTICS_PER_CODE kept in `diagnostics`. */
  diagnosticsOmitted: Record<string, number> = {};
  readonly graph: Graph | null;
  readonly modelNote: string | null;
  /** The file's size (more than `bytes` holds when only a non-image's first bytes were read). */
  private readonly fileSize: number;
  /** Why the bytes are not taken for a Linux-CR image (src/parser/sniff.ts), or null when they are. */
  readonly notImage: string | null;
  readonly timings: Record<string, number> = {};
  private pairsCache: ReturnType<typeof pairList> | null = null;
  private ldiscCache: ReturnType<typeof ldiscList> | null = null;

  private _bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly fileName: string,
    opts: ModelOptions = {},
  ) {
    this._bytes = bytes;
    this.readBytes = opts.read ?? ((o, l) => this._bytes.slice(o, o + l));
    const t0 = performance.now();
    const limit = opts.maxTtys ?? DEFAULT_MAX_TTYS;
    // The framing walk is cheap (typed arrays); it tells how many TTY records the full model would decode.
    const le = byteOrderOf(bytes) ?? true;
    // A file that does not start like an image (a PyTorch `.ckpt`, a gigabyte of zeros) is not scanned.
    this.notImage = looksLikeLinuxCr(bytes.subarray(0, SNIFF_BYTES)) ? null : notLinuxCrReason(bytes, opts.size ?? bytes.length);
    this.fileSize = opts.size ?? bytes.length;
    const quick = this.notImage !== null ? emptyIndex() : (opts.index ?? indexStream(bytes, le));
    let ttys = 0;
    // TTY records too short for their fields cost the model nothing (Image.shortTtys): not counted.
    const ttyLen = LAYOUT.tty.len;
    for (let i = 0; i < quick.count; i++) if (quick.types[i] === T.TTY && quick.lens[i] >= ttyLen) ttys++;
    this.timings.index = performance.now() - t0;
    if (this.notImage !== null) {
      this.img = null;
      this.littleEndian = le;
      this.index = quick;
      this.diagnostics = [];
      this.graph = null;
      this.modelNote = `Not a Linux-CR checkpoint image: ${this.notImage}. Nothing past its first bytes was read.`;
    } else if (ttys <= limit) {
      this.img = openImage(bytes, quick);
      this.index = this.img.index;
      this.littleEndian = this.img.littleEndian;
      this.timings.parse = performance.now() - t0 - this.timings.index;
      // As many diagnostics of one code as the CLI's --json lists; the rest are counted only.
      const v = validateBounded(this.img);
      this.diagnostics = v.diagnostics;
      this.diagnosticsOmitted = v.omitted;
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
    this.structureSrc = { bytes, littleEndian: this.littleEndian, index: this.index, read: this.readBytes };
    this._structure = this.makeStructure();
    this.structure.setSeverities(this.diagnostics);
    this.timings.structure = performance.now() - t1;
    this.timings.model = performance.now() - t0;
  }

  /** The image's bytes: the document's store view (a new subarray after an edit changed the length). */
  get bytes(): Uint8Array {
    return this._bytes;
  }
  get structure(): Structure {
    return this._structure;
  }

  /** The Structure tree reads the index in place (an edit that moves records moves them there). */
  private makeStructure(): Structure {
    return new Structure(this.structureSrc);
  }

  get decoded(): boolean {
    return this.img ? this.img.decoded : this.notImage === null && isV18(this.bytes, this.index, this.littleEndian);
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
  update(generation: number, timings: Record<string, number>, diagnosticsChanged: boolean, records: number[] | null, ranges: ByteRange[] | null, sendDiagnostics = diagnosticsChanged): UpdateData {
    const prefetched = records === null ? [] : this.replay(diagnosticsChanged, records, ranges, generation - 1);
    return { ...this.summary(generation, timings), diagnostics: diagnosticsChanged && sendDiagnostics ? this.diagnosticViews() : null, cause: 'edit', records, ranges, prefetched };
  }

  /**
   * The panels' requests (the Structure's pages, the hex view's chunks, the pty pair and line
   * discipline pages) as the webviews last made them, newest last: what they show. After an edit
   * each panel that shows something changed asks again, one round trip through the workbench per
   * request (several in turn for an expanded tree); update() answers those requests ahead.
   */
  private readonly asked = new Map<string, { name: ReplayedRequest; params: unknown }>();

  private remember(name: RequestName, params: unknown): void {
    if (!(name in REPLAY_LIMIT)) return;
    const key = requestKey(name, params);
    this.asked.delete(key);
    this.asked.set(key, { name: name as ReplayedRequest, params });
    let n = 0;
    for (const [k, v] of [...this.asked].reverse()) if (v.name === name && ++n > REPLAY_LIMIT[name as ReplayedRequest]) this.asked.delete(k);
  }

  /**
   * Answers, on the patched model, to the remembered requests a panel makes again after this patch
   * (media/main.ts onUpdate): the tree's pages when the diagnostics or offsets changed, the hex
   * chunks that changed (all after a length change), the pair and line discipline pages that show a
   * changed record. Anything else is asked for as usual.
   */
  private replay(diagnosticsChanged: boolean, records: number[], ranges: ByteRange[] | null, base: number): Prefetched[] {
    const touched = new Set(records);
    const hit = (t: Tty | null) => t !== null && (touched.has(t.record) || (t.ldisc !== null && touched.has(t.ldisc.record)));
    const out: Prefetched[] = [];
    for (const [key, { name, params }] of this.asked) {
      const p = params as Record<string, number>;
      let again = false;
      if (name === 'children') again = diagnosticsChanged || ranges === null;
      else if (name === 'rows') again = ranges === null || ranges.some((r) => r.offset < p.offset + p.length && p.offset < r.offset + Math.max(1, r.length));
      else if (name === 'pairs') again = this.pairs().slice(p.start, p.start + p.count).some((x) => hit(x.master) || hit(x.slave));
      else again = this.ldiscs().slice(p.start, p.start + p.count).some((x) => hit(x.tty));
      if (!again) continue;
      // When no offset moved, a page's untouched entries are what the webview has, and a pair's view
      // is large for the workbench's message path: only the changed ones go.
      try {
        if (ranges !== null && (name === 'pairs' || name === 'ldiscs')) {
          const fill = name === 'pairs' ? 'pairs' : 'items';
          const own = name === 'pairs' ? this.pairs().slice(p.start, p.start + p.count).map((x) => hit(x.master) || hit(x.slave)) : this.ldiscs().slice(p.start, p.start + p.count).map((x) => hit(x.tty));
          const r = this.answer(name, params as never) as unknown as Record<string, unknown[]>;
          out.push({ key, result: { ...r, [fill]: r[fill].map((v, k) => (own[k] ? v : null)) }, fill, base });
          continue;
        }
        out.push({ key, result: this.answer(name, params as never) });
      } catch {
        // asked again by the panel, answered (or refused) then
      }
    }
    return out;
  }

  diagnosticViews(): DiagnosticView[] {
    const reps = new Map(this.repairs().map((r) => [repairKey(r), r]));
    return this.diagnostics.slice(0, MAX_DIAGNOSTICS_SENT).map((d) => {
      const v: DiagnosticView = diagView(this.shown(d));
      const r = reps.get(repairKey(d));
      return r ? { ...v, repair: r } : v;
    });
  }

  private repairCache: { diags: Diagnostic[]; patches: number; list: Repair[] } | null = null;
  /** Counts patches: repairs name bytes, and any patch may have changed them. */
  private patches = 0;

  /**
   * The repairs the diagnostics carry (src/parser/repair/), for the list as it is now. Not for an
   * image read sparsely (its payloads are not all in memory) or without the full model.
   */
  repairs(): Repair[] {
    const img = this.img;
    if (!img || !img.decoded || img.bytes.length >= REPAIR_MAX_BYTES || this.diagnostics.length === 0) return [];
    const c = this.repairCache;
    if (c && c.diags === this.diagnostics && c.patches === this.patches) return c.list;
    const list = repairsFor(img, this.diagnostics);
    this.repairCache = { diags: this.diagnostics, patches: this.patches, list };
    return list;
  }

  /**
   * A diagnostic as the editor shows it (its Problems tab, VS Code's Problems panel): text from the
   * image cut to DEFAULT_CUT bytes, as everywhere else the editor shows it (the CLI quotes more).
   */
  shown(d: Diagnostic): Diagnostic {
    if (d.code !== 'ERROR_RECORD' || d.record === undefined || !this.img) return d;
    return { ...d, message: errorRecordMessage(this.img, d.record, DEFAULT_CUT) };
  }

  private summary(generation: number, timings: Record<string, number>): Omit<InitData, 'diagnostics' | 'cause'> {
    const counts = { error: 0, warning: 0, info: 0 };
    for (const d of this.diagnostics) counts[d.severity]++;
    const archId = this.img?.archId ?? archIdOf(this.bytes);
    return {
      generation,
      fileName: this.fileName,
      size: this.notImage !== null ? this.fileSize : this.bytes.length,
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
      checked: this.notImage !== null ? 'none' : this.img ? 'full' : 'framing',
      diskNote: null,
      timings: { ...this.timings, ...timings },
      editable: this.img !== null && this.img.decoded,
    };
  }

  /** Records whose values the last patch() re-read (the pty pairs, their LDISC and BUFFER records). */
  lastPatchRecords: number[] = [];

  private patchMap: Map<number, PatchEntry> | null = null;

  /**
   * Bring the model up to date after an edit's splices (already applied to `bytes`, the document's
   * current view), when each splice is either
   *  - a same-length rewrite of exactly one TTY or LDISC value which nothing else is derived from
   *    (termios, winsize, tty flags, c_cc, the LDISC scalars, state bits and read_flags), or
   *  - at most one replacement of a tty's whole pending-input BUFFER record by another BUFFER record
   *    (an edit of the pending input, or its undo; any length), with the LDISC values planned with
   *    it lying before it (src/parser/encode.ts planLdiscData), or
   *  - a same-length rewrite inside a pending-input BUFFER's payload (bytes typed in the hex view).
   * The values are read again, the image is rebased onto the new bytes (src/parser/rebase.ts), and
   * only that pty pair's TTY and LDISC checks run again; every other diagnostic, graph edge and the
   * Structure move with the records. Returns false when a full rebuild is needed (anything else:
   * identity fields, objrefs, record insertions and removals, framing problems, other records).
   */
  patch(bytes: Uint8Array, splices: Splice[]): boolean {
    this.patches++;
    const img = this.img;
    if (!img || !img.decoded || splices.length === 0) return false;
    const map = (this.patchMap ??= patchableFields(img));
    const hits: { f: Field<FieldValue>; t: Tty }[] = [];
    let buffer: { s: Splice; owner: BufferOwner } | null = null;
    const inPlaceTtys: Tty[] = [];
    for (const s of splices) {
      const e = map.get(this.structure.recordAt(s.offset));
      const f = e?.fields.find((x) => x.offset === s.offset);
      if (e && f && s.remove === f.size && s.insert.length === f.size) {
        hits.push({ f, t: e.t });
        continue;
      }
      const inPlace = bufferPayloadOwner(img, s);
      if (inPlace) {
        // Bytes of the pending input typed over: its data is a view of the bytes, nothing moves.
        inPlaceTtys.push(inPlace.tty);
        continue;
      }
      const owner: BufferOwner | null = buffer ? null : bufferSpliceOwner(img, s);
      if (!owner) return false;
      buffer = { s, owner };
    }
    const delta = buffer ? buffer.s.insert.length - buffer.s.remove : 0;
    if (buffer) {
      const at = buffer.s.offset;
      // Field splices before the BUFFER mean the same bytes whether applied before or after it.
      if (hits.some((h) => h.f.offset >= at) || inPlaceTtys.length > 0) return false;
      if (bytes.length !== this._bytes.length + delta) return false;
      // The one message that names an absolute offset other than its own (docs/diagnostics.md).
      if (delta !== 0 && this.diagnostics.some((d) => d.code === 'REF_RESERVED_USED')) return false;
    } else if (bytes !== this._bytes) return false;

    const t0 = performance.now();
    const ttys = new Set<Tty>(inPlaceTtys);
    if (buffer) {
      this.rebase(bytes, buffer.s.offset, delta);
      ttys.add(buffer.owner.tty);
    }
    for (const { f, t } of hits) {
      rereadField(f, bytes, img.littleEndian);
      ttys.add(t);
    }
    // The pair partners too: a check of one side may look at the other.
    for (const t of [...ttys]) for (const p of this.partners(t)) ttys.add(p);
    const list = revalidateTtys(img, [...ttys], this.diagnostics, delta !== 0);
    // An unchanged list stays the same array: the session compares identities, not contents.
    if (list !== this.diagnostics) {
      this.diagnostics = list;
      this.structure.setSeverities(list);
    }
    const records = recordsOf(ttys);
    this.lastPatchRecords = [...records];
    this.timings.patch = performance.now() - t0;
    return true;
  }

  /**
   * The BUFFER record at `at` changed length by `delta` and `bytes` are the new content: move the
   * image (src/parser/rebase.ts), the diagnostics, the graph's edges and the Structure with it.
   */
  private rebase(bytes: Uint8Array, at: number, delta: number): void {
    const img = this.img!;
    rebaseAfterSplice(img, bytes, at, delta);
    this._bytes = bytes;
    if (delta !== 0) {
      // Nothing but the BUFFER itself lies in [at, at + its old length); a diagnostic at `at` is on its header.
      this.diagnostics = this.diagnostics.map((d) => (d.offset > at ? { ...d, offset: d.offset + delta } : d));
      if (this.graph) for (const e of this.graph.edges) if (e.offset > at) e.offset += delta;
    }
    this.structureSrc.bytes = bytes;
    this._structure.rebind(bytes);
  }

  /** Build what the first patch needs (the field map, the pair list) ahead of the first edit. */
  warm(): void {
    const img = this.img;
    if (!img || !img.decoded) return;
    this.patchMap ??= patchableFields(img);
    this.pairs();
    rebaseTables(img);
    // Compile the patch path (checks, rebase, diagnostics merge) before the first edit needs it: run
    // it over splices that rewrite bytes with themselves, which changes nothing.
    const t = img.ttys.find((x) => x.ldisc && !x.truncated);
    if (!t || !t.ldisc) return;
    const b = this._bytes;
    const same = (offset: number, length: number): Splice => ({ offset, remove: length, insert: b.slice(offset, offset + length) });
    const { lastPatchRecords, timings } = this;
    const patchMs = timings.patch;
    this.patch(b, [same(t.termios.c_lflag.offset, t.termios.c_lflag.size)]);
    const buf = t.ldisc.buffer;
    if (buf) this.patch(b, [same(t.ldisc.datalen.offset, 4), same(buf.offset, this.index.lens[buf.record])]);
    this.lastPatchRecords = lastPatchRecords;
    if (patchMs === undefined) delete timings.patch;
    else timings.patch = patchMs;
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
    return { offset: o, data: this.readBytes(o, e - o).buffer as ArrayBuffer };
  }

  handle<K extends keyof Requests>(name: K, params: Requests[K]['params']): Requests[K]['result'] {
    const r = this.answer(name, params);
    this.remember(name, params);
    return r;
  }

  private answer<K extends keyof Requests>(name: K, params: Requests[K]['params']): Requests[K]['result'] {
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
    // Without the full model: the OBJREF naming it, and the object's record when one follows.
    const i = findObjrefRecord({ bytes: this.bytes, littleEndian: this.littleEndian, index: this.index }, objref);
    if (i < 0) return null;
    const { types, count } = this.index;
    return this.structure.locate(i + 1 < count && types[i + 1] !== T.OBJREF ? i + 1 : i);
  }

  /** The selection as JSON: where it is, what record and field, the decoded value and the bytes. */
  selectionJson(sel: Selection): Record<string, unknown> {
    const rec = sel.record ?? this.structure.recordAt(sel.offset);
    const out: Record<string, unknown> = {
      file: this.fileName,
      offset: sel.offset,
      length: sel.length,
      hex: Buffer.from(this.readBytes(sel.offset, Math.min(sel.length, 4096))).toString('hex'),
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
    if (this.img) return reportJson(this.img, this.diagnostics, this.diagnosticsOmitted);
    const img = openImage(this.bytes); // on request only: the full report needs the full model
    const v = validateBounded(img);
    return reportJson(img, v.diagnostics, v.omitted);
  }
}

interface PatchEntry {
  t: Tty;
  /** The values of the record a patch may rewrite (their offsets move with the records). */
  fields: Field<FieldValue>[];
}

/**
 * TTY and LDISC values a patch may rewrite, by record number (TTY and LDISC records): record numbers
 * stay when a pending-input edit moves the records after it, offsets do not.
 */
function patchableFields(img: Image): Map<number, PatchEntry> {
  const m = new Map<number, PatchEntry>();
  for (const t of img.ttys) {
    if (t.truncated) continue;
    const tm = t.termios;
    const w = t.winsize;
    const own = [t.flags, tm.c_iflag, tm.c_oflag, tm.c_cflag, tm.c_lflag, tm.c_line, ...tm.c_cc, w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel].filter((f) => f.size > 0);
    m.set(t.record, { t, fields: own });
    const l = t.ldisc;
    if (l) m.set(l.record, { t, fields: [l.column, l.datalen, l.canon_column, l.canon_datalen, l.canon_data, l.minimum_to_wake, ...l.bools, l.read_flags].filter((f) => f.size > 0) });
  }
  return m;
}

export function diagView(d: Diagnostic): DiagnosticView {
  return { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, field: d.field, ...(d.record !== undefined ? { record: d.record } : {}) };
}
