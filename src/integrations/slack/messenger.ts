import type { KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/** The Slack calls use cases make, behind one small interface (the adapter is the real WebClient). */
export interface SlackMessenger {
  post(message: {
    channel: string;
    threadTs?: string | undefined;
    text: string;
    blocks?: KnownBlock[];
  }): Promise<{ channel: string; ts: string }>;
  update(message: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  ephemeral(message: {
    channel: string;
    user: string;
    text: string;
    blocks?: KnownBlock[];
    threadTs?: string | undefined;
  }): Promise<void>;
  permalink(channel: string, ts: string): Promise<string | undefined>;
  /**
   * Opens a modal. A click from inside a modal (`fromModal`) pushes the new one on top of it instead, as Slack asks:
   * opening a new root would close the modal the person was reading.
   */
  openView(triggerId: string, view: View, options?: { fromModal?: boolean }): Promise<void>;
  /** The id of the bot's direct-message channel with a person (opened if needed). */
  openDirect(userId: string): Promise<string>;
  /** A message by channel and ts (top-level or in a thread), or undefined when it cannot be read. */
  message(
    channel: string,
    ts: string,
  ): Promise<{ text: string; user: string | undefined; threadTs: string | undefined } | undefined>;
}

export function createSlackMessenger(client: WebClient): SlackMessenger {
  return {
    async post({ channel, threadTs, text, blocks }) {
      const answer = await client.chat.postMessage({
        channel,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      if (!answer.ts || !answer.channel) throw new Error('Slack accepted the message but returned no ts');
      return { channel: answer.channel, ts: answer.ts };
    },
    async update({ channel, ts, text, blocks }) {
      await client.chat.update({ channel, ts, text, ...(blocks ? { blocks } : {}) });
    },
    async ephemeral({ channel, user, text, blocks, threadTs }) {
      await client.chat.postEphemeral({
        channel,
        user,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    },
    async permalink(channel, ts) {
      try {
        return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
      } catch {
        return undefined;
      }
    },
    async openView(triggerId, view, options) {
      if (options?.fromModal) await client.views.push({ trigger_id: triggerId, view });
      else await client.views.open({ trigger_id: triggerId, view });
    },
    async openDirect(userId) {
      const answer = await client.conversations.open({ users: userId });
      if (!answer.channel?.id) throw new Error('Slack opened the conversation but returned no channel id');
      return answer.channel.id;
    },
    async message(channel, ts) {
      try {
        const history = await client.conversations.history({
          channel,
          latest: ts,
          inclusive: true,
          limit: 1,
        });
        let found = history.messages?.find((m) => m.ts === ts);
        if (!found) {
          const replies = await client.conversations.replies({ channel, ts, limit: 1 });
          found = replies.messages?.find((m) => m.ts === ts);
        }
        if (!found) return undefined;
        return { text: found.text ?? '', user: found.user, threadTs: found.thread_ts };
      } catch {
        return undefined;
      }
    },
  };
}

/** The reason Slack gave when it answered `ok: false` (`not_in_channel`, `name_taken`, …); undefined otherwise. */
export function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | undefined)?.data?.error;
}

/** Slack's answer when the bot cannot post in a channel (not a member, archived, unknown). */
export function cannotPostThere(error: unknown): boolean {
  const code = slackErrorCode(error);
  return code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived';
}
