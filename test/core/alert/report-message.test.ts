import type { ReportPayload, ReportSummaryInput } from '../../../lambdas/core/alert/report-message';
import { buildReportSummary, controlCounts, reportSubject, trendText } from '../../../lambdas/core/alert/report-message';
import { SNS_MAX_BYTES } from '../../../lambdas/core/alert/sns-message';
import { previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import { buildComplianceReport } from '../../../lambdas/core/compliance/report-model';
import type { ComplianceReport, ReportCadence } from '../../../lambdas/core/compliance/types';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import type { Finding, Severity } from '../../../lambdas/core/finding';
import { RULES } from '../../../lambdas/core/rules';
import { registryFinding } from '../../helpers/findings';

const MONDAY = new Date('2026-11-30T06:00:00Z');
const LINK =
  'https://reports-bucket.s3.eu-west-1.amazonaws.com/reports/all/2026-11-23_2026-11-29/report.html?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%2F20261130%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261130T060000Z&X-Amz-Expires=86400&X-Amz-Signature=' +
  'a'.repeat(64) +
  '&X-Amz-SignedHeaders=host';
const OBJECTS = {
  html: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/report.html',
  csv: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/findings.csv',
  json: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/report.json',
};

let n = 0;
/** A critical RBAC finding or a Secret write of cluster prod-eu, by one of seven users. */
function finding(time: string, severity: Severity, overrides: Partial<Finding> = {}): Finding {
  n++;
  return registryFinding(severity === 'critical' ? 'rbac.privileged-role-bound' : 'secret.write', {
    severity,
    summary: `alice did thing ${n}`,
    auditID: `audit-${n}`,
    time,
    cluster: 'prod-eu',
    actor: { username: `user-${n % 7}` },
    target: { resource: 'secrets', namespace: 'payments', name: `s-${n}` },
    ...overrides,
  });
}

function reportOf(current: Finding[], previous: Finding[] = [], cadence: ReportCadence = 'weekly', clusters = ['prod-eu', 'staging']): ComplianceReport {
  const period = reportPeriod(cadence, MONDAY);
  return buildComplianceReport({
    period,
    previousPeriod: previousPeriod(period),
    current,
    previous,
    coverage: clusters.map((cluster) => ({ cluster, objects: 10, byLevel: { Metadata: 100, Request: 10 } })),
    rules: RULES,
    config: DEFAULT_CONFIG,
    generatedAt: MONDAY.toISOString(),
    cadence,
  });
}

const input = (report: ComplianceReport): ReportSummaryInput => ({ report, htmlUrl: LINK, objects: OBJECTS, linkExpiresAt: '2026-12-01T06:00:00.000Z' });
const bodies = (message: string): Record<string, string> => JSON.parse(message) as Record<string, string>;

const week = [
  finding('2026-11-23T00:00:00Z', 'critical'),
  finding('2026-11-24T10:00:00Z', 'critical'),
  ...Array.from({ length: 5 }, (_, i) => finding(`2026-11-2${5 + (i % 3)}T10:00:00Z`, 'high', { cluster: i % 2 ? 'staging' : 'prod-eu' })),
];
const lastWeek = [finding('2026-11-18T10:00:00Z', 'high'), finding('2026-11-19T10:00:00Z', 'high'), finding('2026-11-20T10:00:00Z', 'medium')];

describe('the report summary for SNS', () => {
  it('has an ASCII subject with the cadence, the period days and the worst counts', () => {
    const alert = buildReportSummary(input(reportOf(week, lastWeek)));
    expect(alert.Subject).toBe('k8s-audit-analyzer weekly report 2026-11-23 to 2026-11-29: 2 critical, 5 high');
    expect(reportSubject(reportOf([], [], 'daily'))).toBe('k8s-audit-analyzer daily report 2026-11-29: no findings');
    expect(reportSubject(reportOf([finding('2026-11-29T01:00:00Z', 'high')], [], 'daily', ['prod-eu']))).toBe(
      'k8s-audit-analyzer prod-eu daily report 2026-11-29: 1 high',
    );
  });

  it('keeps the subject under 100 printable ASCII characters whatever the cluster is called', () => {
    const subject = reportSubject(reportOf([], [], 'weekly', [`prod-\u00e9u-\u202e${'x'.repeat(120)}\n`]));
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^k8s-audit-analyzer prod-\?u-\?x+\.\.\.$/);
  });

  it('is filtered by kind, never by severity: attributes kind and cluster only', () => {
    const two = buildReportSummary(input(reportOf(week, lastWeek)));
    expect(two.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'report' } });
    const one = buildReportSummary(
      input(
        reportOf(
          week.filter((f) => f.cluster === 'prod-eu'),
          [],
          'weekly',
          ['prod-eu'],
        ),
      ),
    );
    expect(one.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'report' }, cluster: { DataType: 'String', StringValue: 'prod-eu' } });
    expect(one.MessageAttributes.severity).toBeUndefined();
  });

  it('gives machines the period, counts, trend, the five worst groups, the control counts and the links', () => {
    const report = reportOf(week, lastWeek);
    const alert = buildReportSummary(input(report));
    expect(alert.MessageStructure).toBe('json');
    const all = bodies(alert.Message);
    expect(Object.keys(all).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(all.sqs).toBe(all.lambda);
    const payload = JSON.parse(all.lambda) as ReportPayload;
    expect(payload).toMatchObject({
      kind: 'report',
      cadence: 'weekly',
      period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' },
      previousPeriod: { from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' },
      clusters: ['prod-eu', 'staging'],
      summary: { findings: 7, bySeverity: { critical: 2, high: 5, medium: 0, low: 0, info: 0 } },
      trend: { findings: { current: 7, previous: 3 }, bySeverity: { critical: { current: 2, previous: 0 }, medium: { current: 0, previous: 1 } } },
      groups: report.rows.length,
      links: { ...OBJECTS, htmlUrl: LINK, linkExpiresAt: '2026-12-01T06:00:00.000Z' },
    });
    expect(payload.worst).toEqual(report.rows.slice(0, 5));
    expect(payload.worst[0].severity).toBe('critical');
    const states = controlCounts(report);
    expect(payload.controls).toEqual({ held: states.held, violated: states.violated, notAssessed: states['not-assessed'] });
    expect(payload.controls.violated).toBeGreaterThan(0);
    expect(payload.violatedControls).toContain('CIS-5.1.1');
  });

  it('writes an email a person reads: counts with the trend, worst groups, controls, the link and until when, the S3 URIs', () => {
    const report = reportOf(week, lastWeek);
    const email = bodies(buildReportSummary(input(report)).Message).email;
    expect(email).toContain('Period: 2026-11-23 – 2026-11-29 (UTC), compared with 2026-11-16 – 2026-11-22 (UTC)');
    expect(email).toContain('Clusters: prod-eu, staging');
    expect(email).toContain('Findings: 7 (previous period: 3, +4)');
    expect(email).toMatch(/critical\s+2 {2}\(previous period: 0, \+2\)/);
    expect(email).toMatch(/medium\s+0 {2}\(previous period: 1, -1\)/);
    expect(email).toContain(`Worst finding groups (5 of ${report.rows.length}):`);
    expect(email).toContain('rbac.privileged-role-bound');
    const states = controlCounts(report);
    expect(email).toContain(`Controls: ${states.held} held, ${states.violated} violated, ${states['not-assessed']} not assessed`);
    expect(email).toContain(`\n${LINK}\n`);
    expect(email).toContain('until 2026-12-01T06:00:00.000Z');
    for (const uri of Object.values(OBJECTS)) expect(email).toContain(uri);
    for (const line of email.split('\n')) if (line !== LINK) expect(line.length).toBeLessThanOrEqual(100);
    expect(bodies(buildReportSummary(input(report)).Message).default).toBe(email);
  });

  it('says "no findings" for an empty period, with the controls still counted', () => {
    const alert = buildReportSummary(input(reportOf([], lastWeek)));
    expect(alert.Subject).toBe('k8s-audit-analyzer weekly report 2026-11-23 to 2026-11-29: no findings');
    const all = bodies(alert.Message);
    expect(all.email).toContain('No findings in this period.');
    expect(all.email).toContain('Findings: 0 (previous period: 3, -3)');
    const payload = JSON.parse(all.lambda) as ReportPayload;
    expect(payload.worst).toEqual([]);
    expect(payload.controls.violated).toBe(0);
    expect(payload.controls.held).toBeGreaterThan(0);
  });

  it('sends Amazon Q Developer a custom notification over HTTPS, with log values escaped and the link as a link', () => {
    const hostile = [finding('2026-11-24T10:00:00Z', 'critical', { actor: { username: '<!channel> & <https://evil.example|click>' } })];
    const https = JSON.parse(bodies(buildReportSummary(input(reportOf(hostile))).Message).https) as {
      version: string;
      source: string;
      content: { title: string; description: string; nextSteps: string[] };
      metadata: { eventType: string };
    };
    expect(https).toMatchObject({ version: '1.0', source: 'custom', metadata: { eventType: 'k8s-audit-analyzer.report' } });
    expect(https.content.description).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(https.content.description).not.toContain('<!channel>');
    expect(https.content.nextSteps[0]).toMatch(
      /^<https:\/\/reports-bucket\.s3\.eu-west-1\.amazonaws\.com\/reports\/all\/.*&amp;X-Amz-SignedHeaders=host\|Open the report>/,
    );
  });

  it('stays within 256 KB when the worst groups carry huge log values, dropping groups rather than the summary', () => {
    const huge = Array.from({ length: 8 }, (_, i) =>
      finding('2026-11-24T10:00:00Z', 'critical', { actor: { username: `u${i}` }, summary: 'x'.repeat(40_000) + '\u00e9'.repeat(10_000) }),
    );
    const alert = buildReportSummary(input(reportOf(huge)));
    const size = Buffer.byteLength(alert.Message) + Buffer.byteLength(alert.Subject) + Buffer.byteLength(JSON.stringify(alert.MessageAttributes));
    expect(size).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const payload = JSON.parse(bodies(alert.Message).lambda) as ReportPayload;
    expect(payload.worst.length).toBeLessThan(5);
    expect(payload.summary.findings).toBe(8);
    expect(payload.links.htmlUrl).toBe(LINK);
  });

  it('cuts the sources of a row in the machine body', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      finding(`2026-11-24T10:${String(i).padStart(2, '0')}:00Z`, 'high', { actor: { username: 'same' }, target: { resource: 'secrets', name: 'same' } }),
    );
    const report = buildComplianceReport({
      ...{ period: reportPeriod('weekly', MONDAY), previousPeriod: previousPeriod(reportPeriod('weekly', MONDAY)) },
      current: many,
      previous: [],
      rules: RULES,
      config: DEFAULT_CONFIG,
      generatedAt: MONDAY.toISOString(),
      sourceOf: (f) => `s3://audit/${f.auditID}.gz`,
    });
    const payload = JSON.parse(bodies(buildReportSummary(input(report)).Message).lambda) as ReportPayload;
    expect(report.rows[0].sources).toHaveLength(30);
    expect(payload.worst[0].sources).toHaveLength(5);
    expect(payload.worst[0].count).toBe(30);
  });

  it('says a trend as a signed change', () => {
    expect(trendText({ current: 7, previous: 3 })).toBe('previous period: 3, +4');
    expect(trendText({ current: 1, previous: 1200 })).toBe('previous period: 1,200, -1,199');
    expect(trendText({ current: 2, previous: 2 }, true)).toBe('no change');
  });
});
