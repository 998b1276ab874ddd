import type { CloudFormationClient, Output } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DEFAULT_RULES_DOC_URL } from '../commons/env';
import { buildIncidentAlert } from '../core/alert/incident-message';
import type { AlertMessage } from '../core/alert/sns-message';
import type { Finding } from '../core/finding';
import { DEFAULT_INCIDENT_WINDOW_MINUTES, recordFindings } from '../core/incident/record';
import type { AlertLinks, Incident, Principal } from '../core/incident/types';
import { RULES } from '../core/rules';
import { awsErrorLine } from './aws';
import { ALERTS_TOPIC_OUTPUT } from './deployed-stack';

/**
 * The sample alert `alerts test` publishes: an incident message (`kind: 'test'`, so its subject
 * starts `[TEST]` and every body says a test was sent on request) about a labelled sample incident
 * that says in every place a destination shows (who, the cluster, the summary) that it is a test,
 * so nobody opens an incident for it. Its severity is `critical`: it passes every subscription's
 * severity filter. `region` is there for the links, as the analyzer's.
 */
export function testAlertMessage(context: { now: Date; region?: string }): AlertMessage {
  const incident = sampleIncident(context.now.toISOString());
  return buildIncidentAlert({ kind: 'test', incident, told: incident.groups }, cliAlertLinks(context.region));
}
const TEST_CLUSTER = 'TEST';

/** One critical finding group, recorded the way the analyzer records a real one; every name says TEST. */
function sampleIncident(at: string): Incident {
  const rule = RULES.find((r) => r.id === 'rbac.privileged-role-bound');
  const finding: Finding = {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'critical',
    title: `[TEST] ${rule?.title ?? 'Cluster-admin or equivalent role bound'} (sample)`,
    summary: 'A sample finding sent by `k8s-audit-analyzer alerts test` (TEST ALERT): nothing happened, no action needed.',
    auditID: '00000000-0000-0000-0000-000000000000',
    fingerprint: 'k8s-audit-analyzer-test-alert',
    time: at,
    cluster: TEST_CLUSTER,
    actor: { username: 'TEST', groups: ['TEST'] },
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'test-alert-sample' },
    verb: 'create',
    evidence: {},
  };
  const principal: Principal = { key: 'TEST', display: 'TEST (a sample identity)', usernames: [finding.actor.username] };
  return recordFindings(undefined, {
    cluster: TEST_CLUSTER,
    principal,
    findings: [finding],
    sources: 'k8s-audit-analyzer alerts test (a sample: no audit-log object)',
    windowMinutes: DEFAULT_INCIDENT_WINDOW_MINUTES,
  }).incident;
}

/**
 * The links of the alerts the CLI builds (the test alert, the preview): the region's console and
 * Logs Insights links, EKS's log group, and the rules documentation: the analyzer's defaults.
 */
export function cliAlertLinks(region: string | undefined): AlertLinks {
  return { ...(region ? { region } : {}), rulesDocUrl: DEFAULT_RULES_DOC_URL, logGroupOf: (cluster) => `/aws/eks/${cluster}/cluster` };
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

/** The stack's outputs, read once; SDK errors become a `TestAlertError` naming the fix. */
export async function readStackOutputs(options: { stack: string; region: string; profile?: string }, cloudFormation: CloudFormationClient): Promise<Output[]> {
  // Loaded here, not at the top: a local scan never needs CloudFormation.
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: options.stack }));
    return described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    throw new TestAlertError(explain(error, `stack ${options.stack} in ${options.region}`, 'cloudformation:DescribeStacks on the stack', options));
  }
}

/**
 * Finds the stack's alerts topic from its outputs (read here unless given) and publishes `message`
 * to it: the deployed path, so every subscription (email, the Slack notifier, Amazon Q) gets it as
 * it would a real alert. SDK errors become a `TestAlertError` naming the fix.
 */
export async function sendTestAlert(
  options: { stack: string; region: string; profile?: string },
  clients: { cloudFormation: CloudFormationClient; sns: (region: string) => SNSClient },
  message: AlertMessage,
  known?: Output[],
): Promise<TestAlertTarget> {
  // Loaded here, not at the top: a local scan never needs SNS.
  const { PublishCommand } = await import('@aws-sdk/client-sns');
  const where = `stack ${options.stack} in ${options.region}`;
  const outputs = known ?? (await readStackOutputs(options, clients.cloudFormation));
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

/** An SDK error as the fix for it, in one line (also the incidents command's). */
export function explain(error: unknown, what: string, permission: string, options: { stack: string; region: string; profile?: string }): string {
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
  return `could not reach ${what}: ${awsErrorLine(error) ?? `${name ? `${name}: ` : ''}${message}`}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
