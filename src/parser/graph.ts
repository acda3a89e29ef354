// The objhash graph: objects as nodes, objref-valued fields as edges; reserved objrefs (a master's
// file_objref) and objrefs nothing defines (dangling) get nodes of their own so they can be drawn.
import { Enums, enumName } from './kaitai.js';
import { OBJ } from './layout.js';
import type { Graph, GraphEdge, GraphNode, Image, Tty } from './model.js';

export function objNodeId(objref: number): string {
  return `obj:${objref}`;
}

function ttyLabel(t: Tty): string {
  return `TTY ${t.role} /dev/pts/${t.index.value}`;
}

/**
 * The objhash graph. With `maxEdges`, edges past that many are counted (`edgeCount`) but not
 * built, nor the nodes only they would add: the text report lists the first 10,000 edges of an
 * image that may hold millions.
 */
export function buildGraph(img: Image, opts: { maxEdges?: number } = {}): Graph & { edgeCount: number } {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const maxEdges = opts.maxEdges ?? Number.POSITIVE_INFINITY;
  let extra = 0;
  const ttyByRecord = new Map(img.ttys.map((t) => [t.record, t]));
  for (const o of img.objects.values()) {
    const typeName = enumName(Enums.objType, o.type) ?? `OBJ_${o.type}`;
    let kind: GraphNode['kind'] = 'object';
    let label = `${typeName} #${o.ref}`;
    if (o.type === OBJ.TTY) {
      const t = ttyByRecord.get(o.target);
      kind = t?.role === 'master' ? 'tty-master' : t?.role === 'slave' ? 'tty-slave' : 'tty';
      if (t) label = `${ttyLabel(t)} #${o.ref}`;
    } else if (o.type === OBJ.FILE) kind = 'file';
    else if (o.type === OBJ.FILE_TABLE) kind = 'file-table';
    nodes.set(objNodeId(o.ref), { id: objNodeId(o.ref), kind, label, objref: o.ref, objtype: typeName, record: o.target });
  }
  const reserved = new Set<number>();
  for (const t of img.ttys) {
    if (t.role === 'master' && t.file_objref.value > 0 && !img.objects.has(t.file_objref.value)) reserved.add(t.file_objref.value);
  }
  for (const r of reserved) {
    nodes.set(objNodeId(r), { id: objNodeId(r), kind: 'reserved', label: `reserved #${r}`, objref: r, objtype: null, record: -1 });
  }
  const target = (ref: number): { id: string; dangling: boolean } => {
    const id = objNodeId(ref);
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'missing', label: `missing #${ref}`, objref: ref, objtype: null, record: -1 });
    return { id, dangling: nodes.get(id)?.kind === 'missing' };
  };
  const nodeOfRecord = (objref: number | null, rec: number, label: string, kind: GraphNode['kind']): string => {
    if (objref !== null && nodes.get(objNodeId(objref))?.record === rec) return objNodeId(objref);
    const id = `rec:${rec}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, objref, objtype: null, record: rec });
    return id;
  };

  for (const t of img.ttys) {
    const from = nodeOfRecord(t.objref, t.record, ttyLabel(t), t.role === 'master' ? 'tty-master' : t.role === 'slave' ? 'tty-slave' : 'tty');
    if (t.link_objref.value !== 0) {
      const to = target(t.link_objref.value);
      edges.push({ from, to: to.id, label: 'link_objref', offset: t.link_objref.offset, dangling: to.dangling });
    }
    if (t.file_objref.value !== 0) {
      const to = target(t.file_objref.value);
      edges.push({ from, to: to.id, label: 'file_objref', offset: t.file_objref.offset, dangling: to.dangling });
    }
  }
  for (const f of img.files) {
    const from = nodeOfRecord(f.objref, f.record, `FILE (record ${f.record})`, 'file');
    if (f.ref && f.ref.value !== 0) {
      const to = target(f.ref.value);
      edges.push({ from, to: to.id, label: f.ref.name, offset: f.ref.offset, dangling: to.dangling });
    }
  }
  img.fileTables.forEach((ft, ti) => {
    if (edges.length >= maxEdges) {
      extra += 2 * ft.fds.length;
      return;
    }
    const tableId = nodeOfRecord(ft.objref, ft.record, `FILE_TABLE (record ${ft.record})`, 'file-table');
    for (let k = 0; k < ft.fds.length; k++) {
      if (edges.length >= maxEdges) {
        extra += 2 * (ft.fds.length - k);
        break;
      }
      const d = ft.fds.at(k);
      const id = `fd:${ti}:${d.fd_descriptor.value}:${d.record}`;
      nodes.set(id, { id, kind: 'fd', label: `fd ${d.fd_descriptor.value}`, objref: null, objtype: null, record: d.record });
      edges.push({ from: tableId, to: id, label: 'fd', offset: d.fd_descriptor.offset, dangling: false });
      const to = target(d.fd_objref.value);
      edges.push({ from: id, to: to.id, label: 'fd_objref', offset: d.fd_objref.offset, dangling: to.dangling });
    }
  });
  for (const s of img.signals) {
    if (s.tty_objref.value === 0) continue;
    if (edges.length >= maxEdges) {
      extra++;
      continue;
    }
    const id = `sig:${s.record}`;
    nodes.set(id, { id, kind: 'signal', label: `SIGNAL (record ${s.record})`, objref: null, objtype: null, record: s.record });
    const to = target(s.tty_objref.value);
    edges.push({ from: id, to: to.id, label: 'tty_objref', offset: s.tty_objref.offset, dangling: to.dangling });
  }
  return { nodes: [...nodes.values()], edges, edgeCount: edges.length + extra };
}
