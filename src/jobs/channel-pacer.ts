/**
 * Slack's pace for posting: about one message per second per channel, with a small burst. Every post to a channel
 * takes its turn from the pacer first, waiting when the channel has had its share; a 429 blocks the channel for its
 * `Retry-After`. Other channels are not held up: waits are per channel.
 */
export interface PaceLimit {
  perSecond: number;
  burst: number;
}

/** What Slack allows for chat.postMessage per channel (a burst of a few, then one a second). */
export const SLACK_CHANNEL_PACE: PaceLimit = { perSecond: 1, burst: 3 };

/**
 * Slack counts a post when it arrives, which we never see: we know only that it arrived after we sent it and before
 * its answer came back. The pacer keeps Slack's token bucket as a "theoretical arrival time" (the bucket is full again
 * at `due`; a post is allowed while `due` is less than `burst` intervals ahead), computed as if every post had
 * arrived as late as it could have, at its answer: Slack's own count can then only be more generous than ours, so we
 * never run ahead of it. Only the first post of a run loses its time in flight; the ones after it do not.
 *
 * One post per channel is in flight at a time: a post's worst-case arrival is known only once it is answered.
 */
export class ChannelPacer {
  private readonly channels = new Map<string, { due: number; inFlight: boolean; blockedUntil: number }>();
  private readonly interval: number;
  private readonly tolerance: number;

  constructor(
    limit: PaceLimit = SLACK_CHANNEL_PACE,
    private readonly clock: () => number = Date.now,
  ) {
    this.interval = 1000 / limit.perSecond;
    this.tolerance = (limit.burst - 1) * this.interval;
  }

  /** 0 when the channel's turn was taken (answer it with `settled`); otherwise the milliseconds to wait first. */
  tryTake(channel: string): number {
    const now = this.clock();
    const state = this.channels.get(channel) ?? { due: 0, inFlight: false, blockedUntil: 0 };
    this.channels.set(channel, state);
    if (state.inFlight) return IN_FLIGHT_POLL_MS;
    const allowedAt = Math.max(state.due - this.tolerance, state.blockedUntil);
    if (now < allowedAt) return Math.ceil(allowedAt - now);
    state.inFlight = true;
    return 0;
  }

  /** The post that took the channel's turn was answered: it arrived by now at the latest. */
  settled(channel: string): void {
    const state = this.channels.get(channel);
    if (!state?.inFlight) return;
    state.inFlight = false;
    state.due = Math.max(state.due, this.clock()) + this.interval;
  }

  /** Slack said 429: nothing more to this channel until `retryAfterSeconds` have passed, then one an interval later. */
  rateLimited(channel: string, retryAfterSeconds: number): void {
    const state = this.channels.get(channel) ?? { due: 0, inFlight: false, blockedUntil: 0 };
    const until = this.clock() + retryAfterSeconds * 1000;
    state.blockedUntil = Math.max(state.blockedUntil, until);
    // One post is allowed when the wait is over, the next one an interval later.
    state.due = Math.max(state.due, until + this.tolerance);
    this.channels.set(channel, state);
  }
}

/** How soon to ask again while the channel's previous post is still in flight (its answer ends the wait). */
const IN_FLIGHT_POLL_MS = 5;
