import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns.js';
import { problems } from './problems.js';

/** A problem classified as an incident: public lifecycle, status updates, status-page entry. */
export const incidents = pgTable(
  'incidents',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    problemId: integer('problem_id')
      .notNull()
      .references(() => problems.id),
    publicTitle: text('public_title').notNull(),
    publicSummary: text('public_summary').notNull().default(''),
    severity: text('severity').notNull(),
    state: text('state').notNull().default('investigating'),
    components: jsonb('components').$type<string[]>().notNull().default([]),
    ownerId: text('owner_id').notNull(),
    /** The announcement message in the incidents channel, edited on every change. */
    channel: text('channel'),
    messageTs: text('message_ts'),
    createdAt: createdAt(),
    identifiedAt: instant('identified_at'),
    monitoringAt: instant('monitoring_at'),
    resolvedAt: instant('resolved_at'),
    lastUpdateAt: instant('last_update_at'),
    /** The optional dedicated channel (`inc-<number>-<slug>`). */
    dedicatedChannel: text('dedicated_channel'),
    /** Reminders: when the owner was last reminded, and until when they asked for quiet. */
    remindedAt: instant('reminded_at'),
    snoozedUntil: instant('snoozed_until'),
    /**
     * The run fanning this incident's updates out (a token of that run) and until when its claim holds unless
     * renewed: one run per incident at a time, across instances, without holding up other incidents' runs.
     */
    fanOutHolder: text('fan_out_holder'),
    fanOutUntil: instant('fan_out_until'),
  },
  (table) => [
    uniqueIndex('incidents_problem_idx').on(table.problemId),
    index('incidents_state_idx').on(table.state),
    index('incidents_created_idx').on(table.createdAt),
  ],
);

/** One status update of an incident: what the public reads and what only the team reads. */
export const statusUpdates = pgTable(
  'status_updates',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    incidentId: integer('incident_id')
      .notNull()
      .references(() => incidents.id),
    state: text('state').notNull(),
    publicMessage: text('public_message').notNull(),
    internalNote: text('internal_note'),
    componentStates: jsonb('component_states').$type<Record<string, string>>().notNull().default({}),
    authorId: text('author_id').notNull(),
    createdAt: createdAt(),
    /** The Slack view whose submission posted this update: the same form sent again posts nothing more. */
    submissionKey: text('submission_key'),
  },
  (table) => [
    index('status_updates_incident_idx').on(table.incidentId, table.createdAt),
    uniqueIndex('status_updates_submission_idx').on(table.submissionKey),
  ],
);
