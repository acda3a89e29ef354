// Compare two images through the workbench (Playwright): "Checkpoint: Compare with…" from the command
// palette with the checkpoint editor in front, the second file picked in VS Code's file dialog, then
// the real keys of the panel (F7 / Shift+F7 / Alt+F5 / Shift+Alt+F5, the toolbar's buttons) moving
// the focus between the differences. The screenshot is docs/compare.png's source (test-output/compare.png).
// The images are those test/integration/suite/compare.test.ts wrote into the workspace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from './restore-ui.mjs';
import { waitUntil } from './workbench.mjs';

/** The frame of the compare panel whose page shows `state`. */
async function compareFrame(page, state) {
  return waitUntil(
    `the compare panel (${state})`,
    async () => {
      for (const f of page.frames()) {
        const ok = await f.evaluate((s) => document.body?.dataset.view === 'compare' && document.body.dataset.state === s, state).catch(() => false);
        if (ok) return f;
      }
      return null;
    },
    30000,
  );
}

const focused = (f) => f.evaluate(() => {
  const tr = document.activeElement?.closest('tbody tr');
  return tr ? `${tr.dataset.stop ?? '-'} ${tr.querySelector('th')?.textContent?.trim()}` : null;
});

export async function compareChecks({ page, ws, openInEditor, frameOf, check, assert, OUT }) {
  await check('Compare with… from the palette, the second image picked in the file dialog; F7, Shift+F7, Alt+F5, Shift+Alt+F5 and the toolbar move between the differences', async () => {
    await openInEditor(join(ws, 'compare-a.ckpt'));
    await frameOf(page, 'compare-a.ckpt');
    await runCommand(page, 'Checkpoint: Compare with…');
    const dialog = page.locator('.quick-input-widget', { hasText: 'Compare compare-a.ckpt with…' });
    await dialog.waitFor({ timeout: 15000 });
    const input = dialog.locator('input').first();
    // The dialog puts its starting folder into the input once it has read it, which can be after
    // the widget shows: typing before that is overwritten. Wait for it, then type until it holds.
    const want = join(ws, 'compare-b.ckpt');
    await waitUntil('the file dialog to show its starting folder', async () => (await input.inputValue()) !== '', 15000);
    // It can also put the folder back after the path was typed (CI once pressed Enter on the folder:
    // "Please select a file"): type, press Enter only while the input holds the path, until it closes.
    await waitUntil('the file dialog to take the typed path', async () => {
      if (!(await dialog.isVisible())) return true;
      if ((await input.inputValue()) !== want) {
        await input.fill(want);
        return false;
      }
      await page.keyboard.press('Enter');
      // Give it time to close before another Enter could reach the editor behind it.
      await dialog.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => {});
      return !(await dialog.isVisible());
    }, 20000);
    const f = await compareFrame(page, 'differs');
    const names = await f.$$eval('tbody tr.cmp-field th', (els) => els.map((e) => e.textContent));
    assert(JSON.stringify(names) === JSON.stringify(['ws_col', 'c_lflag']), `fields ${JSON.stringify(names)}`);
    assert((await f.textContent('.cmp-count')).startsWith('2 differences'), await f.textContent('.cmp-count'));
    await f.click('.cmp-count');
    const step = async (key, want) => {
      await page.keyboard.press(key);
      const ok = (v) => (want instanceof RegExp ? want.test(v ?? '') : v === want);
      await waitUntil(`${key} to ${want}`, async () => ok(await focused(f)), 5000);
    };
    await step('F7', '0 ws_col');
    await step('F7', '1 c_lflag');
    await step('Shift+F7', '0 ws_col');
    await step('Alt+F5', '1 c_lflag');
    await step('Shift+Alt+F5', '0 ws_col');
    // Arrows go row by row: the slave's TTY record heading, then its field.
    await step('ArrowDown', /^- TTY objref \d+ \(slave of \/dev\/pts\/\d+\)$/);
    await step('ArrowDown', '1 c_lflag');
    await step('Home', /^- TTY objref \d+ \(master of/);
    await f.click('.cmp-prev');
    await waitUntil('the Previous Difference button', async () => (await focused(f)) === '0 ws_col', 5000);
    // The icons are @vscode/codicons' own, drawn inline: a page that fetches anything (a font, its
    // bundle) can hold up every later webview when it is closed mid-fetch (media/codicons.ts).
    const r = await f.evaluate(() => ({
      next: [...document.querySelectorAll('.cmp-next svg.codicon path')].map((p) => p.getAttribute('d')),
      changed: [...document.querySelectorAll('.cmp-label svg.codicon-diff-modified path')].map((p) => p.getAttribute('d')),
      fonts: [...document.fonts].map((x) => x.family),
      fetched: performance.getEntriesByType('resource').map((e) => e.name),
    }));
    const icon = (n) => [...readFileSync(fileURLToPath(new URL(`../../node_modules/@vscode/codicons/src/icons/${n}.svg`, import.meta.url)), 'utf8').matchAll(/ d="([^"]+)"/g)].map((x) => x[1]);
    assert(JSON.stringify(r.next) === JSON.stringify(icon('arrow-down')), `the Next Difference button's icon ${JSON.stringify(r.next)}`);
    assert(r.changed.length > 0 && JSON.stringify(r.changed.slice(0, icon('diff-modified').length)) === JSON.stringify(icon('diff-modified')), `the changed-record icon ${JSON.stringify(r.changed)}`);
    assert(r.fonts.length === 0 && r.fetched.length === 0, `fonts ${JSON.stringify(r.fonts)}, requests ${JSON.stringify(r.fetched)}`);
    await page.screenshot({ path: join(OUT, 'compare.png') });
  });
}
