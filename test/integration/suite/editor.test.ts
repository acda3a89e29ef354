// The .ckpt editor in a real VS Code (code-server's extension host): what a person sees, checked
// through the editor's own data (the same answers the webview renders), the Problems panel, and
// the Checkpoint commands. The harness (run.mjs) checks the rendered webview DOM itself.
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CkptEditorProvider } from '../../../src/extension/provider.js';
import { CkptDocument } from '../../../src/extension/document.js';
import type { FieldHit, GraphView, LdiscView, PairView } from '../../../src/shared/protocol.js';
import type { Manifest } from '../fixtures.js';
import { toVsDiagnostics } from '../../../src/extension/diagnostics.js';
import { diagCode, waitFor } from './wait.js';

const EXT_ID = 'ckpt-inspector.ckpt-inspector';
const VIEW = 'ckptInspector.editor';

function manifest(): Manifest {
  return JSON.parse(readFileSync(process.env.CKPT_TEST_MANIFEST!, 'utf8')) as Manifest;
}

async function provider(): Promise<CkptEditorProvider> {
  const ext = vscode.extensions.getExtension<{ provider: CkptEditorProvider }>(EXT_ID);
  assert.ok(ext, 'extension is loaded');
  return (await ext.activate()).provider;
}

interface Stats {
  generation?: number;
  renders?: { generation: number }[];
  timings?: Record<string, number | null>;
  selection?: FieldHit | null;
  modelBuilt?: boolean;
  size?: number;
}
const stats = async () => (await vscode.commands.executeCommand<Stats>('ckptInspector.internal.stats'))!;

