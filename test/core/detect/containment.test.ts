import type { AuditEvent } from '../../../lambdas/core/audit-event';
import type { Detection } from '../../../lambdas/core/detect/engine';
import { DetectionEngine, MAX_HITS_PER_RULE } from '../../../lambdas/core/detect/engine';
import type { Rule } from '../../../lambdas/core/detect/rule';
import type { StatefulDetector } from '../../../lambdas/core/detect/stateful';
import type { Finding } from '../../../lambdas/core/finding';
import type { ReadStats } from '../../../lambdas/core/read/stats';
import { emptyStats } from '../../../lambdas/core/read/stats';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { auditEvent, clusterAdminBinding } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

const base: Omit<Rule, 'id' | 'title' | 'evaluate'> = {
  category: 'secret',
  severity: 'high',
  description: 'd',
  attack: [],
  controls: [],
  falsePositives: 'f',
  remediation: 'r',
  interest: [{ verbs: ['create'], resources: ['clusterrolebindings'] }],
};

/** Reads `metadata.name.length` of the body the way a careless rule would: a number there makes it throw. */
const careless: Rule = {
  ...base,
  id: 'test.careless',
  title: 'Careless',
  evaluate: (view) => {
    const body = view.object as { metadata: { name: string } };
    return { severity: 'high', summary: `name of ${body.metadata.name.length} characters` };
  },
};
const steady: Rule = { ...base, id: 'test.steady', title: 'Steady', evaluate: (view) => ({ severity: 'low', summary: `${view.verb} ${view.name}` }) };
const throwsSecret: Rule = {
  ...base,
  id: 'test.throws-secret',
  title: 'Throws a secret',
  evaluate: () => {
    throw new Error('bad body near PGPASSWORD=hunter2 and Authorization: Bearer abcdefghijklmnop');
  },
};
const failingDetector: StatefulDetector = {
  ...base,
  id: 'test.failing-detector',
  title: 'Failing detector',
  observe: () => Promise.reject(new TypeError('state broke')),
};

async function analyzeAll(
  rules: readonly Detection[],
  events: Ev[],
  stats: ReadStats = emptyStats(),
): Promise<{ findings: Finding[]; stats: ReadStats; engine: DetectionEngine }> {
  const engine = new DetectionEngine(rules);
  const findings: Finding[] = [];
  for (const [i, event] of events.entries())
    findings.push(...(await engine.analyze({ event: event as unknown as AuditEvent, offset: i * 100, line: i + 1, truncated: false }, stats)));
  return { findings, stats, engine };
}

const hostile = (): Ev => ({ ...clusterAdminBinding(), requestObject: { kind: 'ClusterRoleBinding', metadata: 42, roleRef: 'x', subjects: {} } });

describe('a rule that throws', () => {
  it('loses neither the other rules of its event nor the other events, and is counted with its rule id and auditID', async () => {
    const bad = hostile();
    const { findings, stats, engine } = await analyzeAll([careless, steady], [clusterAdminBinding(), bad, clusterAdminBinding()]);
    expect(findings.filter((f) => f.ruleId === 'test.steady')).toHaveLength(3);
    expect(findings.filter((f) => f.ruleId === 'test.careless')).toHaveLength(2);
    expect(stats.problems['rule-error']).toBe(1);
    expect(engine.ruleErrors).toBe(1);
    expect(stats.samples).toEqual([
      { kind: 'rule-error', offset: 100, line: 2, detail: expect.stringContaining('rule test.careless threw: TypeError') as unknown },
    ]);
    expect(stats.samples[0].detail).toContain(`(auditID ${bad.auditID as string})`);
  });

  it('is contained for stateful detectors too', async () => {
    const { findings, stats } = await analyzeAll([failingDetector, steady], [clusterAdminBinding()]);
    expect(findings.map((f) => f.ruleId)).toEqual(['test.steady']);
    expect(stats.samples[0].detail).toMatch(/^rule test\.failing-detector threw: TypeError: state broke/);
  });

  it('has its error message redacted before it is kept', async () => {
    const { stats } = await analyzeAll([throwsSecret], [clusterAdminBinding()]);
    expect(stats.samples[0].detail).not.toContain('hunter2');
    expect(stats.samples[0].detail).not.toContain('abcdefghijklmnop');
  });

  it('is still contained when the caller gives no stats', async () => {
    const { findings, engine } = await analyzeAll([careless, steady], [hostile()], undefined);
    expect(findings.map((f) => f.ruleId)).toEqual(['test.steady']);
    expect(engine.ruleErrors).toBe(1);
  });

  it('never happens with the shipped rules on wrong-typed bodies (they are the first line, the engine the second)', async () => {
    const events = [
      hostile(),
      auditEvent({
        verb: 'create',
        level: 'RequestResponse',
        objectRef: { resource: 'pods', namespace: 'kube-system', name: 'p' },
        requestObject: { spec: { containers: { a: 1 }, volumes: 'x' } },
      }),
      auditEvent({
        verb: 'patch',
        level: 'RequestResponse',
        objectRef: { resource: 'clusterroles', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
        requestObject: [{ op: 'add', path: '/rules/0', value: 'x' }, 5, null],
      }),
    ];
    const { stats } = await analyzeAll(EVENT_RULES, events);
    expect(stats.problems['rule-error']).toBe(0);
  });
});

describe('a body that makes a rule hit thousands of times', () => {
  it('gives at most MAX_HITS_PER_RULE findings, the most severe, the last saying how many more there were', async () => {
    const rules = [
      ...Array.from({ length: 500 }, (_, i) => ({ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: [`harmless-${i}`] })),
      ...Array.from({ length: 1500 }, (_, i) => ({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [`one-secret-${i}`] })),
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ];
    const role = clusterAdminBinding();
    const event = {
      ...role,
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      objectRef: { resource: 'clusterroles', name: 'wide', apiGroup: 'rbac.authorization.k8s.io' },
      requestObject: { kind: 'ClusterRole', metadata: { name: 'wide' }, rules },
    };
    const { findings } = await analyzeAll(EVENT_RULES, [event]);
    const dangerous = findings.filter((f) => f.ruleId === 'rbac.dangerous-role-permissions');
    expect(dangerous).toHaveLength(MAX_HITS_PER_RULE);
    // The wildcard entry, the most severe, is kept although it comes last, and is the last kept.
    expect(dangerous.at(-1)?.evidence).toMatchObject({ rulesIndex: 2000, hitsNotShown: 1501 - MAX_HITS_PER_RULE });
    expect(dangerous.at(-1)?.summary).toMatch(/\(and 1481 more hits of this rule on this event, not shown\)$/);
    expect(dangerous.slice(0, -1).map((f) => f.evidence.rulesIndex)).toEqual(Array.from({ length: MAX_HITS_PER_RULE - 1 }, (_, i) => 500 + i));
    expect(new Set(dangerous.map((f) => f.fingerprint)).size).toBe(MAX_HITS_PER_RULE);
  });
});
