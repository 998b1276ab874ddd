import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSRecord } from 'aws-lambda';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler as makeAnalyzer } from '../../lambdas/analyzer/handler';
import type { WatchdogHandler } from '../../lambdas/watchdog/handler';
import { makeHandler as makeWatchdog } from '../../lambdas/watchdog/handler';
import { encodeKey, lambdaContext, sqsRecord } from '../../devkit/lambda-events';
import { leaseUpdate } from '../helpers/events';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';

/**
 * What tells the watchdog a cluster still logs: objects the analyzer read audit events from. Anyone
 * who can write under a cluster's prefix can write junk there; junk must not keep a silent
 * cluster looking alive. The analyzer and the watchdog share one table, as deployed.
 */

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const PREFIX = 'clusters/prod-eu/2026/11/20';

let local: LocalAws;
let analyzer: AnalyzerHandler;
let watchdog: WatchdogHandler;
let clock = Date.parse('2026-11-20T10:00:00Z');

/** S3's notification of a new object, as it arrives at `time`. */
function created(messageId: string, key: string, time: string): SQSRecord {
  return sqsRecord(
    messageId,
    JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventTime: time,
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: BUCKET }, object: { key: encodeKey(key), size: 1 } },
        },
      ],
    }),
  );
}

/** The object is written and analyzed at `time`. */
async function arrives(key: string, body: Buffer, time: string): Promise<void> {
  clock = Date.parse(time);
  await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  expect((await analyzer({ Records: [created(key, key, time)] }, lambdaContext)).batchItemFailures).toEqual([]);
}

const check = (time: string) => {
  clock = Date.parse(time);
  return watchdog(
    {
      version: '0',
      id: 'e',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time,
      region: 'eu-west-1',
      resources: [],
      detail: {},
    },
    {
      functionName: 'watchdog',
    } as Context,
  );
};

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'test' });
  const common = { dynamodb: local.ddb.client, sns: local.sns.client, findingsTable: TABLE, alertsTopicArn: TOPIC, logger, metrics, now: () => clock };
  analyzer = makeAnalyzer({ ...common, s3: local.s3.client });
  watchdog = makeWatchdog({ ...common, silenceMinutes: 30 });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('the silence watchdog cannot be fed junk', () => {
  it('takes a cluster that only receives objects without audit events for silent, and alerts', async () => {
    await arrives(`${PREFIX}/10/live.json.gz`, gzipSync(JSON.stringify(leaseUpdate()) + '\n'), '2026-11-20T10:00:00.000Z');
    // Objects under the cluster's prefix with no audit event in them: empty JSON lines, text, nothing.
    await arrives(`${PREFIX}/10/junk-1.json.gz`, gzipSync('{}\n'.repeat(1000)), '2026-11-20T10:15:00.000Z');
    await arrives(`${PREFIX}/10/junk-2.json.gz`, gzipSync('not an audit log\n'), '2026-11-20T10:25:00.000Z');
    await arrives(`${PREFIX}/10/junk-3.json`, Buffer.alloc(0), '2026-11-20T10:29:00.000Z');
    const published = local.sns.published.length;
    expect(await check('2026-11-20T10:31:00Z')).toMatchObject({ silent: ['prod-eu'], raised: ['prod-eu'] });
    expect(local.sns.published).toHaveLength(published + 1);
    expect(local.sns.published[published].subject).toBe('k8s-audit-analyzer prod-eu: 1 high (audit-tampering.log-silence)');
  });

  it('takes an object with audit events for a sign of life', async () => {
    await arrives(`${PREFIX}/10/live-again.json.gz`, gzipSync(JSON.stringify(leaseUpdate()) + '\n'), '2026-11-20T10:40:00.000Z');
    expect(await check('2026-11-20T10:41:00Z')).toMatchObject({ silent: [], resumed: ['prod-eu'] });
  });
});
