import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { DynamoDbCoverageStore } from '../../lambdas/adapters/dynamodb-coverage-store';
import { DynamoDbAlertLedger } from '../../lambdas/adapters/dynamodb-alert-ledger';
import { DynamoDbFindingsStore } from '../../lambdas/adapters/dynamodb-findings-store';
import { eksAuditLoggingDisabledFinding } from '../../lambdas/core/rules/audit-tampering';
import { triggerOf } from '../../lambdas/watchdog/events';
import { silenceKey } from '../../lambdas/adapters/dynamodb-watchdog-state';
import { DEFAULT_CONFIG } from '../../lambdas/core/detect/engine';
import { DynamoDbStateStore } from '../../lambdas/adapters/dynamodb-state-store';
import { StateIncidentStore } from '../../lambdas/core/incident/incident-store';
import { principalOf } from '../../lambdas/core/incident/principal';
import { raiseIncidents } from '../../lambdas/core/pipeline/raise-incidents';
import type { Finding } from '../../lambdas/core/finding';
import type { WatchdogDeps, WatchdogHandler } from '../../lambdas/watchdog/handler';
import { makeHandler, WatchdogCheckError } from '../../lambdas/watchdog/handler';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';
import type { LocalSns } from '../../devkit/local-sns';
import { startLocalSns } from '../../devkit/local-sns';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts';
const context = {
  functionName: 'watchdog',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:watchdog',
} as unknown as Context;

let ddb: LocalDynamoDb;
let sns: LocalSns;
let documents: DynamoDBDocumentClient;
let tables = 0;

const at = (iso: string): number => Date.parse(iso);

/** The EventBridge schedule's event (rate(5 minutes)). */
const scheduled = (time: string): ScheduledEvent => ({
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/k8s-audit-analyzer-Every5Minutes'],
  detail: {},
});

/** CloudTrail's UpdateClusterConfig as EventBridge delivers it. */
const updateClusterConfig = (clusterLogging: unknown, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'b1c2d3e4-0000-4000-8000-000000000001',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.eks',
  account: '123456789012',
  time: '2026-11-20T10:15:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEROLEID:mallory',
      arn: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory',
      accountId: '123456789012',
      accessKeyId: 'ASIAEXAMPLEKEYID',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEROLEID',
          arn: 'arn:aws:iam::123456789012:role/Admin',
          accountId: '123456789012',
          userName: 'Admin',
        },
      },
    },
    eventTime: '2026-11-20T10:15:00Z',
    eventSource: 'eks.amazonaws.com',
    eventName: 'UpdateClusterConfig',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.17.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 command/eks.update-cluster-config',
    requestParameters: { name: 'prod-us', logging: { clusterLogging }, clientRequestToken: '6e3a1c2d-aaaa-bbbb-cccc-0123456789ab' },
    responseElements: {
      update: {
        id: 'a1b2c3d4-1111-2222-3333-444455556666',
        status: 'InProgress',
        type: 'LoggingUpdate',
        params: [{ type: 'ClusterLogging', value: JSON.stringify(clusterLogging) }],
        createdAt: 'Nov 20, 2026 10:15:00 AM',
        errors: [],
      },
    },
    requestID: '0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f',
    eventID: '5f2a7c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    ...overrides,
  },
});

