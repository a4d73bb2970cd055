import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/** Slack event deliveries already taken in, so a retried delivery (`X-Slack-Retry-Num`) changes nothing. */
export const slackDeliveries = pgTable(
  'slack_deliveries',
  {
    eventId: text('event_id').primaryKey(),
    eventType: text('event_type').notNull(),
    receivedAt: createdAt(),
  },
  (table) => [index('slack_deliveries_received_idx').on(table.receivedAt)],
);

/**
 * Messages Frontline posts through durable jobs, by a key that names what the message is (e.g. one status update
 * to one thread). A key is posted at most once; the `ts` is recorded after Slack answers.
 */
export const outboundMessages = pgTable(
  'outbound_messages',
  {
    key: text('key').primaryKey(),
    channel: text('channel').notNull(),
    threadTs: text('thread_ts'),
    ts: text('ts'),
    createdAt: createdAt(),
  },
  // Fan-out reads by key prefix (`status-update:42:%`): a pattern index serves LIKE whatever the collation.
  (table) => [index('outbound_messages_key_prefix_idx').on(table.key.op('text_pattern_ops'))],
);
