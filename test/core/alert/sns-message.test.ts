import { allRowsFit, buildAlert, SNS_MAX_BYTES, subjectOf } from '../../../lambdas/core/alert/sns-message';
import type { AggregatedRow, ScanSummary } from '../../../lambdas/core/report/aggregate';

const row = (i: number, severity: AggregatedRow['severity'] = 'high', extra: Partial<AggregatedRow> = {}): AggregatedRow => ({
  ruleId: i === 0 ? 'rbac.privileged-role-bound' : `exec.pod-exec`,
  title: 'A rule',
  category: i === 0 ? 'rbac-change' : 'exec',
  severity,
  actor: `user-${i}@example.com`,
  target: { resource: 'pods', namespace: 'payments', name: `postgres-${i}` },
  count: 1,
  firstSeen: '2026-11-20T10:00:00Z',
  lastSeen: '2026-11-20T10:05:00Z',
  exampleAuditID: `audit-${i}`,
  summary: `user-${i}@example.com ran \`sh\` in container postgres of pod payments/postgres-${i} ${'x'.repeat(200)}`,
  sources: ['s3://audit-logs/clusters/prod-eu/2026/11/20/10/a.gz'],
  clusters: ['prod-eu'],
  ...extra,
});
const summary: ScanSummary = {
  objects: 1,
  bytes: 1000,
  events: 500,
  skipped: 480,
  malformed: 0,
  incomplete: 0,
  findings: 3,
  bySeverity: { critical: 1, high: 2, medium: 0, low: 0, info: 0 },
};

