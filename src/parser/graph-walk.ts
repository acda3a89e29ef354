// The objhash graph of buildGraph, walked instead of built: the same nodes in the same order and the
// same edges in the same order, handed to a sink as plain numbers (node ids are small tuples, not
// strings in a Map). The CLI's reports print a million-record image's graph from this without
// holding a node or an edge: buildGraph's Map of 250,000 string-keyed node objects cost more than
// the parse.
import { Enums, enumName } from './kaitai.js';
import { OBJ, T } from './layout.js';
import type { GraphNodeKind, Image, Tty } from './model.js';
import { ObjrefSet } from './objref-table.js';
import type { FileDescRange } from './record-lists.js';

/** What a node id names: `obj:A`, `rec:A`, `fd:A:B:C` (table, fd, record) or `sig:A`. */
export const enum NodeTag {
  Obj = 0,
  Rec = 1,
  Fd = 2,
  Sig = 3,
}

export interface GraphSink {
  /** A node, when buildGraph adds it (its label: GraphWalk.label). */
  node?(tag: NodeTag, a: number, b: number, c: number, kind: GraphNodeKind, objref: number | null, objtype: string | null, record: number): void;
  /** An edge, in buildGraph's order. */
  edge?(ft: NodeTag, fa: number, fb: number, fc: number, tt: NodeTag, ta: number, tb: number, tc: number, label: string, offset: number, dangling: boolean): void;
}

const ttyLabel = (t: Tty) => `TTY ${t.role} /dev/pts/${t.index.value}`;
const ttyKind = (t: Tty | undefined): GraphNodeKind => (t?.role === 'master' ? 'tty-master' : t?.role === 'slave' ? 'tty-slave' : 'tty');

/** The graph's facts, worked out once: objects, the TTY behind each TTY object, reserved objrefs. */
export class GraphWalk {
  private readonly ttyByRecord = new Map<number, Tty>();
  private readonly reserved = new ObjrefSet();
  /** Reserved objrefs in the order buildGraph adds their nodes. */
  readonly reservedOrder: number[] = [];

  constructor(private readonly img: Image) {
    for (const t of img.ttys) this.ttyByRecord.set(t.record, t);
    for (const t of img.ttys) {
      const v = t.file_objref.value;
      if (t.role === 'master' && v > 0 && !img.objects.has(v) && !this.reserved.has(v)) {
        this.reserved.add(v);
        this.reservedOrder.push(v);
      }
    }
  }

  /** An objref's node is `missing` (drawn dangling): neither an object nor reserved. */
  dangling(ref: number): boolean {
    return !this.img.objects.has(ref) && !this.reserved.has(ref);
  }

  objtypeName(type: number): string {
    return enumName(Enums.objType, type) ?? `OBJ_${type}`;
  }

  /** Kind of the node of object k (an index into img.objrefs). */
  objectKind(k: number): GraphNodeKind {
    const type = this.img.objrefs.types[k];
    if (type === OBJ.TTY) return ttyKind(this.ttyByRecord.get(this.img.objrefs.targets[k]));
    return type === OBJ.FILE ? 'file' : type === OBJ.FILE_TABLE ? 'file-table' : 'object';
  }

  /** The label of object k is `OBJTYPE #objref` (not a TTY's own label). */
  plainObjectLabel(k: number): boolean {
    const { types, targets } = this.img.objrefs;
    return types[k] !== OBJ.TTY || !this.ttyByRecord.has(targets[k]);
  }

  isReserved(ref: number): boolean {
    return this.reserved.has(ref);
  }

  objectLabel(k: number): string {
    const { types, refs, targets } = this.img.objrefs;
    if (types[k] === OBJ.TTY) {
      const t = this.ttyByRecord.get(targets[k]);
      if (t) return `${ttyLabel(t)} #${refs[k]}`;
    }
    return `${this.objtypeName(types[k])} #${refs[k]}`;
  }

  /** The node id as buildGraph writes it. */
  id(tag: NodeTag, a: number, b: number, c: number): string {
    return tag === NodeTag.Obj ? `obj:${a}` : tag === NodeTag.Rec ? `rec:${a}` : tag === NodeTag.Fd ? `fd:${a}:${b}:${c}` : `sig:${a}`;
  }

  /** The node's label as buildGraph writes it. */
  label(tag: NodeTag, a: number, b: number): string {
    switch (tag) {
      case NodeTag.Obj: {
        const k = this.img.objects.indexOf(a);
        if (k >= 0) return this.objectLabel(k);
        return this.reserved.has(a) ? `reserved #${a}` : `missing #${a}`;
      }
      case NodeTag.Rec: {
        const type = this.img.index.types[a];
        if (type === T.TTY) {
          const t = this.ttyByRecord.get(a);
          if (t) return ttyLabel(t);
        }
        return type === T.FILE_TABLE ? `FILE_TABLE (record ${a})` : `FILE (record ${a})`;
      }
      case NodeTag.Fd:
        return `fd ${b}`;
      default:
        return `SIGNAL (record ${a})`;
    }
  }

