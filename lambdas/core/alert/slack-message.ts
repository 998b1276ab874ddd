import { z } from 'zod';
import type { Category, Severity } from '../finding';
import { SEVERITIES, SEVERITIES_DESC, severityRank } from '../finding';
import type { AggregatedRow, ScanSummary } from '../report/aggregate';
import { displayText } from '../report/display-text';
import { tableLines, truncate } from '../report/plain-text';
import { formatNumber, summaryLine } from '../report/summary-line';
// A cycle (report-message uses this module's escaping), harmless: neither uses the other at load time.
import type { ReportPayload } from './report-message';
import { SLACK_LIMITS, escapeMrkdwn, escapeMrkdwnCode, linkFor } from './slack-text';
import { parseIncidentBody } from './incident-body';
import type { IncidentSlackMessage } from './incident-slack';
import { incidentSlackMessage } from './incident-slack';

export { escapeMrkdwn, linkFor } from './slack-text';
import { periodDays, trendText } from './report-message';

/**
 * The Slack incoming-webhook body for one SNS alert (see sns-message.ts, `messageBody`).
 *
 * Everything in an alert except our own words comes from audit logs or object keys, which an
 * attacker can write. So: every such value is shown through `displayText` (control and bidi
 * characters as `\u{…}`) and `&`, `<`, `>` become entities, so no value can ping `<!channel>`,
 * mention a user or forge a `<url|label>` link; mrkdwn text objects are `verbatim`, so Slack does
 * not auto-link URLs or channel names in them; the header block (plain_text) carries no log
 * values at all; inside the code blocks every backtick is shown as `ˋ` (U+02CB), so a value
 * cannot close the block. Links are only ours: S3 console links built from a validated bucket
 * name and an encoded key, or an https URL re-serialised with `|` encoded.
 */

/**
 * Attachment colours, one per severity: Material palette shades, dark enough to tell apart on
 * Slack's light and dark themes. Critical is deep purple (it must not read as "just red").
 */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  critical: '#7b1fa2',
  high: '#d32f2f',
  medium: '#f57c00',
  low: '#fbc02d',
  info: '#9e9e9e',
};

/** Slack's limits (Block Kit reference), and our own budget for the table. */
export { SLACK_LIMITS };

export interface SlackMessageOptions {
  /** Rows below this severity are not shown; when none is left (and none was omitted), nothing is posted. */
  minSeverity: Severity;
  /** Rows shown at most before "…and N more". Default 50. */
  maxRows?: number;
  /** Characters of table text at most, across its sections. Default 12,000: a message people read, far under Slack's 40k. */
  maxTableChars?: number;
  /** Table width in characters (code blocks wrap in narrow windows, not in wide ones). Default 100. */
  width?: number;
}

export type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string; verbatim: true };
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] };

export interface SlackMessage {
  /** The notification and fallback text (mrkdwn, escaped). */
  text: string;
  attachments?: { color: string; blocks: Block[] }[];
  /** An attacker's URL in a log value must not be fetched and previewed in the channel. */
  unfurl_links: false;
  unfurl_media: false;
}

export type SlackRender =
  | { kind: 'findings'; body: SlackMessage; severity: Severity; rowsPosted: number; rowsLeftOut: number }
  /** An incident alert (incident-message.ts): top-level Block Kit blocks, `undefined` when the incident is below the minimum. */
  | { kind: 'incident'; body: IncidentSlackMessage; severity: Severity; groupsPosted: number; groupsLeftOut: number }
  /** A compliance report summary: posted whatever the minimum severity (a report is not an alert). */
  | { kind: 'report'; body: SlackMessage; findings: number; rowsPosted: number }
  /** Anything this notifier does not render: a short notice from the SNS subject. `reason` is for the log, never for Slack. */
  | { kind: 'notice'; body: SlackMessage; reason: string };

// ---------------------------------------------------------------------------------------------
// The payload (the `lambda` body of the SNS alert)

