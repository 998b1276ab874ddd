import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { lambdaContext, s3Record } from '../../devkit/lambda-events';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { ReceivedPublish } from '../../devkit/local-sns';
import { DEPLOYED_SAMPLES as OBJECTS, SAMPLES_DIR, deployedKeyOf as keyOf } from '../helpers/deployed-samples';

const BUCKET = 'audit-logs';
const TABLE = 'findings';

jest.setTimeout(60_000); // a shared two-core machine: the five objects take seconds under load

let local: LocalAws;
let handler: AnalyzerHandler;

interface IncidentBody {
  kind: string;
  alert: 'opened' | 'updated' | 'test';
  title: string;
  incident: { id: string; principal: { key: string }; severity: string };
  told: Array<{ ruleId: string; target: unknown }>;
  whatsNew?: string;
}
const bodyOf = (p: ReceivedPublish): { email: string; machine: IncidentBody } => {
  const message = JSON.parse(p.message!) as { email: string; lambda: string };
  return { email: message.email, machine: JSON.parse(message.lambda) as IncidentBody };
};

async function deliver(id: string, key: string): Promise<void> {
  const response = await handler({ Records: [s3Record(id, BUCKET, key)] as SQSRecord[] }, lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
}

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  for (const sample of OBJECTS)
    await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(sample), Body: readFileSync(join(SAMPLES_DIR, sample)) }));
  handler = makeHandler({
    s3: local.s3.client,
    dynamodb: local.ddb.client,
    sns: local.sns.client,
    findingsTable: TABLE,
    alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts',
    minAlertSeverity: 'medium',
    region: 'eu-west-1',
    logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' }),
  });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('incidents, deployed: the samples through the analyzer against s3rver, dynalite and a local SNS endpoint', () => {
  it("tells jordan.lee's stolen key, and the token it minted, as one incident: one opening alert, then updates naming it, not an alert per object", async () => {
    for (const [i, sample] of OBJECTS.entries()) await deliver(`m-${i}`, keyOf(sample));
    const alerts = local.sns.published.map(bodyOf);
    expect(alerts.every((a) => a.machine.kind === 'incident')).toBe(true);

    const jordan = alerts.filter((a) => a.machine.incident.principal.key === 'jordan.lee');
    expect(jordan.length).toBeGreaterThan(0);
    expect(jordan[0].machine.alert).toBe('opened');
    expect(jordan.slice(1).every((a) => a.machine.alert === 'updated' && a.machine.whatsNew !== undefined)).toBe(true);
    expect(new Set(jordan.map((a) => a.machine.incident.id)).size).toBe(1);
    expect(jordan[0].machine.title).toContain('jordan.lee');
    // Stories a+b (the key: binding, token, DaemonSet) open it; the minted token's exec (e), CronJob (d) and webhook (c), hours later, update it.
    expect(jordan.map((a) => a.machine.alert)).toEqual(['opened', 'updated', 'updated', 'updated']);
    expect(jordan[0].machine.told.map((g) => g.ruleId)).toEqual(
      expect.arrayContaining(['rbac.privileged-role-bound', 'service-account.token-request', 'daemonset.created-or-changed']),
    );
    expect(jordan.slice(1).flatMap((a) => a.machine.told.map((g) => g.ruleId))).toEqual(
      expect.arrayContaining(['exec.pod-exec', 'cronjob.created-or-changed', 'admission.webhook-configuration-changed']),
    );
    expect(jordan[0].machine.title).toContain('prod-eu');

    // Every incident opens once, whatever the number of objects its findings came in.
    const openings = alerts.filter((a) => a.machine.alert === 'opened').map((a) => a.machine.incident.id);
    expect(new Set(openings).size).toBe(openings.length);
    // Phone-readable email: no line wider than 72 columns.
    for (const a of alerts) expect(a.email.split('\n').filter((line) => [...line].length > 72)).toEqual([]);
  });

  it('sends nothing more when the same objects are delivered again, twice at once', async () => {
    const before = local.sns.published.length;
    await Promise.all(OBJECTS.flatMap((sample, i) => [deliver(`again-a-${i}`, keyOf(sample)), deliver(`again-b-${i}`, keyOf(sample))]));
    expect(local.sns.published.length).toBe(before);
  });

  it('opens each incident once when all five objects of another cluster are analyzed at the same moment', async () => {
    const before = local.sns.published.length;
    const other = (sample: string): string => keyOf(sample).replace('clusters/prod-eu/', 'clusters/prod-us/');
    for (const sample of OBJECTS)
      await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: other(sample), Body: readFileSync(join(SAMPLES_DIR, sample)) }));
    await Promise.all(OBJECTS.map((sample, i) => deliver(`us-${i}`, other(sample))));
    const alerts = local.sns.published.slice(before).map(bodyOf);
    const openings = alerts.filter((a) => a.machine.alert === 'opened').map((a) => a.machine.incident.id);
    expect(openings.length).toBeGreaterThan(0);
    expect(new Set(openings).size).toBe(openings.length);
    // Nothing told twice: every group of every incident appears in one alert only.
    const told = alerts.flatMap((a) => a.machine.told.map((g) => JSON.stringify([a.machine.incident.id, g.ruleId, g.target])));
    expect(new Set(told).size).toBe(told.length);
  });
});
