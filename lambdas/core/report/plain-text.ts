import type { Severity } from '../finding';
import type { AggregatedRow, ScanSummary } from './aggregate';
import { displayText } from './display-text';
import { formatNumber, summaryLine } from './summary-line';

/**
 * The aggregated table as aligned text, for email bodies (and, with colour, the terminal, which
 * shares the layout below). Columns are padded with spaces by code points, with no box-drawing
 * characters, so the table lines up in any monospace font. In email each row's summary gets a
 * line of its own under the row: at the width mail clients keep (100), a summary column would be
 * cut to a few words, and the summary is what the reader acts on.
 *
 * Everything in a cell comes from audit logs, which an attacker writes: control characters (a
 * newline would break the table, an ESC would drive the reader's terminal) and bidirectional
 * overrides are shown as `\u{…}` instead.
 */

export interface PlainTextOptions {
  /** Rows shown before "…and N more". Default 25. */
  maxRows?: number;
  /** No line is longer than this. Default 100. */
  width?: number;
}

export { displayText } from './display-text';

export function renderPlainText(rows: readonly AggregatedRow[], summary: ScanSummary, options: PlainTextOptions = {}): string {
  const width = Math.max(1, Math.floor(options.width ?? 100));
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? 25));
  const lines = [...wrapText(summaryLine(summary), width), ''];
  if (rows.length === 0) {
    lines.push(clipVisible('no findings', width));
    return lines.join('\n');
  }
  // Laid out for the rows shown only: a hidden row's long actor must not narrow the others.
  const visible = rows.slice(0, maxRows);
  if (visible.length > 0) lines.push(...tableLines(visible, { width, summary: 'below' }));
  if (rows.length > visible.length) lines.push(clipVisible(`…and ${formatNumber(rows.length - visible.length)} more`, width));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The text table, shared with the terminal renderer

export interface TableOptions {
  /** No line is longer than this, counting visible characters. */
  width: number;
  /** Wraps the severity word (after truncation, before padding), e.g. in ANSI colour. */
  paintSeverity?: (severity: Severity, text: string) => string;
  /** Wraps the header line. */
  paintHeader?: (text: string) => string;
  /** The summary as the last column (default), or on an indented line under each row, cut to `width`. */
  summary?: 'column' | 'below';
}

type ColumnKey = 'severity' | 'count' | 'rule' | 'actor' | 'target' | 'firstSeen' | 'lastSeen' | 'summary';

interface Column {
  key: ColumnKey;
  header: string;
  align: 'left' | 'right';
  /** Identifiers end in their distinctive part (`…:kube-system:replicaset-controller`), so they lose their middle. */
  cut: 'end' | 'middle';
  cell(row: AggregatedRow): string;
}

const COLUMNS: readonly Column[] = [
  { key: 'severity', header: 'SEVERITY', align: 'left', cut: 'end', cell: (r) => r.severity },
  { key: 'count', header: 'COUNT', align: 'right', cut: 'end', cell: (r) => formatNumber(r.count) },
  { key: 'rule', header: 'RULE', align: 'left', cut: 'end', cell: (r) => r.ruleId },
  { key: 'actor', header: 'ACTOR', align: 'left', cut: 'middle', cell: (r) => r.actor },
  { key: 'target', header: 'TARGET', align: 'left', cut: 'middle', cell: targetText },
  { key: 'firstSeen', header: 'FIRST SEEN (UTC)', align: 'left', cut: 'end', cell: (r) => formatTime(r.firstSeen) },
  { key: 'lastSeen', header: 'LAST SEEN (UTC)', align: 'left', cut: 'end', cell: (r) => formatTime(r.lastSeen) },
  { key: 'summary', header: 'SUMMARY', align: 'left', cut: 'end', cell: (r) => summaryCell(r) },
];

/**
 * The summary without the actor it usually starts with: the ACTOR column beside it already says
 * who, and in a column cut to fit, a long service-account name or ARN would leave no room for
 * what they did. Only an exact prefix is removed; JSON, Markdown and SARIF keep the summary whole.
 */
