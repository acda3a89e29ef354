// "Restore to Remote Host…" end to end in the real workbench, against a real throwaway sshd
// (test/harness/sshd.ts, netns mode: its own network namespace, hostname and devpts instance).
// The extension host's `ssh` is the real OpenSSH client, run inside the harness's client namespace
// through ckptInspector.ssh.path = a script that is `ip netns exec NS /usr/bin/ssh`; the hosts come
// from the harness's ssh config, named by the machine-scoped setting ckptInspector.ssh.configFile.
// On the host, PATH starts with a `uname` that sleeps while a flag file says so (every remote call
// runs `uname -m` first): the progress notification stays up long enough to be seen, and a cancel
// lands while the remote command runs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, running, sleep, startWorkbench, waitUntil } from './workbench.mjs';

/** Start the sshd and write what code-server needs; `stop()` tears everything down. */
export async function startRemote(log) {
  const { tsImport } = await import('tsx/esm/api');
  const { startSshd } = await tsImport('../harness/sshd.ts', import.meta.url);
  const work = mkdtempSync(join(tmpdir(), 'ckpt-it-remote-'));
  const slowBin = join(work, 'host-bin');
  const slowFlag = join(work, 'slow');
  mkdirSync(slowBin);
  writeFileSync(join(slowBin, 'uname'), `#!/bin/sh\n[ -f '${slowFlag}' ] && sleep "$(cat '${slowFlag}')"\nexec /usr/bin/uname "$@"\n`, { mode: 0o755 });
  const remoteCache = join(work, 'remote-cache');
  const h = await startSshd({ mode: 'netns', remoteEnv: { XDG_CACHE_HOME: remoteCache, PATH: `${slowBin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin` }, log });
  // A second host whose key is not in its known_hosts file.
  const emptyKnown = join(work, 'known_hosts.empty');
  writeFileSync(emptyKnown, '', { mode: 0o600 });
  appendFileSync(
    h.configFile,
    ['Host ckpt-unknown-key', `  HostName ${h.hostName}`, `  Port ${h.port}`, '  User root', `  IdentityFile ${h.clientKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${emptyKnown}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  BatchMode yes', '  ConnectTimeout 5', ''].join('\n'),
  );
  const shim = join(work, 'client-bin');
  mkdirSync(shim);
  writeFileSync(join(shim, 'ssh'), `#!/bin/sh\nexec ${h.sshCommandPrefix.map((a) => `'${a}'`).join(' ')} /usr/bin/ssh "$@"\n`, { mode: 0o755 });
  chmodSync(join(shim, 'ssh'), 0o755);

  const hostProcesses = () =>
    (spawnSync('ip', ['netns', 'pids', h.hostNamespace], { encoding: 'utf8' }).stdout ?? '')
      .split(/\s+/)
      .filter((p) => /^\d+$/.test(p) && Number(p) !== h.sshdPid)
      .map((p) => {
        try {
          return `${p} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`;
        } catch {
          return null;
        }
      })
      .filter((x) => x !== null);
  const hostPts = () => execFileSync('nsenter', ['-t', String(h.sshdPid), '-m', 'ls', '/dev/pts'], { encoding: 'utf8' }).split(/\s+/).filter((s) => s !== '').sort();
  const stagedPlans = () => {
    const d = join(remoteCache, 'ckpt-inspector');
    if (!existsSync(d)) return [];
    return readdirSync(d).flatMap((x) => readdirSync(join(d, x)).filter((n) => n.startsWith('plan.')));
  };
  const logins = async () => ((await h.sshdLog()).match(/Accepted publickey/g) ?? []).length;
  return {
    h,
    // (Not PATH: the server takes the extension host's PATH from a login shell, which resets it.)
    machineSettings: { 'ckptInspector.ssh.configFile': h.configFile, 'ckptInspector.ssh.path': join(shim, 'ssh') },
    slow: (seconds) => (seconds ? writeFileSync(slowFlag, String(seconds)) : rmSync(slowFlag, { force: true })),
    hostProcesses,
    hostPts,
    stagedPlans,
    logins,
    /** Nothing of ours left on the host: no process but sshd, no pty in its devpts, no staged plan. */
    async clean(ms = 15000) {
      try {
        await waitUntil('a clean host', async () => hostProcesses().length === 0 && hostPts().join() === 'ptmx' && stagedPlans().length === 0, ms);
      } catch {
        throw new Error(`host not clean: processes ${JSON.stringify(hostProcesses())}, /dev/pts ${hostPts().join(' ')}, staged ${stagedPlans().join(' ')}`);
      }
    },
    async stop() {
      await h.teardown();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * The sshd, then a workbench without a tests module (as a person has it: VS Code refuses modal
 * dialogs, such as the host key one, while extension tests run), the checks, and the teardown.
 */
export async function restoreSession({ check, assert, log, OUT }) {
  log('  remote host: a throwaway sshd in its own network namespace');
  const remote = await startRemote((l) => log(`  ${l}`));
  running.add(remote.stop);
  let wb;
  try {
    wb = await startWorkbench({
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
      machineSettings: remote.machineSettings,
      viewport: { width: 1280, height: 800 },
      prepare: ({ ws }) => restoreFixtures(ws),
    });
    const { page } = wb;
    check.page = page;
    await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'restore-me.ckpt' }).first().waitFor({ timeout: 60000 });
    // Until the extension host has registered the extension, a .ckpt opens in the text editor: wait
    // for its commands in the palette first.
    await waitUntil('the extension\'s commands', async () => {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input:visible').first();
      await input.fill('>Checkpoint: Open Terminal with ckpt-inspect', { timeout: 5000 });
      const seen = await visibleRow(page, 'Checkpoint: Open Terminal with ckpt-inspect').waitFor({ timeout: 3000 }).then(() => true, () => false);
      await page.keyboard.press('Escape');
      return seen;
    }, 120000);
    const openInEditor = async (file) => {
      const name = file.split('/').pop();
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().dblclick();
      await waitUntil(`the editor of ${name}`, async () => {
        for (const f of page.frames()) if (await f.evaluate((n) => document.body?.dataset.state === 'rendered' && document.querySelector('#app .sum-file')?.textContent === n, name).catch(() => false)) return true;
        return false;
      }, 60000);
    };
    await restoreChecks({ page, ws: wb.ws, remote, check, assert, openInEditor, shot: (n) => page.screenshot({ path: join(OUT, `${n}.png`) }) });
    await captureChecks({ page, ws: wb.ws, remote, check, assert, shot: (n) => page.screenshot({ path: join(OUT, `${n}.png`) }) });
  } catch (e) {
    await wb?.page.screenshot({ path: join(OUT, 'restore-session-failed.png') }).catch(() => {});
    throw e;
  } finally {
    if (wb) {
      for (const f of readdirSync(join(wb.udd, 'logs'), { recursive: true })) if (String(f).endsWith('Checkpoint Restore.log')) copyFileSync(join(wb.udd, 'logs', String(f)), join(OUT, 'checkpoint-restore.log'));
      writeFileSync(join(OUT, 'code-server-restore.log'), wb.log());
      await wb.stop();
    }
    running.delete(remote.stop);
    await remote.stop();
  }
}

/** Images for the restore checks, in the workspace: the sample, and one whose slave holds `echo restored-in-vscode`. */
export function restoreFixtures(ws) {
  copyFileSync(join(root, 'samples/pair.ckpt'), join(ws, 'restore-me.ckpt'));
  copyFileSync(join(root, 'samples/pair.ckpt'), join(ws, 'attach-me.ckpt'));
  execFileSync(process.execPath, [join(root, 'bin/ckpt-inspect.js'), 'set', join(ws, 'attach-me.ckpt'), 'ttys[1].ldisc.data=echo restored-in-vscode\\n'], { stdio: 'ignore' });
}

// ---- driving the workbench ----

// (The widget keeps the rows of an earlier pick, hidden: only visible rows count.)
const visibleRow = (page, text) => page.locator('.quick-input-widget .monaco-list-row:visible', { hasText: text }).first();

export async function runCommand(page, title) {
  // A webview that is still loading, or a terminal that is closing, can take the key or the focus:
  // focus the workbench's tab bar and retry.
  for (let i = 0; ; i++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input:visible').first();
      await input.waitFor({ timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      const row = visibleRow(page, title);
      await row.waitFor({ timeout: 10000 });
      await row.click({ timeout: 5000 });
      return;
    } catch (e) {
      if (i === 3) throw new Error(`the command palette did not run ${title}: ${e?.message ?? e}`);
      await page.keyboard.press('Escape');
      await page.locator('.part.editor .tabs-container, .part.sidebar').first().click({ position: { x: 5, y: 5 } }).catch(() => {});
    }
  }
}

/** Run Restore to Remote Host from the palette until its host pick shows (a key or click can be lost while the workbench is busy). */
async function startRestore(page) {
  for (let i = 0; ; i++) {
    await runCommand(page, 'Checkpoint: Restore to Remote Host');
    const shown = await page.locator('.quick-input-widget .quick-input-title:visible', { hasText: 'Restore to Remote Host: SSH destination' }).first().waitFor({ timeout: 15000 }).then(() => true, () => false);
    if (shown) return;
    if (i === 2) throw new Error('the host pick of Restore to Remote Host did not show');
  }
}

/** The labels of the quick pick's rows. */
async function pickRows(page) {
  // The title shows before the rows are drawn.
  await page.locator('.quick-input-widget .monaco-list-row:visible').first().waitFor({ timeout: 15000 }).catch(() => undefined);
  return page.locator('.quick-input-widget .monaco-list-row:visible').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
}

async function pick(page, text) {
  const row = visibleRow(page, text);
  await row.waitFor({ timeout: 15000 });
  await row.click();
}

async function terminalText(page) {
  return page.$$eval('.terminal-wrapper.active .xterm-rows > div, .terminal .xterm-rows > div', (rows) => rows.map((r) => r.textContent ?? '').join('\n'));
}

/** The frame of the verify table (its page has h2.verdict). */
async function verifyFrame(page) {
  return waitUntil(
    'the verify table',
    async () => {
      for (const f of page.frames()) if (await f.$('h2.verdict').catch(() => null)) return f;
      return null;
    },
    60000,
  );
}

/**
 * The checks; `check(name, fn)` and `assert(cond, msg)` are the harness's, `openInEditor(file)` opens
 * a file in the checkpoint editor, `shot(name)` saves a screenshot.
 */
async function restoreChecks({ page, ws, remote, check, assert, openInEditor, shot }) {
  await openInEditor(join(ws, 'restore-me.ckpt'));

  await check('restore: hosts from the ssh config (ckptInspector.ssh.configFile) in the quick pick; progress notification; verify table', async () => {
    remote.slow(2);
    await startRestore(page);
    const rows = await pickRows(page);
    assert(rows.some((r) => r.includes('ckpt-remote')) && rows.some((r) => r.includes('ckpt-unknown-key')), `rows: ${JSON.stringify(rows)}`);
    await shot('restore-host-pick');
    await pick(page, 'ckpt-remote');
    await pick(page, 'Verify only');
    const toast = page.locator('.notification-toast', { hasText: 'Restore restore-me.ckpt on ckpt-remote' });
    await toast.waitFor({ timeout: 15000 });
    await shot('restore-progress');
    remote.slow(0);
    const f = await verifyFrame(page);
    const verdict = await f.textContent('h2.verdict');
    assert(verdict === 'Every restorable field matches', verdict);
    const rowsN = await f.locator('tbody tr').count();
    const restored = await f.locator('tbody tr.ok').count();
    assert(rowsN > 10 && restored > 10, `${rowsN} rows, ${restored} restored`);
    const text = await f.textContent('table');
    assert(/termios\.c_lflag|c_lflag/.test(text) && /restored/.test(text), text.slice(0, 400));
    await sleep(500);
    await shot('restore-verify');
    await remote.clean();
    await runCommand(page, 'View: Close All Editors');
    await openInEditor(join(ws, 'restore-me.ckpt'));
  });

  await check('restore: an unknown host key shows the acceptance hint and runs nothing on the host', async () => {
    const before = await remote.logins();
    await startRestore(page);
    await pick(page, 'ckpt-unknown-key');
    await pick(page, 'Verify only');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20000 });
    const t = await dialog.textContent();
    assert(/host key of ckpt-unknown-key is not known/.test(t) && /Nothing was run on the host/.test(t), t);
    assert(/ssh-keyscan|known_hosts|ssh .*ckpt-unknown-key/.test(t), `no acceptance hint: ${t}`);
    await shot('restore-unknown-host-key');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5000 });
    assert((await remote.logins()) === before, 'a login happened');
    assert(remote.hostProcesses().length === 0, `processes on the host: ${remote.hostProcesses()}`);
  });

  await check('restore: Explorer context menu on a .ckpt → attach; the terminal shows the restored pty running its pending line; exit leaves the host clean', async () => {
    await runCommand(page, 'View: Show Explorer');
    const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'attach-me.ckpt' }).first();
    await item.waitFor({ timeout: 10000 });
    await item.click({ button: 'right' });
    const entry = page.locator('.context-view .action-item', { hasText: 'Restore to Remote Host…' }).first();
    await entry.waitFor({ timeout: 5000 });
    await shot('explorer-menu');
    await entry.click();
    await pick(page, 'ckpt-remote');
    await pick(page, 'Restore and attach a command');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    assert((await input.inputValue()) === 'sh', `default command ${await input.inputValue()}`);
    await page.keyboard.press('Enter');
    const text = await waitUntil('restored-in-vscode in the terminal', async () => {
      const s = await terminalText(page);
      return /restored-in-vscode/.test(s) ? s : null;
    }, 60000);
    assert(/total 0/.test(text), `output queue first: ${text}`);
    const helper = remote.hostProcesses().filter((p) => p.includes('ckpt-pty-helper'));
    assert(helper.length >= 1, `helper attached on the host: ${remote.hostProcesses()}`);
    await shot('restore-attached-terminal');
    await page.keyboard.type('exit\n');
    await remote.clean();
    await page.locator('.terminal-tabs-entry, .single-terminal-tab', { hasText: 'Restored attach-me.ckpt' }).first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
  });

  await check('restore: cancelling while the remote command runs leaves no pty, no process and no staged plan on the host', async () => {
    remote.slow(3);
    const before = await remote.logins();
    await runCommand(page, 'View: Close All Editors');
    await openInEditor(join(ws, 'restore-me.ckpt'));
    await startRestore(page);
    await pick(page, 'ckpt-remote');
    await pick(page, 'Verify only');
    const toast = page.locator('.notification-toast', { hasText: 'Restore restore-me.ckpt on ckpt-remote' });
    await toast.waitFor({ timeout: 15000 });
    // The helper's ssh session is up (ssh -G logs in nowhere; the first login is the helper call).
    await waitUntil('a login on the host', async () => (await remote.logins()) > before, 20000);
    await waitUntil('the remote command running', async () => remote.hostProcesses().length > 0, 10000);
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await page.locator('.notification-toast', { hasText: 'Restore cancelled.' }).waitFor({ timeout: 15000 });
    remote.slow(0);
    await remote.clean();
    await sleep(1000);
    for (const f of page.frames()) assert(!(await f.$('h2.verdict').catch(() => null)), 'a verify table after cancel');
  });
}

