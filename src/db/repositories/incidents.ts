import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../client.js';
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

export async function statusUpdateBySubmission(
  db: Executor,
  submissionKey: string,
): Promise<StatusUpdateRow | undefined> {
  const [row] = await db.select().from(statusUpdates).where(eq(statusUpdates.submissionKey, submissionKey));
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

/**
 * The keys starting with `prefix`, as a byte-wise range (`~>=~`, `~<~`) that the key's pattern index serves, also
 * with the prefix as a parameter of a prepared statement, where a LIKE could not use it.
 */
function prefixBounds(prefix: string): { low: string; high: string } {
  const last = prefix.charCodeAt(prefix.length - 1);
  return { low: prefix, high: `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}` };
}
const keyWithPrefix = (prefix: string) => {
  const { low, high } = prefixBounds(prefix);
  return sql`${outboundMessages.key} ~>=~ ${low} and ${outboundMessages.key} ~<~ ${high}`;
};

/** Outbound messages already attempted under keys starting with `prefix` (one query for a whole fan-out). */
export async function outboundByPrefix(
  db: Executor,
  prefix: string,
): Promise<Map<string, { ts: string | null; createdAt: Date }>> {
  const rows = await db
    .select({ key: outboundMessages.key, ts: outboundMessages.ts, createdAt: outboundMessages.createdAt })
    .from(outboundMessages)
    .where(keyWithPrefix(prefix));
  return new Map(rows.map((row) => [row.key, { ts: row.ts, createdAt: row.createdAt }]));
}

export async function openIncidents(db: Executor): Promise<IncidentRow[]> {
  return db.select().from(incidents).where(ne(incidents.state, 'resolved'));
}

/** Moves every escalation of one problem to another; answers the moved escalations. */
export async function moveEscalations(
  tx: Executor,
  {
    fromProblemId,
    intoProblemId,
    intoFixReleased,
    now,
  }: { fromProblemId: number; intoProblemId: number; intoFixReleased: boolean; now: Date },
) {
  // A case waiting for its customer to confirm the duplicate's fix waits for the other problem's fix instead, unless
  // that is out too: a confirmation of the wrong fix must not close the problem the case now belongs to.
  const status = intoFixReleased
    ? escalations.status
    : sql`case when ${escalations.status} = 'awaiting_confirmation' then 'linked' else ${escalations.status} end`;
  // `joined_as` and `linked_at` stay as they are: how and when a case joined is history, and the report's past months
  // are computed from it (docs/metrics.md, "Merges").
  return tx
    .update(escalations)
    .set({ problemId: intoProblemId, status, updatedAt: now })
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

/** Forgets an attempt that Slack refused without posting, so nothing waits for it to finish. */
export async function forgetOutboundAttempt(db: Executor, key: string): Promise<void> {
  await db.delete(outboundMessages).where(and(eq(outboundMessages.key, key), isNull(outboundMessages.ts)));
}

/**
 * How far the fan-out under each key prefix got: attempts recorded and posts known (one query for many prefixes).
 * A prefix with no attempt recorded is missing from the answer.
 */
export async function outboundProgress(
  db: Executor,
  prefixes: readonly string[],
): Promise<Map<string, { recorded: number; posted: number }>> {
  if (prefixes.length === 0) return new Map();
  const values = sql.join(
    prefixes.map((prefix) => {
      const { low, high } = prefixBounds(prefix);
      return sql`(${prefix}::text, ${low}::text, ${high}::text)`;
    }),
    sql`, `,
  );
  // One index range per prefix (a LIKE joined against a list of patterns reads the whole table).
  const rows = await queryRows<{ prefix: string; recorded: number | string; posted: number | string }>(
    db,
    sql`select p.prefix, x.recorded, x.posted
          from (values ${values}) as p(prefix, low, high)
          cross join lateral (
            select count(*) as recorded, count(o.ts) as posted
              from outbound_messages o
             where o.key ~>=~ p.low and o.key ~<~ p.high
          ) as x
         where x.recorded > 0`,
  );
  return new Map(
    rows.map((row) => [row.prefix, { recorded: Number(row.recorded), posted: Number(row.posted) }]),
  );
}

/**
 * Records several attempts in one statement (keys already present are left alone). The rows travel as three array
 * parameters, not three parameters a row: a thousand rows cost a few milliseconds instead of a hundred to bind.
 */
export async function recordOutboundAttempts(
  db: Executor,
  messages: Array<{ key: string; channel: string; threadTs?: string | undefined }>,
): Promise<void> {
  if (messages.length === 0) return;
  await db.execute(
    sql`insert into outbound_messages (key, channel, thread_ts)
        select * from unnest(${sql.param(messages.map((m) => m.key))}::text[],
                             ${sql.param(messages.map((m) => m.channel))}::text[],
                             ${sql.param(messages.map((m) => m.threadTs ?? null))}::text[])
        on conflict (key) do nothing`,
  );
}

/** Records the ts of several posted messages in one statement. */
export async function recordOutboundPostedMany(
  db: Executor,
  posted: Array<{ key: string; ts: string }>,
): Promise<void> {
  if (posted.length === 0) return;
  await db.execute(
    sql`update outbound_messages as o set ts = v.ts
          from unnest(${sql.param(posted.map((p) => p.key))}::text[],
                      ${sql.param(posted.map((p) => p.ts))}::text[]) as v(key, ts)
         where o.key = v.key and o.ts is null`,
  );
}

/**
 * Claims the fan-out of an incident for one run (`holder`) for `seconds`, unless another run holds an unexpired
 * claim. Time is the database's, so instances with drifting clocks agree. Answers whether the claim is this run's,
 * and otherwise until when the other run's claim holds.
 */
export async function claimFanOut(
  db: Executor,
  incidentId: number,
  holder: string,
  seconds: number,
): Promise<{ claimed: true } | { claimed: false; until: Date | null }> {
  const claimed = await db
    .update(incidents)
    .set({ fanOutHolder: holder, fanOutUntil: sql`now() + make_interval(secs => ${seconds})` })
    .where(
      and(
        eq(incidents.id, incidentId),
        sql`(${incidents.fanOutHolder} is null or ${incidents.fanOutHolder} = ${holder} or ${incidents.fanOutUntil} < now())`,
      ),
    )
    .returning({ id: incidents.id });
  if (claimed.length > 0) return { claimed: true };
  const [row] = await db
    .select({ until: incidents.fanOutUntil })
    .from(incidents)
    .where(eq(incidents.id, incidentId));
  return { claimed: false, until: row?.until ?? null };
}

/** Extends a run's claim; false when the claim is no longer this run's (it expired and another run took it). */
export async function renewFanOut(
  db: Executor,
  incidentId: number,
  holder: string,
  seconds: number,
): Promise<boolean> {
  const renewed = await db
    .update(incidents)
    .set({ fanOutUntil: sql`now() + make_interval(secs => ${seconds})` })
    .where(and(eq(incidents.id, incidentId), eq(incidents.fanOutHolder, holder)))
    .returning({ id: incidents.id });
  return renewed.length > 0;
}

/** Lets go of a run's claim (a claim another run has taken since is left alone). */
export async function releaseFanOut(db: Executor, incidentId: number, holder: string): Promise<void> {
  await db
    .update(incidents)
    .set({ fanOutHolder: null, fanOutUntil: null })
    .where(and(eq(incidents.id, incidentId), eq(incidents.fanOutHolder, holder)));
}
