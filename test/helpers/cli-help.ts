/** Checks every command's help and usage errors are held to. */

/** What a run of the CLI gave. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** The exit codes a help's "Exit codes:" section lists, in order. */
export function exitCodesIn(help: string): number[] {
  const start = help.indexOf('\nExit codes:\n');
  if (start < 0) return [];
  return help
    .slice(start)
    .split('\n')
    .flatMap((line) => /^ {2}(\d+) /.exec(line)?.[1] ?? [])
    .map(Number);
}

/**
 * A command's `--help`: exit 0 with nothing on stderr, its usage line, each option or subcommand
 * named at the start of a line, examples of this command, then exactly the exit codes given.
 */
export function expectCommandHelp(run: CliRun, path: readonly string[], names: readonly string[], codes: readonly number[]): void {
  expect(run.code).toBe(0);
  expect(run.err).toBe('');
  expect(run.out).toMatch(new RegExp(`^Usage: k8s-audit-analyzer ${path.join(' ')} `));
  for (const name of names) expect(run.out).toMatch(new RegExp(`^ {2}(-\\w, )?${name} `, 'm'));
  expect(run.out).toMatch(new RegExp(`^Examples:\\n {2}k8s-audit-analyzer ${path[0]} `, 'm'));
  expect(exitCodesIn(run.out)).toEqual(codes);
}

/** A usage error: exit 2, nothing on stdout, the reason, and the pointer to the command's own help. */
export function expectUsageError(run: CliRun, reason: RegExp, path: string): void {
  expect(run.code).toBe(2);
  expect(run.out).toBe('');
  expect(run.err).toMatch(reason);
  expect(run.err).toContain(`Run 'k8s-audit-analyzer ${path} --help' for usage.`);
}
