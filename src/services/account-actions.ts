import type { ModalView } from '@slack/types';
import { TransactionRollbackError } from 'drizzle-orm';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import {
  type AccountActionRow,
  type ApprovalRow,
  approvalsOf,
  auditTrailOf,
  claimForExecution,
  decideStage,
  dueForExpiry,
  getAccountAction,
  getAccountActionBySubmission,
  insertAccountAction,
  insertApprovalStages,
  insertAuditEvent,
  type NewAuditEvent,
  pendingActions,
  setActionMessages,
  strandedActions,
  transition,
  transitionUnexpired,
} from '../db/repositories/account-actions.js';
import {
  type ActionParams,
  type ActionState,
  actionRef,
  describeParams,
  type FormValues,
  moneyOf,
  policyRequestOf,
  SUBSCRIPTION_KINDS,
  validateActionForm,
} from '../domain/account-actions.js';
import { type CustomerSummary, readCustomerQuery } from '../domain/customers.js';
import { formatMoney } from '../domain/money.js';
import {
  type ApprovalStage,
  decide,
  mayDecideStage,
  offeredActions,
  type PolicyDecision,
  rolesInWords,
} from '../domain/permissions.js';
import type { RoleName } from '../domain/roles.js';
import { conflict, type FrontlineError, invalidInput, notFound, notPermitted } from '../errors.js';
import type { SlackMessenger } from '../integrations/slack/messenger.js';
import {
  type AccountActionGateway,
  ActionFailure,
  type MoneyEvent,
  type PlanChangePreview,
  type ResolvedTarget,
} from '../integrations/stripe/actions.js';
import type { Logger } from '../logger.js';
import type { FormMetadata, OpenActions } from '../views/account-action-ids.js';
import {
  type ApprovalRequestView,
  actionFormModal,
  actionPickerModal,
  approvalRequestMessage,
  auditTrailMessage,
  noticeModal,
  requesterMessage,
  type StageView,
} from '../views/account-actions.js';
import { forgetBillingContext } from './billingContext.js';
import { findCustomers } from './customers.js';
import type { Directory } from './people.js';

/**
 * Account actions, end to end: offer what a person may do, take a request, decide run-now or approval by the
 * permission matrix, collect decisions stage by stage, and run the action in Stripe exactly once. Every state change
 * is a conditional update in the database (so double clicks, Slack retries and several instances cannot run an
 * action twice), an audit event in the same transaction, a re-render of the request message, and a line in the
 * requester's thread.
 */
export interface AccountActionContext {
  db: Database;
  slack: SlackMessenger;
  settings: Settings;
  directory: Directory;
  logger: Logger;
  now: () => Date;
  gateway: AccountActionGateway;
  /** Customers by id, email or part of a name (for `/frontline audit`). */
  searchCustomers: (text: string) => Promise<CustomerSummary[]>;
  /** Asks for these people's App Home to be rendered again (their requests or approvals changed). */
  homesChanged?: (userIds: string[]) => Promise<void>;
}

/** The requester and everyone who may decide one of the action's stages: whose App Home shows this action. */
async function concernedPeople(ctx: AccountActionContext, action: AccountActionRow): Promise<string[]> {
  const roles = new Set<RoleName>();
  for (const stage of await approvalsOf(ctx.db, action.id))
    for (const role of stage.requiredRole.split(',')) roles.add(role.trim() as RoleName);
  const members = await Promise.all([...roles].map((role) => ctx.directory.membersOf(role)));
  return [...new Set([action.requesterId, ...members.flat()])];
}

async function refreshHomesOf(ctx: AccountActionContext, action: AccountActionRow): Promise<void> {
  if (!ctx.homesChanged) return;
  try {
    await ctx.homesChanged(await concernedPeople(ctx, action));
  } catch (error) {
    ctx.logger.warn({ err: error, actionId: action.id }, 'could not queue App Home refreshes');
  }
}

/** What is stored in `account_actions.parameters`: the typed request, what it acts on, and the history shown. */
interface StoredParameters {
  params: ActionParams;
  target: ResolvedTarget;
  recentRefunds: number;
  history: { refunds: StoredMoney[]; credits: StoredMoney[] };
  /** The days the history covers: the refund pattern's window when the action was asked for. */
  historyDays?: number;
}
interface StoredMoney {
  amountMinor: number;
  currency: string;
  at: string;
}

const stored = (row: AccountActionRow) => row.parameters as unknown as StoredParameters;
const HOUR_MS = 3_600_000;

// --------------------------------------------------------------------------------------------------- offering

