import type { ComplianceReport, ControlState, Period, ReportCadence, Trend } from '../compliance/types';
import type { Severity } from '../finding';
import { SEVERITIES_DESC } from '../finding';
import type { AggregatedRow } from '../report/aggregate';
import { displayText, jsonText } from '../report/display-text';
import { clipVisible, tableLines, truncate } from '../report/plain-text';
import { formatNumber } from '../report/summary-line';
import type { AlertMessage } from './sns-message';
import { SNS_MAX_BYTES } from './sns-message';
import { clipUnits, escapeMrkdwn, escapeMrkdwnCode, linkFor } from './slack-text';

/**
 * The SNS summary of a scheduled compliance report (the reporter Lambda publishes it to the alerts
 * topic): a short ASCII subject with the period and the worst counts, an email body a person reads
 * (counts with the trend, the worst finding groups, the controls, the link), a machine body for
 * Lambda and SQS subscribers (`kind: 'report'`; the Slack notifier renders it), and an Amazon Q
 * Developer custom notification as the HTTPS body, as alerts have. Attributes: `kind` = `report`
 * and `cluster` when the report covers one. No `severity`: the stack's subscription filters pass
 * every report, whatever a destination's minimum severity.
 */

export interface ReportSummaryInput {
  report: ComplianceReport;
  /** The pre-signed HTTPS link to the HTML report. */
  htmlUrl: string;
  /** Where the files are, as `s3://bucket/key`. */
  objects: { html: string; csv: string; json: string };
  /** Until when `htmlUrl` works at most (ISO 8601). */
  linkExpiresAt: string;
}

/** The finding groups the summary lists. */
export const WORST_ROWS = 5;
/** A row's sources in the machine body at most: a week's group can come from hundreds of objects. */
const ROW_SOURCES_MAX = 5;
const SUBJECT_MAX = 99; // SNS: fewer than 100 characters, no line breaks
const EMAIL_WIDTH = 100;
const CHATBOT_TITLE_MAX = 250;
const CHATBOT_DESCRIPTION_MAX = 3500;

/** The `lambda`/`sqs` body: what the Slack notifier and other machines read. */
export interface ReportPayload {
  kind: 'report';
  title: string;
  cadence?: ReportCadence;
  generatedAt: string;
  period: Period;
  previousPeriod: Period;
  clusters: string[];
  summary: ComplianceReport['summary'];
  trend: ComplianceReport['trend'];
  /** The worst finding groups of the period, most severe first (at most 5; each row's `sources` cut to 5). */
  worst: AggregatedRow[];
  /** Finding groups in the period, listed or not. */
  groups: number;
  controls: { held: number; violated: number; notAssessed: number };
  /** The violated control ids, at most 10. */
  violatedControls: string[];
  links: { html: string; csv: string; json: string; htmlUrl: string; linkExpiresAt: string };
}

export function buildReportSummary(input: ReportSummaryInput): AlertMessage {
  const { report } = input;
  const subject = reportSubject(report);
  const cluster = report.clusters.length === 1 ? report.clusters[0] : undefined;
  const attributes: AlertMessage['MessageAttributes'] = {
    kind: { DataType: 'String', StringValue: 'report' },
    ...(cluster ? { cluster: { DataType: 'String', StringValue: displayText(cluster) } } : {}),
  };
  // Five rows with cut sources fit far inside 256 KB; rows go only if the log values are huge.
  for (let worst = WORST_ROWS; ; worst--) {
    const message = messageBody(input, subject, worst);
    const size = Buffer.byteLength(message) + Buffer.byteLength(subject) + Buffer.byteLength(JSON.stringify(attributes));
    if (size <= SNS_MAX_BYTES || worst === 0) return { Subject: subject, Message: message, MessageStructure: 'json', MessageAttributes: attributes };
  }
}

