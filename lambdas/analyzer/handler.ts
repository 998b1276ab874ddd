import type { Readable } from 'node:stream';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbAlertCooldown } from '../adapters/dynamodb-alert-cooldown';
import { DynamoDbAlertLedger } from '../adapters/dynamodb-alert-ledger';
import { DynamoDbCoverageStore } from '../adapters/dynamodb-coverage-store';
import { DynamoDbFindingsStore } from '../adapters/dynamodb-findings-store';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store';
import { S3FindingsArchive } from '../adapters/s3-findings-archive';
import { SnsPublisher } from '../adapters/sns-publisher';
import type { Config } from '../core/config/types';
import type { Detection } from '../core/detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../core/detect/engine';
import type { Severity } from '../core/finding';
import { SEVERITIES } from '../core/finding';
import { EVENT_RULES } from '../core/rules';
import { LOG_OBJECT_DELETED, logObjectDeletedFinding } from '../core/rules/audit-tampering';
import type { AnalyzeResult } from './analyze-object';
import { analyzeObject, malformedCount } from './analyze-object';
import type { Deadline } from './deadline';
import { invocationDeadline } from './deadline';
import { raiseFindings } from './raise-findings';
import { logSafe, redactOwnFinding, safeSamples } from './redaction';
import type { S3ObjectRef, S3RemovalRef } from './s3-event';
import { clusterFromKey, notificationsInMessage } from './s3-event';
import { DEFAULT_ARCHIVE_PREFIX, DEFAULT_COOLDOWN_MINUTES, DEFAULT_RETENTION_DAYS, settingsFromEnv } from './settings';

export interface AnalyzerDeps {
  s3: S3Client;
  /** Findings and detector state share one table. */
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  findingsTable: string;
  alertsTopicArn: string;
  minAlertSeverity?: Severity;
  /** A finding group alerts once per this many minutes; later hits are counted. Default 60; 0 switches it off. */
  alertCooldownMinutes?: number;
  /** Stored findings expire this many days after their event. Default 400. */
  findingsRetentionDays?: number;
  /** Where an alert too large for SNS keeps its full findings; without it the message only counts what it left out. */
  archiveBucket?: string;
  /** Key prefix in `archiveBucket`. Default `alerts/`. */
  archivePrefix?: string;
  rules?: readonly Detection[];
  config?: Config;
  logger?: Logger;
  metrics?: Metrics;
  /** The clock (epoch ms) for the processing lag, the cooldown windows and the alert claims' leases. */
  now?: () => number;
  /**
   * Time (ms) kept back from the invocation's remaining time to store, alert and answer the batch
   * after the last read stops. Default a fifth of the time left at the start, 5 to 60 s.
   */
  deadlineReserveMs?: number;
}

/**
 * Reading the object failed for a reason a retry may cure (access denied while a policy
 * propagates, throttling, a connection reset mid-body): the record fails and comes back.
 * A truncated or corrupt object is not this: it is reported and the record succeeds.
 */
export class ObjectReadError extends Error {
  override readonly name = 'ObjectReadError';
}

/**
 * The object was deleted before it was read (S3 `NoSuchKey`). It cannot come back, so retrying
 * the record would only park it in the DLQ: it is logged, counted (`MissingObjects`) and the
 * record succeeds. A missing bucket is not this: that is a misconfiguration and fails the record.
 */
export class MissingObjectError extends Error {
  override readonly name = 'MissingObjectError';
}

/**
 * The invocation's time ran short before the record was started (or, for a message naming
 * several objects, before one of them was): it fails unread and comes back in another batch.
 */
export class DeferredRecordError extends Error {
  override readonly name = 'DeferredRecordError';
}

