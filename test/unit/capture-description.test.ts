// The helper's capture description is remote output: every malformed or hostile variant is refused
// with a message naming the field; every well-formed one becomes an image the validator accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCaptureDescription, parseCaptureOutput, parseListOutput, type CaptureDescription } from '../../src/remote/capture-description';
import { imageFromCapture, ldiscModes } from '../../src/parser/capture-image';
import { ReportError } from '../../src/remote/verify-report';
import { openImage } from '../../src/parser/image';
import { validate } from '../../src/parser/validate/index';
import { buildPlan } from '../../src/parser/plan-from-image';
import { rng } from '../lib/images';

const pair = (index: number, m: number | null, s: number | null) => ({
  index, master_fd: m, slave_fd: s, hungup: false,
  termios: { c_iflag: 0x4500, c_oflag: 5, c_cflag: 0xbf, c_lflag: 0x8a3b, c_line: 0, c_cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0] },
  winsize: { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 }, ldisc: 0,
  packet: m === null ? null : false, locked: m === null ? null : false, exclusive: s === null ? null : false,
  controlling_terminal_of_target: false, session: null, pgrp: 0,
  input_count: s === null ? null : 0, output_count: m === null ? null : 0, slave_outq: 0, master_outq: 0,
  input: null as string | null, input_line_ends: null as number[] | null, output: null as string | null,
});

function sample(): Record<string, unknown> {
  return {
    format: 'ckpt-pty-capture/1', helper: '1.0.0',
    kernel: { sysname: 'Linux', release: '6.18.44', version: '#1 SMP', machine: 'x86_64' },
    time: 1796407479, drained: false,
    target: { pid: 4242, comm: 'bash', ppid: 1, pgrp: 4242, session: 4242, tty_nr: 34816, tpgid: 4242 },
    fds: [
      { fd: 0, role: 'slave', index: 3, flags: 0o2, pos: 0, file: 0 },
      { fd: 1, role: 'slave', index: 3, flags: 0o2, pos: 0, file: 0 },
      { fd: 7, role: 'master', index: 9, flags: 0o2100002, pos: 0, file: 7 },
      { fd: 5, role: 'master', index: 3, flags: 0o2, pos: 0, file: 5 },
    ],
    pairs: [pair(3, 5, 0), pair(9, 7, null)],
  };
}

const framed = (text: string, banner = ''): Buffer => Buffer.from(`${banner}\nCKPT-PTY-HELPER-REPORT/1 ${Buffer.byteLength(text)}\n${text}`);

test('a well-formed description (several pairs, fds sharing a pair, a master-only pair) becomes a valid v18 image', () => {
  const { description, bannerBytes } = parseCaptureOutput(framed(JSON.stringify(sample()), 'welcome!\n'), 'h');
  assert.equal(bannerBytes, 9);
  const img = imageFromCapture(description, 'h');
  const im = openImage(img.bytes);
  assert.deepEqual(validate(im).filter((d) => d.severity !== 'info').map((d) => d.message), []);
  // fds in ascending order, one pair written once (at its first fd), two pairs
  assert.deepEqual(im.fds.map((f) => f.fd_descriptor.value), [0, 1, 5, 7]);
  // fds 0 and 1 are one open file: one FILE record, two FILE_DESC naming it
  assert.equal(im.files.length, 3);
  const refs = im.fds.map((f) => f.fd_objref.value);
  assert.equal(refs[0], refs[1]);
  assert.notEqual(refs[2], refs[0]);
  assert.equal(im.ttys.length, 4);
  assert.deepEqual(im.ttys.map((t) => [t.role, t.index.value]), [['master', 3], ['slave', 3], ['master', 9], ['slave', 9]]);
  // every field of every TTY and LDISC record has a provenance, with a reason
  for (const f of img.provenance.fields) assert.ok(f.reason.length > 0, f.path);
  for (const t of [0, 1, 2, 3]) for (const k of ['index', 'flags', 'termios.c_lflag', 'winsize.ws_col', 'ldisc.datalen', 'ldisc.column']) {
    assert.ok(img.provenance.fields.some((f) => f.path === `ttys[${t}].${k}`), `ttys[${t}].${k}`);
  }
});

