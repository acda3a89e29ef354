// A minimal event: the editor core announces changes without VS Code's EventEmitter.
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  /** Call `fn` with every value fired from now on; the returned function stops that. */
  on(fn: (value: T) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  fire(value: T): void {
    for (const fn of [...this.listeners]) fn(value);
  }

  clear(): void {
    this.listeners.clear();
  }
}
