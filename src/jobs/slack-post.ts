import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import {
  findOutboundMessage,
  recordOutboundAttempt,
  recordOutboundPosted,
} from '../db/repositories/outbound-messages.js';
import { findKeyedMessage, type KeyedMessage, postKeyedMessage } from '../integrations/slack/messages.js';
import { singlePostClient } from '../integrations/slack/web-client.js';
import type { JobDefinition } from './queue.js';

/**
 * Posts one message to Slack at most once per key, however often the job runs. The attempt is recorded before
 * posting; a later attempt that finds no recorded `ts` first looks for the message in Slack by its metadata key
 * (the process may have died between Slack's answer and our record of it) and only posts when it is not there.
 */
export const SLACK_POST_JOB = 'slack.post';

const slackPostSchema = z.object({
  key: z.string().min(1).max(255),
  channel: z.string().min(1),
  threadTs: z.string().optional(),
  text: z.string().min(1),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type SlackPost = z.infer<typeof slackPostSchema>;

export function slackPostJob({ db, slack }: { db: Database; slack: WebClient }): JobDefinition<SlackPost> {
  return {
    name: SLACK_POST_JOB,
    schema: slackPostSchema,
    retryLimit: 8,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    concurrency: 4,
    async handler(post) {
      await postOnce(db, slack, { ...post, blocks: post.blocks as KnownBlock[] | undefined });
    },
  };
}

/**
 * Posts a keyed message unless it was already posted, and answers its ts. Safe to call again after a crash: a
 * recorded attempt without a ts is first looked for in Slack by the key in its metadata.
 */
export async function postOnce(db: Database, slack: WebClient, message: KeyedMessage): Promise<string> {
  const previous = await findOutboundMessage(db, message.key);
  if (previous?.ts) return previous.ts;
  if (previous) {
    const found = await findKeyedMessage(slack, { ...message, since: previous.createdAt });
    if (found) {
      await recordOutboundPosted(db, message.key, found);
      return found;
    }
  } else {
    await recordOutboundAttempt(db, message);
  }
  const ts = await postKeyedMessage(singlePostClient(slack, 'wait'), message);
  await recordOutboundPosted(db, message.key, ts);
  return ts;
}
