import type { Settings } from '../config/settings';
import { DEFAULT_SETTINGS } from '../config/settings';
import type { Detection } from '../detect/engine';
import { interestOfDetections } from '../detect/engine';
import type { ExternalDetection } from '../detect/rule';
import { isExternal } from '../detect/rule';
import type { Category } from '../finding';
import { CATEGORIES } from '../finding';
import type { EventInterest } from '../read/interest';
import { admissionWebhookRules } from './admission-webhook';
import { anonymousAccessRules } from './anonymous-access';
import { auditTamperingRules } from './audit-tampering';
import { containerRestartRules } from './container-restart';
import { controllerRules } from './controller';
import { credentialRules } from './credential';
import { cronjobRules } from './cronjob';
import { daemonsetRules } from './daemonset';
import { execRules } from './exec';
import { privilegedWorkloadRules } from './privileged-workload';
import { rbacChangeRules } from './rbac-change';
import { secretRules } from './secret';
import { serviceAccountRules } from './service-account';
import { storageRules } from './storage';
import { untrustedImageRules } from './untrusted-image';

/**
 * Anything the registry lists: a rule or a stateful detector the engine runs over audit events
 * (a Detection), or a detection from outside the audit log (metadata only).
 */
export type RegisteredDetection = Detection | ExternalDetection;

/**
 * Each category's detections, from the file named after it (`rules/<category>.ts`). The type
 * makes a new category in the contract fail to compile until it has its file here.
 */
export const RULES_BY_CATEGORY: { readonly [C in Category]: readonly RegisteredDetection[] } = {
  'rbac-change': rbacChangeRules,
  'privileged-workload': privilegedWorkloadRules,
  'admission-webhook': admissionWebhookRules,
  'container-restart': containerRestartRules,
  daemonset: daemonsetRules,
  cronjob: cronjobRules,
  'service-account': serviceAccountRules,
  secret: secretRules,
  'untrusted-image': untrustedImageRules,
  controller: controllerRules,
  exec: execRules,
  credential: credentialRules,
  'anonymous-access': anonymousAccessRules,
  storage: storageRules,
  'audit-tampering': auditTamperingRules,
};

/**
 * Every detection the product ships, both kinds, in the order of the categories (the order the
 * docs list them): what `rules`, docs/rules.md, configuration validation and the compliance report see.
 */
export const RULES: readonly RegisteredDetection[] = CATEGORIES.flatMap((category) => RULES_BY_CATEGORY[category]);

/** What the engine runs: the rules and stateful detectors over audit events. */
export const EVENT_RULES: readonly Detection[] = RULES.filter((d): d is Detection => !isExternal(d));

/** Detections whose findings are built outside the engine, from S3, CloudTrail or the clock. */
export const EXTERNAL_DETECTIONS: readonly ExternalDetection[] = RULES.filter(isExternal);

/** Rule ids and categories, for validating configuration. */
export function knownRuleIds(rules: readonly RegisteredDetection[] = RULES): Set<string> {
  return new Set([...rules.map((r) => r.id), ...rules.map((r) => r.category)]);
}

/** What the given rules can care about under these settings, as the reader's pre-check takes it (see `interestOfDetections`). */
export function interestOf(rules: readonly Detection[] = EVENT_RULES, settings: Settings = DEFAULT_SETTINGS): EventInterest {
  return interestOfDetections(rules, settings);
}
