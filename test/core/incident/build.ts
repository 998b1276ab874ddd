import type { Category, Finding, Severity } from '../../../lambdas/core/finding';
import { principalOf } from '../../../lambdas/core/incident/principal';
import type { RecordInput } from '../../../lambdas/core/incident/record';

let sequence = 0;

/** A finding with its own fingerprint and auditID; the rule, target, time and actor as the test says. */
export function finding(overrides: Partial<Finding> & { ruleId?: string; category?: Category; severity?: Severity } = {}): Finding {
  sequence++;
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'high',
    title: 'Binding to an admin-equivalent role',
    summary: `jordan.lee bound cluster-admin (${sequence})`,
    auditID: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    fingerprint: `fp-${sequence}`,
    time: '2026-11-20T09:00:00Z',
    cluster: 'prod-eu',
    actor: {
      username: 'arn:aws:iam::123456789012:user/jordan.lee',
      groups: ['system:authenticated'],
      sourceIPs: ['203.0.113.66'],
      userAgent: 'kubectl/v1.31.2',
    },
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'node-health-agent' },
    verb: 'create',
    evidence: {},
    ...overrides,
  };
}

/** The recording input for findings of one principal (the first finding's). */
export function input(findings: Finding[], windowMinutes = 60): RecordInput {
  return { cluster: 'prod-eu', principal: principalOf(findings[0]), findings, sources: 's3://audit/clusters/prod-eu/a.gz', windowMinutes };
}

/** Steps of a persistence chain, one finding each. */
export const binding = (time: string, severity: Severity = 'high'): Finding => finding({ time, severity });
export const token = (time: string, severity: Severity = 'critical'): Finding =>
  finding({
    ruleId: 'service-account.token-request',
    category: 'service-account',
    severity,
    time,
    target: { resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'node-health-agent' },
  });
export const daemonSet = (time: string, severity: Severity = 'critical'): Finding =>
  finding({
    ruleId: 'workload.privileged-template',
    category: 'privileged-workload',
    severity,
    time,
    target: { resource: 'daemonsets', apiGroup: 'apps', namespace: 'kube-system', name: 'node-health-agent' },
  });
export const cronJob = (time: string, severity: Severity = 'high'): Finding =>
  finding({
    ruleId: 'cronjob.created-or-changed',
    category: 'cronjob',
    severity,
    time,
    target: { resource: 'cronjobs', apiGroup: 'batch', namespace: 'kube-system', name: 'image-gc-helper' },
  });
