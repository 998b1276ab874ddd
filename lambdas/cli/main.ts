import { parseArgs } from 'node:util';
import { readStats, renderStatsTable } from './stats-command';

export const EXIT = { ok: 0, findings: 1, usage: 2, unreadable: 3 } as const;

const HELP = `k8s-audit-analyzer: find persistence in Kubernetes audit logs

Usage:
  k8s-audit-analyzer stats <file|dir>... [--json] [--all]

Commands:
  stats   Read audit-log objects (any supported shipping format and compression) and print
          what the reader saw in each: events, what the pre-check skipped, problems and where.

Options:
  --json  Print one JSON document: { objects: [{ source, stats }], total }.
  --all   Parse every event (turn the pre-check off), e.g. to compare counts.
  -h, --help

Examples:
  k8s-audit-analyzer stats samples/
  k8s-audit-analyzer stats ./audit-2026-11-20.jsonl.gz --json

Exit codes: 0 done, 2 usage error, 3 some input could not be read completely.`;

/** Runs the CLI; returns the exit code. Output goes through the given writers, so tests can capture it. */
export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (error) {
    err(`${(error as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const [command, ...paths] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === 'help') {
    (command === undefined && !parsed.values.help ? err : out)(HELP);
    return command === undefined && !parsed.values.help ? EXIT.usage : EXIT.ok;
  }
  if (command !== 'stats') {
    err(`unknown command: ${command}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (paths.length === 0) {
    err(`stats needs at least one file or directory\n\n${HELP}`);
    return EXIT.usage;
  }
  let result;
  try {
    result = await readStats(paths, { all: parsed.values.all });
  } catch (error) {
    err(`cannot read input: ${(error as Error).message}`);
    return EXIT.usage;
  }
  out(parsed.values.json ? JSON.stringify(result, null, 2) : renderStatsTable(result));
  return result.total.complete ? EXIT.ok : EXIT.unreadable;
}