/** Open a file in the checkpoint editor and wait until the webview reports its first render. */
async function openRendered(file: string): Promise<Stats> {
  const uri = vscode.Uri.file(file);
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEW);
  const p = await provider();
  return waitFor(`render of ${file}`, async () => {
    const e = p.active;
    if (!e || e.document.uri.fsPath !== uri.fsPath) return null;
    const s = await stats();
    return s.renders?.some((r) => r.generation === s.generation) ? s : null;
  });
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function registerTests(): void {
  describe('Checkpoint editor', function () {
    this.timeout(60000);
    const m = manifest();

    it('is the default editor for *.ckpt (and text/hex stay available through Reopen With)', async () => {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(m.sample));
      const tab = await waitFor('a tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
      assert.ok(tab.input instanceof vscode.TabInputCustom, `tab input is ${tab.input?.constructor?.name}`);
      assert.equal((tab.input as vscode.TabInputCustom).viewType, VIEW);
      await closeAll();
    });

    it('opens the sample and renders it, with timings recorded', async () => {
      const s = await openRendered(m.sample);
      assert.equal(s.modelBuilt, true);
      assert.ok((s.timings?.rendered ?? -1) > 0, 'rendered timing recorded');
      assert.ok(s.size && s.size > 0);
    });

    it('reads and parses the file while the webview starts: the model is built after resolveCustomEditor, the init after both', async () => {
      const f = join(process.env.CKPT_TEST_WORKSPACE!, 'open-order.ckpt');
      copyFileSync(m.sample, f);
      const t = (await openRendered(f)).timings!;
      assert.ok(t.resolve !== null && t.model !== null && t.ready !== null && t.init !== null && t.rendered !== null, JSON.stringify(t));
      assert.ok(t.resolve! < t.model!, `resolve ${t.resolve} before the model ${t.model}`);
      assert.ok(t.init! >= Math.max(t.model!, t.ready!), `init ${t.init} after the model ${t.model} and the webview's ready ${t.ready}`);
      // The tests below work on the sample's editor.
      await closeAll();
      await openRendered(m.sample);
    });

    it('a document used before its load finishes reads the file at once; a missing file fails the open', async () => {
      const uri = vscode.Uri.file(m.sample);
      const doc = await CkptDocument.create(uri, 4000);
      try {
        assert.equal(doc.loaded, false, 'nothing parsed by the open itself');
        assert.equal(doc.bytes.length, readFileSync(m.sample).length);
        assert.ok(doc.model.img, 'model built on first use');
        const model = doc.model;
        await doc.load();
        assert.equal(doc.loaded, true);
        assert.equal(doc.model, model, 'load() after an early use keeps that model');
        assert.deepEqual(Buffer.from(doc.bytes), readFileSync(m.sample));
      } finally {
        doc.dispose();
      }
      await assert.rejects(CkptDocument.create(vscode.Uri.file(join(process.env.CKPT_TEST_WORKSPACE!, 'no-such.ckpt')), 4000), /ENOENT/);
    });

    it('shows the pty pair: index, decoded termios flags, c_cc in ^C notation, differences marked', async () => {
      const e = (await provider()).active!;
      const r = e.document.model.handle('pairs', { start: 0, count: 10 }) as { pairs: PairView[]; total: number };
      assert.equal(r.total, 1);
      const p = r.pairs[0];
      assert.equal(p.title, `/dev/pts/${m.ptsIndex}`);
      assert.equal(p.master?.offset, m.masterTtyOffset);
      assert.equal(p.slave?.offset, m.slaveTtyOffset);
      const lflag = p.slave!.cells.find((c) => c.name === 'c_lflag')!;
      assert.equal(lflag.raw, `0${m.slaveLflag.toString(8)}`);
      for (const f of ['ISIG', 'ICANON', 'ECHO']) assert.ok(lflag.flags?.includes(f), `${f} in ${lflag.text}`);
      assert.equal(lflag.differs, true, 'c_lflag differs between master (raw) and slave');
      assert.equal(p.slave!.cells.find((c) => c.name === 'VINTR')?.text, '^C');
      assert.equal(p.slave!.cells.find((c) => c.name === 'VERASE')?.text, '^?');
    });

    it('shows the pending line `ls -l` as complete and `ech` as the partial line', async () => {
      const e = (await provider()).active!;
      const r = e.document.model.handle('ldiscs', { start: 0, count: 10 }) as { items: LdiscView[] };
      const slave = r.items.find((l) => l.title.startsWith('slave'))!;
      assert.ok(slave, 'slave line discipline shown');
      assert.deepEqual(slave.lines.map((l) => [l.text, l.complete]), [['ls -l\\n', true], ['ech', false]]);
      assert.match(slave.hexdump, /6c 73 20 2d 6c 0a 65 63 68/);
      const master = r.items.find((l) => l.title.startsWith('master'))!;
      assert.equal(master.icanon, false);
    });

    it('draws the objhash graph with its nodes, edges, reserved and file descriptors', async () => {
      const e = (await provider()).active!;
      const g = e.document.model.handle('graph', { focusRecord: null }) as GraphView;
      assert.equal(g.nodes.length, m.graph.nodes);
      assert.equal(g.edges.length, m.graph.edges);
      assert.ok(g.nodes.some((n) => n.kind === 'reserved'), 'the master file_objref is a reserved node');
      assert.ok(g.nodes.some((n) => n.kind === 'tty-master') && g.nodes.some((n) => n.kind === 'tty-slave'));
      assert.ok(g.edges.some((x) => x.label === 'link_objref'));
    });

    it('go to offset selects the innermost field (slave c_lflag)', async () => {
      const off = m.slaveTtyOffset + 46;
      const hit = (await vscode.commands.executeCommand<FieldHit>('ckptInspector.goToOffset', off))!;
      assert.equal(hit.path, 'termios.c_lflag');
      assert.equal(hit.offset, off);
      assert.equal(hit.length, 2);
      assert.ok(hit.treePath.includes(`f:${hit.record}:termios.c_lflag`));
      const s = await stats();
      assert.equal(s.selection?.offset, off);
    });

    it('copies the selection as JSON', async () => {
      const json = (await vscode.commands.executeCommand<string>('ckptInspector.copySelectionAsJson'))!;
      const v = JSON.parse(json);
      assert.equal(v.field, 'termios.c_lflag');
      assert.equal(v.value, m.slaveLflag);
      assert.equal(v.recordType, 'TTY');
      assert.equal(JSON.parse(await vscode.env.clipboard.readText()).value, m.slaveLflag);
    });

    it('copies the selection as a C array, hex, base64 and Python bytes', async () => {
      // The selection is the slave's c_lflag (Go to Offset above): two bytes, little-endian.
      const lo = m.slaveLflag & 0xff;
      const hi = m.slaveLflag >> 8;
      const h2 = (b: number) => b.toString(16).padStart(2, '0');
      const want: Record<string, string> = {
        hex: `${h2(lo)}${h2(hi)}`,
        base64: Buffer.from([lo, hi]).toString('base64'),
        c: `unsigned char termios_c_lflag[2] = {\n  0x${h2(lo)}, 0x${h2(hi)},\n};`,
      };
      for (const [format, text] of Object.entries(want)) {
        const got = await vscode.commands.executeCommand<string>('ckptInspector.copySelectionAs', format);
        assert.equal(got, text, format);
        assert.equal(await vscode.env.clipboard.readText(), text, `${format} on the clipboard`);
      }
      assert.match((await vscode.commands.executeCommand<string>('ckptInspector.copySelectionAs', 'python'))!, /^b'.*'$/);
    });

    it('reveals a record by objref', async () => {
      const hit = (await vscode.commands.executeCommand<FieldHit>('ckptInspector.revealObjref', m.slaveObjref))!;
      assert.equal(hit.offset, m.slaveTtyOffset);
    });

    it('exports the report, equal to ckpt-inspect --json', async () => {
      const out = vscode.Uri.file(join(process.env.CKPT_TEST_WORKSPACE!, 'exported.report.json'));
      await vscode.commands.executeCommand('ckptInspector.exportReport', out);
      const got = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(out)));
      const want = JSON.parse(readFileSync(m.sampleReport, 'utf8'));
      assert.deepEqual(got, want);
    });

    it('opens a damaged image, marks the damage, and publishes the diagnostic at its byte offset', async () => {
      await openRendered(m.damaged);
      const uri = vscode.Uri.file(m.damaged);
      const diags = await waitFor('diagnostics', () => {
        const d = vscode.languages.getDiagnostics(uri);
        return d.length ? d : null;
      });
      const d = diags.find((x) => diagCode(x) === m.damagedError.code);
      assert.ok(d, `a ${m.damagedError.code} diagnostic: ${diags.map((x) => diagCode(x)).join(', ')}`);
      assert.equal(d.range.start.line, 0);
      assert.equal(d.range.start.character, m.damagedError.offset);
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /binary file: column = byte offset/);
      const e = (await provider()).active!;
      const init = e.document.model.init(1, {});
      assert.ok(init.counts.error >= 1);
      // The structure still has every record; the damaged LDISC's OBJREF is marked.
      const hit = e.document.model.structure.fieldAt(m.damagedError.offset)!;
      assert.equal(hit.path, 'datalen');
      const top = e.document.model.handle('children', { id: 'g:objects', start: 0 });
      assert.ok(top.nodes.some((n) => n.severity === 'error'), 'an object in the Objects group is marked');
    });

    it('opens an image with a bad header magic', async () => {
      await openRendered(m.badMagic);
      const d = await waitFor('diagnostics', () => vscode.languages.getDiagnostics(vscode.Uri.file(m.badMagic)).find((x) => diagCode(x) === 'HDR_MAGIC'));
      assert.equal(d.range.start.character, 8);
    });

    it('each problem names its row in docs/diagnostics.md; a code without a Quick Fix links to it', async () => {
      // Raw mode in the line discipline of a canonical tty: two warnings.
      const file = join(process.env.CKPT_TEST_WORKSPACE!, 'docs-link.ckpt');
      copyFileSync(m.sample, file);
      await openRendered(file);
      try {
        const p = await provider();
        const doc = p.active!.document;
        const slave = doc.model.img!.ttys.findIndex((t) => t.role === 'slave');
        p.edit(doc, `ttys[${slave}].ldisc.icanon`, '0');
        const diags = await waitFor('diagnostics', () => {
          const d = vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((x) => x.source === 'ckpt' && diagCode(x) !== undefined);
          return d.length >= 2 ? d : null;
        });
        const rowOf = (uri: vscode.Uri, line: number) => readFileSync(uri.fsPath, 'utf8').split('\n')[line];
        for (const d of diags) {
          const code = String(diagCode(d));
          const rel = d.relatedInformation?.[0];
          assert.ok(rel, `${code} names its docs`);
          assert.match(rel.location.uri.path, /\/docs\/diagnostics\.md$/);
          assert.ok(rowOf(rel.location.uri, rel.location.range.start.line).startsWith(`| \`${code}\` |`), `${code} at line ${rel.location.range.start.line + 1}`);
          const target = typeof d.code === 'object' ? d.code.target : undefined;
          assert.ok(target && (target.scheme === 'command' || target.fragment === `L${rel.location.range.start.line + 1}`), `${code}: ${target?.toString()}`);
        }
        // The same problems without their repairs (as for an image read sparsely): every code links to its row.
        const docsUri = diags[0].relatedInformation![0].location.uri;
        const lines = new Map<string, number>();
        readFileSync(docsUri.fsPath, 'utf8').split('\n').forEach((l, i) => {
          const c = /^\| `([A-Z0-9_]+)` \|/.exec(l)?.[1];
          if (c && !lines.has(c)) lines.set(c, i + 1);
        });
        const plain = toVsDiagnostics(doc.model.diagnostics, vscode.Uri.file(file), [], undefined, { uri: docsUri, lines });
        assert.ok(plain.length >= 2);
        for (const d of plain.filter((x) => x.code !== undefined)) {
          const c = d.code as { value: string; target: vscode.Uri };
          assert.equal(c.target.fsPath, docsUri.fsPath, c.value);
          assert.ok(rowOf(docsUri, Number(c.target.fragment.slice(1)) - 1).startsWith(`| \`${c.value}\` |`), `${c.value} -> ${c.target.fragment}`);
        }
      } finally {
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
    });

    it('reloads when the file changes on disk', async () => {
      const f = join(process.env.CKPT_TEST_WORKSPACE!, 'watched.ckpt');
      copyFileSync(m.sample, f);
      const s0 = await openRendered(f);
      assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(f)).filter((x) => x.severity === vscode.DiagnosticSeverity.Error).length, 0);
      copyFileSync(m.damaged, f);
      const s1 = await waitFor('reload', async () => {
        const s = await stats();
        return (s.generation ?? 0) > (s0.generation ?? 0) && s.renders?.some((r) => r.generation === s.generation) ? s : null;
      });
      assert.ok(s1.generation! > s0.generation!);
      await waitFor('new diagnostics', () => vscode.languages.getDiagnostics(vscode.Uri.file(f)).some((x) => diagCode(x) === m.damagedError.code));
    });

    it('leaves the sample open for the DOM checks', async () => {
      await closeAll();
      await openRendered(m.sample);
      await vscode.commands.executeCommand('ckptInspector.internal.showPanel', 'terminal');
    });
  });
}
