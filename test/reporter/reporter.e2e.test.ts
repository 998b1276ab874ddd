import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDbCoverageStore } from '../../lambdas/adapters/dynamodb-coverage-store';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import type { ReportPayload } from '../../lambdas/core/alert/report-message';
import { FINDINGS_CSV_COLUMNS } from '../../lambdas/core/compliance/csv';
import type { ComplianceReportDocument } from '../../lambdas/core/compliance/report-json';
import { COMPLIANCE_REPORT_SCHEMA } from '../../lambdas/core/compliance/report-json';
import type { Finding, Severity } from '../../lambdas/core/finding';
import type { ReporterDeps, ReporterHandler } from '../../lambdas/reporter/handler';
import { makeHandler } from '../../lambdas/reporter/handler';
import { reporterSettingsFromEnv } from '../../lambdas/reporter/settings';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import type { LocalAws } from '../../devkit/local-aws';
import { startLocalAws } from '../../devkit/local-aws';
import type { LocalS3 } from '../../devkit/local-s3';
import type { LocalSns } from '../../devkit/local-sns';

const TABLE = 'findings';
const BUCKET = 'artifacts';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const CONTEXT = {
  functionName: 'reporter',
  awsRequestId: 'req-r',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:reporter',
} as unknown as Context;

/** What EventBridge sends a scheduled rule's target; `time` is the schedule time. */
const scheduled = (time: string): ScheduledEvent => ({
  version: '0',
  id: 'c1d2e3f4-0000-4000-8000-000000000000',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/k8s-audit-analyzer-report'],
  detail: {},
});

let seq = 0;
function finding(cluster: string, time: string, severity: Severity, ruleId = severity === 'critical' ? 'rbac.privileged-role-bound' : 'secret.write'): Finding {
  seq++;
  return {
    ruleId,
    category: ruleId.startsWith('rbac') ? 'rbac-change' : ruleId.startsWith('storage') ? 'storage' : 'secret',
    severity,
    title: 'A rule',
    summary: `user-${seq} did thing ${seq}, with a comma`,
    auditID: `audit-${seq}`,
    time,
    cluster,
    actor: { username: `user-${seq % 3}@example.com`, groups: ['system:authenticated'] },
    target: { resource: 'secrets', namespace: 'payments', name: `thing-${seq}` },
    verb: 'create',
    evidence: {},
  };
}

// The week of Monday 2026-11-23 (reported on Monday 2026-11-30), the week before, and around them.
const CURRENT = [
  finding('prod-eu', '2026-11-23T00:00:00.000Z', 'critical'), // the first instant of the period
  finding('prod-eu', '2026-11-25T10:00:00Z', 'high'),
  finding('prod-eu', '2026-11-29T12:00:00Z', 'high'),
  finding('staging', '2026-11-24T08:00:00Z', 'critical'),
  finding('staging', '2026-11-29T23:59:59.999Z', 'medium', 'secret.read'), // the last millisecond
];
const PREVIOUS = [
  finding('prod-eu', '2026-11-16T09:00:00Z', 'high'),
  finding('prod-eu', '2026-11-22T23:59:59.999Z', 'high'),
  finding('staging', '2026-11-20T09:00:00Z', 'critical'),
];
const OUTSIDE = [
  finding('prod-eu', '2026-11-09T09:00:00Z', 'critical'), // three weeks back
  finding('staging', '2026-11-30T00:00:00Z', 'critical'), // the first instant of the next period
  finding('prod-eu', '2026-11-30T05:00:00Z', 'high'),
];
const MONDAY = '2026-11-30T06:00:00Z';
const WEEK_FOLDER = 'reports/all/2026-11-23_2026-11-29/';

let s3: LocalS3;
let local: LocalAws;
let ddb: LocalDynamoDb;
let sns: LocalSns;
let logger: Logger;
let metrics: Metrics;
function reporter(overrides: Partial<ReporterDeps> = {}): ReporterHandler {
  return makeHandler({
    s3: s3.client,
    dynamodb: ddb.client,
    sns: sns.client,
    findingsTable: TABLE,
    reportsBucket: BUCKET,
    alertsTopicArn: TOPIC,
    // staging is not in the registry (see beforeAll): it is reported because the deployment names it.
    clusters: ['staging'],
    logger,
    metrics,
    now: () => Date.parse('2026-11-30T06:00:07Z'),
    ...overrides,
  });
}

