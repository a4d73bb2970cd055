import { existsSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { seedIncident } from '../support/status-page-seed.js';

/**
 * The public status page in Chromium, at a phone's size: an incident with three updates and component states
 * (written as the incident service writes them), its timeline in order, the components' states, a public message
 * holding `<script>` shown as text, and no internal note anywhere.
 */

const HOUR = 3_600_000;
const INTERNAL = 'INTERNAL-ONLY-c41d';
const SCRIPT_TEXT = 'Fixed. <script>document.title="owned";alert(1)</script> stays text.';

describe('public status page in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let incidentId: number;
  const dialogs: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const now = Date.now();
    incidentId = await seedIncident(app.running.deps.db, {
      publicTitle: 'Card payments declined for some customers',
      publicSummary: 'Some card payments fail at checkout and on renewal.',
      severity: 'sev2',
      components: ['payments', 'subscriptions'],
      createdAt: new Date(now - 3 * HOUR),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'We are looking into declined card payments.',
          internalNote: `${INTERNAL} gateway returns 502`,
          componentStates: { payments: 'major_outage', subscriptions: 'degraded_performance' },
          at: new Date(now - 3 * HOUR),
        },
        {
          state: 'identified',
          publicMessage: 'We found the cause and are rolling out a fix.',
          internalNote: `${INTERNAL} revert deploy`,
          componentStates: { payments: 'partial_outage' },
          at: new Date(now - 2 * HOUR),
        },
        {
          state: 'monitoring',
          publicMessage: SCRIPT_TEXT,
          internalNote: `${INTERNAL} error rate back to baseline`,
          componentStates: { payments: 'degraded_performance', subscriptions: 'operational' },
          at: new Date(now - HOUR),
        },
      ],
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function timeline(scope: string) {
    return page.$$eval(`${scope} [data-testid="update"]`, (items) =>
      items.map((item) => ({
        state: item.getAttribute('data-state'),
        message: item.querySelector('[data-testid="update-message"]')?.textContent ?? '',
      })),
    );
  }

  it('/status shows the incident, its updates newest first, and each component’s state', async () => {
    const response = await page.goto(`${app.url}/status`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Billing status');

    expect(await page.textContent('[data-testid="overall-status"]')).toBe(
      'Some services are partly unavailable',
    );
    const incident = `[data-testid="active-incidents"] [data-incident-id="${incidentId}"]`;
    expect(await page.textContent(`${incident} h3`)).toBe('Card payments declined for some customers');
    expect(await timeline(incident)).toEqual([
      { state: 'monitoring', message: SCRIPT_TEXT },
      { state: 'identified', message: 'We found the cause and are rolling out a fix.' },
      { state: 'investigating', message: 'We are looking into declined card payments.' },
    ]);

    const components = await page.$$eval('[data-testid="component"]', (items) =>
      items.map((item) => [
        item.getAttribute('data-component-id'),
        item.querySelector('[data-testid="component-state"]')?.textContent,
        item.querySelectorAll('.bar').length,
      ]),
    );
    expect(components).toEqual([
      ['payments', 'Degraded performance', 90],
      ['subscriptions', 'Operational', 90],
      ['invoicing', 'Operational', 90],
      ['billing-portal', 'Operational', 90],
      ['refunds', 'Operational', 90],
    ]);
    // Today's bar shows the worst of the day: the major outage of three hours ago.
    const today = new Date().toISOString().slice(0, 10);
    if (new Date(Date.now() - 3 * HOUR).toISOString().slice(0, 10) === today) {
      expect(
        await page.getAttribute(`[data-component-id="payments"] .bar[data-date="${today}"]`, 'class'),
      ).toBe('bar bar-major_outage');
    }

    // Readable on a phone: nothing wider than the screen.
    const overflow = await page.$eval('html', (root) => root.scrollWidth - root.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    const path = artifactPath('status-page.png');
    await page.screenshot({ path, fullPage: true });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });

  it('renders an update containing <script> as text and runs nothing', async () => {
    await page.goto(`${app.url}/status`);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toBe('Billing status');
    expect(dialogs).toEqual([]);
    expect(await page.textContent('body')).toContain(SCRIPT_TEXT);
  });

  it('/status/incidents/:id shows the timeline, and no internal note appears on either page', async () => {
    const response = await page.goto(`${app.url}/status/incidents/${incidentId}`);
    expect(response?.status()).toBe(200);
    expect(await page.textContent('[data-testid="incident"] h3')).toBe(
      'Card payments declined for some customers',
    );
    expect((await timeline('[data-testid="incident"]')).map((update) => update.state)).toEqual([
      'monitoring',
      'identified',
      'investigating',
    ]);
    expect(await page.textContent('[data-testid="incident"]')).toContain(
      'Card payments (Degraded performance)',
    );
    await page.screenshot({ path: artifactPath('status-incident.png'), fullPage: true });
    expect(existsSync(artifactPath('status-incident.png'))).toBe(true);

    expect(await page.content()).not.toContain(INTERNAL);
    await page.goto(`${app.url}/status`);
    expect(await page.content()).not.toContain(INTERNAL);
  });
});
