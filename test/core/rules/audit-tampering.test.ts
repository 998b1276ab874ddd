import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import { controlsOf, unresolvedReferences } from '../../../lambdas/core/compliance/controls';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import { viewOf } from '../../../lambdas/core/detect/event-view';
import type { Rule } from '../../../lambdas/core/detect/rule';
import { isExternal } from '../../../lambdas/core/detect/rule';
import type { Finding } from '../../../lambdas/core/finding';
import type { EksClusterConfigCall } from '../../../lambdas/core/rules/audit-tampering';
import {
  auditTamperingRules,
  durationText,
  eksAuditLoggingDisabledFinding,
  logObjectDeletedFinding,
  logSilenceFinding,
} from '../../../lambdas/core/rules/audit-tampering';
import { EVENT_RULES, EXTERNAL_DETECTIONS, RULES, interestOf } from '../../../lambdas/core/rules';
import { CompiledInterest } from '../../../lambdas/core/read/interest';
import type { ReadEvent } from '../../../lambdas/core/read/parser';
import { emptyStats } from '../../../lambdas/core/read/stats';
import { auditEvent } from '../../helpers/events';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';

const rule = (id: string): Rule => {
  const found = auditTamperingRules.find((d): d is Rule => !isExternal(d) && d.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

const r = rule('audit-tampering.policy-changed');
const admin = { username: 'mallory@example.com', groups: ['platform-admins', 'system:authenticated'] };
const node = { username: 'system:node:cp-1', groups: ['system:nodes', 'system:authenticated'] };
const namespaceController = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };

const POLICY_YAML = [
  'apiVersion: audit.k8s.io/v1',
  'kind: Policy',
  'omitStages:',
  '  - "RequestReceived"',
  'rules:',
  '  - level: RequestResponse',
  '    resources:',
  '    - group: ""',
  '      resources: ["pods"]',
  '  - level: Metadata',
  '    resources:',
  '    - group: ""',
  '      resources: ["secrets", "configmaps"]',
  '  - level: Request',
  '',
].join('\n');
const LOGS_NOTHING = ['apiVersion: audit.k8s.io/v1', 'kind: Policy', 'rules:', '  - level: None', ''].join('\n');
const MOSTLY_NOTHING = [
  'apiVersion: audit.k8s.io/v1',
  'kind: Policy',
  'rules:',
  '  - level: Metadata',
  '    resources:',
  '    - group: ""',
  '      resources: ["secrets"]',
  '  - level: None',
  '',
].join('\n');

/** A ConfigMap write at RequestResponse level, as the API server logs it. */
function configMapWrite(namespace: string, name: string, data: Record<string, string> | undefined, overrides: Ev = {}): Ev {
  const verb = (overrides.verb as string | undefined) ?? 'update';
  const object = data && { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace, resourceVersion: '4711' }, data };
  return auditEvent({
    level: 'RequestResponse',
    verb,
    user: admin,
    requestURI: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    objectRef: { resource: 'configmaps', namespace, name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    ...(object ? { requestObject: object, responseObject: object } : {}),
    ...overrides,
  });
}

const deleteConfigMap = (namespace: string, name: string, overrides: Ev = {}): Ev =>
  auditEvent({
    verb: 'delete',
    user: admin,
    requestURI: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    objectRef: { resource: 'configmaps', namespace, name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, status: 'Success', code: 200 },
    ...overrides,
  });

/** kubeadm's kube-apiserver manifest, with audit logging set up as CIS asks. */
const KUBEADM_FLAGS = [
  'kube-apiserver',
  '--advertise-address=10.0.0.10',
  '--allow-privileged=true',
  '--authorization-mode=Node,RBAC',
  '--client-ca-file=/etc/kubernetes/pki/ca.crt',
  '--enable-admission-plugins=NodeRestriction',
  '--etcd-servers=https://127.0.0.1:2379',
  '--audit-policy-file=/etc/kubernetes/audit/policy.yaml',
  '--audit-log-path=/var/log/kubernetes/audit/audit.log',
  '--audit-log-maxage=30',
  '--audit-log-maxbackup=10',
  '--audit-log-maxsize=100',
  '--secure-port=6443',
  '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
  '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
  '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
];

const without = (...prefixes: string[]): string[] => KUBEADM_FLAGS.filter((f) => !prefixes.some((p) => f.startsWith(p)));

function apiServerPod(command: string[], overrides: Ev = {}, extra: { args?: string[] } = {}): Ev {
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: 'kube-apiserver-cp-1',
      namespace: 'kube-system',
      labels: { component: 'kube-apiserver', tier: 'control-plane' },
      annotations: { 'kubernetes.io/config.mirror': '6b5d1c0f', 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.hash': '6b5d1c0f' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'cp-1', uid: 'c0ffee', controller: true }],
    },
    spec: {
      nodeName: 'cp-1',
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'kube-apiserver',
          image: 'registry.k8s.io/kube-apiserver:v1.31.2',
          command,
          ...(extra.args ? { args: extra.args } : {}),
          volumeMounts: [{ name: 'audit', mountPath: '/etc/kubernetes/audit', readOnly: true }],
        },
      ],
      volumes: [{ name: 'audit', hostPath: { path: '/etc/kubernetes/audit', type: 'DirectoryOrCreate' } }],
    },
  };
  return auditEvent({
    level: 'RequestResponse',
    verb: 'create',
    user: node,
    userAgent: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46',
    sourceIPs: ['10.0.0.10'],
    requestURI: '/api/v1/namespaces/kube-system/pods',
    objectRef: { resource: 'pods', namespace: 'kube-system', name: 'kube-apiserver-cp-1', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: pod,
    responseObject: pod,
    ...overrides,
  });
}

