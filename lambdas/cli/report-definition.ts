/** `report`'s options and help; report-command.ts, loaded when it runs, does the work. */
import { Command, Option } from 'commander';
import type { CliContext } from './cli-context';
import { EXIT_USAGE, exitNothingRead, helpEnd } from './command-help';
import * as opt from './options';

export const REPORT_CADENCES = ['weekly', 'daily'] as const;
export type ReportCadenceChoice = (typeof REPORT_CADENCES)[number];

/** What `report` is given, as commander parsed and checked it. */
export interface ReportCommandOptions {
  from?: Date;
  to?: Date;
  period?: ReportCadenceChoice;
  at?: Date;
  findings?: string;
  config?: string;
  out?: string;
  title?: string;
  concurrency: number;
  region?: string;
  profile?: string;
  quiet?: boolean;
}

export function reportCommandDefinition(ctx: CliContext): Command {
  return new Command('report')
    .summary('the compliance report (HTML, CSV, JSON) for a period')
    .description(
      'Writes the compliance report of [--from, --to) and compares it with the period of the same length just before. ' +
        "Audit logs are scanned (the same reader and rules as 'scan') over both periods; a findings file ('scan --format json' " +
        'or ndjson output, or a report.json) is read instead of logs, and then no control can be shown as held: without the ' +
        'logs there is no evidence the rules could see.',
    )
    .argument('[locations...]', "audit logs: files, directories, s3://bucket/prefix, or '-' for standard input (or --findings)")
    .addOption(
      opt.time(
        '--from <time>',
        'the start of the period: ISO date/time (2026-11-23, 2026-11-23T00:00:00Z; UTC when no zone is given) or a duration back (7d)',
        ctx.now,
      ),
    )
    .addOption(opt.time('--to <time>', 'the end of the period, not included (same forms as --from)', ctx.now))
    .addOption(
      new Option('--period <cadence>', 'the last complete ISO week (Monday 00:00 UTC) or UTC day before --at; instead of --from/--to').choices(REPORT_CADENCES),
    )
    .addOption(opt.time('--at <time>', 'with --period: the reference time (default: now)', ctx.now))
    .option('--findings <file>', 'read findings from FILE instead of scanning logs')
    .option('--config <file>', 'YAML or JSON configuration (switched-off rules show as not assessed)')
    .option('--out <dir>', 'where to write report.html, findings.csv and report.json (default: reports/compliance-<from>_<to>)')
    .option('--title <text>', "the report's title")
    .addOption(opt.concurrency())
    .addOption(opt.region())
    .addOption(opt.profile())
    .addOption(opt.quiet())
    .addHelpText(
      'after',
      helpEnd(
        [
          'k8s-audit-analyzer report samples/ --from 2026-11-20 --to 2026-11-21',
          'k8s-audit-analyzer report s3://my-audit-logs/clusters/prod-eu/ --period weekly --out reports/week --region eu-west-1',
          'k8s-audit-analyzer scan logs/ --format json > findings.json && k8s-audit-analyzer report --findings findings.json --period weekly',
        ],
        [[0, 'written'], EXIT_USAGE, exitNothingRead('The report is still written\nfrom what could be read.')],
      ),
    )
    .action(async (locations: string[], options: ReportCommandOptions) => {
      const { runReport } = await import('./report-command');
      ctx.setExit(await runReport(locations, options, ctx));
    });
}
