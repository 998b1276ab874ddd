/** `scan`: loaded when the command runs (program.ts defines its options). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SourceObject } from '../adapters/object-source';
import { DetectorStateFile } from '../adapters/detector-state-file';
import { renderFindingsCsv } from '../core/compliance/csv';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import { redactProblemDetail } from '../core/detect/redact';
import { renderOcsf } from '../core/export/ocsf';
import type { Severity } from '../core/finding';
import { severityRank } from '../core/finding';
import { groupIntoIncidents } from '../core/incident/incidents';
import type { Incident } from '../core/incident/types';
import type { LocatedFinding } from '../core/report/aggregate';
import { aggregate, countBySeverity } from '../core/report/aggregate';
import { displayText } from '../core/report/display-text';
import { renderHtmlReport } from '../core/report/html';
import { renderMarkdown } from '../core/report/markdown';
import { renderSarif } from '../core/report/sarif';
import { renderJson, renderNdjson, renderTerminal } from '../core/report/terminal';
import { RULES } from '../core/rules';
import { awsErrorLine } from './aws';
import type { CliContext } from './cli-context';
import { configOption, inCluster, listInputs } from './inputs';
import { EXIT, UsageError, wantsColour } from './io';
import type { ScanCommandOptions } from './program';
import { commandProgress } from './progress';
import { nothingReadMessage } from './read-nothing';
import { anyAtOrAbove, scanObjects } from './scan';
import { packageVersion } from './version';

/** A reader problem's detail as a terminal may show it: it can quote the object's bytes. */
export function shownDetail(detail: string): string {
  return displayText(redactProblemDetail(detail));
}

/** Findings below this join no incident (see `incidentsOf`). */
const INCIDENT_MINIMUM: Severity = 'low';

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

const UNREAD_KINDS = new Set(['truncated-input', 'corrupt-input', 'unsupported-compression', 'source-error']);

/** Runs a scan; returns the exit code. Usage errors throw UsageError (exit 2). */
export async function runScan(locations: readonly string[], options: ScanCommandOptions, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const quiet = options.quiet === true;
  if (options.since && options.until && options.since >= options.until) throw new UsageError('--since must be before --until');
  if (options.report !== undefined && !options.report.endsWith('.html')) throw new UsageError('--report must name an .html file');
  const config: Config = options.config !== undefined ? await configOption(options.config) : DEFAULT_CONFIG;
  let state: DetectorStateFile | undefined;
  if (options.state !== undefined) {
    try {
      state = await DetectorStateFile.open(options.state);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  let objects: SourceObject[];
  try {
    objects = (
      await listInputs(locations, {
        aws: { ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) },
        io,
        quiet,
        ...(io.stdin ? { stdin: io.stdin } : {}),
      })
    ).map((object) => inCluster(object, options.cluster));
  } catch (error) {
    if (awsErrorLine(error) !== undefined) throw error; // said in one line, with what to do, by main
    throw new UsageError(`cannot list input: ${(error as Error).message}`);
  }

  const progress = commandProgress(io, quiet);
  const result = await scanObjects(objects, {
    config,
    ...(state ? { state } : {}),
    since: options.since,
    until: options.until,
    concurrency: options.concurrency,
    onProgress: (p) => progress.update(p),
  });
  progress.done();
  if (state) {
    try {
      await state.save(); // before any output: what was learnt is kept even if writing the output fails
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  const minSeverity = options.minSeverity;
  const shown = minSeverity ? result.findings.filter(({ finding }) => severityRank(finding.severity) >= severityRank(minSeverity)) : result.findings;
  const table = minSeverity ? aggregate(shown) : result.table;
  const summary = { ...result.summary, findings: shown.length, bySeverity: countBySeverity(shown) };
  const findings = shown.map((f) => f.finding);
  const incidents = incidentsOf(shown, options.incidentWindow);
  switch (options.format) {
    case 'json':
      io.out(renderJson({ findings, incidents, table, stats: { ...summary, perObject: result.stats.objects } }));
      break;
    case 'ndjson':
      if (findings.length > 0) io.out(renderNdjson(findings).trimEnd());
      break;
    case 'markdown':
      io.out(renderMarkdown(table, summary));
      break;
    case 'sarif':
      io.out(renderSarif(table, RULES, { toolVersion: packageVersion() }));
      break;
    case 'ocsf': {
      const { ocsfOptions } = await import('./ocsf-options'); // its links load the deploy settings' schema
      if (findings.length > 0) io.out(renderOcsf(findings, ocsfOptions(packageVersion())).trimEnd());
      break;
    }
    case 'csv':
      io.out(renderFindingsCsv(findings, RULES).trimEnd());
      break;
    default:
      io.out(renderTerminal(table, summary, { colour: wantsColour(io), width: process.stdout.columns || 160, incidents }));
  }

  if (!quiet) {
    for (const e of result.expiredExceptions)
      io.err(`note: exception for ${e.rules.join(', ')} expired on ${e.expires ?? '?'} and was not applied (${e.reason})`);
    for (const o of result.stats.objects) {
      if (!o.stats.complete)
        io.err(
          `warning: ${displayText(o.source)} could not be read completely; what was read is reported (${o.stats.samples
            .filter((s) => UNREAD_KINDS.has(s.kind))
            .map((s) => shownDetail(s.detail))
            .join('; ')})`,
        );
      if (options.verbose)
        for (const s of o.stats.samples) io.err(`  ${displayText(o.source)}: ${s.kind} at line ${s.line}, byte ${s.offset}: ${shownDetail(s.detail)}`);
    }
  }
  if (options.report !== undefined) {
    try {
      await mkdir(dirname(options.report), { recursive: true });
      await writeFile(options.report, renderHtmlReport({ rows: table, findings, incidents, summary, rules: RULES, generatedAt: new Date().toISOString() }));
      if (!quiet) io.err(`report written to ${options.report}`);
    } catch (error) {
      throw new UsageError(`cannot write --report ${options.report}: ${(error as Error).message}`);
    }
  }
  // Exit 3 is said even with --quiet: a gate must see why it did not pass.
  const nothing = nothingReadMessage(objects.length, result.stats.total, locations);
  if (nothing) {
    io.err(`error: ${nothing}`);
    return EXIT.incomplete;
  }
  if (result.summary.incomplete > 0) {
    if (quiet) io.err(`error: ${result.summary.incomplete} of ${result.summary.objects} objects could not be read completely`);
    return EXIT.incomplete;
  }
  return options.failOn && anyAtOrAbove(result.findings, options.failOn) ? EXIT.findings : EXIT.ok;
}
