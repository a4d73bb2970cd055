import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';
import { problems } from './problems.js';

/** The one Jira issue per problem. The unique index on `problem_id` is the last line of defence against two. */
export const rcaTickets = pgTable(
  'rca_tickets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id),
    jiraKey: text('jira_key'),
    jiraId: text('jira_id'),
    status: text('status').notNull().default('requested'),
    jiraStatus: text('jira_status'),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    /** When the ticket was closed (done or won't do); reports count RCA tickets closed per month by it. */
    closedAt: instant('closed_at'),
  },
  (table) => [
    uniqueIndex('rca_tickets_problem_idx').on(table.problemId),
    index('rca_tickets_created_idx').on(table.createdAt),
    index('rca_tickets_closed_idx').on(table.closedAt),
  ],
);
