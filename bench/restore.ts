// node --import tsx bench/restore.ts [--runs N]
//
// Restore latency with a cached helper (`restore --verify` of samples/pair.ckpt: one ssh call,
// helper run, report parsed) against a bare `ssh HOST true` to the same throwaway sshd in the same
// run (test/harness/sshd.ts), interleaved so that machine load hits both alike. Prints
// {"restoreMs", "bareSshMs", "ratio"} (medians) on stdout; details on stderr. Target: ratio <= 2.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd } from '../test/harness/sshd';
import { preparePlan, verifyRemote, type RemoteOptions } from '../src/remote/restore-remote';
import { run } from '../src/remote/ssh';

const ROOT = join(__dirname, '..');
const argRuns = process.argv.indexOf('--runs');
const RUNS = Math.max(5, argRuns > 0 ? Number(process.argv[argRuns + 1]) || 9 : 9);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'ckpt-bench-restore-'));
  const h = await startSshd({ remoteEnv: { XDG_CACHE_HOME: join(work, 'cache') } });
  try {
    const opts: RemoteOptions = { packageRoot: ROOT, configFile: h.configFile, commandPrefix: h.sshCommandPrefix };
    const plan = preparePlan(new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt'))));
    // Warm: install the helper (compile on the remote) and one run of each.
    const warm = await verifyRemote(h.alias, plan, opts);
    if (!warm.report?.ok) throw new Error(`warm-up restore failed: exit ${warm.exitCode} ${warm.stderr}`);
    await run(h.alias, ['true'], opts);
    const restore: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      const r = await verifyRemote(h.alias, plan, opts);
      const tr = performance.now() - t0;
      if (!r.report?.ok || r.cache.roundTrips !== 1) throw new Error(`restore run ${i}: ok ${r.report?.ok}, ${r.cache.roundTrips} round trips`);
      t0 = performance.now();
      const b = await run(h.alias, ['true'], opts);
      const tb = performance.now() - t0;
      if (b.code !== 0) throw new Error(`ssh true: exit ${b.code}`);
      restore.push(tr);
      bare.push(tb);
      process.stderr.write(`run ${i + 1}/${RUNS}: restore ${tr.toFixed(0)} ms, ssh true ${tb.toFixed(0)} ms\n`);
    }
    const restoreMs = Math.round(median(restore));
    const bareSshMs = Math.round(median(bare));
    process.stderr.write(`harness ${h.mode}; medians of ${RUNS}: restore ${restoreMs} ms, bare ssh ${bareSshMs} ms (target ratio <= 2)\n`);
    process.stdout.write(JSON.stringify({ restoreMs, bareSshMs, ratio: Math.round((restoreMs / bareSshMs) * 100) / 100 }) + '\n');
  } finally {
    await h.teardown();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/restore: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
