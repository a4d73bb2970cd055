import type {
  ActionsBlock,
  Button,
  KnownBlock,
  ModalView,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import {
  type BillingCustomer,
  cardExpiresAt,
  cardExpiryText,
  cardLabel,
  intervalText,
  isoDay,
  type PaymentRow,
} from '../domain/billing.js';
import type { BillingCardModel, LifecycleModel } from '../domain/billing-card.js';
import { type CustomerSummary, customerLabel } from '../domain/customers.js';
import type { Category } from '../domain/escalation.js';
import type { TimelineEntry } from '../domain/lifecycle.js';
import { formatMoney, formatMoneyTotals } from '../domain/money.js';
import {
  PLAYBOOK_FOR_CATEGORY,
  PLAYBOOK_LABELS,
  PLAYBOOKS,
  type PlaybookKind,
  type PlaybookModel,
  type PlaybookResult,
} from '../domain/playbooks.js';
import { describePrice, discountLabel } from '../domain/revenue.js';
import {
  BILLING_IDS,
  encodeAccountActions,
  encodePlaybookMetadata,
  playbookActionId,
} from './billing-actions.js';
import { escapeMrkdwn, escapeTruncated, truncate } from './mrkdwn.js';

const { actions: A, modals: M } = BILLING_IDS;

const plain = (text: string) => ({ type: 'plain_text' as const, text: truncate(text, 75), emoji: true });
const field = (label: string, value: string) => ({
  type: 'mrkdwn' as const,
  text: truncate(`*${label}*\n${value}`, 2000),
});
const section = (text: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, 3000) },
});
const missingText = (what: string, reason: string) =>
  `:warning: _${what} unavailable — ${escapeMrkdwn(reason)}_`;

const STATUS_MARK: Record<PaymentRow['status'], string> = {
  paid: ':white_check_mark: Paid',
  failed: ':x: Failed',
  open: ':hourglass: Open',
  void: 'Void',
  uncollectible: ':no_entry: Uncollectible',
  refunded: ':leftwards_arrow_with_hook: Refunded',
  partly_refunded: ':leftwards_arrow_with_hook: Part refunded',
};

const NOT_COUNTED = {
  usage: 'plus usage-based charges, not counted',
  unread: 'some prices could not be read from Stripe and are not counted',
} as const;
const notCountedText = (kinds: ReadonlyArray<keyof typeof NOT_COUNTED>) =>
  kinds.length === 0 ? '' : ` (${kinds.map((kind) => NOT_COUNTED[kind]).join('; ')})`;

const CHURN_MARK = {
  low: ':large_green_circle: Low',
  medium: ':large_orange_circle: Medium',
  high: ':red_circle: High',
};

function accountBlocks(model: BillingCardModel, customer: BillingCustomer): KnownBlock[] {
  const subscription = model.subscription;
  const fields = [] as ReturnType<typeof field>[];
  if (!subscription.ok) {
    fields.push(field('Current plan', missingText('Subscription', subscription.reason)));
  } else if (!subscription.value) {
    fields.push(field('Current plan', 'No subscription'));
  } else {
    const { plan, facts } = subscription.value;
    const status = facts.status === 'active' ? '' : ` · _${facts.status.replace('_', ' ')}_`;
    fields.push(
      field(
        'Current plan',
        plan ? `${escapeMrkdwn(plan.productName)} · ${describePrice(plan)}${status}` : 'No plan item',
      ),
    );
    const renews = facts.currentPeriodEnd ? isoDay(facts.currentPeriodEnd) : 'unknown';
    const verb = facts.cancelAtPeriodEnd || facts.cancelAt ? 'ends' : 'renews';
    fields.push(
      field(
        'Billing cycle',
        `${plan ? intervalText(plan.interval, plan.intervalCount) : '—'} (${verb} ${renews})`,
      ),
    );
  }
  const card = customer.defaultCard;
  let cardText = card ? `${cardLabel(card)} (expires ${cardExpiryText(card)})` : 'No card on file';
  const renewal = subscription.ok ? subscription.value?.facts.currentPeriodEnd : undefined;
  if (card && cardExpiresAt(card) < model.now) cardText += '\n:warning: Expired';
  else if (card && renewal && cardExpiresAt(card) < renewal)
    cardText += '\n:warning: Expires before the next renewal';
  fields.push(field('Payment method', cardText));
  fields.push(field('Billing email', escapeMrkdwn(customer.email ?? '—')));
  fields.push(field('Billing address', escapeMrkdwn(customer.address ?? '—')));
  return [section('*Account billing*'), { type: 'section', fields }];
}

