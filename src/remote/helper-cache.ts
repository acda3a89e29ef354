/**
 * Makes sure the native helper (`ckpt-pty-helper`) exists on a remote host and runs it there.
 *
 * Remote cache layout (created with umask 077, directories chmod 0700):
 *
 *     ${XDG_CACHE_HOME:-$HOME/.cache}/ckpt-inspector/<sha256 of the C source>-<uname -m>/
 *         ckpt-pty-helper          the binary (0700)
 *         ckpt-pty-helper.sha256   its sha256, recorded at install time
 *
 * Round trips:
 *  - cached: ONE ssh call. A single remote `sh -c` script finds the cache dir, checks that it is
 *    ours and not a symlink, recomputes the binary's sha256 (`sha256sum`, else `shasum -a 256`),
 *    compares it with the recorded one (and with the hash this client recorded at install, when a
 *    {@link HashStore} is given) and only then `exec`s the helper with the plan on stdin.
 *  - miss: that same call reports the arch and the first available compiler (exit 85 + marker on
 *    stderr, the helper does not run); an install call follows (the C source, or for x86_64
 *    without a compiler the static binary built at package time, sent through stdin), then the
 *    run call: three calls on first use.
 *  - tampered (hash mismatch, exit 86 + marker): rebuilt (default) or refused.
 *
 * No image, plan, source or binary data ever appears on a command line: all of it is stdin.
 */
import { createHash } from 'node:crypto';
import { readFile, access } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { run, shQuote, shJoin, SshError, type RunOptions, type RunResult, type SshBaseOptions } from './ssh';

export const HELPER_NAME = 'ckpt-pty-helper';
/** Source path inside the extension package. */
export const HELPER_SOURCE_RELATIVE = 'helper/ckpt-pty-helper.c';
/** The static binaries built at package time, inside the extension package, by `uname -m`. */
export const STATIC_HELPER_RELATIVE: Readonly<Record<string, string>> = {
  x86_64: 'dist/ckpt-pty-helper-x86_64-static',
  aarch64: 'dist/ckpt-pty-helper-aarch64-static',
};

const MISS_CODE = 85;
const TAMPERED_CODE = 86;
const INSTALL_ERROR_CODE = 87;
const UNSAFE_CODE = 88;
const NO_HASH_TOOL_CODE = 89;
/** The first line every remote script prints on stdout and stderr: what comes before is the login shell's. */
export const BEGIN_MARK = 'CKPT-REMOTE-BEGIN';
const MARK_CACHE = 'CKPT-HELPER-CACHE';
const MARK_INSTALLED = 'CKPT-HELPER-INSTALLED';
const MARK_INSTALL_ERROR = 'CKPT-HELPER-INSTALL-ERROR';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** The helper cannot be provided: no compiler and no static binary for this arch. */
export class HelperUnavailableError extends SshError {
  constructor(message: string, readonly arch: string) {
    super(message);
  }
}

/** Installing the helper failed on the remote (compile error, transfer corruption, ...). */
export class HelperInstallError extends SshError {}

/**
 * The remote cache is not private: a directory or the binary is a symlink, is not owned by the
 * user, or is writable by group or others. Never used, never repaired (another user could swap it
 * again): the user decides.
 */
export class HelperCacheUnsafeError extends SshError {
  constructor(message: string, readonly path: string) {
    super(message);
  }
}

