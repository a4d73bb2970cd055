import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import { escalationThreads } from '../db/repositories/incidents.js';
import { boltLogger } from '../integrations/slack/bolt-logger.js';
import { singlePostClient } from '../integrations/slack/web-client.js';
import type { Logger } from '../logger.js';
import {
  INCIDENT_JOBS,
  incidentAndUpdate,
  openDedicatedChannel,
  sendDueReminders,
  syncIncidentMessage,
} from '../services/incident.js';
import { updatePost } from '../views/incident.js';
import { ChannelPacer } from './channel-pacer.js';
import { type FanOutTarget, fanOut } from './fan-out.js';
import type { JobDefinition, JobQueue } from './queue.js';

export interface IncidentJobDeps {
  db: Database;
  slack: WebClient;
  jobs: JobQueue;
  settings: Settings;
  logger: Logger;
  now: () => Date;
}

/**
 * A Slack client for fan-out: rate-limited calls are answered at once (the pacer waits out `Retry-After` for that
 * channel alone, where the shared client would pause every call), and nothing is retried behind our back (a retried
 * post could land twice; our retry looks for the message first).
 */
export function fanOutClient(shared: WebClient, logger: Logger): WebClient {
  return singlePostClient(shared, 'reject', { logger: boltLogger(logger), maxRequestConcurrency: 64 });
}

const componentsOf = (settings: Settings) =>
  settings.statusPage.components.map((c) => ({ id: c.id, name: c.name }));

/** Posts one status update to the incident's thread, its dedicated channel, and every linked escalation's thread. */
export async function fanOutStatusUpdate(
  deps: IncidentJobDeps & { client: WebClient; pacer: ChannelPacer; signal?: AbortSignal },
  updateId: number,
) {
  const found = await incidentAndUpdate(deps.db, updateId);
  if (!found) return undefined;
  const { incident, update } = found;
  if (!incident.channel || !incident.messageTs) {
    // The incident message is posted by its own job; the fan-out retries once it exists.
    throw new Error(`incident ${incident.id} has no message yet`);
  }
  const components = componentsOf(deps.settings);
  const team = updatePost(incident, update, components, 'team');
  const requester = updatePost(incident, update, components, 'requester');
  const targets: FanOutTarget[] = [{ channel: incident.channel, threadTs: incident.messageTs, ...team }];
  if (incident.dedicatedChannel) targets.push({ channel: incident.dedicatedChannel, ...team });
  for (const thread of await escalationThreads(deps.db, incident.problemId))
    targets.push({ channel: thread.channel, threadTs: thread.threadTs, ...requester });
  const result = await fanOut({
    db: deps.db,
    slack: deps.client,
    pacer: deps.pacer,
    logger: deps.logger,
    keyPrefix: `status-update:${update.id}:`,
    targets,
    signal: deps.signal,
  });
  deps.logger.info(
    { updateId, targets: targets.length, ...result, failed: result.failed.length },
    'status update fanned out',
  );
  return result;
}

// biome-ignore lint/suspicious/noExplicitAny: the feature's jobs carry their own data types
export function incidentJobs(deps: IncidentJobDeps): JobDefinition<any>[] {
  const client = fanOutClient(deps.slack, deps.logger);
  const pacer = new ChannelPacer();
  const syncMessage: JobDefinition<{ incidentId: number; thenFanOut?: number | undefined }> = {
    name: INCIDENT_JOBS.syncMessage,
    schema: z.object({
      incidentId: z.number().int().positive(),
      thenFanOut: z.number().int().positive().optional(),
    }),
    retryLimit: 8,
    retryDelaySeconds: 1,
    expireInSeconds: 120,
    concurrency: 2,
    async handler({ incidentId, thenFanOut }) {
      await syncIncidentMessage(deps, incidentId);
      if (thenFanOut) await deps.jobs.enqueue(deps.db, INCIDENT_JOBS.fanOut, { updateId: thenFanOut });
    },
  };
  const fanOutJob: JobDefinition<{ updateId: number }> = {
    name: INCIDENT_JOBS.fanOut,
    schema: z.object({ updateId: z.number().int().positive() }),
    retryLimit: 20,
    retryDelaySeconds: 1,
    expireInSeconds: 900,
    concurrency: 2,
    async handler({ updateId }, context) {
      await fanOutStatusUpdate({ ...deps, client, pacer, signal: context.signal }, updateId);
    },
  };
  const openChannel: JobDefinition<{ incidentId: number; thenFanOut?: number | undefined }> = {
    name: INCIDENT_JOBS.openChannel,
    schema: z.object({
      incidentId: z.number().int().positive(),
      thenFanOut: z.number().int().positive().optional(),
    }),
    retryLimit: 5,
    retryDelaySeconds: 2,
    async handler({ incidentId, thenFanOut }, context) {
      try {
        await openDedicatedChannel(deps, incidentId);
      } catch (error) {
        if (context.retryCount < 4) throw error;
        // The last attempt: the incident goes on without its own channel rather than without its updates.
        context.logger.error(
          { err: error, incidentId },
          'could not open the dedicated incident channel; carrying on without it',
        );
        await syncIncidentMessage(deps, incidentId);
      }
      if (thenFanOut) await deps.jobs.enqueue(deps.db, INCIDENT_JOBS.fanOut, { updateId: thenFanOut });
    },
  };
  const reminders: JobDefinition<Record<string, never>> = {
    name: INCIDENT_JOBS.reminders,
    schema: z.object({}).passthrough() as unknown as z.ZodType<Record<string, never>>,
    schedule: '* * * * *',
    retryLimit: 1,
    async handler() {
      await sendDueReminders(deps, deps.now());
    },
  };
  return [syncMessage, fanOutJob, openChannel, reminders];
}
