import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { findingsTableAdapters } from '../adapters/findings-table';
import { S3ReportStore } from '../adapters/s3-report-store';
import { SnsPublisher } from '../adapters/sns-publisher';
import { logger as defaultLogger, metricsFor } from '../commons/powertools';
import { buildReportSummary } from '../core/alert/report-message';
import { renderFindingsCsv } from '../core/compliance/csv';
import { previousPeriod, reportPeriod } from '../core/compliance/period';
import { renderComplianceHtml } from '../core/compliance/report-html';
import { renderReportJson } from '../core/compliance/report-json';
import { buildComplianceReport } from '../core/compliance/report-model';
import type { ComplianceReport, Coverage, Period, ReportCadence } from '../core/compliance/types';
import type { Config } from '../core/config/types';
import type { DetectionMetadata } from '../core/detect/rule';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Finding } from '../core/finding';
import type { ReportStore, StoredReport } from '../core/ports';
import { RULES } from '../core/rules';
import { DEFAULT_LINK_TTL_HOURS, DEFAULT_REPORTS_PREFIX, reporterSettingsFromEnv } from './settings';

export interface ReporterDeps {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  /** The analyzer's table: findings (`F#…`), coverage (`V#…`) and the cluster registry (`CLUSTERS`). */
  findingsTable: string;
  reportsBucket: string;
  /** Default `reports/`. */
  reportsPrefix?: string;
  alertsTopicArn: string;
  /** Default `weekly`. */
  cadence?: ReportCadence;
  /** How long the pre-signed link to the HTML report is valid at most. Default 24, at most 168. */
  linkTtlHours?: number;
  /** Reported on besides the clusters in the registry. */
  clusters?: readonly string[];
  /** The analyzer's config: rules it switches off show as not assessed. */
  config?: Config;
  rules?: readonly DetectionMetadata[];
  logger?: Logger;
  metrics?: Metrics;
  /** The clock (epoch ms): the report's `generatedAt`, the link's expiry, and the period when the event carries no time. */
  now?: () => number;
  /** Clusters read at once. Default 4. */
  concurrency?: number;
}

/** What one run did (the return value; EventBridge ignores it, tests and manual invocations read it). */
export interface ReportRun {
  period: Period;
  previousPeriod: Period;
  clusters: string[];
  findings: number;
  previousFindings: number;
  bucket: string;
  keys: StoredReport['keys'];
  htmlUrl: string;
  linkExpiresAt: string;
}

export type ReporterHandler = (event: ScheduledEvent, context: Context) => Promise<ReportRun>;

/** The scope segment of the report's keys: the reporter writes one report over every cluster. */
export const ALL_CLUSTERS_SCOPE = 'all';

/**
 * The scheduled compliance reporter, invoked by an EventBridge schedule. For the last complete
 * period before the schedule time (`event.time`): the clusters come from the registry the analyzer
 * keeps (plus `clusters`); for each, the period's and the previous period's findings (one Query
 * per cluster and day, never a Scan) and the period's coverage; one report over all of them is
 * built, written to S3 as HTML, CSV and JSON, the HTML is linked with a pre-signed URL, and a
 * summary is published to the alerts topic.
 *
 * Idempotent: the keys depend only on the period, so a retry (or a second run for the same
 * schedule time) overwrites the same objects; the summary may then be published again (delivery
 * is at least once). Every error propagates: EventBridge invokes asynchronously, so Lambda retries
 * twice and then sends the event to the function's dead-letter queue.
 */
