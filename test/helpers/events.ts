import { randomUUID } from 'node:crypto';
import type { Ev } from './shipping';

/** A complete audit event as the kube-apiserver writes it, with the given fields replaced. */
export function auditEvent(overrides: Ev = {}): Ev {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods/web-0',
    verb: 'get',
    user: { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] },
    sourceIPs: ['203.0.113.7'],
    userAgent: 'kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef',
    objectRef: { resource: 'pods', namespace: 'default', name: 'web-0', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-20T10:00:00.000000Z',
    stageTimestamp: '2026-11-20T10:00:00.005000Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    ...overrides,
  };
}

export const leaseUpdate = (): Ev =>
  auditEvent({
    verb: 'update',
    requestURI: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler',
    user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
    objectRef: { resource: 'leases', namespace: 'kube-system', name: 'kube-scheduler', apiGroup: 'coordination.k8s.io', apiVersion: 'v1' },
  });

export const execViaGet = (): Ev =>
  auditEvent({
    verb: 'get',
    stage: 'ResponseStarted',
    requestURI: '/api/v1/namespaces/db/pods/postgres-0/exec?command=sh&container=postgres&stdin=true&tty=true',
    objectRef: { resource: 'pods', subresource: 'exec', namespace: 'db', name: 'postgres-0', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 101 },
  });

export const clusterAdminBinding = (): Ev =>
  auditEvent({
    level: 'RequestResponse',
    verb: 'create',
    requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    objectRef: { resource: 'clusterrolebindings', name: 'backdoor', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'backdoor' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-public' }],
    },
  });
