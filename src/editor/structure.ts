// The Structure tree, computed from the record index alone (typed arrays, no object per record):
// groups the way the kernel wrote the stream — header block, tasks, objects introduced by OBJREF
// (nested), file descriptors, tail — and each record's decoded fields on demand. Pure: no `vscode`.
import { decodeRecordBody, DecodedField, DecodedNode, DecodedValue, Enums, enumName } from '../parser/kaitai.js';
import { T } from '../parser/layout.js';
import type { StreamIndex } from '../parser/stream-index.js';
import { objrefOf, recordSummary } from '../parser/record-summary.js';
import { toHex } from '../parser/names.js';
import { FieldHit, hexOffset, Severity, TREE_PAGE, TreeNode } from '../shared/protocol.js';

const GROUPS = [
  { id: 'g:header', label: 'Header block', detail: 'HEADER, uts BUFFERs, HEADER_ARCH' },
  { id: 'g:tasks', label: 'Tasks', detail: 'TREE, pids, task records' },
  { id: 'g:objects', label: 'Objects', detail: 'introduced by OBJREF, nested as restart reads them' },
  { id: 'g:fds', label: 'File descriptors', detail: 'FILE_DESC records' },
  { id: 'g:tail', label: 'Tail', detail: 'TAIL and anything after it' },
] as const;
const G_HEADER = 0;
const G_TASKS = 1;
const G_OBJECTS = 2;
const G_FDS = 3;
const G_TAIL = 4;

function typeName(t: number): string {
  return enumName(Enums.hdrType, t) ?? `type ${t}`;
}

/** Record type each objtype's restore reads first (its own record). */
function primaryOf(objtype: number): number {
  const name = enumName(Enums.objType, objtype);
  if (!name) return -1;
  const v = Enums.hdrType[name === 'SOCK' ? 'SOCKET' : name];
  return typeof v === 'number' ? v : -1;
}

function enumTable(enumType: string | undefined) {
  if (!enumType) return undefined;
  const key = enumType.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof typeof Enums;
  return Enums[key];
}

export interface RecordSource {
  bytes: Uint8Array;
  littleEndian: boolean;
  index: StreamIndex;
  /** A copy of any bytes, including those a sparse store left on disk (raw payloads); default: from `bytes`. */
  read?: (offset: number, length: number) => Uint8Array;
}

export class Structure {
  readonly parent: Int32Array;
  readonly group: Uint8Array;
  private readonly groupLists: Int32Array[];
  private readonly childStart: Int32Array;
  private readonly childList: Int32Array;
  /** Highest severity of the diagnostics per record (0 none, 1 info, 2 warning, 3 error). */
  private severityByRecord = new Map<number, number>();

  /**
   * Read from `bytes` from now on: after an edit that moved records (a pending-input BUFFER of
   * another length). The tree depends on record types and order only, which such an edit keeps; the
   * index it reads is shifted in place by the rebase.
   */
  rebind(bytes: Uint8Array): void {
    this.src = { ...this.src, bytes };
  }