/** The cached binary's hash does not match and `onTampered` is `refuse`. */
export class HelperTamperedError extends SshError {
  constructor(message: string, readonly actualSha256: string, readonly recordedSha256: string) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------------

/** Where the client remembers the binary hashes it installed (e.g. backed by VS Code globalState). */
export interface HashStore {
  get(key: string): string | undefined;
  set(key: string, sha256: string): void;
}

export class MemoryHashStore implements HashStore {
  private readonly map = new Map<string, string>();
  get(key: string): string | undefined { return this.map.get(key); }
  set(key: string, sha256: string): void { this.map.set(key, sha256); }
}

export interface HelperCacheOptions extends SshBaseOptions {
  /** The helper's C source (normally `<extension>/helper/ckpt-pty-helper.c`). */
  sourcePath: string;
  /** arch (`uname -m`) → local static binary, used when the remote has no compiler. */
  staticBinaries?: Readonly<Record<string, string>>;
  /** Compilers tried on the remote, in order; default `['cc', 'gcc']`. */
  compilers?: readonly string[];
  /** Flags for the remote compile; default `['-O2']`. `-lutil` is retried automatically. */
  cflags?: readonly string[];
  /** Use the static binary even when the remote has a compiler. Default `compile`. */
  prefer?: 'compile' | 'static';
  /** What to do when the cached binary's hash does not match. Default `rebuild`. */
  onTampered?: 'rebuild' | 'refuse';
  /**
   * Client-side record of the binary hashes this client installed. A cached binary runs only when
   * its hash is one this client computed (the static binary it ships) or recorded at install; the
   * `.sha256` file beside it is never enough. Default: a store for this process only.
   */
  hashStore?: HashStore;
  /** Per ssh round trip; default ssh.ts's DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told once when a cached binary that does not match is replaced (the CLI prints it). */
  onNotice?: (message: string) => void;
}

export interface TripTiming {
  purpose: 'run' | 'check' | 'install';
  ms: number;
  code: number;
}

export interface HelperCacheReport {
  /** `hit`: cached binary verified; `installed`: first install; `rebuilt`: reinstalled after a hash mismatch. */
  action: 'hit' | 'installed' | 'rebuilt';
  /** How the binary got there, when installed in this call. */
  how?: 'compiled' | 'uploaded-static';
  /** Compiler used, when compiled in this call. */
  compiler?: string;
  /** Remote arch, when learnt in this call (always after an install). */
  arch?: string;
  /** Absolute remote cache dir, when learnt in this call. */
  remoteDir?: string;
  /** sha256 of the remote binary, when learnt in this call. */
  binarySha256?: string;
  /** sha256 of the C source (the cache key, with the arch). */
  sourceSha256: string;
  /** A hash mismatch was seen (and repaired, unless refused). */
  tampered: boolean;
  /** Bytes the remote login shell printed on stdout before the scripts started (a banner; the most of one trip). */
  bannerBytes: number;
  /** What came on stderr before the scripts started (ssh's warnings, the shell's messages), first trip that had any. */
  preambleStderr: string;
  roundTrips: number;
  trips: TripTiming[];
  totalMs: number;
}

export interface HelperRunResult extends RunResult {
  cache: HelperCacheReport;
}

// ---------------------------------------------------------------------------------------------
// Remote scripts (single line: no newlines, so any login shell that understands '…' quoting can pass them on)
// ---------------------------------------------------------------------------------------------

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Shell functions shared by every remote script: hash, compiler, private directory and file checks. */
export const SH_FUNCS = [
  'ht() { command -v sha256sum >/dev/null 2>&1 || command -v shasum >/dev/null 2>&1; }',
  'h() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -c1-64; elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -c1-64; else echo no-sha256-tool; fi; }',
  'fc() { for y in "$@"; do if command -v "$y" >/dev/null 2>&1; then echo "$y"; return 0; fi; done; echo none; }',
  // Private: not a symlink, of the right type, owned by this user, not writable by group or others.
  'pm() { case $(ls -ld "$1" 2>/dev/null) in ?????w*|????????w*) return 1;; "") return 1;; esac; }',
  'sd() { [ ! -L "$1" ] && [ -d "$1" ] && [ -O "$1" ] && pm "$1"; }',
  'sf() { [ ! -L "$1" ] && [ -f "$1" ] && [ -O "$1" ] && pm "$1"; }',
].join('; ');

/** First command of every script: the begin line on both streams. */
export const SH_BEGIN = `printf '\\n%s\\n' ${BEGIN_MARK}; printf '\\n%s\\n' ${BEGIN_MARK} >&2`;

function prelude(sourceSha: string): string {
  return [
    SH_BEGIN,
    'umask 077',
    'LC_ALL=C; export LC_ALL',
    'x="${XDG_CACHE_HOME:-}"',
    'case "$x" in /*) ;; *) x="${HOME:?HOME is not set}/.cache" ;; esac',
    'c="$x/ckpt-inspector"',
    'a=$(uname -m) || exit 1',
    `d="$c/${sourceSha}-$a"`,
    `b="$d/${HELPER_NAME}"`,
    SH_FUNCS,
  ].join('; ');
}

/**
 * Check the cache and exec the helper (`"$@"` = helper args), or report miss / tampered / unsafe.
 * `accepted`: the binary hashes this client trusts (space-separated); the recorded `.sha256` only
 * tells a stale install (`unknown`) from a modified one (`tampered`).
 */
function runScript(sourceSha: string, accepted: readonly string[], compilers: readonly string[], probeOnly: boolean): string {
  const onOk = probeOnly ? `echo "${MARK_CACHE} ok $a $g $d"; exit 0` : 'exec "$b" "$@"';
  const cc = `$(fc ${compilers.map(shQuote).join(' ')})`;
  const unsafe = (what: string): string => `{ echo "${MARK_CACHE} unsafe $a ${what}" >&2; exit ${UNSAFE_CODE}; }`;
  return [
    prelude(sourceSha),
    `e=${shQuote(accepted.join(' '))}`,
    `if [ -e "$c" ] || [ -L "$c" ]; then sd "$c" || ${unsafe('$c')}; fi`,
    'if [ -e "$d" ] || [ -L "$d" ]; then ' +
      `sd "$d" || ${unsafe('$d')}; ` +
      'if [ -e "$b" ] || [ -L "$b" ]; then ' +
        `{ sf "$b" && [ -x "$b" ]; } || ${unsafe('$b')}; ` +
        `ht || { echo "${MARK_CACHE} nohash $a - $d" >&2; exit ${NO_HASH_TOOL_CODE}; }; ` +
        'g=$(h "$b"); ' +
        `case " $e " in *" $g "*) ${onOk};; esac; ` +
        'w=; if sf "$b.sha256"; then w=$(cut -c1-64 "$b.sha256"); fi; ' +
        `if [ "$g" = "$w" ]; then k=unknown; else k=tampered; fi; ` +
        `echo "${MARK_CACHE} $k $a $g $\{w:--} ${cc} $d" >&2; exit ${TAMPERED_CODE}; ` +
      'fi; ' +
    'fi',
    `echo "${MARK_CACHE} miss $a ${cc} $d" >&2`,
    `exit ${MISS_CODE}`,
  ].join('; ');
}

/** Install from stdin: `compile` (stdin = C source) or `upload` (stdin = binary for `arch`). */
function installScript(sourceSha: string, mode: 'compile' | 'upload', payloadSha: string, compilers: readonly string[], cflags: readonly string[], arch: string): string {
  const err = (msg: string): string => `{ echo "${MARK_INSTALL_ERROR} ${msg}" >&2; rm -f "$t" "$t.c" "$t.log" "$t.sha"; exit ${INSTALL_ERROR_CODE}; }`;
  const cf = cflags.map(shQuote).join(' ');
  const body =
    mode === 'compile'
      ? [
          'cat > "$t.c" || exit 1',
          `[ "$(h "$t.c")" = ${shQuote(payloadSha)} ] || ${err('the C source was corrupted in transfer')}`,
          `cc=$(fc ${compilers.map(shQuote).join(' ')})`,
          `[ "$cc" != none ] || ${err('no C compiler on the remote host')}`,
          `"$cc" ${cf} -o "$t" "$t.c" 2>"$t.log" || "$cc" ${cf} -o "$t" "$t.c" -lutil 2>>"$t.log" || { cat "$t.log" >&2; ${err('compiling the helper failed')}; }`,
          'rm -f "$t.c" "$t.log"',
        ]
      : [
          `[ "$a" = ${shQuote(arch)} ] || ${err('architecture changed')}`,
          'cat > "$t" || exit 1',
          `[ "$(h "$t")" = ${shQuote(payloadSha)} ] || ${err('the binary was corrupted in transfer')}`,
          'cc=static',
        ];
  // Directories are made one at a time with umask 077 (0700) and never chmod-ed: an existing one
  // must already be private, and a symlink is refused before anything goes through it.
  const mkPrivate = (v: string): string =>
    `if [ -L "${v}" ]; then ${err(`${v} is a symbolic link`)}; fi; ` +
    `[ -d "${v}" ] || mkdir "${v}" || ${err(`cannot create ${v}`)}; ` +
    `sd "${v}" || ${err(`${v} is not a private directory of this user (another owner, or writable by group or others)`)}`;
  return [
    prelude(sourceSha),
    't=/nonexistent',
    `ht || ${err('no sha256sum or shasum on the remote host: the helper cannot be checked there (install coreutils)')}`,
    `mkdir -p "$x" || ${err('cannot create $x')}`,
    mkPrivate('$c'),
    mkPrivate('$d'),
    't="$d/.tmp.$$"',
    'rm -f "$t" "$t.c" "$t.log" "$t.sha"',
    ...body,
    'chmod 700 "$t" || exit 1',
    'g=$(h "$t")',
    `printf '%s\\n' "$g" > "$t.sha" && mv -f "$t" "$b" && mv -f "$t.sha" "$b.sha256" || ${err('could not move the binary into place')}`,
    `echo "${MARK_INSTALLED} $a $g $cc $d"`,
  ].join('; ');
}

interface Marker { kind: string; arch: string; rest: string[]; dir: string }

/** Parse `MARK kind arch f1 f2 DIR...` (the dir may contain spaces: it is the tail). */
function findMarker(text: string, mark: string, fields: number): Marker | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${mark} `)) continue;
    const parts = line.slice(mark.length + 1).split(' ');
    const kind = parts[0] ?? '';
    const arch = parts[1] ?? '';
    const rest = parts.slice(2, 2 + fields);
    const dir = parts.slice(2 + fields).join(' ');
    return { kind, arch, rest, dir };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------------------------

async function exists(p: string): Promise<boolean> {
  try { await access(p); return true; } catch { return false; }
}

/**
 * Build the static helper at package time: `gcc -static -O2 -o OUT SRC`, and write
 * `OUT.source-sha256` so a stale binary is never uploaded for newer source.
 */
export async function buildStaticHelper(sourcePath: string, outPath: string, cc = 'gcc'): Promise<void> {
  const src = await readFile(sourcePath);
  await new Promise<void>((resolve, reject) => {
    execFile(cc, ['-static', '-O2', '-o', outPath, sourcePath], (e, _o, stderr) => (e ? reject(new Error(`${cc} -static failed: ${stderr}`)) : resolve()));
  });
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${outPath}.source-sha256`, `${sha256(src)}\n`);
}