const count = z.number().int().nonnegative();
const rowSchema = z.object({
  ruleId: z.string(),
  title: z.string(),
  // Not shown: a category newer than this notifier must not turn an alert into a plain notice.
  category: z.string(),
  severity: z.enum(SEVERITIES),
  actor: z.string(),
  target: z.object({ resource: z.string(), subresource: z.string().optional(), namespace: z.string().optional(), name: z.string().optional() }),
  count,
  firstSeen: z.string(),
  lastSeen: z.string(),
  exampleAuditID: z.string(),
  summary: z.string(),
  sources: z.array(z.string()),
  clusters: z.array(z.string()),
});
const summarySchema = z.object({
  objects: count,
  bytes: count,
  events: count,
  skipped: count,
  malformed: count,
  incomplete: count,
  findings: count,
  bySeverity: z.object({ critical: count, high: count, medium: count, low: count, info: count }),
});
const findingsSchema = z.object({
  kind: z.literal('findings').optional(),
  source: z.string(),
  cluster: z.string().optional(),
  summary: summarySchema,
  table: z.array(rowSchema),
  omittedRows: count,
  fullFindings: z.string().optional(),
});

export interface FindingsPayload {
  kind?: 'findings';
  source: string;
  cluster?: string;
  summary: ScanSummary;
  table: AggregatedRow[];
  omittedRows: number;
  fullFindings?: string;
}

export type ParsedPayload = { ok: true; payload: FindingsPayload } | { ok: false; reason: string };

/** Reads an SNS message as a findings alert; anything else is `ok: false` with a reason for the log (no values from the message). */
export function parseAlertPayload(message: string): ParsedPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, reason: 'message is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'message is not a JSON object' };
  const kind = (raw as { kind?: unknown }).kind;
  if (kind !== undefined && kind !== 'findings')
    return { ok: false, reason: typeof kind === 'string' ? `kind "${truncate(displayText(kind), 40)}" is not rendered` : 'kind is not a string' };
  const result = findingsSchema.safeParse(raw);
  if (!result.success) {
    const paths = result.error.issues.slice(0, 5).map((i) => i.path.join('.') || '(root)');
    return { ok: false, reason: `findings payload does not match the contract at ${paths.join(', ')}` };
  }
  // Category is validated as a string only (see above); it is carried, never shown.
  const table = result.data.table.map((row) => ({ ...row, category: row.category as Category }));
  return { ok: true, payload: { ...result.data, table } };
}

// ---------------------------------------------------------------------------------------------
// The compliance report summary (the `lambda` body of report-message.ts)

const isoTime = z.string().refine((t) => /^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(Date.parse(t)), 'not an ISO 8601 time');
const periodSchema = z.object({ from: isoTime, to: isoTime, label: z.string() });
const trendSchema = z.object({ current: count, previous: count });
const bySeveritySchema = z.object({ critical: count, high: count, medium: count, low: count, info: count });
const reportSchema = z.object({
  kind: z.literal('report'),
  title: z.string(),
  cadence: z.enum(['daily', 'weekly']).optional(),
  generatedAt: z.string(),
  period: periodSchema,
  previousPeriod: periodSchema,
  clusters: z.array(z.string()),
  summary: z.object({ findings: count, bySeverity: bySeveritySchema }),
  trend: z.object({
    findings: trendSchema,
    bySeverity: z.object({ critical: trendSchema, high: trendSchema, medium: trendSchema, low: trendSchema, info: trendSchema }),
  }),
  worst: z.array(rowSchema),
  groups: count,
  controls: z.object({ held: count, violated: count, notAssessed: count }),
  violatedControls: z.array(z.string()).optional(),
  links: z.object({ html: z.string(), csv: z.string(), json: z.string(), htmlUrl: z.string(), linkExpiresAt: z.string() }),
});

/** What the Slack message reads of a report summary (a subset of `ReportPayload`). */
export type ReportSummaryPayload = Pick<
  ReportPayload,
  'kind' | 'title' | 'cadence' | 'generatedAt' | 'period' | 'previousPeriod' | 'clusters' | 'worst' | 'groups' | 'controls' | 'links'
> & {
  summary: Pick<ReportPayload['summary'], 'findings' | 'bySeverity'>;
  trend: Pick<ReportPayload['trend'], 'findings' | 'bySeverity'>;
  violatedControls?: string[];
};

/** A report summary, `ok: false` when it says `kind: 'report'` but does not match the contract, `undefined` when it is not one. */
export function parseReportPayload(message: string): { ok: true; payload: ReportSummaryPayload } | { ok: false; reason: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { kind?: unknown }).kind !== 'report') return undefined;
  const result = reportSchema.safeParse(raw);
  if (!result.success) {
    const paths = result.error.issues.slice(0, 5).map((i) => i.path.join('.') || '(root)');
    return { ok: false, reason: `report payload does not match the contract at ${paths.join(', ')}` };
  }
  const worst = result.data.worst.map((row) => ({ ...row, category: row.category as Category }));
  return { ok: true, payload: { ...result.data, worst } };
}

