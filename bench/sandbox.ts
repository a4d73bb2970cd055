import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startFrontline } from '../src/runtime.js';
import { launchBrowser } from '../test/support/browser.js';
import { heading, line, ms, summary } from './support.js';

/**
 * The sandbox page in Chromium against Frontline started as a newcomer starts it (no credentials, embedded
 * database): how long the page takes to show the workspace, and how long from a person's action to its rendered
 * result (which includes the signed request to the app, the app's answer to the Slack fake, the live-update event
 * and the re-render).
 */
const ROUNDS = 15;

export async function sandboxBench(): Promise<void> {
  heading('sandbox page (Chromium, embedded database, no credentials)');
  const dir = mkdtempSync(join(tmpdir(), 'frontline-bench-sandbox-'));
  const running = await startFrontline(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dir }, dir), {
    logger: pino({ level: 'silent' }),
  });
  const browser = await launchBrowser();
  try {
    const url = `${running.url}/sandbox`;
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const started = performance.now();
      await page.goto(url);
      await page
        .locator('#messages .message', { hasText: 'Welcome to the Frontline sandbox' })
        .waitFor({ state: 'visible' });
      loads.push(performance.now() - started);
      await page.close();
    }
    const load = summary(loads);
    line(
      'page load → workspace with messages shown',
      `p50 ${ms(load.p50)}, p95 ${ms(load.p95)} (n=${ROUNDS})`,
    );

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('nav.sidebar button.channel', { hasText: 'product' }).click();
    const messageTimes: number[] = [];
    const modalTimes: number[] = [];
    const closeTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const text = `bench message ${round}`;
      await page.locator('#composer').fill(text);
      let started = performance.now();
      await page.locator('#send').click();
      await page.locator('#messages .message', { hasText: text }).waitFor({ state: 'visible' });
      messageTimes.push(performance.now() - started);

      await page.locator('#composer').fill('/escalate bench');
      started = performance.now();
      await page.locator('#send').click();
      const modal = page.locator('.modal-layer:not(.confirm-layer) .modal');
      await modal.waitFor({ state: 'visible' });
      modalTimes.push(performance.now() - started);

      started = performance.now();
      await modal.locator('.modal-close').click();
      await modal.waitFor({ state: 'hidden' });
      closeTimes.push(performance.now() - started);
    }
    const show = (label: string, values: number[]) => {
      const s = summary(values);
      line(label, `p50 ${ms(s.p50)}, p95 ${ms(s.p95)} (n=${values.length})`);
    };
    show('click Send → message rendered', messageTimes);
    show('click Send on /escalate → modal rendered', modalTimes);
    show('click Cancel → modal gone', closeTimes);
  } finally {
    await browser.close();
    await running.stop();
  }
}
