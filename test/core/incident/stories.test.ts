import { Readable } from 'node:stream';
import { scanObjects } from '../../../lambdas/core/pipeline/scan-objects';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { decideAlert } from '../../../lambdas/core/incident/alert-decision';
import { StateIncidentStore } from '../../../lambdas/core/incident/incident-store';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';
import { principalOf } from '../../../lambdas/core/incident/principal';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../../../lambdas/core/incident/record';
import type { IncidentAlert } from '../../../lambdas/core/incident/types';
import type { SourceObject } from '../../../lambdas/core/ports';
import type { LocatedFinding } from '../../../lambdas/core/report/aggregate';
import { JORDAN, STORIES } from '../../../scripts/attack-stories';

/**
 * The samples' intrusion (scripts/attack-stories.ts): a stolen key binds cluster-admin to a new
 * service account and mints a one-year token for it (a), creates a privileged DaemonSet (b); three
 * hours later the service account's token creates a CronJob fetching code (d). One object a story,
 * as the analyzer would get them.
 */
const object = (id: string): SourceObject => {
  const story = STORIES.find((s) => s.id === id)!;
  const bytes = Buffer.from(story.parts.flatMap(([, events]) => events.map((e) => JSON.stringify(e))).join('\n') + '\n');
  return {
    name: `s3://audit-logs/clusters/prod-eu/${id}.jsonl.gz`,
    key: `clusters/prod-eu/${id}.jsonl.gz`,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes])),
  };
};

const JORDAN_CHAIN = 'binding + token + privileged DaemonSet: a persistence chain';
/** With the token's own actions (story d, three hours later, with kubectl from the attacker's server): the minter's incident. */
const JORDAN_WITH_TOKEN_CHAIN = 'binding + token + privileged DaemonSet + stolen credential + CronJob + untrusted image: a persistence chain';

describe("the samples' attack as incidents", () => {
  let perObject: LocatedFinding[][];

  beforeAll(async () => {
    const state = new MemoryStateStore(() => Date.parse('2026-11-20T12:00:00Z'));
    perObject = [];
    for (const id of ['a', 'b', 'd']) perObject.push((await scanObjects([object(id)], { state })).findings);
  });

  it('makes one incident for jordan.lee, the token it minted included, whose chain names every step (the CLI)', () => {
    const incidents = groupIntoIncidents(perObject.flat(), DEFAULT_INCIDENT_WINDOW_MINUTES);
    const jordan = incidents.filter((i) => i.principal.key === 'jordan.lee');
    expect(jordan).toHaveLength(1);
    expect(jordan[0]).toMatchObject({ cluster: 'prod-eu', severity: 'critical', chain: JORDAN_WITH_TOKEN_CHAIN });
    expect(jordan[0].principal.usernames).toEqual([JORDAN.username, 'system:serviceaccount:kube-system:node-health-agent']);
    expect(jordan[0].groups.map((g) => g.ruleId)).toEqual(
      expect.arrayContaining(['rbac.privileged-role-bound', 'service-account.token-request', 'workload.privileged-template', 'daemonset.created-or-changed']),
    );
    // The CronJob was made with the minted token, three hours later: jordan.lee's incident, not one of the service account.
    expect(incidents.filter((i) => i.groups.some((g) => g.ruleId === 'cronjob.created-or-changed')).map((i) => i.principal.key)).toEqual(['jordan.lee']);
    expect(incidents.some((i) => i.principal.key === 'sa:kube-system/node-health-agent')).toBe(false);
  });

  it('alerts an opening and an update for jordan.lee across objects, not an alert per object (the store)', async () => {
    const store = new StateIncidentStore(new MemoryStateStore(() => Date.parse('2026-11-20T12:00:00Z')));
    const alerts: IncidentAlert[] = [];
    for (const findings of perObject) {
      const byPrincipal = new Map<string, LocatedFinding[]>();
      for (const located of findings)
        byPrincipal.set(principalOf(located.finding).key, [...(byPrincipal.get(principalOf(located.finding).key) ?? []), located]);
      for (const group of byPrincipal.values()) {
        const principal = principalOf(group[0].finding);
        const change = await store.record(
          'prod-eu',
          principal,
          group.map((l) => l.finding),
          group.map((l) => l.source),
          DEFAULT_INCIDENT_WINDOW_MINUTES,
        );
        const alert = decideAlert(change, 'medium');
        if (alert) {
          alerts.push(alert);
          await store.markAlerted(alert);
        }
        // The same object delivered again (an SQS retry): nothing changes, nobody is alerted.
        const again = await store.record('prod-eu', principal, structuredClone(group.map((l) => l.finding)), 'retry', 60);
        expect(again).toMatchObject({ opened: false, newGroups: [], repeats: 0 });
        expect(again.incident.version).toBe(change.incident.version);
        expect(decideAlert(again, 'medium')).toBeUndefined();
      }
    }
    const jordan = alerts.filter((a) => a.incident.principal.key === 'jordan.lee');
    expect(jordan.map((a) => a.kind)).toEqual(['opened', 'updated']);
    expect(new Set(jordan.map((a) => a.incident.id)).size).toBe(1);
    expect(jordan[0].incident.chain).toBe('binding + token: a persistence chain');
    expect(jordan[1].whatsNew).toBe(`2 new finding groups; the chain is now ${JORDAN_CHAIN}`);
    expect(jordan[1].told.map((g) => g.ruleId).sort()).toEqual(['daemonset.created-or-changed', 'workload.privileged-template']);
    // The token's use from the attacker's server (low) pages nobody; its CronJob does, once.
    expect(alerts.filter((a) => a.incident.principal.key !== 'jordan.lee').map((a) => [a.kind, a.incident.chain])).toEqual([
      ['opened', 'CronJob + untrusted image: a persistence chain'],
    ]);
  });
});
