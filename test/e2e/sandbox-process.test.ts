import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { freePort, START_TIMEOUT_MS, signalGroup, startProcess, waitForHttp } from '../support/process.js';

interface SandboxState {
  people: Array<{ realName: string; role: string }>;
  channels: Array<{ name: string }>;
}

describe('a newcomer starts Frontline with npm start and opens the sandbox', () => {
  it('npm start with no credentials on a fresh DATA_DIR serves /sandbox with the demo data', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'frontline-newcomer-'));
    const app = startProcess(['npm', 'start', '--silent'], { PORT: String(port), DATA_DIR: dataDir });
    const base = `http://127.0.0.1:${port}`;
    const browser = await launchBrowser();
    try {
      await waitForHttp(`${base}/readyz`, START_TIMEOUT_MS);
      const page = await fetch(`${base}/sandbox`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/sandbox/app.js');
      const script = await fetch(`${base}/sandbox/app.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(5_000);
      const state = (await (await fetch(`${base}/sandbox/api/state`)).json()) as SandboxState;
      expect(state.people.map((p) => p.role).sort()).toEqual(
        ['billing_specialist', 'engineer', 'l1', 'l1', 'l2', 'legal', 'manager', 'vp'].sort(),
      );
      expect(state.channels.map((c) => c.name)).toEqual([
        'billing-intake',
        'billing-incidents',
        'billing-approvals',
        'product',
        'marketing',
      ]);

      // The demo data: the Stripe customers answer the customer search, and the known problem is in the database
      // (its linked escalations show as customers on the match).
      const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      tab.setDefaultTimeout(15_000);
      await tab.goto(`${base}/sandbox`);
      await tab.locator('#person option', { hasText: 'Lena Okafor' }).waitFor({ state: 'attached' });
      await tab.locator('nav.sidebar button.channel', { hasText: 'billing-intake' }).click();
      const welcome = tab.locator('#messages .message', { hasText: 'Welcome to the Frontline sandbox' });
      await welcome.waitFor({ state: 'visible' });
      expect(await welcome.textContent()).toContain(
        'PRB-1 — Renewal charged twice when the payment gateway times out (3 customers linked',
      );
      await tab.locator('#composer').fill('/escalate Charged twice for one renewal');
      await tab.locator('#composer').press('Enter');
      const modal = tab.locator('.modal-layer:not(.confirm-layer) .modal');
      await modal.waitFor({ state: 'visible' });
      await modal.locator('.external-search').pressSequentially('halcyon', { delay: 20 });
      await modal
        .locator('.suggestion', { hasText: 'Halcyon Freight Systems' })
        .waitFor({ state: 'visible' });
      await tab.screenshot({ path: artifactPath('sandbox-newcomer-npm-start.png') });
      expect(await tab.locator('a.status-link').getAttribute('href')).toBe('/status');
      expect(app.output()).toContain('Frontline is listening on http://127.0.0.1:');
    } finally {
      await browser.close();
      signalGroup(app, 'SIGTERM');
      await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      signalGroup(app, 'SIGKILL');
    }
  }, 120_000);
});
