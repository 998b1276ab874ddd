/** The median of some timings: what every benchmark here reports, one run being too noisy on a shared machine. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A row's speed and the baseline's, measured one right after the other (any unit, the same for both). */
export interface Paired {
  speed: number;
  baseline: number;
}

/**
 * The median of each pair's ratio. A shared machine's speed drifts by a fifth within minutes:
 * a row divided by the median of baselines timed minutes apart carries that drift, a row divided
 * by the baseline timed just before it does not.
 */
export function pairedRatio(pairs: readonly Paired[]): number {
  return median(pairs.map((p) => p.speed / p.baseline));
}
