import { CONTROLS, EKS_PEERS, controlsOf, resolveControl } from '../../../lambdas/core/compliance/controls';
import { previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import { applicability, clusterPlatforms, showsEks } from '../../../lambdas/core/compliance/platform';
import type { BuildReportInput } from '../../../lambdas/core/compliance/report-model';
import { NOT_ASSESSED, buildComplianceReport } from '../../../lambdas/core/compliance/report-model';
import type { ComplianceReport, ControlAssessment, Coverage } from '../../../lambdas/core/compliance/types';
import type { Config } from '../../../lambdas/core/config/types';
import { parseConfig } from '../../../lambdas/core/config/schema';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import type { Finding } from '../../../lambdas/core/finding';
import { RULES } from '../../../lambdas/core/rules/index';
import { registryFinding } from '../../helpers/findings';

const WEEK = reportPeriod('weekly', new Date('2026-12-02T09:00:00Z')); // 2026-11-23 – 2026-11-29
const PREVIOUS = previousPeriod(WEEK);

/** IAM principals as EKS's authenticator names them: what makes a cluster EKS in its findings. */
const IAM_USER = 'arn:aws:iam::123456789012:user/jordan.lee';
const SSO_ROLE = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_ae2a85086dbc6657/carla.rossi@example.com';

const finding = (ruleId: string, overrides: Partial<Omit<Finding, 'ruleId'>> = {}): Finding =>
  registryFinding(ruleId, { time: '2026-11-25T10:00:00Z', cluster: 'prod', ...overrides });
/** A finding that shows its cluster is EKS, and violates only what a read of Secrets does. */
const eksSign = (cluster: string): Finding => finding('secret.read', { cluster, severity: 'low', actor: { username: IAM_USER } });

const coverage = (cluster: string): Coverage => ({ cluster, objects: 10, byLevel: { Metadata: 9_000, Request: 800 } });

const config = (compliance: Partial<Config['settings']['compliance']> = {}): Config => ({
  ...DEFAULT_CONFIG,
  settings: { ...DEFAULT_CONFIG.settings, compliance: { ...DEFAULT_CONFIG.settings.compliance, ...compliance } },
});

function build(overrides: Partial<BuildReportInput> = {}): ComplianceReport {
  return buildComplianceReport({
    period: WEEK,
    previousPeriod: PREVIOUS,
    current: [],
    previous: [],
    coverage: [coverage('prod')],
    rules: RULES,
    config: config(),
    generatedAt: '2026-12-02T09:00:00.000Z',
    ...overrides,
  });
}

function control(report: ComplianceReport, id: string): ControlAssessment {
  const found = report.controls.find((c) => c.control.id === id);
  if (!found) throw new Error(`no control ${id} in the report`);
  return found;
}

const state = (report: ComplianceReport, id: string): string => control(report, id).state;
const managedOnEks = (c: ControlAssessment): boolean => /^CIS-[123]\./.test(c.control.id);

describe('the CIS Amazon EKS Benchmark in the catalogue', () => {
  const kubernetes = CONTROLS.filter((c) => c.framework === 'CIS').map((c) => c.id);

  it('decides an EKS peer (or none) for every CIS Kubernetes control, and every peer is a catalogued EKS control', () => {
    expect(Object.keys(EKS_PEERS).sort()).toEqual([...kubernetes].sort());
    for (const peer of Object.values(EKS_PEERS)) if (peer !== null) expect(resolveControl(peer)?.framework).toBe('CIS-EKS');
  });

  it('gives every rule with a CIS Kubernetes 5.x reference its EKS 4.x peer', () => {
    const withPeers = RULES.flatMap((rule) =>
      rule.controls.flatMap((ref) => {
        const peer = EKS_PEERS[ref];
        return /^CIS-5\./.test(ref) && peer ? [{ rule: rule.id, ref, peer }] : [];
      }),
    );
    expect(withPeers.length).toBeGreaterThan(30);
    for (const { rule, ref, peer } of withPeers) {
      const ids = controlsOf(RULES.find((r) => r.id === rule) ?? { controls: [], attack: [] }).map((c) => c.id);
      expect({ rule, ref, peer: ids.includes(peer) ? peer : 'missing' }).toEqual({ rule, ref, peer });
      expect(peer).toMatch(/^CIS-EKS-4\.\d+\.\d+$/);
    }
  });

  it('maps the EKS peers once, so no rule names an EKS 4.x control itself', () => {
    expect(RULES.flatMap((r) => r.controls.filter((ref) => ref.startsWith('CIS-EKS-4.')))).toEqual([]);
  });

  it('names EKS recommendations as v1.7.0 of the benchmark does', () => {
    expect(resolveControl('CIS-EKS-4.1.1')?.title).toBe('Ensure that the cluster-admin role is only used where required');
    expect(resolveControl('CIS-EKS-4.1.5')?.title).toBe('Ensure that default service accounts are not actively used.');
    expect(resolveControl('CIS-EKS-4.2.1')?.title).toBe('Minimize the admission of privileged containers');
    expect(resolveControl('CIS-EKS-4.5.2')?.title).toBe('The default namespace should not be used');
    expect(resolveControl('CIS-EKS-2.1.1')?.title).toBe('Enable audit Logs');
    expect(EKS_PEERS['CIS-5.2.2']).toBe('CIS-EKS-4.2.1');
    expect(EKS_PEERS['CIS-5.7.4']).toBe('CIS-EKS-4.5.2');
    expect(EKS_PEERS['CIS-1.2.1']).toBeNull();
  });

  it('names EKS control-plane logging on the rule that watches it', () => {
    const rule = RULES.find((r) => r.id === 'audit-tampering.eks-audit-logging-disabled');
    expect(rule && controlsOf(rule).map((c) => c.id)).toContain('CIS-EKS-2.1.1');
  });
});

describe('the platform of a cluster', () => {
  it('is EKS when a finding names an IAM principal, an EKS identity or an EKS group', () => {
    const actor = (username: string, groups?: string[]): Finding => finding('secret.read', { actor: { username, ...(groups ? { groups } : {}) } });
    expect(showsEks(actor(IAM_USER))).toBe(true);
    expect(showsEks(actor(SSO_ROLE))).toBe(true);
    expect(showsEks(actor('arn:aws-us-gov:iam::123456789012:role/admin'))).toBe(true);
    expect(showsEks(actor('eks:node-manager'))).toBe(true);
    expect(showsEks(actor('bob', ['eks:cluster-admins']))).toBe(true);
    // Near misses: a person, a service account, an ARN that is not an IAM principal's.
    expect(showsEks(actor('alice@example.com', ['system:authenticated']))).toBe(false);
    expect(showsEks(actor('system:serviceaccount:kube-system:eks-pod-identity'))).toBe(false);
    expect(showsEks(actor('arn:aws:s3:::bucket'))).toBe(false);
    expect(showsEks(actor('xarn:aws:iam::123456789012:user/x'))).toBe(false);
  });

  it('is configured per cluster first, then seen in the logs, then the default; unknown when detection finds nothing', () => {
    const findings = [eksSign('a'), eksSign('b')];
    const settings = { platform: 'detect' as const, clusters: { b: { platform: 'self-managed' as const } } };
    expect(clusterPlatforms(['a', 'b', 'c'], findings, settings)).toEqual([
      { cluster: 'a', platform: 'eks', basis: 'logs' },
      { cluster: 'b', platform: 'self-managed', basis: 'configured' },
      { cluster: 'c', platform: 'unknown', basis: 'default' },
    ]);
    expect(clusterPlatforms(['c'], [], { platform: 'eks', clusters: {} })).toEqual([{ cluster: 'c', platform: 'eks', basis: 'default' }]);
    // A cluster named like an Object.prototype key is a cluster, not a configuration.
    expect(clusterPlatforms(['constructor'], [], { platform: 'detect', clusters: {} })[0].platform).toBe('unknown');
  });

  it('decides which controls apply: the control plane sections not on EKS, the EKS benchmark only there, the rest everywhere', () => {
    const c = (id: string) => resolveControl(id) ?? CONTROLS[0];
    expect(['eks', 'self-managed', 'unknown'].map((p) => applicability(c('CIS-1.2.1'), p as 'eks'))).toEqual(['no', 'yes', 'unknown']);
    expect(['eks', 'self-managed', 'unknown'].map((p) => applicability(c('CIS-3.2.1'), p as 'eks'))).toEqual(['no', 'yes', 'unknown']);
    expect(['eks', 'self-managed', 'unknown'].map((p) => applicability(c('CIS-EKS-4.1.1'), p as 'eks'))).toEqual(['yes', 'no', 'unknown']);
    expect(['eks', 'self-managed', 'unknown'].map((p) => applicability(c('CIS-5.1.1'), p as 'eks'))).toEqual(['yes', 'yes', 'yes']);
    expect(['eks', 'self-managed', 'unknown'].map((p) => applicability(c('T1078'), p as 'eks'))).toEqual(['yes', 'yes', 'yes']);
  });

  it('is read from the configuration file, with every bad value named', () => {
    const parsed = parseConfig('settings:\n  compliance:\n    violationSeverity: high\n    clusters:\n      prod-eu: { platform: eks }\n', 'test.yaml');
    expect(parsed.settings.compliance).toEqual({ violationSeverity: 'high', platform: 'detect', clusters: { 'prod-eu': { platform: 'eks' } } });
    expect(DEFAULT_CONFIG.settings.compliance).toEqual({ violationSeverity: 'medium', platform: 'detect', clusters: {} });
    expect(() => parseConfig('settings:\n  compliance:\n    platform: gke\n    clusters:\n      a: { platform: aks }\n', 'bad.yaml')).toThrow(
      /settings\.compliance\.platform: [\s\S]*settings\.compliance\.clusters\.a\.platform: /,
    );
  });
});

describe('controls on an EKS cluster', () => {
  it('shows every control EKS manages as not applicable, never held, and assesses the EKS benchmark', () => {
    const report = build({ current: [eksSign('prod')] });
    expect(report.platforms).toEqual([{ cluster: 'prod', platform: 'eks', basis: 'logs' }]);
    const managed = report.controls.filter(managedOnEks);
    expect(managed.length).toBeGreaterThan(5);
    expect(managed.map((c) => c.state)).toEqual(managed.map(() => 'not-applicable'));
    expect(control(report, 'CIS-1.2.1').notApplicable).toBe('managed by AWS on EKS (prod)');
    expect(state(report, 'CIS-EKS-4.1.1')).toBe('held');
    expect(state(report, 'CIS-5.1.1')).toBe('held'); // the policies are the user's on EKS too
    expect(report.notes).toContain(
      'Cluster prod runs on Amazon EKS, a managed control plane (its findings name EKS or IAM identities): the CIS Kubernetes control-plane recommendations (sections 1-3) are not applicable there; the CIS Amazon EKS Benchmark applies.',
    );
  });

  it('counts a finding against the EKS peer and the policy control, not against the API-server flag', () => {
    const anonymous = finding('anonymous.allowed-request', { actor: { username: 'system:anonymous' } });
    const report = build({ current: [eksSign('prod'), anonymous] });
    expect([state(report, 'CIS-5.1.1'), state(report, 'CIS-EKS-4.1.1'), state(report, 'CIS-1.2.1')]).toEqual(['violated', 'violated', 'not-applicable']);
    expect(control(report, 'CIS-1.2.1').findings).toBe(0);
  });

  it('on a self-managed cluster, the EKS benchmark is not applicable and the flags are assessed', () => {
    const report = build({ config: config({ platform: 'self-managed' }) });
    expect(state(report, 'CIS-1.2.1')).toBe('held');
    expect(state(report, 'CIS-EKS-4.1.1')).toBe('not-applicable');
    expect(control(report, 'CIS-EKS-4.1.1').notApplicable).toBe('an EKS recommendation; no cluster is EKS (prod)');
  });

  it('with both kinds of cluster, a control applies where it may, and a finding counts only where its control applies', () => {
    const anonymousOnEks = finding('anonymous.allowed-request', { cluster: 'eks', actor: { username: 'system:anonymous' } });
    const report = build({
      current: [eksSign('eks'), anonymousOnEks],
      coverage: [coverage('eks'), coverage('onprem')],
      config: config({ clusters: { onprem: { platform: 'self-managed' } } }),
    });
    expect(state(report, 'CIS-1.2.1')).toBe('held'); // the anonymous request was on the EKS cluster
    expect(state(report, 'CIS-EKS-4.1.1')).toBe('violated');
  });

  it('never holds a control that depends on the platform when the platform is not known', () => {
    const report = build(); // no finding names EKS, nothing configured
    expect(report.platforms).toEqual([{ cluster: 'prod', platform: 'unknown', basis: 'default' }]);
    for (const id of ['CIS-1.2.1', 'CIS-3.2.1', 'CIS-EKS-4.1.1']) {
      expect(state(report, id)).toBe('not-assessed');
      expect(control(report, id).notAssessed[0].reason).toMatch(new RegExp(`^${NOT_ASSESSED.platformUnknown} \\(prod\\)`));
    }
    expect(state(report, 'CIS-5.1.1')).toBe('held');
  });
});

describe('what violates a control', () => {
  it('a finding at or above the threshold (default medium); one below is counted apart', () => {
    const low = finding('secret.read', { severity: 'low' });
    const medium = build({ current: [low], config: config({ platform: 'self-managed' }) });
    expect(control(medium, 'CIS-5.1.2')).toMatchObject({ state: 'held', findings: 0, ignored: { belowSeverity: 1, denied: 0 } });
    expect(medium.auditSummary.ignored).toEqual({ belowSeverity: 1, denied: 0 });
    const lowered = build({ current: [low], config: config({ platform: 'self-managed', violationSeverity: 'low' }) });
    expect(control(lowered, 'CIS-5.1.2')).toMatchObject({ state: 'violated', findings: 1 });
    const raised = build({
      current: [finding('secret.read', { severity: 'medium' })],
      config: config({ platform: 'self-managed', violationSeverity: 'high' }),
    });
    expect(state(raised, 'CIS-5.1.2')).toBe('held');
    expect(raised.violationSeverity).toBe('high');
  });

  it('never a refused request, whatever its severity and the threshold', () => {
    const denied = finding('rbac.denied-write-attempt', {
      severity: 'medium',
      evidence: { code: 403, message: 'attempting to grant RBAC permissions not currently held' },
    });
    const report = build({ current: [denied], config: config({ platform: 'self-managed', violationSeverity: 'info' }) });
    expect(control(report, 'CIS-5.1.8')).toMatchObject({ state: 'held', findings: 0, ignored: { belowSeverity: 0, denied: 1 } });
    expect(report.auditSummary.incidents).toEqual([]);
    // The same finding had the request gone through: a violation.
    const allowed = build({ current: [{ ...denied, evidence: { code: 201 } }], config: config({ platform: 'self-managed' }) });
    expect(state(allowed, 'CIS-5.1.8')).toBe('violated');
  });
});

describe("the auditor's summary", () => {
  const selfManaged = config({ platform: 'self-managed' });

  it('counts each framework by state, as the controls table does', () => {
    const report = build({ current: [eksSign('prod'), finding('storage.volume-deleted')] });
    for (const f of report.auditSummary.frameworks) {
      const own = report.controls.filter((c) => c.control.framework === f.framework);
      expect(f.counts).toEqual({
        violated: own.filter((c) => c.state === 'violated').length,
        held: own.filter((c) => c.state === 'held').length,
        'not-assessed': own.filter((c) => c.state === 'not-assessed').length,
        'not-applicable': own.filter((c) => c.state === 'not-applicable').length,
      });
    }
    expect(report.auditSummary.frameworks.map((f) => f.framework)).toEqual(['CIS', 'CIS-EKS', 'NSA-CISA', 'MITRE-ATTACK']);
    expect(report.auditSummary.frameworks[0].counts['not-applicable']).toBeGreaterThan(0);
    expect(report.auditSummary.clusters).toEqual(report.platforms);
  });

  it('lists the incidents that violated controls, per principal, with the controls they violated; not the findings that violated nothing', () => {
    const jordan = { username: IAM_USER };
    const current = [
      finding('rbac.privileged-role-bound', { actor: jordan, time: '2026-11-25T10:00:00Z' }),
      finding('secret.read', { actor: jordan, severity: 'medium', time: '2026-11-25T10:05:00Z' }),
      finding('storage.volume-deleted', { actor: { username: 'bob' }, severity: 'high', time: '2026-11-26T08:00:00Z' }),
      finding('secret.read', { actor: { username: 'carol' }, severity: 'low', time: '2026-11-26T09:00:00Z' }), // below the threshold
    ];
    const { incidents } = build({ current }).auditSummary;
    expect(incidents.map((i) => [i.principal, i.severity, i.findings])).toEqual([
      ['jordan.lee', 'critical', 2],
      ['bob', 'high', 1],
    ]);
    expect(incidents[0]).toMatchObject({ cluster: 'prod', firstSeen: '2026-11-25T10:00:00Z', lastSeen: '2026-11-25T10:05:00Z' });
    expect(incidents[0].controls).toEqual(expect.arrayContaining(['CIS-5.1.1', 'CIS-5.1.2', 'CIS-EKS-4.1.1', 'CIS-EKS-4.1.2']));
    expect(incidents[0].controls.indexOf('CIS-5.1.2')).toBeLessThan(incidents[0].controls.indexOf('CIS-EKS-4.1.1'));
    expect(incidents[1].controls).toEqual(expect.arrayContaining(['CIS-5.1.9', 'T1485']));
    expect(incidents[1].controls.some((id) => id.startsWith('CIS-EKS'))).toBe(false); // 5.1.9 has no EKS peer
  });

  it('says what changed since the previous period: controls newly violated and no longer violated', () => {
    const report = build({
      config: selfManaged,
      current: [finding('secret.read', { severity: 'medium' })],
      previous: [finding('storage.volume-deleted', { time: '2026-11-18T10:00:00Z' })],
    });
    const { change } = report.auditSummary;
    expect(change.known).toBe(true);
    expect(change.newlyViolated).toEqual(expect.arrayContaining(['CIS-5.1.2', 'T1552.007']));
    expect(change.newlyViolated).not.toContain('CIS-5.1.9');
    // Before: the volume deletion's CIS 5.1.9, NSA/CISA logging, T1485 and T1070; none of them now.
    expect(change.noLongerViolated).toEqual(['CIS-5.1.9', 'NSA-CISA:logging-threat-detection', 'T1070', 'T1485']);
    expect(change.previousViolated).toBe(4);
  });

  it('says "first period" when nothing is known of the one before, unless the caller observed it', () => {
    expect(build({ config: selfManaged }).auditSummary.change).toEqual({ known: false, previousViolated: 0, newlyViolated: [], noLongerViolated: [] });
    expect(build({ config: selfManaged, previousObserved: true }).auditSummary.change.known).toBe(true);
  });
});
