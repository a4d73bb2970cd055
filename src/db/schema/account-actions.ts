import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';

/** A billing operation on a customer that runs in Stripe, at once or after approval. */
export const accountActions = pgTable(
  'account_actions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    customerId: text('customer_id').notNull(),
    parameters: jsonb('parameters').$type<Record<string, unknown>>().notNull().default({}),
    /** Integer minor units of `currency`, when the action moves money. */
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    currency: text('currency'),
    reason: text('reason').notNull(),
    requesterId: text('requester_id').notNull(),
    escalationId: integer('escalation_id'),
    problemId: integer('problem_id'),
    state: text('state').notNull(),
    stripeObjectId: text('stripe_object_id'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    expiresAt: instant('expires_at'),
    executedAt: instant('executed_at'),
  },
  (table) => [
    index('account_actions_customer_idx').on(table.customerId, table.createdAt),
    index('account_actions_state_idx').on(table.state),
    // Reports and App Home: actions by month requested, money moved by month executed, pending requests per person.
    index('account_actions_created_idx').on(table.createdAt),
    index('account_actions_executed_idx').on(table.executedAt),
    index('account_actions_requester_idx').on(table.requesterId, table.createdAt),
  ],
);

/** One decision (approve or deny) on one stage of an account action. */
export const approvals = pgTable(
  'approvals',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    actionId: integer('action_id')
      .notNull()
      .references(() => accountActions.id),
    stage: integer('stage').notNull(),
    requiredRole: text('required_role').notNull(),
    approverId: text('approver_id'),
    decision: text('decision'),
    reason: text('reason'),
    createdAt: createdAt(),
    decidedAt: instant('decided_at'),
  },
  (table) => [
    index('approvals_action_idx').on(table.actionId, table.stage),
    index('approvals_created_idx').on(table.createdAt),
    index('approvals_role_pending_idx').on(table.requiredRole, table.decision),
  ],
);
