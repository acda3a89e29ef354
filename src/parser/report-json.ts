// The JSON report (`ckpt-inspect --json`): `ttys[]` and `files[]` use exactly the keys of the
// golden images' .json files so the two can be compared directly.
import { recordTypeName } from './image.js';
import type { Diagnostic, Image, Tty } from './model.js';
import { buildGraph } from './graph.js';
import { toHex } from './names.js';
import { FILE_TYPE } from './layout.js';
import { limitDiagnostics } from './validate/index.js';

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
export const JSON_DIAGNOSTICS_PER_CODE = 1000;

export function reportJson(img: Image, diagnostics: Diagnostic[]) {
  const { index } = img;
  const limited = limitDiagnostics(diagnostics, JSON_DIAGNOSTICS_PER_CODE);
  const records = new Array(index.count);
  for (let i = 0; i < index.count; i++) {
    records[i] = { offset: index.offsets[i], type: index.types[i], typeName: img.decoded ? recordTypeName(index.types[i]) : null, len: index.lens[i] };
  }
  return {
    size: img.size,
    endian: img.littleEndian ? 'le' : 'be',
    archId: img.archId,
    rev: img.header?.rev.value ?? null,
    decoded: img.decoded,
    records,
    ttys: img.ttys.map(ttyJson),
    files: img.files
      .filter((f) => f.f_type.value === FILE_TYPE.TTY)
      .map((f) => ({ objref: f.objref, ttyObjref: f.ref ? f.ref.value : null })),
    fds: img.fds.map((d) => ({
      fd: d.fd_descriptor.value,
      fileObjref: d.fd_objref.value,
      closeOnExec: d.fd_close_on_exec.value,
      offset: d.offset,
    })),
    objects: [...img.objects.values()].map((o) => ({
      objref: o.ref,
      objtype: o.type,
      record: o.target,
      offset: o.target >= 0 ? index.offsets[o.target] : null,
    })),
    graph: buildGraph(img),
    diagnosticsOmitted: limited.omitted,
    diagnostics: limited.shown.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      offset: d.offset,
      length: d.length,
      field: d.field,
      ...(d.record !== undefined ? { record: d.record } : {}),
    })),
  };
}
