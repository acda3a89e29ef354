// The editor core without VS Code (src/editor/session.ts, session-view.ts): edits by path, undo and
// redo over the current bytes, the dirty state from the saved diff, saving, reloads from disk, and
// what an attached view is sent (init, updates, held-back diagnostics, answers to its requests).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { EditError } from '../../src/parser/edit-paths.js';
import { EditorSession } from '../../src/editor/session.js';
import { SessionView } from '../../src/editor/session-view.js';
import type { EditOutcome, InitData, ToWebview, UpdateData } from '../../src/shared/protocol.js';
import { ROOT } from '../lib/images.js';

const SAMPLE = join(ROOT, 'samples/pair.ckpt');
const ECHO = 'ttys[1].termios.c_lflag.ECHO';

function session(bytes = new Uint8Array(readFileSync(SAMPLE)), filePath: string | null = null): EditorSession {
  return new EditorSession(ByteStore.from(bytes), { fileName: 'pair.ckpt', filePath, maxTtys: 4000 });
}

/** A view that records what it is sent. */
function view(s: EditorSession): { v: SessionView; sent: ToWebview[] } {
  const sent: ToWebview[] = [];
  const v = new SessionView(s, (m) => sent.push(m));
  s.attach(v);
  return { v, sent };
}

async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

test('an edit by path changes the bytes and the model; undo and redo replay it; the bytes back at the file make it clean', () => {
  const original = new Uint8Array(readFileSync(SAMPLE));
  const s = session(original.slice());
  const was = s.model.img!.ttys[1].termios.c_lflag.value;
  const r = s.edit(ECHO, '0');
  assert.ok(r, 'ECHO was on in the sample');
  assert.equal(s.generation, 2);
  assert.equal(s.hasUnsavedChanges, true);
  assert.notEqual(s.model.img!.ttys[1].termios.c_lflag.value, was);
  assert.equal(s.editTimings.at(-1)?.model, 'patched');
  assert.equal(s.edit(ECHO, '0'), null, 'the same value again is no edit');
  s.undo(r.entry);
  assert.deepEqual(Buffer.from(s.bytes), Buffer.from(original));
  assert.equal(s.hasUnsavedChanges, false, 'undo gave back the file');
  assert.equal(s.model.img!.ttys[1].termios.c_lflag.value, was);
  s.redo(r.entry);
  assert.equal(s.hasUnsavedChanges, true);
  // Two edits that cancel out: the bytes are the file's, whatever the edit stack says.
  const r2 = s.edit(ECHO, '1');
  assert.ok(r2);
  assert.equal(s.matchesFile, true);
  assert.equal(s.hasUnsavedChanges, false);
});

test('a bad path or value throws EditError and leaves the bytes alone', () => {
  const s = session();
  const before = s.bytes.slice();
  assert.throws(() => s.edit('ttys[1].termios.c_lflag.NOPE', '1'), EditError);
  assert.throws(() => s.edit('ttys[1].winsize.ws_col', 'wide'), EditError);
  assert.deepEqual(Buffer.from(s.bytes), Buffer.from(before));
  assert.equal(s.generation, 1);
});

test('a ready view gets the init with the diagnostics held back until its first render; then an update with what changed', async () => {
  // An error in the sample so that there are diagnostics to hold back.
  const s = session();
  s.edit('ttys[1].ldisc.datalen', '5000');
  const { v, sent } = view(s);
  v.receive({ type: 'ready', panel: 'terminal' });
  await settle();
  const init = sent.find((m) => m.type === 'init')?.data as InitData;
  assert.ok(init, 'init sent');
  assert.equal(init.generation, s.generation);
  assert.deepEqual(init.diagnostics, [], 'held back: Problems is not the panel shown');
  assert.equal(init.diagnosticsFollow, true);
  assert.ok((init.prefetched ?? []).length > 0, 'the first screen answered ahead');
  v.receive({ type: 'rendered', generation: s.generation, phase: 'first', panel: 'terminal', ms: 5 });
  const follow = sent.find((m) => m.type === 'diagnostics');
  assert.ok(follow && follow.type === 'diagnostics' && follow.diagnostics.some((d) => d.code === 'LDISC_DATALEN'), 'the list follows the render');
  assert.equal(v.rendered.length, 1);

  sent.length = 0;
  s.edit('ttys[1].winsize.ws_col', '132');
  const up = sent.find((m) => m.type === 'update')?.data as UpdateData;
  assert.ok(up, 'update sent');
  assert.equal(up.diagnostics, null, 'the list did not change: not sent again');
  assert.ok(up.records && up.records.includes(s.model.img!.ttys[1].record), 'the edited record is named');
  assert.ok(up.ranges && up.ranges.length === 1, 'one range rewritten in place');

  sent.length = 0;
  s.edit('ttys[1].ldisc.datalen', '0');
  const up2 = sent.find((m) => m.type === 'update')?.data as UpdateData;
  assert.equal(up2.diagnostics, null, 'a changed list follows the render ack when Problems is not shown');
  assert.equal(up2.diagnosticsFollow, true);
  v.receive({ type: 'panel', panel: 'problems' });
  sent.length = 0;
  s.edit('ttys[1].ldisc.datalen', '5000');
  const up3 = sent.find((m) => m.type === 'update')?.data as UpdateData;
  assert.ok(up3.diagnostics?.some((d) => d.code === 'LDISC_DATALEN'), 'with Problems shown, the changed list goes with the update');
});

