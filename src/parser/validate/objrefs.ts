// The objhash rules: objrefs must be positive, unique, typed, followed by their object, and every
// objref-valued field must name an object of the right type that restart has already seen.
import { Enums, enumName } from '../kaitai.js';
import { LAYOUT, OBJ, T } from '../layout.js';
import type { Field, Image } from '../model.js';
import { at, fieldPlace, hdrField, Sink } from './diag.js';
import { ObjrefSet } from '../objref-table.js';



/** Reserved objrefs: each master's file_objref, with the field that reserves it. */
export function reservedObjrefs(img: Image): Map<number, Field> {
  const m = new Map<number, Field>();
  for (const t of img.ttys) if (t.role === 'master' && t.file_objref.value > 0 && !m.has(t.file_objref.value)) m.set(t.file_objref.value, t.file_objref);
  return m;
}

/** One past the last v18 objtype (from the ksy enum). */
const OBJ_MAX = Math.max(...Object.values(Enums.objType).filter((v): v is number => typeof v === 'number')) + 1;

function objName(objtype: number): string {
  return enumName(Enums.objType, objtype) ?? `objtype ${objtype}`;
}

export function checkObjrefs(img: Image, sink: Sink): void {
  // Each loop over every record or object is a function of its own (see countListRecords in image.ts).
  checkObjrefLens(img, sink);
  checkObjrefItems(img, sink);
  checkReservedUsed(img, sink);
  checkOwnObjref(img, sink);
}

function checkObjrefLens(img: Image, sink: Sink): void {
  const { index } = img;
  const OBJREF = T.OBJREF;
  const LEN = LAYOUT.objref.len;
  for (let i = 0; i < index.count; i++) {
    if (index.types[i] === OBJREF && index.lens[i] !== LEN) {
      at(sink, 'error', 'OBJREF_LEN', hdrField(img, i, 'len'), `OBJREF record ${i} has len ${index.lens[i]}; restart requires ${LAYOUT.objref.len}.`, i);
    }
  }
}

function checkObjrefItems(img: Image, sink: Sink): void {
  const seen = new ObjrefSet();
  // Columns, not items: an image may hold a hundred thousand OBJREFs and most need no diagnostic.
  const { records, types, refs, targets, length } = img.objrefs;
  for (let k = 0; k < length; k++) {
    const ref = refs[k];
    const type = types[k];
    if (ref > 0 && type < OBJ_MAX && type > 0 && targets[k] >= 0 && !seen.has(ref)) {
      seen.add(ref);
      continue;
    }
    const r = img.objrefs.at(k);
    if (ref <= 0) {
      at(sink, 'error', 'OBJREF_INVALID', fieldPlace(r.objref), `objref ${ref} is not positive; objrefs start at 1.`, records[k]);
    }
    if (!(type > 0 && type < OBJ_MAX)) {
      at(sink, 'error', 'OBJREF_TYPE', fieldPlace(r.objtype), `objtype ${type} is not a v18 object type.`, records[k]);
    }
    if (seen.has(ref)) {
      const first = img.objects.get(ref);
      const where = first && first.record !== records[k] ? ` (first at record ${first.record})` : '';
      at(sink, 'error', 'OBJREF_DUPLICATE', fieldPlace(r.objref), `objref ${ref} is introduced again${where}; restart refuses a second object with the same objref.`, records[k]);
    } else seen.add(ref);
    if (targets[k] < 0) {
      at(sink, 'error', 'OBJREF_NO_OBJECT', fieldPlace(r.objtype), `OBJREF ${ref} (${objName(type)}) is not followed by its object's record.`, records[k]);
    }
  }
}

/** A reserved objref that an object also carries: restart fails at whichever comes later. */
function checkReservedUsed(img: Image, sink: Sink): void {
  const reservedAt = new Map<number, Field>();

  for (const t of img.ttys) {
    if (t.role !== 'master' || t.file_objref.value <= 0) continue;
    const v = t.file_objref.value;
    const earlier = reservedAt.get(v);
    if (earlier) {
      at(sink, 'error', 'REF_RESERVED_USED', fieldPlace(t.file_objref), `file_objref ${v} is already reserved by the master at offset ${earlier.offset - 16}.`, t.record);
      continue;
    }
    reservedAt.set(v, t.file_objref);
    const obj = img.objects.get(v);
    const ref = obj;
    if (!ref) continue;
    if (ref.offset > t.file_objref.offset) {
      at(sink, 'error', 'REF_RESERVED_USED', fieldPlace(ref.objref), `objref ${v} is the master's reserved file_objref (record ${t.record}); restart has already used it for the ptmx file.`, ref.record);
    } else {
      at(sink, 'error', 'REF_RESERVED_USED', fieldPlace(t.file_objref), `The master's reserved file_objref ${v} is already the objref of ${objName(ref.objtype.value)} at record ${ref.record}.`, t.record);
    }
  }
}

function checkOwnObjref(img: Image, sink: Sink): void {
  for (const t of img.ttys) {
    if (t.objref === null) at(sink, 'error', 'OBJ_WITHOUT_OBJREF', hdrField(img, t.record, 'type'), `TTY record ${t.record} is not introduced by an OBJREF of type TTY; restart only reads a TTY as a shared object.`, t.record);
  }
  const { hasObjref, records } = img.files;
  for (let k = 0; k < img.files.length; k++) {
    const r = records[k];
    if (!hasObjref[k]) at(sink, 'error', 'OBJ_WITHOUT_OBJREF', hdrField(img, r, 'type'), `FILE record ${r} is not introduced by an OBJREF of type FILE.`, r);
  }
  for (const ft of img.fileTables) {
    if (ft.objref === null) at(sink, 'error', 'OBJ_WITHOUT_OBJREF', hdrField(img, ft.record, 'type'), `FILE_TABLE record ${ft.record} is not introduced by an OBJREF of type FILE_TABLE.`, ft.record);
  }
}

/**
 * Check an objref-valued field of record `from`: it must name an object of one of `types` whose
 * OBJREF comes earlier. Returns the object's record, or -1.
 */
const reservedCache = new WeakMap<Image, Map<number, Field>>();

export function checkRef(img: Image, sink: Sink, f: Field, from: number, types: number[], what: string): number {
  const ref = f.value;
  const obj = img.objects.get(ref);
  if (!obj) {
    // A master's reserved file_objref names the ptmx FILE that restart creates.
    let reservedMap = reservedCache.get(img);
    if (!reservedMap) reservedCache.set(img, (reservedMap = reservedObjrefs(img)));
    const reserved = reservedMap.get(ref);
    if (reserved && types.includes(OBJ.FILE)) return -1;
    at(sink, 'error', 'REF_DANGLING', fieldPlace(f), `${f.name} ${ref} names no object in the image (${what}).`, from);
    return -1;
  }
  if (!types.includes(obj.type)) {
    at(sink, 'error', 'REF_WRONG_TYPE', fieldPlace(f), `${f.name} ${ref} names a ${objName(obj.type)} object; ${what} must be ${types.map(objName).join(' or ')}.`, from);
    return -1;
  }
  if (obj.record > from) {
    at(sink, 'error', 'REF_FORWARD', fieldPlace(f), `${f.name} ${ref} names an object that only appears later, at record ${obj.record}; restart needs it first.`, from);
    return -1;
  }
  return obj.target;
}
