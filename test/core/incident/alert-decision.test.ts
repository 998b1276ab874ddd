import { alertKey, decideAlert, markTold } from '../../../lambdas/core/incident/alert-decision';
import { recordFindings } from '../../../lambdas/core/incident/record';
import type { Incident, IncidentAlert, IncidentChange } from '../../../lambdas/core/incident/types';
import type { Finding } from '../../../lambdas/core/finding';
import { binding, cronJob, daemonSet, finding, input, token } from './build';

/** Records, decides at `medium` and, when an alert is decided, marks it told: one analyzer step. */
function step(current: Incident | undefined, findings: Finding[]): { change: IncidentChange; alert?: IncidentAlert; kept: Incident } {
  const change = recordFindings(current, input(findings));
  const alert = decideAlert(change, 'medium');
  return { change, alert, kept: alert ? markTold(change.incident, alert) : change.incident };
}

const exec = (time: string): Finding =>
  finding({
    ruleId: 'exec.pod-exec',
    category: 'exec',
    severity: 'high',
    time,
    target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'postgres-0' },
  });

describe('decideAlert', () => {
  it('opens with every group at or above the minimum, most severe first', () => {
    const low = finding({
      ruleId: 'service-account.created-in-system-namespace',
      category: 'service-account',
      severity: 'low',
      time: '2026-11-20T09:00:00Z',
      target: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'x' },
    });
    const { alert } = step(undefined, [low, binding('2026-11-20T09:00:01Z'), token('2026-11-20T09:00:02Z')]);
    expect(alert?.kind).toBe('opened');
    expect(alert?.told.map((g) => [g.ruleId, g.severity])).toEqual([
      ['service-account.token-request', 'critical'],
      ['rbac.privileged-role-bound', 'high'],
    ]);
    expect(alert?.whatsNew).toBeUndefined();
  });

  it('stays silent below the minimum, and opens once a group reaches it', () => {
    const quiet = step(undefined, [binding('2026-11-20T09:00:00Z', 'low')]);
    expect(quiet.alert).toBeUndefined();
    const loud = step(quiet.kept, [token('2026-11-20T09:00:05Z', 'medium')]);
    expect(loud.alert?.kind).toBe('opened');
    expect(loud.alert?.told.map((g) => g.ruleId)).toEqual(['service-account.token-request']);
  });

  it('tells a new group in an update, and nothing for a repeat', () => {
    const opened = step(undefined, [binding('2026-11-20T09:00:00Z')]);
    const repeat = step(opened.kept, [binding('2026-11-20T09:05:00Z')]);
    expect(repeat.change.repeats).toBe(1);
    expect(repeat.alert).toBeUndefined();
    const secrets = (time: string): Finding =>
      finding({ ruleId: 'secret.bulk-read', category: 'secret', severity: 'medium', time, target: { resource: 'secrets' } });
    const update = step(repeat.kept, [secrets('2026-11-20T09:10:00Z')]);
    expect(update.alert).toMatchObject({ kind: 'updated', whatsNew: '1 new finding group' });
    expect(update.alert?.told.map((g) => g.ruleId)).toEqual(['secret.bulk-read']);
    expect(step(update.kept, [secrets('2026-11-20T09:11:00Z')]).alert).toBeUndefined();
    const chained = step(update.kept, [exec('2026-11-20T09:12:00Z')]);
    expect(chained.alert?.whatsNew).toBe('1 new finding group; the chain is now binding + exec: a persistence chain');
  });

  it('tells a group again when it became more severe than it was told at', () => {
    const opened = step(undefined, [binding('2026-11-20T09:00:00Z', 'medium'), exec('2026-11-20T09:00:01Z')]);
    const worse = step(opened.kept, [binding('2026-11-20T09:05:00Z', 'critical')]);
    expect(worse.alert?.kind).toBe('updated');
    expect(worse.alert?.told.map((g) => [g.ruleId, g.severity])).toEqual([['rbac.privileged-role-bound', 'critical']]);
    expect(worse.alert?.whatsNew).toBe('1 group more severe than told; severity raised to critical');
    expect(worse.kept.groups[0].alertedAt).toBe('critical');
  });

  it('tells a growing chain and the severity it raises', () => {
    const opened = step(undefined, [binding('2026-11-20T09:00:00Z', 'medium'), token('2026-11-20T09:00:01Z', 'medium')]);
    expect(opened.kept.alertedChain).toBe('binding + token: a persistence chain');
    const grown = step(opened.kept, [cronJob('2026-11-20T09:00:02Z', 'medium')]);
    expect(grown.change.incident.severity).toBe('high');
    expect(grown.alert?.whatsNew).toBe('1 new finding group; severity raised to high; the chain is now binding + token + CronJob: a persistence chain');
    // A step below the minimum still grows the chain, and that alone is worth an update.
    const quietStep = step(grown.kept, [daemonSet('2026-11-20T09:00:03Z', 'low')]);
    expect(quietStep.alert).toMatchObject({
      kind: 'updated',
      told: [],
      whatsNew: 'the chain is now binding + token + CronJob + privileged DaemonSet: a persistence chain',
    });
  });
});

describe('markTold', () => {
  it('never lowers what was told, and ignores an alert about another incident or a test', () => {
    const opened = step(undefined, [binding('2026-11-20T09:00:00Z', 'critical')]);
    const stale: IncidentAlert = {
      ...opened.alert!,
      told: opened.alert!.told.map((g) => ({ ...g, severity: 'medium' })),
      incident: { ...opened.change.incident, severity: 'medium' },
    };
    const after = markTold(opened.kept, stale);
    expect(after.groups[0].alertedAt).toBe('critical');
    expect(after.alertedSeverity).toBe('critical');
    const other: IncidentAlert = { ...opened.alert!, incident: { ...opened.change.incident, id: 'another' } };
    expect(markTold(opened.change.incident, other)).toBe(opened.change.incident);
    expect(markTold(opened.change.incident, { ...opened.alert!, kind: 'test' })).toBe(opened.change.incident);
  });

  it('names a redecided alert the same, and a different alert differently', () => {
    const first = recordFindings(undefined, input([binding('2026-11-20T09:00:00Z')]));
    const again = decideAlert(structuredClone(first), 'medium')!;
    expect(alertKey(decideAlert(first, 'medium')!)).toBe(alertKey(again));
    const more = recordFindings(first.incident, input([exec('2026-11-20T09:01:00Z')]));
    expect(alertKey(decideAlert(more, 'medium')!)).not.toBe(alertKey(again));
  });
});
