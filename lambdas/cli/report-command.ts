import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceObject } from '../adapters/object-source';
import { renderFindingsCsv } from '../core/compliance/csv';
import { periodOf, previousPeriod, reportPeriod } from '../core/compliance/period';
import { renderComplianceHtml } from '../core/compliance/report-html';
import { renderReportJson } from '../core/compliance/report-json';
import { buildComplianceReport } from '../core/compliance/report-model';
import type { ComplianceReport, Coverage, Period, ReportCadence } from '../core/compliance/types';
import { ConfigError } from '../core/config/schema';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Finding } from '../core/finding';
import { SEVERITIES_DESC } from '../core/finding';
import { RULES } from '../core/rules';
import type { Io } from './io';
import { EXIT, usageError } from './io';
import { concurrencyOption, configOption, listInputs, readOptionFile } from './inputs';
import { commandProgress } from './progress';
import { scanObjects } from './scan';
import { parseTimeArgument } from './time-range';

export const REPORT_HELP = `k8s-audit-analyzer report: the compliance report (HTML, CSV, JSON) for a period

Usage:
  k8s-audit-analyzer report <file|dir|s3://bucket/prefix>... (--from T --to T | --period weekly|daily [--at T]) [options]
  k8s-audit-analyzer report --findings FILE.json (--from T --to T | --period weekly|daily [--at T]) [options]

The report covers [--from, --to) and compares it with the period of the same length just before.
Audit logs are scanned (the same reader and rules as 'scan') over both periods; a findings file
('scan --format json' or '--format ndjson' output, or a report.json) is read instead of logs, and
then no control can be shown as held: without the logs there is no evidence the rules could see.

Options:
  --from T, --to T      the period: ISO date/time (2026-11-23, 2026-11-23T00:00:00Z; UTC when no
                        zone is given) or a duration back from now (7d)
  --period weekly|daily the last complete ISO week (Monday 00:00 UTC) or UTC day before --at
  --at T                with --period: the reference time (default: now)
  --findings FILE       read findings from FILE instead of scanning logs
  --config FILE         YAML or JSON configuration (switched-off rules show as not assessed)
  --out DIR             where to write report.html, findings.csv and report.json
                        (default: reports/compliance-<from>_<to>)
  --title TEXT          the report's title
  --concurrency N       objects read at once (default 4)
  -q, --quiet           no progress bar, no notes on stderr
  -h, --help

Examples:
  k8s-audit-analyzer report samples/ --from 2026-11-20 --to 2026-11-21
  k8s-audit-analyzer report s3://my-audit-logs/clusters/prod-eu/ --period weekly --out reports/week
  k8s-audit-analyzer scan logs/ --format json > findings.json && k8s-audit-analyzer report --findings findings.json --period weekly

Exit codes: 0 written, 2 usage or configuration error, 3 some input could not be read completely
(the report is still written from what could be read).`;