/** The modal the Actions button opens: the picker, or straight to the refund form for a playbook's preset. */
export async function openActionsModal(
  ctx: AccountActionContext,
  { userId, open }: { userId: string; open: OpenActions },
): Promise<ModalView> {
  const [roles, customer] = await Promise.all([
    ctx.directory.rolesOf(userId),
    ctx.gateway.customer(open.customer),
  ]);
  if (!customer) return noticeModal('Account action', `No Stripe customer \`${open.customer}\` was found.`);
  const offered = offeredActions(ctx.settings.permissions, roles);
  if (offered.length === 0)
    return noticeModal(
      'Account action',
      'Your Frontline roles do not include acting on accounts. Ask a support manager if you think they should.',
    );
  if (open.preset && offered.some((entry) => entry.kind === 'refund')) {
    return actionForm(ctx, {
      userId,
      roles,
      metadata: { ...open, kind: 'refund', currency: open.preset.currency ?? customer.currency },
      customerName: customer.name,
    });
  }
  return actionPickerModal({ customerName: customer.name, open, offered });
}

/** Step two of the picker: the chosen action's form. */
export async function actionFormFor(
  ctx: AccountActionContext,
  { userId, open, kind }: { userId: string; open: OpenActions; kind: string },
): Promise<ModalView | { error: string }> {
  const roles = await ctx.directory.rolesOf(userId);
  const offered = offeredActions(ctx.settings.permissions, roles).find((entry) => entry.kind === kind);
  if (!offered) return { error: 'Pick one of the listed actions.' };
  const customer = await ctx.gateway.customer(open.customer);
  if (!customer) return { error: 'The customer is no longer in Stripe.' };
  return actionForm(ctx, {
    userId,
    roles,
    metadata: { ...open, kind: offered.kind, currency: customer.currency },
    customerName: customer.name,
  });
}

async function actionForm(
  ctx: AccountActionContext,
  input: { userId: string; roles: RoleName[]; metadata: FormMetadata; customerName: string },
): Promise<ModalView> {
  const { kind } = input.metadata;
  const decision = decide(ctx.settings.permissions, input.roles, {
    kind,
    measure: 0,
    currency: input.metadata.currency,
  });
  const needsSubscription = SUBSCRIPTION_KINDS.includes(kind);
  const subscription = needsSubscription
    ? await ctx.gateway.liveSubscription(input.metadata.customer)
    : undefined;
  const prices = kind === 'upgrade' || kind === 'downgrade' ? await ctx.gateway.planPrices() : undefined;
  const subscriptionNote = needsSubscription
    ? subscription
      ? `Subscription \`${subscription.id}\` (${subscription.status}${subscription.paused ? ', collection paused' : ''}${subscription.trialEnd ? `, trial ends ${new Date(subscription.trialEnd * 1000).toISOString().slice(0, 10)}` : ''}), ${subscription.quantity} seat${subscription.quantity === 1 ? '' : 's'}.`
      : ':warning: This customer has no live subscription; this action will fail.'
    : undefined;
  return actionFormModal({
    metadata: input.metadata,
    customerName: input.customerName,
    runsNow: decision.outcome === 'run_now',
    measured: ctx.settings.permissions.actions[kind].measure !== 'none',
    ...(prices ? { prices: prices.filter((price) => price.id !== subscription?.planPriceId) } : {}),
    billingFlags: ctx.settings.accountActions.billingFlags,
    subscriptionNote,
    ...(input.metadata.preset
      ? {
          preset: {
            chargeId: input.metadata.preset.chargeId,
            amountMinor: input.metadata.preset.amountMinor,
            currency: input.metadata.preset.currency,
          },
        }
      : {}),
  });
}

// --------------------------------------------------------------------------------------------------- requesting

export interface PreparedAction {
  requesterId: string;
  roles: RoleName[];
  customerId: string;
  customerName: string;
  escalationId: number | undefined;
  problemId: number | undefined;
  params: ActionParams;
  reason: string;
  target: ResolvedTarget;
  decision: PolicyDecision;
  recentRefunds: number;
  /** Refunds and credits of the last `historyDays` days (the refund pattern's window), newest first. */
  history: { refunds: MoneyEvent[]; credits: MoneyEvent[] };
  historyDays: number;
  preview?: string | undefined;
  /** The submitted view's id: a second submission of the same form makes no second request. */
  submissionKey?: string | undefined;
}

/**
 * Checks a submitted form against its fixed shape and against Stripe (does the charge exist and belong to this
 * customer, is there a subscription), and decides by the matrix. Answers field errors, or everything needed to act.
 */