function paymentBlocks(model: BillingCardModel): KnownBlock[] {
  const { payments, upcoming } = model;
  const blocks: KnownBlock[] = [section('*Payment status*')];
  const fields = [] as ReturnType<typeof field>[];
  if (!payments.ok) {
    blocks.push(section(missingText('Payments and invoices', payments.reason)));
  } else {
    const p = payments.value;
    const last = p.lastPayment;
    fields.push(
      field(
        'Last payment',
        last
          ? `${formatMoney(last.amountMinor, last.currency)} on ${isoDay(last.date)} ${STATUS_MARK[last.status]}`
          : 'None yet',
      ),
    );
  }
  if (!upcoming.ok) fields.push(field('Next invoice', missingText('Invoice preview', upcoming.reason)));
  else
    fields.push(
      field(
        'Next invoice',
        upcoming.value
          ? `${formatMoney(upcoming.value.amountMinor, upcoming.value.currency)}${upcoming.value.at ? ` on ${isoDay(upcoming.value.at)}` : ''}`
          : 'None scheduled',
      ),
    );
  if (payments.ok) {
    const p = payments.value;
    fields.push(field('Outstanding balance', formatMoney(p.outstandingMinor, p.currency)));
    const streak = p.consecutiveFailures > 0 ? ` (${p.consecutiveFailures} in a row now)` : '';
    fields.push(field('Payment failures (12 months)', `${p.failuresLast12Months}${streak}`));
  }
  blocks.push({ type: 'section', fields });
  if (payments.ok) {
    const p = payments.value;
    const rows = p.history.map((row) =>
      [
        isoDay(row.date),
        formatMoney(row.amountMinor, row.currency).padStart(11),
        STATUS_MARK[row.status].replace(/:[a-z_]+: /, '').padEnd(13),
        (row.method ?? '—').padEnd(22),
        row.number ?? row.invoiceId,
      ].join(' | '),
    );
    blocks.push(
      section(
        rows.length > 0
          ? `*Payment history (last ${rows.length})*\n\`\`\`Date       |      Amount | Status        | Method                 | Invoice\n${rows.join('\n')}\`\`\``
          : '*Payment history*\nNo invoices yet.',
      ),
    );
    blocks.push({
      type: 'section',
      fields: [
        field('Available credit', formatMoney(p.availableCreditMinor, p.currency)),
        field('Credits applied this cycle', formatMoney(p.creditAppliedThisCycleMinor, p.currency)),
      ],
    });
  }
  return blocks;
}

