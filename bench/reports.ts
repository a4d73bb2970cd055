import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import {
  paymentFailureFigures,
  paymentFailuresQuery,
  periodFigures,
  reportRows,
  weeklyTrend,
} from '../src/db/repositories/metrics.js';
import { monthPeriod } from '../src/domain/metrics.js';
import type { RoleName } from '../src/domain/roles.js';
import { renderChartPng } from '../src/integrations/charts/png.js';
import { createLogger } from '../src/logger.js';
import { type HomeDeps, homeModel } from '../src/services/home.js';
import { buildReportFiles, buildReportMessage } from '../src/services/report.js';
import { homeView } from '../src/views/home.js';
import { weeklyTrendChartSpec } from '../src/views/report-files.js';
import { heading, line, ms, summary } from './support.js';

/**
 * The monthly report and App Home at scale on Postgres: 1,000,000 escalations, 100,000 account actions (with about
 * 14,000 approvals), 10,000 problems and about 1,130,000 Stripe webhook events (240,000 failed invoices) spread over
 * the twelve months to November 2026, so the reported month (October 2026) holds about 83,000 escalations and
 * 20,000 failed invoices. Runs in its own database, `frontline_bench_reports`, on the server
 * of BENCH_DATABASE_URL; the data is generated once and kept for later runs.
 */
const DATABASE = 'frontline_bench_reports';
const MONTH = monthPeriod(2026, 9);
const NOW = new Date('2026-10-20T12:00:00Z');
const RUNS = 7;

