import type { AggregatedRow, ScanSummary } from './aggregate';
import { displayText, formatTime, targetText } from './plain-text';
import { formatNumber, summaryLine } from './summary-line';

/**
 * The aggregated table as GitHub-flavoured Markdown, for pull-request comments, issues and job
 * summaries: the summary line, then the table in the order given.
 *
 * Values come from audit logs, which an attacker writes, and land where Markdown becomes HTML.
 * Identifiers (rule, actor, target) go in code spans, where nothing is a link, an emphasis, an
 * @mention or HTML; the free-text summary has its Markdown punctuation escaped, and `@` at the
 * start of a word too. In both, `|` is
 * escaped (GFM splits cells on it even inside code spans) and control characters are shown as
 * `\u{…}`, so a newline cannot end the row.
 */
export function renderMarkdown(rows: readonly AggregatedRow[], summary: ScanSummary): string {
  const lines = [summaryLine(summary), ''];
  if (rows.length === 0) {
    lines.push('No findings.');
    return lines.join('\n');
  }
  lines.push('| Severity | Count | Rule | Actor | Target | First seen (UTC) | Last seen (UTC) | Summary |');
  lines.push('| --- | ---: | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const cells = [
      r.severity === 'critical' || r.severity === 'high' ? `**${r.severity}**` : r.severity,
      formatNumber(r.count),
      codeSpan(r.ruleId),
      codeSpan(r.actor),
      codeSpan(targetText(r)),
      markdownText(formatTime(r.firstSeen)),
      markdownText(formatTime(r.lastSeen)),
      markdownText(r.summary),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * A code span that holds any text: the fence is one backtick longer than the longest run inside,
 * and padded with a space when the text starts or ends with a backtick or a space (CommonMark
 * strips one space from each side).
 */
export function codeSpan(value: string): string {
  const text = displayText(value).replace(/\|/g, '\\|');
  if (text === '') return '';
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Text with every character that could start Markdown inline syntax in a table cell escaped:
 * emphasis, code, links and images, `<…>` autolinks and raw HTML, strikethrough, entities, cell
 * breaks. (Block syntax such as `#` or `-` only counts at the start of a line, which a cell never
 * is.) A bare `https://…` in a summary (a webhook's URL) is still linked by GitHub's autolink
 * extension, as it would be in any comment; escaping cannot stop that without garbling the URL.
 */
export function markdownText(value: string): string {
  // An `@` that starts a word would @mention a user or team on GitHub; `alice@example.com` stays.
  return displayText(value)
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)
    .replace(/(?<!\w)@/g, '\\@');
}
