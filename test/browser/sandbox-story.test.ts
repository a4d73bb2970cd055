import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { DATABASE_KINDS } from '../support/database.js';
import { type Sandbox, startSandbox } from '../support/sandbox.js';
import { anotherAgentReportsNewProblem, l1EscalatesKnownDuplicateCharge, type Story } from './story.js';
import {
  creditVisibleInBillingCard,
  engineerClassifiesAsIncident,
  engineerPostsUpdate,
  l2RequestsCredit,
  specialistAndVpApprove,
} from './story-later-steps.js';

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

  it('an engineer classifies it as an incident', async () => {
    await engineerClassifiesAsIncident(story);
  });

  it("an update shows in the incidents channel, in the escalation's thread and on the status page", async () => {
    await engineerPostsUpdate(story, `${sandbox.url}/status`);
  });

  it('an L2 agent requests a $600 credit from the billing card', async () => {
    await l2RequestsCredit(story);
  });

  it('a billing specialist, then a VP approve; the credit runs once', async () => {
    await specialistAndVpApprove(story);
  });

  it("the credit shows in the customer's billing card", async () => {
    await creditVisibleInBillingCard(story);
  });
});
