// The JSON report (`ckpt-inspect --json`): `ttys[]` and `files[]` use exactly the keys of the
// golden images' .json files so the two can be compared directly.
import { recordTypeName } from './image.js';
import type { Diagnostic, FileDesc, FileRec, GraphNodeKind, Image, ObjrefRec, Tty } from './model.js';
import { buildGraph } from './graph.js';
import { GraphWalk, NodeTag, type GraphSink } from './graph-walk.js';
import { ascii, JsonBytes } from './json-bytes.js';
import { toHex } from './names.js';
import { FILE_TYPE } from './layout.js';
import { DIAGNOSTICS_PER_CODE, limitDiagnostics } from './validate/index.js';

export interface TtyJson {
  objref: number | null;
  role: 'master' | 'slave' | null;
  index: number;
  linkObjref: number;
  fileObjref: number;
  /** u64, as a decimal string: exact for every JSON reader (a JSON number is a double in most). */
  flags: string;
  termios: { c_iflag: number; c_oflag: number; c_cflag: number; c_lflag: number; c_cc: number[] };
  winsize: { ws_row: number; ws_col: number; ws_xpixel: number; ws_ypixel: number };
  ldisc: {
    datalen: number;
    canon_datalen: number;
    canon_data: number;
    column: number;
    packet: number;
    icanon: number;
    data: string;
  } | null;
}

export function ttyJson(t: Tty): TtyJson {
  const l = t.ldisc;
  return {
    objref: t.objref,
    role: t.role === 'unknown' ? null : t.role,
    index: t.index.value,
    linkObjref: t.link_objref.value,
    fileObjref: t.file_objref.value,
    flags: t.flags.value.toString(),
    termios: {
      c_iflag: t.termios.c_iflag.value,
      c_oflag: t.termios.c_oflag.value,
      c_cflag: t.termios.c_cflag.value,
      c_lflag: t.termios.c_lflag.value,
      c_cc: t.termios.c_cc.map((c) => c.value),
    },
    winsize: {
      ws_row: t.winsize.ws_row.value,
      ws_col: t.winsize.ws_col.value,
      ws_xpixel: t.winsize.ws_xpixel.value,
      ws_ypixel: t.winsize.ws_ypixel.value,
    },
    ldisc: l
      ? {
          datalen: l.datalen.value,
          canon_datalen: l.canon_datalen.value,
          canon_data: l.canon_data.value,
          column: l.column.value,
          packet: l.packet.value,
          icanon: l.icanon.value,
          data: l.buffer ? toHex(l.buffer.data) : '',
        }
      : null,
  };
}

/** At most this many diagnostics of one code go into the JSON; `diagnosticsOmitted` counts the rest. */
export const JSON_DIAGNOSTICS_PER_CODE = DIAGNOSTICS_PER_CODE;

/** The `format` of the JSON report: its kind and version (docs/schemas/report.schema.json). */
export const REPORT_FORMAT = 'ckpt-inspect.report/1';

/** `omitted`: what validateBounded counted and did not keep, per code. */
export function reportJson(img: Image, diagnostics: Diagnostic[], omitted: Record<string, number> = {}) {
  const { index } = img;
  const limited = limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE, omitted);
  const records = new Array(index.count);
  for (let i = 0; i < index.count; i++) {
    records[i] = { offset: index.offsets[i], type: index.types[i], typeName: img.decoded ? recordTypeName(index.types[i]) : null, len: index.lens[i] };
  }
  return {
    format: REPORT_FORMAT,
    size: img.size,
    endian: img.littleEndian ? 'le' : 'be',
    archId: img.archId,
    rev: img.header?.rev.value ?? null,
    decoded: img.decoded,
    records,
    ttys: img.ttys.map(ttyJson),
    files: img.files.filter((f) => f.f_type.value === FILE_TYPE.TTY).map(fileJson),
    fds: img.fds.map(fdJson),
    objects: [...img.objects.values()].map((o) => objectJson(img, o)),
    graph: graphJson(img),
    diagnosticsOmitted: limited.omitted,
    diagnostics: limited.shown.map(diagnosticJson),
  };
}

function graphJson(img: Image) {
  const { nodes, edges } = buildGraph(img);
  return { nodes, edges };
}

function fileJson(f: FileRec) {
  return { objref: f.objref, ttyObjref: f.ref ? f.ref.value : null };
}

function fdJson(d: FileDesc) {
  return { fd: d.fd_descriptor.value, fileObjref: d.fd_objref.value, closeOnExec: d.fd_close_on_exec.value, offset: d.offset };
}

