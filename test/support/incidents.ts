import { eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { insertEscalation } from '../../src/db/repositories/escalations.js';
import { insertProblem } from '../../src/db/repositories/problems.js';
import { escalations } from '../../src/db/schema/index.js';
import type { Category } from '../../src/domain/escalation.js';
import { extractSignals } from '../../src/domain/text.js';
import type { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';

export interface SeededProblem {
  problemId: number;
  escalations: Array<{ id: number; channel: string; threadTs: string; requesterId: string }>;
}

/**
 * A problem in triage with linked escalations, each living in its own thread (a message an agent posted in the given
 * channel), as the intake feature leaves them. Rows are written directly so a test can make hundreds.
 */
export async function seedProblemWithEscalations(
  db: Database,
  slack: SlackFake,
  input: {
    title: string;
    category?: Category;
    threads: Array<{ channel: string; requesterId: string; customerId?: string; triggers?: string[] }>;
    createdBy?: string;
    /** Post an escalation card in each thread (default true; off for hundreds of threads under a rate limit). */
    withCards?: boolean;
  },
): Promise<SeededProblem> {
  const now = new Date();
  const problem = await insertProblem(db, {
    title: input.title,
    symptoms: `${input.title}. Reported by several customers.`,
    category: input.category ?? 'other',
    createdBy: input.createdBy ?? 'U0SBXENG',
    signals: extractSignals(input.title),
    now,
  });
  const seeded: SeededProblem['escalations'] = [];
  let n = 0;
  for (const thread of input.threads) {
    n += 1;
    const root = slack.postAsUser({
      channel: thread.channel,
      user: thread.requesterId,
      text: `Customer case ${n}: ${input.title}`,
    });
    const row = await insertEscalation(db, {
      customerId: thread.customerId ?? `cus_Seed${problem.id}x${n}`,
      customerName: `Customer ${n}`,
      priority: 'p2',
      category: input.category ?? 'other',
      summary: input.title,
      triggers: thread.triggers ?? [],
      status: n === 1 ? 'open' : 'linked',
      problemId: problem.id,
      requesterId: thread.requesterId,
      source: 'intake',
      threadChannel: thread.channel,
      threadTs: root.ts,
      // The card is the bot's first reply in the thread, as the intake feature posts it.
      ...(input.withCards === false
        ? {}
        : { cardChannel: thread.channel, cardTs: await postAsBot(slack, thread.channel, root.ts) }),
      createdAt: now,
      updatedAt: now,
    });
    seeded.push({ id: row.id, channel: thread.channel, threadTs: root.ts, requesterId: thread.requesterId });
  }
  return { problemId: problem.id, escalations: seeded };
}

async function postAsBot(slack: SlackFake, channel: string, threadTs: string): Promise<string> {
  const answer = await fetch(`${slack.url}/api/chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${slack.botToken ?? 'xoxb-test'}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel, thread_ts: threadTs, text: 'Escalation card' }),
  });
  const body = (await answer.json()) as { ok: boolean; ts?: string; error?: string };
  if (!body.ok || !body.ts) throw new Error(`could not post the card: ${body.error}`);
  return body.ts;
}

export async function escalationRow(db: Database, id: number) {
  const [row] = await db.select().from(escalations).where(eq(escalations.id, id));
  return row;
}
