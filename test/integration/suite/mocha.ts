// Mocha inside the extension host: the tests `register` declares, run once; passes and failures
// are also printed (the browser console shows them).
import * as MochaNs from 'mocha';

type MochaCtor = new (o: Record<string, unknown>) => Mocha;
const MochaClass: MochaCtor = ((MochaNs as unknown as { default?: MochaCtor }).default ?? (MochaNs as unknown as MochaCtor));

export async function runMocha(register: () => void): Promise<{ passes: string[]; failures: { title: string; error: string }[] }> {
  const grep = process.env.CKPT_IT_GREP;
  const mocha = new MochaClass({ ui: 'bdd', timeout: 30000, color: false, ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, 'editor.test', mocha);
  register();
  const failures: { title: string; error: string }[] = [];
  const passes: string[] = [];
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t: Mocha.Test) => {
      passes.push(t.fullTitle());
      console.log(`  ok ${t.fullTitle()}`);
    });
    runner.on('fail', (t: Mocha.Test, err: Error) => {
      failures.push({ title: t.fullTitle(), error: String(err?.stack ?? err) });
      console.log(`  FAIL ${t.fullTitle()}: ${err?.message}`);
    });
  });
  return { passes, failures };
}
