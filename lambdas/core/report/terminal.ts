import type { Finding, Severity } from '../finding';
import type { AggregatedRow, ScanSummary } from './aggregate';
import { jsonText } from './display-text';
import { clipVisible, tableLines, wrapText } from './plain-text';
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
}

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
  return [...table, '', ...wrapText(summaryLine(summary), width)].join('\n');
}

/**
 * `--format json`: one document with exactly `findings`, `table` and `stats`, in that order (stats
 * `null`, never missing). Values are as logged; characters a terminal would act on are `\u` escapes (`jsonText`).
 */
export function renderJson(result: { findings: readonly Finding[]; table: readonly AggregatedRow[]; stats: unknown }): string {
  return jsonText({ findings: result.findings, table: result.table, stats: result.stats ?? null }, 2);
}

/** `--format ndjson`: one finding per line, each line ended by a newline (none at all when empty); escaped as `renderJson`. */
export function renderNdjson(findings: readonly Finding[]): string {
  return findings.map((f) => `${jsonText(f)}\n`).join('');
}
