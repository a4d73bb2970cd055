import { z } from 'zod';
import type { Database } from '../db/client.js';
import { refreshProblemTermStats } from '../db/repositories/problems.js';
import type { Logger } from '../logger.js';
import type { JobDefinition } from './queue.js';

export const REFRESH_TERM_STATS_JOB = 'matching.refresh-term-stats';

/** Keeps the word statistics that choose which words the candidate search uses (every ten minutes). */
export function refreshTermStatsJob({
  db,
  logger,
}: {
  db: Database;
  logger: Logger;
}): JobDefinition<Record<string, never>> {
  return {
    name: REFRESH_TERM_STATS_JOB,
    schema: z.object({}).strict() as z.ZodType<Record<string, never>>,
    schedule: '*/10 * * * *',
    retryLimit: 2,
    async handler() {
      const words = await db.transaction((tx) => refreshProblemTermStats(tx));
      logger.debug({ words }, 'problem term statistics refreshed');
    },
  };
}
