import { Hono } from 'hono';
import type Stripe from 'stripe';
import type { Database } from '../db/client.js';
import { recordStripeEvent } from '../db/repositories/stripe-events.js';
import { isKeptStripeEvent, stripeEventFacts } from '../domain/stripe-events.js';
import type { Logger } from '../logger.js';

export interface StripeWebhookDeps {
  db: Database;
  stripe: Stripe;
  /** `STRIPE_WEBHOOK_SECRET`; without it every delivery is refused. */
  secret: string | undefined;
  logger: Logger;
  /** Called for each new event about a customer (e.g. to drop that customer's cached billing context). */
  onCustomerEvent?: (customerId: string) => void;
}

/**
 * `POST /webhooks/stripe`: verifies Stripe's signature over the raw body (and its timestamp tolerance), keeps the
 * billing events Frontline uses once per event id, and answers 2xx quickly so Stripe does not redeliver.
 */
export function stripeWebhookRoutes(deps: StripeWebhookDeps): Hono {
  const web = new Hono();
  web.post('/webhooks/stripe', async (c) => {
    if (!deps.secret)
      return c.json({ error: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)' }, 503);
    const signature = c.req.header('stripe-signature');
    if (!signature) return c.json({ error: 'missing Stripe-Signature' }, 400);
    const raw = await c.req.text();
    let event: Stripe.Event;
    try {
      event = await deps.stripe.webhooks.constructEventAsync(raw, signature, deps.secret);
    } catch {
      deps.logger.warn('refused a Stripe webhook delivery with an invalid signature');
      return c.json({ error: 'invalid signature' }, 400);
    }
    if (!isKeptStripeEvent(event.type)) return c.json({ received: true, kept: false });
    const facts = stripeEventFacts(event.type, event.data.object as unknown as Record<string, unknown>);
    const isNew = await recordStripeEvent(deps.db, {
      id: event.id,
      type: event.type,
      ...facts,
      occurredAt: new Date(event.created * 1000),
    });
    if (isNew && facts.customerId) deps.onCustomerEvent?.(facts.customerId);
    return c.json({ received: true, kept: true, duplicate: !isNew });
  });
  return web;
}