  constructor(private src: RecordSource) {
    const { index } = src;
    const n = index.count;
    this.parent = new Int32Array(n).fill(-1);
    this.group = new Uint8Array(n);
    const { types } = index;
    // Open OBJREFs: record index, primary record type, satisfied by its object record.
    const stackRec: number[] = [];
    const stackPrim: number[] = [];
    const stackDone: boolean[] = [];
    const stackLast: number[] = []; // last record attached to a satisfied entry (for LDISC/BUFFER followers)
    let phase = 0; // 0 header, 1 tasks, 2 objects
    for (let i = 0; i < n; i++) {
      const t = types[i];
      // Close satisfied OBJREFs unless this record continues the object (TTY → LDISC → BUFFER).
      while (stackRec.length > 0 && stackDone[stackDone.length - 1]) {
        const top = stackRec.length - 1;
        const last = stackLast[top];
        const follower = last === i - 1 && ((types[last] === T.TTY && t === T.TTY_LDISC) || (types[last] === T.TTY_LDISC && t === T.BUFFER));
        if (follower) break;
        stackRec.pop();
        stackPrim.pop();
        stackDone.pop();
        stackLast.pop();
      }
      let par = -1;
      if (stackRec.length > 0 && stackDone[stackDone.length - 1]) {
        par = stackRec[stackRec.length - 1];
        stackLast[stackLast.length - 1] = i;
      } else if (t === T.OBJREF) {
        par = stackRec.length ? stackRec[stackRec.length - 1] : -1;
        const objtype = objrefOf(src, i)?.objtype ?? -1;
        stackRec.push(i);
        stackPrim.push(primaryOf(objtype));
        stackDone.push(false);
        stackLast.push(i);
      } else {
        let d = stackRec.length - 1;
        while (d >= 0 && stackPrim[d] !== t) d--;
        if (d >= 0) {
          stackRec.length = stackPrim.length = stackDone.length = stackLast.length = d + 1;
          stackDone[d] = true;
          stackLast[d] = i;
          par = stackRec[d];
        } else if (stackRec.length) {
          par = stackRec[stackRec.length - 1];
        }
      }
      this.parent[i] = par;
      if (par >= 0) {
        this.group[i] = this.group[par];
        continue;
      }
      if (phase === 0 && !((i === 0 && t === T.HEADER) || (i > 0 && i <= 3 && t === T.BUFFER) || t === T.HEADER_ARCH)) phase = 1;
      if (phase === 0 && t === T.HEADER_ARCH) {
        this.group[i] = G_HEADER;
        phase = 1;
        continue;
      }
      if (phase === 1 && t === T.OBJREF) phase = 2;
      if (phase < 2) this.group[i] = phase === 0 ? G_HEADER : G_TASKS;
      else if (t === T.FILE_DESC) this.group[i] = G_FDS;
      else if (t === T.TAIL || this.afterTail(i)) this.group[i] = G_TAIL;
      else this.group[i] = G_OBJECTS;
      if (t === T.TAIL) this.tailSeen = true;
    }
    // Group lists and children (CSR) in stream order.
    const gCount = new Int32Array(GROUPS.length);
    const cCount = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      if (this.parent[i] < 0) gCount[this.group[i]]++;
      else cCount[this.parent[i]]++;
    }
    this.groupLists = Array.from(gCount, (c) => new Int32Array(c));
    const gFill = new Int32Array(GROUPS.length);
    this.childStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.childStart[i + 1] = this.childStart[i] + cCount[i];
    this.childList = new Int32Array(this.childStart[n]);
    const cFill = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = this.parent[i];
      if (p < 0) this.groupLists[this.group[i]][gFill[this.group[i]]++] = i;
      else this.childList[this.childStart[p] + cFill[p]++] = i;
    }
  }

  private tailSeen = false;
  private afterTail(_i: number): boolean {
    return this.tailSeen;
  }

  setSeverities(list: { record?: number; severity: Severity }[]): void {
    const rank = { info: 1, warning: 2, error: 3 } as const;
    this.severityByRecord.clear();
    for (const d of list) {
      if (d.record === undefined) continue;
      const r = rank[d.severity];
      if ((this.severityByRecord.get(d.record) ?? 0) < r) this.severityByRecord.set(d.record, r);
    }
  }

  /** Index of the record holding byte `offset`, or -1. */
  recordAt(offset: number): number {
    const { offsets, spans, count } = this.src.index;
    let lo = 0;
    let hi = count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || offset >= offsets[found] + spans[found]) return -1;
    return found;
  }

  // ---- tree ----

  children(id: string, start: number): { nodes: TreeNode[]; total: number; start: number } {
    if (id === 'root') {
      const nodes = GROUPS.map((g, k) => ({ g, k })).filter(({ k }) => this.groupLists[k].length > 0).map(({ g, k }) => this.groupNode(k, g));
      return { nodes, total: nodes.length, start: 0 };
    }
    const gk = GROUPS.findIndex((g) => g.id === id);
    if (gk >= 0) return this.page(Array.from(this.groupLists[gk]).length, start, (j) => this.recordNode(this.groupLists[gk][j]), id);
    const m = /^r:(\d+)$/.exec(id);
    if (m) {
      const i = Number(m[1]);
      const fields = this.fieldNodes(i, '');
      const kids = this.childList.subarray(this.childStart[i], this.childStart[i + 1]);
      return this.page(fields.length + kids.length, start, (j) => (j < fields.length ? fields[j] : this.recordNode(kids[j - fields.length])), id);
    }
    const f = /^f:(\d+):(.*)$/.exec(id);
    if (f) {
      const nodes = this.fieldNodes(Number(f[1]), f[2]);
      return this.page(nodes.length, start, (j) => nodes[j], id);
    }
    return { nodes: [], total: 0, start: 0 };
  }

  private page(total: number, start: number, at: (j: number) => TreeNode, parentId: string): { nodes: TreeNode[]; total: number; start: number } {
    const s = Math.max(0, Math.min(start, Math.max(0, total - 1)));
    const s0 = s - (s % TREE_PAGE);
    const end = Math.min(total, s0 + TREE_PAGE);
    const nodes: TreeNode[] = [];
    if (s0 > 0) {
      nodes.push({ id: `${parentId}#prev${s0}`, kind: 'page', label: `… ${s0} earlier`, detail: 'show the previous page', offset: -1, length: 0, hasChildren: false, pageStart: s0 - TREE_PAGE });
    }
    for (let j = s0; j < end; j++) nodes.push(at(j));
    if (end < total) {
      nodes.push({ id: `${parentId}#next${end}`, kind: 'page', label: `… ${total - end} more`, detail: 'show the next page', offset: -1, length: 0, hasChildren: false, pageStart: end });
    }
    return { nodes, total, start: s0 };
  }

  private groupNode(k: number, g: (typeof GROUPS)[number]): TreeNode {
    const list = this.groupLists[k];
    const { offsets, spans } = this.src.index;
    const first = list[0];
    const last = list[list.length - 1];
    let sev = 0;
    for (const [r, s] of this.severityByRecord) if (this.topOf(r) >= 0 && this.group[r] === k) sev = Math.max(sev, s);
    return {
      id: g.id,
      kind: 'group',
      label: g.label,
      detail: `${list.length} record${list.length === 1 ? '' : 's'} · ${g.detail}`,
      offset: offsets[first],
      length: offsets[last] + spans[last] - offsets[first],
      hasChildren: true,
      ...(sev ? { severity: sevName(sev) } : {}),
    };
  }

  private topOf(r: number): number {
    let p = r;
    while (this.parent[p] >= 0) p = this.parent[p];
    return p;
  }

  recordNode(i: number): TreeNode {
    const { offsets, types, lens, spans } = this.src.index;
    const t = types[i];
    let label = typeName(t);
    const ref = objrefOf(this.src, i);
    if (ref) label = `OBJREF ${enumName(Enums.objType, ref.objtype) ?? ref.objtype} #${ref.objref}`;
    let sev = this.severityByRecord.get(i) ?? 0;
    if (spans[i] !== lens[i]) sev = 3;
    // An OBJREF shows the worst of what it holds.
    for (let k = this.childStart[i]; k < this.childStart[i + 1]; k++) sev = Math.max(sev, this.subtreeSeverity(this.childList[k]));
    return {
      id: `r:${i}`,
      kind: 'record',
      label,
      detail: this.summary(i),
      offset: offsets[i],
      length: spans[i],
      hasChildren: true,
      record: i,
      ...(sev ? { severity: sevName(sev) } : {}),
    };
  }

  private subtreeSeverity(i: number): number {
    let s = this.severityByRecord.get(i) ?? 0;
    if (this.src.index.spans[i] !== this.src.index.lens[i]) s = 3;
    for (let k = this.childStart[i]; k < this.childStart[i + 1]; k++) s = Math.max(s, this.subtreeSeverity(this.childList[k]));
    return s;
  }

  /** One-line summary of a record (src/parser/record-summary.ts). */
  summary(i: number): string {
    return recordSummary(this.src, i);
  }

  // ---- fields ----

  private decode(i: number): { node: DecodedNode | null; error?: { message: string; offset: number } } {
    const { offsets, types, lens, spans } = this.src.index;
    if (spans[i] !== lens[i]) return { node: null };
    const d = decodeRecordBody({ bytes: this.src.bytes, littleEndian: this.src.littleEndian }, offsets[i], types[i], lens[i]);
    // Raw byte fields (a BUFFER's data) may lie where a sparse store left the bytes on disk.
    const read = this.src.read;
    if (read && d.body) {
      const fix = (n: DecodedNode): void => {
        for (const f of n.fields) {
          if (f.value instanceof Uint8Array) f.value = read(f.offset, f.size);
          else if (f.value && typeof f.value === 'object' && !Array.isArray(f.value)) fix(f.value);
        }
      };
      fix(d.body);
    }
    return { node: d.body, ...(d.error ? { error: d.error } : {}) };
  }

  /** The record's fields as pseudo-fields: type, len, then the decoded payload (or the raw payload). */
  private recordFields(i: number): { fields: DecodedField[]; error?: { message: string; offset: number } } {
    const { offsets, types, lens, spans } = this.src.index;
    const o = offsets[i];
    const fields: DecodedField[] = [
      { name: 'type', offset: o, size: 4, value: types[i], enumType: 'hdr_type' },
      { name: 'len', offset: o + 4, size: 4, value: lens[i] },
    ];
    const d = this.decode(i);
    if (d.node) fields.push(...d.node.fields);
    else if (spans[i] > 8) fields.push({ name: 'payload', offset: o + 8, size: spans[i] - 8, value: this.src.read ? this.src.read(o + 8, spans[i] - 8) : this.src.bytes.subarray(o + 8, o + spans[i]) });
    return { fields, ...(d.error ? { error: d.error } : {}) };
  }

  private fieldNodes(i: number, path: string): TreeNode[] {
    const { fields, error } = this.recordFields(i);
    let list: { f: DecodedField; name: string; value: DecodedValue; offset: number; size: number }[] = fields.map((f) => ({ f, name: f.name, value: f.value, offset: f.offset, size: f.size }));
    if (path) {
      const target = resolvePath(fields, path);
      if (!target) return [];
      list = childEntries(target);
    }
    const out: TreeNode[] = list.map((e) => {
      const p = path ? (e.name.startsWith('[') ? `${path}${e.name}` : `${path}.${e.name}`) : e.name;
      const kids = childEntries(e);
      return {
        id: `f:${i}:${p}`,
        kind: 'field' as const,
        label: e.name.startsWith('[') ? `${lastName(path)}${e.name}` : e.name,
        detail: valueText(e.value, e.f.enumType, e.size),
        offset: e.offset,
        length: e.size,
        hasChildren: kids.length > 0,
        record: i,
        path: p,
      };
    });
    if (!path && error) {
      out.push({ id: `f:${i}:!error`, kind: 'field', label: 'decode error', detail: `${error.message} (at ${hexOffset(error.offset)}); fields above were read`, offset: error.offset, length: 0, hasChildren: false, record: i, path: '!error', severity: 'error' });
    }
    return out;
  }

  /** Value of a field path, for copy-as-JSON. */
  fieldValue(i: number, path: string): { name: string; offset: number; size: number; value: unknown; text: string } | null {
    const { fields } = this.recordFields(i);
    const e = resolvePath(fields, path);
    if (!e) return null;
    return { name: e.name, offset: e.offset, size: e.size, value: jsonValue(e.value), text: valueText(e.value, e.f.enumType, e.size) };
  }

  /** Innermost field that holds byte `offset`. */
  fieldAt(offset: number): FieldHit | null {
    const i = this.recordAt(offset);
    if (i < 0) return null;
    const { fields } = this.recordFields(i);
    let entries = fields.map((f) => ({ f, name: f.name, value: f.value, offset: f.offset, size: f.size }));
    let path = '';
    let hit: (typeof entries)[number] | null = null;
    const ids: string[] = [];
    for (;;) {
      const e = entries.find((x) => x.size > 0 && offset >= x.offset && offset < x.offset + x.size);
      if (!e) break;
      hit = e;
      path = path ? (e.name.startsWith('[') ? `${path}${e.name}` : `${path}.${e.name}`) : e.name;
      ids.push(`f:${i}:${path}`);
      const kids = childEntries(e);
      if (!kids.length) break;
      entries = kids;
    }
    const base = this.locate(i);
    if (!hit || !base) {
      return base;
    }
    return {
      ...base,
      offset: hit.offset,
      length: hit.size,
      path,
      label: `${typeName(this.src.index.types[i])} ${path}`,
      treePath: [...base.treePath, ...ids],
      pageStarts: [...base.pageStarts, ...ids.map(() => 0)],
    };
  }

  /** Tree path of a record (its group, enclosing OBJREFs, itself). */
  locate(i: number): FieldHit | null {
    const { offsets, spans, count, types } = this.src.index;
    if (i < 0 || i >= count) return null;
    const chain: number[] = [];
    for (let p = i; p >= 0; p = this.parent[p]) chain.unshift(p);
    const g = this.group[chain[0]];
    const ids: string[] = [GROUPS[g].id];
    const starts = [0];
    // Position of the top record in its group.
    starts.push(pageOf(bsearch(this.groupLists[g], chain[0])));
    ids.push(`r:${chain[0]}`);
    for (let k = 1; k < chain.length; k++) {
      const par = chain[k - 1];
      const nFields = this.recordFields(par).fields.length;
      const pos = bsearch(this.childList.subarray(this.childStart[par], this.childStart[par + 1]), chain[k]);
      starts.push(pageOf(nFields + pos));
      ids.push(`r:${chain[k]}`);
    }
    return { record: i, offset: offsets[i], length: spans[i], label: `${typeName(types[i])} record ${i}`, treePath: ids, pageStarts: starts };
  }
}

