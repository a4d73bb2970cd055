import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isAddOn } from '../../src/integrations/stripe/billing.js';
import { listSubscriptionsWithProducts } from '../../src/integrations/stripe/subscriptions.js';
import { useStripeDemo } from '../support/stripe.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

const context = useStripeDemo(() => NOW, { resetEach: true });

const productsOf = (subscriptions: Stripe.Subscription[]) =>
  subscriptions.flatMap((subscription) =>
    subscription.items.data.map((item) => {
      const product = item.price.product;
      return typeof product === 'string' ? product : 'name' in product ? product.name : product.id;
    }),
  );

describe('subscriptions with their products (Stripe expands four levels, the product is a fifth)', () => {
  it('takes the products from the catalog asked for beside the list: two requests, one round trip', async () => {
    const subscriptions = await listSubscriptionsWithProducts(context.stripe, {
      customer: context.demo.enterprise.customer,
    });
    expect(productsOf(subscriptions)).toEqual(
      expect.arrayContaining(['Enterprise Pro', 'Advanced Analytics', 'Priority Support']),
    );
    const addOns = subscriptions[0]?.items.data.filter((item) => isAddOn(item.price.product)) ?? [];
    expect(addOns.length).toBeGreaterThanOrEqual(2);
    expect(context.fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /v1/products',
      'GET /v1/subscriptions',
    ]);
  });

  it('asks by id for a product older than the catalog page', async () => {
    // 100 newer products push the demo plans off the catalog's first page.
    for (let i = 0; i < 100; i += 1) await context.stripe.products.create({ name: `Newer product ${i}` });
    context.fake.requests.length = 0;
    const subscriptions = await listSubscriptionsWithProducts(context.stripe, {
      customer: context.demo.enterprise.customer,
    });
    expect(productsOf(subscriptions)).toEqual(
      expect.arrayContaining(['Enterprise Pro', 'Advanced Analytics', 'Priority Support']),
    );
    const byId = context.fake.requests.filter(
      (r) => r.path === '/v1/products' && [...r.query.keys()].some((key) => key.startsWith('ids')),
    );
    expect(byId).toHaveLength(1);
  });
});
