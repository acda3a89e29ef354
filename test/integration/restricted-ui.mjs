// A second workbench with workspace trust on and its folder not trusted (Restricted Mode): the
// mocha suite of test/integration/restricted/ in its extension host, then the workbench's own view
// of it: the palette has no Restore or terminal command, the editor title no Restore button.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, startWorkbench, waitUntil } from './workbench.mjs';

export async function restrictedChecks({ check, assert, log, OUT }) {
  let resultFile;
  let releaseFile;
  let marker;
  let sample;
  const wb = await startWorkbench({
    testsModule: 'dist/test/integration/restricted.js',
    untrusted: true,
    env: { CKPT_IT_GREP: '' },
    prepare: ({ tmp, ws }) => {
      sample = join(ws, 'bug-report.ckpt');
      copyFileSync(join(root, 'samples/pair.ckpt'), sample);
      resultFile = join(tmp, 'results.json');
      releaseFile = join(tmp, 'release');
      marker = join(tmp, 'ssh-was-called');
      // An ssh that only leaves a mark: nothing may start it here.
      const bin = join(tmp, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'ssh'), `#!/bin/sh\ntouch '${marker}'\nexit 255\n`, { mode: 0o755 });
      return { EXT_TEST_RESULT: resultFile, EXT_TEST_RELEASE: releaseFile, CKPT_TEST_SAMPLE: sample, CKPT_TEST_SSH_MARKER: marker };
    },
    machineSettings: ({ tmp }) => ({ 'ckptInspector.ssh.path': join(tmp, 'bin', 'ssh') }),
  });
  const out = { passed: 0, failed: 0, failures: [] };
  try {
    await waitUntil('the Restricted Mode results', async () => existsSync(resultFile), 180000);
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    log(`mocha in the Restricted Mode extension host: ${r.passed} passed, ${r.failed} failed`);
    Object.assign(out, { passed: r.passed, failed: r.failed, failures: r.failures });
    const { page } = wb;
    check.page = page;
    await check('Restricted Mode: the editor title has no Restore button; the palette offers no Restore or ckpt-inspect terminal', async () => {
      await page.locator('.editor-actions').first().waitFor({ timeout: 10000 });
      const buttons = await page.locator('.editor-actions [aria-label*="Restore to Remote Host"]').count();
      assert(buttons === 0, `${buttons} Restore button(s)`);
      await page.keyboard.press('F1');
      await page.waitForSelector('.quick-input-widget input');
      await page.keyboard.type('Checkpoint:');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Go to Offset' }).first().waitFor({ timeout: 10000 });
      const rows = await page.$$eval('.quick-input-widget .monaco-list-row', (els) => els.map((e) => e.textContent ?? ''));
      assert(!rows.some((t) => /Restore to Remote Host|Open Terminal with ckpt-inspect/.test(t)), JSON.stringify(rows));
      await page.screenshot({ path: join(OUT, 'restricted-mode.png') });
      await page.keyboard.press('Escape');
      assert(!existsSync(marker), 'ssh was started');
    });
  } finally {
    writeFileSync(releaseFile, '');
    writeFileSync(join(OUT, 'code-server-restricted.log'), wb.log());
    await wb.stop();
  }
  return out;
}
