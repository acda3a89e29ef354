/**
 * The CLI's record of the helper binaries it installed on remote hosts (the extension keeps the
 * same record in VS Code's globalState): a cached helper runs only when its hash is one this client
 * computed or recorded, never on the word of the `.sha256` file beside it.
 *
 * One small JSON file, `${XDG_CACHE_HOME:-~/.cache}/ckpt-inspect/helper-hashes.json`, written
 * atomically. It is a trust anchor, so a file or folder that is not private (another owner,
 * writable by group or others, a symlink) is neither read nor written: the store is then empty
 * and every restore installs the helper afresh.
 */
import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { HashStore } from './helper-cache.js';

/** Entries kept; the oldest go first. */
const MAX_ENTRIES = 256;
const MAX_FILE_BYTES = 256 << 10;

export function defaultHashStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const x = env.XDG_CACHE_HOME;
  const base = x !== undefined && x.startsWith('/') ? x : join(homedir(), '.cache');
  return join(base, 'ckpt-inspect', 'helper-hashes.json');
}

function privateEntry(path: string, kind: 'dir' | 'file'): boolean {
  try {
    const st = lstatSync(path);
    if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return false;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
    return (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export class FileHashStore implements HashStore {
  private readonly dir: string;

  constructor(readonly path: string = defaultHashStorePath()) {
    this.dir = join(path, '..');
  }

  private load(): [string, string][] {
    if (!privateEntry(this.dir, 'dir') || !privateEntry(this.path, 'file')) return [];
    try {
      const text = readFileSync(this.path, 'utf8');
      if (text.length > MAX_FILE_BYTES) return [];
      const v: unknown = JSON.parse(text);
      if (!Array.isArray(v)) return [];
      return v.filter((e): e is [string, string] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string' && /^[0-9a-f]{64}$/.test(e[1]));
    } catch {
      return [];
    }
  }

  get(key: string): string | undefined {
    return this.load().find(([k]) => k === key)?.[1];
  }

  set(key: string, sha256: string): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!privateEntry(this.dir, 'dir')) return;
      let exists = true;
      try { lstatSync(this.path); } catch { exists = false; }
      if (exists && !privateEntry(this.path, 'file')) return;
      // Re-read just before writing: another ckpt-inspect may have added an entry meanwhile.
      const entries = this.load().filter(([k]) => k !== key);
      entries.push([key, sha256]);
      writeFileAtomic(this.path, Buffer.from(`${JSON.stringify(entries.slice(-MAX_ENTRIES))}\n`));
    } catch {
      // Not being able to remember only costs a reinstall next time.
    }
  }
}
