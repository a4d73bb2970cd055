import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';
import { problems, type StoredSignals } from './problems.js';

/** How an escalation joined its problem: it reported the problem, or it was linked to a problem already known. */
export type EscalationJoinedAs = 'reported' | 'duplicate';

/** An agent's request for engineering help on one case for one customer. */
export const escalations = pgTable(
  'escalations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    customerId: text('customer_id').notNull(),
    customerName: text('customer_name').notNull(),
    customerEmail: text('customer_email'),
    customerSegment: text('customer_segment'),
    /** The customer's monthly recurring revenue when the case was escalated (integer minor units). */
    customerMrrMinor: bigint('customer_mrr_minor', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull().default('usd'),
    customerSince: instant('customer_since'),
    /** Seats on the customer's largest subscription item when the case was escalated. */
    customerSeats: integer('customer_seats').notNull().default(0),
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
    /** The Slack message the escalation came from (shortcut, intake message, mention), kept as evidence. */
    sourceChannel: text('source_channel'),
    sourceTs: text('source_ts'),
    sourcePermalink: text('source_permalink'),
    signals: jsonb('signals')
      .$type<StoredSignals>()
      .notNull()
      .default({ codes: [], stripeIds: [], invoiceNumbers: [] }),
    /** The escalation card (its message is the root of `thread_ts`, or a message inside that thread). */
    cardChannel: text('card_channel'),
    cardTs: text('card_ts'),
    /** Where the escalation card lives; every later update goes to this thread. */
    threadChannel: text('thread_channel'),
    threadTs: text('thread_ts'),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    linkedAt: instant('linked_at'),
    /**
     * How the case joined a problem, recorded with its first link and never changed afterwards (a merge moves the
     * case to another problem but keeps this): `reported` for the case that created the problem (Report new problem),
     * `duplicate` for a case linked to a problem that already existed. Null while the case has no problem. The report
     * (docs/metrics.md) reads it, so merges cannot rewrite a past month's figures.
     */
    joinedAs: text('joined_as').$type<EscalationJoinedAs>(),
    closedAt: instant('closed_at'),
  },
  (table) => [
    index('escalations_problem_idx').on(table.problemId),
    index('escalations_created_idx').on(table.createdAt),
    index('escalations_requester_status_idx').on(table.requesterId, table.status),
    index('escalations_customer_idx').on(table.customerId),
    // Reports (docs/metrics.md): a month's escalations by the time they were raised, linked or closed, with the
    // columns the figures read, so a month of a million-row table is read from the index alone.
    index('escalations_report_created_idx').on(
      table.createdAt,
      table.category,
      table.problemId,
      table.linkedAt,
      table.closedAt,
      table.joinedAs,
    ),
    index('escalations_report_linked_idx').on(
      table.linkedAt,
      table.category,
      table.problemId,
      table.joinedAs,
    ),
    index('escalations_report_closed_idx').on(table.closedAt, table.category, table.createdAt),
    // App Home: a requester's escalations that are not closed, newest first.
    index('escalations_requester_open_idx')
      .on(table.requesterId, table.createdAt)
      .where(sql`status <> 'closed'`),
    check('escalations_joined_as_check', sql`${table.joinedAs} in ('reported', 'duplicate')`),
    check(
      'escalations_linked_joined_as_check',
      sql`${table.problemId} is null or ${table.joinedAs} is not null`,
    ),
  ],
);
