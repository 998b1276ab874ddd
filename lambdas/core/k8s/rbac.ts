import { parseYaml } from './lazy-yaml';
import type { JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';

/**
 * Reading RBAC objects the way the authorizer reads them: a Role's power is the union of its
 * `rules[i]` entries, each a product of its own apiGroups x resources x verbs. Flattening verbs
 * and resources across entries invents grants nobody wrote ("get pods" + "create configmaps"
 * is not "create pods"), so everything here works entry by entry.
 */

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** One `rules[i]` entry as written. A field the log does not show (a partial patch) is absent, not empty. */
export interface PolicyRuleEntry {
  index: number;
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  raw: JsonObject;
}

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((s): s is string => typeof s === 'string');
}

/** The `rules` entries of a Role or ClusterRole (or of the partial object a patch sets). */
export function policyRuleEntries(role: JsonObject | undefined): PolicyRuleEntry[] {
  const entries: PolicyRuleEntry[] = [];
  asArray(role?.rules).forEach((value, index) => {
    const raw = asObject(value);
    if (!raw) return; // a JSON patch to rules/3 leaves holes before it
    entries.push({
      index,
      raw,
      apiGroups: strings(raw.apiGroups),
      resources: strings(raw.resources),
      verbs: strings(raw.verbs),
      resourceNames: strings(raw.resourceNames),
      nonResourceURLs: strings(raw.nonResourceURLs),
    });
  });
  return entries;
}

/** An entry a patch only partly shows: what it grants depends on fields the log does not hold. */
export function isPartialEntry(entry: PolicyRuleEntry): boolean {
  return entry.nonResourceURLs === undefined && (entry.apiGroups === undefined || entry.resources === undefined || entry.verbs === undefined);
}

export type PowerId =
  | 'all-verbs'
  | 'all-resources'
  | 'all-api-groups'
  | 'escalate'
  | 'bind'
  | 'impersonate'
  | 'read-secrets'
  | 'exec-into-pods'
  | 'node-proxy'
  | 'mint-tokens'
  | 'write-rbac'
  | 'write-admission'
  | 'approve-csrs';

export interface Power {
  id: PowerId;
  /** What it lets the holder do, in words. */
  label: string;
  /**
   * Whether `resourceNames` meaningfully limits it. Escalate, bind and impersonate on one named
   * object (`bind` on `cluster-admin`, `impersonate` of user `admin`) are as dangerous as on all.
   */
  narrowable: boolean;
}

interface Target {
  group: string;
  /** RBAC's combined spelling: `pods/exec`. */
  resource: string;
  verbs: readonly string[];
  /** Cluster-scoped requests never match a namespaced Role's rules. */
  clusterScoped: boolean;
}

const VERB_KEYED: ReadonlySet<PowerId> = new Set(['escalate', 'bind', 'impersonate']);
const ANY_VERB = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const WRITE = ['create', 'update', 'patch'];

