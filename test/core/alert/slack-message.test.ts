import { buildReportSummary } from '../../../lambdas/core/alert/report-message';
import { buildAlert } from '../../../lambdas/core/alert/sns-message';
import { previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import { buildComplianceReport } from '../../../lambdas/core/compliance/report-model';
import type { ComplianceReport, ReportCadence } from '../../../lambdas/core/compliance/types';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import type { Finding } from '../../../lambdas/core/finding';
import { RULES } from '../../../lambdas/core/rules';
import type { Block, SlackMessage, SlackRender, TextObject } from '../../../lambdas/core/alert/slack-message';
import {
  CLEAN_REPORT_COLOR,
  escapeMrkdwn,
  linkFor,
  parseAlertPayload,
  parseReportPayload,
  SEVERITY_COLORS,
  slackMessageFor,
} from '../../../lambdas/core/alert/slack-message';
import type { Severity } from '../../../lambdas/core/finding';
import { SEVERITIES } from '../../../lambdas/core/finding';
import type { AggregatedRow, ScanSummary } from '../../../lambdas/core/report/aggregate';
import { registryFinding } from '../../helpers/findings';

const row = (i: number, severity: Severity = 'high', extra: Partial<AggregatedRow> = {}): AggregatedRow => ({
  ruleId: `rule.number-${i}`,
  title: 'A rule',
  category: 'exec',
  severity,
  actor: `user-${i}@example.com`,
  target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: `postgres-${i}` },
  count: 1 + (i % 7),
  firstSeen: '2026-11-20T10:00:00Z',
  lastSeen: '2026-11-20T10:05:00Z',
  exampleAuditID: `audit-${i}`,
  summary: `user-${i}@example.com ran sh in container postgres of pod payments/postgres-${i} ${'x'.repeat(150)}`,
  sources: ['s3://audit-logs/clusters/prod-eu/a.gz'],
  clusters: ['prod-eu'],
  ...extra,
});

function summaryOf(rows: readonly AggregatedRow[]): ScanSummary {
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const r of rows) bySeverity[r.severity] += r.count;
  return { objects: 1, bytes: 2048, events: 900, skipped: 800, malformed: 1, incomplete: 0, findings: rows.reduce((n, r) => n + r.count, 0), bySeverity };
}

interface PayloadInput {
  rows: AggregatedRow[];
  source?: string;
  cluster?: string;
  omittedRows?: number;
  fullFindings?: string;
  summary?: ScanSummary;
  kind?: string;
}

/** The `lambda` body as sns-message.ts writes it. */
const payload = (p: PayloadInput): string =>
  JSON.stringify({
    ...(p.kind !== undefined ? { kind: p.kind } : {}),
    source: p.source ?? 's3://audit-logs/clusters/prod-eu/2026/11/20/10/a.gz',
    cluster: p.cluster ?? 'prod-eu',
    summary: p.summary ?? summaryOf(p.rows),
    table: p.rows,
    omittedRows: p.omittedRows ?? 0,
    fullFindings: p.fullFindings,
  });

const SUBJECT = 'k8s-audit-analyzer prod-eu: 1 critical, 2 high (rule.number-0 +2)';

function render(p: PayloadInput, minSeverity: Severity = 'high', subject: string | undefined = SUBJECT): SlackRender | undefined {
  return slackMessageFor({ subject, message: payload(p) }, { minSeverity });
}

function findings(r: SlackRender | undefined): Extract<SlackRender, { kind: 'findings' }> {
  if (r?.kind !== 'findings') throw new Error(`expected a findings message, got ${r ? r.kind : 'nothing'}`);
  return r;
}

const blocksOf = (body: SlackMessage): Block[] => body.attachments?.[0]?.blocks ?? [];
const textsOf = (body: SlackMessage): TextObject[] => blocksOf(body).flatMap((b) => (b.type === 'context' ? b.elements : [b.text]));
const tableSections = (body: SlackMessage): string[] =>
  blocksOf(body).flatMap((b) => (b.type === 'section' && b.text.text.startsWith('```') ? [b.text.text] : []));
