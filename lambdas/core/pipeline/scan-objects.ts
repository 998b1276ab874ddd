import type { Coverage } from '../compliance/types';
import type { Config, Exception } from '../config/types';
import type { Detection } from '../detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../detect/engine';
import { redactProblemDetail } from '../detect/redact';
import type { Finding, Severity } from '../finding';
import { SEVERITIES, severityRank } from '../finding';
import type { Incident } from '../incident/types';
import type { SourceObject, StateStore } from '../ports';
import type { ReadAuditLog, ReadOptions, ReadStats } from '../read';
import { emptyStats, mergeStats, readAuditLog } from '../read';
import type { AggregatedRow, LocatedFinding, ScanSummary } from '../report/aggregate';
import { EVENT_RULES } from '../rules';
import type { CoverageCounter } from './coverage';
import { coverageOfObjects } from './coverage';
import { malformedCount, readObject, skippedCount } from './read-object';
import type { Dropped, FindingOptions } from './finding-sink';
import { findingSink } from './finding-sink';
import { Slots } from './slots';

/** What a scan reads and how; what it does with its findings is `FindingOptions`. */
export interface ScanOptions extends FindingOptions {
  rules?: readonly Detection[];
  config?: Config;
  /** What detectors and baselines remember (default: memory, forgotten after the scan). */
  state?: StateStore;
  /** Events outside [since, until) by their time are not analyzed. */
  since?: Date;
  until?: Date;
  /** Objects read at once. */
  concurrency?: number;
  /** Called as objects are read: bytes done of the total, objects done of the total. */
  onProgress?: (progress: { bytes: number; totalBytes: number; objects: number; totalObjects: number }) => void;
  /** Called when an object could not be read completely (it is still reported in the stats). */
  onIncomplete?: (source: string, stats: ReadStats) => void;
  /** Count the audit levels of the parsed events in this range per cluster (the compliance report's coverage); default: every analyzed event. */
  coverageRange?: { since: Date; until: Date };
  /** Reader limits (document size, nesting); the interest is the engine's. */
  readOptions?: Omit<ReadOptions, 'interest' | 'cluster'>;
  /** How objects are read (default `readAuditLog` on this thread; a reader pool's `read` inflates and pre-checks on worker threads). */
  reader?: ReadAuditLog;
}

export interface ScanResult {
  /** The shown findings in time order; empty with `keepFindings: false`. */
  findings: LocatedFinding[];
  table: AggregatedRow[];
  /** With the `incidents` option: most severe first, then the earliest; otherwise empty. */
  incidents: Incident[];
  /** The run's numbers; the findings counted are the shown ones. */
  summary: ScanSummary;
  /** Every finding raised by severity, shown or not (for --fail-on). */
  raised: Record<Severity, number>;
  /** What the bounds of a streamed scan left out (all zero when findings are kept). */
  dropped: Dropped;
  stats: { objects: Array<{ source: string; stats: ReadStats }>; total: ReadStats };
  /** Configured exceptions past their expiry: not applied. */
  expiredExceptions: Exception[];
  /** Parsed events by cluster and audit level: what the rules could see. */
  coverage: Coverage[];
}

const PROGRESS_STEP_BYTES = 1024 * 1024;

/** Whether [from, to) leaves anything out. */
const bounded = (from: number, to: number): boolean => from > -Infinity || to < Infinity;

/**
 * From this stored size on, a reading on this thread holds its full buffers (inflate read-ahead
 * and recovery record, the parser's chunks: 20–30 MiB, and as much again as garbage between
 * collections), so four at once took a scan past 300 MiB.
 */
export const LARGE_OBJECT_BYTES = 8 * 1024 * 1024;
/**
 * Large objects read at once on this thread, whatever the concurrency. Parsing on one thread is
 * the bound, so more at once are not faster (4 large local objects: the same seconds at 1 and at
 * 4); small objects, whose reading is mostly waiting for S3, keep the full concurrency. A reader
 * pool bounds its readings by its threads instead.
 */
export const LARGE_OBJECTS_AT_ONCE_INLINE = 2;

/**
 * Reads every object, runs the rules over its events and aggregates the findings: the same
 * object loop (`readObject`) and engine the analyzer uses. Objects are read a few at a time; the
 * stateful detectors see events as they arrive, which for objects named by time (every shipper's
 * layout) is close to time order.
 */
