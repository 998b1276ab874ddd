/**
 * Compressed bytes pulled from an async source, with a rewindable record: the gzip layer keeps
 * the bytes since its last known member start, so after a corrupt member it can decode again
 * from there, and give back bytes it read ahead. Offsets are absolute positions in the source.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Buffer>;
  /** Bytes given back, served before the iterator. */
  private readonly back: Buffer[] = [];
  /** Every byte read since `keptStart` (a rewind truncates it, re-reading appends again). */
  private kept: Buffer[] = [];
  private keptStart = 0;
  private exhausted = false;
  /** Offset of the next byte `read` returns. */
  position = 0;

  constructor(input: AsyncIterable<Buffer>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** The next bytes (at most `max`), or undefined at the end. */
  async read(max = Infinity): Promise<Buffer | undefined> {
    let chunk = this.back.shift();
    while (chunk === undefined && !this.exhausted) {
      const next = await this.iterator.next();
      if (next.done) this.exhausted = true;
      else if (next.value.length > 0) chunk = next.value;
    }
    if (chunk === undefined) return undefined;
    if (chunk.length > max) {
      this.back.unshift(chunk.subarray(max));
      chunk = chunk.subarray(0, max);
    }
    this.kept.push(chunk);
    this.position += chunk.length;
    return chunk;
  }

  /** Exactly `length` bytes, fewer only at the end. */
  async readExactly(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < length) {
      const part = await this.read(length - have);
      if (!part) break;
      parts.push(part);
      have += part.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
  }

  /** Starts a new record at the current position. */
  keepFromHere(): void {
    this.kept = [];
    this.keptStart = this.position;
  }

  get keptFrom(): number {
    return this.keptStart;
  }

  get keptLength(): number {
    return this.position - this.keptStart;
  }

  /** Forgets recorded bytes before `at`: no rewind will go back that far. */
  forgetBefore(at: number): void {
    while (this.kept.length > 0 && this.keptStart + this.kept[0].length <= at) this.keptStart += this.kept.shift()!.length;
    if (this.kept.length > 0 && at > this.keptStart) {
      this.kept[0] = this.kept[0].subarray(at - this.keptStart);
      this.keptStart = at;
    }
  }

  /** Goes back to `at` (within the record): the bytes from there are read again. */
  rewind(at: number): void {
    if (at < this.keptStart || at > this.position) throw new RangeError(`cannot rewind to ${at}: kept ${this.keptStart}..${this.position}`);
    let end = this.position;
    while (end > at) {
      const last = this.kept.pop()!;
      const start = end - last.length;
      if (start >= at) {
        this.back.unshift(last);
      } else {
        this.kept.push(last.subarray(0, at - start));
        this.back.unshift(last.subarray(at - start));
      }
      end = Math.max(start, at);
    }
    this.position = at;
  }

  /** Releases the source (an S3 socket) when the reading stops early or ends. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}
