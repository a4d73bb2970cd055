import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';

/**
 * Billing events Stripe sent to `POST /webhooks/stripe`, one row per event id (a redelivery changes nothing).
 * Only the facts Frontline uses are kept: which customer, which object, how much, and when it happened at Stripe.
 */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    customerId: text('customer_id'),
    /** The invoice, charge or subscription the event is about. */
    objectId: text('object_id'),
    /** Integer minor units of `currency`, when the event is about money. */
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    currency: text('currency'),
    /** A decline or failure code, when Stripe gave one. */
    failureCode: text('failure_code'),
    occurredAt: instant('occurred_at').notNull(),
    receivedAt: createdAt(),
  },
  (table) => [
    index('stripe_events_type_idx').on(table.type, table.occurredAt),
    index('stripe_events_customer_idx').on(table.customerId, table.occurredAt),
    // The report's recovery check: was this invoice paid after it failed (db/repositories/metrics.ts).
    index('stripe_events_object_idx').on(table.objectId, table.type, table.occurredAt),
  ],
);