export function makeHandler(deps: ReporterDeps): ReporterHandler {
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? metricsFor('reporter');
  const now = deps.now ?? Date.now;
  const table = findingsTableAdapters(deps.dynamodb, deps.findingsTable);
  const findingsStore = table.findings;
  const coverageStore = table.coverage;
  const reports: ReportStore = new S3ReportStore(deps.s3, deps.reportsBucket, deps.reportsPrefix ?? DEFAULT_REPORTS_PREFIX);
  const publisher = new SnsPublisher(deps.sns, deps.alertsTopicArn);
  const cadence = deps.cadence ?? 'weekly';
  const linkTtlSeconds = (deps.linkTtlHours ?? DEFAULT_LINK_TTL_HOURS) * 3600;
  const rules = deps.rules ?? RULES;
  const config = deps.config ?? DEFAULT_CONFIG;
  const concurrency = Math.max(1, deps.concurrency ?? 4);

  async function readCluster(
    cluster: string,
    period: Period,
    previous: Period,
  ): Promise<{ current: Finding[]; previous: Finding[]; coverage: Coverage; previousCoverage: Coverage }> {
    const range = (p: Period) => ({ cluster, from: new Date(p.from), to: new Date(p.to) });
    const [currentFindings, previousFindings, coverage, previousCoverage] = await Promise.all([
      findingsStore.query(range(period)),
      findingsStore.query(range(previous)),
      coverageStore.coverage(cluster, period),
      // Only to know whether the period before was watched at all ("first period" otherwise).
      coverageStore.coverage(cluster, previous),
    ]);
    return { current: currentFindings, previous: previousFindings, coverage, previousCoverage };
  }

  async function run(event: ScheduledEvent): Promise<ReportRun> {
    const at = scheduleTime(event, now);
    const period = reportPeriod(cadence, at);
    const previous = previousPeriod(period);
    const clusters = [...new Set([...(await coverageStore.clusters()), ...(deps.clusters ?? [])])].sort();
    logger.info('reporting', { scheduleTime: at.toISOString(), cadence, period, previousPeriod: previous, clusters });

    const perCluster = await mapLimit(clusters, concurrency, (cluster) => readCluster(cluster, period, previous));
    const current = byTime(perCluster.flatMap((c) => c.current));
    const before = perCluster.flatMap((c) => c.previous);
    const report: ComplianceReport = buildComplianceReport({
      period,
      previousPeriod: previous,
      current,
      previous: before,
      coverage: perCluster.map((c) => c.coverage),
      previousObserved: before.length > 0 || perCluster.some((c) => c.previousCoverage.objects > 0),
      rules,
      config,
      generatedAt: new Date(now()).toISOString(),
      cadence,
    });

    const stored = await reports.putReport(ALL_CLUSTERS_SCOPE, period, {
      html: renderComplianceHtml(report, rules),
      csv: renderFindingsCsv(current, rules),
      json: renderReportJson(report, current),
    });
    // See S3ReportStore.presign: the function role's session may end before `linkTtlSeconds`.
    const htmlUrl = await reports.presign(stored.keys.html, linkTtlSeconds);
    const linkExpiresAt = new Date(now() + linkTtlSeconds * 1000).toISOString();
    await publisher.publish(buildReportSummary({ report, htmlUrl, objects: stored.uris, linkExpiresAt }));

    metrics.addMetric('ReportsWritten', MetricUnit.Count, 1);
    metrics.addMetric('ReportFindings', MetricUnit.Count, report.summary.findings);
    const states = { held: 0, violated: 0, 'not-assessed': 0, 'not-applicable': 0 };
    for (const c of report.controls) states[c.state]++;
    logger.info('report written and summary published', {
      period: period.label,
      clusters: report.clusters,
      findings: report.summary.findings,
      previousFindings: report.trend.findings.previous,
      bySeverity: report.summary.bySeverity,
      controls: states,
      bucket: stored.bucket,
      keys: stored.keys,
      linkExpiresAt,
    });
    return {
      period,
      previousPeriod: previous,
      clusters: report.clusters,
      findings: report.summary.findings,
      previousFindings: report.trend.findings.previous,
      bucket: stored.bucket,
      keys: stored.keys,
      htmlUrl,
      linkExpiresAt,
    };
  }

  return async (event, context) => {
    logger.addContext(context);
    try {
      return await run(event);
    } catch (error) {
      logger.error('report failed; Lambda retries the event twice, then sends it to the DLQ', { error: error as Error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** The schedule time EventBridge put in the event; the clock's time for a manual invocation without one. */
function scheduleTime(event: Partial<Pick<ScheduledEvent, 'time'>>, now: () => number): Date {
  if (event.time === undefined || event.time === '') return new Date(now());
  const t = Date.parse(event.time);
  if (Number.isNaN(t)) throw new Error(`the scheduled event's time is not a date: ${String(event.time).slice(0, 40)}`);
  return new Date(t);
}

/** Oldest first (ISO times in UTC compare as strings; the store returns each cluster's in order already). */
function byTime(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : (a.cluster ?? '').localeCompare(b.cluster ?? '')));
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

let defaultHandler: ReporterHandler | undefined;

/**
 * The deployed handler: settings (see settings.ts) and clients built once per execution
 * environment, on the first invocation. A bad setting throws there with every problem named.
 */
export const handler: ReporterHandler = (event, context) => {
  defaultHandler ??= makeHandler({ s3: new S3Client({}), dynamodb: new DynamoDBClient({}), sns: new SNSClient({}), ...reporterSettingsFromEnv(process.env) });
  return defaultHandler(event, context);
};
