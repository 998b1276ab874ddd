import { buildAlert } from '../../../lambdas/core/alert/sns-message';
import { buildReportSummary } from '../../../lambdas/core/alert/report-message';
import type { SlackMessage } from '../../../lambdas/core/alert/slack-message';
import { slackMessageFor } from '../../../lambdas/core/alert/slack-message';
import { FINDINGS_CSV_COLUMNS, renderFindingsCsv } from '../../../lambdas/core/compliance/csv';
import { previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import { renderComplianceHtml } from '../../../lambdas/core/compliance/report-html';
import { renderReportJson } from '../../../lambdas/core/compliance/report-json';
import { buildComplianceReport } from '../../../lambdas/core/compliance/report-model';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import type { Finding } from '../../../lambdas/core/finding';
import type { ScanSummary } from '../../../lambdas/core/report/aggregate';
import { aggregate, countBySeverity } from '../../../lambdas/core/report/aggregate';
import { renderHtmlReport } from '../../../lambdas/core/report/html';
import { renderMarkdown } from '../../../lambdas/core/report/markdown';
import { renderPlainText, visibleLength } from '../../../lambdas/core/report/plain-text';
import { renderSarif } from '../../../lambdas/core/report/sarif';
import { renderJson, renderNdjson, renderTerminal } from '../../../lambdas/core/report/terminal';
import { RULES } from '../../../lambdas/core/rules';
import { parseCsv } from '../../helpers/csv';

/*
 * One hostile finding through every renderer: each string field holds every kind of character
 * that hides or reorders text or ends a line, markup, backticks, mentions, a spreadsheet formula
 * and, in the object name, 100 KB. No raw unsafe character may reach any output, and no output
 * may lose its shape.
 */

/** One of each kind `displayText` shows: C0, C1, DEL, soft hyphen, bidi, zero-width, separators, fillers, tags, a lone surrogate. */
const UNSAFE = [
  '\u0000',
  '\u0007',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u00ad',
  '\u061c',
  '\u115f',
  '\u180e',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2060',
  '\u2061',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u206a',
  '\u3164',
  '\ufeff',
  '\uffa0',
  '\ufff9',
  '\u{e0001}',
  '\u{e0041}',
  '\ud800',
].join('');
const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(1)> "q" \'a\' & ``` `tick` [link](https://evil.example) *bold* | pipe';
const MENTIONS = '@channel @here <!channel> <!here> <@U024BE7LH> <https://evil.example|click>';
const FORMULA = "=cmd|' /C calc'!A0";
const hostile = (field: string): string => `${FORMULA} ${field}${UNSAFE}${MARKUP} ${MENTIONS}`;
const HUGE = `huge${'x'.repeat(100 * 1024)}${UNSAFE}`;

function finding(overrides: Partial<Finding>): Finding {
  return {
    ruleId: hostile('rule'),
    category: 'exec',
    severity: 'critical',
    title: hostile('title'),
    summary: hostile('summary'),
    auditID: hostile('audit'),
    fingerprint: hostile('fp'),
    time: hostile('time'),
    cluster: hostile('cluster'),
    actor: { username: hostile('user'), groups: [hostile('group')], sourceIPs: [hostile('ip')], userAgent: hostile('ua'), impersonatedUser: hostile('imp') },
    target: { resource: hostile('res'), subresource: hostile('sub'), apiGroup: hostile('grp'), namespace: hostile('ns'), name: HUGE },
    verb: hostile('verb'),
    attack: [hostile('attack')],
    controls: [hostile('control')],
    evidence: { text: hostile('evidence'), nested: [{ deep: hostile('deep') }] },
    ...overrides,
  };
}

const WEEK = reportPeriod('weekly', new Date('2026-12-02T09:00:00Z'));
const FINDINGS: Finding[] = [
  finding({}),
  // The same, with a time the reports can place in their period, and a rule they know.
  finding({ ruleId: 'exec.pod-exec', severity: 'high', time: '2026-11-24T10:00:00Z' }),
];
const SOURCE = hostile('source');
const LOCATED = FINDINGS.map((f) => ({ finding: f, source: SOURCE }));
const ROWS = aggregate(LOCATED);
const SUMMARY: ScanSummary = { objects: 1, bytes: 1, events: 2, skipped: 0, malformed: 0, incomplete: 0, findings: 2, bySeverity: countBySeverity(LOCATED) };

/**
 * What no output may carry raw, defined here rather than taken from the code under test: the
 * characters of UNSAFE above, by their ranges, and lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const UNSAFE_CHARACTERS =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}]|[\ud800-\udfff]/gu;

/** The unsafe characters in `text`, other than those in `allowed` (a format's own line breaks). */
function unsafeIn(text: string, allowed = ''): string[] {
  return [...text.matchAll(UNSAFE_CHARACTERS)].map((m) => m[0]).filter((c) => !allowed.includes(c));
}

/** Every string anywhere in a parsed JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]);
  return [];
}

/** Tags are balanced, nothing but our tags opens with `<`, and no event-handler attribute was injected. */
function expectWellFormedHtml(html: string): void {
  const VOID = new Set(['meta', 'link', 'wbr', 'br', 'img', 'input', 'hr']);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][\w:.-]*(?:="[^"<>]*")?)*)\s*(\/?)>/g;
  let at = 0;
  for (const m of html.matchAll(tag)) {
    const between = html.slice(at, m.index);
    expect(between.includes('<') ? between.slice(between.indexOf('<'), between.indexOf('<') + 120) : '').toBe('');
    at = (m.index ?? 0) + m[0].length;
    const [, closing, name, attributes, selfClosing] = m;
    const lower = name.toLowerCase();
    expect(['script', 'iframe', 'object', 'embed']).not.toContain(lower);
    // Values are quoted and escaped: the only attributes are ours, none an event handler.
    for (const [, attribute] of attributes.matchAll(/\s+([a-zA-Z][\w:.-]*)(?:="[^"<>]*")?/g)) expect(attribute).not.toMatch(/^on/i);
    if (selfClosing || VOID.has(lower) || lower === '!doctype') continue;
    if (closing) expect(stack.pop()).toBe(lower);
    else stack.push(lower);
  }
  expect(html.slice(at)).not.toContain('<');
  expect(stack).toEqual([]);
}

describe('one hostile finding through every renderer', () => {
  it('keeps raw unsafe characters out of the HTML findings report, which stays well formed', () => {
    const html = renderHtmlReport({ rows: ROWS, findings: FINDINGS, summary: SUMMARY, rules: RULES, generatedAt: '2026-12-02T09:00:00Z' });
    expect(unsafeIn(html, '\n')).toEqual([]);
    expectWellFormedHtml(html.replace(/<!doctype html>/i, ''));
    expect(html.match(/<tr class="sev-row-/g)).toHaveLength(ROWS.length);
  });

  const report = buildComplianceReport({
    period: WEEK,
    previousPeriod: previousPeriod(WEEK),
    current: FINDINGS,
    previous: [],
    rules: RULES,
    config: DEFAULT_CONFIG,
    generatedAt: '2026-12-02T09:00:00.000Z',
    coverage: [{ cluster: hostile('cov'), objects: 1, byLevel: { Metadata: 3 } }],
    sourceOf: () => SOURCE,
  });

  it('keeps them out of the compliance report (HTML and JSON), which stays well formed', () => {
    expect(report.rows.length).toBeGreaterThan(0);
    const html = renderComplianceHtml(report, RULES);
    expect(unsafeIn(html, '\n')).toEqual([]);
    expectWellFormedHtml(html.replace(/<!doctype html>/i, ''));
    const json = renderReportJson(report, FINDINGS);
    expect(unsafeIn(json, '\n')).toEqual([]);
    expect((JSON.parse(json) as { findings: Finding[] }).findings).toEqual(FINDINGS.filter((f) => f.time.startsWith('2026-11-24'))); // the data as logged
  });

  it('keeps the findings CSV one record per line with every column, and defuses formulas', () => {
    const csv = renderFindingsCsv(FINDINGS, RULES);
    expect(unsafeIn(csv, '\r\n')).toEqual([]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(FINDINGS.length + 2); // header, records, and the empty string after the last CRLF
    const records = parseCsv(csv);
    expect(records).toHaveLength(FINDINGS.length + 1);
    for (const record of records) expect(record).toHaveLength(FINDINGS_CSV_COLUMNS.length);
    for (const cell of records.slice(1).flat()) expect(cell).not.toMatch(/^\s*[=+\-@]/);
  });

  it('keeps SARIF valid JSON with one result per row and no raw unsafe character, in its text or its values', () => {
    const text = renderSarif(ROWS, RULES, { toolVersion: '0.1.0' });
    expect(unsafeIn(text, '\n')).toEqual([]);
    const sarif = JSON.parse(text) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation?: { artifactLocation: { uri: string } } }> }> }> };
    expect(sarif.runs[0].results).toHaveLength(ROWS.length);
    // Only our own rule help has line breaks.
    expect(stringsOf(sarif).flatMap((s) => unsafeIn(s, /^(Remediation:|\*\*Remediation\*\*)/.test(s) ? '\n' : ''))).toEqual([]);
    const uri = sarif.runs[0].results[0].locations[0].physicalLocation?.artifactLocation.uri ?? '';
    expect(uri).not.toMatch(/[\s<>"]/);
  });

  const alert = buildAlert({ rows: ROWS, summary: SUMMARY, source: SOURCE, cluster: hostile('cluster'), fullFindings: hostile('full') });

  it('keeps the SNS subject one line under 100 characters, and email lines lines', () => {
    expect(alert.Subject.length).toBeLessThan(100);
    expect(unsafeIn(alert.Subject)).toEqual([]);
    expect(unsafeIn(alert.Message)).toEqual([]);
    const bodies = JSON.parse(alert.Message) as Record<string, string>;
    expect(unsafeIn(bodies.email, '\n')).toEqual([]);
    const sourceLine = bodies.email.split('\n').find((l) => l.startsWith('source: '));
    expect(sourceLine).toMatch(/^source: =cmd\|' \/C calc'!A0 source\\u\{0\}\\u\{7\}\\u\{9\}\\u\{a\}\\u\{d\}/);
    for (const value of Object.values(alert.MessageAttributes)) expect(unsafeIn(value.StringValue)).toEqual([]);
    expect(Buffer.byteLength(alert.Message)).toBeLessThanOrEqual(256 * 1024);
  });

  it('keeps the Amazon Q body free of them, its mentions and links inert', () => {
    const https = JSON.parse((JSON.parse(alert.Message) as { https: string }).https) as unknown;
    for (const s of stringsOf(https)) {
      expect(unsafeIn(s, '\n')).toEqual([]);
      expect(s).not.toMatch(/<[!@]|<https:\/\/evil|(?<!\w)@(channel|here)\b/);
    }
  });

  function expectSafeSlack(body: SlackMessage): void {
    for (const s of stringsOf(body)) {
      expect(unsafeIn(s, '\n')).toEqual([]);
      expect(s).not.toMatch(/<[!@]|<https:\/\/evil|(?<!\w)@(channel|here)\b/);
      expect(s.length).toBeLessThanOrEqual(3000);
    }
    // Every code block is closed where we closed it: backticks come in fences only.
    for (const s of stringsOf(body)) expect((s.replace(/```/g, '').match(/`/g) ?? []).length % 2).toBe(0);
  }

  it('keeps the Slack alert free of them, its code blocks closed and its mentions inert', () => {
    const lambda = (JSON.parse(alert.Message) as { lambda: string }).lambda;
    const slack = slackMessageFor({ subject: alert.Subject, message: lambda }, { minSeverity: 'info' });
    expect(slack?.kind).toBe('findings');
    if (slack) expectSafeSlack(slack.body);
  });

  it('keeps the compliance report summary (email, Amazon Q, Slack) free of them', () => {
    const summary = buildReportSummary({
      report,
      htmlUrl: `https://reports.example.com/r.html?${hostile('q')}`,
      objects: { html: SOURCE, csv: SOURCE, json: SOURCE },
      linkExpiresAt: hostile('exp'),
    });
    expect(summary.Subject.length).toBeLessThan(100);
    expect(unsafeIn(summary.Subject + summary.Message)).toEqual([]);
    const bodies = JSON.parse(summary.Message) as Record<string, string>;
    expect(unsafeIn(bodies.email, '\n')).toEqual([]);
    for (const s of stringsOf(JSON.parse(bodies.https))) expect(unsafeIn(s, '\n')).toEqual([]);
    const slack = slackMessageFor({ subject: summary.Subject, message: bodies.lambda }, { minSeverity: 'info' });
    expect(slack?.kind).toBe('report');
    if (slack) expectSafeSlack(slack.body);
  });

  it('keeps Markdown one table row per group, every cell in its column, no mention live', () => {
    const md = renderMarkdown(ROWS, SUMMARY);
    expect(unsafeIn(md, '\n')).toEqual([]);
    const lines = md.split('\n');
    expect(lines).toHaveLength(4 + ROWS.length);
    for (const line of lines.slice(2)) expect(line.split(/(?<!\\)\|/)).toHaveLength(10); // 8 cells between 9 pipes
    // Identifiers are in code spans, where nothing is a mention; the summary is text, where `@` is escaped.
    const summaries = lines.slice(4).map((l) => l.split(/(?<!\\)\|/)[8]);
    for (const summary of summaries) expect(summary).not.toMatch(/(?<![\w\\])@(channel|here)/);
  });

  it('keeps the terminal table and the email text in their width, one line per line', () => {
    for (const text of [renderTerminal(ROWS, SUMMARY, { colour: false, width: 120 }), renderPlainText(ROWS, SUMMARY, { width: 100 })]) {
      expect(unsafeIn(text, '\n')).toEqual([]);
      for (const line of text.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(120);
    }
  });

  it('keeps JSON and NDJSON the data as logged, with no raw unsafe character in the text', () => {
    const json = renderJson({ findings: FINDINGS, table: ROWS, stats: null });
    expect(unsafeIn(json, '\n')).toEqual([]);
    expect((JSON.parse(json) as { findings: Finding[] }).findings).toEqual(FINDINGS);
    const ndjson = renderNdjson(FINDINGS);
    expect(unsafeIn(ndjson, '\n')).toEqual([]);
    expect(ndjson.split('\n')).toHaveLength(FINDINGS.length + 1);
    expect(
      ndjson
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Finding),
    ).toEqual(FINDINGS);
  });
});
