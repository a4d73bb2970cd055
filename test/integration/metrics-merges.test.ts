import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEscalation } from '../../src/db/repositories/escalations.js';
import { periodFigures, reportRows, weeklyTrend } from '../../src/db/repositories/metrics.js';
import { escalations, problems } from '../../src/db/schema/index.js';
import { validateEscalation } from '../../src/domain/escalation.js';
import { monthPeriod } from '../../src/domain/metrics.js';
import { escalationContext } from '../../src/handlers/escalation.js';
import { incidentContext } from '../../src/handlers/incident.js';
import { createEscalation, linkEscalation, reportNewProblem } from '../../src/services/escalation.js';
import { mergeProblem } from '../../src/services/merge.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

/**
 * A merge moves cases to another problem; it must not rewrite the months in which they were linked (docs/metrics.md,
 * "Merges"). Everything goes through the real use cases: report new problem, link, merge.
 */
describe.each(DATABASE_KINDS)('figures of past months after a merge (%s)', (kind) => {
  let app: TestApp;
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const january = monthPeriod(2026, 0);
  const february = monthPeriod(2026, 1);
  const march = monthPeriod(2026, 2);

  beforeAll(async () => {
    app = await startTestApp({ kind, now: () => clock.now });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const db = () => app.running.deps.db;

  async function raise(summary: string, at: string): Promise<number> {
    clock.now = new Date(at);
    const draft = validateEscalation({
      customerId: 'cus_DemoCorvidRobotics',
      caseRef: '',
      priority: 'p3',
      category: 'payment_failed',
      summary,
      details: '',
      reproductionSteps: '',
      evidenceText: '',
      triggers: [],
    });
    if (!draft.ok) throw new Error('invalid draft');
    const { escalation } = await createEscalation(escalationContext(app.running.deps), {
      escalation: draft.value,
      requesterId: app.people.l1,
      source: { kind: 'command' as const },
      customerLabel: 'Corvid Robotics',
    });
    return escalation.id;
  }

  async function report(escalationId: number, at: string): Promise<number> {
    clock.now = new Date(at);
    const { problemId } = await reportNewProblem(escalationContext(app.running.deps), {
      escalationId,
      actorId: app.people.l1,
    });
    return problemId;
  }

  async function link(escalationId: number, problemId: number, at: string): Promise<void> {
    clock.now = new Date(at);
    const { linked } = await linkEscalation(escalationContext(app.running.deps), {
      escalationId,
      problemId,
      actorId: app.people.l1,
    });
    expect(linked).toBe(true);
  }

  async function merge(fromId: number, intoId: number, at: string): Promise<void> {
    clock.now = new Date(at);
    await mergeProblem(incidentContext(app.running.deps), { fromId, intoId, actorId: app.people.engineer });
  }

  const figuresOf = async (period: ReturnType<typeof monthPeriod>) => {
    const figures = await periodFigures(db(), period);
    return { escalations: figures.escalations, categories: figures.categories, problems: figures.problems };
  };

  it('keeps January and February as they were when problems are merged in March', async () => {
    // B is known since 5 January; on 10 January E1 reports A, which turns out to be the same issue.
    const b = await seedKnownProblem(db(), {
      title: 'Card payments declined after the 3DS upgrade',
      symptoms: 'Every card payment is declined with a 3DS error.',
      category: 'payment_failed',
      now: new Date('2026-01-05T00:00:00Z'),
    });
    const e1 = await raise('Customer card declined on renewal', '2026-01-10T00:00:00Z');
    const a = await report(e1, '2026-01-10T00:00:00Z');
    // C is reported by X1 on 2 February and X2 is linked to it on 15 February (a duplicate avoided); D is reported
    // by Y1 on 20 February.
    const x1 = await raise('Dunning retries stopped for EU customers', '2026-02-02T00:00:00Z');
    const c = await report(x1, '2026-02-02T00:00:00Z');
    const x2 = await raise('No retry after failed EU payment', '2026-02-15T00:00:00Z');
    await link(x2, c, '2026-02-15T00:00:00Z');
    const y1 = await raise('Smart retries disabled in the EU account', '2026-02-20T00:00:00Z');
    const d = await report(y1, '2026-02-20T00:00:00Z');

    const januaryBefore = await figuresOf(january);
    const februaryBefore = await figuresOf(february);
    expect(januaryBefore.escalations).toMatchObject({
      total: 1,
      escalatedToEngineering: 1,
      resolvedWithoutEngineering: 0,
      duplicatesAvoided: 0,
    });
    expect(januaryBefore.problems.total).toBe(2);
    expect(februaryBefore.escalations).toMatchObject({
      total: 3,
      escalatedToEngineering: 2,
      resolvedWithoutEngineering: 1,
      duplicatesAvoided: 1,
    });
    expect(februaryBefore.problems.total).toBe(2);

    // In March A is merged into the older B, and C into the newer D.
    await merge(a, b, '2026-03-03T09:00:00Z');
    await merge(c, d, '2026-03-04T09:00:00Z');
    expect((await getEscalation(db(), e1))?.problemId).toBe(b);
    expect((await getEscalation(db(), x2))?.problemId).toBe(d);

    const januaryAfter = await figuresOf(january);
    const februaryAfter = await figuresOf(february);
    // The cases' figures stay as they were: E1 still reported a problem in January, X2 is still February's duplicate.
    expect(januaryAfter.escalations).toEqual(januaryBefore.escalations);
    expect(januaryAfter.categories).toEqual(januaryBefore.categories);
    expect(februaryAfter.escalations).toEqual(februaryBefore.escalations);
    expect(februaryAfter.categories).toEqual(februaryBefore.categories);
    expect(await weeklyTrend(db(), february)).toEqual(
      expect.arrayContaining([expect.objectContaining({ label: '2026-02-09', duplicatesAvoided: 1 })]),
    );
    // One issue is one problem: the problem merged away is not counted next to the one it was merged into.
    expect(januaryAfter.problems).toEqual({ total: 1, bug: 1, incident: 0, unclassified: 0 });
    expect(februaryAfter.problems).toEqual({ total: 1, bug: 0, incident: 0, unclassified: 1 });
    // A merge is not a link: March has no duplicate avoided and no problem.
    const marchFigures = await figuresOf(march);
    expect(marchFigures.escalations.duplicatesAvoided).toBe(0);
    expect(marchFigures.problems.total).toBe(0);

    // The CSV says the same about each case.
    const rows = await reportRows(db(), february);
    const duplicateOf = (id: number) =>
      rows.find((row) => row.record === 'escalation' && row.id === id)?.duplicate_avoided;
    expect([duplicateOf(x1), duplicateOf(x2), duplicateOf(y1)]).toEqual([false, true, false]);
  });

  it('records how a case joined in the database too, whoever links it', async () => {
    // A row given a problem without saying how (seed data, a script) gets it from the link time, once; a later move
    // to another problem leaves it alone.
    const older = await seedKnownProblem(db(), {
      title: 'Proration credit missing',
      symptoms: 'No credit after a downgrade.',
      category: 'payment_failed',
      now: new Date('2026-04-01T00:00:00Z'),
    });
    const newer = await seedKnownProblem(db(), {
      title: 'Proration credit not applied',
      symptoms: 'Downgrade gives no credit.',
      category: 'payment_failed',
      now: new Date('2026-04-10T00:00:00Z'),
    });
    const [row] = await db()
      .insert(escalations)
      .values({
        customerId: 'cus_x',
        customerName: 'X',
        priority: 'p3',
        category: 'payment_failed',
        summary: 'No credit',
        requesterId: app.people.l1,
        source: 'command',
        status: 'linked',
        problemId: older,
        createdAt: new Date('2026-04-05T00:00:00Z'),
        linkedAt: new Date('2026-04-05T00:00:00Z'),
      })
      .returning();
    expect(row?.joinedAs).toBe('duplicate');
    await db()
      .update(escalations)
      .set({ problemId: newer })
      .where(eq(escalations.id, row?.id ?? 0));
    expect((await getEscalation(db(), row?.id ?? 0))?.joinedAs).toBe('duplicate');
    // A linked case must say how it joined.
    await expect(
      db().execute(sql`update escalations set joined_as = null where id = ${row?.id ?? 0}`),
    ).rejects.toThrow();
    await db()
      .delete(escalations)
      .where(eq(escalations.id, row?.id ?? 0));
    await db().delete(problems).where(eq(problems.id, newer));
  });
});
