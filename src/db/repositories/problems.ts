import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryRows } from '../client.js';
import { escalations, matchRejections, problems, type StoredSignals } from '../schema/index.js';

export type ProblemRow = typeof problems.$inferSelect;

/** Problem states in which new escalations may still link to it. */
export const OPEN_PROBLEM_STATUSES = ['triage', 'open', 'fix_released'] as const;

/** How much of the linked cases' text a problem keeps for matching (most recent first). */
const SEARCH_TEXT_LIMIT = 6_000;

export interface CandidateRow {
  id: number;
  title: string;
  symptoms: string;
  category: string;
  searchText: string;
  signals: StoredSignals;
  updatedAt: Date;
  /** Texts of cases whose agents passed this problem over (most recent first, at most {@link REJECTIONS_READ}). */
  rejectedTexts: string[];
}

/** How many passed-over texts a candidate brings to the ranking. */
const REJECTIONS_READ = 20;

/** How many of a text's rarest words the candidate search uses, at most. */
const SEARCH_TERMS = 8;
/**
 * Rarest words are added while the problems they reach together stay within this budget (the rarest always counts):
 * a text's everyday words (charge, renewal) reach most problems and would make every one a candidate to rank.
 */
const SEARCH_BUDGET = 600;

/**
 * Open problems that share words with the text, best first by full-text rank over title (A), symptoms (B) and the
 * texts of linked escalations (C). The database stems the text; the search uses only its rarest words that some
 * open problem contains (`problem_term_stats`), so common billing words do not make every problem a candidate and
 * words no problem contains cost nothing. The ranking that matters happens afterwards, over all the words
 * (`domain/matching.ts`).
 */
export async function findMatchCandidates(
  db: Executor,
  { text, limit, budget = SEARCH_BUDGET }: { text: string; limit: number; budget?: number },
): Promise<CandidateRow[]> {
  const rows = await db.transaction(async (tx) => {
    // The search vectors are large (the linked cases' text) and stored out of line, so reading every problem's is
    // far dearer than the planner's default costs assume: at random_page_cost 4 (a spinning disk's) it scans all
    // problems (40 ms at 10,000) instead of asking the full-text index (5 ms). 1.1 is the usual value for data in
    // memory or on SSD; it holds for this transaction (or the caller's) only.
    await tx.execute(sql`set local random_page_cost = 1.1`);
    return queryRows<{
      id: number;
      title: string;
      symptoms: string;
      category: string;
      search_text: string;
      signals: StoredSignals;
      updated_at: Date | string;
      rejected_texts: string[] | null;
    }>(
      tx,
      sql`with known as (
          select t.lexeme, s.problems,
                 sum(s.problems) over (order by s.problems, t.lexeme) as running,
                 row_number() over (order by s.problems, t.lexeme) as n
          from unnest(to_tsvector('english', ${text.slice(0, 4000)})) as t
          join problem_term_stats s on s.lexeme = t.lexeme
          where length(t.lexeme) >= 3
        ),
        words as (
          select lexeme from known
          where n = 1 or running <= ${budget}
          order by n
          limit ${SEARCH_TERMS}
        ),
        search as (
          select to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) as query from words
        ),
        found as (
          select p.id, p.title, p.symptoms, p.category, p.search_text, p.signals, p.updated_at,
                 ts_rank_cd(p.search_vector, search.query, 1) as rank
          from problems p, search
          where search.query is not null and p.search_vector @@ search.query
            and p.status in ('triage', 'open', 'fix_released') and p.merged_into_id is null
          order by rank desc
          limit ${limit}
        )
        select f.id, f.title, f.symptoms, f.category, f.search_text, f.signals, f.updated_at,
               array(select r.text from match_rejections r where r.problem_id = f.id
                     order by r.created_at desc limit ${REJECTIONS_READ}) as rejected_texts
        from found f
        order by f.rank desc`,
    );
  });
  return rows.map((row) => ({
    id: Number(row.id),
    title: row.title,
    symptoms: row.symptoms,
    category: row.category,
    searchText: row.search_text,
    signals: row.signals,
    updatedAt: new Date(row.updated_at),
    rejectedTexts: row.rejected_texts ?? [],
  }));
}

