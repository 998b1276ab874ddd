import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore } from '../../lambdas/adapters/dynamodb-state-store';
import type { IncidentsCommandDeps } from '../../lambdas/cli/incidents-command';
import { main } from '../../lambdas/cli/main';
import { expectCommandHelp, expectUsageError } from '../helpers/cli-help';
import type { Finding } from '../../lambdas/core/finding';
import { StateIncidentStore } from '../../lambdas/core/incident/incident-store';
import { principalOf } from '../../lambdas/core/incident/principal';
import { raiseIncidents } from '../../lambdas/core/pipeline/raise-incidents';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:K8sAuditAnalyzer-AlertsTopic1234-AbCd';
const NOW = Date.parse('2026-11-20T09:30:00Z');
const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);
let db: LocalDynamoDb;
let tables = 0;

const finding = (username: string, severity: Finding['severity'] = 'critical'): Finding => ({
  ruleId: 'rbac.privileged-role-bound',
  category: 'rbac-change',
  severity,
  title: 'Binding to an admin-equivalent role',
  summary: `${username} bound cluster-admin`,
  auditID: `a-${username}`,
  fingerprint: `f-${username}`,
  time: '2026-11-20T09:00:00Z',
  cluster: 'prod-eu',
  actor: { username: `arn:aws:iam::123456789012:user/${username}` },
  target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'node-health-agent' },
  verb: 'create',
  evidence: {},
});

/** A table the analyzer recorded incidents in, and the stack's outputs naming it. */
async function stackWithIncidents(...raised: Finding[]) {
  const table = `findings-cli-${++tables}`;
  await createFindingsTable(db.client, table);
  const store = new StateIncidentStore(new DynamoDbStateStore(db.documents, table), undefined, () => NOW);
  await raiseIncidents(raised, 's3://audit/a.gz', {
    incidents: { store, windowMinutes: 60, links: { rulesDocUrl: 'docs/rules.md' } },
    publisher: { publish: () => Promise.resolve() },
    minAlertSeverity: 'medium',
  });
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'K8sAuditAnalyzer',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: [
          { OutputKey: 'FindingsTableName', OutputValue: table },
          { OutputKey: 'AlertsTopicArn', OutputValue: TOPIC },
        ],
      },
    ],
  });
  const entries = (await store.openIncidents()).entries;
  return { store, idOf: (username: string) => entries.find((e) => e.principal === principalOf(finding(username)).key)!.id };
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: IncidentsCommandDeps = {
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    dynamodb: () => db.client,
    sns: () => new SNSClient({ region: 'eu-west-1' }),
  };
  const io = { out: (s: string) => void (out += s + '\n'), err: (s: string) => void (err += s + '\n'), env: { USER: 'carla' } };
  const code = await main(['incidents', ...argv], io, { deps: { incidents: deps }, now: () => new Date(NOW) });
  return { code, out, err };
}

async function help(...path: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main([...path, '--help'], { out: (s) => void (out += s + '\n'), err: (s) => void (err += s + '\n') });
  return { code, out, err };
}

