import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import { jiraWebhookDeliveries } from '../db/schema/index.js';
import { toTicketState } from '../integrations/jira/rca-tickets.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../logger.js';
import { applyTicketState } from './rca.js';

export interface JiraWebhookDeps {
  db: Database;
  jobs: JobQueue;
  settings: Settings;
  jiraHost: string;
  logger: Logger;
  now: () => Date;
}

/** The fields Frontline follows, when present, have Jira's types; any other field is left as it is. */
const fieldsSchema = z.looseObject({
  status: z
    .looseObject({
      name: z.string().optional(),
      statusCategory: z.looseObject({ key: z.string().optional() }).optional(),
    })
    .optional(),
  fixVersions: z.array(z.looseObject({ name: z.string().optional() })).optional(),
  assignee: z.looseObject({ displayName: z.string().optional() }).nullable().optional(),
  duedate: z.string().nullable().optional(),
  updated: z.string().optional(),
});

const payloadSchema = z.object({
  webhookEvent: z.string(),
  /** When Jira made the event (ms); stands in for the issue's `updated` time when a payload leaves that out. */
  timestamp: z.number().optional(),
  issue: z
    .object({
      id: z.union([z.string(), z.number()]),
      key: z.string(),
      fields: fieldsSchema,
    })
    .optional(),
});

/** The events that carry an issue's new state; a deleted issue (or anything else) changes no ticket. */
const STATE_EVENTS = new Set(['jira:issue_created', 'jira:issue_updated']);

/**
 * A verified Jira webhook: recorded by its identifier first (a delivery Jira retries, or one replayed, changes
 * nothing the second time), then applied to the RCA ticket it is about, in the same transaction.
 */
export async function receiveJiraWebhook(
  deps: JiraWebhookDeps,
  { identifier, payload }: { identifier: string; payload: unknown },
): Promise<{ duplicate: boolean; applied: boolean }> {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) {
    deps.logger.info({ identifier }, 'ignored a Jira webhook of an unexpected shape');
    return { duplicate: false, applied: false };
  }
  const { webhookEvent, issue, timestamp } = parsed.data;
  return deps.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(jiraWebhookDeliveries)
      .values({ identifier, event: webhookEvent, issueKey: issue?.key ?? null })
      .onConflictDoNothing()
      .returning({ identifier: jiraWebhookDeliveries.identifier });
    if (inserted.length === 0) return { duplicate: true, applied: false };
    if (!issue || !STATE_EVENTS.has(webhookEvent)) return { duplicate: false, applied: false };
    const read = toTicketState({ id: String(issue.id), key: issue.key, fields: issue.fields as never });
    const state =
      read.updatedAt || timestamp === undefined ? read : { ...read, updatedAt: new Date(timestamp) };
    const result = await applyTicketState(deps, tx, state);
    return { duplicate: false, applied: result.changed };
  });
}
