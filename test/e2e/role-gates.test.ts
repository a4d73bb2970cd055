import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

/**
 * What names customers and what they pay is for people with a Frontline role: billing details for the roles seed 003's
 * matrix gives "view billing information" (L1, L2, managers, billing specialists), the ranked queue for anyone with a
 * role. Someone else is told so where they asked, and nothing is read from Stripe for them.
 */
describe.each(DATABASE_KINDS)('role gates on billing details and the queue (%s)', (kind) => {
  let app: TestApp;
  const NOBODY = 'U0NOROLE01';

  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const stripeReads = () => app.stripe.requests.length;
  async function command(user: string, name: string, text: string): Promise<string> {
    const before = app.slack.ephemerals(user).length;
    const answer = await app.driver.command({ user, channel: 'C0SUPPORT', command: name, text });
    expect(answer.status).toBe(200);
    return (await eventually(() => app.slack.ephemerals(user)[before])).text ?? '';
  }

  it('/billing and the Billing context button refuse someone without a support role, before asking Stripe', async () => {
    const reads = stripeReads();
    for (const user of [NOBODY, app.people.engineer]) {
      expect(await command(user, '/billing', 'Halcyon')).toContain(
        "Only an L1 agent, an L2 agent, a support manager or a billing specialist may see customers' billing details",
      );
    }
    const posted = await app.running.deps.integrations.slack.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Escalation card',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'billing_context_open',
              text: { type: 'plain_text', text: 'Billing context' },
              value: 'cus_DemoHalcyonFreight',
            },
          ],
        },
      ],
    });
    const before = app.slack.ephemerals(NOBODY).length;
    const views = app.slack.openViews(NOBODY).length;
    await app.driver.clickButton({
      user: NOBODY,
      channel: 'C0SUPPORT',
      messageTs: String(posted.ts),
      actionId: 'billing_context_open',
    });
    const refusal = await eventually(() => app.slack.ephemerals(NOBODY)[before]);
    expect(refusal.text).toContain('may see customers');
    expect(app.slack.openViews(NOBODY)).toHaveLength(views);
    expect(stripeReads()).toBe(reads);
  });

  it('an L1 agent still gets the card', async () => {
    const text = await command(app.people.l1, '/billing', 'cus_DemoHalcyonFreight');
    expect(text).not.toContain('may see customers');
    expect(JSON.stringify(app.slack.ephemerals(app.people.l1).at(-1)?.blocks)).toContain('Halcyon');
  });

  it('/frontline queue is for people with a Frontline role', async () => {
    expect(await command(NOBODY, '/frontline', 'queue')).toContain(
      'The ranked queue is for people with a Frontline role',
    );
    expect(await command(app.people.engineer, '/frontline', 'queue')).not.toContain('is for people with');
  });
});
