import type {
  AuditSummary,
  ClusterPlatform,
  ComplianceReport,
  ControlAssessment,
  ControlFramework,
  ControlState,
  Coverage,
  TopActor,
  Trend,
  ViolatingIncident,
} from '../../lambdas/core/compliance/types';
import { CONTROL_STATES, FRAMEWORK_ORDER } from '../../lambdas/core/compliance/types';
import type { Category, Severity } from '../../lambdas/core/finding';
import { SEVERITIES, maxSeverity, severityRank, zeroSeverityCounts } from '../../lambdas/core/finding';
import type { AggregatedRow } from '../../lambdas/core/report/aggregate';

/**
 * `ComplianceReport` fixtures built by hand, for the renderers' tests: they must not depend on
 * the model builder (report-model.ts), so the numbers here are derived from the rows by the
 * simplest rule (a row counts its `count` at its severity) rather than by the builder's.
 */

export function aggRow(overrides: Partial<AggregatedRow> = {}): AggregatedRow {
  return {
    ruleId: 'rbac.privileged-role-bound',
    title: 'Cluster-admin or equivalent role bound',
    category: 'rbac-change',
    severity: 'critical',
    actor: 'alice@corp.example',
    target: { resource: 'clusterrolebindings', name: 'backdoor' },
    count: 1,
    firstSeen: '2026-11-24T09:12:03Z',
    lastSeen: '2026-11-24T09:12:03Z',
    exampleAuditID: '6f1c2a9e-0b7d-4c55-9a3e-2f0c5d1e8b71',
    summary: 'alice@corp.example bound cluster-admin to `system:serviceaccount:default:backdoor`',
    sources: ['prod-eu/2026/11/24/09/audit-1.log.gz'],
    clusters: ['prod-eu'],
    ...overrides,
  };
}

const zero = zeroSeverityCounts;

export interface FixtureInput {
  rows: AggregatedRow[];
  /** The previous period's counts; none by default. */
  previous?: { bySeverity?: Partial<Record<Severity, number>>; byCategory?: Partial<Record<Category, number>> };
  controls?: ControlAssessment[];
  coverage?: Coverage[];
  notes?: string[];
  clusters?: string[];
  title?: string;
  /** Default: every cluster on EKS, seen in its logs. */
  platforms?: ClusterPlatform[];
  incidents?: ViolatingIncident[];
  /** Default: first period. */
  change?: AuditSummary['change'];
  ignored?: AuditSummary['ignored'];
}

