// Types only: the Lambda bundle carries no code of @slack/types.
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import type { Severity } from '../finding';
import { severityRank } from '../finding';
import type { IncidentBody, ToldGroup } from './incident-body';
import { recapText, targetText } from './incident-email';
import { endedFacts, isEnding, plural, timeRange } from './incident-ending';
import { displayText } from '../report/display-text';
import { SLACK_LIMITS, clipUnits, escapeMrkdwn, escapeMrkdwnCode, linkFor } from './slack-text';

/**
 * An incident alert as a Slack message: top-level Block Kit blocks (a header, the title sentence,
 * the incident's context, then per told group a section with fields, a section with what to do and
 * a row of link buttons), within Slack's documented limits (`SLACK_LIMITS`).
 *
 * Escaping as in slack-text.ts: every value from the logs is `escapeMrkdwn`ed (no `<!channel>`, no
 * mention, no `<url|label>` link), inside code blocks backticks are shown as `ˋ`, mrkdwn objects
 * are `verbatim`, the header (plain_text) holds our words only (severity and the rule's title), and button URLs are only those `linkFor` vouches for (https, re-serialised).
 */

export interface IncidentSlackMessage {
  /** The notification text (mrkdwn, escaped): shown where blocks cannot be. */
  text: string;
  blocks: KnownBlock[];
  /** An attacker's URL in a log value must not be fetched and previewed in the channel. */
  unfurl_links: false;
  unfurl_media: false;
}

export interface IncidentSlackRender {
  body: IncidentSlackMessage;
  severity: Severity;
  groupsPosted: number;
  groupsLeftOut: number;
}

const FIXED_BLOCKS = 5; // header, title, context, what's new, "…and N more"
const BLOCKS_PER_GROUP = 3;

/** The message, or `undefined` when the incident is below `minSeverity` (its told groups below it are left out and counted). */
export function incidentSlackMessage(body: IncidentBody, minSeverity: Severity = 'info'): IncidentSlackRender | undefined {
  const min = severityRank(minSeverity);
  if (severityRank(body.incident.severity) < min) return undefined;
  if (isEnding(body.alert)) return endedSlackMessage(body, minSeverity);
  const shown = body.told.filter((g) => severityRank(g.severity) >= min);
  const below = body.told.length - shown.length;
  const i = body.incident;

  const prefix = body.alert === 'test' ? '[TEST] ' : body.alert === 'updated' ? 'Update: ' : '';
  const top = body.told[0];
  // The rule's title, which the analyzer copies from the registry: not a log value.
  const ruleTitle = top ? displayText(top.title) : 'finding';
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clipUnits(`${prefix}${capitalise(i.severity)} incident: ${ruleTitle}`, SLACK_LIMITS.headerText), emoji: false },
  };
  const title: SectionBlock = { type: 'section', text: mrkdwn(clipUnits(`*${escapeMrkdwn(body.title)}*`, SLACK_LIMITS.sectionText)) };
  const blocks: KnownBlock[] = [header, title, incidentContext(body)];
  const news = [
    ...(body.alert === 'test' ? ['*This is a test alert:* a sample incident, sent on request. Nothing happened in your cluster.'] : []),
    ...(body.whatsNew ? [`*What's new:* ${escapeMrkdwn(clipUnits(body.whatsNew, 1000))}`] : []),
    ...(i.chain ? [`*Chain:* ${escapeMrkdwn(clipUnits(i.chain, 1000))}`] : []),
  ];
  if (news.length > 0) blocks.push({ type: 'section', text: mrkdwn(news.join('\n')) });

  const room = Math.floor((SLACK_LIMITS.blocks - FIXED_BLOCKS) / BLOCKS_PER_GROUP);
  const posted = shown.slice(0, room);
  posted.forEach((g, n) => blocks.push(...groupBlocks(g, n + 1)));
  const leftOut = shown.length - posted.length + body.omittedTold;
  const notes = [
    ...(leftOut > 0
      ? [
          `…and ${leftOut} more finding group${leftOut === 1 ? '' : 's'}${body.omittedTold > 0 ? ` (${body.omittedTold} left out of the alert to fit SNS)` : ''}`,
        ]
      : []),
    ...(below > 0 ? [`${below} finding group${below === 1 ? '' : 's'} below ${minSeverity} not shown`] : []),
  ];
  if (notes.length > 0) blocks.push({ type: 'context', elements: notes.map(mrkdwn) });

  return {
    body: { text: clipUnits(escapeMrkdwn(body.title), 300), blocks, unfurl_links: false, unfurl_media: false },
    severity: i.severity,
    groupsPosted: posted.length,
    groupsLeftOut: leftOut,
  };
}

