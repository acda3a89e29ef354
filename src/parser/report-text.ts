// The human-readable report of `ckpt-inspect FILE`.
import { recordTypeName } from './image.js';
import type { Diagnostic, Image, Tty } from './model.js';
import { GraphWalk } from './graph-walk.js';
import { caret, CC_IS_COUNT, CC_NAMES, escapeBytes, TERMIOS_FLAGS, termiosFlagNames, ttyFlagNames } from './names.js';
import { analyseCanon } from './validate/ldisc.js';
import { limitDiagnostics, type Validation } from './validate/index.js';
import { Enums, enumName } from './kaitai.js';
import { escapeText } from '../shared/escape.js';

const hex = (n: number, w = 0) => `0x${n.toString(16).padStart(w, '0')}`;

/** tv_sec as an ISO date when a Date can hold it (a damaged header may hold any 64-bit value). */
function formatTime(sec: bigint): string {
  const ms = Number(sec) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${sec} s (not a date)`;
}

export interface TextOptions {
  /** List at most this many records (the rest are summarised). */
  maxRecords?: number;
  /** List at most this many diagnostics of one code. */
  maxPerCode?: number;
  /** Describe at most this many TTY records, and list at most 10 times as many graph edges. */
  maxTtys?: number;
  /** Only these sections (all when absent). */
  only?: readonly ('records' | 'ttys' | 'graph' | 'diagnostics')[];
  /** What validateBounded counted beyond the diagnostics given: per code, and the totals. */
  counted?: Pick<Validation, 'omitted' | 'errors' | 'warnings'>;
}

/**
 * The report's lines, escaped, gathered into chunks of about `chunk` characters that go to `emit`
 * as they fill: a caller that writes each chunk out lets the lines die young instead of holding
 * every line of the report until the end (on an image of a thousand pty pairs, holding them cost
 * more in garbage collection than making them).
 */
class Lines {
  private buf = '';
  constructor(
    private readonly emit: (chunk: string) => void,
    private readonly chunk: number,
  ) {}
  push(...lines: string[]): void {
    // Each entry is one line: the file name and quoted image text in it are escaped, so an embedded
    // newline or escape sequence is shown, not obeyed (no forged lines, no terminal control).
    for (const l of lines) this.buf += `${escapeText(l)}\n`;
    if (this.buf.length >= this.chunk) this.end();
  }
  end(): void {
    if (this.buf) this.emit(this.buf);
    this.buf = '';
  }
}

export function reportText(img: Image, diags: Diagnostic[], file: string, opts: TextOptions = {}): string {
  const parts: string[] = [];
  reportTextChunks(img, diags, file, (c) => parts.push(c), opts);
  return parts.join('');
}

/** reportText, handed to `emit` in chunks of about 64 KiB as it is made. */
export function reportTextChunks(img: Image, diags: Diagnostic[], file: string, emit: (chunk: string) => void, opts: TextOptions = {}): void {
  const out = new Lines(emit, 1 << 16);
  const { index } = img;
  const arch = enumName(Enums.archId, img.archId) ?? `unknown (${img.archId})`;
  out.push(`${file}: ${img.size} bytes, ${index.count} records, ${img.littleEndian ? 'little' : 'big'}-endian, arch ${arch}`);
  if (img.header) {
    const h = img.header;
    out.push(`  kernel ${h.major.value}.${h.minor.value}.${h.patch.value}, image rev ${h.rev.value}, time ${formatTime(h.time.value)}, uflags 0x${h.uflags.value.toString(16)}`);
  }
  if (!img.decoded) out.push('  (not decoded as v18: records are framed only)');
  const want = (s: 'records' | 'ttys' | 'graph' | 'diagnostics') => !opts.only || opts.only.includes(s);

  if (want('records')) {
    out.push('', 'Records:');
    const max = opts.maxRecords ?? 200;
    for (let i = 0; i < index.count && i < max; i++) {
      const broken = index.spans[i] !== index.lens[i] ? '  [broken framing]' : '';
      out.push(`  #${String(i).padEnd(5)} @${String(index.offsets[i]).padEnd(9)} ${recordTypeName(index.types[i]).padEnd(14)} len ${index.lens[i]}${broken}`);
    }
    if (index.count > max) out.push(`  … ${index.count - max} more records (use --json for all)`);
  }

  // Like the record list, bounded: a damaged image can hold a TTY record every 8 bytes, and a text
  // report of a hundred thousand terminals is neither readable nor quick (--json has them all).
  const pairs = img.ttys;
  const maxTtys = opts.maxTtys ?? 1000;
  if (want('ttys')) {
    if (pairs.length) out.push('', 'Terminals:');
    for (const t of pairs.slice(0, maxTtys)) out.push(...ttyText(img, t));
    if (pairs.length > maxTtys) out.push(`  … ${pairs.length - maxTtys} more TTY records (use --json for all)`);
  }

  if (want('graph')) {
    // The edges listed are walked; the rest are only counted (no graph is built).
    const maxEdges = 10 * maxTtys;
    const g = new GraphWalk(img);
    let headed = false;
    const head = () => {
      if (!headed) out.push('', 'Objhash graph:');
      headed = true;
    };
    const edgeCount = g.walk(
      {
        edge: (ft, fa, fb, _fc, tt, ta, tb, _tc, label, _offset, dangling) => {
          head();
          out.push(`  ${g.label(ft, fa, fb)} --${label}--> ${g.label(tt, ta, tb)}${dangling ? '  (dangling)' : ''}`);
        },
      },
      maxEdges,
    );
    if (edgeCount) {
      head();
      if (edgeCount > maxEdges) out.push(`  … ${edgeCount - maxEdges} more edges (use --json for all)`);
    }
  }

  if (want('diagnostics')) {
    out.push('', diags.length ? 'Diagnostics:' : 'Diagnostics: none');
    const { shown, omitted } = limitDiagnostics(diags, opts.maxPerCode ?? 50, opts.counted?.omitted);
    for (const d of shown) out.push(`  ${d.severity.padEnd(7)} ${d.code} at offset ${d.offset} (${hex(d.offset)}), field ${d.field}: ${d.message}`);
    for (const [code, n] of Object.entries(omitted)) out.push(`  … ${n} more ${code} (use --json for more)`);
  }
  const errors = opts.counted?.errors ?? diags.filter((d) => d.severity === 'error').length;
  const warnings = opts.counted?.warnings ?? diags.filter((d) => d.severity === 'warning').length;
  out.push('', `${errors} error(s), ${warnings} warning(s)`);
  out.end();
}

