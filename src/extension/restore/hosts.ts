// Host names offered by "Restore to Remote Host…": the concrete `Host` entries of the user's ssh
// config (following `Include`), then recently used destinations. Pure Node: no `vscode` import.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export interface ConfigHost {
  host: string;
  /** The config file that names it. */
  file: string;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** A simple glob (`*`, `?`) over one directory level, as ssh's Include allows. */
function globFiles(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  const base = pattern.slice(dir.length + 1);
  if (/[*?]/.test(dir)) return [];
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  try {
    return readdirSync(dir).filter((n) => re.test(n)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * Concrete host aliases of an ssh config text (patterns with `*`, `?` or `!` are skipped).
 * `readInclude` resolves `Include` (relative paths are relative to ~/.ssh, as in ssh_config(5)).
 */
export function parseConfigHosts(text: string, file: string, readInclude?: (path: string) => string | undefined, depth = 0): ConfigHost[] {
  const out: ConfigHost[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    const args = (m[2] ?? '').match(/"[^"]*"|\S+/g)?.map((a) => a.replace(/^"|"$/g, '')) ?? [];
    if (key === 'host') {
      for (const a of args) if (!/[*?!]/.test(a) && a !== '') out.push({ host: a, file });
    } else if (key === 'include' && readInclude && depth < 8) {
      for (const a of args) {
        const p = expandHome(a);
        const abs = isAbsolute(p) ? p : join(homedir(), '.ssh', p);
        for (const f of globFiles(abs)) {
          const t = readInclude(f);
          if (t !== undefined) out.push(...parseConfigHosts(t, f, readInclude, depth + 1));
        }
      }
    }
  }
  return out;
}

function readIfFile(p: string): string | undefined {
  try {
    if (!statSync(p).isFile()) return undefined;
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Hosts of `configFile` (default ~/.ssh/config), de-duplicated in file order. */
export function configHosts(configFile?: string): ConfigHost[] {
  const file = configFile ? expandHome(configFile) : join(homedir(), '.ssh', 'config');
  const text = readIfFile(file);
  if (text === undefined) return [];
  const seen = new Set<string>();
  return parseConfigHosts(text, file, readIfFile).filter((h) => (seen.has(h.host) ? false : (seen.add(h.host), true)));
}

/** Most recent first, at most `max`, without duplicates. */
export function pushRecent(list: readonly string[], dest: string, max = 10): string[] {
  return [dest, ...list.filter((d) => d !== dest)].slice(0, max);
}
