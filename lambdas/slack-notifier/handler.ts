import type { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import type { Clock, PostResult, Sleep, SlackWebhookPosterOptions, WebhookUrlProvider } from '../adapters/slack-webhook';
import { SecretsManagerWebhookUrl, SlackWebhookPoster } from '../adapters/slack-webhook';
import { logger as defaultLogger } from '../commons/powertools';
import { slackMessageFor } from '../core/alert/slack-message';
import type { Severity } from '../core/finding';
import { DEFAULT_ALERT_MINIMUM } from '../core/finding';
import { slackNotifierSettingsFromEnv } from './settings';

export interface SlackNotifierDeps {
  secrets: SecretsManagerClient;
  /** ARN (or name) of the secret holding the webhook URL, raw or as `{"webhookUrl": "…"}`. */
  webhookSecretId: string;
  /** Rows below this are not posted; an alert with none left posts nothing. Default `high`. */
  minSeverity?: Severity;
  /** How long the webhook URL is cached. Default 5 minutes. */
  secretTtlMs?: number;
  /** Hosts the webhook URL may point at. Default `hooks.slack.com`. */
  allowedHosts?: readonly string[];
  /** Retry and spacing settings for the poster (its clock and sleep come from `now` and `sleep`). */
  poster?: Omit<SlackWebhookPosterOptions, 'now' | 'sleep'>;
  logger?: Logger;
  now?: Clock;
  sleep?: Sleep;
}

export type SlackNotifierHandler = (event: SNSEvent, context: Context) => Promise<void>;

/**
 * The Slack notifier, subscribed to the alerts topic: each SNS record becomes at most one Slack
 * message. Any failure (secret unreadable, Slack refusing or unreachable after the poster's
 * retries) throws: SNS invokes Lambda asynchronously, so Lambda retries the event twice and then
 * sends it to the function's DLQ; nothing is dropped silently. Records are posted in order; a
 * retry re-posts the records before a failed one (delivery is at least once, as SNS's is).
 */
export function makeHandler(deps: SlackNotifierDeps): SlackNotifierHandler {
  const logger = deps.logger ?? defaultLogger;
  const minSeverity = deps.minSeverity ?? DEFAULT_ALERT_MINIMUM;
  const webhook: WebhookUrlProvider = new SecretsManagerWebhookUrl(deps.secrets, {
    secretId: deps.webhookSecretId,
    ...(deps.secretTtlMs !== undefined ? { ttlMs: deps.secretTtlMs } : {}),
    ...(deps.allowedHosts ? { allowedHosts: deps.allowedHosts } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const poster = new SlackWebhookPoster({ ...deps.poster, ...(deps.now ? { now: deps.now } : {}), ...(deps.sleep ? { sleep: deps.sleep } : {}) });

  async function notify(record: SNSEventRecord): Promise<void> {
    const sns = record.Sns;
    // The subject is built by the analyzer from cluster and rule ids: fine to log. The URL never is.
    const fields = { messageId: sns.MessageId, subject: sns.Subject, severity: sns.MessageAttributes?.severity?.Value };
    const render = slackMessageFor({ subject: sns.Subject, message: sns.Message }, { minSeverity });
    if (!render) {
      logger.info('nothing at or above the minimum severity; not posted', { ...fields, minSeverity });
      return;
    }
    if (render.kind === 'notice')
      logger.warn('message is not a findings alert this notifier renders; posting a notice from its subject', { ...fields, reason: render.reason });
    const url = await webhook.get();
    let result: PostResult;
    try {
      result = await poster.post(url, render.body);
    } catch (error) {
      // The webhook may have been revoked and the secret rotated: read it again on the retry.
      webhook.invalidate();
      throw error;
    }
    logger.info('posted to Slack', {
      ...fields,
      kind: render.kind,
      ...(render.kind === 'findings' ? { rowsPosted: render.rowsPosted, rowsLeftOut: render.rowsLeftOut } : {}),
      attempts: result.attempts,
    });
  }

  return async (event, context) => {
    logger.addContext(context);
    for (const record of event.Records) {
      try {
        await notify(record);
      } catch (error) {
        logger.error('Slack notification failed; Lambda retries the event, then sends it to the DLQ', {
          messageId: record.Sns.MessageId,
          error: error as Error,
        });
        throw error;
      }
    }
  };
}

let defaultHandler: SlackNotifierHandler | undefined;

/** The deployed handler: client and settings built once per execution environment, on the first invocation; a bad setting throws with every problem named. */
export const handler: SlackNotifierHandler = (event, context) => {
  defaultHandler ??= makeHandler({ secrets: new SecretsManagerClient({}), ...slackNotifierSettingsFromEnv(process.env) });
  return defaultHandler(event, context);
};
