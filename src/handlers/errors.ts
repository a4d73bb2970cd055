import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { findFrontlineError, userFacingText } from '../errors.js';
import type { Logger } from '../logger.js';

interface Whereabouts {
  userId?: string;
  channelId?: string;
}

/** Finds who asked and where, in any kind of Slack request body. */
export function whereabouts(body: unknown): Whereabouts {
  const b = body as {
    user_id?: string;
    channel_id?: string;
    user?: { id?: string } | string;
    channel?: { id?: string } | string;
    container?: { channel_id?: string };
    event?: { user?: string; channel?: string };
  };
  const userId = b.user_id ?? (typeof b.user === 'string' ? b.user : b.user?.id) ?? b.event?.user;
  const channelId =
    b.channel_id ??
    (typeof b.channel === 'string' ? b.channel : b.channel?.id) ??
    b.container?.channel_id ??
    b.event?.channel;
  return { ...(userId ? { userId } : {}), ...(channelId ? { channelId } : {}) };
}

/** The request's `response_url` (slash commands, and buttons in messages), when it has one. */
function responseUrlOf(body: unknown): string | undefined {
  const url = (body as { response_url?: unknown } | null)?.response_url;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
}

/** Answers through a response URL, as an ephemeral that leaves the original message alone. */
async function answerAt(url: string, text: string): Promise<void> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!answer.ok) throw new Error(`the response URL answered ${answer.status}`);
}

/**
 * Tells the person who asked that their request failed, where they are: through the request's response URL (which
 * works in channels Frontline is not in, such as private channels and direct messages between people), else as an
 * ephemeral in the channel, else in a direct message. Each way is tried in turn until one is taken.
 */
export async function tellUserAboutError(
  slack: WebClient,
  body: unknown,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const { userId, channelId } = whereabouts(body);
  if (!userId) return;
  const text = userFacingText(error);
  const responseUrl = responseUrlOf(body);
  const ways: Array<{ way: string; tell: () => Promise<unknown> }> = [];
  if (responseUrl) ways.push({ way: 'response URL', tell: () => answerAt(responseUrl, text) });
  if (channelId)
    ways.push({
      way: 'ephemeral',
      tell: () => slack.chat.postEphemeral({ channel: channelId, user: userId, text }),
    });
  ways.push({ way: 'direct message', tell: () => slack.chat.postMessage({ channel: userId, text }) });
  for (const { way, tell } of ways) {
    try {
      await tell();
      return;
    } catch (notifyError) {
      logger.warn({ err: notifyError, way }, 'could not tell the user about a failure this way');
    }
  }
}

/** One global handler: expected failures are logged briefly, anything else with its stack; the user always hears. */
export function registerErrorHandler(app: App, { slack, logger }: { slack: WebClient; logger: Logger }) {
  app.error(async ({ error, body }: { error: unknown; body: unknown }) => {
    const known = findFrontlineError(error);
    if (known) logger.info({ code: known.code, message: known.userMessage }, 'request refused');
    else logger.error({ err: error }, 'unhandled error in a Slack listener');
    await tellUserAboutError(slack, body, error, logger);
  });
}