/** A table, a watchdog on it with the given clock, and the analyzer's coverage store to play the analyzer. */
async function world(options: Partial<WatchdogDeps> = {}) {
  const table = `findings-${++tables}`;
  await createFindingsTable(ddb.client, table);
  let now = at('2026-11-20T10:00:00Z');
  const handler: WatchdogHandler = makeHandler({
    dynamodb: ddb.client,
    sns: sns.client,
    findingsTable: table,
    alertsTopicArn: TOPIC,
    logger: new Logger({ serviceName: 'watchdog-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'K8sAuditAnalyzerTest', serviceName: 'watchdog' }),
    now: () => now,
    ...options,
  });
  const coverage = new DynamoDbCoverageStore(documents, table);
  const findings = new DynamoDbFindingsStore(documents, table);
  return {
    table,
    /** The analyzer counted an object of `cluster` that arrived at `time`. */
    object: (cluster: string, time: string) => coverage.record(cluster, time.slice(0, 10), { Metadata: 10 }, 1, time),
    check: (time: string) => {
      now = at(time);
      return handler(scheduled(time), context);
    },
    invoke: (event: unknown, time = '2026-11-20T10:16:00Z') => {
      now = at(time);
      return handler(event, context);
    },
    findings: (cluster: string): Promise<Finding[]> =>
      findings.query({ cluster, from: new Date('2026-11-19T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') }),
    state: async (cluster: string) => (await documents.send(new GetCommand({ TableName: table, Key: silenceKey(cluster), ConsistentRead: true }))).Item,
  };
}

const metricsDisabledBefore = process.env.POWERTOOLS_METRICS_DISABLED;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  [ddb, sns] = await Promise.all([startLocalDynamoDb(), startLocalSns()]);
  documents = DynamoDBDocumentClient.from(ddb.client);
}, 30_000);

afterAll(async () => {
  if (metricsDisabledBefore === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabledBefore;
  await Promise.all([ddb?.stop(), sns?.stop()]);
});

describe('the watchdog on silence, end to end against dynalite and a local SNS endpoint', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let published: number;
  beforeAll(async () => {
    w = await world();
    published = sns.published.length;
  });

  it('finds nothing while a cluster keeps sending', async () => {
    await w.object('prod-eu', '2026-11-20T10:00:00.000Z');
    expect(await w.check('2026-11-20T10:10:00Z')).toEqual({
      kind: 'schedule',
      checkedAt: '2026-11-20T10:10:00.000Z',
      clusters: 1,
      silent: [],
      raised: [],
      resumed: [],
      quiet: [],
      summaries: 0,
    });
    expect(await w.check('2026-11-20T10:30:00Z')).toMatchObject({ silent: [] }); // exactly the threshold is not yet silence
    expect(await w.findings('prod-eu')).toEqual([]);
    expect(await w.state('prod-eu')).toBeUndefined();
    expect(sns.published).toHaveLength(published);
  });

  it('raises one high finding and one alert after 31 silent minutes, and remembers it', async () => {
    expect(await w.check('2026-11-20T10:31:00Z')).toMatchObject({ silent: ['prod-eu'], raised: ['prod-eu'] });
    const findings = await w.findings('prod-eu');
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'audit-tampering.log-silence',
        severity: 'high',
        time: '2026-11-20T10:00:00.000Z',
        cluster: 'prod-eu',
        summary: 'no audit log object from cluster prod-eu since 2026-11-20T10:00:00.000Z (31 min at 2026-11-20T10:31:00.000Z; threshold 30 min)',
      }),
    ]);
    expect(sns.published).toHaveLength(published + 1);
    const alert = sns.published[published];
    expect(alert.subject).toBe('k8s-audit-analyzer prod-eu: 1 high (audit-tampering.log-silence)');
    expect(alert.attributes.severity).toEqual({ dataType: 'String', value: 'high' });
    expect(JSON.parse(alert.attributes.categories.value!)).toEqual(['audit-tampering']);
    expect(JSON.parse((JSON.parse(alert.message!) as { lambda: string }).lambda)).toMatchObject({ kind: 'findings', source: 'watchdog', cluster: 'prod-eu' });
    expect(await w.state('prod-eu')).toMatchObject({
      pk: 'W#prod-eu',
      sk: 'silence',
      since: '2026-11-20T10:00:00.000Z',
      auditID: findings[0].auditID,
      alertedAt: '2026-11-20T10:31:00.000Z',
    });
    // Keyed on what names the silence (the cluster and its start), like every finding.
    expect(findings[0].fingerprint).toMatch(/^[\w-]{22}$/);
  });

  it('stores and sends nothing new on the next check of the same silence, with one Query per cluster and no Scan', async () => {
    const sent = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
    try {
      expect(await w.check('2026-11-20T10:36:00Z')).toMatchObject({ silent: ['prod-eu'], raised: [] });
      const commands = sent.mock.calls.map(([c]) => c.constructor.name);
      expect(commands).not.toContain(ScanCommand.name);
      expect(commands.filter((c) => c === QueryCommand.name)).toHaveLength(1);
      expect(commands.filter((c) => c === 'PutCommand' || c === 'UpdateCommand' || c === 'DeleteCommand')).toEqual([]);
    } finally {
      sent.mockRestore();
    }
    expect(await w.findings('prod-eu')).toHaveLength(1);
    expect(sns.published).toHaveLength(published + 1);
  });

  it('clears the silence and sends one short "resumed" notice when objects arrive again', async () => {
    await w.object('prod-eu', '2026-11-20T10:47:00.000Z');
    expect(await w.check('2026-11-20T10:48:00Z')).toMatchObject({ silent: [], resumed: ['prod-eu'] });
    expect(await w.state('prod-eu')).toBeUndefined();
    expect(sns.published).toHaveLength(published + 2);
    const notice = sns.published[published + 1];
    expect(notice.subject).toBe('k8s-audit-analyzer prod-eu: audit logs resumed after 47 min');
    expect(notice.attributes).toEqual({ kind: { dataType: 'String', value: 'watchdog' }, cluster: { dataType: 'String', value: 'prod-eu' } });
    expect(notice.messageStructure).toBe('json');
    const bodies = JSON.parse(notice.message!) as Record<string, string>;
    expect(JSON.parse(bodies.lambda)).toMatchObject({
      kind: 'watchdog',
      event: 'log-silence-resolved',
      cluster: 'prod-eu',
      since: '2026-11-20T10:00:00.000Z',
      resumedAt: '2026-11-20T10:47:00.000Z',
      silentMinutes: 47,
    });
    expect(bodies.email).toContain('Audit logs of cluster prod-eu are arriving again.');
    expect(JSON.parse(bodies.https)).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    // And the check after that is quiet again.
    expect(await w.check('2026-11-20T10:53:00Z')).toMatchObject({ silent: [], resumed: [] });
    expect(sns.published).toHaveLength(published + 2);
  });

  it('raises a new silence, with its own finding, when the logs stop again', async () => {
    expect(await w.check('2026-11-20T11:18:00Z')).toMatchObject({ silent: ['prod-eu'], raised: ['prod-eu'] });
    const findings = await w.findings('prod-eu');
    expect(findings.map((f) => f.time)).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T10:47:00.000Z']);
    expect(new Set(findings.map((f) => f.auditID)).size).toBe(2);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
    expect(sns.published).toHaveLength(published + 3);
  });
});

