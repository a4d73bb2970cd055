import { type SQL, sql } from 'drizzle-orm';
import {
  ACTION_FAILED_STATES,
  ACTION_FINISHED_STATES,
  ACTION_SUCCEEDED_STATES,
  APPROVAL_DECISIONS,
  type CategoryFigures,
  CREDIT_KIND,
  emptyCategoryFigures,
  emptyFigures,
  type MoneyTotals,
  type PeriodFigures,
  REFUND_KIND,
  type ReportPeriod,
  UNSPECIFIED_REFUND_REASON,
  type WeeklyTrendPoint,
  weeksOf,
} from '../../domain/metrics.js';
import { type Executor, queryRows } from '../client.js';

/**
 * The SQL behind the monthly report, one query per group of figures, each reading only the period's rows through a
 * time index (see the schema files). Definitions: docs/metrics.md. Durations come back in milliseconds.
 */

type Num = number | string | null;
const num = (value: Num | undefined): number => Number(value ?? 0);
const maybe = (value: Num | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

const bounds = (period: ReportPeriod) => ({
  from: sql`${period.from.toISOString()}::timestamptz`,
  to: sql`${period.to.toISOString()}::timestamptz`,
});

const inPeriod = (column: SQL, period: ReportPeriod) => {
  const { from, to } = bounds(period);
  return sql`${column} >= ${from} and ${column} < ${to}`;
};

const textList = (values: readonly string[]) =>
  sql`(${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;

const millis = (later: SQL, earlier: SQL) => sql`extract(epoch from (${later} - ${earlier})) * 1000`;

/**
 * How a case joined its problem is recorded with the link (`joined_as`): `duplicate` when it was linked to a problem
 * that already existed, `reported` when it was the first case of a problem it reported. A merge moves cases to
 * another problem but never changes this, so a past month's figures do not move when problems are merged later.
 */
const DUPLICATE = sql`(e.problem_id is not null and e.joined_as = 'duplicate')`;
const REPORTED = sql`(e.problem_id is not null and e.joined_as = 'reported')`;

async function escalationCohort(db: Executor, period: ReportPeriod) {
  return queryRows<{
    category: string;
    total: Num;
    without_engineering: Num;
    escalated: Num;
  }>(
    db,
    sql`select e.category,
          count(*) as total,
          count(*) filter (where ${DUPLICATE} or (e.problem_id is null and e.closed_at is not null)) as without_engineering,
          count(*) filter (where ${REPORTED}) as escalated
        from escalations e
        where ${inPeriod(sql`e.created_at`, period)}
        group by e.category`,
  );
}

async function escalationResolutions(db: Executor, period: ReportPeriod) {
  const duration = millis(sql`closed_at`, sql`created_at`);
  return queryRows<{ category: string | null; resolved: Num; average_ms: Num; p90_ms: Num }>(
    db,
    sql`select category,
          count(*) as resolved,
          avg(${duration}) as average_ms,
          percentile_cont(0.9) within group (order by ${duration}) as p90_ms
        from escalations
        where ${inPeriod(sql`closed_at`, period)}
        group by grouping sets ((category), ())`,
  );
}

async function duplicatesAvoided(db: Executor, period: ReportPeriod) {
  return queryRows<{ category: string; duplicates: Num }>(
    db,
    sql`select e.category, count(*) as duplicates
        from escalations e
        where ${inPeriod(sql`e.linked_at`, period)} and ${DUPLICATE}
        group by e.category`,
  );
}

async function problemKinds(db: Executor, period: ReportPeriod) {
  return queryRows<{ kind: string | null; count: Num }>(
    db,
    // A problem merged into another was the same issue: its cases count with the problem they were merged into, and it
    // is not counted a second time.
    sql`select kind, count(*) as count from problems
        where ${inPeriod(sql`created_at`, period)} and merged_into_id is null
        group by kind`,
  );
}

async function incidentTimes(db: Executor, period: ReportPeriod) {
  return queryRows<{ opened: Num; first_update_ms: Num; identified_ms: Num; resolved_ms: Num }>(
    db,
    sql`select count(*) as opened,
          avg(${millis(sql`first_update`, sql`created_at`)}) as first_update_ms,
          avg(${millis(sql`identified_at`, sql`created_at`)}) as identified_ms,
          avg(${millis(sql`resolved_at`, sql`created_at`)}) as resolved_ms
        from (
          select i.created_at, i.identified_at, i.resolved_at,
            (select min(u.created_at) from status_updates u where u.incident_id = i.id) as first_update
          from incidents i
          where ${inPeriod(sql`i.created_at`, period)}
        ) opened`,
  );
}

async function rcaCounts(db: Executor, period: ReportPeriod) {
  return queryRows<{ opened: Num; closed: Num }>(
    db,
    sql`select
          (select count(*) from rca_tickets where ${inPeriod(sql`created_at`, period)}) as opened,
          (select count(*) from rca_tickets where ${inPeriod(sql`closed_at`, period)}) as closed`,
  );
}

async function actionsByKind(db: Executor, period: ReportPeriod) {
  const succeeded = sql`state in ${textList(ACTION_SUCCEEDED_STATES)}`;
  return queryRows<{
    kind: string;
    requested: Num;
    succeeded: Num;
    failed: Num;
    average_ms: Num;
    needing_approval: Num;
  }>(
    db,
    sql`select kind,
          count(*) as requested,
          count(*) filter (where ${succeeded}) as succeeded,
          count(*) filter (where state in ${textList(ACTION_FAILED_STATES)}) as failed,
          avg(${millis(sql`executed_at`, sql`created_at`)}) filter (where ${succeeded} and executed_at is not null) as average_ms,
          count(*) filter (where exists (select 1 from approvals ap where ap.action_id = a.id)) as needing_approval
        from account_actions a
        where ${inPeriod(sql`created_at`, period)}
        group by kind
        order by kind`,
  );
}

async function approvalCounts(db: Executor, period: ReportPeriod) {
  const decided = sql`ap.decision in ${textList([APPROVAL_DECISIONS.approved, APPROVAL_DECISIONS.denied])}`;
  // An approval nobody decided before its action expired (or was withdrawn) counts as expired, not as waiting.
  const lapsed = sql`(ap.decision is null and a.state in ${textList(ACTION_FINISHED_STATES)})`;
  return queryRows<{
    requested: Num;
    approved: Num;
    denied: Num;
    expired: Num;
    pending: Num;
    decision_ms: Num;
  }>(
    db,
    sql`select count(*) as requested,
          count(*) filter (where ap.decision = ${APPROVAL_DECISIONS.approved}) as approved,
          count(*) filter (where ap.decision = ${APPROVAL_DECISIONS.denied}) as denied,
          count(*) filter (where ap.decision = ${APPROVAL_DECISIONS.expired} or ${lapsed}) as expired,
          count(*) filter (where ap.decision is null and not ${lapsed}) as pending,
          avg(${millis(sql`ap.decided_at`, sql`ap.created_at`)}) filter (where ${decided} and ap.decided_at is not null) as decision_ms
        from approvals ap join account_actions a on a.id = ap.action_id
        where ${inPeriod(sql`ap.created_at`, period)}`,
  );
}

/**
 * A refund's Stripe reason, where the account-actions feature stores it: `parameters` holds the typed request under
 * `params` (`{ params: { kind: 'refund', refundReason, … }, target, recentRefunds, history }`).
 */
const REFUND_REASON = sql`coalesce(nullif(parameters->'params'->>'refundReason', ''), ${UNSPECIFIED_REFUND_REASON})`;

async function moneyMoved(db: Executor, period: ReportPeriod) {
  return queryRows<{ kind: string; reason: string; currency: string; count: Num; total: Num }>(
    db,
    sql`select kind,
          ${REFUND_REASON} as reason,
          coalesce(lower(currency), 'usd') as currency,
          count(*) as count,
          coalesce(sum(amount_minor), 0) as total
        from account_actions
        where ${inPeriod(sql`executed_at`, period)}
          and kind in ${textList([REFUND_KIND, CREDIT_KIND])}
          and state in ${textList(ACTION_SUCCEEDED_STATES)}
        group by 1, 2, 3`,
  );
}

/**
 * Invoices whose payment failed in the period (from Stripe's `invoice.payment_failed` webhook events) and how many
 * of them were paid afterwards (`invoice.paid`, at any later time). The failures are found through
 * `stripe_events_type_idx` (type, occurred_at), each one's later payment through `stripe_events_object_idx`
 * (object_id, type, occurred_at). Exported for the bench, which checks that plan with EXPLAIN.
 */
export function paymentFailuresQuery(period: ReportPeriod): SQL {
  return sql`select exists (select 1 from stripe_events) as received,
          count(distinct f.object_id) as failures,
          count(distinct f.object_id) filter (where exists (
            select 1 from stripe_events p
            where p.object_id = f.object_id and p.type = 'invoice.paid' and p.occurred_at >= f.occurred_at
          )) as recovered
        from stripe_events f
        where f.type = 'invoice.payment_failed' and ${inPeriod(sql`f.occurred_at`, period)}`;
}

/**
 * Payment failures and recoveries of the period. Null when no Stripe event was ever received: without the webhook
 * there is no data, which is not the same as no failures.
 */
export async function paymentFailureFigures(
  db: Executor,
  period: ReportPeriod,
): Promise<PeriodFigures['paymentFailures']> {
  const [row] = await queryRows<{ received: boolean; failures: Num; recovered: Num }>(
    db,
    paymentFailuresQuery(period),
  );
  if (!row?.received) return null;
  return { failures: num(row.failures), recovered: num(row.recovered) };
}

const addTo = (totals: MoneyTotals, currency: string, amount: number) => {
  totals[currency] = (totals[currency] ?? 0) + amount;
};

/** Every figure of one period (docs/metrics.md). The queries run together; each reads only its period. */
export async function periodFigures(db: Executor, period: ReportPeriod): Promise<PeriodFigures> {
  const [cohort, resolutions, duplicates, kinds, incidents, rca, actions, approvals, money, payments] =
    await Promise.all([
      escalationCohort(db, period),
      escalationResolutions(db, period),
      duplicatesAvoided(db, period),
      problemKinds(db, period),
      incidentTimes(db, period),
      rcaCounts(db, period),
      actionsByKind(db, period),
      approvalCounts(db, period),
      moneyMoved(db, period),
      paymentFailureFigures(db, period),
    ]);
  const figures = emptyFigures();

  const categories = new Map<string, CategoryFigures>();
  const categoryOf = (category: string) => {
    let found = categories.get(category);
    if (!found) {
      found = emptyCategoryFigures(category);
      categories.set(category, found);
    }
    return found;
  };
  const e = figures.escalations;
  for (const row of cohort) {
    const c = categoryOf(row.category);
    c.escalations = num(row.total);
    c.resolvedWithoutEngineering = num(row.without_engineering);
    e.total += c.escalations;
    e.resolvedWithoutEngineering += c.resolvedWithoutEngineering;
    e.escalatedToEngineering += num(row.escalated);
  }
  e.pending = e.total - e.resolvedWithoutEngineering - e.escalatedToEngineering;
  for (const row of duplicates) {
    categoryOf(row.category).duplicatesAvoided = num(row.duplicates);
    e.duplicatesAvoided += num(row.duplicates);
  }
  for (const row of resolutions) {
    if (row.category === null) {
      e.resolved = num(row.resolved);
      e.averageResolutionMs = maybe(row.average_ms);
      e.p90ResolutionMs = maybe(row.p90_ms);
    } else {
      const c = categoryOf(row.category);
      c.resolved = num(row.resolved);
      c.averageResolutionMs = maybe(row.average_ms);
    }
  }
  figures.categories = [...categories.values()].sort(
    (a, b) => b.escalations - a.escalations || a.category.localeCompare(b.category),
  );

  for (const row of kinds) {
    const count = num(row.count);
    figures.problems.total += count;
    if (row.kind === 'bug') figures.problems.bug += count;
    else if (row.kind === 'incident') figures.problems.incident += count;
    else figures.problems.unclassified += count;
  }

  const incident = incidents[0];
  figures.incidents = {
    opened: num(incident?.opened),
    averageFirstUpdateMs: maybe(incident?.first_update_ms),
    averageToIdentifiedMs: maybe(incident?.identified_ms),
    averageToResolvedMs: maybe(incident?.resolved_ms),
  };
  figures.rcaTickets = { opened: num(rca[0]?.opened), closed: num(rca[0]?.closed) };

  for (const row of actions) {
    figures.actions.byKind.push({
      kind: row.kind,
      requested: num(row.requested),
      succeeded: num(row.succeeded),
      failed: num(row.failed),
      averageMs: maybe(row.average_ms),
    });
    figures.actions.requested += num(row.requested);
    figures.actions.needingApproval += num(row.needing_approval);
  }

  const a = approvals[0];
  figures.approvals = {
    requested: num(a?.requested),
    approved: num(a?.approved),
    denied: num(a?.denied),
    expired: num(a?.expired),
    pending: num(a?.pending),
    averageDecisionMs: maybe(a?.decision_ms),
  };

  const reasons = new Map<string, { reason: string; count: number; totals: MoneyTotals }>();
  for (const row of money) {
    const count = num(row.count);
    const total = num(row.total);
    if (row.kind === REFUND_KIND) {
      figures.refunds.count += count;
      addTo(figures.refunds.totals, row.currency, total);
      const entry = reasons.get(row.reason) ?? { reason: row.reason, count: 0, totals: {} };
      entry.count += count;
      addTo(entry.totals, row.currency, total);
      reasons.set(row.reason, entry);
    } else {
      figures.credits.count += count;
      addTo(figures.credits.totals, row.currency, total);
    }
  }
  figures.refunds.byReason = [...reasons.values()].sort(
    (x, y) => y.count - x.count || x.reason.localeCompare(y.reason),
  );
  figures.paymentFailures = payments;
  return figures;
}

/** Escalations raised and duplicates avoided per Monday-based UTC week of the period. */
export async function weeklyTrend(db: Executor, period: ReportPeriod): Promise<WeeklyTrendPoint[]> {
  const week = (column: SQL) => sql`to_char(date_trunc('week', ${column} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const [raised, avoided] = await Promise.all([
    queryRows<{ week: string; count: Num }>(
      db,
      sql`select ${week(sql`created_at`)} as week, count(*) as count
          from escalations where ${inPeriod(sql`created_at`, period)} group by 1`,
    ),
    queryRows<{ week: string; count: Num }>(
      db,
      sql`select ${week(sql`e.linked_at`)} as week, count(*) as count
          from escalations e
          where ${inPeriod(sql`e.linked_at`, period)} and ${DUPLICATE} group by 1`,
    ),
  ]);
  const raisedBy = new Map(raised.map((row) => [row.week, num(row.count)]));
  const avoidedBy = new Map(avoided.map((row) => [row.week, num(row.count)]));
  return weeksOf(period).map((bucket) => ({
    label: bucket.label,
    escalations: raisedBy.get(bucket.weekStart) ?? 0,
    duplicatesAvoided: avoidedBy.get(bucket.weekStart) ?? 0,
  }));
}

/** One record behind the report, as a CSV row (docs/metrics.md, "The CSV file"). */
export interface ReportRow {
  record: string;
  id: number;
  created_at: string;
  category_or_kind: string;
  status: string;
  problem_id: number | null;
  duplicate_avoided: boolean | null;
  finished_at: string | null;
  duration_minutes: number | null;
  amount_minor: number | null;
  currency: string | null;
  reason: string | null;
  person: string | null;
}

/**
 * The records the period's figures are computed from: escalations raised or closed in it, problems, incidents and
 * RCA tickets opened in it, account actions requested or executed in it, approvals requested in it.
 */
export async function reportRows(db: Executor, period: ReportPeriod): Promise<ReportRow[]> {
  const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  const minutes = (later: SQL, earlier: SQL) =>
    sql`round((extract(epoch from (${later} - ${earlier})) / 60)::numeric, 1)`;
  const rows = await queryRows<Omit<ReportRow, 'id'> & { id: Num; duration_minutes: Num; amount_minor: Num }>(
    db,
    sql`select 'escalation' as record, e.id, ${iso(sql`e.created_at`)} as created_at, e.category as category_or_kind,
          e.status, e.problem_id, coalesce(${DUPLICATE}, false) as duplicate_avoided,
          ${iso(sql`e.closed_at`)} as finished_at, ${minutes(sql`e.closed_at`, sql`e.created_at`)} as duration_minutes,
          null::bigint as amount_minor, null::text as currency, null::text as reason, e.requester_id as person
        from escalations e
        where (${inPeriod(sql`e.created_at`, period)}) or (${inPeriod(sql`e.closed_at`, period)})
          or (${inPeriod(sql`e.linked_at`, period)})
      union all
      select 'problem', id, ${iso(sql`created_at`)}, coalesce(kind, 'unclassified'), status, id, null,
          ${iso(sql`closed_at`)}, ${minutes(sql`closed_at`, sql`created_at`)}, null, null, null, created_by
        from problems where ${inPeriod(sql`created_at`, period)}
      union all
      select 'incident', i.id, ${iso(sql`i.created_at`)}, i.severity, i.state, i.problem_id, null,
          ${iso(sql`i.resolved_at`)}, ${minutes(sql`i.resolved_at`, sql`i.created_at`)}, null, null, null, i.owner_id
        from incidents i where ${inPeriod(sql`i.created_at`, period)}
      union all
      select 'rca_ticket', id, ${iso(sql`created_at`)}, coalesce(jira_key, ''), status, problem_id, null,
          ${iso(sql`closed_at`)}, ${minutes(sql`closed_at`, sql`created_at`)}, null, null, null, null
        from rca_tickets where (${inPeriod(sql`created_at`, period)}) or (${inPeriod(sql`closed_at`, period)})
      union all
      select 'account_action', id, ${iso(sql`created_at`)}, kind, state, problem_id, null,
          ${iso(sql`executed_at`)}, ${minutes(sql`executed_at`, sql`created_at`)}, amount_minor, currency,
          case when kind = ${REFUND_KIND} then ${REFUND_REASON} end, requester_id
        from account_actions where (${inPeriod(sql`created_at`, period)}) or (${inPeriod(sql`executed_at`, period)})
      union all
      select 'approval', id, ${iso(sql`created_at`)}, required_role, coalesce(decision, 'pending'), action_id, null,
          ${iso(sql`decided_at`)}, ${minutes(sql`decided_at`, sql`created_at`)}, null, null, null, approver_id
        from approvals where ${inPeriod(sql`created_at`, period)}
      order by 1, 2`,
  );
  return rows.map((row) => ({
    ...row,
    id: num(row.id),
    problem_id: maybe(row.problem_id as Num),
    duration_minutes: maybe(row.duration_minutes),
    amount_minor: maybe(row.amount_minor),
  }));
}
