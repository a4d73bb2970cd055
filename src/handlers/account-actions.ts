import { setTimeout as sleep } from 'node:timers/promises';
import type { App, BlockAction, ButtonAction, ViewOutput } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ACTION_LABELS, describeParams, type FormField, type FormValues } from '../domain/account-actions.js';
import { FrontlineError, invalidInput, userFacingText } from '../errors.js';
import type { FrontlineSubcommand } from '../features.js';
import { createSlackMessenger } from '../integrations/slack/messenger.js';
import { createAccountActionGateway } from '../integrations/stripe/actions.js';
import { searchCustomers } from '../integrations/stripe/customers.js';
import type { JobDefinition } from '../jobs/queue.js';
import {
  type AccountActionContext,
  actionFormFor,
  auditTrail,
  checkDecider,
  createAction,
  decideAction,
  openActionsModal,
  type PreparedAction,
  prepareAction,
  retryAction,
  sweepAccountActions,
} from '../services/account-actions.js';
import { HOME_REFRESH_JOB } from '../services/home.js';
import {
  type FormMetadata,
  ACCOUNT_ACTION_IDS as IDS,
  inputId,
  parseDecision,
  parseDenyMetadata,
  parseFormMetadata,
  parseOpenActions,
  parseRetry,
} from '../views/account-action-ids.js';
import {
  checkingModal,
  denyReasonModal,
  planChangePreviewModal,
  preparingFormModal,
  startAgainModal,
  submittedModal,
} from '../views/account-actions.js';
import { escapeMrkdwn } from '../views/mrkdwn.js';
import { answerWithin } from './answer-within.js';
import { openWhileLoading } from './modal-loading.js';
import { selectedOf, stateValues, textOf } from './view-state.js';

export function accountActionContext(deps: Deps): AccountActionContext {
  const { stripe, slack } = deps.integrations;
  return {
    db: deps.db,
    slack: createSlackMessenger(slack),
    settings: deps.settings,
    directory: deps.directory,
    logger: deps.logger,
    now: deps.now,
    gateway: createAccountActionGateway(stripe),
    searchCustomers: (text) => searchCustomers(stripe, text, 10),
    homesChanged: async (userIds) => {
      await deps.jobs.enqueue(deps.db, HOME_REFRESH_JOB, { userIds });
    },
  };
}

const FORM_BLOCKS: readonly FormField[] = [
  'invoice',
  'amount',
  'charge',
  'refund_reason',
  'days',
  'price',
  'cancel_when',
  'seats',
  'percent',
  'flag',
];

/**
 * How long checking a submitted form (Stripe lookups; a plan change makes three rounds of them) may take before Slack
 * is answered. Slack gives up 3 s after it sent the submission; the rest is for the network, for what ran before this
 * listener, and for a busy process (under load, answering took over a second beyond a 2 s budget).
 */
const ACK_BUDGET_MS = 1_500;
/**
 * Slack puts the holding view in place when it reads the acknowledgement; an outcome sent the same instant could
 * arrive first and be covered by it, leaving "checking" on screen for good. So the outcome waits this long after it.
 */
const SETTLE_MS = 500;

/** The form's answer: field errors, or the view that replaces the form (and the request to store, if any). */
type FormAnswer =
  | { errors: Record<string, string>; view?: undefined; create?: undefined; notice?: undefined }
  | {
      errors?: undefined;
      view: ModalView;
      create?: PreparedAction;
      /** For the requester's direct messages when the view can no longer be shown. */
      notice?: string;
    };

function formValuesOf(view: ViewOutput, metadata: FormMetadata): FormValues {
  if (metadata.confirmed) return { price: metadata.confirmed.price, reason: metadata.confirmed.reason };
  const values = stateValues(view);
  const read = (block: string) =>
    selectedOf(values, block, inputId(block)) ?? (textOf(values, block, inputId(block)) || undefined);
  return {
    ...Object.fromEntries(FORM_BLOCKS.map((block) => [block, read(block)])),
    reason: textOf(values, IDS.reasonBlock, IDS.reasonInput),
  };
}

