import { anonymousAllowedRule, anonymousDeniedRule, isHealthPath } from '../../../lambdas/core/rules/anonymous-access';
import { auditEvent } from '../../helpers/events';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { reaches, request, users } from './support/requests';

const anonymous = (fields: Parameters<typeof request>[0]): Ev => ({
  ...request({ ...fields, user: users.anonymous }),
  sourceIPs: ['198.51.100.23'],
  userAgent: 'python-requests/2.31.0',
  annotations: {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "oops" of ClusterRole "cluster-admin" to Group "system:unauthenticated"',
  },
});

/** A non-resource request (no objectRef), such as a health check. */
const path = (uri: string, over: Ev = {}): Ev => {
  const { objectRef: _none, ...event } = auditEvent({ requestURI: uri, user: users.anonymous, sourceIPs: ['198.51.100.23'], ...over });
  return event;
};

describe('anonymous.allowed-request', () => {
  it('rates an anonymous write critical and says what was written and which binding allowed it', () => {
    const event = anonymous({
      verb: 'create',
      resource: 'namespaces',
      name: 'foo',
      requestObject: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'foo' } },
    });
    const [hit] = hitsOf(anonymousAllowedRule, event);
    expect(hit.severity).toBe('critical');
    expect(hit.summary).toBe('system:anonymous (unauthenticated) from 198.51.100.23 was allowed to create namespaces foo');
    expect(hit.evidence).toMatchObject({
      accessed: 'create namespaces foo',
      authorizedBy: expect.stringContaining('system:unauthenticated') as unknown,
      code: 201,
    });
  });

  it('rates resource reads high, Secret reads and streams into pods critical', () => {
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web-0' }))).toBe('high');
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'list', resource: 'secrets' }))).toBe('critical');
    expect(
      severityOf(
        anonymousAllowedRule,
        anonymous({ verb: 'get', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0', query: 'command=id' }),
      ),
    ).toBe('critical');
  });

  it('rates kubeadm join reading kube-public/cluster-info low, and nothing else in kube-public', () => {
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'get', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' }))).toBe('low');
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'list', resource: 'configmaps', namespace: 'kube-public' }))).toBe('high');
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'cluster-info' }))).toBe('high');
    expect(severityOf(anonymousAllowedRule, anonymous({ verb: 'update', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' }))).toBe(
      'critical',
    );
  });

  it('rates non-resource paths by what they disclose', () => {
    expect(severityOf(anonymousAllowedRule, path('/apis'))).toBe('medium');
    expect(severityOf(anonymousAllowedRule, path('/openapi/v2'))).toBe('medium');
    expect(severityOf(anonymousAllowedRule, path('/metrics'))).toBe('high');
    expect(severityOf(anonymousAllowedRule, path('/debug/pprof/profile?seconds=30'))).toBe('high');
    // Issuer discovery is opened to everyone on purpose for OIDC federation.
    expect(severityOf(anonymousAllowedRule, path('/openid/v1/jwks'))).toBe('low');
  });

  it.each(['/healthz', '/livez', '/readyz', '/version', '/version/', '/livez/ping', '/readyz?verbose', '/healthz/etcd', '/livez?exclude=etcd&verbose'])(
    'ignores the health endpoint %s',
    (uri) => {
      expect(hitsOf(anonymousAllowedRule, path(uri, { userAgent: 'ELB-HealthChecker/2.0' }))).toEqual([]);
    },
  );

  it('does not take path tricks or look-alikes for health checks', () => {
    expect(isHealthPath('/healthz/../api/v1/secrets')).toBe(false);
    expect(isHealthPath('/healthz/%2e%2e/api')).toBe(false);
    expect(isHealthPath('/healthzz')).toBe(false);
    expect(isHealthPath('/versions')).toBe(false);
    expect(severityOf(anonymousAllowedRule, path('/healthz/../api/v1/secrets'))).toBe('medium');
  });

  it('names the request even when the exporter dropped the verb', () => {
    const event = anonymous({ verb: '', resource: 'pods', namespace: 'default', name: 'test-pod' });
    expect(hitsOf(anonymousAllowedRule, event)[0]).toMatchObject({
      severity: 'high',
      summary: expect.stringContaining('was allowed to (verb not logged) pods default/test-pod') as unknown,
    });
  });

  it('rates a parsed request with the system:unauthenticated group as anonymous', () => {
    // The API server gives every unauthenticated request the user system:anonymous, which is what the
    // pre-check keys on; an event carrying only the group (hand-made, as here) is rated when parsed.
    const event = request({
      verb: 'get',
      resource: 'configmaps',
      namespace: 'kube-system',
      name: 'aws-auth',
      user: { username: 'nobody', groups: ['system:unauthenticated'] },
    });
    expect(severityOf(anonymousAllowedRule, event)).toBe('high');
  });

  it.each<[string, Ev]>([
    ['the request was denied', { ...anonymous({ verb: 'list', resource: 'secrets' }), responseStatus: { metadata: {}, code: 403 } }],
    ['it was a dry run', anonymous({ verb: 'create', resource: 'namespaces', name: 'x', query: 'dryRun=All' })],
    ['only the RequestReceived stage is logged', { ...anonymous({ verb: 'list', resource: 'secrets' }), stage: 'RequestReceived', responseStatus: undefined }],
    ['an authenticated user did it', request({ verb: 'list', resource: 'secrets' })],
    [
      'an admin impersonated system:anonymous (the admin acted)',
      { ...request({ verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }), impersonatedUser: { username: 'system:anonymous' } },
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(anonymousAllowedRule, event)).toEqual([]);
  });

  it('reaches every anonymous request past the pre-check, resource or not, whatever the verb', () => {
    for (const event of [
      path('/apis'),
      path('/healthz'),
      anonymous({ verb: 'deletecollection', resource: 'configmaps', namespace: 'x' }),
      anonymous({ verb: 'propfind', resource: '' }),
    ]) {
      expect(reaches(anonymousAllowedRule, event)).toBe(true);
    }
    expect(reaches(anonymousAllowedRule, request({ verb: 'get', resource: 'configmaps', namespace: 'x', name: 'y' }))).toBe(false);
  });
});

describe('anonymous.denied-request', () => {
  it('reports a denied probe of a web path as info and of a Kubernetes resource as low', () => {
    const probe = path('/vendor/phpunit/src/Util/PHP/eval-stdin.php', { responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } });
    expect(hitsOf(anonymousDeniedRule, probe)[0]).toMatchObject({
      severity: 'info',
      summary: 'system:anonymous from 198.51.100.23 was denied get /vendor/phpunit/src/Util/PHP/eval-stdin.php',
    });
    const secrets = { ...anonymous({ verb: 'list', resource: 'secrets' }), responseStatus: { metadata: {}, code: 403 } };
    expect(severityOf(anonymousDeniedRule, secrets)).toBe('low');
  });

  it('stays out of successful requests, which the allowed-request rule reports', () => {
    expect(hitsOf(anonymousDeniedRule, anonymous({ verb: 'list', resource: 'secrets' }))).toEqual([]);
    expect(hitsOf(anonymousDeniedRule, path('/healthz'))).toEqual([]);
  });

  it('ignores denials of authenticated users', () => {
    expect(hitsOf(anonymousDeniedRule, { ...request({ verb: 'list', resource: 'secrets' }), responseStatus: { metadata: {}, code: 403 } })).toEqual([]);
  });
});
