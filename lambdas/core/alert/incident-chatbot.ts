import { displayText, jsonText } from '../report/display-text';
import type { IncidentBody } from './incident-body';
import { recapText, targetText } from './incident-email';
import { endedFacts, isEnding, plural, timeRange } from './incident-ending';
import { clipUnits, escapeMrkdwn, escapeMrkdwnCode } from './slack-text';

/** Limits of Amazon Q Developer custom notifications we keep well inside (as chatbot-message.ts). */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 3500;
const NEXT_STEPS_MAX = 10;
const GROUPS_MAX = 10;
/** A recap line is short: more fit than cards. */
const RECAP_MAX = 20;

/**
 * An incident alert as an Amazon Q Developer in chat applications custom notification (the
 * `https` body of the SNS message): the title sentence, per told group the severity, rule, time,
 * identity, source, target, summary and audit IDs, and as next steps the remediation, the rule's
 * documentation and the commands of the most severe group. Values from the logs are escaped for
 * Slack markdown, as in chatbot-message.ts.
 */
export function incidentChatbotNotification(body: IncidentBody): string {
  const i = body.incident;
  const title = clipUnits(escapeMrkdwn(body.title), TITLE_MAX);
  if (isEnding(body.alert)) return endedNotification(body);
  const head = [
    ...(body.alert === 'test' ? ['*This is a test alert:* a sample incident. Nothing happened in your cluster.'] : []),
    ...(body.whatsNew ? [`*What's new:* ${escapeMrkdwn(clipUnits(body.whatsNew, 500))}`] : []),
    ...(i.chain ? [`*Chain:* ${escapeMrkdwn(clipUnits(i.chain, 500))}`] : []),
    `*Incident* \`${escapeMrkdwnCode(clipUnits(i.id, 100))}\` · ${i.severity} · ${escapeMrkdwn(clipUnits(i.cluster, 100))} · ${escapeMrkdwn(timeRange(i.firstSeen, i.lastSeen))}`,
  ];
  const groups = body.told
    .slice(0, GROUPS_MAX)
    .map((g) =>
      [
        `• *${g.severity}* ${escapeMrkdwn(clipUnits(g.title, 150))} (\`${escapeMrkdwnCode(clipUnits(g.ruleId, 80))}\`), ${escapeMrkdwn(timeRange(g.firstSeen, g.lastSeen))}`,
        `  ${escapeMrkdwn(clipUnits(g.summary, 400))}`,
        `  who: ${list(g.usernames)} · groups: ${list(g.identityGroups)} · from: ${list(g.sourceIPs)} · agent: ${list(g.userAgents)}`,
        `  target: ${escapeMrkdwn(clipUnits(targetText(g), 300))} · audit IDs: ${list(g.auditIDs)}`,
      ].join('\n'),
    );
  const more = body.told.length - groups.length + body.omittedTold;
  const description = clipUnits(
    [...head, ...groups, ...(more > 0 ? [`…and ${more} more finding group${more === 1 ? '' : 's'}`] : [])].join('\n'),
    DESCRIPTION_MAX,
  );
  const top = body.told[0];
  const nextSteps = top
    ? [
        `Remediation: ${escapeMrkdwn(clipUnits(top.guide.remediation, 500))}`,
        `Rule documentation: ${escapeMrkdwn(clipUnits(top.guide.ruleDocUrl, 1000))}`,
        ...top.guide.show.map((c) => `Show it: \`${escapeMrkdwnCode(clipUnits(c, 500))}\``),
        ...top.guide.undo.map((c) => `Undo it: \`${escapeMrkdwnCode(clipUnits(c, 500))}\``),
        ...(top.guide.undoNote ? [escapeMrkdwn(clipUnits(top.guide.undoNote, 300))] : []),
        ...(top.guide.logsInsights
          ? [
              `Logs Insights on ${escapeMrkdwn(clipUnits(top.guide.logsInsights.logGroup, 200))}: \`${escapeMrkdwnCode(top.guide.logsInsights.query.replace(/\n/g, ' '))}\``,
            ]
          : []),
        ...top.guide.scanCommands.slice(0, 2).map((c) => `Raw events: \`${escapeMrkdwnCode(clipUnits(c, 500))}\``),
      ].slice(0, NEXT_STEPS_MAX)
    : [];
  return notification(body, title, description, nextSteps);
}

/**
 * A final summary (`quiet`, `closed`): how it ended, whether it was told before, the totals and a
 * line per group; no next steps of a group (the opening alert had them). Threaded with the
 * incident's other alerts.
 */
function endedNotification(body: IncidentBody): string {
  const i = body.incident;
  const title = clipUnits(escapeMrkdwn(body.title), TITLE_MAX);
  const left = i.omitted.groups > 0 ? `; ${plural(i.omitted.groups, 'less severe group')} with ${plural(i.omitted.findings, 'finding')} left out` : '';
  const head = [
    "*This is the incident's final summary.*",
    ...endedFacts(i).map(([label, value]) => `*${label}:* ${escapeMrkdwn(clipUnits(value, 500))}`),
    `*Incident* \`${escapeMrkdwnCode(clipUnits(i.id, 100))}\` · ${i.severity} · ${escapeMrkdwn(clipUnits(i.cluster, 100))} · ${escapeMrkdwn(timeRange(i.firstSeen, i.lastSeen))}`,
    `*Totals:* ${plural(i.groupCount, 'finding group')}, ${plural(i.findingCount, 'finding')}${left}`,
  ];
  const recap = body.recap ?? [];
  const lines = recap
    .slice(0, RECAP_MAX)
    .map((g) => `• *${g.severity}* ${escapeMrkdwn(clipUnits(g.title, 150))}: ${escapeMrkdwn(clipUnits(recapText(g), 300))}`);
  const more = recap.length - lines.length + (body.omittedRecap ?? 0);
  const description = clipUnits([...head, ...lines, ...(more > 0 ? [`…and ${plural(more, 'more finding group')}`] : [])].join('\n'), DESCRIPTION_MAX);
  return notification(body, title, description, []);
}

function notification(body: IncidentBody, title: string, description: string, nextSteps: string[]): string {
  const i = body.incident;
  return jsonText({
    version: '1.0',
    source: 'custom',
    id: clipUnits(displayText(i.id), 100),
    content: {
      textType: 'client-markdown',
      title,
      description,
      nextSteps,
      keywords: ['k8s-audit-analyzer', i.severity, escapeMrkdwn(clipUnits(i.cluster, 100))],
    },
    metadata: {
      summary: title,
      eventType: `k8s-audit-analyzer.incident.${body.alert}`,
      // Updates of one incident thread together.
      threadId: clipUnits(displayText(`k8s-audit-analyzer-${i.id}`), 100),
      additionalContext: { incident: clipUnits(displayText(i.id), 100), severity: i.severity, groups: String(i.groupCount) },
    },
  });
}

function list(values: readonly string[]): string {
  if (values.length === 0) return 'none recorded';
  return values
    .slice(0, 3)
    .map((v) => escapeMrkdwn(clipUnits(v, 200)))
    .join(', ')
    .concat(values.length > 3 ? ` +${values.length - 3}` : '');
}