describe('the SNS alert', () => {
  it('has a short subject with the counts, per-protocol bodies and filterable attributes', () => {
    const alert = buildAlert({ rows: [row(0, 'critical'), row(1), row(2)], summary, source: 's3://audit-logs/a.gz', cluster: 'prod-eu' });
    expect(alert.Subject).toBe('k8s-audit-analyzer prod-eu: 1 critical, 2 high (rbac.privileged-role-bound +2)');
    expect(alert.MessageStructure).toBe('json');
    expect(alert.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      categories: { DataType: 'String.Array', StringValue: '["exec","rbac-change"]' },
      cluster: { DataType: 'String', StringValue: 'prod-eu' },
    });
    const bodies = JSON.parse(alert.Message) as Record<string, string>;
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(bodies.email).toContain('source: s3://audit-logs/a.gz');
    expect(bodies.email.split('\n').every((l) => l.length <= 100)).toBe(true);
    expect((JSON.parse(bodies.lambda) as { table: AggregatedRow[] }).table).toHaveLength(3);
  });

  it('keeps the subject under 100 characters and on one line whatever the names', () => {
    const long = subjectOf([row(0, 'critical', { ruleId: 'r'.repeat(150) })], 'cluster-with-a-very-long-name\nand a newline');
    expect(long.length).toBeLessThan(100);
    expect(long).not.toMatch(/[\r\n]/);
  });

  it('fits 256 KB by dropping the least severe rows and says where the rest is', () => {
    const rows = [row(0, 'critical'), ...Array.from({ length: 5000 }, (_, i) => row(i + 1, 'low'))];
    const alert = buildAlert({ rows, summary, source: 's3://audit-logs/a.gz', fullFindings: 's3://findings/run-1.json' });
    const size = Buffer.byteLength(alert.Message) + Buffer.byteLength(alert.Subject) + Buffer.byteLength(JSON.stringify(alert.MessageAttributes));
    expect(size).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const machine = JSON.parse((JSON.parse(alert.Message) as { lambda: string }).lambda) as {
      table: AggregatedRow[];
      omittedRows: number;
      fullFindings: string;
    };
    expect(machine.table[0].severity).toBe('critical');
    expect(machine.omittedRows).toBe(5001 - machine.table.length);
    expect(machine.fullFindings).toBe('s3://findings/run-1.json');
    expect((JSON.parse(alert.Message) as { email: string }).email).toMatch(
      /more finding groups are not in this message[\s\S]*full findings: s3:\/\/findings\/run-1\.json/,
    );
  });

  it('marks the machine body as findings, the same for Lambda and SQS subscribers', () => {
    const bodies = JSON.parse(buildAlert({ rows: [row(0, 'critical')], summary, source: 's3://audit-logs/a.gz', cluster: 'prod-eu' }).Message) as Record<
      string,
      string
    >;
    expect(bodies.sqs).toBe(bodies.lambda);
    const machine = JSON.parse(bodies.lambda) as Record<string, unknown>;
    expect(machine.kind).toBe('findings');
    expect(Object.keys(machine)).toEqual(['kind', 'source', 'cluster', 'summary', 'table', 'omittedRows']);
  });

  it('tells whether every row fits, so the caller archives the full findings only when rows would be dropped', () => {
    expect(allRowsFit({ rows: [row(0, 'critical'), row(1)], summary, source: 's3://audit-logs/a.gz' })).toBe(true);
    const many = [row(0, 'critical'), ...Array.from({ length: 2000 }, (_, i) => row(i + 1, 'low'))];
    expect(allRowsFit({ rows: many, summary, source: 's3://audit-logs/a.gz' })).toBe(false);
    // Agrees with what buildAlert keeps.
    const machine = (rows: AggregatedRow[]): { table: unknown[] } =>
      JSON.parse((JSON.parse(buildAlert({ rows, summary, source: 's3://audit-logs/a.gz' }).Message) as { lambda: string }).lambda) as { table: unknown[] };
    expect(machine(many).table.length).toBeLessThan(many.length);
    let fitting = many.slice(0, machine(many).table.length);
    while (!allRowsFit({ rows: fitting, summary, source: 's3://audit-logs/a.gz' })) fitting = fitting.slice(0, -1);
    expect(machine(fitting).table).toHaveLength(fitting.length);
  });

  it('says the cooldown in the email, with the hits counted without an alert per rule, in short lines', () => {
    const rows = [row(0, 'critical'), row(1), row(2)];
    const input = { rows, summary, source: 's3://audit-logs/a.gz', cluster: 'prod-eu' };
    const email = (extra: object): string => (JSON.parse(buildAlert({ ...input, ...extra }).Message) as { email: string }).email;
    expect(email({})).not.toContain('cooldown');
    expect(email({ cooldown: { minutes: 60 } })).toContain('cooldown: a finding group alerts once per 60 minutes; later hits are counted, not sent.');
    const text = email({ cooldown: { minutes: 60, suppressedBefore: [0, 3, 4] } });
    expect(text).toContain('7 hits of these groups counted without an alert in their previous window:\n  exec.pod-exec: 7');
    expect(email({ cooldown: { minutes: 60, suppressedBefore: [1, 0, 0] } })).toContain('1 hit of these groups');
    expect(text.split('\n').every((l) => l.length <= 100)).toBe(true);
    // Machines get the count on the row it belongs to, and only where there is one.
    const table = (
      JSON.parse((JSON.parse(buildAlert({ ...input, cooldown: { minutes: 60, suppressedBefore: [0, 3, 4] } }).Message) as { lambda: string }).lambda) as {
        table: Array<{ suppressedBefore?: number }>;
      }
    ).table;
    expect(table.map((r) => r.suppressedBefore)).toEqual([undefined, 3, 4]);
  });

  it('gives HTTPS subscribers (Amazon Q Developer / Chatbot) a custom notification with every log value escaped', () => {
    const hostile = row(1, 'high', { actor: '<!channel> mallory', target: { resource: 'pods', namespace: 'ns', name: '<https://evil.example|click>' } });
    const rows = [row(0, 'critical'), hostile, ...Array.from({ length: 30 }, (_, i) => row(i + 2, 'low'))];
    const bodies = JSON.parse(
      buildAlert({ rows, summary, source: 's3://audit-logs/a.gz', cluster: 'prod-eu', fullFindings: 's3://findings/run-1.json' }).Message,
    ) as Record<string, string>;
    const note = JSON.parse(bodies.https) as {
      version: string;
      source: string;
      content: { textType: string; title: string; description: string; nextSteps: string[] };
      metadata: { threadId: string };
    };
    expect(note).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
      metadata: { threadId: 'k8s-audit-analyzer-prod-eu' },
    });
    expect(note.content.title).toMatch(/^k8s-audit-analyzer prod-eu: 1 critical, 1 high/);
    expect(note.content.description.split('\n')).toHaveLength(16); // 15 rows and the "…and N more" line
    expect(note.content.description).toContain('…and 17 more finding groups');
    expect(note.content.description).toContain('&lt;!channel&gt; mallory');
    expect(note.content.description).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(note.content.nextSteps).toContain('Full findings: s3://findings/run-1.json');
  });
});
