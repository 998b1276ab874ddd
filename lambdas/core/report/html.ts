import type { Rule } from '../detect/rule';
import type { Category, Finding, Severity } from '../finding';
import { SEVERITIES, severityRank } from '../finding';
import type { AggregatedRow, ScanSummary } from './aggregate';
import { formatBytes, formatNumber } from './summary-line';

/**
 * The `--report FILE.html` page: one self-contained file a person can mail, archive or open
 * offline. Everything it shows (usernames, object names, summaries) comes from audit logs, which
 * an attacker writes, so every value is escaped and a strict CSP forbids scripts and every fetch:
 * even a missed escape could not run code or call home. The page needs no JavaScript at all.
 */

/** The rule metadata the page shows; a Rule or a StatefulDetector (a Detection) carries it. */
export type RuleInfo = Pick<Rule, 'id' | 'title' | 'category' | 'severity' | 'description' | 'attack' | 'controls' | 'falsePositives' | 'remediation'>;

export interface HtmlReportInput {
  /** The aggregated table, shown in the order given. */
  rows: readonly AggregatedRow[];
  /** The findings behind the rows, for the charts and the timeline. */
  findings: readonly Finding[];
  summary: ScanSummary;
  /** The registry; the page describes the rules that appear in the rows. */
  rules: readonly RuleInfo[];
  /** When the report was made (ISO 8601), shown in the header. */
  generatedAt: string;
  title?: string;
}

const DEFAULT_TITLE = 'Kubernetes audit log findings';

/** No script, no fetch of any kind; styles inline; data: images only (the empty favicon). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

export function renderHtmlReport(input: HtmlReportInput): string {
  const title = input.title ?? DEFAULT_TITLE;
  const period = periodOf(input.rows);
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
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="page">',
    `<h1>${esc(title)}</h1>`,
    `<p class="muted">Generated ${esc(formatTime(input.generatedAt))}${period ? ` · findings from ${esc(period)}` : ''} · times in UTC</p>`,
    '</header>',
    '<main>',
    renderSummary(input.summary, input.rows.length),
    '<div class="charts">',
    renderSeverityChart(input.findings),
    renderCategoryChart(input.findings),
    '</div>',
    renderTimeline(input.findings),
    renderTable(input.rows),
    renderRules(input.rows, input.rules),
    '</main>',
    '<footer class="muted">k8s-audit-analyzer · this page is static: no scripts, no network requests</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sections

function renderSummary(s: ScanSummary, groups: number): string {
  const severities = SEVERITIES_DESC.map(
    (sev) => `<li class="sev-count" data-severity="${sev}"><span class="badge sev-${sev}">${sev}</span> <span class="num">${formatNumber(s.bySeverity[sev])}</span></li>`,
  ).join('');
  const stat = (key: string, label: string, value: string, warn = false): string =>
    `<div class="stat${warn ? ' warn' : ''}" data-stat="${key}"><dt>${label}</dt><dd class="num">${value}</dd></div>`;
  return [
    '<section id="summary" aria-labelledby="summary-h">',
    '<h2 id="summary-h">Summary</h2>',
    '<div class="summary">',
    `<div class="headline" data-stat="findings"><span class="big num">${formatNumber(s.findings)}</span> ${s.findings === 1 ? 'finding' : 'findings'}` +
      ` <span class="muted">in <span class="num">${formatNumber(groups)}</span> ${groups === 1 ? 'group' : 'groups'}</span></div>`,
    `<ul class="sev-counts">${severities}</ul>`,
    '</div>',
    '<dl class="stats">',
    stat('objects', 'Objects read', formatNumber(s.objects)),
    stat('bytes', 'Data read', esc(formatBytes(s.bytes))),
    stat('events', 'Events read', formatNumber(s.events)),
    stat('skipped', 'Skipped by pre-check', formatNumber(s.skipped)),
    stat('malformed', 'Malformed lines', formatNumber(s.malformed), s.malformed > 0),
    stat('incomplete', 'Objects not fully read', formatNumber(s.incomplete), s.incomplete > 0),
    '</dl>',
    s.findings === 0 ? '<p class="empty">No findings: nothing in these logs matched a rule.</p>' : '',
    '</section>',
  ].join('\n');
}

interface Bar {
  label: string;
  value: number;
  /** CSS class giving the fill. */
  kind: string;
  key: string;
}

