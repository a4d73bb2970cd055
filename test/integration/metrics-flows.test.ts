import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import { queryRows } from '../../src/db/client.js';
import { getAccountAction } from '../../src/db/repositories/account-actions.js';
import { periodFigures, reportRows } from '../../src/db/repositories/metrics.js';
import type { ActionParams } from '../../src/domain/account-actions.js';
import { validateEscalation } from '../../src/domain/escalation.js';
import { monthPeriod, previousMonth } from '../../src/domain/metrics.js';
import { decide } from '../../src/domain/permissions.js';
import type { RoleName } from '../../src/domain/roles.js';
import { escalationContext } from '../../src/handlers/escalation.js';
import type { SlackMessenger } from '../../src/integrations/slack/messenger.js';
import type { AccountActionGateway } from '../../src/integrations/stripe/actions.js';
import {
  type AccountActionContext,
  createAction,
  decideAction,
  type PreparedAction,
} from '../../src/services/account-actions.js';
import { createEscalation, linkEscalation, reportNewProblem } from '../../src/services/escalation.js';
import { reportMessage } from '../../src/views/report.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';
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

/**
 * Refunds by reason read what the account-actions feature stores: two real refunds, requested, approved and run
 * through its use cases (Stripe and Slack behind recording fakes), appear under their Stripe reasons in the month's
 * figures, in the CSV and in the report.
 */
describe.each(DATABASE_KINDS)('refund reasons from the real account-action flow (%s)', (kind) => {
  let database: TestDatabase;
  const clock = { now: new Date('2026-11-20T10:00:00Z') };
  const roles = new Map<string, RoleName[]>([
    ['UL2', ['l2']],
    ['UMGR', ['manager']],
    ['UBIL', ['billing_specialist']],
  ]);
  let ctx: AccountActionContext;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    const gateway: AccountActionGateway = {
      customer: async (id) => ({ id, name: 'Halcyon Freight', currency: 'usd' }),
      liveSubscription: async () => undefined,
      refundTarget: async () => undefined,
      recentMoney: async () => ({ refunds: [], credits: [] }),
      planPrices: async () => [],
      previewPlanChange: async () => {
        throw new Error('no plan changes here');
      },
      execute: async (action) => ({ stripeObjectId: `re_${action.id}`, result: {}, summary: 'Refunded.' }),
    };
    const slack: SlackMessenger = {
      post: async ({ channel }) => ({ channel, ts: '1700000000.000100' }),
      update: async () => {},
      ephemeral: async () => {},
      permalink: async () => undefined,
      openView: async () => {},
      openDirect: async (user) => `D${user}`,
      message: async () => undefined,
    };
    ctx = {
      db: database.handle.db,
      slack,
      settings: settingsSchema.parse({}),
      directory: { rolesOf: async (id) => roles.get(id) ?? [], membersOf: async () => [] },
      logger: pino({ level: 'silent' }),
      now: () => clock.now,
      gateway,
      searchCustomers: async () => [],
    };
  });
  afterAll(async () => {
    await database?.drop();
  });

  const refund = (
    requesterId: string,
    amountMinor: number,
    refundReason: 'duplicate' | 'fraudulent',
  ): PreparedAction => {
    const requesterRoles = roles.get(requesterId) ?? [];
    const params: ActionParams = {
      kind: 'refund',
      target: 'ch_Halcyon000001',
      amountMinor,
      currency: 'usd',
      refundReason,
    };
    return {
      requesterId,
      roles: requesterRoles,
      customerId: 'cus_DemoHalcyonFreight',
      customerName: 'Halcyon Freight',
      escalationId: undefined,
      problemId: undefined,
      params,
      reason: 'Charged for a cancelled shipment plan',
      target: {},
      decision: decide(ctx.settings.permissions, requesterRoles, {
        kind: 'refund',
        measure: amountMinor,
        currency: 'usd',
        recentRefunds: 0,
      }),
      recentRefunds: 0,
      history: { refunds: [], credits: [] },
      historyDays: 90,
    };
  };

  it('groups each refund under the reason it was requested with', async () => {
    // A manager refunds $120 as fraudulent: within their limit, it runs at once.
    const first = await createAction(ctx, refund('UMGR', 12_000, 'fraudulent'));
    expect(first.state).toBe('succeeded');
    // An L2 agent asks for $45 back for a duplicate charge: a billing specialist approves it an hour later.
    const second = await createAction(ctx, refund('UL2', 4_500, 'duplicate'));
    expect(second.state).toBe('pending_approval');
    clock.now = new Date('2026-11-20T11:00:00Z');
    await decideAction(ctx, { actionId: second.id, stage: 1, userId: 'UBIL', decision: 'approved' });
    expect((await getAccountAction(ctx.db, second.id))?.state).toBe('succeeded');

    const november = monthPeriod(2026, 10);
    const figures = await periodFigures(ctx.db, november);
    expect(figures.refunds).toEqual({
      count: 2,
      totals: { usd: 16_500 },
      byReason: [
        { reason: 'duplicate', count: 1, totals: { usd: 4_500 } },
        { reason: 'fraudulent', count: 1, totals: { usd: 12_000 } },
      ],
    });

    const rows = await reportRows(ctx.db, november);
    expect(rows.filter((row) => row.record === 'account_action').map((row) => [row.id, row.reason])).toEqual([
      [first.id, 'fraudulent'],
      [second.id, 'duplicate'],
    ]);

    const message = reportMessage({
      period: november,
      previousPeriod: previousMonth(november),
      current: figures,
      previous: await periodFigures(ctx.db, previousMonth(november)),
      trend: [],
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Refunds: *2* for *$165.00*');
    expect(text).toContain('◦ Duplicate charge: 1 for $45.00 _(+1 (from none); +$45.00 (from none))_');
    expect(text).toContain('◦ Fraudulent charge: 1 for $120.00');
    expect(text).not.toContain('No reason given');
  });
});