export async function prepareAction(
  ctx: AccountActionContext,
  input: { requesterId: string; metadata: FormMetadata; values: FormValues },
): Promise<{ errors: Record<string, string> } | { prepared: PreparedAction }> {
  const { metadata } = input;
  // Stripe lookups run side by side: all of this happens before Slack's 3-second ack, to answer with field errors.
  const planChange = metadata.kind === 'upgrade' || metadata.kind === 'downgrade';
  const [roles, customer, prices] = await Promise.all([
    ctx.directory.rolesOf(input.requesterId),
    ctx.gateway.customer(metadata.customer),
    planChange ? ctx.gateway.planPrices() : Promise.resolve([]),
  ]);
  if (!customer) return { errors: { reason: 'This customer is no longer in Stripe.' } };
  const validated = validateActionForm(metadata.kind, input.values, {
    currency: metadata.currency,
    billingFlags: ctx.settings.accountActions.billingFlags,
    priceIds: prices.map((price) => price.id),
  });
  if (!validated.ok) return { errors: validated.errors as Record<string, string> };
  let params = validated.params;
  const target: ResolvedTarget = {};
  const now = ctx.now();
  const days = ctx.settings.permissions.refundPattern.days;
  const [charge, subscription, history] = await Promise.all([
    params.kind === 'refund' ? ctx.gateway.refundTarget(params.target) : Promise.resolve(undefined),
    SUBSCRIPTION_KINDS.includes(params.kind)
      ? ctx.gateway.liveSubscription(customer.id)
      : Promise.resolve(undefined),
    ctx.gateway.recentMoney(customer.id, now, days),
  ]);

  if (params.kind === 'refund') {
    if (!charge || charge.customerId !== customer.id)
      return { errors: { charge: `No payment ${params.target} was found for this customer.` } };
    if (charge.refundableMinor <= 0)
      return { errors: { charge: 'Nothing is left to refund on this payment.' } };
    if (params.amountMinor !== undefined && charge.currency !== params.currency)
      return {
        errors: { amount: `This payment is in ${charge.currency.toUpperCase()}; enter the amount in it.` },
      };
    if (params.amountMinor !== undefined && params.amountMinor > charge.refundableMinor)
      return {
        errors: {
          amount: `At most ${formatMoney(charge.refundableMinor, charge.currency)} is left to refund.`,
        },
      };
    params = {
      ...params,
      amountMinor: params.amountMinor ?? charge.refundableMinor,
      currency: charge.currency,
    };
  }
  if (SUBSCRIPTION_KINDS.includes(params.kind)) {
    if (!subscription) return { errors: { reason: 'This customer has no live subscription to act on.' } };
    target.subscriptionId = subscription.id;
    target.itemId = subscription.planItemId;
    if (params.kind === 'extend_trial') {
      if (!subscription.trialEnd) return { errors: { days: 'The subscription is not on a trial.' } };
      target.trialEnd = subscription.trialEnd;
    }
    if (params.kind === 'pause_subscription' && subscription.paused)
      return { errors: { reason: 'Collection is already paused.' } };
    if (params.kind === 'resume_subscription' && !subscription.paused)
      return { errors: { reason: 'Collection is not paused.' } };
  }
  const windowStart = now.getTime() - days * 24 * HOUR_MS;
  const recentRefunds = history.refunds.filter((refund) => refund.at.getTime() >= windowStart).length;
  const decision = decide(ctx.settings.permissions, roles, policyRequestOf(params, recentRefunds));
  if (decision.outcome === 'not_allowed') return { errors: { reason: decision.reason } };

  let preview: string | undefined;
  if ((params.kind === 'upgrade' || params.kind === 'downgrade') && target.subscriptionId && target.itemId) {
    const next = await ctx.gateway
      .previewPlanChange(
        customer.id,
        target.subscriptionId,
        target.itemId,
        params.priceId,
        params.kind === 'upgrade',
      )
      .catch((error: unknown) => {
        ctx.logger.warn({ err: error }, 'invoice preview failed');
        return undefined;
      });
    if (next) preview = planChangePreviewText(params.kind, next, subscription?.currentPeriodEnd);
  }
  return {
    prepared: {
      requesterId: input.requesterId,
      roles,
      customerId: customer.id,
      customerName: customer.name,
      escalationId: metadata.escalation,
      problemId: metadata.problem,
      params,
      reason: validated.reason,
      target,
      decision,
      recentRefunds,
      history,
      historyDays: days,
      preview,
    },
  };
}

/** The invoice preview of a plan change in words: what is invoiced now (upgrade), or from when (downgrade). */
function planChangePreviewText(
  kind: 'upgrade' | 'downgrade',
  preview: PlanChangePreview,
  periodEnd: number | undefined,
): string {
  if (kind === 'upgrade')
    return `Prorated difference for the rest of this period, invoiced now: ${formatMoney(preview.prorationMinor, preview.currency)} (amount due ${formatMoney(preview.amountDueMinor, preview.currency)})`;
  const from = periodEnd
    ? new Date(periodEnd * 1000).toISOString().slice(0, 10)
    : 'the end of the current period';
  return `Nothing changes or is invoiced now; from ${from}, when the current period ends, the invoice is ${formatMoney(preview.amountDueMinor, preview.currency)}`;
}

const storeMoney = (event: MoneyEvent): StoredMoney => ({
  amountMinor: event.amountMinor,
  currency: event.currency,
  at: event.at.toISOString(),
});