test('a hung-up slave has no LDISC record and the HUPPED bit, and still validates', () => {
  const d = sample();
  const p = (d.pairs as ReturnType<typeof pair>[])[0];
  assert.ok(p);
  p.hungup = true;
  const img = openImage(imageFromCapture(parseCaptureDescription(JSON.stringify(d), 'h')).bytes);
  assert.deepEqual(validate(img).filter((x) => x.severity === 'error').map((x) => x.message), []);
  assert.equal(img.ttys[1]?.ldisc, null);
  assert.notEqual((img.ttys[1]?.flags.value ?? 0n) & (1n << 18n), 0n);
});

test('drained queues: BUFFER records after each LDISC, the line ends in read_flags, canon_data and canon_datalen; the restore plan gets them back', () => {
  const d = sample();
  d.drained = true;
  d.pairs = [
    { ...pair(3, 5, 0), input: Buffer.from('ls -l\nwho\0ech').toString('hex'), input_line_ends: [5, 9], output: Buffer.from('$ ').toString('hex') },
    { ...pair(9, 7, null), input: '', input_line_ends: [], output: '' },
  ];
  const cap = imageFromCapture(parseCaptureDescription(JSON.stringify(d), 'h'));
  const img = openImage(cap.bytes);
  assert.deepEqual(validate(img).filter((x) => x.severity !== 'info').map((x) => x.message), []);
  const s = img.ttys[1];
  assert.equal(Buffer.from(s?.ldisc?.buffer?.data ?? []).toString('latin1'), 'ls -l\nwho\0ech');
  assert.equal(s?.ldisc?.canon_data.value, 2);
  assert.equal(s?.ldisc?.canon_datalen.value, 10);
  const { plan } = buildPlan(img);
  assert.deepEqual(plan.pairs[0]?.input.lineEnds, [5, 9]);
  assert.equal(Buffer.from(plan.pairs[0]?.output ?? []).toString('latin1'), '$ ');
});

test('raw/real_raw/icanon follow n_tty_set_termios', () => {
  assert.deepEqual(ldiscModes(0, 0), { raw: 1, real_raw: 1, icanon: 0 });
  assert.deepEqual(ldiscModes(0o2, 0), { raw: 1, real_raw: 0, icanon: 0 }); // BRKINT
  assert.deepEqual(ldiscModes(0o400, 0), { raw: 0, real_raw: 0, icanon: 0 }); // ICRNL
  assert.deepEqual(ldiscModes(0, 0o2), { raw: 0, real_raw: 0, icanon: 1 });
});

