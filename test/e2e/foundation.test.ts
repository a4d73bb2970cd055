import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

describe.each(DATABASE_KINDS)('the Slack endpoint and health routes (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers /healthz and /readyz with JSON', async () => {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      database: kind === 'postgres' ? 'postgres' : 'embedded',
      migrations: 'applied',
    });
  });

  it('acks a signed slash command at once and answers /frontline help through the response URL', async () => {
    const answer = await app.driver.command({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: 'help',
    });
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(3000);
    const reply = await eventually(() =>
      app.slack.ephemerals(app.people.l2).find((e) => e.via === 'response_url'),
    );
    expect(reply.text).toContain('/escalate');
    const blocksText = JSON.stringify(reply.blocks);
    for (const surface of ['/escalate', '/billing', '/incident', '/frontline', 'Escalate to billing']) {
      expect(blocksText).toContain(surface);
    }
    expect(blocksText).toContain('L2 agent');
  });

  it('explains an unknown /frontline subcommand and shows the help', async () => {
    await app.driver.command({
      user: app.people.l1,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: 'teleport',
    });
    const reply = await eventually(() =>
      app.slack.ephemerals(app.people.l1).find((e) => JSON.stringify(e.blocks).includes('teleport')),
    );
    expect(JSON.stringify(reply.blocks)).toContain('is not something I know');
  });

  it('refuses a wrong signature and a stale timestamp with 401, changing nothing', async () => {
    const before = app.slack.calls().length;
    const body = new URLSearchParams({
      command: '/frontline',
      text: 'help',
      user_id: app.people.l1,
      channel_id: 'C0SUPPORT',
      team_id: 'T0FRONTLINE',
      response_url: `${app.slack.url}/response/nope`,
      trigger_id: '1.2.3',
    }).toString();
    const wrong = await app.driver.raw(body, {
      contentType: 'application/x-www-form-urlencoded',
      signature: 'v0=deadbeef',
    });
    expect(wrong.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const staleSignature = `v0=${createHmac('sha256', app.signingSecret).update(`v0:${stale}:${body}`).digest('hex')}`;
    const old = await app.driver.raw(body, {
      contentType: 'application/x-www-form-urlencoded',
      timestamp: stale,
      signature: staleSignature,
    });
    expect(old.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.slack.calls().length).toBe(before);
  });

  it('answers 405 to anything but POST on the Slack endpoint, changing nothing', async () => {
    const before = app.slack.calls().length;
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const response = await fetch(`${app.url}/slack/events`, {
        method,
        headers: { authorization: 'Bearer not-for-the-logs' },
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
    expect(app.slack.calls().length).toBe(before);
  });

  it('sends its Web API calls to the Slack API URL it was given', async () => {
    await app.driver.appMention({ user: app.people.manager, channel: 'C0SUPPORT', text: 'help' });
    const call = await eventually(() =>
      app.slack.calls('chat.postMessage').find((c) => c.args.channel === 'C0SUPPORT'),
    );
    expect(call.token).toBe('xoxb-test-0000-frontline');
    expect(String(call.args.text)).toContain('/escalate');
  });

  it('has the effect of an Events API delivery once, however often Slack repeats it', async () => {
    const mention = await app.driver.appMention({
      user: app.people.engineer,
      channel: 'C0INCIDENTS',
      text: 'help',
    });
    const event = {
      type: 'app_mention',
      user: app.people.engineer,
      text: mention.message.text,
      ts: mention.message.ts,
      channel: 'C0INCIDENTS',
    };
    await app.driver.event({ event, eventId: mention.eventId, retryNum: 1, retryReason: 'http_timeout' });
    await app.driver.event({ event, eventId: mention.eventId, retryNum: 2, retryReason: 'http_timeout' });
    await eventually(() => app.slack.thread('C0INCIDENTS', mention.message.ts).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replies = app.slack
      .thread('C0INCIDENTS', mention.message.ts)
      .filter((m) => m.user === 'U0FRONTLINE' || m.bot_id);
    expect(replies).toHaveLength(1);
  });
});