function auditBase(row: AccountActionRow): Omit<NewAuditEvent, 'actorId' | 'action' | 'result'> {
  return {
    customerId: row.customerId,
    subjectType: 'account_action',
    subjectId: String(row.id),
    accountActionId: row.id,
    parameters: row.parameters,
    amountMinor: row.amountMinor,
    currency: row.currency,
  };
}

/** Stores a prepared request; it runs now (within the requester's limits) or waits for its approval stages. */
export async function createAction(
  ctx: AccountActionContext,
  prepared: PreparedAction,
): Promise<AccountActionRow> {
  const now = ctx.now();
  const stages: ApprovalStage[] =
    prepared.decision.outcome === 'needs_approval' ? prepared.decision.stages : [];
  const money = moneyOf(prepared.params);
  const parameters: StoredParameters = {
    params: prepared.params,
    target: prepared.target,
    recentRefunds: prepared.recentRefunds,
    history: {
      refunds: prepared.history.refunds.slice(0, 10).map(storeMoney),
      credits: prepared.history.credits.slice(0, 10).map(storeMoney),
    },
    historyDays: prepared.historyDays,
  };
  const row = await ctx.db.transaction(async (tx) => {
    const created = await insertAccountAction(tx, {
      submissionKey: prepared.submissionKey ?? null,
      kind: prepared.params.kind,
      customerId: prepared.customerId,
      customerName: prepared.customerName,
      parameters: parameters as unknown as Record<string, unknown>,
      amountMinor: money?.amountMinor ?? null,
      currency: money?.currency ?? null,
      reason: prepared.reason,
      requesterId: prepared.requesterId,
      requesterRoles: prepared.roles,
      escalationId: prepared.escalationId ?? null,
      problemId: prepared.problemId ?? null,
      state: stages.length > 0 ? 'pending_approval' : 'approved',
      policyReason: prepared.decision.reason + (prepared.preview ? ` ${prepared.preview}.` : ''),
      expiresAt:
        stages.length > 0
          ? new Date(now.getTime() + ctx.settings.accountActions.approvalHours * HOUR_MS)
          : null,
      createdAt: now,
      updatedAt: now,
    });
    if (!created) return undefined;
    await insertApprovalStages(tx, created.id, stages);
    await insertAuditEvent(tx, {
      ...auditBase(created),
      actorId: prepared.requesterId,
      actorRoles: prepared.roles,
      action: 'account_action.requested',
      reason: prepared.reason,
      result: stages.length > 0 ? 'pending_approval' : 'approved',
    });
    return created;
  });
  if (!row) {
    // The same form came again (Slack sends it anew when its answer was lost and the person submits once more).
    const first = prepared.submissionKey
      ? await getAccountActionBySubmission(ctx.db, prepared.submissionKey)
      : undefined;
    if (!first) throw new Error('an account action was neither stored nor found by its submission');
    ctx.logger.info({ actionId: first.id }, 'a repeated account-action submission changed nothing');
    return first;
  }

  const view = await approvalView(ctx, row);
  try {
    const own = await ctx.slack.post({ channel: prepared.requesterId, ...requesterMessage(view) });
    await setActionMessages(ctx.db, row.id, { requesterChannel: own.channel, requesterTs: own.ts });
    if (stages.length > 0) {
      const posted = await ctx.slack.post({
        channel: ctx.settings.channels.approvals,
        ...approvalRequestMessage(view),
      });
      await setActionMessages(ctx.db, row.id, { approvalChannel: posted.channel, approvalTs: posted.ts });
    }
  } catch (error) {
    // The request stands (it is in the database and on the App Home); the messages are re-rendered on every change.
    ctx.logger.warn({ err: error, actionId: row.id }, 'could not post an account action message');
  }
  if (stages.length === 0) await executeAction(ctx, row.id);
  else await refreshHomesOf(ctx, row);
  return (await getAccountAction(ctx.db, row.id)) ?? row;
}

// --------------------------------------------------------------------------------------------------- deciding

function rolesOfStage(approval: ApprovalRow): RoleName[] {
  return approval.requiredRole.split(',').filter(Boolean) as RoleName[];
}

/**
 * Everything a click on Approve or Deny must pass, from any message or the App Home: the action exists and waits,
 * the button's stage is the one now waiting, and the person is an eligible approver who is not the requester and
 * did not decide an earlier stage. Refusals are audited and change nothing else.
 */