function summaryCell(row: Pick<AggregatedRow, 'summary' | 'actor'>): string {
  const prefix = `${row.actor} `;
  return row.actor !== '' && row.summary.startsWith(prefix) && row.summary.length > prefix.length ? row.summary.slice(prefix.length) : row.summary;
}

/**
 * How a table too wide for `width` gives way, step by step until it fits. The summary shrinks
 * first (it is the longest, and its start says the most), then actor and target, widest first,
 * but not below what still identifies them; then first seen goes, long rule ids are cut (they
 * are what a reader types next, `rules show ID`, so as late as this), and last seen goes, before
 * anything is squeezed further. Severity, count and rule always stay; past the last step, lines
 * are cut at `width`.
 */
type Step = { shrink: readonly ColumnKey[]; floor: number } | { drop: ColumnKey };

const PLAN: readonly Step[] = [
  { shrink: ['summary'], floor: 40 },
  { shrink: ['actor', 'target'], floor: 28 },
  { shrink: ['summary'], floor: 30 },
  { drop: 'firstSeen' },
  { shrink: ['rule'], floor: 30 },
  { drop: 'lastSeen' },
  { shrink: ['actor', 'target'], floor: 22 },
  { shrink: ['summary'], floor: 24 },
  { shrink: ['actor', 'target'], floor: 16 },
  { shrink: ['summary'], floor: 16 },
  { shrink: ['rule'], floor: 20 },
  { shrink: ['actor', 'target'], floor: 12 },
  { shrink: ['rule'], floor: 12 },
  { drop: 'summary' },
  { drop: 'target' },
  { drop: 'actor' },
];

const GAP = '  ';
const BELOW_INDENT = '    ';

/**
 * The header, an underline of dashes, and one line per row in the order given (each followed by
 * its summary line with `summary: 'below'`); every line fits `width`.
 */
export function tableLines(rows: readonly AggregatedRow[], options: TableOptions): string[] {
  const width = Math.max(1, Math.floor(options.width));
  const cells = COLUMNS.map((c) => rows.map((r) => displayText(c.cell(r))));
  // No column can end up wider than the line: capped here, a 100 KB name costs the layout nothing.
  const natural = COLUMNS.map((c, i) => Math.min(width, Math.max(textLength(c.header), ...cells[i].map(textLength))));

  // The shortest prefix of the plan that fits. Its drops are made before its shrinks, so room a
  // dropped column frees goes back to the columns an earlier step had shrunk.
  const below = options.summary === 'below';
  const plan = below ? [{ drop: 'summary' } as const, ...PLAN] : PLAN;
  let steps = below ? 1 : 0;
  let layout = layoutFor(plan.slice(0, steps), natural, width);
  while (totalWidth(layout.widths) > width && steps < plan.length) layout = layoutFor(plan.slice(0, ++steps), natural, width);
  const { shown, widths } = layout;

  const line = (texts: readonly string[], paint?: (text: string, at: number) => string): string =>
    texts
      .map((text, at) => {
        const column = COLUMNS[shown[at]];
        const cut = truncate(text, widths[at], column.cut);
        const pad = ' '.repeat(widths[at] - textLength(cut));
        const painted = paint ? paint(cut, at) : cut;
        return column.align === 'right' ? pad + painted : painted + pad;
      })
      .join(GAP)
      .trimEnd();

  const header = line(shown.map((i) => COLUMNS[i].header));
  const out = [options.paintHeader ? options.paintHeader(header) : header, line(widths.map((w) => '-'.repeat(w)))];
  rows.forEach((row, r) => {
    const paintSeverity = options.paintSeverity;
    const paint = paintSeverity ? (text: string, at: number) => (COLUMNS[shown[at]].key === 'severity' ? paintSeverity(row.severity, text) : text) : undefined;
    out.push(
      line(
        shown.map((i) => cells[i][r]),
        paint,
      ),
    );
    if (below) out.push(`${BELOW_INDENT}${truncate(displayText(summaryCell(row)), width - BELOW_INDENT.length)}`);
  });
  return out.map((l) => clipVisible(l, width));
}

