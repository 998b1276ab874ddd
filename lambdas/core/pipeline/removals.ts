import type { Config } from '../config/types';
import type { LogObjectRemoval } from '../rules/audit-tampering';
import { LOG_OBJECT_DELETED, logObjectDeletedFinding } from '../rules/audit-tampering';
import { redactFinding } from '../detect/redact';
import { clusterFromKey } from '../read/object-key';
import type { RaiseDeps, RaiseResult } from './raise-findings';
import { raiseFindings } from './raise-findings';

/** An object removed from the log bucket, as its notification names it (the cluster comes from its key). */
export type ObjectRemoval = Omit<LogObjectRemoval, 'cluster'>;

/**
 * Objects removed from the log bucket: one critical `audit-tampering.log-object-deleted` finding
 * each, through the same store-before-alert path as an analyzed object's. The cooldown groups
 * them per principal and bucket (not per key), so a recursive delete alerts once per window and
 * counts the rest. A redelivered notification stores nothing new and sends nothing.
 */
export async function raiseRemovals(removed: readonly ObjectRemoval[], deps: RaiseDeps & { now: () => number; config: Config }): Promise<RaiseResult> {
  if (deps.config.disabled.includes(LOG_OBJECT_DELETED) || deps.config.disabled.includes('audit-tampering')) return { newFindings: 0, alerted: 0, published: false, suppressed: 0, suppressedGroups: 0, heldElsewhere: 0 };
  const findings = removed.map((r) => {
    const cluster = clusterFromKey(r.key);
    const finding = redactFinding(logObjectDeletedFinding({ ...r, ...(cluster ? { cluster } : {}) }, deps.now));
    const severity = deps.config.severity[finding.ruleId];
    return severity ? { ...finding, severity } : finding;
  });
  const [first] = removed;
  const source = removed.length === 1 ? `s3://${first.bucket}/${first.key}` : `s3://${first.bucket}/ (${removed.length} removed objects)`;
  return raiseFindings(findings, deps, {
    source,
    groupTarget: (f) => ({ resource: f.target.resource, ...(f.target.namespace !== undefined ? { namespace: f.target.namespace } : {}) }),
  });
}
