import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { auditEvents, escalations, problems } from '../../src/db/schema/index.js';
import { CATEGORIES, PRIORITIES } from '../../src/domain/escalation.js';
import { createStripeClient } from '../../src/integrations/stripe/client.js';
import { clearDatabase, DEMO_PROBLEM, seedDatabaseDemo } from '../../src/sandbox/demo/database-demo.js';
import { seedStripeDemo } from '../../src/sandbox/demo/stripe-demo.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

const SOURCES = ['command', 'shortcut', 'intake', 'mention', 'home'];

describe.each(DATABASE_KINDS)('the sandbox database demo (%s)', (kind) => {
  let database: TestDatabase;
  let stripe: StripeFake;
  let deps: Parameters<typeof seedDatabaseDemo>[0];

  beforeAll(async () => {
    [database, stripe] = await Promise.all([freshDatabase(kind), new StripeFake().start()]);
    seedStripeDemo(stripe);
    deps = {
      db: database.handle.db,
      now: () => new Date('2026-11-23T12:00:00Z'),
      integrations: {
        stripe: createStripeClient({ secretKey: 'sk_test_demo', apiBase: new URL(stripe.url) }),
      } as Parameters<typeof seedDatabaseDemo>[0]['integrations'],
    };
  });
  afterAll(async () => {
    await stripe?.stop();
    await database?.drop();
  });

  it('seeds one open problem with a workaround and linked escalations valid in the domain, once', async () => {
    expect(await seedDatabaseDemo(deps)).toBe(true);
    expect(await seedDatabaseDemo(deps)).toBe(false);
    const [problem, ...others] = await database.handle.db.select().from(problems);
    expect(others).toHaveLength(0);
    expect(problem).toMatchObject({
      title: DEMO_PROBLEM.title,
      status: 'open',
      kind: 'bug',
      workaround: DEMO_PROBLEM.workaround,
    });
    const linked = await database.handle.db.select().from(escalations);
    expect(linked.length).toBeGreaterThanOrEqual(3);
    for (const escalation of linked) {
      expect(escalation.problemId).toBe(problem?.id);
      expect(escalation.status).toBe('linked');
      expect(PRIORITIES).toContain(escalation.priority);
      expect(CATEGORIES).toContain(escalation.category);
      expect(SOURCES).toContain(escalation.source);
      expect(escalation.customerMrrMinor).toBeGreaterThan(0);
    }
    expect(new Set(linked.map((e) => e.customerId)).size).toBe(linked.length);
  });

  it('clearing empties the application tables but keeps the append-only audit trail; seeding works again', async () => {
    await database.handle.db.insert(auditEvents).values({
      actorId: 'U0SBXL2',
      action: 'credit',
      result: 'succeeded',
      customerId: 'cus_DemoHalcyonFreight',
    });
    await clearDatabase(database.handle.db);
    const [counts] = await queryRows<{ problems: string; escalations: string; audit: string }>(
      database.handle.db,
      sql`select (select count(*) from problems) as problems, (select count(*) from escalations) as escalations,
                 (select count(*) from audit_events) as audit`,
    );
    expect([Number(counts?.problems), Number(counts?.escalations), Number(counts?.audit)]).toEqual([0, 0, 1]);
    expect(await seedDatabaseDemo(deps)).toBe(true);
    const [problem] = await database.handle.db.select().from(problems);
    expect(problem?.id).toBe(1);
  });
});
