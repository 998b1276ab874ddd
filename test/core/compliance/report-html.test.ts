import { changeOf, renderComplianceHtml } from '../../../lambdas/core/compliance/report-html';
import type { ComplianceReport } from '../../../lambdas/core/compliance/types';
import { REPORT_CSP } from '../../../lambdas/core/report/html-parts';
import { RULES } from '../../../lambdas/core/rules';
import { PROD_EU_ROWS, aggRow, assessment, complianceFixture, emptyComplianceReport, prodEuWeek } from '../../helpers/compliance-report';

const SECTIONS = ['summary', 'trend', 'by-severity', 'by-category', 'by-cluster', 'top-actors', 'controls', 'coverage', 'notes', 'findings', 'rules'];

const render = (report: ComplianceReport = prodEuWeek()): string => renderComplianceHtml(report, RULES);

/** The markup of the section with this id, up to its closing tag (sections do not nest). */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** One control's markup: its <tbody>. */
function control(html: string, id: string): string {
  const start = html.indexOf(`<tbody class="control`, html.indexOf(`data-control="${id}"`) - 200);
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</tbody>\n', start));
}

/** Markup as the text a reader sees: tags (blocks and cells as a space), break hints and entities gone. */
const plain = (html: string): string =>
  html
    .replace(/<title>[^<]*<\/title>/g, '')
    .replace(/<\/?(?:td|th|tr|li|p|ul|div|dt|dd|h\d|table|thead|tbody|header|figcaption)\b[^>]*>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

const header = (html: string): string => html.slice(html.indexOf('<header class="page"'), html.indexOf('</header>', html.indexOf('<header class="page"')));

const all = (html: string, re: RegExp): string[] => [...html.matchAll(re)].map((m) => m[1]);

describe('the compliance report page', () => {
  describe('the document', () => {
    it('is one document with a header and every section, found by stable ids', () => {
      const html = render();
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html.match(/<html/g)).toHaveLength(1);
      expect(html).toContain('<header class="page" id="header">');
      for (const id of SECTIONS) expect(html).toContain(`<section id="${id}"`);
      // In the order an auditor reads them.
      const at = SECTIONS.map((id) => html.indexOf(`<section id="${id}"`));
      expect([...at].sort((a, b) => a - b)).toEqual(at);
    });

    it('forbids scripts and every fetch with the CSP of the findings page, before anything it governs', () => {
      const html = render();
      expect(REPORT_CSP).toContain("default-src 'none'");
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`);
      expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
      expect(html).toContain('<meta name="referrer" content="no-referrer">');
    });

    it('is self-contained: no script, no src, no stylesheet or font to fetch; links go to anchors or, for controls, to https pages', () => {
      const html = render();
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/\bsrc\s*=/i);
      expect(html).not.toMatch(/@import|url\(/i);
      expect(all(html, /<link\b[^>]*href="([^"]*)"/g)).toEqual(['data:,']);
      const external = all(html, /\bhref="([^"#][^"]*)"/g).filter((h) => h !== 'data:,');
      expect(external.length).toBeGreaterThan(0);
      for (const h of external) expect(h).toMatch(/^https:\/\//);
      for (const a of html.match(/<a href="https:[^>]*>/g) ?? []) expect(a).toContain('rel="noopener noreferrer"');
    });

    it('follows dark mode, and prints on white without the navigation', () => {
      const html = render();
      const style = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
      expect(style).toContain('@media (prefers-color-scheme: dark)');
      const prints = style.split('@media print').slice(1).join('');
      expect(prints).toContain('--bg: #fff');
      expect(prints).toContain('--panel: #fff');
      expect(prints).toMatch(/nav\.toc \{ display: none; \}/);
      expect(prints).toMatch(/tbody\.control \{ break-inside: avoid; \}/);
    });
  });

  describe('the header', () => {
    it('gives the title, the period in UTC, the previous period, when it was made and the clusters', () => {
      const head = plain(header(render()));
      expect(head).toContain('Weekly compliance report');
      expect(head).toContain('Kubernetes compliance report: prod-eu');
      expect(head).toContain('Period 2026-11-23 – 2026-11-29 (UTC) from 2026-11-23 00:00:00 to 2026-11-30 00:00:00 UTC, end excluded');
      expect(head).toContain('Compared with 2026-11-16 – 2026-11-22 (UTC) from 2026-11-16 00:00:00 to 2026-11-23 00:00:00 UTC');
      expect(head).toContain('Generated 2026-11-30 06:00:12 UTC');
      expect(head).toMatch(/Cluster prod-eu $/);
    });

    it('states the zone when the label does not, and lists several clusters', () => {
      const report = { ...prodEuWeek(), period: { ...prodEuWeek().period, label: '2026-11-29' }, clusters: ['prod-eu', 'prod-us'] };
      const head = plain(header(render(report)));
      expect(head).toContain('Period 2026-11-29 (UTC)');
      expect(head).toContain('Clusters prod-eu, prod-us');
    });
  });

  describe("the auditor's first page", () => {
    it('comes first, with the header, in one block that prints as page 1', () => {
      const html = render();
      const first = html.slice(html.indexOf('<div class="first-page">'), html.indexOf('<main>'));
      expect(first).toContain('<header class="page" id="header">');
      expect(first).toContain('<section id="audit-summary"');
      expect(html.indexOf('id="audit-summary"')).toBeLessThan(html.indexOf('<section id="summary"'));
      expect(html).toMatch(/@media print \{\n {2}\.first-page \{ break-after: page; \}/);
    });

    it('says the threshold and what violated nothing, the clusters with their platform, and each framework by state', () => {
      const s = plain(section(render(), 'audit-summary'));
      expect(s).toContain(
        'A control is violated by a finding at medium severity or above about a request that was not refused (41 findings below it and 3 about refused requests violated nothing).',
      );
      expect(s).toContain('Clusters covered 1 Cluster Platform prod-eu Amazon EKS (managed) (seen in its audit log)');
      expect(s).toContain('Framework violated held not assessed not applicable CIS Kubernetes Benchmark 4 2 1 2 CIS Amazon EKS Benchmark 3 1 0 0');
      expect(s).toContain('NSA/CISA Kubernetes Hardening Guidance 1 1 1 0 MITRE ATT&CK 2 2 1 0');
    });

    it('lists the incidents behind the violations and the change since the previous period, linking the controls', () => {
      const html = section(render(), 'audit-summary');
      expect(all(html, /<tr class="incident"><td><span class="badge sev-(\w+)">/g)).toEqual(['critical', 'high']);
      expect(plain(html)).toContain('system:serviceaccount:ci:jenkins-deployer');
      expect(plain(html)).toContain('prod-eu · 2026-11-24 09:12:03 – 2026-11-24 09:40:10 UTC · 4 findings');
      expect(plain(html)).toContain('CIS-5.1.1, CIS-5.2.2, CIS-EKS-4.1.1, CIS-EKS-4.2.1, NSA-CISA:pod-security, T1098.006, T1611');
      expect(plain(html)).toContain('binding + privileged DaemonSet: a persistence chain');
      expect(plain(html)).toContain(
        'Against 2026-11-16 – 2026-11-22 (UTC), when 5 controls were violated: Newly violated: CIS-5.1.2, CIS-EKS-4.1.2 No longer violated:',
      );
      expect(html).toContain('<a href="#control-CIS-EKS-4.1.2"><code>CIS-<wbr>EKS-<wbr>4.<wbr>1.<wbr>2</code></a>');
    });

    it('says "first period" when nothing is known of the one before, and "none" without incidents', () => {
      const s = plain(section(render(emptyComplianceReport()), 'audit-summary'));
      expect(s).toContain('First period: nothing was recorded for the period before (2026-11-16 – 2026-11-22 (UTC)) to compare with.');
      expect(s).toContain('Incidents that caused violations 0 None: no finding violated a control in this period.');
    });

    it('escapes and cuts names from the logs', () => {
      const week = prodEuWeek();
      const hostile = `<script>alert(1)</script>${'x'.repeat(500)}`;
      const incident = { ...week.auditSummary.incidents[0], principal: hostile, cluster: '<b>c</b>' };
      const report = { ...week, auditSummary: { ...week.auditSummary, incidents: [incident] } };
      const html = section(render(report), 'audit-summary');
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<b>c</b>');
      expect(plain(html)).toContain('&lt;b&gt;c&lt;/b&gt;'.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
      expect(plain(html)).not.toContain('x'.repeat(200));
      expect(plain(html)).toContain('…');
    });
  });

  describe('the summary', () => {
    it('gives the total with its change against the previous period, and the counts by severity with theirs', () => {
      const s = section(render(), 'summary');
      expect(s).toMatch(
        /<span class="big num">100<\/span> findings <span class="delta delta-up" data-delta="up" title="71 in the previous period">↑ 41%<\/span>/,
      );
      expect(plain(s)).toContain('against 71 in the previous period');
      const counts = Object.fromEntries(
        [...s.matchAll(/data-severity="(\w+)">.*?<span class="num">(\d+)<\/span> <span class="delta[^>]*>([^<]*)<\/span>/g)].map((m) => [
          m[1],
          `${m[2]} ${m[3]}`,
        ]),
      );
      expect(counts).toEqual({ critical: '3 ↑ 200%', high: '19 ↑ 73%', medium: '15 ↑ 25%', low: '59 ↑ 44%', info: '4 ↓ 33%' });
    });

    it('counts the controls by state and the finding groups', () => {
      const s = section(render(), 'summary');
      const stat = (key: string) => new RegExp(`data-stat="${key}"><dt>[^<]*</dt><dd class="num">([^<]*)</dd>`).exec(s)?.[1];
      expect([stat('groups'), stat('clusters'), stat('held'), stat('violated'), stat('not-assessed'), stat('not-applicable')]).toEqual([
        '11',
        '1',
        '6',
        '10',
        '3',
        '2',
      ]);
    });

    it('says "new" when the previous period had none, and shows no change where neither had any', () => {
      const report = complianceFixture({ rows: [aggRow({ count: 4 })], previous: {} });
      const s = section(render(report), 'summary');
      expect(s).toMatch(
        /<span class="big num">4<\/span> findings <span class="delta delta-new" data-delta="new" title="none in the previous period">new<\/span>/,
      );
      expect(s).toMatch(/data-severity="critical">.*?<span class="num">4<\/span> <span class="delta delta-new"/);
      expect(s).toMatch(/data-severity="high">.*?<span class="num">0<\/span><\/li>/);
    });

    it('words the change: up and down in whole percent, new from none, no change, and under one percent', () => {
      expect(changeOf({ current: 100, previous: 71 })).toEqual({ direction: 'up', text: '↑ 41%' });
      expect(changeOf({ current: 4, previous: 6 })).toEqual({ direction: 'down', text: '↓ 33%' });
      expect(changeOf({ current: 0, previous: 9 })).toEqual({ direction: 'down', text: '↓ 100%' });
      expect(changeOf({ current: 3, previous: 0 })).toEqual({ direction: 'new', text: 'new' });
      expect(changeOf({ current: 5, previous: 5 })).toEqual({ direction: 'same', text: 'no change' });
      expect(changeOf({ current: 0, previous: 0 })).toEqual({ direction: 'same', text: 'no change' });
      expect(changeOf({ current: 1001, previous: 1000 })).toEqual({ direction: 'up', text: '↑ <1%' });
      expect(changeOf({ current: 25_000, previous: 10 })).toEqual({ direction: 'up', text: '↑ 249,900%' });
    });
  });

  describe('the charts', () => {
    it('draws the trend as pairs of bars, this period over the previous one, with the change beside each', () => {
      const s = section(render(), 'trend');
      const sev = s.slice(s.indexOf('id="trend-severity"'), s.indexOf('</figure>', s.indexOf('id="trend-severity"')));
      expect(sev).toContain('<svg class="bars grouped"');
      expect(all(sev, /<g class="bar-row" data-key="(\w+)">/g)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
      const bars = [...sev.matchAll(/<rect class="bar (series-\w+)" data-series="([^"]+)" data-count="(\d+)"/g)].map((m) => `${m[1]}:${m[3]}`);
      expect(bars).toEqual([
        'series-current:3',
        'series-previous:1',
        'series-current:19',
        'series-previous:11',
        'series-current:15',
        'series-previous:12',
        'series-current:59',
        'series-previous:41',
        'series-current:4',
        'series-previous:6',
      ]);
      expect(all(sev, /<text class="note ([\w-]+)"/g)).toEqual(['delta-up', 'delta-up', 'delta-up', 'delta-up', 'delta-down']);
      expect(all(sev, /<text class="note [\w-]+"[^>]*>([^<]*)</g)).toEqual(['↑ 200%', '↑ 73%', '↑ 25%', '↑ 44%', '↓ 33%']);
      expect(sev).toContain('<title>critical, this period: 3 findings</title>');
      expect(sev).toContain('<title>critical, previous period: 1 finding</title>');

      const cat = s.slice(s.indexOf('id="trend-category"'), s.indexOf('</figure>', s.indexOf('id="trend-category"')));
      expect(all(cat, /<g class="bar-row" data-key="([\w-]+)">/g)).toEqual([
        'anonymous-access',
        'untrusted-image',
        'exec',
        'secret',
        'rbac-change',
        'daemonset',
        'privileged-workload',
        'service-account',
      ]);
      expect(cat).toMatch(/data-key="daemonset">[^]*?<text class="note delta-new"[^>]*>new<\/text>/);
      expect(plain(s)).toContain('this period (2026-11-23 – 2026-11-29 (UTC))');
    });

    it('draws findings by severity, by category and by cluster as bars, each with its number', () => {
      const html = render();
      const sev = section(html, 'by-severity');
      expect(all(sev, /<rect class="bar sev-(\w+)"/g)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
      expect(all(sev, /data-count="(\d+)"/g).map(Number)).toEqual([3, 19, 15, 59, 4]);
      const cat = section(html, 'by-category');
      expect(all(cat, /<g class="bar-row" data-key="([\w-]+)">/g).slice(0, 3)).toEqual(['anonymous-access', 'untrusted-image', 'exec']);
      // Coloured by the most severe finding of the category: exec has a high row and a medium one.
      expect(cat).toMatch(/data-key="exec">[^]*?<rect class="bar sev-high" data-count="20"/);
      const cluster = section(html, 'by-cluster');
      expect(cluster).toMatch(/data-key="prod-eu">[^]*?<rect class="bar sev-critical" data-count="100"/);
    });

    it('shows every cluster of the report, one without findings too, and cuts a long name to fit with the whole in a tooltip', () => {
      const long = 'arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod';
      const report = complianceFixture({
        rows: [aggRow({ clusters: [long], count: 3 }), aggRow({ actor: 'bob', clusters: ['prod-eu'] })],
        clusters: ['prod-eu', 'quiet', long],
      });
      const s = section(render(report), 'by-cluster');
      expect(all(s, /data-key="([^"]+)"/g)).toEqual([long, 'prod-eu', 'quiet']);
      expect(all(s, /data-count="(\d+)"/g).map(Number)).toEqual([3, 1, 0]);
      expect(s).toContain(`>arn:aws:eks:eu-west…<title>${long}</title></text>`);
    });
  });

  describe('the tables', () => {
    it('lists the top actors: findings, highest severity, rules linked to their description', () => {
      const s = section(render(), 'top-actors');
      const rows = s.split('<tr>').slice(2);
      expect(rows.map((r) => plain(r).trim().split(' ').slice(0, 3).join(' '))).toEqual([
        'system:anonymous 37 low',
        'system:serviceaccount:argocd:argocd-application-controller 25 low',
        'alice@corp.example 17 critical',
        'system:serviceaccount:ci:jenkins-deployer 10 critical',
        'oncall-sre@corp.example 6 medium',
        'bob@corp.example 5 high',
      ]);
      expect(rows[2]).toContain('<a href="#rule-exec.pod-exec"><code>exec.<wbr>pod-<wbr>exec</code></a>');
    });

    it('shows the aggregated findings table and the rules that fired, as the findings page does', () => {
      const html = render();
      expect(all(section(html, 'findings'), /<tr class="sev-row-(\w+)">/g)).toHaveLength(PROD_EU_ROWS.length);
      expect(all(section(html, 'rules'), /<article class="rule" id="rule-([\w.-]+)">/g)).toEqual([...new Set(prodEuWeek().rows.map((r) => r.ruleId))]);
      expect(plain(section(html, 'rules'))).toContain('Remediation');
    });

    it('shows coverage per cluster by audit level, or says there was none', () => {
      const s = section(render(), 'coverage');
      const row = s.slice(s.indexOf('<tr data-cluster="prod-eu">'), s.indexOf('</tr>', s.indexOf('<tr data-cluster="prod-eu">')));
      expect(all(row, /<td class="num[^"]*">([\d,]+)<\/td>/g)).toEqual(['2,016', '0', '1,180,442', '310,907', '0', '1,491,349']);
      expect(row).toContain('<td>Request</td>');
      for (const coverage of [undefined, []]) {
        const none = section(render({ ...prodEuWeek(), coverage }), 'coverage');
        expect(none).toContain('No coverage data was available');
        expect(none).not.toContain('<table');
      }
    });

    it('shows the notes, backticks as code', () => {
      const s = section(render(), 'notes');
      expect(all(s, /<li>/g)).toHaveLength(2);
      expect(s).toContain('<code>restart.<wbr>crash-<wbr>loop</code>');
      expect(section(render({ ...prodEuWeek(), notes: [] }), 'notes')).toContain('No notes.');
    });
  });

  describe('the controls', () => {
    it('counts them by state and groups them by framework: CIS, CIS EKS, NSA/CISA, MITRE ATT&CK', () => {
      const s = section(render(), 'controls');
      expect(plain(s)).toContain('21 controls: 10 violated, 6 held, 3 not assessed, 2 not applicable');
      expect(all(s, /<div class="framework" data-framework="([\w-]+)">/g)).toEqual(['CIS', 'CIS-EKS', 'NSA-CISA', 'MITRE-ATTACK']);
      expect(plain(s)).toContain('CIS Kubernetes Benchmark 4 violated, 2 held, 1 not assessed, 2 not applicable');
      expect(plain(s)).toContain('CIS Amazon EKS Benchmark 3 violated, 1 held, 0 not assessed');
      expect(plain(s)).toContain('NSA/CISA Kubernetes Hardening Guidance 1 violated, 1 held, 1 not assessed');
      expect(plain(s)).toContain('MITRE ATT&CK 2 violated, 2 held, 1 not assessed');
      expect(s).toContain('MITRE ATT&amp;CK');
    });

    it('gives every control a badge that says its state in words: held green, violated red, not assessed and not applicable grey', () => {
      const s = section(render(), 'controls');
      const states = [
        ...s.matchAll(
          /<tbody class="control state-([\w-]+)"[^>]*data-state="([\w-]+)">\n<tr class="control-row">.*?<span class="status status-([\w-]+)" data-state="[\w-]+"><span aria-hidden="true">(.)<\/span> ([\w ]+)<\/span>/g,
        ),
      ];
      expect(states).toHaveLength(21);
      for (const [, cls, state, badge, mark, words] of states) {
        expect([cls, badge]).toEqual([state, state]);
        expect({ state, mark, words }).toEqual(
          {
            held: { state, mark: '✓', words: 'held' },
            violated: { state, mark: '✗', words: 'violated' },
            'not-assessed': { state, mark: '–', words: 'not assessed' },
            'not-applicable': { state, mark: '∅', words: 'not applicable' },
          }[state],
        );
      }
      const style = render().slice(0, render().indexOf('</style>'));
      expect(style).toMatch(/\.status-held \{ background: var\(--ok\); \}/);
      expect(style).toMatch(/\.status-violated \{ background: var\(--bad\); \}/);
      expect(style).toMatch(/\.status-not-assessed \{[^}]*color: var\(--na\)/);
    });

    it('never shows a control not assessed as held, nor gives it a count of zero findings', () => {
      const c = control(render(), 'CIS-5.1.9');
      expect(c).toContain('data-state="not-assessed"');
      expect(c).not.toMatch(/status-held|✓|>held</);
      expect(c).toContain('<td class="num"><span class="muted">—</span></td>');
    });

    it('links the control id when it has a page, and lists its rules, linked when they fired', () => {
      const html = render();
      expect(control(html, 'T1098.006')).toContain('<a href="https://attack.mitre.org/techniques/T1098/006/" rel="noopener noreferrer">T1098.<wbr>006</a>');
      expect(control(html, 'CIS-5.1.1')).toMatch(/<th scope="row" class="control-id mono">CIS-<wbr>5.<wbr>1.<wbr>1<\/th>/);
      const rules = control(html, 'CIS-5.1.1');
      expect(rules).toContain('<a href="#rule-rbac.privileged-role-bound"><code>');
      expect(rules).toMatch(/<code>rbac.<wbr>broad-<wbr>subject-<wbr>bound<\/code>/);
      expect(rules).not.toContain('href="#rule-rbac.broad-subject-bound"');
    });

    it('lists the findings of a violated control: rule, actor, target, count, last seen', () => {
      const c = control(render(), 'CIS-5.1.2');
      expect(plain(c)).toContain('11 findings in 2 groups');
      const rows = c
        .slice(c.indexOf('<table class="mini">'))
        .split('<tr>')
        .slice(2)
        .map((r) => plain(r).trim());
      expect(rows).toEqual([
        'high secret.bulk-read bob@corp.example secrets payments 2 2026-11-27 03:02:51',
        'medium secret.read system:serviceaccount:ci:jenkins-deployer secrets payments/db-credentials 9 2026-11-29 11:00:03',
      ]);
      for (const h of ['Rule', 'Actor', 'Target', 'Count', 'Last seen']) expect(c).toContain(`>${h}</th>`);
    });

    it('says when a violated control has more findings than the rows it lists', () => {
      const c = assessment('CIS-5.1.2', 'CIS', 'Minimize access to secrets', 'violated', ['secret.read'], {
        rows: [aggRow({ ruleId: 'secret.read', count: 3 })],
      });
      const html = render(complianceFixture({ rows: PROD_EU_ROWS, controls: [{ ...c, findings: 40 }] }));
      expect(plain(control(html, 'CIS-5.1.2'))).toContain('40 findings in 1 group (the most severe group shown; 37 more findings in the Findings table)');
    });

    it('gives the reasons of a control not assessed, and of the rules that could not see under a held or violated one', () => {
      const html = render();
      expect(plain(control(html, 'CIS-5.1.9'))).toContain(
        'Not assessed: storage.hostpath-persistent-volume: switched off storage.volume-deleted: switched off',
      );
      expect(plain(control(html, 'T1528'))).toContain('Not assessed by: service-account.token-secret: switched off');
      expect(plain(control(html, 'T1611'))).toMatch(/2 findings in 1 group.*Not assessed by: storage.hostpath-persistent-volume: switched off/);
      const bare = render(complianceFixture({ rows: [], controls: [assessment('X-1', 'CIS', 'Nothing maps', 'not-assessed', [])] }));
      expect(plain(control(bare, 'X-1'))).toContain('Not assessed: no rule maps to this control.');
    });

    it('says so when no control is mapped', () => {
      expect(section(render({ ...prodEuWeek(), controls: [] }), 'controls')).toContain('No control is mapped');
    });
  });

  describe('hostile values from the audit log', () => {
    const SCRIPT = '<script>alert(1)</script>';
    const ATTR = '"><img src=x onerror=alert(1)>';
    const BIDI = 'admin\u202egnp.exe';
    const CONTROL = 'bell\u0007esc\u001b[31m';

    function hostile(): string {
      const rows = [
        aggRow({
          actor: SCRIPT,
          target: { resource: 'secrets', namespace: 'prod', name: ATTR },
          summary: `${SCRIPT} read ${ATTR}`,
          clusters: [ATTR],
          sources: [ATTR],
          exampleAuditID: ATTR,
          lastSeen: ATTR,
        }),
        aggRow({
          ruleId: 'exec.pod-exec',
          title: SCRIPT,
          category: 'exec',
          severity: 'high',
          actor: BIDI,
          target: { resource: 'pods', name: CONTROL },
          clusters: [BIDI],
        }),
      ];
      const report = complianceFixture({
        rows,
        title: `</title>${SCRIPT}`,
        clusters: [ATTR, BIDI, CONTROL],
        controls: [
          { ...assessment(`X${ATTR}`, 'CIS', SCRIPT, 'violated', ['rbac.privileged-role-bound'], { rows, url: `javascript:alert(1)//${ATTR}` }) },
          assessment('Y', 'NSA-CISA', BIDI, 'not-assessed', [ATTR], {
            notAssessed: [{ ruleId: ATTR, reason: `${SCRIPT} ${CONTROL}` }],
            url: `https://example.com/${ATTR}`,
          }),
        ],
        coverage: [{ cluster: ATTR, objects: 1, byLevel: { Metadata: 1 } }],
        notes: [`cluster ${ATTR} ${SCRIPT} ${BIDI}`],
      });
      return render({ ...report, period: { ...report.period, label: SCRIPT }, previousPeriod: { ...report.previousPeriod, label: ATTR }, generatedAt: ATTR });
    }

    it('escapes markup everywhere: no script, no img, no attribute broken out of', () => {
      const html = hostile();
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      // Every onerror is inside escaped text: no tag was opened by a value.
      expect(html.match(/onerror=/g)?.length).toBe(html.match(/&lt;img src=x onerror=/g)?.length);
      expect(html).not.toContain('javascript:');
      expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/<wbr>script&gt;');
      expect(html).toContain('data-key="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      expect(html).toContain('data-cluster="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      expect(html).toContain('href="https://example.com/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    });

    it('does not link a control page that is not http(s)', () => {
      const html = hostile();
      const c = html.slice(
        html.indexOf('<th scope="row" class="control-id mono">X'),
        html.indexOf('</th>', html.indexOf('<th scope="row" class="control-id mono">X')),
      );
      expect(c).not.toContain('<a ');
    });

    it('shows control and bidirectional-override characters instead of letting them reorder the text', () => {
      const html = hostile();
      // eslint-disable-next-line no-control-regex -- looking for them is the point
      expect(html).not.toMatch(/[\u0007\u001b\u202e]/);
      expect(html).toContain('admin\\u{202e}gnp.<wbr>exe');
      expect(html).toContain('bell\\u{7}esc\\u{1b}[31m');
      expect(section(html, 'by-cluster')).toContain('>admin\\u{202e}gnp.exe</text>');
    });
  });

  describe('an empty period', () => {
    it('says there are no findings instead of drawing empty charts', () => {
      const html = render(emptyComplianceReport());
      expect(section(html, 'summary')).toMatch(
        /<span class="big num">0<\/span> findings <span class="delta delta-same" data-delta="same"[^>]*>no change<\/span>/,
      );
      expect(section(html, 'summary')).toContain('No findings in this period');
      expect(section(html, 'trend')).toContain('No findings in this period or in the previous one');
      for (const id of ['trend', 'by-severity', 'by-category', 'by-cluster']) {
        expect(section(html, id)).not.toContain('<svg');
        expect(section(html, id)).toContain('No findings');
      }
      expect(section(html, 'top-actors')).toContain('no actor to list');
      expect(section(html, 'top-actors')).not.toContain('<table');
      expect(section(html, 'findings')).toContain('No findings.');
      expect(section(html, 'rules')).toContain('No rule fired.');
      // The controls are still assessed: an empty period is evidence too.
      expect(plain(section(html, 'controls'))).toContain('2 controls: 0 violated, 1 held, 1 not assessed');
      expect(section(html, 'coverage')).toContain('<table');
    });

    it('still draws the trend when the previous period had findings', () => {
      const html = render(emptyComplianceReport({ previous: { bySeverity: { high: 4 }, byCategory: { exec: 4 } } }));
      const s = section(html, 'trend');
      expect(s).toContain('<svg');
      expect(s).toMatch(/data-key="high">[^]*?data-count="0"[^]*?data-count="4"[^]*?>↓ 100%<\/text>/);
      expect(section(html, 'summary')).toMatch(/<span class="big num">0<\/span> findings <span class="delta delta-down"[^>]*>↓ 100%<\/span>/);
      expect(section(html, 'by-severity')).not.toContain('<svg');
    });
  });
});
