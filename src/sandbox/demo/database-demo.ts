import { eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { insertEscalation } from '../../db/repositories/escalations.js';
import { addLinkedCaseText, insertProblem } from '../../db/repositories/problems.js';
import { problems } from '../../db/schema/index.js';
import type { Deps } from '../../deps.js';
import type { Category, EscalationSource, Priority } from '../../domain/escalation.js';
import { extractSignals } from '../../domain/text.js';
import { type CustomerFacts, fetchCustomerFacts } from '../../integrations/stripe/customer-facts.js';

/**
 * The sandbox's database demo: one known, open problem with a workaround, and a few escalations already linked to
 * it, so the first duplicate-charge case a newcomer escalates finds it. Customers come from the Stripe demo.
 */

export const DEMO_PROBLEM = {
  title: 'Renewal charged twice when the payment gateway times out',
  symptoms:
    'A renewal shows two identical card charges a few minutes apart. The first attempt timed out at the gateway, ' +
    'the automatic retry charged the card again, and only one of the two charges is attached to the paid invoice.',
  category: 'duplicate_charge' as Category,
  workaround:
    'Refund the extra charge (the one not attached to the paid invoice) in full from the billing card or the ' +
    'Stripe dashboard, then tell the customer the refund takes 5-10 business days to reach their statement.',
};

interface DemoCase {
  customerId: string;
  summary: string;
  details: string;
  priority: Priority;
  source: EscalationSource;
  requesterId: string;
  daysAgo: number;
}

const LINKED_CASES: readonly DemoCase[] = [
  {
    customerId: 'cus_DemoHalcyonFreight',
    summary: 'Monthly renewal taken twice from the corporate card',
    details:
      'Finance sees two identical charges for the renewal, four minutes apart; only one invoice was issued.',
    priority: 'p2',
    source: 'command',
    requesterId: 'U0SBXL1B',
    daysAgo: 3,
  },
  {
    customerId: 'cus_DemoOstranderLegal',
    summary: 'Annual plan charged twice on the same day',
    details: 'The bank statement shows the annual amount twice; the second charge has no invoice attached.',
    priority: 'p3',
    source: 'intake',
    requesterId: 'U0SBXL2',
    daysAgo: 2,
  },
  {
    customerId: 'cus_DemoJuniperMoss',
    summary: 'Double charge after a payment timeout message',
    details: 'The customer saw a timeout error at checkout, and the card was charged twice for one renewal.',
    priority: 'p3',
    source: 'mention',
    requesterId: 'U0SBXL1',
    daysAgo: 1,
  },
];

/** Seeds the demo problem and its linked escalations unless the database already holds problems. */
export async function seedDatabaseDemo(deps: Pick<Deps, 'db' | 'integrations' | 'now'>): Promise<boolean> {
  const [existing] = await queryRows<{ n: string | number }>(
    deps.db,
    sql`select count(*) as n from problems`,
  );
  if (Number(existing?.n ?? 0) > 0) return false;
  const facts = new Map<string, CustomerFacts | undefined>();
  for (const demo of LINKED_CASES) {
    facts.set(
      demo.customerId,
      await fetchCustomerFacts(deps.integrations.stripe, demo.customerId).catch(() => undefined),
    );
  }
  await deps.db.transaction(async (tx) => insertDemo(tx, deps.now(), facts));
  return true;
}

async function insertDemo(db: Executor, now: Date, facts: Map<string, CustomerFacts | undefined>) {
  const problem = await insertProblem(db, {
    title: DEMO_PROBLEM.title,
    symptoms: DEMO_PROBLEM.symptoms,
    category: DEMO_PROBLEM.category,
    createdBy: 'U0SBXENG',
    signals: extractSignals(`${DEMO_PROBLEM.title} ${DEMO_PROBLEM.symptoms}`),
    now: daysBefore(now, 5),
  });
  await db
    .update(problems)
    .set({ status: 'open', kind: 'bug', workaround: DEMO_PROBLEM.workaround, ownerId: 'U0SBXENG' })
    .where(eq(problems.id, problem.id));
  for (const demo of LINKED_CASES) {
    const fact = facts.get(demo.customerId);
    const created = daysBefore(now, demo.daysAgo);
    const text = `${demo.summary}\n${demo.details}`;
    const signals = extractSignals(text);
    await insertEscalation(db, {
      customerId: demo.customerId,
      customerName: fact?.customer.name ?? demo.customerId,
      customerEmail: fact?.customer.email ?? null,
      customerSegment: fact?.customer.segment ?? null,
      customerMrrMinor: fact?.mrrMinor ?? 0,
      currency: fact?.currency ?? 'usd',
      customerSince: fact?.customer.createdAt ?? null,
      priority: demo.priority,
      category: DEMO_PROBLEM.category,
      summary: demo.summary,
      details: demo.details,
      status: 'linked',
      problemId: problem.id,
      requesterId: demo.requesterId,
      source: demo.source,
      signals,
      createdAt: created,
      updatedAt: created,
      linkedAt: created,
    });
    await addLinkedCaseText(db, problem.id, { text, signals, now: created });
  }
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

/**
 * Empties every application table so the demo can be seeded again. Left alone: the migrations' bookkeeping and the
 * job queue (other schemas; Reset drops the queue's waiting jobs through the queue itself), and tables that refuse
 * TRUNCATE by trigger (the append-only audit trail is kept).
 * Tables other features add later are covered without changes here.
 */
export async function clearDatabase(db: Database): Promise<void> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')
          and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and (t.tgtype & 32) <> 0)`,
  );
  if (tables.length === 0) return;
  const names = tables.map((table) => `public.${table.name}`).join(', ');
  await db.execute(sql.raw(`truncate ${names} restart identity cascade`));
}

/** The demo's known problem as it stands in the database (after a restart too), for the welcome message. */
export async function knownDemoProblem(
  db: Database,
): Promise<{ id: number; title: string; customers: number } | undefined> {
  const [row] = await queryRows<{ id: number; title: string; customers: number | string }>(
    db,
    sql`select p.id, p.title, (select count(distinct e.customer_id) from escalations e where e.problem_id = p.id) as customers
        from problems p where p.title = ${DEMO_PROBLEM.title} order by p.id limit 1`,
  );
  return row ? { id: Number(row.id), title: row.title, customers: Number(row.customers) } : undefined;
}
