import type { App } from '@slack/bolt';
import type { Database } from '../db/client.js';
import { slackDeliveries } from '../db/schema/index.js';
import type { InFlight } from '../in-flight.js';
import type { Logger } from '../logger.js';

/**
 * Global middleware: every request's work is tracked (shutdown waits for it), and an Events API delivery that Slack
 * repeats (same `event_id`, e.g. after a timeout) is recognised through the database, so it has its effect once even
 * when the repeat reaches another instance.
 */
export function registerMiddleware(
  app: App,
  { db, inFlight, logger }: { db: Database; inFlight: InFlight; logger: Logger },
) {
  app.use(async ({ body, next }) => {
    await inFlight.track(async () => {
      const delivery = body as { type?: string; event_id?: string; event?: { type?: string } };
      if (delivery.type === 'event_callback' && delivery.event_id) {
        const taken = await db
          .insert(slackDeliveries)
          .values({ eventId: delivery.event_id, eventType: delivery.event?.type ?? 'unknown' })
          .onConflictDoNothing()
          .returning({ eventId: slackDeliveries.eventId });
        if (taken.length === 0) {
          logger.info({ eventId: delivery.event_id }, 'repeated Slack delivery ignored');
          return;
        }
      }
      await next();
    });
  });
}
