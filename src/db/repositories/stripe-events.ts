import type { Executor } from '../client.js';
import { stripeEvents } from '../schema/index.js';

export type NewStripeEvent = typeof stripeEvents.$inferInsert;

/** Records an event once; answers false when this event id was already taken in. */
export async function recordStripeEvent(db: Executor, event: NewStripeEvent): Promise<boolean> {
  const inserted = await db
    .insert(stripeEvents)
    .values(event)
    .onConflictDoNothing({ target: stripeEvents.id })
    .returning({ id: stripeEvents.id });
  return inserted.length > 0;
}
