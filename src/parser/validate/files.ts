// tty_file_restore (reference §11.6), file descriptors, and the SIGNAL record's controlling tty.
import { Enums, enumName } from '../kaitai.js';
import { FILE_TYPE, fileLayoutFor, LAYOUT, OBJ, T } from '../layout.js';
import type { Image } from '../model.js';
import { at, fieldPlace, hdrField, Sink } from './diag.js';
import { checkRef } from './objrefs.js';
import { ObjrefSet } from '../objref-table.js';
import type { FileDescRange } from '../record-lists.js';

const INODE = 1;
/** One past the last v18 file type (from the ksy enum). */
const FILE_TYPE_MAX = Math.max(...Object.values(Enums.fileType).filter((v): v is number => typeof v === 'number')) + 1;
const SOCK = 14;

export function checkFiles(img: Image, sink: Sink): void {
  // Each loop over every record, file or descriptor is a function of its own (see countListRecords in image.ts).
  checkFileLens(img, sink);
  checkFileRefs(img, sink);
  checkTableFds(img, sink);
  checkDescRefs(img, sink);
  for (const s of img.signals) {
    if (s.tty_objref.value !== 0) checkRef(img, sink, s.tty_objref, s.record, [OBJ.TTY], 'a controlling tty');
  }
}

function checkFileLens(img: Image, sink: Sink): void {
  const { index } = img;
  const { FILE_TABLE, FILE_DESC, SIGNAL, FILE } = T;
  for (let i = 0; i < index.count; i++) {
    const t = index.types[i];
    if (t !== FILE_TABLE && t !== FILE_DESC && t !== SIGNAL && t !== FILE) continue;
    const len = index.lens[i];
    if (t === T.FILE_TABLE && len !== LAYOUT.fileTable.len) at(sink, 'error', 'FILE_TABLE_LEN', hdrField(img, i, 'len'), `FILE_TABLE has len ${len}; restart requires ${LAYOUT.fileTable.len}.`, i);
    if (t === T.FILE_DESC && len !== LAYOUT.fileDesc.len) at(sink, 'error', 'FILE_DESC_LEN', hdrField(img, i, 'len'), `FILE_DESC has len ${len}; restart requires ${LAYOUT.fileDesc.len}.`, i);
    if (t === T.SIGNAL && len !== LAYOUT.signal.len) at(sink, 'error', 'SIGNAL_LEN', hdrField(img, i, 'len'), `SIGNAL has len ${len}; restart requires ${LAYOUT.signal.len}.`, i);
    if (t === T.FILE && len < LAYOUT.fileGeneric.len) at(sink, 'error', 'FILE_LEN', hdrField(img, i, 'len'), `FILE has len ${len}, shorter than the common file header (${LAYOUT.fileGeneric.len}).`, i);
  }
}

function checkFileRefs(img: Image, sink: Sink): void {
  const { index } = img;
  const files = img.files;
  const objs = img.objrefs;
  for (let k = 0; k < files.length; k++) {
    const ft = files.fType(k);
    const rec = files.records[k];
    const len = index.lens[rec];
    const lay = fileLayoutFor(ft);
    if (ft > 0 && ft < FILE_TYPE_MAX && !(lay && len !== lay.len)) {
      // The common cases make no diagnostic (and no item): a file type without a reference, or a
      // reference to an object of the right type restored earlier.
      const refv = files.refValue(k);
      if (refv === null) continue;
      if (refv > 0) {
        const o = img.objects.indexOf(refv);
        const want = ft === FILE_TYPE.TTY ? OBJ.TTY : ft === FILE_TYPE.PIPE ? INODE : SOCK;
        if (o >= 0 && objs.types[o] === want && objs.records[o] < rec) continue;
      }
    }
    const f = files.at(k);
    if (!(ft > 0 && ft < FILE_TYPE_MAX)) {
      at(sink, 'error', 'FILE_TYPE', fieldPlace(f.f_type), `f_type ${ft} is not a v18 file type.`, rec);
      continue;
    }
    if (lay && len !== lay.len) {
      at(sink, 'error', 'FILE_LEN', hdrField(img, rec, 'len'), `A ${enumName(Enums.fileType, ft)} FILE has len ${len}; restart requires ${lay.len}.`, rec);
      continue;
    }
    if (ft === FILE_TYPE.TTY && f.ref) {
      if (f.ref.value <= 0) at(sink, 'error', 'FILE_TTY_OBJREF', fieldPlace(f.ref), `tty_objref ${f.ref.value} must be positive.`, rec);
      else checkRef(img, sink, f.ref, rec, [OBJ.TTY], 'a tty file');
    } else if (ft === FILE_TYPE.PIPE && f.ref) {
      checkRef(img, sink, f.ref, rec, [INODE], 'a pipe file');
    } else if (ft === FILE_TYPE.SOCKET && f.ref) {
      checkRef(img, sink, f.ref, rec, [SOCK], 'a socket file');
    }
  }
}

/** No descriptor twice in one table, none negative. */
function checkTableFds(img: Image, sink: Sink): void {
  const fds = img.fds;
  for (const table of img.fileTables) {
    const seen = new ObjrefSet();
    const { start, end } = table.fds as FileDescRange;
    for (let k = start; k < end; k++) {
      const fd = fds.fd(k);
      if (fd >= 0 && !seen.has(fd)) {
        seen.add(fd);
        continue;
      }
      const d = fds.at(k);
      if (fd < 0) at(sink, 'error', 'FILE_DESC_FD', fieldPlace(d.fd_descriptor), `fd_descriptor ${fd} is negative.`, d.record);
      else at(sink, 'error', 'FILE_DESC_FD', fieldPlace(d.fd_descriptor), `fd ${fd} appears twice in one file table.`, d.record);
      seen.add(fd);
    }
  }
}

function checkDescRefs(img: Image, sink: Sink): void {
  const fds = img.fds;
  const objs = img.objrefs;
  const OBJ_FILE = OBJ.FILE;
  for (let k = 0; k < fds.length; k++) {
    const rec = fds.records[k];
    const cloexec = fds.cloexec(k);
    const table = fds.tables[k];
    // The common case, a descriptor of a FILE restored earlier, is settled without making an item.
    const o = img.objects.indexOf(fds.fileRef(k));
    if (table >= 0 && cloexec <= 1 && o >= 0 && objs.types[o] === OBJ_FILE && objs.records[o] < rec) continue;
    const d = fds.at(k);
    if (table < 0) at(sink, 'error', 'FILE_DESC_ORPHAN', hdrField(img, rec, 'type'), 'A FILE_DESC with no FILE_TABLE before it.', rec);
    if (cloexec > 1) at(sink, 'warning', 'FILE_DESC_CLOEXEC', fieldPlace(d.fd_close_on_exec), `fd_close_on_exec is ${cloexec}, not 0 or 1.`, rec);
    if (o >= 0 && objs.types[o] === OBJ_FILE && objs.records[o] < rec) continue;
    checkRef(img, sink, d.fd_objref, rec, [OBJ_FILE], 'a descriptor');
  }
}
