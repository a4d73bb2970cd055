import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDay } from '../../src/domain/billing.js';
import { createAccountActionGateway } from '../../src/integrations/stripe/actions.js';
import { createStripeBillingPort } from '../../src/integrations/stripe/billing.js';
import type { SlackEphemeral, SlackViewOutput } from '../../src/sandbox/fakes/slack/types.js';
import { forgetBillingContext } from '../../src/services/billingContext.js';
import { lifecycleModal } from '../../src/views/billingCard.js';
import { eventually, loadedView, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const HALCYON = 'cus_DemoHalcyonFreight';
const BRIGHTLEAF = 'cus_DemoBrightleafStudio';
const CORVID = 'cus_DemoCorvidRobotics';
const JUNIPER = 'cus_DemoJuniperMoss';
const QUILLFEATHER = 'cus_DemoQuillfeatherLabs';
const OSTRANDER = 'cus_DemoOstranderLegal';

const text = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe.each(DATABASE_KINDS)('billing context and playbooks (%s)', (kind) => {
  let app: TestApp;
  let seatsCustomer: string;

  beforeAll(async () => {
    app = await startTestApp({ kind });
    // Two customers whose names both match "Acme", for the pick list.
    for (const name of ['Acme Northern Freight', 'Acme Southern Freight'])
      app.stripe.seed.customer({ name, email: `${name.split(' ')[1]?.toLowerCase()}@acme.example` });
    // A customer whose latest invoice is bigger than usual: two more seats, charged at once with proration.
    const day = 86_400_000;
    const customer = app.stripe.seed.customer({
      name: 'Tessellate Analytics',
      email: 'ap@tessellate.example',
      metadata: { segment: 'hybrid', seats_used: '12' },
      card: {
        brand: 'visa',
        last4: '3155',
        expMonth: 9,
        expYear: new Date().getUTCFullYear() + 2,
        fingerprint: 'TessVisa',
      },
      created: Date.now() - 100 * day,
    });
    seatsCustomer = customer.id;
    const seeded = app.stripe.seed.subscription({
      customer: customer.id,
      items: [{ price: 'price_DemoEnterpriseProMonthly', quantity: 10 }],
      start: Date.now() - 75 * day,
    });
    const stripe = app.running.deps.integrations.stripe;
    const item = seeded.items[0];
    if (!item) throw new Error('no subscription item');
    await stripe.subscriptions.update(seeded.subscription.id, {
      items: [{ id: item.id, quantity: 12 }],
      proration_behavior: 'always_invoice',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function billing(query: string, user = app.people.l1): Promise<SlackEphemeral> {
    const before = app.slack.ephemerals(user).length;
    const answer = await app.driver.command({ user, channel: 'C0SUPPORT', command: '/billing', text: query });
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(3000);
    return eventually(() => app.slack.ephemerals(user)[before]);
  }

  /** Clicks a button and waits for the modal it opens to be filled in from Stripe. */
  async function openModal(
    user: string,
    source: { channel: string; messageTs: string } | { viewId: string },
    actionId: string,
  ): Promise<SlackViewOutput> {
    const seen = new Set(app.slack.openViews(user).map((view) => view.id));
    await app.driver.clickButton({ user, ...source, actionId });
    return loadedView(app, user, seen);
  }

  async function playbook(customer: string, kind: string): Promise<SlackViewOutput> {
    const card = await billing(customer);
    return openModal(app.people.l1, { channel: 'C0SUPPORT', messageTs: card.ts }, `billing_playbook_${kind}`);
  }

  it('looks a customer up by name, email or id: one → the card, several → a pick list, none → a clear message', async () => {
    const one = await billing('billing.halcyon@example.com');
    expect(one.text).toContain('Halcyon Freight Systems');

    const several = await billing('Acme');
    expect(several.text).toContain('2 customers match');
    expect(text(several.blocks)).toContain('Acme Northern Freight');
    expect(text(several.blocks)).toContain('Acme Southern Freight');
    const north = [...app.stripe.state.customers.values()].find((c) => c.name === 'Acme Northern Freight');
    await app.driver.selectOption({
      user: app.people.l1,
      channel: 'C0SUPPORT',
      messageTs: several.ts,
      actionId: 'billing_customer_pick',
      value: String(north?.id),
    });
    const picked = await eventually(() =>
      app.slack
        .ephemerals(app.people.l1)
        .find((e) => e.text.includes('Billing context for Acme Northern Freight')),
    );
    expect(text(picked.blocks)).toContain('No subscription');

    const none = await billing('nobody@nowhere.example');
    expect(none.text).toContain('No Stripe customer matches');
    const unknownId = await billing('cus_DoesNotExist');
    expect(unknownId.text).toContain('No Stripe customer matches');
    const empty = await billing('   ');
    expect(empty.text).toContain('/billing <email');
  });

  it("shows the enterprise customer's full card: plan, add-ons, six paid invoices, credits, value and churn risk", async () => {
    const card = await billing(HALCYON);
    const blocks = text(card.blocks);
    for (const expected of [
      'Enterprise Pro · $2,400.00/month (50 × $48.00)',
      'Monthly (renews ',
      'Visa ending 4242 (expires ',
      'billing.halcyon@example.com',
      '500 Harbor Boulevard, San Francisco, CA 94107, US',
      'Last payment*\\n$3,400.00 on ',
      'Next invoice*\\n$3,400.00 on ',
      'Outstanding balance*\\n$0.00',
      'Payment failures (12 months)*\\n0',
      'Available credit*\\n$0.00',
      'Credits applied this cycle*\\n$0.00',
      'Contract end*\\n20',
      'Auto-renewal*\\nEnabled',
      '45 of 50 (90% used)',
      'Advanced Analytics ($500.00/month)',
      'Priority Support ($300.00/month)',
      'API Extra Pack ($200.00/month)',
      'Total revenue*\\n$74,800.00',
      'Months active*\\n22',
      'MRR contribution*\\n$3,400.00',
      'ARR contribution*\\n$40,800.00',
      'Low — payments on time; high seat use (90%)',
    ]) {
      expect(blocks).toContain(expected);
    }
    const history = card.blocks?.find((block) => text(block).includes('Payment history (last 6)'));
    const rows = text(history).match(/\| Paid {10}\| Visa ending 4242/g) ?? [];
    expect(rows).toHaveLength(6);
    const actions = text(card.blocks);
    expect(actions).toContain('"action_id":"billing_lifecycle_open"');
    expect(actions).toContain('"action_id":"account_actions_open"');
    expect(actions).toContain(`"value":"{\\"customer\\":\\"${HALCYON}\\"}"`);
  });

  it('counts lasting discounts in MRR (an amount off each invoice too) and leaves a one-off coupon out', async () => {
    const day = 86_400_000;
    const lasting = app.stripe.seed.coupon({ amountOff: 2_000, currency: 'usd', duration: 'forever' });
    const once = app.stripe.seed.coupon({ percentOff: 50, duration: 'once' });
    for (const [name, coupon] of [
      ['Larkspur Dental Group', lasting.id],
      ['Quillon Print Works', once.id],
    ] as const) {
      const customer = app.stripe.seed.customer({
        name,
        email: `billing@${name.split(' ')[0]?.toLowerCase()}.example`,
        created: Date.now() - 40 * day,
        card: {
          brand: 'visa',
          last4: '1881',
          expMonth: 6,
          expYear: new Date().getUTCFullYear() + 3,
          fingerprint: `${name.split(' ')[0]}Visa`,
        },
      });
      app.stripe.seed.subscription({
        customer: customer.id,
        items: [{ price: 'price_DemoGrowthMonthly' }],
        start: Date.now() - 20 * day,
        coupon,
      });
    }
    const withAmountOff = text((await billing('Larkspur Dental Group')).blocks);
    expect(withAmountOff).toContain('Discount*\\n$20.00 off each invoice');
    expect(withAmountOff).toContain('MRR contribution*\\n$79.00');
    const withOnce = text((await billing('Quillon Print Works')).blocks);
    expect(withOnce).not.toContain('Discount*');
    expect(withOnce).toContain('MRR contribution*\\n$99.00');
  });

  it('reads tiered, package and fractional prices as Stripe bills them, and says when usage-based charges are left out', async () => {
    const day = 86_400_000;
    const seed = app.stripe.seed;
    const product = (name: string, kind?: string) =>
      seed.product({ name, ...(kind ? { metadata: { kind } } : {}) }).id;
    // Graduated: 10 seats at $30, the next 40 at $25, every further one at $20, plus a $100 base fee.
    const seats = seed.price({
      product: product('Scale'),
      interval: 'month',
      scheme: {
        billingScheme: 'tiered',
        tiersMode: 'graduated',
        tiers: [
          { upTo: 10, unitAmountDecimal: '3000', flatAmountDecimal: '10000' },
          { upTo: 50, unitAmountDecimal: '2500' },
          { upTo: null, unitAmountDecimal: '2000' },
        ],
      },
    });
    // $15 per pack of 1,000 messages, a part pack rounded up; and a tenth of a cent per lookup.
    const packs = seed.price({
      product: product('Message packs', 'add_on'),
      interval: 'month',
      scheme: {
        billingScheme: 'per_unit',
        unitAmountDecimal: '1500',
        transformQuantity: { divideBy: 1_000, round: 'up' },
      },
    });
    const lookups = seed.price({
      product: product('Address lookups', 'add_on'),
      interval: 'month',
      scheme: { billingScheme: 'per_unit', unitAmountDecimal: '0.1' },
    });
    const calls = seed.price({
      product: product('API calls', 'add_on'),
      interval: 'month',
      usageType: 'metered',
      scheme: { billingScheme: 'per_unit', unitAmountDecimal: '2' },
    });
    const customer = seed.customer({
      name: 'Marlowe Freightworks',
      email: 'billing@marlowe.example',
      created: Date.now() - 60 * day,
      card: {
        brand: 'visa',
        last4: '5556',
        expMonth: 9,
        expYear: new Date().getUTCFullYear() + 2,
        fingerprint: 'MarloweVisa',
      },
    });
    seed.subscription({
      customer: customer.id,
      items: [
        { price: seats.id, quantity: 60 },
        { price: packs.id, quantity: 2_500 },
        { price: lookups.id, quantity: 12_345 },
        { price: calls.id },
      ],
      start: Date.now() - 20 * day,
    });
    const blocks = text((await billing('Marlowe Freightworks')).blocks);
    // 100 + 10 × 30 + 40 × 25 + 10 × 20 = 1,600; 3 packs = 45; 12,345 × $0.001 = 12.345.
    expect(blocks).toContain('Scale · $1,600.00/month (60 units, graduated tiers)');
    expect(blocks).toContain('Message packs ($45.00/month (2500 units, $15.00 per 1000))');
    expect(blocks).toContain('Address lookups ($12.35/month (12345 × $0.001))');
    expect(blocks).toContain('API calls (usage-based ($0.02 per unit))');
    expect(blocks).toContain('MRR contribution*\\n$1,657.35 (plus usage-based charges, not counted)');
    // The account actions' plan list names each kind of price.
    const labels = (await createAccountActionGateway(app.running.deps.integrations.stripe).planPrices()).map(
      (price) => price.label,
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        'Scale · graduated tiers/month',
        'Message packs · $15.00 per 1000/month',
        'Address lookups · $0.001/month',
        'API calls · usage-based/month',
      ]),
    );
    // The card read the tiers by expanding them on the price: the subscription list cannot reach them.
    expect(
      app.stripe.requests.some(
        (request) =>
          request.path === `/v1/prices/${seats.id}` && [...request.query.values()].includes('tiers'),
      ),
    ).toBe(true);
  });

  it('shows failures, the outstanding amount, an expiring card and a high churn risk for a customer in trouble', async () => {
    const card = await billing(BRIGHTLEAF);
    const blocks = text(card.blocks);
    expect(blocks).toContain('Growth · $99.00/month · _past due_');
    expect(blocks).toContain('Mastercard ending 4444');
    // The demo card's last month is the one before the renewal: still valid from the 10th of a month on,
    // already expired before then.
    const [, month, year] = blocks.match(/Mastercard ending 4444 \(expires (\d\d)\/(\d{4})\)/) ?? [];
    const lastMoment = Date.UTC(Number(year), Number(month), 1) - 1;
    if (lastMoment < Date.now()) {
      expect(blocks).toContain(':warning: Expired');
      expect(blocks).toContain(`past due; card expired ${month}/${year}`);
    } else {
      expect(blocks).toContain(':warning: Expires before the next renewal');
      expect(blocks).toContain(`past due; card expires ${month}/${year}, before the next renewal`);
    }
    expect(blocks).toContain('Outstanding balance*\\n$99.00');
    expect(blocks).toContain('Payment failures (12 months)*\\n3 (3 in a row now)');
    expect(blocks).toContain('| Failed ');
    expect(blocks).toContain('High — 3 failed payments in a row; subscription is past due; card ');
  });

  it('the Lifecycle button shows the timeline: start, failures, recovery', async () => {
    const card = await billing(BRIGHTLEAF);
    const view = await openModal(
      app.people.l1,
      { channel: 'C0SUPPORT', messageTs: card.ts },
      'billing_lifecycle_open',
    );
    const blocks = text(view.blocks);
    expect(view.callback_id).toBe('billing_lifecycle');
    expect(blocks).toContain('Subscription started: Growth');
    expect(blocks).toContain('Payment of $99.00 failed: the bank reported insufficient funds');
    expect(blocks).toContain('Payment of $99.00 failed: the card has expired');
  });

  it('the Lifecycle view shows a seat change with what it was before and the invoice it caused', async () => {
    const card = await billing(seatsCustomer);
    const view = await openModal(
      app.people.l1,
      { channel: 'C0SUPPORT', messageTs: card.ts },
      'billing_lifecycle_open',
    );
    const blocks = text(view.blocks);
    expect(blocks).toContain('Changed from Enterprise Pro × 10 to Enterprise Pro × 12');
    expect(blocks).toContain('Plan or seats changed; invoiced $');
  });

  it('the Lifecycle view reads past the first page of a busy account’s events, and says when it could not read them all', async () => {
    // 250 newer events of other customers: the seat change is on the third page of the account's events.
    for (let index = 0; index < 250; index += 1)
      app.stripe.seed.event({
        type: 'customer.subscription.updated',
        object: { id: `sub_busy${index}`, object: 'subscription', customer: `cus_busy${index}` },
      });
    const listed = () => app.stripe.requests.filter((request) => request.path === '/v1/events').length;
    const before = listed();
    const card = await billing(seatsCustomer);
    const view = await openModal(
      app.people.l1,
      { channel: 'C0SUPPORT', messageTs: card.ts },
      'billing_lifecycle_open',
    );
    expect(text(view.blocks)).toContain('Changed from Enterprise Pro × 10 to Enterprise Pro × 12');
    expect(text(view.blocks)).not.toContain('too many recent events');
    expect(listed() - before).toBe(3);

    // With no time to read a second page, the port says how far back it got.
    const port = createStripeBillingPort(app.running.deps.integrations.stripe);
    const hurried = await port.lifecycleEvents(seatsCustomer, { budgetMs: 0 });
    expect(hurried.events).toEqual([]);
    expect(hurried.readBackTo).toBeInstanceOf(Date);
    // A later page that fails keeps the pages already read.
    const stop = app.stripe.inject({
      match: (request) => request.path === '/v1/events' && request.query.has('starting_after'),
      response: { status: 500, body: { error: { type: 'api_error', message: 'boom' } } },
    });
    try {
      const failed = await port.lifecycleEvents(seatsCustomer, { budgetMs: 5_000 });
      expect(failed.readBackTo).toEqual(hurried.readBackTo);
    } finally {
      stop();
    }
    const modal = text(
      lifecycleModal({
        customerId: seatsCustomer,
        customerName: 'Busy account',
        entries: [],
        missing: [],
        eventsReadBackTo: hurried.readBackTo,
      }).blocks,
    );
    expect(modal).toContain(`event details go back to ${isoDay(hurried.readBackTo as Date)} only`);
  });

  it('charged twice: finds the duplicate on the same card and offers its refund through account actions', async () => {
    const view = await playbook(CORVID, 'charged_twice');
    const blocks = text(view.blocks);
    const duplicate = [...app.stripe.state.charges.values()]
      .filter((c) => c.customer === CORVID && c.status === 'succeeded')
      .sort((a, b) => b.created - a.created)[0];
    expect(blocks).toContain('Duplicate found: $399.00 charged twice on Visa ending 1881, 3 minutes apart');
    expect(blocks).toContain(String(duplicate?.id));
    expect(blocks).toContain('requires approval');
    expect(blocks).toContain('Draft reply');
    expect(blocks).toContain("We're refunding the second charge of $399.00 in full");
    const refund = JSON.stringify({
      customer: CORVID,
      preset: { kind: 'refund', chargeId: duplicate?.id, amountMinor: 39_900, currency: 'usd' },
    });
    expect(blocks).toContain(JSON.stringify(refund).slice(1, -1));
    expect(blocks).toContain('"action_id":"account_actions_open"');
  });

  it('payment failed: reason, retries, a payment link and the grace period', async () => {
    const view = await playbook(BRIGHTLEAF, 'payment_failed');
    const blocks = text(view.blocks);
    const open = [...app.stripe.state.invoices.values()].find(
      (i) => i.customer === BRIGHTLEAF && i.status === 'open',
    );
    expect(blocks).toContain('$99.00 is unpaid after 3 attempts: the card has expired');
    expect(blocks).toContain('Attempts so far*\\n3');
    expect(blocks).toContain(`${app.stripe.url}/invoices/`);
    expect(blocks).toContain('7 days — account stays active until ');
    expect(blocks).toContain('3 failures in a row: send the suspension warning');
    expect(blocks).toContain("didn't go through because the card has expired");
    expect(open?.hosted_invoice_url).toBeTruthy();
  });

  it('change plan: the current and target plan, a proration preview, upgrade now or downgrade at period end', async () => {
    const view = await playbook(JUNIPER, 'change_plan');
    expect(text(view.blocks)).toContain('Current plan*\\nStarter · $29.00/month');
    await app.driver.selectOption({
      user: app.people.l1,
      viewId: view.id,
      actionId: 'billing_plan_target',
      value: 'price_DemoGrowthMonthly',
    });
    const upgrade = await eventually(() => {
      const blocks = text(app.slack.view(view.id)?.blocks);
      return blocks.includes('Upgrade from') ? blocks : undefined;
    });
    expect(upgrade).toContain('Upgrade — takes effect now');
    expect(upgrade).toContain('Proration now');
    expect(upgrade).toContain('Next invoice (preview)');
    expect(upgrade).toContain('takes effect straight away');

    await app.driver.selectOption({
      user: app.people.l1,
      viewId: view.id,
      actionId: 'billing_plan_target',
      value: 'price_DemoStarterAnnual',
    });
    const downgrade = await eventually(() => {
      const blocks = text(app.slack.view(view.id)?.blocks);
      return blocks.includes('Downgrade from') ? blocks : undefined;
    });
    expect(downgrade).toContain('Downgrade — takes effect at the end of the period (');
    expect(downgrade).toContain('$290.00 per year');
  });

  it('refund request: eligibility by the refund window, already refunded amounts and the amount', async () => {
    const view = await playbook(JUNIPER, 'refund_request');
    const blocks = text(view.blocks);
    expect(blocks).toContain('Eligible: $29.00 can be refunded.');
    expect(blocks).toContain('refunds within 30 days of payment');
    expect(blocks).toContain('$10.00 already refunded');
    expect(blocks).toContain('outside the 30-day refund window');
    expect(blocks).toContain('falls within our 30-day refund policy');
  });

  it('overcharged: the latest invoice line by line with the reason for each difference', async () => {
    const view = await playbook(seatsCustomer, 'overcharged');
    const blocks = text(view.blocks);
    expect(blocks).toContain('differs from the usual $480.00');
    expect(blocks).toContain('proration · ');
    expect(blocks).toContain('prorated charge for a change made between');
    expect(blocks).toContain("It's different from your usual $480.00 because");
  });

  it('tax invoice: the hosted invoice and PDF for the period asked', async () => {
    const view = await playbook(OSTRANDER, 'tax_invoice');
    const blocks = text(view.blocks);
    expect(blocks).toContain('Hosted invoice*');
    expect(blocks).toContain('/pdf');
    expect(blocks).toContain("Here's your invoice");
    const invoices = [...app.stripe.state.invoices.values()].filter((i) => i.customer === HALCYON);
    expect(invoices.length).toBeGreaterThan(0);

    const halcyon = await playbook(HALCYON, 'tax_invoice');
    const oldest = [...app.stripe.state.invoices.values()]
      .filter((i) => i.customer === HALCYON && i.status === 'paid')
      .sort((a, b) => a.created - b.created)[2];
    await app.driver.selectOption({
      user: app.people.l1,
      viewId: halcyon.id,
      actionId: 'billing_tax_invoice',
      value: String(oldest?.id),
    });
    const updated = await eventually(() => {
      const blocks = text(app.slack.view(halcyon.id)?.blocks);
      return blocks.includes(`Invoice ${oldest?.number} for`) ? blocks : undefined;
    });
    expect(updated).toContain(String(oldest?.number));
  });

  it('renders the card with a part marked missing when one Stripe endpoint fails, and recovers after', async () => {
    const stop = app.stripe.inject({
      match: (request) => request.path === '/v1/charges',
      response: { status: 500, body: { error: { type: 'api_error', message: 'boom' } } },
    });
    try {
      const card = await billing(QUILLFEATHER);
      const blocks = text(card.blocks);
      expect(blocks).toContain('Payments and invoices unavailable — Stripe returned an error');
      expect(blocks).toContain('Revenue figures unavailable');
      expect(blocks).toContain('Growth · $99.00/month · _trialing_');
      expect(blocks).toContain('Amex ending 8431');
      expect(blocks).toContain('Next invoice*\\n$99.00');
    } finally {
      stop();
    }
    const again = await billing(QUILLFEATHER);
    expect(text(again.blocks)).not.toContain('unavailable');
  });

  it('a tiered price whose tiers Stripe will not give still leaves the rest of the card, and says what was not counted', async () => {
    const seed = app.stripe.seed;
    const tiered = seed.price({
      product: seed.product({ name: 'Fleet' }).id,
      interval: 'month',
      scheme: {
        billingScheme: 'tiered',
        tiersMode: 'volume',
        tiers: [
          { upTo: 5, unitAmountDecimal: '4000' },
          { upTo: null, unitAmountDecimal: '3000' },
        ],
      },
    });
    const customer = seed.customer({
      name: 'Tamsin Cold Storage',
      email: 'billing@tamsin.example',
      card: {
        brand: 'visa',
        last4: '0077',
        expMonth: 4,
        expYear: new Date().getUTCFullYear() + 2,
        fingerprint: 'TamsinVisa',
      },
    });
    seed.subscription({
      customer: customer.id,
      items: [{ price: tiered.id, quantity: 8 }, { price: 'price_DemoGrowthMonthly' }],
      start: Date.now() - 5 * 86_400_000,
    });
    const stop = app.stripe.inject({
      match: (request) => request.path === `/v1/prices/${tiered.id}`,
      response: { status: 500, body: { error: { type: 'api_error', message: 'boom' } } },
    });
    try {
      const blocks = text((await billing('Tamsin Cold Storage')).blocks);
      expect(blocks).toContain('amount not available (Stripe did not give its tiers)');
      expect(blocks).toContain(
        'MRR contribution*\\n$99.00 (some prices could not be read from Stripe and are not counted)',
      );
      expect(blocks).toContain('Visa ending 0077');
    } finally {
      stop();
    }
  });

  it('shows the card without the invoice preview when that Stripe call is too slow', async () => {
    forgetBillingContext(JUNIPER);
    const stop = app.stripe.inject({
      match: (request) => request.path === '/v1/invoices/create_preview',
      delayMs: 4_000,
    });
    try {
      const started = Date.now();
      const card = await billing(JUNIPER);
      expect(Date.now() - started).toBeLessThan(3_500);
      const blocks = text(card.blocks);
      expect(blocks).toContain('Invoice preview unavailable — Stripe did not answer in time');
      expect(blocks).toContain('Starter · $29.00/month');
      expect(blocks).toContain('Payment history (last 6)');
    } finally {
      stop();
    }
  });

  it('caches the card for a minute and forgets it when told', async () => {
    await billing(OSTRANDER);
    const before = app.stripe.requests.length;
    await billing(OSTRANDER);
    expect(app.stripe.requests.length).toBe(before);
    forgetBillingContext(OSTRANDER);
    const mark = app.stripe.requests.length;
    await billing(OSTRANDER);
    expect(
      app.stripe.requests
        .slice(mark)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([
      'GET /v1/charges',
      `GET /v1/customers/${OSTRANDER}`,
      'GET /v1/invoices',
      // The subscription list reaches prices only (Stripe expands four levels): products come beside it.
      'GET /v1/products',
      'GET /v1/subscriptions',
      'POST /v1/invoices/create_preview',
    ]);
  });

  it('every escalation card has a Billing context button (and its playbook) that opens the card as a modal', async () => {
    const seen = new Set(app.slack.openViews(app.people.l2).map((v) => v.id));
    await app.driver.command({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      command: '/escalate',
      text: 'Charged twice',
    });
    const formId = await eventually(
      () => app.slack.openViews(app.people.l2).find((v) => !seen.has(v.id))?.id,
    );
    await app.driver.submitView({
      user: app.people.l2,
      viewId: formId,
      values: {
        customer_select: { value: CORVID, text: 'Corvid Robotics' },
        category_select: 'duplicate_charge',
        details_input: 'Two identical charges a few minutes apart.',
      },
    });
    const dm = app.slack.dmChannel(app.people.l2);
    const card = await eventually(() => app.slack.messages(dm).find((m) => m.text?.startsWith('ESC-')));
    expect(text(card.blocks)).toContain('"action_id":"billing_context_open"');
    expect(text(card.blocks)).toContain('"action_id":"billing_playbook_charged_twice"');
    const modal = await openModal(app.people.l2, { channel: dm, messageTs: card.ts }, 'billing_context_open');
    expect(modal.callback_id).toBe('billing_card');
    expect(text(modal.blocks)).toContain('Billing context — Corvid Robotics');
    const pushed = await openModal(app.people.l2, { viewId: modal.id }, 'billing_playbook_charged_twice');
    expect(text(pushed.blocks)).toContain('Duplicate found');
    const fromCard = await openModal(
      app.people.l2,
      { channel: dm, messageTs: card.ts },
      'billing_playbook_charged_twice',
    );
    expect(text(fromCard.blocks)).toContain('Duplicate found');
  });
});