export async function checkDecider(
  ctx: AccountActionContext,
  { actionId, stage, userId }: { actionId: number; stage: number; userId: string },
): Promise<{ action: AccountActionRow; approval: ApprovalRow; roles: RoleName[] }> {
  const action = await getAccountAction(ctx.db, actionId);
  if (!action) throw notFound(`There is no account action ${actionRef(actionId)}.`);
  if (action.state === 'pending_approval' && action.expiresAt && action.expiresAt <= ctx.now()) {
    await expireOne(ctx, action);
    throw conflict(
      `${actionRef(actionId)} expired before anyone decided; ask the requester to send it again.`,
    );
  }
  if (action.state !== 'pending_approval')
    throw conflict(
      `${actionRef(actionId)} is no longer waiting for a decision (it is ${stateWords(action.state)}).`,
    );
  const approvals = await approvalsOf(ctx.db, actionId);
  const waiting = approvals.find((approval) => approval.decision === null);
  const roles = await ctx.directory.rolesOf(userId);
  const refuse = async (error: FrontlineError) => {
    await insertAuditEvent(ctx.db, {
      ...auditBase(action),
      actorId: userId,
      actorRoles: roles,
      action: 'account_action.decision_refused',
      result: 'refused',
      reason: error.userMessage,
      parameters: { stage },
    });
    throw error;
  };
  const clicked = approvals.find((approval) => approval.stage === stage);
  if (clicked?.decision && clicked.approverId === userId)
    throw conflict(
      `You already ${clicked.decision === 'approved' ? 'approved' : 'denied'} this stage; nothing more to do.`,
    );
  // Read between someone else's decision and the request's new state (or a stale copy of the buttons).
  if (clicked?.decision)
    throw conflict(`Someone decided on ${actionRef(actionId)} a moment ago; nothing was changed.`);
  if (!waiting || waiting.stage !== stage)
    return refuse(
      invalidInput('That button does not match the stage waiting for a decision; nothing was changed.'),
    );
  const eligibility = mayDecideStage(
    { roles: rolesOfStage(waiting), label: waiting.label },
    { id: userId, roles },
    action.requesterId,
  );
  if (!eligibility.ok) return refuse(notPermitted(eligibility.reason));
  if (approvals.some((approval) => approval.approverId === userId))
    return refuse(
      notPermitted('You decided an earlier stage of this request; another person decides this one.'),
    );
  return { action, approval: waiting, roles };
}

export async function decideAction(
  ctx: AccountActionContext,
  input: {
    actionId: number;
    stage: number;
    userId: string;
    decision: 'approved' | 'denied';
    reason?: string;
  },
): Promise<AccountActionRow> {
  const { action, roles } = await checkDecider(ctx, input);
  if (input.decision === 'denied' && !input.reason?.trim())
    throw invalidInput('Say why the request is denied.');
  const now = ctx.now();
  const approvals = await approvalsOf(ctx.db, action.id);
  const last = input.stage === Math.max(...approvals.map((approval) => approval.stage));
  const updated = await ctx.db
    .transaction(async (tx) => {
      // The request first, conditionally: still waiting and not expired now, whichever stage this is. The update
      // holds the row's lock until commit, so the sweeper cannot expire it between this check and the decision.
      const row = await transitionUnexpired(
        tx,
        action.id,
        input.decision === 'denied' ? 'denied' : last ? 'approved' : 'pending_approval',
        now,
      );
      if (!row) tx.rollback();
      const decided = await decideStage(tx, {
        actionId: action.id,
        stage: input.stage,
        approverId: input.userId,
        decision: input.decision,
        ...(input.reason ? { reason: input.reason.trim() } : {}),
        now,
      });
      if (!decided) tx.rollback();
      await insertAuditEvent(tx, {
        ...auditBase(action),
        actorId: input.userId,
        actorRoles: roles,
        action: input.decision === 'denied' ? 'account_action.denied' : 'account_action.approved',
        result: input.decision === 'denied' ? 'denied' : last ? 'approved' : `stage ${input.stage} approved`,
        reason: input.reason?.trim() || null,
        parameters: { ...action.parameters, stage: input.stage },
      });
      return row as AccountActionRow;
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
      const current = await getAccountAction(ctx.db, action.id);
      if (current?.state === 'expired' || (current?.expiresAt && current.expiresAt <= now)) {
        if (current.state === 'pending_approval') await expireOne(ctx, current);
        throw conflict(
          `${actionRef(action.id)} expired before your decision was recorded; nothing was changed. Ask the requester to send it again.`,
        );
      }
      throw conflict(`Someone decided on ${actionRef(action.id)} a moment ago; nothing was changed.`);
    });

  const verb =
    input.decision === 'denied'
      ? `:no_entry_sign: Denied by <@${input.userId}>: “${input.reason?.trim()}”`
      : last
        ? `:white_check_mark: Approved by <@${input.userId}>; running it in Stripe now.`
        : `:white_check_mark: Stage ${input.stage} approved by <@${input.userId}>; waiting for the next stage.`;
  await refreshMessages(ctx, updated.id, verb);
  if (input.decision === 'approved' && last) await executeAction(ctx, updated.id);
  return (await getAccountAction(ctx.db, updated.id)) ?? updated;
}

// --------------------------------------------------------------------------------------------------- executing

