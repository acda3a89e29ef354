/**
 * SSH transport and remote helper cache, against a real OpenSSH server (test/harness/sshd.ts).
 * Needs root for the network-namespace mode (falls back to loopback), openssh-server,
 * openssh-client, iproute2, util-linux (unshare), gcc with a static libc (libc6-dev).
 *
 *     node --import tsx --test test/unit/ssh-transport.test.ts
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile, readFile, stat, rm, appendFile, readdir, chmod } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSshd, type SshdHarness } from '../harness/sshd';
import {
  run, resolveHost, shQuote, shJoin, validateDestination, buildRunArgv,
  HostKeyError, InvalidDestinationError, SshTimeoutError, SshAbortError, SshError, type RunOptions,
} from '../../src/remote/ssh';
import {
  runHelper, ensureHelper, buildStaticHelper, MemoryHashStore,
  HelperTamperedError, HelperUnavailableError, type HelperCacheOptions,
} from '../../src/remote/helper-cache';

const REAL_HELPER = resolve(__dirname, '../../helper/ckpt-pty-helper.c');

const PLACEHOLDER_C = `
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Placeholder for ckpt-pty-helper: echoes its args and a checksum of stdin. VARIANT */
int main(int argc, char **argv) {
  unsigned long long n = 0, sum = 0; unsigned char buf[65536]; ssize_t k;
  while ((k = read(0, buf, sizeof buf)) > 0) { for (ssize_t i = 0; i < k; i++) sum = (sum * 31 + buf[i]) % 1000000007ULL; n += (unsigned long long)k; }
  printf("placeholder-helper args=");
  for (int i = 1; i < argc; i++) printf("%s[%s]", i > 1 ? "," : "", argv[i]);
  printf(" bytes=%llu sum=%llu\\n", n, sum);
  return argc > 1 && strcmp(argv[1], "fail") == 0 ? 7 : 0;
}
`;

function checksum(b: Buffer): string {
  let sum = 0n;
  for (const x of b) sum = (sum * 31n + BigInt(x)) % 1000000007n;
  return `bytes=${b.length} sum=${sum}`;
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };

let h: SshdHarness;
let work: string;
let remoteCache: string;
let marker: string;
let o: RunOptions;

function markerAbsent(): void {
  assert.equal(existsSync(marker), false, `marker ${marker} must not exist`);
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ckpt-ssh-test-'));
  remoteCache = join(work, 'remote-cache');
  marker = join(work, 'pwned');
  h = await startSshd({ remoteEnv: { XDG_CACHE_HOME: remoteCache }, log: (l) => console.log(`${l}`) });
  o = { configFile: h.configFile, commandPrefix: h.sshCommandPrefix };
  console.log(`harness mode=${h.mode} host=${h.hostName}:${h.port} prefix=${JSON.stringify(h.sshCommandPrefix)}`);
});

after(async () => {
  await h?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('harness', () => {
  test('the remote host is a separate namespace with its own hostname and devpts', async (t) => {
    if (h.mode !== 'netns') { t.skip('netns unavailable: loopback fallback'); return; }
    const r = await run(h.alias, ['sh', '-c', 'hostname; echo "$SSH_CONNECTION"; ls /dev/pts; tty || true'], o);
    const lines = r.stdout.toString().split('\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines[0], 'h1');
    assert.match(lines[1] ?? '', new RegExp(`^${h.clientAddress?.replace(/\./g, '\\.')} \\d+ ${h.hostName.replace(/\./g, '\\.')} 22$`));
    assert.equal(lines[2], 'ptmx');
    assert.equal(lines[3], 'not a tty');
    // Not reachable from the root namespace (no prefix).
    await assert.rejects(run(h.alias, ['true'], { configFile: h.configFile, connectTimeoutSec: 1 }), SshError);
  });
});

describe('ssh transport', () => {
  test('ssh -G resolution through a config file', async () => {
    const r = await resolveHost(h.alias, o);
    assert.equal(r.hostname, h.hostName);
    assert.equal(r.user, 'root');
    assert.equal(r.port, h.port);
    assert.deepEqual(r.identityFiles, [h.clientKey]);
    assert.deepEqual(r.userKnownHostsFiles, [h.knownHostsFile]);
    assert.equal(r.strictHostKeyChecking, 'yes');
    const other = await resolveHost('otheruser@some-unconfigured-host', o);
    assert.equal(other.hostname, 'some-unconfigured-host');
    assert.equal(other.user, 'otheruser');
  });

  test('argv: -T, BatchMode=yes, -- before the destination, never StrictHostKeyChecking=no', () => {
    const argv = buildRunArgv('host', 'true', { configFile: '/x/cfg' });
    const dd = argv.indexOf('--');
    assert.ok(argv.includes('-T'));
    assert.ok(argv.includes('BatchMode=yes'));
    assert.equal(argv[dd + 1], 'host');
    assert.ok(!argv.some((a) => /StrictHostKeyChecking/i.test(a)));
  });

  test('binary data through stdin arrives intact (256 byte values, CR LF, 1 MB)', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const data = Buffer.concat([all, Buffer.from('\r\n\r\n\x03\x04\x1a\x00'), randomBytes(1 << 20), all]);
    const t0 = performance.now();
    const echo = await run(h.alias, ['cat'], { ...o, stdin: data });
    const ms = performance.now() - t0;
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout.length, data.length);
    assert.ok(echo.stdout.equals(data), 'round trip identical');
    const sum = await run(h.alias, ['sha256sum'], { ...o, stdin: data });
    assert.equal(sum.stdout.toString().slice(0, 64), sha(data));
    console.log(`${data.length} bytes echoed through ssh in ${ms.toFixed(0)} ms`);
  });

  test('exit codes propagate', async () => {
    for (const code of [0, 1, 42, 254]) {
      const r = await run(h.alias, ['sh', '-c', `exit ${code}`], o);
      assert.equal(r.code, code);
    }
  });

  test('every remote argument is quoted: metacharacters in arguments run nothing', async () => {
    const args = ['a b', "it's", `$(touch ${marker})`, `\`touch ${marker}\``, `;touch ${marker}`, `|touch ${marker}`, '&&', '*', '\\', '"', '~', 'new\nline', '', '#x', '%s'];
    const r = await run(h.alias, ['printf', '<%s>\\n', ...args], o);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), args.map((a) => `<${a}>\n`).join(''));
    markerAbsent();
    assert.equal(shQuote("it's"), `'it'\\''s'`);
    assert.equal(shJoin(['echo', '']), `echo ''`);
  });

  test('unknown host key: typed error with an acceptance hint, nothing ran', async () => {
    const emptyKh = join(work, 'empty_known_hosts');
    await writeFile(emptyKh, '');
    const cfg = join(work, 'ssh_config_unknown');
    const base = await readFile(h.configFile, 'utf8');
    await writeFile(cfg, base.replace(h.knownHostsFile, emptyKh));
    const err = await run(h.alias, ['touch', marker], { ...o, configFile: cfg }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof HostKeyError, `got ${String(err)}`);
    assert.equal(err.problem, 'unknown');
    assert.match(err.message, /ssh -F .* -- ckpt-remote/);
    assert.ok(err.message.includes(h.port === 22 ? `ssh-keyscan ${h.hostName}` : `ssh-keyscan -p ${h.port} ${h.hostName}`), err.message);
    console.log(`hint: ${err.message}`);
    assert.match(err.message, /never accepted automatically/);
    markerAbsent();
    assert.equal((await readFile(emptyKh, 'utf8')), '', 'known_hosts untouched');
    console.log(`unknown-key stderr: ${err.stderr.trim().replace(/\n/g, ' | ')}`);

    // A different key on record: "changed".
    const otherKey = join(work, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const pub = (await readFile(`${otherKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const wrongKh = join(work, 'wrong_known_hosts');
    await writeFile(wrongKh, `${h.port === 22 ? h.hostName : `[${h.hostName}]:${h.port}`} ${pub}\n`);
    await writeFile(cfg, base.replace(h.knownHostsFile, wrongKh));
    const err2 = await run(h.alias, ['touch', marker], { ...o, configFile: cfg }).then(() => undefined, (e: unknown) => e);
    assert.ok(err2 instanceof HostKeyError, `got ${String(err2)}`);
    assert.equal(err2.problem, 'changed');
    markerAbsent();
  });

  test('metacharacter destinations and options run nothing', async () => {
    const bad = [
      `x;touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `x|touch ${marker}`, `x&&touch ${marker}`,
      `-oProxyCommand=touch ${marker}`, '-v', `x\ntouch ${marker}`, 'a b', "x'y", 'x"y', 'x>y', 'x\u0000y', 'x\u001b[1m', '',
    ];
    for (const d of bad) {
      assert.throws(() => validateDestination(d), InvalidDestinationError, JSON.stringify(d));
      await assert.rejects(run(d, ['true'], o), InvalidDestinationError);
      await assert.rejects(resolveHost(d, o), InvalidDestinationError);
      await assert.rejects(runHelper(d, ['probe'], Buffer.alloc(0), { ...o, sourcePath: '/nonexistent' }), /InvalidDestination|ENOENT/);
    }
    // Metacharacters in option values reach ssh as literal argv words (no shell anywhere).
    await assert.rejects(run(h.alias, ['true'], { ...o, configFile: `${work}/$(touch ${marker})` }), SshError);
    await assert.rejects(run(h.alias, ['true'], { ...o, configFile: `${work}/x;touch ${marker}` }), SshError);
    await assert.rejects(resolveHost(h.alias, { ...o, configFile: `${work}/\`touch ${marker}\`` }), SshError);
    await assert.rejects(run(h.alias, ['true'], { ...o, configFile: '-oProxyCommand=sh' }), /starts with "-"/);
    // The remote user part with metacharacters is refused too.
    await assert.rejects(run(`root;touch ${marker}@${h.alias}`, ['true'], o), InvalidDestinationError);
    // Accepted forms still work.
    for (const d of ['root@ckpt-remote', 'ckpt-remote']) assert.equal((await run(d, ['true'], o)).code, 0);
    validateDestination('user@[fe80::1%eth0]');
    validateDestination('ssh://user@host.example:2222');
    markerAbsent();
  });

  test('timeout and abort kill ssh and reject with typed errors', async () => {
    const t0 = performance.now();
    await assert.rejects(run(h.alias, ['sleep', '30'], { ...o, timeoutMs: 1500 }), SshTimeoutError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    await assert.rejects(run(h.alias, ['sleep', '30'], { ...o, signal: ac.signal }), SshAbortError);
    assert.ok(performance.now() - t0 < 10_000);
  });
});

describe('helper cache', () => {
  let src: string;
  let hopts: HelperCacheOptions;
  const trips: string[] = [];

  before(async () => {
    src = join(work, 'placeholder-helper.c');
    await writeFile(src, PLACEHOLDER_C);
    hopts = { ...o, sourcePath: src, log: (l) => trips.push(l) };
  });

  test('first call compiles and installs (0700 dirs), second call hits the cache in one round trip', async () => {
    const plan = Buffer.concat([Buffer.from('PLAN\r\n\0\xff'), randomBytes(100_000)]);
    const first = await runHelper(h.alias, ['restore', '--verify', 'a b;$(x)'], plan, hopts);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.toString(), `placeholder-helper args=[restore],[--verify],[a b;$(x)] ${checksum(plan)}\n`);
    assert.equal(first.cache.action, 'installed');
    assert.equal(first.cache.how, 'compiled');
    assert.equal(first.cache.roundTrips, 3);
    const dir = first.cache.remoteDir ?? '';
    assert.equal(dir, join(remoteCache, 'ckpt-inspector', `${sha(await readFile(src))}-${first.cache.arch}`));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(remoteCache, 'ckpt-inspector'))).mode & 0o777, 0o700);
    const bin = join(dir, 'ckpt-pty-helper');
    assert.equal((await readFile(`${bin}.sha256`, 'utf8')).trim(), sha(await readFile(bin)));
    assert.equal(first.cache.binarySha256, sha(await readFile(bin)));
    assert.deepEqual((await readdir(dir)).sort(), ['ckpt-pty-helper', 'ckpt-pty-helper.sha256'], 'no temp files left');

    const second = await runHelper(h.alias, ['probe'], plan, hopts);
    assert.equal(second.code, 0);
    assert.equal(second.cache.action, 'hit');
    assert.equal(second.cache.roundTrips, 1);
    assert.equal(second.stdout.toString(), `placeholder-helper args=[probe] ${checksum(plan)}\n`);
    const fail = await runHelper(h.alias, ['fail'], Buffer.alloc(0), hopts);
    assert.equal(fail.code, 7, 'helper exit status propagates');
    assert.equal(fail.cache.roundTrips, 1);
    console.log(`helper cache: first call ${first.cache.roundTrips} round trips ${first.cache.totalMs} ms ${JSON.stringify(first.cache.trips)}`);
    console.log(`helper cache: cached call ${second.cache.roundTrips} round trip ${second.cache.totalMs} ms ${JSON.stringify(second.cache.trips)}`);
    // Nothing of the plan on any command line.
    assert.ok(!trips.some((l) => l.includes('PLAN')));
  });

  test('ensureHelper reports a verified cache without running the helper', async () => {
    const rep = await ensureHelper(h.alias, hopts);
    assert.equal(rep.action, 'hit');
    assert.equal(rep.roundTrips, 1);
    assert.match(rep.binarySha256 ?? '', /^[0-9a-f]{64}$/);
  });

  test('a tampered cached binary is detected: rebuilt by default, refused on request', async () => {
    const first = await ensureHelper(h.alias, hopts);
    const bin = join(first.remoteDir ?? '', 'ckpt-pty-helper');
    // Replace the binary by a script that would leave the marker if it ever ran.
    await writeFile(bin, `#!/bin/sh\ntouch ${marker}\n`);
    await chmod(bin, 0o700);
    await assert.rejects(runHelper(h.alias, ['probe'], Buffer.from('x'), { ...hopts, onTampered: 'refuse' }), HelperTamperedError);
    markerAbsent();
    const rebuilt = await runHelper(h.alias, ['probe'], Buffer.from('x'), hopts);
    assert.equal(rebuilt.cache.action, 'rebuilt');
    assert.equal(rebuilt.cache.tampered, true);
    assert.equal(rebuilt.cache.roundTrips, 3);
    assert.equal(rebuilt.stdout.toString(), `placeholder-helper args=[probe] ${checksum(Buffer.from('x'))}\n`);
    markerAbsent();
    console.log(`tampered: detected and rebuilt in ${rebuilt.cache.roundTrips} round trips, ${rebuilt.cache.totalMs} ms`);

    // Appending a byte is detected as well.
    await appendFile(bin, Buffer.from([0]));
    const again = await runHelper(h.alias, ['probe'], Buffer.alloc(0), hopts);
    assert.equal(again.cache.action, 'rebuilt');

    // Rewriting binary AND recorded hash consistently is caught by the client-side hash record.
    const store = new MemoryHashStore();
    await rm(first.remoteDir ?? '', { recursive: true });
    const inst = await runHelper(h.alias, ['probe'], Buffer.alloc(0), { ...hopts, hashStore: store });
    assert.equal(inst.cache.action, 'installed');
    const evil = Buffer.from(`#!/bin/sh\ntouch ${marker}\n`);
    await writeFile(bin, evil);
    await writeFile(`${bin}.sha256`, `${sha(evil)}\n`);
    await assert.rejects(runHelper(h.alias, ['probe'], Buffer.alloc(0), { ...hopts, hashStore: store, onTampered: 'refuse' }), HelperTamperedError);
    markerAbsent();
    const fixed = await runHelper(h.alias, ['probe'], Buffer.alloc(0), { ...hopts, hashStore: store });
    assert.equal(fixed.cache.action, 'rebuilt');
    assert.equal(fixed.code, 0);
    markerAbsent();
  });

  test('x86_64 remote without a compiler gets the static binary built at package time', async (t) => {
    const arch = execFileSync('uname', ['-m']).toString().trim();
    if (arch !== 'x86_64') { t.skip('static fallback is for x86_64 remotes'); return; }
    const src2 = join(work, 'placeholder-static.c');
    await writeFile(src2, PLACEHOLDER_C.replace('VARIANT', 'static variant'));
    const staticBin = join(work, 'dist', 'ckpt-pty-helper-x86_64-static');
    await import('node:fs/promises').then((f) => f.mkdir(join(work, 'dist')));
    await buildStaticHelper(src2, staticBin);
    const ldd = spawnSync('ldd', [staticBin], { encoding: 'utf8' });
    assert.match(`${ldd.stdout}${ldd.stderr}`, /not a dynamic executable|statically linked/);
    const noCc: HelperCacheOptions = { ...o, sourcePath: src2, compilers: ['no-such-cc'] };
    await assert.rejects(runHelper(h.alias, ['probe'], Buffer.alloc(0), noCc), HelperUnavailableError);
    const r = await runHelper(h.alias, ['probe'], Buffer.from('abc'), { ...noCc, staticBinaries: { x86_64: staticBin } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.cache.how, 'uploaded-static');
    assert.equal(r.cache.binarySha256, sha(await readFile(staticBin)));
    assert.equal(r.stdout.toString(), `placeholder-helper args=[probe] ${checksum(Buffer.from('abc'))}\n`);
    const hit = await runHelper(h.alias, ['probe'], Buffer.alloc(0), { ...noCc, staticBinaries: { x86_64: staticBin } });
    assert.equal(hit.cache.action, 'hit');
    // A static binary built from other source is never uploaded.
    const src3 = join(work, 'placeholder-newer.c');
    await writeFile(src3, PLACEHOLDER_C.replace('VARIANT', 'newer'));
    await assert.rejects(
      runHelper(h.alias, ['probe'], Buffer.alloc(0), { ...o, sourcePath: src3, compilers: ['no-such-cc'], staticBinaries: { x86_64: staticBin } }),
      /built from other source/,
    );
  });

  test('the real helper source compiles on the remote (when present)', async (t) => {
    if (!existsSync(REAL_HELPER)) { t.skip('helper/ckpt-pty-helper.c not written yet'); return; }
    const rep = await ensureHelper(h.alias, { ...o, sourcePath: REAL_HELPER });
    assert.ok(rep.action === 'installed' || rep.action === 'hit');
    console.log(`real helper: ${rep.action} ${rep.how ?? ''} in ${rep.roundTrips} round trips, ${rep.totalMs} ms`);
  });

  test('latency: bare `ssh HOST true` vs a cached helper call', async () => {
    const n = 5;
    const bare: number[] = [];
    const helper: number[] = [];
    const nsOnly: number[] = [];
    // The tests before replaced the binary behind this client's record: reinstall it first.
    await ensureHelper(h.alias, hopts);
    for (let i = 0; i < n; i++) {
      let t0 = performance.now();
      await run(h.alias, ['true'], o);
      bare.push(performance.now() - t0);
      t0 = performance.now();
      const r = await runHelper(h.alias, ['probe'], Buffer.from('plan'), hopts);
      helper.push(performance.now() - t0);
      assert.equal(r.cache.roundTrips, 1);
      if (h.sshCommandPrefix.length) {
        t0 = performance.now();
        execFileSync(h.sshCommandPrefix[0] ?? 'ip', [...h.sshCommandPrefix.slice(1), 'true']);
        nsOnly.push(performance.now() - t0);
      }
    }
    console.log(`latency (median of ${n}): bare ssh true ${median(bare).toFixed(0)} ms; cached helper call ${median(helper).toFixed(0)} ms` +
      (nsOnly.length ? `; of which 'ip netns exec' wrapper alone ${median(nsOnly).toFixed(0)} ms` : ''));
  });
});

