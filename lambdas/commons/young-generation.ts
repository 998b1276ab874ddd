/**
 * The young generation the log-reading code runs with: the analyzer Lambda (its NODE_OPTIONS) and
 * the CLI's reading commands (relaunched where V8's own choice is far from it). V8 sizes it from
 * the memory it sees: 2 MiB at 512 MB or less, up to 128 MiB on a large machine under Node 24.
 * Both ends cost. Under a 1024 MB limit, as the Lambda has, the analyzer handler took 18% less
 * CPU at 8 MiB; in a 256 or 512 MB container the CLI's scan took 25–41% longer without it; on a
 * large machine one scan under Node 24 held 40–50 MiB more without it (docs/performance.md).
 */
export const SEMI_SPACE_MB = 8;

/** Node's option that sets it (allowed in NODE_OPTIONS). */
export const SEMI_SPACE_OPTION = '--max-semi-space-size';

/** The option with the size above. */
export const SEMI_SPACE_FLAG = `${SEMI_SPACE_OPTION}=${SEMI_SPACE_MB}`;