const POWERS: ReadonlyArray<Power & { targets: readonly Target[] }> = [
  {
    id: 'escalate',
    label: 'escalate (write roles with permissions they lack)',
    narrowable: false,
    targets: [
      { group: RBAC_GROUP, resource: 'roles', verbs: ['escalate'], clusterScoped: false },
      { group: RBAC_GROUP, resource: 'clusterroles', verbs: ['escalate'], clusterScoped: true },
    ],
  },
  {
    id: 'bind',
    label: 'bind (grant roles they do not hold)',
    narrowable: false,
    targets: [
      { group: RBAC_GROUP, resource: 'roles', verbs: ['bind'], clusterScoped: false },
      { group: RBAC_GROUP, resource: 'clusterroles', verbs: ['bind'], clusterScoped: true },
    ],
  },
  {
    id: 'impersonate',
    label: 'impersonate other identities',
    narrowable: false,
    targets: [
      { group: '', resource: 'users', verbs: ['impersonate'], clusterScoped: true },
      { group: '', resource: 'groups', verbs: ['impersonate'], clusterScoped: true },
      { group: '', resource: 'serviceaccounts', verbs: ['impersonate'], clusterScoped: false },
      { group: 'authentication.k8s.io', resource: 'uids', verbs: ['impersonate'], clusterScoped: true },
    ],
  },
  {
    id: 'read-secrets',
    label: 'read Secrets',
    narrowable: true,
    targets: [{ group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'], clusterScoped: false }],
  },
  {
    id: 'exec-into-pods',
    label: 'exec or attach into pods',
    narrowable: true,
    // websocket exec (kubectl >= 1.30) is authorized as `get`, SPDY exec as `create`
    targets: [
      { group: '', resource: 'pods/exec', verbs: ['create', 'get'], clusterScoped: false },
      { group: '', resource: 'pods/attach', verbs: ['create', 'get'], clusterScoped: false },
    ],
  },
  {
    id: 'node-proxy',
    label: 'reach the kubelet API through nodes/proxy (exec into any pod on the node)',
    narrowable: true,
    targets: [{ group: '', resource: 'nodes/proxy', verbs: ANY_VERB, clusterScoped: true }],
  },
  {
    id: 'mint-tokens',
    label: 'mint service-account tokens',
    narrowable: true,
    targets: [{ group: '', resource: 'serviceaccounts/token', verbs: ['create'], clusterScoped: false }],
  },
  {
    id: 'write-rbac',
    label: 'write roles or role bindings',
    narrowable: true,
    targets: [
      { group: RBAC_GROUP, resource: 'roles', verbs: WRITE, clusterScoped: false },
      { group: RBAC_GROUP, resource: 'rolebindings', verbs: WRITE, clusterScoped: false },
      { group: RBAC_GROUP, resource: 'clusterroles', verbs: WRITE, clusterScoped: true },
      { group: RBAC_GROUP, resource: 'clusterrolebindings', verbs: WRITE, clusterScoped: true },
    ],
  },
  {
    id: 'write-admission',
    label: 'write admission webhooks or policies',
    narrowable: true,
    targets: [
      'mutatingwebhookconfigurations',
      'validatingwebhookconfigurations',
      'validatingadmissionpolicies',
      'validatingadmissionpolicybindings',
      'mutatingadmissionpolicies',
      'mutatingadmissionpolicybindings',
    ].map((resource) => ({ group: 'admissionregistration.k8s.io', resource, verbs: [...WRITE, 'delete'], clusterScoped: true })),
  },
  {
    id: 'approve-csrs',
    label: 'approve certificate signing requests',
    narrowable: true,
    targets: [{ group: 'certificates.k8s.io', resource: 'certificatesigningrequests/approval', verbs: ['update', 'patch'], clusterScoped: true }],
  },
];

const WILDCARD_POWERS: Record<'all-verbs' | 'all-resources' | 'all-api-groups', Power> = {
  'all-verbs': { id: 'all-verbs', label: 'use every verb', narrowable: true },
  'all-resources': { id: 'all-resources', label: 'act on every resource', narrowable: true },
  'all-api-groups': { id: 'all-api-groups', label: 'act in every API group, including ones added later', narrowable: true },
};

/** RBAC's own matching (pkg/apis/rbac/v1/evaluation_helpers.go); an absent field is unknown and may match. */
const listMatches = (list: string[] | undefined, value: string): boolean => list === undefined || list.includes('*') || list.includes(value);

function resourceMatches(list: string[] | undefined, resource: string): boolean {
  if (listMatches(list, resource)) return true;
  const slash = resource.indexOf('/');
  return slash >= 0 && list !== undefined && list.includes(`*${resource.slice(slash)}`); // `*/exec`
}

function covers(entry: PolicyRuleEntry, target: Target): boolean {
  return (
    listMatches(entry.apiGroups, target.group) && resourceMatches(entry.resources, target.resource) && target.verbs.some((v) => listMatches(entry.verbs, v))
  );
}

/**
 * What one entry lets its holder do that matters for persistence and escalation. `namespaced`
 * is true for a Role: cluster-scoped requests (nodes, users, ClusterRoles, webhooks) never
 * match its rules, so it cannot grant those powers whatever it says.
 */
export function entryPowers(entry: PolicyRuleEntry, namespaced: boolean): Power[] {
  if (entry.nonResourceURLs !== undefined && entry.resources === undefined) return []; // /healthz and friends
  const powers: Power[] = [];
  if (entry.verbs?.includes('*')) powers.push(WILDCARD_POWERS['all-verbs']);
  if (entry.resources?.includes('*')) powers.push(WILDCARD_POWERS['all-resources']);
  if (entry.apiGroups?.includes('*')) powers.push(WILDCARD_POWERS['all-api-groups']);
  // An entry the log shows only in part (a patch to rules[2].verbs) is judged on what it shows;
  // its unknown fields match anything, so a patch adding `escalate` is not read as harmless.
  const partial = isPartialEntry(entry);
  for (const power of POWERS) {
    const targets = power.targets.filter((t) => !(namespaced && t.clusterScoped));
    if (partial && !shownExplicitly(entry, power.id, targets)) continue;
    if (targets.some((t) => covers(entry, t))) powers.push({ id: power.id, label: power.label, narrowable: power.narrowable });
  }
  return powers;
}

/**
 * For a partial entry: the patch itself names what makes the power, the special verb (escalate,
 * bind, impersonate) or the special resource (secrets, pods/exec, ...), not a wildcard (reported
 * as such) and not a common verb such as `get` added to an entry whose resources are unknown.
 */
function shownExplicitly(entry: PolicyRuleEntry, power: PowerId, targets: readonly Target[]): boolean {
  if (VERB_KEYED.has(power)) return targets.some((t) => t.verbs.some((v) => entry.verbs?.includes(v)));
  return targets.some((t) => entry.resources?.includes(t.resource));
}

/**
 * The powers in words, for a summary: `*` on `*` is "do anything", not a list of everything
 * it implies (the evidence keeps the full list).
 */
export function describePowers(powers: readonly Power[]): string {
  const ids = new Set(powers.map((p) => p.id));
  if (ids.has('all-verbs') && ids.has('all-resources'))
    return ids.has('all-api-groups') ? 'do anything (every verb on every resource in every API group)' : 'use every verb on every resource';
  return powers.map((p) => p.label).join('; ');
}

/** `verbs [get, list] on [secrets] in API groups [""]` */
export function describeEntry(entry: PolicyRuleEntry): string {
  const list = (v: string[] | undefined): string => (v === undefined ? '(not logged)' : `[${v.map((s) => (s === '' ? '""' : s)).join(', ')}]`);
  if (entry.nonResourceURLs !== undefined && entry.resources === undefined)
    return `verbs ${list(entry.verbs)} on non-resource URLs ${list(entry.nonResourceURLs)}`;
  const names = entry.resourceNames && entry.resourceNames.length > 0 ? ` named ${list(entry.resourceNames)}` : '';
  return `verbs ${list(entry.verbs)} on ${list(entry.resources)}${names} in API groups ${list(entry.apiGroups)}`;
}

/** ClusterRoles whose rules are folded into the built-in admin/edit/view roles by the aggregation controller. */
export function aggregatesInto(role: JsonObject | undefined): string[] {
  const labels = asObject(asObject(role?.metadata)?.labels) ?? {};
  return ['admin', 'edit', 'view'].filter((r) => labels[`rbac.authorization.k8s.io/aggregate-to-${r}`] === 'true');
}

// ---------------------------------------------------------------------------------------------
// Bindings

export interface RoleRef {
  kind: string;
  name: string;
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export function roleRefOf(binding: JsonObject | undefined): RoleRef | undefined {
  const ref = asObject(binding?.roleRef);
  const name = asString(ref?.name);
  if (!ref || name === undefined) return undefined;
  return { kind: asString(ref.kind) ?? 'ClusterRole', name };
}

/** A binding's subjects; a RoleBinding's ServiceAccount subjects may leave out their namespace, which is then the binding's. */
export function subjectsOf(binding: JsonObject | undefined, bindingNamespace = ''): Subject[] {
  return asArray(binding?.subjects).flatMap((s) => {
    const o = asObject(s);
    const name = asString(o?.name);
    if (!o || name === undefined) return [];
    const kind = asString(o.kind) ?? 'User';
    const namespace = asString(o.namespace) ?? (kind === 'ServiceAccount' && bindingNamespace ? bindingNamespace : undefined);
    return [{ kind, name, ...(namespace !== undefined ? { namespace } : {}) }];
  });
}

export function describeSubject(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace ?? '?'}/${s.name}` : `${s.kind} ${s.name}`;
}

export type SubjectReachId =
  'anonymous' | 'unauthenticated' | 'all-authenticated' | 'all-service-accounts' | 'namespace-service-accounts' | 'default-service-account' | 'system-masters';

export interface SubjectReach {
  id: SubjectReachId;
  /** Who the grant reaches, in words. */
  label: string;
}

/**
 * Subjects that stand for many or unknown callers: a grant to them is a grant to anyone who
 * can reach the API server (anonymous, unauthenticated), anyone with any credential
 * (authenticated), or every pod that runs without naming a service account (default).
 * `bindingNamespace` fills in the namespace a RoleBinding's ServiceAccount subject may omit.
 */
export function subjectReach(s: Subject, bindingNamespace: string): SubjectReach | undefined {
  if (s.kind === 'User' && s.name === 'system:anonymous') return { id: 'anonymous', label: 'anonymous requests' };
  if (s.kind === 'Group') {
    if (s.name === 'system:unauthenticated') return { id: 'unauthenticated', label: 'every unauthenticated request' };
    if (s.name === 'system:authenticated') return { id: 'all-authenticated', label: 'every authenticated identity' };
    if (s.name === 'system:serviceaccounts') return { id: 'all-service-accounts', label: 'every service account in the cluster' };
    if (s.name.startsWith('system:serviceaccounts:')) {
      return { id: 'namespace-service-accounts', label: `every service account (so every pod) in namespace ${s.name.slice('system:serviceaccounts:'.length)}` };
    }
    if (s.name === 'system:masters') return { id: 'system-masters', label: 'system:masters (already unrestricted)' };
  }
  const sa =
    s.kind === 'ServiceAccount' ? { namespace: s.namespace ?? bindingNamespace, name: s.name } : s.kind === 'User' ? serviceAccountUser(s.name) : undefined;
  if (sa?.name === 'default') return { id: 'default-service-account', label: `every pod in namespace ${sa.namespace || '?'} that names no service account` };
  return undefined;
}

function serviceAccountUser(name: string): { namespace: string; name: string } | undefined {
  if (!name.startsWith('system:serviceaccount:')) return undefined;
  const [namespace = '', sa = ''] = name.slice('system:serviceaccount:'.length).split(':');
  return { namespace, name: sa };
}

export interface PrivilegedRole {
  /** What holding it means. */
  grants: string;
  /** `edit` is routine for developers; the others are not. */
  tier: 'admin' | 'elevated';
}

/**
 * Built-in ClusterRoles equivalent to, or one step from, system:masters. Only a `ClusterRole`
 * roleRef counts: a namespaced Role that happens to be called `admin` is someone's own role.
 */
export const PRIVILEGED_CLUSTER_ROLES: ReadonlyMap<string, PrivilegedRole> = new Map([
  ['cluster-admin', { grants: 'every permission (system:masters equivalent)', tier: 'admin' as const }],
  ['admin', { grants: 'full control of a namespace, its Secrets and its role bindings', tier: 'admin' as const }],
  ['system:kube-controller-manager', { grants: "the controller manager's rights: every Secret, service-account tokens", tier: 'admin' as const }],
  ['system:controller:clusterrole-aggregation-controller', { grants: 'escalate on every ClusterRole (a path to cluster-admin)', tier: 'admin' as const }],
  ['system:node', { grants: "a kubelet's rights without the Node authorizer's limits (Secrets, pods of every node)", tier: 'admin' as const }],
  ['edit', { grants: 'read Secrets, exec into pods and run workloads in a namespace', tier: 'elevated' as const }],
]);

/**
 * Grants the API server and kubeadm make to broad groups on every cluster (discovery, the
 * kube-public cluster-info ConfigMap): re-creating them is routine, not a backdoor. Their
 * contents are guarded separately (tampering with built-in roles).
 */
export function isDefaultBroadGrant(ref: RoleRef, bindingNamespace: string): boolean {
  if (ref.kind === 'ClusterRole') return ['system:public-info-viewer', 'system:discovery', 'system:basic-user'].includes(ref.name);
  return ref.kind === 'Role' && bindingNamespace === 'kube-public' && ref.name === 'kubeadm:bootstrap-signer-clusterinfo';
}

const BUILT_IN_CLUSTER_NAMES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

/**
 * Roles and bindings the API server, kubeadm or EKS create and reconcile: `system:`, `eks:`
 * and `kubeadm:` names, and the default user-facing ClusterRoles and the `cluster-admin`
 * ClusterRoleBinding (cluster-scoped only: a namespace's own `admin` Role is not built in).
 */
export function isBuiltInRbacObject(name: string, clusterScoped: boolean, object?: JsonObject): boolean {
  if (/^(system|eks|kubeadm):/.test(name)) return true;
  if (clusterScoped && BUILT_IN_CLUSTER_NAMES.has(name)) return true;
  return asObject(asObject(object?.metadata)?.labels)?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

// ---------------------------------------------------------------------------------------------
// EKS aws-auth

export interface AwsAuthMapping {
  /** `mapRoles`, `mapUsers` or `mapAccounts`. */
  section: string;
  /** IAM role or user ARN, or an account id. */
  arn: string;
  username?: string;
  groups: string[];
}

/**
 * The IAM-to-Kubernetes mappings an aws-auth ConfigMap's `data` holds. `mapRoles`/`mapUsers`
 * are YAML documents inside strings; a body that does not parse yields what did.
 */
export function awsAuthMappings(data: JsonObject | undefined): { mappings: AwsAuthMapping[]; unreadable: string[] } {
  const mappings: AwsAuthMapping[] = [];
  const unreadable: string[] = [];
  for (const section of ['mapRoles', 'mapUsers', 'mapAccounts']) {
    const text = asString(data?.[section]);
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = parseYaml(text, { maxAliasCount: 10 });
    } catch {
      unreadable.push(section);
      continue;
    }
    for (const item of asArray(parsed)) {
      if (section === 'mapAccounts') {
        if (typeof item === 'string' || typeof item === 'number') mappings.push({ section, arn: String(item), groups: [] });
        continue;
      }
      const o = asObject(item);
      const arn = asString(o?.rolearn) ?? asString(o?.userarn);
      if (!o || arn === undefined) continue;
      const username = asString(o.username);
      mappings.push({ section, arn, ...(username !== undefined ? { username } : {}), groups: strings(o.groups) ?? [] });
    }
  }
  return { mappings, unreadable };
}