test('a view that is not ready is sent nothing; requests are answered, edits through them announced', async () => {
  const s = session();
  const { v, sent } = view(s);
  s.edit('ttys[1].winsize.ws_col', '100');
  assert.equal(sent.length, 0);
  const edited: string[] = [];
  s.edited.on((e) => edited.push(e.label));
  v.receive({ type: 'request', id: 1, name: 'edit', params: { path: 'ttys[1].winsize.ws_row', value: '50' } });
  const ok = sent.find((m) => m.type === 'response' && m.id === 1);
  assert.ok(ok && ok.type === 'response' && ok.ok);
  assert.equal((ok.result as EditOutcome).changed, true);
  assert.equal(edited.length, 1, 'the host is told, to put it on its edit stack');
  v.receive({ type: 'request', id: 2, name: 'edit', params: { path: 'ttys[9].winsize.ws_row', value: '50' } });
  const bad = sent.find((m) => m.type === 'response' && m.id === 2);
  assert.ok(bad && bad.type === 'response' && !bad.ok);
  assert.doesNotMatch(bad.error, /internal error/, 'a bad path is the person\'s mistake, not a bug');
  v.receive({ type: 'request', id: 3, name: 'rows', params: { offset: 0, length: 16 } });
  const rows = sent.find((m) => m.type === 'response' && m.id === 3);
  assert.ok(rows && rows.type === 'response' && rows.ok);
  assert.deepEqual(Buffer.from((rows.result as { data: ArrayBuffer }).data), Buffer.from(s.bytes.subarray(0, 16)));
  v.receive({ type: 'selection', selection: { offset: 4, length: 4 } });
  assert.deepEqual(v.selection, { offset: 4, length: 4 });
});

test('save writes the bytes to the file; a save of unchanged bytes over an unchanged file writes nothing; reloads keep unsaved edits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-session-'));
  try {
    const file = join(dir, 'pair.ckpt');
    writeFileSync(file, readFileSync(SAMPLE));
    const s = new EditorSession({ path: file, read: Promise.resolve(ByteStore.readFile(file)) }, { fileName: 'pair.ckpt', filePath: file, maxTtys: 4000 });
    await s.load();
    assert.equal(s.loaded, true);
    assert.equal(s.savesNothing, true);
    const r = s.edit(ECHO, '0')!;
    assert.equal(s.savesNothing, false);
    await s.save({ own: true, path: file });
    assert.deepEqual(readFileSync(file), Buffer.from(s.bytes));
    assert.equal(s.hasUnsavedChanges, false);
    assert.equal(s.savesNothing, true);
    s.undo(r.entry);
    assert.equal(s.hasUnsavedChanges, true, 'undo after a save is a change');

    // Another program writes the file under the unsaved edit: the edit stays, the banner says why.
    const notes: (string | null)[] = [];
    s.diskChanged.on((n) => notes.push(n));
    writeFileSync(file, readFileSync(SAMPLE));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    // Our own save is less than 2 s ago: a change is taken for it. Pretend it is older.
    (s as unknown as { lastSaveAt: number }).lastSaveAt = -Infinity;
    await s.reload(async () => ByteStore.readFile(file));
    assert.match(s.diskNote ?? '', /changed on disk/);
    assert.equal(notes.length, 1);
    assert.equal(s.hasUnsavedChanges, true);

    rmSync(file);
    await s.reload(async () => ByteStore.readFile(file));
    assert.match(s.diskNote ?? '', /deleted on disk.*with your unsaved edits/);
    s.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('revert starts a new epoch: an edit from before it is not replayed; reload tells each view with an init', async () => {
  const original = new Uint8Array(readFileSync(SAMPLE));
  const s = session(original.slice());
  const { v, sent } = view(s);
  v.receive({ type: 'ready' });
  await settle();
  const r = s.edit(ECHO, '0')!;
  const causes: string[] = [];
  s.changed.on((c) => causes.push(c.cause));
  s.revert(ByteStore.from(original.slice()));
  assert.deepEqual(causes, ['reload']);
  assert.equal(s.hasUnsavedChanges, false);
  const gen = s.generation;
  s.undo(r.entry);
  assert.equal(s.generation, gen, 'the old edit does nothing');
  assert.deepEqual(Buffer.from(s.bytes), Buffer.from(original));
  const inits = sent.filter((m) => m.type === 'init');
  assert.equal(inits.length, 2, 'the open and the revert');
  assert.equal((inits[1].data as InitData).cause, 'reload');
});

test('repairs: a repair offered for a problem is applied as one edit, and Fix All finds none left', () => {
  const s = session();
  s.edit('ttys[1].ldisc.datalen', '5000');
  const rep = s.model.repairs().find((x) => x.code === 'LDISC_DATALEN' || x.code === 'LDISC_BUFFER_LEN');
  assert.ok(rep, s.model.repairs().map((x) => x.code).join(' '));
  const out = s.applyRepair(rep.code, rep.offset, 0);
  assert.equal(out.changed, true);
  assert.equal(out.errors, 0);
  assert.equal(s.fixAll().changed, false);
});
