import type { AuditLevel } from '../compliance/types';
import type { DetectionEngine } from '../detect/engine';
import type { Severity } from '../finding';
import type { SourceObject } from '../ports';
import type { ReadOptions, ReadStats } from '../read';
import { countBySeverity } from '../report/aggregate';
import type { CoverageTally } from './coverage';
import { UNKNOWN_CLUSTER_SEGMENT, utcDay } from './coverage';
import type { RaiseDeps, RaiseResult } from './raise-findings';
import { raiseFindings } from './raise-findings';
import { malformedCount, readObject, skippedCount } from './read-object';

export interface AnalyzeDeps extends RaiseDeps {
  /** A fresh engine per object: the engine remembers the hits (fingerprints) it has reported. */
  engine: DetectionEngine;
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

/** What raising the object's findings did (see `RaiseResult`), and what was read. */
export interface AnalyzeResult extends RaiseResult {
  /** Findings the object produced (new or stored before). */
  findings: number;
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
 * alerting, the ledger, the cooldown and the archive are `raiseFindings`', shared with the other
 * sources of findings. Reprocessing an object whose alert went out finds nothing pending and
 * sends nothing. An object that cannot be opened throws (see `SourceObject.open`).
 */
export async function analyzeObject(object: SourceObject, deps: AnalyzeDeps): Promise<AnalyzeResult> {
  const source = object.name;
  const { cluster, findings, stats, coverage } = await readObject(object, {
    engine: deps.engine,
    readOptions: { ...deps.readOptions, ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}) },
  });

  const raised = await raiseFindings(findings, deps, {
    source,
    ...(cluster ? { cluster } : {}),
    read: {
      objects: 1,
      bytes: stats.bytesIn,
      events: stats.events,
      skipped: skippedCount(stats),
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
    levels: coverage.levels,
    coverage: coverage.tallies(cluster ?? UNKNOWN_CLUSTER_SEGMENT, utcDay((deps.now ?? Date.now)())),
  };
}
