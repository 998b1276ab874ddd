import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logSafe, safeSamples } from '../commons/log-safe';
import { SEVERITIES } from '../core/finding';
import type { AnalyzeResult } from '../core/pipeline/analyze-object';
import type { CoverageFailure } from '../core/pipeline/coverage';
import { malformedCount } from '../core/pipeline/read-object';
import type { RaiseResult } from '../core/pipeline/raise-findings';
import type { Deadline } from './deadline';
import { DeadlineError, DeferredRecordError, ObjectReadError } from './errors';
import type { S3ObjectRef, S3RemovalRef } from './s3-event';

/** Where an analyzed object's outcome is told. */
export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/** How the read of an object ended, for the record: whether it comes back for this object. */
export interface ReadEnd {
  /** The read broke off at the source, or stopped at the deadline after a late start: the record fails and comes back. */
  retried: boolean;
  stopped: boolean;
  /** Half the invocation's working time or more went to it: a retry would only stop again. */
  hadItsShare: boolean;
}

export function readEnd(result: AnalyzeResult, startedWith: number, deadline: Deadline): ReadEnd {
  const { stats } = result;
  const stopped = stats.problems.deadline > 0;
  const hadItsShare = startedWith >= deadline.budget / 2;
  return { retried: (!stats.complete && stats.problems['source-error'] > 0) || (stopped && !hadItsShare), stopped, hadItsShare };
}

/** The metrics every raise of findings adds (an object's, a removal's). */
export function countRaised(metrics: Metrics, result: RaiseResult): void {
  metrics.addMetric('NewFindings', MetricUnit.Count, result.newFindings);
  if (result.published) metrics.addMetric('AlertsPublished', MetricUnit.Count, 1);
  if (result.suppressed > 0) metrics.addMetric('SuppressedFindings', MetricUnit.Count, result.suppressed);
  if (result.archivedTo) metrics.addMetric('ArchivedAlerts', MetricUnit.Count, 1);
  if (result.archiveError) metrics.addMetric('ArchiveFailures', MetricUnit.Count, 1);
}

/**
 * Tells what became of one object (metrics, one log line) and ends its part of the record: a
 * complete read returns; a read that broke off at the source may succeed next time, so it throws
 * `ObjectReadError`; a read stopped at the deadline throws `DeadlineError` when it started late
 * (see there). A truncated or corrupt object never reads better: it is reported and returns
 * (retrying it would only park it in the DLQ). What was read is stored and alerted on either way.
 */
export function reportObject(
  t: Telemetry,
  ref: S3ObjectRef,
  messageId: string,
  result: AnalyzeResult,
  end: ReadEnd,
  share: { startedWithMs: number; budgetMs: number },
  now: number,
): void {
  const { logger, metrics } = t;
  const { stats } = result;
  const shownKey = logSafe(ref.key);
  const malformed = malformedCount(stats);
  metrics.addMetric('Objects', MetricUnit.Count, 1);
  metrics.addMetric('Events', MetricUnit.Count, stats.events);
  metrics.addMetric('Bytes', MetricUnit.Bytes, stats.bytesIn);
  metrics.addMetric('MalformedLines', MetricUnit.Count, malformed);
  countRaised(metrics, result);
  if (result.archiveError)
    logger.error('cannot archive the full findings; the alert went out with the rows that fit', { messageId, key: shownKey, error: result.archiveError });
  if (!stats.complete) metrics.addMetric('IncompleteObjects', MetricUnit.Count, 1);
  for (const severity of SEVERITIES) {
    if (result.bySeverity[severity] > 0) metrics.addMetric(`Findings_${severity}`, MetricUnit.Count, result.bySeverity[severity]);
  }
  const eventTime = ref.eventTime ? Date.parse(ref.eventTime) : NaN;
  const lagMs = Number.isNaN(eventTime) ? undefined : Math.max(0, now - eventTime);
  if (lagMs !== undefined) metrics.addMetric('ProcessingLag', MetricUnit.Milliseconds, lagMs);

  const fields = {
    messageId,
    bucket: ref.bucket,
    key: shownKey,
    bytes: stats.bytesIn,
    events: stats.events,
    emitted: stats.emitted,
    malformed,
    findings: result.findings,
    newFindings: result.newFindings,
    alerted: result.alerted,
    published: result.published,
    suppressed: result.suppressed,
    suppressedGroups: result.suppressedGroups,
    ...(result.heldElsewhere > 0 ? { heldElsewhere: result.heldElsewhere } : {}),
    ...(result.archivedTo ? { archivedTo: result.archivedTo } : {}),
    bySeverity: result.bySeverity,
    complete: stats.complete,
    ...(lagMs !== undefined ? { lagMs } : {}),
  };
  if (stats.complete) {
    logger.info('object analyzed', { ...fields, levels: result.levels });
    return;
  }
  const problems = Object.fromEntries(Object.entries(stats.problems).filter(([, n]) => n > 0));
  const samples = safeSamples(stats.samples);
  if (stats.problems['source-error'] > 0) {
    logger.error('object read broke off at the source; the record will be retried', { ...fields, problems, samples });
    throw new ObjectReadError(`s3://${ref.bucket}/${shownKey}: ${samples.find((s) => s.kind === 'source-error')?.detail ?? 'source error'}`);
  }
  if (end.stopped) {
    metrics.addMetric('DeadlineExceeded', MetricUnit.Count, 1);
    if (!end.hadItsShare) {
      logger.warn('object read stopped at the deadline after a late start; what was read is kept and the record will be retried', {
        ...fields,
        ...share,
        problems,
        samples,
      });
      throw new DeadlineError(`s3://${ref.bucket}/${shownKey}: stopped at the deadline after starting with ${share.startedWithMs} of ${share.budgetMs} ms`);
    }
    logger.error(
      'object read stopped at the deadline with most of the time spent on it; what was read is kept and the record succeeds (a retry would only stop again)',
      { ...fields, ...share, problems, samples },
    );
    return;
  }
  logger.warn('object could not be read completely; what was read is kept', { ...fields, problems, samples });
}

