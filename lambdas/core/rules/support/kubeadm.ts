/**
 * kubeadm's own RBAC objects, as `kubeadm init`, `upgrade apply` and `join` write them (create,
 * then update when they exist): the bootstrap-token grants, the node certificate auto-approval,
 * the kubeadm-config/kubelet-config readers, the cluster-info grant to anonymous, kube-proxy's and
 * CoreDNS's bindings, and kubeadm:cluster-admins. A write counts as kubeadm re-applying them only
 * when the writer is kubeadm with admin credentials (identity.ts) AND the object is exactly the
 * default: one extra subject on kubeadm:cluster-admins is a backdoor like any other.
 */
import type { EventView, JsonObject } from '../../detect/event-view';
import { asArray, asObject, asString } from '../../detect/event-view';
import { isKubeadmAdmin } from '../../detect/identity';
import type { Subject } from '../../k8s/rbac';
import { roleRefOf, subjectsOf } from '../../k8s/rbac';

const TOKEN_GROUP: Subject = { kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' };
const NODES: Subject = { kind: 'Group', name: 'system:nodes' };

interface DefaultBinding {
  namespace: string;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

interface DefaultRole {
  namespace: string;
  rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>;
}

/** Keyed `resource/namespace/name`. */
const BINDINGS: ReadonlyMap<string, DefaultBinding> = new Map(
  (
    [
      ['kubeadm:kubelet-bootstrap', '', { kind: 'ClusterRole', name: 'system:node-bootstrapper' }, [TOKEN_GROUP]],
      [
        'kubeadm:node-autoapprove-bootstrap',
        '',
        { kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient' },
        [TOKEN_GROUP],
      ],
      [
        'kubeadm:node-autoapprove-certificate-rotation',
        '',
        { kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient' },
        [NODES],
      ],
      ['kubeadm:get-nodes', '', { kind: 'ClusterRole', name: 'kubeadm:get-nodes' }, [TOKEN_GROUP]],
      [
        'kubeadm:node-proxier',
        '',
        { kind: 'ClusterRole', name: 'system:node-proxier' },
        [{ kind: 'ServiceAccount', name: 'kube-proxy', namespace: 'kube-system' }],
      ],
      ['kubeadm:cluster-admins', '', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'kubeadm:cluster-admins' }]],
      ['system:coredns', '', { kind: 'ClusterRole', name: 'system:coredns' }, [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]],
      [
        'kubeadm:bootstrap-signer-clusterinfo',
        'kube-public',
        { kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
        [{ kind: 'User', name: 'system:anonymous' }],
      ],
      ['kubeadm:nodes-kubeadm-config', 'kube-system', { kind: 'Role', name: 'kubeadm:nodes-kubeadm-config' }, [TOKEN_GROUP, NODES]],
      ['kubeadm:kubelet-config', 'kube-system', { kind: 'Role', name: 'kubeadm:kubelet-config' }, [NODES, TOKEN_GROUP]],
      ['kube-proxy', 'kube-system', { kind: 'Role', name: 'kube-proxy' }, [TOKEN_GROUP]],
    ] as const
  ).map(([name, namespace, roleRef, subjects]) => [
    `${namespace ? 'rolebindings' : 'clusterrolebindings'}/${namespace}/${name}`,
    { namespace, roleRef, subjects: [...subjects] },
  ]),
);

const readConfigMap = (name: string): DefaultRole['rules'] => [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [name] }];

const ROLES: ReadonlyMap<string, DefaultRole> = new Map([
  ['clusterroles//kubeadm:get-nodes', { namespace: '', rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }],
  ['roles/kube-public/kubeadm:bootstrap-signer-clusterinfo', { namespace: 'kube-public', rules: readConfigMap('cluster-info') }],
  ['roles/kube-system/kubeadm:nodes-kubeadm-config', { namespace: 'kube-system', rules: readConfigMap('kubeadm-config') }],
  ['roles/kube-system/kubeadm:kubelet-config', { namespace: 'kube-system', rules: readConfigMap('kubelet-config') }],
  ['roles/kube-system/kube-proxy', { namespace: 'kube-system', rules: readConfigMap('kube-proxy') }],
]);

const subjectKey = (s: Subject): string => `${s.kind}/${s.namespace ?? ''}/${s.name}`;
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const strings = (v: unknown): string[] => asArray(v).filter((s): s is string => typeof s === 'string');

function matchesBinding(expected: DefaultBinding, object: JsonObject, namespace: string): boolean {
  const ref = roleRefOf(object);
  if (ref?.kind !== expected.roleRef.kind || ref.name !== expected.roleRef.name) return false;
  return sameSet(subjectsOf(object, namespace).map(subjectKey), expected.subjects.map(subjectKey));
}

function matchesRole(expected: DefaultRole, object: JsonObject): boolean {
  const rules = asArray(object.rules).map(asObject);
  if (rules.length !== expected.rules.length || object.aggregationRule !== undefined) return false;
  return expected.rules.every((want, i) => {
    const got = rules[i];
    return (
      got !== undefined &&
      sameSet(strings(got.apiGroups), want.apiGroups) &&
      sameSet(strings(got.resources), want.resources) &&
      sameSet(strings(got.verbs), want.verbs) &&
      sameSet(strings(got.resourceNames), want.resourceNames ?? []) &&
      asArray(got.nonResourceURLs).length === 0
    );
  });
}

/**
 * True when this write is kubeadm (by identity) writing one of its default RBAC objects exactly as
 * kubeadm defines it. Needs the whole object: a patch without its response, or a Metadata-level
 * event, cannot show the shape and is never taken for kubeadm's.
 */
export function isKubeadmDefaultRbac(view: EventView): boolean {
  if (!isKubeadmAdmin(view.actor, view.event.userAgent)) return false;
  if (view.verb !== 'create' && view.verb !== 'update' && view.verb !== 'patch') return false;
  const object = view.object;
  if (!object || view.missingEvidence) return false;
  const key = `${view.resource}/${view.namespace}/${view.name || asString(asObject(object.metadata)?.name) || ''}`;
  const binding = BINDINGS.get(key);
  if (binding) return matchesBinding(binding, object, view.namespace);
  const role = ROLES.get(key);
  return role !== undefined && matchesRole(role, object);
}
