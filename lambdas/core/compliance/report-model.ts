import type { Config } from '../config/types';
import type { DetectionMetadata } from '../detect/rule';
import type { Category, Finding, Severity } from '../finding';
import { CATEGORIES, SEVERITIES, maxSeverity, severityRank, zeroSeverityCounts } from '../finding';
import type { LocatedFinding } from '../report/aggregate';
import { aggregate } from '../report/aggregate';
import { controlsOf, unresolvedReferences } from './controls';
import { inPeriod, parseUtc } from './period';
import { applicability, clusterPlatforms } from './platform';
import { buildAuditSummary } from './summary';
import type { AuditLevel, ClusterPlatform, ComplianceReport, Control, ControlAssessment, Coverage, Period, ReportCadence, TopActor, Trend } from './types';
import { AUDIT_LEVELS, FRAMEWORK_ORDER, NO_CLUSTER } from './types';

export interface BuildReportInput {
  period: Period;
  previousPeriod: Period;
  /** The period's findings; findings outside [period.from, period.to) are ignored. */
  current: readonly Finding[];
  /** The previous period's findings, for the trend; outside it, ignored. */
  previous: readonly Finding[];
  /** What the analyzer saw per cluster in the period; undefined for a findings file (no audit data). */
  coverage?: readonly Coverage[];
  /** The registry (lambdas/core/rules RULES). */
  rules: readonly DetectionMetadata[];
  /** `disabled` holds rule ids or categories, resolved as the engine resolves them. */
  config: Config;
  generatedAt: string;
  cadence?: ReportCadence;
  title?: string;
  /** Where a finding came from, for the rows' `sources`; default its cluster, or `-`. */
  sourceOf?: (f: Finding) => string;
  /**
   * Whether the previous period was observed (audit data read, or a report of it kept). Default:
   * when it has findings. When not, the summary says "first period" instead of a change.
   */
  previousObserved?: boolean;
}

export { NO_CLUSTER } from './types';

/** Why a rule could not see in the period (`ControlAssessment.notAssessed[].reason`). */
export const NOT_ASSESSED = {
  switchedOff: 'switched off',
  noAuditData: 'no audit data',
  noEvents: 'no audit events in the period',
  needsRequest: 'needs Request level, saw only Metadata',
  platformUnknown: 'depends on the platform, which is not known',
} as const;

const TOP_ACTORS = 10;
const ROWS_PER_CONTROL = 10;

/**
 * A finding about a request the API server refused (rules that watch denied attempts record the
 * response code in their evidence): nothing changed, so it violates no control.
 */
export function isDenied(f: Finding): boolean {
  const code = f.evidence?.code;
  return typeof code === 'number' && code >= 400;
}

/**
 * The compliance report's model: the period's findings summarized, compared with the period
 * before, and read against the controls the rules map to. A control is `violated` when a rule of
 * it raised a violating finding (at or above `settings.compliance.violationSeverity`, about a
 * request that was not refused, in a cluster where the control applies), `held` only when none
 * did and at least one of its rules was switched on and could see (audit events at its evidence
 * level were read), `not-applicable` when it applies on none of the report's clusters (an
 * API-server flag on EKS), and `not-assessed` otherwise: never held for want of evidence.
 */
