import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCoverageStore } from '../../lambdas/adapters/dynamodb-coverage-store';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbFindingsStore, findingKey } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import type { Finding } from '../../lambdas/core/finding';
import { auditEvent, clusterAdminBinding, leaseUpdate } from '../helpers/events';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { LocalS3 } from '../../devkit/local-s3';
import type { LocalSns } from '../../devkit/local-sns';
import type { Ev } from '../helpers/shipping';
import { lambdaContext, s3Record as s3RecordFor, sqsRecord } from '../../devkit/lambda-events';

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const DAY = { cluster: 'prod-eu', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') };

let s3: LocalS3;
let local: LocalAws;
let ddb: LocalDynamoDb;
let sns: LocalSns;
let handler: AnalyzerHandler;
let store: DynamoDbFindingsStore;
let documents: DynamoDBDocumentClient;
let metrics: Metrics;
let logger: Logger;

const context = lambdaContext;
const s3Record = (messageId: string, key: string): SQSRecord => s3RecordFor(messageId, BUCKET, key);

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const invoke = (event: SQSEvent): Promise<SQSBatchResponse> => handler(event, context);

async function putLog(key: string, events: Ev[]): Promise<void> {
  const body = gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

const withBackdoor = (name: string): Ev[] => {
  const binding = clusterAdminBinding();
  const objectRef = { ...(binding.objectRef as Record<string, unknown>), name };
  return [leaseUpdate(), leaseUpdate(), { ...binding, objectRef }, leaseUpdate(), auditEvent()];
};

const backdoorFindings = (findings: Finding[], name: string): Finding[] => findings.filter((f) => f.target.name === name);

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  ({ s3, ddb, sns } = local);
  documents = DynamoDBDocumentClient.from(ddb.client);
  store = new DynamoDbFindingsStore(documents, TABLE);
  logger = new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' });
  metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' });
  handler = makeHandler({
    incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
    s3: s3.client,
    dynamodb: ddb.client,
    sns: sns.client,
    findingsTable: TABLE,
    alertsTopicArn: TOPIC,
    minAlertSeverity: 'high',
    logger,
    metrics,
  });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('analyzer handler, end to end against s3rver, dynalite and a local SNS endpoint', () => {
  const firstKey = 'clusters/prod-eu/2026/11/20/10/audit log 1.json.gz';

  it('stores the findings of a new object and publishes one alert', async () => {
    await putLog(firstKey, withBackdoor('backdoor-1'));
    const response = await invoke(batch(s3Record('m-1', firstKey)));
    expect(response.batchItemFailures).toEqual([]);

    const stored = backdoorFindings(await store.query(DAY), 'backdoor-1');
    expect(stored.map((f) => f.ruleId)).toContain('rbac.privileged-role-bound');
    expect(stored.every((f) => f.cluster === 'prod-eu')).toBe(true);

    expect(sns.published).toHaveLength(1);
    const [alert] = sns.published;
    expect(alert.topicArn).toBe(TOPIC);
    expect(alert.messageStructure).toBe('json');
    expect(alert.subject).toMatch(/^k8s-audit-analyzer prod-eu: 1 critical, \d+ high \(rbac\.[a-z-]+ \+\d+\)$/);
    expect(alert.subject!.length).toBeLessThan(100);
    expect(alert.attributes.cluster).toEqual({ dataType: 'String', value: 'prod-eu' });
    expect(alert.attributes.severity).toEqual({ dataType: 'String', value: 'critical' });
    expect(alert.attributes.categories.dataType).toBe('String.Array');
    expect(JSON.parse(alert.attributes.categories.value!)).toContain('rbac-change');
    const message = JSON.parse(alert.message!) as Record<string, string>;
    expect(message.email).toContain('rbac.privileged-role-bound');
    expect(message.email).toContain(`s3://${BUCKET}/${firstKey}`);
    expect(JSON.parse(message.lambda)).toMatchObject({ kind: 'findings', cluster: 'prod-eu' });
    expect(JSON.parse(message.https)).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });

    // Coverage: the object's parsed events by level, on the cluster's day of the events, and the cluster registered.
    const { Item: coverage } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#prod-eu', sk: '2026-11-20' } }));
    expect(coverage).toMatchObject({ cluster: 'prod-eu', day: '2026-11-20', objects: 1, RequestResponse: 1 });
    expect(coverage?.expiresAt).toBe(Date.parse('2026-11-21T00:00:00Z') / 1000 + 400 * 86_400);
    const { Item: registry } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'CLUSTERS', sk: 'all' } }));
    expect([...(registry?.clusters as Set<string>)]).toEqual(['prod-eu']);
    expect(await new DynamoDbCoverageStore(documents, TABLE).coverage('prod-eu', { from: DAY.from.toISOString(), to: DAY.to.toISOString() })).toMatchObject({
      objects: 1,
    });
  });

  it('stores nothing new and sends nothing when the same event is delivered again', async () => {
    const before = await store.query(DAY);
    const response = await invoke(batch(s3Record('m-1', firstKey)));
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.query(DAY)).toHaveLength(before.length);
    expect(sns.published).toHaveLength(1);
  });

  it('fails the record when the publish fails, keeps the findings, and alerts on redelivery', async () => {
    const key = 'clusters/prod-eu/2026/11/20/11/audit log 2.json.gz';
    await putLog(key, withBackdoor('backdoor-2'));
    const published = sns.published.length;

    sns.failWith = 500;
    try {
      const failed = await invoke(batch(s3Record('m-2', key)));
      expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    } finally {
      sns.failWith = undefined;
    }
    expect(sns.failedRequests).toBeGreaterThan(0);
    expect(sns.published).toHaveLength(published);
    // Stored before anyone was notified.
    expect(backdoorFindings(await store.query(DAY), 'backdoor-2').length).toBeGreaterThan(0);

    // The queue redelivers: nothing new is stored, but the alert that failed goes out now.
    const retried = await invoke(batch(s3Record('m-2', key)));
    expect(retried.batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published + 1);
    const alert = sns.published[published];
    expect(alert.message).toContain('backdoor-2');
    expect(alert.message).not.toContain('backdoor-1');

    // And once it went out, a further redelivery sends nothing.
    const again = await invoke(batch(s3Record('m-2', key)));
    expect(again.batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published + 1);
  });

  it('accepts the s3:TestEvent without work', async () => {
    const published = sns.published.length;
    const test = sqsRecord('m-test', JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-20T10:00:00Z', Bucket: BUCKET }));
    expect((await invoke(batch(test))).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(published);
  });

  // This test used to expect the record of a missing object to fail. An object deleted before it
  // was read (S3 NoSuchKey) cannot come back: retrying its record only walks it to the DLQ and
  // pages someone for nothing. So the handler now logs a warning with the key, counts
  // `MissingObjects`, and lets the record succeed; the batch's other records are unaffected.
  it('lets the record of an object deleted before it was read succeed, and counts it', async () => {
    const key = 'clusters/prod-eu/2026/11/20/12/audit log 3.json.gz';
    const gone = 'clusters/prod-eu/2026/11/20/12/gone.json.gz';
    await putLog(key, [leaseUpdate(), leaseUpdate()]);
    const added = jest.spyOn(metrics, 'addMetric');
    const warned = jest.spyOn(logger, 'warn');
    try {
      const response = await invoke(batch(s3Record('m-missing', gone), s3Record('m-3', key)));
      expect(response.batchItemFailures).toEqual([]);
      expect(added).toHaveBeenCalledWith('MissingObjects', 'Count', 1);
      expect(warned).toHaveBeenCalledWith(
        expect.stringContaining('deleted before it was read'),
        expect.objectContaining({ key: gone, messageId: 'm-missing' }),
      );
    } finally {
      added.mockRestore();
      warned.mockRestore();
    }
  });

  it('keeps and alerts on what a truncated object held, without failing the record', async () => {
    const key = 'clusters/prod-eu/2026/11/20/13/audit log 4.json.gz';
    const whole = gzipSync(
      withBackdoor('backdoor-4')
        .map((e) => JSON.stringify(e))
        .join('\n') +
        '\n' +
        Array.from({ length: 200 }, () => JSON.stringify(leaseUpdate())).join('\n'),
    );
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: whole.subarray(0, whole.length - 40) }));
    const published = sns.published.length;
    const response = await invoke(batch(s3Record('m-4', key)));
    expect(response.batchItemFailures).toEqual([]);
    expect(backdoorFindings(await store.query(DAY), 'backdoor-4').length).toBeGreaterThan(0);
    expect(sns.published).toHaveLength(published + 1);
  });

  it('registers a cluster once per execution environment, however many of its objects it reads', async () => {
    const key = 'clusters/prod-eu/2026/11/20/10/audit log 1b.json.gz';
    await putLog(key, [leaseUpdate(), clusterAdminBinding()]);
    const sent = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
    try {
      expect((await invoke(batch(s3Record('m-1b', key)))).batchItemFailures).toEqual([]);
      const updated = sent.mock.calls.flatMap(([c]) => (c instanceof UpdateCommand ? [(c.input.Key as Record<string, string>).pk] : []));
      expect(updated.filter((pk) => pk === 'V#prod-eu')).toHaveLength(1);
      expect(updated.filter((pk) => pk === 'CLUSTERS')).toHaveLength(0);
    } finally {
      sent.mockRestore();
    }
  });
});