function subscriptionBlocks(model: BillingCardModel): KnownBlock[] {
  const { subscription } = model;
  if (!subscription.ok)
    return [section(`*Subscription details*\n${missingText('Subscription', subscription.reason)}`)];
  const value = subscription.value;
  if (!value) return [section('*Subscription details*\nNo subscription.')];
  const { facts, addOns, seats, contractEnd } = value;
  const fields = [
    field('Start date', isoDay(facts.startedAt)),
    field('Contract end', contractEnd ? escapeMrkdwn(contractEnd) : 'Not recorded'),
    field(
      'Auto-renewal',
      facts.cancelAtPeriodEnd || facts.cancelAt ? ':no_entry: Off — cancellation scheduled' : 'Enabled',
    ),
    field(
      'Seats',
      seats
        ? `${seats.used} of ${seats.purchased} (${seats.percent}% used)`
        : `${value.plan?.quantity ?? 1} purchased`,
    ),
  ];
  if (facts.trialEnd && facts.status === 'trialing')
    fields.push(field('Trial', `ends ${isoDay(facts.trialEnd)}`));
  if (facts.discounts.length > 0)
    fields.push(field('Discount', facts.discounts.map(discountLabel).join(', then ')));
  if (facts.paused)
    fields.push(field('Paused', facts.paused.resumesAt ? `until ${isoDay(facts.paused.resumesAt)}` : 'yes'));
  fields.push(
    field(
      'Add-ons',
      addOns.length > 0
        ? addOns.map((item) => `• ${escapeMrkdwn(item.productName)} (${describePrice(item)})`).join('\n')
        : 'None',
    ),
  );
  return [section('*Subscription details*'), { type: 'section', fields: fields.slice(0, 10) }];
}

function valueBlocks(model: BillingCardModel): KnownBlock[] {
  const { revenue, churn } = model;
  const fields = [] as ReturnType<typeof field>[];
  if (!revenue.ok) fields.push(field('Revenue', missingText('Revenue figures', revenue.reason)));
  else {
    const r = revenue.value;
    fields.push(
      field('Total revenue', `${r.lifetimeComplete ? '' : 'at least '}${formatMoneyTotals(r.lifetime)}`),
      field('Months active', String(r.monthsActive)),
      field('MRR contribution', `${formatMoneyTotals(r.mrr)}${notCountedText(r.notCounted)}`),
      field('ARR contribution', `${formatMoneyTotals(r.arr)}${notCountedText(r.notCounted)}`),
    );
  }
  if (!churn.ok) fields.push(field('Churn risk', missingText('Churn risk', churn.reason)));
  else
    fields.push(
      field(
        'Churn risk',
        `${CHURN_MARK[churn.value.level]} — ${escapeMrkdwn(churn.value.reasons.join('; '))}`,
      ),
    );
  return [section('*Lifetime value*'), { type: 'section', fields }];
}

export function billingCardActions(customerId: string): ActionsBlock {
  const elements: Button[] = [
    { type: 'button', action_id: A.lifecycle, text: plain('Lifecycle'), value: customerId },
    {
      type: 'button',
      action_id: A.accountActions,
      text: plain('Actions'),
      style: 'primary',
      value: encodeAccountActions({ customer: customerId }),
    },
    ...PLAYBOOKS.map(
      (kind): Button => ({
        type: 'button',
        action_id: playbookActionId(kind),
        text: plain(PLAYBOOK_LABELS[kind]),
        value: customerId,
      }),
    ),
  ];
  return { type: 'actions', block_id: 'billing_tools', elements };
}

/** Seed 003's billing card, part by part; a part Stripe did not give is marked where it would be. */
export function billingCardBlocks(model: BillingCardModel): KnownBlock[] {
  const { customer } = model;
  if (customer.ok && !customer.value)
    return [section(`:mag: No Stripe customer \`${escapeMrkdwn(model.customerId)}\`.`)];
  const found = customer.ok ? customer.value : undefined;
  const name = found?.name || found?.email || model.customerId;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Billing context — ${name}`) },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            [
              `\`${model.customerId}\``,
              found?.segment?.replace('_', '-'),
              found?.delinquent ? ':warning: delinquent' : undefined,
            ]
              .filter(Boolean)
              .join(' · '),
            300,
          ),
        },
      ],
    },
  ];
  if (found) blocks.push(...accountBlocks(model, found));
  else if (!customer.ok)
    blocks.push(section(`*Account billing*\n${missingText('Customer details', customer.reason)}`));
  blocks.push(
    ...paymentBlocks(model),
    ...subscriptionBlocks(model),
    ...valueBlocks(model),
    billingCardActions(model.customerId),
  );
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `From Stripe at ${model.now.toISOString().slice(11, 16)} UTC. Only you can see this.`,
      },
    ],
  });
  return blocks;
}

