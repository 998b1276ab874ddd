/**
 * The end of every command's help: its examples and the exit codes that command can return, so
 * each help says only what applies to it; the program's help lists them all (PROGRAM_EXIT_CODES).
 */

/** An exit code and what it means for this command; a `\n` in the text continues it on the next line. */
export type ExitCodeLine = readonly [code: number, meaning: string];

export function helpEnd(examples: readonly string[], exitCodes: readonly ExitCodeLine[]): string {
  return ['', 'Examples:', ...examples.map((e) => `  ${e}`), '', exitCodesText(exitCodes)].join('\n');
}

/** The "Exit codes:" section. */
export function exitCodesText(exitCodes: readonly ExitCodeLine[]): string {
  const width = Math.max(...exitCodes.map(([code]) => String(code).length)) + 2;
  const codes = exitCodes.map(([code, meaning]) => `  ${String(code).padEnd(width)}${meaning.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
  return ['Exit codes:', ...codes].join('\n');
}

/** The lines most commands share. */
export const EXIT_DONE: ExitCodeLine = [0, 'done'];
export const EXIT_USAGE: ExitCodeLine = [
  2,
  'usage or configuration error (a bad option, an unreadable --config, AWS credentials or region;\nthe line printed says what to do)',
];
/** Exit 2 of the commands that work on the deployed stack. */
export const EXIT_STACK_USAGE: ExitCodeLine = [
  2,
  'usage error, or AWS refused (credentials, region, permission, no such stack); the line printed\nsays what to do',
];

/** Exit 3 of a command that reads audit logs; `stillDone` says what it still does with what it read. */
export const exitNothingRead = (stillDone: string): ExitCodeLine => [
  3,
  `input incomplete: some object could not be read whole, or no audit event was read at all\n(an empty directory, a wrong prefix); stderr says which. ${stillDone}`,
];

/** `scan`'s own. */
export const EXIT_FINDINGS: ExitCodeLine = [1, 'a finding at or above --fail-on'];

/** Every code any command returns: the program's help. */
export const PROGRAM_EXIT_CODES: readonly ExitCodeLine[] = [
  EXIT_DONE,
  [1, `scan: ${EXIT_FINDINGS[1]}`],
  EXIT_USAGE,
  exitNothingRead('What could be read is still reported.'),
  [70, 'a bug: an error the CLI did not expect (its stack is printed)'],
  [130, 'backfill: stopped by Ctrl-C'],
];
