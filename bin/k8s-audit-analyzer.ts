#!/usr/bin/env node
import { EXIT } from '../lambdas/cli/io';
import { processMemory, relaunch, relaunchFlags, SemiSpaceSettingError } from '../lambdas/cli/relaunch';

/** Runs the command in this process. */
function runHere(): void {
  /**
   * A reader that went away (`scan --format json | head`) is not an error: output stops, the
   * command finishes, and the exit code is the one the results deserve. Writes after that are
   * dropped instead of failing again.
   */
  let stdoutClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
  });
  process.stderr.on('error', () => {
    // stderr closed too: there is nowhere left to say anything.
  });

  // Loaded here, not above: a parent that only relays to a relaunched child loads none of the CLI.
  import('../lambdas/cli/main')
    .then(({ main }) =>
      main(process.argv.slice(2), {
        out: (s) => {
          if (!stdoutClosed) process.stdout.write(s + '\n');
        },
        write: (chunk) => {
          if (!stdoutClosed) process.stdout.write(chunk);
        },
        err: (s) => process.stderr.write(s + '\n'),
        errStream: process.stderr,
        stdoutIsTty: process.stdout.isTTY,
      }),
    )
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = EXIT.internal;
      },
    );
}

/** Runs the command here, or in a relaunched process with a bounded young generation (relaunch.ts). */
function start(): void {
  let flags: string[] | undefined;
  try {
    flags = relaunchFlags({
      nodeVersion: process.versions.node,
      argv: process.argv.slice(2),
      execArgv: process.execArgv,
      env: process.env,
      memoryBytes: processMemory(),
    });
  } catch (error) {
    if (!(error instanceof SemiSpaceSettingError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  if (flags) relaunch(flags, { runHere, warn: (line) => process.stderr.write(line + '\n') });
  else runHere();
}

start();
