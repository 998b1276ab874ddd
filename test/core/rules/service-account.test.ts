import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import {
  controllerIdentityWorkloadRule,
  durationText,
  systemNamespaceServiceAccountRule,
  tokenRequestRule,
  tokenSecretRule,
} from '../../../lambdas/core/rules/service-account';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { findingsOf, nearMisses, reaches, request, users } from './support/requests';

/** A real-looking (unsigned) service account JWT, as the response to a TokenRequest carries it. */
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjNmQ2hLZ3RfV1JtIn0.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjIl0sImV4cCI6MTc5NTQ4MjQwMCwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6cGVyc2lzdGVuY2Utc2EifQ.c2lnbmF0dXJlLW5vdC1yZWFsLWJ1dC1sb25nLWVub3VnaA';

function tokenRequest(namespace: string, name: string, spec: Ev | undefined, user: Ev = users.alice): Ev {
  return request({
    verb: 'create',
    resource: 'serviceaccounts',
    subresource: 'token',
    namespace,
    name,
    user,
    ...(spec
      ? {
          requestObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec },
          responseObject: {
            kind: 'TokenRequest',
            apiVersion: 'authentication.k8s.io/v1',
            metadata: { name, namespace },
            spec,
            status: { token: JWT, expirationTimestamp: '2027-11-20T10:00:00Z' },
          },
        }
      : {}),
  });
}

describe('service-account.token-request', () => {
  it('rates a person minting a year-long unbound token high, and never lets the token out', async () => {
    const event = tokenRequest('default', 'persistence-sa', { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 31536000 });
    const [hit] = hitsOf(tokenRequestRule, event);
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com requested a token for ServiceAccount default/persistence-sa valid 365d (not bound to a pod)',
      evidence: { expirationSeconds: 31536000, reasons: ['valid 365d, above the 1d maximum'] },
    });
    expect(JSON.stringify(await findingsOf([tokenRequestRule], [event]))).not.toContain(JWT.slice(0, 40));
  });

  it('rates a short-lived token medium, and reads the limit from the settings', () => {
    const event = tokenRequest('shop', 'web', { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 });
    expect(severityOf(tokenRequestRule, event)).toBe('medium');
    expect(severityOf(tokenRequestRule, event, { ...DEFAULT_SETTINGS, serviceAccountTokens: { maxExpirationSeconds: 600 } })).toBe('high');
  });

  it('rates kube-system critical when the token is long too, and cloud audiences one step higher', () => {
    expect(severityOf(tokenRequestRule, tokenRequest('kube-system', 'clusterrole-aggregation-controller', { expirationSeconds: 8640000 }))).toBe('critical');
    const irsa = hitsOf(tokenRequestRule, tokenRequest('shop', 'uploader', { audiences: ['sts.amazonaws.com'], expirationSeconds: 3600 }))[0];
    expect(irsa.severity).toBe('high');
    expect(irsa.evidence?.reasons).toEqual(['audience sts.amazonaws.com: exchangeable for cloud credentials']);
  });

  it('reports the request at Metadata level, saying the lifetime was not logged', () => {
    expect(hitsOf(tokenRequestRule, tokenRequest('production', 'persistence-sa', undefined))[0]).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com requested a token for ServiceAccount production/persistence-sa',
      evidence: { expirationSeconds: 'not logged' },
    });
  });

  it('notes a workload minting a token for another identity', () => {
    const hit = hitsOf(tokenRequestRule, tokenRequest('kube-system', 'admin', undefined, users.serviceAccount('ci', 'runner')))[0];
    expect(hit.evidence?.reasons).toContain('a workload minting a token for another identity');
  });

  it('rates the control plane minting a workload token as an unknown identity (medium), its own controllers not at all', () => {
    expect(severityOf(tokenRequestRule, tokenRequest('production', 'app-sa', undefined, users.controllerManager))).toBe('medium');
    expect(hitsOf(tokenRequestRule, tokenRequest('kube-system', 'replicaset-controller', undefined, users.controllerManager))).toEqual([]);
  });

  it.each<[string, Ev]>([
    ...nearMisses(tokenRequest('default', 'x', { expirationSeconds: 31536000 })).filter(([why]) => !why.includes('control plane')),
    [
      'a kubelet requests the token of a pod it runs',
      tokenRequest(
        'kube-system',
        'kube-proxy',
        { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'kube-proxy-8xk2p' } },
        users.node('ip-192-168-3-178.us-west-2.compute.internal'),
      ),
    ],
    [
      'the token is only read (get is not a TokenRequest)',
      { ...tokenRequest('default', 'x', undefined), verb: 'get', responseStatus: { metadata: {}, code: 200 } },
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(tokenRequestRule, event)).toEqual([]);
  });

  it('formats lifetimes the way people say them', () => {
    expect([durationText(600), durationText(3600), durationText(90000), durationText(86400 * 365), durationText(61)]).toEqual([
      '10m',
      '1h',
      '25h',
      '365d',
      '61s',
    ]);
  });
});

