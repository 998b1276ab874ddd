import { decideAlert, markTold } from '../../../lambdas/core/incident/alert-decision';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';
import { principalOf } from '../../../lambdas/core/incident/principal';
import { INCIDENT_LIMITS, recordFindings } from '../../../lambdas/core/incident/record';
import type { Finding, Severity } from '../../../lambdas/core/finding';
import { binding, cronJob, daemonSet, finding, input, token } from './build';

describe('recordFindings', () => {
  it('opens an incident with one group per rule and target', () => {
    const findings = [binding('2026-11-20T09:00:04Z'), token('2026-11-20T09:00:05Z')];
    const change = recordFindings(undefined, input(findings));
    expect(change.opened).toBe(true);
    expect(change.repeats).toBe(0);
    const { incident } = change;
    expect(incident).toMatchObject({
      cluster: 'prod-eu',
      state: 'open',
      severity: 'critical',
      version: 1,
      firstSeen: '2026-11-20T09:00:04Z',
      lastSeen: '2026-11-20T09:00:05Z',
    });
    expect(incident.principal).toEqual({ key: 'jordan.lee', display: 'jordan.lee', usernames: ['arn:aws:iam::123456789012:user/jordan.lee'] });
    expect(change.newGroups).toEqual(incident.groups.map((g) => g.key));
    expect(incident.groups.map((g) => g.ruleId)).toEqual(['rbac.privileged-role-bound', 'service-account.token-request']);
    expect(incident.groups[0]).toMatchObject({
      count: 1,
      auditIDs: [findings[0].auditID],
      sourceIPs: ['203.0.113.66'],
      sources: ['s3://audit/clusters/prod-eu/a.gz'],
    });
    expect(incident.chain).toBe('binding + token: a persistence chain');
  });

  it('counts a repeat into its group, keeping the most severe summary and the time span', () => {
    const first = recordFindings(undefined, input([binding('2026-11-20T09:00:00Z', 'high')])).incident;
    const later = finding({ time: '2026-11-20T09:20:00Z', severity: 'medium', summary: 'a milder repeat' });
    const change = recordFindings(first, input([later]));
    expect(change).toMatchObject({ opened: false, newGroups: [], repeats: 1 });
    const [group] = change.incident.groups;
    expect(group).toMatchObject({ count: 2, severity: 'high', firstSeen: '2026-11-20T09:00:00Z', lastSeen: '2026-11-20T09:20:00Z' });
    expect(group.summary).toBe(first.groups[0].summary);
    expect(change.incident.id).toBe(first.id);
    expect(change.incident.version).toBe(2);
    expect(first.groups[0].count).toBe(1); // pure: the incident passed in is not changed
  });

  it('ignores a redelivered finding: same incident, same version, nothing new to tell', () => {
    const findings = [binding('2026-11-20T09:00:04Z'), token('2026-11-20T09:00:05Z')];
    const opened = recordFindings(undefined, input(findings));
    const alert = decideAlert(opened, 'medium');
    expect(alert?.kind).toBe('opened');
    const told = markTold(opened.incident, alert!);
    const again = recordFindings(told, input(findings.map((f) => structuredClone(f))));
    expect(again.incident).toBe(told);
    expect(again).toMatchObject({ opened: false, newGroups: [], repeats: 0 });
    expect(again.incident.version).toBe(1);
    expect(decideAlert(again, 'medium')).toBeUndefined();
  });

  it('opens a new incident after a quiet window, and joins findings within it', () => {
    const morning = recordFindings(undefined, input([binding('2026-11-20T09:00:00Z')])).incident;
    const soon = recordFindings(morning, input([token('2026-11-20T09:59:00Z')]));
    expect(soon.opened).toBe(false);
    expect(soon.incident.id).toBe(morning.id);
    const afternoon = recordFindings(soon.incident, input([daemonSet('2026-11-20T12:59:00Z')]));
    expect(afternoon.opened).toBe(true);
    expect(afternoon.incident.id).not.toBe(morning.id);
    expect(afternoon.incident.groups.map((g) => g.ruleId)).toEqual(['workload.privileged-template']);
    // A shorter window splits what a longer one joins.
    expect(recordFindings(morning, input([token('2026-11-20T09:59:00Z')], 30)).opened).toBe(true);
  });

  it('joins a late finding to the newer incident rather than displacing it', () => {
    const afternoon = recordFindings(undefined, input([binding('2026-11-20T13:00:00Z')])).incident;
    const late = recordFindings(afternoon, input([token('2026-11-20T09:00:00Z')]));
    expect(late.opened).toBe(false);
    expect(late.incident.id).toBe(afternoon.id);
    expect(late.incident.firstSeen).toBe('2026-11-20T09:00:00Z');
    expect(late.newGroups).toHaveLength(1);
  });

  it('joins an unreadable time to the open incident, without moving its times', () => {
    const open = recordFindings(undefined, input([binding('2026-11-20T09:00:00Z')])).incident;
    const change = recordFindings(open, input([token('yesterday-ish')]));
    expect(change.opened).toBe(false);
    expect(change.incident.groups).toHaveLength(2);
    expect(change.incident.lastSeen).toBe('2026-11-20T09:00:00Z');
  });

  it('raises the incident one step when the chain reaches three steps', () => {
    const two = recordFindings(undefined, input([binding('2026-11-20T09:00:00Z', 'medium'), token('2026-11-20T09:00:01Z', 'medium')])).incident;
    expect(two.severity).toBe('medium');
    const three = recordFindings(two, input([cronJob('2026-11-20T09:00:02Z', 'medium')])).incident;
    expect(three.chain).toBe('binding + token + CronJob: a persistence chain');
    expect(three.severity).toBe('high');
    const capped = recordFindings(
      undefined,
      input([binding('2026-11-20T09:00:00Z', 'critical'), token('2026-11-20T09:00:01Z'), daemonSet('2026-11-20T09:00:02Z')]),
    );
    expect(capped.incident.severity).toBe('critical');
  });

  it('keeps the principal usernames and impersonated users it saw, bounded', () => {
    const impersonating = finding({ actor: { username: 'arn:aws:iam::123456789012:user/jordan.lee', impersonatedUser: 'system:admin' } });
    const change = recordFindings(undefined, input([impersonating]));
    expect(change.incident.principal.impersonated).toEqual(['system:admin']);
  });
});

