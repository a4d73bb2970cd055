import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import {
  findOutboundMessage,
  recordOutboundAttempt,
  recordOutboundPosted,
} from '../db/repositories/outbound-messages.js';
import { boltLogger } from '../integrations/slack/bolt-logger.js';
import { findKeyedMessage, type KeyedMessage, postKeyedMessage } from '../integrations/slack/messages.js';
import { singlePostClient } from '../integrations/slack/web-client.js';
import type { Logger } from '../logger.js';
import type { JobDefinition } from './queue.js';

/**
 * Posts one message to Slack at most once per key, however often the job runs. The attempt is recorded before
 * posting; a later attempt that finds no recorded `ts` first looks for the message in Slack by its metadata key
 * (the process may have died between Slack's answer and our record of it) and only posts when it is not there.
 */
export const SLACK_POST_JOB = 'slack.post';

/**
 * How long one attempt may work. pg-boss fails a job whose run passes its expiry and retries it without stopping
 * the run, and the look-up-then-post of two overlapping runs could post twice; so an attempt gives up here (no Slack
 * request starts after it, the one in flight is aborted, the job fails and is retried), well before the expiry.
 */
export const SLACK_POST_ATTEMPT_SECONDS = 60;
/** Three times an attempt: room for a slow database after the deadline and for clocks that disagree a little. */
export const SLACK_POST_EXPIRE_SECONDS = 180;
/**
 * Slack being down or rate-limiting hard only delays a post (a customer's Confirm button, an owner's notice), so it
 * is retried for hours: 12 retries with exponential backoff from 2 s (pg-boss 10 waits between `d·2^n` and
 * `d·2^(n+1)` before retry n+1) span 2.3–4.5 hours, after which the job fails for good. Each wait is at most about
 * twice the time already spent retrying, so a post lands within about three times the outage's length.
 */
export const SLACK_POST_RETRY_LIMIT = 12;
export const SLACK_POST_RETRY_DELAY_SECONDS = 2;

const slackPostSchema = z.object({
  key: z.string().min(1).max(255),
  channel: z.string().min(1),
  threadTs: z.string().optional(),
  text: z.string().min(1),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type SlackPost = z.infer<typeof slackPostSchema>;

export function slackPostJob({
  db,
  slack,
  attemptSeconds = SLACK_POST_ATTEMPT_SECONDS,
}: {
  db: Database;
  slack: WebClient;
  /** Tests shorten the attempt deadline; it must stay well below {@link SLACK_POST_EXPIRE_SECONDS}. */
  attemptSeconds?: number;
}): JobDefinition<SlackPost> {
  if (attemptSeconds * 2 > SLACK_POST_EXPIRE_SECONDS)
    throw new Error('a slack.post attempt must end well before the job expires');
  return {
    name: SLACK_POST_JOB,
    schema: slackPostSchema,
    retryLimit: SLACK_POST_RETRY_LIMIT,
    retryDelaySeconds: SLACK_POST_RETRY_DELAY_SECONDS,
    expireInSeconds: SLACK_POST_EXPIRE_SECONDS,
    concurrency: 4,
    async handler(post, context) {
      const attempt = new AbortController();
      const timer = setTimeout(
        () => attempt.abort(new Error(`slack.post gave up its attempt after ${attemptSeconds} s`)),
        attemptSeconds * 1000,
      );
      // Shutting down ends the attempt too: the job is retried (by any instance) instead of waiting for its expiry.
      const signal = AbortSignal.any([attempt.signal, context.signal]);
      try {
        await settledBy(
          postOnce(
            db,
            slack,
            { ...post, blocks: post.blocks as KnownBlock[] | undefined },
            {
              signal,
              logger: context.logger,
            },
          ),
          signal,
        );
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Posts a keyed message unless it was already posted, and answers its ts. Safe to call again after a crash: a
 * recorded attempt without a ts is first looked for in Slack by the key in its metadata. With a `signal`, no Slack
 * request starts once it is aborted and the one in flight is cancelled (waits for `Retry-After` included).
 */
export async function postOnce(
  db: Database,
  slack: WebClient,
  message: KeyedMessage,
  { signal, logger }: { signal?: AbortSignal; logger?: Logger } = {},
): Promise<string> {
  const previous = await findOutboundMessage(db, message.key);
  if (previous?.ts) return previous.ts;
  const client = signal ? attemptClient(slack, signal, logger) : undefined;
  if (previous) {
    const found = await findKeyedMessage(client ?? slack, { ...message, since: previous.createdAt });
    if (found) {
      await recordOutboundPosted(db, message.key, found);
      return found;
    }
  } else {
    signal?.throwIfAborted();
    await recordOutboundAttempt(db, message);
  }
  signal?.throwIfAborted();
  const ts = await postKeyedMessage(client ?? singlePostClient(slack, 'wait'), message);
  // Recorded even when the deadline passed meanwhile: Slack has the message, so the next attempt must know it.
  await recordOutboundPosted(db, message.key, ts);
  return ts;
}

/**
 * A client for one attempt, like `singlePostClient(slack, 'wait')` but bound to the attempt's signal: every request
 * is aborted with it, and none starts after it (the SDK's `Retry-After` wait cannot be interrupted, but the request
 * it waits to repeat then fails at once). Made per attempt: the SDK's request queue is shared by the client's calls,
 * so a client-wide hook could not tell which attempt a queued request belongs to.
 */
function attemptClient(shared: WebClient, signal: AbortSignal, logger: Logger | undefined): WebClient {
  return singlePostClient(shared, 'wait', {
    ...(logger ? { logger: boltLogger(logger) } : {}),
    fetch: (input, init) => {
      signal.throwIfAborted();
      return fetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
    },
  });
}

/** Settles with `work`, or rejects with the signal's reason as soon as it is aborted (`work` is left to finish). */
function settledBy<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
