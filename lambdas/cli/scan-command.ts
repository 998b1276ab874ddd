/** `scan`: loaded when the command runs (program.ts defines its options). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SourceObject } from '../adapters/object-source';
import { DetectorStateFile } from '../adapters/detector-state-file';
import { findingsCsvHeader, findingsCsvLine } from '../core/compliance/csv';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import { ocsfLine } from '../core/export/ocsf';
import type { Finding, Severity } from '../core/finding';
import type { Incident } from '../core/incident/types';
import type { AggregatedRow } from '../core/report/aggregate';
import { displayText } from '../core/report/display-text';
import { renderHtmlReport } from '../core/report/html';
import { JsonScanWriter, ndjsonLine } from '../core/report/json-stream';
import { renderMarkdown } from '../core/report/markdown';
import { renderSarif } from '../core/report/sarif';
import { renderTerminal } from '../core/report/terminal';
import { RULES } from '../core/rules';
import { awsClientConfig, awsErrorLine } from './aws';
import type { CliContext } from './cli-context';
import { configOption, inCluster, listInputs } from './inputs';
import type { Io } from './io';
import { EXIT, UsageError, wantsColour } from './io';
import type { ScanCommandOptions, ScanFormat } from './program';
import { commandProgress } from './progress';
import { shownDetail } from './problem-detail';
import { nothingReadMessage } from './read-nothing';
import { readerThreads } from './reader-threads';
import { anyCountAtOrAbove, scanObjects } from './scan';
import { count } from './units';
import { packageVersion } from './version';

/**
 * Findings below this join no incident: info findings are context (a read, a listing) that would
 * open an incident for every busy identity and page nobody. They stay in the table.
 */
const INCIDENT_MINIMUM: Severity = 'low';

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
        aws: awsClientConfig(options),
        io,
        quiet,
        ...(io.stdin ? { stdin: io.stdin } : {}),
      })
    ).map((object) => inCluster(object, options.cluster));
  } catch (error) {
    if (error instanceof UsageError || awsErrorLine(error) !== undefined) throw error; // said as it is by main
    throw new UsageError(`cannot list input: ${(error as Error).message}`);
  }

  // Findings are written as they are raised and let go, so memory stays bounded whatever their
  // number; only the HTML report needs them all (its timeline and charts).
  const output = await streamedOutput(options.format, io);
  const threads = readerThreads(options.workers, objects);
  const pool = threads > 0 ? new (await import('../adapters/reader-pool')).ReaderPool({ size: threads }) : undefined;
  const progress = commandProgress(io, quiet);
  const scanning = scanObjects(objects, {
    ...(pool ? { reader: pool.read } : {}),
    config,
    ...(state ? { state } : {}),
    since: options.since,
    until: options.until,
    concurrency: options.concurrency,
    onProgress: (p) => progress.update(p),
    keepFindings: options.report !== undefined,
    ...(options.minSeverity ? { minSeverity: options.minSeverity } : {}),
    incidents: { windowMinutes: options.incidentWindow, minimum: INCIDENT_MINIMUM },
    ...(output ? { onFinding: ({ finding }) => output.finding(finding) } : {}),
  });
  const result = await scanning.finally(() => pool?.close());
  progress.done();
  if (state) {
    try {
      await state.save();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  const { table, incidents, summary } = result;
  const stats = { ...summary, perObject: result.stats.objects };
  if (output) output.end({ incidents, table, stats });
  else if (options.format === 'markdown') io.out(renderMarkdown(table, summary));
  else if (options.format === 'sarif') io.out(renderSarif(table, RULES, { toolVersion: packageVersion() }));
  else io.out(renderTerminal(table, summary, { colour: wantsColour(io), width: process.stdout.columns || 160, incidents }));

  const { dropped } = result;
  if (!quiet && dropped.rows.rows + dropped.incidents.incidents + dropped.lateFindings > 0)
    io.err(
      `note: to keep memory bounded, ${[
        dropped.rows.rows > 0
          ? `${count(dropped.rows.rows)} table rows (${count(dropped.rows.findings)} findings, the least severe and rarest) were left out of the table`
          : '',
        dropped.incidents.incidents > 0
          ? `${count(dropped.incidents.incidents)} incidents (${count(dropped.incidents.findings)} findings, the least severe) were left out`
          : '',
        dropped.lateFindings > 0 ? `${count(dropped.lateFindings)} findings came too late to be placed in time and joined their principal's open incident` : '',
      ]
        .filter(Boolean)
        .join('; ')}; every finding is in --format ndjson, json, ocsf and csv`,
    );

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
      const findings = result.findings.map((f) => f.finding);
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
  return options.failOn && anyCountAtOrAbove(result.raised, options.failOn) ? EXIT.findings : EXIT.ok;
}

/** What a streamed format does with each finding and at the end. */
interface StreamedOutput {
  finding(finding: Finding): void;
  end(rest: { incidents: readonly Incident[]; table: readonly AggregatedRow[]; stats: unknown }): void;
}

/** The formats written finding by finding (json, ndjson, ocsf, csv); undefined for those made from the table. */
async function streamedOutput(format: ScanFormat, io: Io): Promise<StreamedOutput | undefined> {
  const write = rawWriter(io);
  switch (format) {
    case 'json': {
      const json = new JsonScanWriter(write.chunk);
      return { finding: (f) => json.finding(f), end: (rest) => (json.end(rest), write.chunk('\n'), write.flush()) };
    }
    case 'ndjson':
      return { finding: (f) => write.chunk(ndjsonLine(f)), end: () => write.flush() };
    case 'ocsf': {
      const { ocsfOptions } = await import('./ocsf-options'); // its links load the deploy settings' schema
      const ocsf = ocsfOptions(packageVersion());
      return { finding: (f) => write.chunk(ocsfLine(f, ocsf)), end: () => write.flush() };
    }
    case 'csv': {
      const line = findingsCsvLine(RULES);
      write.chunk(findingsCsvHeader());
      return { finding: (f) => write.chunk(line(f)), end: () => write.flush() };
    }
    default:
      return undefined;
  }
}

/** stdout without a newline added: the terminal's own, or (tests) collected and said with `out` at the end. */
function rawWriter(io: Io): { chunk: (s: string) => void; flush: () => void } {
  if (io.write) return { chunk: io.write, flush: () => undefined };
  let text = '';
  return {
    chunk: (s) => (text += s),
    flush: () => {
      if (text !== '') io.out(text.replace(/\r?\n$/, ''));
    },
  };
}