export function buildComplianceReport(input: BuildReportInput): ComplianceReport {
  checkPeriod(input.period, 'period');
  checkPeriod(input.previousPeriod, 'previousPeriod');
  const sourceOf = input.sourceOf ?? ((f: Finding): string => f.cluster ?? NO_CLUSTER);
  const unreadable = [...input.current, ...input.previous].filter((f) => Number.isNaN(parseUtc(f.time))).length;
  const current = input.current.filter((f) => inPeriod(input.period, f.time));
  const previous = input.previous.filter((f) => inPeriod(input.previousPeriod, f.time));
  const located = (fs: readonly Finding[]): LocatedFinding[] => fs.map((finding) => ({ finding, source: sourceOf(finding) }));

  // By cluster name, what carried none (`-`) last.
  const coverage = input.coverage
    ? [...input.coverage].sort((a, b) => Number(a.cluster === NO_CLUSTER) - Number(b.cluster === NO_CLUSTER) || a.cluster.localeCompare(b.cluster))
    : undefined;
  // Named clusters only: what carried no cluster name is counted under `-` in byCluster and coverage.
  const clusters = [...new Set([...current.map(clusterOf), ...(coverage ?? []).map((c) => c.cluster)])]
    .filter((c) => c !== NO_CLUSTER)
    .sort((a, b) => a.localeCompare(b));

  const bySeverity = countSeverities(current);
  const previousBySeverity = countSeverities(previous);
  const byCategory = countCategories(current);
  const previousByCategory = countCategories(previous);
  const byCluster: Record<string, number> = {};
  for (const f of current) byCluster[clusterOf(f)] = (byCluster[clusterOf(f)] ?? 0) + 1;

  const trendByCategory: Partial<Record<Category, Trend>> = {};
  for (const c of CATEGORIES) {
    if (byCategory[c] !== undefined || previousByCategory[c] !== undefined)
      trendByCategory[c] = { current: byCategory[c] ?? 0, previous: previousByCategory[c] ?? 0 };
  }

  // The engine's reading of `disabled` (a rule id or its category), over both kinds of detection:
  // external ones never reach the engine.
  const enabled = new Set(input.rules.filter((r) => !input.config.disabled.includes(r.id) && !input.config.disabled.includes(r.category)).map((r) => r.id));
  const sight = evidence(coverage);
  const { compliance } = input.config.settings;
  // Every cluster the data names, what named none (`-`) last: its platform counts as a cluster's.
  const everyCluster = [...new Set([...clusters, ...current.map(clusterOf), ...previous.map(clusterOf), ...(coverage ?? []).map((c) => c.cluster)])].sort(
    (a, b) => Number(a === NO_CLUSTER) - Number(b === NO_CLUSTER) || a.localeCompare(b),
  );
  const platforms = clusterPlatforms(everyCluster, [...current, ...previous], compliance);
  const platformOf = new Map(platforms.map((p) => [p.cluster, p.platform]));
  const judge: Judge = {
    threshold: compliance.violationSeverity,
    platformOf: (cluster) => platformOf.get(cluster) ?? 'unknown',
    // With no cluster at all, the controls are read for the configured default.
    platforms: platforms.length > 0 ? platforms : clusterPlatforms([NO_CLUSTER], [], compliance),
  };
  const byRule = new Map(input.rules.map((rule) => [rule.id, controlsOf(rule)]));
  const controls = assessControls(input.rules, byRule, enabled, sight, current, located, judge);
  const before = assessControls(input.rules, byRule, enabled, sight, previous, located, judge);
  const auditSummary = buildAuditSummary({
    period: input.period,
    platforms,
    violationSeverity: compliance.violationSeverity,
    controls,
    previousViolated: before.filter((c) => c.state === 'violated').map((c) => c.control.id),
    previousObserved: input.previousObserved ?? previous.length > 0,
    violating: current.filter((f) => violates(f, judge)),
    controlsOfFinding: (f) => controlsOfFinding(f, byRule).filter((c) => applicability(c, judge.platformOf(clusterOf(f))) !== 'no'),
    ignored: countIgnored(current, judge),
  });

  return {
    title: input.title ?? defaultTitle(input.cadence),
    generatedAt: input.generatedAt,
    ...(input.cadence ? { cadence: input.cadence } : {}),
    period: input.period,
    previousPeriod: input.previousPeriod,
    clusters,
    platforms,
    violationSeverity: compliance.violationSeverity,
    auditSummary,
    summary: { findings: current.length, bySeverity, byCategory, byCluster },
    trend: {
      findings: { current: current.length, previous: previous.length },
      bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, { current: bySeverity[s], previous: previousBySeverity[s] }])) as Record<Severity, Trend>,
      byCategory: trendByCategory,
    },
    topActors: topActors(current),
    rows: aggregate(located(current)),
    controls,
    ...(coverage ? { coverage } : {}),
    notes: notes({ controls, coverage, sight, rules: input.rules, enabled, unreadable, platforms, threshold: compliance.violationSeverity }),
  };
}

