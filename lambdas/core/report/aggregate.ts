import type { Category, Finding, Severity } from '../finding';
import { zeroSeverityCounts } from '../finding';
import { RowAggregator, UNBOUNDED_ROWS } from './row-aggregator';

/** A finding with the object it was read from (S3 key or file path). */
export interface LocatedFinding {
  finding: Finding;
  source: string;
}

/** One row of the aggregated findings table: the same rule, actor and target, however often. */
export interface AggregatedRow {
  ruleId: string;
  title: string;
  category: Category;
  /** The highest severity among the grouped findings. */
  severity: Severity;
  actor: string;
  target: { resource: string; subresource?: string; namespace?: string; name?: string };
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The auditID of the most severe, then latest, finding of the group (of equals, the least auditID). */
  exampleAuditID: string;
  /** That finding's summary. */
  summary: string;
  /** Objects the findings came from, sorted by name. */
  sources: string[];
  /** Clusters the findings came from, sorted by name. */
  clusters: string[];
}

/**
 * Groups findings by (rule, actor, target namespace and name) into rows, sorted by severity, then
 * count, then rule: every renderer (terminal, Markdown, email text, JSON, SARIF, HTML) shows these.
 * Findings already in memory are grouped without bounds; a scan that streams them uses
 * `RowAggregator` with its bounds.
 */
export function aggregate(findings: readonly LocatedFinding[]): AggregatedRow[] {
  const rows = new RowAggregator(UNBOUNDED_ROWS);
  for (const located of findings) rows.add(located);
  return rows.rows();
}

/** The run's numbers every renderer's summary line shows. */
export interface ScanSummary {
  objects: number;
  /** Stored bytes read. */
  bytes: number;
  events: number;
  /** Events the pre-check skipped without parsing. */
  skipped: number;
  malformed: number;
  /** Objects that could not be read completely. */
  incomplete: number;
  findings: number;
  bySeverity: Record<Severity, number>;
}

export function countBySeverity(findings: readonly LocatedFinding[]): Record<Severity, number> {
  const counts = zeroSeverityCounts();
  for (const { finding } of findings) counts[finding.severity]++;
  return counts;
}
