import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import {
  ACTION_LABELS,
  type ActionState,
  actionRef,
  FORM_FIELDS,
  type FormField,
  REFUND_REASON_LABELS,
  REFUND_REASONS,
} from '../domain/account-actions.js';
import { formatMoney, fractionDigits, minorUnitsPerMajor } from '../domain/money.js';
import type { ActionKind } from '../domain/permissions.js';
import {
  encodeDecision,
  encodeDenyMetadata,
  encodeFormMetadata,
  encodeOpenActions,
  encodeRetry,
  type FormMetadata,
  ACCOUNT_ACTION_IDS as IDS,
  inputId,
  type OpenActions,
} from './account-action-ids.js';
import { escapeMrkdwn, escapeTruncated, truncate } from './mrkdwn.js';

const plain = (text: string, max = 75) => ({
  type: 'plain_text' as const,
  text: truncate(text, max),
  emoji: true,
});
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, 3000) });

/** The **Actions** button for any card that names a customer (escalation card, billing card, playbooks). */
export function accountActionsButton(open: OpenActions, label = 'Actions'): Button {
  return {
    type: 'button',
    action_id: IDS.open,
    text: plain(label),
    value: encodeOpenActions(open),
  };
}

// ------------------------------------------------------------------------------------------------- picker and form

export interface OfferedAction {
  kind: ActionKind;
  runsNow: boolean;
}

/** Step one: which action. Only what the viewer may run or request is listed. */
export function actionPickerModal(model: {
  customerName: string;
  open: OpenActions;
  offered: OfferedAction[];
}): ModalView {
  const options: PlainTextOption[] = model.offered.map((entry) => ({
    text: plain(`${ACTION_LABELS[entry.kind]}${entry.runsNow ? '' : ' (needs approval)'}`),
    value: entry.kind,
  }));
  return {
    type: 'modal',
    callback_id: IDS.pickModal,
    private_metadata: encodeOpenActions(model.open),
    title: plain('Account action', 24),
    submit: plain('Next', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`Customer: *${escapeMrkdwn(model.customerName)}* (\`${model.open.customer}\`)`),
      },
      {
        type: 'input',
        block_id: IDS.kindBlock,
        label: plain('What should happen?'),
        element: { type: 'static_select', action_id: IDS.kindSelect, options: options.slice(0, 100) },
      },
      {
        type: 'context',
        elements: [
          mrkdwn(
            'Actions marked _needs approval_ go to the approvals channel first; the rest run in Stripe as soon as you submit.',
          ),
        ],
      },
    ],
  };
}

/** A modal that only says something (no actions offered, customer not found). */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

function formNote(model: ActionFormModel): string {
  if (!model.runsNow) return ':hourglass_flowing_sand: Goes to the approvals channel first.';
  if (model.measured)
    return ':zap: Within your limit it runs in Stripe as soon as you submit; above it, it goes to the approvals channel first.';
  return ':zap: Runs in Stripe as soon as you submit.';
}

export interface ActionFormModel {
  metadata: FormMetadata;
  customerName: string;
  runsNow: boolean;
  /** Whether the limit depends on what is entered (an amount, days or a percentage). */
  measured?: boolean;
  /** Plan changes: the prices to choose from. */
  prices?: { id: string; label: string }[];
  billingFlags?: readonly string[];
  subscriptionNote?: string | undefined;
  preset?: { chargeId: string; amountMinor?: number | undefined; currency?: string | undefined };
}

function textInput(
  block: FormField | 'reason',
  label: string,
  options: {
    hint?: string;
    initial?: string;
    optional?: boolean;
    multiline?: boolean;
    placeholder?: string;
  } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: block,
    optional: options.optional ?? false,
    label: plain(label),
    ...(options.hint ? { hint: plain(options.hint, 150) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: inputId(block),
      multiline: options.multiline ?? false,
      ...(options.initial ? { initial_value: options.initial } : {}),
      ...(options.placeholder ? { placeholder: plain(options.placeholder, 150) } : {}),
    },
  };
}

function select(
  block: FormField,
  label: string,
  options: { value: string; text: string }[],
  initial?: string,
): KnownBlock {
  const rendered = options.slice(0, 100).map((option) => ({ text: plain(option.text), value: option.value }));
  const initialOption = rendered.find((option) => option.value === initial);
  return {
    type: 'input',
    block_id: block,
    label: plain(label),
    element: {
      type: 'static_select',
      action_id: inputId(block),
      options: rendered.length > 0 ? rendered : [{ text: plain('(none available)'), value: 'none' }],
      ...(initialOption ? { initial_option: initialOption } : {}),
    },
  };
}

