import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel, verifySlackRequest } from '@slack/bolt';
import type { AnyBlock, KnownBlock, ModalView } from '@slack/types';
import { type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  blocksText,
  findAction,
  SlackFake,
  type SlackFakeChange,
  type ViewStateValues,
} from '../../src/sandbox/fakes/slack-fake.js';
import { SlackDriver } from '../../src/sandbox/slack-driver.js';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';
const INCIDENTS = 'C0INCIDENTS';
const LENA = 'U0LENA';
const PRIYA = 'U0PRIYA';

/** Added to the real clock so trigger expiry can be tested without waiting. */
let offset = 0;
const fake = new SlackFake({ botToken: TOKEN, now: () => Date.now() + offset });
let client: WebClient;

/** Keeps the WebClient from echoing the error messages these tests provoke on purpose. */
const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function clientFor(token = TOKEN, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: `${fake.url}/api/`,
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 },
    logger: quietLogger,
    ...extra,
  });
}

/** Runs a Web API call expected to fail and returns Slack's error body. */
async function failure(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    const data = (error as WebAPIPlatformError).data as unknown as Record<string, unknown> | undefined;
    if (!data) throw error;
    return data;
  }
  throw new Error('expected the call to fail');
}

function section(text: string, blockId?: string): KnownBlock {
  return { type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text } };
}

function modal(
  title: string,
  blocks: AnyBlock[] = [section('Hello')],
  extra: Partial<ModalView> = {},
): ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: title }, blocks, ...extra };
}

beforeAll(async () => {
  await fake.start();
  client = clientFor();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  offset = 0;
  fake.reset();
  fake.clearFaults();
  fake.strictChannels = false;
  fake.rateLimit = false;
  fake.addUser({ id: LENA, name: 'lena', realName: 'Lena Okafor', email: 'lena@example.com' });
  fake.addUser({ id: PRIYA, name: 'priya', realName: 'Priya Raman' });
  fake.addChannel({ id: INCIDENTS, name: 'billing-incidents', members: [LENA, PRIYA] });
});

describe('Web API basics', () => {
  it('answers auth.test and team.info for the bot', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0FRONTLINE' });
    expect(auth.url).toBe('https://frontline.slack.example/');
    const team = await client.team.info();
    expect(team.team).toMatchObject({ id: 'T0FRONTLINE', domain: 'frontline' });
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed', async () => {
    expect(await failure(clientFor('xoxb-wrong').auth.test())).toMatchObject({
      ok: false,
      error: 'invalid_auth',
    });
    const response = await fetch(`${fake.url}/api/auth.test`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('accepts the token as a form field and JSON bodies', async () => {
    const form = await fetch(`${fake.url}/api/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    expect(await form.json()).toMatchObject({ ok: true });
    const json = await fetch(`${fake.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: INCIDENTS, text: 'json', blocks: [section('as JSON')] }),
    });
    const body = (await json.json()) as { ok: boolean; message: { blocks: AnyBlock[] } };
    expect(body.ok).toBe(true);
    expect(blocksText(body.message.blocks)).toBe('as JSON');
  });

  it('answers unknown_method for methods it does not know', async () => {
    expect(await failure(client.apiCall('billing.refund'))).toMatchObject({
      ok: false,
      error: 'unknown_method',
      req_method: 'billing.refund',
    });
  });

  it('records calls with decoded arguments and the token', async () => {
    await client.chat.postMessage({
      channel: INCIDENTS,
      text: 'hi',
      blocks: [section('hi')],
      metadata: { event_type: 'case_opened', event_payload: { case_id: 'c1' } },
    });
    const [call] = fake.calls('chat.postMessage');
    expect(call?.token).toBe(TOKEN);
    expect(call?.ok).toBe(true);
    expect(call?.args.metadata).toEqual({ event_type: 'case_opened', event_payload: { case_id: 'c1' } });
    expect(Array.isArray(call?.args.blocks)).toBe(true);
  });

  it('lets the WebClient retry an injected server error', async () => {
    fake.inject({
      match: (request) => request.path === '/api/chat.postMessage',
      times: 1,
      response: { status: 503, body: 'upstream unavailable' },
    });
    const posted = await client.chat.postMessage({ channel: INCIDENTS, text: 'after a 503' });
    expect(posted.ok).toBe(true);
    expect(fake.requests.filter((r) => r.path === '/api/chat.postMessage')).toHaveLength(2);
    expect(fake.messages(INCIDENTS)).toHaveLength(1);
  });
});