describe('the watchdog on clusters it was told to expect', () => {
  it('takes a watched cluster never seen as silent since it first looked, and raises after the threshold', async () => {
    const w = await world({ watchedClusters: ['dr-site'] });
    const published = sns.published.length;
    expect(await w.check('2026-11-20T10:00:00Z')).toMatchObject({ clusters: 1, silent: [], raised: [] });
    expect(await w.state('dr-site')).toMatchObject({ since: '2026-11-20T10:00:00.000Z', neverSeen: true });
    expect(await w.check('2026-11-20T10:25:00Z')).toMatchObject({ silent: [] });
    expect(await w.check('2026-11-20T10:31:00Z')).toMatchObject({ silent: ['dr-site'], raised: ['dr-site'] });
    const [finding] = await w.findings('dr-site');
    expect(finding).toMatchObject({
      ruleId: 'audit-tampering.log-silence',
      time: '2026-11-20T10:00:00.000Z',
      evidence: { neverSeen: true, silentMinutes: 31 },
    });
    expect(finding.summary).toContain('since the watchdog started expecting it at 2026-11-20T10:00:00.000Z');
    expect(sns.published).toHaveLength(published + 1);
    expect(await w.check('2026-11-20T10:36:00Z')).toMatchObject({ raised: [] });
    expect(sns.published).toHaveLength(published + 1);

    // Its first objects end the silence.
    await w.object('dr-site', '2026-11-20T10:40:00.000Z');
    expect(await w.check('2026-11-20T10:41:00Z')).toMatchObject({ silent: [], resumed: ['dr-site'] });
    expect(sns.published[published + 1].subject).toBe('k8s-audit-analyzer dr-site: audit logs resumed after 40 min');
  });

  it('keeps the stored finding when the alert fails, throws so the invocation is retried, and alerts on the retry', async () => {
    const w = await world({ silenceMinutes: 10 });
    await w.object('stage', '2026-11-20T10:00:00.000Z');
    const published = sns.published.length;
    sns.failWith = 500;
    try {
      await expect(w.check('2026-11-20T10:11:00Z')).rejects.toThrow(WatchdogCheckError);
    } finally {
      sns.failWith = undefined;
    }
    expect(await w.findings('stage')).toHaveLength(1);
    expect(await w.state('stage')).toBeUndefined();
    expect(sns.published).toHaveLength(published);
    expect(await w.check('2026-11-20T10:11:00Z')).toMatchObject({ raised: ['stage'] });
    expect(sns.published).toHaveLength(published + 1);
    expect(await w.check('2026-11-20T10:16:00Z')).toMatchObject({ silent: ['stage'], raised: [] });
    expect(sns.published).toHaveLength(published + 1);
  });
});

