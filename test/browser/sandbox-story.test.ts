import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { DATABASE_KINDS } from '../support/database.js';
import { type Sandbox, startSandbox } from '../support/sandbox.js';
import { anotherAgentReportsNewProblem, l1EscalatesKnownDuplicateCharge, type Story } from './story.js';

describe.each(DATABASE_KINDS)('the sandbox story in Chromium (%s)', (kind) => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;
  let story: Story;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandbox(kind), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${sandbox.url}/sandbox`);
    story = {
      page,
      shot: async (name) => {
        await page.screenshot({ path: artifactPath(`sandbox-story-${kind}-${name}.png`) });
      },
    };
  });
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('an L1 agent escalates a duplicate charge, sees the known problem, links it and gets the workaround', async () => {
    await l1EscalatesKnownDuplicateCharge(story);
  });

  it('another agent escalates something new and reports it as a new problem', async () => {
    await anotherAgentReportsNewProblem(story);
  });
});