/** A report whose summary, trend and top actors agree with its rows. */
export function complianceFixture(input: FixtureInput): ComplianceReport {
  const { rows } = input;
  const bySeverity = zero();
  const byCategory: Partial<Record<Category, number>> = {};
  const byCluster: Record<string, number> = {};
  const actors = new Map<string, TopActor & { perRule: Map<string, number> }>();
  for (const r of rows) {
    bySeverity[r.severity] += r.count;
    byCategory[r.category] = (byCategory[r.category] ?? 0) + r.count;
    for (const c of r.clusters) byCluster[c] = (byCluster[c] ?? 0) + r.count;
    const a = actors.get(r.actor) ?? { actor: r.actor, findings: 0, highest: r.severity, rules: [], perRule: new Map<string, number>() };
    a.findings += r.count;
    a.highest = maxSeverity(a.highest, r.severity);
    a.perRule.set(r.ruleId, (a.perRule.get(r.ruleId) ?? 0) + r.count);
    actors.set(r.actor, a);
  }
  const findings = rows.reduce((n, r) => n + r.count, 0);
  const prevSeverity = { ...zero(), ...input.previous?.bySeverity };
  const prevCategory = input.previous?.byCategory ?? {};
  const trendBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, { current: bySeverity[s], previous: prevSeverity[s] }])) as Record<Severity, Trend>;
  const trendByCategory: Partial<Record<Category, Trend>> = {};
  for (const c of new Set([...Object.keys(byCategory), ...Object.keys(prevCategory)]) as Set<Category>) {
    trendByCategory[c] = { current: byCategory[c] ?? 0, previous: prevCategory[c] ?? 0 };
  }
  const topActors = [...actors.values()]
    .sort((a, b) => b.findings - a.findings || severityRank(b.highest) - severityRank(a.highest) || a.actor.localeCompare(b.actor))
    .slice(0, 10)
    .map(({ perRule, ...a }) => ({ ...a, rules: [...perRule].sort(([x, m], [y, n]) => n - m || x.localeCompare(y)).map(([id]) => id) }));
  const clusters = input.clusters ?? [...new Set(rows.flatMap((r) => r.clusters))].sort();
  const controls = input.controls ?? [];
  const platforms = input.platforms ?? clusters.map((cluster): ClusterPlatform => ({ cluster, platform: 'eks', basis: 'logs' }));
  const period = { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', label: '2026-11-23 – 2026-11-29 (UTC)' };
  const auditSummary: AuditSummary = {
    period,
    clusters: platforms,
    violationSeverity: 'medium',
    frameworks: FRAMEWORK_ORDER.filter((f) => controls.some((c) => c.control.framework === f)).map((framework) => ({
      framework,
      counts: Object.fromEntries(
        CONTROL_STATES.map((st) => [st, controls.filter((c) => c.control.framework === framework && c.state === st).length]),
      ) as Record<ControlState, number>,
    })),
    incidents: input.incidents ?? [],
    moreIncidents: 0,
    change: input.change ?? { known: false, previousViolated: 0, newlyViolated: [], noLongerViolated: [] },
    ignored: input.ignored ?? { belowSeverity: 0, denied: 0 },
  };
  return {
    title: input.title ?? 'Kubernetes compliance report: prod-eu',
    generatedAt: '2026-11-30T06:00:12.345Z',
    cadence: 'weekly',
    period,
    previousPeriod: { from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z', label: '2026-11-16 – 2026-11-22 (UTC)' },
    clusters,
    platforms,
    violationSeverity: 'medium',
    auditSummary,
    summary: { findings, bySeverity, byCategory, byCluster },
    trend: {
      findings: { current: findings, previous: Object.values(prevSeverity).reduce((n, v) => n + v, 0) },
      bySeverity: trendBySeverity,
      byCategory: trendByCategory,
    },
    topActors,
    rows: [...rows].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId)),
    controls,
    coverage: input.coverage,
    notes: input.notes ?? [],
  };
}

/** A control's assessment; a violated one carries the rows of its rules. */
export function assessment(
  id: string,
  framework: ControlFramework,
  title: string,
  state: ControlState,
  rules: string[],
  options: { rows?: readonly AggregatedRow[]; notAssessed?: Array<{ ruleId: string; reason: string }>; url?: string; notApplicable?: string } = {},
): ControlAssessment {
  const mine = (options.rows ?? []).filter((r) => rules.includes(r.ruleId));
  return {
    control: { id, framework, title, ...(options.url ? { url: options.url } : {}) },
    state,
    rules,
    notAssessed: options.notAssessed ?? [],
    findings: mine.reduce((n, r) => n + r.count, 0),
    ignored: { belowSeverity: 0, denied: 0 },
    ...(options.notApplicable ? { notApplicable: options.notApplicable } : {}),
    rows: [...mine].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count).slice(0, 10),
  };
}

