// ckpt-inspect as a Unix tool: one option syntax for every command, --help/--version, usage errors,
// errors that name their file, '-' for stdin/stdout through real pipes, --only/--ndjson, the
// streamed JSON (same text as the report object), and a reader that closes the pipe early.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allImages, generator, ROOT } from '../lib/images.js';
import { validJson, validNdjson } from '../lib/schemas.js';
import { openImage } from '../../src/parser/image.js';
import { validate } from '../../src/parser/validate/index.js';
import { reportJson, reportJsonChunks, reportNdjsonChunks } from '../../src/parser/report-json.js';
import { reportText } from '../../src/parser/report-text.js';
import { buildGraph } from '../../src/parser/graph.js';

const BIN = join(ROOT, 'bin/ckpt-inspect.js');
const SAMPLE = join(ROOT, 'samples/pair.ckpt');
const dir = mkdtempSync(join(tmpdir(), 'ckpt-cli-unix-'));

function cli(args: string[], opts: { cwd?: string; input?: Uint8Array | string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: opts.cwd ?? ROOT, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A shell pipeline with real pipes; `$CLI` is the built binary. */
function sh(script: string) {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'buffer', cwd: dir, env: { ...process.env, CLI: `${process.execPath} ${BIN}`, S: SAMPLE }, maxBuffer: 256 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

before(() => {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

const TRY = /^Try 'ckpt-inspect( [a-z]+)? --help'\.$/m;

test('--help of every command is on stdout with exit 0; no arguments is the usage on stderr with exit 2', () => {
  for (const args of [['--help'], ['-h'], ['--json', '--help'], ['set', '--help'], ['encode', '-h'], ['restore', '--help'], ['set', 'x', '--help']]) {
    const r = cli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err, '', args.join(' '));
    assert.match(r.out, /^usage: ckpt-inspect /, args.join(' '));
    assert.match(r.out, /--help/, args.join(' '));
  }
  assert.match(cli(['set', '--help']).out, /-o, --output OUT/);
  assert.match(cli(['restore', '--help']).out, /--devpts shared\|private/);
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.equal(none.out, '');
  assert.match(none.err, /^usage: ckpt-inspect /);
  assert.match(none.err, TRY);
});

test('--version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const a of ['--version', '-V']) {
    const r = cli([a]);
    assert.equal(r.code, 0);
    assert.equal(r.out, `ckpt-inspect ${pkg.version}\n`);
  }
});

test('usage errors: one message naming the problem, the "Try --help" line, exit 2, nothing on stdout', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus', SAMPLE], /unknown option '--bogus'/],
    [['--json=yes', SAMPLE], /option '--json' takes no value/],
    [['--only', 'bogus', SAMPLE], /--only takes records, ttys, graph, diagnostics, not 'bogus'/],
    [['--json', '--ndjson', SAMPLE], /exclusive/],
    [[SAMPLE, SAMPLE], /give one FILE/],
    [['set', SAMPLE], /set needs FILE and at least one PATH=VALUE/],
    [['set', SAMPLE, 'ttys[0].index=1', '-o'], /option '-o' needs a value/],
    [['encode'], /encode needs EDITED.json/],
    [['restore', SAMPLE], /missing --host/],
    [['restore', SAMPLE, '--host=h', '--devpts=maybe'], /--devpts takes shared, private, not 'maybe'/],
    [['restore', SAMPLE, '--host', 'h', '--pair', '1'], /--command and --pair go with --attach/],
  ];
  for (const [args, msg] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '', args.join(' '));
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(lines[0] ?? '', /^ckpt-inspect: /);
    assert.match(lines[0] ?? '', msg);
    assert.match(lines[1] ?? '', TRY);
  }
  // The subcommand's own help is named.
  assert.match(cli(['set', SAMPLE]).err, /Try 'ckpt-inspect set --help'\./);
});

