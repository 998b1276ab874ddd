import { DynamoDbStateStore } from '../../../lambdas/adapters/dynamodb-state-store';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { decideAlert } from '../../../lambdas/core/incident/alert-decision';
import { incidentKey, StateIncidentStore } from '../../../lambdas/core/incident/incident-store';
import { principalOf } from '../../../lambdas/core/incident/principal';
import type { Finding } from '../../../lambdas/core/finding';
import type { LocalDynamoDb } from '../../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../../devkit/local-dynamodb';
import { binding, daemonSet, finding, token } from './build';

const JORDAN = principalOf(binding('2026-11-20T09:00:00Z'));
const NOW = Date.parse('2026-11-20T10:00:00Z');

describe('incidentKey', () => {
  it('is short and distinct whatever the cluster and principal are called', () => {
    expect(incidentKey('prod-eu', 'jordan.lee')).toMatch(/^incident\/prod-eu\/[\w-]{22}$/);
    expect(incidentKey('prod-eu', 'jordan.lee')).not.toBe(incidentKey('prod-eu', 'jordan.le'));
    const odd = incidentKey(`a/b${'x'.repeat(5000)}`, 'k');
    expect(odd.length).toBeLessThan(200);
    expect(odd).not.toBe(incidentKey(`a_b${'x'.repeat(5000)}`, 'k'));
  });
});

describe('StateIncidentStore over memory', () => {
  it('keeps the incident between recordings and marks what an alert told', async () => {
    const store = new StateIncidentStore(new MemoryStateStore(() => NOW));
    const opened = await store.record('prod-eu', JORDAN, [binding('2026-11-20T09:00:00Z')], 'a.gz', 60);
    const alert = decideAlert(opened, 'medium')!;
    expect(alert.kind).toBe('opened');
    await store.markAlerted(alert);
    const more = await store.record('prod-eu', JORDAN, [token('2026-11-20T09:00:05Z')], 'b.gz', 60);
    expect(more.incident.id).toBe(opened.incident.id);
    expect(more.incident.alertedSeverity).toBe('high');
    expect(decideAlert(more, 'medium')).toMatchObject({
      kind: 'updated',
      whatsNew: '1 new finding group; severity raised to critical; the chain is now binding + token: a persistence chain',
    });
  });

  it('does not mark a newer incident with an old alert', async () => {
    const store = new StateIncidentStore(new MemoryStateStore(() => NOW));
    const old = await store.record('prod-eu', JORDAN, [binding('2026-11-20T09:00:00Z')], 'a.gz', 60);
    const fresh = await store.record('prod-eu', JORDAN, [binding('2026-11-20T13:00:00Z')], 'b.gz', 60);
    expect(fresh.opened).toBe(true);
    await store.markAlerted(decideAlert(old, 'medium')!);
    const after = await store.record('prod-eu', JORDAN, [], 'c.gz', 60);
    expect(after.incident.id).toBe(fresh.incident.id);
    expect(after.incident.alertedSeverity).toBeUndefined();
    expect(decideAlert(after, 'medium')?.kind).toBe('opened');
  });
});

