import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { DEFAULT_CONFIG } from '../../lambdas/core/detect/engine';
import { auditEvent, leaseUpdate } from '../helpers/events';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { LocalS3 } from '../../devkit/local-s3';
import type { LocalSns } from '../../devkit/local-sns';
import { encodeKey, lambdaContext, sqsRecord } from '../../devkit/lambda-events';

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const DAY = { cluster: 'prod-eu', from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') };
const MALLORY = 'AWS:AROAEXAMPLEROLEID:mallory';

let s3: LocalS3;
let local: LocalAws;
let ddb: LocalDynamoDb;
let sns: LocalSns;
let handler: AnalyzerHandler;
let store: DynamoDbFindingsStore;
let documents: DynamoDBDocumentClient;
let metrics: Metrics;
/** The analyzer's clock: after the events, so lag and cooldown windows are what they would be live. */
let clock = Date.parse('2026-11-20T10:45:00Z');

interface RecordFields {
  eventName: string;
  key: string;
  eventTime?: string;
  versionId?: string;
  sequencer?: string;
  principalId?: string;
  sourceIPAddress?: string;
}

/** One S3 notification record as S3 puts it on the queue. */
function s3Notification(messageId: string, r: RecordFields): SQSRecord {
  const body = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: r.eventTime ?? '2026-11-20T10:42:07.311Z',
        eventName: r.eventName,
        userIdentity: { principalId: r.principalId ?? MALLORY },
        requestParameters: { sourceIPAddress: r.sourceIPAddress ?? '198.51.100.23' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'k8s-audit-analyzer',
          bucket: { name: BUCKET, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key: encodeKey(r.key), ...(r.versionId ? { versionId: r.versionId } : {}), sequencer: r.sequencer ?? '0066F1A2B3C4D5E6F7' },
        },
      },
    ],
  };
  return sqsRecord(messageId, JSON.stringify(body));
}

