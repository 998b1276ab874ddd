import type { Detection } from '../detect/engine';
import type { EventInterest } from '../read/interest';
import { accessRules } from './access';
import { admissionWebhookRules } from './admission-webhooks';
import { auditTamperingRules } from './audit-tampering';
import { containerRestartDetector } from './container-restarts';
import { oversizeRules } from './oversize-event';
import { rbacRules } from './rbac';
import { workloadRules } from './workloads';

/** Every detection the product ships, in the order the docs list them. */
export const RULES: readonly Detection[] = [...rbacRules, ...workloadRules, ...admissionWebhookRules, ...accessRules, containerRestartDetector, ...auditTamperingRules, ...oversizeRules];

/** Rule ids and categories, for validating configuration. */
export function knownRuleIds(rules: readonly Detection[] = RULES): Set<string> {
  return new Set([...rules.map((r) => r.id), ...rules.map((r) => r.category)]);
}

/** What the given rules can care about, as the reader's pre-check takes it: the union of their interests. */
export function interestOf(rules: readonly Detection[] = RULES): EventInterest {
  return { selectors: rules.flatMap((r) => r.interest), markers: [...new Set(rules.flatMap((r) => r.markers ?? []))] };
}