/**
 * The read of an object was stopped at the invocation's deadline after it started with less than
 * half of the invocation's working time (objects before it in the batch took the rest): what was
 * read is stored and alerted on, and the record fails so the rest is read next time. An object
 * that had at least half and still did not finish would only time out again: it is reported
 * (`DeadlineExceeded`) and its record succeeds.
 */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export type AnalyzerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The analyzer for SQS batches of S3 object notifications: each record's created objects are
 * read, analyzed, stored and alerted on; a record fails alone (partial batch response) when an
 * object cannot be fetched (throttled, denied), its read broke off at the source, the findings
 * could not be stored, or the alert could not be sent. An object deleted before it was read
 * cannot come back: it is logged and counted (`MissingObjects`), and its record succeeds.
 * Objects removed from the bucket (`ObjectRemoved:*`) are not read: each is a critical
 * `audit-tampering.log-object-deleted` finding, stored and alerted on the same way (a
 * redelivered notification stores nothing new and sends nothing). Lifecycle expirations are
 * other events and raise nothing.
 *
 * Records are processed one after the other (Powertools' BatchProcessor runs them in parallel by
 * default), against one deadline: the invocation's remaining time less a reserve. An object
 * still being read when it comes is stopped there; what was read is kept (see DeadlineError for
 * whether its record succeeds), and records not yet started fail unread (DeferredRecordError) and
 * come back, to be among the first of their next batch (records are taken most-delivered first).
 * One at a time, so a hostile object (a small gzip bomb of junk lines) costs its own record's
 * time and not its neighbours' reads: in parallel, every object of the batch would share the CPU
 * with it and all be cut short at the deadline.
 */
