import { readFileSync } from 'node:fs';
import { EMAIL_SAMPLE, SLACK_SAMPLE, renderAlertSamples } from '../../scripts/render-alert-samples';

describe('docs/alerts', () => {
  it('are current: regenerate them with `npm run docs:alerts`', () => {
    const { email, slack } = renderAlertSamples();
    expect(readFileSync(EMAIL_SAMPLE, 'utf8')).toBe(email);
    expect(readFileSync(SLACK_SAMPLE, 'utf8')).toBe(slack);
  });

  it('hold the opening alert of the samples’ story: jordan.lee in prod-eu, within 72 columns', () => {
    const { email, slack } = renderAlertSamples();
    expect(email).toMatch(/^Subject: jordan\.lee requested a token.*\n\njordan\.lee \(arn:aws:iam::…:user\/jordan\.lee\) requested a token for\n/);
    for (const line of email.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(72);
    expect((JSON.parse(slack) as { blocks: unknown[] }).blocks.length).toBeGreaterThan(4);
  });
});
