import type { Rule } from '../detect/rule';
import { severityRank } from '../finding';
import type { AggregatedRow } from './aggregate';
import { displayText } from './display-text';
import { formatNumber } from './summary-line';

/**
 * What the static HTML pages share: the findings report (`html.ts`) and the compliance report
 * (`../compliance/report-html.ts`). The document head with its CSP, the escaping of values read
 * from audit logs (which an attacker writes), the inline SVG bar chart, the aggregated findings
 * table, the rule descriptions and the stylesheet for light, dark and print.
 */

/** The rule metadata the page shows; a Rule or a StatefulDetector (a Detection) carries it. */
export type RuleInfo = Pick<Rule, 'id' | 'title' | 'category' | 'severity' | 'description' | 'attack' | 'controls' | 'falsePositives' | 'remediation'>;

/** No script, no fetch of any kind; styles inline; data: images only (the empty favicon). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** From `<!doctype html>` to `<body>`: the CSP first, before anything it governs. */
export function documentStart(title: string, style: string): string[] {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    // Without an icon, a browser serving the file over HTTP would ask for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${text(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
  ];
}

// ---------------------------------------------------------------------------------------------
// Charts

export interface Bar {
  label: string;
  value: number;
  /** CSS class giving the fill. */
  kind: string;
  key: string;
}

export function chartSection(id: string, heading: string, svg: string): string {
  return `<section id="${id}" class="chart" aria-labelledby="${id}-h">\n<h2 id="${id}-h">${esc(heading)}</h2>\n${svg}\n</section>`;
}

/** One row of a grouped chart: a label and a bar per series (this period and the one before). */
export interface BarGroup {
  label: string;
  key: string;
  bars: ReadonlyArray<{ value: number; kind: string; series?: string }>;
  /** A short text right of the numbers (a change: `↑ 50%`), with the CSS class that colours it. */
  note?: { text: string; kind: string };
}

export interface BarChartOptions {
  /** Of the viewBox; 480 by default. */
  width?: number;
  /** Room kept right of the numbers for `BarGroup.note`; none by default. */
  noteW?: number;
  /** What an empty chart says; `No findings` by default. */
  empty?: string;
}

/** The longest label shown whole; a longer one (a cluster name) is cut, the whole in its tooltip. */
const LABEL_MAX = 20;

/** Horizontal bars with the label left and the number right: readable without hovering. */
export function barChart(id: string, title: string, bars: readonly Bar[], options: BarChartOptions = {}): string {
  return groupedBarChart(
    id,
    title,
    bars.map((b) => ({ label: b.label, key: b.key, bars: [{ value: b.value, kind: b.kind }] })),
    options,
  );
}

/**
 * The same chart with several bars to a row, one per series, each with its number: the trend of
 * a period against the one before reads as two bars of the same scale side by side.
 */