/** The report summary colour when it has no findings. */
export const CLEAN_REPORT_COLOR = '#2e7d32';
/** A pre-signed link with a session token runs to 1,500 characters or so; a section holds 3,000. */
const REPORT_LINK_MAX = 2800;

/**
 * A compliance report summary as Block Kit: a header with the cadence and period (our words and
 * dates only), the clusters, the counts by severity with the trend against the previous period,
 * the worst finding groups as a table, the control counts, and a link to the pre-signed HTML
 * report with the time it works until. Values from logs (clusters, rows) are escaped as in alerts.
 * `minSeverity` does not drop a report, nor its rows: it is a summary of everything, not an alert.
 */
export function reportMessage(payload: ReportSummaryPayload, subject: string | null | undefined, options: Pick<SlackMessageOptions, 'width'>): SlackRender {
  const [first, last] = periodDays(payload.period);
  const days = first === last ? `${first} (UTC)` : `${first} – ${last} (UTC)`;
  const what = payload.cadence === 'daily' ? 'Daily compliance report' : payload.cadence === 'weekly' ? 'Weekly compliance report' : 'Compliance report';
  const header: Block = { type: 'header', text: { type: 'plain_text', text: clip(`${what}: ${days}`, SLACK_LIMITS.headerText), emoji: false } };

  const [prevFirst, prevLast] = periodDays(payload.previousPeriod);
  const clusters =
    payload.clusters.length > 0
      ? payload.clusters
          .slice(0, 20)
          .map((c) => escapeMrkdwn(truncate(c, 100)))
          .join(', ') + (payload.clusters.length > 20 ? ` …and ${payload.clusters.length - 20} more` : '')
      : 'none';
  const context: Block = {
    type: 'context',
    elements: [mrkdwn(`*Clusters:* ${clusters}`), mrkdwn(`*Compared with:* ${prevFirst === prevLast ? prevFirst : `${prevFirst} – ${prevLast}`}`)],
  };

  const severities = SEVERITIES_DESC.filter((s) => payload.summary.bySeverity[s] > 0 || payload.trend.bySeverity[s].previous > 0).map(
    (s) => `• ${formatNumber(payload.summary.bySeverity[s])} ${s} (${trendText(payload.trend.bySeverity[s], true)})`,
  );
  const counts: Block = {
    type: 'section',
    text: mrkdwn([`*Findings:* ${formatNumber(payload.summary.findings)} (${trendText(payload.trend.findings)})`, ...severities].join('\n')),
  };

  const blocks: Block[] = [header, context, counts];
  let rowsPosted = 0;
  if (payload.worst.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(`*Worst finding groups* (${payload.worst.length} of ${formatNumber(payload.groups)}):`) });
    const table = tableSections(payload.worst, { maxRows: payload.worst.length, maxChars: 12_000, maxSections: 10, width: options.width ?? 100 });
    blocks.push(...table.blocks);
    rowsPosted = table.rows;
  } else {
    blocks.push({ type: 'section', text: mrkdwn('No findings in this period.') });
  }

  const violated = (payload.violatedControls ?? []).slice(0, 10).map((id) => `\`${codeText(truncate(id, 60))}\``);
  blocks.push({
    type: 'section',
    text: mrkdwn(
      `*Controls:* ${formatNumber(payload.controls.held)} held · ${formatNumber(payload.controls.violated)} violated · ${formatNumber(payload.controls.notAssessed)} not assessed` +
        (violated.length > 0 ? `\nViolated: ${violated.join(', ')}${payload.controls.violated > violated.length ? ' …' : ''}` : ''),
    ),
  });

  const link = linkFor(payload.links.htmlUrl, REPORT_LINK_MAX);
  const until = escapeMrkdwn(truncate(payload.links.linkExpiresAt, 40));
  blocks.push({
    type: 'section',
    text: link
      ? mrkdwn(`*<${link.replace(/&/g, '&amp;')}|Open the HTML report>* (the link works until ${until} at most)`)
      : mrkdwn(`Report: ${escapeMrkdwn(truncate(payload.links.html, 500))}`),
  });
  const files = [linkOrText('HTML in S3', payload.links.html), linkOrText('CSV', payload.links.csv), linkOrText('JSON', payload.links.json)].filter(
    (l): l is TextObject => l !== undefined,
  );
  if (files.length > 0) blocks.push({ type: 'context', elements: files });

  const highest = SEVERITIES_DESC.find((s) => payload.summary.bySeverity[s] > 0);
  const fallback = subject
    ? escapeMrkdwn(truncate(subject, 200))
    : `k8s-audit-analyzer ${what.toLowerCase()}: ${formatNumber(payload.summary.findings)} findings`;
  return {
    kind: 'report',
    body: {
      text: fallback,
      attachments: [{ color: highest ? SEVERITY_COLORS[highest] : CLEAN_REPORT_COLOR, blocks }],
      unfurl_links: false,
      unfurl_media: false,
    },
    findings: payload.summary.findings,
    rowsPosted,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/**
 * The Slack body for one SNS message: a findings alert rendered in full, `undefined` when it has
 * nothing at or above `minSeverity`; a compliance report summary (`kind: 'report'`) rendered in
 * full whatever `minSeverity` (reports are not filtered); or, for anything else (another kind, a payload this version
 * cannot read), a short notice from the subject, so no message is dropped or dumped raw.
 */
export function slackMessageFor(sns: { subject?: string | null; message: string }, options: SlackMessageOptions): SlackRender | undefined {
  const incident = parseIncidentBody(sns.message);
  if (incident) {
    if (!incident.ok) return { kind: 'notice', body: noticeMessage(sns.subject), reason: incident.reason };
    const render = incidentSlackMessage(incident.body, options.minSeverity);
    return render ? { kind: 'incident', ...render } : undefined;
  }
  const report = parseReportPayload(sns.message);
  if (report)
    return report.ok ? reportMessage(report.payload, sns.subject, options) : { kind: 'notice', body: noticeMessage(sns.subject), reason: report.reason };
  const parsed = parseAlertPayload(sns.message);
  if (!parsed.ok) return { kind: 'notice', body: noticeMessage(sns.subject), reason: parsed.reason };
  return findingsMessage(parsed.payload, sns.subject, options);
}

/** A plain notice: the escaped subject, nothing else. */
export function noticeMessage(subject: string | null | undefined): SlackMessage {
  const text = subject ? escapeMrkdwn(truncate(subject, 200)) : 'k8s-audit-analyzer: a message this notifier does not render (no subject)';
  return { text, unfurl_links: false, unfurl_media: false };
}

/** The findings alert, or `undefined` when nothing is at or above `options.minSeverity`. */
export function findingsMessage(payload: FindingsPayload, subject: string | null | undefined, options: SlackMessageOptions): SlackRender | undefined {
  const min = severityRank(options.minSeverity);
  const rows = payload.table.filter((r) => severityRank(r.severity) >= min);
  // Rows the analyzer left out to fit SNS are its least severe; they count only if the summary
  // says something at or above the minimum exists that the table does not show.
  const summaryAtOrAbove = SEVERITIES.filter((s) => severityRank(s) >= min && payload.summary.bySeverity[s] > 0);
  const omittedCount = rows.length === 0 && summaryAtOrAbove.length === 0 ? 0 : payload.omittedRows;
  if (rows.length === 0 && omittedCount === 0) return undefined;

  const highest = rows[0]
    ? rows.reduce<Severity>((h, r) => (severityRank(r.severity) > severityRank(h) ? r.severity : h), rows[0].severity)
    : summaryAtOrAbove[summaryAtOrAbove.length - 1];
  const total = rows.length + omittedCount;

  const header: Block = {
    type: 'header',
    // Our words only: plain_text is not parsed for mentions, but log values stay out of it anyway.
    text: {
      type: 'plain_text',
      text: clip(
        `${capitalise(highest)} severity: ${formatNumber(total)} finding group${total === 1 ? '' : 's'} (${options.minSeverity} and above)`,
        SLACK_LIMITS.headerText,
      ),
      emoji: false,
    },
  };
  const counts = SEVERITIES_DESC.filter((s) => payload.summary.bySeverity[s] > 0).map((s) => `${formatNumber(payload.summary.bySeverity[s])} ${s}`);
  const context: Block = {
    type: 'context',
    elements: [
      ...(payload.cluster ? [mrkdwn(`*Cluster:* ${escapeMrkdwn(truncate(payload.cluster, 200))}`)] : []),
      mrkdwn(`*Source:* ${escapeMrkdwn(truncate(payload.source, 500))}`),
      mrkdwn(`*Findings:* ${counts.length > 0 ? counts.join(', ') : 'none counted'}`),
      mrkdwn(escapeMrkdwn(summaryLine(payload.summary))),
    ],
  };

  const fixedBlocks = 4; // header, context, "…and N more", links
  const table = tableSections(rows, {
    maxRows: options.maxRows ?? 50,
    maxChars: options.maxTableChars ?? 12_000,
    maxSections: SLACK_LIMITS.blocks - fixedBlocks,
    width: options.width ?? 100,
  });
  const leftOut = rows.length - table.rows + omittedCount;

  const tail: Block[] = [];
  if (leftOut > 0) {
    const unsent = omittedCount > 0 ? ` (${formatNumber(omittedCount)} of them were left out of the alert to fit SNS)` : '';
    tail.push({ type: 'section', text: mrkdwn(`…and ${formatNumber(leftOut)} more finding group${leftOut === 1 ? '' : 's'}${unsent}`) });
  }
  // One element per link: each stays under 3000 characters whatever the other's length.
  const links = [linkOrText('Full findings', payload.fullFindings), linkOrText('Source object', payload.source)].filter(
    (l): l is TextObject => l !== undefined,
  );
  if (links.length > 0) tail.push({ type: 'context', elements: links });

  const fallback = subject ? escapeMrkdwn(truncate(subject, 200)) : `k8s-audit-analyzer: ${formatNumber(total)} finding groups`;
  return {
    kind: 'findings',
    body: {
      text: fallback,
      attachments: [{ color: SEVERITY_COLORS[highest], blocks: [header, context, ...table.blocks, ...tail] }],
      unfurl_links: false,
      unfurl_media: false,
    },
    severity: highest,
    rowsPosted: table.rows,
    rowsLeftOut: leftOut,
  };
}

/**
 * The rows as one aligned table (shared with the email layout: each row, then its summary on the
 * line below), split into code-block sections of at most 3000 characters at row boundaries.
 * Rows are added while every budget holds; the rest are left out, and counted by the caller.
 */
function tableSections(
  rows: readonly AggregatedRow[],
  limits: { maxRows: number; maxChars: number; maxSections: number; width: number },
): { blocks: Block[]; rows: number } {
  const candidates = rows.slice(0, Math.max(0, limits.maxRows));
  if (candidates.length === 0) return { blocks: [], rows: 0 };
  const lines = tableLines(candidates, { width: limits.width, summary: 'below' }).map(codeText);
  const head = lines.slice(0, 2);
  const groups: string[][] = [];
  for (let i = 2; i < lines.length; i += 2) groups.push(lines.slice(i, i + 2));

  const fence = (body: readonly string[]): string => '```\n' + body.join('\n') + '\n```';
  const sections: string[][] = [];
  let current: string[] = [...head];
  let closedChars = 0;
  let shown = 0;
  for (const group of groups) {
    const grown = fence([...current, ...group]).length;
    const next = fence(group).length;
    if (grown <= SLACK_LIMITS.sectionText && closedChars + grown <= limits.maxChars) {
      current.push(...group);
    } else if (
      shown > 0 &&
      sections.length + 2 <= limits.maxSections &&
      next <= SLACK_LIMITS.sectionText &&
      closedChars + fence(current).length + next <= limits.maxChars
    ) {
      // The group opens the next section.
      closedChars += fence(current).length;
      sections.push(current);
      current = [...group];
    } else {
      break;
    }
    shown++;
  }
  if (shown > 0) sections.push(current);
  return { blocks: sections.map((s) => ({ type: 'section', text: mrkdwn(fence(s)) })), rows: shown };
}

// ---------------------------------------------------------------------------------------------
// Values

/** A table line inside ``` fences: escaped, and backticks shown as `ˋ` so nothing can close the block. */
const codeText = escapeMrkdwnCode;

/** `<link|label>` when the value links somewhere, the escaped value as text otherwise, `undefined` when absent. */
function linkOrText(label: string, uri: string | undefined): TextObject | undefined {
  if (!uri) return undefined;
  const link = linkFor(uri);
  // In a link, `&` must be an entity too; `<`, `>` and `|` cannot occur after `linkFor`.
  if (link) return mrkdwn(`<${link.replace(/&/g, '&amp;')}|${label}>`);
  return mrkdwn(`${label}: ${escapeMrkdwn(truncate(uri, 300))}`);
}

function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** At most `max` UTF-16 units (what Slack's limits count, near enough), `…` when cut. Only for our own words: it could split an entity. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
