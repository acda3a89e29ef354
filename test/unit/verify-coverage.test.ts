// --verify lists every field of every pair in the image. The field list is read from the C structs
// of the independent generator (test/gen/ckpt-gen.c: struct ckpt_hdr_tty, struct
// ckpt_hdr_ldisc_n_tty, plus the BUFFER that carries the queue), not from the code under test. Each
// generated state is restored by the real helper (compiled here) in a private devpts instance, and
// in the shared one, and the completed report must name every field of both ttys, each restored,
// partial or not restorable, with a reason wherever it is not restored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allImages, ROOT, type TestImage } from '../lib/images';
import { openImage } from '../../src/parser/image';
import { buildPlan } from '../../src/parser/plan-from-image';
import { serializePlan, type VerifyReport } from '../../src/parser/restore-plan';
import { completeReport, predictedLosses, reportOutcome } from '../../src/parser/verify-coverage';
import { unframeReport } from '../../src/remote/verify-report';

const isRoot = process.getuid?.() === 0;
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const skip = !hasGcc ? 'gcc not available' : !isRoot ? 'needs root (private devpts, TIOCVHANGUP)' : false;
let dir = '';
let helper = '';

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'ckpt-coverage-'));
  helper = join(dir, 'ckpt-pty-helper');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', helper, join(ROOT, 'helper/ckpt-pty-helper.c')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Member names of a C struct in the generator's source, nested structs flattened, arrays expanded. */
function structFields(src: string, name: string): string[] {
  const start = src.indexOf(`struct ${name} {`);
  assert.ok(start >= 0, `struct ${name} in ckpt-gen.c`);
  const out: string[] = [];
  const prefix: string[] = [];
  for (const raw of src.slice(src.indexOf('{', start) + 1).split('\n')) {
    const line = raw.trim();
    if (line === 'struct {') { prefix.push(''); continue; }
    const close = /^}\s*(?:A8\s*)?(\w+)?;?$/.exec(line);
    if (close) {
      if (!prefix.length) break;
      prefix.pop();
      const inner = out.splice(out.findIndex((f) => f.startsWith('\0')));
      out.push(...inner.map((f) => `${close[1]}.${f.slice(1)}`));
      continue;
    }
    const m = /^(?:u8|u16|u32|u64|s32|struct ckpt_hdr)\s+(\w+)(?:\[([^\]]+)\])?;/.exec(line);
    if (!m) continue;
    const [, field, dim] = m;
    if (field === 'h' || /padding/.test(field ?? '')) continue;
    const mark = prefix.length ? '\0' : '';
    if (dim && field === 'c_cc') for (let i = 0; i < 8; i++) out.push(`${mark}${field}[${i}]`); // CKPT_TTY_NCC = 8
    else out.push(`${mark}${field}`);
  }
  return out;
}

function expectedFieldNames(): string[] {
  const src = readFileSync(join(ROOT, 'test/gen/ckpt-gen.c'), 'utf8');
  const tty = structFields(src, 'ckpt_hdr_tty');
  const ldisc = [...structFields(src, 'ckpt_hdr_ldisc_n_tty').map((f) => `ldisc.${f}`), 'ldisc.data'];
  assert.ok(tty.includes('termios.c_cc[7]') && tty.includes('winsize.ws_ypixel') && ldisc.includes('ldisc.read_flags'), `parsed ${tty} ${ldisc}`);
  return ['master', 'slave'].flatMap((r) => [...tty, ...ldisc].map((f) => `${r}.${f}`));
}

/** The generator's states: every valid image with a pty pair, and the hung-up master it can write. */
function states(): TestImage[] {
  const extra = new Set(['bad-tty_hupped_master']);
  return allImages().filter((i) => i.source === 'generated' && (i.json.errors.length === 0 || extra.has(i.name))).filter((i) => {
    try { return buildPlan(openImage(i.bytes)).plan.pairs.length > 0; } catch { return false; }
  });
}

function restore(im: TestImage, devpts: 'private' | 'shared'): VerifyReport {
  const img = openImage(im.bytes);
  const text = serializePlan(buildPlan(img).plan);
  const args = ['restore', '--verify', '--devpts', devpts, ...(devpts === 'shared' ? ['--index', 'any'] : [])];
  const r = spawnSync(helper, args, { input: text, encoding: 'latin1', timeout: 30000 });
  assert.equal(r.status, 0, `${im.name} (${devpts}): helper exit ${r.status}: ${r.stderr}`);
  // The report comes framed (a marker line with its length: remote login shells may print before it).
  const full = completeReport(img, JSON.parse(unframeReport(Buffer.from(r.stdout, 'latin1')).payload.toString('utf8')) as VerifyReport);
  // What the CLI prints with --json: every value must survive JSON (no bigint).
  return JSON.parse(JSON.stringify(full)) as VerifyReport;
}