describe('loopback fallback and teardown', () => {
  test('loopback mode works (127.0.0.1, free port, no prefix)', async () => {
    const lb = await startSshd({ mode: 'loopback' });
    try {
      assert.equal(lb.hostName, '127.0.0.1');
      assert.deepEqual(lb.sshCommandPrefix, []);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await run(lb.alias, ['sh', '-c', 'exit 42'], { configFile: lb.configFile });
        times.push(performance.now() - t0);
        assert.equal(r.code, 42);
      }
      console.log(`loopback: bare ssh call median ${median(times).toFixed(0)} ms`);
    } finally {
      await lb.teardown();
    }
    assert.equal(lb.sshdAlive(), false);
    assert.equal(existsSync(lb.dir), false);
  });

  test('teardown leaves no sshd process and no namespace', async () => {
    const pid = h.sshdPid;
    const ns = [h.clientNamespace, h.hostNamespace].filter((x): x is string => x !== undefined);
    // Leave a session behind on purpose: teardown must still clean up.
    void run(h.alias, ['sleep', '60'], { ...o, timeoutMs: 20_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 800));
    await h.teardown();
    assert.equal(h.sshdAlive(), false, `sshd ${pid} still running`);
    const list = execFileSync('ip', ['netns', 'list']).toString();
    for (const n of ns) assert.ok(!list.includes(n), `namespace ${n} still there`);
    assert.equal(existsSync(h.dir), false);
    const sshds = execFileSync('sh', ['-c', 'pgrep -x sshd -a || true']).toString();
    assert.ok(!sshds.includes(h.dir), `sshd left: ${sshds}`);
  });
});
