import type { Category, Finding, Severity } from '../finding';
import { maxSeverity, severityRank, zeroSeverityCounts } from '../finding';

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
  /** The auditID of the most severe, then latest, finding of the group. */
  exampleAuditID: string;
  /** That finding's summary. */
  summary: string;
  /** Objects the findings came from, in the order first seen. */
  sources: string[];
  clusters: string[];
}

/**
 * Groups findings by (rule, actor, target namespace and name) into rows, sorted by severity, then
 * count, then rule: every renderer (terminal, Markdown, email text, JSON, SARIF, HTML) shows these.
 */
export function aggregate(findings: readonly LocatedFinding[]): AggregatedRow[] {
  const rows = new Map<string, AggregatedRow & { exampleTime: string }>();
  for (const { finding: f, source } of findings) {
    // JSON, not a join: a separator inside a logged name would let two groups collide.
    const key = JSON.stringify([f.ruleId, f.actor.username, f.target.resource, f.target.namespace ?? '', f.target.name ?? '']);
    const row = rows.get(key);
    if (!row) {
      rows.set(key, {
        ruleId: f.ruleId,
        title: f.title,
        category: f.category,
        severity: f.severity,
        actor: f.actor.username,
        target: { resource: f.target.resource, subresource: f.target.subresource, namespace: f.target.namespace, name: f.target.name },
        count: 1,
        firstSeen: f.time,
        lastSeen: f.time,
        exampleAuditID: f.auditID,
        summary: f.summary,
        sources: [source],
        clusters: f.cluster ? [f.cluster] : [],
        exampleTime: f.time,
      });
      continue;
    }
    row.count++;
    if (f.time < row.firstSeen) row.firstSeen = f.time;
    if (f.time > row.lastSeen) row.lastSeen = f.time;
    const rank = severityRank(f.severity) - severityRank(row.severity);
    if (rank > 0 || (rank === 0 && f.time > row.exampleTime)) {
      row.exampleAuditID = f.auditID;
      row.summary = f.summary;
      row.exampleTime = f.time;
    }
    row.severity = maxSeverity(row.severity, f.severity);
    if (!row.sources.includes(source)) row.sources.push(source);
    if (f.cluster && !row.clusters.includes(f.cluster)) row.clusters.push(f.cluster);
  }
  return [...rows.values()]
    .map(({ exampleTime: _exampleTime, ...row }) => row)
    .sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId) || a.lastSeen.localeCompare(b.lastSeen),
    );
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
