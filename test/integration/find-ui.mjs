// Find in the Hex panel (media/find-bar.ts, src/editor/find.ts) through the real webview in
// code-server, driven by the keyboard from Playwright: Ctrl+F opens the bar with the focus in it,
// Alt+X switches to text, Enter / Shift+Enter / F3 / Shift+F3 step through the matches, which
// become the Hex panel's selection; "N of M", "No match" and a bad query's message in the live
// region; a search held under way by the host (suite/asks.ts holdFind) shows its progress and
// Cancel stops it; Escape closes the bar and gives the focus back. Expected offsets come from a
// byte-by-byte scan of the file here, not from the extension.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every offset where `pat` starts in `hay`. */
function scan(hay, pat) {
  const out = [];
  for (let i = 0; i + pat.length <= hay.length; i++) {
    let k = 0;
    while (k < pat.length && hay[i + k] === pat[k]) k++;
    if (k === pat.length) out.push(i);
  }
  return out;
}
const hexOf = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * h: the harness's { page, check, assert, waitUntil, OUT, ws, manifest, openInEditor(file), frameOf(name), askHost(name, args) }.
 */
export async function findChecks(h) {
  const { page, check, assert, waitUntil, OUT } = h;
  const file = join(h.ws, 'find.ckpt');
  copyFileSync(h.manifest.sample, file);
  const bytes = new Uint8Array(readFileSync(file));
  await h.openInEditor(file);
  const f = await h.frameOf('find.ckpt');
  const state = () => f.evaluate(() => document.querySelector('.find-bar')?.dataset.state ?? null);
  const status = () => f.textContent('.find-status');
  const selected = () => f.$$eval('.hex-bytes .b.sel', (els) => els.map((e) => Number(e.dataset.off)));
  /** Press `key`, then wait for the bar's answer to it (its state and, when found, the selection at `offset`). */
  async function answer(key, want, offset) {
    await f.evaluate(() => {
      const bar = document.querySelector('.find-bar');
      if (bar) bar.dataset.state = 'asked';
    });
    await page.keyboard.press(key);
    await waitUntil(`the find bar's answer to ${key}`, async () => (await state()) === want, 10000);
    if (offset !== undefined) await waitUntil(`match at ${offset} selected`, async () => (await selected())[0] === offset, 5000);
  }

  await check('Find: Ctrl+F opens the bar at the top of the Hex panel with the focus in its query', async () => {
    await f.click('.summary');
    await page.keyboard.press('Control+f');
    await f.waitForSelector('.hex .find-bar:not([hidden])', { timeout: 5000 });
    const focused = await f.evaluate(() => document.activeElement?.classList.contains('find-input') ?? false);
    assert(focused, 'the query input has the focus');
    assert((await f.getAttribute('.find-hex', 'aria-pressed')) === 'true', 'hex by default');
  });

  await check('Find: text (Alt+X) "ls -l" selects the slave\'s pending input at the offset a scan of the file gives, "1 of 1"', async () => {
    await page.keyboard.press('Alt+x');
    assert((await f.getAttribute('.find-hex', 'aria-pressed')) === 'false', 'Alt+X switched to text');
    const want = scan(bytes, new TextEncoder().encode('ls -l'));
    assert(want.length === 1, `"ls -l" ${want.length} times in the sample`);
    await page.keyboard.type('ls -l');
    await answer('Enter', 'found', want[0]);
    const sel = await selected();
    assert(sel.length === 5 && sel[0] === want[0] && sel[4] === want[0] + 4, `selected ${sel}, want ${want[0]}..+4`);
    assert((await status()).trim() === '1 of 1', `status "${await status()}"`);
    assert((await f.getAttribute('.find-status', 'aria-live')) === 'polite', 'the status is a live region');
    const caret = await f.$$eval('.hex-bytes .b.caret', (els) => els.map((e) => Number(e.dataset.off)));
    assert(caret[0] === want[0], `hex caret at ${caret}`);
  });

  // A hex query with several matches: the slave's TTY record header (type and length), which the master's has too.
  const head = bytes.subarray(h.manifest.slaveTtyOffset, h.manifest.slaveTtyOffset + 8);
  const all = scan(bytes, head);
  await check('Find: hex bytes, Enter / F3 next and Shift+Enter / Shift+F3 previous through every match, wrapping round, "N of M"', async () => {
    assert(all.length >= 2, `the TTY header ${hexOf(head)} occurs ${all.length} times`);
    await page.keyboard.press('Alt+x');
    assert((await f.getAttribute('.find-hex', 'aria-pressed')) === 'true', 'back to hex');
    await f.fill('.find-input', hexOf(head));
    const from = (await selected())[0];
    let i = all.findIndex((o) => o >= from);
    if (i < 0) i = 0;
    await answer('Enter', 'found', all[i]);
    assert((await status()).startsWith(`${i + 1} of ${all.length}`), `status "${await status()}", want ${i + 1} of ${all.length}`);
    await page.screenshot({ path: join(OUT, 'find.png') });
    // Forward through all of them and round to where it started.
    for (let k = 1; k <= all.length; k++) {
      const j = (i + k) % all.length;
      await answer(k % 2 ? 'Enter' : 'F3', 'found', all[j]);
      const s = await status();
      // From the last match to the first is round the end.
      assert(s === `${j + 1} of ${all.length}${j === 0 ? ', wrapped' : ''}`, `step ${k}: status "${s}", want ${j + 1} of ${all.length}`);
    }
    // And back.
    for (let k = 1; k <= all.length; k++) {
      const j = (((i - k) % all.length) + all.length) % all.length;
      await answer(k % 2 ? 'Shift+Enter' : 'Shift+F3', 'found', all[j]);
      const s = await status();
      assert(s === `${j + 1} of ${all.length}${j === all.length - 1 ? ', wrapped' : ''}`, `back ${k}: status "${s}", want ${j + 1} of ${all.length}`);
    }
    const sel = await selected();
    assert(sel.length === 8, `a match selects its 8 bytes: ${sel}`);
  });

  await check('Find: no match says so in the live region and leaves the selection; a bad query says what is wrong', async () => {
    const absent = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce]);
    assert(scan(bytes, absent).length === 0, 'absent from the sample');
    const before = await selected();
    await f.fill('.find-input', hexOf(absent));
    await answer('Enter', 'none');
    assert((await status()).trim() === 'No match', `status "${await status()}"`);
    assert(JSON.stringify(await selected()) === JSON.stringify(before), 'selection unchanged');
    await f.fill('.find-input', 'de ad b');
    await answer('Enter', 'invalid');
    assert(/"b" at character 7 has an odd number of hex digits/.test(await status()), `status "${await status()}"`);
    assert((await f.getAttribute('.find-input', 'aria-invalid')) === 'true', 'the input is marked invalid');
  });

  await check('Find: a search still under way after 300 ms shows its progress and Cancel; Cancel stops it', async () => {
    await h.askHost('holdFind', { file });
    try {
      await f.fill('.find-input', hexOf(head));
      await page.keyboard.press('Shift+Enter');
      await f.waitForSelector('.find-progress-row:not([hidden])', { timeout: 10000 });
      assert((await status()).trim() === 'Searching…', `status "${await status()}"`);
      const max = await f.$eval('.find-progress', (p) => p.max);
      assert(max === bytes.length, `progress over ${max} bytes, the file has ${bytes.length}`);
      await page.screenshot({ path: join(OUT, 'find-progress.png') });
      await f.click('.find-cancel');
      await waitUntil('cancelled', async () => (await state()) === 'cancelled', 10000);
      assert((await status()).trim() === 'Search cancelled', `status "${await status()}"`);
      assert(await f.$eval('.find-progress-row', (r) => r.hidden), 'the progress row hides');
    } finally {
      await h.askHost('releaseFind', { file });
    }
  });

  await check('Find: Escape closes the bar and the focus goes back to where it was', async () => {
    await f.focus('.find-input');
    await page.keyboard.press('Escape');
    await f.waitForSelector('.find-bar', { state: 'hidden', timeout: 5000 });
    const where = await f.evaluate(() => document.activeElement?.className ?? '');
    assert(!/find-/.test(where) && where !== '', `focus on "${where}"`);
  });
}
