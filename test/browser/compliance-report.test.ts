/**
 * The compliance report's page in a real browser: Debian's chromium, driven headless by
 * playwright-core, as the findings page's test does. It checks what a string test cannot: every
 * section lays out, every chart draws its bars, the CSP lets the page render (a violation is a
 * console error), nothing is fetched, hostile values show as text, and the printed page keeps the
 * controls table (what an auditor files).
 *
 * CI installs chromium (.ci/run) and this test fails there without it; on a laptop without
 * chromium it is skipped with a note (`apt-get install chromium`, or CHROMIUM_PATH=...).
 *
 * The screenshot goes to a temporary directory, like the findings page's; with
 * UPDATE_SCREENSHOTS=1 it also replaces docs/compliance-report.png (fonts differ between
 * machines, so a plain test run must not rewrite a tracked file).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Visit } from '../helpers/browser';
import { describeInBrowser, launchChromium, openHtml } from '../helpers/browser';
import { renderComplianceHtml } from '../../lambdas/core/compliance/report-html';
import type { ComplianceReport, ViolatingIncident } from '../../lambdas/core/compliance/types';
import { RULES } from '../../lambdas/core/rules';
import { aggRow, assessment, complianceFixture, emptyComplianceReport, prodEuWeek } from '../helpers/compliance-report';

const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'compliance-report.png');

const SECTIONS = [
  'audit-summary',
  'summary',
  'trend',
  'by-severity',
  'by-category',
  'by-cluster',
  'top-actors',
  'controls',
  'coverage',
  'notes',
  'findings',
  'rules',
];
const CHARTS = ['trend-severity', 'trend-category', 'by-severity', 'by-category', 'by-cluster'];

const HOSTILE_ACTOR = '<img src=x onerror=alert(1)>';
const HOSTILE_TARGET = '"><script>alert(2)</script>';
const HOSTILE_CLUSTER = 'prod\u202eue-dorp';

/** A week whose values an attacker chose: an actor, an object name, a cluster name. */
function hostileReport(): ComplianceReport {
  const rows = [
    aggRow({
      actor: HOSTILE_ACTOR,
      target: { resource: 'secrets', namespace: 'prod', name: HOSTILE_TARGET },
      summary: `${HOSTILE_ACTOR} read ${HOSTILE_TARGET}`,
      clusters: [HOSTILE_CLUSTER],
    }),
    aggRow({ ruleId: 'exec.pod-exec', title: 'Command run in a container', category: 'exec', severity: 'high', actor: 'bob', clusters: ['prod-eu'], count: 3 }),
  ];
  return complianceFixture({
    rows,
    previous: { bySeverity: { high: 1 } },
    controls: [
      assessment('CIS-5.1.1', 'CIS', 'Ensure that the cluster-admin role is only used where required', 'violated', ['rbac.privileged-role-bound'], { rows }),
    ],
    coverage: [{ cluster: HOSTILE_CLUSTER, objects: 3, byLevel: { Metadata: 10 } }],
    notes: [`cluster ${HOSTILE_CLUSTER} sent ${HOSTILE_TARGET}`],
  });
}

/** The busiest first page the model makes: many clusters, the most incidents it lists, each with the most controls. */
function busyReport(): ComplianceReport {
  const week = prodEuWeek();
  const controls = [
    'CIS-5.1.1',
    'CIS-5.1.2',
    'CIS-5.1.7',
    'CIS-5.2.2',
    'CIS-5.5.1',
    'CIS-EKS-4.1.1',
    'CIS-EKS-4.1.2',
    'CIS-EKS-4.1.7',
    'CIS-EKS-4.2.1',
    'NSA-CISA:pod-security',
    'T1098.006',
    'T1611',
  ];
  const incident = (i: number): ViolatingIncident => ({
    cluster: `prod-eu-${i}`,
    principal: `arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_ae2a85086dbc6657/person-${i}@example.com`,
    severity: i < 3 ? 'critical' : 'high',
    firstSeen: '2026-11-24T09:12:03Z',
    lastSeen: '2026-11-27T18:40:10Z',
    findings: 10 + i,
    chain: 'binding + token + privileged DaemonSet: a persistence chain',
    what: ['Cluster-admin or equivalent role bound', 'Long-lived service account token requested', 'Privileged pod or container'],
    controls: controls.slice(0, 8),
    moreControls: 11,
  });
  const clusters = Array.from({ length: 6 }, (_, i) => ({
    cluster: `prod-eu-${i}`,
    platform: i % 2 === 0 ? ('eks' as const) : ('self-managed' as const),
    basis: 'configured' as const,
  }));
  return {
    ...week,
    auditSummary: {
      ...week.auditSummary,
      clusters,
      incidents: Array.from({ length: 5 }, (_, i) => incident(i)),
      moreIncidents: 8,
      change: { known: true, previousViolated: 30, newlyViolated: controls, noLongerViolated: controls.slice(0, 11) },
      ignored: { belowSeverity: 1234, denied: 56 },
    },
  };
}

/** Pages of a PDF chromium printed: its page objects (`/Type /Page`, not the `/Pages` tree). */
const pageCount = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;

