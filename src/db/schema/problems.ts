import { sql } from 'drizzle-orm';
import { customType, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** Signals collected from the problem's own text and its linked escalations (see `domain/text.ts`). */
export interface StoredSignals {
  codes: string[];
  stripeIds: string[];
  invoiceNumbers: string[];
}

/**
 * One confirmed underlying issue that escalations link to. Starts in `triage`; classification makes it a `bug` or
 * an `incident`. `search_text` holds the texts of the most recent linked escalations; `search_vector` (generated)
 * is what matching searches: title (weight A), symptoms (B) and those texts (C).
 */
export const problems = pgTable(
  'problems',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    title: text('title').notNull(),
    symptoms: text('symptoms').notNull().default(''),
    category: text('category').notNull(),
    status: text('status').notNull().default('triage'),
    kind: text('kind'),
    severity: text('severity'),
    workaround: text('workaround'),
    searchText: text('search_text').notNull().default(''),
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql`setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(symptoms, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'C')`,
    ),
    signals: jsonb('signals')
      .$type<StoredSignals>()
      .notNull()
      .default({ codes: [], stripeIds: [], invoiceNumbers: [] }),
    /** The triage card in the incidents channel. */
    triageChannel: text('triage_channel'),
    triageTs: text('triage_ts'),
    ownerId: text('owner_id'),
    createdBy: text('created_by').notNull(),
    mergedIntoId: integer('merged_into_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** Who is hurt, as one number (see `domain/priority.ts`), and one line per factor explaining it. */
    priorityScore: integer('priority_score').notNull().default(0),
    priorityExplanation: jsonb('priority_explanation').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    closedAt: instant('closed_at'),
  },
  (table) => [
    index('problems_status_idx').on(table.status),
    index('problems_priority_idx').on(table.status, table.priorityScore),
    // The ranked queue (App Home, /frontline queue): open problems by score. Closed ones pile up for ever, so the
    // index holds only the rows the queue can show.
    index('problems_open_rank_idx')
      .on(table.priorityScore.desc().nullsFirst(), table.createdAt, table.id)
      .where(sql`merged_into_id is null and status <> 'closed'`),
    index('problems_search_vector_idx').using('gin', table.searchVector),
    index('problems_created_idx').on(table.createdAt),
  ],
);

/**
 * How many open problems contain each word (as a full-text lexeme), refreshed periodically. Matching searches with
 * the rarest words of a text: a word most problems contain finds nothing in particular and costs the most.
 */
export const problemTermStats = pgTable('problem_term_stats', {
  lexeme: text('lexeme').primaryKey(),
  problems: integer('problems').notNull(),
});

/**
 * A known problem an agent passed over: the case's card showed it as a match and the agent chose **None of these:
 * report new problem**. Matching then shows that problem at most as possible, with a note, to texts that read more
 * like this one than like anything the problem is known by (see `domain/matching.ts`). A case later linked to the
 * problem after all (a merge) takes its rejection back.
 */
export const matchRejections = pgTable(
  'match_rejections',
  {
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id, { onDelete: 'cascade' }),
    escalationId: integer('escalation_id').notNull(),
    text: text('text').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.problemId, table.escalationId] }),
    index('match_rejections_escalation_idx').on(table.escalationId),
    // Matching reads each candidate's most recent ones.
    index('match_rejections_recent_idx').on(table.problemId, table.createdAt.desc()),
  ],
);
