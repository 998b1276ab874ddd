import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { findingsTableAdapters } from '../adapters/findings-table';
import { s3Object } from '../adapters/object-source';
import { S3FindingsArchive } from '../adapters/s3-findings-archive';
import { SnsPublisher } from '../adapters/sns-publisher';
import { logSafe } from '../commons/log-safe';
import { logger as defaultLogger, metricsFor } from '../commons/powertools';
import type { Config } from '../core/config/types';
import type { Detection } from '../core/detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../core/detect/engine';
import { FindingPolicy } from '../core/detect/finding-policy';
import type { Severity } from '../core/finding';
import { analyzeObject } from '../core/pipeline/analyze-object';
import { recordCoverage } from '../core/pipeline/coverage';
import type { RaiseDeps } from '../core/pipeline/raise-findings';
import { raiseRemovals } from '../core/pipeline/removals';
import { EVENT_RULES } from '../core/rules';
import type { Deadline } from './deadline';
import { invocationDeadline } from './deadline';
import { DeadlineError, DeferredRecordError, MissingObjectError, ObjectReadError } from './errors';
import { countRaised, readEnd, reportCoverageFailures, reportObject } from './object-outcome';
import type { S3ObjectRef, S3RemovalRef } from './s3-event';
import { notificationsInMessage } from './s3-event';
import { DEFAULT_ARCHIVE_PREFIX, DEFAULT_COOLDOWN_MINUTES, DEFAULT_RETENTION_DAYS, settingsFromEnv } from './settings';

export { DeadlineError, DeferredRecordError, MissingObjectError, ObjectReadError } from './errors';

export interface AnalyzerDeps {
  s3: S3Client;
  /** Findings, detector state, alert claims, cooldowns and coverage share one table. */
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
  /** Time (ms) kept back from the invocation's remaining time to store, alert and answer the batch; default a fifth, 5 to 60 s. */
  deadlineReserveMs?: number;
}

export type AnalyzerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The analyzer for SQS batches of S3 notifications: each created object is read, analyzed,
 * stored and alerted on (core/pipeline/analyze-object.ts); each removed object is a critical
 * `audit-tampering.log-object-deleted` finding (core/pipeline/removals.ts). Every finding passes
 * the configuration's finding policy (core/detect/finding-policy.ts). A record fails alone
 * (partial batch response) when an object cannot be fetched, its read broke off at the source,
 * the findings could not be stored or the alert sent; an object deleted before it was read is
 * counted (`MissingObjects`) and its record succeeds.
 *
 * Records run one after the other against one deadline (the invocation's remaining time less a
 * reserve): a hostile object costs its own record's time, not its neighbours'. An object still
 * being read at the deadline is stopped there and what was read is kept (see DeadlineError);
 * records not started fail unread (DeferredRecordError) and come back, most-delivered first.
 */
