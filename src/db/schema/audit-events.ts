import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * Append-only record of who did what, when, to which customer, with what result. A trigger in the migrations
 * refuses UPDATE and DELETE on this table.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: text('actor_id').notNull(),
    actorRoles: jsonb('actor_roles').$type<string[]>().notNull().default([]),
    action: text('action').notNull(),
    customerId: text('customer_id'),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default({}),
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    currency: text('currency'),
    reason: text('reason'),
    result: text('result').notNull(),
    stripeObjectId: text('stripe_object_id'),
    accountActionId: integer('account_action_id'),
    createdAt: createdAt(),
  },
  (table) => [index('audit_events_customer_idx').on(table.customerId, table.createdAt)],
);
