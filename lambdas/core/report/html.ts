import type { Category, Finding, Severity } from '../finding';
import { SEVERITIES, SEVERITIES_DESC, severityRank, zeroSeverityCounts } from '../finding';
import type { AggregatedRow, ScanSummary } from './aggregate';
import type { Incident } from '../incident/types';
import type { RuleInfo } from './html-parts';
import { REPORT_STYLE, barChart, chartSection, documentStart, esc, findingsTable, fix, formatTime, parseTime, rulesSection } from './html-parts';
import { formatBytes, formatNumber } from './summary-line';

export type { RuleInfo } from './html-parts';
export { REPORT_CSP } from './html-parts';

/**
 * The `--report FILE.html` page: one self-contained file a person can mail, archive or open
 * offline. Everything it shows (usernames, object names, summaries) comes from audit logs, which
 * an attacker writes, so every value is escaped and a strict CSP forbids scripts and every fetch:
 * even a missed escape could not run code or call home. The page needs no JavaScript at all.
 */

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
  /** The findings grouped into incidents, most severe first: the page opens on them. */
  incidents?: readonly Incident[];
}

/** Incidents shown in full at the top of the page; the rest are listed in one line each. */
const INCIDENTS_SHOWN = 5;
/** Finding groups of an incident shown in its card. */
const GROUPS_SHOWN = 5;

const DEFAULT_TITLE = 'Kubernetes audit log findings';

export function renderHtmlReport(input: HtmlReportInput): string {
  const title = input.title ?? DEFAULT_TITLE;
  const period = periodOf(input.rows);
  return [
    ...documentStart(title, REPORT_STYLE),
    '<header class="page">',
    `<h1>${esc(title)}</h1>`,
    `<p class="muted">Generated ${esc(formatTime(input.generatedAt))}${period ? ` · findings from ${esc(period)}` : ''} · times in UTC</p>`,
    '</header>',
    '<main>',
    // Who did what, first: the incidents and the findings that would page; counts and the reader's statistics last.
    renderIncidents(input.incidents ?? []),
    renderSummary(input.summary, input.rows.length),
    findingsTable(input.rows),
    '<div class="charts">',
    renderSeverityChart(input.findings),
    renderCategoryChart(input.findings),
    '</div>',
    renderTimeline(input.findings),
    rulesSection(input.rows, input.rules),
    renderReaderStats(input.summary),
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
    (sev) =>
      `<li class="sev-count" data-severity="${sev}"><span class="badge sev-${sev}">${sev}</span> <span class="num">${formatNumber(s.bySeverity[sev])}</span></li>`,
  ).join('');
  return [
    '<section id="summary" aria-labelledby="summary-h">',
    '<h2 id="summary-h">Summary</h2>',
    '<div class="summary">',
    `<div class="headline" data-stat="findings"><span class="big num">${formatNumber(s.findings)}</span> ${s.findings === 1 ? 'finding' : 'findings'}` +
      ` <span class="muted">in <span class="num">${formatNumber(groups)}</span> ${groups === 1 ? 'group' : 'groups'}</span></div>`,
    `<ul class="sev-counts">${severities}</ul>`,
    '</div>',
    s.findings === 0 ? '<p class="empty">No findings: nothing in these logs matched a rule.</p>' : '',
    '</section>',
  ].join('\n');
}

/** What the reader saw: for whoever checks the input, at the end of the page. */
function renderReaderStats(s: ScanSummary): string {
  const stat = (key: string, label: string, value: string, warn = false): string =>
    `<div class="stat${warn ? ' warn' : ''}" data-stat="${key}"><dt>${label}</dt><dd class="num">${value}</dd></div>`;
  return [
    '<section id="reading" aria-labelledby="reading-h">',
    '<h2 id="reading-h">What was read</h2>',
    '<dl class="stats">',
    stat('objects', 'Objects read', formatNumber(s.objects)),
    stat('bytes', 'Data read', esc(formatBytes(s.bytes))),
    stat('events', 'Events read', formatNumber(s.events)),
    stat('skipped', 'Skipped by pre-check', formatNumber(s.skipped)),
    stat('malformed', 'Malformed lines', formatNumber(s.malformed), s.malformed > 0),
    stat('incomplete', 'Objects not fully read', formatNumber(s.incomplete), s.incomplete > 0),
    '</dl>',
    '</section>',
  ].join('\n');
}

