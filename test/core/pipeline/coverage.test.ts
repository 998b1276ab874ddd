import fc from 'fast-check';
import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { CoverageCounter } from '../../../lambdas/core/pipeline/coverage';

function event(stageTimestamp: string): AuditEvent {
  return { kind: 'Event', level: 'Metadata', auditID: 'a', stage: 'ResponseComplete', verb: 'get', requestURI: '/api', stageTimestamp } as AuditEvent;
}

function dayOf(stageTimestamp: string): string {
  const counter = new CoverageCounter();
  counter.count('prod', event(stageTimestamp));
  return counter.tallies('prod', 'fallback')[0].day;
}

describe('coverage counts events by their UTC day', () => {
  it.each([
    ['2026-12-03T23:59:59.999999Z', '2026-12-03'],
    ['2026-12-03TZ', '2026-12-03'],
    ['2026-12-03T23:30:00-01:00', '2026-12-04'],
    ['2026-12-04T00:30:00+01:00', '2026-12-03'],
    ['2026-12-03 10:00:00Z', '2026-12-03'],
    ['not a time', 'fallback'],
    ['', 'fallback'],
  ])('%s is on %s', (time, day) => {
    expect(dayOf(time)).toBe(day);
  });

  it('takes the first ten characters exactly when the time is `yyyy-mm-ddT…Z` with no `+`', () => {
    const isoUtc = /^\d{4}-\d{2}-\d{2}T[^+]*Z$/;
    const near = fc
      .tuple(
        fc.constantFrom('2026-12-03', '2026-1-03', '2026-12-0x', '2026/12/03'),
        fc.constantFrom('T', ' ', 't'),
        fc.string({ maxLength: 12 }),
        fc.constantFrom('Z', 'z', '', '+01:00'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(near, fc.string()), (time) => {
        if (isoUtc.test(time)) expect(dayOf(time)).toBe(time.slice(0, 10));
        else {
          const t = Date.parse(time);
          expect(dayOf(time)).toBe(Number.isNaN(t) ? 'fallback' : new Date(t).toISOString().slice(0, 10));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