/** Is the action still allowed, by today's settings and roles, with the approvals it has? */
async function reauthorise(
  ctx: AccountActionContext,
  action: AccountActionRow,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const parameters = stored(action);
  const roles = await ctx.directory.rolesOf(action.requesterId);
  const decision = decide(
    ctx.settings.permissions,
    roles,
    policyRequestOf(parameters.params, parameters.recentRefunds),
  );
  if (decision.outcome === 'not_allowed')
    return { ok: false, reason: `Not authorised any more: ${decision.reason}` };
  if (decision.outcome === 'run_now') return { ok: true };
  const approved = (await approvalsOf(ctx.db, action.id)).filter(
    (approval) => approval.decision === 'approved',
  );
  const used = new Set<string>();
  for (const stage of decision.stages) {
    let found = false;
    for (const approval of approved) {
      if (!approval.approverId || used.has(approval.approverId)) continue;
      const approverRoles = await ctx.directory.rolesOf(approval.approverId);
      if (mayDecideStage(stage, { id: approval.approverId, roles: approverRoles }, action.requesterId).ok) {
        used.add(approval.approverId);
        found = true;
        break;
      }
    }
    if (!found)
      return {
        ok: false,
        reason: `Not authorised any more: it now needs ${stage.label.toLowerCase()} by ${rolesInWords(stage.roles)}, which it does not have. Ask again.`,
      };
  }
  return { ok: true };
}

/**
 * Runs an approved action in Stripe, once: only the caller whose conditional update moves it to `executing` goes on
 * (or, with `staleBefore`, one that picks up an execution whose process died; Stripe's idempotency key makes that
 * repeat harmless).
 */
export async function executeAction(
  ctx: AccountActionContext,
  actionId: number,
  options: { staleBefore?: Date } = {},
): Promise<void> {
  const claimed = await claimForExecution(ctx.db, actionId, ctx.now(), options.staleBefore);
  if (!claimed) return;
  const authorised = await reauthorise(ctx, claimed);
  const parameters = stored(claimed);
  let outcome:
    | { ok: true; stripeObjectId: string | null; summary: string; result: Record<string, unknown> }
    | { ok: false; message: string; retryable: boolean };
  if (!authorised.ok) outcome = { ok: false, message: authorised.reason, retryable: false };
  else {
    try {
      const done = await ctx.gateway.execute({
        id: claimed.id,
        createdAt: claimed.createdAt,
        attempt: claimed.attempts,
        customerId: claimed.customerId,
        params: parameters.params,
        target: parameters.target,
        reason: claimed.reason,
      });
      outcome = { ok: true, ...done };
    } catch (error) {
      const failure =
        error instanceof ActionFailure
          ? error
          : new ActionFailure('Unexpected failure; try again.', true, { cause: error });
      ctx.logger.warn({ err: failure.cause ?? failure, actionId }, 'account action failed in Stripe');
      outcome = { ok: false, message: failure.message, retryable: failure.retryable };
    }
  }
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    const row = outcome.ok
      ? await transition(tx, actionId, ['executing'], 'succeeded', now, {
          stripeObjectId: outcome.stripeObjectId,
          result: { ...outcome.result, summary: outcome.summary },
          executedAt: now,
          error: null,
          retryable: false,
        })
      : await transition(tx, actionId, ['executing'], 'failed', now, {
          error: outcome.message,
          retryable: outcome.retryable,
        });
    if (!row) return;
    await insertAuditEvent(tx, {
      ...auditBase(claimed),
      actorId: claimed.requesterId,
      actorRoles: claimed.requesterRoles,
      action: 'account_action.executed',
      result: outcome.ok ? 'succeeded' : outcome.retryable ? 'failed (transient)' : 'failed',
      reason: outcome.ok ? claimed.reason : outcome.message,
      stripeObjectId: outcome.ok ? outcome.stripeObjectId : null,
    });
  });
  // Whatever Stripe did, the customer's cached billing picture may now be stale.
  forgetBillingContext(claimed.customerId);
  await refreshMessages(
    ctx,
    actionId,
    outcome.ok
      ? `:white_check_mark: Done in Stripe. ${outcome.summary}`
      : `:x: Failed: ${outcome.message}${outcome.retryable ? ' You can try again; Stripe will not act twice.' : ''}`,
  );
}

/** Tries a transient failure again with the same idempotency key. The requester, an approver or a manager may. */
export async function retryAction(
  ctx: AccountActionContext,
  { actionId, userId }: { actionId: number; userId: string },
): Promise<void> {
  const action = await getAccountAction(ctx.db, actionId);
  if (!action) throw notFound(`There is no account action ${actionRef(actionId)}.`);
  if (action.state !== 'failed' || !action.retryable)
    throw conflict(`${actionRef(actionId)} cannot be tried again (it is ${stateWords(action.state)}).`);
  const roles = await ctx.directory.rolesOf(userId);
  const approvers = (await approvalsOf(ctx.db, actionId)).map((approval) => approval.approverId);
  if (userId !== action.requesterId && !approvers.includes(userId) && !roles.includes('manager'))
    throw notPermitted('Only the requester, an approver or a support manager can try this action again.');
  const now = ctx.now();
  const moved = await ctx.db.transaction(async (tx) => {
    const row = await transition(tx, actionId, ['failed'], 'approved', now, {
      error: null,
      retryable: false,
    });
    if (!row) return undefined;
    await insertAuditEvent(tx, {
      ...auditBase(action),
      actorId: userId,
      actorRoles: roles,
      action: 'account_action.retried',
      result: 'approved',
      reason: action.error,
    });
    return row;
  });
  if (!moved) throw conflict(`Someone tried ${actionRef(actionId)} again a moment ago.`);
  await executeAction(ctx, actionId);
}