describe('a hostile input of 10,000 groups', () => {
  const long = (c: string, n: number): string => c.repeat(n);
  // Shared by every finding (the same strings, not copies): the input is hostile, not the test's memory.
  const summary = long('s', 100_000);
  const identityGroups = Array.from({ length: 50 }, (_, g) => `${g}${long('g', 5_000)}`);
  const sourceIPs = Array.from({ length: 50 }, (_, g) => `${g}${long('1', 5_000)}`);
  const userAgent = long('u', 5_000);
  const namespace = long('n', 5_000);
  const findings: Finding[] = Array.from({ length: 10_000 }, (_, i) =>
    finding({
      time: `2026-11-20T09:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      severity: (i === 1234 || i === 8888 ? 'critical' : i % 3 === 0 ? 'medium' : 'low') satisfies Severity,
      summary,
      auditID: `${i}-${long('a', 1_000)}`,
      target: { resource: 'configmaps', namespace, name: `${i}-${long('"', 1_000)}` },
      actor: { username: 'arn:aws:iam::123456789012:user/jordan.lee', groups: identityGroups, sourceIPs, userAgent },
    }),
  );

  it('keeps the item bounded and the most severe groups, counting what it left out', () => {
    const { incident } = recordFindings(undefined, { ...input(findings), sources: findings.map((_, i) => `s3://b/${i}/${long('k', 1_000)}`) });
    expect(incident.groups.length).toBeLessThanOrEqual(INCIDENT_LIMITS.groups);
    expect(incident.groups.length).toBeGreaterThan(2);
    expect(incident.omitted.groups).toBe(10_000 - incident.groups.length);
    expect(incident.omitted.findings).toBe(incident.omitted.groups);
    expect(Buffer.byteLength(JSON.stringify(incident))).toBeLessThanOrEqual(INCIDENT_LIMITS.itemBytes);
    expect(incident.groups.filter((g) => g.severity === 'critical')).toHaveLength(2);
    expect(incident.groups.filter((g) => g.severity === 'low')).toHaveLength(0);
    expect(incident.severity).toBe('critical');
    for (const g of incident.groups) {
      expect(g.summary.length).toBeLessThanOrEqual(INCIDENT_LIMITS.summary);
      expect(g.target.name!.length).toBeLessThanOrEqual(INCIDENT_LIMITS.name);
      expect(g.target.namespace!.length).toBeLessThanOrEqual(INCIDENT_LIMITS.name);
      expect(g.identityGroups.length).toBeLessThanOrEqual(INCIDENT_LIMITS.identityGroups);
      expect(g.sourceIPs.length).toBeLessThanOrEqual(INCIDENT_LIMITS.sourceIPs);
      expect(g.auditIDs.every((id) => id.length <= INCIDENT_LIMITS.shortName)).toBe(true);
    }
  });

  it('keeps one group bounded however many findings it counts', () => {
    const one = findings.slice(0, 500).map((f) => ({ ...f, target: { resource: 'configmaps', name: 'same' } }));
    const { incident } = recordFindings(undefined, input(one));
    expect(incident.groups).toHaveLength(1);
    const [group] = incident.groups;
    expect(group.count).toBe(500);
    expect(group.fingerprints).toHaveLength(INCIDENT_LIMITS.fingerprints);
    expect(group.auditIDs).toHaveLength(INCIDENT_LIMITS.auditIDs);
    expect(group.auditIDs[0]).toBe(one[0].auditID.slice(0, INCIDENT_LIMITS.shortName - 1) + '…');
  });

  it('groups the CLI findings of the same hostile input into one bounded incident', () => {
    const incidents = groupIntoIncidents(
      findings.map((f) => ({ finding: f, source: 'x' })),
      60,
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0].groups.length).toBeLessThanOrEqual(INCIDENT_LIMITS.groups);
    expect(incidents[0].principal.key).toBe(principalOf(findings[0]).key);
  });
});