function objectJson(img: Image, o: ObjrefRec) {
  return { objref: o.ref, objtype: o.type, record: o.target, offset: o.target >= 0 ? img.index.offsets[o.target] : null };
}

function diagnosticJson(d: Diagnostic) {
  return { severity: d.severity, code: d.code, message: d.message, offset: d.offset, length: d.length, field: d.field, ...(d.record !== undefined ? { record: d.record } : {}) };
}

/** The parts of the report `--only` can pick; each names the keys it holds. */
export const REPORT_SECTIONS = {
  records: ['records'],
  ttys: ['ttys', 'files', 'fds'],
  graph: ['objects', 'graph'],
  diagnostics: ['diagnosticsOmitted', 'diagnostics'],
} as const;
export type ReportSection = keyof typeof REPORT_SECTIONS;

export interface StreamOptions {
  /** Appended as the last key (the CLI's `source`: path and sha256 of the file, or null). */
  source?: { path: string; sha256: string } | null;
  /** Only these sections (all when absent); the report then says which in `only`. */
  only?: readonly ReportSection[];
  /** Characters per chunk yielded (about). */
  chunk?: number;
  /** What validateBounded counted and did not keep, per code. */
  omitted?: Record<string, number>;
}

const K = {
  offset: ascii('{"offset":'),
  type: ascii(',"type":'),
  fd: ascii('{"fd":'),
  fileObjref: ascii(',"fileObjref":'),
  closeOnExec: ascii(',"closeOnExec":'),
  offset2: ascii(',"offset":'),
  objref: ascii('{"objref":'),
  objtype: ascii(',"objtype":'),
  record: ascii(',"record":'),
  id: ascii('{"id":"'),
  kind: ascii('","kind":'),
  label: ascii(',"label":'),
  objref2: ascii(',"objref":'),
  from: ascii('{"from":"'),
  to: ascii('","to":"'),
  label2: ascii('","label":'),
  dangling: ascii(',"dangling":'),
  true: ascii('true}'),
  false: ascii('false}'),
  null: ascii('null'),
  obj: ascii('obj:'),
  rec: ascii('rec:'),
  fdId: ascii('fd:'),
  sig: ascii('sig:'),
};

/** `,"typeName":NAME,"len":` for each record type, made once per type. */
function typeNameKeys(img: Image): (t: number) => Uint8Array {
  const names = new Map<number, Uint8Array>();
  return (t) => {
    let b = names.get(t);
    if (b === undefined) names.set(t, (b = ascii(`,"typeName":${img.decoded ? JSON.stringify(recordTypeName(t)) : 'null'},"len":`)));
    return b;
  };
}

/** A record of the `records` list: {"offset","type","typeName","len"}. */
function recordBytes(w: JsonBytes, img: Image, i: number, keys: (t: number) => Uint8Array): void {
  const { offsets, types, lens } = img.index;
  const t = types[i];
  w.raw(K.offset);
  w.num(offsets[i]);
  w.raw(K.type);
  w.num(t);
  w.raw(keys(t));
  w.num(lens[i]);
  w.byte(0x7d);
}

/** A graph node id, `obj:1`, `rec:7`, `fd:0:3:12` or `sig:9`, without its quotes. */
function idBytes(w: JsonBytes, tag: NodeTag, a: number, b: number, c: number): void {
  if (tag === NodeTag.Obj) w.raw(K.obj);
  else if (tag === NodeTag.Rec) w.raw(K.rec);
  else if (tag === NodeTag.Sig) w.raw(K.sig);
  else {
    w.raw(K.fdId);
    w.num(a);
    w.byte(0x3a);
    w.num(b);
    w.byte(0x3a);
    w.num(c);
    return;
  }
  w.num(a);
}

