import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Settings } from '../config.js';
import { type Database, type Executor, queryRows } from '../db/client.js';
import { escalations, problems } from '../db/schema/index.js';
import { parseSegment } from '../domain/customers.js';
import {
  type AffectedCustomer,
  customerSegment,
  type PriorityScore,
  priorityScore,
} from '../domain/priority.js';
import type { JobDefinition, JobQueue } from '../jobs/queue.js';
import type { Logger } from '../logger.js';
import { afterImpactChanged } from './problem-links.js';

/** The distinct customers of a problem's linked escalations, with the latest facts each escalation recorded. */
export async function affectedCustomers(db: Executor, problemId: number): Promise<AffectedCustomer[]> {
  const rows = await queryRows<{
    customer_id: string;
    customer_name: string;
    customer_mrr_minor: number | string;
    currency: string;
    customer_seats: number | string;
    customer_segment: string | null;
    customer_since: Date | string | null;
  }>(
    db,
    sql`select distinct on (customer_id) customer_id, customer_name, customer_mrr_minor, currency, customer_seats,
               customer_segment, customer_since
        from escalations where problem_id = ${problemId}
        order by customer_id, created_at desc`,
  );
  return rows.map((row) => ({
    id: row.customer_id,
    name: row.customer_name,
    mrrMinor: Number(row.customer_mrr_minor),
    currency: row.currency,
    seats: Number(row.customer_seats),
    segment: parseSegment(row.customer_segment ?? undefined),
    since: row.customer_since ? new Date(row.customer_since) : undefined,
  }));
}

/** Recomputes and stores a problem's priority score and its explanation (in the caller's transaction). */
export async function recomputePriority(
  tx: Executor,
  settings: Settings,
  problemId: number,
  now: Date,
): Promise<PriorityScore> {
  const result = priorityScore(await affectedCustomers(tx, problemId), now, settings.priority);
  await tx
    .update(problems)
    .set({ priorityScore: result.score, priorityExplanation: result.explanation })
    .where(eq(problems.id, problemId));
  return result;
}

/**
 * A customer's facts changed (plan, seats, segment, MRR): the escalations keep the new facts, and every open problem
 * they are linked to is ranked again, its RCA ticket brought up to date and its impact checked against the
 * large-impact threshold (durable jobs in the caller's transaction). A closed problem is only ranked again.
 */
export async function customerFactsChanged(
  tx: Executor,
  deps: { jobs: JobQueue; settings: Settings },
  input: {
    customerId: string;
    mrrMinor: number;
    currency: string;
    seats: number;
    segment: string | undefined;
    since: Date | undefined;
    now: Date;
  },
): Promise<number[]> {
  const updated = await tx
    .update(escalations)
    .set({
      customerMrrMinor: input.mrrMinor,
      currency: input.currency,
      customerSeats: input.seats,
      customerSegment: input.segment ?? null,
      ...(input.since ? { customerSince: input.since } : {}),
    })
    .where(eq(escalations.customerId, input.customerId))
    .returning({ problemId: escalations.problemId });
  const problemIds = [...new Set(updated.flatMap((row) => (row.problemId ? [row.problemId] : [])))];
  if (problemIds.length === 0) return [];
  const open = new Set(
    (
      await tx
        .select({ id: problems.id })
        .from(problems)
        .where(
          and(inArray(problems.id, problemIds), ne(problems.status, 'closed'), isNull(problems.mergedIntoId)),
        )
    ).map((row) => row.id),
  );
  const followUps = { ...deps, now: () => input.now };
  for (const problemId of problemIds) {
    if (open.has(problemId)) await afterImpactChanged(tx, followUps, problemId);
    else await recomputePriority(tx, deps.settings, problemId, input.now);
  }
  return problemIds;
}

export interface QueueEntry {
  id: number;
  title: string;
  kind: string | null;
  status: string;
  priorityScore: number;
  priorityExplanation: string[];
  jiraKey: string | null;
  customers: number;
}

