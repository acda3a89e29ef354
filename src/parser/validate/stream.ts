// Stream-level rules: the header block, TAIL, ERROR records, unknown record types.
import { recordTypeName } from '../image.js';
import { isKnownRecordType, LAYOUT, off, PIDS_ENTRY_SIZE, T } from '../layout.js';
import type { Image } from '../model.js';
import { at, hdrField, Sink } from './diag.js';
import { escapeBytesCut } from '../../shared/escape.js';

export const MAGIC_HEAD = 0x00feed0cc0a2d200n;
export const MAGIC_TAIL = 0x002d2a0cc0deef00n;
const CHECKPOINT_SUBTREE = 0x1n;
export const UTS_LEN = 65;
/** Bytes of an ERROR record's text quoted in its diagnostic. */
const ERROR_TEXT_MAX = 200;
/** check_kernel_const: the v18 kernel's values (reference §5.3, §11.2); mm_saved_auxv_len is arch-dependent. */
export const KERNEL_CONST: Record<string, number> = {
  task_comm_len: 16,
  signal_nsig: 64,
  uts_sysname_len: UTS_LEN,
  uts_nodename_len: UTS_LEN,
  uts_release_len: UTS_LEN,
  uts_version_len: UTS_LEN,
  uts_machine_len: UTS_LEN,
  uts_domainname_len: UTS_LEN,
  rlimit_nlimits: 16,
  n_tty_buf_size: 4096,
  tty_termios_ncc: 8,
};

export function checkHeader(img: Image, sink: Sink): void {
  const { index } = img;
  if (index.count === 0) {
    at(sink, 'error', 'HDR_FIRST', { offset: 0, size: Math.min(8, img.size), name: 'type' }, 'The file holds no complete record.');
    return;
  }
  if (index.types[0] !== T.HEADER) {
    at(sink, 'error', 'HDR_FIRST', hdrField(img, 0, 'type'), `The first record is ${recordTypeName(index.types[0])}, not HEADER: this is not a checkpoint image, or its byte order cannot be told.`, 0);
    return;
  }
  if (index.lens[0] !== LAYOUT.header.len) {
    at(sink, 'error', 'HDR_LEN', hdrField(img, 0, 'len'), `HEADER len is ${index.lens[0]}; restart requires exactly ${LAYOUT.header.len}.`, 0);
  }
  const h = img.header;
  if (!h) return;
  if (h.magic.value !== MAGIC_HEAD) {
    at(sink, 'error', 'HDR_MAGIC', h.magic, `Header magic is 0x${h.magic.value.toString(16).padStart(16, '0')}, not CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200.`, 0);
  }
  if (![1, 2, 3, 4].includes(h.arch_id.value)) {
    at(sink, 'error', 'HDR_ARCH_ID', h.arch_id, `arch_id ${h.arch_id.value} is not a v18 architecture (1 x86_32, 2 s390x, 3 ppc32, 4 ppc64); the byte order was taken from the first record header.`, 0);
  }
  if (h.rev.value !== 2) {
    at(sink, 'error', 'HDR_REV', h.rev, `rev ${h.rev.value} is not 2 (v18): this image uses other record numbering and is not decoded; only its framing is shown.`, 0);
    return;
  }
  if ((h.uflags.value & ~CHECKPOINT_SUBTREE) !== 0n) {
    at(sink, 'error', 'HDR_UFLAGS', h.uflags, `uflags 0x${h.uflags.value.toString(16)} has bits other than CHECKPOINT_SUBTREE (0x1).`, 0);
  }
  for (const c of h.constants) {
    const want = KERNEL_CONST[c.name];
    if (want !== undefined && c.value !== want) {
      at(sink, 'error', 'HDR_CONST', c, `${c.name} is ${c.value}; a v18 kernel requires ${want} (check_kernel_const).`, 0);
    }
  }
  for (let k = 1; k <= 3; k++) {
    if (k >= index.count) {
      at(sink, 'error', 'HDR_UTS_BUFFER', { offset: img.size - 1, size: 1, name: 'type' }, `The image ends before the uts BUFFER ${k} that follows HEADER.`);
      return;
    }
    if (index.types[k] !== T.BUFFER) {
      at(sink, 'error', 'HDR_UTS_BUFFER', hdrField(img, k, 'type'), `Record ${k} is ${recordTypeName(index.types[k])}; HEADER must be followed by three uts BUFFERs.`, k);
      return;
    }
    if (index.lens[k] !== UTS_LEN + 8) {
      at(sink, 'error', 'HDR_UTS_BUFFER', hdrField(img, k, 'len'), `uts BUFFER ${k} has len ${index.lens[k]}; restart reads exactly ${UTS_LEN + 8}.`, k);
    }
  }
  const a = 4;
  // x86 writes a 16-byte HEADER_ARCH and s390 a bare header; v18 has no ppc layout to check against.
  const archLen = h.arch_id.value === 2 ? 8 : h.arch_id.value === 1 ? LAYOUT.headerArchX86.len : undefined;
  if (a >= index.count || index.types[a] !== T.HEADER_ARCH) {
    const place = a < index.count ? hdrField(img, a, 'type') : { offset: img.size - 1, size: 1, name: 'type' };
    at(sink, 'error', 'HDR_ARCH_RECORD', place, 'HEADER_ARCH does not follow the uts BUFFERs.', a < index.count ? a : undefined);
    return;
  }
  if (archLen !== undefined && index.lens[a] !== archLen) {
    at(sink, 'error', 'HDR_ARCH_RECORD', hdrField(img, a, 'len'), `HEADER_ARCH has len ${index.lens[a]}; this architecture writes ${archLen}.`, a);
  }
  checkTree(img, sink, a + 1);
}

