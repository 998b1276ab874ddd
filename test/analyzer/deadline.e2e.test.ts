import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { clusterAdminBinding, leaseUpdate } from '../helpers/events';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { Ev } from '../helpers/shipping';
import { lambdaContext, s3Record } from '../../devkit/lambda-events';

/**
 * The analyzer's deadline, against s3rver, dynalite and a local SNS endpoint, with a Lambda
 * context whose remaining time is a few seconds: a small object of junk lines that would take
 * minutes of CPU is stopped before the invocation times out, what it held before the junk is kept
 * and alerted on, and the records not started come back.
 */

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const RESERVE_MS = 1_500;

let local: LocalAws;
let handler: AnalyzerHandler;
let metrics: Metrics;
let store: DynamoDbFindingsStore;
/** When the fake invocation times out (epoch ms); tests move it. */
let timeoutAt = 0;

/** A context whose remaining time runs out at `timeoutAt`, as Lambda's does. */
const context = { ...lambdaContext, getRemainingTimeInMillis: () => Math.max(0, timeoutAt - Date.now()) };

const gzipLog = (events: Ev[]): Buffer => gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');

const binding = (name: string): Ev => {
  const b = clusterAdminBinding();
  return { ...b, objectRef: { ...(b.objectRef as Record<string, unknown>), name } };
};

/**
 * A compression bomb of junk lines, about 3 KB stored: gzip around a thousand gzip members of 1 MiB
 * of `{}` lines each (1 GiB, a billion documents that are no audit event: minutes to parse),
 * after one member holding a real event.
 */
function hostileObject(first: Ev): Buffer {
  const junk = gzipSync(Buffer.alloc(1 << 20, '{}\n'));
  return gzipSync(Buffer.concat([gzipSync(JSON.stringify(first) + '\n'), ...Array.from({ length: 1000 }, () => junk)]), { level: 9 });
}

