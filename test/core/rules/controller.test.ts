import type { Rule } from '../../../lambdas/core/detect/rule';
import { controllerRules } from '../../../lambdas/core/rules/controller';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { nearMisses, reaches, request, users } from './support/requests';
import { FOREIGN_SA, HUMAN, NODE, controllerSA, dryRun, failed, fire, plain, privileged, ruleById, severity, workloadWrite } from './support/workloads';

const rule = (id: string): Rule => ruleById(controllerRules, id);

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
    volumes: [
      { name: 'etcd-data', hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' } },
      { name: 'certs', hostPath: { path: '/etc/kubernetes/pki/etcd' } },
    ],
  };
  const mirrorPod = (spec: Record<string, unknown>, namespace = 'kube-system', user: Record<string, unknown> = NODE) =>
    workloadWrite('pods', spec, { namespace, user, name: `x-${node}`, metadata: mirror });

  it("takes the control plane's static pods as baseline", () => {
    expect(fire(r, mirrorPod(etcd))).toEqual([]);
  });

  it('reports a privileged static pod, one outside system namespaces, and one bound to another node', () => {
    expect(severity(r, mirrorPod({ ...privileged(), nodeName: node }))).toBe('medium');
    expect(severity(r, mirrorPod({ ...plain(), nodeName: node }, 'default'))).toBe('medium');
    const [hit] = fire(r, mirrorPod({ ...plain(), nodeName: node, volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'default'));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      `node ${node} registered static pod Pod default/x-${node}: outside the system namespaces, hostPath / (the node's root filesystem)`,
    );
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
    const object = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', ...spec },
    };
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
  const urlWebhook = {
    conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://203.0.113.9/convert' }, conversionReviewVersions: ['v1'] } },
  };

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

describe('controller.gitops-source', () => {
  const r = rule('controller.gitops-source');
  const argoCD = users.serviceAccount('argocd', 'argocd-application-controller');
  const application = (destination: string, repoURL = 'https://github.com/evil/payload.git'): Ev => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'monitoring', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL, path: 'manifests', targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: destination },
    },
  });
  const write = (resource: string, apiGroup: string, body: Ev | undefined, fields: { verb?: string; user?: Ev; namespace?: string; name?: string } = {}): Ev =>
    request({
      verb: fields.verb ?? 'create',
      resource,
      apiGroup,
      namespace: fields.namespace ?? 'argocd',
      name: fields.name ?? 'monitoring',
      user: fields.user,
      ...(body === undefined ? {} : fields.verb === 'patch' ? { requestObject: body, level: 'Request' } : { requestObject: body, responseObject: body }),
    });

  it('rates a person creating an Argo CD Application that deploys into kube-system high, and names the source', () => {
    const event = write('applications', 'argoproj.io', application('kube-system', 'https://ghp_secret@github.com/evil/payload.git'));
    expect(reaches(r, event)).toBe(true);
    const [hit] = fire(r, event);
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created Application argocd/monitoring from https://github.com/evil/payload.git: deploys into system namespace kube-system',
      evidence: { sources: ['https://github.com/evil/payload.git'], reach: ['deploys into system namespace kube-system'] },
    });
  });

  it('rates an Application into an ordinary namespace medium, and low when the GitOps controller wrote it (app-of-apps)', () => {
    expect(severity(r, write('applications', 'argoproj.io', application('shop')))).toBe('medium');
    expect(severity(r, write('applications', 'argoproj.io', application('shop'), { user: argoCD }))).toBe('low');
    expect(severity(r, write('applications', 'argoproj.io', application('kube-system'), { user: argoCD }))).toBe('medium');
  });

  it('rates an AppProject opened to any source and any cluster-scoped resource high', () => {
    const project = { spec: { sourceRepos: ['*'], destinations: [{ namespace: '*', server: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] } };
    const [hit] = fire(r, write('appprojects', 'argoproj.io', project, { name: 'ops' }));
    expect(hit.severity).toBe('high');
    expect(hit.evidence).toMatchObject({
      reach: ['allows any source repository', 'allows every destination namespace', 'allows any cluster-scoped resource (RBAC, webhooks, CRDs)'],
    });
  });

  it('rates a Flux Kustomization with no service account high: it applies with the controller cluster-admin rights', () => {
    const kustomization = { spec: { sourceRef: { kind: 'GitRepository', name: 'infra' }, path: './clusters/prod', prune: true } };
    const [hit] = fire(r, write('kustomizations', 'kustomize.toolkit.fluxcd.io', kustomization, { namespace: 'flux-system', name: 'infra' }));
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      "alice@example.com created Kustomization flux-system/infra from GitRepository/infra ./clusters/prod: applies with the kustomize-controller's own rights (cluster-admin in a default install)",
    );
    const tenant = { spec: { ...kustomization.spec, serviceAccountName: 'tenant-a', targetNamespace: 'tenant-a' } };
    expect(severity(r, write('kustomizations', 'kustomize.toolkit.fluxcd.io', tenant, { namespace: 'tenant-a', name: 'apps' }))).toBe('medium');
  });

  it('reports re-pointing a GitRepository by patch, high for the one Flux reconciles itself from', () => {
    const patch = { spec: { url: 'https://github.com/evil/fleet.git' } };
    const event = write('gitrepositories', 'source.toolkit.fluxcd.io', patch, { verb: 'patch', namespace: 'flux-system', name: 'flux-system' });
    const [hit] = fire(r, event);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      'alice@example.com patched GitRepository flux-system/flux-system from https://github.com/evil/fleet.git: is the source Flux reconciles itself from',
    );
  });

  it('reports a creation whose body was not logged as medium', () => {
    const [hit] = fire(r, write('helmreleases', 'helm.toolkit.fluxcd.io', undefined, { namespace: 'flux-system', name: 'x' }));
    expect(hit).toMatchObject({ severity: 'medium', summary: 'alice@example.com created HelmRelease flux-system/x; body not logged' });
  });

  it.each<[string, Ev]>([
    ['a patch changes only the sync policy', write('applications', 'argoproj.io', { spec: { syncPolicy: { automated: {} } } }, { verb: 'patch' })],
    [
      'the Argo CD controller updates its Application (status, operation)',
      write('applications', 'argoproj.io', application('kube-system'), { verb: 'update', user: argoCD }),
    ],
    ['an Application of another API group (app.k8s.io)', write('applications', 'app.k8s.io', application('kube-system'))],
    ['a GitOps object is deleted', write('applications', 'argoproj.io', undefined, { verb: 'delete' })],
    ...nearMisses(write('applications', 'argoproj.io', application('kube-system'))),
  ])('raises nothing when %s', (_why, event) => {
    expect(fire(r, event)).toEqual([]);
  });
});