export function makeHandler(deps: AnalyzerDeps): AnalyzerHandler {
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? metricsFor('analyzer');
  const telemetry = { logger, metrics };
  const now = deps.now ?? Date.now;
  const retentionDays = deps.findingsRetentionDays ?? DEFAULT_RETENTION_DAYS;
  const table = findingsTableAdapters(deps.dynamodb, deps.findingsTable, {
    retentionDays,
    now,
    cooldownMinutes: deps.alertCooldownMinutes ?? DEFAULT_COOLDOWN_MINUTES,
  });
  const rules = deps.rules ?? EVENT_RULES;
  const config = deps.config ?? DEFAULT_CONFIG;
  const raise: RaiseDeps = {
    policy: new FindingPolicy(config, now),
    store: table.findings,
    ledger: table.ledger,
    ...(table.cooldown ? { cooldown: table.cooldown } : {}),
    publisher: new SnsPublisher(deps.sns, deps.alertsTopicArn),
    minAlertSeverity: deps.minAlertSeverity ?? 'high',
    ...(deps.archiveBucket ? { archive: new S3FindingsArchive(deps.s3, deps.archiveBucket, deps.archivePrefix ?? DEFAULT_ARCHIVE_PREFIX) } : {}),
  };
  let warnedExpired = false;

  async function processObject(ref: S3ObjectRef, messageId: string, deadline: Deadline): Promise<void> {
    // A fresh engine per object: its per-request dedup must not hide a redelivered object's findings.
    const engine = new DetectionEngine(rules, config, table.state, new Date(now()));
    if (engine.expiredExceptions.length > 0 && !warnedExpired) {
      warnedExpired = true; // once per execution environment: the config only changes with a deployment
      logger.warn('config exceptions past their expiry are not applied; renew or remove them', { reasons: engine.expiredExceptions.map((e) => e.reason) });
    }
    const startedWith = deadline.left();
    const object = s3Object(deps.s3, ref);
    const result = await analyzeObject(object, { ...raise, engine, now, shouldStop: deadline.passed }).catch((error: unknown) => {
      if (error instanceof MissingObjectError) return undefined;
      if (error instanceof ObjectReadError)
        logger.error('cannot get the object; the record will be retried', { bucket: ref.bucket, key: logSafe(ref.key), error });
      throw error instanceof ObjectReadError
        ? new ObjectReadError(`s3://${ref.bucket}/${logSafe(ref.key)}: cannot get the object: ${error.message}`, { cause: error })
        : error;
    });
    if (!result) {
      metrics.addMetric('MissingObjects', MetricUnit.Count, 1);
      logger.warn('object was deleted before it was read; nothing to analyze, the record succeeds', { messageId, bucket: ref.bucket, key: logSafe(ref.key) });
      return;
    }
    const end = readEnd(result, startedWith, deadline);
    // Coverage only for an object whose record will not be retried for it (else it would count twice).
    if (!end.retried) {
      const arrived = ref.eventTime === undefined || Number.isNaN(Date.parse(ref.eventTime)) ? now() : Date.parse(ref.eventTime);
      reportCoverageFailures(telemetry, ref, messageId, await recordCoverage(table.coverage, result.coverage, arrived, result.stats.events > 0));
    }
    reportObject(telemetry, ref, messageId, result, end, { startedWithMs: startedWith, budgetMs: deadline.budget }, now());
  }

  async function processRemovals(removed: readonly S3RemovalRef[], messageId: string): Promise<void> {
    const shown = removed.map((r) => ({
      bucket: r.bucket,
      key: logSafe(r.key),
      versionId: logSafe(r.versionId),
      eventName: r.eventName,
      principalId: logSafe(r.principalId),
      sourceIPAddress: logSafe(r.sourceIPAddress),
    }));
    const result = await raiseRemovals(removed, { ...raise, now });
    metrics.addMetric('RemovedObjects', MetricUnit.Count, removed.length);
    countRaised(metrics, result);
    if (result.archiveError)
      logger.error('cannot archive the full findings; the alert went out with the rows that fit', { messageId, error: result.archiveError });
    const { withheld, newFindings, alerted, published, suppressed, heldElsewhere } = result;
    // Withheld by the configuration (switched off, excepted): still said, the bucket lost objects.
    logger.warn('objects were removed from the log bucket', {
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

  const recordHandlerFor =
    (deadline: Deadline) =>
    async (record: SQSRecord): Promise<void> => {
      try {
        const { created, removed, ignored } = notificationsInMessage(record.body);
        if (created.length === 0 && removed.length === 0) {
          logger.debug('message names no created or removed objects (s3:TestEvent, lifecycle expirations, other events)', {
            messageId: record.messageId,
            ignored,
          });
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
        if (!(error instanceof ObjectReadError || error instanceof DeadlineError))
          logger.error('record failed; it will be retried', { messageId: record.messageId, error: error as Error });
        throw error;
      }
    };

  return async (event, context) => {
    logger.addContext(context);
    const deadline = invocationDeadline(context, deps.deadlineReserveMs);
    // The alarm on the most-delivered record's count fires before a record that always fails reaches the DLQ.
    const receives = Math.max(0, ...(event.Records ?? []).map(receiveCount));
    if (receives > 0) metrics.addMetric('RecordReceiveCount', MetricUnit.Count, receives);
    // Most-delivered first (a stable sort), so a record deferred at the deadline leads its next batch.
    const ordered = Array.isArray(event.Records) ? { ...event, Records: [...event.Records].sort((a, b) => receiveCount(b) - receiveCount(a)) } : event;
    try {
      // A processor per invocation; one record at a time (see above); a full batch failure is answered, not thrown.
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

/** The deployed handler: settings and clients built once per execution environment; a bad setting throws with every problem named. */
export const handler: AnalyzerHandler = (event, context) => {
  defaultHandler ??= makeHandler({ s3: new S3Client({}), dynamodb: new DynamoDBClient({}), sns: new SNSClient({}), ...settingsFromEnv(process.env) });
  return defaultHandler(event, context);
};
