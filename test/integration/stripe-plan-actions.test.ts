import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createAccountActionGateway } from '../../src/integrations/stripe/actions.js';
import { useStripeDemo } from '../support/stripe.js';

const DAY = 86_400_000;

describe('plan actions in Stripe keep what the subscription carries', () => {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const context = useStripeDemo(() => now);

  it('a lasting discount stays now and after the switch to the cheaper plan', async () => {
    const { subscription: subscriptionId, coupon } = context.demo.annualDiscount;
    const before = await context.stripe.subscriptions.retrieve(subscriptionId, { expand: ['discounts'] });
    const item = before.items.data[0];
    if (!item) throw new Error('the demo subscription has no item');
    const discountsOf = (subscription: Stripe.Subscription) =>
      subscription.discounts.map((entry) =>
        typeof entry === 'string' ? entry : idOfCoupon(entry.source.coupon),
      );
    const idOfCoupon = (value: string | Stripe.Coupon | null) =>
      typeof value === 'string' ? value : (value?.id ?? '');
    expect(discountsOf(before)).toEqual([coupon]);

    const gateway = createAccountActionGateway(context.stripe);
    const outcome = await gateway.execute({
      id: 7,
      createdAt: new Date(now),
      customerId: context.demo.annualDiscount.customer,
      params: { kind: 'downgrade', priceId: 'price_DemoStarterAnnual' },
      target: { subscriptionId, itemId: item.id },
      reason: 'Fewer people need the Growth features',
    });
    expect(outcome.summary).toContain('Downgrade scheduled');

    // Nothing changes now: the plan and the discount are as they were.
    const scheduled = await context.stripe.subscriptions.retrieve(subscriptionId, { expand: ['discounts'] });
    expect(scheduled.items.data[0]?.price.id).toBe(before.items.data[0]?.price.id);
    expect(discountsOf(scheduled)).toEqual([coupon]);

    // The period ends: the cheaper plan begins, still with the 10% off, and its first invoice shows it.
    now = item.current_period_end * 1000 + DAY;
    context.fake.runBilling();
    const after = await context.stripe.subscriptions.retrieve(subscriptionId, { expand: ['discounts'] });
    expect(after.items.data[0]?.price.id).toBe('price_DemoStarterAnnual');
    expect(discountsOf(after)).toEqual([coupon]);
    const [renewal] = (await context.stripe.invoices.list({ subscription: subscriptionId, limit: 1 })).data;
    expect(
      renewal?.lines.data.some((line) => line.pricing?.price_details?.price === 'price_DemoStarterAnnual'),
    ).toBe(true);
    expect(renewal?.total_discount_amounts?.[0]?.amount ?? 0).toBeGreaterThan(0);
  });

  it('a one-off discount joins the lasting one; a seat change drops a scheduled downgrade and says so', async () => {
    const { subscription: subscriptionId, coupon } = context.demo.annualDiscount;
    const gateway = createAccountActionGateway(context.stripe);
    const base = { customerId: context.demo.annualDiscount.customer, reason: 'Agreed with the customer' };
    const item = (await context.stripe.subscriptions.retrieve(subscriptionId)).items.data[0];
    if (!item) throw new Error('the demo subscription has no item');
    const target = { subscriptionId, itemId: item.id };

    await gateway.execute({
      ...base,
      id: 8,
      createdAt: new Date(now),
      params: { kind: 'discount', percentHundredths: 1_500 },
      target,
    });
    const discounted = await context.stripe.subscriptions.retrieve(subscriptionId, { expand: ['discounts'] });
    const coupons = discounted.discounts.map((entry) =>
      typeof entry === 'string' ? entry : String(idOf(entry.source.coupon)),
    );
    expect(coupons).toHaveLength(2);
    expect(coupons[0]).toBe(coupon);

    await gateway.execute({
      ...base,
      id: 9,
      createdAt: new Date(now),
      params: { kind: 'downgrade', priceId: 'price_DemoGrowthAnnual' },
      target,
    });
    expect((await context.stripe.subscriptions.retrieve(subscriptionId)).schedule).toBeTruthy();
    const seats = await gateway.execute({
      ...base,
      id: 10,
      createdAt: new Date(now),
      params: { kind: 'adjust_seats', seats: 12 },
      target,
    });
    expect(seats.summary).toContain('The downgrade that was scheduled is dropped');
    const after = await context.stripe.subscriptions.retrieve(subscriptionId);
    expect(after.schedule).toBeNull();
    expect(after.items.data[0]?.quantity).toBe(12);

    // Scheduled again, then an upgrade fails after dropping it: the failure says the downgrade is gone.
    await gateway.execute({
      ...base,
      id: 11,
      createdAt: new Date(now),
      params: { kind: 'downgrade', priceId: 'price_DemoGrowthAnnual' },
      target,
    });
    const clear = context.fake.inject({
      match: (r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`,
      response: { status: 400, body: { error: { type: 'invalid_request_error', message: 'No such price' } } },
    });
    const upgrade = gateway.execute({
      ...base,
      id: 12,
      createdAt: new Date(now),
      params: { kind: 'upgrade', priceId: 'price_DemoEnterpriseProAnnual' },
      target,
    });
    await expect(upgrade).rejects.toThrow(/already dropped; ask for it again/);
    clear();
    expect((await context.stripe.subscriptions.retrieve(subscriptionId)).schedule).toBeNull();
  });
});

const idOf = (value: string | { id: string } | null) => (typeof value === 'string' ? value : value?.id);