/** The text inside the code fences, fences removed. */
const tableText = (body: SlackMessage): string =>
  tableSections(body)
    .map((s) => s.slice(4, -4))
    .join('\n');

describe('the Slack message for a findings alert', () => {
  it('stays inside Slack limits with 500 rows, and says how many were left out', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(i, i < 5 ? 'critical' : 'high'));
    const r = findings(render({ rows, omittedRows: 40, fullFindings: 's3://findings-bucket/runs/1.json' }));
    const blocks = blocksOf(r.body);
    const json = JSON.stringify(r.body);

    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.parse(json)).toEqual(r.body);
    expect(json.length).toBeLessThan(40_000);
    for (const t of textsOf(r.body)) {
      expect(t.text.length).toBeGreaterThan(0);
      expect(t.text.length).toBeLessThanOrEqual(3000);
    }
    const header = blocks[0];
    expect(header.type).toBe('header');
    if (header.type === 'header') expect(header.text.text.length).toBeLessThanOrEqual(150);

    const sections = tableSections(r.body);
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) {
      expect(s).toMatch(/^```\n[\s\S]*\n```$/);
      expect(s.slice(3, -3)).not.toContain('`');
    }
    // Every row shown is in the table once, in order, and the rest is counted.
    const shown = tableText(r.body)
      .split('\n')
      .flatMap((l) => /rule\.number-(\d+)/.exec(l)?.[1] ?? []);
    expect(shown.length).toBe(r.rowsPosted);
    expect(shown).toEqual(Array.from({ length: r.rowsPosted }, (_, i) => String(i)));
    expect(r.rowsPosted).toBeGreaterThan(10);
    expect(r.rowsLeftOut).toBe(500 - r.rowsPosted + 40);
    expect(json).toContain(`…and ${r.rowsLeftOut.toLocaleString('en-US')} more finding groups (40 of them were left out of the alert to fit SNS)`);
  });

  it('keeps every block and section limit even when the table budget is lifted', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(i, 'critical', { summary: '&'.repeat(300), actor: '<'.repeat(120) }));
    const r = slackMessageFor({ subject: SUBJECT, message: payload({ rows }) }, { minSeverity: 'info', maxRows: 10_000, maxTableChars: 10_000_000 });
    const body = findings(r).body;
    expect(blocksOf(body).length).toBeLessThanOrEqual(50);
    for (const t of textsOf(body)) expect(t.text.length).toBeLessThanOrEqual(3000);
    expect(findings(r).rowsPosted).toBeLessThan(500);
    expect(findings(r).rowsPosted + findings(r).rowsLeftOut).toBe(500);
  });

  it('reads the body the analyzer publishes (sns-message.ts), including one it had to cut to fit SNS', () => {
    const rows = [row(0, 'critical'), ...Array.from({ length: 3000 }, (_, i) => row(i + 1, 'high'))];
    const alert = buildAlert({
      rows,
      summary: summaryOf(rows),
      source: 's3://audit-logs/a.gz',
      cluster: 'prod-eu',
      fullFindings: 's3://findings-bucket/run-1.json',
    });
    const lambdaBody = (JSON.parse(alert.Message) as { lambda: string }).lambda;
    const parsed = parseAlertPayload(lambdaBody);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.payload.omittedRows).toBeGreaterThan(0);

    const r = findings(slackMessageFor({ subject: alert.Subject, message: lambdaBody }, { minSeverity: 'high' }));
    expect(r.body.text).toBe(alert.Subject);
    expect(r.rowsLeftOut).toBe(3001 - r.rowsPosted);
    expect(r.severity).toBe('critical');
  });

  it('shows only rows at or above the minimum severity', () => {
    const rows = [row(0, 'critical'), row(1, 'high'), row(2, 'medium'), row(3, 'low'), row(4, 'info')];
    const high = findings(render({ rows }, 'high'));
    expect(tableText(high.body)).toMatch(/rule\.number-0/);
    expect(tableText(high.body)).toMatch(/rule\.number-1/);
    expect(tableText(high.body)).not.toMatch(/rule\.number-[234]/);
    expect(high.rowsPosted).toBe(2);
    expect(high.rowsLeftOut).toBe(0);
    expect(JSON.stringify(high.body)).not.toContain('more finding group');

    const medium = findings(render({ rows }, 'medium'));
    expect(medium.rowsPosted).toBe(3);
    expect(tableText(medium.body)).toMatch(/rule\.number-2/);
    expect(tableText(medium.body)).not.toMatch(/rule\.number-[34]/);
    const header = blocksOf(medium.body)[0];
    expect(header.type === 'header' && header.text.text).toBe('Critical severity: 3 finding groups (medium and above)');

    expect(findings(render({ rows }, 'info')).rowsPosted).toBe(5);
  });

  it('returns undefined when nothing is at or above the minimum', () => {
    expect(render({ rows: [row(0, 'medium'), row(1, 'low')] }, 'high')).toBeUndefined();
    expect(render({ rows: [] }, 'info')).toBeUndefined();
    // Rows cut to fit SNS count only when the summary says they could be at the minimum.
    expect(render({ rows: [row(0, 'low')], omittedRows: 12 }, 'high')).toBeUndefined();
  });

  it('still posts when every row at the minimum was cut from the alert, and says so', () => {
    const summary = { ...summaryOf([]), findings: 30, bySeverity: { critical: 0, high: 30, medium: 0, low: 0, info: 0 } };
    const r = findings(render({ rows: [], omittedRows: 30, summary, fullFindings: 's3://findings-bucket/x.json' }, 'high'));
    expect(r.rowsPosted).toBe(0);
    expect(r.severity).toBe('high');
    expect(JSON.stringify(r.body)).toContain('…and 30 more finding groups');
    expect(JSON.stringify(r.body)).toContain('|Full findings>');
  });

  it('colours the attachment by the highest severity shown', () => {
    expect(SEVERITY_COLORS).toEqual({ critical: '#7b1fa2', high: '#d32f2f', medium: '#f57c00', low: '#fbc02d', info: '#9e9e9e' });
    expect(new Set(Object.values(SEVERITY_COLORS)).size).toBe(SEVERITIES.length);
    for (const s of SEVERITIES) {
      const r = findings(render({ rows: [row(0, s), row(1, 'info')] }, 'info'));
      expect(r.body.attachments?.[0].color).toBe(SEVERITY_COLORS[s]);
      expect(r.severity).toBe(s);
    }
    // Filtering decides: a low row below the minimum does not colour the message.
    expect(findings(render({ rows: [row(0, 'medium'), row(1, 'low')] }, 'medium')).body.attachments?.[0].color).toBe(SEVERITY_COLORS.medium);
  });

  it('shows cluster, source and counts in the context, and the summary line', () => {
    const rows = [row(0, 'critical'), row(1, 'high', { count: 3 })];
    const context = blocksOf(findings(render({ rows })).body).find((b) => b.type === 'context');
    const texts = context?.type === 'context' ? context.elements.map((e) => e.text) : [];
    expect(texts).toEqual([
      '*Cluster:* prod-eu',
      '*Source:* s3://audit-logs/clusters/prod-eu/2026/11/20/10/a.gz',
      '*Findings:* 1 critical, 3 high',
      '1 object (2.0 KiB), 900 events (800 skipped), 1 malformed line · 4 findings: 1 critical, 3 high, 0 medium, 0 low, 0 info',
    ]);
    for (const t of textsOf(findings(render({ rows })).body)) if (t.type === 'mrkdwn') expect(t.verbatim).toBe(true);
  });
});

