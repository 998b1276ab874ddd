/**
 * Findings for property tests: drawn from small pools of rules, actors, targets, clusters and
 * times, so that rows, groups, principals and bursts collide the way a real scan's do.
 */
import fc from 'fast-check';
import type { Finding } from '../../lambdas/core/finding';
import { SEVERITIES } from '../../lambdas/core/finding';
import type { LocatedFinding } from '../../lambdas/core/report/aggregate';

const START = Date.parse('2026-11-20T08:00:00Z');

const RULES = [
  { ruleId: 'rbac.privileged-role-bound', category: 'rbac-change', title: 'Binding to an admin-equivalent role' },
  { ruleId: 'secret.read', category: 'secret', title: 'Secret read' },
  { ruleId: 'workload.privileged-template', category: 'privileged-workload', title: 'Privileged workload' },
] as const;

const USERNAMES = [
  'arn:aws:iam::123456789012:user/jordan.lee',
  'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_3a03e5b1c2d4f607/carla.rossi@example.com',
  'arn:aws:sts::123456789012:assumed-role/ci-deployer/botocore-session-1700000000',
  'system:serviceaccount:kube-system:node-health-agent',
  'system:serviceaccount:default:builder',
];

const TARGETS: ReadonlyArray<Finding['target']> = [
  { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'node-health-agent' },
  { resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token' },
  { resource: 'daemonsets', apiGroup: 'apps', namespace: 'kube-system', name: 'node-health-agent' },
  { resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0' },
];

/** A token request by a person for a service account of the pool: what makes later findings of that account the person's. */
const mint = fc.record({
  username: fc.constantFrom(USERNAMES[0], USERNAMES[1]),
  account: fc.constantFrom<[string, string]>(['kube-system', 'node-health-agent'], ['default', 'builder']),
});

/** A finding time: minutes after the start, so gaps both under and over an hour's window occur (and ties). */
export const findingTime = fc.integer({ min: 0, max: 6 * 60 }).map((minutes) => new Date(START + minutes * 60_000).toISOString());

export const locatedFinding: fc.Arbitrary<LocatedFinding> = fc
  .record({
    rule: fc.constantFrom(...RULES),
    severity: fc.constantFrom(...SEVERITIES),
    username: fc.constantFrom(...USERNAMES),
    target: fc.constantFrom(...TARGETS),
    time: findingTime,
    cluster: fc.constantFrom(undefined, 'prod-eu', 'staging'),
    source: fc.constantFrom('a.log', 'b.log', 'c.log'),
    summary: fc.string({ maxLength: 12 }),
    id: fc.integer({ min: 0, max: 1e9 }),
    mint: fc.option(mint, { freq: 8 }),
    impersonated: fc.option(fc.constantFrom('admin', 'ops'), { freq: 6 }),
  })
  .map(({ rule, severity, username, target, time, cluster, source, summary, id, mint, impersonated }) => {
    const finding: Finding = {
      ...rule,
      severity,
      summary,
      auditID: `audit-${id}`,
      fingerprint: `fp-${id}`,
      time,
      ...(cluster !== undefined ? { cluster } : {}),
      actor: { username, sourceIPs: ['203.0.113.66'], ...(impersonated !== null ? { impersonatedUser: impersonated } : {}) },
      target,
      verb: 'create',
      evidence: { id },
    };
    if (mint === null) return { finding, source };
    const [namespace, name] = mint.account;
    const token: Finding = {
      ...finding,
      ruleId: 'service-account.token-request',
      category: 'service-account',
      title: 'Token requested',
      actor: { username: mint.username },
      target: { resource: 'serviceaccounts', subresource: 'token', namespace, name },
    };
    return { finding: token, source };
  });

/** Time order, ties kept in the order given: how a scan hands findings to the incident grouping. */
export function byTime(findings: readonly LocatedFinding[]): LocatedFinding[] {
  return [...findings].sort((a, b) => a.finding.time.localeCompare(b.finding.time));
}
