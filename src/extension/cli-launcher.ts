// The `ckpt-inspect` launcher scripts that cli-terminal.ts puts on the terminals' PATH. Pure: no
// `vscode` import (unit-tested with a real sh).

/** POSIX shell single quotes. */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The launcher scripts for `node` running `cli` (bin/ckpt-inspect.js). Inside Electron (desktop VS
 * Code) the executable is the editor itself, which runs as plain Node only with ELECTRON_RUN_AS_NODE.
 */
export function launchers(node: string, cli: string, electron: boolean, platform: NodeJS.Platform = process.platform): { name: string; text: string; mode: number }[] {
  const env = electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  const out = [{ name: 'ckpt-inspect', text: `#!/bin/sh\n# ckpt-inspect of the Checkpoint Image Inspector extension, run with the editor's own Node.\n${env}exec ${sq(node)} ${sq(cli)} "$@"\n`, mode: 0o755 }];
  if (platform === 'win32') {
    out.push({ name: 'ckpt-inspect.cmd', text: `@echo off\r\nsetlocal\r\n${electron ? 'set ELECTRON_RUN_AS_NODE=1\r\n' : ''}"${node}" "${cli}" %*\r\n`, mode: 0o644 });
  }
  return out;
}

