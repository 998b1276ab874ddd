import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceObject } from '../adapters/object-source';
import { DetectorStateFile } from '../adapters/detector-state-file';
import { ConfigError } from '../core/config/schema';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Severity } from '../core/finding';
import { SEVERITIES, severityRank } from '../core/finding';
import { redactProblemDetail } from '../core/detect/redact';
import { displayText } from '../core/report/display-text';
import { renderHtmlReport } from '../core/report/html';
import { renderMarkdown } from '../core/report/markdown';
import { renderJson, renderNdjson, renderTerminal } from '../core/report/terminal';
import { renderSarif } from '../core/report/sarif';
import { renderOcsf } from '../core/export/ocsf';
import { ocsfOptions } from './ocsf-options';
import type { LocatedFinding } from '../core/report/aggregate';
import { aggregate, countBySeverity } from '../core/report/aggregate';
import { groupIntoIncidents } from '../core/incident/incidents';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';
import type { Incident } from '../core/incident/types';
import { RULES } from '../core/rules';
import { alertsCommand } from './alerts-command';
import { incidentsCommand } from './incidents-command';
import { backfillCommand } from './backfill-command';
import { clusterOption, concurrencyOption, configOption, inCluster, incidentWindowOption, listInputs } from './inputs';
import type { Io } from './io';
import { EXIT, usageError } from './io';
import { commandProgress } from './progress';
import { reportCommand } from './report-command';
import { renderRuleDetails, renderRuleList } from './rules-command';
import { anyAtOrAbove, scanObjects } from './scan';
import { readStats, renderStatsTable } from './stats-command';
import { parseTimeArgument } from './time-range';

