// The install routes as a stranger takes them: `npm pack` → `npm install -g` of the tarball into a
// temporary prefix → `ckpt-inspect` from PATH; a plain `vsce package` → what the .vsix holds; and a
// release build that cannot make the static helper. Each packs a copy of the project, so that its
// build does not rewrite dist/ under the tests that run beside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../lib/images.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const HELPER = 'dist/ckpt-pty-helper-x86_64-static';
const helperSha = createHash('sha256').update(readFileSync(join(ROOT, 'helper/ckpt-pty-helper.c'))).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'ckpt-install-'));

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const out = String(r.stdout ?? '');
  const err = String(r.stderr ?? '');
  return { code: r.status, out, err, both: `${cmd} ${args.join(' ')}\n${out}\n${err}` };
}

/** A copy of what the build and the packagers read (sources, not dist/), sharing node_modules. */
function projectCopy(name: string, entries: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const e of entries) {
    mkdirSync(dirname(join(dir, e)), { recursive: true });
    cpSync(join(ROOT, e), join(dir, e), { recursive: true, filter: (src) => !src.includes('/src/parser/generated') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

let work = '';
before(() => {
  work = projectCopy('project', ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'tsconfig.json', 'bin', 'helper', 'images', 'scripts', 'formats', 'src', 'media', 'docs/diagnostics.md']);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const isElf = (b: Buffer) => b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));

test('npm pack, then npm install -g of the tarball into a temporary prefix: ckpt-inspect --version and a report from PATH, and a subcommand from the subcommands bundle', () => {
  const out = join(tmp, 'pack');
  mkdirSync(out);
  const pack = run('npm', ['pack', '--json', '--pack-destination', out], { cwd: work });
  assert.equal(pack.code, 0, pack.both);
  const [info] = JSON.parse(pack.out) as { filename: string; files: { path: string; mode: number }[] }[];
  const files = info.files.map((f) => f.path);
  for (const f of ['bin/ckpt-inspect.js', 'dist/cli.js', 'dist/cli-commands.js', HELPER, `${HELPER}.source-sha256`, 'helper/ckpt-pty-helper.c', 'LICENSE', 'README.md']) {
    assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(' ')}`);
  }
  assert.deepEqual(files.filter((f) => /^(src|test|media|scripts|formats)\/|\.map$|^node_modules\//.test(f)), [], 'sources, tests or source maps in the tarball');

  const prefix = join(tmp, 'prefix');
  const inst = run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(out, info.filename)], { cwd: tmp });
  assert.equal(inst.code, 0, inst.both);
  // The command on PATH is the installed package's, not this checkout's.
  assert.equal(realpathSync(join(prefix, 'bin/ckpt-inspect')), realpathSync(join(prefix, 'lib/node_modules/ckpt-inspector/bin/ckpt-inspect.js')));
  const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };

  const version = run('ckpt-inspect', ['--version'], { env, cwd: tmp });
  assert.equal(version.code, 0, version.both);
  assert.equal(version.out, `ckpt-inspect ${pkg.version}\n`);

  const report = run('ckpt-inspect', ['samples/pair.ckpt'], { env, cwd: ROOT });
  assert.equal(report.code, 0, report.both);
  assert.match(report.out, /^samples\/pair\.ckpt: 2047 bytes/);
  assert.match(report.out, /slave \/dev\/pts\/3/);
  assert.match(report.out, /partial "ech"/);

  // A subcommand: the installed dist/cli.js loads the subcommands' bundle from beside itself.
  const diff = run('ckpt-inspect', ['diff', 'samples/pair.ckpt', 'samples/pair.ckpt'], { env, cwd: ROOT });
  assert.equal(diff.code, 0, diff.both);
  assert.match(diff.out, /^identical$/m);

  const installed = join(prefix, 'lib/node_modules/ckpt-inspector');
  assert.ok(isElf(readFileSync(join(installed, HELPER))), 'the static helper is not an ELF binary');
  assert.equal(readFileSync(join(installed, `${HELPER}.source-sha256`), 'utf8').trim(), helperSha);
});

/** Names, Unix modes and (for the few asked for) contents of a zip's members, read by python3's zipfile. */
function readZip(file: string, want: string[]): { modes: Map<string, number>; data: Map<string, Buffer> } {
  const py = `import base64, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"modes": {i.filename: i.external_attr >> 16 for i in z.infolist()},
  "data": {n: base64.b64encode(z.read(n)).decode() for n in sys.argv[2:] if n in z.namelist()}}))`;
  const r = run('python3', ['-c', py, file, ...want], { maxBuffer: 64 << 20 });
  assert.equal(r.code, 0, r.both);
  const j = JSON.parse(r.out) as { modes: Record<string, number>; data: Record<string, string> };
  return { modes: new Map(Object.entries(j.modes)), data: new Map(Object.entries(j.data).map(([k, v]) => [k, Buffer.from(v, 'base64')])) };
}

test('a plain vsce package --no-dependencies makes a .vsix with the bundles (minified), the CLI, the static helper and the icon, and no sources', () => {
  const vsix = join(tmp, 'ckpt-inspector.vsix');
  const r = run(join(ROOT, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '-o', vsix], { cwd: work });
  assert.equal(r.code, 0, r.both);
  const x = 'extension/';
  const want = [`${x}package.json`, `${x}images/icon.png`, `${x}${HELPER}`, `${x}${HELPER}.source-sha256`, `${x}dist/extension.js`, `${x}dist/cli.js`];
  const { modes, data } = readZip(vsix, want);
  const names = [...modes.keys()];
  for (const f of [...want, `${x}dist/webview.js`, `${x}dist/webview.css`, `${x}dist/compare.js`, `${x}dist/compare.css`, `${x}dist/compare-worker.js`, `${x}dist/cli-commands.js`, `${x}bin/ckpt-inspect.js`, `${x}helper/ckpt-pty-helper.c`, `${x}LICENSE.txt`, `${x}changelog.md`, `${x}readme.md`, `${x}docs/diagnostics.md`]) {
    assert.ok(modes.has(f), `${f} is not in the .vsix: ${names.join(' ')}`);
  }
  assert.deepEqual(names.filter((n) => /^extension\/(src|test|media|scripts|formats|node_modules)\/|\.map$|\.ts$/.test(n)), [], 'sources, tests or source maps in the .vsix');

  const helper = data.get(`${x}${HELPER}`) as Buffer;
  assert.ok(isElf(helper), 'the static helper is not an ELF binary');
  assert.equal(helper[4], 2, 'the static helper is not a 64-bit ELF');
  assert.equal((data.get(`${x}${HELPER}.source-sha256`) as Buffer).toString('utf8').trim(), helperSha);

  // PNG signature, then IHDR: width and height as big-endian 32-bit numbers.
  const icon = data.get(`${x}images/icon.png`) as Buffer;
  assert.ok(icon.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'icon.png is not a PNG');
  assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  const manifest = JSON.parse((data.get(`${x}package.json`) as Buffer).toString('utf8')) as { icon: string };
  assert.equal(manifest.icon, 'images/icon.png');

  // Minified: esbuild's unminified output is one statement per line, ~40 characters on average.
  for (const f of [`${x}dist/extension.js`, `${x}dist/cli.js`]) {
    const text = (data.get(f) as Buffer).toString('utf8');
    const avg = text.length / text.split('\n').length;
    assert.ok(avg > 300, `${f} does not look minified: ${avg.toFixed(0)} characters per line`);
  }
});

test('a release build that cannot make the static helper fails, unless CKPT_SKIP_STATIC_HELPER=1; a development build warns', () => {
  const dir = projectCopy('no-cc', ['scripts', 'helper']);
  // A PATH that has node and nothing else: no musl-gcc, no gcc.
  const bin = join(dir, 'only-node');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const build = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(join(bin, 'node'), ['scripts/build.mjs', '--helper-only', ...args], { cwd: dir, env: { ...process.env, CKPT_SKIP_STATIC_HELPER: '', ...extra, PATH: bin } });

  const release = build(['--release']);
  assert.equal(release.code, 1, release.both);
  assert.match(release.err, /cannot build the static helper dist\/ckpt-pty-helper-x86_64-static: musl-gcc: not installed; gcc: not installed/);
  assert.match(release.err, /CKPT_SKIP_STATIC_HELPER=1/);
  assert.equal(existsSync(join(dir, HELPER)), false);

  const skipped = build(['--release'], { CKPT_SKIP_STATIC_HELPER: '1' });
  assert.equal(skipped.code, 0, skipped.both);
  assert.match(skipped.err, /warning: no static helper/);

  const dev = build([]);
  assert.equal(dev.code, 0, dev.both);
  assert.match(dev.err, /warning: no static helper/);
});
