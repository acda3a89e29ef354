#!/usr/bin/env node
// Is scripts/setup.sh enough for a fresh Debian 12 machine? Every system file the build and the
// tests use, found the way they find it (PATH, fixed paths, and the compilers' own include and link
// searches, by compiling what the build compiles), is mapped to the Debian package that owns it
// (dpkg -S). Each package must be one that setup.sh installs (scripts/apt-packages.txt), one of
// their Depends/PreDepends (apt-cache depends --recurse), or part of every Debian system (Priority:
// required, which debootstrap installs even for --variant=minbase). Node.js is the one prerequisite.
// A file that no package owns (a compiler from elsewhere earlier on PATH) fails too.
//   node scripts/check-setup.mjs [--verbose] [--packages FILE] [--only TEXT]
//   (npm run check:setup; test:all runs it first.) --packages checks against another package list,
//   --only checks the uses whose name contains TEXT: the tests use both.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { accessSync, constants, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: { verbose: { type: 'boolean', default: false }, packages: { type: 'string' }, only: { type: 'string' } },
});
const verbose = opts.verbose;
const packageList = opts.packages ?? join(root, 'scripts/apt-packages.txt');
const tmp = mkdtempSync(join(tmpdir(), 'ckpt-check-setup-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** The package list of scripts/setup.sh. */
function aptPackages() {
  return readFileSync(packageList, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .flatMap((l) => l.split(/\s+/))
    .filter((w) => w !== '');
}

const sh = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (!lstatSync(p).isDirectory()) return p;
    } catch {}
  }
  return null;
}

// ---- what the build and the tests use -----------------------------------------------------------
// Each use yields absolute file names, or throws with what is missing.

const command = (name, by, opts = {}) => ({
  what: name,
  by,
  prerequisite: opts.prerequisite ?? false,
  files: () => {
    const p = name.startsWith('/') ? (existsSync(name) ? name : null) : which(name);
    if (p === null) throw new Error(name.startsWith('/') ? `${name} does not exist` : `${name} is not on PATH`);
    return [p];
  },
});

/**
 * Compiles SOURCE (a file, or C text) with CC and FLAGS: every header it reads (-M) and every file
 * the linker opens (--trace). A source file is preprocessed, and a stub (LINK_STUB, or an empty
 * main) is linked with the same flags in its place: the same runtimes, in a fraction of the time.
 */