/**
 * Records that an agent passed these problems over for a case (its card showed them as matches and the agent reported
 * a new problem instead). Once per problem and case.
 */
export async function recordPassedOver(
  db: Executor,
  input: { problemIds: readonly number[]; escalationId: number; text: string; actorId: string; now: Date },
): Promise<void> {
  if (input.problemIds.length === 0) return;
  // Only problems that exist (and were not merged away) are recorded: an id that is gone must not stop the report.
  await db.execute(sql`
    insert into match_rejections (problem_id, escalation_id, text, created_by, created_at)
    select p.id, ${input.escalationId}, ${input.text}, ${input.actorId}, ${input.now.toISOString()}::timestamptz
    from problems p
    where p.id in (${sql.join(
      input.problemIds.map((id) => sql`${id}`),
      sql`, `,
    )}) and p.merged_into_id is null
    on conflict do nothing`);
}

/** A case that joins a problem after all (a merge) no longer counts as passing it over. */
export async function forgetPassedOver(
  db: Executor,
  input: { problemId: number; escalationIds: readonly number[] },
): Promise<void> {
  if (input.escalationIds.length === 0) return;
  await db
    .delete(matchRejections)
    .where(
      and(
        eq(matchRejections.problemId, input.problemId),
        inArray(matchRejections.escalationId, [...input.escalationIds]),
      ),
    );
}

/** Recounts, for every word, how many open problems contain it (see `problem_term_stats`). */
export async function refreshProblemTermStats(tx: Executor): Promise<number> {
  await tx.execute(sql`delete from problem_term_stats`);
  const rows = await queryRows<{ count: number | string }>(
    tx,
    sql`with inserted as (
          insert into problem_term_stats (lexeme, problems)
          select word, ndoc from ts_stat(
            'select search_vector from problems where status in (''triage'', ''open'', ''fix_released'') and merged_into_id is null'
          )
          returning 1
        ) select count(*) as count from inserted`,
  );
  return Number(rows[0]?.count ?? 0);
}

export async function getProblem(db: Executor, id: number): Promise<ProblemRow | undefined> {
  const [row] = await db.select().from(problems).where(eq(problems.id, id));
  return row;
}

export async function getProblems(db: Executor, ids: readonly number[]): Promise<ProblemRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(problems)
    .where(inArray(problems.id, [...ids]));
}

export async function insertProblem(
  tx: Executor,
  values: {
    title: string;
    symptoms: string;
    category: string;
    createdBy: string;
    signals: StoredSignals;
    now: Date;
  },
): Promise<ProblemRow> {
  const [row] = await tx
    .insert(problems)
    .values({
      title: values.title,
      symptoms: values.symptoms,
      category: values.category,
      createdBy: values.createdBy,
      signals: values.signals,
      status: 'triage',
      createdAt: values.now,
      updatedAt: values.now,
    })
    .returning();
  if (!row) throw new Error('problem insert returned nothing');
  await countNewTerms(tx, row.id, undefined);
  return row;
}

/**
 * Adds the words a problem's search vector gained to `problem_term_stats` (a word it already had is not counted
 * twice). The periodic recount also removes what closed problems no longer contribute.
 */
async function countNewTerms(tx: Executor, problemId: number, before: string | undefined): Promise<void> {
  await tx.execute(sql`
    insert into problem_term_stats (lexeme, problems)
    select lexeme, 1 from (
      select unnest(tsvector_to_array(search_vector)) as lexeme from problems where id = ${problemId}
      except
      select unnest(tsvector_to_array(coalesce(${before ?? null}::tsvector, ''::tsvector)))
    ) as added
    on conflict (lexeme) do update set problems = problem_term_stats.problems + 1`);
}