function ttyText(img: Image, t: Tty): string[] {
  const o: string[] = [];
  o.push(`  TTY objref ${t.objref ?? '-'} ${t.role} /dev/pts/${t.index.value} (record ${t.record} @${t.offset})`);
  o.push(`    link_objref ${t.link_objref.value}, file_objref ${t.file_objref.value}, ldisc ${t.ldisc_num.value}`);
  o.push(`    flags 0x${t.flags.value.toString(16)} ${ttyFlagNames(t.flags.value).join(' ')}`);
  for (const k of Object.keys(TERMIOS_FLAGS) as (keyof typeof TERMIOS_FLAGS)[]) {
    const f = t.termios[k];
    o.push(`    ${k} 0${f.value.toString(8)}: ${termiosFlagNames(k, f.value).join(' ') || '-'}`);
  }
  o.push(`    c_cc ${t.termios.c_cc.map((c, i) => `${CC_NAMES[i]}=${CC_IS_COUNT[i] ? c.value : caret(c.value)}`).join(' ')}`);
  const w = t.winsize;
  o.push(`    winsize ${w.ws_row.value} rows x ${w.ws_col.value} cols (${w.ws_xpixel.value}x${w.ws_ypixel.value} px)`);
  const l = t.ldisc;
  if (!l) {
    o.push('    ldisc: none (hung up)');
    return o;
  }
  o.push(`    ldisc: datalen ${l.datalen.value}, canon_datalen ${l.canon_datalen.value}, canon_data ${l.canon_data.value}, column ${l.column.value}, icanon ${l.icanon.value}, packet ${l.packet.value}, stopped ${l.stopped.value}`);
  if (l.buffer) {
    const data = l.buffer.data;
    if (l.icanon.value === 1 && l.canon_data.value > 0) {
      const a = analyseCanon(img, l);
      let start = 0;
      for (const e of a.lineEnds) {
        if (e >= data.length) break;
        o.push(`      line    "${escapeBytes(data.subarray(start, e + 1))}"`);
        start = e + 1;
      }
      if (start < data.length) o.push(`      partial "${escapeBytes(data.subarray(start))}"`);
    } else {
      o.push(`      data "${escapeBytes(data)}"`);
    }
  }
  return o;
}