const invoke = (...records: SQSRecord[]): Promise<SQSBatchResponse> => handler({ Records: records }, lambdaContext);
const removedFindings = async () => (await store.query(DAY)).filter((f) => f.ruleId === 'audit-tampering.log-object-deleted');

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  ({ s3, ddb, sns } = local);
  documents = DynamoDBDocumentClient.from(ddb.client);
  store = new DynamoDbFindingsStore(documents, TABLE);
  metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' });
  handler = makeHandler({
    incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
    s3: s3.client,
    dynamodb: ddb.client,
    sns: sns.client,
    findingsTable: TABLE,
    alertsTopicArn: TOPIC,
    logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
    metrics,
    now: () => clock,
  });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('objects removed from the log bucket, end to end against dynalite, s3rver and a local SNS endpoint', () => {
  const key = 'clusters/prod-eu/2026/11/20/10/audit log 1.json.gz';
  const removal = s3Notification('m-del-1', { eventName: 'ObjectRemoved:Delete', key, versionId: '3HL4kqtJlcpXroDTDmJ' });

  it('stores a critical finding per removed object and sends one alert', async () => {
    expect((await invoke(removal)).batchItemFailures).toEqual([]);

    const findings = await removedFindings();
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'critical',
        category: 'audit-tampering',
        cluster: 'prod-eu',
        time: '2026-11-20T10:42:07.311Z',
        actor: { username: MALLORY, sourceIPs: ['198.51.100.23'] },
        target: { resource: 's3-objects', namespace: BUCKET, name: key },
        verb: 'delete',
        evidence: {
          bucket: BUCKET,
          key,
          versionId: '3HL4kqtJlcpXroDTDmJ',
          eventName: 'ObjectRemoved:Delete',
          sourceIPAddress: '198.51.100.23',
          sequencer: '0066F1A2B3C4D5E6F7',
          region: 'eu-west-1',
        },
      }),
    ]);

    expect(sns.published).toHaveLength(1);
    const [alert] = sns.published;
    expect(alert.subject).toBe('k8s-audit-analyzer prod-eu: 1 critical (audit-tampering.log-object-deleted)');
    expect(alert.attributes.severity).toEqual({ dataType: 'String', value: 'critical' });
    expect(alert.attributes.cluster).toEqual({ dataType: 'String', value: 'prod-eu' });
    expect(JSON.parse(alert.attributes.categories.value!)).toEqual(['audit-tampering']);
    const message = JSON.parse(alert.message!) as Record<string, string>;
    expect(message.email).toContain('permanently deleted version 3HL4kqtJlcpXroDTDmJ of audit log object');
    expect(message.email).toContain(`source: s3://${BUCKET}/${key}`);
    expect(JSON.parse(message.lambda)).toMatchObject({
      kind: 'findings',
      cluster: 'prod-eu',
      source: `s3://${BUCKET}/${key}`,
      table: [
        {
          ruleId: 'audit-tampering.log-object-deleted',
          actor: MALLORY,
          summary: `${MALLORY} permanently deleted version 3HL4kqtJlcpXroDTDmJ of audit log object s3://${BUCKET}/${key} from 198.51.100.23`,
        },
      ],
    });
  });

  it('stores nothing new and sends nothing when the notification is delivered again', async () => {
    expect((await invoke(removal)).batchItemFailures).toEqual([]);
    expect(await removedFindings()).toHaveLength(1);
    expect(sns.published).toHaveLength(1);
  });

  it('keys a removal on what names it (object, version, kind, time), not on a client-chosen id', async () => {
    const [stored] = await removedFindings();
    expect(stored.fingerprint).toMatch(/^[\w-]{22}$/);
    // The same key removed again later (another version): another finding, another fingerprint.
    const again = s3Notification('m-del-1b', {
      eventName: 'ObjectRemoved:Delete',
      key,
      versionId: 'OlderVersion0001',
      sequencer: '0066F1A2B3C4D5E6F8',
      eventTime: '2026-11-20T10:42:09.000Z',
    });
    expect((await invoke(again)).batchItemFailures).toEqual([]);
    const findings = (await removedFindings()).filter((f) => f.target.name === key);
    expect(findings).toHaveLength(2);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
    expect(sns.published).toHaveLength(1); // the same principal in the bucket: counted into the open window
  });

  it('counts further removals by the same principal in the bucket into the open cooldown window: stored, not sent again', async () => {
    clock += 60_000;
    const marker = s3Notification('m-del-2', {
      eventName: 'ObjectRemoved:DeleteMarkerCreated',
      key: 'clusters/prod-eu/2026/11/20/10/audit log 2.json.gz',
      versionId: 'marker-1',
      sequencer: '0066F1A2B3C4D5E700',
      eventTime: '2026-11-20T10:43:00.000Z',
    });
    const before = (await removedFindings()).length;
    const added = jest.spyOn(metrics, 'addMetric');
    try {
      expect((await invoke(marker)).batchItemFailures).toEqual([]);
      expect(added).toHaveBeenCalledWith('SuppressedFindings', 'Count', 1);
    } finally {
      added.mockRestore();
    }
    const findings = await removedFindings();
    expect(findings).toHaveLength(before + 1);
    expect(findings.find((f) => f.evidence.eventName === 'ObjectRemoved:DeleteMarkerCreated')?.summary).toContain('a delete marker now hides it');
    expect(sns.published).toHaveLength(1);
  });

  it('alerts on another principal at once', async () => {
    const other = s3Notification('m-del-3', {
      eventName: 'ObjectRemoved:Delete',
      key: 'clusters/prod-eu/2026/11/20/10/audit log 3.json.gz',
      principalId: 'AWS:AIDAEXAMPLEUSERID',
      sequencer: '0066F1A2B3C4D5E701',
      eventTime: '2026-11-20T10:44:00.000Z',
    });
    expect((await invoke(other)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(2);
    expect(sns.published[1].message).toContain('AWS:AIDAEXAMPLEUSERID deleted audit log object');
  });

  it('fails the record when the alert cannot be sent, keeps the finding, and alerts on redelivery', async () => {
    const third = s3Notification('m-del-4', {
      eventName: 'ObjectRemoved:Delete',
      key: 'clusters/prod-eu/2026/11/20/10/audit log 4.json.gz',
      principalId: 'AWS:AROAOTHERROLE:cleanup',
      sequencer: '0066F1A2B3C4D5E702',
      eventTime: '2026-11-20T10:44:30.000Z',
    });
    sns.failWith = 500;
    try {
      expect((await invoke(third)).batchItemFailures).toEqual([{ itemIdentifier: 'm-del-4' }]);
    } finally {
      sns.failWith = undefined;
    }
    expect((await removedFindings()).filter((f) => f.actor.username === 'AWS:AROAOTHERROLE:cleanup')).toHaveLength(1);
    expect(sns.published).toHaveLength(2);
    expect((await invoke(third)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(3);
    expect((await invoke(third)).batchItemFailures).toEqual([]);
    expect(sns.published).toHaveLength(3);
  });

  it('raises nothing for lifecycle expirations', async () => {
    const before = (await removedFindings()).length;
    const lifecycle = s3Notification('m-lc', {
      eventName: 'LifecycleExpiration:Delete',
      key: 'clusters/prod-eu/2026/11/20/09/old.json.gz',
      principalId: 's3.amazonaws.com',
      sourceIPAddress: 's3.amazonaws.com',
      sequencer: '0066F1A2B3C4D5E7FF',
    });
    expect((await invoke(lifecycle)).batchItemFailures).toEqual([]);
    expect(await removedFindings()).toHaveLength(before);
    expect(sns.published).toHaveLength(3);
  });

  it('records when an analyzed object arrived (its S3 event time) on the coverage item the watchdog reads', async () => {
    const created = 'clusters/prod-eu/2026/11/20/10/audit log 5.json.gz';
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: created, Body: gzipSync(JSON.stringify(leaseUpdate()) + '\n') }));
    const record = s3Notification('m-new', { eventName: 'ObjectCreated:Put', key: created, eventTime: '2026-11-20T10:44:59.500Z' });
    expect((await invoke(record)).batchItemFailures).toEqual([]);
    const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#prod-eu', sk: '2026-11-20' } }));
    expect(Item?.lastObjectAt).toBe('2026-11-20T10:44:59.500Z');
  });

  it('leaves the object time alone for a replayed object whose events are days old (a backfill)', async () => {
    const old = 'clusters/prod-eu/2026/11/10/10/audit log 0.json.gz';
    // An event some rule reads (so it is counted on its own day), that raises nothing.
    const event = auditEvent({
      verb: 'update',
      requestURI: '/api/v1/namespaces/shop/configmaps/pricing-policy',
      objectRef: { resource: 'configmaps', namespace: 'shop', name: 'pricing-policy', apiVersion: 'v1' },
      requestReceivedTimestamp: '2026-11-10T10:00:00.000000Z',
      stageTimestamp: '2026-11-10T10:00:00.005000Z',
    });
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: old, Body: gzipSync(JSON.stringify(event) + '\n') }));
    const replay = s3Notification('m-replay', { eventName: 'ObjectCreated:Put', key: old, eventTime: '2026-11-20T10:46:00.000Z' });
    expect((await invoke(replay)).batchItemFailures).toEqual([]);
    const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#prod-eu', sk: '2026-11-10' } }));
    expect(Item).toMatchObject({ objects: 1, Metadata: 1 });
    expect(Item?.lastObjectAt).toBeUndefined();
    // Today's item still says when the newest live object arrived.
    const { Item: today } = await documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#prod-eu', sk: '2026-11-20' } }));
    expect(today?.lastObjectAt).toBe('2026-11-20T10:44:59.500Z');
  });
});

