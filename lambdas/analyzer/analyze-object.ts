import { buildAlert } from '../core/alert/sns-message';
import type { DetectionEngine } from '../core/detect/engine';
import type { Finding, Severity } from '../core/finding';
import { severityRank } from '../core/finding';
import type { FindingsStore, Publisher } from '../core/ports';
import type { ReadStats } from '../core/read';
import { readAuditLog } from '../core/read';
import type { LocatedFinding, ScanSummary } from '../core/report/aggregate';
import { aggregate, countBySeverity } from '../core/report/aggregate';
import type { S3ObjectRef } from './s3-event';
import { clusterFromKey } from './s3-event';

/**
 * Which stored findings still owe an alert. A finding is stored "alert pending" (one atomic
 * write with the finding) and marked once the alert was accepted by the publisher.
 */
export interface AlertLedger {
  /** Those of the findings that are stored and not yet marked alerted. */
  pending(findings: readonly Finding[]): Promise<Finding[]>;
  markAlerted(findings: readonly Finding[]): Promise<void>;
}

export interface AnalyzeDeps {
  open(ref: S3ObjectRef): Promise<AsyncIterable<Uint8Array>>;
  /** A fresh engine per object: the engine remembers (rule, auditID) pairs it has reported. */
  engine: DetectionEngine;
  store: FindingsStore;
  publisher: Publisher;
  minAlertSeverity: Severity;
  /** Names the object in alerts; default `s3://bucket/key`. */
  source?: string;
  /**
   * Makes a failed publish recoverable (see `analyzeObject`). Without it only findings new to
   * the store are alerted on, and a publish that fails after the store loses that alert.
   */
  ledger?: AlertLedger;
}

export interface AnalyzeResult {
  /** Findings the object produced (new or stored before). */
  findings: number;
  /** Findings stored for the first time. */
  newFindings: number;
  /** Findings the published alert covered (0 when nothing was published). */
  alerted: number;
  published: boolean;
  /** False when the object could not be read to its end; what was read is analyzed and kept. */
  complete: boolean;
  stats: ReadStats;
  /** All the object's findings by severity. */
  bySeverity: Record<Severity, number>;
}

/**
 * Reads one object, analyzes every event, keeps the findings and sends one alert.
 *
 * Nothing is lost, in this order:
 * 1. every finding is stored (`putNew`, idempotent) before anyone is notified; items are written
 *    without an `alertedAt` mark, so a stored finding is "alert pending" from the same write;
 * 2. the alert covers the findings at or above `minAlertSeverity` that are stored and still
 *    pending (`ledger.pending`): on a first delivery these are the new ones; on a redelivery
 *    after a failed publish (or a crash before it) the new ones are none, but the pending ones
 *    are still there, so the alert is sent then rather than lost;
 * 3. publish, and only after the publisher accepted it mark those findings alerted. A publish
 *    error propagates: the SQS record fails and comes back (or reaches the DLQ).
 * A crash between publishing and marking re-sends that alert on the retry: delivery is at least
 * once (as SNS's own is), never zero. Reprocessing an object whose alert went out finds nothing
 * pending and sends nothing.
 */
export async function analyzeObject(ref: S3ObjectRef, deps: AnalyzeDeps): Promise<AnalyzeResult> {
  const source = deps.source ?? `s3://${ref.bucket}/${ref.key}`;
  const cluster = clusterFromKey(ref.key);
  const reading = readAuditLog(await deps.open(ref), { interest: deps.engine.interest, ...(cluster ? { cluster } : {}) });
  const findings: Finding[] = [];
  for await (const read of reading.events) findings.push(...(await deps.engine.analyze(read)));
  const stats = reading.stats;

  const fresh = findings.length > 0 ? await deps.store.putNew(findings) : [];
  const threshold = severityRank(deps.minAlertSeverity);
  const alertable = (list: readonly Finding[]): Finding[] => list.filter((f) => severityRank(f.severity) >= threshold);
  const candidates = alertable(findings);
  const toAlert = candidates.length === 0 ? [] : deps.ledger ? await deps.ledger.pending(candidates) : alertable(fresh);

  let published = false;
  if (toAlert.length > 0) {
    const located: LocatedFinding[] = toAlert.map((finding) => ({ finding, source }));
    const summary: ScanSummary = {
      objects: 1,
      bytes: stats.bytesIn,
      events: stats.events,
      skipped: stats.filtered + Object.values(stats.skippedByStage).reduce((a, b) => a + b, 0),
      malformed: malformedCount(stats),
      incomplete: stats.complete ? 0 : 1,
      findings: toAlert.length,
      bySeverity: countBySeverity(located),
    };
    const alertCluster = cluster ?? singleCluster(toAlert);
    await deps.publisher.publish(buildAlert({ rows: aggregate(located), summary, source, ...(alertCluster ? { cluster: alertCluster } : {}) }));
    published = true;
    await deps.ledger?.markAlerted(toAlert);
  }

  return {
    findings: findings.length,
    newFindings: fresh.length,
    alerted: published ? toAlert.length : 0,
    published,
    complete: stats.complete,
    stats,
    bySeverity: countBySeverity(findings.map((finding) => ({ finding, source }))),
  };
}

/** Lines or documents that were not usable audit events. */
export function malformedCount(stats: ReadStats): number {
  return stats.problems['malformed-json'] + stats.problems['invalid-event'] + stats.problems['unknown-envelope'] + stats.problems.oversize;
}

function singleCluster(findings: readonly Finding[]): string | undefined {
  const clusters = new Set(findings.map((f) => f.cluster));
  const [only] = clusters;
  return clusters.size === 1 ? only : undefined;
}