export async function scanObjects(objects: readonly SourceObject[], options: ScanOptions = {}): Promise<ScanResult> {
  const engine = new DetectionEngine(options.rules ?? EVENT_RULES, options.config ?? DEFAULT_CONFIG, options.state);
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const coverageSince = options.coverageRange?.since.getTime() ?? since;
  const coverageUntil = options.coverageRange?.until.getTime() ?? until;
  const totalBytes = objects.reduce((n, o) => n + o.size, 0);
  const shown = findingSink(options);
  const perObject = new Array<{ source: string; stats: ReadStats }>(objects.length);
  const counters: CoverageCounter[] = [];
  let bytesDone = 0;
  let objectsDone = 0;
  const progress = (): void => options.onProgress?.({ bytes: bytesDone, totalBytes, objects: objectsDone, totalObjects: objects.length });

  async function scanOne(index: number): Promise<void> {
    const object = objects[index];
    let reported = 0;
    let stats: ReadStats;
    try {
      const reading = await readObject(object, {
        engine,
        onFinding: (finding) => shown.add({ finding, source: object.name }),
        ...(options.readOptions ? { readOptions: options.readOptions } : {}),
        ...(options.reader ? { reader: options.reader } : {}),
        // An event with no readable time is analyzed and counted: it cannot be placed outside the range.
        // Without a bound, no event's time is read (a Date.parse per event).
        ...(bounded(since, until) ? { analyzes: (t: number) => Number.isNaN(t) || (t >= since && t < until) } : {}),
        ...(bounded(coverageSince, coverageUntil) ? { counts: (t: number) => Number.isNaN(t) || (t >= coverageSince && t < coverageUntil) } : {}),
        onEvent: (read) => {
          if (read.bytesIn - reported <= PROGRESS_STEP_BYTES) return;
          bytesDone += read.bytesIn - reported;
          reported = read.bytesIn;
          progress();
        },
      });
      stats = reading.stats;
      counters.push(reading.coverage);
    } catch (error) {
      // Opening failed (missing object, access denied): an unreadable object, not a crash.
      stats = emptyStats();
      stats.complete = false;
      stats.problems['source-error']++;
      stats.samples.push({ kind: 'source-error', offset: 0, line: 0, detail: `cannot open: ${(error as Error).message}` });
    }
    // Details can quote the log (JSON.parse excerpts, keys, auditIDs); they are printed and returned.
    for (const sample of stats.samples) sample.detail = redactProblemDetail(sample.detail);
    bytesDone += stats.bytesIn - reported;
    objectsDone++;
    perObject[index] = { source: object.name, stats };
    if (!stats.complete) options.onIncomplete?.(object.name, stats);
    progress();
  }

  const inline = options.reader === undefined || options.reader === readAuditLog;
  const large = new Slots(LARGE_OBJECTS_AT_ONCE_INLINE);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, objects.length)) }, async () => {
    while (next < objects.length) {
      const index = next++;
      if (inline && objects[index].size >= LARGE_OBJECT_BYTES) await large.run(() => scanOne(index));
      else await scanOne(index);
    }
  });
  await Promise.all(workers);

  const total = emptyStats();
  for (const o of perObject) mergeStats(total, o.stats);
  const { findings, table, incidents, dropped } = shown.finish();
  return {
    findings,
    table,
    incidents,
    summary: summarize(perObject, total, shown.counted),
    raised: shown.raised,
    dropped,
    stats: { objects: perObject, total },
    expiredExceptions: engine.expiredExceptions,
    coverage: coverageOfObjects(counters),
  };
}

function summarize(objects: ReadonlyArray<{ stats: ReadStats }>, total: ReadStats, counted: Record<Severity, number>): ScanSummary {
  return {
    objects: objects.length,
    bytes: total.bytesIn,
    events: total.events,
    skipped: skippedCount(total),
    malformed: malformedCount(total),
    incomplete: objects.filter((o) => !o.stats.complete).length,
    findings: Object.values(counted).reduce((a, b) => a + b, 0),
    bySeverity: { ...counted },
  };
}

/** Whether any of these counts is of a finding at or above the level (for --fail-on over `raised`). */
export function anyCountAtOrAbove(counts: Record<Severity, number>, level: Severity): boolean {
  return SEVERITIES.some((s) => counts[s] > 0 && severityRank(s) >= severityRank(level));
}

/** Whether any finding is at or above the level (for --fail-on). */
export function anyAtOrAbove(findings: readonly LocatedFinding[], level: Severity): boolean {
  return findings.some(({ finding }: { finding: Finding }) => severityRank(finding.severity) >= severityRank(level));
}
