import type { AuditEvent } from '../core/audit-event';
import type { AuditLevel } from '../core/compliance/types';
import { AUDIT_LEVELS } from '../core/compliance/types';
import type { DetectionEngine } from '../core/detect/engine';
import type { Finding, Severity } from '../core/finding';
import type { ReadOptions, ReadStats } from '../core/read';
import { readAuditLog } from '../core/read';
import { countBySeverity } from '../core/report/aggregate';
import type { RaiseDeps } from './raise-findings';
import { raiseFindings, UNKNOWN_CLUSTER_SEGMENT } from './raise-findings';
import type { S3ObjectRef } from './s3-event';
import { clusterFromKey } from './s3-event';

// The alerting types moved to raise-findings.ts with the path they belong to; adapters and tests import them from here too.
export type { AlertAttempt, AlertClaim, AlertCooldown, AlertGroup, AlertLedger, CooldownDecision } from './raise-findings';
export { alertGroups } from './raise-findings';

export interface AnalyzeDeps extends RaiseDeps {
  open(ref: S3ObjectRef): Promise<AsyncIterable<Uint8Array>>;
  /** A fresh engine per object: the engine remembers the hits (fingerprints) it has reported. */
  engine: DetectionEngine;
  /** Names the object in alerts; default `s3://bucket/key`. */
  source?: string;
  /** The clock (epoch ms): the coverage day of an object with no countable event time. Default `Date.now`. */
  now?: () => number;
  /**
   * Asked between decoded chunks: true stops the read there (the invocation's time is running
   * out). What was read is analyzed, stored and alerted on; the stats say `deadline`.
   */
  shouldStop?: () => boolean;
  /** Reader limits (document size, nesting); the interest, cluster and deadline are set here. */
  readOptions?: Omit<ReadOptions, 'interest' | 'cluster' | 'shouldStop'>;
}

/**
 * What the analyzer saw of one cluster on one UTC day in one object: the parsed events (those of
 * interest to some rule) by audit level. The coverage store adds these up per cluster and day.
 */
export interface CoverageTally {
  /** `-` for events whose envelope and object key named no cluster (as the findings store files them). */
  cluster: string;
  /** `yyyy-mm-dd`, the UTC day of the events (their `stageTimestamp`, as findings are filed). */
  day: string;
  levels: Partial<Record<AuditLevel, number>>;
}

export interface AnalyzeResult {
  /** Findings the object produced (new or stored before). */
  findings: number;
  /** Findings stored for the first time. */
  newFindings: number;
  /** Findings the published alert covered (0 when nothing was published). */
  alerted: number;
  published: boolean;
  /** Findings not alerted because their group's cooldown window was open (counted there, marked alerted). */
  suppressed: number;
  suppressedGroups: number;
  /** Findings still owing an alert that another attempt holds and sends (a concurrent delivery of the same object). */
  heldElsewhere: number;
  /** Where the full findings went when the alert could not hold every row. */
  archivedTo?: string;
  /** Why the full findings could not be kept; the alert went out without them. */
  archiveError?: Error;
  /** False when the object could not be read to its end; what was read is analyzed and kept. */
  complete: boolean;
  stats: ReadStats;
  /** All the object's findings by severity. */
  bySeverity: Record<Severity, number>;
  /** The parsed events (those of interest to some rule) by their `level` (inferred when absent; an unknown level is not counted). */
  levels: Partial<Record<AuditLevel, number>>;
  /**
   * The same counts per cluster and UTC day of the events. Almost always one entry (an object
   * holds minutes of one cluster); more when it straddles midnight UTC or mixes clusters. An object
   * with no parsed event gives one entry with no levels (the object was still read), filed under
   * its key's cluster and the processing day.
   */
  coverage: CoverageTally[];
}

/**
 * Reads one object, analyzes every event, keeps the findings and sends one alert: storing before
 * alerting, the ledger, the cooldown and the archive are `raiseFindings`' (raise-findings.ts),
 * shared with the other sources of findings. Reprocessing an object whose alert went out finds
 * nothing pending and sends nothing.
 */
