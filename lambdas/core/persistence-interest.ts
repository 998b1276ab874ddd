import type { EventInterest } from './read/interest';

/**
 * Every event a persistence rule can need, stated as data for the reader's pre-check.
 * The rule registry will derive this from what each rule declares; until then it is written
 * out here, broad on purpose: a needless parse costs microseconds, a hidden event costs a breach.
 */
const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];

export const PERSISTENCE_INTEREST: EventInterest = {
  selectors: [
    {
      verbs: WRITES,
      resources: [
        'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings',
        'pods', 'pods/ephemeralcontainers', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs',
        'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings',
        'customresourcedefinitions', 'apiservices',
        'serviceaccounts', 'serviceaccounts/token', 'secrets', 'configmaps',
        'certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status',
        'persistentvolumes', 'persistentvolumeclaims', 'storageclasses', 'csidrivers',
        'namespaces', 'nodes', 'priorityclasses', 'runtimeclasses', 'podsecuritypolicies',
        'services', 'networkpolicies', 'ingresses',
        'tokenrequests',
      ],
    },
    // Container restarts are seen in the kubelet's status updates; only those reporting a
    // terminated container matter, the rest is the bulk of a cluster's chatter.
    { verbs: ['update', 'patch'], resources: ['pods/status'], contains: ['"lastState":{"terminated"'] },
    // exec/attach/port-forward arrive as `create` (SPDY) or `get` (websockets, kubectl >= 1.30).
    { verbs: ['create', 'get'], resources: ['pods/exec', 'pods/attach', 'pods/portforward', 'pods/proxy', 'nodes/proxy', 'services/proxy'] },
    { verbs: ['get', 'list', 'watch'], resources: ['secrets'] },
    // Impersonation and escalation checks.
    { verbs: ['impersonate', 'escalate', 'bind', 'approve', 'sign'] },
  ],
  // An unauthenticated request is always made as the user `system:anonymous` (its group,
  // system:unauthenticated, comes with it), so one marker catches every anonymous request.
  // Grants *to* those identities are RBAC writes, parsed anyway.
  markers: ['system:anonymous'],
};
