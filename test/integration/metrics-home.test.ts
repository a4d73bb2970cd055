import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsWaitingFor } from '../../src/db/repositories/home.js';
import { accountActions, approvals, escalations, incidents, problems } from '../../src/db/schema/index.js';
import type { RoleName } from '../../src/domain/roles.js';
import { blocksText } from '../../src/sandbox/fakes/slack-fake.js';
import { HOME_LISTS, type HomeDeps, homeModel } from '../../src/services/home.js';
import { homeView } from '../../src/views/home.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';
import { storedParameters } from '../support/metrics-data.js';

/**
 * App Home against a real database: today's key figures on a day worked out by hand (with rows a millisecond either
 * side of the UTC day), and which approvals each approver is offered, by the rules the click is checked against.
 */
const NOW = new Date('2026-11-23T15:00:00Z');
const at = (iso: string) => new Date(iso);
const MANAGER = 'U0HOMEMGR';
const SPECIALIST = 'U0HOMEBIL';
const VP = 'U0HOMEVP';
const LEGAL = 'U0HOMELGL';
const AGENT = 'U0HOMEL2';
const BUSY = 'U0HOMEBUSY';
const ENGINEER = 'U0HOMEENG';
const ROLES: Record<string, RoleName[]> = {
  [MANAGER]: ['manager'],
  [SPECIALIST]: ['billing_specialist'],
  [VP]: ['vp'],
  [LEGAL]: ['legal'],
  [AGENT]: ['l2'],
  [BUSY]: ['l1'],
  [ENGINEER]: ['engineer'],
};