function renderSeverityChart(findings: readonly Finding[]): string {
  const counts = new Map<Severity, number>(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const bars = SEVERITIES_DESC.map((s) => ({ label: s, value: counts.get(s) ?? 0, kind: `sev-${s}`, key: s }));
  return chartSection('by-severity', 'Findings by severity', barChart('by-severity', 'Findings by severity', bars));
}

function renderCategoryChart(findings: readonly Finding[]): string {
  const counts = new Map<Category, { n: number; worst: Severity }>();
  for (const f of findings) {
    const c = counts.get(f.category) ?? { n: 0, worst: f.severity };
    c.n++;
    if (severityRank(f.severity) > severityRank(c.worst)) c.worst = f.severity;
    counts.set(f.category, c);
  }
  const bars = [...counts]
    .sort(([a, x], [b, y]) => y.n - x.n || a.localeCompare(b))
    .map(([category, c]) => ({ label: category, value: c.n, kind: `sev-${c.worst}`, key: category }));
  const svg = barChart('by-category', 'Findings by category, each bar coloured by its most severe finding', bars);
  return chartSection('by-category', 'Findings by category', `${svg}\n<p class="muted small chart-note">Each bar has the colour of its most severe finding.</p>`);
}

function chartSection(id: string, heading: string, svg: string): string {
  return `<section id="${id}" class="chart" aria-labelledby="${id}-h">\n<h2 id="${id}-h">${esc(heading)}</h2>\n${svg}\n</section>`;
}

/** Horizontal bars with the label left and the number right: readable without hovering. */
function barChart(id: string, title: string, bars: readonly Bar[]): string {
  const width = 480;
  const labelW = 150;
  const numW = 48;
  const rowH = 26;
  const top = 6;
  const plotW = width - labelW - numW;
  const height = Math.max(bars.length, 1) * rowH + top * 2;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const parts = [
    `<svg class="bars" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title">`,
    `<title id="${id}-title">${esc(title)}</title>`,
  ];
  if (bars.length === 0) {
    parts.push(`<text class="empty-chart" x="${width / 2}" y="${top + rowH / 2 + 4}" text-anchor="middle">No findings</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = b.value === 0 ? 0 : Math.max(2, (b.value / max) * plotW);
    const tip = `${b.label}: ${b.value} ${b.value === 1 ? 'finding' : 'findings'}`;
    parts.push(
      `<g class="bar-row" data-key="${esc(b.key)}">`,
      `<text class="label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect class="track" x="${labelW}" y="${y + 4}" width="${plotW}" height="${rowH - 8}" rx="3"/>`,
      `<rect class="bar ${b.kind}" data-count="${b.value}" x="${labelW}" y="${y + 4}" width="${fix(w)}" height="${rowH - 8}" rx="3"><title>${esc(tip)}</title></rect>`,
      `<text class="value" x="${width - 4}" y="${y + rowH / 2 + 4}" text-anchor="end">${formatNumber(b.value)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a person reads easily; the smallest that keeps the timeline under MAX_BUCKETS wins. */
const STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];
const MAX_BUCKETS = 60;

interface Bucket {
  start: number;
  counts: Record<Severity, number>;
  total: number;
  worst: Severity;
}

function renderTimeline(findings: readonly Finding[]): string {
  const times = findings.map((f) => ({ t: parseTime(f.time), severity: f.severity }));
  const timed = times.filter((x): x is { t: number; severity: Severity } => x.t !== undefined);
  const untimed = times.length - timed.length;
  const width = 960;
  const height = 220;
  const left = 44;
  const right = 12;
  const top = 12;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const parts = [
    `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="timeline-title">`,
    '<title id="timeline-title">Findings over time, stacked by severity</title>',
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}"/>`,
  ];
  let caption = '';
  if (timed.length === 0) {
    parts.push(`<text class="empty-chart" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">${findings.length === 0 ? 'No findings' : 'No finding has a readable time'}</text>`);
  } else {
    // A loop, not Math.min(...): a large scan has more findings than a call takes arguments.
    const first = timed.reduce((m, x) => Math.min(m, x.t), Infinity);
    const last = timed.reduce((m, x) => Math.max(m, x.t), -Infinity);
    const step = STEPS.find((s) => Math.floor(last / s) - Math.floor(first / s) + 1 <= MAX_BUCKETS) ?? STEPS[STEPS.length - 1];
    const origin = Math.floor(first / step) * step;
    const n = Math.floor((last - origin) / step) + 1;
    const buckets: Bucket[] = Array.from({ length: n }, (_, i) => ({
      start: origin + i * step,
      counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      total: 0,
      worst: 'info',
    }));
    for (const { t, severity } of timed) {
      const b = buckets[Math.floor((t - origin) / step)];
      b.counts[severity]++;
      b.total++;
      if (severityRank(severity) > severityRank(b.worst)) b.worst = severity;
    }
    const max = Math.max(...buckets.map((b) => b.total));
    const slot = plotW / n;
    const barW = Math.min(slot * 0.8, 48);
    // Horizontal grid at 0, half and max, so a bar's height can be read off.
    for (const v of max > 1 ? [0, Math.round(max / 2), max] : [0, max]) {
      const y = top + plotH - (v / max) * plotH;
      parts.push(`<line class="grid" x1="${left}" y1="${fix(y)}" x2="${width - right}" y2="${fix(y)}"/>`);
      parts.push(`<text class="tick" x="${left - 6}" y="${fix(y + 4)}" text-anchor="end">${formatNumber(v)}</text>`);
    }
    for (const [i, b] of buckets.entries()) {
      if (b.total === 0) continue;
      const x = left + i * slot + (slot - barW) / 2;
      const breakdown = SEVERITIES_DESC.filter((s) => b.counts[s] > 0)
        .map((s) => `${b.counts[s]} ${s}`)
        .join(', ');
      const tip = `${bucketLabel(b.start, step)}: ${b.total} ${b.total === 1 ? 'finding' : 'findings'} (${breakdown})`;
      parts.push(`<g class="bucket" data-count="${b.total}" data-severity="${b.worst}"><title>${esc(tip)}</title>`);
      // Stacked by severity, the most severe on the axis: one critical among many lows shows
      // as a red sliver, not as a red bar, and critical heights compare across buckets.
      let y = top + plotH;
      for (const s of SEVERITIES_DESC) {
        if (b.counts[s] === 0) continue;
        const h = Math.max(1.5, (b.counts[s] / max) * plotH);
        y -= h;
        parts.push(`<rect class="bar sev-${s}" data-count="${b.counts[s]}" data-severity="${s}" x="${fix(x)}" y="${fix(y)}" width="${fix(barW)}" height="${fix(h)}"/>`);
      }
      parts.push('</g>');
    }
    // At most about seven labels on the axis, on bucket boundaries.
    const every = Math.max(1, Math.ceil(n / 7));
    for (let i = 0; i < n; i += every) {
      const x = left + i * slot + slot / 2;
      parts.push(`<text class="tick" x="${fix(x)}" y="${top + plotH + 18}" text-anchor="middle">${esc(tickLabel(origin + i * step, step))}</text>`);
    }
    caption = `${formatNumber(timed.length)} ${timed.length === 1 ? 'finding' : 'findings'} in ${n} ${n === 1 ? 'bucket' : 'buckets'} of ${stepName(step)}`;
    if (untimed > 0) caption += `; ${formatNumber(untimed)} without a readable time not shown`;
  }
  parts.push('</svg>');
  const legend = `<ul class="legend">${SEVERITIES_DESC.map((s) => `<li><span class="swatch sev-${s}"></span>${s}</li>`).join('')}</ul>`;
  return [
    '<section id="timeline" class="chart" aria-labelledby="timeline-h">',
    '<h2 id="timeline-h">Timeline</h2>',
    parts.join('\n'),
    `<div class="chart-foot">${legend}${caption ? `<p class="muted">${caption}</p>` : ''}</div>`,
    '</section>',
  ].join('\n');
}

function renderTable(rows: readonly AggregatedRow[]): string {
  const head = ['Severity', 'Count', 'Rule', 'Actor', 'Target', 'First seen', 'Last seen', 'Example auditID', 'Summary'];
  if (rows.length === 0) {
    return '<section id="findings" aria-labelledby="findings-h">\n<h2 id="findings-h">Findings</h2>\n<p class="empty">No findings.</p>\n</section>';
  }
  const body = rows.map((r) => {
    const sources = r.sources.length > 0 ? ` title="${esc(`from ${r.sources.join(', ')}`)}"` : '';
    return [
      `<tr class="sev-row-${r.severity}">`,
      `<td><span class="badge sev-${r.severity}">${r.severity}</span></td>`,
      `<td class="num">${formatNumber(r.count)}</td>`,
      `<td class="rule"><a href="#rule-${esc(r.ruleId)}">${esc(r.title)}</a><div class="mono small muted">${breakable(r.ruleId)}</div></td>`,
      `<td class="mono wrap">${breakable(r.actor)}</td>`,
      `<td class="mono wrap">${breakable(targetOf(r))}${r.clusters.length > 0 ? `<div class="muted small">cluster ${breakable(r.clusters.join(', '))}</div>` : ''}</td>`,
      `<td class="time" title="${esc(r.firstSeen)}">${timeCell(r.firstSeen)}</td>`,
      `<td class="time" title="${esc(r.lastSeen)}">${timeCell(r.lastSeen)}</td>`,
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

function renderRules(rows: readonly AggregatedRow[], rules: readonly RuleInfo[]): string {
  // In the order the table first shows them: the most severe rule first.
  const ids = [...new Set(rows.map((r) => r.ruleId))];
  const articles = ids.map((id) => {
    const mine = rows.filter((r) => r.ruleId === id);
    const findings = mine.reduce((n, r) => n + r.count, 0);
    const rule = rules.find((r) => r.id === id);
    const worst = mine.map((r) => r.severity).reduce((a, b) => (severityRank(b) > severityRank(a) ? b : a));
    const head = `<header><span class="badge sev-${worst}">${worst}</span> <h3>${esc(rule?.title ?? mine[0].title)}</h3> <code>${esc(id)}</code></header>`;
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

/** Escapes for text and for double- or single-quoted attributes alike. */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Escapes, and shows control and bidirectional-override characters as `\u{…}`: in a username or
 * object name they can only be there to make the text read as something else.
 */
function text(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return esc(value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`));
}

/**
 * Identifiers (usernames, object paths, UUIDs) may break after : / . @ - so a narrow column wraps
 * them where a person would, not in the middle of a word.
 */
function breakable(value: string): string {
  return text(value).replace(/([:/.@-])(?=[^\s])/g, '$1<wbr>');
}

/** A time as date and clock, each kept whole, so the column can be one date wide. */
function timeCell(value: string): string {
  const shown = formatTime(value);
  const [date, clock] = shown.split(' ');
  return clock === undefined || parseTime(value) === undefined ? esc(shown) : `<span>${date}</span> <span>${clock}</span>`;
}

/** Text with `backticked` spans as <code>; the text is escaped first, so the spans hold no markup but <wbr>. */
function withCode(value: string): string {
  return breakable(value).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function paragraphs(value: string): string {
  return value
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${withCode(p)}</p>`)
    .join('');
}

function targetOf(r: AggregatedRow): string {
  const resource = r.target.subresource ? `${r.target.resource}/${r.target.subresource}` : r.target.resource;
  const object = [r.target.namespace, r.target.name].filter((x) => x !== undefined && x !== '').join('/');
  return object ? `${resource} ${object}` : resource;
}

function fix(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * Audit times are RFC 3339, but logs passed through other tools sometimes drop the `T` or the
 * zone; those are read as UTC rather than as the reader's local time, so the page does not
 * depend on where it was made.
 */
function parseTime(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return undefined;
  let iso = value.replace(' ', 'T');
  if (!/(?:Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** `2026-11-23 14:05:09`, UTC; what cannot be read is shown as it is (or a dash when empty). */
function formatTime(value: string): string {
  const t = parseTime(value);
  if (t === undefined) return value === '' ? '—' : value;
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

function periodOf(rows: readonly AggregatedRow[]): string | undefined {
  const times = rows.flatMap((r) => [parseTime(r.firstSeen), parseTime(r.lastSeen)]).filter((t): t is number => t !== undefined);
  if (times.length === 0) return undefined;
  const [a, b] = [times.reduce((m, t) => Math.min(m, t)), times.reduce((m, t) => Math.max(m, t))].map((t) => new Date(t).toISOString().slice(0, 19).replace('T', ' '));
  return a === b ? a : `${a} to ${b}`;
}

function tickLabel(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  if (step >= 30 * DAY) return iso.slice(0, 7); // buckets of a month or more: the month is enough
  if (step >= DAY) return iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function bucketLabel(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  return step >= DAY ? `${stepName(step)} from ${iso.slice(0, 10)}` : `${iso.slice(0, 16).replace('T', ' ')} (+${stepName(step)})`;
}

function stepName(step: number): string {
  if (step >= DAY) return step === DAY ? '1 day' : `${step / DAY} days`;
  if (step >= HOUR) return step === HOUR ? '1 hour' : `${step / HOUR} hours`;
  return step === MINUTE ? '1 minute' : `${step / MINUTE} minutes`;
}

// ---------------------------------------------------------------------------------------------
// Style: system fonts only (no web fonts to fetch); light, dark and print.

const STYLE = `
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
