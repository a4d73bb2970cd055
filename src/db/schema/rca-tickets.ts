import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
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
    /** The classification the ticket was requested for (decides its Jira issue type). */
    kind: text('kind'),
    /** What Jira last told us (webhook or reconcile): fix version, assignee, due date. */
    fixVersion: text('fix_version'),
    assignee: text('assignee'),
    dueDate: text('due_date'),
    /**
     * Jira's `updated` time of the issue state last applied: a delivery or a reconcile read older than it (Jira retries
     * out of order, a replayed body) is stale and changes nothing.
     */
    jiraUpdatedAt: instant('jira_updated_at'),
    /** The facts last written to the ticket (description or comment); a change adds a comment. */
    facts: jsonb('facts').$type<Record<string, string>>(),
    closingCommentedAt: instant('closing_commented_at'),
    /**
     * Who may talk to Jira about creating this ticket right now (a job id) and until when: two workers must never
     * both search, find nothing, and create.
     */
    leaseOwner: text('lease_owner'),
    leaseUntil: instant('lease_until'),
    /** When a create call was last sent to Jira; until it settles, a search that finds nothing is not trusted. */
    createAttemptedAt: instant('create_attempted_at'),
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
