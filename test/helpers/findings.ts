import type { Finding } from '../../lambdas/core/finding';
import { RULES } from '../../lambdas/core/rules';

let sequence = 0;

/**
 * A finding as the engine makes it: metadata (category, severity, title, ATT&CK, controls) from
 * the real registry, a unique auditID, target and summary per call, the rest from `overrides`.
 */
export function registryFinding(ruleId: string, overrides: Partial<Omit<Finding, 'ruleId'>> = {}): Finding {
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  sequence++;
  return {
    ruleId,
    category: rule.category,
    severity: rule.severity,
    title: rule.title,
    summary: `alice@example.com did thing ${sequence}`,
    auditID: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    time: '2026-11-20T10:00:00.123456Z',
    actor: { username: 'alice@example.com', groups: ['system:authenticated'] },
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: `binding-${sequence}` },
    verb: 'create',
    attack: rule.attack,
    controls: rule.controls,
    evidence: {},
    ...overrides,
  };
}
