import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient, ProvisionedThroughputExceededException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchBucket, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import type { BatchGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { clusterAdminBinding, leaseUpdate } from '../helpers/events';
import type { Ev } from '../helpers/shipping';
import { lambdaContext, s3Record } from '../../devkit/lambda-events';

/**
 * The analyzer's failure paths, with the AWS clients mocked at `send` (no retries: the SDK's
 * retry middleware is bypassed, so each error reaches the handler as if retries were spent).
 * Rule of thumb the tests pin down: a failure a retry may cure fails the record (SQS redelivers
 * it, then parks it in the DLQ); what can never succeed is logged and counted, and succeeds.
 */

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const KEY = 'clusters/prod-eu/2026/11/20/10/audit.json.gz';
const OTHER = 'clusters/prod-eu/2026/11/20/10/other.json.gz';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const gzipLog = (events: Ev[]): Buffer => gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
const binding = (name: string): Ev => {
  const b = clusterAdminBinding();
  return { ...b, objectRef: { ...(b.objectRef as Record<string, unknown>), name } };
};

const s3Error = (name: string, status: number, message: string): S3ServiceException =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });

let logger: Logger;
let metrics: Metrics;
let handler: AnalyzerHandler;
let objects: Record<string, Buffer>;
const metricsDisabledBefore = process.env.POWERTOOLS_METRICS_DISABLED;

beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});
afterAll(() => {
  if (metricsDisabledBefore === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabledBefore;
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  sns.reset();
  objects = { [KEY]: gzipLog([leaseUpdate(), binding('backdoor')]), [OTHER]: gzipLog([binding('other')]) };
  // The SDK's Node.js body is a Readable underneath; the reader only iterates it.
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: Readable.from([objects[input.Key]]) }));
  s3.on(PutObjectCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  // Every finding asked about is stored and not yet alerted.
  ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({ Responses: { [TABLE]: input.RequestItems![TABLE].Keys } }));
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  logger = new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' });
  metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' });
  handler = makeHandler({
    incidentWindowMinutes: 0, // this file tests the per-object alert (INCIDENT_WINDOW_MINUTES=0); incidents.e2e.test.ts the incident path
    s3: new S3Client({ region: 'eu-west-1' }),
    dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
    sns: new SNSClient({ region: 'eu-west-1' }),
    findingsTable: TABLE,
    alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    archiveBucket: 'alert-archive',
    logger,
    metrics,
  });
});

const invoke = (...keys: string[]): Promise<SQSBatchResponse> => handler({ Records: keys.map((key, i) => s3Record(`m-${i + 1}`, BUCKET, key)) }, lambdaContext);
const markedAlerted = (): number => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression?.includes('alertedAt')).length;

