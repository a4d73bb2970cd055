import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import {
  claimFanOut,
  escalationThreads,
  getIncident,
  outboundProgress,
  releaseFanOut,
  renewFanOut,
  statusUpdatesOf,
} from '../db/repositories/incidents.js';
import { boltLogger } from '../integrations/slack/bolt-logger.js';
import { singlePostClient } from '../integrations/slack/web-client.js';
import type { Logger } from '../logger.js';
import {
  enqueueFanOut,
  enqueueFanOutRound,
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

/** Updates of an incident that have not reached every thread they were recorded for (or not been tried yet). */
async function pendingUpdates(db: Database, incidentId: number, handled: ReadonlySet<number> = new Set()) {
  const updates = await statusUpdatesOf(db, incidentId);
  const progress = await outboundProgress(
    db,
    updates.map((update) => statusUpdateKeyPrefix(update.id)),
  );
  return updates.filter((update) => {
    const done = progress.get(statusUpdateKeyPrefix(update.id));
    return !handled.has(update.id) && (!done || done.posted < done.recorded);
  });
}

/**
 * Posts every status update of one incident that has not reached all its threads yet, oldest first, each to the
 * incident's thread, its dedicated channel, and every linked escalation's thread. Updates go one after another, so
 * every thread shows them in the order they were written; a thread that could not take an update yet (its attempt is
 * open) does not get a later one before it. An update that did not reach every thread (a crash, a restart, a
 * failure) is finished before any later one, to the incident's threads as they are now. The caller makes sure one
 * run per incident works at a time (`runIncidentFanOut`); `behind` counts the threads a later run must finish.
 */
export async function fanOutIncidentUpdates(
  deps: IncidentJobDeps & { client: WebClient; pacer: ChannelPacer; signal?: AbortSignal | undefined },
  incidentId: number,
  /** Updates this job already went through (each is tried once per job; one every thread refused stays pending). */
  handled: Set<number> = new Set(),
): Promise<{ updates: number; posted: number; behind: number }> {
  const totals = { updates: 0, posted: 0, behind: 0 };
  // Updates written while a run is under way are picked up by its next round.
  for (;;) {
    const incident = await getIncident(deps.db, incidentId);
    if (!incident) return totals;
    if (!incident.channel || !incident.messageTs) {
      // The incident message is posted by its own job; the fan-out retries once it exists.
      throw new Error(`incident ${incident.id} has no message yet`);
    }
    const pending = await pendingUpdates(deps.db, incidentId, handled);
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
      return totals;
    }
  }
}

/** How long a run's claim on an incident's fan-out holds unless renewed; it is renewed every quarter of that. */
export const FAN_OUT_CLAIM_SECONDS = 60;
/** Runs again for threads left behind, each later than the last (2^n seconds, at most 5 minutes), this many times. */
const BEHIND_ROUNDS = 12;

/**
 * One fan-out job: claims the incident's fan-out (one run per incident at a time, across instances; other incidents'
 * runs go on meanwhile), posts what is pending while renewing the claim, lets go, and looks once more, because an
 * update written just before it let go found the claim taken and left its posting to this run. A run that finds the
 * claim taken queues itself for when that claim would run out, so an update is never left to a run that died.
 * Threads left behind are tried again by a later job, queued here (not by failing this one: a run that outlived its
 * job's expiry must still be able to ask for the next).
 */
async function runIncidentFanOut(
  deps: IncidentJobDeps & { client: WebClient; pacer: ChannelPacer; signal: AbortSignal },
  incidentId: number,
  round: number,
): Promise<void> {
  const holder = randomUUID();
  const handled = new Set<number>();
  for (;;) {
    const claim = await claimFanOut(deps.db, incidentId, holder, FAN_OUT_CLAIM_SECONDS);
    if (!claim.claimed) {
      const at = Math.max(Date.now(), claim.until?.getTime() ?? 0) + 1_000;
      await enqueueFanOutRound(deps.jobs, deps.db, incidentId, round, new Date(at));
      return;
    }
    const lost = new AbortController();
    const signal = AbortSignal.any([deps.signal, lost.signal]);
    const renewal = setInterval(
      () => {
        renewFanOut(deps.db, incidentId, holder, FAN_OUT_CLAIM_SECONDS).then(
          (held) => {
            if (!held)
              lost.abort(new Error(`the fan-out of incident ${incidentId} was taken over by another run`));
          },
          (error: unknown) =>
            deps.logger.warn({ err: error, incidentId }, 'could not renew the fan-out claim'),
        );
      },
      (FAN_OUT_CLAIM_SECONDS * 1000) / 4,
    );
    let behind = 0;
    try {
      ({ behind } = await fanOutIncidentUpdates({ ...deps, signal }, incidentId, handled));
    } finally {
      clearInterval(renewal);
      await releaseFanOut(deps.db, incidentId, holder);
    }
    if (behind > 0) {
      if (round + 1 >= BEHIND_ROUNDS) {
        deps.logger.error(
          { incidentId, behind },
          'status update threads still behind after every retry; the next update tries them again',
        );
        return;
      }
      const delay = Math.min(300, 2 ** round) * 1000;
      await enqueueFanOutRound(deps.jobs, deps.db, incidentId, round + 1, new Date(Date.now() + delay));
      return;
    }
    if ((await pendingUpdates(deps.db, incidentId, handled)).length === 0) return;
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
    // A run renews its claim while it works: a run older than this is only re-run when its worker died.
    expireInSeconds: 900,
    concurrency: 4,
    // Named, so a queue made when this job ran under the singleton policy is moved back (that policy let one
    // incident's long run hold back every other incident's updates queued behind it).
    policy: 'standard',
    async handler(data, context) {
      const incidentId =
        data.incidentId ?? (await incidentAndUpdate(deps.db, data.updateId ?? 0))?.incident.id;
      if (incidentId === undefined) return;
      await runIncidentFanOut(
        { ...deps, client, pacer, signal: context.signal },
        incidentId,
        data.round ?? 0,
      );
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
