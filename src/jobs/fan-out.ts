import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Database } from '../db/client.js';
import {
  forgetOutboundAttempt,
  outboundByPrefix,
  recordOutboundAttempts,
  recordOutboundPostedMany,
} from '../db/repositories/incidents.js';
import { findKeyedMessage, postKeyedMessage } from '../integrations/slack/messages.js';
import { slackErrorCode } from '../integrations/slack/messenger.js';
import type { Logger } from '../logger.js';
import type { ChannelPacer } from './channel-pacer.js';

/**
 * Posts one message to many threads, each at most once, as fast as Slack's per-channel pace allows: channels are
 * worked in parallel (a bounded number of calls in flight, the channels with most posts left served first), each
 * channel's threads one after another at the channel's pace. Every thread has its own key
 * (`<prefix><channel>:<thread>`) in `outbound_messages`: every attempt is recorded, all at once, before the first
 * post, and each `ts` after Slack answers. A thread whose attempt is recorded without a `ts` (the process died, or
 * the answer was lost, between Slack and our record) is first looked for by the key in its metadata, and only posted
 * when it is not there. So a re-run after a crash or a restart posts each thread exactly once.
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
  /** Threads that could not take the message (Slack refused, or every attempt failed). */
  failed: Array<{ channel: string; threadTs?: string | undefined; error: string }>;
  /**
   * Threads whose attempt is recorded but whose message is not known to be posted: every attempt failed with an
   * error that may have come after Slack posted, or the caller held the thread back. A later run finishes them.
   */
  unposted: Array<{ channel: string; threadTs?: string | undefined }>;
}

export interface FanOutOptions {
  db: Database;
  slack: WebClient;
  pacer: ChannelPacer;
  logger: Logger;
  /** Key prefix naming what is fanned out, e.g. `status-update:42:`. */
  keyPrefix: string;
  targets: FanOutTarget[];
  /** Calls in flight at once, across channels (default `FAN_OUT_CONCURRENCY`). */
  concurrency?: number;
  /** Attempts per thread before it is reported failed (429s do not count). */
  attempts?: number;
  /** Targets to record but not post in this run (they wait for something else to land in their thread first). */
  hold?: ((target: FanOutTarget) => boolean) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Calls in flight by default. More does not post faster: Slack's pace per channel, not the number of calls, bounds a
 * fan-out, and past a point extra calls only make each one slower, the first post of a channel included, whose time
 * in flight delays that channel's later posts (measured: `npm run bench -- fanout`).
 */
export const FAN_OUT_CONCURRENCY = 16;

export const targetKey = (prefix: string, target: { channel: string; threadTs?: string | undefined }) =>
  `${prefix}${target.channel}:${target.threadTs ?? 'top'}`;

/**
 * Calls in flight, handed out by priority (highest first, then first come): a channel with more posts left waits
 * less, because its later posts are the ones Slack's pace makes wait longest.
 */
class PrioritySlots {
  private waiting: Array<{ priority: number; wake: () => void }> = [];
  constructor(private free: number) {}
  async acquire(priority: number): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((wake) => {
      let at = this.waiting.length;
      while (at > 0 && (this.waiting[at - 1] as { priority: number }).priority < priority) at -= 1;
      this.waiting.splice(at, 0, { priority, wake });
    });
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next.wake();
    else this.free += 1;
  }
}

/**
 * Collects the ts of posted messages and records them in one statement every few milliseconds. A crash before a
 * flush leaves attempts without a ts, which the next run looks for in Slack before posting: the same case as a
 * crash between Slack's answer and a single record, only a few milliseconds wider. A flush that fails (the database
 * did not answer) keeps its records for the next one; only the last flush, which the run awaits, reports a failure.
 */
