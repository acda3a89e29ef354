// The editor's reader of a capture's provenance sidecar (src/editor/provenance.ts): the sidecar is
// hostile input beside the image, believed only when it is well-formed and names the image's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MAX_SIDECAR_BYTES, MAX_SIDECAR_FIELDS, provenanceKey, readSidecar } from '../../src/editor/provenance';

const image = new Uint8Array(64).fill(7);
// Computed here with node's crypto, not by the code under test.
const sha = createHash('sha256').update(image).digest('hex');

function doc(over: Record<string, unknown> = {}, fields: unknown[] = [
  { path: 'ttys[1].termios.c_lflag', offset: 10, size: 4, value: 1, provenance: 'exact', reason: 'TCGETS on the live slave' },
  { path: 'ttys[1].termios.c_cc.VERASE', offset: 20, size: 1, value: 127, provenance: 'exact', reason: 'TCGETS' },
  { path: 'ttys[1].ldisc.column', offset: 30, size: 4, value: 0, provenance: 'lost', reason: 'kernel-private' },
  { path: '/dev/pts/3.session', offset: null, size: 0, value: null, provenance: 'lost', reason: 'not in v18', live: 42 },
]): Record<string, unknown> {
  return { format: 'ckpt-inspect.provenance/1', image: { sha256: sha, size: image.length }, source: {}, counts: {}, fields, ...over };
}
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const read = (v: unknown) => readSidecar(enc(v), sha, image.length, 'x.ckpt.provenance.json');

test('a sidecar of these bytes: labels by edit path, c_cc by index', () => {
  const v = read(doc());
  assert.equal(v?.state, 'ok');
  assert.equal(v?.notice, null);
  assert.deepEqual(v?.labels['ttys[1].termios.c_lflag'], { kind: 'exact', reason: 'TCGETS on the live slave' });
  assert.deepEqual(v?.labels['ttys[1].termios.c_cc[2]'], { kind: 'exact', reason: 'TCGETS' });
  assert.deepEqual(v?.labels['ttys[1].ldisc.column'], { kind: 'lost', reason: 'kernel-private' });
});

test('no sidecar: nothing shown', () => {
  assert.equal(readSidecar(null, sha, image.length, 'x'), null);
});

test('another image\'s sidecar is stale: ignored with a notice', () => {
  for (const v of [read(doc({ image: { sha256: 'a'.repeat(64), size: image.length } })), read(doc({ image: { sha256: sha, size: image.length + 1 } }))]) {
    assert.equal(v?.state, 'stale');
    assert.deepEqual(v?.labels, {});
    assert.match(v?.notice ?? '', /^Provenance sidecar x\.ckpt\.provenance\.json ignored \(stale\): .*sha256/);
    assert.ok(!(v?.notice ?? '').includes('\n'), 'one line');
  }
});

test('malformed sidecars are invalid, each with its reason', () => {
  const cases: [unknown, RegExp][] = [
    ['{"format": ', /not UTF-8 JSON/],
    ['[1]', /not a JSON object/],
    [doc({ format: 'ckpt-inspect.provenance/2' }), /format/],
    [doc({ image: { sha256: sha.toUpperCase(), size: 64 } }), /image\.sha256/],
    [doc({ image: null }), /image\.sha256/],
    [doc({ fields: {} }), /fields is not an array/],
    [doc({}, [null]), /fields\[0\]\.is not an object/],
    [doc({}, [{ path: '', offset: 0, size: 1, provenance: 'exact', reason: 'r' }]), /fields\[0\]\.path/],
    [doc({}, [{ path: 'a'.repeat(201), offset: 0, size: 1, provenance: 'exact', reason: 'r' }]), /fields\[0\]\.path/],
    [doc({}, [{ path: 'p', offset: 0, size: 1, provenance: 'guessed', reason: 'r' }]), /provenance is not/],
    [doc({}, [{ path: 'p', offset: 0, size: 1, provenance: 'exact', reason: '' }]), /reason/],
    [doc({}, [{ path: 'p', offset: 0, size: 1, provenance: 'exact', reason: 'r'.repeat(2001) }]), /reason/],
    [doc({}, [{ path: 'p', offset: -1, size: 1, provenance: 'exact', reason: 'r' }]), /offset/],
    [doc({}, [{ path: 'p', offset: 1.5, size: 1, provenance: 'exact', reason: 'r' }]), /offset/],
    [doc({}, [{ path: 'p', offset: 60, size: 8, provenance: 'exact', reason: 'r' }]), /past the end/],
    [doc({}, [{ path: 'p', offset: 0, size: '1', provenance: 'exact', reason: 'r' }]), /size/],
  ];
  for (const [input, why] of cases) {
    const v = read(input);
    assert.equal(v?.state, 'invalid', JSON.stringify(input).slice(0, 80));
    assert.deepEqual(v?.labels, {});
    assert.match(v?.notice ?? '', why);
  }
  // Not UTF-8
  assert.equal(readSidecar(new Uint8Array([0x7b, 0xff, 0x7d]), sha, image.length, 'x')?.state, 'invalid');
});

test('bounded: past the byte cap it is not parsed; past the field cap it is refused', () => {
  const big = readSidecar(new Uint8Array(MAX_SIDECAR_BYTES + 1), sha, image.length, 'x');
  assert.equal(big?.state, 'invalid');
  assert.match(big?.notice ?? '', /limit/);
  const many = Array.from({ length: MAX_SIDECAR_FIELDS + 1 }, () => 0);
  assert.match(read(doc({}, many))?.notice ?? '', /more than 100000/);
});

test('what reaches the notice and the reasons is escaped; odd paths are dropped, not shown', () => {
  const v = read(doc({}, [
    { path: 'ttys[0].index', offset: 0, size: 4, provenance: 'exact', reason: 'x\u001b]0;pwned\u0007y\u202e' },
    { path: '__proto__', offset: 0, size: 4, provenance: 'exact', reason: 'r' },
    { path: 'ttys[0].<img>', offset: 0, size: 4, provenance: 'exact', reason: 'r' },
  ]));
  assert.equal(v?.state, 'ok');
  const r = v?.labels['ttys[0].index']?.reason ?? '';
  assert.ok(!/[\u0000-\u001f\u007f\u202e]/.test(r), JSON.stringify(r));
  assert.deepEqual(Object.keys(v?.labels ?? {}), ['ttys[0].index']);
  assert.equal(Object.getPrototypeOf(v?.labels), null);
  const n = readSidecar(enc('x'), sha, image.length, 'evil\u001b[2J.json')?.notice ?? '';
  assert.ok(!n.includes('\u001b'), n);
  assert.equal(provenanceKey('ttys[0].termios.c_cc.VMIN'), 'ttys[0].termios.c_cc[6]');
  assert.equal(provenanceKey('a b'), null);
});