/** A period with nothing found, the week before with nothing either. */
export function emptyComplianceReport(overrides: Partial<FixtureInput> = {}): ComplianceReport {
  return complianceFixture({
    rows: [],
    clusters: ['prod-eu'],
    controls: [
      assessment('CIS-5.1.1', 'CIS', 'Ensure that the cluster-admin role is only used where required', 'held', ['rbac.privileged-role-bound']),
      assessment('CIS-5.1.9', 'CIS', 'Minimize access to create persistent volumes', 'not-assessed', ['storage.hostpath-persistent-volume'], {
        notAssessed: [{ ruleId: 'storage.hostpath-persistent-volume', reason: 'switched off' }],
      }),
    ],
    coverage: [{ cluster: 'prod-eu', objects: 2016, byLevel: { Metadata: 1_180_442, Request: 310_907 } }],
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------
// A realistic week: cluster prod-eu, eleven finding groups across every severity, the week
// before with fewer findings; a few controls violated and a few not assessed.

const SA = (ns: string, name: string): string => `system:serviceaccount:${ns}:${name}`;

export const PROD_EU_ROWS: AggregatedRow[] = [
  aggRow({
    ruleId: 'rbac.privileged-role-bound',
    actor: SA('ci', 'jenkins-deployer'),
    target: { resource: 'clusterrolebindings', name: 'ci-admin-temp' },
    count: 1,
    firstSeen: '2026-11-25T22:41:07Z',
    lastSeen: '2026-11-25T22:41:07Z',
    exampleAuditID: '0c9d7e51-3a26-4b8f-a1de-5f2b7c4e9a10',
    summary: `${SA('ci', 'jenkins-deployer')} bound \`cluster-admin\` to \`${SA('ci', 'jenkins-deployer')}\``,
  }),
  aggRow({
    ruleId: 'workload.privileged-pod',
    title: 'Privileged or host-level pod',
    category: 'privileged-workload',
    actor: 'alice@corp.example',
    target: { resource: 'pods', namespace: 'kube-system', name: 'debug-node-7f9c' },
    count: 2,
    firstSeen: '2026-11-24T14:03:55Z',
    lastSeen: '2026-11-24T14:09:12Z',
    exampleAuditID: '7b2e4f10-9c1d-4e8a-b6f3-0d5a2c7e1f94',
    summary: 'alice@corp.example created pod kube-system/debug-node-7f9c with `privileged: true`, `hostPID: true`, hostPath `/`',
  }),
  aggRow({
    ruleId: 'daemonset.created-or-changed',
    title: 'DaemonSet created or changed',
    category: 'daemonset',
    severity: 'high',
    actor: 'bob@corp.example',
    target: { resource: 'daemonsets', namespace: 'monitoring', name: 'node-agent' },
    count: 3,
    firstSeen: '2026-11-26T10:15:40Z',
    lastSeen: '2026-11-26T10:22:03Z',
    exampleAuditID: 'c41f8a2b-5d6e-4f70-8a91-b2c3d4e5f607',
    summary: 'bob@corp.example patched DaemonSet monitoring/node-agent: image `registry.corp.example/node-agent:2.14`, hostPath `/var/log`',
  }),
  aggRow({
    ruleId: 'exec.pod-exec',
    title: 'Command run in a container',
    category: 'exec',
    severity: 'high',
    actor: 'alice@corp.example',
    target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'payments-api-6d8b9-x2k4q' },
    count: 14,
    firstSeen: '2026-11-23T08:30:11Z',
    lastSeen: '2026-11-28T17:45:29Z',
    exampleAuditID: '1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6',
    summary: 'alice@corp.example ran `sh -c env` in pod payments/payments-api-6d8b9-x2k4q',
  }),
  aggRow({
    ruleId: 'secret.bulk-read',
    title: 'Secrets listed or read in bulk',
    category: 'secret',
    severity: 'high',
    actor: 'bob@corp.example',
    target: { resource: 'secrets', namespace: 'payments' },
    count: 2,
    firstSeen: '2026-11-27T03:02:45Z',
    lastSeen: '2026-11-27T03:02:51Z',
    exampleAuditID: 'e9d8c7b6-a5f4-4e3d-8c2b-1a0f9e8d7c6b',
    summary: 'bob@corp.example listed every Secret in namespace payments',
  }),
  aggRow({
    ruleId: 'exec.pod-exec',
    title: 'Command run in a container',
    category: 'exec',
    severity: 'medium',
    actor: 'oncall-sre@corp.example',
    target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'redis-0' },
    count: 6,
    firstSeen: '2026-11-24T02:11:09Z',
    lastSeen: '2026-11-29T04:58:30Z',
    exampleAuditID: '5f4e3d2c-1b0a-4987-b6c5-d4e3f2a1b0c9',
    summary: 'oncall-sre@corp.example ran `redis-cli info` in pod payments/redis-0',
  }),
  aggRow({
    ruleId: 'secret.read',
    title: 'Secret read',
    category: 'secret',
    severity: 'medium',
    actor: SA('ci', 'jenkins-deployer'),
    target: { resource: 'secrets', namespace: 'payments', name: 'db-credentials' },
    count: 9,
    firstSeen: '2026-11-23T11:00:02Z',
    lastSeen: '2026-11-29T11:00:03Z',
    exampleAuditID: '9a8b7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d',
    summary: `${SA('ci', 'jenkins-deployer')} read Secret payments/db-credentials`,
  }),
  aggRow({
    ruleId: 'anonymous.denied-request',
    title: 'Anonymous request denied',
    category: 'anonymous-access',
    severity: 'low',
    actor: 'system:anonymous',
    target: { resource: 'pods' },
    count: 37,
    firstSeen: '2026-11-23T00:14:51Z',
    lastSeen: '2026-11-29T23:40:18Z',
    exampleAuditID: '3c2b1a09-8f7e-4d6c-a5b4-c3d2e1f0a9b8',
    summary: 'system:anonymous was denied `list pods` from 203.0.113.77',
  }),
  aggRow({
    ruleId: 'image.mutable-tag',
    title: 'Image by a mutable tag',
    category: 'untrusted-image',
    severity: 'low',
    actor: SA('argocd', 'argocd-application-controller'),
    target: { resource: 'deployments', namespace: 'payments', name: 'payments-api' },
    count: 21,
    firstSeen: '2026-11-23T06:00:41Z',
    lastSeen: '2026-11-29T18:20:07Z',
    exampleAuditID: 'a7b6c5d4-e3f2-4a1b-9c8d-7e6f5a4b3c2d',
    summary: 'Deployment payments/payments-api runs `registry.corp.example/payments-api:latest`',
  }),
  aggRow({
    ruleId: 'service-account.created-in-system-namespace',
    title: 'Service account created in a system namespace',
    category: 'service-account',
    severity: 'low',
    actor: 'alice@corp.example',
    target: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'metrics-reader' },
    count: 1,
    firstSeen: '2026-11-24T14:12:30Z',
    lastSeen: '2026-11-24T14:12:30Z',
    exampleAuditID: 'b8c7d6e5-f4a3-4b2c-8d1e-0f9a8b7c6d5e',
    summary: 'alice@corp.example created ServiceAccount kube-system/metrics-reader',
  }),
  aggRow({
    ruleId: 'rbac.role-or-binding-changed',
    title: 'Role or binding changed',
    category: 'rbac-change',
    severity: 'info',
    actor: SA('argocd', 'argocd-application-controller'),
    target: { resource: 'rolebindings', namespace: 'payments', name: 'payments-readers' },
    count: 4,
    firstSeen: '2026-11-23T06:00:39Z',
    lastSeen: '2026-11-27T06:00:44Z',
    exampleAuditID: 'd0e1f2a3-b4c5-4d6e-8f70-8192a3b4c5d6',
    summary: `${SA('argocd', 'argocd-application-controller')} updated RoleBinding payments/payments-readers`,
  }),
];

