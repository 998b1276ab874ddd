import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import type { AnalyzerHandler } from '../../lambdas/analyzer/handler';
import { makeHandler } from '../../lambdas/analyzer/handler';
import { parseConfig } from '../../lambdas/core/config/schema';
import type { Finding } from '../../lambdas/core/finding';
import { lambdaContext, s3Record } from '../../devkit/lambda-events';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import { execViaGet } from '../helpers/events';
import type { Ev } from '../helpers/shipping';

const BUCKET = 'audit-logs';
const TABLE = 'findings';
const CLUSTER = 'prod-eu';

let local: LocalAws;
let handler: AnalyzerHandler;
let store: DynamoDbFindingsStore;

const dayTime = (n: number): string => new Date(Date.UTC(2026, 10, 1 + n, 10)).toISOString();

/** A person's exec into `namespace` on day `n` of November 2026. */
function execOn(n: number, namespace = 'db'): Ev {
  const event = execViaGet();
  return {
    ...event,
    objectRef: { ...(event.objectRef as Record<string, unknown>), namespace },
    requestReceivedTimestamp: dayTime(n),
    stageTimestamp: dayTime(n),
  };
}

/** Puts the events as day n's object (unless `redeliver`: it is there already) and runs the analyzer on its notification. */
async function analyze(n: number, events: Ev[], redeliver = false): Promise<Finding[]> {
  const key = `clusters/${CLUSTER}/2026/11/${String(1 + n).padStart(2, '0')}/10/${n}.json.gz`;
  if (!redeliver)
    await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n') }));
  const response = await handler({ Records: [s3Record(`m-${key}`, BUCKET, key)] as SQSRecord[] }, lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
  const from = new Date(dayTime(n).slice(0, 10));
  return store.query({ cluster: CLUSTER, from, to: new Date(from.getTime() + 86_400_000) });
}

const day15 = [execOn(15, 'payments')];

const deps = (): Parameters<typeof makeHandler>[0] => ({
  s3: local.s3.client,
  dynamodb: local.ddb.client,
  sns: local.sns.client,
  findingsTable: TABLE,
  alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts',
  minAlertSeverity: 'medium',
  logger: new Logger({ serviceName: 'analyzer-test', logLevel: 'SILENT' }),
  metrics: new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'analyzer' }),
});

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  store = new DynamoDbFindingsStore(local.ddb.documents, TABLE);
  handler = makeHandler(deps());
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('first-seen baselines and trust boundaries, deployed: the analyzer against s3rver and dynalite', () => {
  it('learns across invocations in the findings table: routine execs become low, a first exec into kube-system after the learning window rates higher', async () => {
    // Day 0: the cluster's baseline starts; a person's exec is rated as the rule rates it.
    const [first] = (await analyze(0, [execOn(0)])).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(first.severity).toBe('medium');
    expect(first.evidence.baseline).toBeUndefined();

    for (const n of [3, 6, 9, 12]) await analyze(n, [execOn(n)]);
    const [routine] = (await analyze(15, day15)).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(routine.severity).toBe('low');
    expect(routine.evidence.baseline).toMatchObject({ history: 'routine', priorDays: 4, severityBefore: 'medium' });

    const [fresh] = (await analyze(16, [execOn(16, 'kube-system')])).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(fresh.severity).toBe('critical');
    expect(fresh.evidence.baseline).toMatchObject({ history: 'new', severityBefore: 'high' });
    expect(fresh.summary).toContain('first time by this identity in 14 days');

    // The baseline is kept as state items of the findings table, with a TTL.
    const items = await local.ddb.documents.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `S#baseline/${CLUSTER}` } }),
    );
    expect(items.Items?.[0]?.sk).toBe('state');
    expect(typeof items.Items?.[0]?.expiresAt).toBe('number');
    expect(JSON.parse(items.Items![0].value as string)).toEqual({ since: '2026-11-01' });
  });

  it('judges where a request came from with the deployed configuration (ANALYZER_CONFIG): outside the trusted networks is one step higher', async () => {
    const config = parseConfig('settings:\n  trust:\n    trustedNetworks: [172.20.0.0/16]\n  baseline:\n    enabled: false\n', 'ANALYZER_CONFIG');
    const trusting = makeHandler({ ...deps(), config });
    const key = `clusters/${CLUSTER}/2026/11/20/10/trust.json.gz`;
    const events = [
      { ...execOn(19, 'shop'), sourceIPs: ['203.0.113.9'] },
      { ...execOn(19, 'shop'), sourceIPs: ['172.20.4.4'] },
    ];
    await local.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n') }));
    expect((await trusting({ Records: [s3Record('m-trust', BUCKET, key)] as SQSRecord[] }, lambdaContext)).batchItemFailures).toEqual([]);
    const stored = await store.query({ cluster: CLUSTER, from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z') });
    const bySource = stored
      .filter((f) => f.ruleId === 'exec.pod-exec')
      .map((f) => [f.actor.sourceIPs?.[0], f.severity, (f.evidence.network as { note?: string } | undefined)?.note]);
    expect(bySource.sort()).toEqual([
      ['172.20.4.4', 'medium', undefined],
      ['203.0.113.9', 'high', 'from 203.0.113.9, outside the trusted networks'],
    ]);
  });

  it('gives a redelivered object the same verdict, and stores nothing twice', async () => {
    const again = (await analyze(15, day15, true)).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(again.map((f) => [f.severity, (f.evidence.baseline as { history: string }).history])).toEqual([['low', 'routine']]);
  });
});
