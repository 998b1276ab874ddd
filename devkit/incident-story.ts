import type { AlertLinks, Incident, IncidentAlert, IncidentGroup } from '../lambdas/core/incident/types';

/**
 * The opening incident of the samples' story (samples/README.md, stories a and b), written by
 * hand from what `scan samples` finds: jordan.lee's key binds cluster-admin to a new service
 * account, mints a one-year token for it, and creates a privileged DaemonSet, all in prod-eu
 * between 09:00:04 and 09:00:05 UTC. The alert tests and scripts/render-alert-samples.ts share it.
 */

export const STORY_LINKS: AlertLinks = {
  region: 'eu-west-1',
  rulesDocUrl: 'https://github.com/example-org/k8s-audit-analyzer/blob/main/docs/rules.md',
  logGroupOf: (cluster) => `/aws/eks/${cluster}/cluster`,
};

const JORDAN = 'arn:aws:iam::123456789012:user/jordan.lee';
const OBJECT = 's3://example-audit-logs/eks/prod-eu/2026/11/20/09/audit-firehose-1-2026-11-20-09-00-00.gz';
const KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';

function group(g: Pick<IncidentGroup, 'ruleId' | 'title' | 'category' | 'severity' | 'target' | 'verb' | 'summary' | 'firstSeen' | 'auditIDs'>): IncidentGroup {
  return {
    ...g,
    key: JSON.stringify([g.ruleId, g.target]),
    lastSeen: g.firstSeen,
    count: 1,
    fingerprints: [`fp-${g.ruleId}`],
    sourceIPs: ['203.0.113.66'],
    userAgents: [KUBECTL],
    usernames: [JORDAN],
    identityGroups: ['system:authenticated'],
    sources: [OBJECT],
    alertedAt: g.severity,
  };
}

const HOST_MOUNTS =
  "hostPath / (the node's root filesystem), hostPath /run/containerd/containerd.sock (the container runtime socket /run/containerd/containerd.sock), hostPID (shares the node's process namespace), privileged container agent";

/** Most severe first, then by time, as the incident core orders told groups. */
export const STORY_GROUPS: IncidentGroup[] = [
  group({
    ruleId: 'service-account.token-request',
    title: 'Service account token minted (TokenRequest)',
    category: 'service-account',
    severity: 'critical',
    target: { resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'node-health-agent' },
    verb: 'create',
    summary: `${JORDAN} requested a token for ServiceAccount kube-system/node-health-agent valid 365d (not bound to a pod)`,
    firstSeen: '2026-11-20T09:00:04.487530Z',
    auditIDs: ['828eccc9-d85b-4afa-b59b-313467ff2e57'],
  }),
  group({
    ruleId: 'workload.privileged-template',
    title: 'Workload with a privileged pod template created or changed',
    category: 'privileged-workload',
    severity: 'critical',
    target: { resource: 'daemonsets', apiGroup: 'apps', namespace: 'kube-system', name: 'node-health-agent' },
    verb: 'create',
    summary: `${JORDAN} created DaemonSet kube-system/node-health-agent with ${HOST_MOUNTS} and 1 more`,
    firstSeen: '2026-11-20T09:00:05.405014Z',
    auditIDs: ['4974de01-ae11-4954-8e1f-5ce0dd84d595'],
  }),
  group({
    ruleId: 'daemonset.created-or-changed',
    title: 'DaemonSet created or its pod template changed',
    category: 'daemonset',
    severity: 'critical',
    target: { resource: 'daemonsets', apiGroup: 'apps', namespace: 'kube-system', name: 'node-health-agent' },
    verb: 'create',
    summary: `${JORDAN} created DaemonSet kube-system/node-health-agent (runs on every node): ${HOST_MOUNTS} and 3 more`,
    firstSeen: '2026-11-20T09:00:05.405014Z',
    auditIDs: ['4974de01-ae11-4954-8e1f-5ce0dd84d595'],
  }),
  group({
    ruleId: 'rbac.privileged-role-bound',
    title: 'Cluster-admin or equivalent role bound',
    category: 'rbac-change',
    severity: 'high',
    target: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: 'node-health-agent' },
    verb: 'create',
    summary: `${JORDAN} bound cluster-admin to ServiceAccount kube-system/node-health-agent via ClusterRoleBinding node-health-agent`,
    firstSeen: '2026-11-20T09:00:04.032761Z',
    auditIDs: ['3915ce72-ef13-402f-be15-6cf6e9bec991'],
  }),
];

export function storyIncident(groups: IncidentGroup[] = STORY_GROUPS): Incident {
  return {
    id: 'prod-eu-jordan.lee-20261120T090004Z',
    cluster: 'prod-eu',
    principal: { key: 'jordan.lee', display: 'jordan.lee', usernames: [JORDAN] },
    state: 'open',
    severity: 'critical',
    firstSeen: '2026-11-20T09:00:04.032761Z',
    lastSeen: '2026-11-20T09:00:05.405014Z',
    groups,
    omitted: { groups: 0, findings: 0 },
    chain: 'binding + token + privileged DaemonSet: a persistence chain',
    version: 1,
    alertedSeverity: 'critical',
    alertedChain: 'binding + token + privileged DaemonSet: a persistence chain',
  };
}

/** How the story's incident ends: quiet an hour after jordan.lee's last request, or closed by the on-call engineer before that. */
export const STORY_ENDINGS: Record<'quiet' | 'closed', NonNullable<Incident['ended']>> = {
  quiet: { at: '2026-11-20T10:05:07Z', how: 'quiet' },
  closed: {
    at: '2026-11-20T09:42:00Z',
    how: 'closed',
    by: 'carla.rossi',
    reason: 'stolen key confirmed with jordan.lee; key deactivated, binding, token and DaemonSet removed',
  },
};

/**
 * The opening alert of the story (or the same incident as a test alert); for `quiet` and `closed`
 * the final summary of the incident, ended as `STORY_ENDINGS` says (a summary tells no cards).
 */
export function storyAlert(kind: IncidentAlert['kind'] = 'opened', groups: IncidentGroup[] = STORY_GROUPS): IncidentAlert {
  if (kind === 'quiet' || kind === 'closed')
    return { kind, incident: { ...storyIncident(groups), state: kind, ended: STORY_ENDINGS[kind], version: 2 }, told: [] };
  return { kind, incident: storyIncident(groups), told: groups };
}
