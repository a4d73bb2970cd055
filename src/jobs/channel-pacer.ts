/**
 * Slack's pace for posting: about one message per second per channel, with a small burst. Every post to a channel
 * takes a token from that channel's bucket first, waiting when it is empty; a 429 empties the bucket and blocks the
 * channel for its `Retry-After`. Other channels are not held up: waits are per channel.
 */
export interface PaceLimit {
  perSecond: number;
  burst: number;
}

/** What Slack allows for chat.postMessage per channel (a burst of a few, then one a second). */
export const SLACK_CHANNEL_PACE: PaceLimit = { perSecond: 1, burst: 3 };

export class ChannelPacer {
  private readonly buckets = new Map<string, { tokens: number; at: number; blockedUntil: number }>();

  constructor(
    private readonly limit: PaceLimit = SLACK_CHANNEL_PACE,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits until this channel may take one more message, then takes it. */
  async take(channel: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.tryTake(channel);
      if (wait === 0) return;
      await this.sleep(wait);
    }
  }

  /** 0 when a token was taken; otherwise the milliseconds to wait before trying again. */
  tryTake(channel: string): number {
    const now = this.clock();
    const bucket = this.buckets.get(channel) ?? { tokens: this.limit.burst, at: now, blockedUntil: 0 };
    this.buckets.set(channel, bucket);
    if (now < bucket.blockedUntil) return bucket.blockedUntil - now;
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.limit.perSecond) * 1000);
  }

  /**
   * A post to this channel was answered. Slack counts from when a post arrived, which we do not know; the time it
   * was in flight is not credited to the bucket, so our count never runs ahead of Slack's (a 429 costs a whole
   * `Retry-After`; a few milliseconds per post cost far less).
   */
  settled(channel: string): void {
    const bucket = this.buckets.get(channel);
    if (bucket) bucket.at = Math.max(bucket.at, this.clock());
  }

  /** Slack said 429: nothing more to this channel until `retryAfterSeconds` have passed. */
  rateLimited(channel: string, retryAfterSeconds: number): void {
    const now = this.clock();
    const bucket = this.buckets.get(channel) ?? { tokens: 0, at: now, blockedUntil: 0 };
    // One post is allowed when the wait is over; the bucket refills from then on.
    bucket.tokens = 1;
    bucket.at = now + retryAfterSeconds * 1000;
    bucket.blockedUntil = Math.max(bucket.blockedUntil, now + retryAfterSeconds * 1000);
    this.buckets.set(channel, bucket);
  }
}
