#!/usr/bin/env node
// Integration tests of the .ckpt editor in a real VS Code: code-server 4.100.3 from .tools/
// (scripts/install-code-server.sh), Debian's chromium driven by playwright-core, mocha inside the
// extension host (test/integration/suite/), then checks of the rendered webview DOM from Playwright
// and screenshots (dark, light, high contrast) in test-output/. Prints failures and a closing
// `N passed, N failed`; exits non-zero on any failure or timeout.
//   npm run test:integration            (CKPT_IT_TIMEOUT=seconds, CKPT_IT_KEEP=1 keeps the temp dir;
//   CKPT_IT_GREP=pattern runs only the matching mocha tests and, unless it matches 'Checkpoint editor',
//   skips the editor's DOM, theme and editing checks; CKPT_IT_ONLY=restore runs only the restore
//   workbench, CKPT_IT_ONLY=compare stops after the compare checks: for working on the other parts)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHostModule, root, running, sleep, startWorkbench, waitUntil } from './workbench.mjs';
import { restoreSession, runCommand } from './restore-ui.mjs';
import { restrictedChecks } from './restricted-ui.mjs';
import { compareChecks } from './compare-ui.mjs';
import { findChecks } from './find-ui.mjs';

const OUT = join(root, 'test-output');
const TIMEOUT_S = Number(process.env.CKPT_IT_TIMEOUT ?? 300);

let passed = 0;
let failed = 0;
const failures = [];
const log = (s) => process.stdout.write(`${s}\n`);

function step(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return r.stdout;
}

