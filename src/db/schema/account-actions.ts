import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
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
    /** The requester's roles when they asked, and the policy's one-line reason for running now or asking. */
    requesterRoles: jsonb('requester_roles').$type<string[]>().notNull().default([]),
    policyReason: text('policy_reason').notNull().default(''),
    /** Customer name as shown to people, so messages need no Stripe call. */
    customerName: text('customer_name'),
    /** What the execution produced for people (a link, a new period end, …). */
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** A failure that may succeed when tried again (Stripe down, rate limit); offers the retry button. */
    retryable: boolean('retryable').notNull().default(false),
    attempts: integer('attempts').notNull().default(0),
    /** The approval request message in the approvals channel. */
    approvalChannel: text('approval_channel'),
    approvalTs: text('approval_ts'),
    /** The requester's own message about this action; every change is told in its thread. */
    requesterChannel: text('requester_channel'),
    requesterTs: text('requester_ts'),
    /** The Slack view whose submission made this request: the same form sent again makes no second request. */
    submissionKey: text('submission_key'),
  },
  (table) => [
    uniqueIndex('account_actions_submission_idx').on(table.submissionKey),
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
    /** The roles that may decide this stage, comma-separated. */
    requiredRole: text('required_role').notNull(),
    approverId: text('approver_id'),
    decision: text('decision'),
    reason: text('reason'),
    createdAt: createdAt(),
    decidedAt: instant('decided_at'),
    /** What the stage is called for people ("Approval", "VP approval", "Manager review"). */
    label: text('label').notNull().default('Approval'),
  },
  (table) => [
    uniqueIndex('approvals_action_stage_idx').on(table.actionId, table.stage),
    index('approvals_created_idx').on(table.createdAt),
    index('approvals_role_pending_idx').on(table.requiredRole, table.decision),
  ],
);