/** Writes graph nodes or edges as JSON list items (a comma before each but the first). */
class GraphJson implements GraphSink {
  first = true;
  private readonly objects: Image['objects'];
  private readonly types: Uint32Array;
  /** `"OBJTYPE #` by objtype. */
  private readonly leads = new Map<number, string>();
  constructor(
    private readonly w: JsonBytes,
    private readonly g: GraphWalk,
    img: Image,
  ) {
    this.objects = img.objects;
    this.types = img.objrefs.types;
  }
  private sep(): void {
    if (this.first) this.first = false;
    else this.w.byte(0x2c);
  }
  /** GraphWalk.label as a JSON string, the common labels written from cached pieces and the number. */
  private label(tag: NodeTag, a: number, b: number): void {
    const w = this.w;
    const g = this.g;
    let lead: string;
    let n = a;
    let tail = '"';
    if (tag === NodeTag.Fd) {
      lead = '"fd ';
      n = b;
    } else if (tag === NodeTag.Sig) {
      lead = '"SIGNAL (record ';
      tail = ')"';
    } else if (tag === NodeTag.Obj) {
      const k = this.objects.indexOf(a);
      if (k >= 0) {
        if (!g.plainObjectLabel(k)) {
          w.str(g.objectLabel(k));
          return;
        }
        const type = this.types[k];
        let l = this.leads.get(type);
        if (l === undefined) this.leads.set(type, (l = JSON.stringify(`${g.objtypeName(type)} #`).slice(0, -1)));
        lead = l;
      } else lead = g.isReserved(a) ? '"reserved #' : '"missing #';
    } else {
      w.str(g.label(tag, a, b));
      return;
    }
    w.textc(lead);
    w.num(n);
    w.textc(tail);
  }
  node(tag: NodeTag, a: number, b: number, c: number, kind: GraphNodeKind, objref: number | null, objtype: string | null, record: number): void {
    const w = this.w;
    this.sep();
    w.raw(K.id);
    idBytes(w, tag, a, b, c);
    w.raw(K.kind);
    w.strc(kind);
    w.raw(K.label);
    this.label(tag, a, b);
    w.raw(K.objref2);
    w.numOrNull(objref);
    w.raw(K.objtype);
    if (objtype === null) w.raw(K.null);
    else w.strc(objtype);
    w.raw(K.record);
    w.num(record);
    w.byte(0x7d);
  }
  edge(ft: NodeTag, fa: number, fb: number, fc: number, tt: NodeTag, ta: number, tb: number, tc: number, label: string, offset: number, dangling: boolean): void {
    const w = this.w;
    this.sep();
    w.raw(K.from);
    idBytes(w, ft, fa, fb, fc);
    w.raw(K.to);
    idBytes(w, tt, ta, tb, tc);
    w.raw(K.label2);
    w.strc(label);
    w.raw(K.offset2);
    w.num(offset);
    w.raw(K.dangling);
    w.raw(dangling ? K.true : K.false);
  }
}

export interface ByteStreamOptions extends StreamOptions {
  /** Strings as jsonForTerminal writes them (the CLI's output may reach a terminal). */
  terminal?: boolean;
}

/**
 * The JSON report as UTF-8, a chunk at a time: the same text as JSON.stringify(reportJson(…))
 * (plus `source`), without building the report object, a string of it, or the graph. A record is
 * about 60 bytes of JSON, so a million-record image is ~130 MB written once and dropped. Each chunk
 * is a view of a reused buffer: use it before asking for the next.
 */
