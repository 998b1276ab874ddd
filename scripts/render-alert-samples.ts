/**
 * Writes the alerts of the samples' story (devkit/incident-story.ts) as they are sent: for the
 * opening alert docs/alerts/email.txt (the SNS email body) and docs/alerts/slack.json (what the
 * Slack notifier posts to the webhook), and the same for the incident's final summaries
 * (email-quiet.txt, slack-quiet.json, email-closed.txt, slack-closed.json), so the README's
 * screenshots and these files come from the same code as the Lambda (a test fails when they are
 * stale). Run with `npm run docs:alerts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORY_LINKS, storyAlert } from '../devkit/incident-story';
import { buildIncidentAlert } from '../lambdas/core/alert/incident-message';
import { slackMessageFor } from '../lambdas/core/alert/slack-message';
import { DEFAULT_ALERT_MINIMUM } from '../lambdas/core/finding';
import type { IncidentAlert } from '../lambdas/core/incident/types';

export const ALERTS_DIR = join(__dirname, '..', 'docs', 'alerts');

/** The alerts rendered, by the suffix of their files (`email.txt`, `email-quiet.txt`, …). */
const SAMPLED: readonly { kind: IncidentAlert['kind']; suffix: string }[] = [
  { kind: 'opened', suffix: '' },
  { kind: 'quiet', suffix: '-quiet' },
  { kind: 'closed', suffix: '-closed' },
];

/** Per file name in docs/alerts: the email body (with its subject first, as a mail client shows it) or the Slack webhook body. */
export function renderAlertSamples(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const { kind, suffix } of SAMPLED) {
    const alert = buildIncidentAlert(storyAlert(kind), STORY_LINKS);
    const bodies = JSON.parse(alert.Message) as { email: string; lambda: string };
    const render = slackMessageFor({ subject: alert.Subject, message: bodies.lambda }, { minSeverity: DEFAULT_ALERT_MINIMUM });
    if (render?.kind !== 'incident') throw new Error(`the Slack notifier did not render the ${kind} incident alert`);
    files[`email${suffix}.txt`] = `Subject: ${alert.Subject}\n\n${bodies.email}`;
    files[`slack${suffix}.json`] = JSON.stringify(render.body, null, 2) + '\n';
  }
  return files;
}

if (require.main === module) {
  mkdirSync(ALERTS_DIR, { recursive: true });
  const files = renderAlertSamples();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(ALERTS_DIR, name), text);
  console.log(`wrote ${Object.keys(files).join(', ')} in ${ALERTS_DIR}`);
}
