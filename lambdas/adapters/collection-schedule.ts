/**
 * When a reader thread collects its heap, by the decoded bytes it has read (see `reader-worker.ts`
 * for why it collects at all): a minor collection every `minorEvery` bytes, and a full one, in its
 * place, every `fullEvery`. Batches end where documents end, so each interval is counted from the
 * batch that ended the last one, not from a multiple of it.
 */
export class CollectionSchedule {
  private minorAt = 0;
  private fullAt = 0;

  constructor(
    private readonly minorEvery: number,
    private readonly fullEvery: number,
  ) {}

  /** The collection due once `decoded` bytes have been read in all, if any. */
  after(decoded: number): 'minor' | 'full' | undefined {
    if (decoded - this.fullAt >= this.fullEvery) {
      this.fullAt = this.minorAt = decoded;
      return 'full';
    }
    if (decoded - this.minorAt >= this.minorEvery) {
      this.minorAt = decoded;
      return 'minor';
    }
    return undefined;
  }
}
