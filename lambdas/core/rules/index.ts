import type { Detection } from '../detect/engine';
import { accessRules } from './access';
import { admissionWebhookRules } from './admission-webhooks';
import { containerRestartDetector } from './container-restarts';
import { rbacRules } from './rbac';
import { workloadRules } from './workloads';

/** Every detection the product ships, in the order the docs list them. */
export const RULES: readonly Detection[] = [...rbacRules, ...workloadRules, ...admissionWebhookRules, ...accessRules, containerRestartDetector];

/** Rule ids and categories, for validating configuration. */
export function knownRuleIds(rules: readonly Detection[] = RULES): Set<string> {
  return new Set([...rules.map((r) => r.id), ...rules.map((r) => r.category)]);
}