function majorText(amountMinor: number, currency: string): string {
  return (amountMinor / minorUnitsPerMajor(currency)).toFixed(fractionDigits(currency));
}

/** Step two: the fields of one action, then a reason. Nothing free-form reaches Stripe. */
export function actionFormModal(model: ActionFormModel): ModalView {
  const { kind, currency } = model.metadata;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`*${ACTION_LABELS[kind]}* for *${escapeMrkdwn(model.customerName)}*\n${formNote(model)}`),
    },
  ];
  if (model.subscriptionNote) blocks.push({ type: 'context', elements: [mrkdwn(model.subscriptionNote)] });
  for (const field of FORM_FIELDS[kind]) {
    switch (field) {
      case 'invoice':
        blocks.push(
          textInput('invoice', 'Invoice', {
            optional: true,
            placeholder: 'in_… (empty: the newest open invoice)',
          }),
        );
        break;
      case 'amount':
        blocks.push(
          textInput('amount', `Amount in ${(model.preset?.currency ?? currency).toUpperCase()}`, {
            optional: kind === 'refund',
            placeholder: kind === 'refund' ? 'Empty refunds the whole charge' : '25.00',
            ...(model.preset?.amountMinor !== undefined
              ? { initial: majorText(model.preset.amountMinor, model.preset.currency ?? currency) }
              : {}),
          }),
        );
        break;
      case 'charge':
        blocks.push(
          textInput('charge', 'Charge or payment to refund', {
            placeholder: 'ch_… or pi_…',
            ...(model.preset ? { initial: model.preset.chargeId } : {}),
          }),
        );
        break;
      case 'refund_reason':
        blocks.push(
          select(
            'refund_reason',
            'Refund reason (sent to Stripe)',
            REFUND_REASONS.map((reason) => ({ value: reason, text: REFUND_REASON_LABELS[reason] })),
            model.preset ? 'duplicate' : 'requested_by_customer',
          ),
        );
        break;
      case 'days':
        blocks.push({
          type: 'input',
          block_id: 'days',
          label: plain('Extend by (days)'),
          element: {
            type: 'number_input',
            action_id: inputId('days'),
            is_decimal_allowed: false,
            min_value: '1',
            max_value: '365',
          },
        });
        break;
      case 'price':
        blocks.push(
          select(
            'price',
            'New plan',
            (model.prices ?? []).map((price) => ({ value: price.id, text: price.label })),
          ),
        );
        break;
      case 'cancel_when':
        blocks.push(
          select(
            'cancel_when',
            'When',
            [
              { value: 'period_end', text: 'At the end of the current period' },
              { value: 'now', text: 'Now' },
            ],
            'period_end',
          ),
        );
        break;
      case 'seats':
        blocks.push({
          type: 'input',
          block_id: 'seats',
          label: plain('New number of seats'),
          element: {
            type: 'number_input',
            action_id: inputId('seats'),
            is_decimal_allowed: false,
            min_value: '1',
          },
        });
        break;
      case 'percent':
        blocks.push(textInput('percent', 'Discount (%)', { placeholder: '10' }));
        break;
      case 'flag':
        blocks.push(
          select(
            'flag',
            'Billing flag',
            (model.billingFlags ?? []).map((flag) => ({ value: flag, text: flag })),
          ),
        );
        break;
    }
  }
  blocks.push(
    textInput('reason', 'Reason', {
      multiline: true,
      hint: 'Shown to the approvers and kept in the audit trail.',
      ...(model.preset ? { initial: 'Duplicate charge: refunding the second charge.' } : {}),
    }),
  );
  return {
    type: 'modal',
    callback_id: IDS.formModal,
    private_metadata: encodeFormMetadata(model.metadata),
    title: plain(truncate(ACTION_LABELS[kind], 24), 24),
    submit: plain(model.runsNow ? (model.measured ? 'Submit' : 'Run it') : 'Ask for approval', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

/** Plan changes show the next invoice before anything changes; submitting this confirms. */
export function planChangePreviewModal(model: {
  metadata: FormMetadata;
  customerName: string;
  description: string;
  preview: string | undefined;
  decisionReason: string;
  runsNow: boolean;
}): ModalView {
  return {
    type: 'modal',
    callback_id: IDS.formModal,
    private_metadata: encodeFormMetadata(model.metadata),
    title: plain('Invoice preview', 24),
    submit: plain(model.runsNow ? 'Confirm change' : 'Ask for approval', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`*${escapeMrkdwn(model.description)}* for *${escapeMrkdwn(model.customerName)}*`),
      },
      {
        type: 'section',
        text: mrkdwn(
          model.preview
            ? `:receipt: ${escapeMrkdwn(model.preview)}`
            : ':warning: Stripe could not preview the next invoice; the change can still be made.',
        ),
      },
      { type: 'context', elements: [mrkdwn(escapeMrkdwn(model.decisionReason))] },
    ],
  };
}

