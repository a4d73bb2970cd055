import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountActions, approvals, auditEvents } from '../../src/db/schema/index.js';
import { idempotencyKey } from '../../src/domain/account-actions.js';
import { accountActionContext } from '../../src/handlers/account-actions.js';
import { findAction } from '../../src/sandbox/fakes/slack-fake.js';
import { SANDBOX_PEOPLE } from '../../src/sandbox/people.js';
import { sweepAccountActions } from '../../src/services/account-actions.js';
import { accountActionsButton } from '../../src/views/account-actions.js';
import { eventually, loadedView, startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const HALCYON = 'cus_DemoHalcyonFreight';
const CORVID = 'cus_DemoCorvidRobotics';
const JUNIPER = 'cus_DemoJuniperMoss';
const APPROVALS = 'C0APPROVALS';

const blocksText = (blocks: unknown) => JSON.stringify(blocks ?? []);
/** A second support manager, so one manager's request can be decided by another. */
const SECOND_MANAGER = { id: 'U0SBXMGR2', name: 'ines', realName: 'Inès Carvalho' };
/** The sandbox people in their roles, plus the second manager. */
function rolesWithSecondManager(): Record<string, { users: string[] }> {
  const roles: Record<string, { users: string[] }> = {};
  for (const person of SANDBOX_PEOPLE) {
    roles[person.role] ??= { users: [] };
    roles[person.role]?.users.push(person.id);
  }
  roles.manager?.users.push(SECOND_MANAGER.id);
  return roles;
}
const day = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

describe.each(DATABASE_KINDS)('account actions and approvals (%s)', (kind) => {
  let app: TestApp;
  let offsetMs = 0;

  beforeAll(async () => {
    app = await startTestApp({
      kind,
      now: () => new Date(Date.now() + offsetMs),
      settings: { roles: rolesWithSecondManager() },
    });
    app.slack.addUser(SECOND_MANAGER);
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** A message carrying the Actions button, as the billing card or a playbook renders it. */
  async function actionsMessage(open: Parameters<typeof accountActionsButton>[0]): Promise<string> {
    const posted = await app.running.deps.integrations.slack.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Billing card',
      blocks: [{ type: 'actions', elements: [accountActionsButton(open)] }],
    });
    return String(posted.ts);
  }

  async function openPicker(user: string, open: Parameters<typeof accountActionsButton>[0]): Promise<string> {
    const ts = await actionsMessage(open);
    const seen = new Set(app.slack.openViews(user).map((view) => view.id));
    const clicked = await app.driver.clickButton({
      user,
      channel: 'C0SUPPORT',
      messageTs: ts,
      actionId: 'account_actions_open',
    });
    expect(clicked.status).toBe(200);
    return (await loadedView(app, user, seen)).id;
  }

  /**
   * Opens the picker, chooses the action, submits the form; answers the new action's row once it is stored. A plan
   * change must show its invoice preview first (matching `preview`); confirming it submits the request.
   */
  async function request(
    user: string,
    customer: string,
    kindName: string,
    values: Record<string, string>,
    open: Record<string, unknown> = {},
    preview?: RegExp,
  ) {
    const before = new Set((await app.running.deps.db.select().from(accountActions)).map((row) => row.id));
    const viewId = await openPicker(user, { customer, ...open });
    const picked = await app.driver.submitView({ user, viewId, values: { kind_select: kindName } });
    expect(picked.status).toBe(200);
    expect(app.slack.view(viewId)?.callback_id).toBe('account_action_form');
    let submitted = await app.driver.submitView({ user, viewId, values });
    expect(submitted.status).toBe(200);
    if (kindName === 'upgrade' || kindName === 'downgrade') {
      if (!preview) throw new Error('a plan change must name the invoice preview it expects');
      // Nothing is stored before the person has seen what the change invoices.
      expect(app.slack.view(viewId)?.title?.text).toBe('Invoice preview');
      expect((await app.running.deps.db.select().from(accountActions)).length).toBe(before.size);
      expect(blocksText(app.slack.view(viewId)?.blocks)).toMatch(preview);
      submitted = await app.driver.submitView({ user, viewId });
    }
    expect(submitted.elapsedMs).toBeLessThan(3000);
    expect(submitted.body).not.toMatchObject({ response_action: 'errors' });
    return eventually(async () => {
      const rows = await app.running.deps.db.select().from(accountActions);
      return rows.find((row) => !before.has(row.id));
    });
  }

  const actionRow = async (id: number) =>
    (await app.running.deps.db.select().from(accountActions).where(eq(accountActions.id, id)))[0];
  const settled = (id: number, states: string[]) =>
    eventually(async () => {
      const row = await actionRow(id);
      return row && states.includes(row.state) ? row : undefined;
    });
  const requestMessage = (id: number) =>
    eventually(() => app.slack.messages(APPROVALS).find((m) => m.text.startsWith(`A-${id} `)));
  const click = (user: string, ts: string, actionId: string, value?: string) =>
    app.driver.clickButton({
      user,
      channel: APPROVALS,
      messageTs: ts,
      actionId,
      ...(value ? { value } : {}),
    });
  const ephemeralFor = (user: string, pattern: RegExp, after = 0) =>
    eventually(() =>
      app.slack
        .ephemerals(user)
        .slice(after)
        .find((e) => pattern.test(e.text)),
    );
  const requesterThread = (row: { requesterChannel: string | null; requesterTs: string | null }) =>
    app.slack.thread(String(row.requesterChannel), String(row.requesterTs)).map((m) => m.text);
  const creditsOf = (customer: string) =>
    [...app.stripe.state.balanceTransactions.values()].filter((t) => t.customer === customer && t.amount < 0);
  const refundsOf = (charge: string) =>
    [...app.stripe.state.refunds.values()].filter((r) => r.charge === charge);
  const corvidDuplicate = () => {
    const charges = [...app.stripe.state.charges.values()]
      .filter((c) => c.customer === CORVID && c.status === 'succeeded')
      .sort((a, b) => b.created - a.created);
    return String(charges[0]?.id);
  };

  it('the escalation card and the picker offer only what the viewer may run or request', async () => {
    const viewId = await openPicker(app.people.engineer, { customer: HALCYON });
    expect(blocksText(app.slack.view(viewId)?.blocks)).toContain('do not include acting on accounts');
    const l1View = await openPicker(app.people.l1, { customer: HALCYON, escalation: 7 });
    const text = blocksText(app.slack.view(l1View)?.blocks);
    expect(text).toContain('Halcyon');
    expect(text).toContain('Refund (needs approval)');
    expect(text).toContain('Send a payment link');
    expect(text).not.toContain('Send a payment link (needs approval)');
  });

  it('an L2 credit under the limit runs at once: one balance credit in Stripe, audited, told in a DM', async () => {
    const row = await request(app.people.l2, HALCYON, 'credit', {
      amount_input: '99.99',
      reason_input: 'Goodwill for the outage on the 3rd',
    });
    const done = await settled(row.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', amountMinor: 9_999, currency: 'usd' });
    expect(done?.stripeObjectId).toMatch(/^cbtxn_/);
    expect(creditsOf(HALCYON).filter((t) => t.amount === -9_999)).toHaveLength(1);
    expect(app.slack.messages(APPROVALS).find((m) => m.text.startsWith(`A-${row.id} `))).toBeUndefined();
    const events = await app.running.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.accountActionId, row.id));
    expect(events.map((e) => [e.action, e.result])).toEqual([
      ['account_action.requested', 'approved'],
      ['account_action.executed', 'succeeded'],
    ]);
    expect(events[1]).toMatchObject({
      actorId: app.people.l2,
      amountMinor: 9_999,
      stripeObjectId: done?.stripeObjectId,
    });
    await eventually(() => requesterThread(done as never).some((t) => t.includes('Done in Stripe')));
  });

  it('bad input is refused field by field and nothing is stored', async () => {
    const before = (await app.running.deps.db.select().from(accountActions)).length;
    const viewId = await openPicker(app.people.l2, { customer: HALCYON });
    await app.driver.submitView({ user: app.people.l2, viewId, values: { kind_select: 'credit' } });
    const submitted = await app.driver.submitView({
      user: app.people.l2,
      viewId,
      values: { amount_input: '12.345', reason_input: 'x' },
    });
    expect(submitted.body).toMatchObject({
      response_action: 'errors',
      errors: { amount: expect.stringContaining('USD') },
    });
    expect((await app.running.deps.db.select().from(accountActions)).length).toBe(before);
  });

  it('a $600 credit from an L2 needs a billing specialist, then a VP; an L1 click and self-approval are refused', async () => {
    const row = await request(app.people.l2, HALCYON, 'credit', {
      amount_input: '600',
      reason_input: 'Migration credit promised by the CSM',
    });
    expect(row.state).toBe('pending_approval');
    const message = await requestMessage(row.id);
    let text = blocksText(message.blocks);
    expect(text).toContain('Stage 1 of 2');
    expect(text).toContain('a billing specialist');
    expect(text).toContain('Stage 2 of 2');
    expect(text).toContain('VP approval');
    expect(text).toContain('$600.00');
    expect(text).toContain('Migration credit promised by the CSM');
    expect(text).toContain('account_action_approve');
    const approve = `${row.id}:1`;
    // The billing specialist's App Home lists the request without being opened again.
    await eventually(
      () =>
        blocksText(app.slack.home(app.people.billingSpecialist)?.blocks).includes(`"${approve}"`) ||
        undefined,
      20_000,
    );

    // An L1 agent's click: refused, nothing changes.
    const seenL1 = app.slack.ephemerals(app.people.l1).length;
    await click(app.people.l1, message.ts, 'account_action_approve');
    await ephemeralFor(app.people.l1, /Not allowed.*billing specialist/, seenL1);
    // The VP cannot decide stage 1 either.
    const seenVp = app.slack.ephemerals(app.people.vp).length;
    await click(app.people.vp, message.ts, 'account_action_approve');
    await ephemeralFor(app.people.vp, /Not allowed/, seenVp);
    const stages = await app.running.deps.db.select().from(approvals).where(eq(approvals.actionId, row.id));
    expect(stages.every((stage) => stage.decision === null)).toBe(true);

    await click(app.people.billingSpecialist, message.ts, 'account_action_approve', approve);
    await eventually(() =>
      blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes(`"${row.id}:2"`),
    );
    text = blocksText(app.slack.message(APPROVALS, message.ts)?.blocks);
    expect(text).toContain(`approved by <@${app.people.billingSpecialist}>`);
    expect(creditsOf(HALCYON).filter((t) => t.amount === -60_000)).toHaveLength(0);
    expect((await actionRow(row.id))?.state).toBe('pending_approval');

    await click(app.people.vp, message.ts, 'account_action_approve', `${row.id}:2`);
    const done = await settled(row.id, ['succeeded', 'failed']);
    expect(done?.state).toBe('succeeded');
    expect(creditsOf(HALCYON).filter((t) => t.amount === -60_000)).toHaveLength(1);
    await eventually(() =>
      blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes('Done in Stripe'),
    );
    expect(blocksText(app.slack.message(APPROVALS, message.ts)?.blocks)).not.toContain(
      'account_action_approve',
    );
    const thread = requesterThread(done as never);
    expect(thread.some((t) => t.includes('Stage 1 approved'))).toBe(true);
    expect(thread.some((t) => t.includes('Done in Stripe'))).toBe(true);
    const audit = await app.running.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.accountActionId, row.id));
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'account_action.requested',
        'account_action.decision_refused',
        'account_action.approved',
        'account_action.executed',
      ]),
    );
  });

  it('the requester cannot approve their own request, even holding the role', async () => {
    const row = await request(app.people.billingSpecialist, HALCYON, 'discount', {
      percent_input: '15.01',
      reason_input: 'Retention offer approved by the account team',
    });
    const message = await requestMessage(row.id);
    expect(blocksText(message.blocks)).toContain('VP approval');
    const seen = app.slack.ephemerals(app.people.billingSpecialist).length;
    await click(app.people.billingSpecialist, message.ts, 'account_action_approve');
    await ephemeralFor(app.people.billingSpecialist, /You asked for this action/, seen);
    expect((await actionRow(row.id))?.state).toBe('pending_approval');
  });

  it('Deny asks why, stops the request and tells the requester', async () => {
    const row = await request(app.people.l1, HALCYON, 'pause_subscription', {
      reason_input: 'Customer asked to pause over the summer',
    });
    const message = await requestMessage(row.id);
    const opened = await click(app.people.manager, message.ts, 'account_action_deny');
    expect(opened.status).toBe(200);
    const viewId = await eventually(
      () =>
        app.slack
          .openViews(app.people.manager)
          .find((view) => view.callback_id === 'account_action_deny_reason')?.id,
    );
    const empty = await app.driver.submitView({
      user: app.people.manager,
      viewId,
      values: { deny_reason_input: ' ' },
      skipClientValidation: true,
    });
    expect(empty.body).toMatchObject({ response_action: 'errors' });
    await app.driver.submitView({
      user: app.people.manager,
      viewId,
      values: { deny_reason_input: 'Annual contract: pausing is not offered' },
    });
    const denied = await settled(row.id, ['denied']);
    await eventually(() =>
      blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes(
        'Annual contract: pausing is not offered',
      ),
    );
    expect(blocksText(app.slack.message(APPROVALS, message.ts)?.blocks)).not.toContain(
      'account_action_approve',
    );
    await eventually(() =>
      requesterThread(denied as never).some((t) => t.includes('Annual contract: pausing is not offered')),
    );
    const [stage] = await app.running.deps.db.select().from(approvals).where(eq(approvals.actionId, row.id));
    expect(stage).toMatchObject({ decision: 'denied', approverId: app.people.manager });
    expect(
      app.stripe.state.subscriptions.get('sub_DemoHalcyonEnterprise')?.pause_collection ?? null,
    ).toBeNull();
  });

  it('a request nobody decides expires after 24 hours: the buttons go and the requester is told', async () => {
    const row = await request(app.people.l1, HALCYON, 'cancel_subscription', {
      reason_input: 'Customer is moving to a competitor',
    });
    const message = await requestMessage(row.id);
    const ctx = accountActionContext(app.running.deps);
    offsetMs = 23 * 3_600_000;
    expect((await sweepAccountActions(ctx)).expired).toBe(0);
    offsetMs = 24 * 3_600_000 + 60_000;
    try {
      expect((await sweepAccountActions(ctx)).expired).toBeGreaterThanOrEqual(1);
    } finally {
      offsetMs = 0;
    }
    const expired = await settled(row.id, ['expired']);
    await eventually(
      () => !blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes('account_action_approve'),
    );
    expect(app.slack.message(APPROVALS, message.ts)?.text).toContain('Expired');
    await eventually(() => requesterThread(expired as never).some((t) => t.includes('expired')));
    // A stale copy of the buttons (an old App Home, a slow client) is refused server-side.
    const seen = app.slack.ephemerals(app.people.manager).length;
    await app.driver.blockAction({
      user: app.people.manager,
      channel: APPROVALS,
      messageTs: message.ts,
      actions: [
        {
          type: 'button',
          action_id: 'account_action_approve',
          block_id: 'stale',
          value: `${row.id}:1`,
          action_ts: '1',
        },
      ],
    });
    await ephemeralFor(app.people.manager, /no longer waiting/, seen);
    expect((await actionRow(row.id))?.state).toBe('expired');
  });

  /** Opens the charged-twice playbook (a modal, from the billing card) as `user`; answers it once it is filled in. */
  async function chargedTwicePlaybook(user: string) {
    const cardAt = app.slack.ephemerals(user).length;
    await app.driver.command({ user, channel: 'C0SUPPORT', command: '/billing', text: CORVID });
    const card = await eventually(() => app.slack.ephemerals(user)[cardAt]);
    await app.driver.clickButton({
      user,
      channel: 'C0SUPPORT',
      messageTs: card.ts,
      actionId: 'billing_playbook_charged_twice',
    });
    return eventually(() => {
      const [root] = app.slack.openViews(user);
      return root?.callback_id === 'billing_playbook' && blocksText(root.blocks).includes('Duplicate found')
        ? root
        : undefined;
    });
  }

  it("the charged-twice playbook's refund button opens the filled-in form on top of the playbook, labelled for the viewer", async () => {
    const charge = corvidDuplicate();
    // A manager may refund $399 at once (no refunds yet): the button does not say it needs approval.
    const managers = await chargedTwicePlaybook(app.people.manager);
    expect(blocksText(managers.blocks)).toContain('Refund $399.00"');
    expect(blocksText(managers.blocks)).not.toContain('(requires approval)');

    const playbook = await chargedTwicePlaybook(app.people.l2);
    expect(blocksText(playbook.blocks)).toContain(charge);
    expect(blocksText(playbook.blocks)).toContain('Refund $399.00 (requires approval)');
    const clicked = await app.driver.clickButton({
      user: app.people.l2,
      viewId: playbook.id,
      actionId: 'account_actions_open',
    });
    expect(clicked.status).toBe(200);
    // Pushed on top: the playbook stays open underneath, and closing the form goes back to it.
    const form = await loadedView(app, app.people.l2, new Set([playbook.id]));
    const stack = app.slack.openViews(app.people.l2);
    expect(stack.map((view) => view.id)).toEqual([playbook.id, form.id]);
    expect(form.previous_view_id).toBe(playbook.id);
    expect(form.callback_id).toBe('account_action_form');
    expect(blocksText(form.blocks)).toContain(charge);
    expect(blocksText(form.blocks)).toContain('"initial_value":"399.00"');
    await app.driver.closeView({ user: app.people.l2, viewId: form.id });
    expect(app.slack.openViews(app.people.l2).map((view) => view.id)).toEqual([playbook.id]);
  });

  it('a tampered button value is refused and changes nothing', async () => {
    const row = await request(app.people.l2, CORVID, 'refund', {
      charge_input: corvidDuplicate(),
      amount_input: '1.00',
      reason_input: 'Part of the duplicate',
    });
    const message = await requestMessage(row.id);
    for (const value of [`${row.id}:2`, `${row.id}:0`, 'DROP TABLE', `${row.id + 1000}:1`]) {
      const seen = app.slack.ephemerals(app.people.manager).length;
      await click(app.people.manager, message.ts, 'account_action_approve', value);
      await ephemeralFor(app.people.manager, /nothing was changed|Not found|no account action/i, seen);
    }
    expect((await actionRow(row.id))?.state).toBe('pending_approval');
    expect(refundsOf(corvidDuplicate())).toHaveLength(0);
  });

  it('two Approve clicks at once produce exactly one Stripe refund', async () => {
    const charge = corvidDuplicate();
    const pending = await request(app.people.l2, CORVID, 'refund', {
      charge_input: charge,
      amount_input: '1.00',
      reason_input: 'Part of the duplicate, clicked twice',
    });
    expect(pending.state).toBe('pending_approval');
    const message = await requestMessage(pending.id);
    const value = `${pending.id}:1`;
    const answers = await Promise.all([
      click(app.people.manager, message.ts, 'account_action_approve', value),
      click(app.people.billingSpecialist, message.ts, 'account_action_approve', value),
      click(app.people.manager, message.ts, 'account_action_approve', value),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await eventually(() =>
      [
        ...app.slack.ephemerals(app.people.manager),
        ...app.slack.ephemerals(app.people.billingSpecialist),
      ].some((e) => /no longer waiting|a moment ago|already approved/.test(e.text)),
    );
    const done = await settled(pending.id, ['succeeded', 'failed']);
    expect(done?.state).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Executed once: one claim, one execution in the audit trail, one request to Stripe with the action's key.
    expect((await actionRow(pending.id))?.attempts).toBe(1);
    const executed = await app.running.deps.db
      .select()
      .from(auditEvents)
      .where(
        and(eq(auditEvents.accountActionId, pending.id), eq(auditEvents.action, 'account_action.executed')),
      );
    expect(executed).toHaveLength(1);
    const posted = app.stripe.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === '/v1/refunds' &&
        r.headers['idempotency-key'] === idempotencyKey(pending),
    );
    expect(posted).toHaveLength(1);
    const refunds = refundsOf(charge).filter((r) => r.metadata?.frontline_action === String(pending.id));
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.amount).toBe(100);
    const decided = await app.running.deps.db
      .select()
      .from(approvals)
      .where(eq(approvals.actionId, pending.id));
    expect(decided.filter((a) => a.decision === 'approved')).toHaveLength(1);
  });

  it('Stripe down on the first try: failed with a Try again button; the retry reuses the key and refunds once', async () => {
    const charge = corvidDuplicate();
    const row = await request(app.people.l2, CORVID, 'refund', {
      charge_input: charge,
      amount_input: '2.00',
      reason_input: 'Rest of the duplicate, part two',
    });
    const message = await requestMessage(row.id);
    const clear = app.stripe.failNext(3, 500);
    await click(app.people.manager, message.ts, 'account_action_approve', `${row.id}:1`);
    const failed = await settled(row.id, ['failed', 'succeeded']);
    clear();
    expect(failed).toMatchObject({ state: 'failed', retryable: true });
    expect(failed?.error).toContain('Stripe');
    await eventually(() =>
      blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes('account_action_retry'),
    );
    const refundsBefore = refundsOf(charge).length;
    await click(app.people.l2, message.ts, 'account_action_retry');
    const done = await settled(row.id, ['succeeded']);
    expect(done?.attempts).toBe(2);
    expect(refundsOf(charge)).toHaveLength(refundsBefore + 1);
    const keys = app.stripe.requests
      .filter((r) => r.method === 'POST' && r.path === '/v1/refunds')
      .map((r) => r.headers['idempotency-key'])
      .filter((key) => key === idempotencyKey(row));
    expect(keys.length).toBeGreaterThanOrEqual(2);
  });

  it('a retry after Stripe forgot the key finds the refund the lost answer was about, and refunds nothing more', async () => {
    const charge = corvidDuplicate();
    const row = await request(app.people.l2, CORVID, 'refund', {
      charge_input: charge,
      amount_input: '1.00',
      reason_input: 'Rest of the duplicate, part three',
    });
    const message = await requestMessage(row.id);
    // Stripe makes the refund, but every answer about it is lost (and the SDK's own retries get the same).
    const clear = app.stripe.inject({
      match: (r) => r.method === 'POST' && r.path === '/v1/refunds',
      response: { status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred' } } },
      afterHandling: true,
    });
    const refundsBefore = refundsOf(charge).length;
    await click(app.people.manager, message.ts, 'account_action_approve', `${row.id}:1`);
    expect(await settled(row.id, ['failed', 'succeeded'])).toMatchObject({
      state: 'failed',
      retryable: true,
    });
    clear();
    expect(refundsOf(charge)).toHaveLength(refundsBefore + 1);
    // A day later Stripe no longer knows the key; someone clicks Try again.
    app.stripe.expireIdempotencyKeys();
    const posts = () =>
      app.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds').length;
    const postsBefore = posts();
    await eventually(() =>
      blocksText(app.slack.message(APPROVALS, message.ts)?.blocks).includes('account_action_retry'),
    );
    await click(app.people.l2, message.ts, 'account_action_retry');
    // The second attempt's outcome (the first one's `failed` is still there until the click is taken).
    const done = await eventually(async () => {
      const current = await actionRow(row.id);
      return current && current.attempts >= 2 && ['succeeded', 'failed'].includes(current.state)
        ? current
        : undefined;
    });
    expect(done.state).toBe('succeeded');
    expect(refundsOf(charge)).toHaveLength(refundsBefore + 1);
    expect(posts()).toBe(postsBefore);
    expect(done.stripeObjectId).toBe(
      refundsOf(charge).find((refund) => refund.metadata?.frontline_action === String(row.id))?.id,
    );
  });

  it("the charged-twice playbook's preset opens the refund form filled in; a third refund in 90 days needs a manager", async () => {
    const charge = corvidDuplicate();
    const viewId = await openPicker(app.people.l2, {
      customer: CORVID,
      preset: { kind: 'refund', chargeId: charge, amountMinor: 500, currency: 'usd' },
    });
    const view = app.slack.view(viewId);
    expect(view?.callback_id).toBe('account_action_form');
    expect(blocksText(view?.blocks)).toContain(charge);
    expect(blocksText(view?.blocks)).toContain('"initial_value":"5.00"');
    const before = new Set((await app.running.deps.db.select().from(accountActions)).map((row) => row.id));
    await app.driver.submitView({ user: app.people.l2, viewId });
    const row = await eventually(async () =>
      (await app.running.deps.db.select().from(accountActions)).find((r) => !before.has(r.id)),
    );
    expect(row).toMatchObject({ kind: 'refund', amountMinor: 500, state: 'pending_approval' });
    const message = await requestMessage(row.id);
    expect(blocksText(message.blocks)).toContain('Manager review');
    expect(blocksText(message.blocks)).toContain('Refunds in the last 90 days');
    // The billing specialist may run refunds, but a refund pattern needs a manager.
    const seen = app.slack.ephemerals(app.people.billingSpecialist).length;
    await click(app.people.billingSpecialist, message.ts, 'account_action_approve');
    await ephemeralFor(app.people.billingSpecialist, /support manager/, seen);
  });

  it('Approve works from the App Home too, with the same checks', async () => {
    const { pendingApprovalsFor } = await import('../../src/services/account-actions.js');
    const ctx = accountActionContext(app.running.deps);
    const pending = await pendingApprovalsFor(ctx, app.people.manager);
    const refund = pending.find((view) => view.kind === 'refund' && view.description.includes('$5.00'));
    if (!refund) throw new Error('the manager should see the pending refund');
    expect(await pendingApprovalsFor(ctx, app.people.l2)).toEqual([]);
    // The manager's Home as the app renders it offers the refund's open stage with its buttons.
    const stage = refund.stages.find((entry) => entry.decision === null)?.stage;
    const blockId = `home_approval_${refund.actionId}_${stage}`;
    await app.driver.appHomeOpened(app.people.manager);
    const home = await eventually(() => {
      const view = app.slack.home(app.people.manager);
      return view && findAction(view.blocks, 'account_action_approve', blockId) ? view : undefined;
    });
    await app.driver.clickButton({
      user: app.people.manager,
      viewId: home.id,
      actionId: 'account_action_approve',
      blockId,
    });
    const done = await settled(refund.actionId, ['succeeded', 'failed']);
    expect(done?.state).toBe('succeeded');
  });

  it("a manager cannot approve their own refund even though the stage needs a manager's review; another manager can", async () => {
    const charge = corvidDuplicate();
    // Corvid already had refunds in the last 90 days, so even a manager's own refund needs a manager's review.
    const row = await request(
      app.people.manager,
      CORVID,
      'refund',
      { charge_input: charge, amount_input: '3.00', reason_input: 'Goodwill on the duplicate' },
      { escalation: 7 },
    );
    expect(row.state).toBe('pending_approval');
    const message = await requestMessage(row.id);
    const text = blocksText(message.blocks);
    expect(text).toContain('Manager review');
    // What the approver needs: the escalation, why it needs approval, and the customer's money history.
    expect(text).toContain('*Escalation:* ESC-7');
    expect(text).toMatch(/Why approval:\* .*always needs a manager's review/);
    expect(text).toMatch(/Refunds in the last 90 days: \$\d+\.\d\d on \d{4}-\d\d-\d\d/);
    expect(text).toMatch(/[Cc]redits in the last 90 days/);
    const seen = app.slack.ephemerals(app.people.manager).length;
    await click(app.people.manager, message.ts, 'account_action_approve', `${row.id}:1`);
    await ephemeralFor(app.people.manager, /You asked for this action/, seen);
    expect((await actionRow(row.id))?.state).toBe('pending_approval');
    const stages = await app.running.deps.db.select().from(approvals).where(eq(approvals.actionId, row.id));
    expect(stages.map((stage) => stage.decision)).toEqual([null]);
    expect(refundsOf(charge).filter((r) => r.metadata?.frontline_action === String(row.id))).toHaveLength(0);

    await click(SECOND_MANAGER.id, message.ts, 'account_action_approve', `${row.id}:1`);
    const done = await settled(row.id, ['succeeded', 'failed']);
    expect(done?.state).toBe('succeeded');
    expect(refundsOf(charge).filter((r) => r.metadata?.frontline_action === String(row.id))).toHaveLength(1);
    const [stage] = await app.running.deps.db.select().from(approvals).where(eq(approvals.actionId, row.id));
    expect(stage).toMatchObject({ decision: 'approved', approverId: SECOND_MANAGER.id });
  });

  it('a card error ends in failed with a clear message and no retry button', async () => {
    // A credit runs at once for a manager; Stripe declines its POST.
    app.stripe.cardErrorNext(
      { code: 'card_declined', decline_code: 'insufficient_funds' },
      (r) => r.method === 'POST' && r.path.includes('/balance_transactions'),
    );
    const second = await request(app.people.manager, JUNIPER, 'credit', {
      amount_input: '11',
      reason_input: 'Goodwill credit',
    });
    const failed = await settled(second.id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ state: 'failed', retryable: false });
    expect(failed?.error).toMatch(/card was declined/i);
    await eventually(() => requesterThread(failed as never).some((t) => /card was declined/i.test(t)));
    const own = app.slack.message(String(failed?.requesterChannel), String(failed?.requesterTs));
    expect(blocksText(own?.blocks)).not.toContain('account_action_retry');
  });

  describe('every action kind runs against Stripe', () => {
    const BRIGHTLEAF = 'cus_DemoBrightleafStudio';
    const QUILLFEATHER = 'cus_DemoQuillfeatherLabs';
    const OSTRANDER = 'cus_DemoOstranderLegal';
    const sub = (id: string) => app.stripe.state.subscriptions.get(id);
    let invoicesBefore = new Set<string>();
    const items = (id: string) =>
      [...app.stripe.state.subscriptionItems.values()].filter((item) => item.subscription === id);
    const cases: Array<{
      name: string;
      user: () => string;
      customer: string;
      kind: string;
      values: Record<string, string>;
      check: (row: {
        id: number;
        result: unknown;
        stripeObjectId: string | null;
        createdAt: Date;
      }) => void | Promise<void>;
      setup?: () => Promise<void>;
      /** Plan changes: what the invoice preview must say before anything is asked. */
      preview?: RegExp;
    }> = [
      {
        name: 'payment link for the open invoice',
        user: () => app.people.l1,
        customer: BRIGHTLEAF,
        kind: 'payment_link',
        values: {},
        check: (row) => expect(JSON.stringify(row.result)).toMatch(/https?:\/\/.+\/invoices\//),
      },
      {
        name: 'resend the open invoice',
        user: () => app.people.l1,
        customer: BRIGHTLEAF,
        kind: 'resend_invoice',
        values: {},
        check: (row) => expect(row.stripeObjectId).toMatch(/^in_/),
      },
      {
        name: 'extend the trial by 14 days',
        user: () => app.people.l1,
        customer: QUILLFEATHER,
        kind: 'extend_trial',
        values: { days_input: '14' },
        check: () => {
          const subscription = sub('sub_DemoQuillfeatherTrial');
          expect(subscription?.status).toBe('trialing');
          expect(Number(subscription?.trial_end) * 1000 - Date.now()).toBeGreaterThan(18 * 86_400_000);
        },
      },
      {
        name: 'pause collection',
        user: () => app.people.manager,
        customer: JUNIPER,
        kind: 'pause_subscription',
        values: {},
        check: () =>
          expect(sub('sub_DemoJuniperStarter')?.pause_collection).toMatchObject({ behavior: 'void' }),
      },
      {
        name: 'resume collection',
        user: () => app.people.manager,
        customer: JUNIPER,
        kind: 'resume_subscription',
        values: {},
        check: () => expect(sub('sub_DemoJuniperStarter')?.pause_collection ?? null).toBeNull(),
      },
      {
        name: 'upgrade now with proration',
        user: () => app.people.l2,
        customer: JUNIPER,
        kind: 'upgrade',
        values: { price_input: 'price_DemoGrowthMonthly' },
        preview: /Prorated difference for the rest of this period, invoiced now: \$(?!0\.00)\d[\d,]*\.\d\d/,
        setup: async () => {
          invoicesBefore = new Set(app.stripe.state.invoices.keys());
        },
        check: (row) => {
          expect(JSON.stringify(items('sub_DemoJuniperStarter').map((item) => item.price))).toContain(
            'price_DemoGrowthMonthly',
          );
          // The prorated difference was invoiced at once: a new invoice of proration lines only.
          const invoice = [...app.stripe.state.invoices.values()].find(
            (entry) => !invoicesBefore.has(String(entry.id)) && entry.customer === JUNIPER,
          );
          expect(invoice?.billing_reason).toBe('subscription_update');
          expect(invoice?.total).toBeGreaterThan(0);
          expect(invoice?.lines.data.length).toBeGreaterThan(0);
          expect(invoice?.lines.data.every((line) => line.parent?.subscription_item_details?.proration)).toBe(
            true,
          );
          expect((row.result as { invoice?: string }).invoice).toBe(invoice?.id);
        },
      },
      {
        name: 'downgrade at the end of the period, through a subscription schedule',
        user: () => app.people.l2,
        customer: CORVID,
        kind: 'downgrade',
        values: { price_input: 'price_DemoStarterMonthly' },
        preview:
          /Nothing changes or is invoiced now; from \d{4}-\d\d-\d\d, when the current period ends, the invoice is \$\d/,
        setup: async () => {
          invoicesBefore = new Set(app.stripe.state.invoices.keys());
        },
        check: (row) => {
          // The price is unchanged now, and nothing was invoiced.
          const current = items('sub_DemoCorvidGrowth');
          expect(JSON.stringify(current.map((item) => item.price.id))).toContain('price_DemoGrowthMonthly');
          expect(JSON.stringify(current.map((item) => item.price.id))).not.toContain(
            'price_DemoStarterMonthly',
          );
          expect(
            [...app.stripe.state.invoices.values()].filter(
              (entry) => !invoicesBefore.has(String(entry.id)) && entry.customer === CORVID,
            ),
          ).toEqual([]);
          // The schedule's next phase starts when the current period ends, on the new price.
          const periodEnd = Math.max(...current.map((item) => item.current_period_end));
          const scheduleId = String(sub('sub_DemoCorvidGrowth')?.schedule);
          expect(row.stripeObjectId).toBe(scheduleId);
          const schedule = app.stripe.state.subscriptionSchedules.get(scheduleId);
          expect(schedule).toMatchObject({ status: 'active', end_behavior: 'release' });
          expect(schedule?.phases).toHaveLength(2);
          expect(schedule?.phases[0]?.end_date).toBe(periodEnd);
          expect(schedule?.phases[1]?.start_date).toBe(periodEnd);
          expect(schedule?.phases[1]?.items.map((item) => item.price)).toContain('price_DemoStarterMonthly');
          expect(schedule?.phases[1]?.items.map((item) => item.price)).not.toContain(
            'price_DemoGrowthMonthly',
          );
          // The result says when it takes effect; the preview asked for the same day.
          expect(JSON.stringify(row.result)).toContain(new Date(periodEnd * 1000).toISOString());
          const keys = app.stripe.requests
            .filter((r) => r.method === 'POST' && r.path.startsWith('/v1/subscription_schedules'))
            .map((r) => r.headers['idempotency-key']);
          expect(keys).toEqual([idempotencyKey(row, 'schedule'), idempotencyKey(row, 'phases')]);
        },
      },
      {
        name: 'adjust seats',
        user: () => app.people.l2,
        customer: HALCYON,
        kind: 'adjust_seats',
        values: { seats_input: '55' },
        check: () => expect(items('sub_DemoHalcyonEnterprise').map((item) => item.quantity)).toContain(55),
      },
      {
        name: 'discount of 15%',
        user: () => app.people.manager,
        customer: CORVID,
        kind: 'discount',
        values: { percent_input: '15' },
        check: (row) => {
          const coupon = app.stripe.state.coupons.get(String((row.result as { coupon?: string }).coupon));
          expect(coupon?.percent_off).toBe(15);
        },
      },
      {
        name: 'payment method update link',
        user: () => app.people.l2,
        customer: BRIGHTLEAF,
        kind: 'update_payment_method',
        values: {},
        check: (row) => expect(JSON.stringify(row.result)).toContain('/p/session/'),
      },
      {
        name: 'clear a billing flag',
        user: () => app.people.manager,
        customer: BRIGHTLEAF,
        kind: 'clear_billing_flag',
        values: { flag_input: 'payment_monitoring' },
        setup: async () => {
          await app.running.deps.integrations.stripe.customers.update(BRIGHTLEAF, {
            metadata: { payment_monitoring: 'true' },
          });
        },
        check: () =>
          expect(app.stripe.state.customers.get(BRIGHTLEAF)?.metadata?.payment_monitoring).toBeUndefined(),
      },
      {
        name: 'cancel at the end of the period (customer asked)',
        user: () => app.people.manager,
        customer: OSTRANDER,
        kind: 'cancel_subscription',
        values: { cancel_when_input: 'period_end' },
        check: () => expect(sub('sub_DemoOstranderAnnual')?.cancel_at_period_end).toBe(true),
      },
    ];

    it.each(cases)('$name', async ({ user, customer, kind: actionKind, values, check, setup, preview }) => {
      await setup?.();
      const row = await request(
        user(),
        customer,
        actionKind,
        { reason_input: 'Customer asked on the phone', ...values },
        {},
        preview,
      );
      const done = await settled(row.id, ['succeeded', 'failed']);
      expect(done?.error ?? null).toBeNull();
      expect(done?.state).toBe('succeeded');
      await check(done as never);
    });

    it('the requester is told when the downgrade takes effect', async () => {
      const row = (await app.running.deps.db.select().from(accountActions)).find(
        (entry) => entry.kind === 'downgrade' && entry.state === 'succeeded',
      );
      if (!row) throw new Error('the downgrade case runs first');
      const periodEnd = Math.max(...items('sub_DemoCorvidGrowth').map((item) => item.current_period_end));
      await eventually(() =>
        requesterThread(row).some(
          (t) =>
            t.includes('Done in Stripe') && t.includes(`on ${day(periodEnd)}, when the current period ends`),
        ),
      );
    });

    it('force cancellation needs legal after the billing specialist', async () => {
      const row = await request(app.people.billingSpecialist, BRIGHTLEAF, 'force_cancel', {
        reason_input: 'Chargeback fraud confirmed by the risk team',
      });
      const message = await requestMessage(row.id);
      expect(blocksText(message.blocks)).toContain('Legal approval');
      const seen = app.slack.ephemerals(app.people.vp).length;
      await click(app.people.vp, message.ts, 'account_action_approve');
      await ephemeralFor(app.people.vp, /legal/, seen);
      await click(app.people.legal, message.ts, 'account_action_approve');
      const done = await settled(row.id, ['succeeded', 'failed']);
      expect(done?.state).toBe('succeeded');
      expect(sub('sub_DemoBrightleafGrowth')?.status).toBe('canceled');
    });
  });

  it('/frontline audit shows a customer trail to managers only', async () => {
    const refused = app.slack.ephemerals(app.people.l2).length;
    await app.driver.command({
      user: app.people.l2,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: `audit ${HALCYON}`,
    });
    await ephemeralFor(app.people.l2, /managers/, refused);
    const answer = await app.driver.command({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: `audit ${HALCYON}`,
    });
    expect(answer.status).toBe(200);
    const trail = await eventually(() =>
      app.slack.ephemerals(app.people.manager).find((e) => e.text.includes('Audit trail for')),
    );
    const text = JSON.stringify(trail);
    expect(text).toContain('requested');
    expect(text).toContain('executed');
    expect(text).toContain('$600.00');

    // The trail is Frontline's own record: a customer since deleted in Stripe still has it, asked for by id.
    await app.running.deps.integrations.stripe.customers.del(HALCYON);
    const seen = app.slack.ephemerals(app.people.manager).length;
    await app.driver.command({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: `audit ${HALCYON}`,
    });
    const kept = await eventually(() =>
      app.slack
        .ephemerals(app.people.manager)
        .slice(seen)
        .find((e) => e.text.includes('Audit trail for')),
    );
    expect(JSON.stringify(kept)).toContain('$600.00');
    // An id with no trail and no customer is still told plainly.
    await app.driver.command({
      user: app.people.manager,
      channel: 'C0SUPPORT',
      command: '/frontline',
      text: 'audit cus_NobodyAtAll',
    });
    await ephemeralFor(app.people.manager, /No Stripe customer or audit record matches/, seen);
  });
});