export function billingCardMessage(model: BillingCardModel): { text: string; blocks: KnownBlock[] } {
  const found = model.customer.ok ? model.customer.value : undefined;
  return { text: `Billing context for ${found?.name || model.customerId}`, blocks: billingCardBlocks(model) };
}

export function billingCardModal(model: BillingCardModel): ModalView {
  return {
    type: 'modal',
    callback_id: M.card,
    private_metadata: model.customerId,
    title: plain('Billing context'),
    close: plain('Close'),
    blocks: billingCardBlocks(model),
  };
}

/** Shown at once while Stripe is asked, so the trigger id is used within Slack's three seconds. */
export function loadingModal(title: string, callbackId: string = M.card): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(truncate(title, 24)),
    close: plain('Close'),
    blocks: [section(':hourglass_flowing_sand: Reading Stripe…')],
  };
}

export function errorModal(title: string, text: string): ModalView {
  return { type: 'modal', title: plain(truncate(title, 24)), close: plain('Close'), blocks: [section(text)] };
}

// ------------------------------------------------------------------------------------------------- lookup

export function customerPickList(
  query: string,
  customers: readonly CustomerSummary[],
): { text: string; blocks: KnownBlock[] } {
  const options: PlainTextOption[] = customers.slice(0, 100).map((customer) => ({
    text: plain(customerLabel(customer)),
    value: customer.id,
  }));
  return {
    text: `${customers.length} customers match "${query}"`,
    blocks: [
      section(
        `${customers.length} customers match *${escapeTruncated(query, 100)}*. Pick one to see their billing card.`,
      ),
      {
        type: 'actions',
        block_id: 'billing_pick',
        elements: [
          {
            type: 'static_select',
            action_id: A.pickCustomer,
            placeholder: plain('Choose a customer'),
            options,
          },
        ],
      },
    ],
  };
}

export function noCustomerMessage(query: string): string {
  return `:mag: No Stripe customer matches "${truncate(query, 100)}". Try their billing email, part of the company name, or the customer id (cus_…).`;
}

export const BILLING_USAGE =
  'Tell me who: `/billing <email | name | cus_…>`, for example `/billing billing@acme.example` or `/billing Acme`.';

// ------------------------------------------------------------------------------------------------- lifecycle

const TIMELINE_MARK: Record<TimelineEntry['kind'], string> = {
  created: ':seedling:',
  trial: ':hourglass:',
  change: ':arrows_counterclockwise:',
  failure: ':x:',
  recovery: ':white_check_mark:',
  pause: ':double_vertical_bar:',
  resume: ':arrow_forward:',
  cancellation: ':no_entry:',
};

export function lifecycleModal(model: LifecycleModel): ModalView {
  const lines = model.entries.map(
    (entry) => `${TIMELINE_MARK[entry.kind]} \`${isoDay(entry.at)}\` ${escapeMrkdwn(entry.text)}`,
  );
  const blocks: KnownBlock[] = [section(`*Subscription lifecycle — ${escapeMrkdwn(model.customerName)}*`)];
  if (model.missing.length > 0)
    blocks.push(
      section(missingText(`Part of the history (${model.missing.join(', ')})`, 'Stripe did not answer')),
    );
  if (model.eventsReadBackTo)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `This Stripe account has too many recent events to read them all: event details go back to ${isoDay(model.eventsReadBackTo)} only, and earlier plan changes show as the invoices they caused.`,
        },
      ],
    });
  if (lines.length === 0) blocks.push(section('Nothing has happened on this account yet.'));
  for (let start = 0; start < lines.length && blocks.length < 95; start += 25)
    blocks.push(section(lines.slice(start, start + 25).join('\n')));
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Plan changes older than 30 days show as the invoices they caused; Stripe keeps event details for 30 days.',
      },
    ],
  });
  return {
    type: 'modal',
    callback_id: M.lifecycle,
    title: plain('Lifecycle'),
    close: plain('Close'),
    blocks,
  };
}

