import { secretBulkReadRule, secretReadRule, secretWriteRule } from '../../../lambdas/core/rules/secret';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { findingsOf, nearMisses, reaches, request, users } from './support/requests';

const DB_PASSWORD = 'cEBzc3cwcmQtZm9yLXByb2Q='; // base64 of a real-looking password

const opaque = (namespace: string, name: string): Ev => ({
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name, namespace },
  type: 'Opaque',
  data: { DB_PASSWORD, DB_USER: 'YXBw' },
});

describe('secret.write', () => {
  it('reports a person creating a Secret low, naming its type and keys but never its values', async () => {
    const event = request({ verb: 'create', resource: 'secrets', namespace: 'shop', name: 'db', requestObject: opaque('shop', 'db') });
    const [hit] = hitsOf(secretWriteRule, event);
    expect(hit).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com created Secret shop/db (type Opaque)',
      evidence: { type: 'Opaque', keys: ['DB_PASSWORD', 'DB_USER'] },
    });
    const findings = await findingsOf([secretWriteRule], [event]);
    expect(JSON.stringify(findings)).not.toContain(DB_PASSWORD);
  });

  it('rates writes in kube-system high, deletions there medium, other system namespaces medium', () => {
    expect(severityOf(secretWriteRule, request({ verb: 'create', resource: 'secrets', namespace: 'kube-system', name: 'cloud-creds' }))).toBe('high');
    expect(severityOf(secretWriteRule, request({ verb: 'delete', resource: 'secrets', namespace: 'kube-system', name: 'cloud-creds' }))).toBe('medium');
    expect(severityOf(secretWriteRule, request({ verb: 'patch', resource: 'secrets', namespace: 'kube-public', name: 'x' }))).toBe('medium');
  });

  it('explains a bootstrap token created in kube-system', () => {
    const token = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'bootstrap-token-07401b', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': '07401b', 'token-secret': 'f395accd246ae52d', 'usage-bootstrap-authentication': 'true' },
    };
    const [hit] = hitsOf(
      secretWriteRule,
      request({ verb: 'create', resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token-07401b', requestObject: token }),
    );
    expect(hit.severity).toBe('high');
    expect(hit.evidence?.reasons).toContain('bootstrap token: lets its holder join nodes and request kubelet client certificates');
    expect(JSON.stringify(hit.evidence)).not.toContain('f395accd246ae52d');
  });

  it('reads a patch (no object at Request level) and says who deleted every Secret of a namespace', () => {
    const patched = request({ verb: 'patch', resource: 'secrets', namespace: 'shop', name: 'db', level: 'Request', requestObject: { data: { DB_PASSWORD } } });
    expect(hitsOf(secretWriteRule, patched)[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com patched Secret shop/db',
      evidence: { keys: ['DB_PASSWORD'] },
    });
    expect(hitsOf(secretWriteRule, request({ verb: 'deletecollection', resource: 'secrets', namespace: 'shop' }))[0].summary).toBe(
      'alice@example.com deleted all Secrets in namespace shop',
    );
  });

  it('rates a workload writing Secrets in its own namespace info, elsewhere low', () => {
    expect(
      severityOf(
        secretWriteRule,
        request({ verb: 'update', resource: 'secrets', namespace: 'cert-manager', name: 'ca', user: users.serviceAccount('cert-manager', 'cert-manager') }),
      ),
    ).toBe('info');
    expect(
      severityOf(
        secretWriteRule,
        request({ verb: 'update', resource: 'secrets', namespace: 'shop', name: 'tls', user: users.serviceAccount('cert-manager', 'cert-manager') }),
      ),
    ).toBe('low');
  });

  it.each(nearMisses(request({ verb: 'create', resource: 'secrets', namespace: 'kube-system', name: 'x', requestObject: opaque('kube-system', 'x') })))(
    'raises nothing when %s',
    (_why, event) => {
      expect(hitsOf(secretWriteRule, event)).toEqual([]);
    },
  );

  it('leaves the token controller minting legacy tokens to the baseline', () => {
    const event = request({
      verb: 'create',
      resource: 'secrets',
      namespace: 'test2',
      name: 'default-token-7v4pb',
      user: users.serviceAccount('kube-system', 'service-account-controller'),
    });
    expect(hitsOf(secretWriteRule, event)).toEqual([]);
  });
});

