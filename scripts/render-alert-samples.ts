/**
 * Writes the opening alert of the samples' story (devkit/incident-story.ts) as it is sent:
 * docs/alerts/email.txt (the SNS email body) and docs/alerts/slack.json (what the Slack notifier
 * posts to the webhook), so the README's screenshots and these files come from the same code as
 * the Lambda (a test fails when they are stale). Run with `npm run docs:alerts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORY_LINKS, storyAlert } from '../devkit/incident-story';
import { buildIncidentAlert } from '../lambdas/core/alert/incident-message';
import { slackMessageFor } from '../lambdas/core/alert/slack-message';
import { DEFAULT_ALERT_MINIMUM } from '../lambdas/core/finding';

export const ALERTS_DIR = join(__dirname, '..', 'docs', 'alerts');
export const EMAIL_SAMPLE = join(ALERTS_DIR, 'email.txt');
export const SLACK_SAMPLE = join(ALERTS_DIR, 'slack.json');

/** The email body (with its subject first, as a mail client shows it) and the Slack webhook body. */
export function renderAlertSamples(): { email: string; slack: string } {
  const alert = buildIncidentAlert(storyAlert('opened'), STORY_LINKS);
  const bodies = JSON.parse(alert.Message) as { email: string; lambda: string };
  const render = slackMessageFor({ subject: alert.Subject, message: bodies.lambda }, { minSeverity: DEFAULT_ALERT_MINIMUM });
  if (render?.kind !== 'incident') throw new Error('the Slack notifier did not render the incident');
  return { email: `Subject: ${alert.Subject}\n\n${bodies.email}`, slack: JSON.stringify(render.body, null, 2) + '\n' };
}

if (require.main === module) {
  const { email, slack } = renderAlertSamples();
  mkdirSync(ALERTS_DIR, { recursive: true });
  writeFileSync(EMAIL_SAMPLE, email);
  writeFileSync(SLACK_SAMPLE, slack);
  console.log(`wrote ${EMAIL_SAMPLE} and ${SLACK_SAMPLE}`);
}
