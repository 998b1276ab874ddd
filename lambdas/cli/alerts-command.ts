import { parseArgs } from 'node:util';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SourceObject } from '../adapters/object-source';
import { ConfigError } from '../core/config/schema';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Severity } from '../core/finding';
import { DEFAULT_ALERT_MINIMUM, SEVERITIES } from '../core/finding';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';
import { displayText, jsonText } from '../core/report/display-text';
import { previewAlerts, renderPreviewText } from './alerts-preview';
import { ALERTS_TOPIC_OUTPUT, TestAlertError, sendTestAlert, testAlertMessage } from './alerts-test';
import { clusterOption, configOption, incidentWindowOption, listInputs } from './inputs';
import type { Io } from './io';
import { EXIT, usageError } from './io';

export const ALERTS_HELP = `k8s-audit-analyzer alerts: try the alert path

Usage:
  k8s-audit-analyzer alerts test --stack NAME [--region R] [--profile P]
  k8s-audit-analyzer alerts preview <file|dir|s3://bucket/prefix>... [--config FILE] [--min-severity LVL]
                                    [--incident-window M] [--cluster NAME] [--format text|json] [--region R]

Commands:
  test    Publish a sample alert, clearly labelled as a test ("[TEST]" in the subject, a
          TEST note in the body, cluster TEST), to the deployed stack's alerts topic, found
          from the stack output ${ALERTS_TOPIC_OUTPUT}. It is critical, so it passes every
          subscription's severity filter: every destination (email, the Slack notifier, the
          Amazon Q channel) should show it within a minute. An email address receives it only
          once its subscription is confirmed (the link in AWS's first email).
  preview Print exactly what the deployed analyzer would send for these logs, sending nothing:
          the objects are analyzed in name order through the analyzer's own code (the same
          incidents, opening alerts and updates, the same messages). Per alert: a header line,
          the email, the Slack notifier's message and the machine JSON. Needs no AWS access
          except to read s3:// locations.

Options:
  --stack NAME     the CloudFormation stack (cdk deploy's stackName; K8sAuditAnalyzer by default)
  --region R       the stack's region (default: AWS_REGION, or the profile's region)
  --profile P      a profile of the AWS config (default: AWS_PROFILE, or the default chain)
preview:
  --config FILE        the analyzer's configuration (rules, settings, exceptions)
  --min-severity LVL   the analyzer's ALERT_MIN_SEVERITY and the Slack notifier's minimum
                       (default ${DEFAULT_ALERT_MINIMUM})
  --incident-window M  minutes a principal's incident stays open after its last finding
                       (default ${DEFAULT_INCIDENT_WINDOW_MINUTES})
  --cluster NAME       the cluster of objects whose path names none (the analyzer reads it from
                       the key: clusters/NAME/…); an event's own envelope still wins
  --format text|json   json: an array of { subject, attributes, email, slack, machine }
  --region R           the region the messages' console links name (default: AWS_REGION)
  -h, --help

IAM: cloudformation:DescribeStacks on the stack, sns:Publish on the topic, and kms:GenerateDataKey
and kms:Decrypt on the stack's key (the topic is encrypted with it).

Without the CLI, publish the same kind of message with the AWS CLI (docs/deploy.md, "Send a test alert").

Exit codes: 0 sent (test) or printed (preview), 2 usage error or not sent (the line printed says
what to do), 3 preview: some object could not be read completely (what was read is used).`;

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
        config: { type: 'string' },
        'min-severity': { type: 'string' },
        'incident-window': { type: 'string' },
        format: { type: 'string' },
        cluster: { type: 'string' },
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
  if (positionals[0] === 'preview') return previewCommand(positionals.slice(1), values, io);
  if (positionals[0] !== 'test') return fail(`unknown alerts command: ${positionals[0]} (alerts test, alerts preview)`);
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

/** `alerts preview`: the alerts the analyzer would send for the objects, printed. */
async function previewCommand(
  locations: string[],
  values: { config?: string; 'min-severity'?: string; 'incident-window'?: string; format?: string; region?: string; cluster?: string },
  io: Io,
): Promise<number> {
  const fail = (message: string): number => usageError(io, message, 'alerts');
  if (locations.length === 0) return fail('alerts preview needs at least one file, directory or s3://bucket/prefix');
  let config: Config = DEFAULT_CONFIG;
  let minSeverity: Severity;
  let windowMinutes: number;
  const format = values.format ?? 'text';
  try {
    if (format !== 'text' && format !== 'json') throw new Error(`--format must be text or json (got "${format}")`);
    minSeverity = (values['min-severity'] ?? DEFAULT_ALERT_MINIMUM) as Severity;
    if (!SEVERITIES.includes(minSeverity)) throw new Error(`--min-severity must be one of ${SEVERITIES.join(', ')} (got "${minSeverity}")`);
    windowMinutes = incidentWindowOption(values['incident-window']);
    clusterOption(values.cluster);
    if (values.config !== undefined) config = await configOption(values.config);
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : (error as Error).message);
  }
  let objects: SourceObject[];
  try {
    objects = await listInputs(locations);
  } catch (error) {
    return fail(`cannot list input: ${(error as Error).message}`);
  }
  const region = values.region ?? (io.env ?? process.env).AWS_REGION;
  const result = await previewAlerts(objects, {
    config,
    minAlertSeverity: minSeverity,
    windowMinutes,
    ...(region ? { region } : {}),
    ...(values.cluster ? { cluster: values.cluster } : {}),
  });
  if (format === 'json') io.out(jsonText(result.alerts, 2));
  else if (result.alerts.length === 0)
    io.out(
      `nothing would be sent: ${plural(result.findings, 'finding')} in ${plural(objects.length, 'object')}, no incident at or above ${minSeverity} to tell`,
    );
  else io.out(renderPreviewText(result.alerts));
  for (const name of result.incomplete) io.err(`warning: ${displayText(name)} could not be read completely; what was read is used`);
  return result.incomplete.length > 0 ? EXIT.incomplete : EXIT.ok;
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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