describe('values from the logs', () => {
  const hostile = [
    row(0, 'critical', {
      actor: 'mallory <!channel> <@U024BE7LH>',
      ruleId: 'rule.number-0',
      target: { resource: 'secrets', namespace: 'kube-system', name: 'x```\n<https://evil.example/phish|click here>' },
      summary: '\u0007bell \u001b[31mred \u202eevil ran `sh` then ``` closed <!here> & <https://evil.example|click>',
    }),
  ];
  const r = findings(
    render(
      {
        rows: hostile,
        cluster: 'prod <!everyone>\n*bold*',
        source: 's3://audit-logs/<!channel>|x.gz',
        fullFindings: 'https://findings.example.com/a?b=1&c=<!channel>|label',
      },
      'high',
      'k8s-audit-analyzer prod <!channel>: 1 critical',
    ),
  );
  const json = JSON.stringify(r.body);

  it('cannot ping a channel, mention someone or forge a link', () => {
    expect(json).not.toMatch(/<!(channel|here|everyone)/);
    expect(json).not.toContain('<@U024BE7LH>');
    expect(json).not.toContain('<https://evil');
    expect(r.body.text).toBe('k8s-audit-analyzer prod &lt;!channel&gt;: 1 critical');
    // The only `<` left in any text opens one of our own links.
    for (const t of textsOf(r.body)) {
      for (const m of t.text.matchAll(/</g))
        expect(t.text.slice(m.index)).toMatch(
          /^<https:\/\/(console\.aws\.amazon\.com\/s3\/object\/audit-logs\?|findings\.example\.com\/a\?b=1&amp;c=%3C!channel%3E%7Clabel\|Full findings>)/,
        );
    }
    expect(tableText(r.body)).toContain('mallory &lt;!channel&gt; &lt;@U024BE7LH&gt;');
    expect(tableText(r.body)).toContain('&amp; &lt;https://evil.example|c');
    expect(tableText(r.body)).toContain('phish|click here&gt;');
  });

  it('cannot close the code block or break a line with backticks and control characters', () => {
    const sections = tableSections(r.body);
    expect(sections).toHaveLength(1);
    const inner = sections[0].slice(4, -4);
    expect(inner).not.toContain('`');
    expect(inner).toContain('ran ˋshˋ then ˋˋˋ closed &lt;!here&gt;');
    // Header, underline, one row and its summary line: the newline in the name did not add one.
    expect(inner.split('\n')).toHaveLength(4);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    for (const t of textsOf(r.body)) expect(t.text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(inner).toContain('\\u{7}bell \\u{1b}[31mred \\u{202e}evil');
    expect(json).toContain('*Cluster:* prod &lt;!everyone&gt;\\\\u{a}*bold*');
  });

  it('escapes the three characters Slack reserves, after showing controls', () => {
    expect(escapeMrkdwn('a & b < c > d\ne')).toBe('a &amp; b &lt; c &gt; d\\u{a}e');
  });
});

describe('links', () => {
  it('turns s3:// URIs into S3 console links and keeps https links, encoded so they cannot split', () => {
    expect(linkFor('s3://findings-bucket/runs/2026 11/x|y>.json')).toBe(
      'https://console.aws.amazon.com/s3/object/findings-bucket?prefix=runs%2F2026%2011%2Fx%7Cy%3E.json',
    );
    expect(linkFor('https://findings.example.com/x?a=1&b=2|3')).toBe('https://findings.example.com/x?a=1&b=2%7C3');
    expect(linkFor('http://findings.example.com/x')).toBeUndefined();
    expect(linkFor('javascript:alert(1)')).toBeUndefined();
    expect(linkFor('https://user:pass@example.com/')).toBeUndefined();
    expect(linkFor('s3://Not_A_Bucket/key')).toBeUndefined();
    expect(linkFor(`https://example.com/${'a'.repeat(3000)}`)).toBeUndefined();
  });

  it('links the full findings and the source object, and shows what cannot be linked as text', () => {
    const linked = findings(render({ rows: [row(0)], fullFindings: 's3://findings-bucket/runs/1.json' }));
    const links = blocksOf(linked.body).at(-1);
    expect(links).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', verbatim: true, text: '<https://console.aws.amazon.com/s3/object/findings-bucket?prefix=runs%2F1.json|Full findings>' },
        {
          type: 'mrkdwn',
          verbatim: true,
          text: '<https://console.aws.amazon.com/s3/object/audit-logs?prefix=clusters%2Fprod-eu%2F2026%2F11%2F20%2F10%2Fa.gz|Source object>',
        },
      ],
    });

    const presigned = findings(render({ rows: [row(0)], fullFindings: 'https://findings.s3.amazonaws.com/1.json?X-Amz-Credential=a%2Fb&X-Amz-Signature=abc' }));
    expect(JSON.stringify(presigned.body)).toContain('<https://findings.s3.amazonaws.com/1.json?X-Amz-Credential=a%2Fb&amp;X-Amz-Signature=abc|Full findings>');

    const unlinkable = findings(render({ rows: [row(0)], source: '/var/log/<audit>.log', fullFindings: 'ftp://x/y' }));
    const texts = textsOf(unlinkable.body).map((t) => t.text);
    expect(texts).toContain('Full findings: ftp://x/y');
    expect(texts).toContain('Source object: /var/log/&lt;audit&gt;.log');
  });
});