describe('groupIntoIncidents', () => {
  it('splits two bursts three hours apart into two incidents, most severe first', () => {
    const located = [
      binding('2026-11-20T12:00:00Z', 'medium'),
      token('2026-11-20T09:00:00Z'),
      daemonSet('2026-11-20T09:30:00Z'),
      cronJob('2026-11-20T12:10:00Z', 'medium'),
    ].map((f) => ({ finding: f, source: 'obj' }));
    const incidents = groupIntoIncidents(located, 60);
    expect(incidents.map((i) => [i.firstSeen, i.lastSeen, i.severity])).toEqual([
      ['2026-11-20T09:00:00Z', '2026-11-20T09:30:00Z', 'critical'],
      ['2026-11-20T12:00:00Z', '2026-11-20T12:10:00Z', 'medium'],
    ]);
    expect(groupIntoIncidents(located, 240)).toHaveLength(1);
  });

  it('keeps principals and clusters apart', () => {
    const located = [
      binding('2026-11-20T09:00:00Z'),
      { ...binding('2026-11-20T09:00:01Z'), cluster: 'prod-us' },
      { ...binding('2026-11-20T09:00:02Z'), actor: { username: 'system:serviceaccount:kube-system:node-health-agent' } },
    ].map((f) => ({ finding: f, source: 'obj' }));
    const incidents = groupIntoIncidents(located, 60);
    expect(incidents.map((i) => `${i.cluster} ${i.principal.key}`).sort()).toEqual([
      'prod-eu jordan.lee',
      'prod-eu sa:kube-system/node-health-agent',
      'prod-us jordan.lee',
    ]);
  });
});