test('every error names the file it is about', () => {
  const missing = join(dir, 'missing.ckpt');
  const r1 = cli([missing]);
  assert.equal(r1.code, 2);
  assert.equal(r1.err, `ckpt-inspect: ${missing}: cannot read: no such file\n`);
  const r2 = cli([dir]);
  assert.equal(r2.err, `ckpt-inspect: ${dir}: cannot read: it is a directory; only a regular file (or - for the standard input) is read\n`);
  const r3 = cli(['set', SAMPLE, 'ttys[9].index=1']);
  assert.equal(r3.code, 2);
  assert.match(r3.err, new RegExp(`^ckpt-inspect: ${SAMPLE.replace(/[.]/g, '\\.')}: ttys\\[9\\]`));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"ttys": [');
  const r4 = cli(['encode', bad, '-o', join(dir, 'x.ckpt')]);
  assert.equal(r4.code, 2);
  assert.match(r4.err, new RegExp(`^ckpt-inspect: ${bad.replace(/[.]/g, '\\.')}: not the JSON of a report`));
  const r5 = cli(['encode', '-', '-o', join(dir, 'x.ckpt')], { input: '[1]' });
  assert.match(r5.err, /^ckpt-inspect: \(standard input\): not the JSON of a report: not a JSON object/);
  const r6 = cli(['encode', '-', '-o', join(dir, 'x.ckpt')], { input: '{"format":"ckpt-inspect.diff/1"}' });
  assert.match(r6.err, /^ckpt-inspect: \(standard input\): format "ckpt-inspect.diff\/1" is not ckpt-inspect.report\/1/);
  // A control character in a file name is shown escaped, never sent to the terminal.
  const r7 = cli([join(dir, 'a\u001b[31mred')]);
  assert.ok(!r7.err.includes('\u001b'), JSON.stringify(r7.err));
  assert.match(r7.err, /a\\x1b\[31mred: cannot read/);
});

test('--opt=value and --opt value are the same; -- ends the options', () => {
  const a = join(dir, 'eq.ckpt');
  const b = join(dir, 'sp.ckpt');
  assert.equal(cli(['set', SAMPLE, 'ttys[0].winsize.ws_col=100', `--output=${a}`]).code, 0);
  assert.equal(cli(['set', SAMPLE, '--output', b, 'ttys[0].winsize.ws_col=100']).code, 0);
  assert.ok(readFileSync(a).equals(readFileSync(b)));
  assert.ok(!readFileSync(a).equals(readFileSync(SAMPLE)));
  // A file whose name looks like an option.
  const odd = join(dir, 'odd');
  mkdirSync(odd, { recursive: true });
  copyFileSync(SAMPLE, join(odd, '--json'));
  const r = cli(['--', '--json'], { cwd: odd });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^--json: 2047 bytes, 28 records/);
  assert.equal(cli(['--json', '--', '--json'], { cwd: odd }).code, 0);
  validJson(cli(['--json', '--', '--json'], { cwd: odd }).out);
});

test("'-' through real pipes: --json | encode - -o - gives the input's bytes; --json | jq | encode - > FILE applies the edit", () => {
  const same = sh('$CLI --json "$S" | $CLI encode - -o - > same.ckpt && cmp same.ckpt "$S" && $CLI --json "$S" | $CLI encode - | cmp - "$S"');
  assert.equal(same.code, 0, same.err);
  const ed = sh(`$CLI --json "$S" | jq '.ttys[1].winsize.ws_col = 100 | .ttys[0].termios.c_cc[0] = 21' | $CLI encode - > edited.ckpt`);
  assert.equal(ed.code, 0, ed.err);
  const j = validJson(cli(['--json', join(dir, 'edited.ckpt')]).out);
  assert.equal(j.ttys[1]?.winsize.ws_col, 100);
  assert.equal(j.ttys[0]?.termios.c_cc[0], 21);
  // Only those bytes changed: the same edit by path gives the same file.
  assert.equal(cli(['set', SAMPLE, 'ttys[1].winsize.ws_col=100', 'ttys[0].termios.c_cc[0]=21', '-o', join(dir, 'byset.ckpt')]).code, 0);
  assert.ok(readFileSync(join(dir, 'edited.ckpt')).equals(readFileSync(join(dir, 'byset.ckpt'))));
  // set - reads stdin and writes stdout; a report of stdin.
  const s = sh(`$CLI set - 'ttys[1].winsize.ws_col=100' 'ttys[0].termios.c_cc[0]=21' < "$S" | cmp - byset.ckpt && cat "$S" | $CLI - | head -1`);
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out.toString('utf8'), '(standard input): 2047 bytes, 28 records, little-endian, arch X86_32\n');
  const stdinJson = validJson(sh('$CLI --json - < "$S"').out.toString('utf8'));
  assert.equal(stdinJson.source, null);
  // -o - on set of a file writes stdout and leaves the file alone.
  const o = sh(`$CLI set "$S" 'ttys[1].winsize.ws_col=100' 'ttys[0].termios.c_cc[0]=21' -o - | cmp - byset.ckpt`);
  assert.equal(o.code, 0, o.err);
  assert.ok(!existsSync(join(dir, '-')));
});

