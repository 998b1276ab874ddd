import type { Rule } from '../../../lambdas/core/detect/rule';
import { privilegedWorkloadRules } from '../../../lambdas/core/rules/privileged-workload';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import type { WriteOptions } from './support/workloads';
import {
  ANONYMOUS,
  FOREIGN_SA,
  HUMAN,
  NODE,
  controllerSA,
  dryRun,
  failed,
  fire,
  objectOf,
  plain,
  privileged,
  requestReceived,
  ruleById,
  severity,
  workloadWrite,
} from './support/workloads';

const rule = (id: string): Rule => ruleById(privilegedWorkloadRules, id);

describe('workload.privileged-pod', () => {
  const r = rule('workload.privileged-pod');

  it('names the person who created a privileged pod', () => {
    const [hit] = fire(r, workloadWrite('pods', privileged('mysql')));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe('alice@example.com created Pod default/web with privileged container mysql');
    expect(hit.evidence).toMatchObject({
      risks: [{ kind: 'privileged', container: 'mysql', containerKind: 'container', securityContext: { privileged: true } }],
    });
  });

  it('checks init containers too', () => {
    const e = workloadWrite('pods', { containers: [{ name: 'app' }], initContainers: [{ name: 'setup', securityContext: { privileged: true } }] });
    expect(fire(r, e)[0].summary).toContain('privileged init container setup');
  });

  it('rates the node root filesystem and the runtime socket critical (kubectl debug node looks like this)', () => {
    const debugNode = {
      hostPID: true,
      hostNetwork: true,
      nodeName: 'ip-10-0-1-5',
      containers: [{ name: 'debugger', image: 'busybox', volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    };
    const [hit] = fire(r, workloadWrite('pods', debugNode));
    expect(hit.severity).toBe('critical');
    expect(hit.evidence).toMatchObject({ nodeName: 'ip-10-0-1-5' });
    const sock = { containers: [{ name: 'a' }], volumes: [{ name: 's', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } }] };
    expect(severity(r, workloadWrite('pods', sock))).toBe('critical');
  });

  it('says who was impersonated', () => {
    const e = workloadWrite('pods', privileged(), { extra: { impersonatedUser: { username: 'system:serviceaccount:ops:admin' } } });
    expect(fire(r, e)[0].summary).toMatch(/^alice@example.com \(as system:serviceaccount:ops:admin\) created/);
  });

  it('treats a foreign service account like a person, and anonymous as critical', () => {
    expect(severity(r, workloadWrite('pods', privileged(), { user: FOREIGN_SA }))).toBe('high');
    expect(severity(r, workloadWrite('pods', privileged(), { user: ANONYMOUS }))).toBe('critical');
  });

  it('reads the request body when the level logged no response', () => {
    expect(severity(r, workloadWrite('pods', privileged(), { level: 'Request' }))).toBe('high');
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('pods', privileged());
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, requestReceived(e))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain()))).toEqual([]);
    expect(
      fire(r, workloadWrite('pods', { containers: [{ name: 'a', securityContext: { privileged: false, capabilities: { add: ['NET_BIND_SERVICE'] } } }] })),
    ).toEqual([]);
    // Metadata level: a pod write is not suspicious in itself (system namespaces are the controller rule's).
    expect(fire(r, workloadWrite('pods', privileged(), { level: 'Metadata' }))).toEqual([]);
  });

  it("rates a controller's privileged pod for the template's unseen author (medium), a DaemonSet's as information", () => {
    const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', controller: true }] };
    const e = workloadWrite('pods', privileged(), { user: controllerSA('replicaset-controller'), name: 'web-5d4f-x7k2p', metadata: owner });
    const hits = fire(r, e);
    expect(hits.map((h) => h.severity)).toEqual(['medium']);
    const agent = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', controller: true }] };
    const fromDaemonSet = workloadWrite('pods', privileged(), { user: controllerSA('daemon-set-controller'), name: 'agent-x7k2p', metadata: agent });
    expect(fire(r, fromDaemonSet).map((h) => h.severity)).toEqual(['info']);
    expect(hits[0].summary).toContain('from ReplicaSet web-5d4f');
    // In system namespaces that is how stock node agents run: nothing at all.
    expect(fire(r, workloadWrite('pods', privileged(), { user: controllerSA('daemon-set-controller'), namespace: 'kube-system', metadata: owner }))).toEqual(
      [],
    );
  });

  it('leaves nodes (mirror pods) to their own rule', () => {
    expect(fire(r, workloadWrite('pods', privileged(), { user: NODE, namespace: 'kube-system' }))).toEqual([]);
  });

  it('never takes an update or patch of an existing pod for a new privileged pod: a pod spec is immutable', () => {
    const labels = workloadWrite('pods', privileged(), { verb: 'patch', patch: { metadata: { labels: { team: 'x' } } } });
    expect(fire(r, labels)).toEqual([]);
    expect(fire(r, workloadWrite('pods', privileged(), { verb: 'update', user: FOREIGN_SA }))).toEqual([]);
    // A person re-sending a whole privileged pod (kubectl replace, an edit of its labels) made nothing privileged.
    expect(fire(r, workloadWrite('pods', privileged(), { verb: 'update' }))).toEqual([]);
    // A patch that claims privilege the API server would refuse to apply adds none either.
    const claim = workloadWrite('pods', privileged(), {
      verb: 'patch',
      patch: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } },
    });
    expect(fire(r, claim)).toEqual([]);
  });

  it('notes (low) a patch that swaps the image of a container that already was privileged', () => {
    const swap = workloadWrite('pods', privileged('app', 'evil.example/x:1'), {
      verb: 'patch',
      patch: { spec: { containers: [{ name: 'app', image: 'evil.example/x:1' }] } },
    });
    const [hit] = fire(r, swap);
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe(
      "alice@example.com replaced an image in Pod default/web, which already ran with privileged container app; a pod's privileges cannot change after creation",
    );
    // The image of an unprivileged sibling is not news.
    const sibling = workloadWrite(
      'pods',
      { containers: [...privileged().containers, { name: 'side', image: 'evil.example/x:1' }] },
      {
        verb: 'patch',
        patch: { spec: { containers: [{ name: 'side', image: 'evil.example/x:1' }] } },
      },
    );
    expect(fire(r, sibling)).toEqual([]);
    expect(severity(r, { ...swap, user: ANONYMOUS })).toBe('critical');
  });
});