export function makeHandler(deps: AnalyzerDeps): AnalyzerHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'k8s-audit-analyzer' });
  const metrics = deps.metrics ?? new Metrics({ namespace: 'K8sAuditAnalyzer', serviceName: 'analyzer' });
  const now = deps.now ?? Date.now;
  // Findings carry optional fields the rules leave undefined: the document client must drop them.
  const documents = DynamoDBDocumentClient.from(deps.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbFindingsStore(documents, deps.findingsTable, deps.findingsRetentionDays ?? DEFAULT_RETENTION_DAYS);
  const ledger = new DynamoDbAlertLedger(documents, deps.findingsTable, () => new Date(now()));
  const state = new DynamoDbStateStore(documents, deps.findingsTable);
  // Built once per execution environment with the handler: it caches the clusters it has registered.
  const coverage = new DynamoDbCoverageStore(documents, deps.findingsTable, deps.findingsRetentionDays ?? DEFAULT_RETENTION_DAYS);
  const publisher = new SnsPublisher(deps.sns, deps.alertsTopicArn);
  const cooldownMinutes = deps.alertCooldownMinutes ?? DEFAULT_COOLDOWN_MINUTES;
  const cooldown = cooldownMinutes > 0 ? new DynamoDbAlertCooldown(documents, deps.findingsTable, cooldownMinutes, () => now()) : undefined;
  const archive = deps.archiveBucket ? new S3FindingsArchive(deps.s3, deps.archiveBucket, deps.archivePrefix ?? DEFAULT_ARCHIVE_PREFIX) : undefined;
  const minAlertSeverity = deps.minAlertSeverity ?? 'high';
  const rules = deps.rules ?? EVENT_RULES;
  const config = deps.config ?? DEFAULT_CONFIG;
  let warnedExpired = false;

  const open = async (ref: S3ObjectRef): Promise<AsyncIterable<Uint8Array>> => {
    const uri = `s3://${ref.bucket}/${logSafe(ref.key)}`;
    let response: GetObjectCommandOutput;
    try {
      response = await deps.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NoSuchKey') throw new MissingObjectError(`${uri}: no such key`, { cause: error });
      // Throttling (SlowDown, 503), access denied while a policy propagates, a network error: a retry may cure it.
      logger.error('cannot get the object; the record will be retried', { bucket: ref.bucket, key: logSafe(ref.key), error: error as Error });
      throw new ObjectReadError(`${uri}: cannot get the object: ${name}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.Body) throw new ObjectReadError(`${uri}: empty response body`);
    return response.Body as Readable;
  };

  async function processObject(ref: S3ObjectRef, messageId: string, deadline: Deadline): Promise<void> {
    const key = `s3://${ref.bucket}/${ref.key}`;
    const shownKey = logSafe(ref.key);
    // A fresh engine per object: its per-request dedup must not hide a redelivered object's findings.
    const engine = new DetectionEngine(rules, config, state, new Date(now()));
    if (engine.expiredExceptions.length > 0 && !warnedExpired) {
      warnedExpired = true; // once per execution environment: the config only changes with a deployment
      logger.warn('config exceptions past their expiry are not applied; renew or remove them', { reasons: engine.expiredExceptions.map((e) => e.reason) });
    }
    const startedWith = deadline.left();
    let result: AnalyzeResult;
    try {
      result = await analyzeObject(ref, { open, engine, store, publisher, minAlertSeverity, ledger, cooldown, archive, source: key, now, shouldStop: deadline.passed });
    } catch (error) {
      if (!(error instanceof MissingObjectError)) throw error;
      metrics.addMetric('MissingObjects', MetricUnit.Count, 1);
      logger.warn('object was deleted before it was read; nothing to analyze, the record succeeds', { messageId, bucket: ref.bucket, key: shownKey });
      return;
    }
    const { stats } = result;
    const malformed = malformedCount(stats);
    metrics.addMetric('Objects', MetricUnit.Count, 1);
    metrics.addMetric('Events', MetricUnit.Count, stats.events);
    metrics.addMetric('Bytes', MetricUnit.Bytes, stats.bytesIn);
    metrics.addMetric('MalformedLines', MetricUnit.Count, malformed);
    metrics.addMetric('NewFindings', MetricUnit.Count, result.newFindings);
    if (result.published) metrics.addMetric('AlertsPublished', MetricUnit.Count, 1);
    if (result.suppressed > 0) metrics.addMetric('SuppressedFindings', MetricUnit.Count, result.suppressed);
    if (result.archivedTo) metrics.addMetric('ArchivedAlerts', MetricUnit.Count, 1);
    if (result.archiveError) {
      metrics.addMetric('ArchiveFailures', MetricUnit.Count, 1);
      logger.error('cannot archive the full findings; the alert went out with the rows that fit', { messageId, key: shownKey, error: result.archiveError });
    }
    if (!stats.complete) metrics.addMetric('IncompleteObjects', MetricUnit.Count, 1);
    for (const severity of SEVERITIES) {
      if (result.bySeverity[severity] > 0) metrics.addMetric(`Findings_${severity}`, MetricUnit.Count, result.bySeverity[severity]);
    }
    const eventTime = ref.eventTime ? Date.parse(ref.eventTime) : NaN;
    const lagMs = Number.isNaN(eventTime) ? undefined : Math.max(0, now() - eventTime);
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
    const stopped = stats.problems.deadline > 0;
    // Half the invocation's working time or more, and still not done: hostile or far too large, a retry would only stop again.
    const hadItsShare = startedWith >= deadline.budget / 2;
    // Coverage only for an object whose record will not be retried for it (else it would count twice).
    const retried = (!stats.complete && stats.problems['source-error'] > 0) || (stopped && !hadItsShare);
    if (!retried) await recordCoverage(ref, messageId, result);
    if (stats.complete) {
      logger.info('object analyzed', { ...fields, levels: result.levels });
      return;
    }
    // What was read is stored and alerted on above either way. A read that broke off at the
    // source may succeed next time; a truncated or corrupt object never will, so it is reported
    // and the record succeeds (retrying it would only park it in the DLQ).
    const problems = Object.fromEntries(Object.entries(stats.problems).filter(([, n]) => n > 0));
    const samples = safeSamples(stats.samples);
    if (stats.problems['source-error'] > 0) {
      logger.error('object read broke off at the source; the record will be retried', { ...fields, problems, samples });
      throw new ObjectReadError(`s3://${ref.bucket}/${shownKey}: ${samples.find((s) => s.kind === 'source-error')?.detail ?? 'source error'}`);
    }
    if (stopped) {
      metrics.addMetric('DeadlineExceeded', MetricUnit.Count, 1);
      const share = { startedWithMs: startedWith, budgetMs: deadline.budget };
      if (!hadItsShare) {
        logger.warn('object read stopped at the deadline after a late start; what was read is kept and the record will be retried', { ...fields, ...share, problems, samples });
        throw new DeadlineError(`s3://${ref.bucket}/${shownKey}: stopped at the deadline after starting with ${startedWith} of ${deadline.budget} ms`);
      }
      logger.error('object read stopped at the deadline with most of the time spent on it; what was read is kept and the record succeeds (a retry would only stop again)', { ...fields, ...share, problems, samples });
      return;
    }
    logger.warn('object could not be read completely; what was read is kept', { ...fields, problems, samples });
  }

  // Switched off by id or category, as the engine reads `disabled`; its severity can be overridden too.
  const removalsOn = !config.disabled.includes(LOG_OBJECT_DELETED) && !config.disabled.includes('audit-tampering');

  /**
   * Objects removed from the log bucket: one critical finding each, through the same
   * store-before-alert path as an analyzed object's. The cooldown groups them per principal and
   * bucket (not per key), so a recursive delete alerts once per window and counts the rest.
   */
  async function processRemovals(removed: readonly S3RemovalRef[], messageId: string): Promise<void> {
    const shown = removed.map((r) => ({
      bucket: r.bucket,
      key: logSafe(r.key),
      versionId: logSafe(r.versionId),
      eventName: r.eventName,
      principalId: logSafe(r.principalId),
      sourceIPAddress: logSafe(r.sourceIPAddress),
    }));
    if (!removalsOn) {
      logger.warn('objects were removed from the log bucket; audit-tampering.log-object-deleted is switched off in the configuration', { messageId, removed: shown });
      return;
    }
    const findings = removed.map((r) => {
      const cluster = clusterFromKey(r.key);
      const finding = redactOwnFinding(logObjectDeletedFinding({ ...r, ...(cluster ? { cluster } : {}) }, now));
      const severity = config.severity[finding.ruleId];
      return severity ? { ...finding, severity } : finding;
    });
    const [first] = removed;
    const source = removed.length === 1 ? `s3://${first.bucket}/${first.key}` : `s3://${first.bucket}/ (${removed.length} removed objects)`;
    const result = await raiseFindings(
      findings,
      { store, publisher, minAlertSeverity, ledger, cooldown, archive },
      { source, groupTarget: (f) => ({ resource: f.target.resource, ...(f.target.namespace !== undefined ? { namespace: f.target.namespace } : {}) }) },
    );
    metrics.addMetric('RemovedObjects', MetricUnit.Count, removed.length);
    metrics.addMetric('NewFindings', MetricUnit.Count, result.newFindings);
    if (result.published) metrics.addMetric('AlertsPublished', MetricUnit.Count, 1);
    if (result.suppressed > 0) metrics.addMetric('SuppressedFindings', MetricUnit.Count, result.suppressed);
    if (result.archiveError) logger.error('cannot archive the full findings; the alert went out with the rows that fit', { messageId, error: result.archiveError });
    logger.warn('objects were removed from the log bucket', {
      messageId,
      removed: shown,
      newFindings: result.newFindings,
      alerted: result.alerted,
      published: result.published,
      suppressed: result.suppressed,
      ...(result.heldElsewhere > 0 ? { heldElsewhere: result.heldElsewhere } : {}),
    });
  }

  /**
   * Coverage (what the analyzer saw, per cluster and day; see DynamoDbCoverageStore) is best
   * effort: written after the findings were stored and the alert sent, and a failure to write it
   * is logged and counted (`CoverageFailures`) but does not fail the record. Retrying the record
   * would re-read the object for a counter, and the findings, which matter, are already kept.
   * A report over a period with lost coverage may then show some controls as not assessed.
   */
  async function recordCoverage(ref: S3ObjectRef, messageId: string, result: AnalyzeResult): Promise<void> {
    // When the object arrived, for the watchdog's silence check: S3's event time, else now. Only
    // for an object that held audit events (anyone who can write under a cluster's prefix can
    // write junk there, and junk is no sign that the cluster logs), and only on the days of live
    // logs: an object whose events are older than the day before it arrived is a replay (a
    // backfill sends old objects with the time of the replay), not a sign of life.
    const eventTime = ref.eventTime === undefined ? NaN : Date.parse(ref.eventTime);
    const arrived = Number.isNaN(eventTime) ? now() : eventTime;
    const lastObjectAt = result.stats.events > 0 ? new Date(arrived).toISOString() : undefined;
    const oldestLiveDay = new Date(arrived - 86_400_000).toISOString().slice(0, 10);
    for (const tally of result.coverage) {
      try {
        await coverage.record(tally.cluster, tally.day, tally.levels, 1, tally.day >= oldestLiveDay ? lastObjectAt : undefined);
      } catch (error) {
        metrics.addMetric('CoverageFailures', MetricUnit.Count, 1);
        logger.error('cannot record coverage; the findings are kept and the record succeeds', {
          messageId,
          bucket: ref.bucket,
          key: logSafe(ref.key),
          cluster: logSafe(tally.cluster),
          day: tally.day,
          levels: tally.levels,
          error: error as Error,
        });
      }
    }
  }

  /** The record handler of one invocation, against its deadline. */
  const recordHandlerFor =
    (deadline: Deadline) =>
    async (record: SQSRecord): Promise<void> => {
      try {
        const { created, removed, ignored } = notificationsInMessage(record.body);
        if (created.length === 0 && removed.length === 0) {
          logger.debug('message names no created or removed objects (s3:TestEvent, lifecycle expirations, other events)', { messageId: record.messageId, ignored });
          return;
        }
        if (deadline.passed()) throw new DeferredRecordError('not started: the invocation is near its timeout');
        if (removed.length > 0) await processRemovals(removed, record.messageId);
        for (const ref of created) {
          if (deadline.passed()) throw new DeferredRecordError(`s3://${ref.bucket}/${logSafe(ref.key)} not started: the invocation is near its timeout`);
          await processObject(ref, record.messageId, deadline);
        }
      } catch (error) {
        if (error instanceof DeferredRecordError) {
          metrics.addMetric('DeferredRecords', MetricUnit.Count, 1);
          logger.info('record not started before the deadline; it will come back', { messageId: record.messageId, reason: error.message });
          throw error;
        }
        if (!(error instanceof DeadlineError)) metrics.addMetric('FailedRecords', MetricUnit.Count, 1);
        if (!(error instanceof ObjectReadError || error instanceof DeadlineError)) logger.error('record failed; it will be retried', { messageId: record.messageId, error: error as Error });
        throw error;
      }
    };

  return async (event, context) => {
    logger.addContext(context);
    const deadline = invocationDeadline(context, deps.deadlineReserveMs);
    // How often the batch's most-delivered record has come: one that fails every time reaches the
    // DLQ at the queue's maxReceiveCount, and the alarm on this fires before it does.
    const receives = Math.max(0, ...(event.Records ?? []).map(receiveCount));
    if (receives > 0) metrics.addMetric('RecordReceiveCount', MetricUnit.Count, receives);
    // Most-delivered first (a stable sort: otherwise in the queue's order), so a record deferred at
    // the deadline is among the first of its next batch instead of being deferred until the DLQ.
    const ordered = Array.isArray(event.Records) ? { ...event, Records: [...event.Records].sort((a, b) => receiveCount(b) - receiveCount(a)) } : event;
    try {
      // A processor per invocation (it holds the batch's records and results); one record at a
      // time (see above). Never throw on a full batch failure: the response names every failed record either way.
      return await processPartialResponse(ordered, recordHandlerFor(deadline), new BatchProcessor(EventType.SQS), {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** SQS's count of deliveries of the record, this one included (0 when absent). */
function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount) || 0;
}

let defaultHandler: AnalyzerHandler | undefined;

/**
 * The deployed handler: settings (see settings.ts) and clients built once per execution
 * environment, on the first invocation. A bad setting throws there with every problem named.
 */
export const handler: AnalyzerHandler = (event, context) => {
  defaultHandler ??= makeHandler({ s3: new S3Client({}), dynamodb: new DynamoDBClient({}), sns: new SNSClient({}), ...settingsFromEnv(process.env) });
  return defaultHandler(event, context);
};
