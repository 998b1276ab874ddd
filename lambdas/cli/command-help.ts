/**
 * The end of every command's help: its examples and the exit codes that command can return, in
 * the layout of EXIT_CODES_HELP (io.ts), so each help says only what applies to it.
 */

/** An exit code and what it means for this command; a `\n` in the text continues it on the next line. */
export type ExitCodeLine = readonly [code: number, meaning: string];

export function helpEnd(examples: readonly string[], exitCodes: readonly ExitCodeLine[]): string {
  const width = Math.max(...exitCodes.map(([code]) => String(code).length)) + 2;
  const codes = exitCodes.map(([code, meaning]) => `  ${String(code).padEnd(width)}${meaning.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
  return ['', 'Examples:', ...examples.map((e) => `  ${e}`), '', 'Exit codes:', ...codes].join('\n');
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
