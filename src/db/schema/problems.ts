import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';

/**
 * One confirmed underlying issue that escalations link to. Starts in `triage`; classification makes it a `bug` or
 * an `incident`. `search_text` holds the title, symptoms and the texts of linked escalations that matching searches.
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
    ownerId: text('owner_id'),
    createdBy: text('created_by').notNull(),
    mergedIntoId: integer('merged_into_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    closedAt: instant('closed_at'),
  },
  (table) => [
    index('problems_status_idx').on(table.status),
    index('problems_search_trgm_idx').using('gin', sql`${table.searchText} gin_trgm_ops`),
  ],
);
