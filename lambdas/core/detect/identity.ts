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

/**
 * Add-ons whose controllers rewrite their own objects all day: GitOps controllers re-applying
 * workloads, cert-manager's CA injector filling `caBundle`, policy engines and meshes reconciling
 * their webhooks. Known by service account name AND the namespaces their charts install into: a
 * service account of the same name in any other namespace is nobody special. Being one of them
 * never excuses a change by itself; the rules also check the shape of what changed.
 */
export type AddOn = 'argo-cd' | 'flux' | 'cert-manager-cainjector' | 'kyverno' | 'gatekeeper' | 'istio';

const ADD_ONS: ReadonlyArray<{ addOn: AddOn; namespaces: readonly string[]; serviceAccounts: RegExp }> = [
  { addOn: 'argo-cd', namespaces: ['argocd', 'argo-cd', 'openshift-gitops'], serviceAccounts: /^(openshift-gitops-)?argocd-application-controller$/ },
  { addOn: 'flux', namespaces: ['flux-system'], serviceAccounts: /^(kustomize-controller|helm-controller)$/ },
  { addOn: 'cert-manager-cainjector', namespaces: ['cert-manager'], serviceAccounts: /^cert-manager-cainjector$/ },
  { addOn: 'kyverno', namespaces: ['kyverno'], serviceAccounts: /^kyverno(-admission-controller)?$/ },
  { addOn: 'gatekeeper', namespaces: ['gatekeeper-system'], serviceAccounts: /^gatekeeper-admin$/ },
  { addOn: 'istio', namespaces: ['istio-system'], serviceAccounts: /^istiod(-[a-z0-9-]+)?$/ },
];

export function addOnOf(actor: Actor): AddOn | undefined {
  const sa = actor.serviceAccount;
  if (actor.class !== 'service-account' || !sa) return undefined;
  return ADD_ONS.find((a) => a.namespaces.includes(sa.namespace) && a.serviceAccounts.test(sa.name))?.addOn;
}

export const isGitOpsController = (actor: Actor): boolean => {
  const addOn = addOnOf(actor);
  return addOn === 'argo-cd' || addOn === 'flux';
};

/**
 * kubeadm init/upgrade/join acting with the cluster's admin credentials (kubernetes-admin in
 * system:masters, or kubeadm:cluster-admins since 1.29). The user agent is the requester's word,
 * so this only says what the request claims to be; the rules compare what it wrote with
 * kubeadm's own defaults before treating it as routine.
 */
export function isKubeadmAdmin(actor: Actor, userAgent: string | undefined): boolean {
  return (
    actor.class === 'user' &&
    (userAgent ?? '').startsWith('kubeadm/') &&
    (actor.groups.includes('system:masters') || actor.groups.includes('kubeadm:cluster-admins'))
  );
}
