import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountActions, approvals, escalations, problems } from '../../src/db/schema/index.js';
import type { ActionParams } from '../../src/domain/account-actions.js';
import { decide } from '../../src/domain/permissions.js';
import { accountActionContext } from '../../src/handlers/account-actions.js';
import { blocksText, findAction } from '../../src/sandbox/fakes/slack-fake.js';
import { createAction } from '../../src/services/account-actions.js';
import { saveAssessment } from '../../src/services/assessment.js';
import { HOME_REFRESH_JOB, refreshHome } from '../../src/services/home.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { OTHER_AGENT, seedMetricsData } from '../support/metrics-data.js';

/** Reads a PNG's signature and its IHDR width and height. */
function pngFacts(bytes: Buffer) {
  return {
    signature: [...bytes.subarray(0, 8)],
    chunk: bytes.subarray(12, 16).toString('ascii'),
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
  };
}

const NOW = new Date('2026-11-23T12:00:00Z');
const NO_ROLE = 'U0NOROLE';

describe.each(DATABASE_KINDS)('monthly report and App Home (%s)', (kind) => {
  let app: TestApp;
  let seeded: Awaited<ReturnType<typeof seedMetricsData>>;
  let specialistAction: number;

  beforeAll(async () => {
    app = await startTestApp({ kind, now: () => NOW });
    app.slack.addUser({ id: NO_ROLE, name: 'guest', realName: 'Guest Without Role' });
    const db = app.running.deps.db;
    seeded = await seedMetricsData(db);
    // Engineers' ranking: p2 hurts most, then p1; p3 and p4 follow by age.
    await db.update(problems).set({ priorityScore: 500 }).where(eq(problems.id, seeded.problems.p2));
    await db.update(problems).set({ priorityScore: 300 }).where(eq(problems.id, seeded.problems.p1));
    // p1 is assessed by an engineer twice, through the assessment feature: the Home shows the latest.
    const answers = {
      startedAt: 'After the card-update release',
      causedBy: 'Gateway retry on a timeout',
      applicationRunning: true,
      financial: false,
      affectedFunctionality: 'Renewals',
      scope: 'few' as const,
      longStanding: false,
      workaround: '',
      workaroundEasy: false,
      dataCleanup: '',
    };
    await saveAssessment(app.running.deps, {
      problemId: seeded.problems.p1,
      actorId: app.people.engineer,
      input: { answers, chosen: undefined, overrideReason: '', fixVersion: '' },
    });
    await saveAssessment(app.running.deps, {
      problemId: seeded.problems.p1,
      actorId: app.people.engineer,
      input: {
        answers: { ...answers, financial: true },
        chosen: undefined,
        overrideReason: '',
        fixVersion: '2026.11.2',
      },
    });
    // A discount request waiting for a billing specialist, asked by the manager.
    const [action] = await db
      .insert(accountActions)
      .values({
        kind: 'discount',
        customerId: 'cus_DemoOstranderLegal',
        reason: 'Retention offer agreed with the customer',
        requesterId: app.people.manager,
        state: 'pending_approval',
        parameters: { percent: 20 },
        createdAt: new Date('2026-11-23T09:00:00Z'),
      })
      .returning();
    if (!action) throw new Error('no action');
    specialistAction = action.id;
    await db.insert(approvals).values({
      actionId: action.id,
      stage: 1,
      requiredRole: 'billing_specialist',
      createdAt: new Date('2026-11-23T09:00:00Z'),
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function reportMessage(user: string, header: string) {
    const dm = app.slack.dmChannel(user);
    return eventually(() => app.slack.messages(dm).find((m) => blocksText(m.blocks).includes(header)));
  }

  it('/frontline report sends last full month to the requester: message with changes, CSV and PNG files', async () => {
    const answer = await app.driver.command({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: 'report',
    });
    expect(answer.status).toBe(200);
    const message = await reportMessage(app.people.manager, 'Billing support report — October 2026');
    const text = blocksText(message.blocks);
    // October against September (hand-worked in test/integration/metrics.test.ts): 7 vs 3 escalations.
    expect(text).toContain('Escalations raised: *7* _(+4 (+133.3%))_');
    expect(text).toContain('Resolved without engineering: *3* (42.9%) _(−57.1 pts)_');
    expect(text).toContain('Duplicate escalations avoided: *4* _(+4 (from none))_');
    expect(text).toContain('Refunds: *3* for *$82.00* _(+3 (from none); +$82.00 (from none))_');
    // By the reason each refund request stored: a1 (duplicate, $50); a2 and a10 (asked by the customer, $25 + $7).
    expect(text).toContain(
      '◦ Requested by the customer: 2 for $32.00 _(+2 (from none); +$32.00 (from none))_',
    );
    expect(text).toContain('◦ Duplicate charge: 1 for $50.00');
    // Per category, against September: payment failed 2 raised (E2, E3) vs 2 (E1, E10), both without engineering.
    expect(text).toMatch(/Payment failed +2 \(=\) +100\.0% \(=\)/);
    expect(text).toContain('Payment failures and recovery rate: _no data_');
    expect(text).toContain('Changes are against September 2026');
    expect(
      app.slack.ephemerals(app.people.manager).some((e) => e.text?.includes('October 2026 report')),
    ).toBe(true);

    const files = await eventually(() => {
      const uploaded = app.slack.files.filter((f) => f.completed && f.threadTs === message.ts);
      return uploaded.length === 2 ? uploaded : undefined;
    });
    const csv = files.find((f) => f.filename === 'frontline-report-2026-10.csv');
    const png = files.find((f) => f.filename === 'frontline-trend-2026-10.png');
    expect(csv?.channel).toBe(app.slack.dmChannel(app.people.manager));
    const lines = (csv?.bytes?.toString('utf8') ?? '').trim().split('\n');
    expect(lines[0]).toBe(
      'record,id,created_at,category_or_kind,status,problem_id,duplicate_avoided,finished_at,duration_minutes,amount_minor,currency,reason,person',
    );
    expect(lines).toHaveLength(1 + 32);
    expect(lines.filter((line) => line.startsWith('escalation,'))).toHaveLength(9);
    // The reason column holds each refund's reason; other actions leave it empty.
    const actionReasons = lines
      .filter((line) => line.startsWith('account_action,'))
      .map((line) => line.split(',').slice(3, 4).concat(line.split(',').slice(11, 12)).join(':'));
    expect(actionReasons.filter((entry) => entry.startsWith('refund:'))).toEqual([
      'refund:duplicate',
      'refund:requested_by_customer',
      'refund:duplicate',
      'refund:requested_by_customer',
      'refund:requested_by_customer',
    ]);
    expect(actionReasons.filter((entry) => entry.startsWith('credit:'))).toEqual([
      'credit:',
      'credit:',
      'credit:',
    ]);

    const facts = pngFacts(png?.bytes ?? Buffer.alloc(32));
    expect(facts.signature).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(facts.chunk).toBe('IHDR');
    expect(facts.width).toBeGreaterThan(1000);
    expect(facts.width).toBeLessThan(2400);
    expect(facts.height).toBeGreaterThan(500);
    expect(facts.height).toBeLessThan(1400);
    expect(app.slack.calls('files.completeUploadExternal')).not.toHaveLength(0);
  });

  it('reports a named month, and an empty month as zeros', async () => {
    await app.driver.command({
      user: app.people.billingSpecialist,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: 'report 2026-06',
    });
    const message = await reportMessage(app.people.billingSpecialist, 'Billing support report — June 2026');
    const text = blocksText(message.blocks);
    expect(text).toContain('Escalations raised: *0*');
    expect(text).toContain('No escalations this month.');
    await eventually(() =>
      app.slack.files.some((f) => f.filename === 'frontline-trend-2026-06.png' && f.completed),
    );
  });

  it('refuses a malformed or future month, and people without a role, where they typed', async () => {
    for (const [text, expected] of [
      ['report 2026-13', 'is not a month'],
      ['report october', 'is not a month'],
      ['report 2027-01', 'has not started yet'],
    ] as const) {
      await app.driver.command({
        user: app.people.manager,
        channel: 'C0SUPPORT',
        command: '/frontline',
        text,
      });
      await eventually(() =>
        app.slack.ephemerals(app.people.manager).some((e) => e.text?.includes(expected)),
      );
    }
    await app.driver.command({ user: NO_ROLE, channel: 'C0SUPPORT', command: '/frontline', text: 'report' });
    await eventually(() => app.slack.ephemerals(NO_ROLE).some((e) => e.text?.includes('Frontline role')));
    expect(app.slack.messages(app.slack.dmChannel(NO_ROLE))).toHaveLength(0);
  });

  async function openHome(user: string) {
    const before = app.slack.home(user)?.hash;
    await app.driver.appHomeOpened(user);
    return eventually(() => {
      const view = app.slack.home(user);
      return view && view.hash !== before ? view : undefined;
    });
  }

  /**
   * Opens the Home and waits until it shows `expected`: a refresh queued by an earlier change may land just before
   * the one the opening asks for, showing the state as it was a moment ago.
   */
  async function openHomeShowing(user: string, expected: string) {
    await app.driver.appHomeOpened(user);
    return eventually(() => {
      const view = app.slack.home(user);
      return view && blocksText(view.blocks).includes(expected) ? view : undefined;
    });
  }

  it('App Home for an agent: open escalations with what each waits for, pending action requests', async () => {
    const home = await openHome(app.people.l1);
    const text = blocksText(home.blocks);
    expect(text).toContain('Your open escalations');
    expect(text).toContain('Case E7');
    expect(text).toContain('link it to a known problem or report a new one');
    expect(text).toContain(`engineering to confirm and classify PRB-${seeded.problems.p3}`);
    expect(text).toContain(`the fix of PRB-${seeded.problems.p1} (open)`);
    expect(text).not.toContain('Case E2'); // closed
    expect(text).not.toContain('Case E8'); // someone else's
    expect(text).toContain('No requests waiting.');
    expect(text).not.toContain('Approvals waiting for you');
    expect(text).not.toContain('Top problems by priority');
    // Everyone: the active incident and the New escalation button, which opens the escalation form.
    expect(text).toContain('Proration preview off by a day');
    expect(text).not.toContain('Invoices show the wrong tax rate'); // resolved
    await app.driver.clickButton({ user: app.people.l1, viewId: home.id, actionId: 'escalation_open_form' });
    const modal = await eventually(() => app.slack.openViews(app.people.l1)[0]);
    expect(modal.callback_id).toBe('escalation_form');

    const other = blocksText((await openHome(OTHER_AGENT)).blocks);
    expect(other).toContain('Case E8');
    expect(other).toContain('refund');
    expect(other).toContain('waiting for Support manager approval (stage 1)');
  });

  it('App Home for a manager and a billing specialist: approvals with Approve / Deny, and today’s figures', async () => {
    const home = await openHome(app.people.manager);
    const text = blocksText(home.blocks);
    expect(text).toContain('Approvals waiting for you');
    expect(text).toContain(`<@${OTHER_AGENT}>`);
    const approve = findAction(home.blocks, 'account_action_approve');
    const deny = findAction(home.blocks, 'account_action_deny');
    expect(approve?.element.value).toBe(`${seeded.actions.a8}:1`);
    expect(deny?.element.value).toBe(`${seeded.actions.a8}:1`);
    expect(text).toContain("Today's figures");
    expect(text).not.toContain('discount'); // the manager's own request is not theirs to approve
    expect(text).not.toContain('Your open escalations');

    const specialist = await openHome(app.people.billingSpecialist);
    expect(findAction(specialist.blocks, 'account_action_approve')?.element.value).toBe(
      `${specialistAction}:1`,
    );
    expect(blocksText(specialist.blocks)).toContain('discount');
  });

  it('App Home for an engineer: top problems by priority with RCA ticket and assessment', async () => {
    const text = blocksText((await openHome(app.people.engineer)).blocks);
    expect(text).toContain('Top problems by priority');
    const first = text.indexOf(`*PRB-${seeded.problems.p2}*`);
    const second = text.indexOf(`*PRB-${seeded.problems.p1}*`);
    expect(first).toBeGreaterThan(-1);
    expect(second).toBeGreaterThan(first);
    expect(text).toContain('score *500*');
    expect(text).toContain('RCA RCA-2 (open) · :warning: assessment missing');
    // The second assessment: money is wrong, so critical and a patch (the rules' suggestion), with its version.
    expect(text).toContain(
      'RCA RCA-1 (closed) · assessed: critical (revision 2) · release: Patch, version 2026.11.2',
    );
    expect(text).not.toContain('Approvals waiting for you');
  });

  it('App Home for someone without a role: incidents and the New escalation button only', async () => {
    const home = await openHome(NO_ROLE);
    const text = blocksText(home.blocks);
    expect(findAction(home.blocks, 'escalation_open_form')).toBeDefined();
    expect(text).toContain('Active incidents');
    expect(text).not.toContain('Your open escalations');
    expect(text).not.toContain('Top problems');
  });

  /** An account-action request as the agent's form submits it, stored by the account-actions feature. */
  async function requestAction(requesterId: string, params: ActionParams) {
    const ctx = accountActionContext(app.running.deps);
    const roles = await app.running.deps.directory.rolesOf(requesterId);
    return createAction(ctx, {
      requesterId,
      roles,
      customerId: 'cus_DemoCorvidRobotics',
      customerName: 'Corvid Robotics',
      escalationId: undefined,
      problemId: undefined,
      params,
      reason: 'Goodwill after the double charge',
      target: {},
      decision: decide(app.running.deps.settings.permissions, roles, {
        kind: params.kind,
        measure: 'amountMinor' in params ? params.amountMinor : undefined,
        currency: 'usd',
        recentRefunds: 0,
      }),
      recentRefunds: 0,
      history: { refunds: [], credits: [] },
      historyDays: 90,
    });
  }

  it('App Home for an L2 agent, a VP and legal: each sees what waits on them, and decides from there', async () => {
    // The L2 agent asks for a $600 credit (a billing specialist, then a VP) and a $45 refund (a manager or a
    // billing specialist); a billing specialist asks for a forced cancellation (legal signs off).
    const credit = await requestAction(app.people.l2, {
      kind: 'credit',
      amountMinor: 60_000,
      currency: 'usd',
    });
    const refund = await requestAction(app.people.l2, {
      kind: 'refund',
      target: 'ch_CorvidDuplicate01',
      amountMinor: 4_500,
      currency: 'usd',
      refundReason: 'duplicate',
    });
    const cancel = await requestAction(app.people.billingSpecialist, { kind: 'force_cancel' });
    for (const action of [credit, refund, cancel]) expect(action.state).toBe('pending_approval');

    const l2 = blocksText((await openHome(app.people.l2)).blocks);
    expect(l2).toContain('Your open escalations');
    expect(l2).toContain('*credit* for `cus_DemoCorvidRobotics` · $600.00');
    expect(l2).toContain('waiting for Billing specialist approval (stage 1)');
    expect(l2).toContain('waiting for Support manager or Billing specialist approval (stage 1)');
    expect(l2).not.toContain('Approvals waiting for you');
    expect(l2).not.toContain("Today's figures");
    expect(l2).not.toContain('Top problems by priority');
    // An L1 agent's $50 credit waits for an L2 or above: the L2's Home now offers it.
    const small = await requestAction(app.people.l1, { kind: 'credit', amountMinor: 5_000, currency: 'usd' });
    expect(small.state).toBe('pending_approval');
    const l2Again = await openHomeShowing(app.people.l2, 'Approvals waiting for you');
    expect(findAction(l2Again.blocks, 'account_action_approve', `home_approval_${small.id}_1`)).toBeDefined();

    // Until the billing specialist approves the first stage, the VP has nothing to decide; legal has the cancellation.
    const vpBefore = await openHome(app.people.vp);
    expect(blocksText(vpBefore.blocks)).toContain('Nothing to decide right now.');
    expect(blocksText(vpBefore.blocks)).toContain("Today's figures");
    expect(blocksText(vpBefore.blocks)).not.toContain('Your open escalations');
    const legal = await openHome(app.people.legal);
    expect(findAction(legal.blocks, 'account_action_approve')?.element.value).toBe(`${cancel.id}:1`);
    expect(blocksText(legal.blocks)).toContain('*force cancel* for `cus_DemoCorvidRobotics`');
    expect(blocksText(legal.blocks)).not.toContain("Today's figures");
    expect(blocksText(legal.blocks)).not.toContain('Your open escalations');

    // The manager is offered the refund (its stage names both roles) but not the credit's stage 1.
    const manager = await openHome(app.people.manager);
    expect(
      findAction(manager.blocks, 'account_action_approve', `home_approval_${refund.id}_1`),
    ).toBeDefined();
    expect(
      findAction(manager.blocks, 'account_action_approve', `home_approval_${credit.id}_1`),
    ).toBeUndefined();

    // The billing specialist approves stage 1 from their Home; the VP then approves stage 2 from theirs.
    const specialist = await openHome(app.people.billingSpecialist);
    await app.driver.clickButton({
      user: app.people.billingSpecialist,
      viewId: specialist.id,
      actionId: 'account_action_approve',
      blockId: `home_approval_${credit.id}_1`,
    });
    await eventually(async () => {
      const [stage] = await app.running.deps.db
        .select()
        .from(approvals)
        .where(and(eq(approvals.actionId, credit.id), eq(approvals.stage, 1)));
      return stage?.decision === 'approved' ? stage : undefined;
    });
    const vp = await openHomeShowing(app.people.vp, 'VP approval, stage 2');
    expect(findAction(vp.blocks, 'account_action_approve')?.element.value).toBe(`${credit.id}:2`);
    await app.driver.clickButton({
      user: app.people.vp,
      viewId: vp.id,
      actionId: 'account_action_approve',
      blockId: `home_approval_${credit.id}_2`,
    });
    const done = await eventually(async () => {
      const [row] = await app.running.deps.db
        .select()
        .from(accountActions)
        .where(eq(accountActions.id, credit.id));
      return row && ['succeeded', 'failed'].includes(row.state) ? row : undefined;
    });
    expect(done.state).toBe('succeeded');
    expect(blocksText((await openHome(app.people.vp)).blocks)).toContain('Nothing to decide right now.');
  });

  it('a Home rendered before a change is never published after the Home rendered since', async () => {
    const deps = app.running.deps;
    const engineer = app.people.engineer;
    // The first refresh's publish is slow to reach Slack; meanwhile a problem is renamed and the Home refreshed again.
    app.slack.inject({
      match: (r) => r.path === '/api/views.publish' && r.rawBody.includes(engineer),
      times: 1,
      delayMs: 600,
    });
    const first = refreshHome(deps, engineer);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await deps.db
      .update(problems)
      .set({ title: 'Renamed while the first Home was on its way' })
      .where(eq(problems.id, seeded.problems.p2));
    await Promise.all([refreshHome(deps, engineer), first]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(blocksText(app.slack.home(engineer)?.blocks)).toContain(
      'Renamed while the first Home was on its way',
    );
  });

  it('other features refresh a viewer’s App Home after a change, directly or through the durable job', async () => {
    const db = app.running.deps.db;
    await db.insert(escalations).values({
      customerId: 'cus_DemoCorvidRobotics',
      customerName: 'Corvid Robotics',
      priority: 'p2',
      category: 'duplicate_charge',
      summary: 'Charged twice for the October invoice',
      requesterId: app.people.l2,
      source: 'command',
    });
    await refreshHome(app.running.deps, app.people.l2);
    expect(blocksText(app.slack.home(app.people.l2)?.blocks)).toContain(
      'Charged twice for the October invoice',
    );

    await db.insert(escalations).values({
      customerId: 'cus_DemoCorvidRobotics',
      customerName: 'Corvid Robotics',
      priority: 'p3',
      category: 'refund',
      summary: 'Refund not visible on the card statement',
      requesterId: app.people.l2,
      source: 'command',
    });
    await app.running.deps.jobs.enqueue(db, HOME_REFRESH_JOB, { userIds: [app.people.l2] });
    await eventually(() =>
      blocksText(app.slack.home(app.people.l2)?.blocks).includes('Refund not visible on the card statement'),
    );
  });
});