function pageOf(pos: number): number {
  return pos - (pos % TREE_PAGE);
}

function bsearch(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (a[m] === v) return m;
    if (a[m] < v) lo = m + 1;
    else hi = m - 1;
  }
  return 0;
}

function sevName(s: number): Severity {
  return s >= 3 ? 'error' : s === 2 ? 'warning' : 'info';
}

function lastName(path: string): string {
  const m = /([A-Za-z_0-9]+)(\[\d+\])*$/.exec(path);
  return m ? m[1] : path;
}

interface Entry {
  f: DecodedField;
  name: string;
  value: DecodedValue;
  offset: number;
  size: number;
}

function childEntries(e: Entry): Entry[] {
  const v = e.value;
  if (Array.isArray(v)) {
    return v.map((x, k) => ({ f: e.f, name: `[${k}]`, value: x, offset: e.f.items?.[k]?.offset ?? e.offset, size: e.f.items?.[k]?.size ?? 0 }));
  }
  if (v && typeof v === 'object' && !(v instanceof Uint8Array) && 'fields' in v) {
    return v.fields.map((f) => ({ f, name: f.name, value: f.value, offset: f.offset, size: f.size }));
  }
  return [];
}

function resolvePath(fields: DecodedField[], path: string): Entry | null {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let entries: Entry[] = fields.map((f) => ({ f, name: f.name, value: f.value, offset: f.offset, size: f.size }));
  let cur: Entry | null = null;
  for (const p of parts) {
    cur = entries.find((e) => e.name === p) ?? null;
    if (!cur) return null;
    entries = childEntries(cur);
  }
  return cur;
}

export function valueText(v: DecodedValue, enumType: string | undefined, size: number): string {
  if (typeof v === 'number') {
    const tbl = enumTable(enumType);
    const name = tbl ? enumName(tbl, v) : undefined;
    const hex = size > 1 || v > 9 ? ` (0x${(v >>> 0 === v ? v : v).toString(16)})` : '';
    return name ? `${name} (${v})` : `${v}${hex}`;
  }
  if (typeof v === 'bigint') return `0x${v.toString(16).padStart(size * 2, '0')} (${v})`;
  if (v instanceof Uint8Array) {
    const nz = v.some((b) => b !== 0);
    return `${v.length} bytes${nz ? ` · ${toHex(v.subarray(0, 16)).replace(/(..)/g, '$1 ').trim()}${v.length > 16 ? ' …' : ''}` : ' · all zero'}`;
  }
  if (Array.isArray(v)) return `${v.length} items`;
  return v.type;
}

function jsonValue(v: DecodedValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return Object.fromEntries(v.fields.map((f) => [f.name, jsonValue(f.value)]));
  return v;
}
