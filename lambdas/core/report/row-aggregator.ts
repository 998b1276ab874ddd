import type { Severity } from '../finding';
import { maxSeverity, severityRank, zeroSeverityCounts } from '../finding';
import type { AggregatedRow, LocatedFinding } from './aggregate';

/**
 * How large the table may grow while a scan streams its findings: every name in a row comes from
 * the log (an attacker can make each finding a new row), so the rows and each row's lists are
 * bounded. Under these bounds the rows are exactly those `aggregate` makes from the same findings.
 */
export const ROW_LIMITS = {
  /** Rows kept; past twice this, the least severe, then rarest, then oldest are dropped down to it. */
  rows: 10_000,
  /** Source objects and clusters listed per row (the first by name). */
  sources: 20,
  clusters: 20,
} as const;

export type RowLimits = { readonly [K in keyof typeof ROW_LIMITS]: number };

/** No bound: what `aggregate` uses over findings already in memory. */
export const UNBOUNDED_ROWS: RowLimits = { rows: Infinity, sources: Infinity, clusters: Infinity };

interface Row extends AggregatedRow {
  /** The example finding's time (the most severe, then latest). */
  exampleTime: string;
}

/**
 * The aggregated table built finding by finding, so a scan need not keep its findings: the same
 * rows, order and example as `aggregate`, with what was dropped past the bounds counted. Under the
 * bounds the rows do not depend on the order findings come in (objects read at once interleave
 * differently from run to run): the example, the lists and the ties of the order are chosen by
 * value, never by arrival.
 */
export class RowAggregator {
  private readonly byKey = new Map<string, Row>();
  private readonly counts = zeroSeverityCounts();
  private added = 0;
  /** Rows dropped past `limits.rows`, and the findings they had counted. */
  readonly omitted = { rows: 0, findings: 0 };

  constructor(private readonly limits: RowLimits = ROW_LIMITS) {}

  add({ finding: f, source }: LocatedFinding): void {
    this.added++;
    this.counts[f.severity]++;
    // JSON, not a join: a separator inside a logged name would let two groups collide.
    const key = JSON.stringify([f.ruleId, f.actor.username, f.target.resource, f.target.namespace ?? '', f.target.name ?? '']);
    const row = this.byKey.get(key);
    if (!row) {
      this.byKey.set(key, {
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
        sources: this.limits.sources > 0 ? [source] : [],
        clusters: f.cluster && this.limits.clusters > 0 ? [f.cluster] : [],
        exampleTime: f.time,
      });
      if (this.byKey.size > this.limits.rows * 2) this.dropRarest();
      return;
    }
    row.count++;
    if (f.time < row.firstSeen) row.firstSeen = f.time;
    if (f.time > row.lastSeen) row.lastSeen = f.time;
    const rank = severityRank(f.severity) - severityRank(row.severity);
    if (rank > 0 || (rank === 0 && (f.time > row.exampleTime || (f.time === row.exampleTime && f.auditID < row.exampleAuditID)))) {
      row.exampleAuditID = f.auditID;
      row.summary = f.summary;
      row.exampleTime = f.time;
    }
    row.severity = maxSeverity(row.severity, f.severity);
    addSorted(row.sources, source, this.limits.sources);
    if (f.cluster) addSorted(row.clusters, f.cluster, this.limits.clusters);
  }

  /** Findings added, dropped rows' included. */
  get findings(): number {
    return this.added;
  }

  /** Findings added by severity, most severe first (dropped rows' included). */
  bySeverity(): Record<Severity, number> {
    return { ...this.counts };
  }

  /** The rows, sorted by severity, then count, then rule (as `aggregate`). */
  rows(): AggregatedRow[] {
    return [...this.byKey.values()].map(({ exampleTime: _exampleTime, ...row }) => row).sort(byTableOrder);
  }

  /** Keeps the most telling rows: the most severe, then the most frequent, then the latest. */
  private dropRarest(): void {
    const ranked = [...this.byKey.entries()].sort(
      ([, a], [, b]) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || b.lastSeen.localeCompare(a.lastSeen),
    );
    for (const [key, row] of ranked.slice(this.limits.rows)) {
      this.byKey.delete(key);
      this.omitted.rows++;
      this.omitted.findings += row.count;
    }
  }
}

/** The table's order: severity, then count, then rule, then last seen, then who and what (so no tie is left to arrival). */
export function byTableOrder(a: AggregatedRow, b: AggregatedRow): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    b.count - a.count ||
    compare(a.ruleId, b.ruleId) ||
    compare(a.lastSeen, b.lastSeen) ||
    compare(a.actor, b.actor) ||
    compare(a.target.resource, b.target.resource) ||
    compare(a.target.namespace ?? '', b.target.namespace ?? '') ||
    compare(a.target.name ?? '', b.target.name ?? '')
  );
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Adds a name to a sorted list that keeps at most `limit` names, the first by name. */
function addSorted(list: string[], name: string, limit: number): void {
  if (list.includes(name)) return;
  let at = list.length;
  while (at > 0 && list[at - 1] > name) at--;
  if (at >= limit) return;
  list.splice(at, 0, name);
  if (list.length > limit) list.pop();
}