describe('the analyzer handler when AWS calls fail', () => {
  it('processes, stores and alerts with every call succeeding (the baseline for the cases below)', async () => {
    expect((await invoke(KEY)).batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(PutCommand).length).toBeGreaterThan(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(markedAlerted()).toBeGreaterThan(0);
  });

  it("reports how often the batch's most-delivered record came, for the alarm before the dead-letter queue", async () => {
    const added = jest.spyOn(metrics, 'addMetric');
    const again = { ...s3Record('m-again', BUCKET, KEY), attributes: { ...s3Record('m-again', BUCKET, KEY).attributes, ApproximateReceiveCount: '4' } };
    expect((await handler({ Records: [s3Record('m-new', BUCKET, OTHER), again] }, lambdaContext)).batchItemFailures).toEqual([]);
    expect(added.mock.calls.filter(([name]) => name === 'RecordReceiveCount')).toEqual([['RecordReceiveCount', 'Count', 4]]);
  });

  describe('reading the object from S3', () => {
    it.each([
      ['SlowDown', 503, 'Please reduce your request rate.'],
      ['ServiceUnavailable', 503, 'Service is unable to handle request.'],
      ['InternalError', 500, 'We encountered an internal error.'],
    ])('fails the record on %s (%d): a retry may cure it; nothing is stored or published', async (name, status, message) => {
      s3.on(GetObjectCommand).rejects(s3Error(name, status, message));
      const added = jest.spyOn(metrics, 'addMetric');
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(added).toHaveBeenCalledWith('FailedRecords', 'Count', 1);
    });

    it('fails the record on AccessDenied (a bucket or key policy still propagating), and logs the key', async () => {
      s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
      const logged = jest.spyOn(logger, 'error');
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('cannot get the object'), expect.objectContaining({ bucket: BUCKET, key: KEY }));
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    });

    it('fails only the record whose object could not be read; the batch goes on', async () => {
      s3.on(GetObjectCommand, { Key: KEY }).rejects(s3Error('SlowDown', 503, 'Please reduce your request rate.'));
      expect((await invoke(KEY, OTHER)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    });

    // A deleted object cannot come back: retrying only fills the DLQ. Logged, counted, and the record succeeds.
    it('lets the record succeed on NoSuchKey (the object was deleted before it was read), with a warning and MissingObjects', async () => {
      s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
      const added = jest.spyOn(metrics, 'addMetric');
      const warned = jest.spyOn(logger, 'warn');
      expect((await invoke(KEY)).batchItemFailures).toEqual([]);
      expect(added).toHaveBeenCalledWith('MissingObjects', 'Count', 1);
      expect(added).not.toHaveBeenCalledWith('FailedRecords', 'Count', 1);
      expect(warned).toHaveBeenCalledWith(expect.stringContaining('deleted before it was read'), expect.objectContaining({ bucket: BUCKET, key: KEY }));
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    });

    it('fails the record on NoSuchBucket: a misconfiguration belongs in the DLQ, where someone sees it', async () => {
      s3.on(GetObjectCommand).rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }));
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    });
  });

  describe('storing the findings in DynamoDB', () => {
    it.each([
      [
        'ProvisionedThroughputExceededException',
        () =>
          new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: {} }),
      ],
      ['ThrottlingException', () => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} })],
    ])('fails the record on %s and publishes nothing: nobody is told about a finding that is not stored', async (_name, error) => {
      ddb.on(PutCommand).rejects(error());
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(markedAlerted()).toBe(0);
    });

    it('fails the record when the cooldown claim is throttled, with the findings stored, still pending and given back', async () => {
      const throttled = new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} });
      ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk.startsWith('A#') ? Promise.reject(throttled) : Promise.resolve({})));
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(ddb.commandCalls(PutCommand).length).toBeGreaterThan(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(markedAlerted()).toBe(0);
      expect(ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression === 'REMOVE claim, claimedUntil').length).toBeGreaterThan(0);
    });
  });

  describe('recording coverage (best effort)', () => {
    const coverageUpdates = () =>
      ddb.commandCalls(UpdateCommand).filter((c) => /^(V#|CLUSTERS$)/.test(String((c.args[0].input.Key as Record<string, unknown>).pk)));

    it('writes one coverage update per object and registers the cluster once, after the alert', async () => {
      expect((await invoke(KEY, OTHER)).batchItemFailures).toEqual([]);
      const writes = coverageUpdates();
      expect(writes.map((c) => (c.args[0].input.Key as Record<string, string>).pk)).toEqual(['V#prod-eu', 'CLUSTERS', 'V#prod-eu']);
      expect(writes[0].args[0].input.Key).toEqual({ pk: 'V#prod-eu', sk: '2026-11-20' });
      expect(writes[0].calledAfter(sns.commandCalls(PublishCommand)[0])).toBe(true);
    });

    it('lets the record succeed when coverage cannot be written: logged, counted, findings stored and alerted', async () => {
      const throttled = new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput.', $metadata: {} });
      ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk.startsWith('V#') ? Promise.reject(throttled) : Promise.resolve({})));
      const added = jest.spyOn(metrics, 'addMetric');
      const logged = jest.spyOn(logger, 'error');
      expect((await invoke(KEY)).batchItemFailures).toEqual([]);
      expect(added).toHaveBeenCalledWith('CoverageFailures', 'Count', 1);
      expect(added).not.toHaveBeenCalledWith('FailedRecords', 'Count', 1);
      expect(logged).toHaveBeenCalledWith(
        expect.stringContaining('cannot record coverage'),
        expect.objectContaining({ key: KEY, cluster: 'prod-eu', day: '2026-11-20' }),
      );
      expect(ddb.commandCalls(PutCommand).length).toBeGreaterThan(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      expect(markedAlerted()).toBeGreaterThan(0);
    });

    it('lets the record succeed when the cluster registry cannot be written, and tries it again with the next object', async () => {
      let failRegistry = true;
      ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => {
        if (input.Key.pk === 'CLUSTERS' && failRegistry) {
          failRegistry = false;
          return Promise.reject(new ThrottlingException({ message: 'throttled', $metadata: {} }));
        }
        return Promise.resolve({});
      });
      const added = jest.spyOn(metrics, 'addMetric');
      expect((await invoke(KEY, OTHER)).batchItemFailures).toEqual([]);
      expect(added).toHaveBeenCalledWith('CoverageFailures', 'Count', 1);
      expect(coverageUpdates().map((c) => (c.args[0].input.Key as Record<string, string>).pk)).toEqual(['V#prod-eu', 'CLUSTERS', 'V#prod-eu', 'CLUSTERS']);
    });

    it('records no coverage for an object whose record is retried (it would count twice)', async () => {
      sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(coverageUpdates()).toHaveLength(0);
    });
  });

  describe('claiming the findings before the alert is published', () => {
    const updates = (expression: string) => ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression === expression);

    it('claims every alertable finding with a conditional write before publishing, and marks them after', async () => {
      expect((await invoke(KEY)).batchItemFailures).toEqual([]);
      const claims = updates('SET claim = :token, claimedUntil = :until');
      expect(claims.length).toBeGreaterThan(0);
      for (const c of claims) {
        expect(c.args[0].input.ConditionExpression).toContain('attribute_not_exists(alertedAt)');
        expect(c.calledBefore(sns.commandCalls(PublishCommand)[0])).toBe(true);
      }
      expect(updates('SET alertedAt = :at REMOVE claim, claimedUntil')).toHaveLength(claims.length);
    });

    it('fails the record and publishes nothing when the claim cannot be written', async () => {
      ddb
        .on(UpdateCommand)
        .callsFake((input: { UpdateExpression: string }) =>
          input.UpdateExpression === 'SET claim = :token, claimedUntil = :until'
            ? Promise.reject(new ThrottlingException({ message: 'throttled', $metadata: {} }))
            : Promise.resolve({}),
        );
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    });

    it('gives its claims back when the publish fails, so the redelivery may send at once', async () => {
      sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      const claims = updates('SET claim = :token, claimedUntil = :until');
      const releases = updates('REMOVE claim, claimedUntil');
      expect(claims.length).toBeGreaterThan(0);
      expect(releases).toHaveLength(claims.length);
      for (const [i, r] of releases.entries()) {
        expect(r.args[0].input).toMatchObject({
          ConditionExpression: 'claim = :token',
          ExpressionAttributeValues: { ':token': claims[0].args[0].input.ExpressionAttributeValues![':token'] as unknown },
        });
        expect(r.args[0].input.Key).toEqual(claims[i].args[0].input.Key);
        expect(r.calledAfter(sns.commandCalls(PublishCommand)[0])).toBe(true);
      }
    });

    it('still fails the record with the publish error when giving the claims back fails too (they lapse)', async () => {
      sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
      ddb
        .on(UpdateCommand)
        .callsFake((input: { UpdateExpression: string }) =>
          input.UpdateExpression.startsWith('REMOVE claim')
            ? Promise.reject(new ThrottlingException({ message: 'throttled', $metadata: {} }))
            : Promise.resolve({}),
        );
      const logged = jest.spyOn(logger, 'error');
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(updates('REMOVE claim, claimedUntil').length).toBeGreaterThan(0);
      expect(logged).toHaveBeenCalledWith(
        expect.stringContaining('record failed'),
        expect.objectContaining({ error: expect.objectContaining({ name: 'ThrottledException' }) as unknown }),
      );
    });
  });

  describe('publishing the alert to SNS', () => {
    it('fails the record on throttling, with the findings stored and still pending (the redelivery sends the alert)', async () => {
      sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
      const added = jest.spyOn(metrics, 'addMetric');
      expect((await invoke(KEY)).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
      expect(ddb.commandCalls(PutCommand).length).toBeGreaterThan(0);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      expect(markedAlerted()).toBe(0);
      expect(added).not.toHaveBeenCalledWith('AlertsPublished', 'Count', 1);
    });
  });

  describe('archiving the full findings of a large alert', () => {
    beforeEach(() => {
      objects[KEY] = gzipLog(Array.from({ length: 100 }, (_, i) => binding(`burst-${i}`)));
    });

    it('writes the archive only when rows would be dropped, before publishing', async () => {
      expect((await invoke(KEY)).batchItemFailures).toEqual([]);
      const [put] = s3.commandCalls(PutObjectCommand);
      expect(put.args[0].input).toMatchObject({ Bucket: 'alert-archive', ContentType: 'application/json' });
      expect(put.args[0].input.Key).toMatch(/^alerts\/prod-eu\/2026-11-20\/[0-9a-f]{32}\.json$/);
      expect(put.calledBefore(sns.commandCalls(PublishCommand)[0])).toBe(true);
      const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!) as { lambda: string };
      expect((JSON.parse(message.lambda) as { fullFindings: string }).fullFindings).toBe(`s3://alert-archive/${put.args[0].input.Key}`);

      s3.resetHistory();
      expect((await invoke(OTHER)).batchItemFailures).toEqual([]);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });

    it('still publishes the rows that fit when the archive cannot be written, and says so in logs and metrics', async () => {
      s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
      const added = jest.spyOn(metrics, 'addMetric');
      const logged = jest.spyOn(logger, 'error');
      expect((await invoke(KEY)).batchItemFailures).toEqual([]);
      const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!) as { lambda: string; email: string };
      const machine = JSON.parse(message.lambda) as { omittedRows: number; fullFindings?: string };
      expect(machine.omittedRows).toBeGreaterThan(0);
      expect(machine.fullFindings).toBeUndefined();
      expect(message.email).toMatch(/\d+ more finding groups are not in this message\./);
      expect(added).toHaveBeenCalledWith('ArchiveFailures', 'Count', 1);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('cannot archive'), expect.objectContaining({ key: KEY }));
      expect(markedAlerted()).toBeGreaterThan(0);
    });
  });
});
