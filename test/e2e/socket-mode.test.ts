import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalations } from '../../src/db/schema/index.js';
import { eventually, openEscalationForm, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

/**
 * With SLACK_APP_TOKEN set, Frontline opens a Socket Mode connection (apps.connections.open on the Slack fake, then
 * a WebSocket) instead of serving `POST /slack/events`. Every kind of request Slack sends arrives as an envelope
 * the app must acknowledge, and the acknowledgement carries what an HTTP answer would (field errors, options).
 */

const CORVID = 'cus_DemoCorvidRobotics';
const blocksText = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe.each(DATABASE_KINDS)('Socket Mode (%s)', (kind) => {
  let app: TestApp;
  let knownProblem: number;

  beforeAll(async () => {
    app = await startTestApp({ kind, socketMode: true });
    knownProblem = await seedKnownProblem(app.running.deps.db, {
      title: 'Renewal charged twice after the payment gateway timed out',
      symptoms: 'Two identical charges for one renewal a few minutes apart after a gateway timeout.',
      category: 'duplicate_charge',
      workaround: 'Refund the second charge from the Stripe dashboard.',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const openForm = (text: string) => openEscalationForm(app, app.people.l1, text);

  it('connects with the app-level token and serves no HTTP request URL', async () => {
    expect(app.slack.socketMode.connections).toBe(1);
    const opened = app.slack.calls('apps.connections.open');
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.every((call) => call.token?.startsWith('xapp-') && call.ok)).toBe(true);
    const post = await fetch(`${app.url}/slack/events`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('a slash command, a suggestion, a refused and an accepted submission and a button, all over the socket', async () => {
    const viewId = await openForm('Customer was charged twice for the renewal');
    expect(app.slack.view(viewId)?.callback_id).toBe('escalation_form');

    const options = await app.driver.suggestion({
      user: app.people.l1,
      viewId,
      actionId: 'customer_select',
      value: 'corvid',
    });
    expect(options.options).toEqual([expect.objectContaining({ value: CORVID })]);

    const refused = await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: { summary_input: ' ', category_select: 'duplicate_charge' },
    });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: { customer: expect.any(String), summary: expect.any(String) },
    });
    expect(app.slack.viewErrors(viewId)).toMatchObject({ customer: expect.any(String) });

    const accepted = await app.driver.submitView({
      user: app.people.l1,
      viewId,
      values: {
        summary_input: 'Customer was charged twice for the renewal',
        customer_select: { value: CORVID, text: 'Corvid Robotics' },
        category_select: 'duplicate_charge',
        details_input: 'Two identical charges minutes apart; the gateway timed out on the first.',
      },
    });
    expect(accepted.body).toBe('');
    const dm = String(app.slack.dmChannel(app.people.l1));
    const card = await eventually(
      () =>
        app.slack
          .messages(dm)
          .find((m) => m.text?.startsWith('ESC-') && blocksText(m.blocks).includes(`PRB-${knownProblem}`)),
      20_000,
    );

    await app.driver.clickButton({
      user: app.people.l1,
      channel: dm,
      messageTs: card.ts,
      actionId: `escalation_link_${knownProblem}`,
    });
    const linked = await eventually(async () => {
      const [row] = await app.running.deps.db
        .select()
        .from(escalations)
        .where(eq(escalations.customerId, CORVID));
      return row?.status === 'linked' ? row : undefined;
    });
    expect(linked.problemId).toBe(knownProblem);
    await eventually(() =>
      app.slack.thread(dm, card.ts).some((m) => m.text?.includes('Refund the second charge')),
    );
  });

  it('Events API callbacks arrive as events_api envelopes: a mention is answered in its thread', async () => {
    const mention = await app.driver.appMention({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      text: 'escalate customer charged twice on renewal after a gateway timeout',
    });
    expect(mention.status).toBe(200);
    const reply = await eventually(() =>
      app.slack.thread('C0SUPPORT', mention.message.ts).find((m) => m.ts !== mention.message.ts),
    );
    expect(blocksText(reply.blocks)).toContain('Renewal charged twice');
  });

  it('reconnects when Slack asks it to, and keeps answering on the new connection', async () => {
    const before = app.slack.socketMode.connectionsOpened;
    const opens = app.slack.calls('apps.connections.open').length;
    app.slack.socketMode.refresh();
    await eventually(() => app.slack.socketMode.connectionsOpened > before, 15_000);
    expect(app.slack.calls('apps.connections.open').length).toBeGreaterThan(opens);
    await eventually(() => app.slack.socketMode.connections === 1, 5_000);
    const viewId = await openForm('After the reconnect');
    expect(app.slack.view(viewId)?.callback_id).toBe('escalation_form');
  });
});
