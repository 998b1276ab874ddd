import type { LogObjectRemoval } from '../rules/audit-tampering';
import { logObjectDeletedFinding } from '../rules/audit-tampering';
import { clusterFromKey } from '../read/object-key';
import type { RaiseDeps, RaiseResult } from './raise-findings';
import { raiseFindings } from './raise-findings';

/** An object removed from the log bucket, as its notification names it (the cluster comes from its key). */
export type ObjectRemoval = Omit<LogObjectRemoval, 'cluster'>;

/**
 * Objects removed from the log bucket: one critical `audit-tampering.log-object-deleted` finding
 * each, through the same store-before-alert path as an analyzed object's. The cooldown groups
 * them per principal and bucket (not per key), so a recursive delete alerts once per window and
 * counts the rest. A redelivered notification stores nothing new and sends nothing. The finding
 * policy applies as to any finding (`raiseFindings`): switched off, excepted (say, a retention
 * job's principal on its bucket), or at another severity.
 */
export async function raiseRemovals(removed: readonly ObjectRemoval[], deps: RaiseDeps & { now: () => number }): Promise<RaiseResult> {
  const findings = removed.map((r) => {
    const cluster = clusterFromKey(r.key);
    return logObjectDeletedFinding({ ...r, ...(cluster ? { cluster } : {}) }, deps.now);
  });
  const [first] = removed;
  const source = removed.length === 1 ? `s3://${first.bucket}/${first.key}` : `s3://${first.bucket}/ (${removed.length} removed objects)`;
  return raiseFindings(findings, deps, {
    source,
    groupTarget: (f) => ({ resource: f.target.resource, ...(f.target.namespace !== undefined ? { namespace: f.target.namespace } : {}) }),
  });
}
