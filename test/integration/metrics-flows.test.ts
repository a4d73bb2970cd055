import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { periodFigures } from '../../src/db/repositories/metrics.js';
import { validateEscalation } from '../../src/domain/escalation.js';
import { monthPeriod } from '../../src/domain/metrics.js';
import { escalationContext } from '../../src/handlers/escalation.js';
import { createEscalation, linkEscalation, reportNewProblem } from '../../src/services/escalation.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedKnownProblem } from '../support/seed.js';

/**
 * The figures read what the escalation flows write: a case linked to a known problem is a duplicate avoided, a case
 * that reports a new problem is escalated to engineering — and both agree with the daily counters those flows keep.
 */
const NOW = new Date('2026-11-23T12:00:00Z');

describe.each(DATABASE_KINDS)('figures from the real escalation flows (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ kind, now: () => NOW });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('counts a link to a known problem as a duplicate avoided and a reported problem as escalated', async () => {
    const ctx = escalationContext(app.running.deps);
    const known = await seedKnownProblem(app.running.deps.db, {
      title: 'Renewal charged twice after a gateway timeout',
      symptoms: 'Two identical charges minutes apart.',
      category: 'duplicate_charge',
      now: new Date('2026-11-20T08:00:00Z'),
    });
    const draft = (summary: string) => {
      const result = validateEscalation({
        customerId: 'cus_DemoCorvidRobotics',
        caseRef: '',
        priority: 'p3',
        category: 'duplicate_charge',
        summary,
        details: '',
        reproductionSteps: '',
        evidenceText: '',
        triggers: [],
      });
      if (!result.ok) throw new Error('invalid draft');
      return result.value;
    };
    const input = (summary: string) => ({
      escalation: draft(summary),
      requesterId: app.people.l1,
      source: { kind: 'command' as const },
      customerLabel: 'Corvid Robotics',
    });
    const first = await createEscalation(ctx, input('Charged twice for the renewal'));
    await linkEscalation(ctx, {
      escalationId: first.escalation.id,
      problemId: known,
      actorId: app.people.l1,
    });
    const second = await createEscalation(ctx, input('Invoice PDF shows last month’s seats'));
    await reportNewProblem(ctx, { escalationId: second.escalation.id, actorId: app.people.l1 });

    const figures = await periodFigures(app.running.deps.db, monthPeriod(2026, 10));
    expect(figures.escalations).toMatchObject({
      total: 2,
      resolvedWithoutEngineering: 1,
      escalatedToEngineering: 1,
      pending: 0,
      duplicatesAvoided: 1,
    });
    expect(figures.problems.total).toBe(2);

    const counters = await queryRows<{ metric: string; count: number | string }>(
      app.running.deps.db,
      sql`select metric, sum(count) as count from daily_counters
          where day >= '2026-11-01' and day < '2026-12-01' group by metric`,
    );
    const counted = Object.fromEntries(counters.map((row) => [row.metric, Number(row.count)]));
    expect(counted).toEqual({ escalations_created: 2, duplicates_avoided: 1, problems_created: 1 });
  });
});