/** A process on the remote host (in its mount namespace, so its pty is in the host's devpts) holding a pty pair in a known state. */
async function startHolder(remote) {
  const child = spawn('nsenter', ['-t', String(remote.h.sshdPid), '-m', 'python3', join(root, 'test/lib/pty-holder.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value;
  const first = JSON.parse(await next());
  const exited = new Promise((r) => child.once('exit', r));
  return {
    first,
    state: async () => { child.stdin.write('state\n'); return JSON.parse(await next()); },
    stop: async () => { child.stdin.end(); await exited; },
  };
}

async function captureChecks({ page, ws, remote, check, assert, shot }) {
  await check('capture: host pick, then the remote process list with its ptys; the image is written to the workspace with its provenance, opened in the editor with the provenance beside; the live pty is unchanged', async () => {
    const holder = await startHolder(remote);
    try {
      const { pid, index } = holder.first;
      await runCommand(page, 'View: Close All Editors');
      for (let i = 0; ; i++) {
        await runCommand(page, 'Checkpoint: Capture Terminal from Remote Host');
        const shown = await page.locator('.quick-input-widget .quick-input-title:visible', { hasText: 'Capture Terminal from Remote Host: SSH destination' }).first().waitFor({ timeout: 15000 }).then(() => true, () => false);
        if (shown) break;
        if (i === 2) throw new Error('the host pick of Capture Terminal did not show');
      }
      await pick(page, 'ckpt-remote');
      await page.locator('.quick-input-widget .quick-input-title:visible', { hasText: 'Capture Terminal from ckpt-remote: process' }).first().waitFor({ timeout: 60000 });
      const row = visibleRow(page, `${pid}  python3`);
      await row.waitFor({ timeout: 15000 });
      const rowText = await row.textContent();
      assert(rowText.includes(`/dev/pts/${index}`), `row: ${rowText}`);
      await shot('capture-process-pick');
      await row.click();
      const name = `python3-${pid}.ckpt`;
      const file = join(ws, name);
      await waitUntil('the captured image and its provenance', async () => existsSync(file) && existsSync(`${file}.provenance.json`), 60000);
      await waitUntil(`the editor of ${name}`, async () => {
        for (const f of page.frames()) if (await f.evaluate((n) => document.body?.dataset.state === 'rendered' && document.querySelector('#app .sum-file')?.textContent === n, name).catch(() => false)) return true;
        return false;
      }, 60000);
      await page.locator('.tab', { hasText: `${name}.provenance.json` }).first().waitFor({ timeout: 15000 });
      const report = spawnSync(process.execPath, [join(root, 'bin/ckpt-inspect.js'), '--json', file], { encoding: 'utf8' });
      assert(report.status === 0, `the captured image has errors: ${report.stderr}`);
      const ttys = JSON.parse(report.stdout).ttys;
      assert(ttys.length === 2 && ttys[1].index === index && ttys[1].winsize.ws_col === 101, JSON.stringify(ttys[1]));
      const prov = JSON.parse(readFileSync(`${file}.provenance.json`, 'utf8'));
      assert(prov.format === 'ckpt-inspect.provenance/1' && prov.source.pid === pid, JSON.stringify(prov.source));
      assert(JSON.stringify(await holder.state()) === JSON.stringify(holder.first), 'the live pty changed');
      await sleep(500);
      await shot('capture-opened');
    } finally {
      await holder.stop();
    }
  });
}