const failed = (e: Ev): Ev => ({ ...e, responseStatus: { metadata: {}, code: 403 }, responseObject: undefined });
const dryRun = (e: Ev): Ev => ({ ...e, requestURI: `${String(e.requestURI)}?dryRun=All` });
const received = (e: Ev): Ev => ({ ...e, stage: 'RequestReceived', responseStatus: undefined, responseObject: undefined });
const metadataOnly = (e: Ev): Ev => ({ ...e, level: 'Metadata', requestObject: undefined, responseObject: undefined });

describe('audit-tampering.policy-changed: the audit policy in a ConfigMap', () => {
  it('raises an update of the kube-system audit policy, saying what the policy now holds', () => {
    const hits = hitsOf(r, configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': POLICY_YAML }));
    expect(hits).toEqual([
      expect.objectContaining({
        severity: 'high',
        summary: 'mallory@example.com updated ConfigMap kube-system/audit-policy: key policy.yaml holds an audit policy of 3 rules',
      }),
    ]);
    expect(hits[0].evidence).toEqual({ policies: [{ key: 'policy.yaml', rules: 3 }] });
  });

  it('raises a policy that logs nothing as critical, and one that stops logging most requests as high', () => {
    const off = hitsOf(r, configMapWrite('kube-system', 'audit-policy', { 'audit-policy.yaml': LOGS_NOTHING }));
    expect(off).toEqual([expect.objectContaining({ severity: 'critical' })]);
    expect(off[0].summary).toBe(
      'mallory@example.com updated ConfigMap kube-system/audit-policy: the policy in key audit-policy.yaml logs nothing (its first rule sets level None for every request)',
    );
    expect(off[0].evidence).toEqual({ policyKeys: ['audit-policy.yaml'], policies: [{ key: 'audit-policy.yaml', rules: 1, catchAllNone: 0 }] });
    const mostly = hitsOf(r, configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': MOSTLY_NOTHING }));
    expect(mostly).toEqual([expect.objectContaining({ severity: 'high' })]);
    expect(mostly[0].summary).toContain('stops logging every request its first 1 rule do not match');
  });

  it('recognizes a policy by its body in any namespace and under any name (hosted control planes)', () => {
    const json = JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [] });
    const hits = hitsOf(
      r,
      configMapWrite(
        'clusters-prod',
        'kas-config',
        { 'config.json': '{}', 'policy.json': json },
        { verb: 'patch', requestObject: { data: { 'policy.json': json } }, responseObject: undefined },
      ),
    );
    expect(hits).toEqual([
      expect.objectContaining({
        severity: 'critical',
        summary: 'mallory@example.com patched ConfigMap clusters-prod/kas-config: the policy in key policy.json has no rules: the API server logs nothing',
      }),
    ]);
  });

  it('recognizes a policy by a data key such as audit.yaml, and an emptied policy key', () => {
    expect(severityOf(r, configMapWrite('monitoring', 'apiserver', { 'audit.yaml': POLICY_YAML }))).toBe('high');
    const emptied = hitsOf(r, configMapWrite('kube-system', 'apiserver-config', { 'audit-policy.yaml': '' }));
    expect(emptied).toEqual([
      expect.objectContaining({
        severity: 'high',
        summary: 'mallory@example.com updated ConfigMap kube-system/apiserver-config, key audit-policy.yaml no longer holds a readable audit policy',
      }),
    ]);
  });

  it('raises a deletion as critical, from the name alone (Metadata level)', () => {
    const hits = hitsOf(r, deleteConfigMap('kube-system', 'audit-policy'));
    expect(hits).toEqual([
      expect.objectContaining({
        severity: 'critical',
        summary:
          "mallory@example.com deleted ConfigMap kube-system/audit-policy, which by its name holds the API server's audit policy: the policy it mounts is gone",
      }),
    ]);
    expect(severityOf(r, deleteConfigMap('shoot--prod--eu', 'audit-policy-config'))).toBe('critical');
  });

  it('raises a write whose body was not logged by the name, saying what is missing', () => {
    const hits = hitsOf(r, metadataOnly(configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': POLICY_YAML })));
    expect(hits).toEqual([expect.objectContaining({ severity: 'high' })]);
    expect(hits[0].summary).toBe(
      'mallory@example.com updated ConfigMap kube-system/audit-policy, body not logged (audit level Metadata recorded no request body)',
    );
  });

  it('takes `audit` as a word in a kube-system name as a policy name, but not elsewhere', () => {
    expect(severityOf(r, configMapWrite('kube-system', 'apiserver-audit', { 'webhook.yaml': 'apiVersion: v1\nkind: Config\n' }))).toBe('high');
    expect(hitsOf(r, configMapWrite('payments', 'audit-service-settings', { 'settings.yaml': 'retentionDays: 90\n' }))).toEqual([]);
  });

  it('is quiet on other kube-system ConfigMaps and on near misses', () => {
    expect(
      hitsOf(
        r,
        configMapWrite('kube-system', 'coredns', {
          Corefile: '.:53 {\n    errors\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n}\n',
        }),
      ),
    ).toEqual([]);
    expect(
      hitsOf(
        r,
        configMapWrite('kube-system', 'kube-proxy', {
          'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n',
        }),
      ),
    ).toEqual([]);
    expect(hitsOf(r, deleteConfigMap('kube-system', 'kubeadm-config'))).toEqual([]);
    // A NetworkPolicy-like document is not an audit policy.
    expect(hitsOf(r, configMapWrite('default', 'manifests', { 'np.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n' }))).toEqual([]);
    const policy = configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': LOGS_NOTHING });
    expect(hitsOf(r, failed(policy))).toEqual([]);
    expect(hitsOf(r, dryRun(policy))).toEqual([]);
    expect(hitsOf(r, received(policy))).toEqual([]);
    // The control plane's own: the namespace controller emptying a deleted namespace.
    expect(hitsOf(r, deleteConfigMap('tenant-a', 'audit-policy', { user: namespaceController }))).toEqual([]);
    // A label-only patch changes nothing the API server reads.
    expect(
      hitsOf(
        r,
        configMapWrite('kube-system', 'audit-policy', undefined, {
          verb: 'patch',
          level: 'Request',
          requestObject: { metadata: { labels: { owner: 'platform' } } },
        }),
      ),
    ).toEqual([]);
    // A creation is how a policy is first set up.
    expect(
      hitsOf(
        r,
        configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': LOGS_NOTHING }, { verb: 'create', responseStatus: { metadata: {}, code: 201 } }),
      ),
    ).toEqual([]);
  });

  it('raises an anonymous write as critical', () => {
    expect(
      severityOf(
        r,
        configMapWrite(
          'kube-system',
          'audit-policy',
          { 'policy.yaml': POLICY_YAML },
          { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } },
        ),
      ),
    ).toBe('critical');
  });
});

describe('audit-tampering.policy-changed: the API server audit flags of its static pod', () => {
  it('is quiet on a kube-apiserver mirror pod that keeps its audit flags, created or updated', () => {
    expect(hitsOf(r, apiServerPod(KUBEADM_FLAGS))).toEqual([]);
    const update = apiServerPod(KUBEADM_FLAGS, {
      verb: 'update',
      requestURI: '/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1',
      responseStatus: { metadata: {}, code: 200 },
    });
    expect(hitsOf(r, update)).toEqual([]);
    // `--flag value` pairs in args, as other distributions write them.
    expect(hitsOf(r, apiServerPod(['kube-apiserver'], {}, { args: KUBEADM_FLAGS.slice(1).flatMap((f) => f.split('=')) }))).toEqual([]);
    // A pod of another name, or outside kube-system, is not the API server's static pod.
    expect(
      hitsOf(
        r,
        apiServerPod(without('--audit-'), {
          objectRef: { resource: 'pods', namespace: 'kube-system', name: 'kube-controller-manager-cp-1', apiVersion: 'v1' },
        }),
      ),
    ).toEqual([]);
    expect(
      hitsOf(r, apiServerPod(without('--audit-'), { objectRef: { resource: 'pods', namespace: 'tools', name: 'kube-apiserver-test', apiVersion: 'v1' } })),
    ).toEqual([]);
  });

  it('raises a mirror pod with no audit backend as critical, with the audit flags as evidence', () => {
    const hits = hitsOf(r, apiServerPod(without('--audit-')));
    expect(hits).toEqual([
      expect.objectContaining({
        severity: 'critical',
        summary:
          'system:node:cp-1 registered pod kube-system/kube-apiserver-cp-1, which runs the API server with no audit backend (neither --audit-log-path nor --audit-webhook-config-file): audit logging is off',
      }),
    ]);
    expect(hits[0].evidence).toEqual({ container: 'kube-apiserver', auditFlags: {}, problems: [expect.stringContaining('no audit backend')] });
  });

  it('raises a dropped --audit-policy-file and a log path of /dev/null as critical', () => {
    const noPolicy = hitsOf(r, apiServerPod(without('--audit-policy-file')));
    expect(noPolicy).toEqual([expect.objectContaining({ severity: 'critical' })]);
    expect(noPolicy[0].summary).toContain('no --audit-policy-file: without a policy the API server logs no events');
    const devNull = hitsOf(r, apiServerPod([...without('--audit-log-path'), '--audit-log-path=/dev/null']));
    expect(devNull).toEqual([expect.objectContaining({ severity: 'critical' })]);
    expect(devNull[0].summary).toContain('--audit-log-path=/dev/null: the audit log is thrown away');
    // A webhook backend alone is audit logging too.
    expect(hitsOf(r, apiServerPod([...without('--audit-log-'), '--audit-webhook-config-file=/etc/kubernetes/audit/webhook.kubeconfig']))).toEqual([]);
  });

  it('raises on-node retention below the CIS values as medium, and takes 0 as no limit', () => {
    const short = hitsOf(r, apiServerPod([...without('--audit-log-maxage', '--audit-log-maxbackup'), '--audit-log-maxage=1', '--audit-log-maxbackup=1']));
    expect(short).toEqual([expect.objectContaining({ severity: 'medium' })]);
    expect(short[0].summary).toBe(
      'system:node:cp-1 registered pod kube-system/kube-apiserver-cp-1, which runs the API server with --audit-log-maxage=1 keeps less than the 30 days CIS recommends (and 1 more)',
    );
    expect(short[0].evidence).toMatchObject({
      auditFlags: { 'audit-log-maxage': '1', 'audit-log-maxbackup': '1', 'audit-log-path': '/var/log/kubernetes/audit/audit.log' },
    });
    expect(hitsOf(r, apiServerPod([...without('--audit-log-maxage'), '--audit-log-maxage=0']))).toEqual([]);
  });

  it('reads a shell command line', () => {
    const shell = ['/bin/sh', '-c', without('--audit-').join(' ')];
    expect(severityOf(r, apiServerPod(shell))).toBe('critical');
    expect(hitsOf(r, apiServerPod(['/bin/sh', '-c', KUBEADM_FLAGS.join(' ')]))).toEqual([]);
  });

  it('says low when the level logged no body, on a creation only', () => {
    const hits = hitsOf(r, metadataOnly(apiServerPod(KUBEADM_FLAGS)));
    expect(hits).toEqual([expect.objectContaining({ severity: 'low' })]);
    expect(hits[0].summary).toBe(
      'system:node:cp-1 registered pod kube-system/kube-apiserver-cp-1: the API server restarted from a new manifest; its audit flags are not logged (audit level Metadata recorded no request body)',
    );
    expect(hitsOf(r, metadataOnly(apiServerPod(KUBEADM_FLAGS, { verb: 'update' })))).toEqual([]);
  });

  it('is quiet on failed, dry-run and early-stage requests and status updates', () => {
    const off = apiServerPod(without('--audit-'));
    expect(hitsOf(r, failed(off))).toEqual([]);
    expect(hitsOf(r, dryRun(off))).toEqual([]);
    expect(hitsOf(r, received(off))).toEqual([]);
    expect(
      hitsOf(r, {
        ...off,
        verb: 'patch',
        objectRef: { resource: 'pods', subresource: 'status', namespace: 'kube-system', name: 'kube-apiserver-cp-1', apiVersion: 'v1' },
      }),
    ).toEqual([]);
  });
});

describe('the pre-check and the engine', () => {
  const interest = new CompiledInterest(interestOf(EVENT_RULES));
  const raw = (e: Ev): string => JSON.stringify(e);
  /** Whether the reader's pre-check lets the event through to the rules. */
  const passes = (e: Ev): boolean => {
    const text = raw(e);
    const ref = e.objectRef as { resource?: string; subresource?: string };
    return interest.matches(e.verb as string, ref.resource ?? '', ref.subresource ?? '', (i) => text.includes(interest.substrings[i]));
  };

  it('lets the events the rule raises through, and not every ConfigMap update', () => {
    expect(passes(configMapWrite('kube-system', 'audit-policy', { 'policy.yaml': POLICY_YAML }))).toBe(true);
    expect(passes(deleteConfigMap('kube-system', 'audit'))).toBe(true);
    expect(passes(configMapWrite('monitoring', 'apiserver', { 'audit.yaml': POLICY_YAML }))).toBe(true);
    expect(passes(configMapWrite('clusters-prod', 'kas-config', { 'p.json': JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy' }) }))).toBe(true);
    expect(passes(apiServerPod(without('--audit-')))).toBe(true);
    expect(passes(configMapWrite('kube-system', 'coredns', { Corefile: '.:53 {}' }))).toBe(false);
  });

  it('turns a hit into a finding in the audit-tampering category with its controls', async () => {
    const findings = await new DetectionEngine(EVENT_RULES).analyze({
      event: deleteConfigMap('kube-system', 'audit-policy') as unknown as AuditEvent,
      cluster: 'prod-eu',
      offset: 0,
      line: 1,
      truncated: false,
    });
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'audit-tampering.policy-changed',
        category: 'audit-tampering',
        severity: 'critical',
        cluster: 'prod-eu',
        attack: ['T1562.008'],
      }),
    ]);
    expect(controlsOf(r).map((c) => c.id)).toEqual([
      'CIS-3.2.1',
      'CIS-3.2.2',
      'CIS-1.2.16',
      'CIS-1.2.17',
      'CIS-1.2.18',
      'CIS-1.2.19',
      'NSA-CISA:logging-threat-detection',
      'T1562.008',
    ]);
  });
});

describe('the detections outside the audit log', () => {
  const outside = auditTamperingRules.filter(isExternal);

  it('are in the registry with their metadata and controls, and never reach the engine', () => {
    expect(outside.map((d) => [d.id, d.severity])).toEqual([
      ['audit-tampering.log-object-deleted', 'critical'],
      ['audit-tampering.log-silence', 'high'],
      ['audit-tampering.eks-audit-logging-disabled', 'critical'],
    ]);
    for (const d of outside) {
      expect(RULES).toContain(d);
      expect(EXTERNAL_DETECTIONS).toContain(d);
      expect(EVENT_RULES).not.toContain(d);
      // Metadata only: nothing the reader or the engine could run (the type forbids both).
      expect(['interest' in d, 'evaluate' in d, 'observe' in d]).toEqual([false, false, false]);
      expect(unresolvedReferences(d)).toEqual([]);
      expect(controlsOf(d).some((c) => c.framework === 'NSA-CISA')).toBe(true);
    }
  });

  it('build a deleted log object finding from an S3 removal, the same for the same notification', () => {
    const removal = {
      bucket: 'audit-logs',
      key: 'clusters/prod-eu/2026/11/20/10/audit-1.json.gz',
      eventName: 'ObjectRemoved:Delete',
      eventTime: '2026-11-20T10:42:07.311Z',
      versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      sequencer: '0066F1A2B3C4D5E6F7',
      principalId: 'AWS:AROAEXAMPLEROLEID:mallory',
      sourceIPAddress: '198.51.100.23',
      cluster: 'prod-eu',
    };
    const finding = logObjectDeletedFinding(removal);
    expect(finding).toEqual({
      ruleId: 'audit-tampering.log-object-deleted',
      fingerprint: expect.stringMatching(/^[\w-]{22}$/) as unknown,
      category: 'audit-tampering',
      severity: 'critical',
      title: 'Audit log object deleted from the log bucket',
      summary: `AWS:AROAEXAMPLEROLEID:mallory permanently deleted version 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY of audit log object s3://audit-logs/${removal.key} from 198.51.100.23`,
      auditID: expect.stringMatching(/^s3-removal-[0-9a-f]{32}$/) as unknown,
      time: '2026-11-20T10:42:07.311Z',
      cluster: 'prod-eu',
      actor: { username: 'AWS:AROAEXAMPLEROLEID:mallory', sourceIPs: ['198.51.100.23'] },
      target: { resource: 's3-objects', namespace: 'audit-logs', name: removal.key },
      verb: 'delete',
      attack: ['T1070'],
      controls: ['NSA-CISA-k8s: Audit logging and threat detection', 'CIS-EKS-2.1.2'],
      evidence: {
        bucket: 'audit-logs',
        key: removal.key,
        versionId: removal.versionId,
        eventName: 'ObjectRemoved:Delete',
        sourceIPAddress: '198.51.100.23',
        sequencer: '0066F1A2B3C4D5E6F7',
      },
    });
    expect(logObjectDeletedFinding(removal).auditID).toBe(finding.auditID);
    expect(logObjectDeletedFinding({ ...removal, sequencer: '0066F1A2B3C4D5E6F8' }).auditID).not.toBe(finding.auditID);
    const marker = logObjectDeletedFinding({ ...removal, eventName: 'ObjectRemoved:DeleteMarkerCreated', versionId: 'marker-1' });
    expect(marker.summary).toContain('a delete marker now hides it (its earlier versions can still be restored)');
    expect(logObjectDeletedFinding({ bucket: 'b', key: 'k', eventName: 'ObjectRemoved:Delete', eventTime: '2026-11-20T10:00:00Z' }).summary).toBe(
      '(unknown principal) deleted audit log object s3://b/k',
    );
  });

  it('build one silence finding per cluster and silence start, whenever the check runs', () => {
    const silence = { cluster: 'prod-eu', since: '2026-11-20T10:00:00.000Z', neverSeen: false, checkedAt: '2026-11-20T10:31:00.000Z', thresholdMinutes: 30 };
    const first = logSilenceFinding(silence);
    expect(first).toMatchObject({
      ruleId: 'audit-tampering.log-silence',
      severity: 'high',
      time: '2026-11-20T10:00:00.000Z',
      cluster: 'prod-eu',
      target: { resource: 'audit-logs', name: 'prod-eu' },
      summary: 'no audit log object from cluster prod-eu since 2026-11-20T10:00:00.000Z (31 min at 2026-11-20T10:31:00.000Z; threshold 30 min)',
      evidence: { silentMinutes: 31, neverSeen: false },
    });
    const later = logSilenceFinding({ ...silence, checkedAt: '2026-11-20T10:36:00.000Z' });
    expect([later.auditID, later.time]).toEqual([first.auditID, first.time]);
    expect(logSilenceFinding({ ...silence, since: '2026-11-20T12:00:00.000Z' }).auditID).not.toBe(first.auditID);
    expect(logSilenceFinding({ ...silence, neverSeen: true }).summary).toContain('since the watchdog started expecting it');
    expect([durationText(47), durationText(125), durationText(3000)]).toEqual(['47 min', '2 h 5 min', '2 d 2 h']);
  });

  it('build an EKS finding only for a successful call that switches the audit type off', () => {
    const call: EksClusterConfigCall = {
      eventID: '5f2a7c1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      eventTime: '2026-11-20T10:15:00Z',
      cluster: 'prod-eu',
      clusterLogging: [{ types: ['api', 'audit'], enabled: false }],
      actor: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory',
      sourceIPAddress: '198.51.100.23',
      userAgent: 'aws-cli/2.17.0',
    };
    expect(eksAuditLoggingDisabledFinding(call)).toMatchObject({
      ruleId: 'audit-tampering.eks-audit-logging-disabled',
      severity: 'critical',
      auditID: call.eventID,
      time: call.eventTime,
      cluster: 'prod-eu',
      actor: { username: call.actor, sourceIPs: ['198.51.100.23'], userAgent: 'aws-cli/2.17.0' },
      target: { resource: 'eks-clusters', name: 'prod-eu' },
      summary: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory switched off audit logging (api, audit) of EKS cluster prod-eu from 198.51.100.23',
      evidence: { disabledTypes: ['api', 'audit'] },
    });
    expect(eksAuditLoggingDisabledFinding({ ...call, clusterLogging: [{ types: ['audit'], enabled: true }] })).toBeUndefined();
    expect(
      eksAuditLoggingDisabledFinding({
        ...call,
        clusterLogging: [
          { types: ['api', 'scheduler'], enabled: false },
          { types: ['audit'], enabled: true },
        ],
      }),
    ).toBeUndefined();
    expect(eksAuditLoggingDisabledFinding({ ...call, errorCode: 'AccessDeniedException' })).toBeUndefined();
    expect(eksAuditLoggingDisabledFinding({ ...call, clusterLogging: undefined })).toBeUndefined();
  });
});

// --- an event too large to read -------------------------------------------------------------

const RULE = 'audit-tampering.oversize-event';
const SIZE = 5 * 1024 * 1024;

/** What the reader keeps of an oversize document: the fields the API server writes before the bodies. */
function head(overrides: Ev = {}): Ev {
  const { requestReceivedTimestamp: _r, stageTimestamp: _s, annotations: _a, ...rest } = auditEvent({ level: 'RequestResponse', ...overrides });
  return rest;
}

const write = (resource: string, extra: Ev = {}): Ev =>
  head({
    verb: 'create',
    requestURI: `/apis/x/v1/${resource}`,
    objectRef: { resource, namespace: 'team-a', name: 'big' },
    responseStatus: { code: 201 },
    ...extra,
  });

/** `oversize` null: an event that fit. */
function read(event: Ev, oversize: number | null = SIZE, line = 1): ReadEvent {
  return { event: event as unknown as AuditEvent, offset: 0, line, truncated: false, ...(oversize !== null ? { oversize } : {}) };
}

async function analyzeAll(events: ReadEvent[]): Promise<Finding[]> {
  const engine = new DetectionEngine(EVENT_RULES);
  const stats = emptyStats();
  const out: Finding[] = [];
  for (const e of events) out.push(...(await engine.analyze(e, stats)));
  return out;
}

const oversize = async (event: Ev, size: number | null = SIZE): Promise<Finding | undefined> =>
  (await analyzeAll([read(event, size)])).find((f) => f.ruleId === RULE);

describe('audit-tampering.oversize-event', () => {
  it('names who did what to which object, that the body was too large, and rates a write to RBAC high', async () => {
    const f = await oversize(
      write('clusterrolebindings', { objectRef: { resource: 'clusterrolebindings', name: 'pwn', apiGroup: 'rbac.authorization.k8s.io' } }),
    );
    expect(f).toMatchObject({
      severity: 'high',
      category: 'audit-tampering',
      summary: 'alice@example.com created clusterrolebindings pwn; the audit event was too large to read (at least 5.0 MiB), so its body was not checked',
      target: { resource: 'clusterrolebindings', name: 'pwn' },
      evidence: { oversizeBytes: SIZE, verb: 'create', code: 201, reasons: ['a write to RBAC'] },
    });
    expect(f?.evidence.missingEvidence).toBe(`the event was over the reader's size limit (at least ${SIZE} bytes): its bodies were not read`);
  });

  it.each([
    ['pods', 'workloads'],
    ['daemonsets', 'workloads'],
    ['mutatingwebhookconfigurations', 'admission control'],
    ['customresourcedefinitions', 'API extensions'],
    ['secrets', 'credentials'],
    ['serviceaccounts', 'credentials'],
    ['certificatesigningrequests', 'credentials'],
    ['nodes', 'nodes'],
  ])('rates a successful write to %s high', async (resource, what) => {
    expect(await oversize(write(resource))).toMatchObject({ severity: 'high', evidence: { reasons: [`a write to ${what}`] } });
  });

  it('rates a write to a kube-system ConfigMap high (aws-auth, audit policies), elsewhere medium', async () => {
    expect((await oversize(write('configmaps', { objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' } })))?.severity).toBe('high');
    expect((await oversize(write('configmaps')))?.severity).toBe('medium');
  });

  it('rates another write medium, a status update medium, and a read low', async () => {
    expect((await oversize(write('widgets.example.com')))?.severity).toBe('medium');
    expect(
      (await oversize(write('pods', { verb: 'patch', objectRef: { resource: 'pods', subresource: 'status', namespace: 'a', name: 'p' } })))?.severity,
    ).toBe('medium');
    expect(await oversize(head({ verb: 'list', objectRef: { resource: 'secrets' } }))).toMatchObject({
      severity: 'low',
      summary: expect.stringMatching(/^alice@example\.com listed secrets; the audit event/) as unknown,
    });
  });

  it('raises an unnamed actor one step and an anonymous one to critical; the control plane is info', async () => {
    const { user: _u, ...nobody } = write('configmaps');
    expect(await oversize(nobody)).toMatchObject({ severity: 'high', summary: expect.stringMatching(/^\(unknown user\) created/) as unknown });
    expect((await oversize(write('configmaps', { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })))?.severity).toBe('critical');
    expect((await oversize(write('pods', { user: { username: 'system:kube-controller-manager' } })))?.severity).toBe('info');
  });

  it('raises nothing for a failed or dry-run request, an earlier stage, or an event that fit', async () => {
    expect(await oversize(write('clusterroles', { responseStatus: { code: 403 } }))).toBeUndefined();
    expect(await oversize(write('clusterroles', { requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles?dryRun=All' }))).toBeUndefined();
    expect(await oversize(write('clusterroles', { stage: 'RequestReceived' }))).toBeUndefined();
    expect(await oversize(auditEvent({ verb: 'create', objectRef: { resource: 'clusterroles', name: 'x' } }), null)).toBeUndefined();
  });

  it('still lets the rules that decide from metadata judge the event', async () => {
    const all = await analyzeAll([
      read(write('clusterrolebindings', { objectRef: { resource: 'clusterrolebindings', name: 'pwn', apiGroup: 'rbac.authorization.k8s.io' } })),
    ]);
    const rbac = all.find((f) => f.ruleId === 'rbac.role-or-binding-changed');
    expect(rbac?.summary).toContain("body not logged (the event was over the reader's size limit");
    const exec = await analyzeAll([
      read(
        head({
          verb: 'get',
          stage: 'ResponseStarted',
          requestURI: '/api/v1/namespaces/db/pods/pg/exec?command=sh&stdin=true&tty=true',
          objectRef: { resource: 'pods', subresource: 'exec', namespace: 'db', name: 'pg' },
          responseStatus: { code: 101 },
        }),
      ),
    ]);
    expect(exec.map((f) => f.ruleId).sort()).toEqual(['audit-tampering.oversize-event', 'exec.pod-exec']);
  });

  it('gives an event with no time the time of the event before it in the same object, and says so', async () => {
    const before = auditEvent({ verb: 'get', objectRef: { resource: 'pods', namespace: 'a', name: 'x' }, stageTimestamp: '2026-11-20T10:00:03.000000Z' });
    const [f] = (await analyzeAll([read(before, null, 1), read(write('pods'), SIZE, 2)])).filter((x) => x.ruleId === RULE);
    expect(f.time).toBe('2026-11-20T10:00:03.000000Z');
    expect(f.evidence.timeSource).toBe('the time of the event before it in the same object: its timestamps were past the size limit');
  });

  it('leaves the time empty, and says why, when no earlier event of the object has one', async () => {
    const f = await oversize(write('pods'));
    expect(f?.time).toBe('');
    expect(f?.evidence.timeSource).toBe('unknown: its timestamps were past the size limit and no earlier event of the object has a time');
  });

  it('marks the view of an oversize event as missing its bodies', () => {
    const view = viewOf(write('pods') as unknown as AuditEvent, undefined, SIZE);
    expect(view.oversize).toBe(SIZE);
    expect(view.missingEvidence).toMatch(/^the event was over the reader's size limit/);
    expect(viewOf(write('pods') as unknown as AuditEvent).missingEvidence).toBe('audit level RequestResponse recorded no request body');
  });
});

describe('audit-tampering.kubeadm-config-audit-off', () => {
  const k = rule('audit-tampering.kubeadm-config-audit-off');
  const clusterConfiguration = (extraArgs: string): string =>
    ['apiVersion: kubeadm.k8s.io/v1beta3', 'kind: ClusterConfiguration', 'kubernetesVersion: v1.31.2', 'apiServer:', '  extraArgs:', extraArgs].join('\n');
  const audited = clusterConfiguration('    audit-policy-file: /etc/kubernetes/audit-policy.yaml\n    audit-log-path: /var/log/kubernetes/audit.log');
  const write = (text: string, fields: { verb?: string; user?: Ev; name?: string } = {}): Ev => {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: fields.name ?? 'kubeadm-config', namespace: 'kube-system' },
      data: { ClusterConfiguration: text },
    };
    const verb = fields.verb ?? 'update';
    return auditEvent({
      level: 'RequestResponse',
      verb,
      user: fields.user ?? admin,
      requestURI: `/api/v1/namespaces/kube-system/configmaps/${fields.name ?? 'kubeadm-config'}`,
      objectRef: { resource: 'configmaps', namespace: 'kube-system', name: fields.name ?? 'kubeadm-config', apiVersion: 'v1' },
      requestObject: verb === 'patch' ? { data: { ClusterConfiguration: text } } : body,
      responseObject: body,
    });
  };

  it('rates a ClusterConfiguration with no audit backend high, and names the problem', () => {
    const event = write(clusterConfiguration('    audit-policy-file: /etc/kubernetes/audit-policy.yaml'));
    const [hit] = hitsOf(k, event);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      'mallory@example.com updated ConfigMap kube-system/kubeadm-config: the next kubeadm upgrade runs the API server with no audit backend (neither --audit-log-path nor --audit-webhook-config-file): audit logging is off',
    );
    expect(new CompiledInterest(interestOf([k])).matches('update', 'configmaps', '', () => true)).toBe(true);
  });

  it('rates a log path of /dev/null critical, also in the v1beta4 list form and in a patch', () => {
    const v4 = [
      'apiVersion: kubeadm.k8s.io/v1beta4',
      'kind: ClusterConfiguration',
      'apiServer:',
      '  extraArgs:',
      '    - name: audit-policy-file',
      '      value: /etc/kubernetes/audit-policy.yaml',
      '    - name: audit-log-path',
      '      value: /dev/null',
    ].join('\n');
    expect(severityOf(k, write(v4))).toBe('critical');
    expect(severityOf(k, write(v4, { verb: 'patch' }))).toBe('critical');
  });

  it.each<[string, Ev]>([
    ['auditing stays configured', write(audited)],
    ['another ConfigMap carries the same text', write(clusterConfiguration('    profiling: "false"'), { name: 'kubeadm-config-backup' })],
    ['the YAML does not parse', write('apiServer: [unclosed')],
    ['the control plane wrote it', write(clusterConfiguration(''), { user: namespaceController })],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(k, event)).toEqual([]);
  });
});

describe('audit-tampering.events-deleted', () => {
  const e = rule('audit-tampering.events-deleted');
  const deletion = (verb: string, namespace?: string, user: Ev = admin): Ev =>
    auditEvent({
      verb,
      user,
      requestURI: namespace ? `/api/v1/namespaces/${namespace}/events` : '/api/v1/events',
      objectRef: { resource: 'events', ...(namespace ? { namespace } : {}), apiVersion: 'v1' },
    });

  it('rates wiping the Events of a namespace high, of one Event low', () => {
    const [hit] = hitsOf(e, deletion('deletecollection', 'payments'));
    expect(hit).toMatchObject({ severity: 'high', summary: 'mallory@example.com deleted all Events of namespace payments' });
    expect(
      severityOf(e, { ...deletion('delete', 'payments'), objectRef: { resource: 'events', namespace: 'payments', name: 'web.1', apiVersion: 'v1' } }),
    ).toBe('low');
  });

  it('raises nothing for the namespace controller, a failed request, or listing Events', () => {
    expect(hitsOf(e, deletion('deletecollection', 'payments', namespaceController))).toEqual([]);
    expect(hitsOf(e, { ...deletion('deletecollection', 'payments'), responseStatus: { metadata: {}, code: 403 } })).toEqual([]);
    expect(hitsOf(e, deletion('list', 'payments'))).toEqual([]);
  });
});

describe('audit-tampering.log-shipper-removed', () => {
  const s = rule('audit-tampering.log-shipper-removed');
  const shipperWrite = (fields: { verb: string; resource?: string; subresource?: string; name?: string; body?: Ev; user?: Ev }): Ev =>
    auditEvent({
      level: fields.body ? 'Request' : 'Metadata',
      verb: fields.verb,
      user: fields.user ?? admin,
      requestURI: `/apis/apps/v1/namespaces/logging/${fields.resource ?? 'daemonsets'}/${fields.name ?? 'fluent-bit'}${fields.subresource ? `/${fields.subresource}` : ''}`,
      objectRef: {
        resource: fields.resource ?? 'daemonsets',
        ...(fields.subresource ? { subresource: fields.subresource } : {}),
        namespace: 'logging',
        name: fields.name ?? 'fluent-bit',
        apiGroup: 'apps',
        apiVersion: 'v1',
      },
      ...(fields.body ? { requestObject: fields.body } : {}),
    });

  it('rates deleting the shipper DaemonSet or scaling its Deployment to zero high', () => {
    const [hit] = hitsOf(s, shipperWrite({ verb: 'delete', name: 'aws-for-fluent-bit' }));
    expect(hit).toMatchObject({ severity: 'high', summary: 'mallory@example.com left log shipper DaemonSet logging/aws-for-fluent-bit deleted' });
    expect(
      severityOf(s, shipperWrite({ verb: 'patch', resource: 'deployments', subresource: 'scale', name: 'vector-aggregator', body: { spec: { replicas: 0 } } })),
    ).toBe('high');
  });

  it('rates a nodeSelector patch on the shipper DaemonSet medium', () => {
    const body = { spec: { template: { spec: { nodeSelector: { 'no-such-label': 'true' } } } } };
    expect(severityOf(s, shipperWrite({ verb: 'patch', body }))).toBe('medium');
  });

  it('reads the names from the settings', () => {
    const own = { ...DEFAULT_SETTINGS, logShippers: { names: ['otel-collector'] } };
    expect(severityOf(s, shipperWrite({ verb: 'delete', name: 'otel-collector' }), own)).toBe('high');
    expect(hitsOf(s, shipperWrite({ verb: 'delete', name: 'fluent-bit' }), own)).toEqual([]);
  });

  it.each<[string, Ev]>([
    ['another DaemonSet is deleted', shipperWrite({ verb: 'delete', name: 'node-exporter' })],
    ['a name only contains a shipper name', shipperWrite({ verb: 'delete', name: 'vectorize-api' })],
    [
      'the shipper is scaled up',
      shipperWrite({ verb: 'patch', resource: 'deployments', subresource: 'scale', name: 'vector', body: { spec: { replicas: 3 } } }),
    ],
    [
      'its image is bumped',
      shipperWrite({ verb: 'patch', body: { spec: { template: { spec: { containers: [{ name: 'fluent-bit', image: 'fluent/fluent-bit:3.2' }] } } } } }),
    ],
    [
      'the garbage collector deletes it',
      shipperWrite({ verb: 'delete', user: { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: [] } }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(s, event)).toEqual([]);
  });
});
