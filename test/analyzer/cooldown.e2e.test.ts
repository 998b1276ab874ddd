import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { cooldownKey } from '../../lambdas/adapters/dynamodb-alert-cooldown';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { SNS_MAX_BYTES } from '../../lambdas/core/alert/sns-message';
import type { Finding } from '../../lambdas/core/finding';
import type { AlertArchive } from '../../lambdas/core/ports';
import type { AggregatedRow } from '../../lambdas/core/report/aggregate';
import { clusterAdminBinding, leaseUpdate } from '../helpers/events';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { LocalS3 } from '../../devkit/local-s3';
import type { LocalSns, ReceivedPublish } from '../../devkit/local-sns';
import type { Ev } from '../helpers/shipping';
import { lambdaContext, s3Record } from '../../devkit/lambda-events';

const BUCKET = 'audit-logs';
const ARCHIVE = 'alert-archive';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const MINUTE = 60_000;
const ACTOR = 'alice@example.com';

let s3: LocalS3;
let local: LocalAws;
let ddb: LocalDynamoDb;
let sns: LocalSns;
let handler: AnalyzerHandler;
let store: DynamoDbFindingsStore;
/** The handler's clock: the cooldown windows are measured on it. */
let clock = Date.parse('2026-11-20T10:05:00Z');

interface MachineBody {
  kind: string;
  table: Array<AggregatedRow & { suppressedBefore?: number }>;
  omittedRows: number;
  fullFindings?: string;
}

const bodies = (alert: ReceivedPublish): { email: string; machine: MachineBody } => {
  const message = JSON.parse(alert.message!) as { email: string; lambda: string };
  return { email: message.email, machine: JSON.parse(message.lambda) as MachineBody };
};

async function deliver(messageId: string, key: string): Promise<SQSBatchResponse> {
  return handler({ Records: [s3Record(messageId, BUCKET, key)] as SQSRecord[] }, lambdaContext);
}

async function putLog(key: string, events: Ev[]): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n') }));
}

/** A ClusterRoleBinding of cluster-admin named `name`, by alice: a high and a critical finding, one group each. */
const binding = (name: string): Ev => {
  const b = clusterAdminBinding();
  return { ...b, objectRef: { ...(b.objectRef as Record<string, unknown>), name } };
};

const cooldownItem = async (cluster: string, ruleId: string, name: string): Promise<Record<string, unknown> | undefined> =>
  (
    await ddb.documents.send(
      new GetCommand({
        TableName: TABLE,
        Key: cooldownKey({ cluster, ruleId, actor: ACTOR, target: { resource: 'clusterrolebindings', name } }),
        ConsistentRead: true,
      }),
    )
  ).Item;

const stored = async (cluster: string): Promise<Finding[]> =>
  store.query({ cluster, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });

