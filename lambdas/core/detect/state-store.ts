/**
 * Where stateful detectors keep what they remember between events (and, deployed, between
 * Lambda invocations: several functions must agree, so updates are atomic).
 */
export interface StateStore {
  /**
   * Applies `change` to the value at `key` atomically and returns the new value. Implementations
   * with concurrent writers retry `change` on conflict, so it must be pure.
   */
  update<T>(key: string, change: (current: T | undefined) => T, ttlSeconds: number): Promise<T>;
}

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
}
