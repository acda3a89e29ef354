// Polling for what the extension host and the webview reach asynchronously (the editor open, a
// render of a generation, a dirty flag), shared by the integration suites.

/** The first truthy value of `fn`, polled every `every` ms; throws after `ms`, naming `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20000, every = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A VS Code diagnostic's code: a string, or the value of a `{ value, target }` code (a problem with a Quick Fix link). */
export function diagCode(d: { code?: string | number | { value: string | number } }): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}