describeInBrowser('the compliance report in chromium', () => {
  jest.setTimeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'compliance-report-'));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (name: string, report: ComplianceReport, colorScheme: 'light' | 'dark' = 'light'): Promise<Visit> =>
    openHtml(browser, dir, name, renderComplianceHtml(report, RULES), colorScheme);

  async function box(page: Page, selector: string): Promise<{ width: number; height: number }> {
    const b = await page.locator(selector).first().boundingBox();
    return { width: b?.width ?? 0, height: b?.height ?? 0 };
  }

  /** The bars' number and laid-out size (locator calls: the test compiles without the DOM library). */
  async function bars(page: Page, selector: string): Promise<Array<{ count: number; width: number; height: number }>> {
    const found = [];
    for (const bar of await page.locator(selector).all()) {
      const b = await bar.boundingBox();
      found.push({ count: Number(await bar.getAttribute('data-count')), width: b?.width ?? 0, height: b?.height ?? 0 });
    }
    return found;
  }

  it('lays out every section and draws every chart, with no error and no request', async () => {
    const report = prodEuWeek();
    const { page, consoleErrors, requests } = await open('week.html', report);

    for (const id of ['header', ...SECTIONS]) {
      const size = await box(page, `#${id}`);
      expect({ id, visible: size.width > 600 && size.height > 40 }).toEqual({ id, visible: true });
    }

    for (const id of CHARTS) {
      const svg = await box(page, `#${id} svg`);
      expect(svg.width).toBeGreaterThan(300);
      expect(svg.height).toBeGreaterThan(30);
      const drawn = await bars(page, `#${id} svg rect.bar`);
      expect(drawn.length).toBeGreaterThan(0);
      // A bar with findings has an area; the longest is as long as the chart allows.
      for (const b of drawn.filter((x) => x.count > 0)) expect(b.width * b.height).toBeGreaterThan(0);
      expect(Math.max(...drawn.map((b) => b.width))).toBeGreaterThan(svg.width / 3);
    }
    const severity = await bars(page, '#by-severity rect.bar');
    expect(severity.map((b) => b.count)).toEqual([3, 19, 15, 59, 4]);
    expect(Math.max(...severity.map((b) => b.width))).toBe(severity[3].width);
    // The trend's pairs: this period and the previous one on one scale.
    const trend = await bars(page, '#trend-severity rect.bar');
    expect(trend.map((b) => b.count)).toEqual([3, 1, 19, 11, 15, 12, 59, 41, 4, 6]);
    expect(trend[6].width).toBeGreaterThan(trend[7].width);

    await expect(page.locator('#top-actors tbody tr').count()).resolves.toBe(report.topActors.length);
    await expect(page.locator('#controls tbody.control').count()).resolves.toBe(report.controls.length);
    await expect(page.locator('#controls .framework h3').allInnerTexts()).resolves.toEqual([
      expect.stringContaining('CIS Kubernetes Benchmark'),
      expect.stringContaining('CIS Amazon EKS Benchmark'),
      expect.stringContaining('NSA/CISA'),
      expect.stringContaining('MITRE ATT&CK'),
    ]);
    await expect(page.locator('#controls .control-counts').innerText()).resolves.toBe('21 controls: 10 violated, 6 held, 3 not assessed, 2 not applicable');
    await expect(page.locator('#audit-summary table.incidents tbody tr').count()).resolves.toBe(report.auditSummary.incidents.length);
    await expect(page.locator('#findings table tbody tr').count()).resolves.toBe(report.rows.length);
    await expect(page.locator('#rules article.rule').count()).resolves.toBe(new Set(report.rows.map((r) => r.ruleId)).size);

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows each control state as a badge with words, never a not-assessed one as held', async () => {
    const { page } = await open('states.html', prodEuWeek());
    const badges = page.locator('#controls tbody.control .status');
    const texts = (await badges.allInnerTexts()).map((t) => t.replace(/^\S+\s+/, ''));
    const states = [];
    for (const tbody of await page.locator('#controls tbody.control').all()) states.push(await tbody.getAttribute('data-state'));
    expect(texts).toEqual(states.map((s) => s?.replace('-', ' ')));
    await expect(page.locator('#control-CIS-1\\.2\\.1').innerText()).resolves.toMatch(/not applicable[^]*managed by AWS on EKS/);
    const colour = (state: string) => page.evaluate<string>(`getComputedStyle(document.querySelector('#controls .status-${state}')).backgroundColor`);
    const [held, violated, na] = [await colour('held'), await colour('violated'), await colour('not-assessed')];
    expect(new Set([held, violated, na]).size).toBe(3);
    expect(held).toMatch(/^rgb\(\d+, 1[0-9]{2}, \d+\)$/); // green
    expect(violated).toMatch(/^rgb\(1[0-9]{2}, \d{1,2}, \d+\)$/); // red
    await expect(page.locator('#control-CIS-5\\.1\\.9').innerText()).resolves.toMatch(/not assessed[^]*switched off/);
    await expect(page.locator('#control-CIS-5\\.1\\.9').innerText()).resolves.not.toMatch(/\bheld\b/);
    await page.close();
  });

  it('shows hostile audit-log content as text and runs nothing', async () => {
    const { page, consoleErrors, requests } = await open('hostile.html', hostileReport());
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(0);
    await expect(page.locator('#top-actors').innerText()).resolves.toContain(HOSTILE_ACTOR);
    await expect(page.locator('#controls').innerText()).resolves.toContain(`secrets prod/${HOSTILE_TARGET}`);
    await expect(page.locator('#findings').innerText()).resolves.toContain(HOSTILE_TARGET);
    // The right-to-left override is shown, not obeyed.
    await expect(page.locator('#by-cluster').textContent()).resolves.toContain('prod\\u{202e}ue-dorp');
    await expect(page.locator('#coverage').innerText()).resolves.toContain('prod\\u{202e}ue-dorp');
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('renders an empty period cleanly: no-findings states, no empty charts', async () => {
    const { page, consoleErrors, requests } = await open('empty.html', emptyComplianceReport());
    for (const id of ['header', ...SECTIONS]) expect((await box(page, `#${id}`)).height).toBeGreaterThan(40);
    await expect(page.locator('svg').count()).resolves.toBe(0);
    for (const id of ['by-severity', 'by-category', 'by-cluster'])
      await expect(page.locator(`#${id}`).innerText()).resolves.toContain('No findings in this period.');
    await expect(page.locator('#summary').innerText()).resolves.toContain('No findings in this period');
    await expect(page.locator('#trend').innerText()).resolves.toContain('No findings in this period or in the previous one');
    await expect(page.locator('#controls tbody.control').count()).resolves.toBe(2);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('follows the dark colour scheme on screen, and prints on white with the controls table whole', async () => {
    const { page } = await open('print.html', prodEuWeek(), 'dark');
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const dark = await background();
    expect(dark).not.toBe('rgb(255, 255, 255)');

    await page.emulateMedia({ media: 'print' });
    expect(await background()).toBe('rgb(255, 255, 255)');
    await expect(page.locator('nav.toc').isVisible()).resolves.toBe(false);
    await expect(page.locator('#controls table.controls').first().isVisible()).resolves.toBe(true);
    const rows = page.locator('#controls tr.control-row');
    await expect(rows.count()).resolves.toBe(21);
    for (const row of await rows.all()) {
      const b = await row.boundingBox();
      expect(b?.height ?? 0).toBeGreaterThan(10);
    }
    // Nothing of the table is cut off at the page's width.
    const table = await box(page, '#controls table.controls');
    const viewport = page.viewportSize()?.width ?? 0;
    expect(table.width).toBeLessThanOrEqual(viewport);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  for (const format of ['A4', 'Letter'] as const) {
    it(`prints the auditor's summary alone on page 1 (${format}), the detail from page 2, no row split across pages`, async () => {
      for (const [name, report] of [
        ['week', prodEuWeek()],
        ['busy', busyReport()],
      ] as const) {
        const { page } = await open(`pages-${format}-${name}.html`, report);
        await page.emulateMedia({ media: 'print' });
        const pdf = (): Promise<Buffer> => page.pdf({ format, printBackground: true });
        const whole = pageCount(await pdf());
        // What page 1 holds: the header and the summary, every part of it.
        await expect(page.locator('.first-page #audit-summary').count()).resolves.toBe(1);
        for (const part of ['.glance-clusters', '.glance-frameworks', '.glance-change', '.glance-incidents'])
          await expect(page.locator(`#audit-summary ${part}`).isVisible()).resolves.toBe(true);
        // The table rows, the controls with their detail and the summary's rows are never split.
        const breaks = await page.evaluate<string[]>(
          `[...document.querySelectorAll('table.data tr, tbody.control, table.glance tr')].map((e) => getComputedStyle(e).breakInside)`,
        );
        expect(new Set(breaks)).toEqual(new Set(['avoid']));

        // Printed without the detail, the first page is one page: the summary fits.
        await page.evaluate(`document.querySelectorAll('main, footer').forEach((e) => e.remove())`);
        expect({ name, pages: pageCount(await pdf()) }).toEqual({ name, pages: 1 });
        await page.close();

        // Printed without the summary, the detail takes one page less than the whole: it starts on page 2.
        const detail = await open(`pages-${format}-${name}-detail.html`, report);
        await detail.page.emulateMedia({ media: 'print' });
        await detail.page.evaluate(`document.querySelector('.first-page').remove()`);
        const detailPages = pageCount(await detail.page.pdf({ format, printBackground: true }));
        expect({ name, whole }).toEqual({ name, whole: detailPages + 1 });
        expect(whole).toBeGreaterThanOrEqual(3);
        expect(whole).toBeLessThanOrEqual(20);
        await detail.page.close();
      }
    });
  }

  it('takes a screenshot of the whole page', async () => {
    const { page } = await open('shot.html', prodEuWeek());
    const file = join(dir, 'compliance-report.png');
    const png = await page.screenshot({ fullPage: true, path: file });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(50_000);
    if (process.env.UPDATE_SCREENSHOTS) copyFileSync(file, SCREENSHOT);
    await page.close();
  });
});
