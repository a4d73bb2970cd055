import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns.js';
import { incidents } from './incidents.js';

/**
 * Every state a status-page component has been put in, and when: the history the 90-day uptime bars are computed
 * from. A component's state holds from one row to its next; before its first row it is operational. Rows are
 * written by status updates (with their incident) and by hand-made changes (no incident).
 */
export const componentStateChanges = pgTable(
  'component_state_changes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    componentId: text('component_id').notNull(),
    state: text('state').notNull(),
    incidentId: integer('incident_id').references(() => incidents.id),
    at: instant('at').notNull(),
  },
  (table) => [index('component_state_changes_component_idx').on(table.componentId, table.at)],
);
