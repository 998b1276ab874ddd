/**
 * The README's pictures of the incident alert: the samples' opening alert (rendered now, through
 * the Lambda's code, by scripts/render-alert-samples.ts) drawn as a Slack message and as the
 * email on a phone (devkit/alert-screens.ts), in Debian's chromium driven by playwright-core, as
 * the reports' browser tests do. It checks that the pictures show every word of the message and
 * that nothing runs off the side, then takes the screenshots.
 *
 * CI installs chromium (.ci/run) and this test fails there without it; on a laptop without
 * chromium it is skipped with a note (`apt-get install chromium`, or CHROMIUM_PATH=...).
 *
 * The screenshots go to a temporary directory; with UPDATE_SCREENSHOTS=1 they also replace
 * docs/alerts/slack.png and docs/alerts/email.png (fonts differ between machines, so a plain
 * test run must not rewrite a tracked file).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { PHONE_WIDTH, emailScreenHtml, slackScreenHtml } from '../../devkit/alert-screens';
import { ALERTS_DIR, renderAlertSamples } from '../../scripts/render-alert-samples';

const SLACK_FRAME = { channel: 'security-alerts', appName: 'k8s-audit-analyzer', time: '09:06' };
const EMAIL_FRAME = { from: 'AWS Notifications', fromAddress: 'no-reply@sns.amazonaws.com', time: '09:06' };
/** An iPhone's screen: the email picture is what the phone shows on opening the mail. */
const PHONE_HEIGHT = 844;
const SLACK_WIDTH = 760;
/**
 * A picture larger than this has grown by mistake (the committed ones are about 210 and 240 KB
 * here; fonts differ between machines, hence the room). The device scales (1.2 for Slack, 1.75
 * for the phone) are what keeps them there while the text stays sharp at the README's width.
 */
const MAX_PNG_BYTES = 300_000;

/** The texts of the webhook body that Slack shows, with where each came from. */
function slackTexts(body: unknown): Array<{ where: string; text: string }> {
  const found: Array<{ where: string; text: string }> = [];
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if ((record.type === 'mrkdwn' || record.type === 'plain_text') && typeof record.text === 'string') found.push({ where, text: record.text });
      else for (const [key, v] of Object.entries(record)) walk(v, `${where}.${key}`);
    }
  };
  walk((body as { blocks: unknown }).blocks, 'blocks');
  return found;
}

/**
 * The stretches of a mrkdwn text that must show as written: the text cut at every piece of
 * markup (emphasis, backticks, a link's target), entities decoded, white space folded. Written
 * apart from the renderer, so a renderer that drops or mangles text cannot agree with it.
 */