/** What the form shows after submitting: done, or waiting for whom. */
export function submittedModal(model: { title: string; text: string }): ModalView {
  return noticeModal(model.title, model.text);
}

/** What stands in the form's place while Stripe is slow to answer. */
/** Holds the window while the chosen action's form waits for Stripe. */
export function preparingFormModal(): ModalView {
  return noticeModal(
    'Preparing the form',
    ':hourglass_flowing_sand: Reading this customer from Stripe, which is slow to answer right now. The form appears here in a moment.',
  );
}

export function checkingModal(): ModalView {
  return noticeModal(
    'Checking with Stripe',
    ':hourglass_flowing_sand: Checking your request with Stripe, which is slow to answer right now. Nothing has run yet.\nThis window shows the outcome in a moment. Closing it does not stop the request: the outcome then comes to you in a direct message.',
  );
}

/** A notice with a **Start again** button that opens the action picker for the same customer again. */
export function startAgainModal(title: string, text: string, from: OpenActions): ModalView {
  const notice = noticeModal(title, text);
  const open: OpenActions = {
    customer: from.customer,
    escalation: from.escalation,
    problem: from.problem,
    preset: from.preset,
  };
  return {
    ...notice,
    blocks: [...notice.blocks, { type: 'actions', elements: [accountActionsButton(open, 'Start again')] }],
  };
}

export function denyReasonModal(actionId: number, stage: number, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: IDS.denyModal,
    private_metadata: encodeDenyMetadata(actionId, stage),
    title: plain('Deny request', 24),
    submit: plain('Deny', 24),
    close: plain('Cancel', 24),
    blocks: [
      { type: 'section', text: mrkdwn(`*${actionRef(actionId)}* · ${escapeMrkdwn(summary)}`) },
      {
        type: 'input',
        block_id: IDS.denyReasonBlock,
        label: plain('Why is it denied?'),
        hint: plain('The requester reads this in their thread.'),
        element: {
          type: 'plain_text_input',
          action_id: IDS.denyReasonInput,
          multiline: true,
          max_length: 1000,
        },
      },
    ],
  };
}

// ------------------------------------------------------------------------------------------------ approval request

export interface StageView {
  stage: number;
  label: string;
  rolesText: string;
  decision: 'approved' | 'denied' | null;
  approverId: string | null;
  reason: string | null;
  decidedAt: Date | null;
}

export interface MoneyLine {
  amountText: string;
  at: Date;
}

export interface ApprovalRequestView {
  actionId: number;
  customerId: string;
  customerName: string;
  kind: ActionKind;
  description: string;
  amountText?: string | undefined;
  reason: string;
  requesterId: string;
  escalationId?: number | null | undefined;
  problemId?: number | null | undefined;
  policyReason: string;
  state: ActionState;
  stages: StageView[];
  recentRefunds: MoneyLine[];
  recentCredits: MoneyLine[];
  /** The days `recentRefunds` and `recentCredits` cover (the refund pattern's window). */
  historyDays: number;
  expiresAt: Date | null;
  error?: string | null | undefined;
  retryable?: boolean | undefined;
  resultSummary?: string | undefined;
}

const STATE_LINES: Record<ActionState, string> = {
  pending_approval: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved — running in Stripe',
  executing: ':gear: Running in Stripe',
  succeeded: ':white_check_mark: Done in Stripe',
  failed: ':x: Failed',
  denied: ':no_entry_sign: Denied',
  expired: ':alarm_clock: Expired without a decision',
};

const day = (date: Date) => date.toISOString().slice(0, 10);
const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The stage now waiting for a decision (the first undecided one), while the request is pending. */
export function currentStage(view: Pick<ApprovalRequestView, 'state' | 'stages'>): StageView | undefined {
  if (view.state !== 'pending_approval') return undefined;
  return view.stages.find((stage) => stage.decision === null);
}

