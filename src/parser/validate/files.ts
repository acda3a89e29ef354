// tty_file_restore (reference §11.6), file descriptors, and the SIGNAL record's controlling tty.
import { Enums, enumName } from '../kaitai.js';
import { FILE_TYPE, fileLayoutFor, LAYOUT, OBJ, T } from '../layout.js';
import type { Image } from '../model.js';
import { at, fieldPlace, hdrField, Sink } from './diag.js';
import { checkRef } from './objrefs.js';
import { ObjrefSet } from '../objref-table.js';

const INODE = 1;
/** One past the last v18 file type (from the ksy enum). */
const FILE_TYPE_MAX = Math.max(...Object.values(Enums.fileType).filter((v): v is number => typeof v === 'number')) + 1;
const SOCK = 14;

export function checkFiles(img: Image, sink: Sink): void {
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
  for (const f of img.files) {
    const ft = f.fType;
    const lay = fileLayoutFor(ft);
    if (!(ft > 0 && ft < FILE_TYPE_MAX)) {
      at(sink, 'error', 'FILE_TYPE', fieldPlace(f.f_type), `f_type ${ft} is not a v18 file type.`, f.record);
      continue;
    }
    if (lay && f.len !== lay.len) {
      at(sink, 'error', 'FILE_LEN', hdrField(img, f.record, 'len'), `A ${enumName(Enums.fileType, ft)} FILE has len ${f.len}; restart requires ${lay.len}.`, f.record);
      continue;
    }
    const refv = f.refValue;
    if (refv !== null && refv > 0) {
      // The common case, a reference to an object of the right type restored earlier, makes no diagnostic.
      const obj = img.objects.get(refv);
      const want = ft === FILE_TYPE.TTY ? OBJ.TTY : ft === FILE_TYPE.PIPE ? INODE : SOCK;
      if (obj && obj.type === want && obj.record < f.record) continue;
    }
    if (ft === FILE_TYPE.TTY && f.ref) {
      if (f.ref.value <= 0) at(sink, 'error', 'FILE_TTY_OBJREF', fieldPlace(f.ref), `tty_objref ${f.ref.value} must be positive.`, f.record);
      else checkRef(img, sink, f.ref, f.record, [OBJ.TTY], 'a tty file');
    } else if (ft === FILE_TYPE.PIPE && f.ref) {
      checkRef(img, sink, f.ref, f.record, [INODE], 'a pipe file');
    } else if (ft === FILE_TYPE.SOCKET && f.ref) {
      checkRef(img, sink, f.ref, f.record, [SOCK], 'a socket file');
    }
  }
  img.fileTables.forEach((table) => {
    const seen = new ObjrefSet();
    for (const d of table.fds) {
      const fd = d.fd;
      if (fd < 0) at(sink, 'error', 'FILE_DESC_FD', fieldPlace(d.fd_descriptor), `fd_descriptor ${fd} is negative.`, d.record);
      else if (seen.has(fd)) at(sink, 'error', 'FILE_DESC_FD', fieldPlace(d.fd_descriptor), `fd ${fd} appears twice in one file table.`, d.record);
      seen.add(fd);
    }
  });
  const OBJ_FILE = OBJ.FILE;
  for (const d of img.fds) {
    if (d.table < 0) at(sink, 'error', 'FILE_DESC_ORPHAN', hdrField(img, d.record, 'type'), 'A FILE_DESC with no FILE_TABLE before it.', d.record);
    if (d.cloexec > 1) at(sink, 'warning', 'FILE_DESC_CLOEXEC', fieldPlace(d.fd_close_on_exec), `fd_close_on_exec is ${d.cloexec}, not 0 or 1.`, d.record);
    // The common case, a descriptor of a FILE restored earlier, is settled without making Fields.
    const obj = img.objects.get(d.fileRef);
    if (obj && obj.type === OBJ_FILE && obj.record < d.record) continue;
    checkRef(img, sink, d.fd_objref, d.record, [OBJ_FILE], "a descriptor");
  }
  for (const s of img.signals) {
    if (s.tty_objref.value !== 0) checkRef(img, sink, s.tty_objref, s.record, [OBJ.TTY], 'a controlling tty');
  }
}