const tokenSecret = (namespace: string, serviceAccount: string): Ev => ({
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: `${serviceAccount}-token`, namespace, annotations: { 'kubernetes.io/service-account.name': serviceAccount } },
  type: 'kubernetes.io/service-account-token',
});

describe('service-account.token-secret', () => {
  it('rates a non-expiring token Secret for a kube-system controller critical', () => {
    const event = request({
      verb: 'create',
      resource: 'secrets',
      namespace: 'kube-system',
      name: 'clusterrole-aggregation-controller-token',
      requestObject: tokenSecret('kube-system', 'clusterrole-aggregation-controller'),
    });
    expect(reaches(tokenSecretRule, event)).toBe(true);
    expect(hitsOf(tokenSecretRule, event)[0]).toMatchObject({
      severity: 'critical',
      summary:
        'alice@example.com created a non-expiring token Secret kube-system/clusterrole-aggregation-controller-token for ServiceAccount kube-system/clusterrole-aggregation-controller',
    });
  });

  it('rates one in an application namespace high', () => {
    expect(
      severityOf(
        tokenSecretRule,
        request({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'deployer-token', requestObject: tokenSecret('ci', 'deployer') }),
      ),
    ).toBe('high');
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'deployer-token', requestObject: tokenSecret('ci', 'deployer') })),
    [
      'the Secret is Opaque',
      request({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'x', requestObject: { kind: 'Secret', metadata: { name: 'x' }, type: 'Opaque' } }),
    ],
    ['the body was not logged (secret.write reports the write)', request({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'x' })],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(tokenSecretRule, event)).toEqual([]);
  });

  it('asks the reader only for Secret creations that mention the token type', () => {
    expect(
      reaches(tokenSecretRule, request({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'x', requestObject: { kind: 'Secret', type: 'Opaque' } })),
    ).toBe(false);
  });
});

describe('service-account.created-in-system-namespace', () => {
  it('reports a person creating a service account in kube-system, low', () => {
    const event = request({
      verb: 'create',
      resource: 'serviceaccounts',
      namespace: 'kube-system',
      name: 'kube-helper',
      requestObject: { kind: 'ServiceAccount', metadata: { name: 'kube-helper' }, automountServiceAccountToken: true },
    });
    expect(hitsOf(systemNamespaceServiceAccountRule, event)[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com created ServiceAccount kube-system/kube-helper',
      evidence: { automountServiceAccountToken: true },
    });
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'create', resource: 'serviceaccounts', namespace: 'kube-system', name: 'kube-helper' })),
    ['the namespace is an application one', request({ verb: 'create', resource: 'serviceaccounts', namespace: 'shop', name: 'web' })],
    [
      'a kube-system controller creates it',
      request({
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: 'kube-system',
        name: 'x',
        user: users.serviceAccount('kube-system', 'service-account-controller'),
      }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(systemNamespaceServiceAccountRule, event)).toEqual([]);
  });
});

describe('service-account.controller-identity-workload', () => {
  const pod = (serviceAccountName: string, fields: { namespace?: string; user?: Ev; resource?: string } = {}): Ev => {
    const spec = { serviceAccountName, containers: [{ name: 'c', image: 'busybox' }] };
    const resource = fields.resource ?? 'pods';
    const object = resource === 'pods' ? { metadata: { name: 'helper' }, spec } : { metadata: { name: 'helper' }, spec: { template: { spec } } };
    return request({
      verb: 'create',
      resource,
      ...(resource === 'pods' ? {} : { apiGroup: 'apps' }),
      namespace: fields.namespace ?? 'kube-system',
      name: 'helper',
      user: fields.user,
      requestObject: object,
      responseObject: object,
    });
  };

  it('rates a pod in kube-system running as clusterrole-aggregation-controller high', () => {
    const event = pod('clusterrole-aggregation-controller');
    expect(reaches(controllerIdentityWorkloadRule, event)).toBe(true);
    const [hit] = hitsOf(controllerIdentityWorkloadRule, event);
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created pod kube-system/helper running as controller service account clusterrole-aggregation-controller',
    });
    expect(severityOf(controllerIdentityWorkloadRule, pod('generic-garbage-collector', { resource: 'daemonsets' }))).toBe('high');
  });

  it.each<[string, Ev]>([
    ['the account is an add-on of its own', pod('coredns')],
    [
      'the namespace is not kube-system (a look-alike account there has no controller rights)',
      pod('clusterrole-aggregation-controller', { namespace: 'shop' }),
    ],
    ['the control plane creates it', pod('clusterrole-aggregation-controller', { user: users.controllerManager })],
    ...nearMisses(pod('clusterrole-aggregation-controller')),
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(controllerIdentityWorkloadRule, event)).toEqual([]);
  });
});
