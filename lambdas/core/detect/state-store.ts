import type { StateStore } from '../ports';

// The port is the core's (ports.ts); rules that predate the move still name it from here.
export type { StateStore } from '../ports';

/** For the CLI and tests: one process, so a Map is atomic enough. Expired entries are dropped on access. */
export class MemoryStateStore implements StateStore {
  private readonly values = new Map<string, { value: unknown; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  update<T>(key: string, change: (current: T | undefined) => T, ttlSeconds: number): Promise<T> {
    const entry = this.values.get(key);
    const current = entry && entry.expires > this.now() ? (entry.value as T) : undefined;
    const next = change(current);
    this.values.set(key, { value: next, expires: this.now() + ttlSeconds * 1000 });
    return Promise.resolve(next);
  }

  get size(): number {
    return this.values.size;
  }

  /** The live entries, to keep them (the CLI's state file). */
  entries(): Record<string, { value: unknown; expires: number }> {
    const now = this.now();
    return Object.fromEntries([...this.values].filter(([, e]) => e.expires > now));
  }

  /** Adds kept entries back; expired ones and malformed ones are dropped. */
  load(entries: Record<string, { value: unknown; expires: number }>): void {
    const now = this.now();
    for (const [key, entry] of Object.entries(entries)) {
      if (entry !== null && typeof entry === 'object' && typeof entry.expires === 'number' && entry.expires > now) this.values.set(key, entry);
    }
  }
}