beforeAll(async () => {
  db = await startLocalDynamoDb();
}, 30_000);
afterAll(async () => db.stop());
beforeEach(() => {
  cfn.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('k8s-audit-analyzer incidents', () => {
  jest.setTimeout(60_000);

  it('lists the open incidents of the stack found from its outputs', async () => {
    const { idOf } = await stackWithIncidents(finding('jordan.lee'), finding('sam.ortiz', 'low'));
    const listed = await run('list', '--stack', 'K8sAuditAnalyzer');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${idOf('jordan.lee')}  CRITICAL  jordan.lee`);
    expect(listed.out).toContain(`${idOf('sam.ortiz')}  LOW  sam.ortiz`);
    expect(listed.out).toContain('first 2026-11-20T09:00:00Z  last 2026-11-20T09:00:00Z');
    const json = JSON.parse((await run('list', '--stack', 'K8sAuditAnalyzer', '--format', 'json')).out) as Array<{ id: string; state: string }>;
    expect(json.map((i) => i.state)).toEqual(['open', 'open']);
  });

  it('closes an alerted incident, tells the topic who closed it and why, and no longer lists it', async () => {
    const { store, idOf } = await stackWithIncidents(finding('jordan.lee'));
    const id = idOf('jordan.lee');
    const closed = await run('close', id, '--stack', 'K8sAuditAnalyzer', '--reason', 'key rotated');
    expect(closed).toMatchObject({ code: 0, err: '' });
    expect(closed.out).toContain(`closed incident ${id}`);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0].TopicArn).toBe(TOPIC);
    expect(published[0].MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'closed' });
    const body = JSON.parse((JSON.parse(published[0].Message!) as { lambda: string }).lambda) as { alert: string; incident: { state: string; ended: unknown } };
    expect(body).toMatchObject({ alert: 'closed', incident: { state: 'closed', ended: { how: 'closed', by: 'carla', reason: 'key rotated' } } });
    expect((await run('list', '--stack', 'K8sAuditAnalyzer')).out).toBe('no open incidents\n');
    // Closed is final: the principal's next finding opens a new incident.
    const next = await store.record(
      'prod-eu',
      principalOf(finding('jordan.lee')),
      [{ ...finding('jordan.lee'), fingerprint: 'later', time: '2026-11-20T09:10:00Z' }],
      'b.gz',
      60,
    );
    expect(next.opened).toBe(true);
    expect(next.incident.id).not.toBe(id);
    // And closing it again is refused: it is not open.
    expect(await run('close', id, '--stack', 'K8sAuditAnalyzer')).toMatchObject({ code: 2, err: expect.stringContaining(`no open incident ${id}`) as string });
  });

  it('closes an incident nobody was told about without an alert', async () => {
    const { idOf } = await stackWithIncidents(finding('sam.ortiz', 'low'));
    const closed = await run('close', idOf('sam.ortiz'), '--stack', 'K8sAuditAnalyzer');
    expect(closed.code).toBe(0);
    expect(closed.out).toContain('no alert sent');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('keeps the close when the alert cannot be sent, and says so', async () => {
    const { idOf } = await stackWithIncidents(finding('jordan.lee'));
    sns.on(PublishCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AuthorizationErrorException', $metadata: {} }));
    const closed = await run('close', idOf('jordan.lee'), '--stack', 'K8sAuditAnalyzer');
    expect(closed.code).toBe(2);
    expect(closed.err).toContain("closed, but the 'closed' alert was not sent: no permission for the topic");
    expect((await run('list', '--stack', 'K8sAuditAnalyzer')).out).toBe('no open incidents\n');
  });

  it('names a stack that does not exist', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError', $metadata: {} }));
    expect(await run('list', '--stack', 'Nope')).toMatchObject({
      code: 2,
      err: 'error: stack Nope in eu-west-1 not found: check --stack (the stackName given to cdk deploy, K8sAuditAnalyzer by default) and --region\n',
    });
  });

  it.each([
    [['list'], /^error: required option '--stack <name>' not specified$/m, 'incidents list'],
    [['close', '--stack', 'S'], /^error: missing required argument 'id'$/m, 'incidents close'],
    [['close', 'a', 'b', '--stack', 'S'], /^error: too many arguments for 'close'\. Expected 1 argument but got 2\.$/m, 'incidents close'],
    [
      ['list', '--stack', 'S', '--format', 'yaml'],
      /^error: option '--format <format>' argument 'yaml' is invalid\. Allowed choices are text, json\.$/m,
      'incidents list',
    ],
    [['list', '--stack', 'S', '--fromat', 'json'], /^error: unknown option '--fromat'\n\(Did you mean --format\?\)$/m, 'incidents list'],
    [['reopen', 'x', '--stack', 'S'], /^error: unknown command 'reopen'$/m, 'incidents'],
    [['lsit'], /^error: unknown command 'lsit'\n\(Did you mean list\?\)$/m, 'incidents'],
  ])('refuses %j before calling AWS: exit 2, the reason, the pointer to the help', async (argv, message, path) => {
    expectUsageError(await run(...argv), message, path);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it.each([
    [['incidents'], ['list', 'close'], [0, 2]],
    [
      ['incidents', 'list'],
      ['--stack', '--region', '--profile', '--format', '--help'],
      [0, 2],
    ],
    [
      ['incidents', 'close'],
      ['--stack', '--region', '--profile', '--reason', '--by', '--help'],
      [0, 2],
    ],
  ])('%j --help: on stdout, exit 0, every option or subcommand, examples and its exit codes', async (path, names, codes) => {
    expectCommandHelp(await help(...path), path, names, codes);
  });

  it('is a command of the CLI, in its help', async () => {
    let out = '';
    expect(await main(['--help'], { out: (s) => void (out += s), err: () => undefined })).toBe(0);
    expect(out).toMatch(/^ {2}incidents +list the deployed stack's open incidents, or close one$/m);
  });
});
