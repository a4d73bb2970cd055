import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import {
  findOutboundMessage,
  recordOutboundAttempt,
  recordOutboundPosted,
} from '../db/repositories/outbound-messages.js';
import { findKeyedMessage, postKeyedMessage } from '../integrations/slack/messages.js';
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
      const message = { ...post, blocks: post.blocks as KnownBlock[] | undefined };
      const previous = await findOutboundMessage(db, post.key);
      if (previous?.ts) return;
      if (previous) {
        const found = await findKeyedMessage(slack, { ...message, since: previous.createdAt });
        if (found) {
          await recordOutboundPosted(db, post.key, found);
          return;
        }
      } else {
        await recordOutboundAttempt(db, message);
      }
      const ts = await postKeyedMessage(slack, message);
      await recordOutboundPosted(db, post.key, ts);
    },
  };
}
