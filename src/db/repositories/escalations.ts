import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { type EscalationJoinedAs, escalations } from '../schema/index.js';

export type EscalationRow = typeof escalations.$inferSelect;
export type NewEscalation = typeof escalations.$inferInsert;

export async function insertEscalation(tx: Executor, values: NewEscalation): Promise<EscalationRow> {
  const [row] = await tx.insert(escalations).values(values).returning();
  if (!row) throw new Error('escalation insert returned nothing');
  return row;
}

export async function getEscalation(db: Executor, id: number): Promise<EscalationRow | undefined> {
  const [row] = await db.select().from(escalations).where(eq(escalations.id, id));
  return row;
}

/**
 * Links an escalation that is not linked yet; answers the updated row, or undefined when it was already linked
 * (a second click, a retry, or someone else first) — the caller then reads the current state. `joinedAs` records for
 * good how the case joined (it reported the problem, or was a duplicate of a known one): the report reads it, and a
 * later merge moves the case without changing it (docs/metrics.md).
 */
export async function linkEscalationOnce(
  tx: Executor,
  {
    escalationId,
    problemId,
    status,
    joinedAs,
    now,
  }: {
    escalationId: number;
    problemId: number;
    status: 'linked' | 'open';
    joinedAs: EscalationJoinedAs;
    now: Date;
  },
): Promise<EscalationRow | undefined> {
  const [row] = await tx
    .update(escalations)
    .set({ problemId, status, joinedAs, linkedAt: now, updatedAt: now })
    .where(and(eq(escalations.id, escalationId), isNull(escalations.problemId)))
    .returning();
  return row;
}

/** Records where an escalation's card is, and answers the problem the case belongs to by now (null: none yet). */
export async function setEscalationCard(
  db: Executor,
  escalationId: number,
  card: { cardChannel: string; cardTs: string; threadChannel: string; threadTs: string },
): Promise<{ problemId: number | null } | undefined> {
  const [row] = await db
    .update(escalations)
    .set(card)
    .where(eq(escalations.id, escalationId))
    .returning({ problemId: escalations.problemId });
  return row;
}

/** Overwrites what the intake learned about an escalation (customer facts, permalink) and answers the row. */
export async function setEscalationFacts(
  db: Executor,
  escalationId: number,
  facts: Partial<
    Pick<
      NewEscalation,
      | 'customerName'
      | 'customerEmail'
      | 'customerSegment'
      | 'customerSince'
      | 'customerMrrMinor'
      | 'customerSeats'
      | 'currency'
      | 'sourcePermalink'
      | 'updatedAt'
    >
  >,
): Promise<EscalationRow> {
  const [row] = await db.update(escalations).set(facts).where(eq(escalations.id, escalationId)).returning();
  if (!row) throw new Error(`escalation ${escalationId} does not exist`);
  return row;
}

/** The people who raised the escalations linked to a problem (each once). */
export async function requestersOfProblem(db: Executor, problemId: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ requesterId: escalations.requesterId })
    .from(escalations)
    .where(eq(escalations.problemId, problemId));
  return rows.map((row) => row.requesterId);
}
