// The ckpt-inspect launcher the extension puts on the integrated terminal's PATH, run by a real sh:
// it starts the CLI with the given Node, passes arguments through untouched, and survives paths with
// spaces, quotes and `$` in them (an extension or storage folder can have any name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchers } from '../../src/extension/cli-launcher';

const ROOT = join(__dirname, '../..');

test('the launcher runs bin/ckpt-inspect.js with the given node, arguments intact, from a folder with a hostile name', () => {
  const dir = mkdtempSync(join(tmpdir(), "ckpt launcher $HOME 'q' `x` "));
  try {
    // A copy of the package's bin/ and dist/ under the hostile name.
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(ROOT, 'bin/ckpt-inspect.js'), join(dir, 'bin/ckpt-inspect.js'));
    copyFileSync(join(ROOT, 'dist/cli.js'), join(dir, 'dist/cli.js'));
    const [l] = launchers(process.execPath, join(dir, 'bin/ckpt-inspect.js'), false, 'linux');
    assert.ok(l);
    const file = join(dir, l.name);
    writeFileSync(file, l.text);
    chmodSync(file, l.mode);
    const sample = join(dir, "an image; with 'quotes' $(touch pwned).ckpt");
    copyFileSync(join(ROOT, 'samples/pair.ckpt'), sample);
    const r = spawnSync(file, ['--json', sample], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { source: { path: string }; ttys: unknown[] };
    assert.equal(j.source.path, sample);
    assert.equal(j.ttys.length, 2);
    assert.equal(existsSync(join(dir, 'pwned')), false, 'nothing in a name was run');
    const bad = spawnSync(file, ['/nonexistent/x.ckpt'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, 'the exit status passes through');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('under Electron the launcher sets ELECTRON_RUN_AS_NODE; on Windows a .cmd comes too', () => {
  const [sh] = launchers('/opt/Code/code', '/ext/bin/ckpt-inspect.js', true, 'linux');
  assert.match(sh!.text, /^ELECTRON_RUN_AS_NODE=1 exec '\/opt\/Code\/code' '\/ext\/bin\/ckpt-inspect.js' "\$@"$/m);
  const [plain] = launchers('/usr/bin/node', '/ext/bin/ckpt-inspect.js', false, 'linux');
  assert.doesNotMatch(plain!.text, /ELECTRON_RUN_AS_NODE/);
  const win = launchers('C:\\Code\\Code.exe', 'C:\\ext\\bin\\ckpt-inspect.js', true, 'win32');
  assert.deepEqual(win.map((l) => l.name), ['ckpt-inspect', 'ckpt-inspect.cmd']);
  assert.match(win[1]!.text, /set ELECTRON_RUN_AS_NODE=1\r\n"C:\\Code\\Code.exe" "C:\\ext\\bin\\ckpt-inspect.js" %\*\r\n/);
});
