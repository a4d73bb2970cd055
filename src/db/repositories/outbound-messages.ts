import { eq } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { outboundMessages } from '../schema/index.js';

export type OutboundMessage = typeof outboundMessages.$inferSelect;

export async function findOutboundMessage(db: Executor, key: string): Promise<OutboundMessage | undefined> {
  const [row] = await db.select().from(outboundMessages).where(eq(outboundMessages.key, key));
  return row;
}

/** Records that a post is about to be attempted (so a later attempt knows to look for it first). */
export async function recordOutboundAttempt(
  db: Executor,
  message: { key: string; channel: string; threadTs?: string | undefined },
): Promise<void> {
  await db
    .insert(outboundMessages)
    .values({ key: message.key, channel: message.channel, threadTs: message.threadTs ?? null })
    .onConflictDoNothing();
}

export async function recordOutboundPosted(db: Executor, key: string, ts: string): Promise<void> {
  await db.update(outboundMessages).set({ ts }).where(eq(outboundMessages.key, key));
}