export async function analyzeObject(ref: S3ObjectRef, deps: AnalyzeDeps): Promise<AnalyzeResult> {
  const source = deps.source ?? `s3://${ref.bucket}/${ref.key}`;
  const cluster = clusterFromKey(ref.key);
  const reading = readAuditLog(await deps.open(ref), { ...deps.readOptions, interest: deps.engine.interest, ...(cluster ? { cluster } : {}), ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}) });
  const findings: Finding[] = [];
  const tallies = new CoverageCounter();
  for await (const read of reading.events) {
    tallies.count(read.cluster ?? cluster, read.event);
    findings.push(...(await deps.engine.analyze(read, reading.stats)));
  }
  const stats = reading.stats;

  const raised = await raiseFindings(findings, deps, {
    source,
    ...(cluster ? { cluster } : {}),
    read: {
      objects: 1,
      bytes: stats.bytesIn,
      events: stats.events,
      skipped: stats.filtered + Object.values(stats.skippedByStage).reduce((a, b) => a + b, 0),
      malformed: malformedCount(stats),
      incomplete: stats.complete ? 0 : 1,
    },
  });

  return {
    findings: findings.length,
    ...raised,
    complete: stats.complete,
    stats,
    bySeverity: countBySeverity(findings.map((finding) => ({ finding, source }))),
    levels: tallies.levels,
    coverage: tallies.result(cluster ?? UNKNOWN_CLUSTER_SEGMENT, utcDay((deps.now ?? Date.now)())),
  };
}

const LEVELS: ReadonlySet<string> = new Set(AUDIT_LEVELS);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T[^+]*Z$/;

/** Counts events by level, in total and per (cluster, UTC day). */
class CoverageCounter {
  readonly levels: Partial<Record<AuditLevel, number>> = {};
  private readonly byKey = new Map<string, CoverageTally>();

  count(cluster: string | undefined, event: AuditEvent): void {
    const level = levelOf(event);
    if (level === undefined) return;
    this.levels[level] = (this.levels[level] ?? 0) + 1;
    const time = event.stageTimestamp ?? event.requestReceivedTimestamp ?? event.timestamp;
    const day = eventDay(time);
    const name = cluster ?? UNKNOWN_CLUSTER_SEGMENT;
    const key = `${name}\n${day ?? ''}`;
    let tally = this.byKey.get(key);
    if (!tally) {
      tally = { cluster: name, day: day ?? '', levels: {} };
      this.byKey.set(key, tally);
    }
    tally.levels[level] = (tally.levels[level] ?? 0) + 1;
  }

  /** The tallies; events with no readable time, and an object with none at all, go to `fallbackDay`. */
  result(objectCluster: string, fallbackDay: string): CoverageTally[] {
    const merged = new Map<string, CoverageTally>();
    for (const t of this.byKey.values()) {
      const day = t.day || fallbackDay;
      const key = `${t.cluster}\n${day}`;
      const into = merged.get(key);
      if (!into) {
        merged.set(key, { cluster: t.cluster, day, levels: { ...t.levels } });
        continue;
      }
      for (const level of AUDIT_LEVELS) {
        const n = t.levels[level];
        if (n) into.levels[level] = (into.levels[level] ?? 0) + n;
      }
    }
    return merged.size > 0 ? [...merged.values()] : [{ cluster: objectCluster, day: fallbackDay, levels: {} }];
  }
}

/**
 * The event's audit level; one without a `level` field (shippers drop it) still proves its
 * metadata was logged, and a body proves Request (as the CLI's coverage counts it). An unknown
 * level is not counted.
 */
function levelOf(event: AuditEvent): AuditLevel | undefined {
  const level = event.level as string | undefined;
  if (level === undefined) return event.requestObject !== undefined || event.responseObject !== undefined ? 'Request' : 'Metadata';
  return LEVELS.has(level) ? (level as AuditLevel) : undefined;
}

/** `yyyy-mm-dd` (UTC) of an audit timestamp; the common `…Z` form is sliced, anything else parsed. */
function eventDay(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  if (ISO_UTC.test(time)) return time.slice(0, 10);
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : utcDay(t);
}

function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Lines or documents that were not usable audit events. */
export function malformedCount(stats: ReadStats): number {
  return stats.problems['malformed-json'] + stats.problems['invalid-event'] + stats.problems['unknown-envelope'] + stats.problems.oversize;
}
