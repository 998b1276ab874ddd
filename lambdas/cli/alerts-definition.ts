/** `alerts test|preview`: options and help; alerts-command.ts, loaded when one runs, does the work. */
import { Command, Option } from 'commander';
import type { Severity } from '../core/finding';
import { DEFAULT_ALERT_MINIMUM } from '../core/finding';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';
import type { CliContext } from './cli-context';
import type { ExitCodeLine } from './command-help';
import { EXIT_STACK_USAGE, EXIT_USAGE, exitNothingRead, helpEnd } from './command-help';
import type { StackOptions } from './deployed-stack';
import { ALERTS_TOPIC_OUTPUT, stack, stackRegion } from './deployed-stack';
import * as opt from './options';

export const PREVIEW_FORMATS = ['text', 'json'] as const;

/** What `alerts preview` is given, as commander parsed and checked it. */
export interface AlertsPreviewOptions {
  config?: string;
  minSeverity: Severity;
  incidentWindow: number;
  cluster?: string;
  format: (typeof PREVIEW_FORMATS)[number];
  region?: string;
  profile?: string;
}

const TEST_EXAMPLE = 'k8s-audit-analyzer alerts test --stack K8sAuditAnalyzer --region eu-west-1';
const PREVIEW_EXAMPLE = 'k8s-audit-analyzer alerts preview samples/ --cluster prod-eu --min-severity high';
const TEST_EXIT: ExitCodeLine = [0, 'sent'];
const PREVIEW_EXIT: ExitCodeLine = [0, 'printed'];
const TEST_IAM =
  "IAM: cloudformation:DescribeStacks on the stack, sns:Publish on the topic, and kms:GenerateDataKey and kms:Decrypt on the stack's key " +
  '(the topic is encrypted with it). Without the CLI, publish the same kind of message with the AWS CLI (docs/deploy.md, "Send a test alert").';

function testDefinition(ctx: CliContext): Command {
  return new Command('test')
    .summary("publish a labelled test alert to the deployed stack's alerts topic")
    .description(
      'Publishes a sample alert, clearly labelled as a test ("[TEST]" in the subject, a TEST note in the body, cluster TEST), ' +
        `to the deployed stack's alerts topic, found from the stack output ${ALERTS_TOPIC_OUTPUT}. It is critical, so it passes ` +
        "every subscription's severity filter: every destination (email, the Slack notifier, the Amazon Q channel) should show " +
        "it within a minute. An email address receives it only once its subscription is confirmed (the link in AWS's first email).\n\n" +
        TEST_IAM,
    )
    .addOption(stack())
    .addOption(stackRegion())
    .addOption(opt.profile())
    .addHelpText('after', helpEnd([TEST_EXAMPLE], [TEST_EXIT, EXIT_STACK_USAGE]))
    .action(async (options: StackOptions) => {
      const { runAlertsTest } = await import('./alerts-command');
      ctx.setExit(await runAlertsTest(options, ctx));
    });
}

function previewDefinition(ctx: CliContext): Command {
  return new Command('preview')
    .summary('print the alerts some logs would raise, sending nothing')
    .description(
      'Prints exactly what the deployed analyzer would send for these logs, sending nothing: the objects are analyzed in name ' +
        "order through the analyzer's own code (the same incidents, opening alerts and updates, the same messages). Per alert: " +
        "a header line, the email, the Slack notifier's message and the machine JSON. Needs no AWS access except to read s3:// locations.",
    )
    .argument('<locations...>', "files, directories, s3://bucket/prefix, or '-' for standard input")
    .option('--config <file>', "the analyzer's configuration (rules, settings, exceptions)")
    .addOption(
      opt.severityChoice('--min-severity <level>', "the analyzer's ALERT_MIN_SEVERITY and the Slack notifier's minimum").default(DEFAULT_ALERT_MINIMUM),
    )
    .addOption(opt.incidentWindow(DEFAULT_INCIDENT_WINDOW_MINUTES))
    .addOption(opt.cluster())
    .addOption(new Option('--format <format>', 'json: an array of { subject, attributes, email, slack, machine }').choices(PREVIEW_FORMATS).default('text'))
    .addOption(new Option('--region <region>', "the region the messages' console links name, and of s3:// locations (default: AWS_REGION)"))
    .addOption(opt.profile())
    .addHelpText(
      'after',
      helpEnd(
        [PREVIEW_EXAMPLE, 'k8s-audit-analyzer alerts preview s3://my-audit-logs/clusters/prod-eu/2026/11/20/ --format json --region eu-west-1'],
        [PREVIEW_EXIT, EXIT_USAGE, exitNothingRead('What could be read is previewed.')],
      ),
    )
    .action(async (locations: string[], options: AlertsPreviewOptions) => {
      const { runAlertsPreview } = await import('./alerts-command');
      ctx.setExit(await runAlertsPreview(locations, options, ctx));
    });
}

export function alertsCommandDefinition(ctx: CliContext): Command {
  return new Command('alerts')
    .summary('test the deployed alerts, or preview the alerts some logs would raise')
    .description("Tries the alert path: 'alerts test' sends a labelled alert through the deployed stack, 'alerts preview' prints what logs would raise.")
    .addCommand(testDefinition(ctx))
    .addCommand(previewDefinition(ctx))
    .addHelpText(
      'after',
      helpEnd(
        [TEST_EXAMPLE, PREVIEW_EXAMPLE],
        [[0, 'sent (test) or printed (preview)'], EXIT_USAGE, exitNothingRead('preview: what could be read is previewed.')],
      ),
    );
}
