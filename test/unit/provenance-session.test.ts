// An EditorSession with a capture's provenance sidecar: the first init never waits for the sidecar;
// its labels follow in their own message once it is checked; after an edit the labels stay, said to
// be of the image as captured.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ByteStore } from '../../src/editor/byte-store.js';
import { EditorSession } from '../../src/editor/session.js';
import { SessionView } from '../../src/editor/session-view.js';
import { imageFromCapture } from '../../src/parser/capture-image.js';
import { parseCaptureDescription } from '../../src/remote/capture-description.js';
import type { ProvenanceView, ToWebview } from '../../src/shared/protocol.js';

const pair = {
  index: 3, master_fd: 5, slave_fd: 0, hungup: false,
  termios: { c_iflag: 0x4500, c_oflag: 5, c_cflag: 0xbf, c_lflag: 0x8a3b, c_line: 0, c_cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0] },
  winsize: { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 }, ldisc: 0, packet: false, locked: false, exclusive: false,
  controlling_terminal_of_target: false, session: null, pgrp: 0, input_count: 0, output_count: 0, slave_outq: 0, master_outq: 0,
  input: null, input_line_ends: null, output: null,
};
const desc = {
  format: 'ckpt-pty-capture/1', helper: '1.0.0', kernel: { sysname: 'Linux', release: '6.18.44', version: '#1 SMP', machine: 'x86_64' },
  time: 1796407479, drained: false, target: { pid: 4242, comm: 'bash', ppid: 1, pgrp: 4242, session: 4242, tty_nr: 34816, tpgid: 4242 },
  fds: [{ fd: 0, role: 'slave', index: 3, flags: 2, pos: 0, file: 0 }, { fd: 5, role: 'master', index: 3, flags: 2, pos: 0, file: 5 }],
  pairs: [pair],
};

function captured(): { bytes: Uint8Array; sidecar: Uint8Array } {
  const img = imageFromCapture(parseCaptureDescription(JSON.stringify(desc), 'h'), 'h');
  img.provenance.image.sha256 = createHash('sha256').update(img.bytes).digest('hex');
  return { bytes: img.bytes, sidecar: new TextEncoder().encode(JSON.stringify(img.provenance)) };
}

const provenanceMsgs = (sent: ToWebview[]): (ProvenanceView | null)[] => sent.flatMap((m) => (m.type === 'provenance' ? [m.provenance] : []));

test('the first init does not wait for the sidecar; its labels follow in their own message; after an edit they are "as captured"', async () => {
  const { bytes, sidecar } = captured();
  const s = new EditorSession(ByteStore.from(bytes.slice()), { fileName: 'c.ckpt', filePath: null, maxTtys: 4000 });
  let release!: (b: Uint8Array) => void;
  s.attachSidecar(new Promise((r) => (release = r)), 'c.ckpt.provenance.json');
  const sent: ToWebview[] = [];
  const v = new SessionView(s, (m) => sent.push(m));
  s.attach(v);
  v.receive({ type: 'ready' });
  await s.load();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent.map((m) => m.type), ['init'], 'the init is sent while the sidecar is still being read, and nothing of it');
  release(sidecar);
  await s.provenanceReady;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent.map((m) => m.type), ['init', 'provenance']);
  const [first] = provenanceMsgs(sent);
  assert.equal(first?.state, 'ok');
  assert.equal(first?.notice, null);
  assert.equal(first?.labels['ttys[1].termios.c_lflag']?.kind, 'exact');
  assert.equal(first?.labels['ttys[1].ldisc.column']?.kind, 'lost');
  assert.ok(s.edit('ttys[1].winsize.ws_col', '100'));
  const types = sent.map((m) => m.type);
  assert.deepEqual(types.slice(-2), ['update', 'provenance'], 'the update is followed by the changed provenance');
  const edited = provenanceMsgs(sent).at(-1);
  assert.equal(edited?.state, 'edited');
  assert.match(edited?.notice ?? '', /as captured/);
  assert.equal(edited?.labels['ttys[1].winsize.ws_col']?.kind, 'exact');
  assert.ok(s.edit('ttys[1].winsize.ws_col', '101'));
  assert.equal(provenanceMsgs(sent).length, 2, 'a second edit changes nothing of it: not sent again');
  v.receive({ type: 'ready' });
  await new Promise((r) => setImmediate(r));
  await s.provenanceReady;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent.map((m) => m.type).slice(-2), ['init', 'provenance'], 'a new page (ready again) is sent it after its init');
});

test('a sidecar of other bytes is stale from the start; without one no provenance message is sent', async () => {
  const { bytes, sidecar } = captured();
  const other = bytes.slice();
  other[other.length - 1] ^= 1;
  for (const [read, want] of [
    [() => Promise.resolve(sidecar), 'stale'],
    [() => Promise.reject(new Error('ENOENT')), null],
    [null, null],
  ] as const) {
    const s = new EditorSession(ByteStore.from(other.slice()), { fileName: 'c.ckpt', filePath: null, maxTtys: 4000 });
    if (read) s.attachSidecar(read(), 'c.ckpt.provenance.json');
    const sent: ToWebview[] = [];
    const v = new SessionView(s, (m) => sent.push(m));
    s.attach(v);
    v.receive({ type: 'ready' });
    await s.load();
    await s.provenanceReady;
    await new Promise((r) => setImmediate(r));
    const got = provenanceMsgs(sent);
    if (want === null) assert.deepEqual(got, []);
    else {
      assert.equal(got.length, 1);
      assert.equal(got[0]?.state, want);
      assert.deepEqual(got[0]?.labels, {});
      assert.match(got[0]?.notice ?? '', /^Provenance sidecar c\.ckpt\.provenance\.json ignored \(stale\)/);
    }
  }
});
