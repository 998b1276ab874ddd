/**
 * The HTML report in a real browser: Debian's chromium, driven headless by playwright-core. It
 * checks what a string test cannot: the page lays out its table and charts, the CSP lets the
 * page render (a violation is a console error), and nothing is fetched.
 *
 * CI installs chromium (.ci/run) and this test fails there without it; on a laptop without
 * chromium it is skipped with a note (`apt-get install chromium`, or CHROMIUM_PATH=...).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Visit } from '../helpers/browser';
import { describeInBrowser, launchChromium, openHtml } from '../helpers/browser';
import { main } from '../../lambdas/cli/main';
import type { Finding, Severity } from '../../lambdas/core/finding';
import type { LocatedFinding } from '../../lambdas/core/report/aggregate';
import { aggregate, countBySeverity } from '../../lambdas/core/report/aggregate';
import { renderHtmlReport } from '../../lambdas/core/report/html';
import { RULES } from '../../lambdas/core/rules';

const HOSTILE_USER = '<img src=x onerror=alert(1)>';

function finding(i: number, severity: Severity, overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'rbac.privileged-role-bound',
    category: 'rbac-change',
    severity,
    title: 'Cluster-admin or equivalent role bound',
    summary: `user-${i} bound cluster-admin to system:serviceaccount:default:sa-${i}`,
    auditID: `audit-${i}`,
    time: new Date(Date.UTC(2026, 10, 20, 8) + i * 37 * 60_000).toISOString(),
    actor: { username: `user-${i % 4}` },
    target: { resource: 'clusterrolebindings', name: `binding-${i % 3}` },
    verb: 'create',
    evidence: {},
    ...overrides,
  };
}

/** Twenty findings over a working day, three rules, every severity, one hostile username. */
const FINDINGS: Finding[] = [
  ...Array.from({ length: 8 }, (_, i) => finding(i, i % 3 === 0 ? 'critical' : 'high')),
  ...Array.from({ length: 6 }, (_, i) =>
    finding(10 + i, i < 3 ? 'medium' : 'low', {
      ruleId: 'exec.pod-exec',
      category: 'exec',
      title: 'Command run in a container',
      target: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: `db-${i % 2}` },
    }),
  ),
  ...Array.from({ length: 6 }, (_, i) =>
    finding(20 + i, i < 2 ? 'low' : 'info', {
      ruleId: 'secret.read',
      category: 'secret',
      title: 'Secret read',
      target: { resource: 'secrets', namespace: 'prod', name: 'tls"&<x>' },
    }),
  ),
  finding(30, 'high', { actor: { username: HOSTILE_USER }, summary: `${HOSTILE_USER} bound cluster-admin` }),
];

function report(findings: Finding[]): string {
  const located: LocatedFinding[] = findings.map((f) => ({ finding: f, source: 'audit/2026-11-20.log.gz' }));
  return renderHtmlReport({
    rows: aggregate(located),
    findings,
    summary: {
      objects: 2,
      bytes: 1_234_567,
      events: 50_000,
      skipped: 48_000,
      malformed: 1,
      incomplete: 0,
      findings: located.length,
      bySeverity: countBySeverity(located),
    },
    rules: RULES,
    generatedAt: '2026-11-21T08:00:00Z',
  });
}