/** Open problems, highest score first. */
export async function rankedProblems(db: Executor, limit: number): Promise<QueueEntry[]> {
  const rows = await queryRows<{
    id: number;
    title: string;
    kind: string | null;
    status: string;
    priority_score: number;
    priority_explanation: string[];
    jira_key: string | null;
    customers: number | string;
  }>(
    db,
    sql`select p.id, p.title, p.kind, p.status, p.priority_score, p.priority_explanation, r.jira_key,
               (select count(distinct e.customer_id) from escalations e where e.problem_id = p.id) as customers
        from problems p left join rca_tickets r on r.problem_id = p.id
        where p.status <> 'closed' and p.merged_into_id is null
        order by p.priority_score desc, p.created_at
        limit ${limit}`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    title: row.title,
    kind: row.kind,
    status: row.status,
    priorityScore: Number(row.priority_score),
    priorityExplanation: row.priority_explanation,
    jiraKey: row.jira_key,
    customers: Number(row.customers),
  }));
}

/** What the customer facts port answers (Stripe behind it). */
export interface CurrentCustomerFacts {
  customer: { segment: string | undefined; createdAt: Date };
  mrrMinor: number;
  currency: string;
  seats: number;
  planIds?: string[];
}

export interface FactsRefreshDeps {
  db: Database;
  jobs: JobQueue;
  settings: Settings;
  now: () => Date;
  customerFacts: (customerId: string) => Promise<CurrentCustomerFacts | undefined>;
}

/**
 * Re-reads the facts of every customer affected by an open problem (plan, seats, segment, MRR) and ranks the
 * problems again where they changed. Runs on a schedule; a customer Stripe cannot answer for keeps its last facts.
 */
export async function refreshCustomerFacts(
  deps: FactsRefreshDeps,
): Promise<{ customers: number; changed: number }> {
  const rows = await queryRows<{
    customer_id: string;
    customer_mrr_minor: number | string;
    currency: string;
    customer_seats: number | string;
    customer_segment: string | null;
  }>(
    deps.db,
    sql`select distinct on (e.customer_id) e.customer_id, e.customer_mrr_minor, e.currency, e.customer_seats,
               e.customer_segment
        from escalations e join problems p on p.id = e.problem_id
        where p.status <> 'closed' and p.merged_into_id is null
        order by e.customer_id, e.created_at desc`,
  );
  let changed = 0;
  for (const row of rows) {
    const facts = await deps.customerFacts(row.customer_id).catch(() => undefined);
    if (!facts) continue;
    const segment = customerSegment(
      parseSegment(facts.customer.segment),
      facts.planIds ?? [],
      deps.settings.priority.planSegments,
    );
    const same =
      Number(row.customer_mrr_minor) === facts.mrrMinor &&
      row.currency === facts.currency &&
      Number(row.customer_seats) === facts.seats &&
      (row.customer_segment ?? undefined) === segment;
    if (same) continue;
    changed += 1;
    await deps.db.transaction((tx) =>
      customerFactsChanged(tx, deps, {
        customerId: row.customer_id,
        mrrMinor: facts.mrrMinor,
        currency: facts.currency,
        seats: facts.seats,
        segment,
        since: facts.customer.createdAt,
        now: deps.now(),
      }),
    );
  }
  return { customers: rows.length, changed };
}

export const REFRESH_CUSTOMER_FACTS_JOB = 'priority.refresh-customer-facts';

export function refreshCustomerFactsJob(
  deps: FactsRefreshDeps & { logger: Logger },
): JobDefinition<Record<string, never>> {
  return {
    name: REFRESH_CUSTOMER_FACTS_JOB,
    schema: z.object({}).strip() as unknown as z.ZodType<Record<string, never>>,
    retryLimit: 1,
    expireInSeconds: 600,
    schedule: '23 * * * *',
    handler: async () => {
      const result = await refreshCustomerFacts(deps);
      deps.logger.info(result, 'refreshed the facts of affected customers');
    },
  };
}
