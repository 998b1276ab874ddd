/**
 * Two analyzers telling one incident at the same moment (two objects of one principal, delivered
 * together): one opening alert, and whatever the other brought in an update, never two openings.
 * Against dynalite, each analyzer with its own connection, as deployed.
 */
import { DynamoDbStateStore } from '../../../lambdas/adapters/dynamodb-state-store';
import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import { StateIncidentStore } from '../../../lambdas/core/incident/incident-store';
import { raiseIncidents } from '../../../lambdas/core/pipeline/raise-incidents';
import type { Publisher } from '../../../lambdas/core/ports';
import type { LocalDynamoDb } from '../../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../../devkit/local-dynamodb';
import { binding, daemonSet, token } from '../incident/build';

jest.setTimeout(60_000);

let db: LocalDynamoDb;
const TABLE = 'findings';
beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createFindingsTable(db.client, TABLE);
});
afterAll(async () => db.stop());

interface Told {
  alert: string;
  incident: string;
  told: string[];
}

/** A publisher as slow as SNS on a bad day, so the two analyzers overlap between deciding and marking. */
function slowPublisher(sent: Told[], delayMs = 150): Publisher {
  return {
    async publish(message: AlertMessage): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const body = JSON.parse((JSON.parse(message.Message) as { lambda: string }).lambda) as {
        alert: string;
        incident: { id: string };
        told: { ruleId: string }[];
      };
      // The lease is the store's business: it never reaches a message.
      if ('telling' in body.incident) throw new Error('the lease leaked into the alert');
      sent.push({ alert: body.alert, incident: body.incident.id, told: body.told.map((g) => g.ruleId) });
    },
  };
}

function analyzer(sent: Told[], now = () => Date.now()) {
  const store = new StateIncidentStore(new DynamoDbStateStore(db.documents, TABLE, 100, now));
  return {
    store,
    deps: {
      incidents: { store, windowMinutes: 60, links: { rulesDocUrl: 'docs/rules.md' } },
      publisher: slowPublisher(sent),
      minAlertSeverity: 'medium' as const,
      now,
    },
  };
}

describe('raiseIncidents: two analyzers, one principal, at once', () => {
  it('sends one opening alert; what the other object brought follows in an update', async () => {
    const sent: Told[] = [];
    const [a, b] = [analyzer(sent), analyzer(sent)];
    const clusterOf = (f: ReturnType<typeof binding>) => ({ ...f, cluster: 'race-1' });
    await Promise.all([
      raiseIncidents([clusterOf(binding('2026-11-20T09:00:00Z'))], 'a.gz', a.deps),
      raiseIncidents([clusterOf(token('2026-11-20T09:00:05Z')), clusterOf(daemonSet('2026-11-20T09:00:09Z'))], 'b.gz', b.deps),
    ]);
    expect(new Set(sent.map((s) => s.incident)).size).toBe(1);
    expect(sent.filter((s) => s.alert === 'opened')).toHaveLength(1);
    // Every group told exactly once across the alerts.
    expect(sent.flatMap((s) => s.told).sort()).toEqual(['rbac.privileged-role-bound', 'service-account.token-request', 'workload.privileged-template'].sort());
  });

  it('never opens twice, however many analyzers record the principal at once', async () => {
    const sent: Told[] = [];
    const analyzers = Array.from({ length: 4 }, () => analyzer(sent));
    const objects = Array.from({ length: 8 }, (_, i) => {
      const at = `2026-11-20T09:00:${String(i * 5).padStart(2, '0')}Z`;
      const made = [binding, token, daemonSet][i % 3](at);
      return [{ ...made, cluster: 'race-2', target: { ...made.target, name: `object-${i}` } }];
    });
    await Promise.all(objects.map((findings, i) => raiseIncidents(findings, `o-${i}.gz`, analyzers[i % 4].deps)));
    expect(sent.filter((s) => s.alert === 'opened')).toHaveLength(1);
    expect(new Set(sent.map((s) => s.incident)).size).toBe(1);
    // Eight groups (one per object), each told once.
    expect(sent.flatMap((s) => s.told)).toHaveLength(8);
  });

  it('gives the lease back when the publish fails, so the retry tells at once', async () => {
    const sent: Told[] = [];
    const failing = analyzer(sent);
    failing.deps.publisher = { publish: () => Promise.reject(new Error('SNS is down')) };
    const finding = { ...binding('2026-11-20T09:00:00Z'), cluster: 'race-3' };
    await expect(raiseIncidents([finding], 'a.gz', failing.deps)).rejects.toThrow('SNS is down');
    const waits: number[] = [];
    const retry = analyzer(sent);
    await raiseIncidents([finding], 'a.gz', { ...retry.deps, wait: (ms) => Promise.resolve(void waits.push(ms)) });
    expect(waits).toEqual([]);
    expect(sent.map((s) => s.alert)).toEqual(['opened']);
  });

  it("waits out another analyzer's lease, gives its findings back while it runs, and takes over once it lapsed", async () => {
    const sent: Told[] = [];
    const finding = { ...binding('2026-11-20T09:00:00Z'), cluster: 'race-4' };
    // An analyzer decided to tell, took the lease, and crashed before sending.
    const crashed = analyzer(sent);
    const principal = (await import('../../../lambdas/core/incident/principal')).principalOf(finding);
    const taken = await crashed.store.record('race-4', principal, [finding], 'a.gz', 60, {
      attempt: 'crashed',
      now: Date.now(),
      leaseMs: 60_000,
      minSeverity: 'medium',
    });
    expect(taken.toTell?.kind).toBe('opened');

    const waits: number[] = [];
    const during = analyzer(sent);
    await expect(raiseIncidents([finding], 'a.gz', { ...during.deps, wait: (ms) => Promise.resolve(void waits.push(ms)) })).rejects.toThrow(
      /another analyzer has been telling incident/,
    );
    expect(waits.length).toBeGreaterThan(0);
    expect(sent).toEqual([]);

    const later = analyzer(sent, () => Date.now() + 61_000);
    await raiseIncidents([finding], 'a.gz', later.deps);
    expect(sent.map((s) => s.alert)).toEqual(['opened']);
  });
});