const hostile: [string, (d: Record<string, unknown>) => unknown, RegExp][] = [
  ['another format', (d) => ({ ...d, format: 'ckpt-pty-capture/2' }), /format is not/],
  ['an unknown key', (d) => ({ ...d, extra: 1 }), /unknown key "extra"/],
  ['a missing key', (d) => { const { time: _t, ...rest } = d; return rest; }, /lacks "time"/],
  ['18 c_cc', (d) => { const p = pair(3, 5, 0); p.termios.c_cc.pop(); return { ...d, pairs: [p, pair(9, 7, null)] }; }, /c_cc has 18 entries/],
  ['a c_cc of 256', (d) => { const p = pair(3, 5, 0); p.termios.c_cc[2] = 256; return { ...d, pairs: [p, pair(9, 7, null)] }; }, /c_cc\[2\] is not an integer 0\.\.255/],
  ['an index beyond NR_UNIX98_PTY_MAX', (d) => ({ ...d, pairs: [pair(3, 5, 0), { ...pair(9, 7, null), index: 1 << 20 }] }), /pairs\[1\]\.index/],
  ['a pair naming an fd that is not in fds', (d) => ({ ...d, pairs: [pair(3, 5, 6), pair(9, 7, null)] }), /slave_fd 6 is not a slave fd of index 3/],
  ['a pair naming a master fd of another index', (d) => ({ ...d, pairs: [pair(3, 7, 0), pair(9, 5, null)] }), /master_fd 7 is not a master fd of index 3/],
  ['an fd of no pair', (d) => ({ ...d, pairs: [pair(3, 5, 0)] }), /fds\[2\]\.index 9 belongs to no pair/],
  ['a pair twice', (d) => ({ ...d, pairs: [pair(3, 5, 0), pair(3, 5, 0)] }), /listed twice/],
  ['no pairs', (d) => ({ ...d, pairs: [], fds: [] }), /pairs is empty/],
  ['a fractional count', (d) => ({ ...d, pairs: [{ ...pair(3, 5, 0), input_count: 1.5 }, pair(9, 7, null)] }), /input_count is not an integer/],
  ['a huge count', (d) => ({ ...d, pairs: [{ ...pair(3, 5, 0), output_count: 2 ** 40 }, pair(9, 7, null)] }), /output_count/],
  ['a string for a flag', (d) => ({ ...d, pairs: [{ ...pair(3, 5, 0), packet: 'yes' }, pair(9, 7, null)] }), /packet is not true or false/],
  ['a long comm', (d) => ({ ...d, target: { ...(d.target as object), comm: 'x'.repeat(65) } }), /target\.comm/],
  ['a __proto__ key', () => JSON.parse('{"__proto__":{"x":1}}'), /unknown key "__proto__"|lacks/],
  ['an array for the description', () => [], /is not an object/],
  ['queue bytes in a description that was not drained', (d) => ({ ...d, pairs: [{ ...pair(3, 5, 0), input: '41', input_line_ends: [], output: '' }, pair(9, 7, null)] }), /has queue bytes, but the description says not drained/],
  ['a drained description without queue bytes', (d) => ({ ...d, drained: true }), /has no queue bytes, but the description says drained/],
  ['queue bytes that are not hex', (d) => ({ ...d, drained: true, pairs: [{ ...pair(3, 5, 0), input: '4G', input_line_ends: [], output: '' }, { ...pair(9, 7, null), input: '', input_line_ends: [], output: '' }] }), /input is not lowercase hex/],
  ['a line end outside the input', (d) => ({ ...d, drained: true, pairs: [{ ...pair(3, 5, 0), input: '410a', input_line_ends: [2], output: '' }, { ...pair(9, 7, null), input: '', input_line_ends: [], output: '' }] }), /input_line_ends\[0\] 2 is not an increasing position inside the 2 input bytes/],
  ['more input than the ring holds', (d) => ({ ...d, drained: true, pairs: [{ ...pair(3, 5, 0), input: '41'.repeat(4097), input_line_ends: [], output: '' }, { ...pair(9, 7, null), input: '', input_line_ends: [], output: '' }] }), /at most 4096 bytes/],
  ['300 fds', (d) => ({ ...d, fds: Array.from({ length: 300 }, (_, i) => ({ fd: i, role: 'slave', index: 3, flags: 2, pos: 0, file: i })) }), /fds is not a list of at most 256/],
  ['a shared file naming an fd of the other side', (d) => ({ ...d, fds: (d.fds as { fd: number }[]).map((f) => (f.fd === 1 ? { ...f, file: 5 } : f)) }), /fds\[1\]\.file 5 is not a listed fd of the same pty side/],
  ['a shared file naming an fd that itself shares', (d) => ({ ...d, fds: [...(d.fds as object[]), { fd: 9, role: 'slave', index: 3, flags: 2, pos: 0, file: 1 }] }), /fds\[4\]\.file 1/],
];

for (const [name, mutate, re] of hostile) {
  test(`refused: ${name}`, () => {
    const text = JSON.stringify(mutate(sample()));
    assert.throws(() => parseCaptureDescription(text, 'the capture from h'), (e: unknown) => e instanceof ReportError && re.test(e.message) && e.message.startsWith('the capture from h'));
  });
}