const FORMATS = ['table', 'json', 'ndjson', 'markdown', 'sarif', 'ocsf'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `k8s-audit-analyzer: find persistence in Kubernetes audit logs

Usage:
  k8s-audit-analyzer scan <file|dir|s3://bucket/prefix>... [options]
  k8s-audit-analyzer report <file|dir|s3://…>... (--from T --to T | --period weekly|daily) [--out DIR]
  k8s-audit-analyzer rules [show <rule-id>]
  k8s-audit-analyzer stats <file|dir>... [--json] [--all]
  k8s-audit-analyzer backfill <s3://bucket/prefix>... --queue-url URL [--since T] [--until T] [--dry-run]
  k8s-audit-analyzer alerts test --stack NAME [--region R] [--profile P]
  k8s-audit-analyzer alerts preview <file|dir|s3://…>... [--cluster NAME] [--format text|json] [options]
  k8s-audit-analyzer incidents list|close ID --stack NAME [--reason TEXT] [--region R] [--profile P]

Commands:
  scan    Read audit-log objects (any shipping format and compression, detected), run the rules,
          print the incidents (findings grouped per cluster and principal) and the aggregated
          findings. Directories are read recursively; S3 prefixes through the standard AWS
          credential chain.
  report  The compliance report for a period (HTML, CSV, JSON): findings, trend against the
          period before, and which controls held. 'report --help' for its options.
  rules   List the rules (id, category, severity, ATT&CK); 'rules show ID' prints one in full.
  stats   Print what the reader saw in each object (events, skipped, problems and where).
  backfill Send existing S3 objects to the analyzer's work queue, resumably; 'backfill --help'.
  alerts  'alerts test' publishes a sample alert marked [TEST] through the deployed stack's alerts
          topic to every destination (email, Slack, Amazon Q); 'alerts preview' prints the alerts
          the deployed analyzer would send for some logs, sending nothing; 'alerts --help'.
  incidents 'incidents list' shows the deployed stack's open incidents; 'incidents close ID'
          closes one (a 'closed' alert when it had been alerted); 'incidents --help'.

Scan options:
  --format table|json|ndjson|markdown|sarif|ocsf   output on stdout (default: table); ocsf: OCSF 1.1.0
                       Detection Findings, one JSON record a line (Security Lake, SIEMs)
  --config FILE        YAML or JSON configuration (rules, settings, exceptions)
  --min-severity LVL   leave out findings below LVL (info|low|medium|high|critical)
  --fail-on LVL        exit 1 when a finding is at or above LVL
  --incident-window M  a principal's findings within M minutes of each other form one incident
                       (default ${DEFAULT_INCIDENT_WINDOW_MINUTES}, as the analyzer); info findings join no
                       incident (they stay in the table)
  --report FILE.html   also write a self-contained HTML report
  --since T, --until T event time range: ISO date/time (2026-11-20, 2026-11-20T10:00:00Z) or a
                       duration back from now (90m, 24h, 7d)
  --concurrency N      objects read at once (default 4)
  --cluster NAME       the cluster of objects whose path names none (as if under clusters/NAME/,
                       the analyzer's layout), so one cluster's logs in several places form one
                       set of incidents; an event's own envelope or key still wins
  --state FILE         keep what the detectors learn (first-seen baselines, restart counts) in
                       FILE between runs: scan last weeks' logs with it first to seed a baseline
                       (docs/baselines.md); without it every scan starts with nothing learnt
  -q, --quiet          no progress bar, no notes on stderr
  -v, --verbose        also list every problem the reader met, per object
  -h, --help

Examples:
  k8s-audit-analyzer scan samples/
  k8s-audit-analyzer scan ./audit.log.gz --since 24h --min-severity medium
  k8s-audit-analyzer scan s3://my-audit-logs/clusters/prod/2026/11/ --fail-on high --report report.html
  k8s-audit-analyzer scan logs/ --format sarif > findings.sarif
  k8s-audit-analyzer report s3://my-audit-logs/clusters/prod/ --period weekly
  k8s-audit-analyzer rules show rbac.privileged-role-bound

Exit codes: 0 done, 1 findings at or above --fail-on, 2 usage or configuration error,
3 some input could not be read completely (what could be read is still reported).`;

/** A reader problem's detail as a terminal may show it: it can quote the object's bytes. */
export function shownDetail(detail: string): string {
  return displayText(redactProblemDetail(detail));
}

function severityOption(name: string, value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new Error(`--${name} must be one of ${SEVERITIES.join(', ')} (got "${value}")`);
}

/**
 * The incidents of the shown findings. Info findings join none: they are context (a read, a
 * listing) that would open an incident for every busy identity and page nobody.
 */
export function incidentsOf(shown: readonly LocatedFinding[], windowMinutes: number): Incident[] {
  return groupIntoIncidents(
    shown.filter(({ finding }) => severityRank(finding.severity) >= severityRank(INCIDENT_MINIMUM)),
    windowMinutes,
  );
}

/** Findings below this join no incident (see `incidentsOf`). */
const INCIDENT_MINIMUM: Severity = 'low';

/** Runs the CLI; returns the exit code. Output goes through `io`, so tests can capture it. */
export async function main(argv: string[], io: Io): Promise<number> {
  // The report and backfill commands have options of their own.
  if (argv[0] === 'report') return reportCommand(argv.slice(1), io);
  if (argv[0] === 'backfill') return backfillCommand(argv.slice(1), io);
  if (argv[0] === 'alerts') return alertsCommand(argv.slice(1), io);
  if (argv[0] === 'incidents') return incidentsCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        config: { type: 'string' },
        'min-severity': { type: 'string' },
        'fail-on': { type: 'string' },
        'incident-window': { type: 'string' },
        report: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        concurrency: { type: 'string' },
        cluster: { type: 'string' },
        state: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    io.out(HELP);
    return EXIT.ok;
  }
  if (command === undefined) {
    io.err(HELP);
    return EXIT.usage;
  }
  if (command === 'rules') {
    if (rest.length === 0) {
      io.out(renderRuleList(RULES));
      return EXIT.ok;
    }
    if (rest[0] !== 'show' || rest.length !== 2) return usageError(io, `usage: k8s-audit-analyzer rules [show <rule-id>]`);
    const rule = RULES.find((r) => r.id === rest[1]);
    if (!rule) return usageError(io, `no rule "${rest[1]}"; 'k8s-audit-analyzer rules' lists them`);
    io.out(renderRuleDetails(rule));
    return EXIT.ok;
  }
  if (command === 'stats') {
    if (rest.length === 0) return usageError(io, 'stats needs at least one file or directory');
    let result;
    try {
      result = await readStats(rest, { all: values.all });
    } catch (error) {
      return usageError(io, `cannot read input: ${(error as Error).message}`);
    }
    io.out(values.json ? JSON.stringify(result, null, 2) : renderStatsTable(result));
    return result.total.complete ? EXIT.ok : EXIT.incomplete;
  }
  if (command !== 'scan') return usageError(io, `unknown command: ${command}`);
  if (rest.length === 0) return usageError(io, 'scan needs at least one file, directory or s3://bucket/prefix');

  // Options, all checked before any input is read.
  let format: Format;
  let config: Config = DEFAULT_CONFIG;
  let minSeverity: Severity | undefined;
  let failOn: Severity | undefined;
  let since: Date | undefined;
  let until: Date | undefined;
  let concurrency: number;
  let incidentWindow: number;
  let cluster: string | undefined;
  try {
    format = (values.format ?? 'table') as Format;
    if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
    minSeverity = severityOption('min-severity', values['min-severity']);
    failOn = severityOption('fail-on', values['fail-on']);
    if (values.since !== undefined) since = parseTimeArgument(values.since);
    if (values.until !== undefined) until = parseTimeArgument(values.until);
    if (since && until && since >= until) throw new Error('--since must be before --until');
    concurrency = concurrencyOption(values.concurrency);
    incidentWindow = incidentWindowOption(values['incident-window']);
    cluster = clusterOption(values.cluster);
    if (values.report !== undefined && !values.report.endsWith('.html')) throw new Error('--report must name an .html file');
    if (values.config !== undefined) config = configOption(values.config);
  } catch (error) {
    return usageError(io, error instanceof ConfigError ? error.message : (error as Error).message);
  }

  let state: DetectorStateFile | undefined;
  if (values.state !== undefined) {
    try {
      state = await DetectorStateFile.open(values.state);
    } catch (error) {
      return usageError(io, (error as Error).message);
    }
  }

  let objects: SourceObject[];
  try {
    objects = (await listInputs(rest)).map((object) => inCluster(object, cluster));
  } catch (error) {
    return usageError(io, `cannot list input: ${(error as Error).message}`);
  }
  if (objects.length === 0) io.err('note: no objects found under the given locations');

  const env = io.env ?? process.env;
  const progress = commandProgress(io, values.quiet);
  const result = await scanObjects(objects, {
    config,
    ...(state ? { state } : {}),
    since,
    until,
    concurrency,
    onProgress: (p) => progress.update(p),
  });
  progress.done();
  if (state) {
    try {
      await state.save(); // before any output: what was learnt is kept even if writing the output fails
    } catch (error) {
      io.err(`error: ${(error as Error).message}`);
      return EXIT.usage;
    }
  }

  const shown = minSeverity ? result.findings.filter(({ finding }) => severityRank(finding.severity) >= severityRank(minSeverity)) : result.findings;
  const table = minSeverity ? aggregate(shown) : result.table;
  const summary = { ...result.summary, findings: shown.length, bySeverity: countBySeverity(shown) };
  const findings = shown.map((f) => f.finding);
  const incidents = incidentsOf(shown, incidentWindow);
  switch (format) {
    case 'json':
      io.out(renderJson({ findings, incidents, table, stats: { ...summary, perObject: result.stats.objects } }));
      break;
    case 'ndjson':
      io.out(renderNdjson(findings).trimEnd());
      break;
    case 'markdown':
      io.out(renderMarkdown(table, summary));
      break;
    case 'sarif':
      io.out(renderSarif(table, RULES, { toolVersion: version() }));
      break;
    case 'ocsf':
      io.out(renderOcsf(findings, ocsfOptions(version())).trimEnd());
      break;
    default:
      io.out(renderTerminal(table, summary, { colour: io.stdoutIsTty === true && !env.NO_COLOR, width: process.stdout.columns || 160, incidents }));
  }

  if (!values.quiet) {
    for (const e of result.expiredExceptions)
      io.err(`note: exception for ${e.rules.join(', ')} expired on ${e.expires ?? '?'} and was not applied (${e.reason})`);
    for (const o of result.stats.objects) {
      if (!o.stats.complete)
        io.err(
          `warning: ${displayText(o.source)} could not be read completely; what was read is reported (${o.stats.samples
            .filter((s) => ['truncated-input', 'corrupt-input', 'unsupported-compression', 'source-error'].includes(s.kind))
            .map((s) => shownDetail(s.detail))
            .join('; ')})`,
        );
      if (values.verbose)
        for (const s of o.stats.samples) io.err(`  ${displayText(o.source)}: ${s.kind} at line ${s.line}, byte ${s.offset}: ${shownDetail(s.detail)}`);
    }
  }
  if (values.report !== undefined) {
    try {
      await mkdir(dirname(values.report), { recursive: true });
      await writeFile(values.report, renderHtmlReport({ rows: table, findings, incidents, summary, rules: RULES, generatedAt: new Date().toISOString() }));
      if (!values.quiet) io.err(`report written to ${values.report}`);
    } catch (error) {
      io.err(`cannot write --report ${values.report}: ${(error as Error).message}`);
      return EXIT.usage;
    }
  }
  if (result.summary.incomplete > 0) return EXIT.incomplete;
  return failOn && anyAtOrAbove(result.findings, failOn) ? EXIT.findings : EXIT.ok;
}

/** The package version, from the package.json above this file (in dist/ or in the sources). */
function version(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      // not here: look one level up
    }
  }
  return '0.0.0';
}
