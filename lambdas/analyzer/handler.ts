import type { Readable } from 'node:stream';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbAlertLedger } from '../adapters/dynamodb-alert-ledger';
import { DynamoDbFindingsStore } from '../adapters/dynamodb-findings-store';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store';
import { SnsPublisher } from '../adapters/sns-publisher';
import type { Config } from '../core/config/types';
import type { Detection } from '../core/detect/engine';
import { DEFAULT_CONFIG, DetectionEngine } from '../core/detect/engine';
import type { Severity } from '../core/finding';
import { SEVERITIES } from '../core/finding';
import { RULES } from '../core/rules';
import { analyzeObject, malformedCount } from './analyze-object';
import type { S3ObjectRef } from './s3-event';
import { objectsInMessage } from './s3-event';

export interface AnalyzerDeps {
  s3: S3Client;
  /** Findings and detector state share one table. */
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  findingsTable: string;
  alertsTopicArn: string;
  minAlertSeverity?: Severity;
  rules?: readonly Detection[];
  config?: Config;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * Reading the object failed for a reason a retry may cure (access denied while a policy
 * propagates, throttling, a connection reset mid-body): the record fails and comes back.
 * A truncated or corrupt object is not this: it is reported and the record succeeds.
 */
export class ObjectReadError extends Error {
  override readonly name = 'ObjectReadError';
}

export type AnalyzerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The analyzer for SQS batches of S3 object-created notifications: each record's objects are
 * read, analyzed, stored and alerted on; a record fails alone (partial batch response) when an
 * object cannot be fetched, its read broke off at the source, or the alert could not be sent.
 */
export function makeHandler(deps: AnalyzerDeps): AnalyzerHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'k8s-audit-analyzer' });
  const metrics = deps.metrics ?? new Metrics({ namespace: 'K8sAuditAnalyzer', serviceName: 'analyzer' });
  const now = deps.now ?? Date.now;
  // Findings carry optional fields the rules leave undefined: the document client must drop them.
  const documents = DynamoDBDocumentClient.from(deps.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbFindingsStore(documents, deps.findingsTable);
  const ledger = new DynamoDbAlertLedger(documents, deps.findingsTable);
  const state = new DynamoDbStateStore(documents, deps.findingsTable);
  const publisher = new SnsPublisher(deps.sns, deps.alertsTopicArn);
  const minAlertSeverity = deps.minAlertSeverity ?? 'high';
  const rules = deps.rules ?? RULES;
  const config = deps.config ?? DEFAULT_CONFIG;
  const processor = new BatchProcessor(EventType.SQS);

  const open = async (ref: S3ObjectRef): Promise<AsyncIterable<Uint8Array>> => {
    const response = await deps.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    if (!response.Body) throw new ObjectReadError(`s3://${ref.bucket}/${ref.key}: empty response body`);
    return response.Body as Readable;
  };

  async function processObject(ref: S3ObjectRef, messageId: string): Promise<void> {
    const key = `s3://${ref.bucket}/${ref.key}`;
    // A fresh engine per object: its per-request dedup must not hide a redelivered object's findings.
    const engine = new DetectionEngine(rules, config, state);
    const result = await analyzeObject(ref, { open, engine, store, publisher, minAlertSeverity, ledger, source: key });
    const { stats } = result;
    const malformed = malformedCount(stats);
    metrics.addMetric('Objects', MetricUnit.Count, 1);
    metrics.addMetric('Events', MetricUnit.Count, stats.events);
    metrics.addMetric('Bytes', MetricUnit.Bytes, stats.bytesIn);
    metrics.addMetric('MalformedLines', MetricUnit.Count, malformed);
    metrics.addMetric('NewFindings', MetricUnit.Count, result.newFindings);
    if (result.published) metrics.addMetric('AlertsPublished', MetricUnit.Count, 1);
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
      key: ref.key,
      bytes: stats.bytesIn,
      events: stats.events,
      emitted: stats.emitted,
      malformed,
      findings: result.findings,
      newFindings: result.newFindings,
      alerted: result.alerted,
      published: result.published,
      bySeverity: result.bySeverity,
      complete: stats.complete,
      ...(lagMs !== undefined ? { lagMs } : {}),
    };
    if (stats.complete) {
      logger.info('object analyzed', fields);
      return;
    }
    // What was read is stored and alerted on above either way. A read that broke off at the
    // source may succeed next time; a truncated or corrupt object never will, so it is reported
    // and the record succeeds (retrying it would only park it in the DLQ).
    const problems = Object.fromEntries(Object.entries(stats.problems).filter(([, n]) => n > 0));
    if (stats.problems['source-error'] > 0) {
      logger.error('object read broke off at the source; the record will be retried', { ...fields, problems, samples: stats.samples });
      throw new ObjectReadError(`${key}: ${stats.samples.find((s) => s.kind === 'source-error')?.detail ?? 'source error'}`);
    }
    logger.warn('object could not be read completely; what was read is kept', { ...fields, problems, samples: stats.samples });
  }

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      const refs = objectsInMessage(record.body);
      if (refs.length === 0) {
        logger.debug('message names no objects (s3:TestEvent or removals)', { messageId: record.messageId });
        return;
      }
      for (const ref of refs) await processObject(ref, record.messageId);
    } catch (error) {
      metrics.addMetric('FailedRecords', MetricUnit.Count, 1);
      if (!(error instanceof ObjectReadError)) logger.error('record failed; it will be retried', { messageId: record.messageId, error: error as Error });
      throw error;
    }
  };

  return async (event, context) => {
    logger.addContext(context);
    try {
      // Never throw on a full batch failure: the response names every failed record either way.
      return await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

function severityFromEnv(value: string | undefined): Severity {
  if (value === undefined || value === '') return 'high';
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new Error(`MIN_ALERT_SEVERITY must be one of ${SEVERITIES.join(', ')}, not ${value}`);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

let defaultHandler: AnalyzerHandler | undefined;

/** The deployed handler: clients and configuration built once per execution environment, on the first invocation. */
export const handler: AnalyzerHandler = (event, context) => {
  defaultHandler ??= makeHandler({
    s3: new S3Client({}),
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    findingsTable: requiredEnv('FINDINGS_TABLE'),
    alertsTopicArn: requiredEnv('ALERTS_TOPIC_ARN'),
    minAlertSeverity: severityFromEnv(process.env.MIN_ALERT_SEVERITY),
  });
  return defaultHandler(event, context);
};
