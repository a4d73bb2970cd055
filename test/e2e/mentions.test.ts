import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../src/sandbox/fakes/slack/types.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const BOT = 'U0FRONTLINE';
const HELP_HEADER = 'What Frontline does';
const INTAKE_BUTTON = 'escalation_open_form';

/**
 * "@Frontline …" gets exactly one answer. In an intake channel Slack sends a top-level mention twice (`app_mention`
 * and a channel `message`, as it does when the app subscribes to both): a command (`help`, `escalate …`) is answered
 * as the mention, any other text there as an intake post. Elsewhere a word Frontline does not know gets a note and
 * the help instead of silence.
 */
describe.each(DATABASE_KINDS)('answers to mentions (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ kind });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const blocksOf = (message: SlackMessage) => JSON.stringify(message.blocks ?? []);
  const botReplies = (channel: string, ts: string) =>
    app.slack.thread(channel, ts).filter((m) => m.ts !== ts && (m.user === BOT || m.bot_id));

  /**
   * Waits until everything the app could still do about earlier messages is done: a plain intake post is answered
   * (intake answers run in order with the earlier ones), then a moment for queued replies.
   */
  async function settle() {
    const sentinel = await app.driver.message({
      user: app.people.l1b,
      channel: 'C0INTAKE',
      text: 'Customer sees a proration line they did not expect on the renewal invoice',
    });
    await eventually(() => botReplies('C0INTAKE', sentinel.message.ts).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 750));
  }

  /** Mentions Frontline as `user` would, and answers its one reply once nothing more can come. */
  async function onlyReply(input: {
    channel: string;
    text: string;
    threadTs?: string;
  }): Promise<SlackMessage> {
    const mention = await app.driver.appMention({
      user: app.people.l1,
      ...input,
      // Slack sends the channel message too; the intake listens to those in intake channels.
      alsoMessageEvent: true,
    });
    const root = input.threadTs ?? mention.message.ts;
    const replies = () =>
      botReplies(input.channel, root).filter((m) => Number(m.ts) > Number(mention.message.ts));
    await eventually(() => replies().length > 0);
    await settle();
    expect(replies().map((m) => m.text)).toHaveLength(1);
    return replies()[0] as SlackMessage;
  }

  it('"@Frontline help" at the top of an intake channel gets the help once, not the intake answer too', async () => {
    const reply = await onlyReply({ channel: 'C0INTAKE', text: 'help' });
    expect(blocksOf(reply)).toContain(HELP_HEADER);
    expect(blocksOf(reply)).not.toContain(INTAKE_BUTTON);
  });

  it('"@Frontline escalate …" at the top of an intake channel gets the known-problem answer once', async () => {
    const reply = await onlyReply({
      channel: 'C0INTAKE',
      text: 'escalate Customer was charged twice for the same invoice',
    });
    expect(blocksOf(reply)).toContain(INTAKE_BUTTON);
  });

  it('a case that starts with "Help!" and tags Frontline at the end is a case, answered once by the intake', async () => {
    const reply = await onlyReply({
      channel: 'C0INTAKE',
      text: `Help! Acme Corp was charged twice for the renewal, cc <@${BOT}>`,
    });
    expect(blocksOf(reply)).toContain(INTAKE_BUTTON);
    expect(blocksOf(reply)).not.toContain(HELP_HEADER);
  });

  it('a case posted in an intake channel that mentions Frontline is answered once, as an intake post', async () => {
    const reply = await onlyReply({
      channel: 'C0INTAKE',
      text: 'Customer was refunded but the credit note never arrived',
    });
    expect(blocksOf(reply)).toContain(INTAKE_BUTTON);
    expect(blocksOf(reply)).not.toContain('is not something I know');
  });

  it('"@Frontline status please" says the word is unknown and shows the help', async () => {
    const reply = await onlyReply({ channel: 'C0SUPPORT', text: 'status please' });
    expect(blocksOf(reply)).toContain('`status` is not something I know');
    expect(blocksOf(reply)).toContain(HELP_HEADER);
    // The notification text says so too.
    expect(reply.text).toContain('"status" is not something I know');
  });

  it('an unknown word in a thread of an intake channel gets the note and the help in that thread', async () => {
    const root = await app.driver.message({
      user: app.people.l1,
      channel: 'C0INTAKE',
      text: 'Customer cannot download last year’s invoices',
    });
    await eventually(() => botReplies('C0INTAKE', root.message.ts).length > 0);
    const reply = await onlyReply({ channel: 'C0INTAKE', threadTs: root.message.ts, text: 'status?' });
    expect(blocksOf(reply)).toContain('`status?` is not something I know');
  });
});
