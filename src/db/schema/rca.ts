import { boolean, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';
import { problems } from './problems.js';

/** Engineering's assessment of a problem (cause, severity, impact) and the release decision; one per problem. */
export const problemAssessments = pgTable('problem_assessments', {
  problemId: integer('problem_id')
    .primaryKey()
    .references(() => problems.id),
  /** The answers, as `domain/release.ts` `Assessment`. */
  answers: jsonb('answers').$type<Record<string, unknown>>().notNull(),
  severity: text('severity').notNull(),
  suggestedDecision: text('suggested_decision').notNull(),
  decision: text('decision').notNull(),
  overridden: boolean('overridden').notNull().default(false),
  overrideReason: text('override_reason'),
  fixVersion: text('fix_version'),
  assessedBy: text('assessed_by').notNull(),
  /** Bumped on every re-assessment, so each decision is announced once. */
  revision: integer('revision').notNull().default(1),
  createdAt: createdAt(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});

/** Jira webhook deliveries already handled, by `X-Atlassian-Webhook-Identifier` (Jira retries with the same one). */
export const jiraWebhookDeliveries = pgTable('jira_webhook_deliveries', {
  identifier: text('identifier').primaryKey(),
  event: text('event').notNull(),
  issueKey: text('issue_key'),
  receivedAt: createdAt(),
});