/** `k8s-audit-analyzer weekly report 2026-11-23 to 2026-11-29: 2 critical, 5 high`: ASCII, no line breaks, < 100 characters. */
export function reportSubject(report: Pick<ComplianceReport, 'cadence' | 'period' | 'clusters' | 'summary'>): string {
  const [first, last] = periodDays(report.period);
  const days = first === last ? first : `${first} to ${last}`;
  const counts = SEVERITIES_DESC.filter((s) => report.summary.bySeverity[s] > 0)
    .slice(0, 2)
    .map((s) => `${report.summary.bySeverity[s]} ${s}`)
    .join(', ');
  const cluster = report.clusters.length === 1 ? ` ${report.clusters[0]}` : '';
  const subject = ascii(`k8s-audit-analyzer${cluster} ${report.cadence ? `${report.cadence} ` : ''}report ${days}: ${counts || 'no findings'}`);
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
}

/** The payload of the machine body, with at most `worst` rows. */
export function reportPayload(input: ReportSummaryInput, worst = WORST_ROWS): ReportPayload {
  const { report } = input;
  const states = controlCounts(report);
  return {
    kind: 'report',
    title: report.title,
    ...(report.cadence ? { cadence: report.cadence } : {}),
    generatedAt: report.generatedAt,
    period: report.period,
    previousPeriod: report.previousPeriod,
    clusters: report.clusters,
    summary: report.summary,
    trend: report.trend,
    worst: report.rows.slice(0, worst).map((row) => ({ ...row, sources: row.sources.slice(0, ROW_SOURCES_MAX) })),
    groups: report.rows.length,
    controls: { held: states.held, violated: states.violated, notAssessed: states['not-assessed'] },
    violatedControls: report.controls
      .filter((c) => c.state === 'violated')
      .map((c) => c.control.id)
      .slice(0, 10),
    links: { ...input.objects, htmlUrl: input.htmlUrl, linkExpiresAt: input.linkExpiresAt },
  };
}

function messageBody(input: ReportSummaryInput, subject: string, worst: number): string {
  const email = emailText(input, worst);
  const machine = jsonText(reportPayload(input, worst));
  const https = chatbotReport(input, subject, worst);
  return jsonText({ default: email, email, lambda: machine, sqs: machine, https });
}

// ---------------------------------------------------------------------------------------------
// Email