describe('a removed object whose key holds a credential', () => {
  it('stores and alerts it with the key redacted, and logs it redacted', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNlY3JldA';
    const key = `clusters/prod-eu/2026/11/20/10/${jwt}.json.gz`;
    const record = s3Notification('m-del-jwt', {
      eventName: 'ObjectRemoved:Delete',
      key,
      principalId: 'AWS:AIDAJWTEXAMPLE',
      sequencer: '0066F1A2B3C4D5E7B0',
      eventTime: '2026-11-20T10:44:40.000Z',
    });
    const published = sns.published.length;
    const logger = new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' });
    const warned = jest.spyOn(logger, 'warn');
    const own = makeHandler({
      incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
      s3: s3.client,
      dynamodb: ddb.client,
      sns: sns.client,
      findingsTable: TABLE,
      alertsTopicArn: TOPIC,
      logger,
      metrics,
      now: () => clock,
    });
    expect((await own({ Records: [record] }, lambdaContext)).batchItemFailures).toEqual([]);
    const [finding] = (await removedFindings()).filter((f) => f.actor.username === 'AWS:AIDAJWTEXAMPLE');
    expect(JSON.stringify(finding)).not.toContain(jwt);
    expect(finding.target.name).toBe('clusters/prod-eu/2026/11/20/10/[redacted].json.gz');
    expect(sns.published).toHaveLength(published + 1);
    expect(sns.published[published].message).not.toContain(jwt);
    expect(JSON.stringify(warned.mock.calls)).toContain('[redacted]');
    expect(JSON.stringify(warned.mock.calls)).not.toContain(jwt);
  });
});

describe('objects removed when the rule is switched off', () => {
  it('stores and sends nothing', async () => {
    const off = makeHandler({
      incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
      s3: s3.client,
      dynamodb: ddb.client,
      sns: sns.client,
      findingsTable: TABLE,
      alertsTopicArn: TOPIC,
      config: { ...DEFAULT_CONFIG, disabled: ['audit-tampering'] },
      logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
      metrics,
    });
    const published = sns.published.length;
    const before = (await removedFindings()).length;
    const record = s3Notification('m-off', {
      eventName: 'ObjectRemoved:Delete',
      key: 'clusters/prod-eu/2026/11/20/10/audit log 9.json.gz',
      sequencer: '0066F1A2B3C4D5E7AA',
    });
    expect((await off({ Records: [record] }, lambdaContext)).batchItemFailures).toEqual([]);
    expect(await removedFindings()).toHaveLength(before);
    expect(sns.published).toHaveLength(published);
  });
});