describe('messages and threads', () => {
  it('posts, threads replies and returns history with metadata only when asked', async () => {
    const parent = await client.chat.postMessage({
      channel: INCIDENTS,
      text: 'Incident INC-1 opened',
      blocks: [section('*INC-1* duplicate charges')],
      metadata: { event_type: 'incident_opened', event_payload: { incident_id: 'INC-1' } },
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(parent.message).toMatchObject({
      user: 'U0BOT',
      bot_id: 'B0BOT',
      app_id: 'A0FRONTLINE',
      type: 'message',
    });
    expect(parent.message?.blocks?.[0]?.block_id).toBeTruthy();

    const reply = await client.chat.postMessage({
      channel: INCIDENTS,
      text: 'first update',
      thread_ts: parent.ts,
    });
    const human = fake.postAsUser({
      channel: INCIDENTS,
      user: LENA,
      text: 'seeing it too',
      threadTs: parent.ts,
    });
    await client.chat.postMessage({
      channel: INCIDENTS,
      text: 'broadcast',
      thread_ts: parent.ts as string,
      reply_broadcast: true,
    });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(Number(human.ts)).toBeGreaterThan(Number(reply.ts));

    const plain = await client.conversations.history({ channel: INCIDENTS });
    expect(plain.messages?.map((m) => m.text)).toEqual(['broadcast', 'Incident INC-1 opened']);
    expect(plain.messages?.[1]?.metadata).toBeUndefined();
    expect(plain.messages?.[0]).toMatchObject({ subtype: 'thread_broadcast', root: { ts: parent.ts } });

    const withMetadata = await client.conversations.history({
      channel: INCIDENTS,
      include_all_metadata: true,
    });
    const top = withMetadata.messages?.[1];
    expect(top?.metadata).toEqual({ event_type: 'incident_opened', event_payload: { incident_id: 'INC-1' } });
    expect(top).toMatchObject({
      thread_ts: parent.ts,
      reply_count: 3,
      reply_users_count: 2,
      reply_users: ['U0BOT', LENA],
    });

    const replies = await client.conversations.replies({ channel: INCIDENTS, ts: parent.ts as string });
    expect(replies.messages?.map((m) => m.text)).toEqual([
      'Incident INC-1 opened',
      'first update',
      'seeing it too',
      'broadcast',
    ]);
    expect(replies.messages?.[2]).toMatchObject({
      user: LENA,
      thread_ts: parent.ts,
      parent_user_id: 'U0BOT',
    });
    expect(fake.thread(INCIDENTS, parent.ts as string)).toHaveLength(4);
  });

  it('pages history with limit and cursor, and filters by oldest and latest', async () => {
    const ts: string[] = [];
    for (let i = 0; i < 5; i++) {
      ts.push((await client.chat.postMessage({ channel: INCIDENTS, text: `m${i}` })).ts as string);
    }
    const first = await client.conversations.history({ channel: INCIDENTS, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({
      channel: INCIDENTS,
      limit: 2,
      cursor: first.response_metadata?.next_cursor as string,
    });
    expect(second.messages?.map((m) => m.text)).toEqual(['m2', 'm1']);
    const ranged = await client.conversations.history({
      channel: INCIDENTS,
      oldest: ts[1] as string,
      latest: ts[3] as string,
    });
    expect(ranged.messages?.map((m) => m.text)).toEqual(['m2']);
    const inclusive = await client.conversations.history({
      channel: INCIDENTS,
      oldest: ts[1] as string,
      latest: ts[3] as string,
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(['m3', 'm2', 'm1']);
  });

  it('keeps thread replies when the parent is updated, and knows whose messages it may change', async () => {
    const parent = await client.chat.postMessage({ channel: INCIDENTS, text: 'v1', blocks: [section('v1')] });
    await client.chat.postMessage({ channel: INCIDENTS, text: 'reply', thread_ts: parent.ts });
    const updated = await client.chat.update({
      channel: INCIDENTS,
      ts: parent.ts as string,
      text: 'v2',
      blocks: [section('v2')],
    });
    expect(updated).toMatchObject({ ok: true, channel: INCIDENTS, ts: parent.ts, text: 'v2' });
    const stored = fake.message(INCIDENTS, parent.ts as string);
    expect(stored).toMatchObject({ text: 'v2', reply_count: 1, thread_ts: parent.ts });
    expect(blocksText(stored?.blocks)).toBe('v2');
    expect(stored?.edited?.user).toBe('U0BOT');
    expect(fake.thread(INCIDENTS, parent.ts as string).map((m) => m.text)).toEqual(['v2', 'reply']);

    // Without blocks the previous blocks stay; an empty array removes them.
    await client.chat.update({ channel: INCIDENTS, ts: parent.ts as string, text: 'v3' });
    expect(blocksText(fake.message(INCIDENTS, parent.ts as string)?.blocks)).toBe('v2');
    await client.chat.update({ channel: INCIDENTS, ts: parent.ts as string, text: 'v4', blocks: [] });
    expect(fake.message(INCIDENTS, parent.ts as string)?.blocks).toBeUndefined();

    expect(
      await failure(client.chat.update({ channel: INCIDENTS, ts: '1.000001', text: 'x' })),
    ).toMatchObject({
      error: 'message_not_found',
    });
    const human = fake.postAsUser({ channel: INCIDENTS, user: LENA, text: 'mine' });
    expect(await failure(client.chat.update({ channel: INCIDENTS, ts: human.ts, text: 'x' }))).toMatchObject({
      error: 'cant_update_message',
    });
  });

  it('deletes messages, leaving a tombstone for a parent with replies', async () => {
    const lone = await client.chat.postMessage({ channel: INCIDENTS, text: 'lone' });
    const parent = await client.chat.postMessage({ channel: INCIDENTS, text: 'parent' });
    await client.chat.postMessage({ channel: INCIDENTS, text: 'reply', thread_ts: parent.ts });
    expect(await client.chat.delete({ channel: INCIDENTS, ts: lone.ts as string })).toMatchObject({
      ok: true,
      ts: lone.ts,
    });
    await client.chat.delete({ channel: INCIDENTS, ts: parent.ts as string });
    const [tombstone] = fake.messages(INCIDENTS);
    expect(tombstone).toMatchObject({ subtype: 'tombstone', ts: parent.ts, reply_count: 1 });
    expect(fake.thread(INCIDENTS, parent.ts as string).map((m) => m.text)).toEqual([
      'This message was deleted.',
      'reply',
    ]);
  });

  it('validates content like Slack', async () => {
    expect(await failure(client.chat.postMessage({ channel: INCIDENTS, text: '' }))).toMatchObject({
      error: 'no_text',
    });
    const tooMany = Array.from({ length: 51 }, (_, i) => section(`b${i}`));
    const many = await failure(client.chat.postMessage({ channel: INCIDENTS, text: 'x', blocks: tooMany }));
    expect(many.error).toBe('invalid_blocks');
    expect(many.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);

    const long = await failure(
      client.chat.postMessage({ channel: INCIDENTS, text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    expect(long).toMatchObject({
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      response_metadata: {
        messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    });
    const header = await failure(
      client.chat.postMessage({
        channel: INCIDENTS,
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    );
    expect(header.errors).toEqual(['must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
    expect(
      await failure(
        client.chat.postMessage({
          channel: INCIDENTS,
          text: 'x',
          metadata: { event_type: 'x' } as unknown as {
            event_type: string;
            event_payload: Record<string, string>;
          },
        }),
      ),
    ).toMatchObject({ error: 'invalid_metadata_format' });
    expect(fake.messages(INCIDENTS)).toHaveLength(0);
  });

  it('auto-creates unknown channels, or answers channel_not_found in strict mode', async () => {
    await client.chat.postMessage({ channel: 'C0NEW', text: 'hello' });
    expect(fake.channel('C0NEW')).toMatchObject({ id: 'C0NEW', is_member: true });
    const byName = await client.chat.postMessage({ channel: '#billing-incidents', text: 'by name' });
    expect(byName.channel).toBe(INCIDENTS);
    expect(await failure(client.chat.postMessage({ channel: '#no-such-channel', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    fake.strictChannels = true;
    expect(await failure(client.chat.postMessage({ channel: 'C0MISSING', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await failure(client.conversations.info({ channel: 'C0MISSING' }))).toMatchObject({
      error: 'channel_not_found',
    });
  });

  it('needs the bot in the channel to post', async () => {
    fake.addChannel({ id: 'C0OUTSIDE', name: 'outside', botMember: false });
    fake.addChannel({ id: 'G0SECRET', name: 'secret', isPrivate: true, botMember: false });
    expect(await failure(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'x' }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(await failure(client.chat.postMessage({ channel: 'G0SECRET', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    const joined = await client.conversations.join({ channel: 'C0OUTSIDE' });
    expect(joined.channel?.is_member).toBe(true);
    await client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'now inside' });
    expect(fake.messages('C0OUTSIDE')).toHaveLength(1);
  });

  it('posts to a user id in their DM, keeps ephemerals out of history, and links messages', async () => {
    const dm = await client.chat.postMessage({ channel: LENA, text: 'private note' });
    expect(dm.channel).toMatch(/^D/);
    expect(fake.dmChannel(LENA)).toBe(dm.channel);
    const opened = await client.conversations.open({ users: LENA });
    expect(opened).toMatchObject({ no_op: true, already_open: true, channel: { id: dm.channel } });

    const ephemeral = await client.chat.postEphemeral({ channel: INCIDENTS, user: PRIYA, text: 'only you' });
    expect(ephemeral.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.ephemerals(PRIYA)).toMatchObject([
      { channel: INCIDENTS, text: 'only you', via: 'chat.postEphemeral' },
    ]);
    expect(fake.messages(INCIDENTS)).toHaveLength(0);

    const parent = await client.chat.postMessage({ channel: INCIDENTS, text: 'p' });
    const reply = await client.chat.postMessage({ channel: INCIDENTS, text: 'r', thread_ts: parent.ts });
    const link = await client.chat.getPermalink({ channel: INCIDENTS, message_ts: parent.ts as string });
    expect(link.permalink).toBe(
      `https://frontline.slack.example/archives/${INCIDENTS}/p${(parent.ts as string).replace('.', '')}`,
    );
    const replyLink = await client.chat.getPermalink({ channel: INCIDENTS, message_ts: reply.ts as string });
    expect(replyLink.permalink).toContain(`?thread_ts=${parent.ts}&cid=${INCIDENTS}`);

    await client.reactions.add({ channel: INCIDENTS, timestamp: parent.ts as string, name: 'eyes' });
    expect(fake.message(INCIDENTS, parent.ts as string)?.reactions).toEqual([
      { name: 'eyes', users: ['U0BOT'], count: 1 },
    ]);
    expect(
      await failure(
        client.reactions.add({ channel: INCIDENTS, timestamp: parent.ts as string, name: 'eyes' }),
      ),
    ).toMatchObject({ error: 'already_reacted' });
  });

  it('emits a change event for each state change', async () => {
    const changes: SlackFakeChange[] = [];
    const listener = (change: SlackFakeChange) => changes.push(change);
    fake.events.on('change', listener);
    try {
      const posted = await client.chat.postMessage({ channel: INCIDENTS, text: 'a' });
      await client.chat.update({ channel: INCIDENTS, ts: posted.ts as string, text: 'b' });
      await client.chat.postEphemeral({ channel: INCIDENTS, user: LENA, text: 'c' });
    } finally {
      fake.events.off('change', listener);
    }
    expect(changes.map((c) => c.kind)).toEqual(['message_posted', 'message_updated', 'ephemeral_posted']);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the burst, and the WebClient waits and succeeds', async () => {
    fake.rateLimit = { perChannelPerSecond: 1, burst: 3 };
    const started = Date.now();
    const results = [];
    for (let i = 0; i < 4; i++)
      results.push(await client.chat.postMessage({ channel: INCIDENTS, text: `n${i}` }));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.messages(INCIDENTS).map((m) => m.text)).toEqual(['n0', 'n1', 'n2', 'n3']);
    const limited = fake.calls('chat.postMessage').filter((c) => c.error === 'ratelimited');
    expect(limited).toHaveLength(1);
    // Other channels have their own bucket.
    await client.chat.postMessage({ channel: 'C0OTHER', text: 'elsewhere' });
  });

  it('sends the 429 status, header and body as Slack does', async () => {
    fake.rateLimit = { perChannelPerSecond: 1, burst: 1 };
    const strict = clientFor(TOKEN, { rejectRateLimitedCalls: true });
    await strict.chat.postMessage({ channel: INCIDENTS, text: 'one' });
    const response = await fetch(`${fake.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: INCIDENTS, text: 'two' }).toString(),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
    await expect(strict.chat.postMessage({ channel: INCIDENTS, text: 'three' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 1,
    });
  });
});

describe('views', () => {
  it('opens, pushes up to three views, updates with hash checks, and publishes App Home', async () => {
    const trigger = fake.issueTrigger(LENA);
    const opened = await client.views.open({
      trigger_id: trigger,
      view: modal('Open incident', [section('step 1')], {
        callback_id: 'incident_open',
        private_metadata: 'p',
      }),
    });
    const root = opened.view;
    expect(root).toMatchObject({
      type: 'modal',
      callback_id: 'incident_open',
      private_metadata: 'p',
      state: { values: {} },
      app_id: 'A0FRONTLINE',
      bot_id: 'B0BOT',
      team_id: 'T0FRONTLINE',
      previous_view_id: null,
    });
    expect(root?.id).toMatch(/^V/);
    expect(root?.root_view_id).toBe(root?.id);
    expect(root?.hash).toMatch(/^\d+\.[0-9a-f]{8}$/);

    // A trigger is good once.
    expect(await failure(client.views.open({ trigger_id: trigger, view: modal('Again') }))).toMatchObject({
      error: 'exchanged_trigger_id',
    });

    const pushed = await client.views.push({ trigger_id: fake.issueTrigger(LENA), view: modal('Step 2') });
    expect(pushed.view).toMatchObject({ root_view_id: root?.id, previous_view_id: root?.id });
    await client.views.push({ trigger_id: fake.issueTrigger(LENA), view: modal('Step 3') });
    expect(
      await failure(client.views.push({ trigger_id: fake.issueTrigger(LENA), view: modal('Step 4') })),
    ).toMatchObject({ error: 'push_limit_reached' });
    expect(fake.openViews(LENA).map((v) => v.title?.text)).toEqual(['Open incident', 'Step 2', 'Step 3']);

    const updated = await client.views.update({
      view_id: root?.id as string,
      hash: root?.hash as string,
      view: modal('Open incident v2'),
    });
    expect(updated.view).toMatchObject({ id: root?.id, root_view_id: root?.id });
    expect(updated.view?.hash).not.toBe(root?.hash);
    expect(
      await failure(
        client.views.update({
          view_id: root?.id as string,
          hash: root?.hash as string,
          view: modal('Stale'),
        }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });
    expect(await failure(client.views.update({ view_id: 'V0NOPE', view: modal('x') }))).toMatchObject({
      error: 'not_found',
    });

    const home = await client.views.publish({
      user_id: LENA,
      view: { type: 'home', blocks: [section('Your open cases')] },
    });
    expect(home.view).toMatchObject({ type: 'home', title: null });
    expect(blocksText(fake.home(LENA)?.blocks)).toBe('Your open cases');
    const republished = await client.views.publish({
      user_id: LENA,
      hash: home.view?.hash as string,
      view: { type: 'home', blocks: [section('No open cases')] },
    });
    expect(republished.view?.id).toBe(home.view?.id);
    expect(
      await failure(
        client.views.publish({
          user_id: LENA,
          hash: home.view?.hash as string,
          view: { type: 'home', blocks: [] },
        }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });
  });

  it('expires driver-issued triggers after 3 seconds and accepts unknown ones', async () => {
    const trigger = fake.issueTrigger(LENA);
    offset = 3001;
    expect(await failure(client.views.open({ trigger_id: trigger, view: modal('Late') }))).toMatchObject({
      error: 'expired_trigger_id',
    });
    const opened = await client.views.open({
      trigger_id: '12345.98765.abcd2358fdea',
      view: modal('From elsewhere'),
    });
    expect(opened.ok).toBe(true);
    expect(fake.openViews(LENA)).toHaveLength(1);
  });

  it('updates by external_id and keeps input state whose block and action ids stay', async () => {
    const input: KnownBlock = {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'text' },
    };
    const opened = await client.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: modal('Refund', [input], { external_id: 'refund-1', submit: { type: 'plain_text', text: 'Go' } }),
    });
    const values: ViewStateValues = {
      reason: { text: { type: 'plain_text_input', value: 'double charge' } },
    };
    fake.setViewState(opened.view?.id as string, values);
    const updated = await client.views.update({
      external_id: 'refund-1',
      view: modal('Refund', [input, section('Checking…')], { submit: { type: 'plain_text', text: 'Go' } }),
    });
    expect((updated.view?.state as { values?: unknown } | undefined)?.values).toEqual(values);
  });

  it('rejects invalid views with invalid_arguments and Slack-style messages', async () => {
    const long = await failure(
      client.views.open({ trigger_id: fake.issueTrigger(LENA), view: modal('A title that is far too long') }),
    );
    expect(long).toEqual({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: {
        messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
      },
    });
    const blocks = Array.from({ length: 101 }, (_, i) => section(`b${i}`));
    const many = await failure(
      client.views.open({ trigger_id: fake.issueTrigger(LENA), view: modal('Many', blocks) }),
    );
    expect(many.response_metadata).toEqual({
      messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'],
    });
    const meta = await failure(
      client.views.open({
        trigger_id: fake.issueTrigger(LENA),
        view: modal('Meta', undefined, { private_metadata: 'x'.repeat(3001), callback_id: 'c'.repeat(256) }),
      }),
    );
    expect((meta.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]',
      '[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]',
    ]);
    expect(fake.openViews(LENA)).toEqual([]);
  });

  it('applies view_submission answers as Slack does', async () => {
    const input: KnownBlock = {
      type: 'input',
      block_id: 'amount',
      label: { type: 'plain_text', text: 'Amount' },
      element: { type: 'plain_text_input', action_id: 'value' },
    };
    const submit = { type: 'plain_text' as const, text: 'Save' };
    const open = async () =>
      (
        await client.views.open({
          trigger_id: fake.issueTrigger(LENA),
          view: modal('Refund', [input], { submit }),
        })
      ).view?.id as string;

    const id = await open();
    expect(
      fake.applyViewResponse(id, { response_action: 'errors', errors: { amount: 'Too much' } }),
    ).toMatchObject({
      action: 'errors',
    });
    expect(fake.viewErrors(id)).toEqual({ amount: 'Too much' });
    expect(
      fake.applyViewResponse(id, { response_action: 'errors', errors: { value: 'wrong key' } }),
    ).toMatchObject({
      action: 'rejected',
    });
    expect(
      fake.applyViewResponse(id, { response_action: 'update', view: modal('Refund confirmed') }),
    ).toMatchObject({ action: 'updated', view: { id, title: { text: 'Refund confirmed' } } });
    expect(fake.viewErrors(id)).toBeNull();
    const pushed = fake.applyViewResponse(id, { response_action: 'push', view: modal('Details') });
    expect(pushed).toMatchObject({ action: 'pushed', view: { previous_view_id: id } });
    expect(fake.openViews(LENA)).toHaveLength(2);
    if (pushed.action !== 'pushed') throw new Error('expected a push');
    expect(fake.applyViewResponse(pushed.view.id, '')).toMatchObject({ action: 'closed' });
    expect(fake.openViews(LENA).map((v) => v.id)).toEqual([id]);
    expect(fake.applyViewResponse(id, { response_action: 'clear' })).toMatchObject({ action: 'cleared' });
    expect(fake.openViews(LENA)).toEqual([]);
  });
});

describe('files', () => {
  it('supports files.uploadV2 end to end and keeps the bytes', async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x80, 0x0a, 0x7f]);
    const parent = await client.chat.postMessage({ channel: INCIDENTS, text: 'evidence thread' });
    const result = await client.files.uploadV2({
      channel_id: INCIDENTS,
      thread_ts: parent.ts as string,
      file: bytes,
      filename: 'invoice.pdf',
      title: 'Invoice 42',
      initial_comment: 'Invoice attached',
    });
    expect(result.ok).toBe(true);
    const [file] = fake.files;
    expect(file?.bytes?.equals(bytes)).toBe(true);
    expect(file).toMatchObject({
      filename: 'invoice.pdf',
      title: 'Invoice 42',
      completed: true,
      channel: INCIDENTS,
    });
    const replies = fake.thread(INCIDENTS, parent.ts as string);
    expect(replies[1]).toMatchObject({ text: 'Invoice attached', upload: true });
    expect(replies[1]?.files?.[0]).toMatchObject({
      id: file?.id,
      name: 'invoice.pdf',
      mimetype: 'application/pdf',
    });

    const download = await fetch(file?.file?.url_private as string);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    // A raw (non-multipart) upload body is kept as is.
    const url = await client.files.getUploadURLExternal({ filename: 'raw.bin', length: 3 });
    const raw = await fetch(url.upload_url as string, { method: 'POST', body: new Uint8Array([1, 2, 255]) });
    expect(await raw.text()).toBe('OK - 3');
    await client.files.completeUploadExternal({ files: [{ id: url.file_id as string }] });
    expect(fake.file(url.file_id as string)?.bytes).toEqual(Buffer.from([1, 2, 255]));

    await client.files.uploadV2({
      channel_id: INCIDENTS,
      content: 'id,amount\n1,20\n',
      filename: 'export.csv',
    });
    expect(fake.files[2]?.bytes?.toString()).toBe('id,amount\n1,20\n');
    expect(fake.messages(INCIDENTS).at(-1)?.files?.[0]?.mimetype).toBe('text/csv');
  });
});

describe('response_url', () => {
  it('posts in channel, ephemerally, and replaces or deletes the original', async () => {
    const original = await client.chat.postMessage({ channel: INCIDENTS, text: 'Approve refund?' });
    const url = fake.responseUrl({ channel: INCIDENTS, user: LENA, messageTs: original.ts as string });
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect((await post({ text: 'Only Lena sees this' })).status).toBe(200);
    expect(fake.ephemerals(LENA)).toMatchObject([{ text: 'Only Lena sees this', via: 'response_url' }]);

    await post({ response_type: 'in_channel', text: 'Everyone sees this' });
    expect(fake.messages(INCIDENTS).map((m) => m.text)).toEqual(['Approve refund?', 'Everyone sees this']);

    await post({
      replace_original: true,
      text: 'Refund approved',
      blocks: [section('Approved by <@U0LENA>')],
    });
    expect(fake.message(INCIDENTS, original.ts as string)).toMatchObject({ text: 'Refund approved' });

    const bad = await post({ text: '' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'no_text' });

    await post({ delete_original: true });
    expect(fake.message(INCIDENTS, original.ts as string)).toBeUndefined();
    // Five uses at most.
    expect((await post({ text: 'sixth' })).status).toBe(404);
  });
});

describe('people and channels', () => {
  it('serves users, usergroups and conversations', async () => {
    fake.addUsergroup('S0BILLING', [LENA, PRIYA], { handle: 'billing-l2' });
    expect((await client.users.info({ user: LENA })).user).toMatchObject({
      id: LENA,
      name: 'lena',
      real_name: 'Lena Okafor',
      is_bot: false,
    });
    expect(await failure(client.users.info({ user: 'U0NOBODY' }))).toMatchObject({ error: 'user_not_found' });
    const members = (await client.users.list({})).members?.map((m) => m.id);
    expect(members).toEqual(expect.arrayContaining(['U0BOT', 'USLACKBOT', LENA, PRIYA]));
    expect((await client.usergroups.users.list({ usergroup: 'S0BILLING' })).users).toEqual([LENA, PRIYA]);
    expect(await failure(client.usergroups.users.list({ usergroup: 'S0NONE' }))).toMatchObject({
      error: 'no_such_subteam',
    });
    expect((await client.users.lookupByEmail({ email: 'lena@example.com' })).user?.id).toBe(LENA);

    const created = await client.conversations.create({ name: 'inc-42-duplicate-charges' });
    const id = created.channel?.id as string;
    expect(created.channel).toMatchObject({
      name: 'inc-42-duplicate-charges',
      is_member: true,
      creator: 'U0BOT',
    });
    expect(await failure(client.conversations.create({ name: 'inc-42-duplicate-charges' }))).toMatchObject({
      error: 'name_taken',
    });
    expect(await failure(client.conversations.create({ name: 'Has Caps' }))).toMatchObject({
      error: 'invalid_name_specials',
    });
    expect(await failure(client.conversations.create({ name: 'x'.repeat(81) }))).toMatchObject({
      error: 'invalid_name_maxlength',
    });
    await client.conversations.invite({ channel: id, users: `${LENA},${PRIYA}` });
    expect((await client.conversations.members({ channel: id })).members).toEqual(['U0BOT', LENA, PRIYA]);
    expect(await failure(client.conversations.invite({ channel: id, users: LENA }))).toMatchObject({
      error: 'already_in_channel',
    });
    const info = await client.conversations.info({ channel: id, include_num_members: true });
    expect(info.channel).toMatchObject({ id, num_members: 3, is_channel: true, is_private: false });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The driver against a small signature-checking server

interface Received {
  headers: Record<string, string>;
  raw: string;
  contentType: string;
  /** The form fields (slash commands), the interaction payload, or the event envelope. */
  body: Record<string, unknown>;
}

let received: Received[] = [];
let answer: (request: Received) => { status?: number; body?: unknown } = () => ({});
let server: Server;
let appUrl: string;

function startServer(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        verifySlackRequest({
          signingSecret: SECRET,
          body: raw,
          headers: {
            'x-slack-signature': headers['x-slack-signature'] ?? '',
            'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
          },
        });
      } catch {
        res.writeHead(401).end('invalid signature');
        return;
      }
      const contentType = headers['content-type'] ?? '';
      let body: Record<string, unknown>;
      if (contentType.includes('application/json')) body = JSON.parse(raw) as Record<string, unknown>;
      else {
        const form = Object.fromEntries(new URLSearchParams(raw));
        body =
          typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
      }
      const request = { headers, raw, contentType, body };
      received.push(request);
      const { status = 200, body: out } = answer(request);
      if (out === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

describe('SlackDriver', () => {
  let driver: SlackDriver;

  beforeAll(async () => {
    await startServer();
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = [];
    answer = () => ({});
    driver = new SlackDriver({ appUrl, signingSecret: SECRET, fake });
  });

  it('signs requests so the app accepts them, and lets signature tests break them', async () => {
    const ok = await driver.raw('{"type":"url_verification","challenge":"x"}', {
      contentType: 'application/json',
    });
    expect(ok.status).toBe(200);
    const wrong = await driver.raw('{}', { contentType: 'application/json', signature: 'v0=deadbeef' });
    expect(wrong.status).toBe(401);
    const old = await driver.raw('{}', {
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(old.status).toBe(401);
    expect(received).toHaveLength(1);
  });

  it('sends slash commands form-encoded with a usable trigger and response_url', async () => {
    const result = await driver.command({
      user: LENA,
      channel: INCIDENTS,
      command: '/frontline',
      text: 'open INC-1',
    });
    expect(result.status).toBe(200);
    const [request] = received;
    expect(request?.contentType).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toMatchObject({
      command: '/frontline',
      text: 'open INC-1',
      user_id: LENA,
      user_name: 'lena',
      channel_id: INCIDENTS,
      channel_name: 'billing-incidents',
      team_id: 'T0FRONTLINE',
      team_domain: 'frontline',
      api_app_id: 'A0FRONTLINE',
      trigger_id: result.triggerId,
      response_url: result.responseUrl,
    });
    await client.views.open({ trigger_id: result.triggerId, view: modal('From command') });
    expect(fake.openViews(LENA)).toHaveLength(1);
    await fetch(result.responseUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Working on it' }),
    });
    expect(fake.ephemerals(LENA).map((e) => e.text)).toEqual(['Working on it']);
  });

  it('clicks the button the app rendered, and selects options from messages', async () => {
    const posted = await client.chat.postMessage({
      channel: INCIDENTS,
      text: 'Refund request',
      blocks: [
        section('Refund $20 to cus_123?'),
        {
          type: 'actions',
          block_id: 'decide',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'refund:r_1',
            },
            {
              type: 'static_select',
              action_id: 'severity',
              placeholder: { type: 'plain_text', text: 'Severity' },
              options: [
                { text: { type: 'plain_text', text: 'High' }, value: 'high' },
                { text: { type: 'plain_text', text: 'Low' }, value: 'low' },
              ],
            },
            {
              type: 'overflow',
              action_id: 'more',
              options: [
                { text: { type: 'plain_text', text: 'Snooze' }, value: 'snooze' },
                { text: { type: 'plain_text', text: 'Close' }, value: 'close' },
              ],
            },
          ],
        },
      ],
    });
    const ts = posted.ts as string;
    const click = await driver.clickButton({
      user: PRIYA,
      channel: INCIDENTS,
      messageTs: ts,
      actionId: 'approve',
    });
    const payload = received[0]?.body as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: PRIYA, username: 'priya' },
      api_app_id: 'A0FRONTLINE',
      container: { type: 'message', message_ts: ts, channel_id: INCIDENTS, is_ephemeral: false },
      channel: { id: INCIDENTS, name: 'billing-incidents' },
      message: { ts, text: 'Refund request' },
      response_url: click.responseUrl,
      trigger_id: click.triggerId,
      actions: [
        {
          type: 'button',
          action_id: 'approve',
          block_id: 'decide',
          value: 'refund:r_1',
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    });
    expect((payload.actions as Record<string, unknown>[])[0]?.action_ts).toMatch(/^\d+\.\d{6}$/);

    await driver.selectOption({
      user: PRIYA,
      channel: INCIDENTS,
      messageTs: ts,
      actionId: 'severity',
      value: 'high',
    });
    expect(received[1]?.body).toMatchObject({
      actions: [{ type: 'static_select', selected_option: { value: 'high', text: { text: 'High' } } }],
      state: {
        values: { decide: { severity: { type: 'static_select', selected_option: { value: 'high' } } } },
      },
    });
    await driver.selectOption({
      user: PRIYA,
      channel: INCIDENTS,
      messageTs: ts,
      actionId: 'more',
      value: 'close',
    });
    expect(received[2]?.body).toMatchObject({
      actions: [{ type: 'overflow', selected_option: { value: 'close' } }],
    });
    await expect(
      driver.selectOption({
        user: PRIYA,
        channel: INCIDENTS,
        messageTs: ts,
        actionId: 'severity',
        value: 'nope',
      }),
    ).rejects.toThrow(/not an option/);
    await expect(
      driver.clickButton({ user: PRIYA, channel: INCIDENTS, messageTs: ts, actionId: 'x' }),
    ).rejects.toThrow(/no element/);

    // The app answers through the response_url and the original is replaced.
    await fetch(click.responseUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Approved by Priya' }),
    });
    expect(fake.message(INCIDENTS, ts)?.text).toBe('Approved by Priya');
  });

  it('sends message shortcuts and global shortcuts', async () => {
    const human = fake.postAsUser({
      channel: INCIDENTS,
      user: LENA,
      text: 'Customer cus_9 was charged twice',
    });
    const shortcut = await driver.messageShortcut({
      user: PRIYA,
      channel: INCIDENTS,
      message: human.ts,
      callbackId: 'escalate_message',
    });
    expect(received[0]?.body).toMatchObject({
      type: 'message_action',
      callback_id: 'escalate_message',
      trigger_id: shortcut.triggerId,
      response_url: shortcut.responseUrl,
      message_ts: human.ts,
      message: { ts: human.ts, user: LENA, text: 'Customer cus_9 was charged twice' },
      channel: { id: INCIDENTS, name: 'billing-incidents' },
      user: { id: PRIYA, name: 'priya' },
      team: { id: 'T0FRONTLINE', domain: 'frontline' },
    });
    const global = await driver.globalShortcut({ user: LENA, callbackId: 'new_case' });
    expect(received[1]?.body).toMatchObject({
      type: 'shortcut',
      callback_id: 'new_case',
      trigger_id: global.triggerId,
    });
  });

  it('submits a modal with state.values for every input type and applies the answer', async () => {
    const options = [
      { text: { type: 'plain_text' as const, text: 'Duplicate charge' }, value: 'duplicate' },
      { text: { type: 'plain_text' as const, text: 'Failed payment' }, value: 'failed' },
      { text: { type: 'plain_text' as const, text: 'Proration' }, value: 'proration' },
    ];
    const label = (text: string) => ({ type: 'plain_text' as const, text });
    const blocks: KnownBlock[] = [
      {
        type: 'input',
        block_id: 'summary',
        label: label('Summary'),
        element: { type: 'plain_text_input', action_id: 'text' },
      },
      {
        type: 'input',
        block_id: 'kind',
        label: label('Kind'),
        element: { type: 'static_select', action_id: 'pick', options },
      },
      {
        type: 'input',
        block_id: 'tags',
        label: label('Tags'),
        element: { type: 'multi_static_select', action_id: 'pick', options },
      },
      {
        type: 'input',
        block_id: 'flags',
        label: label('Flags'),
        optional: true,
        element: {
          type: 'checkboxes',
          action_id: 'checks',
          options: [
            { text: { type: 'mrkdwn', text: '*Notify customer*' }, value: 'notify' },
            { text: { type: 'mrkdwn', text: '*Page on-call*' }, value: 'page' },
          ],
        },
      },
      {
        type: 'input',
        block_id: 'due',
        label: label('Due'),
        element: { type: 'datepicker', action_id: 'date', initial_date: '2026-03-10' },
      },
      {
        type: 'input',
        block_id: 'owner',
        label: label('Owner'),
        element: { type: 'users_select', action_id: 'user' },
      },
      {
        type: 'input',
        block_id: 'customer',
        label: label('Customer'),
        element: { type: 'external_select', action_id: 'lookup', min_query_length: 2 },
      },
      {
        type: 'input',
        block_id: 'notes',
        label: label('Notes'),
        optional: true,
        element: { type: 'plain_text_input', action_id: 'text', multiline: true },
      },
    ];
    const opened = await client.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: modal('Open incident', blocks, {
        callback_id: 'incident_form',
        submit: label('Open'),
        notify_on_close: true,
      }),
    });
    const viewId = opened.view?.id as string;

    answer = () => ({ body: { response_action: 'errors', errors: { summary: 'Too short' } } });
    const first = await driver.submitView({
      user: LENA,
      viewId,
      values: {
        'summary.text': 'Double charges',
        kind: 'duplicate',
        'tags.pick': ['failed', 'proration'],
        checks: ['notify'],
        user: PRIYA,
        lookup: { value: 'cus_123', text: 'Acme Corp' },
      },
    });
    const expected = {
      summary: { text: { type: 'plain_text_input', value: 'Double charges' } },
      kind: {
        pick: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Duplicate charge' }, value: 'duplicate' },
        },
      },
      tags: {
        pick: {
          type: 'multi_static_select',
          selected_options: [
            { text: { type: 'plain_text', text: 'Failed payment' }, value: 'failed' },
            { text: { type: 'plain_text', text: 'Proration' }, value: 'proration' },
          ],
        },
      },
      flags: {
        checks: {
          type: 'checkboxes',
          selected_options: [{ text: { type: 'mrkdwn', text: '*Notify customer*' }, value: 'notify' }],
        },
      },
      due: { date: { type: 'datepicker', selected_date: '2026-03-10' } },
      owner: { user: { type: 'users_select', selected_user: PRIYA } },
      customer: {
        lookup: {
          type: 'external_select',
          selected_option: { text: { type: 'plain_text', text: 'Acme Corp', emoji: true }, value: 'cus_123' },
        },
      },
      notes: { text: { type: 'plain_text_input', value: null } },
    };
    const submission = received[0]?.body as Record<string, unknown>;
    expect(submission).toMatchObject({
      type: 'view_submission',
      user: { id: LENA },
      api_app_id: 'A0FRONTLINE',
      view: {
        id: viewId,
        callback_id: 'incident_form',
        hash: opened.view?.hash,
        state: { values: expected },
      },
      response_urls: [],
    });
    expect((submission.view as { state: { values: unknown } }).state.values).toEqual(expected);
    expect(first.outcome).toMatchObject({ action: 'errors', errors: { summary: 'Too short' } });
    expect(fake.viewErrors(viewId)).toEqual({ summary: 'Too short' });

    // The stored state carries over to the next try; the app now closes the modal.
    answer = () => ({});
    const second = await driver.submitView({
      user: LENA,
      viewId,
      values: { 'summary.text': 'Double charges on INV-9' },
    });
    const values = ((received[1] as Received).body.view as { state: { values: Record<string, unknown> } })
      .state.values;
    expect(values.kind).toEqual(expected.kind);
    expect(values.summary).toEqual({ text: { type: 'plain_text_input', value: 'Double charges on INV-9' } });
    expect(second.outcome).toMatchObject({ action: 'closed' });
    expect(fake.openViews(LENA)).toEqual([]);
  });

  it('checks required fields like the Slack client, and sends view_closed when asked', async () => {
    const opened = await client.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: modal(
        'Note',
        [
          {
            type: 'input',
            block_id: 'note',
            label: { type: 'plain_text', text: 'Note' },
            element: { type: 'plain_text_input', action_id: 'text', min_length: 5 },
          },
        ],
        { submit: { type: 'plain_text', text: 'Save' }, notify_on_close: true },
      ),
    });
    const viewId = opened.view?.id as string;
    const empty = await driver.submitView({ user: LENA, viewId });
    expect(empty.status).toBe(0);
    expect(empty.clientErrors).toEqual({ note: 'Please complete this required field.' });
    const short = await driver.submitView({ user: LENA, viewId, values: { text: 'abc' } });
    expect(short.clientErrors).toEqual({ note: 'Please enter at least 5 characters.' });
    expect(received).toHaveLength(0);

    const closed = await driver.closeView({ user: LENA, viewId });
    expect(closed?.status).toBe(200);
    expect(received[0]?.body).toMatchObject({ type: 'view_closed', is_cleared: false, view: { id: viewId } });
    expect(fake.openViews(LENA)).toEqual([]);
  });

  it('sends block actions from a view with its current state, and suggestions with their answer', async () => {
    const opened = await client.views.open({
      trigger_id: fake.issueTrigger(LENA),
      view: modal('Find customer', [
        {
          type: 'section',
          block_id: 'search',
          text: { type: 'mrkdwn', text: 'Customer' },
          accessory: {
            type: 'external_select',
            action_id: 'customer',
            placeholder: { type: 'plain_text', text: 'Find' },
          },
        },
        {
          type: 'actions',
          block_id: 'go',
          elements: [{ type: 'button', action_id: 'lookup', text: { type: 'plain_text', text: 'Look up' } }],
        },
      ]),
    });
    const viewId = opened.view?.id as string;
    answer = () => ({
      body: { options: [{ text: { type: 'plain_text', text: 'Acme Corp' }, value: 'cus_123' }] },
    });
    const suggested = await driver.suggestion({ user: LENA, viewId, actionId: 'customer', value: 'acm' });
    expect(received[0]?.body).toMatchObject({
      type: 'block_suggestion',
      action_id: 'customer',
      block_id: 'search',
      value: 'acm',
      container: { type: 'view', view_id: viewId },
      view: { id: viewId },
    });
    expect(suggested.options).toEqual([
      { text: { type: 'plain_text', text: 'Acme Corp' }, value: 'cus_123' },
    ]);

    answer = () => ({});
    await driver.selectOption({
      user: LENA,
      viewId,
      actionId: 'customer',
      value: 'cus_123',
      text: 'Acme Corp',
    });
    await driver.clickButton({ user: LENA, viewId, actionId: 'lookup' });
    const click = received[2]?.body as Record<string, unknown>;
    expect(click).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: viewId },
      view: {
        id: viewId,
        state: {
          values: {
            search: { customer: { type: 'external_select', selected_option: { value: 'cus_123' } } },
          },
        },
      },
      actions: [{ type: 'button', action_id: 'lookup', block_id: 'go' }],
    });
    expect(click.response_url).toBeUndefined();
    expect(findAction(fake.view(viewId)?.blocks, 'lookup')?.blockId).toBe('go');
  });

  it('sends events with the envelope and retry headers, recording people’s messages on the fake', async () => {
    const sent = await driver.message({
      user: LENA,
      channel: INCIDENTS,
      text: 'customer says charged twice',
    });
    const [request] = received;
    expect(request?.contentType).toBe('application/json');
    expect(request?.body).toMatchObject({
      type: 'event_callback',
      team_id: 'T0FRONTLINE',
      api_app_id: 'A0FRONTLINE',
      event_id: sent.eventId,
      authorizations: [{ team_id: 'T0FRONTLINE', user_id: 'U0BOT', is_bot: true }],
      event: {
        type: 'message',
        user: LENA,
        text: 'customer says charged twice',
        channel: INCIDENTS,
        channel_type: 'channel',
        ts: sent.message.ts,
        event_ts: sent.message.ts,
      },
    });
    expect(typeof request?.body.event_time).toBe('number');
    expect(fake.messages(INCIDENTS)).toMatchObject([{ user: LENA, text: 'customer says charged twice' }]);

    await driver.event({
      event: { type: 'message', channel: INCIDENTS, text: 'x' },
      eventId: sent.eventId,
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(received[1]?.headers['x-slack-retry-num']).toBe('1');
    expect(received[1]?.headers['x-slack-retry-reason']).toBe('http_timeout');
    expect(received[1]?.body.event_id).toBe(sent.eventId);

    const mention = await driver.appMention({
      user: PRIYA,
      channel: INCIDENTS,
      text: 'status?',
      threadTs: sent.message.ts,
    });
    expect(received[2]?.body.event).toMatchObject({
      type: 'app_mention',
      text: '<@U0BOT> status?',
      thread_ts: sent.message.ts,
    });
    expect(fake.thread(INCIDENTS, sent.message.ts).map((m) => m.ts)).toEqual([
      sent.message.ts,
      mention.message.ts,
    ]);

    await client.views.publish({ user_id: LENA, view: { type: 'home', blocks: [section('Home')] } });
    await driver.appHomeOpened(LENA);
    expect(received[3]?.body.event).toMatchObject({
      type: 'app_home_opened',
      user: LENA,
      tab: 'home',
      channel: fake.dmChannel(LENA),
      view: { type: 'home' },
    });
  });
});

describe('with a real Bolt app', () => {
  let app: App;
  let driver: SlackDriver;

  beforeAll(async () => {
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: `${fake.url}/api/`, retryConfig: { retries: 0 } },
    });
    app.command('/frontline', async ({ ack, body, client: bolt }) => {
      await ack();
      await bolt.views.open({
        trigger_id: body.trigger_id,
        view: modal(
          'Open incident',
          [
            {
              type: 'input',
              block_id: 'summary',
              label: { type: 'plain_text', text: 'Summary' },
              element: { type: 'plain_text_input', action_id: 'text' },
            },
          ],
          {
            callback_id: 'open_incident',
            submit: { type: 'plain_text', text: 'Open' },
            private_metadata: body.channel_id,
          },
        ),
      });
    });
    app.view('open_incident', async ({ ack, view, body, client: bolt }) => {
      const summary = view.state.values.summary?.text?.value ?? '';
      if (summary.length < 5) {
        await ack({ response_action: 'errors', errors: { summary: 'Please describe it in more words' } });
        return;
      }
      await ack();
      await bolt.chat.postMessage({
        channel: view.private_metadata,
        text: `Incident opened by <@${body.user.id}>: ${summary}`,
        blocks: [
          section(`*Incident*: ${summary}`),
          {
            type: 'actions',
            block_id: 'incident',
            elements: [
              {
                type: 'button',
                action_id: 'ack_incident',
                text: { type: 'plain_text', text: 'Acknowledge' },
                value: 'INC-1',
              },
            ],
          },
        ],
      });
    });
    app.action('ack_incident', async ({ ack, respond, body }) => {
      await ack();
      const value = (body as { actions: { value: string }[] }).actions[0]?.value;
      await respond({ replace_original: true, text: `${value} acknowledged by <@${body.user.id}>` });
    });
    app.message('charged twice', async ({ message, say }) => {
      await say({ text: 'Looking into it', thread_ts: (message as { ts: string }).ts });
    });
    const started = (await app.start(0)) as Server;
    const port = (started.address() as AddressInfo).port;
    driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}`, signingSecret: SECRET, fake });
  });

  afterAll(async () => {
    await app.stop();
  });

  afterEach(() => {
    fake.rateLimit = false;
  });

  it('runs a command → modal → submission → message → button flow', async () => {
    const command = await driver.command({ user: LENA, channel: INCIDENTS, command: '/frontline' });
    expect(command.status).toBe(200);
    await expect.poll(() => fake.openViews(LENA)).toHaveLength(1);
    const viewId = fake.openViews(LENA)[0]?.id as string;

    const tooShort = await driver.submitView({ user: LENA, viewId, values: { text: 'dup' } });
    expect(tooShort.outcome).toMatchObject({ action: 'errors' });
    expect(fake.viewErrors(viewId)).toEqual({ summary: 'Please describe it in more words' });

    const done = await driver.submitView({
      user: LENA,
      viewId,
      values: { text: 'Duplicate charges for Acme' },
    });
    expect(done.outcome).toMatchObject({ action: 'closed' });
    await expect.poll(() => fake.messages(INCIDENTS)).toHaveLength(1);
    const posted = fake.messages(INCIDENTS)[0];
    expect(posted?.text).toBe(`Incident opened by <@${LENA}>: Duplicate charges for Acme`);

    await driver.clickButton({
      user: PRIYA,
      channel: INCIDENTS,
      messageTs: posted?.ts as string,
      actionId: 'ack_incident',
    });
    await expect
      .poll(() => fake.message(INCIDENTS, posted?.ts as string)?.text)
      .toBe(`INC-1 acknowledged by <@${PRIYA}>`);
  });

  it('answers a person’s message in its thread', async () => {
    const sent = await driver.message({ user: LENA, channel: INCIDENTS, text: 'I was charged twice' });
    expect(sent.status).toBe(200);
    await expect.poll(() => fake.thread(INCIDENTS, sent.message.ts).length).toBe(2);
    expect(fake.thread(INCIDENTS, sent.message.ts)[1]).toMatchObject({
      text: 'Looking into it',
      user: 'U0BOT',
    });
  });
});

describe('Socket Mode', () => {
  /** A client socket whose messages queue up from the first one, so none is missed between awaits. */
  const connect = (url: string) =>
    new Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }>((resolve, reject) => {
      const ws = new WebSocket(url);
      const queued: Record<string, unknown>[] = [];
      const waiting: Array<(message: Record<string, unknown>) => void> = [];
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        const waiter = waiting.shift();
        if (waiter) waiter(message);
        else queued.push(message);
      });
      const next = () =>
        new Promise<Record<string, unknown>>((done) => {
          const message = queued.shift();
          if (message) done(message);
          else waiting.push(done);
        });
      ws.once('open', () => resolve({ ws, next }));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`refused with ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });

  it('opens a connection only with an app-level token', async () => {
    await expect(clientFor().apps.connections.open({})).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });
    const opened = await clientFor('xapp-1-test').apps.connections.open({});
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('says hello, sends envelopes and reads acknowledgements; a socket URL works once', async () => {
    const { url } = await clientFor('xapp-1-test').apps.connections.open({});
    const { ws, next } = await connect(String(url));
    expect(await next()).toMatchObject({ type: 'hello', connection_info: { app_id: fake.appId } });

    const delivered = fake.socketMode.deliver('slash_commands', { command: '/escalate', text: 'hi' });
    const envelope = await next();
    expect(envelope).toMatchObject({
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/escalate', text: 'hi' },
    });
    ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'got it' } }));
    expect((await delivered).payload).toEqual({ text: 'got it' });

    await expect(connect(String(url))).rejects.toThrow('refused with 401');
    fake.socketMode.refresh();
    expect(await next()).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
    ws.close();
  });
});
