import type { Context } from 'aws-lambda';

/**
 * The invocation's working time: what Lambda gives it (`getRemainingTimeInMillis`) less a
 * reserve kept to store and alert what was read, and to answer the batch, before the timeout.
 * A timeout fails every record of the batch, those already done included; stopping short of it
 * fails none that was done.
 */
export interface Deadline {
  /** Working time left (ms); 0 once only the reserve is left. Infinity without a Lambda context (tests, the CLI). */
  readonly left: () => number;
  /** True once only the reserve is left: read no further, start nothing new. */
  readonly passed: () => boolean;
  /** The working time the invocation started with (ms). */
  readonly budget: number;
}

/** The reserve: a fifth of the invocation's time, at least 5 s and at most 60 s (of Lambda's 30 s to 900 s here). */
export function defaultReserve(remainingMs: number): number {
  return Math.min(60_000, Math.max(5_000, Math.floor(remainingMs / 5)));
}

export function invocationDeadline(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined, reserveMs?: number): Deadline {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis.bind(context) : undefined;
  if (!remaining) return { left: () => Infinity, passed: () => false, budget: Infinity };
  const reserve = reserveMs ?? defaultReserve(remaining());
  const left = (): number => Math.max(0, remaining() - reserve);
  return { left, passed: () => left() <= 0, budget: left() };
}