// --- summary -------------------------------------------------------------------------------

const clusterOf = (f: Finding): string => f.cluster ?? NO_CLUSTER;

function countSeverities(findings: readonly Finding[]): Record<Severity, number> {
  const counts = zeroSeverityCounts();
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Counts per category, in the categories' order, only those with findings. */
function countCategories(findings: readonly Finding[]): Partial<Record<Category, number>> {
  const counts: Partial<Record<Category, number>> = {};
  for (const c of CATEGORIES) {
    const n = findings.filter((f) => f.category === c).length;
    if (n > 0) counts[c] = n;
  }
  return counts;
}

/** Actors by findings, then highest severity, then name; each with its rules, most findings first. */
function topActors(findings: readonly Finding[]): TopActor[] {
  const byActor = new Map<string, { findings: number; highest: Severity; rules: Map<string, number> }>();
  for (const f of findings) {
    const actor = f.actor.username || '(unknown user)';
    const entry = byActor.get(actor) ?? { findings: 0, highest: f.severity, rules: new Map<string, number>() };
    entry.findings++;
    entry.highest = maxSeverity(entry.highest, f.severity);
    entry.rules.set(f.ruleId, (entry.rules.get(f.ruleId) ?? 0) + 1);
    byActor.set(actor, entry);
  }
  return [...byActor.entries()]
    .map(([actor, e]) => ({
      actor,
      findings: e.findings,
      highest: e.highest,
      rules: [...e.rules.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id]) => id),
    }))
    .sort((a, b) => b.findings - a.findings || severityRank(b.highest) - severityRank(a.highest) || a.actor.localeCompare(b.actor))
    .slice(0, TOP_ACTORS);
}

function defaultTitle(cadence: ReportCadence | undefined): string {
  return cadence === 'daily'
    ? 'Daily Kubernetes compliance report'
    : cadence === 'weekly'
      ? 'Weekly Kubernetes compliance report'
      : 'Kubernetes compliance report';
}

// --- controls ------------------------------------------------------------------------------

/** How findings are read against controls: the severity threshold and each cluster's platform. */
interface Judge {
  threshold: Severity;
  platformOf(cluster: string): ClusterPlatform['platform'];
  /** Every cluster of the report (findings, coverage) with its platform. */
  platforms: readonly ClusterPlatform[];
}

/** Whether a finding can violate anything: at or above the threshold, and not refused. */
const violates = (f: Finding, judge: Judge): boolean => !isDenied(f) && severityRank(f.severity) >= severityRank(judge.threshold);

function countIgnored(findings: readonly Finding[], judge: Judge): { belowSeverity: number; denied: number } {
  const denied = findings.filter(isDenied).length;
  const belowSeverity = findings.filter((f) => !isDenied(f) && severityRank(f.severity) < severityRank(judge.threshold)).length;
  return { belowSeverity, denied };
}

/** The controls a finding's rule maps to (or, for a rule the registry no longer has, the ones it recorded). */
function controlsOfFinding(f: Finding, byRule: ReadonlyMap<string, Control[]>): Control[] {
  return byRule.get(f.ruleId) ?? controlsOf({ controls: f.controls ?? [], attack: f.attack ?? [] });
}

/** Why a control applies on none of the report's clusters, or undefined when it may apply on one. */
function inapplicability(control: Control, judge: Judge): string | undefined {
  if (judge.platforms.some((p) => applicability(control, p.platform) !== 'no')) return undefined;
  const where = ` (${judge.platforms.map((p) => p.cluster).join(', ')})`;
  return control.framework === 'CIS-EKS' ? `an EKS recommendation; no cluster is EKS${where}` : `managed by AWS on EKS${where}`;
}

