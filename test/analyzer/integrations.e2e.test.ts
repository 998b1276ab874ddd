/**
 * The path from the samples to Security Hub and EventBridge, deployed: the analyzer reads the five
 * sample objects against s3rver, dynalite and a local SNS endpoint; every message it publishes goes,
 * as SNS delivers it to a Lambda subscription, to the Security Hub forwarder (real SDK client, a
 * local Security Hub that checks the request) and to the EventBridge forwarder; then the
 * watchdog's sweep ends the incident and its summary goes the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbStateStore } from '../../lambdas/adapters/dynamodb-state-store';
import { SecurityHubImporter } from '../../lambdas/adapters/securityhub-importer';
import { SnsPublisher } from '../../lambdas/adapters/sns-publisher';
import { makeHandler as makeAnalyzer } from '../../lambdas/analyzer/handler';
import type { IncidentEventEntry } from '../../lambdas/core/export/incident-event';
import { incidentEventDetailSchema } from '../../lambdas/core/export/incident-event';
import { StateIncidentStore } from '../../lambdas/core/incident/incident-store';
import { sweepQuietIncidents } from '../../lambdas/core/incident/quiet-sweep';
import { makeHandler as makeEventForwarder } from '../../lambdas/eventbridge-forwarder/handler';
import { makeHandler as makeHubForwarder } from '../../lambdas/securityhub-forwarder/handler';
import { lambdaContext, s3Record, snsRecord } from '../../devkit/lambda-events';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import { startLocalSecurityHub } from '../../devkit/local-securityhub';
import type { ReceivedPublish } from '../../devkit/local-sns';
import { DEPLOYED_SAMPLES as OBJECTS, SAMPLES_DIR, deployedKeyOf as keyOf } from '../helpers/deployed-samples';

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const TARGET = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const PRODUCT_ARN = 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default';
const silent = (): Logger => new Logger({ serviceName: 'integrations-test', logLevel: 'SILENT' });

let local: LocalAws;
let hub: Awaited<ReturnType<typeof startLocalSecurityHub>>;

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  hub = await startLocalSecurityHub(TARGET.accountId, PRODUCT_ARN);
  for (const sample of OBJECTS)
    await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(sample), Body: readFileSync(join(SAMPLES_DIR, sample)) }));
});
afterAll(async () => {
  await hub?.stop();
  await local?.stop();
});

/** What an SNS Lambda subscription receives for a published message: the `lambda` key of its JSON. */
const asDelivered = (published: readonly ReceivedPublish[]): SNSEvent => ({
  Records: published.map((p, i) =>
    snsRecord((JSON.parse(p.message!) as { lambda: string }).lambda, {
      subject: p.subject ?? '',
      messageId: p.messageId,
      timestamp: new Date(Date.UTC(2026, 10, 20, 14, 0, i)).toISOString(),
    }),
  ),
});

describe('incidents to Security Hub and EventBridge, deployed', () => {
  it('creates a Security Hub finding per told group, updates the same findings when the incident goes quiet, and sends one schema-valid event per change', async () => {
    const analyzer = makeAnalyzer({
      s3: local.s3.client,
      dynamodb: local.ddb.client,
      sns: local.sns.client,
      findingsTable: TABLE,
      alertsTopicArn: TOPIC,
      minAlertSeverity: 'medium',
      region: 'eu-west-1',
      logger: silent(),
      metrics: new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' }),
    });
    for (const [i, sample] of OBJECTS.entries()) {
      const response = await analyzer({ Records: [s3Record(`m-${i}`, BUCKET, keyOf(sample))] as SQSRecord[] }, lambdaContext);
      expect(response.batchItemFailures).toEqual([]);
    }
    const client = new SecurityHubClient({
      endpoint: hub.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const toHub = makeHubForwarder({ importer: new SecurityHubImporter(client), target: TARGET, logger: silent() });
    const events: IncidentEventEntry[] = [];
    const toBus = makeEventForwarder({ sink: { put: (entries) => Promise.resolve(void events.push(...entries)) }, logger: silent() });
    const forward = async (published: readonly ReceivedPublish[]): Promise<void> => {
      await toHub(asDelivered(published), lambdaContext);
      await toBus(asDelivered(published), lambdaContext);
    };

    const alerts = [...local.sns.published];
    expect(alerts.length).toBeGreaterThan(1);
    await forward(alerts);
    expect(hub.problems).toEqual([]);
    const created = hub.log.filter((l) => l.op === 'created');
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((l) => l.id)).size).toBe(created.length); // each group created once
    const details = events.map((e) => incidentEventDetailSchema.parse(JSON.parse(e.Detail)));
    expect(events).toHaveLength(alerts.length);
    expect(details.filter((d) => d.kind === 'opened').length).toBeGreaterThan(0);
    const jordan = details.filter((d) => d.incident.principal.key === 'jordan.lee');
    expect(jordan.map((d) => d.kind)).toEqual(['opened', 'updated', 'updated', 'updated']);

    // Hours later the watchdog's sweep finds the incidents quiet and, with summaries on, tells it.
    const before = local.sns.published.length;
    const swept = await sweepQuietIncidents({
      incidents: new StateIncidentStore(new DynamoDbStateStore(local.ddb.documents, TABLE)),
      publisher: new SnsPublisher(local.sns.client, TOPIC),
      links: { rulesDocUrl: 'docs/rules.md', region: 'eu-west-1' },
      summary: true,
      now: Date.now,
    });
    expect(swept.failed).toEqual([]);
    expect(swept.summaries).toBeGreaterThan(0);
    const summaries = local.sns.published.slice(before);
    await forward(summaries);
    expect(hub.problems).toEqual([]);
    const updated = hub.log.filter((l) => l.op === 'updated');
    // The summary updates the findings the alerts created (same Ids), none created anew for jordan's.
    const createdIds = new Set(created.map((l) => l.id));
    expect(updated.length).toBeGreaterThan(0);
    for (const u of updated) expect(createdIds.has(u.id)).toBe(true);
    for (const u of updated) expect(Date.parse(u.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.find((c) => c.id === u.id)!.updatedAt));
    const quiet = events.slice(alerts.length).map((e) => [e.DetailType, incidentEventDetailSchema.parse(JSON.parse(e.Detail)).kind]);
    expect(quiet.length).toBe(summaries.length);
    for (const [type, kind] of quiet) expect([type, kind]).toEqual(['Incident Quiet', 'quiet']);
  });
});
