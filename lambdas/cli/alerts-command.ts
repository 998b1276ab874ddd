/** `alerts test` and `alerts preview`: loaded when one runs (alerts-definition.ts defines their options). */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SourceObject } from '../adapters/object-source';
import type { Config } from '../core/config/types';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import { displayText, jsonText } from '../core/report/display-text';
import type { AlertsPreviewOptions } from './alerts-definition';
import { previewAlerts, renderPreviewText } from './alerts-preview';
import { TestAlertError, sendTestAlert, testAlertMessage } from './alerts-test';
import { awsClientConfig, awsErrorLine, prepareAwsSdk } from './aws';
import type { CliContext } from './cli-context';
import type { StackOptions } from './deployed-stack';
import { configOption, listInputs } from './inputs';
import { EXIT, UsageError } from './io';
import { nothingReadMessage } from './read-nothing';

/** What a test can give: the clients (by default the standard AWS credential chain, created on first use). */
export interface AlertsCommandDeps {
  cloudFormation?: CloudFormationClient;
  sns?: (region: string) => SNSClient;
}

/** `alerts test`: publishes the test alert; returns the exit code. AWS errors are said in one line (exit 2). */
export async function runAlertsTest(options: StackOptions, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const clients = await awsClients(options, ctx);
  try {
    // No region (none given, none in the profile) reaches main, which says how to give one.
    const region = await clients.cloudFormation.config.region();
    const sent = await sendTestAlert({ stack: options.stack, region, profile: options.profile }, clients, testAlertMessage({ now: ctx.now(), region }));
    io.out(`sent a test alert to ${sent.topicArn} (message ${sent.messageId})`);
    io.out('every destination should show it within a minute: email (confirmed subscriptions only), Slack, Amazon Q.');
    io.out("nothing arrived? docs/deploy.md, 'Send a test alert', lists where to look.");
    return EXIT.ok;
  } catch (error) {
    // Already worded as what to do, and not a usage error: no pointer to the help.
    if (error instanceof TestAlertError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    clients.destroy();
  }
}

/** `alerts preview`: the alerts the analyzer would send for the objects, printed; returns the exit code. */
export async function runAlertsPreview(locations: readonly string[], options: AlertsPreviewOptions, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  const config: Config = options.config !== undefined ? await configOption(options.config) : DEFAULT_CONFIG;
  let objects: SourceObject[];
  try {
    objects = await listInputs(locations, { aws: awsClientConfig(options), io, ...(io.stdin ? { stdin: io.stdin } : {}) });
  } catch (error) {
    // Said as they are: a usage error already names the fix, main says an AWS error in one line.
    if (error instanceof UsageError || awsErrorLine(error) !== undefined) throw error;
    throw new UsageError(`cannot list input: ${(error as Error).message}`);
  }
  const region = options.region ?? (io.env ?? process.env).AWS_REGION;
  const result = await previewAlerts(objects, {
    config,
    minAlertSeverity: options.minSeverity,
    windowMinutes: options.incidentWindow,
    ...(region ? { region } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  if (options.format === 'json') io.out(jsonText(result.alerts, 2));
  else if (result.alerts.length === 0)
    io.out(
      `nothing would be sent: ${plural(result.findings, 'finding')} in ${plural(objects.length, 'object')}, no incident at or above ${options.minSeverity} to tell`,
    );
  else io.out(renderPreviewText(result.alerts));
  for (const name of result.incomplete) io.err(`warning: ${displayText(name)} could not be read completely; what was read is used`);
  // "Nothing would be sent" from no event at all is not an answer: a wrong path must not look like a quiet cluster.
  const nothing = nothingReadMessage(objects.length, result.read, locations);
  if (nothing) io.err(`error: ${nothing}`);
  return nothing !== undefined || result.incomplete.length > 0 ? EXIT.incomplete : EXIT.ok;
}

/**
 * The standard credential chain's clients, for the region and profile given (each unset: the
 * SDK's own defaults). Loaded only when this command runs: a local scan loads neither.
 */
async function awsClients(
  options: StackOptions,
  ctx: CliContext,
): Promise<{ cloudFormation: CloudFormationClient; sns: (region: string) => SNSClient; destroy: () => void }> {
  const given = ctx.deps.alerts ?? {};
  if (!given.cloudFormation || !given.sns) prepareAwsSdk(ctx.io);
  const cloudFormation = given.cloudFormation ?? new (await import('@aws-sdk/client-cloudformation')).CloudFormationClient(awsClientConfig(options));
  const { SNSClient: Client } = await import('@aws-sdk/client-sns');
  const created: SNSClient[] = [];
  const sns =
    given.sns ??
    ((topicRegion: string) => {
      const client = new Client(awsClientConfig(options, topicRegion));
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
