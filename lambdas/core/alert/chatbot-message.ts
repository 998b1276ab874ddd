import type { AggregatedRow, ScanSummary } from '../report/aggregate';
import { displayText, jsonText } from '../report/display-text';
import { truncate } from '../report/plain-text';
import { clipUnits, escapeMrkdwn, escapeMrkdwnCode } from './slack-text';

/** Limits of Amazon Q Developer custom notifications we keep well inside. */
const TITLE_MAX = 250;
const DESCRIPTION_MAX = 3500;
const ROWS_MAX = 15;

export interface ChatbotInput {
  subject: string;
  rows: readonly AggregatedRow[];
  summary: ScanSummary;
  source: string;
  cluster?: string;
  fullFindings?: string;
}

/**
 * The alert as an Amazon Q Developer in chat applications (AWS Chatbot) custom notification:
 * `{version: "1.0", source: "custom", content: {...}, metadata: {...}}`. Chatbot subscribes to a
 * topic over HTTPS, so this is the `https` body of the alert; machines read the `sqs` or `lambda`
 * body. Every value from the logs is escaped for Slack markdown, so a log cannot mention
 * `@channel` or forge a link.
 */
export function chatbotNotification(input: ChatbotInput): string {
  const lines = input.rows.slice(0, ROWS_MAX).map((row) => {
    const target = [row.target.namespace, row.target.name].filter(Boolean).join('/') || row.target.resource;
    return `• *${escapeMrkdwn(row.severity)}* \`${escapeMrkdwnCode(truncate(row.ruleId, 80))}\` ${escapeMrkdwn(truncate(row.actor, 200))} → ${escapeMrkdwn(truncate(target, 200))}${row.count > 1 ? ` (×${row.count})` : ''}`;
  });
  const more = input.rows.length - lines.length;
  const description = clipUnits([...lines, ...(more > 0 ? [`…and ${more} more finding groups`] : [])].join('\n'), DESCRIPTION_MAX);
  const nextSteps = [
    `Source object: ${escapeMrkdwn(truncate(input.source, 1000))}`,
    ...(input.fullFindings ? [`Full findings: ${escapeMrkdwn(truncate(input.fullFindings, 1000))}`] : []),
    'Run `k8s-audit-analyzer rules show <rule id>` for the rule and its remediation.',
  ];
  return jsonText({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clipUnits(escapeMrkdwn(truncate(input.subject, 100)), TITLE_MAX),
      description,
      nextSteps,
      keywords: ['k8s-audit-analyzer', ...(input.cluster ? [escapeMrkdwn(truncate(input.cluster, 100))] : [])],
    },
    metadata: {
      summary: clipUnits(escapeMrkdwn(truncate(input.subject, 100)), TITLE_MAX),
      eventType: 'k8s-audit-analyzer.findings',
      ...(input.cluster ? { threadId: clipUnits(displayText(`k8s-audit-analyzer-${input.cluster}`), 100) } : {}),
      additionalContext: { findings: String(input.summary.findings), objects: String(input.summary.objects) },
    },
  });
}