const compiled = (what, by, cc, flags, source, libs = [], linkStub = undefined) => ({
  what,
  by,
  files: () => {
    if (which(cc) === null) throw new Error(`${cc} is not on PATH`);
    let src = source;
    if (!source.endsWith('.c')) {
      src = join(tmp, `${what.replace(/\W+/g, '-')}.${cc.endsWith('++') ? 'cc' : 'c'}`);
      writeFileSync(src, source);
    } else src = join(root, source);
    const deps = sh(cc, [...flags, '-M', src]);
    if (deps.status !== 0) throw new Error(`${cc} -M ${source} failed: ${deps.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const out = join(tmp, 'a.out');
    let linked = src;
    if (source.endsWith('.c')) {
      linked = join(tmp, 'stub.c');
      writeFileSync(linked, linkStub ?? 'int main(void) { return 0; }\n');
    }
    const link = sh(cc, [...flags, '-o', out, linked, ...libs, '-Wl,--trace']);
    if (link.status !== 0) throw new Error(`${cc} ${flags.join(' ')} ${source} failed: ${link.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const headers = deps.stdout.replace(/\\\n/g, ' ').split(/\s+/).filter((w) => w.startsWith('/') && w !== src);
    const inputs = `${link.stdout}\n${link.stderr}`.match(/\/[^\s()]+/g) ?? [];
    // The programs that did the work: the compiler proper, assembler and linker.
    const progs = [];
    for (const prog of cc === 'clang' ? ['ld'] : [cc.endsWith('++') ? 'cc1plus' : 'cc1', 'as', 'collect2', 'ld']) {
      const r = sh(cc, [`-print-prog-name=${prog}`]);
      const p = r.stdout.trim();
      if (r.status === 0 && p.startsWith('/') && existsSync(p)) progs.push(p);
      else if (r.status === 0 && !p.includes('/') && which(p)) progs.push(which(p));
    }
    // The project's own files (the fuzz target includes the helper's source) are not the system's.
    return [which(cc), ...progs, ...headers, ...inputs].map((f) => resolve(f)).filter((f) => existsSync(f) && !f.startsWith(tmp) && !f.startsWith(`${root}/`));
  },
});

const USES = [
  command('node', 'everything', { prerequisite: true }),
  command('npm', 'everything', { prerequisite: true }),
  command('gcc', 'test/lib/images.ts, test/unit/pty-helper.test.ts, test/fuzz/fuzz.ts, scripts/build.mjs'),
  command('cc', 'src/remote/helper-cache.ts (the helper compiled on the test sshd host)'),
  command('musl-gcc', 'scripts/build.mjs (the static helper)'),
  command('strip', 'scripts/build.mjs'),
  command('aarch64-linux-gnu-gcc', 'scripts/build.mjs (the static aarch64 helper), test/unit/static-helpers.test.ts'),
  command('aarch64-linux-gnu-strip', 'scripts/build.mjs'),
  command('qemu-aarch64-static', 'test/unit/static-helpers.test.ts'),
  command('clang', 'scripts/fuzz-helper.sh'),
  command('make', 'node-gyp in scripts/install-code-server.sh'),
  command('g++', "node-gyp in scripts/install-code-server.sh (make's default C++ compiler)"),
  command('python3', 'node-gyp, test/unit/install-routes.test.ts, test/unit/restore-e2e.test.ts'),
  command('/usr/bin/python3', 'test/unit/pty-helper.test.ts, test/unit/cli-progress.test.ts (test/lib/on-pty.py)'),
  command('/usr/sbin/sshd', 'test/harness/sshd.ts'),
  command('ssh', 'src/remote/ssh.ts, test/harness/sshd.ts'),
  command('ssh-keygen', 'test/harness/sshd.ts, test/unit/ssh-transport.test.ts'),
  command('ip', 'test/harness/sshd.ts (network namespaces)'),
  command('unshare', 'test/harness/sshd.ts'),
  command('mount', 'test/harness/sshd.ts (a private devpts), test/unit/save-errors.test.ts (tmpfs)'),
  command('umount', 'test/unit/save-errors.test.ts'),
  command('chattr', 'test/unit/save-errors.test.ts (an immutable file)'),
  command('hostname', 'test/harness/sshd.ts'),
  command('nsenter', 'test/unit/restore-e2e.test.ts'),
  command('setpriv', 'test/unit/pty-helper.test.ts, test/unit/save-errors.test.ts'),
  command('file', 'test/unit/pty-helper.test.ts'),
  command('jq', 'test/unit/cli-unix.test.ts (ckpt-inspect --json | jq | ckpt-inspect encode -)'),
  command('cmp', 'test/unit/cli-unix.test.ts'),
  command('head', 'test/unit/cli-unix.test.ts'),
  command('ldd', 'test/unit/ssh-transport.test.ts'),
  command('pgrep', 'test/unit/ssh-transport.test.ts'),
  command('sha256sum', 'src/remote/helper-cache.ts (on the test sshd host)'),
  command('uname', 'test/unit/ssh-transport.test.ts, src/remote/helper-cache.ts'),
  command('sh', 'scripts/fuzz-helper.sh, src/remote/*, test/harness/sshd.ts'),
  command('bash', 'scripts/setup.sh, scripts/install-code-server.sh, tests'),
  command('rg', 'scripts/install-code-server.sh (code-server search)'),
  command(process.env.CHROMIUM ?? '/usr/bin/chromium', 'test/integration/workbench.mjs'),
  compiled('helper, static with musl', 'scripts/build.mjs', 'musl-gcc', ['-static', '-O2'], 'helper/ckpt-pty-helper.c'),
  compiled('helper, static with glibc', 'test/unit/pty-helper.test.ts, scripts/build.mjs', 'gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror'], 'helper/ckpt-pty-helper.c'),
  compiled('helper with ASan and UBSan', 'test/unit/pty-helper.test.ts', 'gcc', ['-g', '-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all'], 'helper/ckpt-pty-helper.c'),
  compiled('image generator', 'test/lib/images.ts', 'gcc', ['-O2', '-Wall', '-Wextra', '-Werror'], 'test/gen/ckpt-gen.c'),
  compiled('libFuzzer target with ASan and UBSan', 'scripts/fuzz-helper.sh', 'clang', ['-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined'], 'helper/fuzz/plan_reader_fuzz.c', [],
    '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n > 0 && d[0] == 1; }\n'),
  compiled(
    'krb5 headers and libraries for the kerberos module',
    'npm rebuild kerberos in scripts/install-code-server.sh',
    'g++',
    ['-O2'],
    '#include <gssapi/gssapi.h>\n#include <gssapi/gssapi_generic.h>\n#include <cwchar>\n#include <memory>\nint main() { return 0; }\n',
    ['-Wl,--no-as-needed', '-lkrb5', '-lgssapi_krb5'],
  ),
];

// ---- files to packages ----------------------------------------------------------------------------

/**
 * The file and every symlink on the way to what it names, less the links update-alternatives makes
 * (/usr/bin/cc -> /etc/alternatives/cc -> ...), which no package owns.
 */
function chain(file) {
  const out = [];
  let p = file;
  for (let i = 0; i < 40; i++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      out.push(p);
      break;
    }
    if (!st.isSymbolicLink()) {
      out.push(p);
      break;
    }
    const next = resolve(dirname(p), readlinkSync(p));
    if (!p.startsWith('/etc/alternatives/') && !next.startsWith('/etc/alternatives/')) out.push(p);
    p = next;
  }
  return out;
}