describe('the watchdog on EKS control-plane logging (CloudTrail)', () => {
  it('raises a critical finding with the actor when a call switches the audit log off, once however often it is delivered', async () => {
    const w = await world();
    const published = sns.published.length;
    const disabling = updateClusterConfig([{ types: ['audit', 'authenticator'], enabled: false }]);
    expect(await w.invoke(disabling)).toEqual({ kind: 'eks-config', cluster: 'prod-us', raised: true, published: true });
    const [finding] = await w.findings('prod-us');
    expect(finding).toMatchObject({
      ruleId: 'audit-tampering.eks-audit-logging-disabled',
      severity: 'critical',
      auditID: '5f2a7c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      time: '2026-11-20T10:15:00Z',
      cluster: 'prod-us',
      actor: { username: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory', sourceIPs: ['198.51.100.23'] },
      target: { resource: 'eks-clusters', name: 'prod-us' },
      evidence: { disabledTypes: ['audit', 'authenticator'], region: 'eu-west-1', account: '123456789012' },
    });
    expect(sns.published).toHaveLength(published + 1);
    const alert = sns.published[published];
    expect(alert.subject).toBe('k8s-audit-analyzer prod-us: 1 critical (audit-tampering.eks-audit-logging-disabled)');
    expect(alert.attributes.severity).toEqual({ dataType: 'String', value: 'critical' });

    expect(finding.fingerprint).toMatch(/^[\w-]{22}$/);

    expect(await w.invoke(disabling)).toEqual({ kind: 'eks-config', cluster: 'prod-us', raised: false, published: false });
    expect(await w.findings('prod-us')).toHaveLength(1);
    expect(sns.published).toHaveLength(published + 1);
  });

  it('throws, to be retried, while another invocation holds the alert, and sends it once that claim lapsed', async () => {
    const w = await world();
    const published = sns.published.length;
    const event = updateClusterConfig([{ types: ['audit'], enabled: false }], { eventID: 'e-held' });
    const trigger = triggerOf(event);
    if (trigger.kind !== 'eks-config') throw new Error('not an EKS call');
    const finding = eksAuditLoggingDisabledFinding(trigger.call)!;
    // Another invocation with the same event stored the finding, claimed it, and died before publishing.
    const ledger = new DynamoDbAlertLedger(documents, w.table, () => new Date('2026-11-20T10:16:00Z'));
    await new DynamoDbFindingsStore(documents, w.table).putNew([finding]);
    expect((await ledger.claim([finding], { alert: 'other-invocation', id: 'gone' })).mine).toHaveLength(1);
    await expect(w.invoke(event, '2026-11-20T10:16:30Z')).rejects.toThrow(WatchdogCheckError);
    expect(sns.published).toHaveLength(published);
    // Lambda's retry comes after the claim lapsed: the alert goes out.
    expect(await w.invoke(event, '2026-11-20T10:19:00Z')).toMatchObject({ published: true });
    expect(sns.published).toHaveLength(published + 1);
  });

  it('redacts what the caller chose (its user agent) in the finding, the alert and the logs', async () => {
    const logger = new Logger({ serviceName: 'watchdog-test', logLevel: 'SILENT' });
    const warned = jest.spyOn(logger, 'warn');
    const w = await world({ logger });
    const published = sns.published.length;
    const secret = 'Bearer abcdefghijklmnopqrstuvwxyz0123456789';
    const call = updateClusterConfig([{ types: ['audit'], enabled: false }], {
      eventID: 'e-ua',
      userAgent: `curl/8.0 (${secret})`,
      sourceIPAddress: 'https://admin:hunter2hunter2@proxy.example',
    });
    expect(await w.invoke(call)).toMatchObject({ raised: true, published: true });
    const [finding] = await w.findings('prod-us');
    expect(finding.actor.userAgent).toBe('curl/8.0 (Bearer [redacted])');
    expect(JSON.stringify(finding)).not.toContain('hunter2');
    expect(sns.published[published].message).not.toContain('abcdefghijklmnop');
    expect(JSON.stringify(warned.mock.calls)).not.toContain('hunter2');
  });

  it('raises nothing for a call that enables logging, touches other types only, or failed, nor for other events', async () => {
    const w = await world();
    const published = sns.published.length;
    expect(await w.invoke(updateClusterConfig([{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true }]))).toMatchObject({
      raised: false,
    });
    expect(
      await w.invoke(
        updateClusterConfig(
          [
            { types: ['scheduler'], enabled: false },
            { types: ['audit'], enabled: true },
          ],
          { eventID: 'e-2' },
        ),
      ),
    ).toMatchObject({ raised: false });
    expect(
      await w.invoke(
        updateClusterConfig([{ types: ['audit'], enabled: false }], { eventID: 'e-3', errorCode: 'AccessDeniedException', errorMessage: 'not authorized' }),
      ),
    ).toMatchObject({ raised: false });
    const { requestParameters: _rp, ...withoutParams } = updateClusterConfig([]).detail;
    expect(await w.invoke({ ...updateClusterConfig([]), detail: { ...withoutParams, eventName: 'UpdateClusterVersion' } })).toMatchObject({ kind: 'ignored' });
    expect(await w.invoke({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toMatchObject({ kind: 'ignored' });
    expect(await w.findings('prod-us')).toEqual([]);
    expect(sns.published).toHaveLength(published);
  });
});

describe('the watchdog under the analyzer configuration (ANALYZER_CONFIG), end to end', () => {
  const ARN = 'arn:aws:sts::123456789012:assumed-role/Admin/mallory';

  it('raises nothing for a switched-off rule, and remembers no alerted silence', async () => {
    const w = await world({ config: { ...DEFAULT_CONFIG, disabled: ['audit-tampering.log-silence', 'audit-tampering.eks-audit-logging-disabled'] } });
    const published = sns.published.length;
    await w.object('prod-eu', '2026-11-20T10:00:00.000Z');
    expect(await w.check('2026-11-20T10:31:00Z')).toMatchObject({ silent: ['prod-eu'], raised: [] });
    expect(await w.invoke(updateClusterConfig([{ types: ['audit'], enabled: false }]))).toEqual({
      kind: 'eks-config',
      cluster: 'prod-us',
      raised: false,
      published: false,
      withheld: 'disabled',
    });
    expect([...(await w.findings('prod-eu')), ...(await w.findings('prod-us'))]).toEqual([]);
    expect(sns.published).toHaveLength(published);
    expect(await w.state('prod-eu')).toBeUndefined();
  });

  it('takes a severity override, and honours an exception on the caller until it expires', async () => {
    const exception = {
      rules: ['audit-tampering.eks-audit-logging-disabled'],
      users: [ARN],
      reason: 'cost cutting on test clusters',
      expires: '2026-11-20T12:00:00Z',
    };
    const w = await world({ config: { ...DEFAULT_CONFIG, severity: { 'audit-tampering.log-silence': 'critical' }, exceptions: [exception] } });
    await w.object('prod-eu', '2026-11-20T10:00:00.000Z');
    await w.check('2026-11-20T10:31:00Z');
    expect((await w.findings('prod-eu')).map((f) => [f.ruleId, f.severity])).toEqual([['audit-tampering.log-silence', 'critical']]);

    const disabling = updateClusterConfig([{ types: ['audit'], enabled: false }]);
    expect(await w.invoke(disabling)).toMatchObject({ raised: false, withheld: 'excepted' });
    expect(await w.findings('prod-us')).toEqual([]);
    // After the exception's expiry, the same call is raised.
    expect(await w.invoke(disabling, '2026-11-20T12:00:01Z')).toMatchObject({ raised: true, published: true });
    expect((await w.findings('prod-us')).map((f) => f.ruleId)).toEqual(['audit-tampering.eks-audit-logging-disabled']);
  });
});

describe('the watchdog ends idle incidents on its schedule, end to end', () => {
  const attacker = 'arn:aws:iam::123456789012:user/jordan.lee';
  const binding = (time: string): Finding => ({
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'critical',
    title: 'Binding to an admin-equivalent role',
    summary: 'jordan.lee bound cluster-admin to kube-system/node-health-agent',
    auditID: `a-${time}`,
    fingerprint: `f-${time}`,
    time,
    cluster: 'prod-eu',
    actor: { username: attacker, groups: ['system:authenticated'] },
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'node-health-agent' },
    verb: 'create',
    evidence: {},
  });
  /** The analyzer's side: records and alerts the finding in the watchdog's table. */
  const analyzerRaises = async (table: string, finding: Finding) => {
    const store = new StateIncidentStore(new DynamoDbStateStore(documents, table), undefined, () => at('2026-11-20T09:00:00Z'));
    const publisher = { publish: () => Promise.resolve() };
    await raiseIncidents([finding], 's3://audit/a.gz', {
      incidents: { store, windowMinutes: 60, links: { rulesDocUrl: 'docs/rules.md' } },
      publisher,
      minAlertSeverity: 'medium',
    });
    return (await store.openIncidents()).entries.find((e) => e.principal === principalOf(finding).key)!;
  };
  const kindOf = (message: string | undefined): unknown => (JSON.parse((JSON.parse(message!) as { lambda: string }).lambda) as { alert?: unknown }).alert;

  it('marks an incident quiet past its window and the grace, and publishes its summary when asked to', async () => {
    const w = await world({ incidentSummary: true, incidentWindowMinutes: 60 });
    const entry = await analyzerRaises(w.table, binding('2026-11-20T09:00:00Z'));
    const before = sns.published.length;
    expect(await w.check('2026-11-20T10:15:00Z')).toMatchObject({ quiet: [], summaries: 0 });
    expect(await w.check('2026-11-20T10:20:00Z')).toMatchObject({ quiet: [entry.id], summaries: 1 });
    const sent = sns.published.slice(before);
    expect(sent.map((p) => [p.attributes.kind?.value, kindOf(p.message)])).toEqual([['quiet', 'quiet']]);
    expect(await w.check('2026-11-20T10:25:00Z')).toMatchObject({ quiet: [], summaries: 0 });
  });

  it('ends it without a word by default', async () => {
    const w = await world({ incidentWindowMinutes: 60 });
    const entry = await analyzerRaises(w.table, binding('2026-11-20T09:00:00Z'));
    const before = sns.published.length;
    expect(await w.check('2026-11-20T10:20:00Z')).toMatchObject({ quiet: [entry.id], summaries: 0 });
    expect(sns.published).toHaveLength(before);
  });
});
