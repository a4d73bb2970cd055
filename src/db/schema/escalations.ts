import { boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';
import { problems } from './problems.js';

/** An agent's request for engineering help on one case for one customer. */
export const escalations = pgTable(
  'escalations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    customerId: text('customer_id').notNull(),
    customerName: text('customer_name').notNull(),
    caseRef: text('case_ref'),
    priority: text('priority').notNull(),
    category: text('category').notNull(),
    summary: text('summary').notNull(),
    details: text('details').notNull().default(''),
    reproductionSteps: text('reproduction_steps').notNull().default(''),
    evidenceLinks: jsonb('evidence_links').$type<string[]>().notNull().default([]),
    triggers: jsonb('triggers').$type<string[]>().notNull().default([]),
    urgent: boolean('urgent').notNull().default(false),
    status: text('status').notNull().default('open'),
    problemId: integer('problem_id').references(() => problems.id),
    requesterId: text('requester_id').notNull(),
    source: text('source').notNull(),
    /** Where the escalation card lives; every later update goes to this thread. */
    threadChannel: text('thread_channel'),
    threadTs: text('thread_ts'),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    linkedAt: instant('linked_at'),
    closedAt: instant('closed_at'),
  },
  (table) => [
    index('escalations_problem_idx').on(table.problemId),
    index('escalations_created_idx').on(table.createdAt),
    index('escalations_requester_status_idx').on(table.requesterId, table.status),
  ],
);