/**
 * Why a control that depends on the platform cannot be held: it applies on no cluster whose
 * platform is known, only on clusters whose platform is not. Undefined otherwise.
 */
function platformUnknown(control: Control, judge: Judge): string | undefined {
  const answers = judge.platforms.map((p) => ({ p, a: applicability(control, p.platform) }));
  if (answers.some((x) => x.a === 'yes') || !answers.some((x) => x.a === 'unknown')) return undefined;
  const unknown = answers.filter((x) => x.a === 'unknown').map((x) => x.p.cluster);
  return `${NOT_ASSESSED.platformUnknown} (${unknown.join(', ')}): set settings.compliance.platform or settings.compliance.clusters`;
}

/** What the audit data of the period lets rules see, over all clusters. */
interface Sight {
  /** Some cluster had events at Metadata level or above. */
  anyEvents: boolean;
  /** Some cluster had events at Request level or above. */
  requestBodies: boolean;
}

const atOrAbove = (c: Coverage, level: AuditLevel): number => AUDIT_LEVELS.slice(AUDIT_LEVELS.indexOf(level)).reduce((sum, l) => sum + (c.byLevel[l] ?? 0), 0);

function evidence(coverage: readonly Coverage[] | undefined): Sight | undefined {
  if (!coverage) return undefined;
  return { anyEvents: coverage.some((c) => atOrAbove(c, 'Metadata') > 0), requestBodies: coverage.some((c) => atOrAbove(c, 'Request') > 0) };
}

/** Why the rule could not see in the period, or undefined when it could. */
function blindness(rule: DetectionMetadata, enabled: ReadonlySet<string>, sight: Sight | undefined): string | undefined {
  if (!enabled.has(rule.id)) return NOT_ASSESSED.switchedOff;
  if (!sight) return NOT_ASSESSED.noAuditData;
  if (!sight.anyEvents) return NOT_ASSESSED.noEvents;
  // A rule that does not declare its level is taken to need bodies: it is never held on a guess.
  if ((rule.evidenceLevel ?? 'Request') === 'Request' && !sight.requestBodies) return NOT_ASSESSED.needsRequest;
  return undefined;
}

function assessControls(
  rules: readonly DetectionMetadata[],
  byRule: ReadonlyMap<string, Control[]>,
  enabled: ReadonlySet<string>,
  sight: Sight | undefined,
  findings: readonly Finding[],
  located: (fs: readonly Finding[]) => LocatedFinding[],
  judge: Judge,
): ControlAssessment[] {
  interface Entry {
    control: Control;
    rules: DetectionMetadata[];
    findings: Finding[];
    extraRules: Set<string>;
    ignored: { belowSeverity: number; denied: number };
  }
  const entries = new Map<string, Entry>();
  const entry = (control: Control): Entry => {
    let e = entries.get(control.id);
    if (!e) entries.set(control.id, (e = { control, rules: [], findings: [], extraRules: new Set(), ignored: { belowSeverity: 0, denied: 0 } }));
    return e;
  };
  for (const rule of rules) for (const control of byRule.get(rule.id) ?? []) entry(control).rules.push(rule);
  for (const f of findings) {
    // A finding of a rule the registry no longer has still counts against the controls it recorded.
    const platform = judge.platformOf(clusterOf(f));
    for (const control of controlsOfFinding(f, byRule)) {
      const e = entry(control);
      if (!byRule.has(f.ruleId)) e.extraRules.add(f.ruleId);
      // Not the user's control on this cluster (an API-server flag on EKS): not against it.
      if (applicability(control, platform) === 'no') continue;
      if (isDenied(f)) e.ignored.denied++;
      else if (!violates(f, judge)) e.ignored.belowSeverity++;
      else e.findings.push(f);
    }
  }
  return [...entries.values()]
    .map((e): ControlAssessment => {
      const notApplicable = inapplicability(e.control, judge);
      const unknownPlatform = platformUnknown(e.control, judge);
      const notAssessed = notApplicable
        ? []
        : e.rules.flatMap((rule) => {
            const reason = unknownPlatform ?? blindness(rule, enabled, sight);
            return reason === undefined ? [] : [{ ruleId: rule.id, reason }];
          });
      const sees = !unknownPlatform && e.rules.some((rule) => blindness(rule, enabled, sight) === undefined);
      return {
        control: e.control,
        state: notApplicable ? 'not-applicable' : e.findings.length > 0 ? 'violated' : sees ? 'held' : 'not-assessed',
        rules: [...e.rules.map((r) => r.id), ...[...e.extraRules].sort()],
        notAssessed,
        findings: e.findings.length,
        ignored: e.ignored,
        ...(notApplicable ? { notApplicable } : {}),
        rows: aggregate(located(e.findings)).slice(0, ROWS_PER_CONTROL),
      };
    })
    .sort((a, b) => compareControls(a.control, b.control));
}

