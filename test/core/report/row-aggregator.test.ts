import fc from 'fast-check';
import type { AggregatedRow, LocatedFinding } from '../../../lambdas/core/report/aggregate';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import { severityRank } from '../../../lambdas/core/finding';
import { RowAggregator } from '../../../lambdas/core/report/row-aggregator';
import { locatedFinding } from '../../helpers/finding-arbitrary';

/**
 * The table as its documentation describes it, written from the grouped lists rather than
 * finding by finding: one row per (rule, actor, target resource, namespace, name) in the order
 * of severity, count, rule, last seen, then who and what; the example is the most severe, then
 * latest, finding (of equals, the least auditID); sources and clusters sorted by name.
 */
function tableOf(findings: readonly LocatedFinding[]): AggregatedRow[] {
  const groups = new Map<string, LocatedFinding[]>();
  for (const l of findings) {
    const { ruleId, actor, target } = l.finding;
    const key = JSON.stringify([ruleId, actor.username, target.resource, target.namespace ?? '', target.name ?? '']);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const rows = [...groups.values()].map((group): AggregatedRow => {
    const first = group[0].finding;
    const times = group.map((l) => l.finding.time).sort();
    const top = Math.max(...group.map((l) => severityRank(l.finding.severity)));
    const mostSevere = group.filter((l) => severityRank(l.finding.severity) === top).map((l) => l.finding);
    const latest = mostSevere.map((f) => f.time).sort()[mostSevere.length - 1];
    const example = mostSevere.filter((f) => f.time === latest).sort((a, b) => (a.auditID < b.auditID ? -1 : a.auditID > b.auditID ? 1 : 0))[0] ?? first;
    return {
      ruleId: first.ruleId,
      title: first.title,
      category: first.category,
      severity: example.severity,
      actor: first.actor.username,
      target: { resource: first.target.resource, subresource: first.target.subresource, namespace: first.target.namespace, name: first.target.name },
      count: group.length,
      firstSeen: times[0],
      lastSeen: times[times.length - 1],
      exampleAuditID: example.auditID,
      summary: example.summary,
      sources: [...new Set(group.map((l) => l.source))].sort(byCodeUnit),
      clusters: [...new Set(group.flatMap((l) => (l.finding.cluster ? [l.finding.cluster] : [])))].sort(byCodeUnit),
    };
  });
  const order = (r: AggregatedRow): Array<number | string> => [
    -severityRank(r.severity),
    -r.count,
    r.ruleId,
    r.lastSeen,
    r.actor,
    r.target.resource,
    r.target.namespace ?? '',
    r.target.name ?? '',
  ];
  return rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, n) => v !== y[n]);
    if (i < 0) return 0;
    return typeof x[i] === 'number' ? x[i] - (y[i] as number) : byCodeUnit(x[i], y[i] as string);
  });
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function streamed(findings: readonly LocatedFinding[], aggregator = new RowAggregator()): RowAggregator {
  for (const located of findings) aggregator.add(located);
  return aggregator;
}

describe('RowAggregator', () => {
  it('under its bounds makes the rows the whole-list aggregate made, byte for byte as JSON', () => {
    fc.assert(
      fc.property(fc.array(locatedFinding, { maxLength: 120 }), (findings) => {
        const expected = tableOf(findings);
        expect(JSON.stringify(streamed(findings).rows())).toBe(JSON.stringify(expected));
        expect(JSON.stringify(aggregate(findings))).toBe(JSON.stringify(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('makes the same rows whatever order the findings come in (objects read at once interleave differently each run)', () => {
    fc.assert(
      fc.property(
        fc
          .array(locatedFinding, { maxLength: 80 })
          .chain((findings) => fc.tuple(fc.constant(findings), fc.shuffledSubarray(findings, { minLength: findings.length }))),
        ([findings, shuffled]) => {
          expect(JSON.stringify(streamed(shuffled).rows())).toBe(JSON.stringify(streamed(findings).rows()));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts every finding by severity, whatever it keeps', () => {
    fc.assert(
      fc.property(fc.array(locatedFinding, { maxLength: 80 }), (findings) => {
        const rows = streamed(findings, new RowAggregator({ rows: 2, sources: 1, clusters: 1 }));
        expect(rows.findings).toBe(findings.length);
        for (const [severity, n] of Object.entries(rows.bySeverity())) expect(n).toBe(findings.filter((l) => l.finding.severity === severity).length);
        // What is kept plus what was dropped is every finding.
        expect(rows.rows().reduce((n, r) => n + r.count, 0) + rows.omitted.findings).toBe(findings.length);
      }),
      { numRuns: 200 },
    );
  });

  it('past its bounds keeps the most severe rows and lists the first sources and clusters only', () => {
    fc.assert(
      fc.property(fc.array(locatedFinding, { minLength: 1, maxLength: 80 }), (findings) => {
        const bounded = streamed(findings, new RowAggregator({ rows: 3, sources: 2, clusters: 1 }));
        const rows = bounded.rows();
        expect(rows.length).toBeLessThanOrEqual(6);
        for (const row of rows) {
          expect(row.sources.length).toBeLessThanOrEqual(2);
          expect(row.clusters.length).toBeLessThanOrEqual(1);
        }
        // The most severe finding's row is never the one dropped.
        const top = Math.max(...findings.map((l) => severityRank(l.finding.severity)));
        expect(severityRank(rows[0].severity)).toBe(top);
        if (bounded.omitted.rows === 0) expect(rows.length).toBe(tableOf(findings).length);
      }),
      { numRuns: 200 },
    );
  });
});
