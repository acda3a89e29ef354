// scripts/check-setup.mjs against package lists and PATHs it must refuse: the libclang-rt case of
// issue 10 (the fuzz build links runtimes that clang only recommends), and a compiler that comes from
// no Debian package. Each runs one use of the check (--only), not the whole list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/images.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const dir = mkdtempSync(join(tmpdir(), 'ckpt-check-setup-test-'));
const list = readFileSync(join(ROOT, 'scripts/apt-packages.txt'), 'utf8');

function check(args: string[], path = SYSTEM_PATH) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/check-setup.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, PATH: path } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the libFuzzer build passes with setup.sh\'s list and fails without libclang-rt-14-dev, naming the runtime archives', () => {
  const ok = check(['--only', 'libFuzzer']);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /ok {7}libFuzzer target with ASan and UBSan: .*libclang-rt-14-dev \(listed\)/);

  assert.match(list, /\blibclang-rt-14-dev\b/);
  const without = join(dir, 'without-libclang-rt.txt');
  writeFileSync(without, list.replace(/\blibclang-rt-14-dev\b/, ''));
  const bad = check(['--only', 'libFuzzer', '--packages', without]);
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /FAIL {5}libFuzzer target/);
  for (const rt of ['fuzzer', 'asan', 'asan_static']) {
    assert.match(bad.out, new RegExp(`/libclang_rt\\.${rt}-x86_64\\.a: from libclang-rt-14-dev, which setup\\.sh does not install`));
  }
});

test('a gcc earlier on PATH that no Debian package owns fails the check', () => {
  const fake = join(dir, 'bin');
  spawnSync('mkdir', ['-p', fake]);
  writeFileSync(join(fake, 'gcc'), '#!/bin/sh\nexec /usr/bin/gcc "$@"\n');
  chmodSync(join(fake, 'gcc'), 0o755);
  const r = check(['--only', 'gcc'], `${fake}:${SYSTEM_PATH}`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`${fake}/gcc: no Debian package owns it`));
});

test('--only that names no use is an error, not a pass', () => {
  const r = check(['--only', 'no-such-use']);
  assert.equal(r.code, 2, r.out);
});