/** Debian 12 merges /bin, /sbin and /lib into /usr; dpkg knows a file by the name its package ships. */
function aliases(file) {
  const m = /^\/usr(\/(?:bin|sbin|lib|lib64|lib32|libx32)\/.*)$/.exec(file);
  const n = /^(\/(?:bin|sbin|lib|lib64|lib32|libx32)\/.*)$/.exec(file);
  const a = [file];
  if (m) a.push(m[1]);
  if (n) a.push(`/usr${n[1]}`);
  // /usr/sbin/ip is /usr/bin/ip is /bin/ip after the merge.
  for (const x of [...a]) {
    if (/^(\/usr)?\/sbin\//.test(x)) a.push(x.replace('/sbin/', '/bin/'));
    else if (/^(\/usr)?\/bin\//.test(x)) a.push(x.replace('/bin/', '/sbin/'));
  }
  return [...new Set(a)];
}

function owners(files) {
  const names = [...new Set(files.flatMap(aliases))];
  const owned = new Map();
  for (let i = 0; i < names.length; i += 200) {
    const r = sh('dpkg', ['-S', ...names.slice(i, i + 200)]);
    for (const line of r.stdout.split('\n')) {
      const m = /^([^:][^ ]*(?:, [^ ]+)*): (\/.*)$/.exec(line);
      if (!m || line.startsWith('diversion by')) continue;
      owned.set(m[2], m[1].split(', ').map((p) => p.replace(/:[a-z0-9]+$/, '')));
    }
  }
  const result = new Map();
  for (const f of files) result.set(f, [...new Set(aliases(f).flatMap((a) => owned.get(a) ?? []))]);
  return result;
}

function closure(packages) {
  const r = sh('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...packages]);
  if (r.status !== 0) throw new Error(`apt-cache depends failed: ${r.stderr.trim()}`);
  const all = new Set(packages);
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(?:\|?(?:Depends|PreDepends):\s*)?<?([a-z0-9][a-z0-9+.-]+)(?::[a-z0-9]+)?>?\s*$/.exec(line);
    if (m) all.add(m[1]);
  }
  return all;
}

function priorities(packages) {
  const r = sh('dpkg-query', ['-W', '-f=${Package}\t${Priority}\n', ...packages]);
  const map = new Map();
  for (const line of r.stdout.split('\n')) {
    const [p, prio] = line.split('\t');
    if (p) map.set(p, prio);
  }
  return map;
}

// ---- the check -----------------------------------------------------------------------------------

function check() {
  const listed = aptPackages();
  const deps = closure(listed);
  console.log(`check-setup: ${listed.length} packages in ${packageList.startsWith(`${root}/`) ? packageList.slice(root.length + 1) : packageList}, ${deps.size} with their Depends/PreDepends`);
  console.log(`check-setup: PATH=${process.env.PATH}`);
  const problems = [];
  const found = [];
  const uses = USES.filter((u) => opts.only === undefined || u.what.includes(opts.only));
  if (uses.length === 0) {
    console.log(`check-setup: no use is named like ${JSON.stringify(opts.only)}`);
    return 2;
  }
  for (const use of uses) {
    try {
      const files = [...new Set(use.files().flatMap(chain))];
      found.push({ use, files });
    } catch (e) {
      problems.push(`${use.what} (used by ${use.by}): ${e.message}`);
      console.log(`  MISSING  ${use.what}: ${e.message}`);
    }
  }
  const own = owners(found.flatMap((f) => f.files));
  const prio = priorities([...new Set([...own.values()].flat())]);
  const why = (pkg) => (listed.includes(pkg) ? 'listed' : deps.has(pkg) ? 'dependency' : prio.get(pkg) === 'required' ? 'base system' : null);
  for (const { use, files } of found) {
    const bad = [];
    const pkgs = new Set();
    for (const f of files) {
      const o = own.get(f) ?? [];
      if (use.prerequisite) {
        for (const p of o) pkgs.add(p);
        continue;
      }
      // One owning package that setup.sh brings in is enough (a directory can be shared).
      const ok = o.find((p) => why(p) !== null);
      if (ok) pkgs.add(ok);
      else bad.push(o.length === 0 ? `${f}: no Debian package owns it` : `${f}: from ${o.join(', ')}, which setup.sh does not install`);
      if (verbose) console.log(`           ${f} ${o.length ? `[${o.join(', ')}]` : '[no package]'}`);
    }
    const summary = use.prerequisite
      ? `prerequisite: ${files[0]}${pkgs.size ? ` (${[...pkgs].join(', ')})` : ''}`
      : `${files.length === 1 ? files[0] : `${files.length} files`} from ${[...pkgs].map((p) => `${p} (${why(p)})`).join(', ')}`;
    if (bad.length === 0) console.log(`  ok       ${use.what}: ${summary}`);
    else {
      console.log(`  FAIL     ${use.what} (used by ${use.by}):`);
      for (const b of bad) console.log(`             ${b}`);
      problems.push(...bad.map((b) => `${use.what}: ${b}`));
    }
  }
  if (problems.length > 0) {
    console.log(`check-setup: FAILED: ${problems.length} problem(s); add the package to scripts/apt-packages.txt (scripts/setup.sh installs that list)`);
    return 1;
  }
  console.log(`check-setup: ok: ${found.length} uses, ${new Set(found.flatMap((f) => f.files)).size} files, all from setup.sh's packages, their dependencies or the base system`);
  return 0;
}

process.exitCode = check();
