/**
 * Who acted, in the terms severity depends on. The platform's own identities are a built-in
 * baseline, not alerts: the control plane, the kube-system controllers, EKS's own users, and
 * nodes for their own objects. Usernames and groups come from authentication, not from the
 * request, so an attacker cannot claim them without the credentials (then the rules that watch
 * what those identities may do still apply).
 */
export type ActorClass = 'anonymous' | 'control-plane' | 'node' | 'platform' | 'service-account' | 'user';

const CONTROL_PLANE_USERS = new Set([
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:apiserver',
  'system:kube-proxy',
  'kube-apiserver-kubelet-client',
  'system:volume-scheduler',
  'system:cloud-controller-manager',
]);

/** Service accounts kube-controller-manager runs its controllers as (--use-service-account-credentials). */
const CONTROLLER_SERVICE_ACCOUNTS = new Set([
  'attachdetach-controller',
  'bootstrap-signer',
  'certificate-controller',
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'disruption-controller',
  'endpoint-controller',
  'endpointslice-controller',
  'endpointslicemirroring-controller',
  'ephemeral-volume-controller',
  'expand-controller',
  'generic-garbage-collector',
  'horizontal-pod-autoscaler',
  'job-controller',
  'legacy-service-account-token-cleaner',
  'namespace-controller',
  'node-controller',
  'persistent-volume-binder',
  'pod-garbage-collector',
  'pv-protection-controller',
  'pvc-protection-controller',
  'replicaset-controller',
  'replication-controller',
  'resourcequota-controller',
  'root-ca-cert-publisher',
  'route-controller',
  'service-account-controller',
  'service-controller',
  'statefulset-controller',
  'token-cleaner',
  'ttl-after-finished-controller',
  'ttl-controller',
  'validatingadmissionpolicy-status-controller',
  'tagging-controller',
  'eks-vpc-resource-controller',
]);

export interface Actor {
  username: string;
  groups: string[];
  class: ActorClass;
  /** For nodes: the node's name; for service accounts: namespace and name. */
  nodeName?: string;
  serviceAccount?: { namespace: string; name: string };
}

export function classifyActor(username: string | undefined, groups: readonly string[] = []): Actor {
  const name = username ?? '';
  const actor: Actor = { username: name, groups: [...groups], class: 'user' };
  if (name === 'system:anonymous' || groups.includes('system:unauthenticated')) actor.class = 'anonymous';
  else if (name.startsWith('system:node:') && groups.includes('system:nodes')) {
    actor.class = 'node';
    actor.nodeName = name.slice('system:node:'.length);
  } else if (CONTROL_PLANE_USERS.has(name) || name.startsWith('eks:')) actor.class = 'control-plane';
  else if (name.startsWith('system:serviceaccount:')) {
    const [namespace = '', sa = ''] = name.slice('system:serviceaccount:'.length).split(':');
    actor.serviceAccount = { namespace, name: sa };
    actor.class = namespace === 'kube-system' && CONTROLLER_SERVICE_ACCOUNTS.has(sa) ? 'platform' : 'service-account';
  }
  return actor;
}

/** The control plane and its controllers: their changes are the cluster working, not an attack. */
export function isPlatform(actor: Actor): boolean {
  return actor.class === 'control-plane' || actor.class === 'platform';
}

/** Namespaces the platform owns: workloads appearing there deserve a closer look. */
export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
