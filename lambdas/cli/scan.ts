import type { SourceObject } from '../adapters/object-source';
import type { Config } from '../core/config/types';
import type { Detection } from '../core/detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../core/detect/engine';
import { redactProblemDetail } from '../core/detect/redact';
import type { Finding, Severity } from '../core/finding';
import { severityRank } from '../core/finding';
import type { ReadOptions, ReadStats } from '../core/read';
import { emptyStats, mergeStats, readAuditLog } from '../core/read';
import type { AggregatedRow, LocatedFinding, ScanSummary } from '../core/report/aggregate';
import { aggregate, countBySeverity } from '../core/report/aggregate';
import type { Exception } from '../core/config/types';
import { clusterFromKey } from '../core/read/object-key';
import { EVENT_RULES } from '../core/rules';
import type { Coverage } from '../core/compliance/types';

/** The cluster an object's key or path names, for events whose envelope names none (as the analyzer does). */
function clusterOption(name: string): { cluster?: string } {
  const cluster = clusterFromKey(name);
  return cluster ? { cluster } : {};
}

/** Coverage of events whose envelope and object named no cluster. */
const UNKNOWN_CLUSTER = '-';

export interface ScanOptions {
  rules?: readonly Detection[];
  config?: Config;
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
  readOptions?: Omit<ReadOptions, 'interest'>;
}

export interface ScanResult {
  findings: LocatedFinding[];
  table: AggregatedRow[];
  summary: ScanSummary;
  stats: { objects: Array<{ source: string; stats: ReadStats }>; total: ReadStats };
  /** Configured exceptions past their expiry: not applied. */
  expiredExceptions: Exception[];
  /** Parsed events by cluster and audit level: what the rules could see. */
  coverage: Coverage[];
}

/**
 * Reads every object, runs the rules over its events and aggregates the findings: the same
 * reader and engine the Lambda uses. Objects are read a few at a time; the stateful detectors see
 * events as they arrive, which for objects named by time (every shipper's layout) is close to
 * time order.
 */
export async function scanObjects(objects: readonly SourceObject[], options: ScanOptions = {}): Promise<ScanResult> {
  const engine = new DetectionEngine(options.rules ?? EVENT_RULES, options.config ?? DEFAULT_CONFIG);
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const totalBytes = objects.reduce((n, o) => n + o.size, 0);
  const findings: LocatedFinding[] = [];
  const perObject: Array<{ source: string; stats: ReadStats }> = new Array<{ source: string; stats: ReadStats }>(objects.length);
  let bytesDone = 0;
  let objectsDone = 0;
  const coverage = new Map<string, Coverage>();
  const coverageSince = options.coverageRange?.since.getTime() ?? since;
  const coverageUntil = options.coverageRange?.until.getTime() ?? until;
  const clustersOfObject = new Map<number, Set<string>>();

  async function scanOne(index: number): Promise<void> {
    const object = objects[index];
    const before = { bytes: 0 };
    let stats: ReadStats;
    try {
      const reading = readAuditLog(await object.open(), { ...options.readOptions, interest: engine.interest, ...clusterOption(object.name) });
      stats = reading.stats;
      for await (const read of reading.events) {
        const t = Date.parse(read.event.stageTimestamp ?? read.event.requestReceivedTimestamp ?? read.event.timestamp ?? '');
        if (!Number.isNaN(t) && (t < since || t >= until)) continue;
        if (Number.isNaN(t) || (t >= coverageSince && t < coverageUntil)) {
          const cluster = read.cluster ?? UNKNOWN_CLUSTER;
          const entry = coverage.get(cluster) ?? { cluster, objects: 0, byLevel: {} };
          coverage.set(cluster, entry);
          // An event without a level still proves its metadata was logged.
          const level = read.event.level ?? (read.event.requestObject !== undefined || read.event.responseObject !== undefined ? 'Request' : 'Metadata');
          entry.byLevel[level] = (entry.byLevel[level] ?? 0) + 1;
          const seen = clustersOfObject.get(index) ?? new Set<string>();
          clustersOfObject.set(index, seen.add(cluster));
        }
        for (const finding of await engine.analyze(read, stats)) findings.push({ finding, source: object.name });
        const grown = stats.bytesIn - before.bytes;
        if (grown > 1024 * 1024) {
          bytesDone += grown;
          before.bytes = stats.bytesIn;
          options.onProgress?.({ bytes: bytesDone, totalBytes, objects: objectsDone, totalObjects: objects.length });
        }
      }
    } catch (error) {
      // Opening failed (missing object, access denied): an unreadable object, not a crash.
      stats = emptyStats();
      stats.complete = false;
      stats.problems['source-error']++;
      stats.samples.push({ kind: 'source-error', offset: 0, line: 0, detail: `cannot open: ${(error as Error).message}` });
    }
    // Details can quote the log (JSON.parse excerpts, keys, auditIDs); they are printed and returned.
    for (const sample of stats.samples) sample.detail = redactProblemDetail(sample.detail);
    bytesDone += stats.bytesIn - before.bytes;
    objectsDone++;
    perObject[index] = { source: object.name, stats };
    if (!stats.complete) options.onIncomplete?.(object.name, stats);
    options.onProgress?.({ bytes: bytesDone, totalBytes, objects: objectsDone, totalObjects: objects.length });
  }

  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, objects.length)) }, async () => {
    while (next < objects.length) await scanOne(next++);
  });
  await Promise.all(workers);

  for (const clusters of clustersOfObject.values()) for (const cluster of clusters) coverage.get(cluster)!.objects++;
  const total = emptyStats();
  for (const o of perObject) mergeStats(total, o.stats);
  findings.sort((a, b) => a.finding.time.localeCompare(b.finding.time));
  const table = aggregate(findings);
  return {
    findings,
    table,
    summary: summarize(perObject, total, findings),
    stats: { objects: perObject, total },
    expiredExceptions: engine.expiredExceptions,
    coverage: [...coverage.values()].sort((a, b) => a.cluster.localeCompare(b.cluster)),
  };
}

function summarize(objects: Array<{ stats: ReadStats }>, total: ReadStats, findings: LocatedFinding[]): ScanSummary {
  return {
    objects: objects.length,
    bytes: total.bytesIn,
    events: total.events,
    skipped: total.filtered + Object.values(total.skippedByStage).reduce((a, b) => a + b, 0),
    malformed: total.problems['malformed-json'] + total.problems['invalid-event'] + total.problems['unknown-envelope'] + total.problems.oversize,
    incomplete: objects.filter((o) => !o.stats.complete).length,
    findings: findings.length,
    bySeverity: countBySeverity(findings),
  };
}

/** Whether any finding is at or above the level (for --fail-on). */
export function anyAtOrAbove(findings: readonly LocatedFinding[], level: Severity): boolean {
  return findings.some(({ finding }: { finding: Finding }) => severityRank(finding.severity) >= severityRank(level));
}
