import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DemoCustomers, seedStripeDemo } from '../../src/sandbox/demo/stripe-demo.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_SECONDS = NOW / 1000;
const DAY = 86_400;

let fake: StripeFake;
let stripe: Stripe;
let demo: DemoCustomers;

beforeAll(async () => {
  fake = await new StripeFake({ now: () => NOW }).start();
  demo = seedStripeDemo(fake, NOW);
  stripe = new Stripe('sk_test_frontline', {
    ...fake.clientOptions(),
    maxNetworkRetries: 2,
    telemetry: false,
  });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

function requestsTo(path: string) {
  return fake.requests.filter((request) => request.path === path);
}

async function succeededChargeOf(customer: string) {
  const charges = await stripe.charges.list({ customer, limit: 100 });
  const charge = charges.data.find((entry) => entry.status === 'succeeded' && entry.amount_refunded === 0);
  if (!charge) throw new Error(`no refundable charge for ${customer}`);
  return charge;
}

describe('Stripe fake: wire format', () => {
  it('refuses requests without an API key', async () => {
    const anonymous = new Stripe('not_a_key', { ...fake.clientOptions(), maxNetworkRetries: 0 });
    await expect(anonymous.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('searches customers by email, by name substring and by metadata', async () => {
    const byEmail = await stripe.customers.search({ query: "email:'billing.halcyon@example.com'" });
    expect(byEmail.object).toBe('search_result');
    expect(byEmail.data.map((customer) => customer.id)).toEqual([demo.enterprise.customer]);

    const byName = await stripe.customers.search({ query: "name~'freight'" });
    expect(byName.data.map((customer) => customer.name)).toEqual(['Halcyon Freight Systems']);

    const either = await stripe.customers.search({
      query: "metadata['segment']:'hybrid' OR email:'hello.junipermoss@example.org'",
    });
    expect(either.data.map((customer) => customer.id).sort()).toEqual(
      [demo.duplicateCharge.customer, demo.annualDiscount.customer, demo.selfServe.customer].sort(),
    );

    await expect(stripe.customers.search({ query: "name~'ab'" })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });

  it('paginates lists newest first with starting_after and has_more', async () => {
    const first = await stripe.invoices.list({ customer: demo.enterprise.customer, limit: 5 });
    expect(first.object).toBe('list');
    expect(first.data).toHaveLength(5);
    expect(first.has_more).toBe(true);
    const created = first.data.map((invoice) => invoice.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);

    const second = await stripe.invoices.list({
      customer: demo.enterprise.customer,
      limit: 5,
      starting_after: first.data[4]?.id,
    });
    expect(second.data).toHaveLength(5);
    expect(second.data[0]?.created).toBeLessThan(first.data[4]?.created ?? 0);

    const all = await stripe.invoices
      .list({ customer: demo.enterprise.customer, limit: 100 })
      .autoPagingToArray({ limit: 1000 });
    expect(new Set(all.map((invoice) => invoice.id)).size).toBe(all.length);
    expect(all.length).toBe(
      [...fake.state.invoices.values()].filter((i) => i.customer === demo.enterprise.customer).length,
    );

    const before = await stripe.invoices.list({
      customer: demo.enterprise.customer,
      limit: 2,
      ending_before: second.data[0]?.id,
    });
    expect(before.data.map((invoice) => invoice.id)).toEqual(
      first.data.slice(3).map((invoice) => invoice.id),
    );
  });

  it('expands ids into objects, including dotted paths through lists', async () => {
    const customer = await stripe.customers.retrieve(demo.enterprise.customer, {
      expand: ['invoice_settings.default_payment_method'],
    });
    if (customer.deleted) throw new Error('deleted');
    const method = customer.invoice_settings.default_payment_method;
    expect(typeof method).toBe('object');
    expect((method as Stripe.PaymentMethod).card?.last4).toBe('4242');

    const invoices = await stripe.invoices.list({
      customer: demo.enterprise.customer,
      limit: 1,
      expand: ['data.customer', 'data.payments'],
    });
    const invoice = invoices.data[0];
    if (!invoice) throw new Error('no invoice');
    expect((invoice.customer as Stripe.Customer).email).toBe('billing.halcyon@example.com');
    const payment = invoice.payments?.data[0];
    expect(payment?.payment.type).toBe('payment_intent');
    expect(typeof payment?.payment.payment_intent).toBe('string');

    const payments = await stripe.invoicePayments.list({
      invoice: invoice.id,
      expand: ['data.payment.payment_intent.latest_charge'],
    });
    const intent = payments.data[0]?.payment.payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('succeeded');
    expect((intent.latest_charge as Stripe.Charge).amount).toBe(340_000);

    await expect(
      stripe.customers.retrieve(demo.enterprise.customer, { expand: ['email'] }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('answers unknown ids with 404 resource_missing', async () => {
    const error = await stripe.customers.retrieve('cus_missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(404);
    expect((error as Stripe.errors.StripeError).code).toBe('resource_missing');
    expect((error as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
  });
});

describe('Stripe fake: idempotency and faults', () => {
  it('replays an idempotent refund instead of refunding twice', async () => {
    const charge = await succeededChargeOf(demo.enterprise.customer);
    const first = await stripe.refunds.create(
      { charge: charge.id, amount: 5_000 },
      { idempotencyKey: 'refund-key-1' },
    );
    const again = await stripe.refunds.create(
      { charge: charge.id, amount: 5_000 },
      { idempotencyKey: 'refund-key-1' },
    );
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect([...fake.state.refunds.values()].filter((refund) => refund.charge === charge.id)).toHaveLength(1);
    expect(fake.state.charges.get(charge.id)?.amount_refunded).toBe(5_000);

    await expect(
      stripe.refunds.create({ charge: charge.id, amount: 6_000 }, { idempotencyKey: 'refund-key-1' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('refuses a refund larger than what is left on the charge', async () => {
    const charge = await succeededChargeOf(demo.selfServe.customer);
    const tooMuch = await stripe.refunds
      .create({ charge: charge.id, amount: charge.amount + 1 })
      .catch((e: unknown) => e);
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((tooMuch as Stripe.errors.StripeError).code).toBe('amount_too_large');

    const full = await stripe.refunds.create({ charge: charge.id, reason: 'duplicate' });
    expect(full.amount).toBe(charge.amount);
    const refunded = await stripe.charges.retrieve(charge.id);
    expect(refunded.refunded).toBe(true);
    expect(fake.eventsOfType('charge.refunded')[0]?.data.object.id).toBe(charge.id);

    const again = await stripe.refunds.create({ charge: charge.id }).catch((e: unknown) => e);
    expect((again as Stripe.errors.StripeError).code).toBe('charge_already_refunded');
  });

  it('retries after a 429 marked retryable', async () => {
    fake.rateLimitNext(1);
    const customer = await stripe.customers.retrieve(demo.selfServe.customer);
    expect(customer.id).toBe(demo.selfServe.customer);
    expect(requestsTo(`/v1/customers/${demo.selfServe.customer}`)).toHaveLength(2);
  });

  it('retries after a 500 and creates the object once', async () => {
    fake.failNext(1, 500);
    const created = await stripe.customers.create({
      email: 'new.customer@example.com',
      name: 'Tern & Finch',
    });
    expect(requestsTo('/v1/customers')).toHaveLength(2);
    expect(
      [...fake.state.customers.values()].filter((c) => c.email === 'new.customer@example.com'),
    ).toHaveLength(1);
    expect(fake.state.customers.get(created.id)?.name).toBe('Tern & Finch');
  });

  it('declines the next POST with a card error', async () => {
    fake.cardErrorNext({ code: 'card_declined', decline_code: 'insufficient_funds' });
    const error = await stripe.invoices.pay(demo.failedPayments.openInvoice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((error as Stripe.errors.StripeCardError).decline_code).toBe('insufficient_funds');
    expect((error as Stripe.errors.StripeCardError).message).toBe('Your card has insufficient funds.');
  });

  it('records a declined invoice payment like Stripe does', async () => {
    const error = await stripe.invoices.pay(demo.failedPayments.openInvoice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const invoice = await stripe.invoices.retrieve(demo.failedPayments.openInvoice);
    expect(invoice.attempt_count).toBe(4);
    expect(invoice.status).toBe('open');
    expect(fake.eventsOfType('invoice.payment_failed')[0]?.data.object.id).toBe(invoice.id);

    fake.setCardDecline(demo.failedPayments.paymentMethod, null);
    await stripe.paymentMethods.update(demo.failedPayments.paymentMethod, { card: { exp_year: 2030 } });
    const paid = await stripe.invoices.pay(demo.failedPayments.openInvoice);
    expect(paid.status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(demo.failedPayments.subscription)).status).toBe('active');
  });
});

describe('Stripe fake: billing', () => {
  it('previews an upgrade with proration lines', async () => {
    const subscription = await stripe.subscriptions.retrieve(demo.enterprise.subscription);
    const seats = subscription.items.data.find((item) => item.price.lookup_key === 'enterprise_pro_monthly');
    if (!seats) throw new Error('no seat item');
    const preview = await stripe.invoices.createPreview({
      customer: demo.enterprise.customer,
      subscription: subscription.id,
      subscription_details: {
        items: [{ id: seats.id, quantity: 60 }],
        proration_behavior: 'create_prorations',
        proration_date: NOW_SECONDS,
      },
    });
    const prorations = preview.lines.data.filter((line) => line.parent?.subscription_item_details?.proration);
    expect(prorations).toHaveLength(2);
    const fraction =
      (seats.current_period_end - NOW_SECONDS) / (seats.current_period_end - seats.current_period_start);
    const prorated = prorations.reduce((sum, line) => sum + line.amount, 0);
    expect(prorated).toBe(Math.round(4_800 * 60 * fraction) - Math.round(4_800 * 50 * fraction));
    expect(prorated).toBeGreaterThan(0);
    expect(prorations[0]?.pricing?.price_details?.price).toBe(demo.catalogue.prices.enterpriseProMonthly);
    const nextPeriod = preview.lines.data.filter(
      (line) => !line.parent?.subscription_item_details?.proration,
    );
    expect(nextPeriod.reduce((sum, line) => sum + line.amount, 0)).toBe(4_800 * 60 + 100_000);
    expect(preview.total).toBe(4_800 * 60 + 100_000 + prorated);

    // Nothing changed: the preview is only a preview.
    expect(fake.state.subscriptionItems.get(seats.id)?.quantity).toBe(50);
  });

  it('applies an upgrade with prorations to the next invoice', async () => {
    const subscription = await stripe.subscriptions.retrieve(demo.duplicateCharge.subscription);
    const growth = subscription.items.data.find((item) => item.price.lookup_key === 'growth_monthly');
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: growth?.id, price: demo.catalogue.prices.enterpriseProMonthly, quantity: 5 }],
      proration_behavior: 'always_invoice',
    });
    expect(updated.items.data.find((item) => item.id === growth?.id)?.price.id).toBe(
      demo.catalogue.prices.enterpriseProMonthly,
    );
    const latest = await stripe.invoices.retrieve(String(updated.latest_invoice));
    expect(latest.billing_reason).toBe('subscription_update');
    expect(latest.status).toBe('paid');
    expect(latest.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(latest.lines.data.every((line) => line.parent?.subscription_item_details?.proration)).toBe(true);
  });

  it('keeps a balance transaction on the customer balance', async () => {
    const transaction = await stripe.customers.createBalanceTransaction(demo.selfServe.customer, {
      amount: -2_500,
      currency: 'usd',
      description: 'Credit for the March outage',
      metadata: { case: 'CASE-1042' },
    });
    expect(transaction.ending_balance).toBe(-2_500);
    const customer = await stripe.customers.retrieve(demo.selfServe.customer);
    if (customer.deleted) throw new Error('deleted');
    expect(customer.balance).toBe(-2_500);
    const listed = await stripe.customers.listBalanceTransactions(demo.selfServe.customer);
    expect(listed.data[0]?.id).toBe(transaction.id);
  });

  it('sets and clears pause_collection', async () => {
    const paused = await stripe.subscriptions.update(demo.selfServe.subscription, {
      pause_collection: { behavior: 'void', resumes_at: NOW_SECONDS + 30 * DAY },
    });
    expect(paused.pause_collection).toEqual({ behavior: 'void', resumes_at: NOW_SECONDS + 30 * DAY });
    const updatedEvent = fake.eventsOfType('customer.subscription.updated')[0];
    expect(updatedEvent?.data.previous_attributes).toEqual({ pause_collection: null });

    const resumed = await stripe.subscriptions.update(demo.selfServe.subscription, { pause_collection: '' });
    expect(resumed.pause_collection).toBeNull();
  });

  it('updates and removes metadata keys as Stripe does', async () => {
    const customer = await stripe.customers.update(demo.enterprise.customer, {
      metadata: { seats_used: '', tier: 'gold' },
    });
    expect(customer.metadata.seats_used).toBeUndefined();
    expect(customer.metadata.tier).toBe('gold');
    expect(customer.metadata.segment).toBe('enterprise');
  });

  it('cancels a subscription with cancellation details', async () => {
    const canceled = await stripe.subscriptions.cancel(demo.trialing.subscription, {
      cancellation_details: { comment: 'Chose another vendor', feedback: 'switched_service' },
    });
    expect(canceled.status).toBe('canceled');
    expect(canceled.canceled_at).toBe(NOW_SECONDS);
    expect(canceled.cancellation_details?.feedback).toBe('switched_service');
    expect(fake.eventsOfType('customer.subscription.deleted')[0]?.data.object.id).toBe(canceled.id);
    const active = await stripe.subscriptions.list({ customer: demo.trialing.customer });
    expect(active.data).toHaveLength(0);
    const all = await stripe.subscriptions.list({ customer: demo.trialing.customer, status: 'all' });
    expect(all.data).toHaveLength(1);
  });

  it('creates a billing portal session whose page is served', async () => {
    const session = await stripe.billingPortal.sessions.create({
      customer: demo.failedPayments.customer,
      return_url: 'https://frontline.example.com/done',
    });
    expect(session.url.startsWith(`${fake.url}/p/session/`)).toBe(true);
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Brightleaf Studio');
  });
});

describe('Stripe fake: time passing', () => {
  it('ends trials, cancels at period end and resumes paused subscriptions', async () => {
    let clock = NOW;
    const timed = await new StripeFake({ now: () => clock }).start();
    try {
      const client = new Stripe('sk_test_time', { ...timed.clientOptions(), maxNetworkRetries: 0 });
      const product = timed.seed.product({ name: 'Team plan' });
      const price = timed.seed.price({ product: product.id, unitAmount: 1_000, interval: 'month' });
      const noCard = timed.seed.customer({ email: 'no.card@example.com', name: 'Larkspur Design' });
      const trial = await client.subscriptions.create({
        customer: noCard.id,
        items: [{ price: price.id }],
        trial_period_days: 7,
        trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      });
      expect(trial.status).toBe('trialing');
      const carded = timed.seed.customer({
        email: 'card@example.org',
        name: 'Pinecrest Outfitters',
        card: { expMonth: 6, expYear: 2031 },
      });
      const ending = await client.subscriptions.create({
        customer: carded.id,
        items: [{ price: price.id }],
        cancel_at_period_end: true,
      });
      expect(ending.cancel_at).toBe(ending.items.data[0]?.current_period_end);

      clock += 40 * DAY * 1000;
      timed.runBilling();
      expect((await client.subscriptions.retrieve(trial.id)).status).toBe('paused');
      expect((await client.subscriptions.retrieve(ending.id)).status).toBe('canceled');

      const card = await client.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
      await client.paymentMethods.attach(card.id, { customer: noCard.id });
      await client.customers.update(noCard.id, { invoice_settings: { default_payment_method: card.id } });
      const resumed = await client.subscriptions.resume(trial.id);
      expect(resumed.status).toBe('active');
      const invoice = await client.invoices.retrieve(String(resumed.latest_invoice));
      expect([invoice.status, invoice.amount_paid]).toEqual(['paid', 1_000]);
    } finally {
      await timed.stop();
    }
  });
});

describe('Stripe fake: subscription schedules', () => {
  it('moves a subscription to a cheaper price at the end of its period, as Stripe recommends for downgrades', async () => {
    let clock = NOW;
    const timed = await new StripeFake({ now: () => clock }).start();
    try {
      const client = new Stripe('sk_test_schedules', { ...timed.clientOptions(), maxNetworkRetries: 0 });
      const product = timed.seed.product({ name: 'Team plan' });
      const growth = timed.seed.price({ product: product.id, unitAmount: 9_900, interval: 'month' });
      const starter = timed.seed.price({ product: product.id, unitAmount: 2_900, interval: 'month' });
      const customer = timed.seed.customer({
        email: 'ops@example.org',
        name: 'Wrenfield Labs',
        card: { expMonth: 6, expYear: 2031 },
      });
      const subscription = await client.subscriptions.create({
        customer: customer.id,
        items: [{ price: growth.id, quantity: 3 }],
      });
      const periodEnd = subscription.items.data[0]?.current_period_end ?? 0;

      const schedule = await client.subscriptionSchedules.create({ from_subscription: subscription.id });
      expect(schedule).toMatchObject({
        object: 'subscription_schedule',
        status: 'active',
        subscription: subscription.id,
        end_behavior: 'release',
        current_phase: { start_date: NOW_SECONDS, end_date: periodEnd },
      });
      expect(schedule.phases).toHaveLength(1);
      expect(schedule.phases[0]?.items[0]).toMatchObject({ price: growth.id, quantity: 3 });
      expect((await client.subscriptions.retrieve(subscription.id)).schedule).toBe(schedule.id);
      await expect(
        client.subscriptionSchedules.create({ from_subscription: subscription.id }),
      ).rejects.toMatchObject({ message: expect.stringContaining('already attached to a schedule') });

      const invoicesBefore = timed.state.invoices.size;
      const updated = await client.subscriptionSchedules.update(schedule.id, {
        end_behavior: 'release',
        proration_behavior: 'none',
        phases: [
          {
            items: [{ price: growth.id, quantity: 3 }],
            start_date: schedule.phases[0]?.start_date,
            end_date: periodEnd,
          },
          { items: [{ price: starter.id, quantity: 3 }], duration: { interval: 'month', interval_count: 1 } },
        ],
      });
      expect(updated.phases.map((phase) => [phase.start_date, phase.items[0]?.price])).toEqual([
        [NOW_SECONDS, growth.id],
        [periodEnd, starter.id],
      ]);
      // Nothing changes now: same price, nothing invoiced.
      const now = await client.subscriptions.retrieve(subscription.id);
      expect(now.items.data.map((item) => item.price.id)).toEqual([growth.id]);
      expect(timed.state.invoices.size).toBe(invoicesBefore);
      // Cancellation settings belong to the schedule while it manages the subscription.
      await expect(
        client.subscriptions.update(subscription.id, { cancel_at_period_end: true }),
      ).rejects.toMatchObject({ message: expect.stringContaining('managed by the subscription schedule') });

      clock = periodEnd * 1000 + 60_000;
      timed.runBilling();
      const renewed = await client.subscriptions.retrieve(subscription.id);
      expect(renewed.items.data.map((item) => [item.price.id, item.quantity])).toEqual([[starter.id, 3]]);
      const cycle = await client.invoices.retrieve(String(renewed.latest_invoice));
      expect([cycle.billing_reason, cycle.amount_due]).toEqual(['subscription_cycle', 3 * 2_900]);
      const entered = await client.subscriptionSchedules.retrieve(schedule.id);
      expect(entered.current_phase?.start_date).toBe(periodEnd);

      // After its last phase the schedule lets the subscription go on by itself, on the new price.
      clock = (entered.current_phase?.end_date ?? 0) * 1000 + 60_000;
      timed.runBilling();
      const done = await client.subscriptionSchedules.retrieve(schedule.id);
      expect(done).toMatchObject({
        status: 'released',
        released_subscription: subscription.id,
        subscription: null,
      });
      const released = await client.subscriptions.retrieve(subscription.id);
      expect(released.schedule).toBeNull();
      expect(released.items.data[0]?.price.id).toBe(starter.id);
      expect(timed.eventsOfType('subscription_schedule.released')).toHaveLength(1);
    } finally {
      await timed.stop();
    }
  });

  it('refuses phases that do not follow each other and updates of a released schedule', async () => {
    const schedule = await stripe.subscriptionSchedules.create({
      from_subscription: demo.selfServe.subscription,
    });
    const start = schedule.phases[0]?.start_date ?? 0;
    const end = schedule.phases[0]?.end_date ?? 0;
    const price = String(schedule.phases[0]?.items[0]?.price);
    await expect(
      stripe.subscriptionSchedules.update(schedule.id, {
        phases: [
          { items: [{ price }], start_date: start, end_date: end },
          { items: [{ price }], start_date: end + DAY, end_date: end + 30 * DAY },
        ],
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(
      stripe.subscriptionSchedules.update(schedule.id, {
        phases: [{ items: [{ price }], start_date: start - DAY, end_date: end }],
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining('start date of the current phase') });
    const released = await stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({ status: 'released', subscription: null });
    expect((await stripe.subscriptions.retrieve(demo.selfServe.subscription)).schedule).toBeNull();
    await expect(
      stripe.subscriptionSchedules.update(schedule.id, { metadata: { note: 'late' } }),
    ).rejects.toMatchObject({ message: expect.stringContaining('`released` status') });
  });
});

describe('Stripe fake: events and webhooks', () => {
  it('lists events by type and signs webhook payloads that the SDK verifies', async () => {
    await stripe.customers.update(demo.selfServe.customer, { email: 'accounts.junipermoss@example.org' });
    const events = await stripe.events.list({ type: 'customer.updated', limit: 1 });
    const event = events.data[0];
    expect(event?.data.previous_attributes).toEqual({ email: 'hello.junipermoss@example.org' });

    const payload = fake.webhookPayload(event?.id ?? '');
    const header = fake.signedWebhookHeader(payload, 'whsec_test_secret');
    const verified = stripe.webhooks.constructEvent(payload, header, 'whsec_test_secret');
    expect(verified.id).toBe(event?.id);
    expect(verified.type).toBe('customer.updated');
    expect(() => stripe.webhooks.constructEvent(payload, header, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });
});

describe('Stripe demo data', () => {
  it('gives the enterprise customer six paid invoices in the last six months', async () => {
    const sixMonthsAgo = Math.floor(Date.UTC(2025, 6, 15, 12) / 1000);
    const recent = await stripe.invoices.list({
      customer: demo.enterprise.customer,
      created: { gt: sixMonthsAgo },
      limit: 100,
    });
    expect(recent.data).toHaveLength(6);
    for (const invoice of recent.data) {
      expect(invoice.status).toBe('paid');
      expect(invoice.amount_paid).toBe(340_000);
      expect(invoice.amount_remaining).toBe(0);
    }
    const all = await stripe.invoices.list({ customer: demo.enterprise.customer, limit: 100 });
    expect(all.data.length).toBeGreaterThanOrEqual(22);

    const subscription = await stripe.subscriptions.retrieve(demo.enterprise.subscription, {
      expand: ['customer'],
    });
    expect(subscription.status).toBe('active');
    expect(subscription.items.data.map((item) => [item.price.nickname, item.quantity])).toEqual([
      ['Enterprise Pro monthly (per seat)', 50],
      ['Advanced Analytics monthly', 1],
      ['Priority Support monthly', 1],
      ['API Extra Pack monthly', 1],
    ]);
    expect(subscription.items.data[0]?.current_period_end).toBeGreaterThan(NOW_SECONDS);
    expect((subscription.customer as Stripe.Customer).metadata).toMatchObject({
      segment: 'enterprise',
      seats_used: '45',
    });
  });

  it('has a past-due self-serve customer with three failed attempts', async () => {
    const subscription = await stripe.subscriptions.retrieve(demo.failedPayments.subscription);
    expect(subscription.status).toBe('past_due');
    const invoice = await stripe.invoices.retrieve(demo.failedPayments.openInvoice);
    expect(invoice.status).toBe('open');
    expect(invoice.attempt_count).toBe(3);
    const charges = await stripe.charges.list({ customer: demo.failedPayments.customer, limit: 3 });
    expect(
      charges.data.map((charge) => [charge.status, charge.failure_code, charge.outcome?.reason]),
    ).toEqual([
      ['failed', 'expired_card', 'expired_card'],
      ['failed', 'card_declined', 'insufficient_funds'],
      ['failed', 'card_declined', 'insufficient_funds'],
    ]);
    const method = await stripe.paymentMethods.retrieve(demo.failedPayments.paymentMethod);
    expect([method.card?.exp_month, method.card?.exp_year]).toEqual([1, 2026]);
  });

  it('has a hybrid customer charged twice for the same amount', async () => {
    const charges = await stripe.charges.list({ customer: demo.duplicateCharge.customer, limit: 2 });
    const [extra, original] = charges.data;
    expect(extra?.id).toBe(demo.duplicateCharge.duplicateCharge);
    expect(original?.id).toBe(demo.duplicateCharge.invoiceCharge);
    expect(extra?.amount).toBe(original?.amount);
    expect(extra?.payment_method_details?.card?.fingerprint).toBe(
      original?.payment_method_details?.card?.fingerprint,
    );
    expect((extra?.created ?? 0) - (original?.created ?? 0)).toBe(180);
    expect([extra?.refunded, original?.refunded]).toEqual([false, false]);
    const payments = await stripe.invoicePayments.list({ invoice: demo.duplicateCharge.invoice });
    expect(payments.data[0]?.payment.payment_intent).toBe(original?.payment_intent);
  });

  it('has a trial ending in five days and a discounted annual plan', async () => {
    const trial = await stripe.subscriptions.retrieve(demo.trialing.subscription);
    expect(trial.status).toBe('trialing');
    expect(trial.trial_end).toBe(NOW_SECONDS + 5 * DAY);

    const annual = await stripe.subscriptions.retrieve(demo.annualDiscount.subscription, {
      expand: ['discounts'],
    });
    expect((annual.discounts[0] as Stripe.Discount).source.coupon).toBe(demo.annualDiscount.coupon);
    const invoices = await stripe.invoices.list({ subscription: annual.id });
    expect(invoices.data[0]?.total).toBe(89_100);
    expect(invoices.data[0]?.total_discount_amounts?.[0]?.amount).toBe(9_900);

    const refund = await stripe.refunds.retrieve(demo.selfServe.refund);
    expect(refund.amount).toBe(1_000);
    expect(refund.charge).toBe(demo.selfServe.refundedCharge);
  });
});

describe('expansion depth', () => {
  it("counts a list's leading data: data.items.data.price is the deepest a subscription list reaches", async () => {
    const page = await stripe.subscriptions.list({
      customer: demo.enterprise.customer,
      expand: ['data.items.data.price'],
    });
    const price = page.data[0]?.items.data[0]?.price;
    expect(typeof price === 'object' && price.object).toBe('price');
    await expect(
      stripe.subscriptions.list({
        customer: demo.enterprise.customer,
        expand: ['data.items.data.price.product'],
      }),
    ).rejects.toThrow(/four levels/);
  });

  it('refuses five levels on a single object too', async () => {
    await expect(
      stripe.subscriptions.retrieve(demo.enterprise.subscription, {
        expand: ['items.data.price.product.default_price'],
      }),
    ).rejects.toThrow(/four levels/);
  });
});

describe('Stripe fake: non-flat prices', () => {
  let clock = NOW;
  let priced: StripeFake;
  let client: Stripe;
  let productId: string;
  const decimal = (value: string) => Stripe.Decimal.from(value);

  beforeAll(async () => {
    priced = await new StripeFake({ now: () => clock }).start();
    client = new Stripe('sk_test_pricing', {
      ...priced.clientOptions(),
      maxNetworkRetries: 0,
      telemetry: false,
    });
    productId = priced.seed.product({ name: 'Fonts' }).id;
  });

  afterAll(async () => {
    await priced.stop();
  });

  beforeEach(() => {
    clock = NOW;
    priced.reset();
  });

  const monthly = { interval: 'month' } as const;

  /** Volume: 1–10 at $10.00, 11–50 at $8.00 plus a $5.00 flat fee, 51+ at $6.00. */
  const volumeTiers = () =>
    client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: monthly,
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      tiers: [
        { up_to: 10, unit_amount: 1_000 },
        { up_to: 50, unit_amount: 800, flat_amount: 500 },
        { up_to: 'inf', unit_amount: 600 },
      ],
    });

  /** Graduated: 1–5 at $7.00 plus a $10.00 flat fee, 6–20 at 650.25¢, 21+ at 612.5¢. */
  const graduatedTiers = () =>
    client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: monthly,
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers: [
        { up_to: 5, unit_amount: 700, flat_amount_decimal: decimal('1000') },
        { up_to: 20, unit_amount_decimal: decimal('650.25') },
        { up_to: 'inf', unit_amount_decimal: decimal('612.5') },
      ],
    });

  /** Package: $25.00 for every 10 units, a part package rounded up. */
  const packagePrice = () =>
    client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: monthly,
      unit_amount: 2_500,
      transform_quantity: { divide_by: 10, round: 'up' },
    });

  /** 12.345¢ a unit. */
  const decimalPrice = () =>
    client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: monthly,
      unit_amount_decimal: decimal('12.345'),
    });

  /** A new customer subscribed to a volume, a graduated, a package and a decimal price, 23 units of each. */
  async function subscribeToEveryKind(email: string, name: string) {
    const [volume, graduated, pack, sub] = await Promise.all([
      volumeTiers(),
      graduatedTiers(),
      packagePrice(),
      decimalPrice(),
    ]);
    const customer = priced.seed.customer({ email, name, card: { expMonth: 6, expYear: 2031 } });
    const subscription = await client.subscriptions.create({
      customer: customer.id,
      items: [volume, graduated, pack, sub].map((price) => ({ price: price.id, quantity: 23 })),
    });
    return { volume, graduated, pack, sub, customer, subscription };
  }

  it('creates decimal, tiered, package, metered and custom-amount prices with Stripe’s fields', async () => {
    const sub = await decimalPrice();
    expect([sub.billing_scheme, sub.unit_amount, String(sub.unit_amount_decimal)]).toEqual([
      'per_unit',
      null,
      '12.345',
    ]);
    expect(priced.state.prices.get(sub.id)?.unit_amount_decimal).toBe('12.345');
    // A whole decimal fills in unit_amount too.
    const whole = await client.prices.create({
      product: productId,
      currency: 'usd',
      unit_amount_decimal: decimal('1200.000'),
    });
    expect([whole.unit_amount, String(whole.unit_amount_decimal), whole.type]).toEqual([
      1_200,
      '1200',
      'one_time',
    ]);

    const volume = await volumeTiers();
    expect(volume).toMatchObject({
      billing_scheme: 'tiered',
      tiers_mode: 'volume',
      unit_amount: null,
      unit_amount_decimal: null,
      transform_quantity: null,
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
    });
    expect('tiers' in volume).toBe(false);

    const pack = await packagePrice();
    expect(pack).toMatchObject({
      billing_scheme: 'per_unit',
      tiers_mode: null,
      unit_amount: 2_500,
      transform_quantity: { divide_by: 10, round: 'up' },
    });

    const metered = await client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: { interval: 'month', usage_type: 'metered' },
      unit_amount_decimal: decimal('0.04'),
    });
    expect(metered.recurring?.usage_type).toBe('metered');
    expect([metered.unit_amount, String(metered.unit_amount_decimal)]).toEqual([null, '0.04']);

    const custom = await client.prices.create({
      product: productId,
      currency: 'usd',
      custom_unit_amount: { enabled: true, minimum: 500, preset: 2_000 },
    });
    expect(custom).toMatchObject({
      unit_amount: null,
      unit_amount_decimal: null,
      custom_unit_amount: { minimum: 500, maximum: null, preset: 2_000 },
      type: 'one_time',
    });
  });

  it('refuses the combinations Stripe refuses, creating nothing', async () => {
    const base = { product: productId, currency: 'usd', recurring: monthly };
    const tiers: Stripe.PriceCreateParams.Tier[] = [
      { up_to: 10, unit_amount: 1_000 },
      { up_to: 'inf', unit_amount: 800 },
    ];
    const cases: Array<[Stripe.PriceCreateParams, { param: string; code?: string; message?: RegExp }]> = [
      [{ ...base }, { param: 'unit_amount', code: 'parameter_missing' }],
      [
        { ...base, unit_amount: 500, unit_amount_decimal: decimal('5') },
        { param: 'unit_amount_decimal', message: /only specify one of these parameters: unit_amount, unit/ },
      ],
      [
        { ...base, billing_scheme: 'tiered', tiers_mode: 'volume' },
        { param: 'tiers', code: 'parameter_missing' },
      ],
      [
        { ...base, billing_scheme: 'tiered', tiers },
        { param: 'tiers_mode', code: 'parameter_missing' },
      ],
      [
        { ...base, unit_amount: 500, tiers, tiers_mode: 'volume' },
        { param: 'tiers', message: /billing_scheme/ },
      ],
      [
        { ...base, billing_scheme: 'tiered', tiers_mode: 'graduated', tiers, unit_amount: 500 },
        { param: 'unit_amount' },
      ],
      [
        {
          ...base,
          billing_scheme: 'tiered',
          tiers_mode: 'graduated',
          tiers,
          transform_quantity: { divide_by: 10, round: 'up' },
        },
        { param: 'transform_quantity' },
      ],
      [
        {
          ...base,
          billing_scheme: 'tiered',
          tiers_mode: 'volume',
          tiers: [
            { up_to: 10, unit_amount: 1_000 },
            { up_to: 20, unit_amount: 800 },
          ],
        },
        { param: 'tiers[1][up_to]', message: /last tier/ },
      ],
      [
        {
          ...base,
          billing_scheme: 'tiered',
          tiers_mode: 'volume',
          tiers: [
            { up_to: 10, unit_amount: 1_000 },
            { up_to: 10, unit_amount: 900 },
            { up_to: 'inf', unit_amount: 800 },
          ],
        },
        { param: 'tiers[1][up_to]', message: /ascending/ },
      ],
      [
        {
          ...base,
          billing_scheme: 'tiered',
          tiers_mode: 'volume',
          tiers: [{ up_to: 10, unit_amount: 1_000 }, { up_to: 'inf' }],
        },
        { param: 'tiers[1]', message: /missing an amount/ },
      ],
      [
        {
          ...base,
          billing_scheme: 'tiered',
          tiers_mode: 'volume',
          tiers: [
            { up_to: 10, unit_amount: 1_000, unit_amount_decimal: decimal('1000') },
            { up_to: 'inf', unit_amount: 800 },
          ],
        },
        { param: 'tiers[0][unit_amount_decimal]', message: /only specify one/ },
      ],
      [
        { ...base, unit_amount_decimal: decimal('0.1234567890123') },
        { param: 'unit_amount_decimal', code: 'parameter_invalid_decimal' },
      ],
      [
        { ...base, unit_amount: 500, transform_quantity: { divide_by: 0, round: 'up' } },
        { param: 'transform_quantity[divide_by]' },
      ],
      [
        { ...base, custom_unit_amount: { enabled: true } },
        { param: 'custom_unit_amount', message: /one-time/ },
      ],
      [
        { product: productId, currency: 'usd', unit_amount: 500, custom_unit_amount: { enabled: true } },
        { param: 'unit_amount', message: /only specify one of these parameters: custom_unit_amount/ },
      ],
    ];
    const before = priced.state.prices.size;
    for (const [params, expected] of cases) {
      const error = await client.prices.create(params).catch((e: unknown) => e);
      expect(error, JSON.stringify(expected)).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      const { param, code, message, statusCode } = error as Stripe.errors.StripeInvalidRequestError;
      expect({ param, statusCode }).toEqual({ param: expected.param, statusCode: 400 });
      if (expected.code) expect(code).toBe(expected.code);
      if (expected.message) expect(message).toMatch(expected.message);
    }
    expect(priced.state.prices.size).toBe(before);
  });

  it('sends tiers only when the request expands them', async () => {
    const graduated = await graduatedTiers();
    const flat = await decimalPrice();
    expect('tiers' in (await client.prices.retrieve(graduated.id))).toBe(false);
    const createdEvent = priced
      .eventsOfType('price.created')
      .find((event) => event.data.object.id === graduated.id);
    expect(createdEvent?.data.object).toMatchObject({ billing_scheme: 'tiered', tiers_mode: 'graduated' });
    expect(createdEvent?.data.object).not.toHaveProperty('tiers');

    const expanded = await client.prices.retrieve(graduated.id, { expand: ['tiers'] });
    expect(
      expanded.tiers?.map((tier) => [
        tier.flat_amount,
        tier.flat_amount_decimal === null ? null : String(tier.flat_amount_decimal),
        tier.unit_amount,
        tier.unit_amount_decimal === null ? null : String(tier.unit_amount_decimal),
        tier.up_to,
      ]),
    ).toEqual([
      [1_000, '1000', 700, '700', 5],
      [null, null, null, '650.25', 20],
      [null, null, null, '612.5', null],
    ]);
    const created = await volumeTiers();
    const createdExpanded = await client.prices.update(created.id, { nickname: 'Volume', expand: ['tiers'] });
    expect(createdExpanded.tiers?.map((tier) => tier.up_to)).toEqual([10, 50, null]);

    const listed = await client.prices.list({ product: productId, expand: ['data.tiers'] });
    const byId = new Map(listed.data.map((price) => [price.id, price]));
    expect(byId.get(graduated.id)?.tiers).toHaveLength(3);
    expect(byId.get(flat.id)?.tiers).toBeNull();
    const unexpanded = await client.prices.list({ product: productId });
    expect(unexpanded.data.some((price) => 'tiers' in price)).toBe(false);

    // Inside a subscription too; the depth limit still counts every segment.
    const customer = priced.seed.customer({
      email: 'tiers@example.org',
      name: 'Foundry Type',
      card: { expMonth: 6, expYear: 2031 },
    });
    const subscription = await client.subscriptions.create({
      customer: customer.id,
      items: [{ price: graduated.id, quantity: 3 }],
    });
    expect('tiers' in (subscription.items.data[0]?.price ?? {})).toBe(false);
    const deep = await client.subscriptions.retrieve(subscription.id, { expand: ['items.data.price.tiers'] });
    expect(deep.items.data[0]?.price.tiers).toHaveLength(3);
    await expect(
      client.subscriptions.list({ customer: customer.id, expand: ['data.items.data.price.tiers'] }),
    ).rejects.toThrow(/four levels/);
  });

  it('bills volume, graduated, package and decimal prices the way Stripe computes them', async () => {
    const { volume, graduated, pack, sub, subscription } = await subscribeToEveryKind(
      'ops@fonts.example.org',
      'Typographic Ltd',
    );
    // 23 units:
    //   volume: all 23 in the 11–50 tier: 23 × 800 + 500 = 18,900
    //   graduated: 5 × 700 + 1,000 (tier 1) + 15 × 650.25 (9,753.75) + 3 × 612.5 (1,837.5) = 16,091.25 → 16,091
    //     (rounded once, at the end: rounding each tier would give 16,092)
    //   package: ⌈23 / 10⌉ = 3 packages × 2,500 = 7,500
    //   decimal: 23 × 12.345 = 283.935 → 284
    const expected = new Map([
      [volume.id, 18_900],
      [graduated.id, 16_091],
      [pack.id, 7_500],
      [sub.id, 284],
    ]);
    const first = await client.invoices.retrieve(String(subscription.latest_invoice));
    const amounts = (invoice: Stripe.Invoice) =>
      new Map(invoice.lines.data.map((line) => [line.pricing?.price_details?.price, line.amount]));
    expect(amounts(first)).toEqual(expected);
    expect([first.status, first.amount_paid]).toEqual(['paid', 42_775]);
    const decimalLine = first.lines.data.find((line) => line.pricing?.price_details?.price === sub.id);
    expect(String(decimalLine?.pricing?.unit_amount_decimal)).toBe('12.345');
    expect(decimalLine?.quantity).toBe(23);

    // The next period bills the same, and the preview of it says so.
    const periodEnd = subscription.items.data[0]?.current_period_end ?? 0;
    const upcoming = await client.invoices.createPreview({ subscription: subscription.id });
    expect(amounts(upcoming)).toEqual(expected);
    clock = periodEnd * 1000 + 60_000;
    priced.runBilling();
    const renewed = await client.subscriptions.retrieve(subscription.id);
    const cycle = await client.invoices.retrieve(String(renewed.latest_invoice));
    expect([cycle.billing_reason, cycle.amount_paid]).toEqual(['subscription_cycle', 42_775]);
    expect(amounts(cycle)).toEqual(expected);
  });

  it('previews a quantity change across tier boundaries, with prorations', async () => {
    const { volume, graduated, pack, sub, customer, subscription } = await subscribeToEveryKind(
      'growth@fonts.example.org',
      'Serif & Sons',
    );
    const items = subscription.items.data.map((item) => ({ id: item.id, quantity: 51 }));

    // 51 units:
    //   volume: all 51 in the 51+ tier: 51 × 600 = 30,600 (less than 23 units cost: no flat fee, lower rate)
    //   graduated: 4,500 + 9,753.75 + 31 × 612.5 (18,987.5) = 33,241.25 → 33,241
    //   package: ⌈51 / 10⌉ = 6 × 2,500 = 15,000
    //   decimal: 51 × 12.345 = 629.595 → 630
    const next = await client.invoices.createPreview({
      customer: customer.id,
      subscription: subscription.id,
      subscription_details: { items, proration_behavior: 'none' },
    });
    const byPrice = new Map(next.lines.data.map((line) => [line.pricing?.price_details?.price, line.amount]));
    expect(byPrice).toEqual(
      new Map([
        [volume.id, 30_600],
        [graduated.id, 33_241],
        [pack.id, 15_000],
        [sub.id, 630],
      ]),
    );
    expect(next.total).toBe(79_471);

    // Ten days in, the change prorates each item's whole amount (exact, before rounding) over the rest of the period.
    const period = subscription.items.data[0];
    if (!period) throw new Error('no item');
    const prorationDate = NOW_SECONDS + 10 * DAY;
    clock = prorationDate * 1000;
    const prorated = await client.invoices.createPreview({
      customer: customer.id,
      subscription: subscription.id,
      subscription_details: { items, proration_behavior: 'create_prorations', proration_date: prorationDate },
    });
    const fraction =
      (period.current_period_end - prorationDate) / (period.current_period_end - period.current_period_start);
    const prorations = prorated.lines.data.filter(
      (line) => line.parent?.subscription_item_details?.proration,
    );
    const graduatedProrations = prorations
      .filter((line) => line.pricing?.price_details?.price === graduated.id)
      .map((line) => line.amount);
    expect(graduatedProrations).toEqual([
      -Math.round(16_091.25 * fraction),
      Math.round(33_241.25 * fraction),
    ]);
    const volumeProrations = prorations
      .filter((line) => line.pricing?.price_details?.price === volume.id)
      .map((line) => line.amount);
    expect(volumeProrations).toEqual([-Math.round(18_900 * fraction), Math.round(30_600 * fraction)]);
  });

  it('bills a metered item nothing, for the fake records no usage', async () => {
    const metered = await client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: { interval: 'month', usage_type: 'metered' },
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers: [
        { up_to: 1_000, flat_amount: 20_000, unit_amount: 0 },
        { up_to: 'inf', unit_amount_decimal: decimal('4') },
      ],
    });
    const seats = await client.prices.create({
      product: productId,
      currency: 'usd',
      recurring: monthly,
      unit_amount: 1_000,
    });
    const customer = priced.seed.customer({
      email: 'usage@fonts.example.org',
      name: 'Kerning Co',
      card: { expMonth: 6, expYear: 2031 },
    });
    const subscription = await client.subscriptions.create({
      customer: customer.id,
      items: [{ price: metered.id }, { price: seats.id, quantity: 2 }],
    });
    const invoice = await client.invoices.retrieve(String(subscription.latest_invoice));
    const usage = invoice.lines.data.find((line) => line.pricing?.price_details?.price === metered.id);
    expect([usage?.quantity, usage?.amount]).toEqual([0, 0]);
    expect(invoice.amount_paid).toBe(2_000);
    expect(subscription.items.data.find((item) => item.price.id === metered.id)?.plan.usage_type).toBe(
      'metered',
    );
  });
});
