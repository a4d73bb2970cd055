import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type DemoCustomers, seedStripeDemo } from '../../src/sandbox/demo/stripe-demo.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';

export interface StripeDemo {
  fake: StripeFake;
  /** The real SDK, pointed at the fake. */
  stripe: Stripe;
  demo: DemoCustomers;
}

/**
 * The Stripe fake with the demo customers, for the tests of the enclosing file or `describe`: started before them,
 * stopped after; with `resetEach`, back to the seeded state before each test. The fake reads `now` on every
 * request, so a test may move time on.
 */
export function useStripeDemo(
  now: () => number,
  options: { maxNetworkRetries?: number; resetEach?: boolean } = {},
): StripeDemo {
  const context = {} as StripeDemo;
  beforeAll(async () => {
    context.fake = await new StripeFake({ now }).start();
    context.demo = seedStripeDemo(context.fake, now());
    context.stripe = new Stripe('sk_test_frontline', {
      ...context.fake.clientOptions(),
      maxNetworkRetries: options.maxNetworkRetries ?? 0,
      telemetry: false,
    });
  });
  afterAll(async () => {
    await context.fake?.stop();
  });
  if (options.resetEach) beforeEach(() => context.fake.reset());
  return context;
}