describe('secret.read', () => {
  it('reports a person reading a Secret low, medium in a system namespace', () => {
    expect(hitsOf(secretReadRule, request({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db' }))[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com read Secret shop/db',
    });
    expect(severityOf(secretReadRule, request({ verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token-07401b' }))).toBe('medium');
  });

  it("reports a workload reading another namespace's Secret, not its own", () => {
    expect(
      severityOf(
        secretReadRule,
        request({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'stripe', user: users.serviceAccount('shop', 'web') }),
      ),
    ).toBe('low');
    expect(
      hitsOf(secretReadRule, request({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db', user: users.serviceAccount('shop', 'web') })),
    ).toEqual([]);
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db' })).filter(([why]) => !why.includes('dry run')),
    [
      'a node reads a Secret of its pods (node authorizer)',
      request({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db', user: users.node('ip-10-0-1-23.ec2.internal') }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(secretReadRule, event)).toEqual([]);
  });
});

describe('secret.bulk-read', () => {
  it('rates a person listing Secrets across all namespaces high', () => {
    const event = request({ verb: 'list', resource: 'secrets', query: 'limit=500' });
    expect(hitsOf(secretBulkReadRule, event)[0]).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com listed Secrets in all namespaces',
      evidence: { scope: 'all namespaces' },
    });
  });

  it('rates a workload doing it medium, an add-on in kube-system low', () => {
    expect(
      severityOf(secretBulkReadRule, request({ verb: 'watch', resource: 'secrets', query: 'watch=true', user: users.serviceAccount('shop', 'web') })),
    ).toBe('medium');
    expect(
      severityOf(secretBulkReadRule, request({ verb: 'list', resource: 'secrets', user: users.serviceAccount('kube-system', 'kube-state-metrics') })),
    ).toBe('low');
  });

  it('rates the known cluster-wide readers low by namespace and name, and a same-named account elsewhere medium', () => {
    const watch = (namespace: string, name: string): Ev =>
      request({ verb: 'watch', resource: 'secrets', query: 'watch=true', user: users.serviceAccount(namespace, name) });
    const [known] = hitsOf(secretBulkReadRule, watch('cert-manager', 'cert-manager'));
    expect(known).toMatchObject({ severity: 'low', evidence: { reasons: [expect.stringContaining('known cluster-wide Secret reader')] } });
    expect(severityOf(secretBulkReadRule, watch('shop', 'cert-manager'))).toBe('medium');
    const none = { ...DEFAULT_SETTINGS, secrets: { ...DEFAULT_SETTINGS.secrets, clusterWideReaders: [] } };
    expect(severityOf(secretBulkReadRule, watch('cert-manager', 'cert-manager'), none)).toBe('medium');
  });

  it('rates a namespaced list low, medium in a system namespace', () => {
    expect(severityOf(secretBulkReadRule, request({ verb: 'list', resource: 'secrets', namespace: 'shop' }))).toBe('low');
    expect(severityOf(secretBulkReadRule, request({ verb: 'list', resource: 'secrets', namespace: 'kube-system' }))).toBe('medium');
  });

  it('treats a watch narrowed to one Secret by name as a read of that Secret', () => {
    const event = request({
      verb: 'watch',
      resource: 'secrets',
      namespace: 'payments',
      query: 'fieldSelector=metadata.name%3Dstripe&watch=true',
      user: users.serviceAccount('shop', 'web'),
    });
    expect(hitsOf(secretBulkReadRule, event)[0]).toMatchObject({ severity: 'low', summary: 'system:serviceaccount:shop:web watched Secret payments/stripe' });
  });

  it.each<[string, Ev]>([
    ...nearMisses(request({ verb: 'list', resource: 'secrets' })).filter(([why]) => !why.includes('dry run')),
    [
      'a controller lists them (namespace-controller)',
      request({ verb: 'list', resource: 'secrets', user: users.serviceAccount('kube-system', 'namespace-controller') }),
    ],
    [
      'a kubelet watches the Secret of its pod',
      request({ verb: 'watch', resource: 'secrets', namespace: 'shop', query: 'fieldSelector=metadata.name%3Ddb&watch=true', user: users.node('node-1') }),
    ],
    ['a workload lists its own namespace', request({ verb: 'list', resource: 'secrets', namespace: 'shop', user: users.serviceAccount('shop', 'web') })],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(secretBulkReadRule, event)).toEqual([]);
  });

  it('declares exactly the reads it needs', () => {
    expect(reaches(secretBulkReadRule, request({ verb: 'list', resource: 'secrets' }))).toBe(true);
    expect(reaches(secretBulkReadRule, request({ verb: 'list', resource: 'configmaps' }))).toBe(false);
    expect(reaches(secretReadRule, request({ verb: 'get', resource: 'secrets', namespace: 'a', name: 'b' }))).toBe(true);
    expect(reaches(secretWriteRule, request({ verb: 'deletecollection', resource: 'secrets', namespace: 'a' }))).toBe(true);
  });
});
