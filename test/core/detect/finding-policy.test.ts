import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import { FindingPolicy } from '../../../lambdas/core/detect/finding-policy';
import type { Finding } from '../../../lambdas/core/finding';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  ruleId: 'exec.pod-exec',
  category: 'exec',
  severity: 'high',
  title: 'exec into a pod',
  summary: `system:serviceaccount:ci:deployer exec into pod web-0 with token ${JWT}`,
  auditID: 'a-1',
  fingerprint: 'f-1',
  time: '2026-11-20T10:00:00Z',
  actor: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
  target: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-0' },
  verb: 'create',
  evidence: { command: ['sh', '-c', `curl -H "Authorization: Bearer ${JWT}"`] },
  ...overrides,
});

const policy = (config: Partial<typeof DEFAULT_CONFIG>, now = Date.parse('2026-11-20T12:00:00Z')) =>
  new FindingPolicy({ ...DEFAULT_CONFIG, ...config }, () => now);

describe('the finding policy', () => {
  it('redacts every string and keeps the fingerprint; applying it twice changes nothing', () => {
    const p = policy({});
    const once = p.apply(finding())!;
    expect(JSON.stringify(once)).not.toContain(JWT);
    expect(once.fingerprint).toBe('f-1');
    expect(p.apply(once)).toEqual(once);
  });

  it('matches a service-account exception on the finding actor, with the scope it names', () => {
    const exception = { rules: ['exec'], serviceAccounts: ['ci:deployer'], namespaces: ['shop'], reason: 'deploys' };
    expect(policy({ exceptions: [exception] }).withheld(finding())).toBe('excepted');
    expect(policy({ exceptions: [exception] }).withheld(finding({ target: { resource: 'pods', namespace: 'payments', name: 'web-0' } }))).toBeUndefined();
    expect(policy({ exceptions: [{ ...exception, rules: ['rbac'] }] }).withheld(finding())).toBeUndefined();
  });

  it('matches an exception on the name as made, before redaction turns it into a placeholder', () => {
    const tokenName = `web-${JWT}`;
    const p = policy({ exceptions: [{ rules: ['*'], names: [tokenName], reason: 'odd name' }] });
    expect(p.withheld(finding({ target: { resource: 'pods', namespace: 'shop', name: tokenName } }))).toBe('excepted');
  });

  it('stops applying an exception at its expiry, and reports it expired', () => {
    const exception = { rules: ['exec.pod-exec'], users: ['system:serviceaccount:ci:deployer'], reason: 'deploys', expires: '2026-11-20T12:00:00Z' };
    expect(policy({ exceptions: [exception] }, Date.parse('2026-11-20T11:59:59Z')).withheld(finding())).toBe('excepted');
    const later = policy({ exceptions: [exception] });
    expect(later.withheld(finding())).toBeUndefined();
    expect(later.expiredExceptions()).toEqual([exception]);
  });

  it('overrides the severity by rule id, and counts what it withholds', () => {
    const p = policy({ severity: { 'exec.pod-exec': 'critical' }, disabled: ['rbac'] });
    const { kept, withheld } = p.applyAll([
      finding(),
      finding({ ruleId: 'rbac.cluster-admin-binding', category: 'rbac-change' }),
      finding({ ruleId: 'rbac.x', category: 'rbac-change' }),
    ]);
    expect(kept.map((f) => [f.ruleId, f.severity])).toEqual([
      ['exec.pod-exec', 'critical'],
      ['rbac.cluster-admin-binding', 'high'],
      ['rbac.x', 'high'],
    ]);
    expect(withheld).toEqual({ disabled: 0, excepted: 0 });
    expect(policy({ disabled: ['rbac-change'] }).applyAll([finding({ category: 'rbac-change' })]).withheld).toEqual({ disabled: 1, excepted: 0 });
  });
});
