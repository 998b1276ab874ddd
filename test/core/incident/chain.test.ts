import { chainOf, stepsIn } from '../../../lambdas/core/incident/chain';
import { recordFindings } from '../../../lambdas/core/incident/record';
import type { IncidentGroup } from '../../../lambdas/core/incident/types';
import type { Finding } from '../../../lambdas/core/finding';
import { binding, cronJob, daemonSet, finding, input, token } from './build';

const groupsOf = (findings: Finding[]): IncidentGroup[] => recordFindings(undefined, input(findings)).incident.groups;

describe('chainOf', () => {
  it('names the persistence steps in the order first seen', () => {
    const chain = chainOf(groupsOf([daemonSet('2026-11-20T09:00:05Z'), binding('2026-11-20T09:00:03Z'), token('2026-11-20T09:00:04Z')]));
    expect(chain).toEqual({ text: 'binding + token + privileged DaemonSet: a persistence chain', steps: 3 });
    expect(stepsIn(chain.text)).toBe(3);
  });

  it('says nothing below two steps, and counts two bindings as one step', () => {
    const two = groupsOf([
      binding('2026-11-20T09:00:00Z'),
      finding({ time: '2026-11-20T09:00:01Z', target: { resource: 'rolebindings', namespace: 'default', name: 'other' } }),
    ]);
    expect(two).toHaveLength(2);
    expect(chainOf(two)).toEqual({ steps: 1 });
    expect(stepsIn(undefined)).toBe(0);
  });

  it('names one object once, by its most telling rule', () => {
    const at = '2026-11-20T09:00:05Z';
    const target = { resource: 'daemonsets', apiGroup: 'apps', namespace: 'kube-system', name: 'node-health-agent' };
    const sameObject = [
      daemonSet(at),
      finding({ ruleId: 'daemonset.created-or-changed', category: 'daemonset', severity: 'critical', time: at, target }),
      finding({ ruleId: 'controller.system-namespace-workload', category: 'controller', severity: 'low', time: at, target }),
      cronJob('2026-11-20T09:00:06Z'),
    ];
    expect(chainOf(groupsOf(sameObject)).text).toBe('privileged DaemonSet + CronJob: a persistence chain');
    // Without the privileged-workload finding the plain kind names it.
    expect(chainOf(groupsOf(sameObject.slice(1))).text).toBe('DaemonSet + CronJob: a persistence chain');
  });

  it('leaves informational findings and non-footholds out', () => {
    const groups = groupsOf([
      binding('2026-11-20T09:00:00Z'),
      token('2026-11-20T09:00:01Z', 'info'),
      finding({ ruleId: 'secret.bulk-read', category: 'secret', severity: 'low', time: '2026-11-20T09:00:02Z', target: { resource: 'secrets' } }),
      finding({
        ruleId: 'exec.pod-exec',
        category: 'exec',
        severity: 'high',
        time: '2026-11-20T09:00:03Z',
        target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'postgres-0' },
      }),
    ]);
    expect(chainOf(groups)).toEqual({ text: 'binding + exec: a persistence chain', steps: 2 });
  });
});