  /**
   * Walk the graph: nodes and edges to the sink in buildGraph's order, the first `limit` edges
   * only; returns how many edges there are in all.
   */
  walk(sink: GraphSink, limit = Number.POSITIVE_INFINITY): number {
    const it = this.steps(sink, limit, () => false);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  /**
   * walk, as a generator that pauses (yields) after a node or an edge whenever `pause()` says so:
   * a sink writing into a buffer is emptied there. Its return value is the number of edges.
   */
  *steps(sink: GraphSink, limit: number, pause: () => boolean): Generator<void, number> {
    const img = this.img;
    const { objects, objrefs } = img;
    const node = sink.node?.bind(sink);
    const edge = sink.edge?.bind(sink);
    if (node) {
      for (const k of objects.indexes()) {
        node(NodeTag.Obj, objrefs.refs[k], 0, 0, this.objectKind(k), objrefs.refs[k], this.objtypeName(objrefs.types[k]), objrefs.targets[k]);
        if (pause()) yield;
      }
      for (const r of this.reservedOrder) {
        node(NodeTag.Obj, r, 0, 0, 'reserved', r, null, -1);
        if (pause()) yield;
      }
    }
    let n = 0;
    // Past the limit, with no nodes to add, edges are only counted.
    const counting = () => n >= limit && !node;
    const missing = new ObjrefSet();
    // The node of an objref an edge points to; a `missing` one is added the first time.
    const target = (ref: number): boolean => {
      if (!this.dangling(ref)) return false;
      if (node && !missing.has(ref)) {
        missing.add(ref);
        node(NodeTag.Obj, ref, 0, 0, 'missing', ref, null, -1);
      }
      return true;
    };
    // A record's node is its object's when the objref that introduced it is the one in the table
    // (tag Obj, the objref); else a node of the record (tag Rec, added here).
    let fromTag: NodeTag = NodeTag.Obj;
    let fromA = 0;
    const fromNode = (objref: number | null, rec: number, kind: GraphNodeKind): void => {
      if (objref !== null) {
        const k = objects.indexOf(objref);
        if (k >= 0 && objrefs.targets[k] === rec) {
          fromTag = NodeTag.Obj;
          fromA = objref;
          return;
        }
      }
      if (node) node(NodeTag.Rec, rec, 0, 0, kind, objref, null, rec);
      fromTag = NodeTag.Rec;
      fromA = rec;
    };
    const toObj = (ref: number, label: string, offset: number): void => {
      const dangling = target(ref);
      if (edge && n < limit) edge(fromTag, fromA, 0, 0, NodeTag.Obj, ref, 0, 0, label, offset, dangling);
      n++;
    };

    for (const t of img.ttys) {
      const link = t.link_objref.value;
      const file = t.file_objref.value;
      if (counting()) {
        n += (link !== 0 ? 1 : 0) + (file !== 0 ? 1 : 0);
        continue;
      }
      fromNode(t.objref, t.record, ttyKind(t));
      if (link !== 0) toObj(link, 'link_objref', t.link_objref.offset);
      if (file !== 0) toObj(file, 'file_objref', t.file_objref.offset);
      if (pause()) yield;
    }
    const files = img.files;
    for (let i = 0; i < files.length; i++) {
      if (counting()) {
        n += fileEdges(img, i);
        break;
      }
      const d = files.refDesc(i);
      const ref = d ? files.src.rawRec(files.records[i], d) : null;
      const rec = files.records[i];
      fromNode(files.hasObjref[i] ? files.objrefs[i] : null, rec, 'file');
      if (d && ref !== null && ref !== 0) toObj(ref, d.name, files.src.offsetOf(rec) + d.offset);
      if (pause()) yield;
    }
    const fds = img.fds;
    const fdOff = fds.d.fd_descriptor.offset;
    const refOff = fds.d.fd_objref.offset;
    for (let ti = 0; ti < img.fileTables.length; ti++) {
      const ft = img.fileTables[ti];
      const { start, end } = ft.fds as FileDescRange;
      if (counting()) {
        n += 2 * (end - start);
        continue;
      }
      fromNode(ft.objref, ft.record, 'file-table');
      for (let k = start; k < end; k++) {
        if (counting()) {
          n += 2 * (end - k);
          break;
        }
        const fd = fds.fd(k);
        const rec = fds.records[k];
        const o = fds.src.offsetOf(rec);
        if (node) node(NodeTag.Fd, ti, fd, rec, 'fd', null, null, rec);
        if (edge && n < limit) edge(fromTag, fromA, 0, 0, NodeTag.Fd, ti, fd, rec, 'fd', o + fdOff, false);
        n++;
        const ref = fds.fileRef(k);
        const dangling = target(ref);
        if (edge && n < limit) edge(NodeTag.Fd, ti, fd, rec, NodeTag.Obj, ref, 0, 0, 'fd_objref', o + refOff, dangling);
        n++;
        if (pause()) yield;
      }
    }
    const signals = img.signals;
    const sigRef = signals.d.tty_objref;
    for (let i = 0; i < signals.length; i++) {
      const rec = signals.records[i];
      const o = signals.src.offsetOf(rec);
      const ref = signals.src.rawRec(rec, sigRef);
      if (ref === 0) continue;
      if (counting()) {
        n++;
        continue;
      }
      if (node) node(NodeTag.Sig, rec, 0, 0, 'signal', null, null, rec);
      fromTag = NodeTag.Sig;
      fromA = rec;
      toObj(ref, 'tty_objref', o + sigRef.offset);
      if (pause()) yield;
    }
    return n;
  }
}

/** Edges from the FILEs from item `from` on: one for each whose reference field is there and not 0. */
function fileEdges(img: Image, from: number): number {
  const files = img.files;
  let n = 0;
  for (let i = from; i < files.length; i++) {
    const ref = files.refValue(i);
    if (ref !== null && ref !== 0) n++;
  }
  return n;
}