test('refused: not JSON, nested too deep, cut short, no frame, larger than 1 MiB', () => {
  assert.throws(() => parseCaptureDescription('{"format":', 'h'), /not JSON/);
  assert.throws(() => parseCaptureDescription(`${'['.repeat(100000)}${']'.repeat(100000)}`, 'h'), /nested deeper/);
  assert.throws(() => parseCaptureOutput(Buffer.from('\nCKPT-PTY-HELPER-REPORT/1 500\n{}'), 'h'), /cut short/);
  assert.throws(() => parseCaptureOutput(Buffer.from('{"format":"ckpt-pty-capture/1"}'), 'h'), /no report/);
  const big = `{"helper":"${'a'.repeat(1 << 20)}"}`;
  assert.throws(() => parseCaptureOutput(framed(big), 'h'), /more than the 1048576/);
});

test('the description is typed as it was checked', () => {
  const d: CaptureDescription = parseCaptureDescription(JSON.stringify(sample()), 'h');
  assert.equal(d.pairs[0]?.termios.c_cc.length, 19);
  assert.equal(d.fds[2]?.role, 'master');
});

test('the process list: well-formed accepted; a role, a duplicate pid, 17 fds, an unknown key refused', () => {
  const ok = { format: 'ckpt-pty-list/1', processes: [{ pid: 7, comm: 'sh\u001b]0;x', fds: [{ fd: 0, role: 'slave', index: 2 }], more_fds: 0 }], more_processes: 0, unreadable_processes: 3 };
  assert.equal(parseListOutput(framed(JSON.stringify(ok)), 'h').processes[0]?.comm, 'sh\u001b]0;x');
  const bad: [unknown, RegExp][] = [
    [{ ...ok, processes: [{ ...ok.processes[0], fds: [{ fd: 0, role: 'other', index: 2 }] }] }, /role/],
    [{ ...ok, processes: [ok.processes[0], ok.processes[0]] }, /listed twice/],
    [{ ...ok, processes: [{ ...ok.processes[0], fds: Array.from({ length: 17 }, (_, i) => ({ fd: i, role: 'slave', index: 2 })) }] }, /at most 16/],
    [{ ...ok, extra: true }, /unknown key/],
  ];
  for (const [v, re] of bad) assert.throws(() => parseListOutput(framed(JSON.stringify(v)), 'h'), re);
});

test('random mutations of a description (seeded): refused with a ReportError, or accepted and written as an image without errors', () => {
  const rand = rng(16);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const values: unknown[] = [0, 1, -1, 255, 256, 65535, 65536, 0xffffffff, 2 ** 32, 2 ** 53, 1.5, '', 'x', null, true, [], {}, 1048575, 1048576];
  let accepted = 0;
  for (let n = 0; n < 1500; n++) {
    const d = sample() as Record<string, unknown>;
    if (rand() < 0.5) {
      d.drained = true;
      d.pairs = [
        { ...pair(3, 5, 0), input: '6c730a6563', input_line_ends: [2], output: '2420' },
        { ...pair(9, 7, null), input: '', input_line_ends: [], output: '' },
      ];
    }
    // change 1..3 leaves to odd values
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      let node: unknown = d;
      let parent: Record<string, unknown> | unknown[] | null = null;
      let key: string | number = '';
      for (let depth = 0; depth < 5 && node !== null && typeof node === 'object'; depth++) {
        const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
        if (!keys.length) break;
        parent = node as Record<string, unknown>;
        key = pick(keys as (string | number)[]);
        node = (node as Record<string | number, unknown>)[key];
      }
      if (parent) (parent as Record<string | number, unknown>)[key] = pick(values);
    }
    let desc: CaptureDescription;
    try {
      desc = parseCaptureDescription(JSON.stringify(d), 'h');
    } catch (e) {
      assert.ok(e instanceof ReportError, `not a ReportError: ${String(e)}`);
      continue;
    }
    accepted++;
    const img = openImage(imageFromCapture(desc).bytes);
    const errors = validate(img).filter((x) => x.severity === 'error');
    assert.deepEqual(errors.map((x) => `${x.code} ${x.message}`), [], JSON.stringify(d).slice(0, 400));
  }
  assert.ok(accepted > 50, `only ${accepted} mutations were accepted: the property says little`);
});
