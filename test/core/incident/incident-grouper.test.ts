import fc from 'fast-check';
import type { LocatedFinding } from '../../../lambdas/core/report/aggregate';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';
import type { GrouperLimits } from '../../../lambdas/core/incident/incident-grouper';
import { GROUPER_LIMITS, IncidentGrouper } from '../../../lambdas/core/incident/incident-grouper';
import { byTime, locatedFinding } from '../../helpers/finding-arbitrary';
import { severityRank } from '../../../lambdas/core/finding';
import { finding } from './build';

/**
 * A scan's findings: unique fingerprints (no redelivery within one scan), one token request per
 * service account (see `sameMinter`), and now and then a time nobody can read.
 */
const scanFindings = (maxLength: number): fc.Arbitrary<LocatedFinding[]> =>
  fc.array(fc.record({ located: locatedFinding, untimed: fc.integer({ min: 0, max: 30 }) }), { maxLength }).map((drawn) => {
    const minted = new Set<string>();
    return drawn.map(({ located, untimed }, i): LocatedFinding => {
      let finding = { ...located.finding, fingerprint: `fp-${i}`, ...(untimed === 0 ? { time: 'not a time' } : {}) };
      if (finding.ruleId === 'service-account.token-request') {
        const key = JSON.stringify([finding.cluster, finding.target.namespace, finding.target.name]);
        if (minted.has(key)) finding = { ...finding, ruleId: 'secret.read', category: 'secret' };
        minted.add(key);
      }
      return { ...located, finding };
    });
  });

function grouped(findings: readonly LocatedFinding[], window: number, limits: GrouperLimits = GROUPER_LIMITS): IncidentGrouper {
  const grouper = new IncidentGrouper(window, limits);
  for (const located of findings) grouper.add(located);
  return grouper;
}

const windows = fc.constantFrom(15, 60, 240);

describe('IncidentGrouper', () => {
  it('gives the incidents groupIntoIncidents gives for the findings in time order, byte for byte as JSON', () => {
    fc.assert(
      fc.property(scanFindings(150), windows, fc.integer({ min: 4, max: 64 }), (findings, window, reorder) => {
        const ordered = byTime(findings);
        const expected = JSON.stringify(groupIntoIncidents(ordered, window));
        // In time order any buffer will do; the batches it records in change nothing.
        expect(JSON.stringify(grouped(ordered, window, { ...GROUPER_LIMITS, reorder }).incidents())).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('puts findings in time order itself as long as they fit its buffer', () => {
    fc.assert(
      fc.property(
        scanFindings(100).chain((f) => fc.shuffledSubarray(f, { minLength: f.length, maxLength: f.length })),
        windows,
        (shuffled, window) => {
          const grouper = grouped(shuffled, window, { ...GROUPER_LIMITS, reorder: 100 });
          expect(JSON.stringify(grouper.incidents())).toBe(JSON.stringify(groupIntoIncidents(byTime(shuffled), window)));
          expect(grouper.late).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('past its buffer loses no finding: every one is counted in an incident or in what was dropped', () => {
    fc.assert(
      fc.property(
        scanFindings(150).chain((f) => fc.shuffledSubarray(f, { minLength: f.length, maxLength: f.length })),
        windows,
        (shuffled, window) => {
          const grouper = grouped(shuffled, window, { reorder: 4, incidents: 2, mints: 1 });
          const incidents = grouper.incidents();
          expect(incidents.length).toBeLessThanOrEqual(4);
          const counted = incidents.reduce((n, i) => n + i.groups.reduce((m, g) => m + g.count, 0) + i.omitted.findings, 0);
          expect(counted + grouper.omitted.findings).toBe(shuffled.length);
          const ranks = incidents.map((i) => severityRank(i.severity));
          expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts the findings that came after newer ones of their principal had been recorded, and keeps them in its incident', () => {
    const at = (time: string): LocatedFinding => ({ finding: finding({ time }), source: 'a.log' });
    const grouper = grouped([at('2026-11-20T10:00:00Z'), at('2026-11-20T10:30:00Z'), at('2026-11-20T07:00:00Z')], 60, { ...GROUPER_LIMITS, reorder: 1 });
    const incidents = grouper.incidents();
    expect(grouper.late).toBe(1);
    // Three hours early, yet it joins the open incident (as a late object joins the analyzer's) rather than being lost.
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ firstSeen: '2026-11-20T07:00:00Z', lastSeen: '2026-11-20T10:30:00Z' });
    expect(incidents[0].groups[0].count).toBe(3);
  });
});
