// The JSON report (`ckpt-inspect --json`): `ttys[]` and `files[]` use exactly the keys of the
// golden images' .json files so the two can be compared directly.
import { recordTypeName } from './image.js';
import type { Diagnostic, FileDesc, FileRec, Image, ObjrefRec, Tty } from './model.js';
import { buildGraph } from './graph.js';
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

/**
 * The JSON report as text, a chunk at a time: the same value as JSON.stringify(reportJson(…))
 * (plus `source`), without building the report object or one string of it. A record is about 60
 * bytes of JSON, so a million-record image is ~60 MB of text that is written once and dropped.
 */
export function* reportJsonChunks(img: Image, diagnostics: Diagnostic[], opts: StreamOptions = {}): Generator<string> {
  const { index } = img;
  const CHUNK = opts.chunk ?? 1 << 16;
  const want = (s: ReportSection) => !opts.only || opts.only.includes(s);
  let buf = `{"format":${JSON.stringify(REPORT_FORMAT)},"size":${img.size},"endian":"${img.littleEndian ? 'le' : 'be'}","archId":${img.archId},"rev":${img.header?.rev.value ?? null},"decoded":${img.decoded}`;
  if (opts.only) buf += `,"only":${JSON.stringify(opts.only)}`;
  if (want('records')) {
    buf += ',"records":[';
    const names = new Map<number, string>();
    const { offsets, types, lens } = index;
    for (let i = 0; i < index.count; i++) {
      const t = types[i] as number;
      let name = names.get(t);
      if (name === undefined) names.set(t, (name = img.decoded ? JSON.stringify(recordTypeName(t)) : 'null'));
      buf += `${i ? ',' : ''}{"offset":${offsets[i]},"type":${t},"typeName":${name},"len":${lens[i]}}`;
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  }
  const list = function* (key: string, n: number, at: (i: number) => unknown, lead = ','): Generator<string> {
    buf += `${lead}"${key}":[`;
    let first = true;
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (v === undefined) continue;
      buf += (first ? '' : ',') + JSON.stringify(v);
      first = false;
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  };
  if (want('ttys')) {
    yield* list('ttys', img.ttys.length, (i) => ttyJson(img.ttys[i] as Tty));
    yield* list('files', img.files.length, (i) => {
      const f = img.files.at(i);
      return f.fType === FILE_TYPE.TTY ? fileJson(f) : undefined;
    });
    yield* list('fds', img.fds.length, (i) => fdJson(img.fds.at(i)));
  }
  if (want('graph')) {
    const objs = img.objects.values();
    yield* list('objects', img.objects.size, () => objectJson(img, objs.next().value as ObjrefRec));
    const g = buildGraph(img);
    buf += ',"graph":{';
    yield* list('nodes', g.nodes.length, (i) => g.nodes[i], '');
    yield* list('edges', g.edges.length, (i) => g.edges[i]);
    buf += '}';
  }
  if (want('diagnostics')) {
    const limited = limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE, opts.omitted);
    buf += `,"diagnosticsOmitted":${JSON.stringify(limited.omitted)}`;
    yield* list('diagnostics', limited.shown.length, (i) => diagnosticJson(limited.shown[i] as Diagnostic));
  }
  if (opts.source !== undefined) buf += `,"source":${JSON.stringify(opts.source)}`;
  yield `${buf}}\n`;
}

/** One line of JSON per element of a section (`--ndjson`): records by default. */
export function* reportNdjsonChunks(img: Image, diagnostics: Diagnostic[], section: ReportSection, chunk = 1 << 16): Generator<string> {
  let buf = '';
  const line = function* (v: unknown): Generator<string> {
    buf += `${JSON.stringify(v)}\n`;
    if (buf.length >= chunk) {
      yield buf;
      buf = '';
    }
  };
  const { index } = img;
  if (section === 'records') {
    const names = new Map<number, string>();
    for (let i = 0; i < index.count; i++) {
      const t = index.types[i] as number;
      let name = names.get(t);
      if (name === undefined) names.set(t, (name = img.decoded ? JSON.stringify(recordTypeName(t)) : 'null'));
      buf += `{"offset":${index.offsets[i]},"type":${t},"typeName":${name},"len":${index.lens[i]}}\n`;
      if (buf.length >= chunk) {
        yield buf;
        buf = '';
      }
    }
  } else if (section === 'ttys') {
    for (const t of img.ttys) yield* line(ttyJson(t));
  } else if (section === 'graph') {
    const g = buildGraph(img);
    for (const e of g.edges) yield* line(e);
  } else {
    for (const d of limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE).shown) yield* line(diagnosticJson(d));
  }
  if (buf) yield buf;
}