const archiveKeys = async (prefix: string): Promise<string[]> =>
  ((await s3.client.send(new ListObjectsV2Command({ Bucket: ARCHIVE, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET, ARCHIVE], table: TABLE });
  ({ s3, ddb, sns } = local);
  store = new DynamoDbFindingsStore(ddb.documents, TABLE);
  handler = makeHandler({
    incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
    s3: s3.client,
    dynamodb: ddb.client,
    sns: sns.client,
    findingsTable: TABLE,
    alertsTopicArn: TOPIC,
    minAlertSeverity: 'high',
    alertCooldownMinutes: 60,
    archiveBucket: ARCHIVE,
    logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' }),
    now: () => clock,
  });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('alert cooldown, end to end against s3rver, dynalite and a local SNS endpoint', () => {
  const windowStart = clock;

  it('alerts once for a finding group within the window; the next object only raises its count', async () => {
    await putLog('clusters/cool-a/2026/11/20/10/one.json.gz', [leaseUpdate(), binding('persist'), leaseUpdate()]);
    expect((await deliver('a-1', 'clusters/cool-a/2026/11/20/10/one.json.gz')).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(1);
    expect(bodies(sns.published[0]).email).toContain('cooldown: a finding group alerts once per 60 minutes');

    clock = windowStart + 10 * MINUTE;
    // The same group again, next to a new one: only the new one is alerted.
    await putLog('clusters/cool-a/2026/11/20/10/two.json.gz', [binding('persist'), binding('fresh')]);
    expect((await deliver('a-2', 'clusters/cool-a/2026/11/20/10/two.json.gz')).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(2);
    const second = bodies(sns.published[1]).machine;
    expect(second.table.map((r) => r.target.name)).toEqual(['fresh', 'fresh']);

    for (const ruleId of ['rbac.privileged-role-bound', 'rbac.broad-subject-bound']) {
      expect(await cooldownItem('cool-a', ruleId, 'persist')).toMatchObject({
        suppressed: 1,
        alerted: 1,
        windowStart,
        windowEnd: windowStart + 60 * MINUTE,
        expiresAt: (windowStart + 60 * MINUTE) / 1000 + 3600,
        lastSuppressedAt: new Date(clock).toISOString(),
      });
    }
    // Every finding of the two groups was stored, the counted ones included.
    const groups = ['rbac.privileged-role-bound', 'rbac.broad-subject-bound'];
    expect((await stored('cool-a')).filter((f) => f.target.name === 'persist' && groups.includes(f.ruleId))).toHaveLength(4);

    // A redelivery of the second object neither alerts nor counts again: its findings are marked alerted.
    expect((await deliver('a-2', 'clusters/cool-a/2026/11/20/10/two.json.gz')).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(2);
    expect(await cooldownItem('cool-a', 'rbac.privileged-role-bound', 'persist')).toMatchObject({ suppressed: 1 });

    // An object holding only that group sends nothing at all.
    clock = windowStart + 50 * MINUTE;
    await putLog('clusters/cool-a/2026/11/20/10/three.json.gz', [binding('persist')]);
    expect((await deliver('a-3', 'clusters/cool-a/2026/11/20/10/three.json.gz')).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(2);
    expect(await cooldownItem('cool-a', 'rbac.privileged-role-bound', 'persist')).toMatchObject({ suppressed: 2 });

    // Small alerts keep no archive.
    expect(await archiveKeys('alerts/cool-a/')).toEqual([]);
  });

  it('alerts again once the window has ended, telling how many hits were counted meanwhile', async () => {
    clock = windowStart + 61 * MINUTE;
    await putLog('clusters/cool-a/2026/11/20/11/four.json.gz', [binding('persist')]);
    expect((await deliver('a-4', 'clusters/cool-a/2026/11/20/11/four.json.gz')).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(3);
    const { email, machine } = bodies(sns.published[2]);
    expect(machine.table.map((r) => [r.target.name, r.suppressedBefore])).toEqual([
      ['persist', 2],
      ['persist', 2],
    ]);
    expect(email).toMatch(
      /4 hits of these groups counted without an alert in their previous window:\n {2}rbac\.broad-subject-bound: 2\n {2}rbac\.privileged-role-bound: 2/,
    );
    expect(await cooldownItem('cool-a', 'rbac.privileged-role-bound', 'persist')).toMatchObject({
      suppressed: 0,
      windowStart: clock,
      windowEnd: clock + 60 * MINUTE,
    });
  });

  it('still sends an alert whose publish failed when the object comes back, even after the group was hit again', async () => {
    clock = windowStart;
    const first = 'clusters/cool-b/2026/11/20/10/flaky.json.gz';
    const second = 'clusters/cool-b/2026/11/20/10/again.json.gz';
    await putLog(first, [binding('flaky')]);
    await putLog(second, [binding('flaky')]);
    const published = sns.published.length;

    sns.failWith = 500;
    try {
      expect((await deliver('b-1', first)).batchItemFailures).toEqual([{ itemIdentifier: 'b-1' }]);
    } finally {
      sns.failWith = undefined;
    }
    // The failed attempt holds the window: the next object with that group is counted, not sent.
    clock = windowStart + 2 * MINUTE;
    expect((await deliver('b-2', second)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published);

    // The queue redelivers the first object: it re-claims its own window and the alert goes out.
    clock = windowStart + 5 * MINUTE;
    expect((await deliver('b-1', first)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published + 1);
    expect(bodies(sns.published[published]).machine.table.map((r) => r.target.name)).toEqual(['flaky', 'flaky']);

    // Once sent, a further redelivery sends nothing.
    expect((await deliver('b-1', first)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published + 1);
  });

  it('keeps every finding of an alert over 256 KB in the archive bucket and names it in the message', async () => {
    clock = windowStart;
    const key = 'clusters/cool-c/2026/11/20/10/burst.json.gz';
    const names = Array.from({ length: 100 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
    await putLog(
      key,
      names.flatMap((name) => [binding(name), leaseUpdate()]),
    );
    const published = sns.published.length;

    // A failed publish first: the redelivery must overwrite the archive, not add a second one.
    sns.failWith = 500;
    try {
      expect((await deliver('c-1', key)).batchItemFailures).toEqual([{ itemIdentifier: 'c-1' }]);
    } finally {
      sns.failWith = undefined;
    }
    const [archived] = await archiveKeys('alerts/cool-c/');
    expect(archived).toMatch(/^alerts\/cool-c\/2026-11-20\/[0-9a-f]{32}\.json$/);

    clock = windowStart + MINUTE;
    expect((await deliver('c-1', key)).batchItemFailures).toEqual([]);
    expect(await archiveKeys('alerts/cool-c/')).toEqual([archived]);
    expect(sns.published).toHaveLength(published + 1);

    const alert = sns.published[published];
    expect(Buffer.byteLength(alert.message!) + Buffer.byteLength(alert.subject!)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const { email, machine } = bodies(alert);
    expect(machine.fullFindings).toBe(`s3://${ARCHIVE}/${archived}`);
    expect(machine.omittedRows).toBeGreaterThan(0);
    expect(machine.table.length + machine.omittedRows).toBe(200);
    expect(email).toContain(`full findings: s3://${ARCHIVE}/${archived}`);

    const object = await s3.client.send(new GetObjectCommand({ Bucket: ARCHIVE, Key: archived }));
    expect(object.ContentType).toBe('application/json');
    const full = JSON.parse(await object.Body!.transformToString()) as AlertArchive;
    expect(full.source).toBe(`s3://${BUCKET}/${key}`);
    expect(full.cluster).toBe('cool-c');
    expect(full.summary.findings).toBe(200);
    expect(full.table).toHaveLength(200);
    const alertable = (await stored('cool-c')).filter((f) => f.severity === 'high' || f.severity === 'critical');
    expect(alertable).toHaveLength(200);
    expect(full.findings.map((f) => `${f.ruleId}/${f.auditID}`).sort()).toEqual(alertable.map((f) => `${f.ruleId}/${f.auditID}`).sort());
  }, 60_000);
});