/** Adds a newly linked case's text and signals to what matching searches for this problem. */
export async function addLinkedCaseText(
  tx: Executor,
  problemId: number,
  { text, signals, now }: { text: string; signals: StoredSignals; now: Date },
): Promise<void> {
  const [current] = await tx
    .select({
      searchText: problems.searchText,
      signals: problems.signals,
      searchVector: problems.searchVector,
    })
    .from(problems)
    .where(eq(problems.id, problemId))
    // The row's key does not change: this lock still lets a case reference the problem meanwhile.
    .for('no key update');
  if (!current) return;
  const searchText = `${text.replaceAll('\n', ' ').trim()}\n${current.searchText}`.slice(
    0,
    SEARCH_TEXT_LIMIT,
  );
  const merged: StoredSignals = {
    codes: [...new Set([...current.signals.codes, ...signals.codes])],
    stripeIds: [...new Set([...current.signals.stripeIds, ...signals.stripeIds])].slice(0, 200),
    invoiceNumbers: [...new Set([...current.signals.invoiceNumbers, ...signals.invoiceNumbers])].slice(
      0,
      200,
    ),
  };
  await tx
    .update(problems)
    .set({ searchText, signals: merged, updatedAt: now })
    .where(eq(problems.id, problemId));
  await countNewTerms(tx, problemId, current.searchVector ?? undefined);
}

export async function setTriageCard(
  db: Executor,
  problemId: number,
  card: { channel: string; ts: string },
): Promise<void> {
  await db
    .update(problems)
    .set({ triageChannel: card.channel, triageTs: card.ts })
    .where(eq(problems.id, problemId));
}

export interface ProblemImpact {
  escalations: number;
  customers: number;
  /** Summed MRR of the distinct affected customers, per currency (integer minor units). */
  revenueAtRisk: Array<{ currency: string; amountMinor: number }>;
}

/** Who a problem hurts: linked escalations, distinct customers, and their summed MRR (each customer counted once). */
export async function problemImpact(db: Executor, problemId: number): Promise<ProblemImpact> {
  const rows = await queryRows<{
    currency: string;
    customers: number | string;
    escalations: number | string;
    revenue: number | string;
  }>(
    db,
    sql`with per_customer as (
          select customer_id, max(currency) as currency, max(customer_mrr_minor) as mrr, count(*) as escalations
          from escalations where problem_id = ${problemId}
          group by customer_id
        )
        select currency, count(*) as customers, sum(escalations) as escalations, sum(mrr) as revenue
        from per_customer group by currency order by sum(mrr) desc`,
  );
  return {
    escalations: rows.reduce((sum, row) => sum + Number(row.escalations), 0),
    customers: rows.reduce((sum, row) => sum + Number(row.customers), 0),
    revenueAtRisk: rows.map((row) => ({ currency: row.currency, amountMinor: Number(row.revenue) })),
  };
}

/** Problems an escalation can still be linked to (not closed, not merged away). */
export async function isLinkable(
  db: Executor,
  problemId: number,
  { lock = false }: { lock?: boolean } = {},
): Promise<boolean> {
  const query = db
    .select({ id: problems.id })
    .from(problems)
    .where(
      and(
        eq(problems.id, problemId),
        isNull(problems.mergedIntoId),
        inArray(problems.status, [...OPEN_PROBLEM_STATUSES]),
        ne(problems.status, 'closed'),
      ),
    );
  // The lock waits for a merge or close holding the problem, then reads the problem as it left it. It is the lock
  // a link's later write to the problem takes anyway (its search text), taken first: two links to one problem
  // queue for a moment instead of each holding a share the other must wait out (a deadlock).
  const [row] = lock ? await query.for('no key update') : await query;
  return row !== undefined;
}

export async function linkedEscalations(db: Executor, problemId: number, limit = 20) {
  return db
    .select()
    .from(escalations)
    .where(eq(escalations.problemId, problemId))
    .orderBy(escalations.createdAt)
    .limit(limit);
}

export interface ProblemSummary {
  id: number;
  title: string;
  kind: string | null;
  status: string;
  workaround: string | null;
  linkedCustomers: number;
}

/** Title, kind, status, workaround and the number of distinct linked customers of each problem. */
export async function problemSummaries(db: Executor, ids: readonly number[]): Promise<ProblemSummary[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<{
    id: number;
    title: string;
    kind: string | null;
    status: string;
    workaround: string | null;
    customers: number | string;
  }>(
    db,
    sql`select p.id, p.title, p.kind, p.status, p.workaround,
               (select count(distinct e.customer_id) from escalations e where e.problem_id = p.id) as customers
        from problems p where p.id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    title: row.title,
    kind: row.kind,
    status: row.status,
    workaround: row.workaround,
    linkedCustomers: Number(row.customers),
  }));
}