/** Where, who, when and which incident, as context under the title of every incident message. */
function incidentContext(body: IncidentBody): ContextBlock {
  const i = body.incident;
  const who = [
    `*Who:* ${escapeMrkdwn(clipUnits(i.principal.display, 300))}`,
    ...(i.principal.impersonated?.length
      ? [
          `impersonating ${i.principal.impersonated
            .slice(0, 5)
            .map((u) => escapeMrkdwn(clipUnits(u, 200)))
            .join(', ')}`,
        ]
      : []),
  ].join(' ');
  return {
    type: 'context',
    elements: [
      mrkdwn(`*Cluster:* ${escapeMrkdwn(clipUnits(i.cluster, 200))}`),
      mrkdwn(clipUnits(who, 2000)),
      mrkdwn(`*When:* ${escapeMrkdwn(timeRange(i.firstSeen, i.lastSeen))}`),
      mrkdwn(
        `*Incident:* \`${escapeMrkdwnCode(clipUnits(i.id, 200))}\` (${i.state}; ${plural(i.groupCount, 'finding group')}, ${plural(i.findingCount, 'finding')})`,
      ),
    ],
  };
}

/** Recap lines are packed into sections of this many at most; the rest of the block budget is fixed blocks. */
const RECAP_SECTIONS_MAX = SLACK_LIMITS.blocks - FIXED_BLOCKS;
const RECAP_LINE_MAX = 600;

/**
 * A final summary (`quiet`, `closed`): a header saying it ended, the title, the context, how it
 * ended and whether it was told before with the totals, then a line per group (no cards), packed
 * into sections within Slack's limits. Groups below `minSeverity` are counted, not shown.
 */
function endedSlackMessage(body: IncidentBody, minSeverity: Severity): IncidentSlackRender {
  const i = body.incident;
  const min = severityRank(minSeverity);
  const recap = body.recap ?? [];
  const shown = recap.filter((g) => severityRank(g.severity) >= min);
  const below = recap.length - shown.length;
  const lead = recap[0] ? `: ${displayText(recap[0].title)}` : '';
  // Our words only: the closer's name and reason are in the title section, escaped.
  const how = body.alert === 'closed' ? 'Closed' : 'Ended (quiet)';
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clipUnits(`${how}: ${capitalise(i.severity)} incident${lead}`, SLACK_LIMITS.headerText), emoji: false },
  };
  const title: SectionBlock = { type: 'section', text: mrkdwn(clipUnits(`*${escapeMrkdwn(body.title)}*`, SLACK_LIMITS.sectionText)) };
  const left =
    i.omitted.groups > 0 ? `; ${plural(i.omitted.groups, 'less severe group')} with ${plural(i.omitted.findings, 'finding')} left out to keep it bounded` : '';
  const facts = [
    "*This is the incident's final summary.*",
    ...endedFacts(i).map(([label, value]) => `*${label}:* ${escapeMrkdwn(clipUnits(value, 1000))}`),
    `*Final severity:* ${i.severity} · *Totals:* ${plural(i.groupCount, 'finding group')}, ${plural(i.findingCount, 'finding')}${left}`,
  ];
  const blocks: KnownBlock[] = [header, title, incidentContext(body), { type: 'section', text: mrkdwn(clipUnits(facts.join('\n'), SLACK_LIMITS.sectionText)) }];

  const lines = shown.map((g) =>
    clipUnits(`• *${g.severity.toUpperCase()}* ${escapeMrkdwn(clipUnits(g.title, 200))}: ${escapeMrkdwn(clipUnits(recapText(g), 400))}`, RECAP_LINE_MAX),
  );
  let posted = 0;
  let section = '';
  let sections = 0;
  for (const line of lines) {
    if (section !== '' && section.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      if (sections + 1 >= RECAP_SECTIONS_MAX) break;
      blocks.push({ type: 'section', text: mrkdwn(section) });
      sections++;
      section = '';
    }
    section = section === '' ? line : `${section}\n${line}`;
    posted++;
  }
  if (section !== '') blocks.push({ type: 'section', text: mrkdwn(section) });
  const leftOut = shown.length - posted + (body.omittedRecap ?? 0);
  const notes = [
    ...(leftOut > 0 ? [`…and ${plural(leftOut, 'more finding group')}`] : []),
    ...(below > 0 ? [`${plural(below, 'finding group')} below ${minSeverity} not shown`] : []),
  ];
  if (notes.length > 0) blocks.push({ type: 'context', elements: notes.map(mrkdwn) });
  return {
    body: { text: clipUnits(escapeMrkdwn(body.title), 300), blocks, unfurl_links: false, unfurl_media: false },
    severity: i.severity,
    groupsPosted: posted,
    groupsLeftOut: leftOut,
  };
}