test('--only and --ndjson: the sections asked for, each output valid against the schema', () => {
  const full = validJson(cli(['--json', SAMPLE]).out);
  for (const only of ['records', 'ttys', 'graph', 'diagnostics', 'ttys,graph']) {
    const r = cli(['--json', '--only', only, SAMPLE]);
    assert.equal(r.code, 0, r.err);
    const j = validJson(r.out);
    assert.deepEqual(j.only, only.split(','));
    if (only.includes('ttys')) assert.deepEqual(j.ttys, full.ttys);
    else assert.ok(!('ttys' in j));
    if (only.includes('graph')) assert.deepEqual(j.graph, full.graph);
    else assert.ok(!('graph' in j));
  }
  const nd = cli(['--ndjson', SAMPLE]);
  assert.equal(nd.code, 0);
  assert.deepEqual(validNdjson(nd.out, 'record'), full.records);
  assert.deepEqual(validNdjson(cli(['--ndjson', '--only', 'ttys', SAMPLE]).out, 'tty'), full.ttys);
  assert.deepEqual(validNdjson(cli(['--ndjson', '--only=graph', SAMPLE]).out, 'edge'), full.graph.edges);
  const text = cli(['--only', 'diagnostics', SAMPLE]);
  assert.doesNotMatch(text.out, /Records:|Terminals:|Objhash graph:/);
  assert.match(text.out, /Diagnostics/);
});

test('the streamed JSON is exactly JSON.stringify of the report object, at any chunk size, for every test image', () => {
  const images = allImages();
  assert.ok(images.length > 20);
  for (const im of images) {
    const img = openImage(im.bytes);
    const diags = validate(img);
    const source = { path: `/x/${im.name}.ckpt`, sha256: '0'.repeat(64) };
    const want = `${JSON.stringify({ ...reportJson(img, diags), source })}\n`;
    for (const chunk of [1, 7, 4096]) {
      const parts = [...reportJsonChunks(img, diags, { source, chunk })];
      assert.equal(parts.join(''), want, `${im.name} chunk ${chunk}`);
      if (chunk === 1) assert.ok(parts.length > 10, 'yields in pieces');
    }
    validJson(want);
    const nd = [...reportNdjsonChunks(img, diags, 'records', 5)].join('');
    assert.deepEqual(validNdjson(nd, 'record'), reportJson(img, diags).records, im.name);
  }
});

test('a reader that closes the pipe early (| head) ends the report quietly', () => {
  const gen = generator();
  assert.ok(gen, 'ckpt-gen');
  const big = join(dir, 'big.ckpt');
  execFileSync(gen, ['bench-small', big, '8M']);
  assert.ok(statSync(big).size > 7 << 20);
  for (const args of ['--json', '--ndjson', '']) {
    const r = sh(`$CLI ${args} "${big}" | head -c 100 > /dev/null; echo "status \${PIPESTATUS[0]}"`);
    assert.equal(r.err, '', args);
    assert.equal(r.out.toString('utf8'), 'status 0\n', args);
  }
});

test('the text report builds only the graph edges it lists, and counts the rest exactly', () => {
  const gen = generator();
  assert.ok(gen, 'ckpt-gen');
  const f = join(dir, 'graph.ckpt');
  execFileSync(gen, ['bench-small', f, '2M']);
  const img = openImage(new Uint8Array(readFileSync(f)));
  const full = buildGraph(img);
  assert.ok(full.edges.length > 1000);
  for (const max of [0, 1, 57, 1000]) {
    const g = buildGraph(img, { maxEdges: max });
    assert.equal(g.edgeCount, full.edges.length, `max ${max}`);
    assert.deepEqual(g.edges.slice(0, max), full.edges.slice(0, max), `max ${max}`);
  }
  const text = reportText(img, validate(img), f, { maxTtys: 10 });
  assert.match(text, new RegExp(`… ${full.edges.length - 100} more edges`));
});
