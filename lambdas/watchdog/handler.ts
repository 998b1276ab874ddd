import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { findingsTableAdapters } from '../adapters/findings-table';
import { SnsPublisher } from '../adapters/sns-publisher';
import { logSafe } from '../commons/log-safe';
import { logger as defaultLogger, metricsFor } from '../commons/powertools';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Withheld } from '../core/detect/finding-policy';
import { FindingPolicy } from '../core/detect/finding-policy';
import type { RaiseDeps } from '../core/pipeline/raise-findings';
import { NOTHING_READ, raiseFindings } from '../core/pipeline/raise-findings';
import type { CheckResult } from '../core/pipeline/silence-check';
import { checkSilences, withheldOf } from '../core/pipeline/silence-check';
import type { EksClusterConfigCall } from '../core/rules/audit-tampering';
import { eksAuditLoggingDisabledFinding } from '../core/rules/audit-tampering';
import { StateIncidentStore } from '../core/incident/incident-store';
import type { QuietSweepResult } from '../core/incident/quiet-sweep';
import { sweepQuietIncidents } from '../core/incident/quiet-sweep';
import { DEFAULT_INCIDENT_WINDOW_MINUTES, DEFAULT_RULES_DOC_URL } from '../commons/env';
import { triggerOf } from './events';
import { DEFAULT_SILENCE_MINUTES, settingsFromEnv } from './settings';

export interface WatchdogDeps {
  /** The findings table: coverage (read), findings (written), the watchdog's state. */
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  findingsTable: string;
  alertsTopicArn: string;
  /** A cluster with no new object for longer than this is silent. Default 30. */
  silenceMinutes?: number;
  /** Clusters expected even if the analyzer never saw them. */
  watchedClusters?: readonly string[];
  /** Stored findings expire this many days after their time. Default 400. */
  findingsRetentionDays?: number;
  /** The analyzer's configuration: its switched-off rules, exceptions and severity overrides apply to the watchdog's findings too. */
  config?: Config;
  /** The analyzer's incident window (minutes; 0: no incidents, nothing to sweep). Default 60. */
  incidentWindowMinutes?: number;
  /** Publish a final summary when an alerted incident goes quiet. Default false. */
  incidentSummary?: boolean;
  /** Where the summary links each rule's documentation. */
  rulesDocUrl?: string;
  /** The region the logs and the console links are in (the function's own). */
  region?: string;
  logger?: Logger;
  metrics?: Metrics;
  /** The clock (epoch ms). */
  now?: () => number;
}

export type WatchdogResult =
  | {
      kind: 'schedule';
      checkedAt: string;
      clusters: number;
      silent: string[];
      raised: string[];
      resumed: string[];
      /** Incidents (ids) that went quiet, and the summaries published for them. */
      quiet: string[];
      summaries: number;
    }
  | { kind: 'eks-config'; cluster: string; raised: boolean; published: boolean; withheld?: Withheld }
  | { kind: 'ignored'; reason: string };

/** EventBridge invokes it with a `ScheduledEvent` or a CloudTrail `AWS API Call via CloudTrail` event. */
export type WatchdogHandler = (event: unknown, context: Context) => Promise<WatchdogResult>;

/** A check that failed for some clusters; thrown after the others were checked, so the invocation is retried. */
export class WatchdogCheckError extends Error {
  override readonly name = 'WatchdogCheckError';
}

/**
 * The watchdog on the audit trail. On the schedule it checks every cluster for silence (see
 * `checkSilences`); on an EKS `UpdateClusterConfig` call that switches the audit log type off it
 * raises a critical `audit-tampering.eks-audit-logging-disabled` finding. Findings are stored and
 * alerted through the core's path (core/pipeline/raise-findings.ts). A failure throws: EventBridge invokes
 * asynchronously, so Lambda retries and then dead-letters the event; every step is idempotent.
 */
