import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../core/alert/sns-message';
import { buildAlert } from '../core/alert/sns-message';
import { zeroSeverityCounts } from '../core/finding';
import type { AggregatedRow } from '../core/report/aggregate';

/** The stack output the CLI finds the alerts topic by (lib/analyzer-stack.ts). */
export const ALERTS_TOPIC_OUTPUT = 'AlertsTopicArn';

const SUBJECT_MAX = 99; // SNS: fewer than 100 characters
const TEST_NOTE = [
  'THIS IS A TEST ALERT, sent by `k8s-audit-analyzer alerts test`.',
  'Nothing happened in any cluster: the finding below is a sample. Receiving it',
  'means this destination gets critical alerts from the deployed stack.',
].join('\n');

/**
 * The sample alert `alerts test` publishes: one critical finding group that says in every place a
 * destination shows (subject, cluster, actor, summary) that it is a test, so nobody opens an
 * incident for it. Severity `critical` passes every subscription's severity filter.
 *
 * The one place the test message is built: when alerts become incident messages, this is what
 * changes (to `buildIncidentAlert` with `kind: 'test'`; `region` is there for its links), and
 * nothing else in the command.
 */
export function testAlertMessage(context: { now: Date; region?: string }): AlertMessage {
  const at = context.now.toISOString();
  const row: AggregatedRow = {
    ruleId: 'rbac.privileged-role-bound',
    title: '[TEST] Cluster-admin or equivalent role bound (sample)',
    category: 'rbac-change',
    severity: 'critical',
    actor: 'TEST (a sample identity, no real user)',
    target: { resource: 'clusterrolebindings', name: 'k8s-audit-analyzer-test-alert' },
    count: 1,
    firstSeen: at,
    lastSeen: at,
    exampleAuditID: '00000000-0000-0000-0000-000000000000',
    summary: 'TEST ALERT from `k8s-audit-analyzer alerts test`: a sample finding, nothing happened. No action needed.',
    sources: [],
    clusters: ['TEST'],
  };
  const alert = buildAlert({
    rows: [row],
    summary: { objects: 0, bytes: 0, events: 0, skipped: 0, malformed: 0, incomplete: 0, findings: 1, bySeverity: { ...zeroSeverityCounts(), critical: 1 } },
    source: 'k8s-audit-analyzer alerts test (a sample: no audit-log object)',
    cluster: 'TEST',
  });
  // The email body opens with the note; the other bodies carry the test in their rows and subject.
  const bodies = JSON.parse(alert.Message) as Record<string, string>;
  for (const key of ['default', 'email']) bodies[key] = `${TEST_NOTE}\n\n${bodies[key]}`;
  return { ...alert, Subject: `[TEST] ${alert.Subject}`.slice(0, SUBJECT_MAX), Message: JSON.stringify(bodies) };
}

/** What went wrong, as one line that says what to do; the command prints it and exits 2. */
export class TestAlertError extends Error {
  override readonly name = 'TestAlertError';
}

export interface TestAlertTarget {
  stack: string;
  region: string;
  topicArn: string;
  messageId: string;
}

/**
 * Finds the stack's alerts topic from its outputs and publishes `message` to it: the deployed
 * path, so every subscription (email, the Slack notifier, Amazon Q) gets it as it would a real
 * alert. SDK errors become a `TestAlertError` naming the fix.
 */
export async function sendTestAlert(
  options: { stack: string; region: string; profile?: string },
  clients: { cloudFormation: CloudFormationClient; sns: (region: string) => SNSClient },
  message: AlertMessage,
): Promise<TestAlertTarget> {
  // Loaded here, not at the top: a local scan never needs CloudFormation or SNS.
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const { PublishCommand } = await import('@aws-sdk/client-sns');
  const where = `stack ${options.stack} in ${options.region}`;
  let outputs;
  try {
    const described = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: options.stack }));
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    throw new TestAlertError(explain(error, where, 'cloudformation:DescribeStacks on the stack', options));
  }
  const topicArn = outputs.find((o) => o.OutputKey === ALERTS_TOPIC_OUTPUT)?.OutputValue;
  if (!topicArn) {
    throw new TestAlertError(
      `${where} has no ${ALERTS_TOPIC_OUTPUT} output: name the k8s-audit-analyzer stack (the stackName it was deployed with, K8sAuditAnalyzer by default), or deploy this version of it`,
    );
  }
  // The topic's own region: the stack's, unless an output was copied across.
  const topicRegion = /^arn:aws[\w-]*:sns:([a-z0-9-]+):\d{12}:/.exec(topicArn)?.[1] ?? options.region;
  try {
    const published = await clients.sns(topicRegion).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.Subject,
        Message: message.Message,
        MessageStructure: message.MessageStructure,
        MessageAttributes: message.MessageAttributes,
      }),
    );
    return { stack: options.stack, region: topicRegion, topicArn, messageId: published.MessageId ?? '' };
  } catch (error) {
    throw new TestAlertError(
      explain(error, `the topic ${topicArn}`, "sns:Publish on the topic, and kms:GenerateDataKey and kms:Decrypt on the stack's key", options),
    );
  }
}

/** An SDK error as the fix for it, in one line. */
function explain(error: unknown, what: string, permission: string, options: { stack: string; region: string; profile?: string }): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? oneLine(error.message) : String(error);
  if (name === 'ValidationError' && /does not exist/.test(message)) {
    return `${what} not found: check --stack (the stackName given to cdk deploy, K8sAuditAnalyzer by default) and --region`;
  }
  if (name === 'NotFoundException' || name === 'NotFound') return `${what} not found: the stack's output names a topic that is gone; deploy the stack again`;
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(message)) {
    return `no AWS credentials${options.profile ? ` for profile ${options.profile}` : ''}: sign in (aws sso login, or set AWS_PROFILE) or pass --profile`;
  }
  if (/ExpiredToken|TokenRefreshRequired|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch/.test(name)) {
    return `the AWS credentials were refused (${name}): sign in again${options.profile ? ` for profile ${options.profile}` : ''}`;
  }
  if (/^KMS/.test(name)) return `the topic's KMS key refused the message (${name}): the caller needs kms:GenerateDataKey and kms:Decrypt on the stack's key`;
  if (/AccessDenied|Authorization|Unauthorized|Forbidden/.test(name)) {
    return `no permission for ${what} (${name}): the caller needs ${permission}`;
  }
  return `could not reach ${what}: ${name ? `${name}: ` : ''}${message}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