describe('messages that are not findings alerts', () => {
  const notice = (message: string, subject?: string | null): Extract<SlackRender, { kind: 'notice' }> => {
    const r = slackMessageFor({ subject, message }, { minSeverity: 'critical' });
    if (r?.kind !== 'notice') throw new Error(`expected a notice, got ${r ? r.kind : 'nothing'}`);
    return r;
  };

  it('posts a short notice from the escaped subject, whatever the minimum, never the raw JSON', () => {
    const digest = JSON.stringify({ kind: 'digest', summary: { findings: 3 }, link: 'https://x.example/r.html', secretish: '{"a":1}' });
    const r = notice(digest, 'k8s-audit-analyzer monthly digest <!channel> & co');
    expect(r.body).toEqual({ text: 'k8s-audit-analyzer monthly digest &lt;!channel&gt; &amp; co', unfurl_links: false, unfurl_media: false });
    expect(r.reason).toBe('kind "digest" is not rendered');
  });

  it('falls back to a notice for a report summary that does not match the contract', () => {
    const report = JSON.stringify({ kind: 'report', summary: { findings: 3 }, link: 'https://x.example/r.html', secretish: '{"a":1}' });
    const r = notice(report, 'k8s-audit-analyzer weekly report <!channel> & co');
    expect(r.body).toEqual({ text: 'k8s-audit-analyzer weekly report &lt;!channel&gt; &amp; co', unfurl_links: false, unfurl_media: false });
    expect(r.reason).toMatch(/^report payload does not match the contract at /);
    expect(r.reason).not.toContain('x.example');
  });

  it('falls back for a findings payload it cannot read, and for text that is not JSON', () => {
    const broken = notice(JSON.stringify({ kind: 'findings', source: 's3://a/b', table: [{ severity: 'apocalyptic' }] }), 'k8s-audit-analyzer: 1 critical');
    expect(broken.body.text).toBe('k8s-audit-analyzer: 1 critical');
    expect(broken.body.attachments).toBeUndefined();
    expect(broken.reason).toMatch(/^findings payload does not match the contract at /);

    expect(notice('not json at all', 'subject').body.text).toBe('subject');
    expect(notice('[1,2]', 'subject').reason).toBe('message is not a JSON object');
    expect(notice(JSON.stringify({ kind: 42 }), null).body.text).toBe('k8s-audit-analyzer: a message this notifier does not render (no subject)');
  });

  it('accepts an explicit kind "findings" like an absent one', () => {
    const r = render({ rows: [row(0, 'critical')], kind: 'findings' });
    expect(findings(r).rowsPosted).toBe(1);
  });
});