describe('workload.privileged-template', () => {
  const r = rule('workload.privileged-template');

  it.each(['deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs'])('checks the pod template of %s', (resource) => {
    const [hit] = fire(r, workloadWrite(resource, privileged()));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toContain('privileged container app');
  });

  it('catches a strategic merge patch that makes a container privileged, with no response logged', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } } } };
    const [hit] = fire(r, workloadWrite('deployments', plain(), { verb: 'patch', level: 'Request', patch }));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe('alice@example.com patched Deployment default/web with privileged container app (as far as the patch shows)');
  });

  it('catches a JSON patch that adds a privileged init container', () => {
    const patch = [
      { op: 'add', path: '/spec/template/spec/initContainers', value: [{ name: 'init', image: 'alpine', securityContext: { privileged: true } }] },
    ];
    expect(fire(r, workloadWrite('daemonsets', plain(), { verb: 'patch', level: 'Request', patch }))[0].summary).toContain('privileged init container init');
  });

  it('catches a JSON patch that adds hostPID to a CronJob template', () => {
    const patch = [{ op: 'replace', path: '/spec/jobTemplate/spec/template/spec/hostPID', value: true }];
    expect(severity(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch }))).toBe('high');
  });

  it('reads the response when logged, and rates a patch by the privilege it adds, not what was already there', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.3' }] } } } };
    const [hit] = fire(r, workloadWrite('deployments', privileged(), { verb: 'patch', patch }));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe(
      'alice@example.com patched Deployment default/web, changing what runs with privileges it already had (privileged container app); the request added none',
    );
    // The same patch adding privilege is rated for it, with the response's full view in the evidence.
    const flip = { spec: { template: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } } } };
    const [added] = fire(r, workloadWrite('deployments', privileged(), { verb: 'patch', patch: flip }));
    expect(added.severity).toBe('high');
    expect(added.evidence).toMatchObject({ setByThisPatch: ['privileged container app'], changeBasis: 'patch' });
  });

  it('resolves a JSON patch addressing containers by index against the response', () => {
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/privileged', value: true }];
    expect(severity(r, workloadWrite('daemonsets', privileged('agent'), { verb: 'patch', patch }))).toBe('high');
    // Mounting a hostPath volume the spec already declared is new host access.
    const spec = {
      containers: [{ name: 'agent', image: 'a', volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
    };
    const mount = [{ op: 'add', path: '/spec/template/spec/containers/0/volumeMounts/-', value: { name: 'root', mountPath: '/host' } }];
    expect(severity(r, workloadWrite('daemonsets', spec, { verb: 'patch', patch: mount }))).toBe('critical');
    const tag = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'a:2' }];
    expect(severity(r, workloadWrite('daemonsets', spec, { verb: 'patch', patch: tag }))).toBe('low');
  });

  it('lets a GitOps controller bump the image of an already privileged workload, but not add privilege', () => {
    const argo = {
      username: 'system:serviceaccount:argocd:argocd-application-controller',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd', 'system:authenticated'],
    };
    const bump = { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.3' }] } } } };
    expect(fire(r, workloadWrite('daemonsets', privileged(), { verb: 'patch', patch: bump, user: argo }))).toEqual([]);
    const flip = { spec: { template: { spec: { hostPID: true } } } };
    expect(severity(r, workloadWrite('daemonsets', { ...privileged(), hostPID: true }, { verb: 'patch', patch: flip, user: argo }))).toBe('high');
    // The same service account name outside Argo CD's namespace is nobody special.
    const lookalike = { ...argo, username: 'system:serviceaccount:dev:argocd-application-controller' };
    expect(severity(r, workloadWrite('daemonsets', privileged(), { verb: 'patch', patch: bump, user: lookalike }))).toBe('low');
  });

  it('judges a full update by what the log can compare, and rates it lower when it cannot', () => {
    const generation = (g: number, observed: number) => ({
      responseObject: { ...objectOf('deployments', 'default', 'web', privileged(), { generation: g }), status: { observedGeneration: observed } },
    });
    // The API server did not move the generation: the template did not change (labels, annotations).
    expect(fire(r, workloadWrite('deployments', privileged(), { verb: 'update', user: FOREIGN_SA, extra: generation(4, 4) }))).toEqual([]);
    // It moved, and nothing shows the previous object: one step lower, saying why.
    const [unknown] = fire(r, workloadWrite('deployments', privileged(), { verb: 'update', user: FOREIGN_SA, extra: generation(5, 4) }));
    expect(unknown.severity).toBe('medium');
    expect(unknown.summary).toContain('the whole object was re-sent and the log does not show the previous one');
    // kubectl's last-applied configuration in the request shows the privilege was already applied.
    const lastApplied = JSON.stringify(objectOf('deployments', 'default', 'web', privileged('app', 'registry.example.com/app:1.1')));
    const applied = workloadWrite('deployments', privileged(), {
      verb: 'update',
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
    });
    expect(severity(r, applied)).toBe('low');
    const wasPlain = JSON.stringify(objectOf('deployments', 'default', 'web', plain()));
    const escalated = workloadWrite('deployments', privileged(), {
      verb: 'update',
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': wasPlain } },
    });
    expect(severity(r, escalated)).toBe('high');
  });

  it('reads a server-side apply patch as the whole object, not as a diff', () => {
    const apply = objectOf('daemonsets', 'default', 'web', privileged());
    expect(severity(r, workloadWrite('daemonsets', privileged(), { verb: 'patch', patch: apply }))).toBe('medium');
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('deployments', privileged());
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, requestReceived(e))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain()))).toEqual([]);
    // Scaling and `kubectl rollout restart` change no pod spec.
    expect(fire(r, workloadWrite('deployments', privileged(), { verb: 'patch', patch: { spec: { replicas: 5 } } }))).toEqual([]);
    const restart = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-20T10:00:00Z' } } } } };
    expect(fire(r, workloadWrite('deployments', privileged(), { verb: 'patch', patch: restart }))).toEqual([]);
    // Status is not spec.
    expect(
      fire(r, { ...e, verb: 'update', objectRef: { resource: 'deployments', subresource: 'status', namespace: 'default', name: 'web', apiGroup: 'apps' } }),
    ).toEqual([]);
    // A custom resource that reuses the name is not read as the built-in kind.
    expect(fire(r, { ...e, objectRef: { resource: 'daemonsets', namespace: 'default', name: 'web', apiGroup: 'apps.kruise.io' } })).toEqual([]);
  });

  it('takes the deployment controller writing a ReplicaSet as baseline', () => {
    expect(fire(r, workloadWrite('replicasets', privileged(), { user: controllerSA('deployment-controller') }))).toEqual([]);
    expect(fire(r, workloadWrite('jobs', privileged(), { user: controllerSA('cronjob-controller') }))).toEqual([]);
    expect(fire(r, workloadWrite('daemonsets', privileged(), { user: { username: 'eks:addon-manager', groups: [] } }))).toEqual([]);
  });
});

