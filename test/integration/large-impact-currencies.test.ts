import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import { insertEscalation } from '../../src/db/repositories/escalations.js';
import { getProblem, insertProblem } from '../../src/db/repositories/problems.js';
import { extractSignals } from '../../src/domain/text.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { SlackPost } from '../../src/jobs/slack-post.js';
import { checkLargeImpact } from '../../src/services/assessment.js';
import { recomputePriority } from '../../src/services/priority.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * Revenue at risk in several currencies, as the escalations recorded it, against thresholds in dollars: the marketing
 * notice and the stored priority explanation never add won and dollars raw.
 */
const NOW = new Date('2026-11-23T12:00:00Z');

/** Records what would be posted, in place of the durable queue. */
function recordingJobs(): { jobs: JobQueue; posts: SlackPost[] } {
  const posts: SlackPost[] = [];
  const jobs = {
    enqueue: async (_executor: unknown, _name: string, data: SlackPost) => {
      posts.push(data);
      return 'job';
    },
  } as unknown as JobQueue;
  return { jobs, posts };
}

describe.each(DATABASE_KINDS)('large impact and priority with revenue in several currencies (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A problem with one escalation per customer, each paying `mrrMinor` of `currency` a month. */
  async function problemWith(customers: Array<{ id: string; mrrMinor: number; currency: string }>) {
    const { db } = database.handle;
    const problem = await insertProblem(db, {
      title: 'Invoices show the wrong total',
      symptoms: 'The invoice total is wrong.',
      category: 'invoice_discrepancy',
      createdBy: 'U0SBXENG',
      signals: extractSignals('Invoices show the wrong total'),
      now: NOW,
    });
    for (const customer of customers) {
      await insertEscalation(db, {
        customerId: customer.id,
        customerName: customer.id,
        customerMrrMinor: customer.mrrMinor,
        currency: customer.currency,
        customerSeats: 10,
        priority: 'p2',
        category: 'invoice_discrepancy',
        summary: 'Invoice total is wrong',
        triggers: [],
        status: 'open',
        problemId: problem.id,
        requesterId: 'U0SBXL1',
        source: 'command',
        createdAt: NOW,
        updatedAt: NOW,
      });
    }
    return problem.id;
  }

  // $9,000 + ₩1,000,000 (about $710): added raw, "1,900,000" would pass the $10,000 threshold.
  const mixed = [
    { id: 'cus_Dollars', mrrMinor: 900_000, currency: 'usd' },
    { id: 'cus_Won', mrrMinor: 1_000_000, currency: 'krw' },
  ];

  it('does not tell marketing when only won added raw to dollars would reach the threshold', async () => {
    const problemId = await problemWith(mixed);
    const { jobs, posts } = recordingJobs();
    const settings = settingsSchema.parse({});
    expect(await checkLargeImpact(database.handle.db, { jobs, settings }, problemId)).toBe(false);
    const withRate = settingsSchema.parse({ priority: { exchangeRates: { krw: '0.00071' } } });
    expect(await checkLargeImpact(database.handle.db, { jobs, settings: withRate }, problemId)).toBe(false);
    expect(posts).toHaveLength(0);
  });

  it('tells marketing when the converted total reaches the threshold, naming the amounts and the conversion', async () => {
    const problemId = await problemWith([
      { id: 'cus_Dollars2', mrrMinor: 900_000, currency: 'usd' },
      { id: 'cus_Won2', mrrMinor: 1_500_000, currency: 'krw' },
    ]);
    const { jobs, posts } = recordingJobs();
    const settings = settingsSchema.parse({ priority: { exchangeRates: { krw: 0.00071 } } });
    expect(await checkLargeImpact(database.handle.db, { jobs, settings }, problemId)).toBe(true);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.channel).toBe(settings.channels.marketing);
    expect(JSON.stringify(posts[0]?.blocks)).toContain(
      '2 customers affected, ₩1,500,000/mo + $9,000.00/mo (≈ $10,065.00/mo in USD) in monthly revenue',
    );
  });

  it('announced for its customer count, the notice says which revenue it could not count', async () => {
    const problemId = await problemWith([
      { id: 'cus_Dollars3', mrrMinor: 100_000, currency: 'usd' },
      { id: 'cus_Won3', mrrMinor: 50_000_000, currency: 'krw' },
    ]);
    const { jobs, posts } = recordingJobs();
    const settings = settingsSchema.parse({ notifications: { largeImpact: { customers: 2 } } });
    expect(await checkLargeImpact(database.handle.db, { jobs, settings }, problemId)).toBe(true);
    expect(JSON.stringify(posts[0]?.blocks)).toContain(
      '2 customers affected, ₩50,000,000/mo + $1,000.00/mo ($1,000.00/mo counted; ₩50,000,000/mo not counted: no exchange rate from KRW to USD is configured) in monthly revenue',
    );
  });

  it('stores a priority explanation that counts only what it can convert, and says so', async () => {
    const problemId = await problemWith([
      { id: 'cus_Dollars4', mrrMinor: 900_000, currency: 'usd' },
      { id: 'cus_Won4', mrrMinor: 1_000_000, currency: 'krw' },
    ]);
    const raw = await recomputePriority(database.handle.db, settingsSchema.parse({}), problemId, NOW);
    const stored = await getProblem(database.handle.db, problemId);
    expect(stored?.priorityScore).toBe(raw.score);
    expect(stored?.priorityExplanation.join('\n')).toContain(
      '($9,000.00/mo counted; ₩1,000,000/mo not counted: no exchange rate from KRW to USD is configured)',
    );
    const converted = await recomputePriority(
      database.handle.db,
      settingsSchema.parse({ priority: { exchangeRates: { krw: '0.00071' } } }),
      problemId,
      NOW,
    );
    expect(converted.explanation[3]).toContain('(≈ $9,710.00/mo in USD)');
    expect(converted.factors.impact.value).toBeGreaterThan(raw.factors.impact.value);
  });
});
