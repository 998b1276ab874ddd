import type { EksClusterConfigCall } from '../core/rules/audit-tampering';

/**
 * The two kinds of EventBridge events the watchdog receives, told apart by shape:
 * - the schedule (`source: aws.events`, `detail-type: Scheduled Event`), every five minutes;
 * - CloudTrail management events of EKS (`source: aws.eks`, `detail-type: AWS API Call via
 *   CloudTrail`), matched by the stack's rule on `detail.eventSource: eks.amazonaws.com` and
 *   `detail.eventName: UpdateClusterConfig`. EventBridge receives them only when a trail records
 *   management events in the account and region.
 */
export type WatchdogTrigger = { kind: 'schedule'; time?: string } | { kind: 'eks-config'; call: EksClusterConfigCall } | { kind: 'unknown'; reason: string };

interface EventBridgeShape {
  source?: unknown;
  'detail-type'?: unknown;
  time?: unknown;
  region?: unknown;
  account?: unknown;
  detail?: unknown;
}

interface CloudTrailDetail {
  eventID?: unknown;
  eventTime?: unknown;
  eventSource?: unknown;
  eventName?: unknown;
  errorCode?: unknown;
  sourceIPAddress?: unknown;
  userAgent?: unknown;
  awsRegion?: unknown;
  recipientAccountId?: unknown;
  userIdentity?: { arn?: unknown; principalId?: unknown; type?: unknown };
  requestParameters?: { name?: unknown; logging?: { clusterLogging?: unknown } } | null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function triggerOf(event: unknown): WatchdogTrigger {
  if (typeof event !== 'object' || event === null) return { kind: 'unknown', reason: 'event is not an object' };
  const e = event as EventBridgeShape;
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event') return { kind: 'schedule', ...(str(e.time) ? { time: str(e.time) } : {}) };
  if (e.source !== 'aws.eks' || e['detail-type'] !== 'AWS API Call via CloudTrail')
    return { kind: 'unknown', reason: `source ${String(e.source)}, detail-type ${String(e['detail-type'])}` };
  const d = (typeof e.detail === 'object' && e.detail !== null ? e.detail : {}) as CloudTrailDetail;
  if (d.eventName !== 'UpdateClusterConfig') return { kind: 'unknown', reason: `EKS call ${String(d.eventName)}` };
  const eventID = str(d.eventID);
  const eventTime = str(d.eventTime) ?? str(e.time);
  const cluster = str(d.requestParameters?.name);
  if (!eventID || !eventTime || !cluster) return { kind: 'unknown', reason: 'UpdateClusterConfig without eventID, eventTime or requestParameters.name' };
  const actor = str(d.userIdentity?.arn) ?? str(d.userIdentity?.principalId) ?? `(${str(d.userIdentity?.type) ?? 'unknown'} identity)`;
  const call: EksClusterConfigCall = {
    eventID,
    eventTime,
    cluster,
    clusterLogging: d.requestParameters?.logging?.clusterLogging,
    actor,
    ...(str(d.sourceIPAddress) ? { sourceIPAddress: str(d.sourceIPAddress) } : {}),
    ...(str(d.userAgent) ? { userAgent: str(d.userAgent) } : {}),
    ...((str(d.awsRegion) ?? str(e.region)) ? { region: str(d.awsRegion) ?? str(e.region) } : {}),
    ...((str(d.recipientAccountId) ?? str(e.account)) ? { account: str(d.recipientAccountId) ?? str(e.account) } : {}),
    ...(str(d.errorCode) ? { errorCode: str(d.errorCode) } : {}),
  };
  return { kind: 'eks-config', call };
}