describe('every hit alerted once, whatever the client chose, end to end', () => {
  const DANGEROUS = 'rbac.dangerous-role-permissions';
  const machineOf = (alert: {
    message?: string;
  }): { summary: { findings: number }; table: Array<{ ruleId: string; count: number; target: { name?: string } }> } =>
    JSON.parse((JSON.parse(alert.message!) as { lambda: string }).lambda) as {
      summary: { findings: number };
      table: Array<{ ruleId: string; count: number; target: { name?: string } }>;
    };
  const alertedAt = async (f: Finding): Promise<unknown> =>
    (await documents.send(new GetCommand({ TableName: TABLE, Key: findingKey(f), ConsistentRead: true }))).Item?.alertedAt;

  /** A ClusterRole whose two rules entries each grant an escalation-grade power: two hits of one rule on one event. */
  const twoPowers = (name: string): Ev =>
    auditEvent({
      level: 'RequestResponse',
      verb: 'create',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      objectRef: { resource: 'clusterroles', name, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: {
        kind: 'ClusterRole',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        metadata: { name },
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
          { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        ],
      },
    });

  it('stores and alerts both hits of one rule on one event (two dangerous rules entries of one ClusterRole)', async () => {
    const key = 'clusters/prod-eu/2026/11/20/14/two powers.json.gz';
    await putLog(key, [leaseUpdate(), twoPowers('two-powers')]);
    const published = sns.published.length;
    expect((await invoke(batch(s3Record('m-hits', key)))).batchItemFailures).toEqual([]);

    const hits = (await store.query(DAY)).filter((f) => f.ruleId === DANGEROUS && f.target.name === 'two-powers');
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((f) => f.auditID)).size).toBe(1);
    expect(new Set(hits.map((f) => f.fingerprint)).size).toBe(2);
    expect(hits.map((f) => f.evidence.rulesIndex).sort()).toEqual([0, 1]);
    for (const f of hits) expect(await alertedAt(f)).toEqual(expect.any(String));

    expect(sns.published).toHaveLength(published + 1);
    const row = machineOf(sns.published[published]).table.find((r) => r.ruleId === DANGEROUS);
    expect(row?.count).toBe(2);
  });

  it('stores and alerts the real finding after a decoy raised the same rule under the same auditID at the same time', async () => {
    const decoyKey = 'clusters/prod-eu/2026/11/20/15/decoy.json.gz';
    const realKey = 'clusters/prod-eu/2026/11/20/15/real.json.gz';
    const times = { requestReceivedTimestamp: '2026-11-20T15:00:00.000000Z', stageTimestamp: '2026-11-20T15:00:00.004000Z' };
    const decoy = { ...withBackdoor('decoy-binding')[2], auditID: 'f00dcafe-0000-4000-8000-000000000001', ...times };
    const real = { ...withBackdoor('real-backdoor')[2], auditID: 'f00dcafe-0000-4000-8000-000000000001', ...times };
    await putLog(decoyKey, [decoy]);
    await putLog(realKey, [real]);
    const published = sns.published.length;
    expect((await invoke(batch(s3Record('m-decoy', decoyKey)))).batchItemFailures).toEqual([]);
    expect((await invoke(batch(s3Record('m-real', realKey)))).batchItemFailures).toEqual([]);

    const stored = await store.query(DAY);
    expect(backdoorFindings(stored, 'real-backdoor').map((f) => f.ruleId)).toContain('rbac.privileged-role-bound');
    expect(sns.published).toHaveLength(published + 2);
    expect(machineOf(sns.published[published + 1]).table.map((r) => r.target.name)).toContain('real-backdoor');
  });

  it('sends one alert when two invocations process the same notification at once', async () => {
    const key = 'clusters/prod-eu/2026/11/20/16/twice.json.gz';
    await putLog(key, withBackdoor('delivered-twice'));
    const second = makeHandler({
      incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
      s3: s3.client,
      dynamodb: ddb.client,
      sns: sns.client,
      findingsTable: TABLE,
      alertsTopicArn: TOPIC,
      minAlertSeverity: 'high',
      logger,
      metrics,
    });
    const published = sns.published.length;
    const responses = await Promise.all([invoke(batch(s3Record('m-twice', key))), second(batch(s3Record('m-twice', key)), context)]);
    expect(responses.map((r) => r.batchItemFailures)).toEqual([[], []]);
    expect(sns.published).toHaveLength(published + 1);
    expect(sns.published[published].message).toContain('delivered-twice');
    const found = backdoorFindings(await store.query(DAY), 'delivered-twice').filter((f) => f.severity === 'critical' || f.severity === 'high');
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(await alertedAt(f)).toEqual(expect.any(String));
  });

  it('redacts object keys in log lines and alerts: a key is chosen by whoever writes to the bucket', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNlY3JldA';
    const key = `clusters/prod-eu/2026/11/20/17/${jwt}.json.gz`;
    await putLog(key, withBackdoor('keyed'));
    const published = sns.published.length;
    const info = jest.spyOn(logger, 'info');
    try {
      expect((await invoke(batch(s3Record('m-jwt', key)))).batchItemFailures).toEqual([]);
      const logged = JSON.stringify(info.mock.calls);
      expect(logged).toContain('object analyzed');
      expect(logged).toContain('[redacted]');
      expect(logged).not.toContain(jwt);
    } finally {
      info.mockRestore();
    }
    expect(sns.published).toHaveLength(published + 1);
    expect(sns.published[published].message).not.toContain(jwt);
    expect(sns.published[published].message).toContain('clusters/prod-eu/2026/11/20/17/[redacted].json.gz');
  });
});
