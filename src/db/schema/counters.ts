import { date, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Running counts per UTC day and category, incremented in the same transaction as the change they count
 * (`escalations_created`, `duplicates_avoided` — linked to an existing problem, `problems_created`).
 */
export const dailyCounters = pgTable(
  'daily_counters',
  {
    day: date('day', { mode: 'string' }).notNull(),
    category: text('category').notNull(),
    metric: text('metric').notNull(),
    count: integer('count').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.day, table.category, table.metric] })],
);