// --------------------------------------------------------------------------------------------------- expiry

async function expireOne(ctx: AccountActionContext, action: AccountActionRow): Promise<boolean> {
  const now = ctx.now();
  const expired = await ctx.db.transaction(async (tx) => {
    const row = await transition(tx, action.id, ['pending_approval'], 'expired', now);
    if (!row) return false;
    await insertAuditEvent(tx, {
      ...auditBase(action),
      actorId: 'frontline',
      action: 'account_action.expired',
      result: 'expired',
      reason: `No decision within ${ctx.settings.accountActions.approvalHours} hours`,
    });
    return true;
  });
  if (expired)
    await refreshMessages(
      ctx,
      action.id,
      `:alarm_clock: Nobody decided within ${ctx.settings.accountActions.approvalHours} hours, so the request expired. Ask again if it is still needed.`,
    );
  return expired;
}

/** Expires requests past their time, and picks up executions a dead process left behind. Runs every minute. */
export async function sweepAccountActions(
  ctx: AccountActionContext,
): Promise<{ expired: number; resumed: number }> {
  const now = ctx.now();
  let expired = 0;
  for (const action of await dueForExpiry(ctx.db, now)) if (await expireOne(ctx, action)) expired += 1;
  const stranded = await strandedActions(
    ctx.db,
    new Date(now.getTime() - 60_000),
    new Date(now.getTime() - 5 * 60_000),
  );
  for (const action of stranded)
    await executeAction(ctx, action.id, { staleBefore: new Date(now.getTime() - 5 * 60_000) });
  return { expired, resumed: stranded.length };
}

// --------------------------------------------------------------------------------------------------- rendering

function stateWords(state: string): string {
  return state.replace('_', ' ');
}

const toMoneyLine = (money: StoredMoney) => ({
  amountText: formatMoney(money.amountMinor, money.currency),
  at: new Date(money.at),
});

/** The view model of one request, from the database alone (no Stripe call): for messages and the App Home. */
export async function approvalView(
  ctx: Pick<AccountActionContext, 'db'>,
  action: AccountActionRow,
): Promise<ApprovalRequestView> {
  const parameters = stored(action);
  const approvals = await approvalsOf(ctx.db, action.id);
  const stages: StageView[] = approvals.map((approval) => ({
    stage: approval.stage,
    label: approval.label,
    rolesText: rolesInWords(rolesOfStage(approval)),
    decision: approval.decision === 'approved' || approval.decision === 'denied' ? approval.decision : null,
    approverId: approval.approverId,
    reason: approval.reason,
    decidedAt: approval.decidedAt,
  }));
  const result = action.result as { summary?: string } | null;
  return {
    actionId: action.id,
    customerId: action.customerId,
    customerName: action.customerName ?? action.customerId,
    kind: parameters.params.kind,
    description: describeParams(parameters.params),
    amountText:
      action.amountMinor !== null && action.currency
        ? formatMoney(action.amountMinor, action.currency)
        : undefined,
    reason: action.reason,
    requesterId: action.requesterId,
    escalationId: action.escalationId,
    problemId: action.problemId,
    policyReason: action.policyReason,
    state: action.state as ActionState,
    stages,
    recentRefunds: parameters.history.refunds.map(toMoneyLine),
    recentCredits: parameters.history.credits.map(toMoneyLine),
    // Requests stored before the window was recorded showed 90 days.
    historyDays: parameters.historyDays ?? 90,
    expiresAt: action.expiresAt,
    error: action.error,
    retryable: action.retryable,
    resultSummary: result?.summary,
  };
}