describe('workload.ephemeral-container', () => {
  const r = rule('workload.ephemeral-container');
  const debugPatch = (container: Record<string, unknown>, level: WriteOptions['level'] = 'RequestResponse', user = HUMAN): Ev => {
    const pod = objectOf('pods', 'prod', 'api-0', { containers: [{ name: 'api', image: 'registry.example.com/api:1' }], ephemeralContainers: [container] });
    return auditEvent({
      level,
      verb: 'patch',
      user,
      requestURI: '/api/v1/namespaces/prod/pods/api-0/ephemeralcontainers',
      objectRef: { resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'prod', name: 'api-0', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      ...(level !== 'Metadata' ? { requestObject: { spec: { ephemeralContainers: [container] } } } : {}),
      ...(level === 'RequestResponse' ? { responseObject: pod } : {}),
    });
  };
  const debugger_ = { name: 'debugger-x2k', image: 'busybox', targetContainerName: 'api', stdin: true, tty: true };

  it('reports kubectl debug as high, naming the container, image and target', () => {
    const [hit] = fire(r, debugPatch(debugger_));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe('alice@example.com injected ephemeral container debugger-x2k (image busybox) targeting container api into Pod prod/api-0');
  });

  it('is critical when the injected container is privileged', () => {
    expect(severity(r, debugPatch({ ...debugger_, securityContext: { privileged: true } }))).toBe('critical');
    expect(severity(r, debugPatch({ ...debugger_, securityContext: { privileged: true } }, 'Request'))).toBe('critical');
  });

  it('still reports the injection when no body was logged', () => {
    const [hit] = fire(r, debugPatch(debugger_, 'Metadata'));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toContain('container spec was not logged');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, failed(debugPatch(debugger_)))).toEqual([]);
    expect(fire(r, dryRun(debugPatch(debugger_)))).toEqual([]);
    expect(fire(r, debugPatch(debugger_, 'RequestResponse', { username: 'system:kube-controller-manager', groups: [] }))).toEqual([]);
    expect(fire(r, { ...debugPatch(debugger_), verb: 'get', requestObject: undefined })).toEqual([]);
  });
});
