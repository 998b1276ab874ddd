#!/usr/bin/env node
import { EXIT } from '../lambdas/cli/io';
import { main } from '../lambdas/cli/main';

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
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