function formAnswer(
  ctx: AccountActionContext,
  metadata: FormMetadata,
  answer: Awaited<ReturnType<typeof prepareAction>>,
): FormAnswer {
  if ('errors' in answer) {
    if (!metadata.confirmed) return { errors: answer.errors };
    // The preview has no fields; its errors go back to the top of a fresh form.
    const text = `:warning: ${Object.values(answer.errors).join(' ')}`;
    return { view: submittedModal({ title: 'Not changed', text }), notice: text };
  }
  const { prepared } = answer;
  const runsNow = prepared.decision.outcome === 'run_now';
  if ((prepared.params.kind === 'upgrade' || prepared.params.kind === 'downgrade') && !metadata.confirmed)
    return {
      view: planChangePreviewModal({
        metadata: { ...metadata, confirmed: { price: prepared.params.priceId, reason: prepared.reason } },
        customerName: prepared.customerName,
        description: describeParams(prepared.params),
        preview: prepared.preview,
        decisionReason: prepared.decision.reason,
        runsNow,
      }),
      notice: `The invoice preview of your plan change for ${escapeMrkdwn(prepared.customerName)} was ready after its window had closed, so nothing was changed. Press Actions on the customer again to see it and confirm.`,
    };
  return {
    view: submittedModal({
      title: runsNow ? 'Running it' : 'Sent for approval',
      text: runsNow
        ? ':zap: Running it in Stripe now. The result comes to you in a direct message.'
        : `:hourglass_flowing_sand: ${prepared.decision.reason}\nThe request is in <#${ctx.settings.channels.approvals}>; you are told in a direct message at every step.`,
    }),
    // Storing the request tells the requester in a direct message, with or without the view.
    create: prepared,
  };
}

/** What replaces the form when checking it failed, early or late: the failure, and a way to start again. */
const failedModal = (error: unknown, metadata: FormMetadata) =>
  startAgainModal('Not sent', `${userFacingText(error)}\nYour request was not sent.`, metadata);

/** The field's label as the submitted form showed it ("Amount in USD"), or the field's name. */
function fieldLabel(view: ViewOutput, field: string): string {
  const block = (view.blocks as Array<{ type?: string; block_id?: string; label?: { text?: string } }>).find(
    (candidate) => candidate.type === 'input' && candidate.block_id === field,
  );
  return block?.label?.text ?? field;
}

/**
 * The outcome of a form that Slack was answered for before it was checked: the same answer as in time, except that
 * field errors cannot go back onto the form (it is gone), so they are listed with a way to start again. A failure is
 * shown the same way. Each comes with a direct message for when the window was closed meanwhile.
 */
async function lateOutcome(
  ctx: AccountActionContext,
  input: { answering: Promise<FormAnswer>; metadata: FormMetadata; view: ViewOutput; ackedAt: number },
): Promise<{ view: ModalView; text?: string | undefined; create?: PreparedAction | undefined }> {
  const settled = await input.answering.then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error }),
  );
  await sleep(Math.max(0, input.ackedAt + SETTLE_MS - Date.now()));
  const what = `Your request (${ACTION_LABELS[input.metadata.kind].toLowerCase()} for \`${input.metadata.customer}\`)`;
  if ('error' in settled) {
    ctx.logger.warn({ err: settled.error }, 'checking an account action failed after Slack was answered');
    const failure = userFacingText(settled.error);
    return {
      view: failedModal(settled.error, input.metadata),
      text: `${what} was not sent. ${failure}`,
    };
  }
  const { answer } = settled;
  if (!answer.errors) return { view: answer.view, text: answer.notice, create: answer.create };
  const lines = Object.entries(answer.errors)
    .map(([field, error]) => `• *${escapeMrkdwn(fieldLabel(input.view, field))}*: ${escapeMrkdwn(error)}`)
    .join('\n');
  return {
    view: startAgainModal(
      'Not sent',
      `:warning: Your request was not sent, and nothing was changed. Please fix this:\n${lines}\nPress *Start again* to fill in the form anew.`,
      input.metadata,
    ),
    text: `:warning: ${what} was not sent, and nothing was changed. Please fix this:\n${lines}\nThen press Actions on the customer again.`,
  };
}

