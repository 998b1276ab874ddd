import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { awsErrorLine } from './aws';
import type { CliContext, CommandDeps } from './cli-context';
import type { Io } from './io';
import { EXIT, UsageError } from './io';
import { buildProgram, commandPath } from './program';

export interface MainOptions {
  /** The clock of relative times (`--since 24h`); tests pin it. */
  now?: () => Date;
  /** Clients the AWS commands use instead of making their own (tests). */
  deps?: CommandDeps;
}

/**
 * Runs the CLI; returns the exit code (io.ts EXIT). Output goes through `io`, so tests can
 * capture it. Usage errors, AWS errors and commander's own (unknown flag, missing argument) are
 * one line on stderr and exit 2; anything else is a bug and is thrown.
 */
export async function main(argv: string[], io: Io, options: MainOptions = {}): Promise<number> {
  let code: number = EXIT.ok;
  let running: Command | undefined;
  const ctx: CliContext = { io, now: options.now ?? (() => new Date()), setExit: (c) => (code = c), deps: options.deps ?? {} };
  const program = buildProgram(ctx);
  program.hook('preAction', (_root, action) => {
    running = action;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    const where = running ? commandPath(running) : program.name();
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n\nRun '${where} --help' for usage.`);
      return EXIT.usage;
    }
    const aws = awsErrorLine(error);
    if (aws !== undefined) {
      io.err(`error: ${aws}`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** Commander has printed its message (help, version, or the error with its pointer to help). */
function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
  // commander.help: a command that needs a subcommand was given none; its help went to stderr.
  return EXIT.usage;
}
