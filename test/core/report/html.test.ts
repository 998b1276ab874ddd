import type { Rule } from '../../../lambdas/core/detect/rule';
import type { Finding } from '../../../lambdas/core/finding';
import type { LocatedFinding, ScanSummary } from '../../../lambdas/core/report/aggregate';
import { aggregate, countBySeverity } from '../../../lambdas/core/report/aggregate';
import type { HtmlReportInput } from '../../../lambdas/core/report/html';
import { REPORT_CSP, renderHtmlReport } from '../../../lambdas/core/report/html';
import { RULES } from '../../../lambdas/core/rules';

const HOSTILE_USER = '<img src=x onerror=alert(1)>';
const HOSTILE_NAME = 'db"-creds&<b>x</b>';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity: 'critical',
    title: 'Privileged role bound',
    summary: 'alice bound cluster-admin to system:serviceaccount:default:backdoor',
    auditID: 'a1',
    time: '2026-11-20T10:00:00Z',
    actor: { username: 'alice@example.com' },
    target: { resource: 'clusterrolebindings', name: 'backdoor' },
    verb: 'create',
    evidence: {},
    ...overrides,
  };
}

const FINDINGS: Finding[] = [
  finding(),
  finding({ auditID: 'a2', time: '2026-11-20T10:30:00Z' }),
  finding({
    ruleId: 'exec.pod-exec',
    category: 'exec',
    severity: 'high',
    title: 'Command run in a container',
    auditID: 'b1',
    time: '2026-11-20T12:00:00Z',
    summary: 'bob ran `sh` in pod prod/db',
    actor: { username: 'bob' },
    target: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'db' },
  }),
  finding({
    ruleId: 'secret.read',
    category: 'secret',
    severity: 'low',
    title: 'Secret read',
    auditID: 'c1',
    time: '2026-11-20T15:45:00Z',
    actor: { username: HOSTILE_USER },
    target: { resource: 'secrets', namespace: 'prod', name: HOSTILE_NAME },
    summary: `${HOSTILE_USER} read Secret prod/${HOSTILE_NAME}`,
  }),
  finding({
    ruleId: 'secret.read',
    category: 'secret',
    severity: 'low',
    title: 'Secret read',
    auditID: 'c2',
    time: '2026-11-20T16:00:00Z',
    actor: { username: 'carol' },
    target: { resource: 'secrets', namespace: 'prod', name: 'tls' },
  }),
];

function summaryOf(located: LocatedFinding[], extra: Partial<ScanSummary> = {}): ScanSummary {
  return {
    objects: 3,
    bytes: 5 * 1024 * 1024,
    events: 12345,
    skipped: 12000,
    malformed: 2,
    incomplete: 0,
    findings: located.length,
    bySeverity: countBySeverity(located),
    ...extra,
  };
}

function render(findings: Finding[] = FINDINGS, overrides: Partial<HtmlReportInput> = {}): string {
  const located = findings.map((f) => ({ finding: f, source: 'audit/2026/11/20/log.gz' }));
  return renderHtmlReport({ rows: aggregate(located), findings, summary: summaryOf(located), rules: RULES, generatedAt: '2026-11-21T08:00:00Z', ...overrides });
}