/** Re-renders the request message and the requester's message, and tells the requester what changed. */
async function refreshMessages(ctx: AccountActionContext, actionId: number, change: string): Promise<void> {
  const action = await getAccountAction(ctx.db, actionId);
  if (!action) return;
  const view = await approvalView(ctx, action);
  const attempts: Promise<unknown>[] = [];
  if (action.approvalChannel && action.approvalTs)
    attempts.push(
      ctx.slack.update({
        channel: action.approvalChannel,
        ts: action.approvalTs,
        ...approvalRequestMessage(view),
      }),
    );
  if (action.requesterChannel && action.requesterTs) {
    attempts.push(
      ctx.slack.update({
        channel: action.requesterChannel,
        ts: action.requesterTs,
        ...requesterMessage(view),
      }),
    );
    attempts.push(
      ctx.slack.post({
        channel: action.requesterChannel,
        threadTs: action.requesterTs,
        text: `${actionRef(action.id)} · ${change}`,
      }),
    );
  } else {
    attempts.push(
      ctx.slack.post({ channel: action.requesterId, text: `${actionRef(action.id)} · ${change}` }),
    );
  }
  for (const result of await Promise.allSettled(attempts))
    if (result.status === 'rejected')
      ctx.logger.warn({ err: result.reason, actionId }, 'could not update an account action message');
  await refreshHomesOf(ctx, action);
}

// --------------------------------------------------------------------------------------------------- audit

const AUDIT_ROLES: readonly RoleName[] = ['manager', 'vp', 'legal'];

/**
 * The customer an audit asks about. The trail is Frontline's own record, so a `cus_` id is answered from it even when
 * Stripe no longer knows the customer (deleted) or does not answer: Stripe only lends the name. A name or email must
 * be found in Stripe, and must name one customer.
 */
async function auditedCustomer(
  ctx: AccountActionContext,
  query: string,
): Promise<Pick<CustomerSummary, 'id' | 'name' | 'email'>> {
  if (readCustomerQuery(query)?.kind === 'id') {
    const known = await ctx.searchCustomers(query).catch(() => []);
    const customer = known[0];
    if (customer) return { id: customer.id, name: customer.name, email: customer.email };
    if ((await auditTrailOf(ctx.db, query, 1)).length > 0) return { id: query, name: '', email: undefined };
    throw notFound(`No Stripe customer or audit record matches "${query}".`);
  }
  const found = await findCustomers(ctx.searchCustomers, query);
  const customer = found[0];
  if (!customer) throw notFound(`No Stripe customer matches "${query}".`);
  if (found.length > 1)
    throw invalidInput(
      `"${query}" matches ${found.length} customers (${found
        .slice(0, 5)
        .map((c) => `${c.name || c.email} \`${c.id}\``)
        .join(', ')}); give the customer id.`,
    );
  return { id: customer.id, name: customer.name, email: customer.email };
}

/** `/frontline audit <customer>`: the customer's account-action trail, for managers (and VP and legal). */
export async function auditTrail(
  ctx: AccountActionContext,
  { userId, query }: { userId: string; query: string },
): Promise<{ text: string; blocks: import('@slack/types').KnownBlock[] }> {
  const roles = await ctx.directory.rolesOf(userId);
  if (!roles.some((role) => AUDIT_ROLES.includes(role)))
    throw notPermitted('The audit trail is for support managers, VPs and legal.');
  if (!query.trim()) throw invalidInput('Name the customer: `/frontline audit <email | name | cus_…>`.');
  const customer = await auditedCustomer(ctx, query.trim());
  const events = await auditTrailOf(ctx.db, customer.id, 40);
  return auditTrailMessage({
    customerId: customer.id,
    customerName: customer.name || customer.email || customer.id,
    lines: events.map((event) => ({
      at: event.createdAt,
      actorId: event.actorId,
      actorRoles: event.actorRoles,
      action: event.action.replace('account_action.', ''),
      result: event.result,
      accountActionId: event.accountActionId,
      amountText:
        event.amountMinor !== null && event.currency
          ? formatMoney(event.amountMinor, event.currency)
          : undefined,
      reason: event.reason,
      stripeObjectId: event.stripeObjectId,
      detail:
        typeof event.parameters.params === 'object' && event.parameters.params
          ? describeParams((event.parameters as unknown as StoredParameters).params)
          : undefined,
    })),
  });
}

/**
 * Requests waiting on a stage this person may decide (for the App Home, rendered with `approvalRequestBlocks`),
 * newest first. The buttons carry the same ids as in the approvals channel; every click is checked again.
 */
export async function pendingApprovalsFor(
  ctx: Pick<AccountActionContext, 'db' | 'directory' | 'now'>,
  userId: string,
): Promise<ApprovalRequestView[]> {
  const roles = await ctx.directory.rolesOf(userId);
  const views: ApprovalRequestView[] = [];
  for (const action of await pendingActions(ctx.db)) {
    if (action.expiresAt && action.expiresAt <= ctx.now()) continue;
    const view = await approvalView(ctx, action);
    const waiting = view.stages.find((stage) => stage.decision === null);
    const approval = (await approvalsOf(ctx.db, action.id)).find((row) => row.stage === waiting?.stage);
    if (!approval || view.stages.some((stage) => stage.approverId === userId)) continue;
    const stage = { roles: rolesOfStage(approval), label: approval.label };
    if (mayDecideStage(stage, { id: userId, roles }, action.requesterId).ok) views.push(view);
  }
  return views;
}