describeInBrowser('the HTML report in chromium', () => {
  jest.setTimeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'html-report-'));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (name: string, html: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Visit> => openHtml(browser, dir, name, html, colorScheme);

  async function box(page: Page, selector: string): Promise<{ width: number; height: number }> {
    const b = await page.locator(selector).boundingBox();
    return { width: b?.width ?? 0, height: b?.height ?? 0 };
  }

  /** The bars' class, number and laid-out size (locator calls: the test compiles without the DOM library). */
  async function bars(page: Page, selector: string): Promise<Array<{ kind: string; count: number; width: number; height: number }>> {
    const found = [];
    for (const bar of await page.locator(selector).all()) {
      const b = await bar.boundingBox();
      found.push({
        kind: (await bar.getAttribute('class')) ?? '',
        count: Number(await bar.getAttribute('data-count')),
        width: b?.width ?? 0,
        height: b?.height ?? 0,
      });
    }
    return found;
  }

  it('renders the table, the charts and the rules, with no error and no request', async () => {
    const rows = aggregate(FINDINGS.map((f) => ({ finding: f, source: 'x' })));
    const { page, consoleErrors, requests } = await open('report.html', report(FINDINGS));

    await expect(page.locator('#findings table tbody tr').count()).resolves.toBe(rows.length);
    await expect(page.locator('#findings tbody tr').first().locator('td').count()).resolves.toBe(9);

    for (const id of ['by-severity', 'by-category', 'timeline']) {
      const size = await box(page, `#${id} svg`);
      expect(size.width).toBeGreaterThan(300);
      expect(size.height).toBeGreaterThan(80);
    }
    await expect(page.locator('#by-severity rect.bar').count()).resolves.toBe(5);
    await expect(page.locator('#by-category rect.bar').count()).resolves.toBe(3);
    const severityBars = await bars(page, '#by-severity rect.bar');
    expect(severityBars.map((b) => [b.kind, b.count])).toEqual([
      ['bar sev-critical', 3],
      ['bar sev-high', 6],
      ['bar sev-medium', 3],
      ['bar sev-low', 5],
      ['bar sev-info', 4],
    ]);
    for (const b of severityBars) expect(b.width).toBeGreaterThan(0);
    // The widest bar is the most frequent severity.
    expect(Math.max(...severityBars.map((b) => b.width))).toBe(severityBars[1].width);

    const segments = await bars(page, '#timeline rect.bar');
    expect(segments.reduce((n, s) => n + s.count, 0)).toBe(FINDINGS.length);
    for (const s of segments) expect(s.width * s.height).toBeGreaterThan(0);

    await expect(page.locator('#rules article.rule').count()).resolves.toBe(3);
    await expect(page.locator('#rules').innerText()).resolves.toMatch(/Remediation/i);

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows hostile audit-log content as text and runs nothing', async () => {
    const { page, consoleErrors } = await open('hostile.html', report(FINDINGS));
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('#findings').innerText()).resolves.toContain(HOSTILE_USER);
    await expect(page.locator('#findings').innerText()).resolves.toContain('secrets prod/tls"&<x>');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('renders an empty report: a clear no-findings state, charts still drawn', async () => {
    const { page, consoleErrors, requests } = await open('empty.html', report([]));
    await expect(page.locator('#summary').innerText()).resolves.toContain('No findings');
    await expect(page.locator('#findings table').count()).resolves.toBe(0);
    for (const id of ['by-severity', 'by-category', 'timeline']) expect((await box(page, `#${id} svg`)).height).toBeGreaterThan(0);
    await expect(page.locator('#by-severity rect.bar').count()).resolves.toBe(5);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('follows the dark colour scheme', async () => {
    const background = async (scheme: 'light' | 'dark') => {
      const { page } = await open(`${scheme}.html`, report(FINDINGS), scheme);
      const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await page.close();
      return bg;
    };
    expect(await background('dark')).not.toBe(await background('light'));
  });

  it("opens on the incidents: the samples' report shows the top incident's card on the first screen", async () => {
    // The report as `scan samples/ --report` writes it.
    const file = join(dir, 'samples-report.html');
    const errors: string[] = [];
    const code = await main(['scan', join(__dirname, '..', '..', 'samples'), '--report', file, '-q'], {
      out: () => undefined,
      err: (s) => errors.push(s),
      env: {},
    });
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const { page, consoleErrors, requests } = await open('samples.html', readFileSync(file, 'utf8'));
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.evaluate('window.scrollTo(0, 0)');
    const top = page.locator('#incidents article.incident').first();
    const card = await top.boundingBox();
    expect(card).not.toBeNull();
    expect(card!.y).toBeGreaterThanOrEqual(0);
    expect(card!.y + card!.height).toBeLessThan(900);
    // The most severe incident of the samples: Jordan Lee's key binding cluster-admin and minting a token.
    await expect(top.innerText()).resolves.toContain('jordan.lee');
    await expect(top.innerText()).resolves.toMatch(/critical/i);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('takes a screenshot of the whole page', async () => {
    const { page } = await open('shot.html', report(FINDINGS));
    const png = await page.screenshot({ fullPage: true, path: join(dir, 'report.png') });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    await page.close();
  });
});
