import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackEphemeral } from '../../src/sandbox/fakes/slack/types.js';
import { eventually, openEscalationForm, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const HALCYON = 'cus_DemoHalcyonFreight';

/**
 * Customer searches Stripe cannot run: fewer than three characters (Stripe's substring search refuses them) and
 * queries Stripe answers with a 400 `invalid_request_error`. Each place a person searches for a customer says what to
 * type instead, without asking Stripe when it already knows the answer.
 */
describe.each(DATABASE_KINDS)('customer searches Stripe cannot run (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });
  beforeEach(() => {
    app.stripe.clearFaults();
    app.stripe.clearRequests();
  });

  const searches = () => app.stripe.requests.filter((request) => request.path === '/v1/customers/search');

  /** Runs a slash command and answers the first ephemeral message it leaves for `user`. */
  async function ephemeralAfter(
    user: string,
    command: '/billing' | '/frontline',
    text: string,
  ): Promise<SlackEphemeral> {
    const before = app.slack.ephemerals(user).length;
    const answer = await app.driver.command({ user, channel: 'C0SUPPORT', command, text });
    expect(answer.status).toBe(200);
    return eventually(() => app.slack.ephemerals(user)[before]);
  }

  /** Lets Stripe's customer search answer the next request with the 400 it gives for a query it cannot run. */
  function stripeRejectsNextSearch() {
    app.stripe.inject({
      times: 1,
      match: (request) => request.path === '/v1/customers/search',
      response: {
        status: 400,
        headers: { 'Request-Id': 'req_search_rejected' },
        body: {
          error: {
            type: 'invalid_request_error',
            message: 'Invalid search query: the value could not be parsed.',
          },
        },
      },
    });
  }

  it('/billing with two characters says to type at least three, without asking Stripe', async () => {
    const reply = await ephemeralAfter(app.people.l1, '/billing', 'ab');
    expect(reply.text).toContain('at least 3 characters');
    expect(reply.text).toContain('cus_');
    expect(reply.text).not.toContain('did not answer');
    expect(searches()).toHaveLength(0);
  });

  it('/billing with a query Stripe rejects says Stripe could not search for it, not that Stripe did not answer', async () => {
    stripeRejectsNextSearch();
    const reply = await ephemeralAfter(app.people.l1, '/billing', 'billing.nobody@example.com');
    expect(reply.text).toContain("couldn't search for that");
    expect(reply.text).not.toContain('did not answer');
    expect(searches()).toHaveLength(1);
  });

  it('/billing still says Stripe did not answer when Stripe fails', async () => {
    app.stripe.failNext(3, 500);
    const reply = await ephemeralAfter(app.people.l1, '/billing', 'Halcyon');
    expect(reply.text).toContain('did not answer');
  });

  it('/billing with three characters searches Stripe as before', async () => {
    const reply = await ephemeralAfter(app.people.l1, '/billing', 'Hal');
    expect(JSON.stringify(reply.blocks)).toContain(HALCYON);
    expect(searches()).toHaveLength(1);
  });

  it('/frontline audit with two characters tells the manager to type at least three, without asking Stripe', async () => {
    const reply = await ephemeralAfter(app.people.manager, '/frontline', 'audit ab');
    expect(reply.text).toContain('at least 3 characters');
    expect(reply.text).not.toContain('Something went wrong');
    expect(searches()).toHaveLength(0);
  });

  it('/frontline audit with a query Stripe rejects says Stripe could not search for it', async () => {
    stripeRejectsNextSearch();
    const reply = await ephemeralAfter(app.people.manager, '/frontline', 'audit Halcyon');
    expect(reply.text).toContain("couldn't search for that");
    expect(reply.text).not.toContain('Something went wrong');
  });

  it("the escalation form's customer search answers two characters with no options, without asking Stripe", async () => {
    const viewId = await openEscalationForm(app, app.people.l1, 'Invoice shows the wrong VAT number');
    // Slack itself waits for three characters before asking; a request with fewer still gets a clean answer.
    expect(JSON.stringify(app.slack.view(viewId)?.blocks)).toContain('"min_query_length":3');
    const short = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: 'ha',
    });
    expect(short.status).toBe(200);
    expect(short.options).toEqual([]);
    expect(searches()).toHaveLength(0);
    const longer = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: 'hal',
    });
    expect(longer.options).toEqual([expect.objectContaining({ value: HALCYON })]);
  });
  it("the escalation form's customer search answers within Slack's 3 s when Stripe is slow, with no options", async () => {
    const viewId = await openEscalationForm(app, app.people.l1, 'Invoice shows the wrong VAT number');
    app.stripe.latencyMs = 3_500;
    try {
      const slow = await app.driver.suggestion({
        user: app.people.l1,
        viewId,
        actionId: 'customer_select',
        value: 'hal',
      });
      expect(slow.status).toBe(200);
      expect(slow.elapsedMs).toBeLessThan(3_000);
      expect(slow.options).toEqual([]);
    } finally {
      app.stripe.latencyMs = 0;
    }
    // The late search ends without troubling anyone: no "something went wrong" message.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const dm = app.slack.messages(String(app.slack.dmChannel(app.people.l1)));
    expect(dm.some((message) => message.text?.includes('Something went wrong'))).toBe(false);
  });
});
