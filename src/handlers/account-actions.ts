import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { describeParams, type FormField, type FormValues } from '../domain/account-actions.js';
import { invalidInput } from '../errors.js';
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
  prepareAction,
  retryAction,
  sweepAccountActions,
} from '../services/account-actions.js';
import { HOME_REFRESH_JOB } from '../services/home.js';
import {
  ACCOUNT_ACTION_IDS as IDS,
  inputId,
  parseDecision,
  parseDenyMetadata,
  parseFormMetadata,
  parseOpenActions,
  parseRetry,
} from '../views/account-action-ids.js';
import { denyReasonModal, planChangePreviewModal, submittedModal } from '../views/account-actions.js';
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
    // A playbook's refund button sits in a modal: the form goes on top of it (like billing's modals from a modal).
    await ctx.slack.openView(body.trigger_id, await openActionsModal(ctx, { userId: body.user.id, open }), {
      fromModal: body.view?.type === 'modal',
    });
  });

  app.view(IDS.pickModal, async ({ view, body, ack }) => {
    const open = parseOpenActions(view.private_metadata);
    const kind = selectedOf(stateValues(view), IDS.kindBlock, IDS.kindSelect) ?? '';
    if (!open) {
      await ack({
        response_action: 'errors',
        errors: { [IDS.kindBlock]: 'This form is out of date; open it again.' },
      });
      return;
    }
    const next = await actionFormFor(ctx, { userId: body.user.id, open, kind });
    if ('error' in next) await ack({ response_action: 'errors', errors: { [IDS.kindBlock]: next.error } });
    else await ack({ response_action: 'update', view: next });
  });

  app.view(IDS.formModal, async ({ view, body, ack }) => {
    const metadata = parseFormMetadata(view.private_metadata);
    if (!metadata) {
      await ack({
        response_action: 'errors',
        errors: { reason: 'This form is out of date; open it again.' },
      });
      return;
    }
    const values = stateValues(view);
    const read = (block: string) =>
      selectedOf(values, block, inputId(block)) ?? (textOf(values, block, inputId(block)) || undefined);
    const formValues: FormValues = metadata.confirmed
      ? { price: metadata.confirmed.price, reason: metadata.confirmed.reason }
      : {
          ...Object.fromEntries(FORM_BLOCKS.map((block) => [block, read(block)])),
          reason: textOf(values, IDS.reasonBlock, IDS.reasonInput),
        };
    const answer = await prepareAction(ctx, { requesterId: body.user.id, metadata, values: formValues });
    if ('errors' in answer) {
      if (metadata.confirmed) {
        // The preview has no fields; its errors go back to the top of a fresh form.
        await ack({
          response_action: 'update',
          view: submittedModal({
            title: 'Not changed',
            text: `:warning: ${Object.values(answer.errors).join(' ')}`,
          }),
        });
        return;
      }
      await ack({ response_action: 'errors', errors: answer.errors });
      return;
    }
    const { prepared } = answer;
    const runsNow = prepared.decision.outcome === 'run_now';
    if (prepared.params.kind === 'upgrade' || prepared.params.kind === 'downgrade') {
      if (!metadata.confirmed) {
        await ack({
          response_action: 'update',
          view: planChangePreviewModal({
            metadata: { ...metadata, confirmed: { price: prepared.params.priceId, reason: prepared.reason } },
            customerName: prepared.customerName,
            description: describeParams(prepared.params),
            preview: prepared.preview,
            decisionReason: prepared.decision.reason,
            runsNow,
          }),
        });
        return;
      }
    }
    await ack({
      response_action: 'update',
      view: submittedModal({
        title: runsNow ? 'Running it' : 'Sent for approval',
        text: runsNow
          ? ':zap: Running it in Stripe now. The result comes to you in a direct message.'
          : `:hourglass_flowing_sand: ${prepared.decision.reason}\nThe request is in <#${ctx.settings.channels.approvals}>; you are told in a direct message at every step.`,
      }),
    });
    await createAction(ctx, prepared);
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