function stageLine(stage: StageView, total: number, waiting: boolean): string {
  const head = `${total > 1 ? `Stage ${stage.stage} of ${total}` : 'Approval'} · ${stage.label} (${stage.rolesText})`;
  if (stage.decision === 'approved') return `:white_check_mark: ${head}: approved by <@${stage.approverId}>`;
  if (stage.decision === 'denied')
    return `:no_entry_sign: ${head}: denied by <@${stage.approverId}>${stage.reason ? ` — “${escapeTruncated(stage.reason, 500)}”` : ''}`;
  return `${waiting ? ':point_right:' : ':white_circle:'} ${head}: ${waiting ? 'waiting' : 'after the stage above'}`;
}

/**
 * One approval request as blocks: what, for whom, why, the history that matters, each stage, and — while it waits —
 * Approve and Deny. Pure, so the approvals channel and the App Home render the same thing.
 */
export function approvalRequestBlocks(view: ApprovalRequestView): KnownBlock[] {
  const ref = actionRef(view.actionId);
  const facts = [
    `*Customer:* ${escapeMrkdwn(view.customerName)} (\`${view.customerId}\`)`,
    `*Action:* ${escapeMrkdwn(view.description)}`,
    ...(view.amountText ? [`*Amount:* ${view.amountText}`] : []),
    `*Requested by:* <@${view.requesterId}>`,
    ...(view.escalationId ? [`*Escalation:* ESC-${view.escalationId}`] : []),
    ...(view.problemId ? [`*Problem:* PRB-${view.problemId}`] : []),
    `*Reason:* ${escapeTruncated(view.reason, 900)}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*${ref} · ${ACTION_LABELS[view.kind]}* — ${STATE_LINES[view.state]}`) },
    { type: 'section', text: mrkdwn(facts.join('\n')) },
    { type: 'context', elements: [mrkdwn(`*Why approval:* ${escapeMrkdwn(view.policyReason)}`)] },
  ];
  const window = `in the last ${view.historyDays} day${view.historyDays === 1 ? '' : 's'}`;
  const moneyLines = (lines: MoneyLine[]) =>
    `${lines
      .slice(0, 5)
      .map((line) => `${line.amountText} on ${day(line.at)}`)
      .join(', ')}${lines.length > 5 ? ` and ${lines.length - 5} more` : ''}`;
  const history = [
    view.recentRefunds.length > 0
      ? `Refunds ${window}: ${moneyLines(view.recentRefunds)}`
      : `No refunds ${window}`,
    view.recentCredits.length > 0
      ? `Credits ${window}: ${moneyLines(view.recentCredits)}`
      : `no credits ${window}`,
  ];
  blocks.push({ type: 'context', elements: [mrkdwn(history.join(' · '))] });
  const waiting = currentStage(view);
  if (view.stages.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        view.stages.map((stage) => stageLine(stage, view.stages.length, stage === waiting)).join('\n'),
      ),
    });
  }
  if (view.state === 'succeeded' && view.resultSummary)
    blocks.push({ type: 'section', text: mrkdwn(`:white_check_mark: ${escapeMrkdwn(view.resultSummary)}`) });
  if (view.state === 'failed' && view.error)
    blocks.push({ type: 'section', text: mrkdwn(`:x: ${escapeMrkdwn(view.error)}`) });
  if (waiting) {
    blocks.push({
      type: 'actions',
      block_id: `approval_${view.actionId}`,
      elements: [
        {
          type: 'button',
          action_id: IDS.approve,
          style: 'primary',
          text: plain(view.stages.length > 1 ? `Approve stage ${waiting.stage}` : 'Approve'),
          value: encodeDecision(view.actionId, waiting.stage),
          confirm: {
            title: plain('Approve this action?'),
            text: mrkdwn(
              waiting.stage === view.stages.length
                ? `This runs *${escapeTruncated(view.description, 200)}* in Stripe for ${escapeMrkdwn(view.customerName)} right away.`
                : `This approves stage ${waiting.stage}; the request then waits for the next stage.`,
            ),
            confirm: plain('Approve'),
            deny: plain('Not yet'),
          },
        },
        {
          type: 'button',
          action_id: IDS.deny,
          style: 'danger',
          text: plain('Deny'),
          value: encodeDecision(view.actionId, waiting.stage),
        },
      ],
    });
    if (view.expiresAt)
      blocks.push({
        type: 'context',
        elements: [mrkdwn(`Expires ${when(view.expiresAt)} if nobody decides.`)],
      });
  }
  if (view.state === 'failed' && view.retryable) blocks.push(retryBlock(view.actionId));
  return blocks;
}

