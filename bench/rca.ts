import { createHmac, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { parseSettings } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { insertEscalation } from '../src/db/repositories/escalations.js';
import { insertProblem } from '../src/db/repositories/problems.js';
import { rcaTickets } from '../src/db/schema/index.js';
import { type AffectedCustomer, priorityScore } from '../src/domain/priority.js';
import { JobQueue } from '../src/jobs/queue.js';
import { slackPostJob } from '../src/jobs/slack-post.js';
import { recomputePriority } from '../src/services/priority.js';
import { rcaJobs } from '../src/services/rca.js';
import { jiraWebhookRoutes } from '../src/web/jira-webhook.js';
import { heading, line, ms, summary } from './support.js';

/**
 * RCA and priority figures on the embedded database: the pure priority score for a problem with many customers,
 * recomputing a stored score from 1,000 linked escalations, and a signed Jira webhook from request to committed
 * change (signature check, de-duplication insert, ticket update, thread post enqueued).
 */
const NOW = new Date('2026-11-23T12:00:00Z');
const SECRET = 'bench-jira-secret';

function customers(count: number): AffectedCustomer[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `cus_${index}`,
    name: `Customer ${index}`,
    mrrMinor: 1_000 + ((index * 7919) % 500_000),
    currency: 'usd',
    seats: 1 + (index % 200),
    segment: index % 10 === 0 ? 'enterprise' : index % 3 === 0 ? 'hybrid' : 'self_serve',
    since: new Date(NOW.getTime() - (index % 2000) * 86_400_000),
  }));
}

export async function rcaBench(): Promise<void> {
  heading('Priority score (pure)');
  for (const count of [10, 1_000]) {
    const affected = customers(count);
    const runs = count === 10 ? 20_000 : 500;
    const started = performance.now();
    for (let run = 0; run < runs; run += 1) priorityScore(affected, NOW);
    line(
      `score for ${count} affected customers`,
      `${(((performance.now() - started) / runs) * 1000).toFixed(1)} µs`,
    );
  }

  const { settings } = parseSettings({}, 'defaults');
  if (!settings) throw new Error('default settings do not parse');
  const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await database.migrate();
  const db = database.db;
  const logger = pino({ level: 'silent' });
  const problem = await insertProblem(db, {
    title: 'Bench problem',
    symptoms: 'Invoices show the wrong total',
    category: 'invoice_discrepancy',
    createdBy: 'U0BENCH',
    signals: { codes: [], stripeIds: [], invoiceNumbers: [] },
    now: NOW,
  });
  for (let index = 0; index < 1_000; index += 1) {
    await insertEscalation(db, {
      customerId: `cus_${index % 400}`,
      customerName: `Customer ${index % 400}`,
      customerMrrMinor: 1_000 + index * 13,
      customerSeats: 1 + (index % 50),
      customerSegment: index % 10 === 0 ? 'enterprise' : 'self_serve',
      customerSince: new Date(NOW.getTime() - index * 86_400_000),
      priority: 'p3',
      category: 'invoice_discrepancy',
      summary: `Case ${index}`,
      status: 'linked',
      problemId: problem.id,
      requesterId: 'U0BENCH',
      source: 'command',
    });
  }
  heading('Priority recompute (PGlite, 1,000 escalations from 400 customers)');
  const recompute: number[] = [];
  for (let run = 0; run < 30; run += 1) {
    const started = performance.now();
    await db.transaction((tx) => recomputePriority(tx, settings, problem.id, NOW));
    recompute.push(performance.now() - started);
  }
  const r = summary(recompute);
  line('recompute p50 / p95', `${ms(r.p50)} / ${ms(r.p95)}`);

  heading('Signed Jira webhook, request to committed change (PGlite)');
  const jobs = new JobQueue(database, logger);
  const deps = {
    db,
    jobs,
    jira: undefined as never,
    projectKey: 'RCA',
    jiraHost: 'https://jira.example.com',
    publicUrl: 'http://localhost:3000',
    settings,
    logger,
    now: () => new Date(),
  };
  for (const job of rcaJobs(deps)) jobs.define(job as never);
  jobs.define(slackPostJob({ db, slack: undefined as never }));
  await jobs.start({ work: false });
  await db
    .insert(rcaTickets)
    .values({ problemId: problem.id, jiraKey: 'RCA-1', jiraId: '10000', status: 'created' });
  const web = jiraWebhookRoutes({ ...deps, secret: SECRET });
  const timings: number[] = [];
  for (let run = 0; run < 200; run += 1) {
    const body = JSON.stringify({
      webhookEvent: 'jira:issue_updated',
      issue: {
        id: '10000',
        key: 'RCA-1',
        fields: {
          status: { name: 'In Progress', statusCategory: { key: 'indeterminate' } },
          duedate: `2027-01-${String((run % 28) + 1).padStart(2, '0')}`,
        },
      },
    });
    const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const started = performance.now();
    const response = await web.request('/webhooks/jira', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': signature,
        'x-atlassian-webhook-identifier': randomUUID(),
      },
    });
    timings.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }
  const w = summary(timings);
  line('webhook p50 / p95 / p99', `${ms(w.p50)} / ${ms(w.p95)} / ${ms(w.p99)}`);
  const [ticket] = await db.select().from(rcaTickets).where(eq(rcaTickets.problemId, problem.id));
  line('ticket due date after the last delivery', String(ticket?.dueDate));
  await jobs.stop();
  await database.close();
}
