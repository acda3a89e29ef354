// The webview/host message checks (src/shared/protocol.ts): only the protocol's types with
// well-formed fields get through, in either direction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFromWebview, checkToWebview, filledPage, MAX_EDIT_VALUE } from '../../src/shared/protocol.js';

test('the webview accepts only host messages of the protocol', () => {
  assert.equal(checkToWebview({ type: 'showPanel', panel: 'ldisc' })?.type, 'showPanel');
  assert.equal(checkToWebview({ type: 'showPanel', panel: '<img onerror=x>' }), null);
  assert.equal(checkToWebview({ type: 'response', id: 1, ok: false, error: 'bad' })?.type, 'response');
  assert.equal(checkToWebview({ type: 'response', id: '1', ok: true, result: 1 }), null);
  assert.equal(checkToWebview({ type: 'eval', code: 'alert(1)' }), null);
  assert.equal(checkToWebview('init'), null);
  assert.equal(checkToWebview(null), null);
  assert.equal(checkToWebview({ type: 'reveal', hit: { offset: 1, length: 1, record: 0, treePath: ['a'], pageStarts: [0] } })?.type, 'reveal');
  assert.equal(checkToWebview({ type: 'reveal', hit: { offset: 1, length: 1, record: 0, treePath: [{}], pageStarts: [0] } }), null);
  assert.equal(checkToWebview({ type: 'reveal', hit: { offset: 1, length: 4, record: 0, treePath: ['a'], pageStarts: [0] }, at: 3 })?.type, 'reveal');
  assert.equal(checkToWebview({ type: 'reveal', hit: { offset: 1, length: 4, record: 0, treePath: ['a'], pageStarts: [0] }, at: '3' }), null, 'the caret of Go to Offset is an integer');
  assert.equal(checkToWebview({ type: 'init', data: { generation: 1, size: 10, fileName: 'x', diagnostics: [] } })?.type, 'init');
  assert.equal(checkToWebview({ type: 'init', data: { generation: 1 } }), null);
  assert.equal(checkToWebview({ type: 'diagnostics', generation: 1, diagnostics: [] })?.type, 'diagnostics');
  assert.equal(checkToWebview({ type: 'diagnostics', generation: '1', diagnostics: [] }), null);
  assert.equal(checkToWebview({ type: 'diagnostics', generation: 1, diagnostics: {} }), null);
  const update = { generation: 2, size: 10, fileName: 'x', counts: {}, diagnostics: null, records: [3], ranges: null };
  assert.equal(checkToWebview({ type: 'update', data: update })?.type, 'update');
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: [{ key: 'children:root:0', result: [] }] } })?.type, 'update');
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: [{ key: 7 }] } }), null);
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: 'x' } }), null);
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: [{ key: 'pairs:0:4', result: {}, fill: 'pairs', base: 1 }] } })?.type, 'update');
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: [{ key: 'pairs:0:4', result: {}, fill: 'pairs' }] } }), null, 'a page to fill names its base generation');
  assert.equal(checkToWebview({ type: 'update', data: { ...update, prefetched: [{ key: 'pairs:0:4', result: {}, fill: '__proto__', base: 1 }] } }), null);
  assert.equal(checkToWebview({ type: 'init', data: { generation: 1, size: 10, fileName: 'x', diagnostics: [], prefetched: [null] } }), null);
});

test('the host accepts only webview messages of the protocol', () => {
  assert.equal(checkFromWebview({ type: 'request', id: 3, name: 'edit', params: { path: 'ttys[0].index', value: '3' } })?.type, 'request');
  assert.equal(checkFromWebview({ type: 'request', id: 3, name: 'edit', params: { path: 'ttys[0].index', value: 3 } }), null);
  assert.equal(checkFromWebview({ type: 'request', id: 3, name: 'edit', params: { path: 'x', value: 'a'.repeat(MAX_EDIT_VALUE + 1) } }), null);
  assert.equal(checkFromWebview({ type: 'request', id: 3, name: 'writeFile', params: {} }), null);
  assert.equal(checkFromWebview({ type: 'request', id: 3, name: 'rows', params: { offset: 0, length: 'all' } }), null);
  assert.equal(checkFromWebview({ type: 'rendered', generation: 2, phase: 'first', panel: 'terminal', ms: 3.5 })?.type, 'rendered');
  assert.equal(checkFromWebview({ type: 'rendered', generation: 2, phase: 'first', panel: 'terminal', ms: 3.5, receivedAt: 1.5e12, paintedAt: 1.5e12 + 9 })?.type, 'rendered');
  assert.equal(checkFromWebview({ type: 'rendered', generation: 2, phase: 'first', panel: 'terminal', ms: 3.5, paintedAt: 'now' }), null);
  assert.equal(checkFromWebview({ type: 'selection', selection: { offset: 1, length: 2 } })?.type, 'selection');
  assert.equal(checkFromWebview({ type: 'selection', selection: { offset: 'x', length: 2 } }), null);
  assert.equal(checkFromWebview({ type: 'panel', panel: 'hex' }), null);
  assert.deepEqual(checkFromWebview({ type: 'copy', format: 'anything', text: 'x' }), { type: 'copy' }, 'Ctrl+C carries nothing: the host copies its own bytes');
  assert.deepEqual(checkFromWebview({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.deepEqual(checkFromWebview({ type: 'ready', panel: 'problems' }), { type: 'ready', panel: 'problems' });
  assert.deepEqual(checkFromWebview({ type: 'ready', panel: 'hex' }), { type: 'ready' });
});

test('a page sent with only its changed entries is filled from the answer of the generation before, or not at all', () => {
  const last = { pairs: ['a0', 'b0', 'c0', 'd0'], total: 9 };
  const p = { key: 'pairs', result: { pairs: [null, 'b1', null, null], total: 9 }, fill: 'pairs' as const, base: 4 };
  assert.deepEqual(filledPage(p, last), { pairs: ['a0', 'b1', 'c0', 'd0'], total: 9 });
  assert.equal(filledPage(p, undefined), null, 'no answer of that generation: ask the host');
  assert.equal(filledPage(p, { pairs: ['a0'], total: 9 }), null, 'a page of another length');
  assert.deepEqual(filledPage({ key: 'rows', result: { offset: 0 } }, undefined), { offset: 0 }, 'a whole answer is used as it is');
});