export function makeHandler(deps: WatchdogDeps): WatchdogHandler {
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? metricsFor('watchdog');
  const now = deps.now ?? Date.now;
  const table = findingsTableAdapters(deps.dynamodb, deps.findingsTable, { retentionDays: deps.findingsRetentionDays, now });
  const publisher = new SnsPublisher(deps.sns, deps.alertsTopicArn);
  // Its findings are high (silence) and critical (EKS logging off): every one is alerted.
  const raise: RaiseDeps = {
    policy: new FindingPolicy(deps.config ?? DEFAULT_CONFIG, now),
    store: table.findings,
    ledger: table.ledger,
    publisher,
    minAlertSeverity: 'high',
  };
  const coverage = table.coverage;
  const memory = table.watchdog;
  const silenceMinutes = deps.silenceMinutes ?? DEFAULT_SILENCE_MINUTES;
  const watchedClusters = deps.watchedClusters ?? [];
  const incidentWindow = deps.incidentWindowMinutes ?? DEFAULT_INCIDENT_WINDOW_MINUTES;
  const incidents = new StateIncidentStore(table.state, undefined, now);
  const links = {
    ...(deps.region ? { region: deps.region } : {}),
    rulesDocUrl: deps.rulesDocUrl ?? DEFAULT_RULES_DOC_URL,
    logGroupOf: (cluster: string) => `/aws/eks/${cluster}/cluster`,
  };

  /** Ends idle incidents; with no incidents (window 0) there is nothing to end. A failure is returned, not thrown, so the silence check still reports. */
  async function sweep(): Promise<{ result?: QuietSweepResult; error?: Error }> {
    if (incidentWindow === 0) return {};
    try {
      return { result: await sweepQuietIncidents({ incidents, publisher, links, summary: deps.incidentSummary ?? false, now }) };
    } catch (error) {
      return { error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  async function onSchedule(): Promise<WatchdogResult> {
    const result: CheckResult = await checkSilences({ clock: coverage, memory, raise, notices: publisher, silenceMinutes, watchedClusters, now });
    const swept = await sweep();
    const quiet = swept.result?.quiet ?? [];
    const sweepFailures = [...(swept.error ? [swept.error] : []), ...(swept.result?.failed ?? []).map((f) => f.error)];
    if (quiet.length > 0) metrics.addMetric('IncidentsQuiet', MetricUnit.Count, quiet.length);
    if (swept.result && swept.result.summaries > 0) metrics.addMetric('IncidentSummaries', MetricUnit.Count, swept.result.summaries);
    // Ids are the analyzer's digests; clusters come from object keys: logged redacted.
    for (const incident of quiet)
      logger.info('incident went quiet', { incident: incident.id, cluster: logSafe(incident.cluster), lastSeen: incident.lastSeen });
    if (swept.result && swept.result.deferred > 0) logger.info('idle incidents left for the next sweep', { deferred: swept.result.deferred });
    for (const error of sweepFailures) logger.error('cannot end an idle incident; the next sweep retries it', { error });
    const silent = result.clusters.filter((c) => c.state === 'silent');
    const raised = silent.filter((c) => c.published || c.raised);
    const failed = result.clusters.filter((c) => c.state === 'failed');
    metrics.addMetric('ClustersChecked', MetricUnit.Count, result.clusters.length);
    metrics.addMetric('SilentClusters', MetricUnit.Count, silent.length);
    if (raised.length > 0) metrics.addMetric('SilenceFindings', MetricUnit.Count, raised.length);
    if (result.resumed.length > 0) metrics.addMetric('SilencesResolved', MetricUnit.Count, result.resumed.length);
    // Cluster names come from object keys: logged redacted.
    for (const c of silent) {
      logger.warn('audit logs of a cluster are silent', {
        cluster: logSafe(c.cluster),
        since: c.since,
        silentMinutes: c.silentMinutes,
        thresholdMinutes: silenceMinutes,
        raised: c.raised,
        published: c.published,
        ...(c.withheld ? { withheld: c.withheld } : {}),
      });
    }
    for (const r of result.resumed) logger.info('audit logs of a cluster resumed', { ...r, cluster: logSafe(r.cluster) });
    if (failed.length > 0) {
      metrics.addMetric('CheckFailures', MetricUnit.Count, failed.length);
      for (const f of failed) logger.error('cannot check a cluster; the invocation will be retried', { cluster: logSafe(f.cluster), error: f.error });
      throw new WatchdogCheckError(`silence check failed for ${failed.map((f) => logSafe(f.cluster)).join(', ')}: ${failed[0].error.message}`, {
        cause: failed[0].error,
      });
    }
    // Thrown after the silences were reported: the DLQ alarm then shows a sweep that keeps failing.
    if (sweepFailures.length > 0) {
      metrics.addMetric('IncidentSweepFailures', MetricUnit.Count, sweepFailures.length);
      throw new WatchdogCheckError(`quiet sweep failed for ${sweepFailures.length} incident(s): ${sweepFailures[0].message}`, { cause: sweepFailures[0] });
    }
    logger.info('silence check done', { checkedAt: result.checkedAt, clusters: result.clusters.length, silent: silent.length, resumed: result.resumed.length });
    return {
      kind: 'schedule',
      checkedAt: result.checkedAt,
      clusters: result.clusters.length,
      silent: silent.map((c) => c.cluster),
      raised: raised.map((c) => c.cluster),
      resumed: result.resumed.map((r) => r.cluster),
      quiet: quiet.map((i) => i.id),
      summaries: swept.result?.summaries ?? 0,
    };
  }

  async function onEksConfig(call: EksClusterConfigCall): Promise<WatchdogResult> {
    const made = eksAuditLoggingDisabledFinding(call);
    // The call's parameters and user agent are the caller's: logged redacted.
    const about = { cluster: logSafe(call.cluster), eventID: logSafe(call.eventID) };
    if (!made) {
      logger.info('EKS cluster configuration change leaves audit logging alone', { ...about, errorCode: logSafe(call.errorCode) });
      return { kind: 'eks-config', cluster: call.cluster, raised: false, published: false };
    }
    const raised = await raiseFindings([made], raise, { source: `cloudtrail:${call.eventID}`, cluster: call.cluster, read: NOTHING_READ });
    const withheld = withheldOf(raised.withheld);
    metrics.addMetric('EksAuditLoggingDisabled', MetricUnit.Count, 1);
    if (raised.published) metrics.addMetric('AlertsPublished', MetricUnit.Count, 1);
    logger.warn('EKS audit logging switched off', {
      ...about,
      actor: logSafe(call.actor),
      sourceIPAddress: logSafe(call.sourceIPAddress),
      newFinding: raised.newFindings > 0,
      published: raised.published,
      ...(withheld ? { withheld } : {}),
    });
    if (withheld) return { kind: 'eks-config', cluster: call.cluster, raised: false, published: false, withheld };
    // Another invocation holds the alert (EventBridge delivered the call twice at once). If that
    // one fails, nothing would send it: throw, so Lambda retries this one after the claim lapsed.
    if (raised.heldElsewhere > 0)
      throw new WatchdogCheckError(`the alert for CloudTrail event ${about.eventID} is held by another invocation; retried to make sure it is sent`);
    return { kind: 'eks-config', cluster: call.cluster, raised: raised.newFindings > 0, published: raised.published };
  }

  return async (event, context) => {
    logger.addContext(context);
    try {
      const trigger = triggerOf(event);
      if (trigger.kind === 'schedule') return await onSchedule();
      if (trigger.kind === 'eks-config') return await onEksConfig(trigger.call);
      // Retrying an event of a shape this function does not handle would change nothing.
      logger.warn('event is neither the schedule nor an EKS UpdateClusterConfig call; ignored', { reason: logSafe(trigger.reason) });
      return { kind: 'ignored', reason: trigger.reason };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

let defaultHandler: WatchdogHandler | undefined;

/**
 * The deployed handler: settings (see settings.ts) and clients built once per execution
 * environment, on the first invocation. A bad setting throws there with every problem named.
 */
export const handler: WatchdogHandler = (event, context) => {
  defaultHandler ??= makeHandler({
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    ...settingsFromEnv(process.env),
    ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
  });
  return defaultHandler(event, context);
};
