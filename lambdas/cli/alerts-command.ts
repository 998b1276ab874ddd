import { parseArgs } from 'node:util';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ALERTS_TOPIC_OUTPUT, TestAlertError, sendTestAlert, testAlertMessage } from './alerts-test';
import type { Io } from './io';
import { EXIT, usageError } from './io';

export const ALERTS_HELP = `k8s-audit-analyzer alerts: try the alert path

Usage:
  k8s-audit-analyzer alerts test --stack NAME [--region R] [--profile P]

Commands:
  test    Publish a sample alert, clearly labelled as a test ("[TEST]" in the subject, a
          TEST note in the body, cluster TEST), to the deployed stack's alerts topic, found
          from the stack output ${ALERTS_TOPIC_OUTPUT}. It is critical, so it passes every
          subscription's severity filter: every destination (email, the Slack notifier, the
          Amazon Q channel) should show it within a minute. An email address receives it only
          once its subscription is confirmed (the link in AWS's first email).

Options:
  --stack NAME     the CloudFormation stack (cdk deploy's stackName; K8sAuditAnalyzer by default)
  --region R       the stack's region (default: AWS_REGION, or the profile's region)
  --profile P      a profile of the AWS config (default: AWS_PROFILE, or the default chain)
  -h, --help

IAM: cloudformation:DescribeStacks on the stack, sns:Publish on the topic, and kms:GenerateDataKey
and kms:Decrypt on the stack's key (the topic is encrypted with it).

Without the CLI, publish the same kind of message with the AWS CLI (docs/deploy.md, "Send a test alert").

Exit codes: 0 sent, 2 usage error or not sent (the line printed says what to do).`;

/** What a test can give: the clients (by default the standard AWS credential chain, created on first use). */
export interface AlertsCommandDeps {
  cloudFormation?: CloudFormationClient;
  sns?: (region: string) => SNSClient;
  now?: () => Date;
}

/** `k8s-audit-analyzer alerts …`: returns the exit code. */
export async function alertsCommand(argv: string[], io: Io, given: AlertsCommandDeps = {}): Promise<number> {
  const fail = (message: string): number => usageError(io, message, 'alerts');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: 'string' },
        region: { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.out(ALERTS_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (positionals[0] !== 'test') return fail(`unknown alerts command: ${positionals[0]} (alerts test)`);
  if (positionals.length > 1) return fail(`alerts test takes no arguments besides its options (got ${positionals.slice(1).join(' ')})`);
  if (values.stack === undefined || values.stack.trim() === '') return fail('alerts test needs --stack NAME, the deployed stack (K8sAuditAnalyzer by default)');

  const clients = await awsClients(values.region, values.profile, given);
  try {
    let region: string;
    try {
      region = await clients.cloudFormation.config.region();
    } catch {
      io.err("error: no AWS region: pass --region (the stack's), set AWS_REGION, or give the profile a region");
      return EXIT.usage;
    }
    const sent = await sendTestAlert(
      { stack: values.stack, region, profile: values.profile },
      clients,
      testAlertMessage({ now: (given.now ?? (() => new Date()))(), region }),
    );
    io.out(`sent a test alert to ${sent.topicArn} (message ${sent.messageId})`);
    io.out('every destination should show it within a minute: email (confirmed subscriptions only), Slack, Amazon Q.');
    io.out("nothing arrived? docs/deploy.md, 'Send a test alert', lists where to look.");
    return EXIT.ok;
  } catch (error) {
    if (error instanceof TestAlertError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    clients.destroy();
  }
}

/**
 * The standard credential chain's clients, for the region and profile given (each unset: the
 * SDK's own defaults). Loaded only when this command runs: a local scan loads neither.
 */
async function awsClients(
  region: string | undefined,
  profile: string | undefined,
  given: AlertsCommandDeps,
): Promise<{ cloudFormation: CloudFormationClient; sns: (region: string) => SNSClient; destroy: () => void }> {
  const config = (r: string | undefined) => ({ ...(r ? { region: r } : {}), ...(profile ? { profile } : {}) });
  const cloudFormation = given.cloudFormation ?? new (await import('@aws-sdk/client-cloudformation')).CloudFormationClient(config(region));
  const { SNSClient: Client } = await import('@aws-sdk/client-sns');
  const created: SNSClient[] = [];
  const sns =
    given.sns ??
    ((topicRegion: string) => {
      const client = new Client(config(topicRegion));
      created.push(client);
      return client;
    });
  return {
    cloudFormation,
    sns,
    destroy: () => {
      if (!given.cloudFormation) cloudFormation.destroy();
      for (const client of created) client.destroy();
    },
  };
}
