/**
 * The command tree: every command, option and help text, on commander. Definitions import only
 * light modules; each action loads its implementation when it runs, so `--help`, `--version`,
 * `rules` and a local scan never load the AWS SDK.
 */
import { Command, Option } from 'commander';
import type { Severity } from '../core/finding';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';
import { alertsCommandDefinition } from './alerts-definition';
import { backfillCommandDefinition } from './backfill-definition';
import type { CliContext } from './cli-context';
import { completionCommandDefinition } from './completion';
import { incidentsCommandDefinition } from './incidents-definition';
import { EXIT_DONE, EXIT_FINDINGS, EXIT_USAGE, exitCodesText, exitNothingRead, helpEnd, PROGRAM_EXIT_CODES } from './command-help';
import * as opt from './options';
import type { ReaderThreads } from './options';
import { reportCommandDefinition } from './report-definition';
import { packageVersion } from './version';

export const CLI_NAME = 'k8s-audit-analyzer';

/** Output formats of `scan`. */
export const SCAN_FORMATS = ['table', 'json', 'ndjson', 'markdown', 'sarif', 'ocsf', 'csv'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

/** What `scan` is given, as commander parsed and checked it. */
export interface ScanCommandOptions {
  format: ScanFormat;
  config?: string;
  minSeverity?: Severity;
  failOn?: Severity;
  incidentWindow: number;
  report?: string;
  since?: Date;
  until?: Date;
  concurrency: number;
  cluster?: string;
  state?: string;
  workers: ReaderThreads;
  region?: string;
  profile?: string;
  quiet?: boolean;
  verbose?: boolean;
}

function scanCommandDefinition(ctx: CliContext): Command {
  return new Command('scan')
    .summary('find persistence in audit-log objects: incidents and the aggregated findings')
    .description(
      'Reads audit-log objects (every shipping format and compression, detected), runs the rules and prints the incidents ' +
        '(findings grouped per cluster and principal) and the aggregated findings. Directories are read recursively ' +
        "(hidden files and *.md skipped); S3 prefixes through the standard AWS credential chain; '-' reads standard input.",
    )
    .argument('<locations...>', "files, directories, s3://bucket/prefix, or '-' for standard input")
    .addOption(
      new Option('--format <format>', 'output on stdout; ocsf: OCSF 1.1.0 Detection Findings, a JSON record a line; csv: one row a finding')
        .choices(SCAN_FORMATS)
        .default('table'),
    )
    .option('--config <file>', 'YAML or JSON configuration (rules, settings, exceptions)')
    .addOption(opt.severityChoice('--min-severity <level>', 'leave out findings below the level'))
    .addOption(opt.severityChoice('--fail-on <level>', 'exit 1 when a finding is at or above the level (judged on all findings)'))
    .addOption(opt.incidentWindow(DEFAULT_INCIDENT_WINDOW_MINUTES))
    .option('--report <file.html>', 'also write a self-contained HTML report')
    .addOption(
      opt.time('--since <time>', 'leave out events before: ISO date/time (2026-11-20, 2026-11-20T10:00:00Z) or a duration back (90m, 24h, 7d)', ctx.now),
    )
    .addOption(opt.time('--until <time>', 'leave out events from this time on (same forms as --since)', ctx.now))
    .addOption(opt.concurrency())
    .addOption(opt.workers())
    .addOption(opt.cluster())
    .option('--state <file>', 'keep what the detectors learn (first-seen baselines, restart counts) in FILE between runs')
    .addOption(opt.region())
    .addOption(opt.profile())
    .addOption(opt.quiet())
    .option('-v, --verbose', 'also list every problem the reader met, per object')
    .addHelpText(
      'after',
      helpEnd(
        [
          `${CLI_NAME} scan samples/ --cluster prod-eu`,
          `${CLI_NAME} scan ./audit.log.gz --since 24h --min-severity medium`,
          `${CLI_NAME} scan s3://my-audit-logs/clusters/prod/2026/11/ --fail-on high --report report.html`,
          `zcat audit.log.gz | ${CLI_NAME} scan - --format ndjson`,
          `${CLI_NAME} scan logs/ --format sarif > findings.sarif`,
        ],
        [EXIT_DONE, EXIT_FINDINGS, EXIT_USAGE, exitNothingRead('What could be read is still reported.')],
      ),
    )
    .action(async (locations: string[], options: ScanCommandOptions) => {
      const { runScan } = await import('./scan-command');
      ctx.setExit(await runScan(locations, options, ctx));
    });
}

function rulesCommandDefinition(ctx: CliContext): Command {
  const rules = new Command('rules')
    .summary('list the rules; rules show ID prints one in full')
    .description('Lists the rules: id, category, severity, ATT&CK techniques and title.')
    .action(async () => {
      const [{ RULES }, { renderRuleList }] = await Promise.all([import('../core/rules'), import('./rules-command')]);
      ctx.io.out(renderRuleList(RULES));
    });
  rules
    .command('show')
    .description('Prints one rule in full: what it finds, why it matters, its severity rubric, how to respond and tune it.')
    .argument('<rule-id>', "a rule's id, as 'rules' lists them")
    .action(async (id: string) => {
      const [{ RULES }, { renderRuleDetails }, { UsageError }] = await Promise.all([import('../core/rules'), import('./rules-command'), import('./io')]);
      const rule = RULES.find((r) => r.id === id);
      if (!rule) throw new UsageError(`no rule "${id}"; '${CLI_NAME} rules' lists them`);
      ctx.io.out(renderRuleDetails(rule));
    });
  return rules;
}

function statsCommandDefinition(ctx: CliContext): Command {
  return new Command('stats')
    .summary('what the reader saw in each object: events, skipped, problems and where')
    .description('Reads every object and prints what the reader saw in it: events, skipped events, problems and where they are.')
    .argument('<locations...>', "files or directories, or '-' for standard input")
    .option('--json', 'the statistics as JSON')
    .option('--all', 'parse every event (no pre-check skipping)')
    .addHelpText(
      'after',
      helpEnd(
        [`${CLI_NAME} stats samples/`, `${CLI_NAME} stats audit.log.gz --json --all`],
        [EXIT_DONE, EXIT_USAGE, exitNothingRead('The statistics of what could be read are still printed.')],
      ),
    )
    .action(async (locations: string[], options: { json?: boolean; all?: boolean }) => {
      const { runStats } = await import('./stats-command');
      ctx.setExit(await runStats(locations, { json: options.json === true, all: options.all === true }, ctx));
    });
}

/** The whole tree, ready to parse. */
export function buildProgram(ctx: CliContext): Command {
  const program: Command = new Command(CLI_NAME)
    .description('Find persistence in Kubernetes API-server audit logs: the same reader and rules as the deployed analyzer.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addCommand(scanCommandDefinition(ctx))
    .addCommand(reportCommandDefinition(ctx))
    .addCommand(rulesCommandDefinition(ctx))
    .addCommand(statsCommandDefinition(ctx))
    .addCommand(backfillCommandDefinition(ctx))
    .addCommand(alertsCommandDefinition(ctx))
    .addCommand(incidentsCommandDefinition(ctx))
    .addCommand(completionCommandDefinition(ctx, (): Command => program))
    .addHelpText('after', `\n'${CLI_NAME} <command> --help' prints a command's options and examples.\n\n${exitCodesText(PROGRAM_EXIT_CODES)}`);
  for (const command of allCommands(program)) {
    command
      .exitOverride()
      .showSuggestionAfterError(true)
      .showHelpAfterError(`Run '${commandPath(command)} --help' for usage.`)
      .configureOutput({
        writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')),
        writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')),
      })
      .configureHelp({ helpWidth: 100, showGlobalOptions: false });
    command.helpOption('-h, --help', 'print this help');
  }
  return program;
}

/** The command and every command under it. */
export function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/** `k8s-audit-analyzer alerts test`, for a command's pointers to its help. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
