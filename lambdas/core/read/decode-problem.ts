/**
 * A problem a decompression layer found and read past: the bytes around it are lost, but the
 * layer went on (at the next gzip member, the next zstd frame). The reader counts it and marks
 * the reading incomplete, exactly as for a stream that stops.
 */
export interface DecodeProblem {
  kind: 'corrupt-input' | 'truncated-input';
  detail: string;
  /** Counted, but no data can have been lost (zero padding after the last gzip member): the reading stays complete. */
  nothingLost?: boolean;
}
