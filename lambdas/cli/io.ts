/** What every command shares: where it writes, and what its exit code means. */

/** A command's surroundings; tests pass their own to capture the output. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stdout as it is, no newline added (formats written finding by finding); without it they go through `out` at the end. */
  write?: (chunk: string) => void;
  /** stderr, for the progress bar; only used when it is a terminal. */
  errStream?: NodeJS.WriteStream;
  stdoutIsTty?: boolean;
  env?: NodeJS.ProcessEnv;
  /** What '-' reads (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

/** The exit codes of every command; each command's help lists those it can return. */
export const EXIT = {
  ok: 0,
  /** scan: a finding at or above --fail-on. */
  findings: 1,
  /** A usage or configuration error, or (backfill) the objects could not be listed. */
  usage: 2,
  /** Done in part: some input could not be read completely (scan, report, stats), or some messages could not be sent (backfill). */
  incomplete: 3,
  /** An error the CLI did not expect (a bug). */
  internal: 70,
  /** backfill: stopped by Ctrl-C. */
  interrupted: 130,
} as const;

/**
 * A usage or configuration error found by a command's action: the CLI prints `error: message`,
 * the pointer to that command's help, and exits 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Whether stdout gets colours: NO_COLOR (any value) turns them off, FORCE_COLOR (but 0/false)
 * turns them on, otherwise a terminal has them.
 */
export function wantsColour(io: Io): boolean {
  const env = io.env ?? process.env;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR);
  return io.stdoutIsTty === true;
}

/** Progress is drawn on a terminal only: not in CI logs, not into a pipe, not with --quiet. */
export function drawsProgress(io: Io, quiet: boolean): boolean {
  const env = io.env ?? process.env;
  return io.errStream?.isTTY === true && !quiet && !env.CI;
}