/** The columns left after the steps' drops, and their widths after the steps' shrinks (each only as far as needed). */
function layoutFor(steps: readonly Step[], natural: readonly number[], width: number): { shown: number[]; widths: number[] } {
  const dropped = new Set(steps.flatMap((s) => ('drop' in s ? [s.drop] : [])));
  const shown = COLUMNS.map((_, i) => i).filter((i) => !dropped.has(COLUMNS[i].key));
  const widths = shown.map((i) => natural[i]);
  let excess = totalWidth(widths) - width;
  for (const step of steps) {
    if (!('shrink' in step)) continue;
    const candidates = shown.map((i, at) => ({ at, column: COLUMNS[i] })).filter(({ column }) => step.shrink.includes(column.key));
    while (excess > 0) {
      let widest = -1;
      for (const { at, column } of candidates) {
        const floor = Math.max(step.floor, textLength(column.header));
        if (widths[at] > floor && (widest < 0 || widths[at] >= widths[widest])) widest = at;
      }
      if (widest < 0) break;
      widths[widest]--;
      excess--;
    }
  }
  return { shown, widths };
}

function totalWidth(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 0) + GAP.length * Math.max(0, widths.length - 1);
}

// ---------------------------------------------------------------------------------------------
// Values

/** `clusterrolebindings pwn`, `pods/exec team-a/web`: the resource, then namespace/name. */
export function targetText(row: Pick<AggregatedRow, 'target'>): string {
  const t = row.target;
  const resource = t.subresource ? `${t.resource}/${t.subresource}` : t.resource;
  const object = [t.namespace, t.name].filter((x) => x !== undefined && x !== '').join('/');
  return object ? `${resource} ${object}` : resource;
}

/**
 * `2026-11-23 14:05`, UTC: to the minute, which is what a table needs (JSON, SARIF and the HTML
 * report keep the exact time) and six characters a column narrower. Audit times are RFC 3339, but logs that passed through other
 * tools sometimes lose the `T` or the zone; those are read as UTC. What cannot be read is shown
 * as it is, an empty value as `-`.
 */
export function formatTime(value: string): string {
  if (value === '') return '-';
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return value;
  let iso = value.replace(' ', 'T');
  if (!/(?:Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? value : new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** Length in code points: what a monospace font shows, near enough, without a width table. */
export function textLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

// eslint-disable-next-line no-control-regex -- ANSI SGR sequences start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;
const RESET = '\u001b[0m';

/** What a terminal shows: code points, less ANSI colour sequences. */
export function visibleLength(value: string): number {
  return textLength(value.replace(ANSI, ''));
}

/** At most `width` code points, the last one `…` when something was cut (the middle, for `middle`). */
export function truncate(value: string, width: number, cut: 'end' | 'middle' = 'end'): string {
  const chars = [...value];
  if (chars.length <= width) return value;
  if (width <= 0) return '';
  const keep = width - 1;
  if (cut === 'end') return `${chars.slice(0, keep).join('')}…`;
  const head = Math.floor(keep * 0.4);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

/**
 * A line cut to `width` visible characters, ANSI sequences kept (and colour reset if the cut
 * fell inside one). The last resort for widths too narrow for any layout.
 */
export function clipVisible(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  if (width <= 0) return '';
  let out = '';
  let n = 0;
  let painted = false;
  let at = 0;
  const sequence = new RegExp(ANSI.source, 'y');
  while (at < line.length) {
    sequence.lastIndex = at;
    const match = sequence.exec(line);
    if (match) {
      out += match[0];
      painted = true;
      at += match[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(at) ?? 0);
    if (n === width - 1) {
      out += '…';
      break;
    }
    out += char;
    n++;
    at += char.length;
  }
  return painted ? out + RESET : out;
}

/** Greedy word wrap at `width` code points; a word longer than a line is cut into pieces. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    let rest = word;
    while (textLength(rest) > width) {
      if (current !== '') {
        lines.push(current);
        current = '';
      }
      const chars = [...rest];
      lines.push(chars.slice(0, width).join(''));
      rest = chars.slice(width).join('');
    }
    if (rest === '') continue;
    if (current === '') current = rest;
    else if (textLength(current) + 1 + textLength(rest) <= width) current += ` ${rest}`;
    else {
      lines.push(current);
      current = rest;
    }
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines;
}