const STATUSES = new Set(['restored', 'partial', 'not-restorable']);

test('every field of every pair of every generated state is in the --verify report, each with a status and, unless restored, a reason', { skip }, () => {
  const want = expectedFieldNames();
  const all = states();
  const names = new Set(all.map((i) => i.name));
  // The states the issue names must be among them.
  for (const n of ['ok-canon-lines', 'ok-raw-locked-packet', 'ok-canon-no-line', 'ok-canon-read-tail-wrap', 'ok-full-4096-raw', 'ok-canon-full-4096',
    'ok-packet-status-pending', 'ok-exclusive', 'ok-stopped', 'ok-hupped-slave', 'bad-tty_hupped_master', 'ok-three-pairs']) {
    assert.ok(names.has(n), `state ${n}`);
  }
  const problems: string[] = [];
  const seen = new Map<string, VerifyReport>();
  for (const im of all) {
    for (const devpts of ['private', 'shared'] as const) {
      if (devpts === 'shared' && !['ok-canon-lines', 'ok-three-pairs', 'ok-hupped-slave', 'ok-full-4096-raw'].includes(im.name)) continue;
      const rep = restore(im, devpts);
      if (devpts === 'private') seen.set(im.name, rep);
      rep.pairs.forEach((p, i) => {
        const have = new Set(p.fields.map((f) => f.name));
        for (const n of want) if (!have.has(n)) problems.push(`${im.name} ${devpts} pair ${i}: ${n} missing`);
        for (const f of p.fields) {
          // In the shared instance an index may be held: --index any moves it and says so.
          if (devpts === 'shared' && f.status === 'mismatch' && /index$/.test(f.name) && (f.reason ?? '').includes('--index any: index')) continue;
          if (!STATUSES.has(f.status)) problems.push(`${im.name} ${devpts} pair ${i}: ${f.name} is ${f.status}: image ${JSON.stringify(f.image)} kernel ${JSON.stringify(f.kernel)} ${f.reason ?? ''}`);
          if (f.status !== 'restored' && !(f.reason && f.reason.length > 10)) problems.push(`${im.name} ${devpts} pair ${i}: ${f.name} ${f.status} without a reason`);
        }
      });
    }
  }
  assert.deepEqual(problems, []);
  console.log(`${seen.size} states, ${want.length} image fields per pair`);

  const field = (state: string, name: string, pair = 0): VerifyReport['pairs'][number]['fields'][number] => {
    const f = seen.get(state)?.pairs[pair]?.fields.find((x) => x.name === name);
    assert.ok(f, `${state}: ${name}`);
    return f;
  };
  // Hung-up slave: its line discipline is not restorable, with the reason; the master's output is.
  assert.equal(field('ok-hupped-slave', 'slave.ldisc.data').status, 'not-restorable');
  assert.match(field('ok-hupped-slave', 'slave.ldisc.data').reason ?? '', /hung up/);
  assert.equal(field('ok-hupped-slave', 'master.ldisc.data').status, 'restored');
  assert.equal(field('ok-hupped-slave', 'output').kernel, Buffer.from('total 0\r\n$ ').toString('hex'));
  // Hung-up master: said, not dropped.
  assert.equal(field('bad-tty_hupped_master', 'master.flags').status, 'not-restorable');
  // Full queue: partial, the rest of the pair restored.
  assert.equal(field('ok-full-4096-raw', 'slave.ldisc.data').status, 'partial');
  assert.equal(field('ok-full-4096-raw', 'slave.termios.c_lflag').status, 'restored');
  // Pending packet status: not restorable, with its reason; packet mode itself restored.
  assert.equal(field('ok-packet-status-pending', 'slave.ldisc.ctrl_status').status, 'not-restorable');
  assert.equal(field('ok-packet-status-pending', 'master.ldisc.packet').status, 'restored');
  // Lock, exclusive, stopped carried by the flags and the ldisc, through the kernel's answers.
  assert.equal(field('ok-raw-locked-packet', 'master.flags').status, 'restored');
  assert.equal(field('ok-exclusive', 'slave.flags').status, 'restored');
  assert.equal(field('ok-stopped', 'slave.ldisc.stopped').status, 'restored');
  assert.equal(field('ok-canon-read-tail-wrap', 'slave.ldisc.read_flags').status, 'restored');
  // The outcome: the sample pair has documented losses (the master's column 2 and its window size in pixels).
  assert.equal(reportOutcome(seen.get('ok-pair-i386') as VerifyReport), 'losses');
  assert.deepEqual(predictedLosses(openImage((all.find((i) => i.name === 'ok-pair-i386') as TestImage).bytes)).map((l) => l.field.name).sort(),
    ['master.ldisc.column', 'master.winsize.ws_xpixel', 'master.winsize.ws_ypixel']);
});
