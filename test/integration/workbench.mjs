// Start code-server (from .tools/, see scripts/install-code-server.sh) with a fresh user-data-dir and
// open the workbench in Debian's chromium through playwright-core, with our extension under
// development and a tests module (the payload URL). Shared by run.mjs and bench/editor.mjs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CS_ENTRY = join(root, '.tools/code-server/node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** stop() of every workbench still running (the harness's overall timeout stops them before it exits). */
export const running = new Set();

export async function waitUntil(what, fn, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Build the test/bench host module (TypeScript → one CJS file; vscode and mocha stay external). */
export async function bundleHostModule(entry, outfile) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, entry)],
    outfile: join(root, outfile),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'iconv-lite'],
    logLevel: 'warning',
  });
}

/**
 * A temp dir with workspace/, user-data/, extensions/ and xdg/; code-server on a free port in its own
 * process group; chromium on the payload URL. `stop()` kills the group and removes the temp dir.
 * `untrusted`: workspace trust enabled (the harness otherwise disables it) and the folder not
 * trusted, without the startup prompt: the workbench opens in Restricted Mode. `settings` are added
 * to the user settings, `machineSettings` to the server's (Machine/settings.json: where settings of
 * scope machine are read when the extension host is remote, as under code-server).
 */
export async function startWorkbench({ prepare, testsModule, env = {}, theme = 'Default Dark Modern', viewport = { width: 1600, height: 1000 }, untrusted = false, settings = {}, machineSettings }) {
  if (!existsSync(CS_ENTRY)) throw new Error(`code-server is not installed: run scripts/install-code-server.sh (expected ${CS_ENTRY})`);
  const tmp = mkdtempSync(join(tmpdir(), 'ckpt-cs-'));
  const ws = join(tmp, 'workspace');
  const udd = join(tmp, 'user-data');
  const exts = join(tmp, 'extensions');
  const xdg = join(tmp, 'xdg');
  for (const d of [ws, join(udd, 'User'), join(udd, 'Machine'), exts, xdg]) mkdirSync(d, { recursive: true });
  const extra = typeof settings === 'function' ? settings({ tmp, ws }) : settings;
  writeFileSync(
    join(udd, 'User/settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': theme,
      'security.workspace.trust.enabled': untrusted,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'telemetry.telemetryLevel': 'off',
      ...extra,
    }),
  );
  const extraEnv = (await prepare?.({ tmp, ws })) ?? {};
  const machine = typeof machineSettings === 'function' ? machineSettings({ tmp, ws }) : machineSettings;
  if (machine) writeFileSync(join(udd, 'Machine/settings.json'), JSON.stringify(machine));
  const port = await freePort();
  const cs = spawn(
    process.execPath,
    [CS_ENTRY, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', ...(untrusted ? [] : ['--disable-workspace-trust']), '--user-data-dir', udd, '--extensions-dir', exts, ws],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: xdg, ...env, ...extraEnv } },
  );
  let log = '';
  cs.stdout.on('data', (d) => (log += d));
  cs.stderr.on('data', (d) => (log += d));
  let browser;
  const consoleLines = [];
  const stop = async () => {
    running.delete(stop);
    await browser?.close().catch(() => {});
    for (const sig of ['SIGTERM', 'SIGKILL']) {
      try {
        process.kill(-cs.pid, sig);
      } catch {}
      await sleep(300);
    }
    if (!process.env.CKPT_IT_KEEP) rmSync(tmp, { recursive: true, force: true });
  };
  running.add(stop);
  try {
    await waitUntil('code-server /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 30000);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => consoleLines.push(m.text()));
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(root)],
      // Without a tests module the workbench is as a person has it (VS Code refuses modal dialogs while extension tests run).
      ...(testsModule ? [['extensionTestsPath', remote(join(root, testsModule))]] : []),
    ];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, { timeout: 120000 });
    return { page, tmp, ws, udd, consoleLines, log: () => log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
