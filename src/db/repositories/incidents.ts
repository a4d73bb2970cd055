import { and, asc, desc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import {
  escalations,
  incidents,
  outboundMessages,
  problemClassifications,
  problemMerges,
  problems,
  statusUpdates,
} from '../schema/index.js';

export type IncidentRow = typeof incidents.$inferSelect;
export type StatusUpdateRow = typeof statusUpdates.$inferSelect;
export type ClassificationRow = typeof problemClassifications.$inferSelect;

export async function getIncident(db: Executor, id: number): Promise<IncidentRow | undefined> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row;
}

export async function incidentOfProblem(db: Executor, problemId: number): Promise<IncidentRow | undefined> {
  const [row] = await db.select().from(incidents).where(eq(incidents.problemId, problemId));
  return row;
}

export async function lockIncident(tx: Executor, id: number): Promise<IncidentRow | undefined> {
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
  return row;
}

export async function lockProblem(tx: Executor, id: number) {
  const [row] = await tx.select().from(problems).where(eq(problems.id, id)).for('update');
  return row;
}

export async function insertClassification(
  tx: Executor,
  values: typeof problemClassifications.$inferInsert,
): Promise<ClassificationRow> {
  const [row] = await tx.insert(problemClassifications).values(values).returning();
  if (!row) throw new Error('classification insert returned nothing');
  return row;
}

export async function latestClassification(
  db: Executor,
  problemId: number,
): Promise<ClassificationRow | undefined> {
  const [row] = await db
    .select()
    .from(problemClassifications)
    .where(eq(problemClassifications.problemId, problemId))
    .orderBy(desc(problemClassifications.id))
    .limit(1);
  return row;
}

export async function insertIncident(
  tx: Executor,
  values: typeof incidents.$inferInsert,
): Promise<IncidentRow | undefined> {
  const [row] = await tx.insert(incidents).values(values).onConflictDoNothing().returning();
  return row;
}

export async function updateIncident(
  tx: Executor,
  id: number,
  values: Partial<typeof incidents.$inferInsert>,
): Promise<IncidentRow | undefined> {
  const [row] = await tx.update(incidents).set(values).where(eq(incidents.id, id)).returning();
  return row;
}

export async function insertStatusUpdate(
  tx: Executor,
  values: typeof statusUpdates.$inferInsert,
): Promise<StatusUpdateRow> {
  const [row] = await tx.insert(statusUpdates).values(values).returning();
  if (!row) throw new Error('status update insert returned nothing');
  return row;
}

export async function getStatusUpdate(db: Executor, id: number): Promise<StatusUpdateRow | undefined> {
  const [row] = await db.select().from(statusUpdates).where(eq(statusUpdates.id, id));
  return row;
}

export async function statusUpdatesOf(db: Executor, incidentId: number): Promise<StatusUpdateRow[]> {
  return db
    .select()
    .from(statusUpdates)
    .where(eq(statusUpdates.incidentId, incidentId))
    .orderBy(asc(statusUpdates.createdAt), asc(statusUpdates.id));
}

/** The threads of a problem's linked escalations (each thread once, however many escalations share it). */
export async function escalationThreads(
  db: Executor,
  problemId: number,
): Promise<Array<{ channel: string; threadTs: string }>> {
  const rows = await db
    .selectDistinct({ channel: escalations.threadChannel, threadTs: escalations.threadTs })
    .from(escalations)
    .where(
      and(
        eq(escalations.problemId, problemId),
        isNotNull(escalations.threadChannel),
        isNotNull(escalations.threadTs),
      ),
    );
  return rows.flatMap((row) =>
    row.channel && row.threadTs ? [{ channel: row.channel, threadTs: row.threadTs }] : [],
  );
}

/** Outbound messages already attempted under keys starting with `prefix` (one query for a whole fan-out). */
export async function outboundByPrefix(
  db: Executor,
  prefix: string,
): Promise<Map<string, { ts: string | null; createdAt: Date }>> {
  const rows = await db
    .select({ key: outboundMessages.key, ts: outboundMessages.ts, createdAt: outboundMessages.createdAt })
    .from(outboundMessages)
    .where(sql`${outboundMessages.key} like ${`${prefix.replace(/[%_\\]/g, '\\$&')}%`}`);
  return new Map(rows.map((row) => [row.key, { ts: row.ts, createdAt: row.createdAt }]));
}

export async function openIncidents(db: Executor): Promise<IncidentRow[]> {
  return db.select().from(incidents).where(ne(incidents.state, 'resolved'));
}

/** Moves every escalation of one problem to another; answers the moved escalations. */
export async function moveEscalations(
  tx: Executor,
  { fromProblemId, intoProblemId, now }: { fromProblemId: number; intoProblemId: number; now: Date },
) {
  return tx
    .update(escalations)
    .set({ problemId: intoProblemId, updatedAt: now })
    .where(eq(escalations.problemId, fromProblemId))
    .returning();
}

export async function insertMerge(tx: Executor, values: typeof problemMerges.$inferInsert): Promise<void> {
  await tx.insert(problemMerges).values(values);
}

/** Open problems another problem may be merged into (not itself, not merged away, not closed). */
export async function mergeCandidates(db: Executor, exceptId: number, limit = 100) {
  return db
    .select({ id: problems.id, title: problems.title })
    .from(problems)
    .where(
      and(
        ne(problems.id, exceptId),
        sql`${problems.mergedIntoId} is null`,
        inArray(problems.status, ['triage', 'open', 'fix_released']),
      ),
    )
    .orderBy(desc(problems.priorityScore), desc(problems.id))
    .limit(limit);
}

/** Records several attempts at once (keys already present are left alone). */
export async function recordOutboundAttempts(
  db: Executor,
  messages: Array<{ key: string; channel: string; threadTs?: string | undefined }>,
): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insert(outboundMessages)
    .values(messages.map((m) => ({ key: m.key, channel: m.channel, threadTs: m.threadTs ?? null })))
    .onConflictDoNothing();
}

/** Records the ts of several posted messages in one statement. */
export async function recordOutboundPostedMany(
  db: Executor,
  posted: Array<{ key: string; ts: string }>,
): Promise<void> {
  if (posted.length === 0) return;
  const values = sql.join(
    posted.map((p) => sql`(${p.key}::text, ${p.ts}::text)`),
    sql`, `,
  );
  await db.execute(
    sql`update outbound_messages as o set ts = v.ts from (values ${values}) as v(key, ts) where o.key = v.key and o.ts is null`,
  );
}
