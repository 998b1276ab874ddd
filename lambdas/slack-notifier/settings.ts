import { parseEnvironment, SLACK_NOTIFIER_ENV } from '../commons/env';
import type { Severity } from '../core/finding';

/** The Slack notifier's settings, read once per execution environment from its environment variables (SLACK_NOTIFIER_ENV). */
export interface SlackNotifierSettings {
  /** `SLACK_WEBHOOK_SECRET_ARN` (required): the secret holding the webhook URL. */
  webhookSecretId: string;
  /** `MIN_SEVERITY` (default `high`): rows below it are not posted. */
  minSeverity: Severity;
}

export class SlackNotifierSettingsError extends Error {
  override readonly name = 'SlackNotifierSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid slack-notifier environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and checks every variable at once, so a cold start names all the problems together. */
export function slackNotifierSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): SlackNotifierSettings {
  const result = parseEnvironment(SLACK_NOTIFIER_ENV, env);
  if (!result.ok) throw new SlackNotifierSettingsError(result.problems);
  return { webhookSecretId: result.value.SLACK_WEBHOOK_SECRET_ARN, minSeverity: result.value.MIN_SEVERITY };
}
