import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOutboundMessage } from '../../src/db/repositories/outbound-messages.js';
import { boltLogger } from '../../src/integrations/slack/bolt-logger.js';
import { POST_METADATA_EVENT } from '../../src/integrations/slack/messages.js';
import { JobQueue } from '../../src/jobs/queue.js';
import {
  SLACK_POST_ATTEMPT_SECONDS,
  SLACK_POST_JOB,
  type SlackPost,
  slackPostJob,
} from '../../src/jobs/slack-post.js';
import { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

const silent = pino({ level: 'silent' });
const TOKEN = 'xoxb-slack-post-test';
const CHANNEL = 'C0SUPPORT';

/**
 * pg-boss 10's exponential backoff waits between `d·2^n` and `d·2^(n+1)` seconds before retry n+1: the shortest and
 * longest time a job is retried in all.
 */
function retryWindowSeconds(retryLimit: number, delaySeconds: number): { min: number; max: number } {
  let min = 0;
  for (let n = 0; n < retryLimit; n += 1) min += delaySeconds * 2 ** Math.min(16, n);
  return { min, max: 2 * min };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether a message in the fake carries this post key in its metadata. */
const keyed = (key: string) => (message: { metadata?: unknown }) => {
  const metadata = message.metadata as { event_type?: string; event_payload?: { key?: string } } | undefined;
  return metadata?.event_type === POST_METADATA_EVENT && metadata.event_payload?.key === key;
};

describe('slack.post job policy', () => {
  const job = slackPostJob({ db: {} as never, slack: new WebClient(TOKEN) });

  it('keeps retrying for hours, not minutes, and stops within a day', () => {
    const window = retryWindowSeconds(job.retryLimit ?? 0, job.retryDelaySeconds ?? 0);
    expect(window.min).toBeGreaterThanOrEqual(2 * 3600);
    expect(window.max).toBeLessThanOrEqual(24 * 3600);
  });

  it('expires well after an attempt has given up, so a retry never runs beside a live attempt', () => {
    expect(job.expireInSeconds ?? 0).toBeGreaterThanOrEqual(2 * SLACK_POST_ATTEMPT_SECONDS);
    expect(() =>
      slackPostJob({ db: {} as never, slack: new WebClient(TOKEN), attemptSeconds: 150 }),
    ).toThrow();
  });
});

describe.each(DATABASE_KINDS)('slack.post attempts on %s', (kind) => {
  let database: TestDatabase;
  let fake: SlackFake;
  let slack: WebClient;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    fake = await new SlackFake({ botToken: TOKEN, rateLimit: false }).start();
    fake.addChannel({ id: CHANNEL, name: 'support' });
    slack = new WebClient(TOKEN, { slackApiUrl: `${fake.url}/api/`, logger: boltLogger(silent) });
  });
  afterEach(() => {
    fake.clearFaults();
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.drop();
  });

  const context = () => ({
    jobId: 'job',
    retryCount: 0,
    logger: silent,
    signal: new AbortController().signal,
  });
  const postsTo = (key: string) =>
    fake
      .calls('chat.postMessage')
      .filter((call) => call.args.metadata && JSON.stringify(call.args.metadata).includes(key));

  it('gives up an attempt at its deadline while Slack keeps answering 429, and sends nothing after it', async () => {
    fake.inject({
      match: (request) => request.path.endsWith('/chat.postMessage'),
      response: { status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } },
    });
    const job = slackPostJob({ db: database.handle.db, slack, attemptSeconds: 1 });
    const post: SlackPost = { key: 'deadline:1', channel: CHANNEL, text: 'Confirm the fix' };
    const started = Date.now();
    await expect(job.handler(post, context())).rejects.toThrow(/gave up/);
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(900);
    expect(tookMs).toBeLessThan(2_500);
    const requestsAtDeadline = fake.requests.length;
    // The SDK's Retry-After wait (3 s) ends after the deadline: the request it would repeat must not go out.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(fake.requests.length).toBe(requestsAtDeadline);
    expect((await findOutboundMessage(database.handle.db, post.key))?.ts ?? null).toBeNull();
  });

  it('aborts a Slack request still in flight at the deadline', async () => {
    fake.inject({
      match: (request) => request.path.endsWith('/chat.postMessage'),
      delayMs: 5_000,
      times: 1,
      response: { status: 200, body: { ok: true, channel: CHANNEL, ts: '1.000001' } },
    });
    const job = slackPostJob({ db: database.handle.db, slack, attemptSeconds: 1 });
    const started = Date.now();
    await expect(
      job.handler({ key: 'deadline:2', channel: CHANNEL, text: 'Slow Slack' }, context()),
    ).rejects.toThrow(/gave up/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('a post Slack took in after the attempt gave up is found by the retry, not posted again', async () => {
    const queue = new JobQueue(database.handle, silent);
    queue.define(slackPostJob({ db: database.handle.db, slack, attemptSeconds: 1 }));
    // Slack holds the first post past the attempt's deadline, then posts it anyway.
    fake.inject({ match: (request) => request.path.endsWith('/chat.postMessage'), delayMs: 1_500, times: 1 });
    await queue.start();
    try {
      const key = 'confirm-ask:late';
      await queue.enqueue(database.handle.db, SLACK_POST_JOB, {
        key,
        channel: CHANNEL,
        text: 'Is it fixed?',
      });
      await waitFor(async () => Boolean((await findOutboundMessage(database.handle.db, key))?.ts), 20_000);
      const messages = fake.messages(CHANNEL).filter(keyed(key));
      expect(messages).toHaveLength(1);
      expect((await findOutboundMessage(database.handle.db, key))?.ts).toBe(messages[0]?.ts);
      expect(postsTo(key)).toHaveLength(1);
    } finally {
      await queue.stop();
    }
  }, 30_000);
});
