import { afterEach, describe, expect, it } from 'vitest';
import { createStripeClient } from '../../src/integrations/stripe/client.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';

describe('the Stripe client built from STRIPE_API_BASE', () => {
  let stripe: StripeFake | undefined;
  afterEach(async () => {
    await stripe?.stop();
    stripe = undefined;
  });

  it.each([
    ['a host name', 'localhost', (port: number) => `http://localhost:${port}`],
    ['an IPv4 address', '127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`],
    ['an IPv6 address', '::1', (port: number) => `http://[::1]:${port}`],
  ])('reaches an API base given as %s', async (_label, host, base) => {
    stripe = await new StripeFake().start(0, host);
    const client = createStripeClient({ secretKey: 'sk_test_client', apiBase: new URL(base(stripe.port)) });
    const customer = await client.customers.create({ email: 'ops@example.test', name: 'Acme' });
    const read = await client.customers.retrieve(customer.id);
    expect(read).toMatchObject({ id: customer.id, email: 'ops@example.test' });
  });
});
