/**
 * The client's reading of the helper's framed --verify report (src/remote/verify-report.ts), without
 * a host: the frame, the nesting bound, and the checks against the plan. The remote cases (a real
 * helper behind a lying ForceCommand) are in remote-hostile.test.ts.
 *
 *     node --import tsx --test test/unit/verify-report.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanPair, RestorePlan, VerifyReport, VerifyState } from '../../src/parser/restore-plan';
import { jsonDepth, parseVerifyReport, REPORT_MARKER, REQUIRED_FIELDS, ReportError, unframeReport } from '../../src/remote/verify-report';

const termios = { c_iflag: 0o2406, c_oflag: 0o5, c_cflag: 0o277, c_lflag: 0o105073, c_line: 0, c_cc: [3, 28, 127, 21, 4, 0, 1, 0] };
const pair: PlanPair = {
  index: 3, locked: false, packet: true, exclusive: false, stopped: false, hungup: false,
  slave: { termios, winsize: { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 } },
  input: { data: new Uint8Array([0x6c, 0x73, 0x0a]), lineEnds: [2], canonical: true },
  output: new Uint8Array([0x24, 0x20]),
};
const plan: RestorePlan = { version: 1, pairs: [pair] };

function state(): VerifyState {
  return {
    index: 3, locked: false, packet: true, exclusive: false, stopped: false, hungup: false,
    slave: { termios: { ...termios, c_cc: [...termios.c_cc] }, winsize: { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 } },
    input: '6c730a', input_line_ends: [2], input_lines: ['6c730a'], input_tail: '', canonical: true, output: '2420',
  };
}

function report(): VerifyReport {
  return {
    ok: true,
    pairs: [{
      image: state(),
      kernel: { ...state(), output_status: [] },
      fields: REQUIRED_FIELDS.map((name) => ({ name, image: 0, kernel: 0, status: 'restored' as const, reason: null })),
    }],
  };
}

const framed = (payload: string, before = ''): Buffer => Buffer.from(`${before}\n${REPORT_MARKER} ${Buffer.byteLength(payload)}\n${payload}`);
const parse = (r: unknown, code = 0): VerifyReport => parseVerifyReport(Buffer.from(JSON.stringify(r)), plan, code);

test('the frame: what precedes the marker and follows the payload is counted, the length is exact', () => {
  const u = unframeReport(Buffer.concat([framed('{"a":1}', 'banner without newline'), Buffer.from('tail')]));
  assert.equal(u.payload.toString(), '{"a":1}');
  assert.equal(u.before, 22);
  assert.equal(u.after, 4);
  assert.equal(unframeReport(Buffer.from(`${REPORT_MARKER} 2\n{}`)).before, 0);
  assert.throws(() => unframeReport(Buffer.from('{"ok":true}')), /no "CKPT-PTY-HELPER-REPORT\/1" line in 11 bytes/);
  assert.throws(() => unframeReport(Buffer.from(`\n${REPORT_MARKER} 100\n{}`)), /cut short: 2 of 100 bytes/);
  assert.throws(() => unframeReport(Buffer.from(`\n${REPORT_MARKER} -1\n{}`)), /does not give a length/);
  assert.throws(() => unframeReport(Buffer.from(`\n${REPORT_MARKER} 99999999999\n{}`)), /does not give a length/);
});

test('nesting is counted without parsing, brackets inside strings do not count', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}'), 3);
  assert.equal(jsonDepth('"\\"[[["'), 0);
  assert.ok(jsonDepth('['.repeat(1e6)) > 12);
  assert.throws(() => parseVerifyReport(Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`), plan, 0), /nests deeper/);
});

test('a valid report is accepted; every departure from the schema or the plan is named', () => {
  assert.equal(parse(report()).pairs.length, 1);
  const cases: [string, (r: VerifyReport) => unknown, RegExp, number?][] = [
    ['empty pair', () => ({ ok: true, pairs: [{}] }), /report\.pairs\[0\]\.image: not an object/],
    ['no pairs', () => ({ ok: true, pairs: [] }), /has 0 pairs, the plan 1/],
    ['not an object', () => [], /report: not an object/],
    ['another index', (r) => { (r.pairs[0] as VerifyReport['pairs'][number]).image.index = 4; return r; }, /image\.index is not what the plan sent/],
    ['another output', (r) => { (r.pairs[0] as VerifyReport['pairs'][number]).image.output = '24'; return r; }, /image\.output is not what the plan sent/],
    ['another termios', (r) => { const t = r.pairs[0]?.image.slave.termios; if (t) t.c_cc[0] = 4; return r; }, /image\.slave\.termios is not what the plan sent/],
    ['kernel index a string', (r) => { (r.pairs[0]?.kernel as unknown as Record<string, unknown>).index = '3'; return r; }, /kernel\.index: not a pts index/],
    ['hex that is not', (r) => { (r.pairs[0] as VerifyReport['pairs'][number]).kernel.output = '2g'; return r; }, /kernel\.output: not hex bytes/],
    ['unknown status', (r) => { (r.pairs[0]?.fields[0] as { status: string }).status = 'fine'; return r; }, /fields\[0\]\.status: not one of/],
    ['a name with escapes', (r) => { (r.pairs[0]?.fields[0] as { name: string }).name = 'index\u001b]0;x'; return r; }, /fields\[0\]\.name: not a field name/],
    ['a field twice', (r) => { r.pairs[0]?.fields.push({ ...(r.pairs[0].fields[0] as VerifyReport['pairs'][number]['fields'][number]) }); return r; }, /index is reported twice/],
    ['a field missing', (r) => { r.pairs[0]?.fields.splice(5, 1); return r; }, /fields: lacks hungup/],
    ['not restorable without reason', (r) => { (r.pairs[0]?.fields[0] as { status: string }).status = 'not-restorable'; return r; }, /index is not-restorable without a reason/],
    ['ok with an unexplained mismatch', (r) => { (r.pairs[0]?.fields[1] as { status: string }).status = 'mismatch'; return r; }, /is true but 1 field differs without a reason/],
    ['ok false with nothing different', (r) => ({ ...r, ok: false }), /is false but no fields differ/, 1],
    ['ok but exit 1', (r) => r, /is true but the helper exited with 1/, 1],
  ];
  for (const [name, change, msg, code] of cases) {
    assert.throws(() => parse(change(report()), code ?? 0), (e: unknown) => e instanceof ReportError && msg.test(e.message), name);
  }
  // A mismatch with a reason (a moved index under --index any) leaves ok true; a partial queue too.
  const moved = report();
  Object.assign(moved.pairs[0]?.fields[0] ?? {}, { status: 'mismatch', reason: '--index any: index 3 was not available' });
  assert.equal(parse(moved).ok, true);
  const partial = report();
  Object.assign(partial.pairs[0]?.fields.find((f) => f.name === 'input.lines') ?? {}, { status: 'partial', reason: 'the first 4095 bytes' });
  assert.equal(parse(partial).ok, true);
});
