import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accountActions } from '../../src/db/schema/index.js';
import { accountActionsButton } from '../../src/views/account-actions.js';
import { eventually, loadedView, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

/**
 * The account-action form through signed Slack requests: amounts are read the way agents write them (or refused with
 * a clear field error, storing nothing), and the submission is answered within Slack's 3 s however slow Stripe is,
 * with the outcome shown in the same window once it is known.
 */

const HALCYON = 'cus_DemoHalcyonFreight';
const JUNIPER = 'cus_DemoJuniperMoss';
/** Per Stripe call: a credit's checks take two rounds of calls, a plan change's three. */
const SLOW_STRIPE_MS = 1_600;

const blocksText = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe.each(DATABASE_KINDS)('the account-action form (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });
  afterEach(() => {
    app.stripe.latencyMs = 0;
    app.stripe.clearFaults();
  });

  const rows = () => app.running.deps.db.select().from(accountActions);
  const creditsOf = (customer: string) =>
    [...app.stripe.state.balanceTransactions.values()].filter((t) => t.customer === customer && t.amount < 0);
  const directMessages = (user: string) => app.slack.messages(String(app.slack.dmChannel(user)));

  /** Clicks Actions on a billing card for `customer`; answers the views that were open before the click. */
  async function clickActions(user: string, customer: string): Promise<Set<string>> {
    const posted = await app.running.deps.integrations.slack.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Billing card',
      blocks: [{ type: 'actions', elements: [accountActionsButton({ customer })] }],
    });
    const seen = new Set(app.slack.openViews(user).map((view) => view.id));
    const clicked = await app.driver.clickButton({
      user,
      channel: 'C0SUPPORT',
      messageTs: String(posted.ts),
      actionId: 'account_actions_open',
    });
    expect(clicked.status).toBe(200);
    return seen;
  }

  /** Clicks Actions on a billing card; answers the id of the picker's view once Stripe's answer filled it. */
  async function openPicker(user: string, customer: string): Promise<string> {
    const seen = await clickActions(user, customer);
    return (await loadedView(app, user, seen)).id;
  }

  /** Opens the Actions picker on a billing card and chooses `kindName`; answers the id of the form's view. */
  async function openForm(user: string, customer: string, kindName: string): Promise<string> {
    const viewId = await openPicker(user, customer);
    const picked = await app.driver.submitView({ user, viewId, values: { kind_select: kindName } });
    expect(picked.status).toBe(200);
    expect(app.slack.view(viewId)?.callback_id).toBe('account_action_form');
    return viewId;
  }

  describe('amounts', () => {
    it('a decimal comma ("0,50") is refused with a field error asking for a dot, and nothing runs', async () => {
      const before = (await rows()).length;
      const creditsBefore = creditsOf(HALCYON).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'credit');
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { amount_input: '0,50', reason_input: 'Goodwill for the late reply' },
      });
      expect(submitted.body).toMatchObject({
        response_action: 'errors',
        errors: { amount: expect.stringMatching(/dot for decimals.*0\.50/) },
      });
      expect(app.slack.viewInfo(viewId)?.open).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await rows()).length).toBe(before);
      expect(creditsOf(HALCYON)).toHaveLength(creditsBefore);
    });

    it("an amount above Stripe's maximum is refused in the form instead of after the approvals", async () => {
      const before = (await rows()).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'credit');
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { amount_input: '90071992547409.91', reason_input: 'Typo in the amount' },
      });
      expect(submitted.body).toMatchObject({
        response_action: 'errors',
        errors: { amount: expect.stringContaining('$999,999.99') },
      });
      expect((await rows()).length).toBe(before);
    });
  });

  it('the same form sent twice (its first answer lost) makes one request, and the credit runs once', async () => {
    const before = new Set((await rows()).map((row) => row.id));
    const creditsBefore = creditsOf(HALCYON).length;
    const viewId = await openForm(app.people.l2, HALCYON, 'credit');
    const form = structuredClone(app.slack.view(viewId));
    const values = { amount_input: '25.00', reason_input: 'Goodwill for the double invoice' };
    const first = await app.driver.submitView({ user: app.people.l2, viewId, values });
    expect(first.status).toBe(200);
    const again = await app.driver.submitView({ user: app.people.l2, viewId, values, asSubmitted: form });
    expect(again.status).toBe(200);
    const added = await eventually(async () => {
      const fresh = (await rows()).filter((row) => !before.has(row.id));
      return fresh.length > 0 && fresh.every((row) => row.state === 'succeeded') ? fresh : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await rows()).filter((row) => !before.has(row.id))).toHaveLength(1);
    expect(added).toHaveLength(1);
    expect(
      creditsOf(HALCYON)
        .slice(creditsBefore)
        .map((t) => t.amount),
    ).toEqual([-2_500]);
  });

  describe('with Stripe slow to answer', () => {
    it('the Actions button opens its window at once, and the picker fills it when Stripe answers', async () => {
      // Longer than the trigger id lasts: opening the window only after Stripe answered would lose the click.
      app.stripe.latencyMs = 3_300;
      const seen = await clickActions(app.people.l2, HALCYON);
      const opened = await eventually(
        () => app.slack.openViews(app.people.l2).find((view) => !seen.has(view.id)),
        2_500,
      );
      expect(blocksText(opened.blocks)).toContain('Reading Stripe');
      const picker = await loadedView(app, app.people.l2, seen);
      expect(picker.id).toBe(opened.id);
      expect(picker.callback_id).toBe('account_action_pick');
      expect(blocksText(picker.blocks)).toContain('Halcyon');
    });

    it('choosing a plan change is answered within 3 s, and its form replaces the holding view', async () => {
      const viewId = await openPicker(app.people.l2, JUNIPER);
      // The upgrade form reads the customer, its subscription and the plans: three rounds of Stripe calls.
      app.stripe.latencyMs = SLOW_STRIPE_MS;
      const picked = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { kind_select: 'upgrade' },
      });
      expect(picked.status).toBe(200);
      expect(picked.elapsedMs).toBeLessThan(3_000);
      expect(app.slack.view(viewId)?.title?.text).toBe('Preparing the form');
      await eventually(() => app.slack.view(viewId)?.callback_id === 'account_action_form');
      expect(blocksText(app.slack.view(viewId)?.blocks)).toContain('price_DemoGrowthMonthly');
    });

    it('a Stripe failure while the form is prepared is shown in the window, with a button to start again', async () => {
      const viewId = await openPicker(app.people.l2, HALCYON);
      app.stripe.inject({
        match: (request) => request.method === 'GET' && request.path.endsWith(`/customers/${HALCYON}`),
        times: 1,
        delayMs: 2_500,
        response: { status: 400, body: { error: { type: 'invalid_request_error', message: 'Not today' } } },
      });
      const picked = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { kind_select: 'credit' },
      });
      expect(picked.status).toBe(200);
      expect(picked.elapsedMs).toBeLessThan(3_000);
      await eventually(() => app.slack.view(viewId)?.title?.text === 'Not opened');
      const text = blocksText(app.slack.view(viewId)?.blocks);
      expect(text).toContain('Nothing was changed');
      expect(text).toContain('account_actions_open');
    });

    it('a credit is answered within 3 s with a holding view, then runs once and the window says so', async () => {
      const before = new Set((await rows()).map((row) => row.id));
      const creditsBefore = creditsOf(HALCYON).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'credit');
      app.stripe.latencyMs = SLOW_STRIPE_MS;
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { amount_input: '12.50', reason_input: 'Goodwill for the slow support reply' },
      });
      expect(submitted.status).toBe(200);
      expect(submitted.elapsedMs).toBeLessThan(3_000);
      expect(submitted.outcome).toMatchObject({ action: 'updated' });
      expect(app.slack.view(viewId)?.title?.text).toBe('Checking with Stripe');

      await eventually(() => app.slack.view(viewId)?.title?.text === 'Running it');
      const row = await eventually(async () => (await rows()).find((entry) => !before.has(entry.id)));
      expect(row).toMatchObject({ kind: 'credit', amountMinor: 1_250, currency: 'usd' });
      await eventually(
        async () => (await rows()).find((entry) => entry.id === row.id)?.state === 'succeeded',
      );
      expect(
        creditsOf(HALCYON)
          .slice(creditsBefore)
          .map((t) => t.amount),
      ).toEqual([-1_250]);
      expect((await rows()).filter((entry) => !before.has(entry.id))).toHaveLength(1);
    });

    it('a problem found after the holding view is listed in the window, with a button to start again', async () => {
      const before = (await rows()).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'refund');
      app.stripe.latencyMs = SLOW_STRIPE_MS;
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: {
          charge_input: 'ch_NotThisCustomers1',
          amount_input: '5.00',
          reason_input: 'Customer says they were charged twice',
        },
      });
      expect(submitted.status).toBe(200);
      expect(submitted.elapsedMs).toBeLessThan(3_000);

      await eventually(() => app.slack.view(viewId)?.title?.text === 'Not sent');
      const text = blocksText(app.slack.view(viewId)?.blocks);
      expect(text).toContain('Charge or payment to refund');
      expect(text).toContain('No payment ch_NotThisCustomers1 was found for this customer.');
      expect(text).toContain('nothing was changed');
      expect(text).toContain('account_actions_open');
      expect((await rows()).length).toBe(before);

      // Start again opens the picker for the same customer on top of the notice.
      app.stripe.latencyMs = 0;
      const clicked = await app.driver.clickButton({
        user: app.people.l2,
        viewId,
        actionId: 'account_actions_open',
      });
      expect(clicked.status).toBe(200);
      await eventually(() => {
        const top = app.slack.openViews(app.people.l2).at(-1);
        return top?.id !== viewId && top?.callback_id === 'account_action_pick';
      });
    });

    it('when the window was closed meanwhile, the problem comes as a direct message', async () => {
      const before = (await rows()).length;
      const dmsBefore = directMessages(app.people.l2).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'refund');
      app.stripe.latencyMs = SLOW_STRIPE_MS;
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { charge_input: 'ch_NotThisCustomers2', reason_input: 'Customer asked for their money back' },
      });
      expect(submitted.status).toBe(200);
      await app.driver.closeView({ user: app.people.l2, viewId });

      const message = await eventually(() =>
        directMessages(app.people.l2)
          .slice(dmsBefore)
          .find((m) => m.text.includes('ch_NotThisCustomers2')),
      );
      expect(message.text).toContain('was not sent');
      expect(message.text).toContain(HALCYON);
      expect((await rows()).length).toBe(before);
    });

    /**
     * Submits a $3.00 credit while Stripe answers the credit history, after `delayMs`, with an error the SDK does not
     * retry (the customer itself answers at once).
     */
    async function submitCreditFailingHistory(viewId: string, delayMs: number) {
      app.stripe.inject({
        match: (request) => request.method === 'GET' && request.path.endsWith('/balance_transactions'),
        times: 1,
        delayMs,
        response: {
          status: 400,
          body: { error: { type: 'invalid_request_error', message: 'Something Stripe did not like' } },
        },
      });
      return app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { amount_input: '3.00', reason_input: 'Goodwill for the broken invoice link' },
      });
    }

    it('a Stripe failure after the holding view is shown in the window, and nothing is stored', async () => {
      const before = (await rows()).length;
      const creditsBefore = creditsOf(HALCYON).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'credit');
      const submitted = await submitCreditFailingHistory(viewId, 2_500);
      expect(submitted.status).toBe(200);
      expect(submitted.elapsedMs).toBeLessThan(3_000);

      await eventually(() => app.slack.view(viewId)?.title?.text === 'Not sent');
      const text = blocksText(app.slack.view(viewId)?.blocks);
      expect(text).toContain('nothing was changed');
      expect(text).toContain('account_actions_open');
      expect((await rows()).length).toBe(before);
      expect(creditsOf(HALCYON)).toHaveLength(creditsBefore);
    });

    it('a Stripe failure before Slack is answered is shown in the window too, and nothing is stored', async () => {
      const before = (await rows()).length;
      const viewId = await openForm(app.people.l2, HALCYON, 'credit');
      const submitted = await submitCreditFailingHistory(viewId, 0);
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({
        response_action: 'update',
        view: { title: { text: 'Not sent' } },
      });
      expect(blocksText((submitted.body as { view?: { blocks?: unknown } }).view?.blocks)).toContain(
        'account_actions_open',
      );
      expect((await rows()).length).toBe(before);
    });

    it('a plan change shows its invoice preview in the window, and confirming it stores one request', async () => {
      const before = new Set((await rows()).map((row) => row.id));
      const viewId = await openForm(app.people.l2, JUNIPER, 'upgrade');
      app.stripe.latencyMs = SLOW_STRIPE_MS;
      const submitted = await app.driver.submitView({
        user: app.people.l2,
        viewId,
        values: { price_input: 'price_DemoGrowthMonthly', reason_input: 'The team grew past Starter' },
      });
      expect(submitted.status).toBe(200);
      expect(submitted.elapsedMs).toBeLessThan(3_000);
      await eventually(() => app.slack.view(viewId)?.title?.text === 'Invoice preview');
      expect(blocksText(app.slack.view(viewId)?.blocks)).toContain('Prorated difference');
      expect((await rows()).filter((row) => !before.has(row.id))).toHaveLength(0);

      app.stripe.latencyMs = 0;
      const confirmed = await app.driver.submitView({ user: app.people.l2, viewId });
      expect(confirmed.status).toBe(200);
      expect(app.slack.view(viewId)?.title?.text).toMatch(/Running it|Sent for approval/);
      const added = await eventually(async () => {
        const fresh = (await rows()).filter((row) => !before.has(row.id));
        return fresh.length > 0 ? fresh : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await rows()).filter((row) => !before.has(row.id))).toHaveLength(1);
      expect(added[0]).toMatchObject({ kind: 'upgrade', customerId: JUNIPER });
    });
  });
});
