import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { problems } from './problems.js';

/**
 * Every bug-or-incident decision on a problem: the answers, what the policy suggested and why, what was chosen, and
 * the reason when the choice went against the suggestion.
 */
export const problemClassifications = pgTable(
  'problem_classifications',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id),
    answers: jsonb('answers').$type<Record<string, unknown>>().notNull(),
    suggestedOutcome: text('suggested_outcome').notNull(),
    suggestedSeverity: text('suggested_severity').notNull(),
    suggestionReason: text('suggestion_reason').notNull(),
    outcome: text('outcome').notNull(),
    severity: text('severity').notNull(),
    overrideReason: text('override_reason'),
    actorId: text('actor_id').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('problem_classifications_problem_idx').on(table.problemId, table.createdAt)],
);

/** A duplicate problem folded into another: its escalations moved, and who did it. */
export const problemMerges = pgTable(
  'problem_merges',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    fromProblemId: integer('from_problem_id')
      .notNull()
      .references(() => problems.id),
    intoProblemId: integer('into_problem_id')
      .notNull()
      .references(() => problems.id),
    escalationIds: jsonb('escalation_ids').$type<number[]>().notNull().default([]),
    actorId: text('actor_id').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('problem_merges_into_idx').on(table.intoProblemId)],
);