function visibleRuns(mrkdwn: string): string[] {
  return mrkdwn
    .replace(/<[^|<>]*\|/g, '\n')
    .split(/[*_~`>\n]+/)
    .map((run) => run.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim())
    .filter((run) => run.length > 0);
}

const folded = (text: string) => text.replace(/\s+/g, ' ');

describeInBrowser('the alert screenshots in chromium', () => {
  jest.setTimeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'alert-screens-'));
  const samples = renderAlertSamples();
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page at a high-density device scale (a phone's is 2 or 3), with every request beyond file: noted. */
  async function open(
    name: string,
    html: string,
    size: { width: number; height: number; scale: number },
  ): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const file = join(dir, name);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: size.width, height: size.height }, deviceScaleFactor: size.scale });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, requests, errors };
  }

  /** Elements whose content is wider than their box, and the page's own overflow (evaluated as text: the test compiles without the DOM library). */
  const overflowing = (page: Page) =>
    page.evaluate<string[]>(`[document.documentElement, ...document.querySelectorAll('body *')]
      .filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth)
      .map((e) => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)`);

  /** The screenshot, kept in the temporary directory and, with UPDATE_SCREENSHOTS=1, in docs/alerts/. */
  async function shoot(page: Page, name: string, clip: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    // fullPage: the clip may reach below the viewport.
    const png = await page.screenshot({ path: join(dir, name), clip, fullPage: true, animations: 'disabled' });
    if (process.env.UPDATE_SCREENSHOTS) writeFileSync(join(ALERTS_DIR, name), png);
    return png;
  }

  it('draws every text of the Slack message, nothing off the side, and takes the picture', async () => {
    const body = JSON.parse(samples['slack.json']) as unknown;
    const { page, requests, errors } = await open('slack.html', slackScreenHtml(body, SLACK_FRAME), { width: SLACK_WIDTH, height: 900, scale: 1.2 });
    const shown = folded(await page.locator('body').innerText());

    const texts = slackTexts(body);
    // The header, the sections' texts and fields, the context and the buttons are all there.
    expect(new Set(texts.map((t) => t.where.replace(/\[\d+\]/g, '[]')))).toEqual(
      new Set(['blocks[].text', 'blocks[].fields[]', 'blocks[].elements[]', 'blocks[].elements[].text']),
    );
    const missing = texts.flatMap(({ where, text }) =>
      visibleRuns(text)
        .filter((run) => !shown.includes(run))
        .map((run) => `${where}: ${run}`),
    );
    expect(missing).toEqual([]);
    // Markup is drawn, not shown: no fence, no link target, no entity is left in the text.
    expect(shown).not.toMatch(/```|\|Rule documentation>|&amp;|&lt;/);
    await expect(page.locator('.block.header').innerText()).resolves.toMatch(/^Critical incident: /);
    await expect(page.locator('.block.actions .button').count()).resolves.toBe(
      texts.filter((t) => t.where.endsWith('].text') && /elements/.test(t.where)).length,
    );

    expect(await overflowing(page)).toEqual([]);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);

    // The picture: the channel down to the first finding group's buttons (the other groups repeat
    // its shape), so it stays legible at the README's width.
    const top = await page.locator('.channel').boundingBox();
    const firstGroupEnd = await page.locator('.block.actions').first().boundingBox();
    if (!top || !firstGroupEnd) throw new Error('the channel or its first actions block is not laid out');
    const png = await shoot(page, 'slack.png', { x: 0, y: 0, width: top.width, height: Math.ceil(firstGroupEnd.y + firstGroupEnd.height + 12) });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeLessThan(MAX_PNG_BYTES);
    await page.close();
  });

  it('shows hostile text as text, runs nothing, and catches a line wider than the phone', async () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const slack = slackScreenHtml(
      { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: hostile.replace(/</g, '&lt;').replace(/>/g, '&gt;'), verbatim: true } }] },
      SLACK_FRAME,
    );
    const wide = 'x'.repeat(80);
    const email = emailScreenHtml(`Subject: ${hostile}\n\n${hostile}\n${wide}\n`, EMAIL_FRAME);
    for (const [name, html, size] of [
      ['hostile-slack.html', slack, { width: SLACK_WIDTH, height: 400, scale: 1 }],
      ['hostile-email.html', email, { width: PHONE_WIDTH, height: PHONE_HEIGHT, scale: 1 }],
    ] as const) {
      const { page, requests, errors } = await open(name, html, size);
      await expect(page.locator('body img, body script').count()).resolves.toBe(0);
      await expect(page.locator('body').innerText()).resolves.toContain(hostile);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      if (name === 'hostile-email.html') expect(await overflowing(page)).toContainEqual(expect.stringMatching(/^PRE\.body /));
      await page.close();
    }
  });

  it('shows every line of the email on a phone, 72 columns across without overflow, and takes the picture', async () => {
    const { page, requests, errors } = await open('email.html', emailScreenHtml(samples['email.txt'], EMAIL_FRAME), {
      width: PHONE_WIDTH,
      height: PHONE_HEIGHT,
      scale: 1.75,
    });
    const shown = await page.locator('body').innerText();
    const [subjectLine, ...lines] = samples['email.txt'].split('\n');
    expect(subjectLine).toMatch(/^Subject: /);
    await expect(page.locator('.subject').innerText()).resolves.toBe(subjectLine.slice('Subject: '.length));
    // The body keeps its lines as sent: each one is a whole line of the page.
    const shownLines = new Set(shown.split('\n'));
    const missing = lines.filter((line) => line.trim() !== '' && !shownLines.has(line));
    expect(missing).toEqual([]);
    expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThanOrEqual(70);

    expect(await overflowing(page)).toEqual([]);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);

    // The picture is the phone's screen on opening the mail.
    const png = await shoot(page, 'email.png', { x: 0, y: 0, width: PHONE_WIDTH, height: PHONE_HEIGHT });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeLessThan(MAX_PNG_BYTES);
    await page.close();
  });
});
