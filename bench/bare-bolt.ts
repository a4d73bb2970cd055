/** The baseline for the foundation benchmark: a bare Bolt app in HTTP mode with one no-op slash command. */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  endpoints: '/slack/events',
});
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command('/noop', async ({ ack }) => {
  await ack();
});
await app.start(Number(process.env.PORT ?? 3000));
process.stdout.write('bare bolt listening\n');
