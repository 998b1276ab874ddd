import { displayText } from '../report/display-text';

/**
 * Slack's text rules, shared by the Slack, Amazon Q Developer and report messages: what comes from
 * the logs is escaped, and only links we can vouch for are made.
 */

/**
 * A value from the logs as mrkdwn text: controls shown as `\u{…}` (`displayText`), then `&`, `<`,
 * `>` as entities, so nothing becomes a `<!channel>`, a `<@U…>` mention or a `<url|label>` link.
 * The `@` of `@channel`, `@here`, `@everyone` and `@group` is written as `＠` (U+FF20): plain, they
 * notify everyone wherever a client parses names (`link_names`), and we do not know every client
 * that reads these bodies. Other `@`s (`alice@example.com`) stay.
 */
export function escapeMrkdwn(value: string): string {
  return displayText(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone|group)\b/gi, '\uff20$1');
}

/** A value from the logs inside a `code span` or ``` block: escaped, and backticks shown as `ˋ` (U+02CB) so nothing can close it. */
export function escapeMrkdwnCode(value: string): string {
  return escapeMrkdwn(value.replace(/`/g, '\u02cb'));
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_URL = 2000;

/**
 * Where a reader can open an object: `s3://bucket/key` → the S3 console, an https URL as it is
 * (re-serialised; `|` encoded so it cannot split the link), anything else → `undefined`.
 */
export function linkFor(uri: string, maxLength = MAX_URL): string | undefined {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3) {
    if (!BUCKET.test(s3[1])) return undefined;
    const consoleUrl = `https://console.aws.amazon.com/s3/object/${s3[1]}?prefix=${encodeURIComponent(s3[2])}`;
    return consoleUrl.length <= MAX_URL ? consoleUrl : undefined;
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return undefined;
  const href = url.href.replace(/\|/g, '%7C');
  return href.length <= maxLength ? href : undefined;
}

/** At most `max` UTF-16 units (what Slack and Amazon Q count), `…` when cut; never half a surrogate pair. */
export function clipUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  if (end > 0 && /[\ud800-\udbff]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

/** Slack's limits (Block Kit reference: blocks, section, header, actions, button): every Slack renderer keeps to these. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  actionId: 255,
} as const;
