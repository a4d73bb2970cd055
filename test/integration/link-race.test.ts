import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEscalation } from '../../src/db/repositories/escalations.js';
import { getProblem } from '../../src/db/repositories/problems.js';
import { escalations, problems } from '../../src/db/schema/index.js';
import { validateEscalation } from '../../src/domain/escalation.js';
import { escalationContext } from '../../src/handlers/escalation.js';
import { createEscalation, linkEscalation } from '../../src/services/escalation.js';
import { customerConfirmed } from '../../src/services/resolution.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

/**
 * A Link that arrives while the problem is being merged away (or closed) must not leave the case on a problem nobody
 * works on: the link waits for the merge and then refuses, so the agent can pick the problem it was merged into.
 * Only the Postgres run can show a race: the embedded database runs one transaction at a time.
 */
const NOW = new Date('2026-11-23T12:00:00Z');

describe.each(DATABASE_KINDS)('a Link racing a merge (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ kind, now: () => NOW });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function newCase(ctx: ReturnType<typeof escalationContext>) {
    const draft = validateEscalation({
      customerId: 'cus_DemoCorvidRobotics',
      caseRef: '',
      priority: 'p3',
      category: 'duplicate_charge',
      summary: 'Charged twice for the renewal',
      details: '',
      reproductionSteps: '',
      evidenceText: '',
      triggers: [],
    });
    if (!draft.ok) throw new Error('invalid draft');
    const { escalation } = await createEscalation(ctx, {
      escalation: draft.value,
      requesterId: app.people.l1,
      source: { kind: 'command' },
      customerLabel: 'Corvid Robotics',
    });
    return escalation;
  }

  it('links many cases to one problem at once, each exactly once (no lock waits on another)', async () => {
    const { db } = app.running.deps;
    const ctx = escalationContext(app.running.deps);
    const known = await seedKnownProblem(db, {
      title: 'Card payments fail with a processing error',
      symptoms: 'Every card payment is declined with processing_error.',
      category: 'payment_failed',
      now: new Date('2026-11-21T08:00:00Z'),
    });
    const cases = await Promise.all(Array.from({ length: 8 }, () => newCase(ctx)));
    const outcomes = await Promise.allSettled(
      cases.map((c) => linkEscalation(ctx, { escalationId: c.id, problemId: known, actorId: app.people.l1 })),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    for (const c of cases) expect((await getEscalation(db, c.id))?.problemId).toBe(known);
  });

  it('the last confirmation does not close a problem a case is joining at that moment', async () => {
    const { db } = app.running.deps;
    const ctx = escalationContext(app.running.deps);
    const known = await seedKnownProblem(db, {
      title: 'Refunds to SEPA accounts stay pending',
      symptoms: 'The refund shows as pending for weeks.',
      category: 'refund',
      now: new Date('2026-11-19T08:00:00Z'),
    });
    const first = await newCase(ctx);
    await linkEscalation(ctx, { escalationId: first.id, problemId: known, actorId: app.people.l1 });
    // The fix is out and the first case waits for its customer's word.
    await db.update(problems).set({ status: 'fix_released' }).where(eq(problems.id, known));
    await db.update(escalations).set({ status: 'awaiting_confirmation' }).where(eq(escalations.id, first.id));
    const late = await newCase(ctx);

    // A Link whose transaction is still open (its jobs are slow to enqueue) when the confirmation comes.
    const slow = {
      ...ctx,
      jobs: {
        ...ctx.jobs,
        enqueue: async (...args: Parameters<typeof ctx.jobs.enqueue>) => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return ctx.jobs.enqueue(...args);
        },
      },
    } as typeof ctx;
    const link = linkEscalation(slow, { escalationId: late.id, problemId: known, actorId: app.people.l1 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const { deps } = app.running;
    const confirmed = await customerConfirmed(
      { db, jobs: deps.jobs, settings: deps.settings, directory: deps.directory, now: deps.now },
      { escalationId: first.id, actorId: app.people.l1 },
    );
    expect(await link).toEqual({ linked: true });
    expect(confirmed.closed).toBe(true);
    expect(confirmed.problemClosed).toBe(false);
    expect((await getProblem(db, known))?.status).toBe('fix_released');
    expect((await getEscalation(db, late.id))?.problemId).toBe(known);
  });

  it('refuses a link to a problem a concurrent transaction merged, and leaves the case unlinked', async () => {
    const { db } = app.running.deps;
    const ctx = escalationContext(app.running.deps);
    const known = await seedKnownProblem(db, {
      title: 'Renewal charged twice after a gateway timeout',
      symptoms: 'Two identical charges minutes apart.',
      category: 'duplicate_charge',
      now: new Date('2026-11-20T08:00:00Z'),
    });
    const survivor = await seedKnownProblem(db, {
      title: 'Duplicate renewal charges on retried payments',
      symptoms: 'The renewal is charged again after a retry.',
      category: 'duplicate_charge',
      now: new Date('2026-11-20T09:00:00Z'),
    });
    const escalation = await newCase(ctx);

    let link: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      // What a merge does first: hold the problem.
      await tx.execute(sql`select id from problems where id = ${known} for update`);
      link = linkEscalation(ctx, {
        escalationId: escalation.id,
        problemId: known,
        actorId: app.people.l1,
      }).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx
        .update(problems)
        .set({ mergedIntoId: survivor, status: 'merged', updatedAt: NOW, closedAt: NOW })
        .where(eq(problems.id, known));
    });
    const outcome = await link;
    expect(outcome).toBeInstanceOf(Error);
    expect(String((outcome as Error).message)).toContain('closed or was merged');
    expect((await getEscalation(db, escalation.id))?.problemId).toBeNull();
  });
});