describe('StateIncidentStore over DynamoDB (dynalite)', () => {
  jest.setTimeout(60_000);
  let db: LocalDynamoDb;
  const TABLE = 'findings';
  // Two analyzers: each its own state store (and connection), one table.
  const analyzer = (): StateIncidentStore => new StateIncidentStore(new DynamoDbStateStore(db.documents, TABLE, 100, () => NOW));

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createFindingsTable(db.client, TABLE);
  });
  afterAll(async () => db.stop());

  it('loses no finding when two analyzers record at once', async () => {
    const [a, b] = [analyzer(), analyzer()];
    const principal = principalOf(finding({ actor: { username: 'arn:aws:iam::123456789012:user/concurrent' } }));
    const findings: Finding[] = Array.from({ length: 24 }, (_, i) =>
      finding({
        time: `2026-11-20T09:00:${String(i).padStart(2, '0')}Z`,
        actor: { username: 'arn:aws:iam::123456789012:user/concurrent' },
        target: { resource: 'clusterrolebindings', name: `binding-${i % 4}` },
      }),
    );
    const changes = await Promise.all(findings.map((f, i) => (i % 2 === 0 ? a : b).record('prod-eu', principal, [f], `obj-${i}`, 60)));
    expect(changes.filter((c) => c.opened)).toHaveLength(1);
    expect(new Set(changes.map((c) => c.incident.id)).size).toBe(1);
    expect(changes.flatMap((c) => c.newGroups)).toHaveLength(4);
    expect(changes.reduce((n, c) => n + c.repeats, 0)).toBe(20);
    const kept = (await analyzer().record('prod-eu', principal, [], 'read', 60)).incident;
    expect(kept.groups.reduce((n, g) => n + g.count, 0)).toBe(24);
    expect(kept.groups.flatMap((g) => g.fingerprints).sort()).toEqual(findings.map((f) => f.fingerprint).sort());
    expect(kept.version).toBe(24);
  });

  it('records a duplicate delivery processed at the same time once', async () => {
    const batch = [binding('2026-11-20T09:00:00Z'), token('2026-11-20T09:00:01Z'), daemonSet('2026-11-20T09:00:02Z')];
    const principal = principalOf(batch[0]);
    const [first, second] = await Promise.all([
      analyzer().record('prod-eu', principal, batch, 'a.gz', 60),
      analyzer().record('prod-eu', principal, structuredClone(batch), 'a.gz', 60),
    ]);
    expect([first.opened, second.opened].sort()).toEqual([false, true]);
    const kept = (await analyzer().record('prod-eu', principal, [], 'read', 60)).incident;
    expect(kept.version).toBe(1);
    expect(kept.groups.map((g) => g.count)).toEqual([1, 1, 1]);
    expect(kept.chain).toBe('binding + token + privileged DaemonSet: a persistence chain');
  });

  it('lists what recordings opened, and ends an incident once: two sweeps at once agree, a closed one stays closed', async () => {
    const store = analyzer();
    const principal = principalOf(finding({ actor: { username: 'arn:aws:iam::123456789012:user/ending' } }));
    const opened = await store.record('prod-eu', principal, [finding({ actor: { username: 'arn:aws:iam::123456789012:user/ending' } })], 'a.gz', 60);
    const entry = (await analyzer().openIncidents()).entries.find((e) => e.id === opened.incident.id)!;
    expect(entry).toMatchObject({ key: incidentKey('prod-eu', principal.key), cluster: 'prod-eu', principal: principal.key, windowMinutes: 60 });
    expect(await analyzer().incidentOf(entry)).toMatchObject({ id: opened.incident.id, state: 'open' });

    const quiet = { how: 'quiet', now: Date.parse('2026-11-20T10:15:00Z') + 1, graceMinutes: 15 } as const;
    const results = await Promise.all([analyzer().end(entry, quiet), analyzer().end(entry, quiet)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['ended', 'not-open']);
    expect((await analyzer().openIncidents()).entries.map((e) => e.id)).not.toContain(entry.id);
    expect(await analyzer().incidentOf(entry)).toMatchObject({ state: 'quiet', ended: { how: 'quiet', at: '2026-11-20T10:15:00.001Z' } });
    expect(await analyzer().end(entry, { how: 'closed', now: NOW, by: 'carla' })).toMatchObject({ outcome: 'not-open' });
  });

  it('refuses to end an incident a finding joined, and leaves an expired one to expiry', async () => {
    const store = analyzer();
    const who = { actor: { username: 'arn:aws:iam::123456789012:user/busy' } };
    const principal = principalOf(finding(who));
    await store.record('prod-eu', principal, [finding({ ...who, time: '2026-11-20T09:00:00Z' })], 'a.gz', 60);
    await store.record('prod-eu', principal, [finding({ ...who, time: '2026-11-20T09:59:00Z' })], 'b.gz', 60);
    const entry = (await store.openIncidents()).entries.find((e) => e.principal === principal.key)!;
    const result = await store.end(entry, { how: 'quiet', now: Date.parse('2026-11-20T10:20:00Z'), graceMinutes: 15 });
    expect(result).toMatchObject({ outcome: 'active', incident: { state: 'open' } });
    expect((await store.openIncidents()).entries.find((e) => e.id === entry.id)?.idleFrom).toBe(Date.parse('2026-11-20T10:59:00Z'));

    const missing = { ...entry, key: incidentKey('prod-eu', 'nobody'), id: 'gone' };
    expect(await store.end(missing, { how: 'closed', now: NOW, by: 'carla' })).toEqual({ outcome: 'gone' });
    expect(await store.incidentOf(missing)).toBeUndefined();
  });
});