/** The incidents: who did what, when, and what it adds up to; the most severe in full. */
function renderIncidents(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return '';
  const card = (incident: Incident): string => {
    // Most severe first, then the earliest: the card leads with what pages.
    const groups = [...incident.groups]
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || Date.parse(a.firstSeen) - Date.parse(b.firstSeen))
      .slice(0, GROUPS_SHOWN);
    const more = incident.groups.length - groups.length + incident.omitted.groups;
    return [
      `<article class="incident sev-row-${esc(incident.severity)}" data-incident="${esc(incident.id)}">`,
      `<header><span class="badge sev-${esc(incident.severity)}">${esc(incident.severity)}</span> <h3>${esc(incident.principal.display)}</h3>` +
        ` <span class="muted">in ${esc(incident.cluster || 'an unnamed cluster')} · ${esc(formatTime(incident.firstSeen))} – ${esc(formatTime(incident.lastSeen))}</span></header>`,
      incident.chain ? `<p class="chain">${esc(incident.chain)}</p>` : '',
      '<ul class="incident-groups">',
      ...groups.map(
        (g) =>
          `<li><span class="badge sev-${esc(g.severity)}">${esc(g.severity)}</span> <a href="#rule-${esc(g.ruleId)}">${esc(g.title)}</a>` +
          `${g.count > 1 ? ` <span class="muted">×${formatNumber(g.count)}</span>` : ''}<div class="summary-cell">${esc(g.summary)}</div></li>`,
      ),
      '</ul>',
      more > 0 ? `<p class="muted small">and ${formatNumber(more)} more finding ${more === 1 ? 'group' : 'groups'}</p>` : '',
      '</article>',
    ].join('\n');
  };
  const rest = incidents.slice(INCIDENTS_SHOWN);
  return [
    '<section id="incidents" aria-labelledby="incidents-h">',
    `<h2 id="incidents-h">Incidents <span class="muted">(${formatNumber(incidents.length)}, most severe first)</span></h2>`,
    ...incidents.slice(0, INCIDENTS_SHOWN).map(card),
    rest.length > 0
      ? `<ul class="incident-list">${rest.map((i) => `<li><span class="badge sev-${esc(i.severity)}">${esc(i.severity)}</span> ${esc(i.principal.display)} <span class="muted">in ${esc(i.cluster)}, ${i.groups.length} groups</span></li>`).join('')}</ul>`
      : '',
    '</section>',
  ].join('\n');
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
  return chartSection(
    'by-category',
    'Findings by category',
    `${svg}\n<p class="muted small chart-note">Each bar has the colour of its most severe finding.</p>`,
  );
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
    parts.push(
      `<text class="empty-chart" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">${findings.length === 0 ? 'No findings' : 'No finding has a readable time'}</text>`,
    );
  } else {
    // A loop, not Math.min(...): a large scan has more findings than a call takes arguments.
    const first = timed.reduce((m, x) => Math.min(m, x.t), Infinity);
    const last = timed.reduce((m, x) => Math.max(m, x.t), -Infinity);
    const step = STEPS.find((s) => Math.floor(last / s) - Math.floor(first / s) + 1 <= MAX_BUCKETS) ?? STEPS[STEPS.length - 1];
    const origin = Math.floor(first / step) * step;
    const n = Math.floor((last - origin) / step) + 1;
    const buckets: Bucket[] = Array.from({ length: n }, (_, i) => ({
      start: origin + i * step,
      counts: zeroSeverityCounts(),
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
        parts.push(
          `<rect class="bar sev-${s}" data-count="${b.counts[s]}" data-severity="${s}" x="${fix(x)}" y="${fix(y)}" width="${fix(barW)}" height="${fix(h)}"/>`,
        );
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

function periodOf(rows: readonly AggregatedRow[]): string | undefined {
  const times = rows.flatMap((r) => [parseTime(r.firstSeen), parseTime(r.lastSeen)]).filter((t): t is number => t !== undefined);
  if (times.length === 0) return undefined;
  const [a, b] = [times.reduce((m, t) => Math.min(m, t)), times.reduce((m, t) => Math.max(m, t))].map((t) =>
    new Date(t).toISOString().slice(0, 19).replace('T', ' '),
  );
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
