import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import {
  escalationThreads,
  getIncident,
  outboundProgress,
  statusUpdatesOf,
} from '../db/repositories/incidents.js';
import { boltLogger } from '../integrations/slack/bolt-logger.js';
import { singlePostClient } from '../integrations/slack/web-client.js';
import type { Logger } from '../logger.js';
import {
  enqueueFanOut,
  type FanOutJobData,
  fanOutJobSchema,
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

/** The key prefix of one status update's posts; each thread's key follows (see `targetKey`). */
export const statusUpdateKeyPrefix = (updateId: number) => `status-update:${updateId}:`;

const threadOf = (target: { channel: string; threadTs?: string | undefined }) =>
  `${target.channel}:${target.threadTs ?? 'top'}`;

/**
 * Posts every status update of one incident that has not reached all its threads yet, oldest first, each to the
 * incident's thread, its dedicated channel, and every linked escalation's thread. Updates go one after another, so
 * every thread shows them in the order they were written; a thread that could not take an update yet (its attempt is
 * open) does not get a later one before it. An update that did not reach every thread (a crash, a restart, a
 * failure) is finished before any later one, to the incident's threads as they are now. Runs one at a time per
 * incident (the job's singleton key), so two runs never post the same update side by side; it throws, to run again
 * later, while any thread is behind.
 */
export async function fanOutIncidentUpdates(
  deps: IncidentJobDeps & { client: WebClient; pacer: ChannelPacer; signal?: AbortSignal | undefined },
  incidentId: number,
): Promise<{ updates: number; posted: number; behind: number }> {
  const totals = { updates: 0, posted: 0, behind: 0 };
  const handled = new Set<number>();
  // Updates written while a run is under way are picked up by its next round.
  for (;;) {
    const incident = await getIncident(deps.db, incidentId);
    if (!incident) return totals;
    if (!incident.channel || !incident.messageTs) {
      // The incident message is posted by its own job; the fan-out retries once it exists.
      throw new Error(`incident ${incident.id} has no message yet`);
    }
    const updates = await statusUpdatesOf(deps.db, incidentId);
    const progress = await outboundProgress(
      deps.db,
      updates.map((update) => statusUpdateKeyPrefix(update.id)),
    );
    const pending = updates.filter((update) => {
      const done = progress.get(statusUpdateKeyPrefix(update.id));
      return !handled.has(update.id) && (!done || done.posted < done.recorded);
    });
    if (pending.length === 0) return totals;
    const components = componentsOf(deps.settings);
    const threads = await escalationThreads(deps.db, incident.problemId);
    /** Threads where an earlier update has not landed: later ones wait for it. */
    const behind = new Set<string>();
    for (const update of pending) {
      const team = updatePost(incident, update, components, 'team');
      const requester = updatePost(incident, update, components, 'requester');
      const targets: FanOutTarget[] = [{ channel: incident.channel, threadTs: incident.messageTs, ...team }];
      if (incident.dedicatedChannel) targets.push({ channel: incident.dedicatedChannel, ...team });
      for (const thread of threads)
        targets.push({ channel: thread.channel, threadTs: thread.threadTs, ...requester });
      const result = await fanOut({
        db: deps.db,
        slack: deps.client,
        pacer: deps.pacer,
        logger: deps.logger,
        keyPrefix: statusUpdateKeyPrefix(update.id),
        targets,
        hold: (target) => behind.has(threadOf(target)),
        signal: deps.signal,
      });
      for (const target of result.unposted) behind.add(threadOf(target));
      handled.add(update.id);
      totals.updates += 1;
      totals.posted += result.posted + result.foundAfterCrash;
      deps.logger.info(
        {
          incidentId,
          updateId: update.id,
          targets: targets.length,
          ...result,
          failed: result.failed.length,
          unposted: result.unposted.length,
        },
        'status update fanned out',
      );
    }
    if (behind.size > 0) {
      totals.behind = behind.size;
      throw new Error(`${behind.size} thread(s) of incident ${incidentId} are behind; trying again later`);
    }
  }
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
      if (thenFanOut) await enqueueFanOut(deps.jobs, deps.db, incidentId, thenFanOut);
    },
  };
  const fanOutJob: JobDefinition<FanOutJobData> = {
    name: INCIDENT_JOBS.fanOut,
    schema: fanOutJobSchema,
    retryLimit: 20,
    retryDelaySeconds: 1,
    expireInSeconds: 900,
    concurrency: 2,
    // One run per incident at a time, across instances: its updates reach each thread in the order written.
    policy: 'singleton',
    async handler(data, context) {
      const incidentId =
        data.incidentId ?? (await incidentAndUpdate(deps.db, data.updateId ?? 0))?.incident.id;
      if (incidentId === undefined) return;
      await fanOutIncidentUpdates({ ...deps, client, pacer, signal: context.signal }, incidentId);
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
      if (thenFanOut) await enqueueFanOut(deps.jobs, deps.db, incidentId, thenFanOut);
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