export function groupedBarChart(id: string, title: string, groups: readonly BarGroup[], options: BarChartOptions = {}): string {
  const width = options.width ?? 480;
  const noteW = options.noteW ?? 0;
  const labelW = 150;
  const numW = 48;
  const top = 6;
  const perRow = Math.max(1, ...groups.map((g) => g.bars.length));
  const barH = perRow === 1 ? 18 : 14;
  const gap = 3;
  const rowH = perRow * barH + (perRow - 1) * gap + 8;
  const plotW = width - labelW - numW - noteW;
  const height = Math.max(groups.length, 1) * rowH + top * 2;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const parts = [
    `<svg class="bars${perRow > 1 ? ' grouped' : ''}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title">`,
    `<title id="${id}-title">${esc(title)}</title>`,
  ];
  if (groups.length === 0) {
    parts.push(`<text class="empty-chart" x="${width / 2}" y="${top + rowH / 2 + 4}" text-anchor="middle">${esc(options.empty ?? 'No findings')}</text>`);
  }
  groups.forEach((g, i) => {
    const y = top + i * rowH;
    parts.push(
      `<g class="bar-row" data-key="${text(g.key)}">`,
      `<text class="label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${chartLabel(g.label)}</text>`,
    );
    g.bars.forEach((b, j) => {
      const by = y + 4 + j * (barH + gap);
      const w = b.value === 0 ? 0 : Math.max(2, (b.value / max) * plotW);
      const tip = `${g.label}${b.series ? `, ${b.series}` : ''}: ${b.value} ${b.value === 1 ? 'finding' : 'findings'}`;
      const series = b.series ? ` data-series="${esc(b.series)}"` : '';
      parts.push(
        `<rect class="track" x="${labelW}" y="${by}" width="${plotW}" height="${barH}" rx="3"/>`,
        `<rect class="bar ${b.kind}"${series} data-count="${b.value}" x="${labelW}" y="${by}" width="${fix(w)}" height="${barH}" rx="3"><title>${text(tip)}</title></rect>`,
        `<text class="value" x="${width - noteW - 4}" y="${by + barH / 2 + 4}" text-anchor="end">${formatNumber(b.value)}</text>`,
      );
    });
    if (g.note) parts.push(`<text class="note ${g.note.kind}" x="${width - 4}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(g.note.text)}</text>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A label cut to what the label column holds, with control characters shown (see `text`). */
function chartLabel(label: string): string {
  const chars = [...label];
  if (chars.length <= LABEL_MAX) return text(label);
  return `${text(chars.slice(0, LABEL_MAX - 1).join(''))}…<title>${text(label)}</title>`;
}

// ---------------------------------------------------------------------------------------------
// The findings table and the rules

/** The aggregated table, in the order given, as the section `findings`; a sentence when empty. */
export function findingsTable(rows: readonly AggregatedRow[]): string {
  const head = ['Severity', 'Count', 'Rule', 'Actor', 'Target', 'First seen', 'Last seen', 'Example auditID', 'Summary'];
  if (rows.length === 0) {
    return '<section id="findings" aria-labelledby="findings-h">\n<h2 id="findings-h">Findings</h2>\n<p class="empty">No findings.</p>\n</section>';
  }
  const body = rows.map((r) => {
    const sources = r.sources.length > 0 ? ` title="${text(`from ${r.sources.join(', ')}`)}"` : '';
    return [
      `<tr class="sev-row-${esc(r.severity)}">`,
      `<td><span class="badge sev-${esc(r.severity)}">${esc(r.severity)}</span></td>`,
      `<td class="num">${formatNumber(r.count)}</td>`,
      `<td class="rule"><a href="#rule-${esc(r.ruleId)}">${esc(r.title)}</a><div class="mono small muted">${breakable(r.ruleId)}</div></td>`,
      `<td class="mono wrap">${breakable(r.actor)}</td>`,
      `<td class="mono wrap">${breakable(targetOf(r))}${r.clusters.length > 0 ? `<div class="muted small">cluster ${breakable(r.clusters.join(', '))}</div>` : ''}</td>`,
      `<td class="time" title="${text(r.firstSeen)}">${timeCell(r.firstSeen)}</td>`,
      `<td class="time" title="${text(r.lastSeen)}">${timeCell(r.lastSeen)}</td>`,
      `<td class="mono wrap small"${sources}>${breakable(r.exampleAuditID)}</td>`,
      `<td class="summary-cell">${withCode(r.summary)}</td>`,
      '</tr>',
    ].join('');
  });
  return [
    '<section id="findings" aria-labelledby="findings-h">',
    `<h2 id="findings-h">Findings <span class="muted">(${formatNumber(rows.length)} ${rows.length === 1 ? 'group' : 'groups'}, by severity then count)</span></h2>`,
    '<div class="table-wrap">',
    '<table class="findings">',
    `<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${body.join('\n')}\n</tbody>`,
    '</table>',
    '</div>',
    '</section>',
  ].join('\n');
}

/** Each rule the rows name, in the order they first appear, as the section `rules`. */
export function rulesSection(rows: readonly AggregatedRow[], rules: readonly RuleInfo[]): string {
  // In the order the table first shows them: the most severe rule first.
  const ids = [...new Set(rows.map((r) => r.ruleId))];
  const articles = ids.map((id) => {
    const mine = rows.filter((r) => r.ruleId === id);
    const findings = mine.reduce((n, r) => n + r.count, 0);
    const rule = rules.find((r) => r.id === id);
    const worst = mine.map((r) => r.severity).reduce((a, b) => (severityRank(b) > severityRank(a) ? b : a));
    const head = `<header><span class="badge sev-${esc(worst)}">${esc(worst)}</span> <h3>${esc(rule?.title ?? mine[0].title)}</h3> <code>${esc(id)}</code></header>`;
    const count = `<div><dt>Found</dt><dd>${formatNumber(findings)} ${findings === 1 ? 'finding' : 'findings'} in ${formatNumber(mine.length)} ${mine.length === 1 ? 'group' : 'groups'}</dd></div>`;
    if (!rule) {
      return `<article class="rule" id="rule-${esc(id)}">${head}<dl class="meta">${count}</dl><p class="muted">This rule is not in this build's registry; no description available.</p></article>`;
    }
    const meta = [
      `<div><dt>Category</dt><dd>${esc(rule.category)}</dd></div>`,
      `<div><dt>Raises up to</dt><dd>${esc(rule.severity)}</dd></div>`,
      `<div><dt>MITRE ATT&amp;CK</dt><dd>${rule.attack.length > 0 ? rule.attack.map((a) => `<code>${esc(a)}</code>`).join(' ') : '—'}</dd></div>`,
      rule.controls.length > 0 ? `<div><dt>Controls</dt><dd>${rule.controls.map((c) => `<code>${esc(c)}</code>`).join(' ')}</dd></div>` : '',
      count,
    ].join('');
    return [
      `<article class="rule" id="rule-${esc(id)}">`,
      head,
      `<dl class="meta">${meta}</dl>`,
      `<h4>Description</h4>${paragraphs(rule.description)}`,
      `<h4>False positives</h4>${paragraphs(rule.falsePositives)}`,
      `<h4>Remediation</h4>${paragraphs(rule.remediation)}`,
      '</article>',
    ].join('\n');
  });
  return [
    '<section id="rules" aria-labelledby="rules-h">',
    '<h2 id="rules-h">Rules that fired</h2>',
    articles.length > 0 ? `<div class="rules">\n${articles.join('\n')}\n</div>` : '<p class="empty">No rule fired.</p>',
    '</section>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Values

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes for text and for double- or single-quoted attributes alike, after showing invisible,
 * control and bidirectional characters as `\u{…}` (`displayText`): in a username or object name
 * they can only be there to make the text read as something else. Every value on the pages goes
 * through here, ours included, so there is no second, weaker escape to pick by mistake.
 */
export function esc(value: string): string {
  return displayText(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The same as `esc`; the name the page code uses for values from the logs. */
export const text = esc;

/**
 * Identifiers (usernames, object paths, UUIDs) may break after : / . @ - so a narrow column wraps
 * them where a person would, not in the middle of a word.
 */
export function breakable(value: string): string {
  return text(value).replace(/([:/.@-])(?=[^\s])/g, '$1<wbr>');
}

/** A time as date and clock, each kept whole, so the column can be one date wide. */
export function timeCell(value: string): string {
  const shown = formatTime(value);
  const [date, clock] = shown.split(' ');
  return clock === undefined || parseTime(value) === undefined ? text(shown) : `<span>${date}</span> <span>${clock}</span>`;
}

/** Text with `backticked` spans as <code>; the text is escaped first, so the spans hold no markup but <wbr>. */
export function withCode(value: string): string {
  return breakable(value).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Our own prose (rule descriptions): blank lines part paragraphs, other line breaks are spaces. */
export function paragraphs(value: string): string {
  return value
    .split(/\n\s*\n/)
    .map((p) => p.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .map((p) => `<p>${withCode(p)}</p>`)
    .join('');
}

export function targetOf(r: AggregatedRow): string {
  const resource = r.target.subresource ? `${r.target.resource}/${r.target.subresource}` : r.target.resource;
  const object = [r.target.namespace, r.target.name].filter((x) => x !== undefined && x !== '').join('/');
  return object ? `${resource} ${object}` : resource;
}

export function fix(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * Audit times are RFC 3339, but logs passed through other tools sometimes drop the `T` or the
 * zone; those are read as UTC rather than as the reader's local time, so the page does not
 * depend on where it was made.
 */
export function parseTime(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return undefined;
  let iso = value.replace(' ', 'T');
  if (!/(?:Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** `2026-11-23 14:05:09`, UTC; what cannot be read is shown as it is (or a dash when empty). */
export function formatTime(value: string): string {
  const t = parseTime(value);
  if (t === undefined) return value === '' ? '—' : value;
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

// ---------------------------------------------------------------------------------------------
// Style: system fonts only (no web fonts to fetch); light, dark and print.

export const REPORT_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f7f8fa; --panel: #ffffff; --fg: #1b1f24; --muted: #5b6470; --line: #d9dde3; --track: #eef0f3; --zebra: #fafbfc;
  --link: #0b57d0;
  --sev-critical: #a11a1a; --sev-high: #c2410c; --sev-medium: #a16207; --sev-low: #1d4ed8; --sev-info: #5b6470;
  --ink-on-sev: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #101317; --panel: #181c22; --fg: #e6e9ee; --muted: #9aa3ae; --line: #2c333c; --track: #222831; --zebra: #1c2128;
    --link: #8ab4f8;
    --sev-critical: #f87171; --sev-high: #fb923c; --sev-medium: #facc15; --sev-low: #60a5fa; --sev-info: #9ca3af;
    --ink-on-sev: #111418;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif; }
header.page, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
header.page { padding-top: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 0; display: inline; }
h4 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 4px; }
p { margin: 0 0 8px; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: var(--track); border-radius: 3px; padding: 0 3px; }
.muted { color: var(--muted); font-weight: normal; }
.small { font-size: 11.5px; }
.num { font-variant-numeric: tabular-nums; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
footer { padding-bottom: 24px; font-size: 12px; }
.empty { color: var(--muted); font-style: italic; margin: 12px 0 0; }
.badge { display: inline-block; min-width: 62px; text-align: center; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; letter-spacing: .02em;
  text-transform: uppercase; color: var(--ink-on-sev); -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.badge.sev-critical, .swatch.sev-critical { background: var(--sev-critical); }
.badge.sev-high, .swatch.sev-high { background: var(--sev-high); }
.badge.sev-medium, .swatch.sev-medium { background: var(--sev-medium); }
.badge.sev-low, .swatch.sev-low { background: var(--sev-low); }
.badge.sev-info, .swatch.sev-info { background: var(--sev-info); }
svg .bar.sev-critical { fill: var(--sev-critical); }
svg .bar.sev-high { fill: var(--sev-high); }
svg .bar.sev-medium { fill: var(--sev-medium); }
svg .bar.sev-low { fill: var(--sev-low); }
svg .bar.sev-info { fill: var(--sev-info); }
.summary { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 32px; }
.headline { font-size: 16px; }
.big { font-size: 34px; font-weight: 700; line-height: 1; }
.sev-counts { list-style: none; display: flex; flex-wrap: wrap; gap: 8px 18px; padding: 0; margin: 0; }
.sev-counts .num { font-size: 18px; font-weight: 600; margin-left: 4px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.stat dt { color: var(--muted); font-size: 12px; }
.stat dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; }
.stat.warn { border-color: var(--sev-medium); }
.stat.warn dd { color: var(--sev-medium); }
.incident { border: 1px solid var(--border, #d0d7de); border-left-width: 6px; border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.incident.sev-row-critical { border-left-color: var(--sev-critical); } .incident.sev-row-high { border-left-color: var(--sev-high); }
.incident.sev-row-medium { border-left-color: var(--sev-medium); } .incident.sev-row-low { border-left-color: var(--sev-low); }
.incident header h3 { display: inline; font-size: 16px; margin: 0 6px; }
.incident .chain { font-weight: 600; margin: 6px 0; }
.incident-groups { list-style: none; padding: 0; margin: 6px 0 0; } .incident-groups li { margin: 6px 0; }
.incident-list { list-style: none; padding: 0; } .incident-list li { margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 16px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart svg.bars { max-width: 640px; }
svg text { fill: var(--fg); font-size: 12.5px; font-family: inherit; }
svg text.value, svg text.tick { font-variant-numeric: tabular-nums; }
svg text.tick { fill: var(--muted); font-size: 11.5px; }
svg text.empty-chart { fill: var(--muted); font-style: italic; }
svg .track { fill: var(--track); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; stroke-dasharray: 3 3; }
svg .bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.chart-note { margin: 6px 0 0; }
.chart-foot { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 6px 24px; margin-top: 6px; font-size: 12px; }
.legend { list-style: none; display: flex; gap: 14px; padding: 0; margin: 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.table-wrap { overflow-x: auto; }
table.findings { border-collapse: collapse; width: 100%; font-size: 13px; }
table.findings th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); padding: 6px 8px; white-space: nowrap;
  position: sticky; top: 0; background: var(--panel); }
table.findings td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; }
table.findings tbody tr:nth-child(even) { background: var(--zebra); }
table.findings td.num { text-align: right; }
table.findings td.time { font-variant-numeric: tabular-nums; font-size: 12.5px; }
table.findings td.time span { white-space: nowrap; }
table.findings td.wrap { overflow-wrap: anywhere; min-width: 110px; }
table.findings td.rule { min-width: 170px; max-width: 260px; }
table.findings td.summary-cell { min-width: 260px; overflow-wrap: anywhere; }
tr.sev-row-critical td:first-child { box-shadow: inset 3px 0 0 var(--sev-critical); }
tr.sev-row-high td:first-child { box-shadow: inset 3px 0 0 var(--sev-high); }
.rules { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 14px; }
article.rule { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px 6px; }
article.rule header code { margin-left: 6px; white-space: nowrap; }
article.rule header .badge { margin-right: 6px; vertical-align: 1px; }
dl.meta { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 10px 0 0; }
dl.meta dt { font-size: 12px; color: var(--muted); }
dl.meta dd { margin: 0; }
dl.meta dd code { white-space: nowrap; }
@media print {
  :root { --bg: #fff; --panel: #fff; --fg: #000; --muted: #444; --line: #bbb; --track: #eee; --zebra: #f6f6f6; --link: #000;
    --sev-critical: #a11a1a; --sev-high: #c2410c; --sev-medium: #a16207; --sev-low: #1d4ed8; --sev-info: #5b6470; --ink-on-sev: #fff; }
  body { font-size: 11px; }
  header.page, main, footer { max-width: none; padding: 0; }
  section { border: 0; padding: 0; margin: 0 0 18px; }
  .charts { display: block; }
  .rules { display: block; }
  article.rule { border: 0; border-top: 1px solid var(--line); border-radius: 0; padding: 10px 0 4px; }
  .chart, article.rule, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  table.findings th { position: static; white-space: normal; padding: 4px; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  table.findings { font-size: 10px; }
  table.findings td { min-width: 0 !important; padding: 4px; }
  code, .mono, table.findings td.time { font-size: 9.5px; }
  .chart svg.bars { max-width: 480px; }
}
`;
