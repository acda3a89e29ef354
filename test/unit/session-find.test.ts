// Find through the editor core (EditorSession.find and SessionView's `find` request, `findProgress`,
// `findCancel`): the webview's messages in, the host's out, over a sparse store whose page contents
// stay on disk. Expected offsets come from a byte-by-byte scan written here over the file's bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { EditorSession } from '../../src/editor/session.js';
import { FIND_PROGRESS_AFTER, SessionView } from '../../src/editor/session-view.js';
import { checkFromWebview, type FindParams, type FindResult, type ToWebview } from '../../src/shared/protocol.js';
import { CkptWriter } from '../lib/image-writer.js';
import { ROOT, rng } from '../lib/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-session-find-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function naive(hay: Uint8Array, pat: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + pat.length <= hay.length; i++) {
    let k = 0;
    while (k < pat.length && hay[i + k] === pat[k]) k++;
    if (k === pat.length) out.push(i);
  }
  return out;
}

const PAT = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);

/** An image with a 300,000-byte BUFFER of random bytes (left on disk) holding PAT three times, and a pty pair. */
function image(): { path: string; bytes: Uint8Array; payload: number } {
  const w = new CkptWriter().header();
  const payload = w.length + 8;
  const r = rng(5);
  w.buffer(Uint8Array.from({ length: 300_000 }, () => Math.floor(r() * 0xd0)));
  w.pair({}, {});
  const bytes = w.tail();
  for (const o of [1000, 150_000, 299_000]) bytes.set(PAT, payload + o);
  const path = join(dir, 'find.ckpt');
  writeFileSync(path, bytes);
  return { path, bytes, payload };
}

function open(path: string): { s: EditorSession; v: SessionView; sent: ToWebview[] } {
  const store = ByteStore.readFile(path, { sparseMin: 0, holeMin: 4096 });
  const s = new EditorSession(store, { fileName: 'find.ckpt', filePath: path, maxTtys: 4000 });
  const sent: ToWebview[] = [];
  const v = new SessionView(s, (m) => sent.push(m));
  s.attach(v);
  return { s, v, sent };
}

async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const x = fn();
    if (x) return x;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let nextId = 1;
/** Post a find request as the webview does (checked by the protocol first); its answer. */
function request(v: SessionView, sent: ToWebview[], p: Partial<FindParams>): Promise<FindResult> {
  const id = nextId++;
  const msg = checkFromWebview({ type: 'request', id, name: 'find', params: { search: id, query: 'de ad be ef', mode: 'hex', matchCase: true, from: 0, direction: 'next', ...p } });
  assert.ok(msg, 'the protocol accepts the request');
  v.receive(msg);
  return until(`the answer to find ${id}`, () => {
    const r = sent.find((m) => m.type === 'response' && m.id === id);
    if (!r || r.type !== 'response') return null;
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.result as FindResult;
  });
}

test('find through the session: the matches on disk in order, "N of M", wrapping both ways, text, none, an invalid query', async () => {
  const im = image();
  const want = naive(im.bytes, PAT);
  assert.deepEqual(want, [im.payload + 1000, im.payload + 150_000, im.payload + 299_000]);
  const { s, v, sent } = open(im.path);
  try {
    assert.ok(s.bytesOnDisk > 250_000, 'the payload is on disk');
    const at = (r: FindResult) => (r.status === 'found' ? [r.offset, r.index, r.count, r.complete, r.wrapped] : r.status);
    assert.deepEqual(at(await request(v, sent, { from: 0 })), [want[0], 0, 3, true, false]);
    assert.deepEqual(at(await request(v, sent, { from: want[0] + 1 })), [want[1], 1, 3, true, false]);
    assert.deepEqual(at(await request(v, sent, { from: want[2] + 1 })), [want[0], 0, 3, true, true]);
    assert.deepEqual(at(await request(v, sent, { from: want[0], direction: 'previous' })), [want[2], 2, 3, true, true]);
    assert.deepEqual(at(await request(v, sent, { from: want[2], direction: 'previous' })), [want[1], 1, 3, true, false]);
    assert.deepEqual(at(await request(v, sent, { query: 'DEADBEEF' })), [want[0], 0, 3, true, false]);
    const r = await request(v, sent, { query: 'de ad be ee' });
    assert.equal(r.status, 'none');
    const bad = await request(v, sent, { query: 'de ad b' });
    assert.deepEqual(bad, { status: 'invalid', error: '"b" at character 7 has an odd number of hex digits (1); a byte is two digits' });
  } finally {
    s.dispose();
  }
});

