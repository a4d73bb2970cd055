import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Database } from '../db/client.js';
import {
  outboundByPrefix,
  recordOutboundAttempts,
  recordOutboundPostedMany,
} from '../db/repositories/incidents.js';
import { findKeyedMessage, postKeyedMessage } from '../integrations/slack/messages.js';
import type { Logger } from '../logger.js';
import type { ChannelPacer } from './channel-pacer.js';

/**
 * Posts one message to many threads, each at most once, as fast as Slack's per-channel pace allows: channels are
 * worked in parallel (a bounded number of calls in flight), each channel's threads one after another at the
 * channel's pace. Every thread has its own key (`<prefix><channel>:<thread>`) in `outbound_messages`: recorded
 * before posting, its `ts` after Slack answers. A thread whose attempt is recorded without a `ts` (the process died,
 * or the answer was lost, between Slack and our record) is first looked for by the key in its metadata, and only
 * posted when it is not there. So a re-run after a crash or a restart posts each thread exactly once.
 *
 * The Slack client passed in must reject rate-limited calls (`rejectRateLimitedCalls`) and not retry on its own:
 * the pacer waits out `Retry-After` for that channel only, and every retry goes through the lookup above.
 */
export interface FanOutTarget {
  channel: string;
  /** The thread to reply in; a top-level message when undefined. */
  threadTs?: string | undefined;
  text: string;
  blocks?: KnownBlock[] | undefined;
}

export interface FanOutResult {
  posted: number;
  alreadyPosted: number;
  foundAfterCrash: number;
  failed: Array<{ channel: string; threadTs?: string | undefined; error: string }>;
}

export interface FanOutOptions {
  db: Database;
  slack: WebClient;
  pacer: ChannelPacer;
  logger: Logger;
  /** Key prefix naming what is fanned out, e.g. `status-update:42:`. */
  keyPrefix: string;
  targets: FanOutTarget[];
  /** Calls in flight at once, across channels. */
  concurrency?: number;
  /** Attempts per thread before it is reported failed (429s do not count). */
  attempts?: number;
  signal?: AbortSignal | undefined;
}

export const targetKey = (prefix: string, target: { channel: string; threadTs?: string | undefined }) =>
  `${prefix}${target.channel}:${target.threadTs ?? 'top'}`;

class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * Collects the ts of posted messages and records them in one statement every few milliseconds. A crash before a
 * flush leaves attempts without a ts, which the next run looks for in Slack before posting: the same case as a
 * crash between Slack's answer and a single record, only a few milliseconds wider.
 */
class PostedRecorder {
  private pending: Array<{ key: string; ts: string }> = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly db: Database,
    private readonly delayMs = 20,
  ) {}
  add(key: string, ts: string): void {
    this.pending.push({ key, ts });
    if (this.pending.length >= 200) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => recordOutboundPostedMany(this.db, batch));
    return this.flushing;
  }
}

function rateLimitedFor(error: unknown): number | undefined {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') return Math.max(1, Number(e.retryAfter ?? 1));
  return undefined;
}

/** Slack answers that no retry can change (the bot cannot post there). */
function permanent(error: unknown): boolean {
  const code = (error as { data?: { error?: string } }).data?.error;
  return (
    code === 'not_in_channel' ||
    code === 'channel_not_found' ||
    code === 'is_archived' ||
    code === 'thread_not_found' ||
    code === 'message_not_found'
  );
}

export async function fanOut(options: FanOutOptions): Promise<FanOutResult> {
  const { db, slack, pacer, logger, keyPrefix, signal } = options;
  const attempts = options.attempts ?? 6;
  const result: FanOutResult = { posted: 0, alreadyPosted: 0, foundAfterCrash: 0, failed: [] };
  const known = await outboundByPrefix(db, keyPrefix);
  const byChannel = new Map<string, FanOutTarget[]>();
  const seen = new Set<string>();
  for (const target of options.targets) {
    const key = targetKey(keyPrefix, target);
    if (seen.has(key)) continue;
    seen.add(key);
    if (known.get(key)?.ts) {
      result.alreadyPosted += 1;
      continue;
    }
    byChannel.set(target.channel, [...(byChannel.get(target.channel) ?? []), target]);
  }
  const inFlight = new Semaphore(options.concurrency ?? 32);

  const recorder = new PostedRecorder(db);

  async function deliver(target: FanOutTarget): Promise<void> {
    const key = targetKey(keyPrefix, target);
    const earlier = known.get(key);
    // A recorded attempt without a ts may have reached Slack: look before posting again.
    let lookFirst = earlier !== undefined;
    const since = earlier?.createdAt ?? new Date(Date.now() - 1000);
    for (let attempt = 0; ; ) {
      signal?.throwIfAborted();
      try {
        if (lookFirst) {
          await inFlight.acquire();
          let found: string | undefined;
          try {
            found = await findKeyedMessage(slack, {
              key,
              channel: target.channel,
              threadTs: target.threadTs,
              since,
            });
          } finally {
            inFlight.release();
          }
          if (found) {
            recorder.add(key, found);
            result.foundAfterCrash += 1;
            return;
          }
          lookFirst = false;
        }
        await pacer.take(target.channel, signal);
        await inFlight.acquire();
        let ts: string;
        try {
          ts = await postKeyedMessage(slack, { key, ...target });
        } finally {
          inFlight.release();
          pacer.settled(target.channel);
        }
        recorder.add(key, ts);
        result.posted += 1;
        return;
      } catch (error) {
        if (signal?.aborted) throw error;
        const retryAfter = rateLimitedFor(error);
        if (retryAfter !== undefined) {
          // Slack refused the call without acting on it: wait, and post (or look) again.
          pacer.rateLimited(target.channel, retryAfter);
          continue;
        }
        attempt += 1;
        if (permanent(error) || attempt >= attempts) {
          logger.warn(
            { err: error, channel: target.channel, key },
            'could not post to a thread; giving up on it',
          );
          result.failed.push({
            channel: target.channel,
            threadTs: target.threadTs,
            error: (error as { data?: { error?: string } }).data?.error ?? String(error),
          });
          return;
        }
        // Any other failure may have happened after Slack posted (a lost answer): look before the next post.
        lookFirst = true;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
      }
    }
  }

  // Every channel runs to its end (or to its next look at the signal) before this returns or throws: an aborted
  // run must not leave posts in flight that a retry, on this instance or another, could repeat.
  const settled = await Promise.allSettled(
    // Busiest channels first: their later posts wait longest for the pace, so their bursts should not queue.
    [...byChannel.values()]
      .sort((a, b) => b.length - a.length)
      .map(async (targets) => {
        // The channel's attempts are recorded together before its first post.
        const fresh = targets.filter((target) => !known.has(targetKey(keyPrefix, target)));
        await recordOutboundAttempts(
          db,
          fresh.map((target) => ({
            key: targetKey(keyPrefix, target),
            channel: target.channel,
            threadTs: target.threadTs,
          })),
        );
        for (const target of targets) await deliver(target);
      }),
  );
  await recorder.flush();
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return result;
}