const MITRE = (t: string): string => `https://attack.mitre.org/techniques/${t.replace('.', '/')}/`;
const NSA = 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF';

export function prodEuWeek(): ComplianceReport {
  const rows = PROD_EU_ROWS;
  const off = (ruleId: string) => ({ ruleId, reason: 'switched off' });
  return complianceFixture({
    rows,
    previous: {
      bySeverity: { critical: 1, high: 11, medium: 12, low: 41, info: 6 },
      byCategory: { 'rbac-change': 7, exec: 15, secret: 9, 'anonymous-access': 29, 'untrusted-image': 11 },
    },
    incidents: [
      {
        cluster: 'prod-eu',
        principal: SA('ci', 'jenkins-deployer'),
        severity: 'critical',
        firstSeen: '2026-11-24T09:12:03Z',
        lastSeen: '2026-11-24T09:40:10Z',
        findings: 4,
        chain: 'binding + privileged DaemonSet: a persistence chain',
        what: ['Cluster-admin or equivalent role bound', 'Privileged pod or container'],
        controls: ['CIS-5.1.1', 'CIS-5.2.2', 'CIS-EKS-4.1.1', 'CIS-EKS-4.2.1', 'NSA-CISA:pod-security', 'T1098.006', 'T1611'],
        moreControls: 0,
      },
      {
        cluster: 'prod-eu',
        principal: 'carla.rossi@example.com (role AWSReservedSSO_PlatformAdmin)',
        severity: 'high',
        firstSeen: '2026-11-26T14:02:00Z',
        lastSeen: '2026-11-26T14:02:00Z',
        findings: 2,
        what: ['Secret read by a person'],
        controls: ['CIS-5.1.2', 'CIS-EKS-4.1.2'],
        moreControls: 0,
      },
    ],
    change: { known: true, previousViolated: 5, newlyViolated: ['CIS-5.1.2', 'CIS-EKS-4.1.2'], noLongerViolated: ['CIS-5.1.8', 'CIS-EKS-4.1.8', 'T1078'] },
    ignored: { belowSeverity: 41, denied: 3 },
    controls: [
      assessment(
        'CIS-1.2.1',
        'CIS',
        'Ensure that the --anonymous-auth argument is set to false',
        'not-applicable',
        ['anonymous.allowed-request', 'anonymous.denied-request'],
        {
          notApplicable: 'managed by AWS on EKS (prod-eu)',
        },
      ),
      assessment(
        'CIS-3.2.1',
        'CIS',
        'Ensure that a minimal audit policy is created',
        'not-applicable',
        ['audit-tampering.policy-changed', 'audit-tampering.kubeadm-config-audit-off'],
        {
          notApplicable: 'managed by AWS on EKS (prod-eu)',
        },
      ),
      assessment(
        'CIS-5.1.1',
        'CIS',
        'Ensure that the cluster-admin role is only used where required',
        'violated',
        ['rbac.privileged-role-bound', 'rbac.role-or-binding-changed', 'rbac.broad-subject-bound'],
        { rows },
      ),
      assessment('CIS-5.1.2', 'CIS', 'Minimize access to secrets', 'violated', ['secret.read', 'secret.bulk-read', 'secret.write'], { rows }),
      assessment(
        'CIS-5.1.5',
        'CIS',
        'Ensure that default service accounts are not actively used',
        'held',
        ['rbac.broad-subject-bound', 'service-account.created-in-system-namespace'],
        { rows: [] },
      ),
      assessment(
        'CIS-5.1.9',
        'CIS',
        'Minimize access to create persistent volumes',
        'not-assessed',
        ['storage.hostpath-persistent-volume', 'storage.volume-deleted'],
        {
          notAssessed: [off('storage.hostpath-persistent-volume'), off('storage.volume-deleted')],
        },
      ),
      assessment('CIS-5.1.11', 'CIS', 'Minimize access to the approval sub-resource of certificatesigningrequests objects', 'held', [
        'credential.csr-approval',
        'credential.client-csr-created',
      ]),
      assessment(
        'CIS-5.2.2',
        'CIS',
        'Minimize the admission of privileged containers',
        'violated',
        ['workload.privileged-pod', 'workload.privileged-template', 'daemonset.created-or-changed'],
        { rows },
      ),
      assessment(
        'CIS-5.5.1',
        'CIS',
        'Configure Image Provenance using ImagePolicyWebhook admission controller',
        'violated',
        ['image.registry-not-allowed', 'image.mutable-tag'],
        { rows },
      ),
      assessment('CIS-EKS-2.1.1', 'CIS-EKS', 'Enable audit Logs', 'held', ['audit-tampering.eks-audit-logging-disabled']),
      assessment(
        'CIS-EKS-4.1.1',
        'CIS-EKS',
        'Ensure that the cluster-admin role is only used where required',
        'violated',
        ['rbac.privileged-role-bound', 'rbac.role-or-binding-changed', 'rbac.broad-subject-bound'],
        { rows },
      ),
      assessment('CIS-EKS-4.1.2', 'CIS-EKS', 'Minimize access to secrets', 'violated', ['secret.read', 'secret.bulk-read', 'secret.write'], { rows }),
      assessment(
        'CIS-EKS-4.2.1',
        'CIS-EKS',
        'Minimize the admission of privileged containers',
        'violated',
        ['workload.privileged-pod', 'workload.privileged-template', 'daemonset.created-or-changed'],
        { rows },
      ),
      assessment(
        'NSA-CISA:pod-security',
        'NSA-CISA',
        'Kubernetes Pod security',
        'violated',
        ['workload.privileged-pod', 'daemonset.created-or-changed', 'image.mutable-tag'],
        { rows, url: NSA },
      ),
      assessment('NSA-CISA:namespaces', 'NSA-CISA', 'Namespaces', 'held', ['controller.system-namespace-workload'], { url: NSA }),
      assessment('NSA-CISA:logging', 'NSA-CISA', 'Logging and threat detection', 'not-assessed', ['restart.crash-loop'], {
        notAssessed: [off('restart.crash-loop')],
        url: NSA,
      }),
      assessment(
        'T1098.006',
        'MITRE-ATTACK',
        'Account Manipulation: Additional Container Cluster Roles',
        'violated',
        ['rbac.privileged-role-bound', 'rbac.role-or-binding-changed'],
        { rows, url: MITRE('T1098.006') },
      ),
      assessment(
        'T1053.007',
        'MITRE-ATTACK',
        'Scheduled Task/Job: Container Orchestration Job',
        'held',
        ['cronjob.created-or-changed', 'cronjob.job-created-or-changed'],
        { url: MITRE('T1053.007') },
      ),
      assessment('T1528', 'MITRE-ATTACK', 'Steal Application Access Token', 'held', ['service-account.token-request', 'service-account.token-secret'], {
        notAssessed: [off('service-account.token-secret')],
        url: MITRE('T1528'),
      }),
      assessment('T1611', 'MITRE-ATTACK', 'Escape to Host', 'violated', ['workload.privileged-pod', 'storage.hostpath-persistent-volume'], {
        rows,
        url: MITRE('T1611'),
        notAssessed: [off('storage.hostpath-persistent-volume')],
      }),
      assessment('T1496', 'MITRE-ATTACK', 'Resource Hijacking', 'not-assessed', ['restart.crash-loop'], {
        notAssessed: [off('restart.crash-loop')],
        url: MITRE('T1496'),
      }),
    ],
    coverage: [{ cluster: 'prod-eu', objects: 2016, byLevel: { Metadata: 1_180_442, Request: 310_907, RequestResponse: 0 } }],
    notes: [
      'Rules `storage.hostpath-persistent-volume`, `storage.volume-deleted`, `service-account.token-secret` and `restart.crash-loop` are switched off in this deployment: the controls that rest on them alone are not assessed.',
      'prod-eu logged no event at RequestResponse level; rules that need the request body saw Request-level events.',
    ],
  });
}
