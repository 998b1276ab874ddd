import type { Category, Severity } from '../finding';
import { SEVERITIES_DESC, severityRank } from '../finding';
import type { AggregatedRow } from '../report/aggregate';
import type { Bar, BarGroup, RuleInfo } from '../report/html-parts';
import {
  REPORT_STYLE,
  barChart,
  breakable,
  chartSection,
  documentStart,
  esc,
  findingsTable,
  formatTime,
  groupedBarChart,
  parseTime,
  rulesSection,
  targetOf,
  text,
  timeCell,
  withCode,
} from '../report/html-parts';
import { formatNumber } from '../report/summary-line';
import { FRAMEWORKS, STATES, SUMMARY_STYLE, renderAuditSummary } from './summary-html';
import type { ComplianceReport, ControlAssessment, ControlState, Coverage, Period, TopActor, Trend } from './types';
import { AUDIT_LEVELS, CONTROL_STATES, FRAMEWORK_ORDER } from './types';

/**
 * The compliance report as one self-contained HTML page, the one handed to an auditor each week:
 * first the one page an auditor reads (`summary-html.ts`: period, clusters and their platforms,
 * controls per framework, the incidents behind the violations, the change since the last period),
 * then the period against the one before, the findings charted, and every control with its state
 * (violated, held, not assessed, not applicable) and the evidence behind it. Same guarantees as the findings page
 * (`../report/html.ts`), whose parts it shares: usernames, object and cluster names come from audit
 * logs an attacker writes, so every value is escaped, control and bidi characters are shown, and
 * a CSP forbids scripts and every fetch. No JavaScript; prints on white, follows dark mode.
 */