function emailText(input: ReportSummaryInput, worst: number): string {
  const { report } = input;
  const line = (text: string): string => clipVisible(text, EMAIL_WIDTH);
  const states = controlCounts(report);
  const rows = report.rows.slice(0, worst);
  const lines = [
    line(displayText(report.title)),
    line(displayText(`Period: ${report.period.label}, compared with ${report.previousPeriod.label}`)),
    line(`Clusters: ${report.clusters.length > 0 ? report.clusters.map((c) => displayText(c)).join(', ') : 'none'}`),
    line(displayText(`Generated: ${report.generatedAt}`)),
    '',
    `Findings: ${formatNumber(report.summary.findings)} (${trendText(report.trend.findings)})`,
    ...SEVERITIES_DESC.map((s) => `  ${s.padEnd(9)}${formatNumber(report.summary.bySeverity[s]).padStart(7)}  (${trendText(report.trend.bySeverity[s])})`),
    '',
  ];
  if (rows.length === 0) {
    lines.push('No findings in this period.');
  } else {
    lines.push(`Worst finding groups (${rows.length} of ${formatNumber(report.rows.length)}):`);
    lines.push(...tableLines(rows, { width: EMAIL_WIDTH, summary: 'below' }));
  }
  lines.push('', `Controls: ${states.held} held, ${states.violated} violated, ${states['not-assessed']} not assessed`);
  const violated = report.controls.filter((c) => c.state === 'violated');
  for (const c of violated.slice(0, 10)) lines.push(line(`  violated: ${c.control.id} ${displayText(c.control.title)} (${formatNumber(c.findings)} findings)`));
  if (violated.length > 10) lines.push(`  ...and ${violated.length - 10} more violated controls`);
  if (report.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of report.notes.slice(0, 10)) lines.push(line(`  - ${displayText(note)}`));
    if (report.notes.length > 10) lines.push(`  ...and ${report.notes.length - 10} more (see the report)`);
  }
  lines.push(
    '',
    'Report (HTML):',
    displayText(input.htmlUrl),
    line(displayText(`This link works until ${input.linkExpiresAt} at most (it is signed with temporary`)),
    "credentials and may stop working sooner). The report's files stay in S3:",
    `  HTML: ${displayText(input.objects.html)}`,
    `  CSV:  ${displayText(input.objects.csv)}`,
    `  JSON: ${displayText(input.objects.json)}`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Amazon Q Developer in chat applications (the HTTPS body, as for alerts)

function chatbotReport(input: ReportSummaryInput, subject: string, worst: number): string {
  const { report } = input;
  const states = controlCounts(report);
  const counts = SEVERITIES_DESC.filter((s) => report.summary.bySeverity[s] > 0 || report.trend.bySeverity[s].previous > 0).map(
    (s) => `${report.summary.bySeverity[s]} ${s} (${trendText(report.trend.bySeverity[s], true)})`,
  );
  const rows = report.rows.slice(0, worst).map((row) => {
    const target = [row.target.namespace, row.target.name].filter(Boolean).join('/') || row.target.resource;
    return `• *${escapeMrkdwn(row.severity)}* \`${escapeMrkdwnCode(truncate(row.ruleId, 80))}\` ${escapeMrkdwn(truncate(row.actor, 80))} → ${escapeMrkdwn(truncate(target, 80))}${row.count > 1 ? ` (×${row.count})` : ''}`;
  });
  const description = clipUnits(
    [
      `*Findings:* ${report.summary.findings} (${trendText(report.trend.findings)})${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`,
      `*Controls:* ${states.held} held, ${states.violated} violated, ${states['not-assessed']} not assessed`,
      ...(rows.length > 0 ? ['*Worst finding groups:*', ...rows] : ['No findings in this period.']),
    ].join('\n'),
    CHATBOT_DESCRIPTION_MAX,
  );
  const link = linkFor(input.htmlUrl);
  const nextSteps = [
    link
      ? `<${link.replace(/&/g, '&amp;')}|Open the report> (until ${escapeMrkdwn(input.linkExpiresAt)} at most)`
      : `Report: ${escapeMrkdwn(input.objects.html)}`,
    `Files: ${escapeMrkdwn(input.objects.html)}, ${escapeMrkdwn(input.objects.csv)}, ${escapeMrkdwn(input.objects.json)}`,
  ];
  const cluster = report.clusters.length === 1 ? report.clusters[0] : undefined;
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: escapeMrkdwn(subject).slice(0, CHATBOT_TITLE_MAX),
      description,
      nextSteps,
      keywords: ['k8s-audit-analyzer', 'report', ...(cluster ? [escapeMrkdwn(truncate(cluster, 100))] : [])],
    },
    metadata: {
      summary: escapeMrkdwn(subject).slice(0, CHATBOT_TITLE_MAX),
      eventType: 'k8s-audit-analyzer.report',
      additionalContext: { findings: String(report.summary.findings), period: displayText(report.period.label) },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Shared

/** Controls by state. */
export function controlCounts(report: Pick<ComplianceReport, 'controls'>): Record<ControlState, number> {
  const counts: Record<ControlState, number> = { held: 0, violated: 0, 'not-assessed': 0, 'not-applicable': 0 };
  for (const c of report.controls) counts[c.state]++;
  return counts;
}

/** `previous period: 3, +4` (or, short, `+4`); `no change` when equal. */
export function trendText(trend: Trend, short = false): string {
  const delta = trend.current - trend.previous;
  const change = delta === 0 ? 'no change' : `${delta > 0 ? '+' : '-'}${formatNumber(Math.abs(delta))}`;
  return short ? change : `previous period: ${formatNumber(trend.previous)}, ${change}`;
}

/** The first and last UTC day of a period [from, to). */
export function periodDays(period: Pick<Period, 'from' | 'to'>): [string, string] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return [period.from.slice(0, 10), period.to.slice(0, 10)];
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  return [day(from), day(Math.max(from, to - 1))];
}

/** Printable ASCII only: anything else (a cluster name's accents, a control character) becomes `?`. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** The highest severity with findings in the report, or undefined when it has none. */
export function highestOf(bySeverity: Record<Severity, number>): Severity | undefined {
  return SEVERITIES_DESC.find((s) => bySeverity[s] > 0);
}
