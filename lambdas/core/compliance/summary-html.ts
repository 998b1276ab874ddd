import { breakable, esc, formatTime, text } from '../report/html-parts';
import { truncate } from '../report/plain-text';
import { formatNumber } from '../report/summary-line';
import type { AuditSummary, ClusterPlatform, ComplianceReport, ControlFramework, ControlState, ViolatingIncident } from './types';
import { CONTROL_STATES } from './types';

/**
 * The auditor's first page of the compliance report: what was covered (period, clusters and who
 * runs their control planes), each framework's controls by state, the incidents that violated
 * controls, and what changed since the previous period. Printed, it is page 1 on its own (A4 or
 * Letter): the detail starts on page 2. Every value from the logs (principals, cluster names) is
 * escaped as in the rest of the page.
 */

export const FRAMEWORKS: Record<ControlFramework, string> = {
  CIS: 'CIS Kubernetes Benchmark',
  'CIS-EKS': 'CIS Amazon EKS Benchmark',
  'NSA-CISA': 'NSA/CISA Kubernetes Hardening Guidance',
  'MITRE-ATTACK': 'MITRE ATT&CK',
};

export const STATES: Record<ControlState, { mark: string; label: string }> = {
  held: { mark: '✓', label: 'held' },
  violated: { mark: '✗', label: 'violated' },
  'not-assessed': { mark: '–', label: 'not assessed' },
  'not-applicable': { mark: '∅', label: 'not applicable' },
};

const PLATFORMS: Record<ClusterPlatform['platform'], string> = {
  eks: 'Amazon EKS (managed)',
  'self-managed': 'self-managed',
  unknown: 'not known: configure it',
};
const BASES: Record<ClusterPlatform['basis'], string> = { configured: 'configured', logs: 'seen in its audit log', default: 'default' };

export function renderAuditSummary(report: Pick<ComplianceReport, 'auditSummary' | 'period' | 'previousPeriod'>): string {
  const s = report.auditSummary;
  return [
    '<section id="audit-summary" class="audit-summary" aria-labelledby="audit-summary-h">',
    '<h2 id="audit-summary-h">At a glance</h2>',
    `<p class="small lead">Period <strong>${text(report.period.label)}</strong>. A control is violated by a finding at <strong>${esc(s.violationSeverity)}</strong> severity or above about a request that was not refused${ignoredText(s)}.</p>`,
    '<div class="glance-grid">',
    clustersTable(s.clusters),
    frameworksTable(s),
    '</div>',
    changeBlock(s, report.previousPeriod.label),
    incidentsBlock(s),
    '</section>',
  ].join('\n');
}

function ignoredText(s: AuditSummary): string {
  const parts = [
    s.ignored.belowSeverity > 0 ? `${formatNumber(s.ignored.belowSeverity)} ${s.ignored.belowSeverity === 1 ? 'finding' : 'findings'} below it` : '',
    s.ignored.denied > 0 ? `${formatNumber(s.ignored.denied)} about refused requests` : '',
  ].filter(Boolean);
  return parts.length === 0 ? '' : ` (${parts.join(' and ')} violated nothing)`;
}

/** Clusters listed on the first page; the rest are counted (the Coverage section lists them all). */
const CLUSTERS_SHOWN = 6;

function clustersTable(clusters: readonly ClusterPlatform[]): string {
  const more = clusters.length - CLUSTERS_SHOWN;
  const body =
    clusters.length === 0
      ? '<tr><td colspan="2" class="muted">No cluster: no audit data or findings in the period.</td></tr>'
      : clusters
          .slice(0, CLUSTERS_SHOWN)
          .map(
            (c) =>
              `<tr data-cluster="${text(c.cluster)}" data-platform="${c.platform}"><th scope="row" class="mono wrap">${name(c.cluster)}</th>` +
              `<td>${PLATFORMS[c.platform]} <span class="muted small">(${BASES[c.basis]})</span></td></tr>`,
          )
          .join('\n') + (more > 0 ? `\n<tr><td colspan="2" class="muted small">${formatNumber(more)} more: see Audit coverage and Notes</td></tr>` : '');
  return [
    '<div class="glance-clusters">',
    `<h3>Clusters covered <span class="muted small">${formatNumber(clusters.length)}</span></h3>`,
    '<table class="data glance"><thead><tr><th scope="col">Cluster</th><th scope="col">Platform</th></tr></thead>',
    `<tbody>\n${body}\n</tbody></table>`,
    '</div>',
  ].join('\n');
}

function frameworksTable(s: AuditSummary): string {
  const head = CONTROL_STATES.map((state) => `<th scope="col" class="num">${STATES[state].label}</th>`).join('');
  const body = s.frameworks
    .map(
      (f) =>
        `<tr data-framework="${f.framework}"><th scope="row">${esc(FRAMEWORKS[f.framework])}</th>` +
        CONTROL_STATES.map(
          (state) =>
            `<td class="num${f.counts[state] === 0 ? ' zero' : ''}${state === 'violated' && f.counts[state] > 0 ? ' bad' : ''}" data-count="${state}">${formatNumber(f.counts[state])}</td>`,
        ).join('') +
        '</tr>',
    )
    .join('\n');
  return [
    '<div class="glance-frameworks">',
    '<h3>Controls by framework</h3>',
    `<table class="data glance"><thead><tr><th scope="col">Framework</th>${head}</tr></thead>`,
    `<tbody>\n${body || `<tr><td colspan="${CONTROL_STATES.length + 1}" class="muted">No control is mapped to the rules of this report.</td></tr>`}\n</tbody></table>`,
    '</div>',
  ].join('\n');
}