function groupBlocks(g: ToldGroup, n: number): KnownBlock[] {
  const guide = g.guide;
  const summary: SectionBlock = {
    type: 'section',
    text: mrkdwn(
      clipUnits(
        `*${n}. ${g.severity.toUpperCase()}: ${escapeMrkdwn(clipUnits(g.title, 200))}* (\`${escapeMrkdwnCode(clipUnits(g.ruleId, 100))}\`)\n${escapeMrkdwn(g.summary)}`,
        SLACK_LIMITS.sectionText,
      ),
    ),
    fields: [
      field('When', `${timeRange(g.firstSeen, g.lastSeen)} (${g.count} finding${g.count === 1 ? '' : 's'})`),
      field('Who', g.usernames),
      field('Identity groups', g.identityGroups),
      field('Source IPs', g.sourceIPs),
      field('User agent', g.userAgents),
      field('Target', targetText(g)),
      field('Audit IDs', g.auditIDs, true),
      field('Read from', g.sources),
    ],
  };

  const parts: string[] = [`*Remediation:* ${escapeMrkdwn(clipUnits(guide.remediation, 800))}`];
  if (guide.show.length > 0) parts.push(`*Show it:*\n${code(guide.show.join('\n'), 500)}`);
  if (guide.undo.length > 0) parts.push(`*Undo it:*\n${code(guide.undo.join('\n'), 500)}`);
  if (guide.undoNote) parts.push(`_${escapeMrkdwn(clipUnits(guide.undoNote, 400))}_`);
  if (guide.logsInsights)
    parts.push(`*Raw events* (Logs Insights on \`${escapeMrkdwnCode(clipUnits(guide.logsInsights.logGroup, 200))}\`):\n${code(guide.logsInsights.query, 800)}`);
  if (guide.scanCommands.length > 0) parts.push(`*Raw events from S3:*\n${code(guide.scanCommands.slice(0, 3).join('\n'), 600)}`);
  const actions: SectionBlock = { type: 'section', text: mrkdwn(clipUnits(parts.join('\n'), SLACK_LIMITS.sectionText)) };

  const buttons: Button[] = [];
  const add = (label: string, uri: string | undefined): void => {
    const url = uri ? linkFor(uri, SLACK_LIMITS.buttonUrl) : undefined;
    if (url) buttons.push({ type: 'button', action_id: `g${n}-${buttons.length}`, text: { type: 'plain_text', text: label, emoji: false }, url });
  };
  add('Rule documentation', guide.ruleDocUrl);
  add('Logs Insights', guide.logsInsights?.consoleUrl);
  guide.objectUrls.slice(0, 3).forEach((u, k) => add(guide.objectUrls.length > 1 ? `Source object ${k + 1}` : 'Source object', u));
  const row: ActionsBlock = { type: 'actions', elements: buttons };
  return buttons.length > 0 ? [summary, actions, row] : [summary, actions];
}

/** A field: `*Label*` then the values, one a line, escaped; at most 2000 characters. */
function field(label: string, value: string | readonly string[], asCode = false): MrkdwnElement {
  const values = typeof value === 'string' ? [value] : value.length > 0 ? value : ['none recorded'];
  const shown = values.map((v) => (asCode && v !== 'none recorded' ? `\`${escapeMrkdwnCode(clipUnits(v, 300))}\`` : escapeMrkdwn(clipUnits(v, 600))));
  let text = `*${label}*`;
  for (const v of shown) {
    if (text.length + 1 + v.length > SLACK_LIMITS.fieldText - 20) {
      text += '\n…';
      break;
    }
    text += `\n${v}`;
  }
  return mrkdwn(text);
}

/** A ``` block of our command text with log values inside: escaped, backticks shown as `ˋ`, cut by lines. */
function code(text: string, max: number): string {
  // Line by line: the line breaks are ours (a value cannot hold one: escapeMrkdwnCode shows it as `\u{a}`).
  return '```\n' + clipUnits(text.split('\n').map(escapeMrkdwnCode).join('\n'), max) + '\n```';
}

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
