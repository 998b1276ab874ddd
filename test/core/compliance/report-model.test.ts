import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import type { Detection } from '../../../lambdas/core/detect/engine';
import type { Config } from '../../../lambdas/core/config/types';
import { registryFinding } from '../../helpers/findings';
import type { Finding } from '../../../lambdas/core/finding';
import { previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import type { BuildReportInput } from '../../../lambdas/core/compliance/report-model';
import { NOT_ASSESSED, buildComplianceReport } from '../../../lambdas/core/compliance/report-model';
import { COMPLIANCE_REPORT_SCHEMA, renderReportJson } from '../../../lambdas/core/compliance/report-json';
import type { ComplianceReport, ControlAssessment, Coverage } from '../../../lambdas/core/compliance/types';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import { RULES } from '../../../lambdas/core/rules/index';

// ---------------------------------------------------------------------------------------------
// Findings as the engine makes them: metadata from the real registry, the rest per test.

const WEEK = reportPeriod('weekly', new Date('2026-12-02T09:00:00Z')); // 2026-11-23 – 2026-11-29
const PREVIOUS = previousPeriod(WEEK); // 2026-11-16 – 2026-11-22

/** A finding of the week in cluster prod. */
const finding = (ruleId: string, overrides: Partial<Omit<Finding, 'ruleId'>> = {}): Finding =>
  registryFinding(ruleId, { time: '2026-11-25T10:00:00.123456Z', cluster: 'prod', ...overrides });

/** The tests' clusters run a self-managed control plane unless a test says otherwise. */
const config = (disabled: string[] = [], compliance: Partial<Config['settings']['compliance']> = {}): Config => ({
  ...DEFAULT_CONFIG,
  disabled,
  settings: { ...DEFAULT_CONFIG.settings, compliance: { ...DEFAULT_CONFIG.settings.compliance, platform: 'self-managed', ...compliance } },
});
/** The EKS benchmark: not applicable on the self-managed cluster the tests default to. */
const eksBenchmark = (c: ControlAssessment): boolean => c.control.framework === 'CIS-EKS';
const coverage = (cluster: string, byLevel: Coverage['byLevel'], objects = 10): Coverage => ({ cluster, objects, byLevel });
const FULL = [coverage('prod', { Metadata: 9_000, Request: 800, RequestResponse: 200 })];
const METADATA_ONLY = [coverage('prod', { Metadata: 9_000 })];

function build(overrides: Partial<BuildReportInput> = {}): ComplianceReport {
  return buildComplianceReport({
    period: WEEK,
    previousPeriod: PREVIOUS,
    current: [],
    previous: [],
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

const reasons = (c: ControlAssessment): string[] => [...new Set(c.notAssessed.map((n) => n.reason))];

// ---------------------------------------------------------------------------------------------

describe('control states', () => {
  it('violated: a finding of one of its rules, in any cluster', () => {
    const report = build({ current: [finding('storage.volume-deleted', { cluster: 'staging' })], coverage: FULL });
    const c = control(report, 'CIS-5.1.9');
    expect(c.state).toBe('violated');
    expect(c.findings).toBe(1);
    expect(c.rules).toEqual(['storage.hostpath-persistent-volume', 'storage.volume-deleted', 'storage.reclaim-policy-changed', 'storage.storageclass-changed']);
    expect(c.rows.map((r) => r.ruleId)).toEqual(['storage.volume-deleted']);
    expect(control(report, 'T1485').state).toBe('violated');
    expect(control(report, 'NSA-CISA:logging-threat-detection').state).toBe('violated');
  });

  it('held: no finding, an enabled rule, and audit events at its level', () => {
    const report = build({ coverage: FULL });
    const c = control(report, 'CIS-5.1.9');
    expect(c).toMatchObject({ state: 'held', findings: 0, rows: [], notAssessed: [] });
    expect(report.controls.every((x) => x.state === (eksBenchmark(x) ? 'not-applicable' : 'held'))).toBe(true);
  });

  it('not assessed for want of the Request level: only Metadata events and every rule reads bodies', () => {
    const report = build({ coverage: METADATA_ONLY });
    const c = control(report, 'CIS-5.2.3'); // workload.privileged-pod and -template, both Request
    expect(c.state).toBe('not-assessed');
    expect(c.notAssessed).toEqual([
      { ruleId: 'workload.privileged-pod', reason: 'needs Request level, saw only Metadata' },
      { ruleId: 'workload.privileged-template', reason: 'needs Request level, saw only Metadata' },
    ]);
    expect(control(report, 'T1496').state).toBe('not-assessed'); // only restart.crash-loop, which reads pods/status bodies
  });

  it('held at Metadata when one of its rules decides from metadata, naming the rules that could not see', () => {
    const report = build({ coverage: METADATA_ONLY });
    // rbac.dangerous-role-permissions and exec.kubelet-direct-access (Request), exec.apiserver-proxy (Metadata)
    const c = control(report, 'CIS-5.1.10');
    expect(c.state).toBe('held');
    expect(c.notAssessed).toEqual([
      { ruleId: 'rbac.dangerous-role-permissions', reason: NOT_ASSESSED.needsRequest },
      { ruleId: 'exec.kubelet-direct-access', reason: NOT_ASSESSED.needsRequest },
    ]);
  });

  it('a RequestResponse-only cluster counts for both levels', () => {
    const report = build({ coverage: [coverage('prod', { RequestResponse: 5 })] });
    expect(control(report, 'CIS-5.2.3').state).toBe('held');
    expect(control(report, 'CIS-5.4.2').state).toBe('held'); // secret.write, Metadata
  });

  it('evidence in any cluster is enough: one cluster at Request level covers the Request rules', () => {
    const report = build({ coverage: [coverage('a', { Metadata: 5 }), coverage('b', { Request: 1 })] });
    expect(control(report, 'CIS-5.2.3').state).toBe('held');
    const needBodies = RULES.filter((r) => r.evidenceLevel === 'Request').length;
    expect(report.notes).toContain(
      `Cluster a logged only Metadata-level events: the ${needBodies} rules that need request bodies could not see what they look for there.`,
    );
  });

  it('not assessed when no audit event was read in the period', () => {
    const report = build({ coverage: [coverage('prod', {}, 0), coverage('staging', { None: 3 }, 1)] });
    expect(report.controls.every((c) => c.state === (eksBenchmark(c) ? 'not-applicable' : 'not-assessed'))).toBe(true);
    expect(reasons(control(report, 'CIS-5.4.2'))).toEqual([NOT_ASSESSED.noEvents]);
    expect(report.notes).toContain('No audit events were read in the period, so no control is shown as held: a control without findings is not assessed.');
    expect(report.notes).toContain('Cluster prod: 0 objects read, no audit events in the period.');
  });

  it('with no coverage at all (a findings file) nothing is held: violated or not assessed, reason no audit data', () => {
    const report = build({ current: [finding('rbac.privileged-role-bound')] });
    expect(report.controls.filter((c) => c.state === 'held')).toEqual([]);
    expect(control(report, 'CIS-5.1.7').state).toBe('violated');
    const quiet = control(report, 'CIS-5.1.9');
    expect(quiet.state).toBe('not-assessed');
    expect(reasons(quiet)).toEqual(['no audit data']);
    expect(quiet.notAssessed).toHaveLength(4);
    expect(report.coverage).toBeUndefined();
    expect(report.notes.join('\n')).toMatch(/No audit data was read for this report/);
  });

  it('switched off by rule id: not assessed when every rule of the control is off', () => {
    const storage = ['storage.hostpath-persistent-volume', 'storage.volume-deleted', 'storage.reclaim-policy-changed', 'storage.storageclass-changed'];
    const report = build({ coverage: FULL, config: config(storage) });
    const c = control(report, 'CIS-5.1.9');
    expect(c.state).toBe('not-assessed');
    expect(c.notAssessed).toEqual(storage.map((ruleId) => ({ ruleId, reason: 'switched off' })));
    expect(control(report, 'CIS-5.2.12').state).toBe('held'); // hostpath PV is off, the pod rules still see
    expect(report.notes.join('\n')).toMatch(/Switched off in the configuration: storage\.hostpath-persistent-volume, .*CIS-5\.1\.9/);
  });

  it('switched off by category, as the engine reads `disabled`', () => {
    const report = build({ coverage: FULL, config: config(['storage', 'exec']) });
    expect(control(report, 'CIS-5.1.9').state).toBe('not-assessed');
    expect(reasons(control(report, 'CIS-5.1.9'))).toEqual([NOT_ASSESSED.switchedOff]);
    const proxy = control(report, 'CIS-5.1.10');
    expect(proxy.state).toBe('held');
    expect(proxy.notAssessed).toEqual([
      { ruleId: 'exec.apiserver-proxy', reason: 'switched off' },
      { ruleId: 'exec.kubelet-direct-access', reason: 'switched off' },
    ]);
  });

  it('a finding of a switched-off rule still violates its controls (the finding happened)', () => {
    const report = build({ coverage: FULL, config: config(['storage']), current: [finding('storage.storageclass-changed')] });
    const c = control(report, 'CIS-5.1.9');
    expect(c.state).toBe('violated');
    expect(reasons(c)).toEqual([NOT_ASSESSED.switchedOff]);
  });

  it('a rule that does not declare its evidence level is taken to need Request bodies', () => {
    const base = RULES.find((r) => r.id === 'storage.volume-deleted') as Detection;
    const undeclared: Detection = { ...base, id: 'custom.undeclared', evidenceLevel: undefined, controls: ['CIS-5.1.4'], attack: [] };
    const report = build({ rules: [undeclared], coverage: METADATA_ONLY });
    expect(report.controls.map((c) => [c.control.id, c.state, reasons(c)])).toEqual([
      ['CIS-5.1.4', 'not-assessed', [NOT_ASSESSED.needsRequest]],
      ['CIS-EKS-4.1.4', 'not-applicable', []],
    ]);
  });
});

describe('the controls table', () => {
  it('lists each catalogued control some rule maps to, once, sorted by framework then natural id', () => {
    const ids = build({ coverage: FULL }).controls.map((c) => c.control.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('CIS-5.1.4'); // no rule maps to it
    // Natural order: 1.2.1 before 1.2.16, section 3 (the audit policy) before 5.
    expect(ids.slice(0, 9)).toEqual(['CIS-1.2.1', 'CIS-1.2.16', 'CIS-1.2.17', 'CIS-1.2.18', 'CIS-1.2.19', 'CIS-3.2.1', 'CIS-3.2.2', 'CIS-5.1.1', 'CIS-5.1.2']);
    expect(ids.indexOf('CIS-5.1.9')).toBe(ids.indexOf('CIS-5.1.10') - 1);
    expect(ids.indexOf('CIS-5.2.9')).toBeLessThan(ids.indexOf('CIS-5.2.11'));
    const frameworks = build().controls.map((c) => c.control.framework);
    const order = ['CIS', 'CIS-EKS', 'NSA-CISA', 'MITRE-ATTACK'];
    expect(frameworks).toEqual([...frameworks].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    const attack = ids.filter((id) => id.startsWith('T'));
    expect(attack.indexOf('T1036')).toBe(attack.indexOf('T1036.005') - 1);
    expect(ids.filter((id) => id.startsWith('NSA-CISA:'))).toEqual([
      'NSA-CISA:authentication-authorization',
      'NSA-CISA:logging-threat-detection',
      'NSA-CISA:namespaces',
      'NSA-CISA:network-separation',
      'NSA-CISA:pod-security',
    ]);
  });

  it('keeps at most 10 rows per control, the most severe first', () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      finding('secret.read', { severity: i === 7 ? 'medium' : 'low', target: { resource: 'secrets', namespace: 'app', name: `s${i}` } }),
    );
    const c = control(build({ coverage: FULL, current: many, config: config([], { violationSeverity: 'low' }) }), 'CIS-5.1.2');
    expect(c.findings).toBe(12);
    expect(c.rows).toHaveLength(10);
    expect(c.rows[0].target.name).toBe('s7');
  });

  it('counts a finding of a rule the registry no longer has against the controls it recorded', () => {
    const gone: Finding = { ...finding('secret.read', { controls: ['CIS-5.4.2'], attack: ['T1552.007'] }), ruleId: 'secret.retired' };
    const report = build({ coverage: FULL, current: [gone] });
    expect(control(report, 'CIS-5.4.2')).toMatchObject({ state: 'violated', findings: 1, rules: ['secret.write', 'secret.retired'] });
    expect(control(report, 'CIS-5.1.2').state).toBe('held');
  });

  it('notes a rule reference the catalogue does not know', () => {
    const base = RULES.find((r) => r.id === 'storage.volume-deleted') as Detection;
    const report = build({ rules: [{ ...base, controls: ['CIS-5.1.9', 'CIS-5.1.99'] }], coverage: FULL });
    expect(report.notes).toContain('Rule storage.volume-deleted refers to "CIS-5.1.99", which the control catalogue does not know; left out of the controls.');
  });
});

describe('the period', () => {
  it('ignores findings outside [from, to) and previous findings outside the previous period', () => {
    const report = build({
      current: [
        finding('secret.read', { time: '2026-11-23T00:00:00Z' }), // first instant: in
        finding('secret.read', { time: '2026-11-29T23:59:59.999999Z' }), // last microsecond: in
        finding('secret.read', { time: '2026-11-22T19:00:00-05:00' }), // 2026-11-23T00:00Z: in
        finding('secret.read', { time: '2026-11-30T00:00:00Z' }), // the end: out
        finding('secret.read', { time: '2026-11-22T23:59:59Z' }), // before: out
      ],
      previous: [finding('secret.read', { time: '2026-11-16T00:00:00Z' }), finding('secret.read', { time: '2026-11-23T00:00:00Z' })],
      coverage: FULL,
    });
    expect(report.summary.findings).toBe(3);
    expect(report.trend.findings).toEqual({ current: 3, previous: 1 });
    expect(report.rows.reduce((n, r) => n + r.count, 0)).toBe(3);
    expect(control(report, 'CIS-5.1.2').findings).toBe(3);
  });

  it('leaves out findings without a readable time, and says so', () => {
    const report = build({ current: [finding('secret.read', { time: '' }), finding('secret.read')] });
    expect(report.summary.findings).toBe(1);
    expect(report.notes).toContain('1 finding without a readable time was left out: it falls in no period.');
  });

  it('refuses a period that is not one', () => {
    expect(() => build({ period: { from: '2026-11-30T00:00:00Z', to: '2026-11-23T00:00:00Z', label: '' } })).toThrow(/period is not a period/);
  });
});

describe('summary, trend and top actors', () => {
  const current = [
    finding('rbac.privileged-role-bound', { severity: 'high', cluster: 'prod' }),
    finding('rbac.privileged-role-bound', { severity: 'high', cluster: 'staging' }),
    finding('secret.read', { severity: 'low', cluster: undefined }),
  ];
  const previous = [
    finding('rbac.privileged-role-bound', { severity: 'high', time: '2026-11-20T00:00:00Z' }),
    finding('exec.pod-exec', { severity: 'medium', time: '2026-11-21T00:00:00Z' }),
  ];

  it('counts by severity, category and cluster, and lists the clusters', () => {
    const report = build({ current, previous, coverage: [coverage('-', { Metadata: 1 }), coverage('prod', {}), coverage('dev', { Metadata: 2 })] });
    expect(report.summary).toEqual({
      findings: 3,
      bySeverity: { critical: 0, high: 2, medium: 0, low: 1, info: 0 },
      byCategory: { 'rbac-change': 2, secret: 1 },
      byCluster: { prod: 1, staging: 1, '-': 1 },
    });
    expect(report.clusters).toEqual(['dev', 'prod', 'staging']); // named clusters; the unnamed are counted under '-'
    expect(report.coverage?.map((c) => c.cluster)).toEqual(['dev', 'prod', '-']); // the unnamed last
    expect(report.notes).toContain('Objects without a cluster name (-): 10 objects read, 1 audit event of interest (Metadata 1).');
  });

  it('compares with the previous period per severity and category', () => {
    const { trend } = build({ current, previous });
    expect(trend.findings).toEqual({ current: 3, previous: 2 });
    expect(trend.bySeverity).toEqual({
      critical: { current: 0, previous: 0 },
      high: { current: 2, previous: 1 },
      medium: { current: 0, previous: 1 },
      low: { current: 1, previous: 0 },
      info: { current: 0, previous: 0 },
    });
    expect(trend.byCategory).toEqual({ 'rbac-change': { current: 2, previous: 1 }, exec: { current: 0, previous: 1 }, secret: { current: 1, previous: 0 } });
  });

  it('has the aggregated rows of the period, sources from sourceOf', () => {
    const report = build({ current, sourceOf: (f) => `s3://audit/${f.cluster ?? 'unknown'}/part-1.gz` });
    const located = current.map((f) => ({ finding: f, source: `s3://audit/${f.cluster ?? 'unknown'}/part-1.gz` }));
    expect(report.rows).toEqual(aggregate(located));
    expect(
      build({ current })
        .rows.flatMap((r) => r.sources)
        .sort(),
    ).toEqual(['-', 'prod', 'staging']);
  });

  it('ranks at most 10 actors by findings, then highest severity, then name', () => {
    const actor = (username: string) => ({ username });
    const fs = [
      ...Array.from({ length: 3 }, () => finding('secret.read', { severity: 'low', actor: actor('carol') })),
      finding('secret.bulk-read', { severity: 'high', actor: actor('carol') }),
      ...Array.from({ length: 2 }, () => finding('secret.read', { severity: 'low', actor: actor('bob') })),
      finding('secret.read', { severity: 'low', actor: actor('dave') }),
      finding('secret.read', { severity: 'critical', actor: actor('erin') }),
      finding('secret.read', { severity: 'critical', actor: actor('amy') }),
      ...Array.from({ length: 8 }, (_, i) => finding('secret.read', { severity: 'info', actor: actor(`sa-${i}`) })),
    ];
    const top = build({ current: fs }).topActors;
    expect(top).toHaveLength(10);
    expect(top.slice(0, 5)).toEqual([
      { actor: 'carol', findings: 4, highest: 'high', rules: ['secret.read', 'secret.bulk-read'] },
      { actor: 'bob', findings: 2, highest: 'low', rules: ['secret.read'] },
      { actor: 'amy', findings: 1, highest: 'critical', rules: ['secret.read'] },
      { actor: 'erin', findings: 1, highest: 'critical', rules: ['secret.read'] },
      { actor: 'dave', findings: 1, highest: 'low', rules: ['secret.read'] },
    ]);
    expect(top.slice(5).map((a) => a.actor)).toEqual(['sa-0', 'sa-1', 'sa-2', 'sa-3', 'sa-4']);
  });

  it('carries title, cadence, periods and generatedAt', () => {
    const report = build({ cadence: 'weekly' });
    expect(report).toMatchObject({
      title: 'Weekly Kubernetes compliance report',
      cadence: 'weekly',
      period: WEEK,
      previousPeriod: PREVIOUS,
      generatedAt: '2026-12-02T09:00:00.000Z',
    });
    expect(build({ title: 'ACME weekly' }).title).toBe('ACME weekly');
    expect('cadence' in build()).toBe(false);
  });
});

describe('notes', () => {
  it('count the states and describe what each cluster logged', () => {
    const report = build({ coverage: [coverage('prod', { Metadata: 12_345, Request: 5 }, 3)], current: [finding('secret.read', { severity: 'medium' })] });
    const total = report.controls.length;
    const count = (state: ControlAssessment['state']): number => report.controls.filter((c) => c.state === state).length;
    expect(report.notes[0]).toBe(
      `Of ${total} controls the rules map to, ${count('violated')} violated, ${count('held')} held, 0 not assessed and ${count('not-applicable')} not applicable.`,
    );
    expect(count('violated') + count('held') + count('not-applicable')).toBe(total);
    expect(report.notes).toContain('Cluster prod: 3 objects read, 12,350 audit events of interest (Metadata 12,345, Request 5).');
  });

  it('name the controls a Metadata-only audit policy leaves unassessed and what to change', () => {
    const note = build({ coverage: METADATA_ONLY }).notes.find((n) => n.startsWith('No cluster logged events at the Request level'));
    expect(note).toMatch(/CIS-5\.2\.3/);
    expect(note).toMatch(/T1496/);
    expect(note).not.toMatch(/CIS-5\.1\.10/);
    expect(note).toMatch(/Log the resources those rules watch at the Request level in the audit policy/);
  });
});

describe('renderReportJson', () => {
  it("is one pretty-printed document: schema, report and the period's findings", () => {
    const inside = finding('secret.read');
    const outside = finding('secret.read', { time: '2026-12-01T00:00:00Z' });
    const report = build({ current: [inside, outside], coverage: FULL });
    const text = renderReportJson(report, [inside, outside]);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(`  "schema": "${COMPLIANCE_REPORT_SCHEMA}",`);
    const parsed = JSON.parse(text) as { schema: string; report: ComplianceReport; findings: Finding[] };
    expect(parsed.schema).toBe('k8s-audit-analyzer/compliance-report@1');
    expect(parsed.report).toEqual(JSON.parse(JSON.stringify(report)));
    expect(parsed.findings.map((f) => f.auditID)).toEqual([inside.auditID]);
  });
});
