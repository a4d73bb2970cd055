import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

/**
 * A refusal reaches the person where they are, also in a conversation Frontline is not part of (a private channel
 * it was never invited to): Slack refuses the bot's ephemeral there, so the answer goes through the request's
 * response URL, and a direct message is the last resort.
 */
describe.each(DATABASE_KINDS)('error replies where Frontline is not a member (%s)', (kind) => {
  let app: TestApp;
  const PRIVATE = 'G0PRIVATE1';

  beforeAll(async () => {
    app = await startTestApp({ kind });
    app.slack.addChannel({
      id: PRIVATE,
      name: 'finance-leads',
      isPrivate: true,
      members: [app.people.engineer, app.people.l2],
      botMember: false,
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('a slash command refused in a private channel is answered there, through its response URL', async () => {
    const user = app.people.engineer;
    const before = app.slack.ephemerals(user).length;
    const answer = await app.driver.command({
      user,
      channel: PRIVATE,
      command: '/incident',
      text: 'update INC-999',
    });
    expect(answer.status).toBe(200);
    const reply = await eventually(() =>
      app.slack
        .ephemerals(user)
        .slice(before)
        .find((e) => e.channel === PRIVATE),
    );
    expect(reply.text).toContain('INC-999 does not exist');
    // Answered once, where the person is, not also in a direct message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.slack.ephemerals(user).slice(before)).toHaveLength(1);
    expect(
      app.slack.messages(String(app.slack.dmChannel(user))).some((m) => m.text?.includes('INC-999')),
    ).toBe(false);
  });
});