/**
 * Coverage that could not be written: logged and counted (`CoverageFailures`), the record still
 * succeeds (see `recordCoverage`). A report over a period with lost coverage may then show some
 * controls as not assessed.
 */
export function reportCoverageFailures(t: Telemetry, ref: S3ObjectRef, messageId: string, failures: readonly CoverageFailure[]): void {
  for (const { tally, error } of failures) {
    t.metrics.addMetric('CoverageFailures', MetricUnit.Count, 1);
    t.logger.error('cannot record coverage; the findings are kept and the record succeeds', {
      messageId,
      bucket: ref.bucket,
      key: logSafe(ref.key),
      cluster: logSafe(tally.cluster),
      day: tally.day,
      levels: tally.levels,
      error,
    });
  }
}

/** Tells what raising the removals' findings did. Withheld by the configuration (switched off, excepted) is still said: the bucket lost objects. */
export function reportRemovals(t: Telemetry, removed: readonly S3RemovalRef[], messageId: string, result: RaiseResult): void {
  const shown = removed.map((r) => ({
    bucket: r.bucket,
    key: logSafe(r.key),
    versionId: logSafe(r.versionId),
    eventName: r.eventName,
    principalId: logSafe(r.principalId),
    sourceIPAddress: logSafe(r.sourceIPAddress),
  }));
  t.metrics.addMetric('RemovedObjects', MetricUnit.Count, removed.length);
  countRaised(t.metrics, result);
  if (result.archiveError)
    t.logger.error('cannot archive the full findings; the alert went out with the rows that fit', { messageId, error: result.archiveError });
  const { withheld, newFindings, alerted, published, suppressed, heldElsewhere } = result;
  t.logger.warn('objects were removed from the log bucket', {
    messageId,
    removed: shown,
    withheld,
    newFindings,
    alerted,
    published,
    suppressed,
    ...(heldElsewhere > 0 ? { heldElsewhere } : {}),
  });
}

/** Tells why a record failed (it comes back): deferred at the deadline, stopped there, or failed. Already-logged read failures are only counted. */
export function reportRecordFailure(t: Telemetry, messageId: string, error: unknown): void {
  if (error instanceof DeferredRecordError) {
    t.metrics.addMetric('DeferredRecords', MetricUnit.Count, 1);
    t.logger.info('record not started before the deadline; it will come back', { messageId, reason: error.message });
    return;
  }
  if (!(error instanceof DeadlineError)) t.metrics.addMetric('FailedRecords', MetricUnit.Count, 1);
  if (!(error instanceof ObjectReadError || error instanceof DeadlineError))
    t.logger.error('record failed; it will be retried', { messageId, error: error as Error });
}
