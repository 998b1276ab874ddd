/** Shapes that carry audit events, and where they name the cluster. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const EKS_LOG_GROUP = /^\/aws\/eks\/([^/]+)\/cluster$/;
const AKS_RESOURCE_ID = /\/managedclusters\/([^/]+)\/?$/i;

/** `/aws/eks/<cluster>/cluster` → `<cluster>`. */
export function clusterFromLogGroup(logGroup: unknown): string | undefined {
  return typeof logGroup === 'string' ? EKS_LOG_GROUP.exec(logGroup)?.[1] : undefined;
}

/** AKS diagnostic records: `/SUBSCRIPTIONS/…/MANAGEDCLUSTERS/<name>` → `<name>`. */
export function clusterFromResourceId(resourceId: unknown): string | undefined {
  return typeof resourceId === 'string' ? AKS_RESOURCE_ID.exec(resourceId)?.[1] : undefined;
}

/**
 * The field a log shipper put the event in: Fluent Bit and Vector use `log` or `message`,
 * AKS diagnostic settings `properties.log`. Unwrapped once; what it holds must be an event.
 */
export function shipperPayload(record: Record<string, unknown>): unknown {
  if (record.log !== undefined) return record.log;
  if (record.message !== undefined) return record.message;
  return isRecord(record.properties) ? record.properties.log : undefined;
}