/** The markup of the element with this id, up to its closing tag (sections do not nest). */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** Markup as the text a reader sees: code spans back to backticks, break hints and entities gone. */
const plain = (html: string): string =>
  html
    .replace(/<\/?code>/g, '`')
    .replace(/<wbr>/g, '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const all = (html: string, re: RegExp): string[] => [...html.matchAll(re)].map((m) => m[1]);

describe('the HTML report', () => {
  it('is one document with every section, found by stable ids', () => {
    const html = render();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const id of ['summary', 'by-severity', 'by-category', 'timeline', 'findings', 'rules']) expect(html).toContain(`<section id="${id}"`);
    expect(html.match(/<html/g)).toHaveLength(1);
  });

  it('forbids scripts and every fetch with a Content-Security-Policy', () => {
    const html = render();
    expect(REPORT_CSP).toContain("default-src 'none'");
    expect(REPORT_CSP).toContain("style-src 'unsafe-inline'");
    expect(REPORT_CSP).toContain('img-src data:');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`);
    // The policy comes before anything it governs.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
  });

  it('is self-contained: no script, no external URL in any src or href', () => {
    const html = render();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(all(html, /<link\b[^>]*href="([^"]*)"/g)).toEqual(['data:,']);
    expect(all(html, /\bhref="([^"]*)"/g).every((h) => h.startsWith('#') || h === 'data:,')).toBe(true);
  });

  it('summarises the run: findings by severity; what was read (objects, data, events, skipped, malformed) at the end of the page', () => {
    const page = render();
    const s = section(page, 'summary');
    const read = section(page, 'reading');
    expect(page.indexOf('id="reading"')).toBeGreaterThan(page.indexOf('id="findings"'));
    const stat = (key: string) => new RegExp(`data-stat="${key}"[^]*?<dd class="num">([^<]*)</dd>`).exec(read)?.[1];
    expect(s).toMatch(/<span class="big num">5<\/span> findings/);
    expect(s).toMatch(/in <span class="num">4<\/span> groups/);
    expect(stat('objects')).toBe('3');
    expect(stat('bytes')).toBe('5.0 MiB');
    expect(stat('events')).toBe('12,345');
    expect(stat('skipped')).toBe('12,000');
    expect(stat('malformed')).toBe('2');
    expect(read).toMatch(/class="stat warn" data-stat="malformed"/); // malformed lines are worth a look
    expect(stat('incomplete')).toBe('0');
    const bySeverity = Object.fromEntries([...s.matchAll(/data-severity="(\w+)">.*?<span class="num">(\d+)<\/span>/g)].map((m) => [m[1], Number(m[2])]));
    expect(bySeverity).toEqual({ critical: 2, high: 1, medium: 0, low: 2, info: 0 });
  });

  it('draws one bar per severity, most severe first, each with its number', () => {
    const s = section(render(), 'by-severity');
    expect(s).toContain('<svg');
    expect(all(s, /<rect class="bar sev-(\w+)"/g)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(all(s, /data-count="(\d+)"/g).map(Number)).toEqual([2, 1, 0, 2, 0]);
    expect(s).toContain('<title>critical: 2 findings</title>');
    expect(all(s, /<text class="value"[^>]*>(\d+)<\/text>/g)).toEqual(['2', '1', '0', '2', '0']);
  });

  it('draws one bar per category present, the most frequent first, coloured by its most severe finding', () => {
    const s = section(render(), 'by-category');
    expect(all(s, /<g class="bar-row" data-key="([\w-]+)"/g)).toEqual(['rbac-change', 'secret', 'exec']);
    expect(all(s, /<rect class="bar (sev-\w+)"/g)).toEqual(['sev-critical', 'sev-low', 'sev-high']);
    expect(all(s, /data-count="(\d+)"/g).map(Number)).toEqual([2, 2, 1]);
  });

  it('puts the findings on a timeline between the first and the last, stacked by severity', () => {
    const s = section(render(), 'timeline');
    // 10:00 to 16:00 is 6 hours: 15-minute buckets keep it under the limit.
    expect(s).toContain('5 findings in 25 buckets of 15 minutes');
    const buckets = [...s.matchAll(/<g class="bucket" data-count="(\d+)" data-severity="(\w+)">/g)].map((m) => [Number(m[1]), m[2]]);
    expect(buckets).toEqual([
      [1, 'critical'],
      [1, 'critical'],
      [1, 'high'],
      [1, 'low'],
      [1, 'low'],
    ]);
    expect(all(s, /<rect class="bar[^"]*" data-count="(\d+)"/g).reduce((n, c) => n + Number(c), 0)).toBe(5);
    expect(s).toMatch(/<title>2026-11-20 10:00 \(\+15 minutes\): 1 finding \(1 critical\)<\/title>/);
  });

  it('stacks a bucket by severity, the most severe on the axis', () => {
    const findings = [
      finding({ severity: 'low', auditID: 'x1' }),
      finding({ severity: 'critical', auditID: 'x2' }),
      finding({ severity: 'low', auditID: 'x3' }),
    ];
    const s = section(render(findings), 'timeline');
    expect(s).toMatch(/<g class="bucket" data-count="3" data-severity="critical">/);
    expect(all(s, /<rect class="bar sev-(\w+)"/g)).toEqual(['critical', 'low']);
  });

  it('picks wider buckets for longer periods, and counts findings whose time it cannot read', () => {
    const findings = [
      finding({ time: '2026-01-01T00:00:00Z' }),
      finding({ time: '2026-11-30T00:00:00Z', auditID: 'a2' }),
      finding({ time: '', auditID: 'a3' }),
    ];
    const s = section(render(findings), 'timeline');
    expect(s).toContain('2 findings in 48 buckets of 7 days; 1 without a readable time not shown');
  });

  it('reads a time without a zone as UTC, wherever the report is made', () => {
    const html = render([finding({ time: '2022-11-29 00:09:04.38' })]);
    expect(section(html, 'findings')).toContain('<span>2022-11-29</span> <span>00:09:04</span>');
    expect(section(html, 'timeline')).toContain('1 finding in 1 bucket of 1 minute');
  });

  it('shows the aggregated table in the order given, one row per group', () => {
    const located = FINDINGS.map((f) => ({ finding: f, source: 's3://logs/a.gz' }));
    const rows = aggregate(located).reverse();
    const s = section(render(FINDINGS, { rows }), 'findings');
    expect(all(s, /<tr class="sev-row-(\w+)">/g)).toEqual(rows.map((r) => r.severity));
    expect(all(s, /<a href="#rule-([\w.-]+)">/g)).toEqual(rows.map((r) => r.ruleId));
    for (const h of ['Severity', 'Count', 'Rule', 'Actor', 'Target', 'First seen', 'Last seen', 'Example auditID', 'Summary'])
      expect(s).toContain(`<th scope="col">${h}</th>`);
  });

  it('fills a row: severity, count, rule, actor, target, first and last seen, example auditID, summary', () => {
    const s = section(render(), 'findings');
    const row = s.slice(s.indexOf('<tr class="sev-row-critical">'), s.indexOf('</tr>', s.indexOf('<tr class="sev-row-critical">')));
    expect(row).toContain('<span class="badge sev-critical">critical</span>');
    expect(row).toContain('<td class="num">2</td>');
    expect(row).toContain('Privileged role bound');
    expect(row).toContain('alice@<wbr>example.<wbr>com');
    expect(row).toContain('clusterrolebindings backdoor');
    expect(row).toContain('<td class="time" title="2026-11-20T10:00:00Z"><span>2026-11-20</span> <span>10:00:00</span></td>');
    expect(row).toContain('<td class="time" title="2026-11-20T10:30:00Z"><span>2026-11-20</span> <span>10:30:00</span></td>');
    expect(row).toContain('title="from audit/2026/11/20/log.gz">a2</td>');
    expect(plain(row)).toContain('alice bound cluster-admin to system:serviceaccount:default:backdoor');
    expect(section(render(), 'findings')).toContain('bob ran <code>sh</code> in pod prod/<wbr>db');
  });

  it('escapes what the audit log says: usernames, object names and summaries are attacker-controlled', () => {
    const html = render();
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;');
    expect(html).toContain('&amp;&lt;b&gt;x&lt;/<wbr>b&gt;');
    expect(html).not.toMatch(/db"-/);
  });

  it('escapes values in attributes too', () => {
    const located = [{ finding: finding(), source: '"><img src=x onerror=alert(1)>' }];
    const html = renderHtmlReport({
      rows: aggregate(located),
      findings: [finding()],
      summary: summaryOf(located),
      rules: RULES,
      generatedAt: '"><img>',
      title: '</title><img src=x>',
    });
    expect(html).not.toContain('<img');
    expect(html).toContain('title="from &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain('<title>&lt;/title&gt;&lt;img src=x&gt;</title>');
  });

  it('shows control and bidirectional-override characters instead of letting them reorder the text', () => {
    const html = render([finding({ actor: { username: 'admin\u202egnp.exe' } })]);
    expect(html).not.toContain('\u202e');
    expect(html).toContain('admin\\u{202e}gnp.<wbr>exe');
  });

  it('describes each rule that fired, and only those: title, id, category, ATT&CK, description, false positives, remediation', () => {
    const s = section(render(), 'rules');
    const fired = ['rbac.privileged-role-bound', 'exec.pod-exec', 'secret.read'];
    expect(all(s, /<article class="rule" id="rule-([\w.-]+)">/g)).toEqual(fired);
    for (const id of fired) {
      const rule = RULES.find((r) => r.id === id) as Rule;
      const article = s.slice(s.indexOf(`id="rule-${id}"`), s.indexOf('</article>', s.indexOf(`id="rule-${id}"`)));
      expect(article).toContain(`<h3>${rule.title.replace(/&/g, '&amp;')}</h3>`);
      expect(article).toContain(`<code>${id}</code>`);
      expect(article).toContain(`<dd>${rule.category}</dd>`);
      for (const technique of rule.attack) expect(article).toContain(`<code>${technique}</code>`);
      for (const text of [rule.description, rule.falsePositives, rule.remediation]) {
        expect(plain(article)).toContain(text.split('\n\n')[0].slice(0, 60));
      }
    }
    expect(s).not.toContain('id="rule-workload.privileged-pod"');
  });

  it('still describes a rule missing from the registry by the title its findings carry', () => {
    const s = section(render([finding({ ruleId: 'custom.rule', title: 'Custom <rule>' })]), 'rules');
    expect(s).toContain('<h3>Custom &lt;rule&gt;</h3>');
    expect(s).toContain('not in this build');
  });

  it('says clearly when there is nothing to report, and still draws the charts', () => {
    const html = renderHtmlReport({ rows: [], findings: [], summary: summaryOf([]), rules: RULES, generatedAt: '2026-11-21T08:00:00Z' });
    expect(section(html, 'summary')).toContain('No findings');
    expect(section(html, 'findings')).toContain('No findings.');
    expect(section(html, 'findings')).not.toContain('<table');
    expect(section(html, 'rules')).toContain('No rule fired.');
    expect(all(section(html, 'by-severity'), /<rect class="bar sev-(\w+)" data-count="0"/g)).toHaveLength(5);
    expect(section(html, 'by-category')).toMatch(/<svg[^]*No findings<\/text>/);
    expect(section(html, 'timeline')).toMatch(/<svg[^]*No findings<\/text>/);
  });

  it('has a title, and takes another', () => {
    expect(render()).toContain('<title>Kubernetes audit log findings</title>');
    expect(render(FINDINGS, { title: 'prod-eu, week 47' })).toContain('<h1>prod-eu, week 47</h1>');
  });
});