function checkTree(img: Image, sink: Sink, i: number): void {
  const { index } = img;
  if (i >= index.count || index.types[i] !== T.TREE) {
    const place = i < index.count ? hdrField(img, i, 'type') : { offset: img.size - 1, size: 1, name: 'type' };
    at(sink, 'error', 'TREE_PIDS', place, 'TREE does not follow HEADER_ARCH.', i < index.count ? i : undefined);
    return;
  }
  if (index.lens[i] !== LAYOUT.tree.len || index.spans[i] !== index.lens[i]) return;
  const o = index.offsets[i] + off(LAYOUT.tree, 'nr_tasks');
  const view = new DataView(img.bytes.buffer, img.bytes.byteOffset, img.bytes.byteLength);
  const n = view.getInt32(o, img.littleEndian);
  if (n < 1) {
    at(sink, 'error', 'TREE_PIDS', { offset: o, size: 4, name: 'nr_tasks' }, `nr_tasks is ${n}; a checkpoint holds at least one task.`, i);
    return;
  }
  const b = i + 1;
  const want = 8 + PIDS_ENTRY_SIZE * n;
  if (b >= index.count || index.types[b] !== T.BUFFER) {
    const place = b < index.count ? hdrField(img, b, 'type') : { offset: img.size - 1, size: 1, name: 'type' };
    at(sink, 'error', 'TREE_PIDS', place, 'The pids BUFFER does not follow TREE.', b < index.count ? b : undefined);
  } else if (index.lens[b] !== want) {
    at(sink, 'error', 'TREE_PIDS', hdrField(img, b, 'len'), `The pids BUFFER has len ${index.lens[b]}; nr_tasks ${n} needs ${want}.`, b);
  }
}

export function checkStream(img: Image, sink: Sink): void {
  const { index } = img;
  const view = new DataView(img.bytes.buffer, img.bytes.byteOffset, img.bytes.byteLength);
  let tail = -1;
  const { ERROR, TAIL } = T;
  const types = index.types;
  for (let i = 0; i < index.count; i++) {
    const t = types[i];
    if (tail >= 0) {
      at(sink, 'error', 'TAIL_NOT_LAST', hdrField(img, i, 'type'), `Record ${i} (${recordTypeName(t)}) follows the TAIL at record ${tail}; restart never reads it.`, i);
      break;
    }
    if (!isKnownRecordType(t)) {
      at(sink, 'warning', 'REC_UNKNOWN_TYPE', hdrField(img, i, 'type'), `Record ${i} has type ${t}, which v18 does not define; it is skipped by its len.`, i);
    } else if (t === ERROR) {
      at(sink, 'error', 'ERROR_RECORD', hdrField(img, i, 'type'), errorRecordMessage(img, i), i);
    } else if (t === TAIL) {
      tail = i;
      if (index.lens[i] !== LAYOUT.tail.len) {
        at(sink, 'error', 'TAIL_LEN', hdrField(img, i, 'len'), `TAIL has len ${index.lens[i]}; restart requires ${LAYOUT.tail.len}.`, i);
      } else if (index.spans[i] === index.lens[i]) {
        const o = index.offsets[i] + off(LAYOUT.tail, 'magic');
        const m = view.getBigUint64(o, img.littleEndian);
        if (m !== MAGIC_TAIL) {
          at(sink, 'error', 'TAIL_MAGIC', { offset: o, size: 8, name: 'magic' }, `TAIL magic is 0x${m.toString(16).padStart(16, '0')}, not CHECKPOINT_MAGIC_TAIL 0x002d2a0cc0deef00.`, i);
        }
      }
    }
  }
  if (tail < 0 && index.count > 0) {
    const last = index.count - 1;
    at(sink, 'error', 'TAIL_MISSING', hdrField(img, last, 'type'), `The stream ends after record ${last} (${recordTypeName(index.types[last])}) without a TAIL: the image is incomplete.`, last);
  }
}

/**
 * The ERROR_RECORD diagnostic's message for the ERROR record `i`: the STRING that follows it quoted,
 * escaped and cut to `max` bytes (the editor shows 40, as everywhere it shows image text).
 */
export function errorRecordMessage(img: Image, i: number, max = ERROR_TEXT_MAX): string {
  const { index } = img;
  const next = i + 1 < index.count && index.types[i + 1] === T.STRING ? i + 1 : -1;
  let msg = '';
  if (next >= 0) {
    const o = index.offsets[next];
    // ckpt_write_err writes '\0' + message + '\0'. The message is image text of any length and
    // any bytes: quoted escaped and cut.
    let from = o + 8;
    const to = o + index.spans[next];
    while (from < to && img.bytes[from] === 0) from++;
    const nul = img.bytes.subarray(from, to).indexOf(0);
    msg = escapeBytesCut(img.bytes, max, from, nul < 0 ? to : from + nul);
  }
  return `The checkpoint failed and wrote an ERROR record${msg ? `: "${msg}"` : ''}.`;
}
