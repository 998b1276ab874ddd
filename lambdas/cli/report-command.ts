/** `report`: loaded when the command runs (report-definition.ts defines its options). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceObject } from '../adapters/object-source';
import { renderFindingsCsv } from '../core/compliance/csv';
import { periodOf, previousPeriod, reportPeriod } from '../core/compliance/period';
import { renderComplianceHtml } from '../core/compliance/report-html';
import { renderReportJson } from '../core/compliance/report-json';
import { buildComplianceReport } from '../core/compliance/report-model';
import type { ComplianceReport, Coverage, Period, ReportCadence } from '../core/compliance/types';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Finding } from '../core/finding';
import { SEVERITIES_DESC } from '../core/finding';
import { displayText } from '../core/report/display-text';
import { RULES } from '../core/rules';
import { awsClientConfig, awsErrorLine } from './aws';
import type { CliContext } from './cli-context';
import { configOption, listInputs, readOptionFile } from './inputs';
import { EXIT, UsageError } from './io';
import { commandProgress } from './progress';
import { nothingReadMessage } from './read-nothing';
import type { ReportCommandOptions } from './report-definition';
import { scanObjects } from './scan';

/** The period the options name, checked; usage errors throw UsageError. */
function periodOfOptions(locations: readonly string[], options: ReportCommandOptions, now: Date): { period: Period; cadence?: ReportCadence } {
  if (options.findings !== undefined && locations.length > 0) throw new UsageError('give audit logs to scan or --findings FILE, not both');
  if (options.findings === undefined && locations.length === 0)
    throw new UsageError('report needs audit logs (files, directories, s3://bucket/prefix) or --findings FILE');
  if (options.period !== undefined) {
    if (options.from !== undefined || options.to !== undefined) throw new UsageError('give --period or --from/--to, not both');
    return { period: reportPeriod(options.period, options.at ?? now), cadence: options.period };
  }
  if (options.at !== undefined) throw new UsageError('--at goes with --period');
  if (options.from === undefined || options.to === undefined) throw new UsageError('give the period: --from and --to, or --period weekly|daily');
  try {
    return { period: periodOf(options.from, options.to) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

interface ReportInput {
  findings: Finding[];
  coverage?: Coverage[];
  /** Exit 3: an object was not read whole, or no audit event at all. */
  incomplete: boolean;
}

/** Scans the logs over the period and the one before; exit 3 (and a line on stderr) when no audit event was read at all. */
async function scanLogs(locations: readonly string[], options: ReportCommandOptions, config: Config, period: Period, ctx: CliContext): Promise<ReportInput> {
  const { io } = ctx;
  const quiet = options.quiet === true;
  let objects: SourceObject[];
  try {
    objects = await listInputs(locations, { aws: awsClientConfig(options), io, quiet, ...(io.stdin ? { stdin: io.stdin } : {}) });
  } catch (error) {
    // Said as they are: a usage error already names the fix, main says an AWS error in one line.
    if (error instanceof UsageError || awsErrorLine(error) !== undefined) throw error;
    throw new UsageError(`cannot list input: ${(error as Error).message}`);
  }
  const previous = previousPeriod(period);
  const progress = commandProgress(io, quiet);
  const result = await scanObjects(objects, {
    config,
    concurrency: options.concurrency,
    since: new Date(previous.from),
    until: new Date(period.to),
    coverageRange: { since: new Date(period.from), until: new Date(period.to) },
    onProgress: (p) => progress.update(p),
  });
  progress.done();
  if (!quiet)
    for (const o of result.stats.objects)
      if (!o.stats.complete) io.err(`warning: ${displayText(o.source)} could not be read completely; what was read is in the report`);
  // Said even with --quiet: a gate must see why it did not pass.
  const nothing = nothingReadMessage(objects.length, result.stats.total, locations);
  if (nothing) io.err(`error: ${nothing}`);
  return { findings: result.findings.map((f) => f.finding), coverage: result.coverage, incomplete: nothing !== undefined || result.summary.incomplete > 0 };
}

/** Writes the report of the period; returns the exit code. Usage errors throw UsageError (exit 2). */
export async function runReport(locations: readonly string[], options: ReportCommandOptions, ctx: CliContext): Promise<number> {
  const { period, cadence } = periodOfOptions(locations, options, ctx.now());
  const config = options.config !== undefined ? await configOption(options.config) : DEFAULT_CONFIG;
  const previous = previousPeriod(period);

  let input: ReportInput;
  if (options.findings !== undefined) {
    try {
      input = { findings: parseFindingsFile(readOptionFile(options.findings, '--findings'), options.findings), incomplete: false };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  } else input = await scanLogs(locations, options, config, period, ctx);

  const within =
    (p: Period) =>
    (f: Finding): boolean =>
      f.time >= p.from && f.time < p.to;
  const current = input.findings.filter(within(period));
  const report = buildComplianceReport({
    period,
    previousPeriod: previous,
    current,
    previous: input.findings.filter(within(previous)),
    ...(input.coverage ? { coverage: input.coverage } : {}),
    rules: RULES,
    config,
    generatedAt: ctx.now().toISOString(),
    ...(cadence ? { cadence } : {}),
    ...(options.title ? { title: options.title } : {}),
  });
  const out = options.out ?? join('reports', `compliance-${period.from.slice(0, 10)}_${period.to.slice(0, 10)}`);
  const files = { html: join(out, 'report.html'), csv: join(out, 'findings.csv'), json: join(out, 'report.json') };
  try {
    await mkdir(out, { recursive: true });
    await writeFile(files.html, renderComplianceHtml(report, RULES));
    await writeFile(files.csv, renderFindingsCsv(current, RULES));
    await writeFile(files.json, renderReportJson(report, current));
  } catch (error) {
    throw new UsageError(`cannot write the report to ${out}: ${(error as Error).message}`);
  }
  ctx.io.out(summaryLine(report, files));
  return input.incomplete ? EXIT.incomplete : EXIT.ok;
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
