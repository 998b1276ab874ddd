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

export type ControlFramework = 'CIS' | 'NSA-CISA' | 'MITRE-ATTACK';

export interface Control {
  /** `CIS-5.1.1`, `NSA-CISA:pod-security`, `T1543`. */
  id: string;
  framework: ControlFramework;
  title: string;
  /** A public page describing it, when there is a stable one. */
  url?: string;
}

/**
 * `held`: no finding of the control's rules in the period, and the rules could see (enabled, with
 * evidence at the cluster's audit level). `violated`: at least one finding. `not-assessed`: every
 * rule of the control is switched off or had no evidence: never shown as held.
 */
export type ControlState = 'held' | 'violated' | 'not-assessed';

export interface ControlAssessment {
  control: Control;
  state: ControlState;
  /** The rule ids mapped to the control. */
  rules: string[];
  /** The rules that could not see, and why (`switched off`, `needs Request level, saw Metadata`, `no audit data`). */
  notAssessed: Array<{ ruleId: string; reason: string }>;
  /** Findings of its rules in the period. */
  findings: number;
  /** Their aggregated rows (the most severe first, at most 10). */
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

export interface ComplianceReport {
  title: string;
  generatedAt: string;
  cadence?: ReportCadence;
  period: Period;
  previousPeriod: Period;
  /** Clusters in the report, sorted. */
  clusters: string[];
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
