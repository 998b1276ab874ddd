/**
 * HTML pages that look like the two places an incident alert is read: a phone mail client showing
 * the SNS email, and a Slack channel showing the webhook's Block Kit message. The browser test
 * (test/browser/alert-screens.test.ts) renders them from the current samples
 * (scripts/render-alert-samples.ts) and takes the README's screenshots.
 *
 * The alert's text is attacker-influenced, so every value is HTML-escaped; the only markup made
 * is the small mrkdwn subset Slack's notifier uses. A block, element, key or mrkdwn form this
 * renderer does not know throws: a picture must never drop part of the message without a word.
 */

/** What a picture shows around the message (not part of the alert). */
export interface ScreenFrame {
  /** The time shown beside the message, as the client prints it (`09:06`). */
  time: string;
}

export interface SlackFrame extends ScreenFrame {
  /** The channel the webhook posts to, without `#`. */
  channel: string;
  /** The app's name on the message (the incoming webhook's app). */
  appName: string;
}

export interface EmailFrame extends ScreenFrame {
  /** The sender as the mail client shows it. */
  from: string;
  fromAddress: string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Slack's own three entities, the only ones mrkdwn knows; any other `&…;` is shown as written. */
function decodeSlackEntities(value: string): string {
  return value.replace(/&(lt|gt|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&' })[name] ?? '');
}

/** Text as Slack shows it, made safe for HTML: entities decoded, then everything escaped. */
function slackText(value: string): string {
  return escapeHtml(decodeSlackEntities(value));
}

// Placeholders for rendered code and links while emphasis is parsed around them. U+E000 is a
// private-use character: real input carrying it is rejected below rather than trusted.
const MARK = '\ue000';

/** An http(s) or mailto link target; Slack would render anything else differently. */
function linkHtml(inner: string): string {
  const bar = inner.indexOf('|');
  const url = decodeSlackEntities(bar < 0 ? inner : inner.slice(0, bar));
  const label = bar < 0 ? url : decodeSlackEntities(inner.slice(bar + 1));
  if (!/^(?:https?:\/\/|mailto:)/i.test(url)) throw new Error(`mrkdwn: <${inner}> is a mention, a channel or a link this renderer does not draw`);
  return `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
}

/** Bold, italic and strike, on text already escaped (whose only `*`, `_`, `~` are the writer's). */
function emphasis(html: string): string {
  const pair = (marker: string, tag: string) => {
    const m = marker === '*' ? '\\*' : marker; // the u flag rejects needless escapes
    // Slack's rule: the marker opens after a space or punctuation, closes before one, and the
    // span neither starts nor ends with a space.
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\p{L}\\p{N}${m}])`, 'gmu');
    return (text: string) => text.replace(pattern, (_, before: string, body: string) => `${before}<${tag}>${body}</${tag}>`);
  };
  return [pair('*', 'b'), pair('_', 'i'), pair('~', 's')].reduce((text, apply) => apply(text), html);
}

/** One stretch of mrkdwn outside code blocks: inline code, links, emphasis, entities. */
function inlineMrkdwn(text: string): string {
  const rendered: string[] = [];
  const hold = (html: string) => `${MARK}${rendered.push(html) - 1}${MARK}`;
  const held = text
    .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${slackText(code)}</code>`))
    .replace(/<([^<>\n]*)>/g, (_, inner: string) => hold(linkHtml(inner)));
  const html = emphasis(slackText(held));
  return html.replace(new RegExp(`${MARK}(\\d+)${MARK}`, 'g'), (_, index: string) => rendered[Number(index)]);
}

/**
 * Slack mrkdwn as HTML: ``` blocks, `code`, *bold*, _italic_, ~strike~, <url|label> links and
 * Slack's entities; everything else escaped. Newlines stay newlines (the page uses pre-wrap).
 */
export function mrkdwnToHtml(text: string): string {
  if (text.includes(MARK)) throw new Error('mrkdwn: the text carries U+E000, which this renderer reserves');
  const parts = text.split(/(```[\s\S]*?```)/);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return `<pre>${slackText(part.slice(3, -3).replace(/^\n/, '').replace(/\n$/, ''))}</pre>`;
      // A fence is a block of its own: the newline beside it is the block's edge, not a blank line.
      const afterFence = index > 0 ? part.replace(/^\n/, '') : part;
      return inlineMrkdwn(index < parts.length - 1 ? afterFence.replace(/\n$/, '') : afterFence);
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Slack

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fails on any key not in `known`: a key we do not draw may be content we would drop. */
function expectKeys(where: string, value: unknown, known: readonly string[]): Json {
  if (!isObject(value)) throw new Error(`${where}: expected an object, got ${JSON.stringify(value)}`);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${where}: ${unknown.join(', ')} not drawn by this renderer`);
  return value;
}

function expectString(where: string, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
  return value;
}

function expectArray(where: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array`);
  return value;
}

/** A text object: plain_text escaped as it is, mrkdwn through the subset. */
function textObject(where: string, value: unknown): string {
  const type = isObject(value) ? value.type : undefined;
  if (type !== 'plain_text' && type !== 'mrkdwn') throw new Error(`${where}: text type ${JSON.stringify(type)} not drawn by this renderer`);
  const body = expectString(`${where}.text`, expectKeys(where, value, ['type', 'text', 'emoji', 'verbatim']).text);
  return type === 'plain_text' ? escapeHtml(body) : mrkdwnToHtml(body);
}

function button(where: string, value: unknown): string {
  const type = isObject(value) ? value.type : undefined;
  if (type !== 'button') throw new Error(`${where}: element type ${JSON.stringify(type)} not drawn by this renderer`);
  const b = expectKeys(where, value, ['type', 'text', 'url', 'action_id', 'value', 'style']);
  const style = b.style === 'primary' || b.style === 'danger' ? ` ${b.style}` : '';
  return `<span class="button${style}">${textObject(`${where}.text`, b.text)}</span>`;
}

function block(where: string, value: unknown): string {
  const type = isObject(value) ? value.type : undefined;
  switch (type) {
    case 'header': {
      const b = expectKeys(where, value, ['type', 'text', 'block_id']);
      return `<div class="block header">${textObject(`${where}.text`, b.text)}</div>`;
    }
    case 'section': {
      const b = expectKeys(where, value, ['type', 'text', 'fields', 'block_id']);
      const text = b.text === undefined ? '' : `<div class="text">${textObject(`${where}.text`, b.text)}</div>`;
      const fields =
        b.fields === undefined
          ? ''
          : `<div class="fields">${expectArray(`${where}.fields`, b.fields)
              .map((f, i) => `<div class="field">${textObject(`${where}.fields[${i}]`, f)}</div>`)
              .join('')}</div>`;
      return `<div class="block section">${text}${fields}</div>`;
    }
    case 'context': {
      const b = expectKeys(where, value, ['type', 'elements', 'block_id']);
      const elements = expectArray(`${where}.elements`, b.elements).map((e, i) => `<span class="element">${textObject(`${where}.elements[${i}]`, e)}</span>`);
      return `<div class="block context">${elements.join('')}</div>`;
    }
    case 'divider':
      expectKeys(where, value, ['type', 'block_id']);
      return '<hr class="block divider">';
    case 'actions': {
      const b = expectKeys(where, value, ['type', 'elements', 'block_id']);
      const elements = expectArray(`${where}.elements`, b.elements).map((e, i) => button(`${where}.elements[${i}]`, e));
      return `<div class="block actions">${elements.join('')}</div>`;
    }
    default:
      throw new Error(`${where}: block type ${JSON.stringify(type)} not drawn by this renderer`);
  }
}

const PAGE_STYLE = `
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1d1c1d; font: 15px/1.47 "Lato", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
a { color: #1264a3; text-decoration: none; }
code { font: 12px "DejaVu Sans Mono", Menlo, monospace; color: #c01343; background: #f6f6f6; border: 1px solid #dddddd; border-radius: 3px; padding: 1px 3px; }
pre { font: 12px/1.5 "DejaVu Sans Mono", Menlo, monospace; background: #f8f8f8; border: 1px solid #dddddd; border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
`;

const SLACK_STYLE = `${PAGE_STYLE}
.channel { width: 760px; }
.channel-header { display: flex; align-items: center; gap: 6px; height: 49px; padding: 0 20px; border-bottom: 1px solid #e2e2e2; font-weight: 900; font-size: 18px; }
.channel-header .hash { color: #616061; font-weight: 400; }
.message { display: flex; gap: 8px; padding: 8px 20px 16px; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; background: #326ce5; color: #fff; font-weight: 900; font-size: 13px; display: flex; align-items: center; justify-content: center; margin-top: 4px; }
.content { flex: 1; min-width: 0; }
.meta { display: flex; align-items: baseline; gap: 6px; }
.meta .name { font-weight: 900; }
.meta .app { font-size: 10px; font-weight: 700; color: #616061; background: #e8e8e8; border-radius: 2px; padding: 0 3px; }
.meta .time { font-size: 12px; color: #616061; }
.block { margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.block.header { font-size: 18px; font-weight: 900; line-height: 1.33; margin: 6px 0 8px; }
.block.section .text + .fields { margin-top: 8px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
.field { min-width: 0; }
.block.context { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: #616061; }
.block.context code { font-size: 11px; }
.block.divider { border: 0; border-top: 1px solid #e2e2e2; margin: 12px 0; }
.block.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 16px; }
.button { font-size: 13px; font-weight: 700; border: 1px solid #bbbabb; border-radius: 4px; padding: 3px 12px; white-space: nowrap; }
.button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.button.danger { color: #e01e5a; }
`;

/**
 * A Slack channel showing the webhook body (the JSON text the notifier posts, or its parsed value).
 * Only the blocks are drawn, as Slack does: the top-level `text` is the notification fallback.
 */
export function slackScreenHtml(body: unknown, frame: SlackFrame): string {
  const message = expectKeys('message', typeof body === 'string' ? (JSON.parse(body) as unknown) : body, ['text', 'blocks', 'unfurl_links', 'unfurl_media']);
  const blocks = expectArray('message.blocks', message.blocks).map((b, i) => block(`blocks[${i}]`, b));
  const initials = escapeHtml(
    frame.appName
      .replace(/[^\p{L}\p{N}]/gu, '')
      .slice(0, 2)
      .toUpperCase(),
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>#${escapeHtml(frame.channel)}</title><style>${SLACK_STYLE}</style></head>
<body><div class="channel">
<div class="channel-header"><span class="hash">#</span>${escapeHtml(frame.channel)}</div>
<div class="message"><div class="avatar">${initials}</div><div class="content">
<div class="meta"><span class="name">${escapeHtml(frame.appName)}</span><span class="app">APP</span><span class="time">${escapeHtml(frame.time)}</span></div>
<div class="blocks">${blocks.join('\n')}</div>
</div></div></div></body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// Email

/** The width of an iPhone's screen in CSS pixels (390 × 844), the phone the picture draws. */
export const PHONE_WIDTH = 390;
/** The columns the email wraps at (incident-email.ts): the monospace body fits them exactly. */
const EMAIL_COLUMNS = 72;
const EMAIL_PADDING = 8;
// DejaVu Sans Mono's advance is 0.602 em: 72 columns fill the screen less its padding.
const EMAIL_FONT_PX = Math.floor(((PHONE_WIDTH - 2 * EMAIL_PADDING) / (EMAIL_COLUMNS * 0.602)) * 100) / 100;

const EMAIL_STYLE = `${PAGE_STYLE}
body { width: ${PHONE_WIDTH}px; font-family: -apple-system, "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #000; }
.status { display: flex; justify-content: space-between; padding: 14px 28px 6px; font-size: 15px; font-weight: 700; }
.status .indicators { display: flex; align-items: center; gap: 6px; }
.signal { display: flex; align-items: flex-end; gap: 2px; height: 11px; }
.signal i { width: 3px; background: #000; border-radius: 1px; }
.signal i:nth-child(1) { height: 4px; } .signal i:nth-child(2) { height: 6px; } .signal i:nth-child(3) { height: 8px; } .signal i:nth-child(4) { height: 11px; }
.battery { width: 24px; height: 12px; border: 1.5px solid #000; border-radius: 3px; padding: 1px; position: relative; }
.battery::before { content: ""; display: block; height: 100%; width: 80%; background: #000; border-radius: 1px; }
.toolbar { display: flex; justify-content: space-between; padding: 6px 16px 10px; color: #007aff; font-size: 17px; }
.subject { font-size: 20px; font-weight: 700; line-height: 1.25; padding: 4px 16px 12px; overflow-wrap: anywhere; }
.sender { display: flex; gap: 10px; align-items: center; padding: 10px 16px; border-top: 1px solid #e5e5ea; border-bottom: 1px solid #e5e5ea; }
.sender .avatar { flex: none; width: 38px; height: 38px; border-radius: 50%; background: #8e8e93; color: #fff; font-weight: 700; display: flex; align-items: center; justify-content: center; }
.sender .who { flex: 1; min-width: 0; font-size: 15px; }
.sender .who .name { font-weight: 700; }
.sender .who .address, .sender .time { font-size: 13px; color: #8e8e93; overflow-wrap: anywhere; }
.body { margin: 0; padding: 12px ${EMAIL_PADDING}px 24px; font: ${EMAIL_FONT_PX}px/1.4 "DejaVu Sans Mono", Menlo, monospace; white-space: pre; background: none; border: 0; border-radius: 0; }
`;

/**
 * A phone's mail client showing the SNS email: the text as sent, its first line `Subject: …`
 * (as scripts/render-alert-samples.ts writes it), shown in the header, the body in monospace.
 * The body keeps its lines as they are (no wrapping of our own), so a line wider than the
 * screen shows as overflow, which the test catches.
 */
export function emailScreenHtml(email: string, frame: EmailFrame): string {
  const match = /^Subject: (.*)\n\n/.exec(email);
  if (!match) throw new Error('email: expected a first line "Subject: …" and a blank line');
  const body = email.slice(match[0].length).replace(/\n+$/, '');
  const initial = escapeHtml(frame.from.slice(0, 1).toUpperCase());
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=${PHONE_WIDTH}">
<title>${escapeHtml(match[1])}</title><style>${EMAIL_STYLE}</style></head>
<body>
<div class="status"><span>${escapeHtml(frame.time)}</span><span class="indicators"><span class="signal"><i></i><i></i><i></i><i></i></span><span class="battery"></span></span></div>
<div class="toolbar"><span>‹ Inbox</span><span>⋯</span></div>
<div class="subject">${escapeHtml(match[1])}</div>
<div class="sender"><div class="avatar">${initial}</div>
<div class="who"><div class="name">${escapeHtml(frame.from)}</div><div class="address">${escapeHtml(frame.fromAddress)}</div></div>
<div class="time">${escapeHtml(frame.time)}</div></div>
<pre class="body">${escapeHtml(body)}</pre>
</body></html>
`;
}
