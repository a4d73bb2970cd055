import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/** Metadata event type carried by every message Frontline posts through a durable job. */
export const POST_METADATA_EVENT = 'frontline_post';

export interface KeyedMessage {
  key: string;
  channel: string;
  threadTs?: string | undefined;
  text: string;
  blocks?: KnownBlock[] | undefined;
}

/** Posts a message carrying its key in message metadata, so it can be found again after a crash. */
export async function postKeyedMessage(slack: WebClient, message: KeyedMessage): Promise<string> {
  const answer = await slack.chat.postMessage({
    channel: message.channel,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    metadata: { event_type: POST_METADATA_EVENT, event_payload: { key: message.key } },
    unfurl_links: false,
    unfurl_media: false,
  });
  if (!answer.ts) throw new Error('Slack accepted the message but returned no ts');
  return answer.ts;
}

/** Looks for a message with this key posted since `since` (in the thread, or in the channel). */
export async function findKeyedMessage(
  slack: WebClient,
  {
    key,
    channel,
    threadTs,
    since,
  }: { key: string; channel: string; threadTs?: string | undefined; since: Date },
): Promise<string | undefined> {
  const oldest = String(Math.floor(since.getTime() / 1000) - 60);
  let cursor: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const answer = threadTs
      ? await slack.conversations.replies({
          channel,
          ts: threadTs,
          oldest,
          include_all_metadata: true,
          limit: 200,
          cursor,
        })
      : await slack.conversations.history({
          channel,
          oldest,
          include_all_metadata: true,
          limit: 200,
          cursor,
        });
    for (const message of answer.messages ?? []) {
      const metadata = (message as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } })
        .metadata;
      if (metadata?.event_type === POST_METADATA_EVENT && metadata.event_payload?.key === key && message.ts) {
        return message.ts;
      }
    }
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