export function renderComplianceHtml(report: ComplianceReport, rules: readonly RuleInfo[]): string {
  const fired = new Set(report.rows.map((r) => r.ruleId));
  return [
    ...documentStart(report.title, REPORT_STYLE + COMPLIANCE_STYLE),
    // The header and the auditor's page print as page 1; the detail starts on page 2.
    '<div class="first-page">',
    renderHeader(report),
    renderNav(),
    renderAuditSummary(report),
    '</div>',
    '<main>',
    renderSummary(report),
    renderTrend(report),
    // Severity over cluster, beside category (the tallest); one column on a narrow screen.
    '<div class="chart-grid">',
    renderSeverityChart(report),
    renderCategoryChart(report),
    renderClusterChart(report),
    '</div>',
    renderTopActors(report.topActors, fired),
    renderControls(report.controls, fired),
    renderCoverage(report.coverage),
    renderNotes(report.notes),
    findingsTable(report.rows),
    rulesSection(report.rows, rules),
    '</main>',
    `<footer class="muted">k8s-audit-analyzer · compliance report for ${text(utcLabel(report.period))} · this page is static: no scripts, no network requests</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Header and summary

const CADENCE: Record<string, string> = { daily: 'Daily compliance report', weekly: 'Weekly compliance report' };

function renderHeader(report: ComplianceReport): string {
  const { period, previousPeriod: previous } = report;
  const item = (key: string, label: string, value: string): string => `<div data-meta="${key}"><dt>${label}</dt><dd>${value}</dd></div>`;
  const clusters =
    report.clusters.length > 0 ? report.clusters.map((c) => `<span class="cluster mono">${breakable(c)}</span>`).join(', ') : '<span class="muted">none</span>';
  return [
    '<header class="page" id="header">',
    `<p class="eyebrow">${report.cadence ? CADENCE[report.cadence] : 'Compliance report'}</p>`,
    `<h1>${text(report.title)}</h1>`,
    '<dl class="report-meta">',
    item('period', 'Period', `<strong>${text(utcLabel(period))}</strong> <span class="muted small range">${range(period)}</span>`),
    item('previous', 'Compared with', `${text(utcLabel(previous))} <span class="muted small range">${range(previous)}</span>`),
    item('generated', 'Generated', `${text(formatTime(report.generatedAt))}${parseTime(report.generatedAt) === undefined ? '' : ' UTC'}`),
    item('clusters', report.clusters.length === 1 ? 'Cluster' : 'Clusters', clusters),
    '</dl>',
    '</header>',
  ].join('\n');
}

/** The label as the model gives it, with the zone said when the label does not say it. */
function utcLabel(p: Period): string {
  return /\bUTC\b/.test(p.label) ? p.label : `${p.label} (UTC)`;
}

function range(p: Period): string {
  return `from ${text(formatTime(p.from))} to ${text(formatTime(p.to))} UTC, end excluded`;
}

const SECTIONS: ReadonlyArray<[string, string]> = [
  ['audit-summary', 'At a glance'],
  ['summary', 'Summary'],
  ['trend', 'Trend'],
  ['by-severity', 'Severity'],
  ['by-category', 'Category'],
  ['by-cluster', 'Cluster'],
  ['top-actors', 'Top actors'],
  ['controls', 'Controls'],
  ['coverage', 'Coverage'],
  ['notes', 'Notes'],
  ['findings', 'Findings'],
  ['rules', 'Rules'],
];

function renderNav(): string {
  return `<nav class="toc" aria-label="Sections"><ul>${SECTIONS.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></nav>`;
}

function renderSummary(report: ComplianceReport): string {
  const { summary, trend } = report;
  const severities = SEVERITIES_DESC.map(
    (sev) =>
      `<li class="sev-count" data-severity="${sev}"><span class="badge sev-${sev}">${sev}</span> <span class="num">${formatNumber(summary.bySeverity[sev])}</span>${quiet(trend.bySeverity[sev]) ? '' : ` ${delta(trend.bySeverity[sev])}`}</li>`,
  ).join('');
  const states = countStates(report.controls);
  const stat = (key: string, label: string, value: number, kind = ''): string =>
    `<div class="stat${kind ? ` ${kind}` : ''}" data-stat="${key}"><dt>${label}</dt><dd class="num">${formatNumber(value)}</dd></div>`;
  const previous = trend.findings.previous;
  return [
    '<section id="summary" aria-labelledby="summary-h">',
    '<h2 id="summary-h">Summary</h2>',
    '<div class="summary">',
    `<div class="headline" data-stat="findings"><span class="big num">${formatNumber(summary.findings)}</span> ${summary.findings === 1 ? 'finding' : 'findings'} ${delta(trend.findings)}` +
      ` <span class="muted">against <span class="num">${formatNumber(previous)}</span> in the previous period</span></div>`,
    `<ul class="sev-counts">${severities}</ul>`,
    '</div>',
    '<dl class="stats">',
    stat('groups', 'Finding groups', report.rows.length),
    stat('clusters', report.clusters.length === 1 ? 'Cluster' : 'Clusters', report.clusters.length),
    stat('held', 'Controls held', states.held, 'state-held'),
    stat('violated', 'Controls violated', states.violated, states.violated > 0 ? 'state-violated' : ''),
    stat('not-assessed', 'Controls not assessed', states['not-assessed'], states['not-assessed'] > 0 ? 'state-not-assessed' : ''),
    stat('not-applicable', 'Controls not applicable', states['not-applicable'], states['not-applicable'] > 0 ? 'state-not-applicable' : ''),
    '</dl>',
    summary.findings === 0 ? '<p class="empty">No findings in this period: nothing in the audit logs matched a rule.</p>' : '',
    '</section>',
  ].join('\n');
}

type Direction = 'up' | 'down' | 'same' | 'new';

/** The change against the previous period: `↑ 35%`, `↓ 20%`, `new` (from none), `no change`. */
export function changeOf(t: Trend): { direction: Direction; text: string } {
  if (t.current === t.previous) return { direction: 'same', text: 'no change' };
  if (t.previous === 0) return { direction: 'new', text: 'new' };
  const pct = (Math.abs(t.current - t.previous) / t.previous) * 100;
  const shown = pct < 1 ? '<1' : formatNumber(Math.round(pct));
  return t.current > t.previous ? { direction: 'up', text: `↑ ${shown}%` } : { direction: 'down', text: `↓ ${shown}%` };
}

/** None in either period: a change would only repeat the zero. */
function quiet(t: Trend): boolean {
  return t.current === 0 && t.previous === 0;
}

function delta(t: Trend): string {
  const { direction, text: shown } = changeOf(t);
  const tip = direction === 'new' ? 'none in the previous period' : `${formatNumber(t.previous)} in the previous period`;
  return `<span class="delta delta-${direction}" data-delta="${direction}" title="${tip}">${esc(shown)}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Charts

const SERIES = { current: 'this period', previous: 'previous period' } as const;

function renderTrend(report: ComplianceReport): string {
  const { trend } = report;
  const head = '<section id="trend" class="chart" aria-labelledby="trend-h">\n<h2 id="trend-h">Trend against the previous period</h2>';
  if (trend.findings.current === 0 && trend.findings.previous === 0) {
    return `${head}\n<p class="empty">No findings in this period or in the previous one: nothing to compare.</p>\n</section>`;
  }
  const group = (label: string, key: string, t: Trend): BarGroup => {
    const change = changeOf(t);
    return {
      label,
      key,
      bars: [
        { value: t.current, kind: 'series-current', series: SERIES.current },
        { value: t.previous, kind: 'series-previous', series: SERIES.previous },
      ],
      note: { text: change.text === 'no change' ? '=' : change.text, kind: `delta-${change.direction}` },
    };
  };
  const severity = SEVERITIES_DESC.map((s) => group(s, s, trend.bySeverity[s]));
  const categories = (Object.entries(trend.byCategory) as Array<[Category, Trend]>)
    .filter(([, t]) => t.current > 0 || t.previous > 0)
    .sort(([a, x], [b, y]) => y.current - x.current || y.previous - x.previous || a.localeCompare(b))
    .map(([c, t]) => group(c, c, t));
  const options = { width: 540, noteW: 60 };
  const chart = (id: string, heading: string, svg: string): string =>
    `<figure class="trend-chart" id="${id}"><figcaption>${heading}</figcaption>\n${svg}\n</figure>`;
  const legend = `<ul class="legend"><li><span class="swatch series-current"></span>${SERIES.current} (${text(utcLabel(report.period))})</li><li><span class="swatch series-previous"></span>${SERIES.previous} (${text(utcLabel(report.previousPeriod))})</li></ul>`;
  return [
    head,
    '<div class="trend-grid">',
    chart('trend-severity', 'By severity', groupedBarChart('trend-severity', 'Findings by severity, this period against the previous one', severity, options)),
    categories.length > 0
      ? chart(
          'trend-category',
          'By category',
          groupedBarChart('trend-category', 'Findings by category, this period against the previous one', categories, options),
        )
      : '',
    '</div>',
    `<div class="chart-foot">${legend}<p class="muted">Each row: this period above, the previous period below; the change on the right.</p></div>`,
    '</section>',
  ].join('\n');
}

function emptyChart(id: string, heading: string): string {
  return `<section id="${id}" class="chart" aria-labelledby="${id}-h">\n<h2 id="${id}-h">${esc(heading)}</h2>\n<p class="empty">No findings in this period.</p>\n</section>`;
}

function renderSeverityChart(report: ComplianceReport): string {
  const heading = 'Findings by severity';
  if (report.summary.findings === 0) return emptyChart('by-severity', heading);
  const bars: Bar[] = SEVERITIES_DESC.map((s) => ({ label: s, value: report.summary.bySeverity[s], kind: `sev-${s}`, key: s }));
  return chartSection('by-severity', heading, barChart('by-severity', heading, bars));
}

/** The most severe finding of the period's rows that `match`, for a bar's colour. */
function worstOf(rows: readonly AggregatedRow[], match: (r: AggregatedRow) => boolean): Severity {
  return rows.filter(match).reduce<Severity>((w, r) => (severityRank(r.severity) > severityRank(w) ? r.severity : w), 'info');
}

const COLOUR_NOTE = '<p class="muted small chart-note">Each bar has the colour of its most severe finding.</p>';

function renderCategoryChart(report: ComplianceReport): string {
  const heading = 'Findings by category';
  if (report.summary.findings === 0) return emptyChart('by-category', heading);
  const bars: Bar[] = (Object.entries(report.summary.byCategory) as Array<[Category, number]>)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([c, n]) => ({ label: c, value: n, kind: `sev-${worstOf(report.rows, (r) => r.category === c)}`, key: c }));
  return chartSection('by-category', heading, `${barChart('by-category', `${heading}, each bar coloured by its most severe finding`, bars)}\n${COLOUR_NOTE}`);
}

function renderClusterChart(report: ComplianceReport): string {
  const heading = 'Findings by cluster';
  if (report.summary.findings === 0) return emptyChart('by-cluster', heading);
  // Every cluster of the report, a quiet one too: a zero is a result.
  const counts = new Map<string, number>(report.clusters.map((c) => [c, 0]));
  for (const [c, n] of Object.entries(report.summary.byCluster)) counts.set(c, n);
  const bars: Bar[] = [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([c, n]) => ({ label: c, value: n, kind: `sev-${worstOf(report.rows, (r) => r.clusters.includes(c))}`, key: c }));
  return chartSection('by-cluster', heading, `${barChart('by-cluster', `${heading}, each bar coloured by its most severe finding`, bars)}\n${COLOUR_NOTE}`);
}

// ---------------------------------------------------------------------------------------------
// Tables

function ruleRef(id: string, fired: ReadonlySet<string>): string {
  return fired.has(id) ? `<a href="#rule-${esc(id)}"><code>${breakable(id)}</code></a>` : `<code>${breakable(id)}</code>`;
}

function renderTopActors(actors: readonly TopActor[], fired: ReadonlySet<string>): string {
  const head = '<section id="top-actors" aria-labelledby="top-actors-h">\n<h2 id="top-actors-h">Top actors</h2>';
  if (actors.length === 0) return `${head}\n<p class="empty">No findings in this period: no actor to list.</p>\n</section>`;
  const body = actors.map(
    (a) =>
      `<tr><td class="mono wrap">${breakable(a.actor)}</td><td class="num">${formatNumber(a.findings)}</td>` +
      `<td><span class="badge sev-${esc(a.highest)}">${esc(a.highest)}</span></td><td class="rule-list">${a.rules.map((r) => ruleRef(r, fired)).join(' ')}</td></tr>`,
  );
  return [
    head,
    '<div class="table-wrap">',
    '<table class="data actors">',
    '<thead><tr><th scope="col">Actor</th><th scope="col" class="num">Findings</th><th scope="col">Highest</th><th scope="col">Rules</th></tr></thead>',
    `<tbody>\n${body.join('\n')}\n</tbody>`,
    '</table>',
    '</div>',
    '</section>',
  ].join('\n');
}

function countStates(controls: readonly ControlAssessment[]): Record<ControlState, number> {
  const n: Record<ControlState, number> = { held: 0, violated: 0, 'not-assessed': 0, 'not-applicable': 0 };
  for (const c of controls) n[c.state]++;
  return n;
}

function countLine(controls: readonly ControlAssessment[]): string {
  const n = countStates(controls);
  return CONTROL_STATES.filter((s) => s !== 'not-applicable' || n[s] > 0)
    .map((s) => `<span data-count="${s}"><span class="num">${formatNumber(n[s])}</span> ${STATES[s].label}</span>`)
    .join(', ');
}

/** The badge says the state in words; its colour and mark only repeat it. */
function statusBadge(state: ControlState): string {
  const s = STATES[state];
  return `<span class="status status-${state}" data-state="${state}"><span aria-hidden="true">${s.mark}</span> ${s.label}</span>`;
}

function renderControls(controls: readonly ControlAssessment[], fired: ReadonlySet<string>): string {
  const head = '<section id="controls" aria-labelledby="controls-h">\n<h2 id="controls-h">Controls</h2>';
  if (controls.length === 0) return `${head}\n<p class="empty">No control is mapped to the rules of this report.</p>\n</section>`;
  const frameworks = [...FRAMEWORK_ORDER, ...new Set(controls.map((c) => c.control.framework).filter((f) => !FRAMEWORK_ORDER.includes(f)))];
  const groups = frameworks
    .map((f) => [f, controls.filter((c) => c.control.framework === f)] as const)
    .filter(([, mine]) => mine.length > 0)
    .map(([f, mine]) =>
      [
        `<div class="framework" data-framework="${text(f)}">`,
        `<h3>${text(FRAMEWORKS[f] ?? f)} <span class="muted small">${countLine(mine)}</span></h3>`,
        '<div class="table-wrap">',
        '<table class="data controls">',
        '<thead><tr><th scope="col">Control</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Rules</th><th scope="col" class="num">Findings</th></tr></thead>',
        ...mine.map((c) => renderControl(c, fired)),
        '</table>',
        '</div>',
        '</div>',
      ].join('\n'),
    );
  return [
    head,
    `<p class="control-counts"><strong>${formatNumber(controls.length)} ${controls.length === 1 ? 'control' : 'controls'}:</strong> ${countLine(controls)}</p>`,
    '<p class="muted small">Held: the control’s rules could see (switched on, with the audit level they need) and found nothing. ' +
      'Violated: at least one finding at or above the report’s severity threshold about a request that was not refused. ' +
      'Not assessed: every rule of the control was switched off or had no evidence; such a control is never counted as held. ' +
      'Not applicable: not the user’s on any cluster of the report (the control plane’s flags on EKS, the EKS benchmark on a self-managed cluster).</p>',
    ...groups,
    '</section>',
  ].join('\n');
}

const COLUMNS = 5;

function renderControl(c: ControlAssessment, fired: ReadonlySet<string>): string {
  const { control } = c;
  const id = breakable(control.id);
  const link = control.url && /^https?:\/\//i.test(control.url) ? `<a href="${text(control.url)}" rel="noopener noreferrer">${id}</a>` : id;
  const row = [
    '<tr class="control-row">',
    `<th scope="row" class="control-id mono">${link}</th>`,
    `<td class="control-title">${text(control.title)}</td>`,
    `<td>${statusBadge(c.state)}</td>`,
    `<td class="rule-list">${c.rules.length > 0 ? c.rules.map((r) => ruleRef(r, fired)).join(' ') : '<span class="muted">none</span>'}</td>`,
    `<td class="num">${c.state === 'not-assessed' || c.state === 'not-applicable' ? '<span class="muted">—</span>' : formatNumber(c.findings)}</td>`,
    '</tr>',
  ].join('');
  const details = [
    c.state === 'violated' ? controlFindings(c, fired) : '',
    c.state === 'not-applicable' ? `<div class="reasons"><p class="small"><strong>Not applicable:</strong> ${text(c.notApplicable ?? '')}.</p></div>` : '',
    c.state === 'not-assessed' || c.notAssessed.length > 0 ? reasons(c) : '',
    ignoredLine(c),
  ].filter(Boolean);
  const detail = details.length > 0 ? `\n<tr class="control-detail"><td colspan="${COLUMNS}">${details.join('')}</td></tr>` : '';
  return `<tbody class="control state-${c.state}" id="control-${text(control.id)}" data-control="${text(control.id)}" data-state="${c.state}">\n${row}${detail}\n</tbody>`;
}

function controlFindings(c: ControlAssessment, fired: ReadonlySet<string>): string {
  const shown = c.rows.reduce((n, r) => n + r.count, 0);
  const more = c.findings - shown;
  const lead = `${formatNumber(c.findings)} ${c.findings === 1 ? 'finding' : 'findings'}${c.rows.length > 0 ? ` in ${formatNumber(c.rows.length)} ${c.rows.length === 1 ? 'group' : 'groups'}` : ''}`;
  const body = c.rows.map(
    (r) =>
      '<tr>' +
      `<td><span class="badge sev-${esc(r.severity)}">${esc(r.severity)}</span> ${ruleRef(r.ruleId, fired)}</td>` +
      `<td class="mono wrap">${breakable(r.actor)}</td>` +
      `<td class="mono wrap">${breakable(targetOf(r))}</td>` +
      `<td class="num">${formatNumber(r.count)}</td>` +
      `<td class="time" title="${text(r.lastSeen)}">${timeCell(r.lastSeen)}</td>` +
      '</tr>',
  );
  return [
    '<div class="control-findings">',
    `<p class="small"><strong>${lead}</strong>${more > 0 ? ` <span class="muted">(the most severe ${c.rows.length === 1 ? 'group' : `${formatNumber(c.rows.length)} groups`} shown; ${formatNumber(more)} more ${more === 1 ? 'finding' : 'findings'} in the Findings table)</span>` : ''}</p>`,
    c.rows.length > 0
      ? '<table class="mini"><thead><tr><th scope="col">Rule</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col" class="num">Count</th><th scope="col">Last seen</th></tr></thead>' +
        `<tbody>${body.join('')}</tbody></table>`
      : '',
    '</div>',
  ].join('');
}

/** The findings of its rules that did not count against it, so nobody wonders where they went. */
function ignoredLine(c: ControlAssessment): string {
  const parts = [
    c.ignored.belowSeverity > 0 ? `${formatNumber(c.ignored.belowSeverity)} below the severity threshold` : '',
    c.ignored.denied > 0 ? `${formatNumber(c.ignored.denied)} about refused requests` : '',
  ].filter(Boolean);
  return parts.length === 0 ? '' : `<p class="small muted ignored">Not counted against it: ${parts.join(', ')}.</p>`;
}

function reasons(c: ControlAssessment): string {
  const lead = c.state === 'not-assessed' ? 'Not assessed:' : 'Not assessed by:';
  if (c.notAssessed.length === 0) {
    return `<div class="reasons"><p class="small"><strong>${lead}</strong> ${c.rules.length === 0 ? 'no rule maps to this control.' : 'no reason was recorded.'}</p></div>`;
  }
  const items = c.notAssessed.map((n) => `<li><code>${breakable(n.ruleId)}</code>: ${withCode(n.reason)}</li>`).join('');
  return `<div class="reasons"><p class="small"><strong>${lead}</strong></p><ul class="small">${items}</ul></div>`;
}

function renderCoverage(coverage: readonly Coverage[] | undefined): string {
  const head = '<section id="coverage" aria-labelledby="coverage-h">\n<h2 id="coverage-h">Audit coverage</h2>';
  if (!coverage || coverage.length === 0) {
    return `${head}\n<p class="empty">No coverage data was available: this report cannot say which audit levels the clusters logged.</p>\n</section>`;
  }
  const body = coverage.map((c) => {
    const total = AUDIT_LEVELS.reduce((n, l) => n + (c.byLevel[l] ?? 0), 0);
    const highest = [...AUDIT_LEVELS].reverse().find((l) => (c.byLevel[l] ?? 0) > 0);
    return (
      `<tr data-cluster="${text(c.cluster)}"><th scope="row" class="mono wrap">${breakable(c.cluster)}</th><td class="num">${formatNumber(c.objects)}</td>` +
      AUDIT_LEVELS.map((l) => `<td class="num${(c.byLevel[l] ?? 0) === 0 ? ' zero' : ''}">${formatNumber(c.byLevel[l] ?? 0)}</td>`).join('') +
      `<td class="num">${formatNumber(total)}</td><td>${highest ?? '<span class="muted">no events</span>'}</td></tr>`
    );
  });
  return [
    head,
    '<p class="muted small">Audit events parsed per cluster, by the audit level they were logged at. A rule needs its level to have been seen before a control of it can be said to have held.</p>',
    '<div class="table-wrap">',
    '<table class="data coverage">',
    `<thead><tr><th scope="col">Cluster</th><th scope="col" class="num">Objects read</th>${AUDIT_LEVELS.map((l) => `<th scope="col" class="num">${l}</th>`).join('')}<th scope="col" class="num">Events</th><th scope="col">Highest level</th></tr></thead>`,
    `<tbody>\n${body.join('\n')}\n</tbody>`,
    '</table>',
    '</div>',
    '</section>',
  ].join('\n');
}

function renderNotes(notes: readonly string[]): string {
  return [
    '<section id="notes" aria-labelledby="notes-h">',
    '<h2 id="notes-h">Notes</h2>',
    notes.length > 0 ? `<ul class="notes">${notes.map((n) => `<li>${withCode(n)}</li>`).join('')}</ul>` : '<p class="empty">No notes.</p>',
    '</section>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Style: what this page adds to the findings page's stylesheet.

const COMPLIANCE_STYLE = `${SUMMARY_STYLE}
:root {
  --ok: #1a7f37; --bad: #b42318; --na: #5b6470; --ink-on-state: #ffffff;
  --series-current: #0b57d0; --series-previous: #aab3bf;
}
@media (prefers-color-scheme: dark) {
  :root { --ok: #3fb950; --bad: #f87171; --na: #9aa3ae; --ink-on-state: #111418; --series-current: #8ab4f8; --series-previous: #4b5563; }
}
.eyebrow { margin: 0 0 2px; color: var(--muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em; }
.report-meta { display: flex; flex-wrap: wrap; gap: 8px 36px; margin: 10px 0 0; }
.report-meta dt { color: var(--muted); font-size: 12px; }
.report-meta dd { margin: 0; }
.report-meta .range { display: block; }
nav.toc { max-width: 1400px; margin: 14px auto 0; padding: 0 24px; }
nav.toc ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 0; padding: 0; font-size: 13px; }
.delta { display: inline-block; font-size: 12.5px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.headline .delta { font-size: 15px; margin-left: 4px; }
.delta-up, .delta-new { color: var(--bad); }
.delta-down { color: var(--ok); }
.delta-same { color: var(--muted); font-weight: normal; }
svg text.note { font-size: 12px; font-weight: 600; font-variant-numeric: tabular-nums; }
svg text.note.delta-up, svg text.note.delta-new { fill: var(--bad); }
svg text.note.delta-down { fill: var(--ok); }
svg text.note.delta-same { fill: var(--muted); }
svg.grouped text.value { font-size: 11.5px; }
svg .bar.series-current, .swatch.series-current { fill: var(--series-current); background: var(--series-current); }
svg .bar.series-previous, .swatch.series-previous { fill: var(--series-previous); background: var(--series-previous); }
.stat.state-held dd { color: var(--ok); }
.stat.state-violated { border-color: var(--bad); }
.stat.state-violated dd { color: var(--bad); }
.stat.state-not-assessed dd, .stat.state-not-applicable dd { color: var(--na); }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 24px; }
.trend-chart { margin: 0; }
.trend-chart figcaption { font-size: 13px; font-weight: 600; color: var(--muted); margin: 0 0 4px; }
.trend-chart svg { display: block; width: 100%; height: auto; max-width: 640px; }
.chart-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); grid-template-rows: auto 1fr; grid-template-areas: "severity category" "cluster category";
  gap: 16px; margin: 16px 0; }
.chart-grid > section { margin: 0; }
#by-severity { grid-area: severity; }
#by-category { grid-area: category; }
#by-cluster { grid-area: cluster; }
@media (max-width: 900px) {
  .chart-grid { grid-template-columns: minmax(0, 1fr); grid-template-rows: none; grid-template-areas: "severity" "category" "cluster"; }
}
table.actors th:nth-child(1) { width: 40%; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); padding: 6px 8px; }
table.data > tbody > tr > td, table.data > tbody > tr > th { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; text-align: left; }
table.data tbody th { color: var(--fg); font-weight: 600; font-size: 12.5px; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td.wrap, table.data th.wrap { overflow-wrap: anywhere; }
table.data td.zero { color: var(--muted); }
.rule-list code { display: inline-block; margin: 1px 0; }
.rule-list a:hover { text-decoration: none; }
.rule-list a code { color: var(--link); }
.control-counts { font-size: 15px; margin: 0 0 4px; }
.framework { margin-top: 18px; }
.framework h3 { display: block; margin: 0 0 6px; }
.framework h3 .muted { margin-left: 8px; font-size: 12.5px; }
table.controls { table-layout: fixed; }
table.controls th:nth-child(1) { width: 15%; }
table.controls th:nth-child(2) { width: 33%; }
table.controls th:nth-child(3) { width: 14%; }
table.controls th:nth-child(4) { width: 29%; }
table.controls th:nth-child(5) { width: 9%; }
table.controls .control-id { overflow-wrap: anywhere; }
table.controls tbody.control > tr:last-child > * { border-bottom: 1px solid var(--line); }
table.controls tr.control-row > * { border-bottom: 0; }
table.controls tr.control-row:only-child > * { border-bottom: 1px solid var(--line); }
table.controls tr.control-detail > td { padding: 0 8px 10px 24px; }
tbody.state-violated > tr > :first-child { box-shadow: inset 3px 0 0 var(--bad); }
tbody.state-not-assessed > tr > :first-child { box-shadow: inset 3px 0 0 var(--na); }
tbody.state-not-applicable { color: var(--muted); }
.status { display: inline-block; white-space: nowrap; padding: 1px 9px; border-radius: 999px; font-size: 11.5px; font-weight: 600; color: var(--ink-on-state);
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.status-held { background: var(--ok); }
.status-violated { background: var(--bad); }
.status-not-assessed { background: transparent; color: var(--na); border: 1px dashed var(--na); padding: 0 8px; }
.status-not-applicable { background: transparent; color: var(--na); border: 1px dotted var(--na); padding: 0 8px; font-weight: normal; }
.control-findings p, .reasons p { margin: 4px 0; }
.reasons ul { margin: 0; padding-left: 20px; }
table.mini { border-collapse: collapse; width: 100%; font-size: 12.5px; border: 1px solid var(--line); table-layout: fixed; }
table.mini th:nth-child(1) { width: 31%; }
table.mini th:nth-child(2), table.mini th:nth-child(3) { width: 26%; }
table.mini th:nth-child(4) { width: 6%; }
table.mini th:nth-child(5) { width: 11%; }
table.mini th { text-align: left; font-size: 11.5px; color: var(--muted); font-weight: 600; padding: 4px 8px; border-bottom: 1px solid var(--line); background: var(--zebra); }
table.mini td { padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.mini tr:last-child td { border-bottom: 0; }
table.mini .num { text-align: right; font-variant-numeric: tabular-nums; }
table.mini td.wrap { overflow-wrap: anywhere; }
table.mini td.time span { white-space: nowrap; }
table.mini .badge { min-width: 0; margin-right: 4px; }
ul.notes { margin: 0; padding-left: 20px; }
ul.notes li { margin: 0 0 4px; }
@media print {
  @page { margin: 14mm 12mm; }
  :root { --ok: #1a7f37; --bad: #b42318; --na: #444; --ink-on-state: #fff; --series-current: #0b57d0; --series-previous: #aab3bf; }
  nav.toc { display: none; }
  .eyebrow { color: #444; }
  .trend-grid, .chart-grid { display: block; }
  .chart-grid > section { margin: 0 0 18px; }
  .trend-chart svg { max-width: 520px; }
  .trend-chart, .framework h3, table.data tr { break-inside: avoid; }
  tbody.control { break-inside: avoid; }
  table.data { font-size: 10px; }
  table.data th, table.data td, table.data tbody th { padding: 4px; }
  table.data th, table.data tbody th, table.mini th { font-size: 9.5px; }
  table.mini { font-size: 9.5px; }
  table.mini th, table.mini td { padding: 3px 4px; }
  .small, table.findings .small { font-size: 9px; }
  .badge { font-size: 8.5px; min-width: 0; padding: 0 6px; }
  .status { font-size: 9px; padding: 0 6px; }
  .status-not-assessed, .status-not-applicable { padding: 0 5px; }
  .big { font-size: 28px; }
  .stats { grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 8px; }
  .stat { padding: 6px 8px; }
  .stat dd { font-size: 15px; }
  a { color: inherit; }
}
`;
