/**
 * Remembers roughly the last `capacity`..2×`capacity` keys in two generations, so memory stays
 * flat on any object size. Duplicates come from shipper retries and overlapping uploads, which
 * sit close together in a stream; a repeat further apart than the window is let through (the
 * findings store is idempotent on each finding's fingerprint, so it cannot alert twice).
 */
export class RecentKeys {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True when `key` was seen within the window; otherwise remembers it. */
  seen(key: string): boolean {
    if (this.current.has(key) || this.previous.has(key)) return true;
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(key);
    return false;
  }
}
