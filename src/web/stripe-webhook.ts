import { Hono } from 'hono';
import type Stripe from 'stripe';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { recordStripeEvent } from '../db/repositories/stripe-events.js';
import { isKeptStripeEvent, stripeEventFacts } from '../domain/stripe-events.js';
import type { Logger } from '../logger.js';
import { cappedBody, postOnly } from './webhook-route.js';

/**
 * The largest Stripe delivery read. Stripe's events are a few kilobytes (an invoice with many lines stays far below a
 * megabyte), and the body is read before its signature can be checked, so anyone can send one: larger bodies are
 * refused with 413 from their `Content-Length`, or as soon as a chunked body passes the limit, without buffering it.
 */
export const STRIPE_WEBHOOK_MAX_BYTES = 1024 * 1024;

/** What Frontline reads of an event: Stripe always sends these, so a signed body without them is refused. */
const eventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative().max(32_503_680_000),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});

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
  const path = '/webhooks/stripe';
  web.post(
    path,
    async (c, next) => {
      if (!deps.secret) {
        deps.logger.warn({ path }, 'refused a Stripe webhook delivery: STRIPE_WEBHOOK_SECRET is not set');
        return c.json({ error: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)' }, 503);
      }
      if (!c.req.header('stripe-signature')) {
        deps.logger.warn({ path }, 'refused a Stripe webhook delivery without a Stripe-Signature header');
        return c.json({ error: 'missing Stripe-Signature' }, 400);
      }
      await next();
    },
    cappedBody(
      deps.logger,
      path,
      STRIPE_WEBHOOK_MAX_BYTES,
      'refused a Stripe webhook delivery over the size limit',
    ),
    async (c) => {
      const raw = await c.req.text();
      let event: Stripe.Event;
      try {
        // The guard above answered already when either is missing; an empty one here must never verify.
        const [signature, secret] = [c.req.header('stripe-signature'), deps.secret];
        if (!signature || !secret) throw new Error('unverifiable');
        event = await deps.stripe.webhooks.constructEventAsync(raw, signature, secret);
      } catch (error) {
        // The SDK verifies the signature first, then parses: a signed body that is not JSON is no signature fault.
        if (error instanceof SyntaxError) {
          deps.logger.warn({ path }, 'refused a signed Stripe webhook delivery whose body is not JSON');
          return c.json({ error: 'invalid payload: not JSON' }, 400);
        }
        deps.logger.warn({ path }, 'refused a Stripe webhook delivery with an invalid signature');
        return c.json({ error: 'invalid signature' }, 400);
      }
      const shaped = eventSchema.safeParse(event);
      if (!shaped.success) {
        deps.logger.warn(
          { path, issues: shaped.error.issues.map((issue) => issue.path.join('.')) },
          'refused a signed Stripe webhook delivery that is not an event',
        );
        return c.json({ error: 'invalid payload: not a Stripe event' }, 400);
      }
      const { id, type, created, data } = shaped.data;
      if (!isKeptStripeEvent(type)) return c.json({ received: true, kept: false });
      const facts = stripeEventFacts(type, data.object);
      const isNew = await recordStripeEvent(deps.db, {
        id,
        type,
        ...facts,
        occurredAt: new Date(created * 1000),
      });
      if (isNew && facts.customerId) deps.onCustomerEvent?.(facts.customerId);
      return c.json({ received: true, kept: true, duplicate: !isNew });
    },
  );
  postOnly(web, path);
  return web;
}