/** Framework (CIS, NSA-CISA, ATT&CK), then id in natural order: CIS-5.1.9 before CIS-5.1.10, T1053 before T1053.007. */
export function compareControls(a: Control, b: Control): number {
  return FRAMEWORK_ORDER.indexOf(a.framework) - FRAMEWORK_ORDER.indexOf(b.framework) || naturalCompare(a.id, b.id);
}

function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    const d = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return pa.length - pb.length;
}

// --- notes ---------------------------------------------------------------------------------

interface NotesInput {
  controls: readonly ControlAssessment[];
  coverage: readonly Coverage[] | undefined;
  sight: Sight | undefined;
  rules: readonly DetectionMetadata[];
  enabled: ReadonlySet<string>;
  unreadable: number;
  platforms: readonly ClusterPlatform[];
  threshold: Severity;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const ids = (controls: readonly ControlAssessment[]): string => controls.map((c) => c.control.id).join(', ');

function notes({ controls, coverage, sight, rules, enabled, unreadable, platforms, threshold }: NotesInput): string[] {
  const out: string[] = [];
  const count = (state: ControlAssessment['state']): number => controls.filter((c) => c.state === state).length;
  const notAssessed = controls.filter((c) => c.state === 'not-assessed');
  out.push(
    `Of ${plural(controls.length, 'control')} the rules map to, ${count('violated').toLocaleString('en-US')} violated, ${count('held').toLocaleString('en-US')} held, ${notAssessed.length.toLocaleString('en-US')} not assessed and ${count('not-applicable').toLocaleString('en-US')} not applicable.`,
  );
  out.push(
    `Only findings at ${threshold} severity or above violate a control, and a request the API server refused never does (settings.compliance.violationSeverity).`,
  );
  for (const p of platforms) out.push(platformSentence(p));

  if (!coverage) {
    out.push(
      'No audit data was read for this report (it was built from findings alone), so no control is shown as held: a control without findings is not assessed, because nothing shows its rules could see.',
    );
  } else if (!sight?.anyEvents) {
    out.push('No audit events were read in the period, so no control is shown as held: a control without findings is not assessed.');
  }
  for (const c of coverage ?? []) out.push(coverageSentence(c));

  if (sight?.anyEvents && !sight.requestBodies) {
    const blind = notAssessed.filter((c) => c.notAssessed.some((n) => n.reason === NOT_ASSESSED.needsRequest));
    if (blind.length > 0) {
      out.push(
        `No cluster logged events at the Request level or above, so ${plural(blind.length, 'control')} whose rules need request bodies ${blind.length === 1 ? 'is' : 'are'} not assessed: ${ids(blind)}. ` +
          'Log the resources those rules watch at the Request level in the audit policy to assess them.',
      );
    }
  } else if (sight?.requestBodies && coverage) {
    const metadataOnly = coverage.filter((c) => atOrAbove(c, 'Metadata') > 0 && atOrAbove(c, 'Request') === 0);
    const needBodies = rules.filter((r) => enabled.has(r.id) && (r.evidenceLevel ?? 'Request') === 'Request').length;
    for (const c of metadataOnly) {
      if (needBodies > 0)
        out.push(
          `${clusterName(c.cluster)} logged only Metadata-level events: the ${plural(needBodies, 'rule')} that need request bodies could not see what they look for there.`,
        );
    }
  }

  const disabled = rules.filter((r) => !enabled.has(r.id)).map((r) => r.id);
  if (disabled.length > 0) {
    const onlyOff = notAssessed.filter((c) => c.notAssessed.length > 0 && c.notAssessed.every((n) => n.reason === NOT_ASSESSED.switchedOff));
    out.push(
      `Switched off in the configuration: ${disabled.join(', ')}.` +
        (onlyOff.length > 0
          ? ` ${plural(onlyOff.length, 'control')} ${onlyOff.length === 1 ? 'has' : 'have'} only switched-off rules and ${onlyOff.length === 1 ? 'is' : 'are'} not assessed: ${ids(onlyOff)}.`
          : ''),
    );
  }

  for (const rule of rules) {
    const unknown = unresolvedReferences(rule);
    if (unknown.length > 0)
      out.push(`Rule ${rule.id} refers to ${unknown.map((u) => `"${u}"`).join(', ')}, which the control catalogue does not know; left out of the controls.`);
  }
  if (unreadable > 0)
    out.push(
      `${plural(unreadable, 'finding')} without a readable time ${unreadable === 1 ? 'was' : 'were'} left out: ${unreadable === 1 ? 'it falls' : 'they fall'} in no period.`,
    );
  return out;
}

const BASES: Record<ClusterPlatform['basis'], string> = {
  configured: 'as configured',
  logs: 'its findings name EKS or IAM identities',
  default: 'the default; settings.compliance.clusters can say otherwise',
};

function platformSentence(p: ClusterPlatform): string {
  if (p.platform === 'unknown')
    return (
      `${clusterName(p.cluster)}: its platform is not known (nothing in its findings names EKS), so the controls that depend on it ` +
      '(the CIS Kubernetes control-plane recommendations, sections 1-3, and the CIS Amazon EKS Benchmark) are not held there: set settings.compliance.clusters.' +
      `${p.cluster === NO_CLUSTER ? '<name>' : p.cluster}.platform or settings.compliance.platform.`
    );
  return p.platform === 'eks'
    ? `${clusterName(p.cluster)} runs on Amazon EKS, a managed control plane (${BASES[p.basis]}): the CIS Kubernetes control-plane recommendations (sections 1-3) are not applicable there; the CIS Amazon EKS Benchmark applies.`
    : `${clusterName(p.cluster)} runs a self-managed control plane (${BASES[p.basis]}): the CIS Amazon EKS Benchmark does not apply there.`;
}

const clusterName = (cluster: string): string => (cluster === NO_CLUSTER ? 'Objects without a cluster name (-)' : `Cluster ${cluster}`);

function coverageSentence(c: Coverage): string {
  const levels = AUDIT_LEVELS.filter((l) => l !== 'None' && (c.byLevel[l] ?? 0) > 0).map((l) => `${l} ${(c.byLevel[l] ?? 0).toLocaleString('en-US')}`);
  const events = atOrAbove(c, 'Metadata');
  if (events === 0) return `${clusterName(c.cluster)}: ${plural(c.objects, 'object')} read, no audit events in the period.`;
  return `${clusterName(c.cluster)}: ${plural(c.objects, 'object')} read, ${plural(events, 'audit event')} of interest (${levels.join(', ')}).`;
}

function checkPeriod(p: Period, name: string): void {
  const from = Date.parse(p.from);
  const to = Date.parse(p.to);
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) throw new Error(`${name} is not a period: ${p.from} – ${p.to}`);
}
