// An in-memory FileSystemProvider (a scheme that is not `file:`), as a virtual workspace or a
// remote repository provider gives the editor: files only, created with put().
import * as vscode from 'vscode';

export class MemFs implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  put(path: string, data: Uint8Array): void {
    this.files.set(path, { data: new Uint8Array(data), mtime: Date.now() });
  }
  private dirs(): Set<string> {
    const s = new Set<string>(['/']);
    for (const p of this.files.keys()) for (let d = p.slice(0, p.lastIndexOf('/')); d !== ''; d = d.slice(0, d.lastIndexOf('/'))) s.add(d);
    return s;
  }
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  stat(uri: vscode.Uri): vscode.FileStat {
    const f = this.files.get(uri.path);
    if (f) return { type: vscode.FileType.File, ctime: f.mtime, mtime: f.mtime, size: f.data.length };
    if (this.dirs().has(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }
  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const pre = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    const out = new Map<string, vscode.FileType>();
    for (const p of this.files.keys()) if (p.startsWith(pre)) { const rest = p.slice(pre.length); const i = rest.indexOf('/'); out.set(i < 0 ? rest : rest.slice(0, i), i < 0 ? vscode.FileType.File : vscode.FileType.Directory); }
    return [...out];
  }
  readFile(uri: vscode.Uri): Uint8Array {
    const f = this.files.get(uri.path);
    if (!f) throw vscode.FileSystemError.FileNotFound(uri);
    return f.data;
  }
  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    this.put(uri.path, content);
    this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }
  createDirectory(): void {}
  delete(uri: vscode.Uri): void {
    this.files.delete(uri.path);
  }
  rename(from: vscode.Uri, to: vscode.Uri): void {
    const f = this.files.get(from.path);
    if (!f) throw vscode.FileSystemError.FileNotFound(from);
    this.files.delete(from.path);
    this.files.set(to.path, f);
  }
}
