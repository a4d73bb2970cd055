import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import { getAccountAction } from '../../src/db/repositories/account-actions.js';
import { accountActions, approvals, auditEvents } from '../../src/db/schema/index.js';
import type { ActionParams } from '../../src/domain/account-actions.js';
import { decide } from '../../src/domain/permissions.js';
import type { RoleName } from '../../src/domain/roles.js';
import type { SlackMessenger } from '../../src/integrations/slack/messenger.js';
import {
  type AccountActionGateway,
  ActionFailure,
  type StoredAction,
} from '../../src/integrations/stripe/actions.js';
import {
  type AccountActionContext,
  createAction,
  decideAction,
  executeAction,
  type PreparedAction,
  sweepAccountActions,
} from '../../src/services/account-actions.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * The account-action use cases against a real database (PGlite, and Postgres with real concurrency), with the
 * Stripe gateway and Slack replaced by recording fakes behind their ports.
 */
describe.each(DATABASE_KINDS)('account actions on %s', (kind) => {
  let database: TestDatabase;
  const executed: StoredAction[] = [];
  let failNext: ActionFailure | undefined;
  let delayMs = 0;
  const roles = new Map<string, RoleName[]>([
    ['UL1', ['l1']],
    ['UL2', ['l2']],
    ['UMGR', ['manager']],
    ['UMGR2', ['manager']],
    ['UBIL', ['billing_specialist']],
    ['UVP', ['vp']],
  ]);
  let clock = new Date('2026-11-20T10:00:00Z');
  let ctx: AccountActionContext;

  const gateway: AccountActionGateway = {
    customer: async (id) => ({ id, name: 'Test Customer', currency: 'usd' }),
    liveSubscription: async () => undefined,
    refundTarget: async () => undefined,
    recentMoney: async () => ({ refunds: [], credits: [] }),
    planPrices: async () => [],
    previewPlanChange: async () => ({ amountDueMinor: 0, prorationMinor: 0, currency: 'usd' }),
    async execute(action) {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (failNext) {
        const failure = failNext;
        failNext = undefined;
        throw failure;
      }
      executed.push(action);
      return { stripeObjectId: `re_${action.id}`, result: {}, summary: 'Done.' };
    },
  };
  const slack: SlackMessenger = {
    post: async ({ channel }) => ({ channel, ts: `${Date.now()}.000100` }),
    update: async () => {},
    ephemeral: async () => {},
    permalink: async () => undefined,
    openView: async () => {},
    openDirect: async (user) => `D${user}`,
    message: async () => undefined,
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    ctx = {
      db: database.handle.db,
      slack,
      settings: settingsSchema.parse({}),
      directory: { rolesOf: async (id) => roles.get(id) ?? [], membersOf: async () => [] },
      logger: pino({ level: 'silent' }),
      now: () => clock,
      gateway,
      searchCustomers: async () => [],
    };
  });
  afterAll(async () => {
    await database.drop();
  });

  function prepared(requesterId: string, params: ActionParams, recentRefunds = 0): PreparedAction {
    const requesterRoles = roles.get(requesterId) ?? [];
    const measure = 'amountMinor' in params ? params.amountMinor : undefined;
    return {
      requesterId,
      roles: requesterRoles,
      customerId: 'cus_Test0001',
      customerName: 'Test Customer',
      escalationId: undefined,
      problemId: undefined,
      params,
      reason: 'Because the customer asked',
      target: {},
      decision: decide(ctx.settings.permissions, requesterRoles, {
        kind: params.kind,
        measure,
        currency: 'usd',
        recentRefunds,
      }),
      recentRefunds,
      history: { refunds: [], credits: [] },
      historyDays: 90,
    };
  }
  const refund = (amountMinor: number): ActionParams => ({
    kind: 'refund',
    target: 'ch_Test000001',
    amountMinor,
    currency: 'usd',
    refundReason: 'duplicate',
  });

  it('concurrent approvals of the last stage run the action once', async () => {
    const action = await createAction(ctx, prepared('UL2', refund(5_000)));
    expect(action.state).toBe('pending_approval');
    delayMs = 50;
    const results = await Promise.allSettled([
      decideAction(ctx, { actionId: action.id, stage: 1, userId: 'UMGR', decision: 'approved' }),
      decideAction(ctx, { actionId: action.id, stage: 1, userId: 'UBIL', decision: 'approved' }),
      decideAction(ctx, { actionId: action.id, stage: 1, userId: 'UMGR2', decision: 'approved' }),
    ]);
    delayMs = 0;
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results)
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'conflict' });
    expect(executed.filter((entry) => entry.id === action.id)).toHaveLength(1);
    expect((await getAccountAction(ctx.db, action.id))?.state).toBe('succeeded');
  });

  it('concurrent executions of one approved action run it once', async () => {
    const action = await createAction(
      ctx,
      prepared('UL2', { kind: 'credit', amountMinor: 1_000, currency: 'usd' }),
    );
    // Run-now actions execute inside createAction; run it again from several callers: nothing more happens.
    await Promise.all([
      executeAction(ctx, action.id),
      executeAction(ctx, action.id),
      executeAction(ctx, action.id),
    ]);
    expect(executed.filter((entry) => entry.id === action.id)).toHaveLength(1);
  });

  it('an execution left behind by a dead process is picked up again with the same action id (same Stripe key)', async () => {
    // The process died after Stripe answered but before the result was recorded.
    const action = await createAction(ctx, prepared('UMGR', refund(2_000)));
    expect(action.state).toBe('succeeded');
    await ctx.db
      .update(accountActions)
      .set({ state: 'executing', updatedAt: clock })
      .where(eq(accountActions.id, action.id));
    expect((await sweepAccountActions(ctx)).resumed).toBe(0);
    clock = new Date(clock.getTime() + 6 * 60_000);
    expect((await sweepAccountActions(ctx)).resumed).toBe(1);
    const row = await getAccountAction(ctx.db, action.id);
    expect(row).toMatchObject({ state: 'succeeded', attempts: 2 });
    // Called again with the same action, hence the same idempotency key (Stripe replays its first answer), and
    // told it is a second attempt (so it looks in Stripe first once the key may have expired).
    const calls = executed.filter((entry) => entry.id === action.id);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.attempt)).toEqual([1, 2]);
    expect({ ...calls[0], attempt: 0 }).toEqual({ ...calls[1], attempt: 0 });
  });

  it('authorisation is checked again at execution: a requester who lost the role gets failed, not run', async () => {
    const action = await createAction(ctx, prepared('UL2', refund(3_000)));
    await decideAction(ctx, { actionId: action.id, stage: 1, userId: 'UBIL', decision: 'approved' }).catch(
      () => {},
    );
    const after = await getAccountAction(ctx.db, action.id);
    expect(after?.state).toBe('succeeded');

    const second = await createAction(ctx, prepared('UL2', refund(4_000)));
    roles.set('UBIL', ['l1']);
    try {
      await expect(
        decideAction(ctx, { actionId: second.id, stage: 1, userId: 'UBIL', decision: 'approved' }),
      ).rejects.toMatchObject({ code: 'not_permitted' });
      await decideAction(ctx, { actionId: second.id, stage: 1, userId: 'UMGR', decision: 'approved' });
      // The approver loses the role between approval and execution (simulated by re-running a stale claim).
      roles.set('UMGR', ['l1']);
      await ctx.db.update(accountActions).set({ state: 'approved' }).where(eq(accountActions.id, second.id));
      const count = executed.length;
      await executeAction(ctx, second.id);
      expect(executed.length).toBe(count);
      const row = await getAccountAction(ctx.db, second.id);
      expect(row).toMatchObject({ state: 'failed', retryable: false });
      expect(row?.error).toContain('Not authorised any more');
    } finally {
      roles.set('UBIL', ['billing_specialist']);
      roles.set('UMGR', ['manager']);
    }
  });

  /**
   * A context whose directory runs `meanwhile` the first time the approver's roles are read: after the click passed
   * its checks and before the decision is written, which is where the sweeper or the clock can overtake it.
   */
  function racing(approverId: string, meanwhile: () => Promise<void>): AccountActionContext {
    let done = false;
    return {
      ...ctx,
      directory: {
        rolesOf: async (id) => {
          if (id === approverId && !done) {
            done = true;
            await meanwhile();
          }
          return roles.get(id) ?? [];
        },
        membersOf: async () => [],
      },
    };
  }
  const expireAt = async (id: number, expiresAt: Date) => {
    await ctx.db.update(accountActions).set({ expiresAt }).where(eq(accountActions.id, id));
  };

  it('a stage before the last is not approved once the request has expired, even when it expired mid-click', async () => {
    const action = await createAction(
      ctx,
      prepared('UL2', { kind: 'credit', amountMinor: 60_000, currency: 'usd' }),
    );
    expect(action.state).toBe('pending_approval');
    const raced = racing('UBIL', () => expireAt(action.id, new Date(clock.getTime() - 1_000)));
    await expect(
      decideAction(raced, { actionId: action.id, stage: 1, userId: 'UBIL', decision: 'approved' }),
    ).rejects.toMatchObject({ code: 'conflict', userMessage: expect.stringMatching(/expired/) });
    const stages = await ctx.db.select().from(approvals).where(eq(approvals.actionId, action.id));
    expect(stages.map((stage) => stage.decision)).toEqual([null, null]);
    expect((await getAccountAction(ctx.db, action.id))?.state).toBe('expired');
  });

  it('a stage before the last is not approved when the sweeper expired the request meanwhile', async () => {
    const action = await createAction(
      ctx,
      prepared('UL2', { kind: 'credit', amountMinor: 60_000, currency: 'usd' }),
    );
    const raced = racing('UBIL', async () => {
      await ctx.db.update(accountActions).set({ state: 'expired' }).where(eq(accountActions.id, action.id));
    });
    await expect(
      decideAction(raced, { actionId: action.id, stage: 1, userId: 'UBIL', decision: 'approved' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const stages = await ctx.db.select().from(approvals).where(eq(approvals.actionId, action.id));
    expect(stages.every((stage) => stage.decision === null)).toBe(true);
  });

  it('the last approval does not move an expired request to approved, so nothing runs', async () => {
    const action = await createAction(ctx, prepared('UL2', refund(7_000)));
    const raced = racing('UMGR', () => expireAt(action.id, clock));
    await expect(
      decideAction(raced, { actionId: action.id, stage: 1, userId: 'UMGR', decision: 'approved' }),
    ).rejects.toMatchObject({ code: 'conflict', userMessage: expect.stringMatching(/expired/) });
    expect(executed.filter((entry) => entry.id === action.id)).toHaveLength(0);
    const row = await getAccountAction(ctx.db, action.id);
    expect(row?.state).toBe('expired');
    const [stage] = await ctx.db.select().from(approvals).where(eq(approvals.actionId, action.id));
    expect(stage?.decision).toBeNull();
  });

  it('a transient failure is retryable; a card error is not', async () => {
    failNext = new ActionFailure('Stripe did not answer properly (it may be down); try again.', true);
    const action = await createAction(
      ctx,
      prepared('UL2', { kind: 'credit', amountMinor: 500, currency: 'usd' }),
    );
    expect(action).toMatchObject({ state: 'failed', retryable: true });
    failNext = new ActionFailure(
      'The card was declined (insufficient funds): Your card has insufficient funds.',
      false,
    );
    const declined = await createAction(
      ctx,
      prepared('UL2', { kind: 'credit', amountMinor: 600, currency: 'usd' }),
    );
    expect(declined).toMatchObject({ state: 'failed', retryable: false });
  });

  it("the flow's audit events cannot be changed or removed", async () => {
    const [event] = await ctx.db.select().from(auditEvents).limit(1);
    if (!event) throw new Error('the flow wrote no audit event');
    const refused = { cause: { message: expect.stringMatching(/append-only/) } };
    await expect(
      ctx.db.update(auditEvents).set({ result: 'tampered' }).where(eq(auditEvents.id, event.id)),
    ).rejects.toMatchObject(refused);
    await expect(ctx.db.delete(auditEvents).where(eq(auditEvents.id, event.id))).rejects.toMatchObject(
      refused,
    );
    const [still] = await ctx.db.select().from(auditEvents).where(eq(auditEvents.id, event.id));
    expect(still?.result).toBe(event.result);
  });
});
