import { z } from 'zod';
import type { Database } from '../db/client.js';
import { pruneDeliveries } from '../db/repositories/housekeeping.js';
import type { Logger } from '../logger.js';
import type { JobDefinition } from './queue.js';

export const PRUNE_DELIVERIES_JOB = 'housekeeping.prune-deliveries';

const DAY_MS = 86_400_000;
/** How long a delivery id is kept: far beyond the sender's retries (Slack's last is within the hour). */
export const DELIVERY_RETENTION_DAYS = { slack: 7, jira: 30 } as const;

/** Every night: forget delivery ids past the window in which their sender could send them again. */
export function pruneDeliveriesJob({
  db,
  logger,
  now,
}: {
  db: Database;
  logger: Logger;
  now: () => Date;
}): JobDefinition<Record<string, never>> {
  return {
    name: PRUNE_DELIVERIES_JOB,
    schema: z.object({}).strict() as z.ZodType<Record<string, never>>,
    schedule: '17 3 * * *',
    retryLimit: 2,
    async handler() {
      const at = now().getTime();
      const pruned = await pruneDeliveries(db, {
        slack: new Date(at - DELIVERY_RETENTION_DAYS.slack * DAY_MS),
        jira: new Date(at - DELIVERY_RETENTION_DAYS.jira * DAY_MS),
      });
      logger.info(pruned, 'old delivery ids pruned');
    },
  };
}
