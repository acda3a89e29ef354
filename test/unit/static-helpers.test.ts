// The static helpers shipped in dist/ for remotes without a C compiler: one per `uname -m`, each an
// ELF for its machine, statically linked, built from the current source, and (aarch64, under
// qemu-user) able to run: its version, and the plan reader on a real plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/images';
import { defaultHelperPaths, STATIC_HELPER_RELATIVE } from '../../src/remote/helper-cache';
import { preparePlan } from '../../src/remote/restore-remote';

// e_machine values from the ELF specification (elf.h): EM_X86_64 62, EM_AARCH64 183.
const EM: Record<string, number> = { x86_64: 62, aarch64: 183 };

function elf(path: string): { machine: number; hasInterp: boolean } {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 4).toString('latin1'), '\x7fELF', `${path} is not an ELF file`);
  assert.equal(b[4], 2, 'ELFCLASS64');
  assert.equal(b[5], 1, 'little-endian');
  const machine = b.readUInt16LE(18);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  let hasInterp = false;
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) hasInterp = true; // PT_INTERP
  return { machine, hasInterp };
}

const inCi = process.env.CI === 'true';
const hasCross = spawnSync('aarch64-linux-gnu-gcc', ['--version']).status === 0;
const hasQemu = spawnSync('qemu-aarch64-static', ['--version']).status === 0;

test('one static helper per uname -m (x86_64, aarch64), each for its machine, static, from the current source', { skip: !inCi && !hasCross ? 'aarch64-linux-gnu-gcc not installed (setup.sh installs it; CI fails instead of skipping)' : false }, () => {
  const paths = defaultHelperPaths(ROOT).staticBinaries;
  assert.deepEqual(Object.keys(STATIC_HELPER_RELATIVE).sort(), ['aarch64', 'x86_64']);
  const src = createHash('sha256').update(readFileSync(join(ROOT, 'helper/ckpt-pty-helper.c'))).digest('hex');
  for (const [arch, path] of Object.entries(paths)) {
    assert.ok(existsSync(path), `${path} missing: run npm run build (with setup.sh's cross compiler)`);
    const e = elf(path);
    assert.equal(e.machine, EM[arch], `${arch}: e_machine`);
    assert.equal(e.hasInterp, false, `${arch}: statically linked (no PT_INTERP)`);
    assert.equal(readFileSync(`${path}.source-sha256`, 'utf8').trim(), src, `${arch}: built from the current source`);
  }
});

test('the aarch64 helper runs under qemu-user: --version and the plan reader on a real plan', { skip: !inCi && !(hasCross && hasQemu) ? 'qemu-user-static or the cross compiler not installed (CI fails instead)' : false }, () => {
  const bin = defaultHelperPaths(ROOT).staticBinaries.aarch64;
  assert.ok(bin && existsSync(bin));
  const v = spawnSync('qemu-aarch64-static', [bin, '--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^ckpt-pty-helper \d+\.\d+\.\d+ \(plan version 1\)\n$/);
  const plan = preparePlan(new Uint8Array(readFileSync(join(ROOT, 'samples/pair.ckpt')))).text;
  const c = spawnSync('qemu-aarch64-static', [bin, 'check'], { input: plan, encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stdout, '{"ok":true,"pairs":1}\n');
  const bad = spawnSync('qemu-aarch64-static', [bin, 'check'], { input: plan.replace(/^index \d+$/m, 'index 99999999'), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /plan refused: line \d+: index/);
});