export class PostedRecorder {
  private pending: Array<{ key: string; ts: string }> = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly write: (posted: Array<{ key: string; ts: string }>) => Promise<void>,
    private readonly logger: Logger,
    private readonly delayMs = 20,
  ) {}
  add(key: string, ts: string): void {
    this.pending.push({ key, ts });
    if (this.pending.length >= 200) this.flushInBackground();
    else this.timer ??= setTimeout(() => this.flushInBackground(), this.delayMs);
  }
  /** Writes what is pending (after any flush still running); rejects when that write fails. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const written = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = [];
      if (batch.length === 0) return;
      try {
        await this.write(batch);
      } catch (error) {
        // Kept for the next flush; until then a restart would look these messages up in Slack instead.
        this.pending = [...batch, ...this.pending];
        throw error;
      }
    });
    // The chain goes on after a failed write: the next flush tries again.
    this.flushing = written.catch(() => {});
    return written;
  }
  private flushInBackground(): void {
    this.flush().catch((error: unknown) => {
      this.logger.warn(
        { err: error, kept: this.pending.length },
        'could not record posted messages; keeping them for the next try',
      );
      if (!this.timer && this.pending.length > 0)
        this.timer = setTimeout(() => this.flushInBackground(), this.delayMs * 10);
    });
  }
}

function rateLimitedFor(error: unknown): number | undefined {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') return Math.max(1, Number(e.retryAfter ?? 1));
  return undefined;
}

/**
 * Slack's own errors that may come after the message was stored: only these (and network failures, timeouts and
 * 5xx answers, which are not Slack's platform errors) leave the thread to be looked up and finished later.
 */
const MAYBE_POSTED = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack refusing the app itself (a revoked or wrong token, a missing scope): every thread would be refused alike
 * until an operator fixes it, so the run fails, to be retried, instead of giving up on each thread.
 */
const APP_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'not_allowed_token_type',
]);
const appRefused = (error: unknown) => APP_REFUSED.has(slackErrorCode(error) ?? '');

/**
 * Slack answered and refused (`ok: false` with its reason: not in the channel, archived, invalid blocks, a restricted
 * action, …): nothing was posted and no retry changes it. Such a thread is reported failed and forgotten rather than
 * left behind, where it would hold back every later update to it.
 */
