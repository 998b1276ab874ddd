import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { findingsTableAdapters } from '../adapters/findings-table';
import { s3Object } from '../adapters/s3-object-source';
import { S3FindingsArchive } from '../adapters/s3-findings-archive';
import { SnsPublisher } from '../adapters/sns-publisher';
import { logSafe } from '../commons/log-safe';
import { logger as defaultLogger, metricsFor } from '../commons/powertools';
import type { Config } from '../core/config/types';
import type { Detection } from '../core/detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../core/detect/engine';
import { FindingPolicy } from '../core/detect/finding-policy';
import type { Severity } from '../core/finding';
import type { AnalyzeResult } from '../core/pipeline/analyze-object';
import { analyzeArrivedObject, handleNotification } from '../core/pipeline/notification';
import type { RaiseDeps } from '../core/pipeline/raise-findings';
import { raiseRemovals } from '../core/pipeline/removals';
import { EVENT_RULES } from '../core/rules';
import type { Deadline } from './deadline';
import { invocationDeadline } from './deadline';
import { ObjectReadError } from './errors';
import { readEnd, reportCoverageFailures, reportObject, reportRecordFailure, reportRemovals } from './object-outcome';
import type { S3ObjectRef } from './s3-event';
import { notificationsInMessage } from './s3-event';
import { mostDeliveredFirst } from './sqs-batch';
import { DEFAULT_ARCHIVE_PREFIX, DEFAULT_COOLDOWN_MINUTES, DEFAULT_RETENTION_DAYS, settingsFromEnv } from './settings';
import { DEFAULT_INCIDENT_WINDOW_MINUTES, DEFAULT_RULES_DOC_URL } from '../commons/env';
import { StateIncidentStore } from '../core/incident/incident-store';

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
  /** A principal's findings join its incident within this many minutes of its last one; 0: one alert per object (with the cooldown). Default 60. */
  incidentWindowMinutes?: number;
  /** Where alerts link each rule's documentation. Default `docs/rules.md`. */
  rulesDocUrl?: string;
  /** The region the logs and the console links are in (the function's own). */
  region?: string;
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
  const incidentWindow = deps.incidentWindowMinutes ?? DEFAULT_INCIDENT_WINDOW_MINUTES;
  const raise: RaiseDeps = {
    policy: new FindingPolicy(config, now),
    store: table.findings,
    ledger: table.ledger,
    // Incidents tell repeats by what they already told; the per-group cooldown serves the per-object alert only.
    ...(table.cooldown && incidentWindow === 0 ? { cooldown: table.cooldown } : {}),
    ...(incidentWindow > 0
      ? {
          incidents: {
            store: new StateIncidentStore(table.state),
            windowMinutes: incidentWindow,
            links: {
              ...(deps.region ? { region: deps.region } : {}),
              rulesDocUrl: deps.rulesDocUrl ?? DEFAULT_RULES_DOC_URL,
              logGroupOf: (cluster: string) => `/aws/eks/${cluster}/cluster`,
            },
          },
        }
      : {}),
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
    const arrivedAt = () => (ref.eventTime === undefined || Number.isNaN(Date.parse(ref.eventTime)) ? now() : Date.parse(ref.eventTime));
    const willRetry = (result: AnalyzeResult) => readEnd(result, startedWith, deadline).retried;
    const analyzed = await analyzeArrivedObject(s3Object(deps.s3, ref), {
      ...raise,
      engine,
      now,
      shouldStop: deadline.passed,
      coverage: table.coverage,
      arrivedAt,
      willRetry,
    }).catch((error: unknown) => {
      if (!(error instanceof ObjectReadError)) throw error;
      logger.error('cannot get the object; the record will be retried', { bucket: ref.bucket, key: logSafe(ref.key), error });
      throw new ObjectReadError(`s3://${ref.bucket}/${logSafe(ref.key)}: cannot get the object: ${error.message}`, { cause: error });
    });
    if (!analyzed) {
      metrics.addMetric('MissingObjects', MetricUnit.Count, 1);
      logger.warn('object was deleted before it was read; nothing to analyze, the record succeeds', { messageId, bucket: ref.bucket, key: logSafe(ref.key) });
      return;
    }
    reportCoverageFailures(telemetry, ref, messageId, analyzed.coverageFailures);
    const end = readEnd(analyzed.result, startedWith, deadline);
    reportObject(telemetry, ref, messageId, analyzed.result, end, { startedWithMs: startedWith, budgetMs: deadline.budget }, now());
  }

  const recordHandlerFor = (deadline: Deadline) => async (record: SQSRecord) => {
    const { messageId } = record;
    try {
      const notification = notificationsInMessage(record.body);
      const handled = await handleNotification(notification, {
        passed: deadline.passed,
        removals: async (removed) => reportRemovals(telemetry, removed, messageId, await raiseRemovals(removed, { ...raise, now })),
        object: (ref) => processObject(ref, messageId, deadline),
        name: (ref) => `s3://${ref.bucket}/${logSafe(ref.key)}`,
      });
      if (!handled)
        logger.debug('message names no created or removed objects (s3:TestEvent, lifecycle expirations, other events)', {
          messageId,
          ignored: notification.ignored,
        });
    } catch (error) {
      reportRecordFailure(telemetry, messageId, error);
      throw error;
    }
  };

  return async (event, context) => {
    logger.addContext(context);
    const deadline = invocationDeadline(context, deps.deadlineReserveMs);
    try {
      // A processor per invocation; one record at a time (see above); a full batch failure is answered, not thrown.
      return await processPartialResponse(mostDeliveredFirst(event, metrics), recordHandlerFor(deadline), new BatchProcessor(EventType.SQS), {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

let defaultHandler: AnalyzerHandler | undefined;

/** The deployed handler: settings and clients built once per execution environment; a bad setting throws with every problem named. */
export const handler: AnalyzerHandler = (event, context) => {
  defaultHandler ??= makeHandler({
    s3: new S3Client({}),
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    ...settingsFromEnv(process.env),
    ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
  });
  return defaultHandler(event, context);
};