// ------------------------------------------------------------------------------------------------- playbooks

function playbookBlocks(model: PlaybookModel): KnownBlock[] {
  const result: PlaybookResult = model.result;
  const blocks: KnownBlock[] = [
    section(
      `*${PLAYBOOK_LABELS[result.kind]} — ${escapeMrkdwn(model.customerName)}*\n${escapeMrkdwn(result.finding)}`,
    ),
  ];
  if (model.choices.length > 0) {
    const actionId = result.kind === 'change_plan' ? A.planTarget : A.taxInvoice;
    const options = model.choices
      .slice(0, 100)
      .map((choice) => ({ text: plain(choice.label), value: choice.value }));
    const initial = options.find((option) => option.value === model.selected);
    blocks.push({
      type: 'actions',
      block_id: 'billing_playbook_choice',
      elements: [
        {
          type: 'static_select',
          action_id: actionId,
          placeholder: plain(result.kind === 'change_plan' ? 'Target plan' : 'Invoice period'),
          options,
          ...(initial ? { initial_option: initial } : {}),
        },
      ],
    });
  }
  for (let start = 0; start < result.facts.length; start += 10) {
    blocks.push({
      type: 'section',
      fields: result.facts
        .slice(start, start + 10)
        .map((fact) => field(fact.label, escapeMrkdwn(fact.value))),
    });
  }
  if (result.details.length > 0)
    blocks.push(section(result.details.map((line) => `• ${escapeMrkdwn(line)}`).join('\n')));
  if (result.notes.length > 0)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            result.notes.map((note) => `:information_source: ${escapeMrkdwn(note)}`).join('\n'),
            3000,
          ),
        },
      ],
    });
  if (result.refundOffer) {
    const offer = result.refundOffer;
    blocks.push({
      type: 'actions',
      block_id: 'billing_playbook_actions',
      elements: [
        {
          type: 'button',
          action_id: A.accountActions,
          style: 'primary',
          // Said for the person reading, by the permission matrix: some roles run this refund at once.
          text: plain(
            `Refund ${formatMoney(offer.amountMinor, offer.currency)}${offer.needsApproval ? ' (requires approval)' : ''}`,
          ),
          value: encodeAccountActions({
            customer: model.customerId,
            preset: {
              kind: 'refund',
              chargeId: offer.chargeId,
              amountMinor: offer.amountMinor,
              currency: offer.currency,
            },
          }),
        },
      ],
    });
  }
  if (result.draft)
    blocks.push(section(`*Draft reply* — copy, adjust, send:\n\`\`\`${truncate(result.draft, 2800)}\`\`\``));
  return blocks;
}

export function playbookModal(model: PlaybookModel): ModalView {
  return {
    type: 'modal',
    callback_id: M.playbook,
    private_metadata: encodePlaybookMetadata({ customer: model.customerId, kind: model.result.kind }),
    title: plain(truncate(PLAYBOOK_LABELS[model.result.kind], 24)),
    close: plain('Close'),
    blocks: playbookBlocks(model),
  };
}

/** The playbook buttons an escalation of a given category gets (value = customer id). */
export function playbookButton(kind: PlaybookKind, customerId: string): Button {
  return {
    type: 'button',
    action_id: playbookActionId(kind),
    text: plain(`Playbook: ${PLAYBOOK_LABELS[kind]}`),
    value: customerId,
  };
}

export function billingContextButton(customerId: string): Button {
  return {
    type: 'button',
    action_id: A.openFromEscalation,
    text: plain('Billing context'),
    value: customerId,
  };
}

/** What every escalation card gets from billing: the Billing context button, and the playbook for its category. */
export function billingEscalationButtons(escalation: { customerId: string; category: Category }): Button[] {
  const playbook = PLAYBOOK_FOR_CATEGORY[escalation.category];
  return [
    billingContextButton(escalation.customerId),
    ...(playbook ? [playbookButton(playbook, escalation.customerId)] : []),
  ];
}
