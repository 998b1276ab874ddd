import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { CommandDeps } from '../../lambdas/cli/cli-context';
import { testAlertMessage } from '../../lambdas/cli/alerts-test';
import { main } from '../../lambdas/cli/main';
import { expectCommandHelp, expectUsageError } from '../helpers/cli-help';
import { slackMessageFor } from '../../lambdas/core/alert/slack-message';
import { severitiesFrom } from '../../lib/severity-filter';

const ROOT = join(__dirname, '..', '..');
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:K8sAuditAnalyzer-AlertsTopic1234-AbCd';
const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);

function stackWith(outputs: Array<{ OutputKey: string; OutputValue: string }>) {
  return {
    Stacks: [{ StackName: 'K8sAuditAnalyzer', StackStatus: 'CREATE_COMPLETE' as const, CreationTime: new Date(0), Outputs: outputs }],
  };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

// The one-line Node.js note is said once a process; these tests are not about it.
const env = { K8S_AUDIT_ANALYZER_NO_NODE_NOTE: '1' };

async function runWith(deps: CommandDeps, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env }, { deps });
  return { code, out, err };
}
const run = (...argv: string[]) => runWith({}, ...argv);
const help = (...path: string[]) => run(...path, '--help');

beforeEach(() => {
  cfn.reset();
  sns.reset();
  cfn.on(DescribeStacksCommand).resolves(
    stackWith([
      { OutputKey: 'WorkQueueUrl', OutputValue: 'https://x' },
      { OutputKey: 'AlertsTopicArn', OutputValue: TOPIC },
    ]),
  );
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('the test alert message', () => {
  const message = testAlertMessage({ now: new Date('2026-12-02T10:00:00Z'), region: 'eu-west-1' });
  const bodies = JSON.parse(message.Message) as Record<string, string>;

  it('says it is a test in the subject and in every body a destination shows', () => {
    expect(message.Subject).toBe('[TEST] TEST (a sample identity) create clusterrolebindings test-alert-sample in TEST');
    expect(message.Subject.length).toBeLessThan(100);
    expect(bodies.email.split('\n')[0]).toMatch(/^\[TEST\] /);
    expect(bodies.email).toContain('This is a test alert: a sample incident, sent on request. Nothing\nhappened in your cluster.');
    expect(bodies.default).toBe(bodies.email);
    // The Slack notifier reads the machine body; Amazon Q the https one.
    expect(JSON.parse(bodies.lambda)).toMatchObject({
      kind: 'incident',
      alert: 'test',
      incident: { cluster: 'TEST', principal: { display: 'TEST (a sample identity)' }, severity: 'critical' },
      told: [{ ruleId: 'rbac.privileged-role-bound', summary: expect.stringContaining('TEST ALERT') as string }],
    });
    expect(JSON.parse(bodies.https)).toMatchObject({ content: { title: expect.stringMatching(/^\[TEST\] /) as string } });
    expect(message.MessageAttributes.kind).toEqual({ DataType: 'String', StringValue: 'test' });
  });

  it('is rendered by the Slack notifier as a test', () => {
    const slack = slackMessageFor({ subject: message.Subject, message: bodies.lambda }, { minSeverity: 'critical' });
    expect(slack?.kind).toBe('incident');
    expect(JSON.stringify(slack?.body)).toContain('This is a test alert');
  });

  it('links the region it is given, and none without one', () => {
    expect(bodies.email).toContain('eu-west-1');
    const none = JSON.parse(testAlertMessage({ now: new Date('2026-12-02T10:00:00Z') }).Message) as Record<string, string>;
    expect(none.email).not.toContain('eu-west-1');
  });

  it('passes every severity filter a subscription can have', () => {
    expect(message.MessageAttributes.severity).toEqual({ DataType: 'String', StringValue: 'critical' });
    // A subscription's filter (lib/severity-filter.ts) takes the severities from its minimum up.
    for (const min of severitiesFrom('info')) expect(severitiesFrom(min)).toContain(message.MessageAttributes.severity.StringValue);
  });
});

describe('k8s-audit-analyzer alerts test', () => {
  it('finds the topic from the stack outputs and publishes the test alert to it', async () => {
    const { code, out, err } = await run('alerts', 'test', '--stack', 'K8sAuditAnalyzer', '--region', 'eu-west-1');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: 'K8sAuditAnalyzer' });
    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const input = published[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toMatch(/^\[TEST\] /);
    expect(input.MessageAttributes?.kind?.StringValue).toBe('test');
    expect(input.MessageStructure).toBe('json');
    expect(input.MessageAttributes?.severity?.StringValue).toBe('critical');
    expect(out).toContain(`sent a test alert to ${TOPIC} (message m-1)`);
  });

  it('publishes in the topic ARN\u2019s region', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackWith([{ OutputKey: 'AlertsTopicArn', OutputValue: TOPIC.replace('eu-west-1', 'us-east-2') }]));
    const regions: string[] = [];
    const { code } = await runWith(
      {
        alerts: {
          cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
          sns: (region) => {
            regions.push(region);
            return new SNSClient({ region });
          },
        },
      },
      ...['alerts', 'test', '--stack', 'S'],
    );
    expect(code).toBe(0);
    expect(regions).toEqual(['us-east-2']);
  });

  const failures: Array<[string, () => void, RegExp]> = [
    [
      'the stack does not exist',
      () => cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id Nope does not exist')),
      /^error: stack K8sAuditAnalyzer in eu-west-1 not found: check --stack .* and --region$/,
    ],
    [
      'DescribeStacks is not allowed',
      () => cfn.on(DescribeStacksCommand).rejects(awsError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized')),
      /^error: no permission for stack K8sAuditAnalyzer in eu-west-1 \(AccessDenied\): the caller needs cloudformation:DescribeStacks on the stack$/,
    ],
    [
      'there are no credentials',
      () => cfn.on(DescribeStacksCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers')),
      /^error: no AWS credentials: sign in .* or pass --profile$/,
    ],
    [
      'the stack is not this app\u2019s',
      () => cfn.on(DescribeStacksCommand).resolves(stackWith([{ OutputKey: 'Other', OutputValue: 'x' }])),
      /^error: stack K8sAuditAnalyzer in eu-west-1 has no AlertsTopicArn output: name the k8s-audit-analyzer stack/,
    ],
    [
      'Publish is not allowed',
      () => sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 'not authorized to perform: SNS:Publish')),
      /^error: no permission for the topic arn:aws:sns:.* \(AuthorizationErrorException\): the caller needs sns:Publish on the topic, and kms:GenerateDataKey and kms:Decrypt/,
    ],
    [
      'the topic key refuses',
      () => sns.on(PublishCommand).rejects(awsError('KMSAccessDeniedException', 'denied')),
      /^error: the topic's KMS key refused the message \(KMSAccessDeniedException\): the caller needs kms:GenerateDataKey and kms:Decrypt/,
    ],
    [
      'the topic is gone',
      () => sns.on(PublishCommand).rejects(awsError('NotFoundException', 'Topic does not exist')),
      /^error: the topic arn:aws:sns:\S+ not found: .*deploy the stack again$/,
    ],
    [
      'AWS says something the CLI has no advice for',
      () => cfn.on(DescribeStacksCommand).rejects(awsError('Throttling', 'Rate exceeded\nplease slow down')),
      /^error: could not reach stack K8sAuditAnalyzer in eu-west-1: AWS said Throttling: Rate exceeded$/,
    ],
  ];

  it.each(failures)('says what to do, in one line, when %s', async (_case, arrange, expected) => {
    arrange();
    const { code, out, err } = await run('alerts', 'test', '--stack', 'K8sAuditAnalyzer', '--region', 'eu-west-1');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err.trimEnd()).toMatch(expected);
  });

  it('says how to name a region when none is known', async () => {
    const noRegion = new CloudFormationClient({
      region: () => Promise.reject<string>(new Error('Region is missing')),
    });
    const { code, err } = await runWith({ alerts: { cloudFormation: noRegion } }, ...['alerts', 'test', '--stack', 'S']);
    expect(code).toBe(2);
    expect(err).toBe('error: no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION\n');
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it.each([
    [['alerts', 'test', '--region', 'eu-west-1'], /^error: required option '--stack <name>' not specified$/m, 'alerts test'],
    [['alerts', 'test', '--stack', ' '], /^error: option '--stack <name>' argument ' ' is invalid\. --stack needs the deployed stack's name/m, 'alerts test'],
    [['alerts', 'test', '--stack', 'S', '--regoin', 'eu-west-1'], /^error: unknown option '--regoin'\n\(Did you mean --region\?\)$/m, 'alerts test'],
    [['alerts', 'test', 'S', '--stack', 'S'], /^error: too many arguments for 'test'\. Expected 0 arguments but got 1\.$/m, 'alerts test'],
    [['alerts', 'send', '--stack', 'S'], /^error: unknown command 'send'$/m, 'alerts'],
    [['alerts', 'tets'], /^error: unknown command 'tets'\n\(Did you mean test\?\)$/m, 'alerts'],
  ])('refuses %j before calling AWS: exit 2, the reason, the pointer to the help', async (argv, message, path) => {
    expectUsageError(await run(...argv), message, path);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('without a subcommand, prints the alerts help on stderr and exits 2', async () => {
    const { code, out, err } = await run('alerts');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^Usage: k8s-audit-analyzer alerts \[options\] \[command\]/);
  });

  it.each([
    [['alerts'], ['test', 'preview'], [0, 2, 3]],
    [
      ['alerts', 'test'],
      ['--stack', '--region', '--profile', '--help'],
      [0, 2],
    ],
    [
      ['alerts', 'preview'],
      ['--config', '--min-severity', '--incident-window', '--cluster', '--format', '--region', '--profile', '--help'],
      [0, 2, 3],
    ],
  ])('%j --help: on stdout, exit 0, every option or subcommand, examples and its exit codes', async (path, names, codes) => {
    expectCommandHelp(await help(...path), path, names, codes);
  });

  it('is listed in the CLI help', async () => {
    expect((await run('--help')).out).toMatch(/^ {2}alerts +test the deployed alerts, or preview the alerts some logs/m);
  });
});

describe('loading', () => {
  it('a local scan does not load the CloudFormation client', () => {
    const loaded = execFileSync(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        '-e',
        [
          "const loaded = () => Object.keys(require.cache).some((k) => k.includes('client-cloudformation'));",
          "require('./lambdas/cli/main'); const before = loaded();",
          // The control: the same check sees the client once something does load it.
          "require('@aws-sdk/client-cloudformation'); process.stdout.write(`${before} ${loaded()}`);",
        ].join(' '),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(loaded).toBe('false true');
  });
});