/** Replaces a view the person has open; false when it cannot be (closed meanwhile, or Slack refused). */
async function showInView(deps: Deps, ctx: AccountActionContext, viewId: string, view: ModalView) {
  try {
    // No hash: Slack does not say the holding view's hash, and nothing else changes this view.
    await deps.integrations.slack.views.update({ view_id: viewId, view });
    return true;
  } catch (error) {
    ctx.logger.info({ err: error, viewId }, 'could not show an account action outcome in its window');
    return false;
  }
}

/** The Actions button, the picker and form, Approve / Deny / Try again from any message or the App Home. */
export function registerAccountActions(
  app: App,
  deps: Deps,
  ctx: AccountActionContext = accountActionContext(deps),
) {
  app.action<BlockAction<ButtonAction>>(IDS.open, async ({ action, body, ack }) => {
    await ack();
    const open = parseOpenActions(action.value);
    if (!open) throw invalidInput('That Actions button is not valid; open the card again.');
    // The picker needs the customer from Stripe, which may outlast the trigger id: the window opens first. A
    // playbook's refund button sits in a modal: the form goes on top of it (like billing's modals from a modal).
    await openWhileLoading(deps.integrations.slack, ctx.logger, body, 'Account action', () =>
      openActionsModal(ctx, { userId: body.user.id, open }),
    );
  });

  app.view(IDS.pickModal, async ({ view, body, ack }) => {
    const receivedAt = Date.now();
    const open = parseOpenActions(view.private_metadata);
    const kind = selectedOf(stateValues(view), IDS.kindBlock, IDS.kindSelect) ?? '';
    if (!open) {
      await ack({
        response_action: 'errors',
        errors: { [IDS.kindBlock]: 'This form is out of date; open it again.' },
      });
      return;
    }
    const building = actionFormFor(ctx, { userId: body.user.id, open, kind });
    const failed = (error: unknown) => {
      ctx.logger.warn({ err: error }, 'preparing an account action form failed');
      return startAgainModal('Not opened', `${userFacingText(error)}\nNothing was changed.`, open);
    };
    let early: Awaited<typeof building> | undefined;
    try {
      early = await answerWithin(building, receivedAt + ACK_BUDGET_MS - Date.now());
    } catch (error) {
      await ack({ response_action: 'update', view: failed(error) });
      return;
    }
    if (early) {
      if ('error' in early)
        await ack({ response_action: 'errors', errors: { [IDS.kindBlock]: early.error } });
      else await ack({ response_action: 'update', view: early });
      return;
    }
    // Stripe is slow: answer Slack with a holding view, and put the form (or why there is none) in its place.
    await ack({ response_action: 'update', view: preparingFormModal() });
    const ackedAt = Date.now();
    const late = await building.then(
      (next) => ('error' in next ? startAgainModal('Not opened', `:warning: ${next.error}`, open) : next),
      failed,
    );
    await sleep(Math.max(0, ackedAt + SETTLE_MS - Date.now()));
    await showInView(deps, ctx, view.id, late);
  });

  app.view(IDS.formModal, async ({ view, body, ack }) => {
    const receivedAt = Date.now();
    const metadata = parseFormMetadata(view.private_metadata);
    if (!metadata) {
      await ack({
        response_action: 'errors',
        errors: { reason: 'This form is out of date; open it again.' },
      });
      return;
    }
    const requesterId = body.user.id;
    const answering = prepareAction(ctx, {
      requesterId,
      metadata,
      values: formValuesOf(view, metadata),
    }).then((prepared) => formAnswer(ctx, metadata, prepared));
    let early: FormAnswer | undefined;
    try {
      early = await answerWithin(answering, receivedAt + ACK_BUDGET_MS - Date.now());
    } catch (error) {
      // A failure in time is answered in the window, as a late one is (not left to Slack's "trouble connecting").
      if (error instanceof FrontlineError && error.fieldErrors) {
        await ack({ response_action: 'errors', errors: error.fieldErrors });
        return;
      }
      ctx.logger.warn({ err: error }, 'checking an account action failed');
      await ack({
        response_action: 'update',
        view: failedModal(error, metadata),
      });
      return;
    }
    if (early) {
      if (early.errors) await ack({ response_action: 'errors', errors: early.errors });
      else await ack({ response_action: 'update', view: early.view });
      if (early.create) await createAction(ctx, { ...early.create, submissionKey: view.id });
      return;
    }
    // Stripe is slow: answer Slack now with a holding view, and show the outcome in it once it is known.
    await ack({ response_action: 'update', view: checkingModal() });
    const late = await lateOutcome(ctx, { answering, metadata, view, ackedAt: Date.now() });
    const shown = await showInView(deps, ctx, view.id, late.view);
    if (!shown && late.text) await ctx.slack.post({ channel: requesterId, text: late.text });
    if (late.create) await createAction(ctx, { ...late.create, submissionKey: view.id });
  });

  app.action<BlockAction<ButtonAction>>(IDS.approve, async ({ action, body, ack }) => {
    await ack();
    const decision = parseDecision(action.value);
    if (!decision) throw invalidInput('That Approve button is not valid; nothing was changed.');
    await decideAction(ctx, { ...decision, userId: body.user.id, decision: 'approved' });
  });

  app.action<BlockAction<ButtonAction>>(IDS.deny, async ({ action, body, ack }) => {
    await ack();
    const decision = parseDecision(action.value);
    if (!decision) throw invalidInput('That Deny button is not valid; nothing was changed.');
    // Check before asking why, so an ineligible person is told at once.
    const { action: row } = await checkDecider(ctx, { ...decision, userId: body.user.id });
    await ctx.slack.openView(
      body.trigger_id,
      denyReasonModal(
        decision.actionId,
        decision.stage,
        `${row.kind} for ${row.customerName ?? row.customerId}`,
      ),
    );
  });

  app.view(IDS.denyModal, async ({ view, body, ack }) => {
    const target = parseDenyMetadata(view.private_metadata);
    const reason = textOf(stateValues(view), IDS.denyReasonBlock, IDS.denyReasonInput).trim();
    if (!target) {
      await ack({
        response_action: 'errors',
        errors: { [IDS.denyReasonBlock]: 'This form is out of date.' },
      });
      return;
    }
    if (!reason) {
      await ack({
        response_action: 'errors',
        errors: { [IDS.denyReasonBlock]: 'Say why, for the requester.' },
      });
      return;
    }
    await ack();
    await decideAction(ctx, { ...target, userId: body.user.id, decision: 'denied', reason });
  });

  app.action<BlockAction<ButtonAction>>(IDS.retry, async ({ action, body, ack }) => {
    await ack();
    const actionId = parseRetry(action.value);
    if (actionId === undefined) throw invalidInput('That button is not valid; nothing was changed.');
    await retryAction(ctx, { actionId, userId: body.user.id });
  });
}

/** `/frontline audit <customer>`. */
export function auditSubcommand(
  deps: Deps,
  ctx: AccountActionContext = accountActionContext(deps),
): FrontlineSubcommand {
  return async ({ userId, args, respond }) => {
    const message = await auditTrail(ctx, { userId, query: args });
    await respond({ response_type: 'ephemeral', ...message });
  };
}

export const ACCOUNT_ACTIONS_SWEEP_JOB = 'account-actions.sweep';

/** Every minute: expire requests nobody decided, and resume executions a stopped process left behind. */
export function accountActionsSweepJob(
  deps: Deps,
  ctx: AccountActionContext = accountActionContext(deps),
): JobDefinition<unknown> {
  return {
    name: ACCOUNT_ACTIONS_SWEEP_JOB,
    schema: z.unknown(),
    schedule: '* * * * *',
    retryLimit: 1,
    expireInSeconds: 120,
    async handler(_data, { logger }) {
      const swept = await sweepAccountActions(ctx);
      if (swept.expired > 0 || swept.resumed > 0) logger.info(swept, 'account actions swept');
    },
  };
}
