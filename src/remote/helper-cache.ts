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
  /** Client-side record of installed binary hashes (checked in addition to the remote record). */
  hashStore?: HashStore;
  /** Per ssh round trip. */
  timeoutMs?: number;
  signal?: AbortSignal;
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

function prelude(sourceSha: string): string {
  return [
    'umask 077',
    'x="${XDG_CACHE_HOME:-}"',
    'case "$x" in /*) ;; *) x="${HOME:?HOME is not set}/.cache" ;; esac',
    'c="$x/ckpt-inspector"',
    'a=$(uname -m) || exit 1',
    `d="$c/${sourceSha}-$a"`,
    `b="$d/${HELPER_NAME}"`,
    'h() { if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -c1-64; elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -c1-64; else echo no-sha256-tool; fi; }',
    'fc() { for y in "$@"; do if command -v "$y" >/dev/null 2>&1; then echo "$y"; return 0; fi; done; echo none; }',
  ].join('; ');
}

/** Check the cache and exec the helper (`"$@"` = helper args), or report miss/tampered. */
function runScript(sourceSha: string, expected: string | undefined, compilers: readonly string[], probeOnly: boolean): string {
  const onOk = probeOnly ? `echo "${MARK_CACHE} ok $a $g $d"; exit 0` : 'exec "$b" "$@"';
  return [
    prelude(sourceSha),
    `e=${shQuote(expected ?? '')}`,
    'if [ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] && [ -f "$b" ] && [ -x "$b" ] && [ -f "$b.sha256" ]; then ' +
      'w=$(cat "$b.sha256"); g=$(h "$b"); ' +
      `if [ "$g" = "$w" ] && { [ -z "$e" ] || [ "$g" = "$e" ]; }; then ${onOk}; fi; ` +
      `echo "${MARK_CACHE} tampered $a $g $w $(fc ${compilers.map(shQuote).join(' ')}) $d" >&2; exit ${TAMPERED_CODE}; ` +
      'fi',
    `echo "${MARK_CACHE} miss $a $(fc ${compilers.map(shQuote).join(' ')}) $d" >&2`,
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
  return [
    prelude(sourceSha),
    'mkdir -p "$d" || exit 1',
    'chmod 700 "$c" "$d" || exit 1',
    `if [ -L "$d" ] || [ ! -O "$d" ]; then t=/nonexistent; ${err('the cache directory is not owned by the user')}; fi`,
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

// ---------------------------------------------------------------------------------------------
// Core
// ---------------------------------------------------------------------------------------------

interface Ctx {
  dest: string;
  opts: HelperCacheOptions;
  source: Buffer;
  sourceSha: string;
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
  };
  // `sh -c SCRIPT sh ARGS...`: the login shell only sees quoted words; "$@" carries the args.
  const r = await run(ctx.dest, { script: shJoin(['sh', '-c', script, 'sh', ...args]) }, runOpts);
  ctx.report.roundTrips++;
  ctx.report.trips.push({ purpose, ms: Math.round(r.durationMs), code: r.code });
  return r;
}

async function install(ctx: Ctx, arch: string, compiler: string): Promise<void> {
  const { opts } = ctx;
  const compilers = opts.compilers ?? ['cc', 'gcc'];
  const staticPath = opts.staticBinaries?.[arch];
  const useStatic = staticPath !== undefined && (compiler === 'none' || opts.prefer === 'static') && (await exists(staticPath));
  let script: string;
  let payload: Buffer;
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
    script = installScript(ctx.sourceSha, 'upload', sha256(payload), compilers, [], arch);
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
  opts.hashStore?.set(storeKey(ctx.dest, opts, ctx.sourceSha), ctx.report.binarySha256);
}

async function withCache(dest: string, helperArgs: readonly string[] | undefined, stdin: Buffer | undefined, opts: HelperCacheOptions): Promise<{ result?: RunResult; report: HelperCacheReport }> {
  const source = await readFile(opts.sourcePath);
  const sourceSha = sha256(source);
  const ctx: Ctx = {
    dest,
    opts,
    source,
    sourceSha,
    t0: performance.now(),
    report: { action: 'hit', sourceSha256: sourceSha, tampered: false, roundTrips: 0, trips: [], totalMs: 0 },
  };
  const compilers = opts.compilers ?? ['cc', 'gcc'];
  const probeOnly = helperArgs === undefined;
  const purpose: TripTiming['purpose'] = probeOnly ? 'check' : 'run';
  for (let attempt = 0; attempt < 2; attempt++) {
    const expected = opts.hashStore?.get(storeKey(dest, opts, sourceSha));
    const script = runScript(sourceSha, expected, compilers, probeOnly);
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
    if (m === undefined || (r.code !== MISS_CODE && r.code !== TAMPERED_CODE)) {
      ctx.report.totalMs = Math.round(performance.now() - ctx.t0);
      return { result: r, report: ctx.report };
    }
    if (attempt === 1) throw new HelperInstallError(`${HELPER_NAME} still not usable on ${dest} after installing it: ${r.stderr.trim()}`, r.argv, r.code, r.stderr);
    if (m.kind === 'tampered') {
      const actual = m.rest[0] ?? '';
      const recorded = m.rest[1] ?? '';
      ctx.report.tampered = true;
      opts.log?.(`helper cache on ${dest}: hash mismatch in ${m.dir} (binary ${actual}, recorded ${recorded}${expected ? `, installed by this client ${expected}` : ''})`);
      if ((opts.onTampered ?? 'rebuild') === 'refuse') {
        throw new HelperTamperedError(
          `the cached ${HELPER_NAME} on ${dest} (${m.dir}) does not match its recorded hash; refusing to run it. Remove that directory to reinstall.`,
          actual,
          expected ?? recorded,
        );
      }
      ctx.report.action = 'rebuilt';
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