test('find in the sample: the slave\'s pending input "ls -l" as text, at the offset a byte scan of the file gives', async () => {
  const bytes = new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt')));
  const want = naive(bytes, new TextEncoder().encode('ls -l'));
  assert.equal(want.length, 1);
  const { s, v, sent } = open(join(ROOT, 'samples/pair.ckpt'));
  try {
    const r = await request(v, sent, { query: 'LS -L', mode: 'text', matchCase: false });
    assert.ok(r.status === 'found' && r.offset === want[0] && r.length === 5 && r.count === 1);
    assert.equal((await request(v, sent, { query: 'LS -L', mode: 'text', matchCase: true })).status, 'none');
  } finally {
    s.dispose();
  }
});

test('a find held under way: progress after FIND_PROGRESS_AFTER ms, a findCancel stops it; an edit meanwhile stops it as changed, and the next find sees the edited bytes', async () => {
  const im = image();
  const { s, v, sent } = open(im.path);
  try {
    let release: (() => void) | null = null;
    let held = 0;
    s.findGate = () => {
      held++;
      return new Promise<void>((r) => (release = r));
    };
    const t0 = performance.now();
    const id = nextId;
    const cancelled = request(v, sent, {});
    const p = await until('a findProgress', () => sent.find((m) => m.type === 'findProgress' && m.search === id));
    assert.ok(performance.now() - t0 >= FIND_PROGRESS_AFTER - 1, 'not before FIND_PROGRESS_AFTER');
    assert.ok(p.type === 'findProgress' && p.total === im.bytes.length && p.done === 0);
    assert.equal(held, 1);
    v.receive(checkFromWebview({ type: 'findCancel', search: id })!);
    release!();
    assert.deepEqual(await cancelled, { status: 'cancelled', changed: false });
    const progressCount = sent.filter((m) => m.type === 'findProgress').length;

    // Held again; an edit plants the pattern where there was none.
    const changed = request(v, sent, { query: 'de ad be ef 00' });
    await until('held', () => held === 2);
    const at = 5000;
    const entry = s.editSplices([{ offset: im.payload + at, remove: 5, insert: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0]) }], 'plant', 'bytes');
    assert.ok(entry);
    release!();
    assert.deepEqual(await changed, { status: 'cancelled', changed: true });
    s.findGate = undefined;
    const r = await request(v, sent, { query: 'de ad be ef 00' });
    assert.ok(r.status === 'found' && r.offset === naive(s.content(), Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0]))[0] && r.offset === im.payload + at, JSON.stringify(r));
    // A fast find says nothing of its progress; none comes after an answer.
    await new Promise((r) => setTimeout(r, FIND_PROGRESS_AFTER + 50));
    assert.equal(sent.filter((m) => m.type === 'findProgress').length, progressCount);
  } finally {
    s.dispose();
  }
});

test('the protocol refuses malformed find messages', () => {
  const ok = { search: 1, query: 'ab', mode: 'hex', matchCase: false, from: 0, direction: 'next' };
  assert.ok(checkFromWebview({ type: 'request', id: 1, name: 'find', params: ok }));
  for (const bad of [{ mode: 'regex' }, { direction: 'up' }, { from: -0.5 }, { query: 'x'.repeat(8193) }, { matchCase: 'yes' }, { search: '1' }]) {
    assert.equal(checkFromWebview({ type: 'request', id: 1, name: 'find', params: { ...ok, ...bad } }), null, JSON.stringify(bad));
  }
  assert.equal(checkFromWebview({ type: 'findCancel', search: 'x' }), null);
  assert.ok(checkFromWebview({ type: 'findCancel', search: 3 }));
});
