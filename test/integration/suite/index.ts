// Runs inside the real VS Code extension host (code-server): mocha over the *.test.ts bundled next to
// this file, results written to $EXT_TEST_RESULT as JSON. Then waits for the harness to release it
// ($EXT_TEST_RELEASE appears), so the workbench stays as the tests left it for the DOM checks.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { runMocha } from './mocha.js';
import { registerTests } from './editor.test.js';
import { registerEditTests } from './edit.test.js';
import { registerRepairTests } from './repair.test.js';
import { registerFirstContactTests } from './first-contact.test.js';
import { registerHostileTests } from './hostile.test.js';
import { registerCompareTests } from './compare.test.js';
import { answer } from './asks.js';

export async function run(): Promise<void> {
  const resultFile = process.env.EXT_TEST_RESULT;
  const release = process.env.EXT_TEST_RELEASE;
  const { passes, failures } = await runMocha(() => {
    // First: it closes every editor; the DOM checks expect the sample's editor that the others leave open.
    registerFirstContactTests();
    registerEditTests();
    registerRepairTests();
    // Before the editor suite, whose last test leaves the sample open for the DOM checks.
    registerHostileTests();
    registerCompareTests();
    registerTests();
  });
  if (resultFile) writeFileSync(resultFile, JSON.stringify({ passed: passes.length, failed: failures.length, passes, failures }, null, 2));
  if (release) {
    // While waiting, the harness may ask for a colour theme (for its screenshots) through $release.theme.
    const themeFile = `${release}.theme`;
    // … or to open a file in the checkpoint editor ($release.open holds its path).
    const openFile = `${release}.open`;
    const until = Date.now() + 480000;
    while (!existsSync(release) && Date.now() < until) {
      if (existsSync(themeFile)) {
        const theme = readFileSync(themeFile, 'utf8').trim();
        rmSync(themeFile, { force: true });
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
        writeFileSync(`${release}.theme-done`, theme);
      }
      if (existsSync(openFile)) {
        const file = readFileSync(openFile, 'utf8').trim();
        rmSync(openFile, { force: true });
        await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'ckptInspector.editor');
        writeFileSync(`${release}.open-done`, file);
      }
      // … or anything of suite/asks.ts ($release.ask holds {name, args}; the answer: $release.answer).
      const askFile = `${release}.ask`;
      if (existsSync(askFile)) {
        const ask = JSON.parse(readFileSync(askFile, 'utf8')) as { name: string; args?: Record<string, string> };
        rmSync(askFile, { force: true });
        const a = await answer(ask).then(
          (value) => ({ ok: true, value }),
          (e: unknown) => ({ ok: false, error: e instanceof Error ? e.message : String(e) }),
        );
        writeFileSync(`${release}.answer.tmp`, JSON.stringify(a));
        renameSync(`${release}.answer.tmp`, `${release}.answer`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
