import type { AlertsCommandDeps } from './alerts-command';
import type { BackfillCommandDeps } from './backfill-command';
import type { IncidentsCommandDeps } from './incidents-command';
import type { Io } from './io';

/**
 * What every command definition is given. A definition (a commander `Command` built by a
 * `…CommandDefinition(ctx)` function) imports only light modules at the top: commander, types, the
 * option parsers. Its action loads the implementation with `await import(…)`, so `--help`,
 * `--version` and a local scan never load the AWS SDK.
 */
export interface CliContext {
  io: Io;
  /** The clock of `--since 24h`, `--period weekly` and the like (tests pin it). */
  now: () => Date;
  /** The action's exit code (see EXIT); the last call wins, 0 when none is set. */
  setExit(code: number): void;
  /** Clients the AWS commands use instead of making their own (tests). */
  deps: CommandDeps;
}

export interface CommandDeps {
  alerts?: AlertsCommandDeps;
  backfill?: BackfillCommandDeps;
  incidents?: IncidentsCommandDeps;
}