async function text(key: string): Promise<string> {
  const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return object.Body!.transformToString();
}

async function contentType(key: string): Promise<string | undefined> {
  return (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentType;
}

async function reportKeys(): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

/** CSV records (RFC 4180, CRLF); no field of these findings holds a line break. */
const csvRecords = (csv: string): string[] => csv.split('\r\n').filter((line) => line !== '');

const bodiesOf = (message: string | undefined): Record<string, string> => JSON.parse(message!) as Record<string, string>;

beforeAll(async () => {
  local = await startLocalAws({ buckets: [BUCKET], table: TABLE });
  ({ s3, ddb, sns } = local);
  const documents = DynamoDBDocumentClient.from(ddb.client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbFindingsStore(documents, TABLE);
  expect(await store.putNew([...CURRENT, ...PREVIOUS, ...OUTSIDE])).toHaveLength(CURRENT.length + PREVIOUS.length + OUTSIDE.length);
  // The analyzer's coverage: prod-eu through the store (which registers it), staging's item alone.
  const coverage = new DynamoDbCoverageStore(documents, TABLE);
  await coverage.record('prod-eu', '2026-11-24', { Metadata: 900, RequestResponse: 40 }, 12);
  await coverage.record('prod-eu', '2026-11-29', { Metadata: 100 }, 3);
  await documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'V#staging', sk: '2026-11-25', objects: 4, Metadata: 50, Request: 5 } }));
  logger = new Logger({ serviceName: 'reporter-test', logLevel: 'SILENT' });
  metrics = new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'reporter' });
}, 30_000);

afterAll(async () => {
  await local?.stop();
});

