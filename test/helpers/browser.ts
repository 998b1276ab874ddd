import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/**
 * Debian's chromium, driven headless by playwright-core, for the reports' browser tests. CI
 * installs it (.ci/run) and a test fails there without it; on a laptop without chromium the
 * tests are skipped with a note (`apt-get install chromium`, or CHROMIUM_PATH=...).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export const chromiumAvailable = existsSync(CHROMIUM);
export const inCI = Boolean(process.env.CI);

/** `describe`, or `describe.skip` with a note when there is no chromium outside CI. */
export function describeInBrowser(name: string, body: () => void): void {
  if (!chromiumAvailable && !inCI) console.warn(`skipping ${name}: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  (chromiumAvailable || inCI ? describe : describe.skip)(name, body);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable) throw new Error(`chromium not found at ${CHROMIUM}: CI must install it (see .ci/run: apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A page opened from a file, with what it logged as an error and every request it made beyond file: and data:. */
export interface Visit {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

export async function openHtml(browser: Browser, dir: string, name: string, html: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Visit> {
  const file = join(dir, name);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
  const visit: Visit = { page, consoleErrors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') visit.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => visit.consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    visit.consoleErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!/^(?:file|data):/.test(r.url())) visit.requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return visit;
}