async function check(name, fn) {
  try {
    await fn();
    passed++;
    log(`  ok ${name}`);
  } catch (e) {
    failed++;
    failures.push({ title: `DOM: ${name}`, error: String(e?.stack ?? e) });
    log(`  FAIL ${name}: ${e?.message ?? e}`);
    await check.page?.screenshot({ path: join(OUT, `failed-${failed}.png`) }).catch(() => {});
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  if (process.env.CKPT_IT_ONLY === 'restore') {
    step('node', ['scripts/build.mjs']);
    await restoreSession({ check, assert, log, OUT });
    return;
  }
  log('build: extension, webview, integration suite');
  step('node', ['scripts/build.mjs']);
  await bundleHostModule('test/integration/suite/index.ts', 'dist/test/integration/index.js');
  await bundleHostModule('test/integration/restricted/index.ts', 'dist/test/integration/restricted.js');
  let manifest;
  let resultFile;
  let releaseFile;
  const wb = await startWorkbench({
    testsModule: 'dist/test/integration/index.js',
    settings: { 'terminal.integrated.gpuAcceleration': 'off' },
    prepare: ({ tmp, ws }) => {
      const manifestPath = step('node', ['--import', 'tsx', 'test/integration/fixtures.ts', ws]).trim();
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      log(`fixtures: ${manifest.source} images in ${ws}`);
      copyFileSync(manifest.sample, join(ws, 'e2e-edit.ckpt'));
      copyFileSync(manifest.sample, join(ws, 'e2e-state.ckpt'));
      copyFileSync(join(root, 'test/fixtures/hostile-buffer.ckpt'), join(ws, 'hostile.ckpt'));
      // The sample with the slave's datalen damaged (set exits 1 for an image with errors).
      spawnSync('node', ['bin/ckpt-inspect.js', 'set', manifest.sample, 'ttys[1].ldisc.datalen=12', '-o', join(ws, 'e2e-fix.ckpt'), '--force'], { cwd: root });
      foreignFixtures(ws);
      step('node', ['--import', 'tsx', 'test/integration/captured-image.ts', ws]);
      copyFileSync(join(root, 'samples/pair.ckpt'), join(ws, 'restore-me.ckpt'));
      if (manifest.large) {
        copyFileSync(manifest.large, join(ws, 'cancel-me.ckpt'));
        copyFileSync(manifest.large, join(ws, 'framing-only.ckpt'));
      }
      resultFile = join(tmp, 'results.json');
      releaseFile = join(tmp, 'release');
      return { EXT_TEST_RESULT: resultFile, EXT_TEST_RELEASE: releaseFile, CKPT_TEST_MANIFEST: manifestPath, CKPT_TEST_WORKSPACE: ws };
    },
  });
  const { page, consoleLines } = wb;
  check.page = page;
  try {
    const t0 = Date.now();
    log('workbench: waiting for the mocha suite in the extension host');
    try {
      await waitUntil('the results file', async () => existsSync(resultFile), TIMEOUT_S * 1000);
    } catch (e) {
      await page.screenshot({ path: join(OUT, 'integration-timeout.png') });
      throw e;
    }
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    log(`mocha in the extension host: ${r.passed} passed, ${r.failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    passed += r.passed;
    failed += r.failed;
    failures.push(...r.failures);

    const editorChecks = !process.env.CKPT_IT_GREP || /Checkpoint editor/.test(process.env.CKPT_IT_GREP);
    if (editorChecks) {
    log('webview DOM checks (Playwright)');
    await domChecks(page, manifest);
    await hexKeyboardChecks(page, releaseFile, manifest);
    log(`screenshots in ${OUT}`);
    for (const [theme, name] of [
      ['Default Light Modern', 'light'],
      ['Default High Contrast', 'hc'],
      ['Default Dark Modern', 'dark'],
    ]) {
      rmSync(`${releaseFile}.theme-done`, { force: true });
      writeFileSync(`${releaseFile}.theme`, theme);
      await waitUntil(`theme ${theme}`, async () => existsSync(`${releaseFile}.theme-done`), 15000);
      await sleep(1200);
      await shootAll(page, name);
    }
    log('state across a tab switch (Playwright)');
    await stateChecks(page, wb.ws, releaseFile, manifest);
    log('editing through the webview (Playwright) and the CLI');
    await editChecks(page, wb.ws, releaseFile);
    await fixChecks(page, wb.ws, releaseFile);
    log('a captured image with its provenance sidecar, and a stale one (Playwright)');
    await provenanceChecks(page, wb.ws, releaseFile);
    }
    log('Find in the Hex panel (Playwright)');
    await findChecks({ page, check, assert, waitUntil, OUT, ws: wb.ws, manifest, openInEditor: (file) => openInEditor(releaseFile, file), frameOf: (name) => frameOf(page, name), askHost: (name, args) => askHost(releaseFile, name, args) });
    log('first contact: a zip named .ckpt, Ctrl+G, ckpt-inspect in the terminal (Playwright)');
    await firstContactChecks(page, wb.ws, releaseFile);
    // The images are written by the mocha suite's 'Compare images' tests.
    if (!process.env.CKPT_IT_GREP || /Compare images/.test(process.env.CKPT_IT_GREP)) {
      log('compare two images: the palette, the file dialog, the keys (Playwright)');
      await compareChecks({ page, ws: wb.ws, openInEditor: (file) => openInEditor(releaseFile, file), frameOf, check, assert, OUT });
    }
    if (process.env.CKPT_IT_ONLY !== 'compare') {
      log('a large image still loading: the progress notification and its Cancel (Playwright)');
      await loadCancelChecks(page, wb.ws, releaseFile, manifest);
      log('an image over fullModelMaxTtys: what the summary bar counts (Playwright)');
      await framingOnlyChecks(page, wb.ws, releaseFile, manifest);
    }
    const csp = consoleLines.filter((l) => /Content Security Policy|Refused to/.test(l));
    await check('no Content-Security-Policy violations in the console', async () => assert(csp.length === 0, csp.join('\n')));
    writeFileSync(releaseFile, '');
  } finally {
    writeFileSync(join(OUT, 'code-server.log'), wb.log());
    writeFileSync(join(OUT, 'browser-console.log'), consoleLines.join('\n'));
    await wb.stop();
  }
  if (process.env.CKPT_IT_ONLY === 'compare') return;
  log('restore to a real sshd through a third workbench, without a tests module (Playwright)');
  await restoreSession({ check, assert, log, OUT });
  log('Restricted Mode: a workbench with workspace trust on and the folder untrusted');
  const r = await restrictedChecks({ check, assert, log, OUT });
  passed += r.passed;
  failed += r.failed;
  failures.push(...r.failures);
}

/** A PyTorch Lightning style checkpoint (a zip holding archive/data.pkl) and a bare pickle, both named .ckpt. */
function foreignFixtures(ws) {
  const py = [
    'import pickle, sys, zipfile, os',
    'd = sys.argv[1]',
    "state = {'epoch': 3, 'global_step': 1200, 'pytorch-lightning_version': '2.1.0', 'state_dict': {'layer.weight': [0.1, 0.2]}}",
    "with zipfile.ZipFile(os.path.join(d, 'lightning-zip.ckpt'), 'w') as z:",
    "    z.writestr('archive/data.pkl', pickle.dumps(state, protocol=2))",
    "    z.writestr('archive/version', '3\\n')",
    "open(os.path.join(d, 'pickle.ckpt'), 'wb').write(pickle.dumps(state, protocol=2))",
  ].join('\n');
  step('python3', ['-c', py, ws]);
}

async function firstContactChecks(page, ws, releaseFile) {
  await check('a zip named .ckpt, reopened with the checkpoint editor: one line, "not a Linux-CR checkpoint image", and Reopen With…', async () => {
    await openInEditor(releaseFile, join(ws, 'lightning-zip.ckpt'));
    const f = await waitUntil('the one-line page', async () => {
      for (const fr of page.frames()) if (await fr.evaluate(() => document.body?.dataset.state === 'foreign').catch(() => false)) return fr;
      return null;
    }, 20000);
    const text = (await f.textContent('#foreign')).trim();
    assert(text.startsWith('lightning-zip.ckpt: not a Linux-CR checkpoint image'), text);
    await page.screenshot({ path: join(OUT, 'not-an-image.png') });
    await f.click('a.button');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Text Editor' }).first();
    await row.waitFor({ timeout: 10000 });
    await page.keyboard.press('Escape');
  });
  await check('Ctrl+G in the checkpoint editor opens Go to Offset and selects the field there', async () => {
    await openInEditor(releaseFile, join(ws, 'restore-me.ckpt'));
    const f = await frameOf(page, 'restore-me.ckpt');
    // (Trusted here: the title bar has Restore; restricted-ui.mjs checks that Restricted Mode has not.)
    assert((await page.locator('.editor-actions [aria-label*="Restore to Remote Host"]').count()) === 1, 'Restore button in the editor title');
    await f.click('.summary');
    await page.keyboard.press('Control+g');
    const box = page.locator('.quick-input-widget', { hasText: 'Go to offset' });
    await box.waitFor({ timeout: 10000 });
    await page.keyboard.type('0x8');
    await page.keyboard.press('Enter');
    await waitUntil('magic selected', async () => (await f.textContent('.treeitem.selected .label')) === 'magic', 5000);
  });
  await check('"Checkpoint: Open Terminal with ckpt-inspect": ckpt-inspect runs in the integrated terminal', async () => {
    await runCommand(page, 'Checkpoint: Open Terminal with ckpt-inspect');
    await page.waitForSelector('.terminal-wrapper .xterm-rows');
    const rows = () => page.$$eval('.terminal-wrapper .xterm-rows > div', (els) => els.map((r) => r.textContent ?? '').join('\n'));
    // The shell's prompt first (typing before it is lost), then the command.
    await waitUntil('the shell prompt', async () => /[#$]\s*$/m.test(await rows()), 30000);
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.type('ckpt-inspect restore-me.ckpt | head -1; command -v ckpt-inspect\n');
    const text = await waitUntil('the report in the terminal', async () => {
      const t = await page.$$eval('.terminal-wrapper .xterm-rows > div', (rows) => rows.map((r) => r.textContent ?? '').join('\n'));
      return /restore-me\.ckpt: 2047 bytes, 28 records, little-endian, arch X86_32/.test(t) && /^\/\S*\/bin\/ckpt-inspect\s*$/m.test(t) ? t : null;
    }, 20000);
    assert(/globalStorage\/ckpt-inspector\.ckpt-inspector\/bin\/ckpt-inspect\s*$/m.test(text), `launcher path: ${text}`);
    await page.screenshot({ path: join(OUT, 'terminal-ckpt-inspect.png') });
    await page.keyboard.type('exit\n');
    await sleep(500);
  });
}

/** The frame that holds the editor's webview (#app), inside the workbench's webview iframes. */
async function editorFrame(page) {
  return waitUntil(
    'the editor webview',
    async () => {
      for (const f of page.frames()) {
        const ok = await f.evaluate(() => document.body?.dataset.state === 'rendered' && !!document.querySelector('#app .summary')).catch(() => false);
        if (ok) return f;
      }
      return null;
    },
    30000,
  );
}

async function tab(f, id) {
  await f.click(`#tab-${id}`);
  await f.waitForSelector(`#panel-${id}:not([hidden])`);
}

async function domChecks(page, m) {
  const f = await editorFrame(page);
  const off = m.slaveTtyOffset + 46; // termios.c_lflag
  await check('summary shows the file, arch and records', async () => {
    const t = await f.textContent('.summary');
    assert(/sample\.ckpt/.test(t) && /X86_32/.test(t) && /records/.test(t), t);
  });
  await check('Terminal: pair title /dev/pts/N, slave c_lflag flags by name with raw octal, ^C, differences marked', async () => {
    await tab(f, 'terminal');
    const title = await f.textContent('.pair-title');
    assert(title.trim() === `/dev/pts/${m.ptsIndex}`, title);
    const cell = await f.textContent('.cell[data-role="slave"][data-name="c_lflag"]');
    assert(/ICANON/.test(cell) && /ECHO/.test(cell) && cell.includes(`0${m.slaveLflag.toString(8)}`), cell);
    const vintr = await f.inputValue('.cell[data-role="slave"][data-name="VINTR"] input');
    assert(vintr === '^C', vintr);
    const echo = f.locator('.cell[data-role="slave"][data-name="c_lflag"] input[data-bit="ECHO"]');
    assert((await echo.isChecked()) && (await f.locator('.cell[data-role="slave"][data-name="c_lflag"] input[data-bit="ICANON"]').isChecked()), 'ECHO and ICANON checkboxes checked');
    // A bit's edit path and its description are the webview's own (the view sends the bit's name only).
    const echoPath = await echo.getAttribute('data-path');
    assert(/^ttys\[\d+\]\.termios\.c_lflag\.ECHO$/.test(echoPath ?? ''), `ECHO path ${echoPath}`);
    const echoTitle = await echo.locator('xpath=..').getAttribute('title');
    assert(echoTitle === 'ECHO: Echo input', `ECHO title ${echoTitle}`);
    const diff = await f.locator('.cell.differs').count();
    assert(diff >= 2, `differs: ${diff}`);
  });
  await check('selecting a field highlights its bytes in Hex and selects it in Structure', async () => {
    await f.click('.cell[data-role="slave"][data-name="c_lflag"]');
    await waitUntil('hex highlight', async () => (await f.locator('.hex-bytes .b.sel').count()) === 2, 5000);
    const offs = await f.$$eval('.hex-bytes .b.sel', (els) => els.map((e) => Number(e.dataset.off)));
    assert(offs[0] === off && offs[1] === off + 1, `highlighted ${offs}`);
    const label = await f.textContent('.treeitem.selected .label');
    assert(label === 'c_lflag', `tree selection ${label}`);
    // The workbench's status bar names it, with its offset and length.
    const want = `c_lflag @ 0x${off.toString(16).padStart(8, "0")}`;
    await waitUntil('the selection in the status bar', async () => ((await page.textContent('.statusbar').catch(() => '')) ?? '').includes(want) ? true : null, 10000);
    assert(((await page.textContent('.statusbar')) ?? '').includes('· 2 bytes'), 'two bytes');
  });
  await check('clicking a byte selects the innermost field that holds it', async () => {
    const idx = m.slaveTtyOffset + 24; // index
    await f.click(`.hex-bytes .b[data-off="${idx + 1}"]`);
    await waitUntil('tree selection', async () => (await f.textContent('.treeitem.selected .label')) === 'index', 5000);
    const offs = await f.$$eval('.hex-bytes .b.sel', (els) => els.map((e) => Number(e.dataset.off)));
    assert(offs.length === 4 && offs[0] === idx, `highlighted ${offs}`);
  });
  await check('data inspector: the bytes at the caret as integers, both byte orders (the slave\'s index)', async () => {
    const idx = m.slaveTtyOffset + 24; // index, an int32
    await f.click(`.hex-bytes .b[data-off="${idx}"]`);
    const v = (t) => f.textContent(`.inspector [data-type="${t}"]`);
    await waitUntil('the inspector at the index', async () => (await v('u32le')) === String(m.ptsIndex), 5000);
    const be16 = ((m.ptsIndex & 0xff) << 8) | ((m.ptsIndex >> 8) & 0xff);
    assert((await v('u16be')) === String(be16), `u16be ${await v('u16be')} want ${be16}`);
    assert((await v('i32le')) === String(m.ptsIndex) && (await v('u8le')) === String(m.ptsIndex & 0xff), 'i32 and u8');
  });
  await check('Line discipline: `ls -l` complete, `ech` partial, hexdump', async () => {
    await tab(f, 'ldisc');
    const complete = await f.$$eval('.line.complete code', (els) => els.map((e) => e.textContent));
    const partial = await f.$$eval('.line.partial code', (els) => els.map((e) => e.textContent));
    assert(complete.includes('ls -l\\n'), `complete: ${JSON.stringify(complete)}`);
    assert(partial.includes('ech'), `partial: ${JSON.stringify(partial)}`);
    const dumps = await f.$$eval('.hexdump', (els) => els.map((e) => e.textContent));
    assert(dumps.some((d) => /6c 73 20 2d 6c 0a 65 63 68/.test(d)), dumps.join('\n'));
  });
  await check('Graph: nodes and edges drawn, reserved objref distinct, nodes focusable', async () => {
    await tab(f, 'graph');
    await f.waitForSelector('svg.graph-svg .node');
    const nodes = await f.locator('svg.graph-svg .node').count();
    const edges = await f.locator('svg.graph-svg .edge').count();
    assert(nodes === m.graph.nodes && edges === m.graph.edges, `${nodes} nodes, ${edges} edges; want ${m.graph.nodes}, ${m.graph.edges}`);
    assert((await f.locator('.node.kind-reserved').count()) === 1, 'one reserved node');
    assert((await f.getAttribute('.node.kind-tty-slave', 'tabindex')) === '0', 'slave node focusable');
    await f.focus('.node.kind-tty-slave');
    await page.keyboard.press('Enter');
    await waitUntil('tree selection of the slave TTY record', async () => (await f.textContent('.treeitem.selected .label')) === 'TTY', 5000);
  });
  await check('Problems panel lists the diagnostics; keyboard works in the tree', async () => {
    await tab(f, 'problems');
    const n = await f.locator('.problem').count();
    const t = await f.textContent('#tab-problems');
    assert(t.includes(`(${n})`), `${t} vs ${n}`);
    await f.focus('.treeitem[data-id="g:header"]');
    await page.keyboard.press('ArrowRight');
    await waitUntil('expanded', async () => (await f.getAttribute('.treeitem[data-id="g:header"]', 'aria-expanded')) === 'true', 5000);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitUntil('HEADER selected', async () => (await f.textContent('.treeitem.selected .label')) === 'HEADER', 5000);
    const sel = await f.locator('.hex-bytes .b.sel').count();
    assert(sel > 0, 'HEADER bytes highlighted');
  });
  await check('codicons: tree chevrons and severity icons are the codicons of @vscode/codicons, drawn inline; the page fetches nothing (no font, no file)', async () => {
    const r = await f.evaluate(() => {
      const paths = (sel) => [...(document.querySelector(sel)?.querySelectorAll('path') ?? [])].map((p) => p.getAttribute('d'));
      return {
        closed: paths('.twisty.closed svg.codicon'),
        open: paths('.twisty.open svg.codicon'),
        sev: [...document.querySelectorAll('.problem .sev-icon')].map((e) => [e.getAttribute('aria-label'), [...e.querySelectorAll('svg.codicon path')].map((p) => p.getAttribute('d'))]),
        fonts: [...document.fonts].map((x) => x.family),
        // Any request of the page goes through VS Code's webview service worker (see media/codicons.ts).
        fetched: performance.getEntriesByType('resource').map((e) => e.name),
      };
    });
    const icon = (n) => [...readFileSync(join(root, `node_modules/@vscode/codicons/src/icons/${n}.svg`), 'utf8').matchAll(/ d="([^"]+)"/g)].map((x) => x[1]);
    assert(JSON.stringify(r.closed) === JSON.stringify(icon('chevron-right')), `closed chevron ${JSON.stringify(r.closed)}`);
    assert(JSON.stringify(r.open) === JSON.stringify(icon('chevron-down')), `open chevron ${JSON.stringify(r.open)}`);
    assert(r.sev.length > 0 && r.sev.every(([sev, d]) => JSON.stringify(d) === JSON.stringify(icon(sev))), `severity icons ${JSON.stringify(r.sev)}`);
    assert(r.fonts.length === 0 && r.fetched.length === 0, `fonts ${JSON.stringify(r.fonts)}, requests ${JSON.stringify(r.fetched)}`);
  });
  await tab(f, 'terminal');
  await f.click('.cell[data-role="slave"][data-name="c_lflag"]');
}

/** Ask the extension host (suite/index.ts, while it waits) for one of suite/asks.ts; its answer. */
async function askHost(releaseFile, name, args = {}) {
  const answerFile = `${releaseFile}.answer`;
  rmSync(answerFile, { force: true });
  writeFileSync(`${releaseFile}.ask`, JSON.stringify({ name, args }));
  const a = await waitUntil(`the host's answer to ${name}`, async () => existsSync(answerFile) && JSON.parse(readFileSync(answerFile, 'utf8')), 30000);
  rmSync(answerFile, { force: true });
  if (!a.ok) throw new Error(`${name}: ${a.error}`);
  return a.value;
}

async function loadCancelChecks(page, ws, releaseFile, manifest) {
  await check('a large image still loading: a notification with its progress and Cancel; Cancel stops the read, closes the editor, shows no error and holds nothing open; it opens again', async () => {
    assert(manifest.large, 'the large fixture (test/gen/ckpt-gen.c)');
    const file = join(ws, 'cancel-me.ckpt'); // copied before the workbench started: no file event meets the load
    try {
      await askHost(releaseFile, 'holdRead', { file });
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Opening cancel-me.ckpt' });
      await toast.waitFor({ timeout: 20000 });
      const held = await waitUntil('the read held', async () => {
        const s = await askHost(releaseFile, 'heldState');
        return s.heldAt !== null ? s : null;
      }, 20000);
      assert(held.editors === 1 && held.loadEnded === null, JSON.stringify(held));
      await waitUntil('the read\'s percentage', async () => /Opening cancel-me\.ckpt: reading, \d+%/.test(await toast.textContent()), 10000);
      await page.screenshot({ path: join(OUT, 'load-progress.png') });
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      const s = await waitUntil('the load cancelled and its editor closed', async () => {
        const x = await askHost(releaseFile, 'heldState');
        return x.aborted && x.loadEnded !== null && x.editors === 0 && x.tabs === 0 ? x : null;
      }, 20000);
      assert(s.loadEnded === 'LoadCancelled', `load() ended with ${s.loadEnded}`);
      assert(s.errors.length === 0, `errors shown: ${s.errors.join('; ')}`);
      assert(s.diagnostics === 0, `${s.diagnostics} problem(s) published`);
      await waitUntil('the file closed by the host', async () => (await askHost(releaseFile, 'heldState')).fds === 0, 10000);
      await toast.waitFor({ state: 'detached', timeout: 10000 });
      const errorToasts = await page.locator('.notifications-toasts .notification-toast .codicon-error').count();
      assert(errorToasts === 0, `${errorToasts} error notification(s)`);
    } finally {
      await askHost(releaseFile, 'releaseHold');
    }
    // Nothing of the cancelled load is left in the way: the same file opens and renders.
    await openInEditor(releaseFile, file);
    await frameOf(page, 'cancel-me.ckpt');
  });
}

async function framingOnlyChecks(page, ws, releaseFile, manifest) {
  await check('an image over ckptInspector.fullModelMaxTtys: the summary bar says its errors and warnings are the framing checks\' (not "errors 0")', async () => {
    assert(manifest.large, 'the large fixture (test/gen/ckpt-gen.c)');
    // 1000 pty pairs, 2000 TTY records: over a limit of 100, only the framing is checked.
    await askHost(releaseFile, 'setting', { key: 'fullModelMaxTtys', value: '100' });
    try {
      await openInEditor(releaseFile, join(ws, 'framing-only.ckpt'));
      const f = await frameOf(page, 'framing-only.ckpt');
      const items = await f.$$eval('#app .sum-item', (els) => els.map((e) => [e.querySelector('.sum-label')?.textContent, e.querySelector('.sum-value')?.textContent]));
      const value = (label) => items.find(([l]) => l === label)?.[1];
      for (const label of ['errors', 'warnings']) {
        assert(/^\d+ \(framing only; full check not computed\)$/.test(value(label) ?? ''), `${label}: ${value(label)} (summary: ${JSON.stringify(items)})`);
      }
      assert(value('pty pairs') === '—', `pty pairs: ${value('pty pairs')}`);
      await page.screenshot({ path: join(OUT, 'framing-only-summary.png') });
    } finally {
      await askHost(releaseFile, 'setting', { key: 'fullModelMaxTtys' });
    }
  });
}

/**
 * A tab switch drops the hidden webview's page (no retainContextWhenHidden): coming back shows the
 * same panel, tree, selection and hex caret, and the host still has the selection for its commands.
 */
async function stateChecks(page, ws, releaseFile, m) {
  const file = join(ws, 'e2e-state.ckpt');
  await openInEditor(releaseFile, file);
  let f = await frameOf(page, 'e2e-state.ckpt');
  // A preview tab would be replaced by the next file, not hidden: keep it.
  await runCommand(page, 'View: Keep Editor');
  const idx = m.slaveTtyOffset + 46; // the slave's termios.c_lflag
  await check('a tab switch keeps the panel, the open tree nodes, the selection and the hex caret; Copy Selection as JSON still works', async () => {
    // Select the slave's c_lflag (Terminal), then show Line discipline and open Tasks in the tree.
    await tab(f, 'terminal');
    await f.click('.cell[data-role="slave"][data-name="c_lflag"]');
    await waitUntil('tree selection', async () => (await f.textContent('.treeitem.selected .label')) === 'c_lflag', 5000);
    await tab(f, 'ldisc');
    await f.focus('.treeitem[data-id="g:tasks"]');
    await page.keyboard.press('ArrowRight');
    await waitUntil('tasks expanded', async () => (await f.getAttribute('.treeitem[data-id="g:tasks"]', 'aria-expanded')) === 'true', 5000);
    await waitUntil('the index highlighted in Hex', async () => (await f.locator(`.hex-bytes .b.sel[data-off="${idx}"]`).count()) === 1, 5000);
    const before = await f.evaluate(() => ({ caret: document.querySelector('.hex-bytes .b.caret')?.getAttribute('data-off'), sel: Array.from(document.querySelectorAll('.hex-bytes .b.sel')).map((e) => e.getAttribute('data-off')), top: document.querySelector('.hex-scroll')?.scrollTop }));
    // The throttled state saves have run before the page goes.
    await waitUntil('the state saved', async () => (await f.evaluate(() => document.body.dataset.savesPending)) === '0', 5000);
    // The page as it is now is marked: the one shown after the switch must be a new one.
    await f.evaluate(() => void (document.body.dataset.before = 'switch'));
    await openInEditor(releaseFile, join(ws, 'hostile.ckpt'));
    await frameOf(page, 'hostile.ckpt');
    await openInEditor(releaseFile, file);
    f = await waitUntil(
      'a new page of the first editor',
      async () => {
        for (const fr of page.frames()) {
          const ok = await fr.evaluate(() => document.body?.dataset.state === 'rendered' && !document.body.dataset.before && document.querySelector('#app .sum-file')?.textContent === 'e2e-state.ckpt').catch(() => false);
          if (ok) return fr;
        }
        return null;
      },
      30000,
    );
    await waitUntil('the tree selection again', async () => (await f.textContent('.treeitem.selected .label').catch(() => null)) === 'c_lflag', 10000);
    const after = await f.evaluate(() => ({ caret: document.querySelector('.hex-bytes .b.caret')?.getAttribute('data-off'), sel: Array.from(document.querySelectorAll('.hex-bytes .b.sel')).map((e) => e.getAttribute('data-off')), top: document.querySelector('.hex-scroll')?.scrollTop }));
    assert(JSON.stringify(after) === JSON.stringify(before), `hex before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    const restored = await f.evaluate(() => `${document.body.dataset.restored} tabs ${[...document.querySelectorAll('.tab')].map((t) => `${t.id}=${t.getAttribute('aria-selected')}`).join(' ')}`);
    assert((await f.getAttribute('#tab-ldisc', 'aria-selected')) === 'true', `Line discipline is the panel shown (${restored})`);
    assert((await f.getAttribute('.treeitem[data-id="g:tasks"]', 'aria-expanded')) === 'true', 'Tasks still open');
    await runCommand(page, 'Checkpoint: Copy Selection as JSON');
    await waitUntil('the status bar says it was copied', async () => /selection copied as JSON/.test((await page.textContent('.statusbar').catch(() => '')) ?? ''), 10000);
  });
}

/**
 * The Hex panel by keyboard and mouse on the sample: Shift+arrows and Shift+click select a byte range,
 * Ctrl+C puts it on the clipboard as hex (read back through VS Code's clipboard API), Ctrl+G goes to
 * an offset it validates; the status bar names the range and the grid's active descendant is the
 * byte at the caret. Bytes expected are read from the file here.
 */
async function hexKeyboardChecks(page, releaseFile, m) {
  const f = await editorFrame(page);
  const bytes = readFileSync(m.sample);
  const idx = m.slaveTtyOffset + 24; // the slave's index
  const h8 = (n) => `0x${n.toString(16).padStart(8, '0')}`;
  const status = async () => (await page.textContent('.statusbar').catch(() => '')) ?? '';
  const selected = () => f.$$eval('.hex-bytes .b.sel', (els) => els.map((e) => Number(e.dataset.off)));
  const range = (a, n) => Array.from({ length: n }, (_, k) => a + k);
  const active = () =>
    f.evaluate(() => {
      const grid = document.querySelector('.hex-scroll');
      const id = grid?.getAttribute('aria-activedescendant');
      const cell = id ? document.getElementById(id) : null;
      return { role: grid?.getAttribute('role'), focused: document.activeElement === grid, id, cellRole: cell?.getAttribute('role'), label: cell?.getAttribute('aria-label'), caret: cell?.classList.contains('caret') ? cell.dataset.off : null };
    });
  await check('Hex: Shift+arrows select a byte range from the caret; the status bar says its offset and length; the active descendant follows the caret', async () => {
    await f.click(`.hex-bytes .b[data-off="${idx}"]`);
    await waitUntil('the index selected', async () => (await selected()).length === 4, 5000);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await waitUntil('three bytes selected', async () => JSON.stringify(await selected()) === JSON.stringify(range(idx, 3)), 5000);
    await waitUntil('the range in the status bar', async () => (await status()).includes(`bytes @ ${h8(idx)} · 3 bytes`), 10000);
    const a = await active();
    const b = bytes[idx + 2];
    assert(a.role === 'grid' && a.focused && a.cellRole === 'gridcell' && a.caret === String(idx + 2), `active descendant ${JSON.stringify(a)}`);
    assert(a.label?.startsWith(`${h8(idx + 2)}: ${b.toString(16).padStart(2, '0')} (${b}`), `its label ${a.label}`);
    // Back over the anchor: the range is then before it.
    for (let k = 0; k < 3; k++) await page.keyboard.press('Shift+ArrowLeft');
    await waitUntil('the range before the anchor', async () => JSON.stringify(await selected()) === JSON.stringify([idx - 1, idx]), 5000);
  });
  await check('Hex: Shift+click extends the range to the byte clicked; Ctrl+C copies it as hex (VS Code\'s clipboard)', async () => {
    await f.click(`.hex-bytes .b[data-off="${idx + 1}"]`);
    // The click's field (the index) and at once the Shift+click: the range wins over the field that comes after it.
    await f.click(`.hex-bytes .b[data-off="${idx + 5}"]`, { modifiers: ['Shift'] });
    await waitUntil('five bytes selected', async () => JSON.stringify(await selected()) === JSON.stringify(range(idx + 1, 5)), 5000);
    await f.click(`.hex-bytes .b[data-off="${idx}"]`);
    await waitUntil('the index selected', async () => (await selected()).length === 4, 5000);
    await f.click(`.hex-bytes .b[data-off="${idx + 5}"]`, { modifiers: ['Shift'] });
    await waitUntil('six bytes selected', async () => JSON.stringify(await selected()) === JSON.stringify(range(idx, 6)), 5000);
    await waitUntil('six bytes in the status bar', async () => (await status()).includes(`bytes @ ${h8(idx)} · 6 bytes`), 10000);
    // docs/hex-inspector-status.png: the range, the data inspector at the caret and the status bar.
    await page.screenshot({ path: join(OUT, 'hex-inspector-status.png') });
    await askHost(releaseFile, 'setClipboard', { text: 'before Ctrl+C' });
    await page.keyboard.press('Control+c');
    const want = bytes.subarray(idx, idx + 6).toString('hex');
    const got = await waitUntil('the clipboard', async () => {
      const c = await askHost(releaseFile, 'clipboard');
      return c !== 'before Ctrl+C' ? c : null;
    }, 10000);
    assert(got === want, `clipboard ${JSON.stringify(got)}, want ${want}`);
  });
  await check('Ctrl+G: Go to Offset refuses what is not an offset or is past the end, takes decimal or 0x hex, and moves the hex caret there', async () => {
    await f.click('.summary');
    const box = page.locator('.quick-input-widget', { hasText: 'Go to offset' });
    const input = page.locator('.quick-input-widget input');
    // The input box validates as it is typed into: each value's own message.
    const refuses = async (text, want) => {
      await input.fill(text);
      await waitUntil(`"${want}" for ${text}`, async () => ((await box.textContent()) ?? '').includes(want) || null, 5000);
    };
    await page.keyboard.press('Control+g');
    await box.waitFor({ timeout: 10000 });
    await refuses('zz', 'Not an offset');
    await refuses(String(bytes.length), `Past the end (${bytes.length} bytes)`);
    await refuses('0x', 'Not an offset');
    await input.fill(String(idx + 1)); // decimal: a byte inside the index
    await page.keyboard.press('Enter');
    await waitUntil('the caret at the offset', async () => (await active()).caret === String(idx + 1) || null, 5000).catch(async () => {
      throw new Error(`active descendant ${JSON.stringify(await active())}`);
    });
    await f.click('.summary');
    await page.keyboard.press('Control+g');
    await box.waitFor({ timeout: 10000 });
    await input.fill(`0x${(idx + 2).toString(16)}`);
    await page.keyboard.press('Enter');
    await waitUntil('the caret at the hex offset', async () => (await active()).caret === String(idx + 2) || null, 5000);
  });
  // As domChecks left it, for the screenshots.
  await tab(f, 'terminal');
  await f.click('.cell[data-role="slave"][data-name="c_lflag"]');
}

/** Ask the extension host (suite/index.ts, while it waits) to open a file in the checkpoint editor. */
async function openInEditor(releaseFile, file) {
  rmSync(`${releaseFile}.open-done`, { force: true });
  writeFileSync(`${releaseFile}.open`, file);
  await waitUntil(`open ${file}`, async () => existsSync(`${releaseFile}.open-done`), 15000);
}

/** The rendered editor frame of `name` (the summary names the file). */
async function frameOf(page, name) {
  return waitUntil(
    `the editor of ${name}`,
    async () => {
      for (const f of page.frames()) {
        const ok = await f.evaluate((n) => document.body?.dataset.state === 'rendered' && document.querySelector('#app .sum-file')?.textContent === n, name).catch(() => false);
        if (ok) return f;
      }
      return null;
    },
    30000,
  );
}

const generationOf = (f) => f.evaluate(() => Number(document.body.dataset.generation));
async function afterEdit(f, gen, what) {
  await waitUntil(`re-render after ${what}`, async () => (await generationOf(f)) > gen && (await f.evaluate(() => document.body.dataset.state)) === 'rendered', 10000);
}

function cliJson(file) {
  const r = spawnSync('node', ['bin/ckpt-inspect.js', '--json', file], { cwd: root, encoding: 'utf8' });
  return JSON.parse(r.stdout);
}
const ECHO = 0o10;

async function editChecks(page, ws, releaseFile) {
  const file = join(ws, 'e2e-edit.ckpt');
  const before = cliJson(file);
  const n = before.ttys.findIndex((t) => t.role === 'slave');
  const slaveBefore = before.ttys[n];
  await openInEditor(releaseFile, file);
  let f = await frameOf(page, 'e2e-edit.ckpt');
  const newCol = slaveBefore.winsize.ws_col === 132 ? 100 : 132;
  const text = 'whoami\\n';
  await check('edit in the webview: ECHO checkbox, winsize input, pending-buffer editor; Ctrl+S saves (checked with the CLI)', async () => {
    await tab(f, 'terminal');
    const echo = f.locator('.cell[data-role="slave"][data-name="c_lflag"] input[data-bit="ECHO"]');
    assert(await echo.isChecked(), 'ECHO starts checked');
    let gen = await generationOf(f);
    await echo.click();
    await afterEdit(f, gen, 'ECHO');
    assert(!(await f.locator('.cell[data-role="slave"][data-name="c_lflag"] input[data-bit="ECHO"]').isChecked()), 'ECHO unchecked after the re-render');
    assert((await f.evaluate(() => document.activeElement?.getAttribute('data-path'))) === `ttys[${n}].termios.c_lflag.ECHO`, 'focus stays on the checkbox');
    // An invalid value is refused inline, nothing changes.
    const col = f.locator('.cell[data-role="slave"][data-name="ws_col"] input');
    // Select with the DOM, not Ctrl+A: VS Code also answers Ctrl+A in a webview with its own
    // asynchronous select-all, which can land after the first typed key and swallow it.
    await col.click();
    await col.selectText();
    await page.keyboard.type('wide');
    gen = await generationOf(f);
    await page.keyboard.press('Enter');
    await waitUntil('inline error', async () => (await f.locator('.cell[data-role="slave"][data-name="ws_col"] .edit-error').count()) === 1, 5000);
    const err = await f.textContent('.cell[data-role="slave"][data-name="ws_col"] .edit-error');
    assert(/is not a number/.test(err), err);
    assert((await col.getAttribute('aria-invalid')) === 'true', 'aria-invalid');
    assert((await generationOf(f)) === gen, 'no re-render for a refused edit');
    await col.selectText();
    await page.keyboard.type(String(newCol));
    await page.keyboard.press('Enter');
    await afterEdit(f, gen, 'ws_col');
    const shown = await f.inputValue('.cell[data-role="slave"][data-name="ws_col"] input');
    assert(shown === String(newCol), `ws_col shows ${shown}, want ${newCol}; status: ${await f.textContent('.edit-status')}`);
    await tab(f, 'ldisc');
    const area = f.locator('.ldisc-card[aria-label^="line discipline of slave"] textarea.buffer-edit');
    await area.click();
    await area.selectText();
    await page.keyboard.type(text);
    gen = await generationOf(f);
    await page.keyboard.press('Control+Enter');
    await afterEdit(f, gen, 'the pending buffer');
    const lines = await f.$$eval('.ldisc-card[aria-label^="line discipline of slave"] .line code', (els) => els.map((e) => e.textContent));
    assert(lines.includes('whoami\\n'), JSON.stringify(lines));
    await page.keyboard.press('Control+S');
    const saved = await waitUntil('the saved file', async () => {
      const j = cliJson(file);
      const s = j.ttys[n];
      return (s.termios.c_lflag & ECHO) === 0 && s.winsize.ws_col === newCol && Buffer.from(s.ldisc.data, 'hex').toString() === 'whoami\n' ? j : null;
    }, 10000);
    assert(saved.diagnostics.filter((d) => d.severity === 'error').length === 0, 'no errors in the saved image');
  });
  await check('Ctrl+Z in the workbench undoes the buffer edit; Ctrl+S saves the previous value (CLI)', async () => {
    await f.click('.summary');
    const gen = await generationOf(f);
    await page.keyboard.press('Control+Z');
    await afterEdit(f, gen, 'undo');
    await page.keyboard.press('Control+S');
    await waitUntil('the file after undo + save', async () => {
      const s = cliJson(file).ttys[n];
      return (s.termios.c_lflag & ECHO) === 0 && s.winsize.ws_col === newCol && s.ldisc.data === slaveBefore.ldisc.data;
    }, 10000);
  });
  await check('Hex: typing two hex digits overwrites the byte at the caret (an edit like any other)', async () => {
    await f.focus('.hex-scroll');
    await page.keyboard.press('Control+Home');
    const cell = '.hex-bytes .b[data-off="12"]';
    await f.waitForSelector(cell);
    const old = parseInt(await f.textContent(cell), 16);
    const want = (old ^ 0xff).toString(16).padStart(2, '0');
    await f.click(cell);
    const gen = await generationOf(f);
    await page.keyboard.type(want);
    await afterEdit(f, gen, 'hex edit');
    await waitUntil(`byte 12 shows ${want}`, async () => (await f.textContent(cell)) === want, 5000);
    await f.click('.summary');
    const g2 = await generationOf(f);
    await page.keyboard.press('Control+Z');
    await afterEdit(f, g2, 'undo of the hex edit');
  });
  await openInEditor(releaseFile, join(ws, 'hostile.ckpt'));
  f = await frameOf(page, 'hostile.ckpt');
  await check('hostile buffer: markup in the pending input stays text (no script element), also in the buffer editor', async () => {
    const hostile = '<script>alert(1)</script></textarea>';
    await tab(f, 'ldisc');
    const scripts = await f.$$eval('script', (els) => els.map((e) => ({ id: e.id, src: e.getAttribute('src'), text: e.textContent })));
    // VS Code's own bootstrap script and ours (webview.js, inlined into the page); nothing from the data.
    assert(scripts.some((s) => s.id === 'ckpt-webview-script') && !scripts.some((s) => /alert\(1\)/.test(s.text ?? '')), JSON.stringify(scripts.map((s) => s.id || s.src)));
    assert((await f.evaluate(() => document.querySelectorAll('#app script').length)) === 0, 'no script element inside the app');
    const lines = await f.$$eval('.line code', (els) => els.map((e) => e.textContent));
    assert(lines.includes(hostile), JSON.stringify(lines));
    const values = await f.$$eval('textarea.buffer-edit', (els) => els.map((e) => e.value));
    assert(values.includes(hostile), JSON.stringify(values));
    assert((await f.locator('textarea').count()) === 2, 'exactly the two buffer editors: the data closed no textarea');
    assert((await f.evaluate(() => document.body.dataset.rejectedMessages ?? '0')) === '0', 'no messages rejected');
  });
}

async function fixChecks(page, ws, releaseFile) {
  const file = join(ws, 'e2e-fix.ckpt');
  await openInEditor(releaseFile, file);
  const f = await frameOf(page, 'e2e-fix.ckpt');
  await check('Problems panel: the explanation beside the problem, its Quick Fix button repairs it as one edit, Ctrl+Z brings it back', async () => {
    await tab(f, 'problems');
    await f.waitForSelector('.problem.sev-error .quick-fix');
    const why = await f.textContent('.problem.sev-error .repair-why');
    assert(/BUFFER/.test(why), why);
    assert(await f.isVisible('.fix-all'), 'Fix All Unambiguous in the header');
    let gen = await generationOf(f);
    await f.click('.problem.sev-error .quick-fix');
    await afterEdit(f, gen, 'the quick fix');
    await waitUntil('no error left in the panel', async () => (await f.locator('.problem.sev-error').count()) === 0, 5000);
    await f.click('.summary');
    gen = await generationOf(f);
    await page.keyboard.press('Control+Z');
    await afterEdit(f, gen, 'undo of the quick fix');
    await f.waitForSelector('.problem.sev-error .quick-fix');
  });
}

/** What a cell's provenance mark says: its kind, title and accessible name, and whether it takes focus. */
function markOf(f, selector) {
  return f.$eval(selector, (el) => ({ kind: el.dataset.provenance, text: el.textContent, title: el.title, aria: el.getAttribute('aria-label'), tab: el.tabIndex }));
}

/** Each provenance mark's codicon: its name, path data and fill rules, and its colour against the mark's and the theme's. */
function markIcons(f) {
  const THEME = { exact: '--vscode-testing-iconPassed', derived: '--vscode-textLink-foreground', assumed: '--vscode-editorWarning-foreground', lost: '--vscode-errorForeground' };
  return f.$$eval('.prov', (els, theme) => els.map((el) => {
    const svg = el.querySelector(':scope > svg.codicon');
    const paths = svg ? [...svg.querySelectorAll('path')] : [];
    // The theme's colour for the kind, resolved the way the page's CSS resolves it.
    const probe = document.createElement('span');
    probe.style.color = `var(${theme[el.dataset.provenance]}, var(--vscode-foreground))`;
    document.body.append(probe);
    const themed = getComputedStyle(probe).color;
    probe.remove();
    return {
      kind: el.dataset.provenance,
      icon: [...(svg?.classList ?? [])].find((c) => c.startsWith('codicon-'))?.slice('codicon-'.length) ?? null,
      d: paths.map((p) => p.getAttribute('d')),
      rules: paths.map((p) => p.getAttribute('fill-rule')),
      hidden: svg?.getAttribute('aria-hidden') ?? null,
      fill: svg ? getComputedStyle(svg).fill : null,
      color: getComputedStyle(el).color,
      themed,
      text: el.textContent,
    };
  }), THEME);
}

async function provenanceChecks(page, ws, releaseFile) {
  await openInEditor(releaseFile, join(ws, 'captured.ckpt'));
  const f = await frameOf(page, 'captured.ckpt');
  await check('a captured image: each field shows its provenance (an exact one, a lost one) with its reason, keyboard reachable', async () => {
    // The sidecar follows the first screen in its own message: its marks are drawn when it arrives.
    await f.waitForSelector('body[data-provenance="ok"]', { timeout: 15000 });
    await tab(f, 'terminal');
    await f.waitForSelector('.cell[data-role="slave"][data-name="c_lflag"] .prov', { timeout: 15000 });
    const lflag = await markOf(f, '.cell[data-role="slave"][data-name="c_lflag"] .prov');
    assert(lflag.kind === 'exact' && /exact$/.test(lflag.text), JSON.stringify(lflag));
    assert(/TCGETS on the live slave/.test(lflag.title) && /^provenance exact: TCGETS/.test(lflag.aria) && lflag.tab === 0, JSON.stringify(lflag));
    const cell = await f.getAttribute('.cell[data-role="slave"][data-name="c_lflag"]', 'aria-label');
    assert(/provenance exact: TCGETS on the live slave/.test(cell), cell);
    const index = await markOf(f, '.cell[data-role="master"][data-name="index"] .prov');
    assert(index.kind === 'exact' && /TIOCGPTN/.test(index.title), JSON.stringify(index));
    await tab(f, 'ldisc');
    await f.waitForSelector('.prov[data-provenance="lost"]', { timeout: 15000 });
    const column = await f.$$eval('.prov[data-provenance="lost"]', (els) => els.map((el) => ({ title: el.title, field: el.closest('dd')?.previousElementSibling?.textContent })));
    const col = column.find((c) => c.field === 'column');
    assert(col && /output column is kernel-private/.test(col.title) && /^provenance lost: /.test(col.title), JSON.stringify(column));
    await f.focus('.prov[data-provenance="lost"]');
    assert(await f.evaluate(() => document.activeElement?.classList.contains('prov')), 'a provenance mark takes keyboard focus');
    assert((await f.locator('.banner .prov-note').count()) === 0, 'no notice for a sidecar that matches');
  });
  await check('provenance marks are codicons of @vscode/codicons (pass-filled, symbol-operator, question, error), drawn in the kind\'s --vscode-* colour, beside the kind\'s name', async () => {
    const ICON = { exact: 'pass-filled', derived: 'symbol-operator', assumed: 'question', lost: 'error' };
    const source = (n) => [...readFileSync(join(root, `node_modules/@vscode/codicons/src/icons/${n}.svg`), 'utf8').matchAll(/<path\b[^>]*>/g)]
      .map((m) => ({ d: / d="([^"]+)"/.exec(m[0])?.[1] ?? null, rule: / fill-rule="([^"]+)"/.exec(m[0])?.[1] ?? null }));
    const marks = [];
    for (const t of ['terminal', 'ldisc']) {
      await tab(f, t);
      await f.waitForSelector(`#panel-${t} .prov`, { timeout: 15000 });
      marks.push(...(await markIcons(f)));
    }
    const kinds = new Set(marks.map((m) => m.kind));
    assert(Object.keys(ICON).every((k) => kinds.has(k)), `every kind is on the Terminal or Line discipline tab: ${[...kinds]}`);
    for (const m of marks) {
      const want = source(ICON[m.kind]);
      assert(m.icon === ICON[m.kind], `${m.kind}: codicon ${m.icon}`);
      assert(JSON.stringify(m.d) === JSON.stringify(want.map((p) => p.d)) && JSON.stringify(m.rules) === JSON.stringify(want.map((p) => p.rule)), `${m.kind}: the paths of ${ICON[m.kind]}.svg: ${JSON.stringify(m)}`);
      assert(m.hidden === 'true' && m.text === m.kind, `${m.kind}: the icon is hidden from screen readers, the name is the text: ${JSON.stringify(m)}`);
      assert(m.fill === m.color && m.color === m.themed, `${m.kind}: drawn in the mark's colour, the theme's: ${JSON.stringify(m)}`);
    }
    const colours = new Map(marks.map((m) => [m.kind, m.color]));
    assert(new Set(colours.values()).size === 4, `four kinds, four colours: ${JSON.stringify([...colours])}`);
    assert(JSON.stringify(source('question').map((p) => p.rule)).includes('evenodd'), 'question.svg has an evenodd ring (the fill rule is carried)');
  });
  await openInEditor(releaseFile, join(ws, 'stale.ckpt'));
  const g = await frameOf(page, 'stale.ckpt');
  await check('a stale sidecar (another image\'s sha256) is not shown; a one-line notice says why', async () => {
    await g.waitForSelector('body[data-provenance="stale"]', { timeout: 15000 });
    await tab(g, 'terminal');
    await g.waitForSelector('.cell[data-name="c_lflag"]');
    assert((await g.locator('.prov').count()) === 0, 'no provenance marks from a stale sidecar');
    const note = await g.textContent('.banner .prov-note', { timeout: 15000 });
    assert(/^Provenance sidecar stale\.ckpt\.provenance\.json ignored \(stale\): .*sha256/.test(note ?? ''), note);
  });
}

async function shootAll(page, name) {
  const f = await editorFrame(page);
  await tab(f, 'terminal');
  await sleep(300);
  await page.screenshot({ path: join(OUT, `editor-${name}.png`) });
  for (const t of ['ldisc', 'graph']) {
    await tab(f, t);
    await sleep(300);
    await page.screenshot({ path: join(OUT, `editor-${name}-${t}.png`) });
  }
  await tab(f, 'terminal');
}

const overall = setTimeout(async () => {
  log(`integration: overall timeout after ${TIMEOUT_S + 600} s`);
  log(`${passed} passed, ${failed + 1} failed`);
  await Promise.race([Promise.all([...running].map((stop) => stop())), sleep(10000)]);
  process.exit(1);
}, (TIMEOUT_S + 600) * 1000);

main()
  .catch((e) => {
    failed++;
    failures.push({ title: 'harness', error: String(e?.stack ?? e) });
  })
  .finally(() => {
    clearTimeout(overall);
    for (const f of failures) log(`\nFAILED ${f.title}\n${f.error}`);
    log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