/** Default option values for an installed extension rooted at `extensionRoot`. */
export function defaultHelperPaths(extensionRoot: string): { sourcePath: string; staticBinaries: Record<string, string> } {
  const staticBinaries: Record<string, string> = {};
  for (const [arch, rel] of Object.entries(STATIC_HELPER_RELATIVE)) staticBinaries[arch] = join(extensionRoot, rel);
  return { sourcePath: join(extensionRoot, HELPER_SOURCE_RELATIVE), staticBinaries };
}

function storeKey(dest: string, opts: HelperCacheOptions, sourceSha: string): string {
  return JSON.stringify([dest, opts.configFile ?? '', sourceSha]);
}

/** Used when the caller gives no store: what this process installed. */
const processStore = new MemoryHashStore();

const TRIP_WHAT: Record<TripTiming['purpose'], string> = {
  run: 'running the helper',
  check: 'checking the cached helper',
  install: 'installing the helper',
};

// ---------------------------------------------------------------------------------------------
// Core
// ---------------------------------------------------------------------------------------------

interface Ctx {
  dest: string;
  opts: HelperCacheOptions;
  source: Buffer;
  sourceSha: string;
  store: HashStore;
  report: HelperCacheReport;
  t0: number;
}

async function trip(ctx: Ctx, purpose: TripTiming['purpose'], script: string, args: readonly string[], stdin: Buffer | undefined): Promise<RunResult> {
  const { opts } = ctx;
  const runOpts: RunOptions = {
    ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
    ...(opts.sshPath !== undefined ? { sshPath: opts.sshPath } : {}),
    ...(opts.commandPrefix !== undefined ? { commandPrefix: opts.commandPrefix } : {}),
    ...(opts.connectTimeoutSec !== undefined ? { connectTimeoutSec: opts.connectTimeoutSec } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    what: TRIP_WHAT[purpose],
    begin: BEGIN_MARK,
  };
  // `sh -c SCRIPT sh ARGS...`: the login shell only sees quoted words; "$@" carries the args.
  const r = await run(ctx.dest, { script: shJoin(['sh', '-c', script, 'sh', ...args]) }, runOpts);
  ctx.report.roundTrips++;
  ctx.report.trips.push({ purpose, ms: Math.round(r.durationMs), code: r.code });
  if (r.preamble) {
    ctx.report.bannerBytes = Math.max(ctx.report.bannerBytes, r.preamble.stdoutBytes);
    if (ctx.report.preambleStderr === '' && r.preamble.stderrText !== '') ctx.report.preambleStderr = r.preamble.stderrText;
    if (!r.preamble.seen) {
      // The script never started: not our sh (a forced command?), or the login shell failed.
      const said = r.stderr.trim() || r.preamble.stderrText.trim();
      throw new HelperInstallError(
        `the remote command on ${ctx.dest} did not start (exit ${r.code}${r.preamble.stdoutBytes ? `, ${r.preamble.stdoutBytes} bytes on stdout` : ''})` +
          `${said ? `: ${said.slice(0, 500)}` : ''}`,
        r.argv, r.code, r.stderr,
      );
    }
  }
  return r;
}

/** The hashes a cached binary may have: the shipped static binaries', and what this client recorded. */
async function acceptedHashes(ctx: Ctx): Promise<string[]> {
  const out: string[] = [];
  const recorded = ctx.store.get(storeKey(ctx.dest, ctx.opts, ctx.sourceSha));
  if (recorded !== undefined && /^[0-9a-f]{64}$/.test(recorded)) out.push(recorded);
  for (const p of Object.values(ctx.opts.staticBinaries ?? {})) {
    const sidecar = `${p}.source-sha256`;
    if (!(await exists(p)) || !(await exists(sidecar))) continue;
    if ((await readFile(sidecar, 'utf8')).trim() !== ctx.sourceSha) continue;
    out.push(sha256(await readFile(p)));
  }
  return out;
}

async function install(ctx: Ctx, arch: string, compiler: string): Promise<void> {
  const { opts } = ctx;
  const compilers = opts.compilers ?? ['cc', 'gcc'];
  const staticPath = opts.staticBinaries?.[arch];
  const useStatic = staticPath !== undefined && (compiler === 'none' || opts.prefer === 'static') && (await exists(staticPath));
  let script: string;
  let payload: Buffer;
  let expectBinary: string | undefined;
  if (compiler !== 'none' && !useStatic) {
    payload = ctx.source;
    script = installScript(ctx.sourceSha, 'compile', ctx.sourceSha, compilers, opts.cflags ?? ['-O2'], arch);
    ctx.report.how = 'compiled';
    ctx.report.compiler = compiler;
  } else if (useStatic && staticPath !== undefined) {
    payload = await readFile(staticPath);
    const sidecar = `${staticPath}.source-sha256`;
    if (await exists(sidecar)) {
      const built = (await readFile(sidecar, 'utf8')).trim();
      if (built !== ctx.sourceSha) {
        throw new HelperUnavailableError(`the static helper ${staticPath} was built from other source (${built.slice(0, 12)}…, expected ${ctx.sourceSha.slice(0, 12)}…): rebuild the package`, arch);
      }
    }
    expectBinary = sha256(payload);
    script = installScript(ctx.sourceSha, 'upload', expectBinary, compilers, [], arch);
    ctx.report.how = 'uploaded-static';
  } else {
    throw new HelperUnavailableError(
      `the remote host (${arch}) has no C compiler (tried ${compilers.join(', ')}) and no prebuilt helper exists for ${arch}` +
        (Object.keys(opts.staticBinaries ?? {}).length ? ` (prebuilt: ${Object.keys(opts.staticBinaries ?? {}).join(', ')})` : '') +
        '. Install a C compiler on the remote host (e.g. `apt-get install gcc`).',
      arch,
    );
  }
  const r = await trip(ctx, 'install', script, [], payload);
  if (r.code !== 0) {
    const msg = r.stderr.split('\n').filter((l) => l.startsWith(MARK_INSTALL_ERROR)).map((l) => l.slice(MARK_INSTALL_ERROR.length + 1)).join('; ');
    throw new HelperInstallError(`installing ${HELPER_NAME} on ${ctx.dest} failed (exit ${r.code}): ${msg || r.stderr.trim()}`, r.argv, r.code, r.stderr);
  }
  // Line: CKPT-HELPER-INSTALLED <arch> <sha> <cc> <dir...>
  const line = r.stdout.toString('utf8').split('\n').find((l) => l.startsWith(`${MARK_INSTALLED} `));
  if (!line) throw new HelperInstallError(`unexpected install answer from ${ctx.dest}: ${r.stdout.toString('utf8').slice(0, 200)}`, r.argv, r.code, r.stderr);
  const parts = line.split(' ');
  ctx.report.arch = parts[1] ?? arch;
  ctx.report.binarySha256 = parts[2] ?? '';
  ctx.report.remoteDir = parts.slice(4).join(' ');
  if (!/^[0-9a-f]{64}$/.test(ctx.report.binarySha256)) throw new HelperInstallError(`the remote host cannot compute sha256 (no sha256sum or shasum)`, r.argv, r.code, r.stderr);
  if (expectBinary !== undefined && ctx.report.binarySha256 !== expectBinary) {
    throw new HelperInstallError(`the helper uploaded to ${ctx.dest} has another hash once in place (${ctx.report.binarySha256}, sent ${expectBinary})`, r.argv, r.code, r.stderr);
  }
  ctx.store.set(storeKey(ctx.dest, opts, ctx.sourceSha), ctx.report.binarySha256);
}

async function withCache(dest: string, helperArgs: readonly string[] | undefined, stdin: Buffer | undefined, opts: HelperCacheOptions): Promise<{ result?: RunResult; report: HelperCacheReport }> {
  const source = await readFile(opts.sourcePath);
  const sourceSha = sha256(source);
  const ctx: Ctx = {
    dest,
    opts,
    source,
    sourceSha,
    store: opts.hashStore ?? processStore,
    t0: performance.now(),
    report: { action: 'hit', sourceSha256: sourceSha, tampered: false, bannerBytes: 0, preambleStderr: '', roundTrips: 0, trips: [], totalMs: 0 },
  };
  const compilers = opts.compilers ?? ['cc', 'gcc'];
  const probeOnly = helperArgs === undefined;
  const purpose: TripTiming['purpose'] = probeOnly ? 'check' : 'run';
  for (let attempt = 0; attempt < 2; attempt++) {
    const accepted = await acceptedHashes(ctx);
    const script = runScript(sourceSha, accepted, compilers, probeOnly);
    const r = await trip(ctx, purpose, script, helperArgs ?? [], probeOnly ? undefined : stdin);
    const m = findMarker(r.stderr, MARK_CACHE, r.code === TAMPERED_CODE ? 3 : 1);
    if (r.code === 0 && probeOnly) {
      const ok = findMarker(r.stdout.toString('utf8'), MARK_CACHE, 1);
      if (ok) {
        ctx.report.arch = ok.arch;
        ctx.report.binarySha256 = ok.rest[0] ?? '';
        ctx.report.remoteDir = ok.dir;
      }
    }
    if (m !== undefined && r.code === UNSAFE_CODE && m.kind === 'unsafe') {
      const path = [...m.rest, m.dir].filter((x) => x !== '').join(' ');
      throw new HelperCacheUnsafeError(
        `the helper cache on ${dest} is not private: ${path} is a symbolic link, is not owned by the remote user, or is writable by group or others. ` +
          `Nothing was run from it. Check who else can write there, then remove it (rm -rf -- ${shQuote(path)}) so that it is made again.`,
        path,
      );
    }
    if (m !== undefined && r.code === NO_HASH_TOOL_CODE && m.kind === 'nohash') {
      throw new HelperUnavailableError(`the remote host ${dest} has no sha256sum or shasum: the cached helper cannot be checked, so it is not run (install coreutils there)`, m.arch);
    }
    if (m === undefined || (r.code !== MISS_CODE && r.code !== TAMPERED_CODE)) {
      ctx.report.totalMs = Math.round(performance.now() - ctx.t0);
      return { result: r, report: ctx.report };
    }
    if (attempt === 1) throw new HelperInstallError(`${HELPER_NAME} still not usable on ${dest} after installing it: ${r.stderr.trim()}`, r.argv, r.code, r.stderr);
    if (m.kind === 'tampered' || m.kind === 'unknown') {
      const actual = m.rest[0] ?? '';
      const recorded = m.rest[1] ?? '';
      // Modified beside its checksum, or not the binary this client recorded for this host: said.
      // Without a record (another client, another config file) it is only replaced.
      const recordedHere = ctx.store.get(storeKey(dest, opts, sourceSha)) !== undefined;
      const tampered = m.kind === 'tampered' || recordedHere;
      const what = m.kind === 'tampered'
        ? `the cached ${HELPER_NAME} on ${dest} (${m.dir}) does not match the hash recorded beside it (binary ${actual}, recorded ${recorded})`
        : recordedHere
          ? `the cached ${HELPER_NAME} on ${dest} (${m.dir}) is not the one this client installed or ships (binary ${actual}, expected ${accepted.join(' or ')})`
          : `the cached ${HELPER_NAME} on ${dest} (${m.dir}) was not installed by this client`;
      opts.log?.(`helper cache: ${what}`);
      if (tampered) {
        ctx.report.tampered = true;
        if ((opts.onTampered ?? 'rebuild') === 'refuse') {
          throw new HelperTamperedError(`${what}; refusing to run it. Remove that directory to reinstall.`, actual, accepted[0] ?? recorded);
        }
        opts.onNotice?.(`${what}; it was not run and is being replaced`);
      }
      ctx.report.action = tampered ? 'rebuilt' : 'installed';
      await install(ctx, m.arch, m.rest[2] ?? 'none');
    } else {
      ctx.report.action = 'installed';
      await install(ctx, m.arch, m.rest[0] ?? 'none');
    }
  }
  throw new Error('unreachable');
}

/**
 * Run the helper on `dest` with `helperArgs` (e.g. `['restore', '--verify']`), feeding `stdin`
 * (the restore plan) to it. One ssh call when the helper is cached; installs it first otherwise.
 * The result is the helper's own exit status and output, plus a cache report.
 */
export async function runHelper(dest: string, helperArgs: readonly string[], stdin: Buffer, opts: HelperCacheOptions): Promise<HelperRunResult> {
  const { result, report } = await withCache(dest, helperArgs, stdin, opts);
  if (!result) throw new Error('no result');
  return { ...result, cache: report };
}

/** Make sure the helper is installed and intact on `dest` without running it. */
export async function ensureHelper(dest: string, opts: HelperCacheOptions): Promise<HelperCacheReport> {
  const { result, report } = await withCache(dest, undefined, undefined, opts);
  if (result && result.code !== 0) {
    throw new HelperInstallError(`checking ${HELPER_NAME} on ${dest} failed (exit ${result.code}): ${result.stderr.trim()}`, result.argv, result.code, result.stderr);
  }
  return report;
}
