import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAddOn } from '../../src/integrations/stripe/billing.js';
import { listSubscriptionsWithProducts } from '../../src/integrations/stripe/subscriptions.js';
import { type DemoCustomers, seedStripeDemo } from '../../src/sandbox/demo/stripe-demo.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

let fake: StripeFake;
let stripe: Stripe;
let demo: DemoCustomers;

beforeAll(async () => {
  fake = await new StripeFake({ now: () => NOW }).start();
  demo = seedStripeDemo(fake, NOW);
  stripe = new Stripe('sk_test_frontline', {
    ...fake.clientOptions(),
    maxNetworkRetries: 0,
    telemetry: false,
  });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

const productsOf = (subscriptions: Stripe.Subscription[]) =>
  subscriptions.flatMap((subscription) =>
    subscription.items.data.map((item) => {
      const product = item.price.product;
      return typeof product === 'string' ? product : 'name' in product ? product.name : product.id;
    }),
  );

describe('subscriptions with their products (Stripe expands four levels, the product is a fifth)', () => {
  it('takes the products from the catalog asked for beside the list: two requests, one round trip', async () => {
    const subscriptions = await listSubscriptionsWithProducts(stripe, { customer: demo.enterprise.customer });
    expect(productsOf(subscriptions)).toEqual(
      expect.arrayContaining(['Enterprise Pro', 'Advanced Analytics', 'Priority Support']),
    );
    const addOns = subscriptions[0]?.items.data.filter((item) => isAddOn(item.price.product)) ?? [];
    expect(addOns.length).toBeGreaterThanOrEqual(2);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /v1/products',
      'GET /v1/subscriptions',
    ]);
  });

  it('asks by id for a product older than the catalog page', async () => {
    // 100 newer products push the demo plans off the catalog's first page.
    for (let i = 0; i < 100; i += 1) await stripe.products.create({ name: `Newer product ${i}` });
    fake.requests.length = 0;
    const subscriptions = await listSubscriptionsWithProducts(stripe, { customer: demo.enterprise.customer });
    expect(productsOf(subscriptions)).toEqual(
      expect.arrayContaining(['Enterprise Pro', 'Advanced Analytics', 'Priority Support']),
    );
    const byId = fake.requests.filter(
      (r) => r.path === '/v1/products' && [...r.query.keys()].some((key) => key.startsWith('ids')),
    );
    expect(byId).toHaveLength(1);
  });
});
