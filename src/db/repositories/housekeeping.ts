import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../client.js';

/**
 * Delivery ids are kept only to recognise a delivery sent again: Slack repeats an event within the hour, Jira a
 * webhook within hours. Past their window they are dead weight (one Slack row per event, including every App Home
 * visit), so they are deleted in batches, each its own short statement, so no lock is held for long.
 */
export interface DeliveryCutoffs {
  slack: Date;
  jira: Date;
}

const PRUNE_BATCH = 5_000;

async function pruneInBatches(db: Executor, deleteBatch: () => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = (await queryRows<{ gone: number }>(db, deleteBatch())).length;
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}

/** Deletes Slack and Jira delivery ids received before their cutoffs; answers how many of each went. */
export async function pruneDeliveries(
  db: Executor,
  cutoffs: DeliveryCutoffs,
): Promise<{ slack: number; jira: number }> {
  const slack = await pruneInBatches(
    db,
    () => sql`delete from slack_deliveries where event_id in (
      select event_id from slack_deliveries where created_at < ${cutoffs.slack.toISOString()}::timestamptz limit ${PRUNE_BATCH}
    ) returning 1 as gone`,
  );
  const jira = await pruneInBatches(
    db,
    () => sql`delete from jira_webhook_deliveries where identifier in (
      select identifier from jira_webhook_deliveries where created_at < ${cutoffs.jira.toISOString()}::timestamptz limit ${PRUNE_BATCH}
    ) returning 1 as gone`,
  );
  return { slack, jira };
}