async function ensureDatabase(adminUrl: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!found) await admin.unsafe(`create database "${DATABASE}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

const count = async (db: DatabaseHandle, table: string) =>
  Number(
    (await queryRows<{ n: string }>(db.db, sql`select count(*) as n from ${sql.raw(table)}`))[0]?.n ?? 0,
  );

/** Refund reasons as the agents' form offers them (domain/account-actions.ts REFUND_REASONS). */
const REASONS = sql.raw(`array['duplicate','requested_by_customer','requested_by_customer','fraudulent']`);

/** Payment-failure webhook events over the year: about 20,000 failed invoices a month. */
const FAILED_INVOICES = 240_000;

async function seedCore(db: DatabaseHandle): Promise<boolean> {
  if ((await count(db, 'escalations')) >= 1_000_000) return false;
  const run = (query: ReturnType<typeof sql>) => db.db.execute(query);
  await run(
    sql`truncate escalations, approvals, account_actions, status_updates, incidents, rca_tickets, problems restart identity cascade`,
  );
  const categories = sql.raw(
    `array['payment_failed','invoice_discrepancy','plan_change','refund','overcharge_dispute','duplicate_charge','payment_method_update','tax_question','other']`,
  );
  // Problems: the first 1,000 were known before the year began (duplicates link to them), the rest appear over it.
  await run(sql`
    insert into problems (title, category, status, kind, created_by, priority_score, priority_explanation,
                          created_at, updated_at)
    select 'Bench problem ' || g, (${categories})[1 + g % 9],
           case when g % 10 < 3 then 'closed' else 'open' end,
           (array['bug','incident',null])[1 + g % 3], 'U0BENCH', (g * 7919) % 1000,
           '["Customer size: bench"]'::jsonb,
           t, t
    from (select g, case when g <= 1000 then timestamptz '2025-10-01 00:00+00' - g * interval '1 minute'
                 else timestamptz '2025-11-01 00:00+00' + (g % 365) * interval '1 day' + (g % 1440) * interval '1 minute'
                 end as t
          from generate_series(1, 10000) g) s`);
  await run(sql`
    insert into escalations (customer_id, customer_name, priority, category, summary, requester_id, source, status,
                             problem_id, created_at, updated_at, linked_at, closed_at)
    select 'cus_' || (g % 50000), 'Customer ' || (g % 50000), 'p3', (${categories})[1 + g % 9],
           'Bench case ' || g, 'U0AGENT' || (g % 199), 'command',
           case when b < 10 or (b >= 22 and b < 70) then 'closed' when b < 22 then 'linked' else 'open' end,
           case when b < 20 then 1 + g % 1000 when b < 22 then 1001 + g % 9000 else null end,
           t, t,
           case when b < 22 then t + interval '15 minutes' else null end,
           case when b < 10 or (b >= 22 and b < 70) then t + (g % 72) * interval '1 hour' + interval '5 minutes' else null end
    from (select g, g % 100 as b,
                 timestamptz '2025-11-01 00:00+00' + (g::double precision / 1000000) * interval '365 days' as t
          from generate_series(1, 1000000) g) s`);
  await run(sql`
    insert into incidents (problem_id, public_title, severity, state, owner_id, created_at, identified_at, resolved_at)
    select id, title, 'major', case when id % 5 = 0 then 'investigating' else 'resolved' end, 'U0BENCH',
           created_at + interval '1 hour', created_at + interval '2 hours',
           case when id % 5 = 0 then null else created_at + interval '9 hours' end
    from problems where kind = 'incident' and id % 6 = 1`);
  await run(sql`
    insert into status_updates (incident_id, state, public_message, author_id, created_at)
    select i.id, s.state, 'Bench update', 'U0BENCH', i.created_at + s.after
    from incidents i cross join (values ('investigating', interval '20 minutes'), ('identified', interval '1 hour')) s(state, after)`);
  await run(sql`
    insert into rca_tickets (problem_id, jira_key, status, created_at, updated_at, closed_at)
    select id, 'RCA-' || id, case when id % 4 = 0 then 'closed' else 'open' end, created_at + interval '3 hours',
           created_at + interval '3 hours', case when id % 4 = 0 then created_at + interval '20 days' else null end
    from problems where id % 2 = 0`);
  return true;
}

/** A quarter of the problems have an engineering assessment, as the assessment form stores it. */
async function seedAssessments(db: DatabaseHandle): Promise<boolean> {
  if ((await count(db, 'problem_assessments')) > 0) return false;
  await db.db.execute(sql`
    insert into problem_assessments (problem_id, answers, severity, suggested_decision, decision, assessed_by,
                                     revision, created_at, updated_at)
    select id, '{"causedBy":"bench"}'::jsonb, (array['critical','major','minor'])[1 + id % 3],
           (array['patch','next_compile','next_sprint'])[1 + id % 3], (array['patch','next_compile','next_sprint'])[1 + id % 3],
           'U0BENCHENG', 1 + id % 2, created_at + interval '1 day', created_at + interval '1 day'
    from problems where id % 4 = 0`);
  return true;
}

/** Account actions with `parameters` in the shape the account-actions feature stores (re-seeded when older). */
async function seedActions(db: DatabaseHandle): Promise<boolean> {
  const [stored] = await queryRows<{ n: string }>(
    db.db,
    sql`select count(*) as n from account_actions where parameters ? 'params'`,
  );
  if (Number(stored?.n ?? 0) >= 100_000) return false;
  const run = (query: ReturnType<typeof sql>) => db.db.execute(query);
  await run(sql`truncate approvals, account_actions restart identity cascade`);
  await run(sql`
    insert into account_actions (kind, customer_id, parameters, amount_minor, currency, reason, requester_id, state,
                                 created_at, updated_at, executed_at)
    select k, 'cus_' || (g % 50000),
           jsonb_build_object(
             'params',
             case k
               when 'refund' then jsonb_build_object('kind', k, 'target', 'ch_bench' || g, 'amountMinor', amount,
                                                     'currency', cur, 'refundReason', (${REASONS})[1 + (g / 8) % 4])
               when 'credit' then jsonb_build_object('kind', k, 'amountMinor', amount, 'currency', cur)
               else jsonb_build_object('kind', k)
             end,
             'target', '{}'::jsonb, 'recentRefunds', 0,
             'history', '{"refunds":[],"credits":[]}'::jsonb, 'historyDays', 90),
           amount, cur, 'Bench request', 'U0AGENT' || (g % 199), st, t, t,
           case when st = 'executed' then t + (g % 120) * interval '1 minute' else null end
    from (select g, t, k, st,
                 case when k in ('refund', 'credit') then 500 + (g % 40) * 250 else null end as amount,
                 case when k in ('refund', 'credit') then (array['usd','usd','usd','eur'])[1 + g % 4] else null end as cur
          from (select g, timestamptz '2025-11-01 00:00+00' + (g::double precision / 100000) * interval '365 days' as t,
                       (array['payment_link','resend_invoice','credit','refund','upgrade','downgrade','extend_trial','update_payment_method'])[1 + g % 8] as k,
                       case when g % 100 < 90 then 'executed' when g % 100 < 93 then 'failed' when g % 100 < 95 then 'denied'
                            when g % 100 < 97 then 'expired' else 'pending_approval' end as st
                from generate_series(1, 100000) g) base) s`);
  // Stages as the feature stores them: a manager-or-specialist stage names both roles, comma-separated.
  await run(sql`
    insert into approvals (action_id, stage, required_role, approver_id, decision, created_at, decided_at)
    select id, 1, (array['manager,billing_specialist','billing_specialist','vp'])[1 + id % 3],
           case when state = 'pending_approval' then null else 'U0BENCHMGR' end,
           case state when 'denied' then 'denied' when 'expired' then 'expired' when 'pending_approval' then null
                      else 'approved' end,
           created_at,
           case when state = 'pending_approval' then null else created_at + (id % 300) * interval '1 minute' end
    from account_actions where id % 7 = 0 or state in ('denied', 'expired', 'pending_approval')`);
  return true;
}

/**
 * Stripe webhook events as POST /webhooks/stripe stores them: 240,000 invoices that failed over the year (about
 * 20,000 a month; a third failed twice), 78% of them paid a few days later, 600,000 invoices paid at once and 20,000
 * refunds. The report's payment-failure figures read the failures of one month and look up each one's later payment.
 */
async function seedStripeEvents(db: DatabaseHandle): Promise<boolean> {
  if ((await count(db, 'stripe_events')) >= 1_000_000) return false;
  const run = (query: ReturnType<typeof sql>) => db.db.execute(query);
  await run(sql`truncate stripe_events`);
  const failed = sql`(select g, timestamptz '2025-11-01 00:00+00' + (g::double precision / ${FAILED_INVOICES}) * interval '365 days' as t
                      from generate_series(1, ${FAILED_INVOICES}) g) s`;
  await run(sql`
    insert into stripe_events (id, type, customer_id, object_id, amount_minor, currency, failure_code, occurred_at,
                               created_at)
    select 'evt_fail_' || g || '_' || attempt, 'invoice.payment_failed', 'cus_' || (g % 50000), 'in_fail_' || g,
           2900 + (g % 50) * 100, 'usd',
           (array['expired_card','insufficient_funds','card_declined','incorrect_number','processing_error'])[1 + g % 5],
           t + (attempt - 1) * interval '3 days', t + (attempt - 1) * interval '3 days'
    from ${failed} cross join lateral generate_series(1, case when g % 3 = 0 then 2 else 1 end) attempt`);
  await run(sql`
    insert into stripe_events (id, type, customer_id, object_id, amount_minor, currency, occurred_at, created_at)
    select 'evt_recovered_' || g, 'invoice.paid', 'cus_' || (g % 50000), 'in_fail_' || g, 2900 + (g % 50) * 100, 'usd',
           t + (1 + g % 5) * interval '1 day' + interval '6 hours', t + (1 + g % 5) * interval '1 day' + interval '6 hours'
    from ${failed} where g % 100 < 78`);
  await run(sql`
    insert into stripe_events (id, type, customer_id, object_id, amount_minor, currency, occurred_at, created_at)
    select 'evt_paid_' || g, 'invoice.paid', 'cus_' || (g % 50000), 'in_ok_' || g, 2900 + (g % 50) * 100, 'usd', t, t
    from (select g, timestamptz '2025-11-01 00:00+00' + (g::double precision / 600000) * interval '365 days' as t
          from generate_series(1, 600000) g) s`);
  await run(sql`
    insert into stripe_events (id, type, customer_id, object_id, amount_minor, currency, occurred_at, created_at)
    select 'evt_refund_' || g, 'charge.refunded', 'cus_' || (g % 50000), 'ch_' || g, 1500, 'usd', t, t
    from (select g, timestamptz '2025-11-01 00:00+00' + (g::double precision / 20000) * interval '365 days' as t
          from generate_series(1, 20000) g) s`);
  return true;
}

async function seed(db: DatabaseHandle): Promise<void> {
  const seeded = [
    await seedCore(db),
    await seedAssessments(db),
    await seedActions(db),
    await seedStripeEvents(db),
  ];
  if (seeded.some(Boolean)) await db.db.execute(sql`vacuum analyze`);
}

/** The plan of the month's payment-failure query, and which indexes it reads stripe_events through. */
async function paymentFailurePlan(db: DatabaseHandle): Promise<{ plan: string[]; indexes: string[] }> {
  const rows = await queryRows<{ 'QUERY PLAN': string }>(
    db.db,
    sql`explain (analyze, costs off, timing off) ${paymentFailuresQuery(MONTH)}`,
  );
  const plan = rows.map((row) => row['QUERY PLAN']);
  const indexes = [
    ...new Set(plan.flatMap((line) => /(?:using|on) (stripe_events_\w+)/i.exec(line)?.[1] ?? [])),
  ];
  return { plan, indexes };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; timings: number[] }> {
  let value = await work(); // warm-up: plans cached, pages in memory
  const timings: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    value = await work();
    timings.push(performance.now() - started);
  }
  return { value, timings };
}

function report(label: string, timings: number[]): void {
  const s = summary(timings);
  line(`${label} (p50 / max of ${timings.length})`, `${ms(s.p50)} / ${ms(Math.max(...timings))}`);
}

export async function reportsBench(): Promise<void> {
  heading('Monthly report and App Home at scale (Postgres)');
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    line(
      'skipped',
      `set BENCH_DATABASE_URL; the bench creates and fills the database ${DATABASE} on that server`,
    );
    return;
  }
  const db = await openDatabase({ kind: 'postgres', url: await ensureDatabase(adminUrl) });
  try {
    await db.migrate();
    const started = Date.now();
    await seed(db);
    line(
      'escalations / account actions / approvals / problems / Stripe events',
      `${await count(db, 'escalations')} / ${await count(db, 'account_actions')} / ${await count(db, 'approvals')} / ${await count(db, 'problems')} / ${await count(db, 'stripe_events')} (ready in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    const figures = await timed(() => periodFigures(db.db, MONTH));
    line(`escalations in ${MONTH.month}`, String(figures.value.escalations.total));
    report('all figures of one month', figures.timings);
    const payments = await timed(() => paymentFailureFigures(db.db, MONTH));
    report(
      `payment failures: ${payments.value?.failures ?? 0} failed invoices, ${payments.value?.recovered ?? 0} recovered`,
      payments.timings,
    );
    const plan = await paymentFailurePlan(db);
    line(
      'payment failures: stripe_events indexes in the plan',
      plan.indexes.length > 0 ? plan.indexes.join(', ') : 'none (sequential scans)',
    );
    if (!plan.indexes.includes('stripe_events_object_idx')) {
      line('warning', 'the recovery lookup does not use stripe_events_object_idx; the plan:');
      for (const planLine of plan.plan) process.stdout.write(`    ${planLine}\n`);
    }
    report('weekly trend', (await timed(() => weeklyTrend(db.db, MONTH))).timings);
    const rows = await timed(() => reportRows(db.db, MONTH));
    report(`CSV rows (${rows.value.length} records)`, rows.timings);
    const message = await timed(() => buildReportMessage(db.db, MONTH));
    report('report message: figures of the month and the one before, weekly trend', message.timings);
    const files = await timed(() => buildReportFiles(db.db, MONTH, message.value.trend));
    report(
      `report files: CSV of ${files.value.rows} records (${(files.value.csv.length / 1024 / 1024).toFixed(1)} MB) and PNG chart`,
      files.timings,
    );
    const chart = await timed(() => renderChartPng(weeklyTrendChartSpec(MONTH, message.value.trend)));
    report('of which the PNG chart', chart.timings);

    const rolesOf: Record<string, RoleName[]> = {
      U0AGENT7: ['l1'],
      U0BENCHMGR: ['manager'],
      U0BENCHENG: ['engineer'],
    };
    const deps: HomeDeps = {
      db: db.db,
      now: () => NOW,
      logger: createLogger('silent'),
      directory: {
        rolesOf: async (userId) => rolesOf[userId] ?? [],
        membersOf: async () => [],
      },
      integrations: { slack: undefined as never },
    };
    for (const [user, label] of [
      ['U0AGENT7', 'agent (5,000 escalations, 500 actions of their own)'],
      ['U0BENCHMGR', 'manager (approvals waiting, today’s figures)'],
      ['U0BENCHENG', 'engineer (top 10 of 7,000 open problems)'],
    ] as const) {
      const rendered = await timed(async () => homeView(await homeModel(deps, user)));
      report(`App Home render, ${label}: ${rendered.value.blocks.length} blocks`, rendered.timings);
    }
  } finally {
    await db.close();
  }
}
