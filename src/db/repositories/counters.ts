import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { dailyCounters } from '../schema/index.js';

export type CounterMetric = 'escalations_created' | 'duplicates_avoided' | 'problems_created';

/** Adds one to a day's counter (UTC day), in the caller's transaction. */
export async function countOne(
  tx: Executor,
  { at, category, metric }: { at: Date; category: string; metric: CounterMetric },
) {
  const day = at.toISOString().slice(0, 10);
  await tx
    .insert(dailyCounters)
    .values({ day, category, metric, count: 1 })
    .onConflictDoUpdate({
      target: [dailyCounters.day, dailyCounters.category, dailyCounters.metric],
      set: { count: sql`${dailyCounters.count} + 1` },
    });
}
