import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_DIR, renderAlertSamples } from '../../scripts/render-alert-samples';

describe('docs/alerts', () => {
  const files = renderAlertSamples();

  it('are current: regenerate them with `npm run docs:alerts`', () => {
    for (const [name, text] of Object.entries(files)) expect([name, readFileSync(join(ALERTS_DIR, name), 'utf8')]).toEqual([name, text]);
    // Nothing stale is left behind that no code renders any more.
    // (The PNGs are the browser test's screenshots of these files.)
    expect(
      readdirSync(ALERTS_DIR)
        .filter((name) => !name.endsWith('.png'))
        .sort(),
    ).toEqual(Object.keys(files).sort());
  });

  it('hold the opening alert of the samples’ story: jordan.lee in prod-eu, within 72 columns', () => {
    const email = files['email.txt'];
    expect(email).toMatch(/^Subject: jordan\.lee requested a token.*\n\njordan\.lee \(arn:aws:iam::…:user\/jordan\.lee\) requested a token for\n/);
    for (const line of email.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(72);
    expect((JSON.parse(files['slack.json']) as { blocks: unknown[] }).blocks.length).toBeGreaterThan(4);
  });

  it('hold the final summaries of the story: quiet, and closed by carla.rossi, within 72 columns', () => {
    expect(files['email-quiet.txt']).toMatch(/^Subject: Ended, quiet after 1 h 5 min: jordan\.lee .* in prod-eu\n/);
    expect(files['email-closed.txt']).toMatch(/^Subject: Closed by carla\.rossi \(stolen key confirmed\.\.\.\): jordan\.lee .* in prod-eu\n/);
    for (const name of ['email-quiet.txt', 'email-closed.txt'])
      for (const line of files[name].split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(72);
    const header = (name: string): string => (JSON.parse(files[name]) as { blocks: { text: { text: string } }[] }).blocks[0].text.text;
    expect(header('slack-quiet.json')).toBe('Ended (quiet): Critical incident: Service account token minted (TokenRequest)');
    expect(header('slack-closed.json')).toBe('Closed: Critical incident: Service account token minted (TokenRequest)');
  });
});