describe.each(DATABASE_KINDS)('App Home from the database (%s)', (kind) => {
  let database: TestDatabase;
  let deps: HomeDeps;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    database = await freshDatabase(kind);
    const db = database.handle.db;
    deps = {
      db,
      now: () => NOW,
      logger: pino({ level: 'silent' }),
      directory: { rolesOf: async (id) => ROLES[id] ?? [], membersOf: async () => [] },
      integrations: { slack: undefined as never },
    };

    const problem = async (title: string, createdAt: string) => {
      const [row] = await db
        .insert(problems)
        .values({
          title,
          category: 'payment_failed',
          createdBy: 'U0HOMEENG',
          kind: 'bug',
          status: 'open',
          createdAt: at(createdAt),
          updatedAt: at(createdAt),
        })
        .returning();
      if (!row) throw new Error('no problem');
      return row.id;
    };
    const known = await problem('Card update charges the renewal twice', '2026-11-01T08:00:00Z');
    const reported = await problem('Tax line missing on EU invoices', '2026-11-23T11:00:00Z');

    const escalation = async (values: {
      ref: string;
      createdAt: string;
      status: string;
      problemId?: number;
      linkedAt?: string;
      closedAt?: string;
    }) => {
      await db.insert(escalations).values({
        customerId: `cus_${values.ref}`,
        customerName: `Customer ${values.ref}`,
        priority: 'p3',
        category: 'payment_failed',
        summary: `Case ${values.ref}`,
        requesterId: AGENT,
        source: 'command',
        status: values.status,
        problemId: values.problemId ?? null,
        createdAt: at(values.createdAt),
        updatedAt: at(values.createdAt),
        linkedAt: values.linkedAt ? at(values.linkedAt) : null,
        closedAt: values.closedAt ? at(values.closedAt) : null,
      });
    };
    // Raised today: T1 (linked to a known problem, closed after 2 h), T2 (closed by support after 30 min), T3 (open),
    // T4 (reported a new problem). Y1 was raised a millisecond before today and closed today; N1 is tomorrow's.
    await escalation({
      ref: 'T1',
      createdAt: '2026-11-23T00:00:00Z',
      status: 'closed',
      problemId: known,
      linkedAt: '2026-11-23T00:10:00Z',
      closedAt: '2026-11-23T02:00:00Z',
    });
    await escalation({
      ref: 'T2',
      createdAt: '2026-11-23T09:00:00Z',
      status: 'closed',
      closedAt: '2026-11-23T09:30:00Z',
    });
    await escalation({ ref: 'T3', createdAt: '2026-11-23T10:00:00Z', status: 'open' });
    await escalation({
      ref: 'T4',
      createdAt: '2026-11-23T11:00:00Z',
      status: 'linked',
      problemId: reported,
      linkedAt: '2026-11-23T11:00:00Z',
    });
    await escalation({
      ref: 'Y1',
      createdAt: '2026-11-22T23:59:59.999Z',
      status: 'closed',
      closedAt: '2026-11-23T01:00:00Z',
    });
    await escalation({ ref: 'N1', createdAt: '2026-11-24T00:00:00Z', status: 'open' });

    // Incidents: one declared today (still investigating), one yesterday.
    await db.insert(incidents).values([
      {
        problemId: reported,
        publicTitle: 'EU invoices without their tax line',
        severity: 'major',
        state: 'investigating',
        ownerId: 'U0HOMEENG',
        createdAt: at('2026-11-23T03:00:00Z'),
      },
      {
        problemId: known,
        publicTitle: 'Renewals charged twice',
        severity: 'minor',
        state: 'resolved',
        ownerId: 'U0HOMEENG',
        createdAt: at('2026-11-22T22:00:00Z'),
        resolvedAt: at('2026-11-22T23:00:00Z'),
      },
    ]);

    // Account actions, stored as the account-actions feature stores them (stage roles comma-separated).
    const action = async (
      name: string,
      values: {
        requester: string;
        createdAt: string;
        state: string;
        kind?: 'refund' | 'credit' | 'force_cancel';
        expiresAt?: string;
        executedAt?: string;
        stages?: Array<{ roles: string; decision?: string; approver?: string; decidedAt?: string }>;
      },
    ) => {
      const kind = values.kind ?? 'refund';
      const params =
        kind === 'refund'
          ? ({
              kind,
              target: 'ch_Home00000001',
              amountMinor: 4_500,
              currency: 'usd',
              refundReason: 'duplicate',
            } as const)
          : kind === 'credit'
            ? ({ kind, amountMinor: 60_000, currency: 'usd' } as const)
            : ({ kind } as const);
      const [row] = await db
        .insert(accountActions)
        .values({
          kind,
          customerId: 'cus_DemoCorvidRobotics',
          parameters: storedParameters(params),
          amountMinor: 'amountMinor' in params ? params.amountMinor : null,
          currency: 'currency' in params ? params.currency : null,
          reason: `Request ${name}`,
          requesterId: values.requester,
          state: values.state,
          createdAt: at(values.createdAt),
          updatedAt: at(values.createdAt),
          executedAt: values.executedAt ? at(values.executedAt) : null,
          expiresAt: values.expiresAt ? at(values.expiresAt) : null,
        })
        .returning();
      if (!row) throw new Error('no action');
      ids[name] = row.id;
      for (const [index, stage] of (values.stages ?? []).entries()) {
        await db.insert(approvals).values({
          actionId: row.id,
          stage: index + 1,
          requiredRole: stage.roles,
          decision: stage.decision ?? null,
          approverId: stage.approver ?? null,
          createdAt: at(values.createdAt),
          decidedAt: stage.decidedAt ? at(stage.decidedAt) : null,
        });
      }
    };
    const tomorrow = '2026-11-24T12:00:00Z';
    // Today: a refund the manager ran at once, one approved, one denied, and four still waiting.
    await action('ran', {
      requester: MANAGER,
      createdAt: '2026-11-23T08:00:00Z',
      state: 'succeeded',
      executedAt: '2026-11-23T08:05:00Z',
    });
    await action('approved', {
      requester: AGENT,
      createdAt: '2026-11-23T10:00:00Z',
      state: 'succeeded',
      executedAt: '2026-11-23T10:31:00Z',
      stages: [
        {
          roles: 'manager,billing_specialist',
          decision: 'approved',
          approver: MANAGER,
          decidedAt: '2026-11-23T10:30:00Z',
        },
      ],
    });
    await action('denied', {
      requester: AGENT,
      createdAt: '2026-11-23T11:00:00Z',
      state: 'denied',
      stages: [
        {
          roles: 'manager,billing_specialist',
          decision: 'denied',
          approver: SPECIALIST,
          decidedAt: '2026-11-23T11:15:00Z',
        },
      ],
    });
    // A refund from the L2 agent: either a manager or a billing specialist may decide its one stage.
    await action('refund', {
      requester: AGENT,
      createdAt: '2026-11-23T12:00:00Z',
      state: 'pending_approval',
      expiresAt: tomorrow,
      stages: [{ roles: 'manager,billing_specialist' }],
    });
    // A $600 credit: the billing specialist approved stage 1, the VP decides stage 2.
    await action('credit', {
      requester: AGENT,
      createdAt: '2026-11-23T12:30:00Z',
      state: 'pending_approval',
      kind: 'credit',
      expiresAt: tomorrow,
      stages: [
        {
          roles: 'billing_specialist',
          decision: 'approved',
          approver: SPECIALIST,
          decidedAt: '2026-11-23T13:00:00Z',
        },
        { roles: 'vp' },
      ],
    });
    // A forced cancellation from the billing specialist: legal decides.
    await action('cancel', {
      requester: SPECIALIST,
      createdAt: '2026-11-23T13:00:00Z',
      state: 'pending_approval',
      kind: 'force_cancel',
      expiresAt: tomorrow,
      stages: [{ roles: 'legal' }],
    });
    // Expired at 14:00 but not swept yet: nobody is offered it any more.
    await action('lapsed', {
      requester: AGENT,
      createdAt: '2026-11-22T14:00:00Z',
      state: 'pending_approval',
      expiresAt: '2026-11-23T14:00:00Z',
      stages: [{ roles: 'manager,billing_specialist' }],
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("today's key figures count the current UTC day only", async () => {
    const model = await homeModel(deps, MANAGER);
    const text = blocksText(homeView(model).blocks);
    // Raised today: T1–T4 (Y1 is a millisecond too early, N1 tomorrow's). Without engineering: T1 (a known
    // problem) and T2 (closed by support), 2 of 4.
    expect(text).toContain('• Escalations raised: *4* · resolved without engineering 50.0%');
    // Linked today to a problem known before: T1.
    expect(text).toContain('• Duplicate escalations avoided: *1*');
    // Closed today: T1 after 2 h, T2 after 30 min, Y1 after 1 h and 1 ms: (7,200,000 + 1,800,000 + 3,600,001) / 3
    // = 4,200,000.3 ms = 70.0 min.
    expect(text).toContain('• Resolved: *3* · average 70.0 min');
    // Requested today: ran, approved, denied, refund, credit, cancel (lapsed was yesterday's). Decided today among
    // today's approvals: approved, denied, and the credit's first stage.
    expect(text).toContain('• Account actions requested: *6* · approvals decided 3');
    expect(text).toContain('• Incidents declared: *1*');
  });

  it('offers each approver the stages they may decide now, as the click is checked', async () => {
    const offered = async (userId: string) =>
      (
        await approvalsWaitingFor(deps.db, {
          userId,
          roles: ROLES[userId] ?? [],
          now: NOW,
        })
      ).map((approval) => [approval.actionId, approval.stage, approval.requiredRole]);
    // The refund's stage names both roles; the lapsed request is past its expiry.
    expect(await offered(MANAGER)).toEqual([[ids.refund, 1, 'manager,billing_specialist']]);
    // The specialist approved the credit's first stage: its second stage is the VP's, not theirs, and their own
    // forced cancellation is not theirs to approve.
    expect(await offered(SPECIALIST)).toEqual([[ids.refund, 1, 'manager,billing_specialist']]);
    expect(await offered(VP)).toEqual([[ids.credit, 2, 'vp']]);
    expect(await offered(LEGAL)).toEqual([[ids.cancel, 1, 'legal']]);
    expect(await offered(AGENT)).toEqual([]);
  });

  it('an approver who decided an earlier stage is not offered a later one, even holding its role', async () => {
    const both = await approvalsWaitingFor(deps.db, {
      userId: SPECIALIST,
      roles: ['billing_specialist', 'vp'],
      now: NOW,
    });
    expect(both.map((approval) => approval.actionId)).toEqual([ids.refund]);
  });

  it('names every role of a stage on the Home', async () => {
    const manager = blocksText(homeView(await homeModel(deps, MANAGER)).blocks);
    expect(manager).toContain('Support manager or Billing specialist approval, stage 1');
    const agent = blocksText(homeView(await homeModel(deps, AGENT)).blocks);
    expect(agent).toContain('waiting for Support manager or Billing specialist approval (stage 1)');
    expect(agent).toContain('waiting for VP approval (stage 2)');
  });

  it('says so when a list goes on beyond what the Home shows', async () => {
    const more = 'more open escalations than these';
    const open = async (count: number, from: number) => {
      for (let n = from; n < from + count; n += 1)
        await deps.db.insert(escalations).values({
          customerId: `cus_BUSY${n}`,
          customerName: `Busy customer ${n}`,
          priority: 'p3',
          category: 'refund',
          summary: `Busy case ${n}`,
          requesterId: BUSY,
          source: 'command',
          status: 'open',
          createdAt: new Date(NOW.getTime() - (100 - n) * 60_000),
          updatedAt: NOW,
        });
    };
    await open(HOME_LISTS.escalations, 0);
    const full = blocksText(homeView(await homeModel(deps, BUSY)).blocks);
    expect(full).toContain(`Busy case ${HOME_LISTS.escalations - 1}`);
    expect(full).not.toContain(more);
    await open(1, HOME_LISTS.escalations);
    const over = blocksText(homeView(await homeModel(deps, BUSY)).blocks);
    expect(over).toContain(`${more} ${HOME_LISTS.escalations}, the newest`);
    expect(over).toContain(`Busy case ${HOME_LISTS.escalations}`);
    // The oldest is the one left out.
    expect(over).not.toMatch(/Busy case 0\b/);
  });
  it('says so when more incidents are active, or more problems open, than the Home lists', async () => {
    const db = deps.db;
    const incidentsLine = 'More incidents are active than these';
    const problemsLine = 'More problems are open than these';
    const before = blocksText(homeView(await homeModel(deps, ENGINEER)).blocks);
    expect(before).not.toContain(incidentsLine);
    expect(before).not.toContain(problemsLine);

    const busy: Array<{ id: number }> = [];
    for (let n = 0; n <= HOME_LISTS.problems; n += 1)
      busy.push(
        ...(await db
          .insert(problems)
          .values({
            title: `Busy problem ${n}`,
            category: 'refund',
            createdBy: ENGINEER,
            status: 'open',
            priorityScore: 50 + n,
            createdAt: NOW,
            updatedAt: NOW,
          })
          .returning({ id: problems.id })),
      );

    for (let n = 0; n <= HOME_LISTS.incidents; n += 1)
      await db.insert(incidents).values({
        problemId: busy[n]?.id ?? 0,
        publicTitle: `Busy incident ${n}`,
        severity: 'minor',
        state: 'monitoring',
        ownerId: ENGINEER,
        createdAt: new Date(at('2026-11-20T00:00:00Z').getTime() + n * 60_000),
      });
    const after = blocksText(homeView(await homeModel(deps, ENGINEER)).blocks);
    expect(after).toContain(`${incidentsLine} ${HOME_LISTS.incidents}, the newest`);
    expect(after).toContain(`Busy incident ${HOME_LISTS.incidents}`);
    expect(after).toContain(`${problemsLine} ${HOME_LISTS.problems}, the highest ranked`);
    expect(after).toContain(`Busy problem ${HOME_LISTS.problems}`);
    // An agent sees the incidents (everyone does), not the engineers' problem list.
    const agent = blocksText(homeView(await homeModel(deps, AGENT)).blocks);
    expect(agent).toContain(incidentsLine);
    expect(agent).not.toContain(problemsLine);
  });
  it('says so when more approvals wait than the Home lists, the oldest first', async () => {
    const line = 'More requests are waiting for you than these';
    expect(blocksText(homeView(await homeModel(deps, MANAGER)).blocks)).not.toContain(line);
    for (let n = 0; n < HOME_LISTS.approvals; n += 1) {
      const params = { kind: 'credit', amountMinor: 20_000 + n, currency: 'usd' } as const;
      const [row] = await deps.db
        .insert(accountActions)
        .values({
          kind: 'credit',
          customerId: 'cus_DemoCorvidRobotics',
          parameters: storedParameters(params),
          amountMinor: params.amountMinor,
          currency: 'usd',
          reason: `Queued request ${n}`,
          requesterId: AGENT,
          state: 'pending_approval',
          createdAt: new Date(NOW.getTime() - 60_000 + n * 1_000),
          updatedAt: NOW,
          expiresAt: at('2026-11-24T12:00:00Z'),
        })
        .returning();
      if (!row) throw new Error('no action');
      await deps.db
        .insert(approvals)
        .values({ actionId: row.id, stage: 1, requiredRole: 'manager,billing_specialist', createdAt: NOW });
    }
    const over = blocksText(homeView(await homeModel(deps, MANAGER)).blocks);
    expect(over).toContain(`${line} ${HOME_LISTS.approvals}, the oldest`);
    // The newest is the one left out.
    expect(over).toContain('Queued request 0');
    expect(over).not.toContain(`Queued request ${HOME_LISTS.approvals - 1}`);
  });
});