const MAX_IDS = 8;
/** Names from the logs are the attacker's, and any length: on the one page they are cut (the detail has them whole). */
const NAME_MAX = 120;
const name = (value: string): string => breakable(truncate(value, NAME_MAX, 'middle'));

function idList(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_IDS).map((id) => `<a href="#control-${text(id)}"><code>${breakable(id)}</code></a>`);
  return shown.join(', ') + (ids.length > MAX_IDS ? ` and ${formatNumber(ids.length - MAX_IDS)} more` : '');
}

function changeBlock(s: AuditSummary, previousLabel: string): string {
  const { change } = s;
  const lines = !change.known
    ? [`<p class="small" data-change="first">First period: nothing was recorded for the period before (${text(previousLabel)}) to compare with.</p>`]
    : [
        `<p class="small" data-change="known">Against ${text(previousLabel)}, when ${formatNumber(change.previousViolated)} ${change.previousViolated === 1 ? 'control was' : 'controls were'} violated:</p>`,
        '<ul class="small change">',
        `<li data-change="newly-violated"><strong>Newly violated:</strong> ${change.newlyViolated.length > 0 ? idList(change.newlyViolated) : 'none'}</li>`,
        `<li data-change="no-longer-violated"><strong>No longer violated:</strong> ${change.noLongerViolated.length > 0 ? idList(change.noLongerViolated) : 'none'}</li>`,
        '</ul>',
      ];
  return ['<div class="glance-change">', '<h3>Change since the previous period</h3>', ...lines, '</div>'].join('\n');
}

function incidentsBlock(s: AuditSummary): string {
  const head = `<h3>Incidents that caused violations <span class="muted small">${formatNumber(s.incidents.length + s.moreIncidents)}</span></h3>`;
  if (s.incidents.length === 0)
    return `<div class="glance-incidents">\n${head}\n<p class="small empty">None: no finding violated a control in this period.</p>\n</div>`;
  return [
    '<div class="glance-incidents">',
    head,
    '<table class="data glance incidents">',
    '<thead><tr><th scope="col">Severity</th><th scope="col">Who, where, when</th><th scope="col">What</th><th scope="col">Controls violated</th></tr></thead>',
    `<tbody>\n${s.incidents.map(incidentRow).join('\n')}\n</tbody>`,
    '</table>',
    s.moreIncidents > 0 ? `<p class="small muted">${formatNumber(s.moreIncidents)} more in the Findings table.</p>` : '',
    '</div>',
  ].join('\n');
}

function incidentRow(i: ViolatingIncident): string {
  const when = i.firstSeen === i.lastSeen ? text(formatTime(i.firstSeen)) : `${text(formatTime(i.firstSeen))} – ${text(formatTime(i.lastSeen))}`;
  const controls =
    i.controls.map((id) => breakable(id)).join(', ') + (i.moreControls > 0 ? ` <span class="muted">+${formatNumber(i.moreControls)}</span>` : '');
  return (
    '<tr class="incident">' +
    `<td><span class="badge sev-${esc(i.severity)}">${esc(i.severity)}</span></td>` +
    `<td class="wrap"><span class="mono">${name(i.principal)}</span><br><span class="muted small">${name(i.cluster || '-')} · ${when} UTC · ${formatNumber(i.findings)} ${i.findings === 1 ? 'finding' : 'findings'}</span></td>` +
    `<td class="wrap small">${i.chain ? `<em>${text(i.chain)}</em>` : i.what.map((w) => text(w)).join('; ')}</td>` +
    `<td class="wrap small mono">${controls}</td>` +
    '</tr>'
  );
}

export const SUMMARY_STYLE = `
.audit-summary { max-width: 1400px; margin: 16px auto 0; padding: 0 24px; }
.audit-summary h3 { font-size: 14px; margin: 12px 0 6px; }
.audit-summary .lead { margin: 0 0 8px; }
.glance-grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 8px 24px; }
table.glance td.bad { color: var(--bad); font-weight: 700; }
table.glance td.zero { color: var(--muted); }
table.incidents { table-layout: fixed; }
table.incidents th:nth-child(1) { width: 10%; }
table.incidents th:nth-child(2) { width: 38%; }
table.incidents th:nth-child(3) { width: 22%; }
table.incidents th:nth-child(4) { width: 30%; }
table.incidents td.wrap { overflow-wrap: anywhere; }
ul.change { margin: 0; padding-left: 20px; }
@media (max-width: 900px) { .glance-grid { grid-template-columns: minmax(0, 1fr); } }
@media print {
  .first-page { break-after: page; }
  .audit-summary { padding: 0; margin-top: 8px; }
  .audit-summary h2 { margin: 0 0 4px; }
  .audit-summary h3 { font-size: 11px; margin: 6px 0 3px; }
  .audit-summary p, .audit-summary ul.change { margin: 0 0 3px; }
  .glance-grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 4px 16px; }
  .first-page header.page { padding-top: 0; padding-bottom: 6px; }
  .first-page .report-meta { margin-top: 4px; gap: 2px 24px; }
  table.glance { font-size: 8.5px; line-height: 1.25; }
  table.glance th, table.glance td, table.glance tbody th { padding: 2px 4px; }
  table.glance .small { font-size: 8px; }
  table.glance tr { break-inside: avoid; }
}
`;