/** `k8s-audit-analyzer report …`: returns the exit code. */
export async function reportCommand(argv: string[], io: Io, now: () => Date = () => new Date()): Promise<number> {
  const fail = (message: string): number => usageError(io, message, 'report');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        period: { type: 'string' },
        at: { type: 'string' },
        findings: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        title: { type: 'string' },
        concurrency: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(REPORT_HELP);
    return EXIT.ok;
  }

  let period: Period;
  let cadence: ReportCadence | undefined;
  let config: Config = DEFAULT_CONFIG;
  let concurrency: number;
  try {
    if (values.findings !== undefined && positionals.length > 0) throw new Error('give audit logs to scan or --findings FILE, not both');
    if (values.findings === undefined && positionals.length === 0)
      throw new Error('report needs audit logs (files, directories, s3://bucket/prefix) or --findings FILE');
    const at = values.at !== undefined ? parseTimeArgument(values.at, now()) : now();
    if (values.period !== undefined) {
      if (values.from !== undefined || values.to !== undefined) throw new Error('give --period or --from/--to, not both');
      if (values.period !== 'weekly' && values.period !== 'daily') throw new Error(`--period must be weekly or daily (got "${values.period}")`);
      cadence = values.period;
      period = reportPeriod(cadence, at);
    } else {
      if (values.at !== undefined) throw new Error('--at goes with --period');
      if (values.from === undefined || values.to === undefined) throw new Error('give the period: --from and --to, or --period weekly|daily');
      period = periodOf(parseTimeArgument(values.from, now()), parseTimeArgument(values.to, now()));
    }
    concurrency = concurrencyOption(values.concurrency);
    if (values.config !== undefined) config = await configOption(values.config);
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : (error as Error).message);
  }
  const previous = previousPeriod(period);

  let findings: Finding[];
  let coverage: Coverage[] | undefined;
  let incomplete = 0;
  if (values.findings !== undefined) {
    try {
      findings = parseFindingsFile(readOptionFile(values.findings, '--findings'), values.findings);
    } catch (error) {
      return fail((error as Error).message);
    }
  } else {
    let objects: SourceObject[];
    try {
      objects = await listInputs(positionals);
    } catch (error) {
      return fail(`cannot list input: ${(error as Error).message}`);
    }
    if (objects.length === 0 && !values.quiet) io.err('note: no objects found under the given locations');
    const progress = commandProgress(io, values.quiet);
    const result = await scanObjects(objects, {
      config,
      concurrency,
      since: new Date(previous.from),
      until: new Date(period.to),
      coverageRange: { since: new Date(period.from), until: new Date(period.to) },
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    findings = result.findings.map((f) => f.finding);
    coverage = result.coverage;
    incomplete = result.summary.incomplete;
    if (!values.quiet)
      for (const o of result.stats.objects) if (!o.stats.complete) io.err(`warning: ${o.source} could not be read completely; what was read is in the report`);
  }

  const within =
    (p: Period) =>
    (f: Finding): boolean =>
      f.time >= p.from && f.time < p.to;
  const report = buildComplianceReport({
    period,
    previousPeriod: previous,
    current: findings.filter(within(period)),
    previous: findings.filter(within(previous)),
    ...(coverage ? { coverage } : {}),
    rules: RULES,
    config,
    generatedAt: now().toISOString(),
    ...(cadence ? { cadence } : {}),
    ...(values.title ? { title: values.title } : {}),
  });
  const current = findings.filter(within(period));
  const out = values.out ?? join('reports', `compliance-${period.from.slice(0, 10)}_${period.to.slice(0, 10)}`);
  const files = { html: join(out, 'report.html'), csv: join(out, 'findings.csv'), json: join(out, 'report.json') };
  try {
    await mkdir(out, { recursive: true });
    await writeFile(files.html, renderComplianceHtml(report, RULES));
    await writeFile(files.csv, renderFindingsCsv(current, RULES));
    await writeFile(files.json, renderReportJson(report, current));
  } catch (error) {
    return fail(`cannot write the report to ${out}: ${(error as Error).message}`);
  }
  io.out(summaryLine(report, files));
  return incomplete > 0 ? EXIT.incomplete : EXIT.ok;
}

function summaryLine(report: ComplianceReport, files: { html: string; csv: string; json: string }): string {
  const counts = SEVERITIES_DESC.filter((s) => report.summary.bySeverity[s] > 0).map((s) => `${report.summary.bySeverity[s]} ${s}`);
  const states = { held: 0, violated: 0, 'not-assessed': 0, 'not-applicable': 0 };
  for (const c of report.controls) states[c.state]++;
  return [
    `${report.period.label}: ${report.summary.findings} findings${counts.length ? ` (${counts.join(', ')})` : ''}, ${report.trend.findings.previous} in the period before`,
    `controls: ${states.violated} violated, ${states.held} held, ${states['not-assessed']} not assessed, ${states['not-applicable']} not applicable`,
    `written: ${files.html}, ${files.csv}, ${files.json}`,
  ].join('\n');
}

/** Findings from `scan --format json` (`{findings}`), a report.json (`{report, findings}`), a JSON array, or NDJSON. */
export function parseFindingsFile(text: string, name: string): Finding[] {
  const trimmed = text.trim();
  let values: unknown[];
  try {
    if (trimmed.startsWith('[')) values = JSON.parse(trimmed) as unknown[];
    else if (trimmed.startsWith('{') && !/}\s*\n\s*{/.test(trimmed)) {
      const doc = JSON.parse(trimmed) as { findings?: unknown };
      if (!Array.isArray(doc.findings)) throw new Error('no "findings" array');
      values = doc.findings;
    } else
      values = trimmed
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
  } catch (error) {
    throw new Error(`${name} is not a findings file ('scan --format json' or ndjson output, or a report.json): ${(error as Error).message}`, { cause: error });
  }
  values.forEach((v, i) => {
    const f = v as Partial<Finding> | null;
    if (!f || typeof f.ruleId !== 'string' || typeof f.time !== 'string' || typeof f.severity !== 'string' || typeof f.auditID !== 'string') {
      throw new Error(`${name}: finding ${i + 1} lacks ruleId, time, severity or auditID`);
    }
  });
  return values as Finding[];
}