function refusedBySlack(error: unknown): boolean {
  return (
    (error as { code?: string }).code === 'slack_webapi_platform_error' &&
    !MAYBE_POSTED.has(slackErrorCode(error) ?? '') &&
    !appRefused(error)
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function fanOut(options: FanOutOptions): Promise<FanOutResult> {
  const { db, slack, pacer, logger, keyPrefix, signal } = options;
  const attempts = options.attempts ?? 6;
  const result: FanOutResult = { posted: 0, alreadyPosted: 0, foundAfterCrash: 0, failed: [], unposted: [] };
  const known = await outboundByPrefix(db, keyPrefix);
  const byChannel = new Map<string, FanOutTarget[]>();
  const fresh: FanOutTarget[] = [];
  const seen = new Set<string>();
  for (const target of options.targets) {
    const key = targetKey(keyPrefix, target);
    if (seen.has(key)) continue;
    seen.add(key);
    const earlier = known.get(key);
    if (earlier?.ts) {
      result.alreadyPosted += 1;
      continue;
    }
    if (!earlier) fresh.push(target);
    if (options.hold?.(target)) {
      result.unposted.push({ channel: target.channel, threadTs: target.threadTs });
      continue;
    }
    const inChannel = byChannel.get(target.channel);
    if (inChannel) inChannel.push(target);
    else byChannel.set(target.channel, [target]);
  }
  // Busiest channels first: their first posts take the first slots, as later they are served first too.
  const channels = [...byChannel.values()].sort((a, b) => b.length - a.length);
  // Every attempt is recorded before the first post, in one statement: whoever runs this again (after a crash, on
  // another instance) finds either none or every one, so no thread is left out, and looks first where a post may be.
  await recordOutboundAttempts(
    db,
    fresh.map((target) => ({
      key: targetKey(keyPrefix, target),
      channel: target.channel,
      threadTs: target.threadTs,
    })),
  );
  const slots = new PrioritySlots(options.concurrency ?? FAN_OUT_CONCURRENCY);
  /** Lookups read history (`conversations.replies`), paced per method, not per channel: a 429 there waits them all. */
  let lookupsBlockedUntil = 0;
  const recorder = new PostedRecorder((posted) => recordOutboundPostedMany(db, posted), logger);

  /**
   * A slot first, then the channel's turn: a post takes its turn only when it can leave at once. The pacer counts a
   * post as arriving as late as its answer, so time spent queueing for a slot after taking the turn would be lost to
   * the pace; time spent queueing before taking it is not.
   */
  async function postSlot(channel: string, priority: () => number): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      await slots.acquire(priority());
      const wait = pacer.tryTake(channel);
      if (wait === 0) return;
      slots.release();
      await sleep(wait);
    }
  }

  async function deliver(target: FanOutTarget, priority: () => number): Promise<void> {
    const key = targetKey(keyPrefix, target);
    const earlier = known.get(key);
    // A recorded attempt without a ts may have reached Slack: look before posting again.
    let lookFirst = earlier !== undefined;
    const since = earlier?.createdAt ?? new Date(Date.now() - 1000);
    for (let attempt = 0; ; ) {
      signal?.throwIfAborted();
      try {
        if (lookFirst) {
          while (Date.now() < lookupsBlockedUntil) {
            signal?.throwIfAborted();
            await sleep(Math.min(1_000, lookupsBlockedUntil - Date.now()));
          }
          await slots.acquire(priority());
          let found: string | undefined;
          try {
            found = await findKeyedMessage(slack, {
              key,
              channel: target.channel,
              threadTs: target.threadTs,
              since,
            });
          } catch (error) {
            const retryAfter = rateLimitedFor(error);
            if (retryAfter === undefined) throw error;
            lookupsBlockedUntil = Math.max(lookupsBlockedUntil, Date.now() + retryAfter * 1000);
            continue;
          } finally {
            slots.release();
          }
          if (found) {
            recorder.add(key, found);
            result.foundAfterCrash += 1;
            return;
          }
          lookFirst = false;
        }
        await postSlot(target.channel, priority);
        let ts: string;
        try {
          ts = await postKeyedMessage(slack, { key, ...target });
        } finally {
          slots.release();
          pacer.settled(target.channel);
        }
        recorder.add(key, ts);
        result.posted += 1;
        return;
      } catch (error) {
        if (signal?.aborted || appRefused(error)) throw error;
        const retryAfter = rateLimitedFor(error);
        if (retryAfter !== undefined) {
          // Slack refused the call without acting on it: wait, and post (or look) again.
          pacer.rateLimited(target.channel, retryAfter);
          continue;
        }
        attempt += 1;
        const refused = refusedBySlack(error);
        if (refused || attempt >= attempts) {
          logger.warn(
            { err: error, channel: target.channel, key },
            'could not post to a thread; giving up on it',
          );
          result.failed.push({
            channel: target.channel,
            threadTs: target.threadTs,
            error: slackErrorCode(error) ?? String(error),
          });
          // Slack refused without posting: nothing is there to look for, so the attempt is forgotten. Any other
          // failure may have come after Slack posted; its attempt stays for a later run to look up and finish.
          if (refused) await forgetOutboundAttempt(db, key);
          else result.unposted.push({ channel: target.channel, threadTs: target.threadTs });
          return;
        }
        // Any other failure may have happened after Slack posted (a lost answer): look before the next post.
        lookFirst = true;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  }

  // Every channel runs to its end (or to its next look at the signal) before this returns or throws: an aborted
  // run must not leave posts in flight that a retry, on this instance or another, could repeat.
  const settled = await Promise.allSettled(
    channels.map(async (targets) => {
      let left = targets.length;
      const priority = () => left;
      for (const target of targets) {
        await deliver(target, priority);
        left -= 1;
      }
    }),
  );
  await recorder.flush();
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return result;
}
