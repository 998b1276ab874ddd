import type { OpenIncidents } from '../../../lambdas/core/incident/open-incidents';
import { deferOpen, dueForSweep, forgetOpen, isIdle, MAX_OPEN_INCIDENTS, registerOpen } from '../../../lambdas/core/incident/open-incidents';
import { recordFindings } from '../../../lambdas/core/incident/record';
import { binding, input } from './build';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const incidentAt = (time: string) => recordFindings(undefined, input([binding(time)])).incident;

describe('the registry of open incidents', () => {
  it('lists an incident once per key: a new incident of the same principal replaces the ended one', () => {
    const first = incidentAt('2026-11-20T09:00:00Z');
    const second = incidentAt('2026-11-20T11:00:00Z');
    let registry = registerOpen(undefined, first, 'incident/prod-eu/k', 60, NOW);
    registry = registerOpen(registry, second, 'incident/prod-eu/k', 60, NOW + 1);
    expect(registry.entries.map((e) => e.id)).toEqual([second.id]);
    expect(registry.entries[0]).toMatchObject({ cluster: 'prod-eu', windowMinutes: 60, idleFrom: Date.parse('2026-11-20T12:00:00Z') });
  });

  it('stays bounded, dropping the oldest opened and counting them', () => {
    let registry: OpenIncidents | undefined;
    for (let i = 0; i < MAX_OPEN_INCIDENTS + 3; i++)
      registry = registerOpen(registry, { ...incidentAt('2026-11-20T09:00:00Z'), id: `id-${i}` }, `k-${i}`, 60, NOW + i);
    expect(registry!.entries).toHaveLength(MAX_OPEN_INCIDENTS);
    expect(registry!.dropped).toBe(3);
    expect(registry!.entries[0].id).toBe('id-3');
  });

  it('cuts the names an event chose', () => {
    const incident = { ...incidentAt('2026-11-20T09:00:00Z'), cluster: 'c'.repeat(5000) };
    incident.principal = { ...incident.principal, key: 'p'.repeat(5000) };
    const [entry] = registerOpen(undefined, incident, 'k', 60, NOW).entries;
    expect(entry.cluster.length).toBeLessThanOrEqual(100);
    expect(entry.principal.length).toBeLessThanOrEqual(100);
  });

  it('forgets by id and leaves a newer incident under the same key alone', () => {
    const registry = registerOpen(undefined, incidentAt('2026-11-20T09:00:00Z'), 'k', 60, NOW);
    expect(forgetOpen(registry, 'another').entries).toHaveLength(1);
    expect(forgetOpen(registry, registry.entries[0].id).entries).toHaveLength(0);
  });

  it('sweeps the incidents idle longest first, past the grace only, at most the limit', () => {
    let registry = registerOpen(undefined, { ...incidentAt('2026-11-20T10:00:00Z'), id: 'b' }, 'kb', 60, NOW);
    registry = registerOpen(registry, { ...incidentAt('2026-11-20T09:00:00Z'), id: 'a' }, 'ka', 60, NOW);
    registry = registerOpen(registry, { ...incidentAt('2026-11-20T10:45:00Z'), id: 'c' }, 'kc', 60, NOW);
    expect(dueForSweep(registry, NOW, 15, 10).map((e) => e.id)).toEqual(['a', 'b']);
    expect(dueForSweep(registry, NOW, 15, 1).map((e) => e.id)).toEqual(['a']);
    // A sweep found a later finding: not looked at again before that one is idle.
    expect(dueForSweep(deferOpen(registry, 'a', NOW), NOW, 15, 10).map((e) => e.id)).toEqual(['b']);
  });

  it('is idle only strictly past the window and the grace; an unreadable time is idle', () => {
    const last = { lastSeen: '2026-11-20T09:00:00Z' };
    const edge = Date.parse('2026-11-20T10:15:00Z');
    expect(isIdle(last, 60, 15, edge)).toBe(false);
    expect(isIdle(last, 60, 15, edge + 1)).toBe(true);
    expect(isIdle({ lastSeen: 'not a time' }, 60, 15, NOW)).toBe(true);
  });
});
