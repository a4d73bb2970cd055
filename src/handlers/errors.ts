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

/** Tells the person who asked that their request failed: ephemeral where they are, or a direct message. */
export async function tellUserAboutError(
  slack: WebClient,
  body: unknown,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const { userId, channelId } = whereabouts(body);
  if (!userId) return;
  const text = userFacingText(error);
  try {
    if (channelId) {
      await slack.chat.postEphemeral({ channel: channelId, user: userId, text });
    } else {
      await slack.chat.postMessage({ channel: userId, text });
    }
  } catch (notifyError) {
    logger.warn({ err: notifyError }, 'could not tell the user about a failure');
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
