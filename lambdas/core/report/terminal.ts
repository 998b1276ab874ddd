import { titleParts, titleText } from '../alert/incident-guide';
import type { Finding, Severity } from '../finding';
import type { Incident } from '../incident/types';
import type { AggregatedRow, ScanSummary } from './aggregate';
import { displayText, jsonText } from './display-text';
import { ndjsonLine } from './json-stream';
import { clipVisible, formatTime, tableLines, wrapText } from './plain-text';
import { summaryLine } from './summary-line';

/**
 * The CLI's stdout formats other than Markdown and SARIF: the table a person reads in a terminal,
 * and the JSON and NDJSON that scripts read.
 */

export interface TerminalOptions {
  /** ANSI colour on the severity (and a bold header); the caller decides (TTY, NO_COLOR). */
  colour: boolean;
  /** Terminal columns; no line shows more characters than this. Default 160. */
  width?: number;
  /** Incidents shown above the table, in the order given (most severe first): at most `INCIDENTS_SHOWN`. */
  incidents?: readonly Incident[];
}

/** Incident blocks above the table at most; the rest are counted ("…and N more"). */
export const INCIDENTS_SHOWN = 10;

const SEVERITY_STYLE: Record<Severity, string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** The aggregated table in the order given, then the summary line (or "no findings" and the summary line). */
export function renderTerminal(rows: readonly AggregatedRow[], summary: ScanSummary, options: TerminalOptions): string {
  const width = Math.max(1, Math.floor(options.width ?? 160));
  const table =
    rows.length === 0
      ? [clipVisible('no findings', width)]
      : tableLines(rows, {
          width,
          ...(options.colour
            ? {
                paintSeverity: (severity: Severity, text: string) => `${SEVERITY_STYLE[severity]}${text}${RESET}`,
                paintHeader: (text: string) => `${BOLD}${text}${RESET}`,
              }
            : {}),
        });
  const incidents = options.incidents && options.incidents.length > 0 ? [...incidentLines(options.incidents, width, options.colour), ''] : [];
  return [...incidents, ...table, '', ...wrapText(summaryLine(summary), width)].join('\n');
}

/**
 * The incidents as blocks a person reads before the table: severity and the title sentence (the
 * alert's), then who, where, when, the chain and how much. Everything the log named goes through
 * `displayText`; no line is wider than `width`.
 */
export function incidentLines(incidents: readonly Incident[], width: number, colour: boolean): string[] {
  const paint = (severity: Severity, text: string): string => (colour ? `${SEVERITY_STYLE[severity]}${text}${RESET}` : text);
  const bold = (text: string): string => (colour ? `${BOLD}${text}${RESET}` : text);
  const lines = wrapText(`Incidents (${incidents.length}, most severe first)`, width).map(bold);
  for (const incident of incidents.slice(0, INCIDENTS_SHOWN)) {
    lines.push('');
    const label = incident.severity.toUpperCase();
    // The title names the cluster; an unnamed one is said so, as the HTML report does.
    const named = { ...incident, cluster: incident.cluster || UNNAMED_CLUSTER };
    const [first = '', ...rest] = hanging(titleText(titleParts({ kind: 'opened', incident: named, told: named.groups })), width);
    // The first line starts at column 0 (the indent is the label's room): the label goes there.
    const room = width >= MIN_HANGING_WIDTH ? ' '.repeat(LABEL_WIDTH - label.length) : '';
    lines.push(
      width >= MIN_HANGING_WIDTH ? `${paint(incident.severity, label)}${room} ${first.trimStart()}` : paint(incident.severity, label),
      ...(width >= MIN_HANGING_WIDTH ? [] : [first]),
      ...rest,
    );
    const groups = incident.groups.length + incident.omitted.groups;
    const findings = incident.groups.reduce((n, g) => n + g.count, 0) + incident.omitted.findings;
    const details = [
      `principal: ${displayText(incident.principal.display)}`,
      `cluster: ${displayText(incident.cluster) || UNNAMED_CLUSTER}`,
      `time: ${timeRange(incident.firstSeen, incident.lastSeen)}`,
      ...(incident.chain ? [`chain: ${displayText(incident.chain)}`] : []),
      `${groups} finding ${groups === 1 ? 'group' : 'groups'}, ${findings} ${findings === 1 ? 'finding' : 'findings'}`,
    ];
    for (const detail of details) lines.push(...hanging(detail, width));
  }
  const more = incidents.length - INCIDENTS_SHOWN;
  if (more > 0) lines.push('', ...wrapText(`…and ${more} more ${more === 1 ? 'incident' : 'incidents'} (--format json or --report lists every one)`, width));
  return lines.map((line) => clipVisible(line, width));
}

const LABEL_WIDTH = 8; // "CRITICAL"
/** Narrower than this, nothing is indented: the label gets a line of its own. */
const MIN_HANGING_WIDTH = 40;
const UNNAMED_CLUSTER = 'an unnamed cluster';

/** `text` wrapped at `width`, every line indented past the severity label (when there is room for it). */
function hanging(text: string, width: number): string[] {
  const indent = width >= MIN_HANGING_WIDTH ? ' '.repeat(LABEL_WIDTH + 1) : '';
  return wrapText(text, width - indent.length).map((line) => `${indent}${line}`);
}

function timeRange(first: string, last: string): string {
  const a = displayText(formatTime(first));
  const b = displayText(formatTime(last));
  if (a === b) return `${a} UTC`;
  // The same day: the second time without its date.
  return a.slice(0, 10) === b.slice(0, 10) && /^\d{4}-\d\d-\d\d /.test(a) ? `${a} – ${b.slice(11)} UTC` : `${a} – ${b} UTC`;
}

/**
 * `--format json`: one document with exactly `findings`, `incidents`, `table` and `stats`, in that
 * order (incidents `[]` and stats `null`, never missing). Values are as logged; characters a
 * terminal would act on are `\u` escapes (`jsonText`).
 */
export function renderJson(result: { findings: readonly Finding[]; incidents?: readonly Incident[]; table: readonly AggregatedRow[]; stats: unknown }): string {
  return jsonText({ findings: result.findings, incidents: result.incidents ?? [], table: result.table, stats: result.stats ?? null }, 2);
}

/** `--format ndjson`: one finding per line, each line ended by a newline (none at all when empty); escaped as `renderJson`. */
export function renderNdjson(findings: readonly Finding[]): string {
  return findings.map(ndjsonLine).join('');
}
