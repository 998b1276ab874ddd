import type { Severity } from '../finding';
import { SEVERITIES } from '../finding';
import type { AggregatedRow, ScanSummary } from '../report/aggregate';
import { renderPlainText } from '../report/plain-text';

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
  const highest = highestSeverity(input.rows);
  const categories = [...new Set(input.rows.map((r) => r.category))].sort();
  const attributes: AlertMessage['MessageAttributes'] = {
    severity: { DataType: 'String', StringValue: highest },
    categories: { DataType: 'String.Array', StringValue: JSON.stringify(categories) },
    ...(input.cluster ? { cluster: { DataType: 'String', StringValue: input.cluster } } : {}),
  };
  const subject = subjectOf(input.rows, input.cluster);
  let keep = input.rows.length;
  for (;;) {
    const message = messageBody(input, keep);
    const size = Buffer.byteLength(message) + Buffer.byteLength(subject) + Buffer.byteLength(JSON.stringify(attributes));
    if (size <= SNS_MAX_BYTES || keep === 0) return { Subject: subject, Message: message, MessageStructure: 'json', MessageAttributes: attributes };
    keep = Math.floor(keep * 0.8);
  }
}

function messageBody(input: AlertInput, keep: number): string {
  const rows = input.rows.slice(0, keep);
  const left = input.rows.length - rows.length;
  const footer = [
    '',
    `source: ${input.source}`,
    ...(left > 0 ? [`${left} more finding groups are not in this message.`] : []),
    ...(input.fullFindings ? [`full findings: ${input.fullFindings}`] : []),
  ].join('\n');
  const email = renderPlainText(input.rows, input.summary, { maxRows: Math.min(25, keep), width: 100 }) + '\n' + footer;
  const machine = JSON.stringify({ source: input.source, cluster: input.cluster, summary: input.summary, table: rows, omittedRows: left, fullFindings: input.fullFindings });
  return JSON.stringify({ default: email, email, lambda: machine, https: machine, sqs: machine });
}

function highestSeverity(rows: readonly AggregatedRow[]): Severity {
  let best = 0;
  for (const r of rows) best = Math.max(best, SEVERITIES.indexOf(r.severity));
  return SEVERITIES[best];
}

/** e.g. `k8s-audit-analyzer prod-eu: 1 critical, 2 high (rbac.privileged-role-bound +2)`, always < 100 characters. */
export function subjectOf(rows: readonly AggregatedRow[], cluster?: string): string {
  const counts = [...SEVERITIES]
    .reverse()
    .map((s) => [s, rows.filter((r) => r.severity === s).reduce((n, r) => n + r.count, 0)] as const)
    .filter(([, n]) => n > 0)
    .slice(0, 2)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const top = rows[0] ? ` (${rows[0].ruleId}${rows.length > 1 ? ` +${rows.length - 1}` : ''})` : '';
  const subject = `k8s-audit-analyzer${cluster ? ` ${cluster}` : ''}: ${counts || 'no findings'}${top}`.replace(/[\r\n]+/g, ' ');
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 1)}…`;
}