export function* reportJsonBytes(img: Image, diagnostics: Diagnostic[], opts: ByteStreamOptions = {}): Generator<Uint8Array> {
  const { index } = img;
  const w = new JsonBytes(opts.chunk ?? 1 << 16, opts.terminal);
  const want = (s: ReportSection) => !opts.only || opts.only.includes(s);
  w.text(`{"format":${JSON.stringify(REPORT_FORMAT)},"size":${img.size},"endian":"${img.littleEndian ? 'le' : 'be'}","archId":${img.archId},"rev":${img.header?.rev.value ?? null},"decoded":${img.decoded}`);
  if (opts.only) w.text(`,"only":${JSON.stringify(opts.only)}`);
  if (want('records')) {
    w.text(',"records":[');
    const keys = typeNameKeys(img);
    for (let i = 0; i < index.count; i++) {
      if (i) w.byte(0x2c);
      recordBytes(w, img, i, keys);
      if (w.full) yield w.take();
    }
    w.byte(0x5d);
  }
  /** `"key":[…]` of the values `item` writes; item returns false for an index it leaves out. */
  const list = function* (key: string, n: number, item: (i: number) => boolean, lead = ','): Generator<Uint8Array> {
    w.text(`${lead}"${key}":[`);
    let first = true;
    for (let i = 0; i < n; i++) {
      const mark = w.p;
      if (!first) w.byte(0x2c);
      if (item(i)) first = false;
      else w.p = mark;
      if (w.full) yield w.take();
    }
    w.byte(0x5d);
  };
  if (want('ttys')) {
    yield* list('ttys', img.ttys.length, (i) => {
      w.json(ttyJson(img.ttys[i] as Tty));
      return true;
    });
    yield* list('files', img.files.length, (i) => {
      if (img.files.fType(i) !== FILE_TYPE.TTY) return false;
      w.json(fileJson(img.files.at(i)));
      return true;
    });
    const fds = img.fds;
    const { fd_descriptor, fd_objref, fd_close_on_exec } = fds.d;
    yield* list('fds', fds.length, (i) => {
      // fdJson(fds.at(i)), read from the columns.
      const rec = fds.records[i];
      const o = fds.src.offsetOf(rec);
      w.raw(K.fd);
      w.num(fds.src.rawRec(rec, fd_descriptor));
      w.raw(K.fileObjref);
      w.num(fds.src.rawRec(rec, fd_objref));
      w.raw(K.closeOnExec);
      w.num(fds.src.rawRec(rec, fd_close_on_exec));
      w.raw(K.offset2);
      w.num(o);
      w.byte(0x7d);
      return true;
    });
  }
  if (want('graph')) {
    const { refs, types, targets } = img.objrefs;
    const ks = img.objects.indexes();
    yield* list('objects', img.objects.size, () => {
      // objectJson, read from the columns.
      const k = ks.next().value as number;
      const target = targets[k];
      w.raw(K.objref);
      w.num(refs[k]);
      w.raw(K.objtype);
      w.num(types[k]);
      w.raw(K.record);
      w.num(target);
      w.raw(K.offset2);
      if (target >= 0) w.num(index.offsets[target]);
      else w.raw(K.null);
      w.byte(0x7d);
      return true;
    });
    const g = new GraphWalk(img);
    const full = () => w.full;
    const nodes = new GraphJson(w, g, img);
    const edges = new GraphJson(w, g, img);
    w.text(',"graph":{"nodes":[');
    for (const _ of g.steps({ node: nodes.node.bind(nodes) }, Number.POSITIVE_INFINITY, full)) yield w.take();
    w.text('],"edges":[');
    for (const _ of g.steps({ edge: edges.edge.bind(edges) }, Number.POSITIVE_INFINITY, full)) yield w.take();
    w.text(']}');
  }
  if (want('diagnostics')) {
    const limited = limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE, opts.omitted);
    w.text(`,"diagnosticsOmitted":${JSON.stringify(limited.omitted)}`);
    yield* list('diagnostics', limited.shown.length, (i) => {
      w.json(diagnosticJson(limited.shown[i] as Diagnostic));
      return true;
    });
  }
  if (opts.source !== undefined) w.text(`,"source":${JSON.stringify(opts.source)}`);
  w.text('}\n');
  yield w.take();
}

/** The JSON report as text, a chunk at a time (reportJsonBytes, decoded). */
export function* reportJsonChunks(img: Image, diagnostics: Diagnostic[], opts: StreamOptions = {}): Generator<string> {
  const dec = new TextDecoder();
  for (const b of reportJsonBytes(img, diagnostics, opts)) {
    const s = dec.decode(b, { stream: true });
    if (s) yield s;
  }
  const rest = dec.decode();
  if (rest) yield rest;
}

/** One line of JSON per element of a section (`--ndjson`): records by default. Chunks as reportJsonBytes. */
export function* reportNdjsonBytes(img: Image, diagnostics: Diagnostic[], section: ReportSection, chunk = 1 << 16, terminal = false): Generator<Uint8Array> {
  const w = new JsonBytes(chunk, terminal);
  const { index } = img;
  if (section === 'records') {
    const keys = typeNameKeys(img);
    for (let i = 0; i < index.count; i++) {
      recordBytes(w, img, i, keys);
      w.byte(0x0a);
      if (w.full) yield w.take();
    }
  } else if (section === 'graph') {
    const g = new GraphWalk(img);
    const sink = new GraphJson(w, g, img);
    const edge: GraphSink['edge'] = (...a) => {
      sink.first = true;
      sink.edge(...a);
      w.byte(0x0a);
    };
    for (const _ of g.steps({ edge }, Number.POSITIVE_INFINITY, () => w.full)) yield w.take();
  } else {
    const items: unknown[] = section === 'ttys' ? img.ttys.map(ttyJson) : limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE).shown.map(diagnosticJson);
    for (const v of items) {
      w.json(v);
      w.byte(0x0a);
      if (w.full) yield w.take();
    }
  }
  if (w.p) yield w.take();
}

/** One line of JSON per element of a section (`--ndjson`), as text. */
export function* reportNdjsonChunks(img: Image, diagnostics: Diagnostic[], section: ReportSection, chunk = 1 << 16): Generator<string> {
  const dec = new TextDecoder();
  for (const b of reportNdjsonBytes(img, diagnostics, section, chunk)) {
    const s = dec.decode(b, { stream: true });
    if (s) yield s;
  }
  const rest = dec.decode();
  if (rest) yield rest;
}