function retryBlock(actionId: number): KnownBlock {
  return {
    type: 'actions',
    block_id: `retry_${actionId}`,
    elements: [
      {
        type: 'button',
        action_id: IDS.retry,
        text: plain('Try again'),
        value: encodeRetry(actionId),
      },
    ],
  };
}

export function approvalRequestMessage(view: ApprovalRequestView): { text: string; blocks: KnownBlock[] } {
  return {
    text: `${actionRef(view.actionId)} ${ACTION_LABELS[view.kind]} for ${escapeMrkdwn(view.customerName)}: ${STATE_LINES[view.state].replace(/^:[a-z_]+: /, '')}`,
    blocks: approvalRequestBlocks(view),
  };
}

/** The requester's own message about their action: its state now; every change is also told in its thread. */
export function requesterMessage(view: ApprovalRequestView): { text: string; blocks: KnownBlock[] } {
  const ref = actionRef(view.actionId);
  const waiting = currentStage(view);
  const lines = [
    `*${ref} · ${escapeMrkdwn(view.description)}* for ${escapeMrkdwn(view.customerName)}`,
    STATE_LINES[view.state],
  ];
  if (waiting)
    lines.push(
      `Waiting for ${waiting.label.toLowerCase()} by ${waiting.rolesText}${view.stages.length > 1 ? ` (stage ${waiting.stage} of ${view.stages.length})` : ''}. ${escapeMrkdwn(view.policyReason)}`,
    );
  if (view.state === 'succeeded' && view.resultSummary) lines.push(escapeMrkdwn(view.resultSummary));
  if (view.state === 'failed' && view.error) lines.push(escapeMrkdwn(view.error));
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  if (view.state === 'failed' && view.retryable) blocks.push(retryBlock(view.actionId));
  return { text: `${ref}: ${STATE_LINES[view.state].replace(/^:[a-z_]+: /, '')}`, blocks };
}

/** Formats an amount the way every message shows it. */
export const moneyText = (amountMinor: number, currency: string) => formatMoney(amountMinor, currency);

// ------------------------------------------------------------------------------------------------------ audit trail

export interface AuditLine {
  at: Date;
  actorId: string;
  actorRoles: string[];
  action: string;
  result: string;
  accountActionId: number | null;
  amountText?: string | undefined;
  reason: string | null;
  stripeObjectId: string | null;
  detail?: string | undefined;
}

export function auditTrailMessage(model: { customerId: string; customerName: string; lines: AuditLine[] }): {
  text: string;
  blocks: KnownBlock[];
} {
  const header = `Audit trail for ${model.customerName} (${model.customerId})`;
  if (model.lines.length === 0)
    return {
      text: escapeMrkdwn(header),
      blocks: [
        {
          type: 'section',
          text: mrkdwn(`*${escapeMrkdwn(header)}*\nNo account actions are recorded for this customer.`),
        },
      ],
    };
  const rows = model.lines.slice(0, 40).map((line) => {
    const parts = [
      `\`${when(line.at)}\``,
      `<@${line.actorId}>${line.actorRoles.length > 0 ? ` (${line.actorRoles.join(', ')})` : ''}`,
      `*${line.action}* → ${line.result}`,
      ...(line.accountActionId ? [actionRef(line.accountActionId)] : []),
      ...(line.amountText ? [line.amountText] : []),
      ...(line.stripeObjectId ? [`\`${line.stripeObjectId}\``] : []),
      ...(line.reason ? [`“${escapeTruncated(line.reason, 120)}”`] : []),
      ...(line.detail ? [escapeTruncated(line.detail, 160)] : []),
    ];
    return parts.join(' · ');
  });
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`*${escapeMrkdwn(header)}*, newest first`) }];
  // Several sections keep each under Slack's 3,000 characters.
  let chunk: string[] = [];
  for (const row of rows) {
    if ([...chunk, row].join('\n').length > 2900) {
      blocks.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
      chunk = [];
    }
    chunk.push(row);
  }
  if (chunk.length > 0) blocks.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
  return { text: escapeMrkdwn(header), blocks: blocks.slice(0, 50) };
}