async function put(key: string, body: Buffer): Promise<void> {
  await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

const invoke = (...records: SQSRecord[]): Promise<SQSBatchResponse> => handler({ Records: records }, context);
const day = { from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') };

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  store = new DynamoDbFindingsStore(local.ddb.documents, TABLE);
  metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' });
  handler = makeHandler({
    s3: local.s3.client,
    dynamodb: local.ddb.client,
    sns: local.sns.client,
    findingsTable: TABLE,
    alertsTopicArn: TOPIC,
    logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
    metrics,
    deadlineReserveMs: RESERVE_MS,
  });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('the analyzer deadline', () => {
  it('is tested with a hostile object of a few KB', () => {
    expect(hostileObject(binding('x')).length).toBeLessThan(4 * 1024);
  });

  it('starts no record when the invocation has no working time left: every record fails unread and comes back', async () => {
    await put('clusters/late/2026/11/20/10/a.json.gz', gzipLog([binding('never-read')]));
    timeoutAt = Date.now() + RESERVE_MS - 100;
    const gets = jest.spyOn(local.s3.client, 'send');
    const added = jest.spyOn(metrics, 'addMetric');
    try {
      const response = await invoke(
        s3Record('late-1', BUCKET, 'clusters/late/2026/11/20/10/a.json.gz'),
        s3Record('late-2', BUCKET, 'clusters/late/2026/11/20/10/a.json.gz'),
      );
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'late-1' }, { itemIdentifier: 'late-2' }]);
      expect(gets.mock.calls.filter(([c]) => c instanceof GetObjectCommand)).toHaveLength(0);
      expect(added.mock.calls.filter(([name]) => name === 'DeferredRecords')).toHaveLength(2);
      expect(added).not.toHaveBeenCalledWith('FailedRecords', 'Count', 1);
    } finally {
      gets.mockRestore();
      added.mockRestore();
    }
    expect(await store.query({ cluster: 'late', ...day })).toEqual([]);
  });

  it('stops reading a hostile object before the timeout, keeps and alerts what it held, lets its record succeed, and returns the records not started', async () => {
    const hostile = 'clusters/bomb/2026/11/20/10/junk.json.gz';
    const after = 'clusters/bomb/2026/11/20/10/after.json.gz';
    await put(hostile, hostileObject(binding('before-the-junk')));
    await put(after, gzipLog([binding('not-yet')]));
    const published = local.sns.published.length;
    const started = Date.now();
    timeoutAt = started + 4_000;
    const added = jest.spyOn(metrics, 'addMetric');
    let response: SQSBatchResponse;
    try {
      response = await invoke(s3Record('bomb-1', BUCKET, hostile), s3Record('bomb-2', BUCKET, after));
      expect(added).toHaveBeenCalledWith('DeadlineExceeded', 'Count', 1);
      expect(added).toHaveBeenCalledWith('IncompleteObjects', 'Count', 1);
      expect(added).toHaveBeenCalledWith('DeferredRecords', 'Count', 1);
    } finally {
      added.mockRestore();
    }
    // Done before Lambda would have timed out, with the reserve left to answer the batch.
    expect(Date.now()).toBeLessThan(timeoutAt);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bomb-2' }]);
    const stored = await store.query({ cluster: 'bomb', ...day });
    expect(stored.filter((f) => f.target.name === 'before-the-junk').map((f) => f.ruleId)).toContain('rbac.privileged-role-bound');
    expect(stored.filter((f) => f.target.name === 'not-yet')).toEqual([]);
    expect(local.sns.published).toHaveLength(published + 1);
    expect(local.sns.published[published].message).toContain('before-the-junk');
    // Its record succeeds, so the object is counted as seen.
    const { Item } = await local.ddb.documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#bomb', sk: '2026-11-20' } }));
    expect(Item?.objects).toBe(1);
  }, 30_000);

  it('takes a record deferred before ahead of the batch, so the hostile object next to it cannot defer it again', async () => {
    const hostile = 'clusters/again/2026/11/20/10/junk.json.gz';
    const deferred = 'clusters/again/2026/11/20/10/deferred.json.gz';
    await put(hostile, hostileObject(binding('junk-head')));
    await put(deferred, gzipLog([binding('came-back')]));
    const back = s3Record('again-2', BUCKET, deferred);
    back.attributes = { ...back.attributes, ApproximateReceiveCount: '2' };
    timeoutAt = Date.now() + 4_000;
    const response = await invoke(s3Record('again-1', BUCKET, hostile), back);
    // The deferred one first, quickly; then the hostile one with nearly all the time: stopped, and it succeeds.
    expect(response.batchItemFailures).toEqual([]);
    const stored = await store.query({ cluster: 'again', ...day });
    expect(stored.filter((f) => f.target.name === 'came-back').length).toBeGreaterThan(0);
    expect(stored.filter((f) => f.target.name === 'junk-head').length).toBeGreaterThan(0);
  }, 30_000);

  it('fails the record of an object stopped at the deadline after the records before it took most of the time, keeping what it read', async () => {
    const first = 'clusters/share/2026/11/20/10/first.json.gz';
    const late = 'clusters/share/2026/11/20/10/late-junk.json.gz';
    await put(first, gzipLog([leaseUpdate(), binding('first')]));
    await put(late, hostileObject(binding('late-start')));
    const started = Date.now();
    timeoutAt = started + 6_000;
    const added = jest.spyOn(metrics, 'addMetric').mockImplementation(function (this: Metrics, name: string) {
      // The first object took most of the working time (as a slow one would): a quarter is left.
      if (name === 'Objects' && timeoutAt === started + 6_000) timeoutAt = Date.now() + RESERVE_MS + 1_000;
      return this;
    });
    let response: SQSBatchResponse;
    try {
      response = await invoke(s3Record('share-1', BUCKET, first), s3Record('share-2', BUCKET, late));
      expect(added).toHaveBeenCalledWith('DeadlineExceeded', 'Count', 1);
    } finally {
      added.mockRestore();
    }
    expect(Date.now()).toBeLessThan(timeoutAt);
    // The late object is read again next time, when it may have the invocation to itself.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'share-2' }]);
    const stored = await store.query({ cluster: 'share', ...day });
    expect(stored.filter((f) => f.target.name === 'late-start').length).toBeGreaterThan(0);
    // Not counted as seen: its record comes back and will be counted then.
    const { Item } = await local.ddb.documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'V#share', sk: '2026-11-20' } }));
    expect(Item?.objects).toBe(1);
  }, 30_000);
});