describe('the Slack message for a compliance report summary', () => {
  const MONDAY = new Date('2026-11-30T06:00:00Z');
  const LINK = `https://reports-bucket.s3.eu-west-1.amazonaws.com/reports/all/2026-11-23_2026-11-29/report.html?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=${'T'.repeat(1200)}&X-Amz-Signature=${'a'.repeat(64)}`;
  const OBJECTS = {
    html: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/report.html',
    csv: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/findings.csv',
    json: 's3://reports-bucket/reports/all/2026-11-23_2026-11-29/report.json',
  };
  let n = 0;
  const finding = (time: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding =>
    registryFinding(severity === 'critical' ? 'rbac.privileged-role-bound' : 'secret.write', {
      severity,
      summary: `did thing ${++n}`,
      auditID: `a-${n}`,
      time,
      cluster: 'prod-eu',
      actor: { username: `user-${n % 3}` },
      target: { resource: 'secrets', namespace: 'payments', name: `s-${n}` },
      ...extra,
    });
  const reportOf = (current: Finding[], previous: Finding[] = [], cadence: ReportCadence = 'weekly', clusters = ['prod-eu', 'staging']): ComplianceReport => {
    const period = reportPeriod(cadence, MONDAY);
    return buildComplianceReport({
      period,
      previousPeriod: previousPeriod(period),
      current,
      previous,
      coverage: clusters.map((cluster) => ({ cluster, objects: 3, byLevel: { Metadata: 50, Request: 5 } })),
      rules: RULES,
      config: DEFAULT_CONFIG,
      generatedAt: MONDAY.toISOString(),
      cadence,
    });
  };
  /** As the notifier receives it: the `lambda` body of the published summary. */
  const published = (report: ComplianceReport, htmlUrl = LINK): { subject: string; message: string } => {
    const alert = buildReportSummary({ report, htmlUrl, objects: OBJECTS, linkExpiresAt: '2026-12-01T06:00:00.000Z' });
    return { subject: alert.Subject, message: (JSON.parse(alert.Message) as { lambda: string }).lambda };
  };
  const reportRender = (r: SlackRender | undefined): Extract<SlackRender, { kind: 'report' }> => {
    if (r?.kind !== 'report') throw new Error(`expected a report, got ${r ? `${r.kind}${r.kind === 'notice' ? `: ${r.reason}` : ''}` : 'nothing'}`);
    return r;
  };
  const week = [
    finding('2026-11-23T01:00:00Z', 'critical'),
    finding('2026-11-24T01:00:00Z', 'critical'),
    ...Array.from({ length: 6 }, (_, i) => finding(`2026-11-2${5 + (i % 3)}T01:00:00Z`, 'high')),
  ];
  const lastWeek = [finding('2026-11-17T01:00:00Z', 'high'), finding('2026-11-18T01:00:00Z', 'medium')];

  it('renders the period, counts with the trend, the worst groups, the controls and the link', () => {
    const sns = published(reportOf(week, lastWeek));
    const r = reportRender(slackMessageFor(sns, { minSeverity: 'high' }));
    const blocks = blocksOf(r.body);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Weekly compliance report: 2026-11-23 – 2026-11-29 (UTC)', emoji: false } });
    expect(r.body.text).toBe(sns.subject);
    expect(r.body.attachments?.[0].color).toBe(SEVERITY_COLORS.critical);
    expect(r.findings).toBe(8);
    expect(r.rowsPosted).toBe(5);
    const texts = textsOf(r.body).map((t) => t.text);
    expect(texts).toContain('*Clusters:* prod-eu, staging');
    expect(texts).toContain('*Compared with:* 2026-11-16 – 2026-11-22');
    expect(texts).toContain('*Findings:* 8 (previous period: 2, +6)\n• 2 critical (+2)\n• 6 high (+5)\n• 0 medium (-1)');
    expect(texts).toContain('*Worst finding groups* (5 of 8):');
    expect(tableText(r.body)).toContain('rbac.privileged-role-bound');
    expect(texts.find((t) => t.startsWith('*Controls:*'))).toMatch(/^\*Controls:\* \d+ held · \d+ violated · \d+ not assessed\nViolated: `CIS-5\.1\.1`/);
    const link = texts.find((t) => t.includes('Open the HTML report'));
    expect(link).toBe(`*<${LINK.replace(/&/g, '&amp;')}|Open the HTML report>* (the link works until 2026-12-01T06:00:00.000Z at most)`);
    expect(link!.length).toBeLessThanOrEqual(3000);
    expect(
      texts.some((t) =>
        t.startsWith('<https://console.aws.amazon.com/s3/object/reports-bucket?prefix=reports%2Fall%2F2026-11-23_2026-11-29%2Ffindings.csv|CSV>'),
      ),
    ).toBe(true);
    for (const t of textsOf(r.body)) expect(t.text.length).toBeLessThanOrEqual(3000);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(r.body).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it('is posted whatever the minimum severity, rows below it included', () => {
    const lowOnly = [finding('2026-11-24T01:00:00Z', 'low', { ruleId: 'image.mutable-tag', category: 'untrusted-image' })];
    const r = reportRender(slackMessageFor(published(reportOf(lowOnly)), { minSeverity: 'critical' }));
    expect(r.rowsPosted).toBe(1);
    expect(tableText(r.body)).toContain('image.mutable-tag');
  });

  it('says "no findings" for an empty period, in a calm colour, and names a daily period as one day', () => {
    const r = reportRender(slackMessageFor(published(reportOf([], lastWeek, 'daily')), { minSeverity: 'high' }));
    expect(blocksOf(r.body)[0]).toMatchObject({ text: { text: 'Daily compliance report: 2026-11-29 (UTC)' } });
    expect(r.body.attachments?.[0].color).toBe(CLEAN_REPORT_COLOR);
    const texts = textsOf(r.body).map((t) => t.text);
    expect(texts).toContain('No findings in this period.');
    expect(texts).toContain('*Findings:* 0 (previous period: 0, no change)');
    expect(r.rowsPosted).toBe(0);
  });

  it('escapes every value from the logs and links only https', () => {
    const hostile = [finding('2026-11-24T01:00:00Z', 'critical', { actor: { username: '<!channel> `x` & <https://evil.example|click>' }, cluster: '<!here>' })];
    const report = reportOf(hostile, [], 'weekly', ['<!here>']);
    const r = reportRender(slackMessageFor(published(report, 'http://127.0.0.1:4569/reports-bucket/r.html?X-Amz-Signature=1'), { minSeverity: 'high' }));
    const json = JSON.stringify(r.body);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!here>');
    expect(json).not.toContain('<https://evil.example');
    expect(textsOf(r.body).map((t) => t.text)).toContain('*Clusters:* &lt;!here&gt;');
    expect(tableText(r.body)).toContain('&lt;!channel&gt; ˋ');
    // Not https: no link, the S3 location as text.
    expect(textsOf(r.body).map((t) => t.text)).toContain(`Report: ${OBJECTS.html}`);
    for (const t of textsOf(r.body)) if (t.type === 'mrkdwn') expect(t.verbatim).toBe(true);
  });

  it('reads the payload report-message.ts publishes, and rejects one with a bad period', () => {
    const { message } = published(reportOf(week));
    const parsed = parseReportPayload(message);
    expect(parsed?.ok).toBe(true);
    expect(parseReportPayload(JSON.stringify({ kind: 'findings' }))).toBeUndefined();
    const bad = JSON.parse(message) as { period: { from: string } };
    bad.period.from = 'last monday';
    expect(parseReportPayload(JSON.stringify(bad))).toEqual({ ok: false, reason: 'report payload does not match the contract at period.from' });
  });
});
