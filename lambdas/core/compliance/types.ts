import type { Category, Severity } from '../finding';
import type { AggregatedRow } from '../report/aggregate';

/**
 * The compliance report's contract: the model every renderer (HTML, CSV, JSON, the SNS and Slack
 * summaries) reads, built once by `buildComplianceReport` (report-model.ts) from the findings of a
 * period and of the period before it. All times are ISO 8601 UTC; a period is [from, to).
 */

/** The levels of the Kubernetes audit policy, lowest first. */
export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

export type ReportCadence = 'daily' | 'weekly';

export interface Period {
  /** Inclusive start, ISO 8601 UTC (`2026-11-23T00:00:00.000Z`). */
  from: string;
  /** Exclusive end. */
  to: string;
  /** e.g. `2026-11-23 – 2026-11-29 (UTC)` or `2026-11-29 (UTC)`. */
  label: string;
}

/**
 * What the analyzer saw of one cluster in a period: how many audit events it parsed, by audit
 * level. A rule needs its level (see `Rule.evidenceLevel`) to have been seen before a control of it
 * can be said to have held.
 */
export interface Coverage {
  cluster: string;
  /** Objects read. */
  objects: number;
  /** Events parsed (those of interest to some rule), by their `level`. */
  byLevel: Partial<Record<AuditLevel, number>>;
}

/** `CIS`: the CIS Kubernetes Benchmark; `CIS-EKS`: the CIS Amazon EKS Benchmark. */
export type ControlFramework = 'CIS' | 'CIS-EKS' | 'NSA-CISA' | 'MITRE-ATTACK';

/** The order frameworks are listed and sorted in. */
export const FRAMEWORK_ORDER: readonly ControlFramework[] = ['CIS', 'CIS-EKS', 'NSA-CISA', 'MITRE-ATTACK'];

/**
 * Who runs a cluster's control plane. `eks`: AWS does (API-server flags, etcd, the audit policy
 * are not the user's to set); `self-managed`: the user does.
 */
export type Platform = 'eks' | 'self-managed';

/** The cluster name of findings and coverage that named none (as the coverage store writes it). */
export const NO_CLUSTER = '-';

/**
 * A cluster of the report and its platform: `configured` (settings), `logs` (its findings name
 * EKS or IAM identities) or `default` (settings.compliance.platform). `unknown`: detection found
 * nothing and no platform is configured; controls that depend on the platform are then never held.
 */
export interface ClusterPlatform {
  cluster: string;
  platform: Platform | 'unknown';
  basis: 'configured' | 'logs' | 'default';
}

export interface Control {
  /** `CIS-5.1.1`, `NSA-CISA:pod-security`, `T1543`. */
  id: string;
  framework: ControlFramework;
  title: string;
  /** A public page describing it, when there is a stable one. */
  url?: string;
}

/**
 * `held`: no violating finding of the control's rules in the period, and the rules could see
 * (enabled, with evidence at the cluster's audit level). `violated`: at least one violating
 * finding (at or above the report's `violationSeverity`, about a request the API server did not
 * refuse). `not-assessed`: every rule of the control is switched off or had no evidence: never
 * shown as held. `not-applicable`: the control is not the user's on any cluster of the report (an
 * API-server flag on EKS, an EKS control on a self-managed cluster).
 */
export type ControlState = 'held' | 'violated' | 'not-assessed' | 'not-applicable';

/** The states in the order the report counts them. */
export const CONTROL_STATES: readonly ControlState[] = ['violated', 'held', 'not-assessed', 'not-applicable'];

export interface ControlAssessment {
  control: Control;
  state: ControlState;
  /** The rule ids mapped to the control. */
  rules: string[];
  /** The rules that could not see, and why (`switched off`, `needs Request level, saw Metadata`, `no audit data`). */
  notAssessed: Array<{ ruleId: string; reason: string }>;
  /** Violating findings of its rules in the period. */
  findings: number;
  /** Findings of its rules that do not violate it: below the report's `violationSeverity`, or about a refused request. */
  ignored: { belowSeverity: number; denied: number };
  /** Why it is `not-applicable`, e.g. `managed by AWS on EKS (prod-eu)`. */
  notApplicable?: string;
  /** The violating findings' aggregated rows (the most severe first, at most 10). */
  rows: AggregatedRow[];
}

export interface Trend {
  current: number;
  previous: number;
}

export interface TopActor {
  actor: string;
  findings: number;
  highest: Severity;
  /** Rule ids, most findings first. */
  rules: string[];
}

/** One framework's controls by state. */
export interface FrameworkCount {
  framework: ControlFramework;
  counts: Record<ControlState, number>;
}

/** An incident (findings of one principal in one cluster, grouped as the CLI groups them) that violated controls. */
export interface ViolatingIncident {
  cluster: string;
  principal: string;
  severity: Severity;
  firstSeen: string;
  lastSeen: string;
  findings: number;
  /** What the steps add up to, when more than one. */
  chain?: string;
  /** Its most severe groups' titles, at most 3. */
  what: string[];
  /** The controls its findings violated, sorted, at most 8 (with `moreControls` for the rest). */
  controls: string[];
  moreControls: number;
}

/** What changed since the previous period: controls newly violated and no longer violated (same rules, same threshold). */
export interface ControlChange {
  /** False when nothing is known of a previous period: the report then says "first period". */
  known: boolean;
  previousViolated: number;
  newlyViolated: string[];
  noLongerViolated: string[];
}

/** The one page an auditor reads first. */
export interface AuditSummary {
  period: Period;
  clusters: ClusterPlatform[];
  violationSeverity: Severity;
  frameworks: FrameworkCount[];
  /** Most severe first, at most 5 (`moreIncidents` counts the rest): what fits on the first page. */
  incidents: ViolatingIncident[];
  moreIncidents: number;
  change: ControlChange;
  /** Findings that violated no control: below the threshold, or refused requests. */
  ignored: { belowSeverity: number; denied: number };
}

export interface ComplianceReport {
  title: string;
  generatedAt: string;
  cadence?: ReportCadence;
  period: Period;
  previousPeriod: Period;
  /** Clusters in the report, sorted. */
  clusters: string[];
  /** Each cluster's platform, named ones sorted, then `-` (data that named no cluster) when there was any. */
  platforms: ClusterPlatform[];
  /** Findings below this severity violate no control (settings.compliance.violationSeverity). */
  violationSeverity: Severity;
  /** The first page. */
  auditSummary: AuditSummary;
  summary: {
    findings: number;
    bySeverity: Record<Severity, number>;
    byCategory: Partial<Record<Category, number>>;
    byCluster: Record<string, number>;
  };
  trend: {
    findings: Trend;
    bySeverity: Record<Severity, Trend>;
    byCategory: Partial<Record<Category, Trend>>;
  };
  /** At most 10. */
  topActors: TopActor[];
  /** The period's aggregated table, most severe first. */
  rows: AggregatedRow[];
  controls: ControlAssessment[];
  /** Per cluster; undefined when the input carried no coverage (a findings file). */
  coverage?: Coverage[];
  /** Sentences the report must show, e.g. why controls are not assessed. */
  notes: string[];
}