describe('the reporter, end to end against dynalite, s3rver and a local SNS endpoint', () => {
  it('writes the weekly report of every cluster as HTML, CSV and JSON, and publishes its summary with a pre-signed link', async () => {
    const added = jest.spyOn(metrics, 'addMetric');
    let run;
    try {
      run = await reporter()(scheduled(MONDAY), CONTEXT);
      expect(added).toHaveBeenCalledWith('ReportsWritten', 'Count', 1);
      expect(added).toHaveBeenCalledWith('ReportFindings', 'Count', CURRENT.length);
    } finally {
      added.mockRestore();
    }
    expect(run.period).toEqual({ from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', label: '2026-11-23 – 2026-11-29 (UTC)' });
    expect(run.clusters).toEqual(['prod-eu', 'staging']);
    expect(run.keys).toEqual({ html: `${WEEK_FOLDER}report.html`, csv: `${WEEK_FOLDER}findings.csv`, json: `${WEEK_FOLDER}report.json` });

    // The three objects, with their content types.
    expect(await contentType(run.keys.html)).toBe('text/html; charset=utf-8');
    expect(await contentType(run.keys.csv)).toBe('text/csv; charset=utf-8');
    expect(await contentType(run.keys.json)).toBe('application/json');

    const html = await text(run.keys.html);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('2026-11-23 – 2026-11-29 (UTC)');
    expect(html).toContain('prod-eu');
    expect(html).toContain('staging');

    // The CSV: a header and one record per finding of the period, none of the week before or after.
    const records = csvRecords(await text(run.keys.csv));
    expect(records[0]).toBe(FINDINGS_CSV_COLUMNS.join(','));
    expect(records).toHaveLength(1 + CURRENT.length);
    const csv = records.join('\n');
    for (const f of CURRENT) expect(csv).toContain(f.auditID);
    for (const f of [...PREVIOUS, ...OUTSIDE]) expect(csv).not.toMatch(new RegExp(`\\b${f.auditID}\\b`));

    // The JSON: the model and the period's findings, under its schema name.
    const document = JSON.parse(await text(run.keys.json)) as ComplianceReportDocument;
    expect(document.schema).toBe(COMPLIANCE_REPORT_SCHEMA);
    expect(document.findings.map((f) => f.auditID).sort()).toEqual(CURRENT.map((f) => f.auditID).sort());
    const report = document.report;
    expect(report.clusters).toEqual(['prod-eu', 'staging']);
    expect(report.summary).toMatchObject({
      findings: 5,
      bySeverity: { critical: 2, high: 2, medium: 1, low: 0, info: 0 },
      byCluster: { 'prod-eu': 3, staging: 2 },
    });
    expect(report.trend.findings).toEqual({ current: 5, previous: PREVIOUS.length });
    expect(report.coverage).toEqual([
      { cluster: 'prod-eu', objects: 15, byLevel: { Metadata: 1000, RequestResponse: 40 } },
      { cluster: 'staging', objects: 4, byLevel: { Metadata: 50, Request: 5 } },
    ]);
    expect(report.controls.find((c) => c.control.id === 'CIS-5.1.1')?.state).toBe('violated');
    expect(report.controls.some((c) => c.state === 'held')).toBe(true);

    // The summary on the alerts topic.
    expect(sns.published).toHaveLength(1);
    const [summary] = sns.published;
    expect(summary.topicArn).toBe(TOPIC);
    expect(summary.subject).toBe('k8s-audit-analyzer weekly report 2026-11-23 to 2026-11-29: 2 critical, 2 high');
    expect(summary.messageStructure).toBe('json');
    expect(summary.attributes).toEqual({ kind: { dataType: 'String', value: 'report' } });
    const bodies = bodiesOf(summary.message);
    const payload = JSON.parse(bodies.lambda) as ReportPayload;
    expect(payload).toMatchObject({
      kind: 'report',
      period: run.period,
      summary: { findings: 5 },
      trend: { findings: { current: 5, previous: 3 } },
      links: {
        html: `s3://${BUCKET}/${run.keys.html}`,
        csv: `s3://${BUCKET}/${run.keys.csv}`,
        json: `s3://${BUCKET}/${run.keys.json}`,
        linkExpiresAt: '2026-12-01T06:00:07.000Z',
      },
    });
    expect(payload.worst.length).toBeGreaterThan(0);
    expect(payload.worst.length).toBeLessThanOrEqual(5);
    expect(payload.links.htmlUrl).toBe(run.htmlUrl);
    expect(bodies.email).toContain(run.htmlUrl);

    // The link is a SigV4 pre-signed GET of the HTML key for 24 hours: signing the same request at the same instant gives the same URL.
    const url = new URL(run.htmlUrl);
    expect(url.pathname).toBe(`/${BUCKET}/${run.keys.html}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('86400');
    const signedAt = url.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
    const again = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket: BUCKET, Key: run.keys.html }), {
      expiresIn: 86_400,
      signingDate: new Date(signedAt),
    });
    expect(run.htmlUrl).toBe(again);
    const opened = await fetch(run.htmlUrl);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toBe(html);
  });

  it('rewrites the same keys when the same schedule time runs again', async () => {
    const before = await reportKeys();
    const published = sns.published.length;
    const run = await reporter()(scheduled(MONDAY), CONTEXT);
    expect(run.keys.html).toBe(`${WEEK_FOLDER}report.html`);
    expect(await reportKeys()).toEqual(before);
    expect(sns.published).toHaveLength(published + 1);
    expect(sns.published[published].subject).toBe(sns.published[0].subject);
  });

  it('reports a day with the daily cadence', async () => {
    const published = sns.published.length;
    const run = await reporter({ cadence: 'daily', linkTtlHours: 2 })(scheduled('2026-11-30T00:05:00Z'), CONTEXT);
    expect(run.period).toEqual({ from: '2026-11-29T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', label: '2026-11-29 (UTC)' });
    expect(run.previousPeriod.from).toBe('2026-11-28T00:00:00.000Z');
    expect(run.keys.csv).toBe('reports/all/2026-11-29_2026-11-29/findings.csv');
    const onThe29th = CURRENT.filter((f) => f.time.startsWith('2026-11-29'));
    expect(csvRecords(await text(run.keys.csv))).toHaveLength(1 + onThe29th.length);
    const summary = sns.published[published];
    expect(summary.subject).toBe('k8s-audit-analyzer daily report 2026-11-29: 1 high, 1 medium');
    expect(new URL(run.htmlUrl).searchParams.get('X-Amz-Expires')).toBe('7200');
    expect(run.linkExpiresAt).toBe('2026-11-30T08:00:07.000Z');
    const document = JSON.parse(await text(run.keys.json)) as ComplianceReportDocument;
    expect(document.report.cadence).toBe('daily');
    expect(document.report.coverage?.find((c) => c.cluster === 'prod-eu')).toEqual({ cluster: 'prod-eu', objects: 3, byLevel: { Metadata: 100 } });
  });

  it('renders and publishes an empty week as "no findings"', async () => {
    const published = sns.published.length;
    const run = await reporter()(scheduled('2027-01-04T06:00:00Z'), CONTEXT);
    expect(run.findings).toBe(0);
    expect(run.keys.html).toBe('reports/all/2026-12-28_2027-01-03/report.html');
    expect(await contentType(run.keys.html)).toBe('text/html; charset=utf-8');
    expect(await text(run.keys.html)).toContain('2026-12-28 – 2027-01-03 (UTC)');
    expect(csvRecords(await text(run.keys.csv))).toEqual([FINDINGS_CSV_COLUMNS.join(',')]);
    const document = JSON.parse(await text(run.keys.json)) as ComplianceReportDocument;
    expect(document.findings).toEqual([]);
    // No audit data in that week either: nothing can be said to have held.
    expect(document.report.controls.every((c) => c.state === 'not-assessed')).toBe(true);
    const summary = sns.published[published];
    expect(summary.subject).toBe('k8s-audit-analyzer weekly report 2026-12-28 to 2027-01-03: no findings');
    expect(summary.attributes.severity).toBeUndefined();
    expect(bodiesOf(summary.message).email).toContain('No findings in this period.');
  });

  it('shows the controls of rules the analyzer config switches off as not assessed', async () => {
    const settings = reporterSettingsFromEnv({
      FINDINGS_TABLE: TABLE,
      REPORTS_BUCKET: BUCKET,
      ALERTS_TOPIC_ARN: TOPIC,
      REPORT_CLUSTERS: 'staging',
      ANALYZER_CONFIG: 'rules:\n  disabled: [storage]\n',
    });
    expect(settings.config?.disabled).toEqual(['storage']);
    const run = await reporter({ ...settings, now: () => Date.parse('2026-11-30T06:00:07Z') })(scheduled(MONDAY), CONTEXT);
    const report = (JSON.parse(await text(run.keys.json)) as ComplianceReportDocument).report;
    const storageOnly = report.controls.find((c) => c.control.id === 'CIS-5.1.9');
    expect(storageOnly?.rules.every((id) => id.startsWith('storage.'))).toBe(true);
    expect(storageOnly?.state).toBe('not-assessed');
    expect(storageOnly?.notAssessed.map((n) => n.reason)).toEqual(storageOnly?.rules.map(() => 'switched off'));
    // The same control held in the first run, with every rule on.
    expect(report.controls.find((c) => c.control.id === 'CIS-5.1.1')?.state).toBe('violated');
  });

  it('fails the invocation when the summary cannot be published, after writing the report (a retry rewrites it)', async () => {
    const published = sns.published.length;
    sns.failWith = 500;
    try {
      await expect(reporter()(scheduled(MONDAY), CONTEXT)).rejects.toThrow();
    } finally {
      sns.failWith = undefined;
    }
    expect(sns.published).toHaveLength(published);
    expect(await contentType(`${WEEK_FOLDER}report.html`)).toBe('text/html; charset=utf-8');
  });

  it('refuses an event whose time is not a date', async () => {
    await expect(reporter()(scheduled('last monday'), CONTEXT)).rejects.toThrow(/not a date/);
  });
});
