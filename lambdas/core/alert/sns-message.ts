import type { Severity } from '../finding';
import { SEVERITIES_DESC, maxSeverity } from '../finding';
import type { AggregatedRow, ScanSummary } from '../report/aggregate';
import { displayText, jsonText } from '../report/display-text';
import { renderPlainText } from '../report/plain-text';
import { chatbotNotification } from './chatbot-message';

/** SNS's limit for a message with its attributes. */
export const SNS_MAX_BYTES = 256 * 1024;
const SUBJECT_MAX = 99; // SNS requires fewer than 100 characters, and no line breaks

export interface AlertInput {
  rows: readonly AggregatedRow[];
  summary: ScanSummary;
  /** The object (or batch) the findings came from. */
  source: string;
  cluster?: string;
  /** Where the full findings are kept (an S3 URI or a pre-signed link), for when the message cannot hold them all. */
  fullFindings?: string;
  /**
   * The alert cooldown, when on: said in the email (with the counts per rule), and each row of the
   * machine body with a count gets `suppressedBefore`.
   */
  cooldown?: AlertCooldownNote;
}

export interface AlertCooldownNote {
  /** A finding group alerts once per this many minutes. */
  minutes: number;
  /**
   * Per row (aligned with `rows`): hits of the row's group counted, not alerted, in its previous
   * window. Best effort: known only while that window's record is kept.
   */
  suppressedBefore?: readonly number[];
}

/** The `Publish` input, shaped so the SDK's SNS client takes it as is. */
export interface AlertMessage {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: 'String' | 'String.Array'; StringValue: string }>;
}

/**
 * One alert for a processed object: a subject with the counts, a plain-text table for email,
 * JSON for machines (Lambda and HTTPS subscribers), and attributes subscribers filter on
 * (highest severity, categories, cluster). Rows are dropped from the end (least severe first)
 * until the whole message fits SNS's 256 KB; the email then says how many are left out and
 * where the full findings are.
 */
export function buildAlert(input: AlertInput): AlertMessage {
  return compose(input).alert;
}

/**
 * Whether `buildAlert` keeps every row of the input: when it does not, the caller should keep the
 * full findings elsewhere and name them in `fullFindings` (which `buildAlert` then also prints).
 */
export function allRowsFit(input: AlertInput): boolean {
  return compose(input).kept === input.rows.length;
}

function compose(input: AlertInput): { alert: AlertMessage; kept: number } {
  const highest = highestSeverity(input.rows);
  const categories = [...new Set(input.rows.map((r) => r.category))].sort();
  const attributes: AlertMessage['MessageAttributes'] = {
    severity: { DataType: 'String', StringValue: highest },
    categories: { DataType: 'String.Array', StringValue: JSON.stringify(categories) },
    // Shown like everywhere else: SNS refuses attribute values with characters XML cannot carry.
    ...(input.cluster ? { cluster: { DataType: 'String', StringValue: displayText(input.cluster) } } : {}),
  };
  const subject = subjectOf(input.rows, input.cluster);
  let keep = input.rows.length;
  for (;;) {
    const message = messageBody(input, keep, subject);
    if (messageSize(subject, message, attributes) <= SNS_MAX_BYTES || keep === 0) {
      return { alert: { Subject: subject, Message: message, MessageStructure: 'json', MessageAttributes: attributes }, kept: keep };
    }
    keep = Math.floor(keep * 0.8);
  }
}

function messageSize(subject: string, message: string, attributes: AlertMessage['MessageAttributes']): number {
  return Buffer.byteLength(message) + Buffer.byteLength(subject) + Buffer.byteLength(JSON.stringify(attributes));
}

function messageBody(input: AlertInput, keep: number, subject: string): string {
  const rows = input.rows.slice(0, keep);
  const left = input.rows.length - rows.length;
  const footer = [
    '',
    // The object key and link are the bucket writer's: one line each, whatever they hold.
    `source: ${displayText(input.source)}`,
    ...(left > 0 ? [`${left} more finding groups are not in this message.`] : []),
    ...(input.fullFindings ? [`full findings: ${displayText(input.fullFindings)}`] : []),
    ...cooldownLines(input),
  ].join('\n');
  const email = renderPlainText(input.rows, input.summary, { maxRows: Math.min(25, keep), width: 100 }) + '\n' + footer;
  // `kind` tells this body from other messages a subscriber (the Slack notifier) may receive.
  const table = rows.map((row, i) => {
    const n = input.cooldown?.suppressedBefore?.[i] ?? 0;
    return n > 0 ? { ...row, suppressedBefore: n } : row;
  });
  // Machines read the values as logged (the Slack notifier escapes them when it renders them);
  // jsonText keeps characters a person could be fooled by out of the message text itself.
  const machine = jsonText({
    kind: 'findings',
    source: input.source,
    cluster: input.cluster,
    summary: input.summary,
    table,
    omittedRows: left,
    fullFindings: input.fullFindings,
  });
  const https = chatbotNotification({ subject, rows, summary: input.summary, source: input.source, cluster: input.cluster, fullFindings: input.fullFindings });
  return jsonText({ default: email, email, lambda: machine, sqs: machine, https });
}

/**
 * The cooldown in the email: the rule ids (ours, never log content) whose groups had hits counted
 * without alerting since their previous alert, most first, one short line each.
 */
function cooldownLines(input: AlertInput): string[] {
  const cooldown = input.cooldown;
  if (!cooldown) return [];
  const byRule = new Map<string, number>();
  input.rows.forEach((row, i) => {
    const n = cooldown.suppressedBefore?.[i] ?? 0;
    if (n > 0) byRule.set(row.ruleId, (byRule.get(row.ruleId) ?? 0) + n);
  });
  const lines = [`cooldown: a finding group alerts once per ${cooldown.minutes} minutes; later hits are counted, not sent.`];
  if (byRule.size > 0) {
    const total = [...byRule.values()].reduce((a, b) => a + b, 0);
    lines.push(`${total} ${total === 1 ? 'hit' : 'hits'} of these groups counted without an alert in their previous window:`);
    const sorted = [...byRule.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [ruleId, n] of sorted.slice(0, 10)) lines.push(`  ${clip(displayText(ruleId), 80)}: ${n}`);
    if (sorted.length > 10) lines.push(`  …and ${sorted.length - 10} more rules`);
  }
  return lines;
}

/** At most `max` UTF-16 units, `…` when cut, never half a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (end > 0 && /[\ud800-\udbff]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

function highestSeverity(rows: readonly AggregatedRow[]): Severity {
  return rows.reduce<Severity>((worst, r) => maxSeverity(worst, r.severity), 'info');
}

/**
 * e.g. `k8s-audit-analyzer prod-eu: 1 critical, 2 high (rbac.privileged-role-bound +2)`: one line of
 * fewer than 100 characters (UTF-16 units, so also code points), as SNS requires; the cluster and
 * rule id are shown through `displayText`, so nothing in them can break the line.
 */
export function subjectOf(rows: readonly AggregatedRow[], cluster?: string): string {
  const counts = SEVERITIES_DESC.map((s) => [s, rows.filter((r) => r.severity === s).reduce((n, r) => n + r.count, 0)] as const)
    .filter(([, n]) => n > 0)
    .slice(0, 2)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const top = rows[0] ? ` (${rows[0].ruleId}${rows.length > 1 ? ` +${rows.length - 1}` : ''})` : '';
  const subject = displayText(`k8s-audit-analyzer${cluster ? ` ${cluster}` : ''}: ${counts || 'no findings'}${top}`);
  return clip(subject, SUBJECT_MAX);
}
