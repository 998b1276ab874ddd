import type { Finding, Severity } from '../finding';
import { groupIntoIncidents } from '../incident/incidents';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../incident/record';
import type { AuditSummary, ClusterPlatform, Control, ControlAssessment, ControlState, FrameworkCount, Period, ViolatingIncident } from './types';
import { CONTROL_STATES, FRAMEWORK_ORDER } from './types';

/** What fits on the first page beside the counts. */
const INCIDENTS_SHOWN = 5;
const CONTROLS_PER_INCIDENT = 8;
const WHAT_PER_INCIDENT = 3;

export interface AuditSummaryInput {
  period: Period;
  platforms: readonly ClusterPlatform[];
  violationSeverity: Severity;
  controls: readonly ControlAssessment[];
  /** The ids of the controls the previous period's findings violated (same rules, threshold and platforms). */
  previousViolated: readonly string[];
  previousObserved: boolean;
  /** The period's findings that violate some control. */
  violating: readonly Finding[];
  /** The controls a finding violates on its cluster. */
  controlsOfFinding: (f: Finding) => readonly Control[];
  ignored: { belowSeverity: number; denied: number };
}

/**
 * The first page: per framework how many controls were violated, held, not assessed and not
 * applicable; the incidents behind the violations (the violating findings grouped per cluster and
 * principal as the CLI groups them); and which controls changed state since the previous period.
 */
export function buildAuditSummary(input: AuditSummaryInput): AuditSummary {
  const violatedNow = input.controls.filter((c) => c.state === 'violated').map((c) => c.control.id);
  const before = new Set(input.previousViolated);
  const now = new Set(violatedNow);
  const incidents = violatingIncidents(input.violating, input.controlsOfFinding);
  return {
    period: input.period,
    clusters: [...input.platforms],
    violationSeverity: input.violationSeverity,
    frameworks: frameworkCounts(input.controls),
    incidents: incidents.slice(0, INCIDENTS_SHOWN),
    moreIncidents: Math.max(0, incidents.length - INCIDENTS_SHOWN),
    change: {
      known: input.previousObserved,
      previousViolated: before.size,
      newlyViolated: violatedNow.filter((id) => !before.has(id)),
      noLongerViolated: input.previousViolated.filter((id) => !now.has(id)),
    },
    ignored: input.ignored,
  };
}

function frameworkCounts(controls: readonly ControlAssessment[]): FrameworkCount[] {
  return FRAMEWORK_ORDER.flatMap((framework) => {
    const own = controls.filter((c) => c.control.framework === framework);
    if (own.length === 0) return [];
    const counts = Object.fromEntries(CONTROL_STATES.map((s) => [s, own.filter((c) => c.state === s).length])) as Record<ControlState, number>;
    return [{ framework, counts }];
  });
}

function violatingIncidents(findings: readonly Finding[], controlsOf: (f: Finding) => readonly Control[]): ViolatingIncident[] {
  const located = [...findings].sort((a, b) => a.time.localeCompare(b.time)).map((finding) => ({ finding, source: finding.cluster ?? '-' }));
  // The incident's groups name rules; its controls are those its own findings violated.
  const controlsByRule = new Map<string, Set<string>>();
  for (const f of findings) {
    const key = JSON.stringify([f.cluster ?? '', f.ruleId]);
    const set = controlsByRule.get(key) ?? new Set<string>();
    for (const c of controlsOf(f)) set.add(c.id);
    controlsByRule.set(key, set);
  }
  return groupIntoIncidents(located, DEFAULT_INCIDENT_WINDOW_MINUTES).map((incident): ViolatingIncident => {
    const controls = [...new Set(incident.groups.flatMap((g) => [...(controlsByRule.get(JSON.stringify([incident.cluster, g.ruleId])) ?? [])]))].sort(
      byControlId,
    );
    return {
      cluster: incident.cluster,
      principal: incident.principal.display,
      severity: incident.severity,
      firstSeen: incident.firstSeen,
      lastSeen: incident.lastSeen,
      findings: incident.groups.reduce((n, g) => n + g.count, 0) + incident.omitted.findings,
      ...(incident.chain ? { chain: incident.chain } : {}),
      what: [...new Set(incident.groups.map((g) => g.title))].slice(0, WHAT_PER_INCIDENT),
      controls: controls.slice(0, CONTROLS_PER_INCIDENT),
      moreControls: Math.max(0, controls.length - CONTROLS_PER_INCIDENT),
    };
  });
}

/** CIS before CIS-EKS before NSA-CISA before ATT&CK techniques, then the id in natural order. */
function byControlId(a: string, b: string): number {
  const rank = (id: string): number => (id.startsWith('CIS-EKS-') ? 1 : id.startsWith('CIS-') ? 0 : id.startsWith('NSA-CISA') ? 2 : 3);
  return rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true });
}
