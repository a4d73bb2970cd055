/**
 * The six billing playbooks of seed 003: each finds its facts in the billing picture and drafts the reply an agent
 * can copy to the customer. The wording is ours; the policy numbers come from settings.
 */

import { policyRequestOf } from './account-actions.js';
import {
  type CardFacts,
  type ChargeFacts,
  cardLabel,
  consecutiveFailures,
  type InvoiceFacts,
  type InvoiceLine,
  isoDay,
  type PlanItem,
  type SubscriptionFacts,
  type UpcomingInvoice,
} from './billing.js';
import type { Category } from './escalation.js';
import { formatMoney } from './money.js';
import { decide, type PermissionMatrix, type PolicyDecision, refundPolicyText } from './permissions.js';
import { describePrice, type Interval, monthlyAmount, type NonFlatPricing, periodAmount } from './revenue.js';
import type { RoleName } from './roles.js';

export const PLAYBOOKS = [
  'charged_twice',
  'payment_failed',
  'change_plan',
  'refund_request',
  'overcharged',
  'tax_invoice',
] as const;
export type PlaybookKind = (typeof PLAYBOOKS)[number];

export const PLAYBOOK_LABELS: Record<PlaybookKind, string> = {
  charged_twice: 'Charged twice',
  payment_failed: 'Payment failed',
  change_plan: 'Change plan',
  refund_request: 'Refund request',
  overcharged: 'Overcharged',
  tax_invoice: 'Tax invoice',
};

/** Which playbook helps with an escalation of each category (none for the rest). */
export const PLAYBOOK_FOR_CATEGORY: Partial<Record<Category, PlaybookKind>> = {
  duplicate_charge: 'charged_twice',
  payment_failed: 'payment_failed',
  payment_method_update: 'payment_failed',
  plan_change: 'change_plan',
  refund: 'refund_request',
  overcharge_dispute: 'overcharged',
  invoice_discrepancy: 'overcharged',
  tax_question: 'tax_invoice',
};

export interface PlaybookFact {
  label: string;
  value: string;
}

export interface PlaybookResult {
  kind: PlaybookKind;
  /** One line: what the playbook found. */
  finding: string;
  facts: PlaybookFact[];
  /** Lists shown under the facts (invoice lines, charges), one entry a line. */
  details: string[];
  /** Things the agent should know or do (approval needed, escalation due). */
  notes: string[];
  /** The reply to the customer, ready to copy. */
  draft: string;
  /** A refund the agent can start through account actions; `needsApproval` is the policy's answer for the viewer. */
  refundOffer?: { chargeId: string; amountMinor: number; currency: string; needsApproval: boolean };
}

/**
 * What the playbooks need to say what a refund takes: the permission matrix (the one the account actions obey) and
 * the roles of the person reading.
 */
export interface RefundApproval {
  permissions: PermissionMatrix;
  viewerRoles: readonly RoleName[];
}

/** A playbook as shown to the agent: the result, and the choices that refine it. */
export interface PlaybookModel {
  customerId: string;
  customerName: string;
  result: PlaybookResult;
  /** Change plan: the plans to choose from; tax invoice: the invoices to choose from. */
  choices: Array<{ value: string; label: string }>;
  selected: string | undefined;
}

const money = formatMoney;
const DAY_MS = 86_400_000;

function longDate(date: Date): string {
  return date.toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/**
 * Refunds this customer had within the refund pattern's window, counted as the permission policy counts them: each
 * refund by the day it was made (several on one payment count each, one on an older payment counts too). Where
 * Stripe did not give a payment's refunds, a payment of the window with money refunded counts as one.
 */
function refundsInPatternWindow(charges: readonly ChargeFacts[], days: number, now: Date): number {
  const within = (at: Date) => now.getTime() - at.getTime() < days * DAY_MS;
  return charges.reduce((count, charge) => {
    if (charge.refundDates) return count + charge.refundDates.filter(within).length;
    return count + (charge.refundedMinor > 0 && within(charge.createdAt) ? 1 : 0);
  }, 0);
}

/** The permission policy's decision on refunding this much, for the viewer, with the customer's recent refunds. */
function refundDecision(
  approval: RefundApproval,
  charges: readonly ChargeFacts[],
  refund: { chargeId: string; amountMinor: number; currency: string },
  now: Date,
): PolicyDecision {
  const recent = refundsInPatternWindow(charges, approval.permissions.refundPattern.days, now);
  return decide(
    approval.permissions,
    approval.viewerRoles,
    policyRequestOf(
      {
        kind: 'refund',
        target: refund.chargeId,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
        refundReason: 'duplicate',
      },
      recent,
    ),
  );
}

/** The decision as a note for the agent. */
function approvalNote(what: string, decision: PolicyDecision): string {
  if (decision.outcome === 'run_now')
    return `${what} is within your role's limits: it runs in Stripe as soon as you submit it.`;
  if (decision.outcome === 'needs_approval')
    return `${what} needs approval before it runs. ${decision.reason}`;
  return `${what} is not something your role can ask for. ${decision.reason}`;
}

// ------------------------------------------------------------------------------------------------- charged twice

export interface DuplicatePair {
  original: ChargeFacts;
  duplicate: ChargeFacts;
}

/**
 * Two succeeded charges of the same amount and currency on the same card (same fingerprint) within the window;
 * the later one is the duplicate, and it counts only while it has not been refunded.
 */
export function findDuplicateCharges(charges: readonly ChargeFacts[], windowHours: number): DuplicatePair[] {
  const paid = charges
    .filter((charge) => charge.status === 'succeeded' && charge.card?.fingerprint)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const pairs: DuplicatePair[] = [];
  const used = new Set<string>();
  for (let i = 0; i < paid.length; i += 1) {
    const original = paid[i];
    if (!original || used.has(original.id)) continue;
    for (let j = i + 1; j < paid.length; j += 1) {
      const later = paid[j];
      if (!later || used.has(later.id)) continue;
      if (later.createdAt.getTime() - original.createdAt.getTime() > windowHours * 3_600_000) break;
      if (
        later.amountMinor === original.amountMinor &&
        later.currency === original.currency &&
        later.card?.fingerprint === original.card?.fingerprint &&
        later.refundedMinor === 0
      ) {
        pairs.push({ original, duplicate: later });
        used.add(original.id);
        used.add(later.id);
        break;
      }
    }
  }
  return pairs.reverse();
}

export function chargedTwicePlaybook(input: {
  charges: readonly ChargeFacts[];
  windowHours: number;
  approval: RefundApproval;
  now: Date;
}): PlaybookResult {
  const pairs = findDuplicateCharges(input.charges, input.windowHours);
  const pair = pairs[0];
  if (!pair) {
    return {
      kind: 'charged_twice',
      finding: `No duplicate found: no two charges of one amount on one card within ${input.windowHours} hours that are still unrefunded.`,
      facts: [{ label: 'Charges checked', value: String(input.charges.length) }],
      details: [],
      notes: [
        'Ask the customer for the dates and amounts on their statement; a pending authorisation can look like a second charge.',
      ],
      draft:
        "Thanks for letting us know. I've gone through the payments on your account and I can only see one charge for each bill, so nothing was taken twice on our side. Sometimes a bank shows a temporary hold next to the real payment for a few days before it drops off. Could you send me the dates and amounts exactly as they appear on your statement? I'll check them right away.",
    };
  }
  const { original, duplicate } = pair;
  const amount = money(duplicate.amountMinor, duplicate.currency);
  const offer = { chargeId: duplicate.id, amountMinor: duplicate.amountMinor, currency: duplicate.currency };
  const decision = refundDecision(input.approval, input.charges, offer, input.now);
  const minutes = Math.round((duplicate.createdAt.getTime() - original.createdAt.getTime()) / 60_000);
  return {
    kind: 'charged_twice',
    finding: `Duplicate found: ${amount} charged twice on ${cardLabel(duplicate.card)}, ${minutes} minute${minutes === 1 ? '' : 's'} apart.`,
    facts: [
      {
        label: 'First charge',
        value: `${original.id} · ${money(original.amountMinor, original.currency)} · ${isoDay(original.createdAt)}`,
      },
      { label: 'Duplicate', value: `${duplicate.id} · ${amount} · ${isoDay(duplicate.createdAt)}` },
      { label: 'Card', value: `${cardLabel(duplicate.card)} (same card fingerprint)` },
      { label: 'Refunded so far', value: money(duplicate.refundedMinor, duplicate.currency) },
    ],
    details:
      pairs.length > 1 ? [`${pairs.length - 1} more duplicate pair(s) found; the newest is shown.`] : [],
    notes: [
      approvalNote('Refunding the duplicate', decision),
      'Keep an eye on this account for the next 30 days in case the gateway charges twice again.',
    ],
    draft: `You're right, and I'm sorry about that. We found that your card ending ${duplicate.card?.last4 ?? ''} was charged ${amount} twice on ${longDate(duplicate.createdAt)}. We're refunding the second charge of ${amount} in full. Once the refund goes through, your bank usually shows it within 5 to 10 business days. You don't need to do anything else.`,
    ...(decision.outcome === 'not_allowed'
      ? {}
      : { refundOffer: { ...offer, needsApproval: decision.outcome === 'needs_approval' } }),
  };
}

// ------------------------------------------------------------------------------------------------- payment failed

/** A decline code in words a customer understands. */
export function failureReason(charge: Pick<ChargeFacts, 'failureCode' | 'declineCode'>): string {
  const code =
    charge.declineCode && charge.declineCode !== 'generic_decline' ? charge.declineCode : charge.failureCode;
  switch (code) {
    case 'insufficient_funds':
      return 'the bank reported insufficient funds';
    case 'expired_card':
      return 'the card has expired';
    case 'incorrect_cvc':
    case 'invalid_cvc':
      return 'the security code did not match';
    case 'incorrect_number':
    case 'invalid_number':
      return 'the card number was not recognised';
    case 'lost_card':
    case 'stolen_card':
    case 'pickup_card':
      return 'the bank blocked the card';
    case 'processing_error':
      return 'the payment network had a processing error';
    case 'do_not_honor':
    case 'card_declined':
      return 'the bank declined the payment';
    default:
      return code
        ? `the bank declined the payment (${code.replaceAll('_', ' ')})`
        : 'the bank declined the payment';
  }
}

export function paymentFailedPlaybook(input: {
  invoices: readonly InvoiceFacts[];
  charges: readonly ChargeFacts[];
  card: CardFacts | undefined;
  gracePeriodDays: number;
  suspensionAfterFailures: number;
  now: Date;
}): PlaybookResult {
  const open = [...input.invoices]
    .filter((invoice) => invoice.status === 'open' && invoice.amountRemainingMinor > 0)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  const failures = [...input.charges]
    .filter((charge) => charge.status === 'failed')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const last = failures[0];
  if (!open) {
    return {
      kind: 'payment_failed',
      finding: last
        ? `Nothing is unpaid now; the last failed attempt was on ${isoDay(last.createdAt)} (${failureReason(last)}).`
        : 'Nothing is unpaid and no payment has failed.',
      facts: [{ label: 'Card on file', value: cardLabel(input.card) }],
      details: [],
      notes: [],
      draft:
        "I've checked your account and there is nothing outstanding right now; your latest bill is paid. If you saw a failure message, it may have been an earlier attempt that went through on retry. Let me know if anything still looks wrong and I'll take another look.",
    };
  }
  const streak = consecutiveFailures(input.charges);
  const firstFailure = streak[streak.length - 1]?.createdAt ?? open.createdAt;
  const activeUntil = new Date(firstFailure.getTime() + input.gracePeriodDays * DAY_MS);
  const amount = money(open.amountRemainingMinor, open.currency);
  const reason = last ? failureReason(last) : 'the payment could not be collected';
  const facts: PlaybookFact[] = [
    { label: 'Unpaid invoice', value: `${open.number ?? open.id} · ${amount}` },
    {
      label: 'Why it failed',
      value: last ? `${reason} (${last.declineCode ?? last.failureCode ?? 'no code'})` : reason,
    },
    { label: 'Attempts so far', value: String(open.attemptCount) },
    {
      label: 'Next automatic retry',
      value: open.nextAttemptAt ? isoDay(open.nextAttemptAt) : 'none scheduled',
    },
    { label: 'Payment link', value: open.hostedUrl ?? 'not available' },
    {
      label: 'Grace period',
      value: `${input.gracePeriodDays} days — account stays active until ${isoDay(activeUntil)}`,
    },
    { label: 'Card on file', value: cardLabel(input.card) },
  ];
  const notes: string[] = [];
  if (streak.length >= input.suspensionAfterFailures)
    notes.push(
      `${streak.length} failures in a row: send the suspension warning and ask the account's CSM to reach out.`,
    );
  const link = open.hostedUrl ? ` You can pay it, or switch to another card, here: ${open.hostedUrl}` : '';
  return {
    kind: 'payment_failed',
    finding: `${amount} is unpaid after ${open.attemptCount} attempt${open.attemptCount === 1 ? '' : 's'}: ${reason}.`,
    facts,
    details: failures
      .slice(0, 5)
      .map(
        (charge) =>
          `${isoDay(charge.createdAt)} · ${money(charge.amountMinor, charge.currency)} · ${failureReason(charge)}`,
      ),
    notes,
    draft: `We tried to collect your payment of ${amount}, but it didn't go through because ${reason}.${link} Your account stays fully active until ${longDate(activeUntil)} while you sort this out, so nothing changes for your team in the meantime. If you have any trouble, just reply here.`,
  };
}

// ------------------------------------------------------------------------------------------------- change plan

export interface PlanChoice {
  priceId: string;
  name: string;
  unitAmountMinor: number;
  /** Absent for a flat amount per unit. */
  pricing?: NonFlatPricing | undefined;
  currency: string;
  interval: Interval;
  intervalCount: number;
}

export function changePlanPlaybook(input: {
  subscription: SubscriptionFacts | undefined;
  current: PlanItem | undefined;
  target: PlanChoice | undefined;
  preview: UpcomingInvoice | undefined;
}): PlaybookResult {
  const { subscription, current, target, preview } = input;
  if (!subscription || !current) {
    return {
      kind: 'change_plan',
      finding: 'The customer has no live subscription to change.',
      facts: [],
      details: [],
      notes: ['A new subscription is set up through checkout, not as a plan change.'],
      draft:
        "I can't see an active subscription on your account at the moment, so there's no plan to switch. I'm happy to help you pick a plan and get started — which one were you interested in?",
    };
  }
  const currentMonthly = monthlyAmount(current);
  const facts: PlaybookFact[] = [
    { label: 'Current plan', value: `${current.productName} · ${describePrice(current)}` },
  ];
  if (!target) {
    return {
      kind: 'change_plan',
      finding: 'Pick the plan the customer wants to see the proration preview.',
      facts,
      details: [],
      notes: [],
      draft: '',
    };
  }
  const quantity = current.quantity;
  const targetItem = { ...target, quantity };
  const targetCharge = periodAmount(targetItem);
  // A plan billed by usage (or whose price could not be read) has no figure to compare: the agent decides.
  const direction: 'upgrade' | 'downgrade' | 'unknown' =
    periodAmount(current) === undefined || targetCharge === undefined
      ? 'unknown'
      : monthlyAmount(targetItem) >= currentMonthly
        ? 'upgrade'
        : 'downgrade';
  const periodEnd = subscription.currentPeriodEnd;
  const atPeriodEnd = `at the end of the period${periodEnd ? ` (${isoDay(periodEnd)})` : ''}`;
  const proration = (preview?.lines ?? [])
    .filter((line) => line.proration)
    .reduce((sum, line) => sum + line.amountMinor, 0);
  const newCharge =
    targetCharge === undefined
      ? 'based on your usage, billed'
      : money(Math.round(targetCharge), target.currency);
  facts.push(
    { label: 'Target plan', value: `${target.name} · ${describePrice(targetItem)}` },
    {
      label: 'Kind of change',
      value:
        direction === 'upgrade'
          ? 'Upgrade — takes effect now'
          : direction === 'downgrade'
            ? `Downgrade — takes effect ${atPeriodEnd}`
            : `Cannot tell: one plan has no fixed amount. As an upgrade it takes effect now; as a downgrade, ${atPeriodEnd}`,
    },
  );
  if (preview) {
    facts.push(
      {
        label: direction === 'upgrade' ? 'Proration now' : 'Proration if changed today',
        value: money(proration, preview.currency),
      },
      {
        label: 'Next invoice (preview)',
        value: `${money(preview.amountMinor, preview.currency)}${preview.at ? ` on ${isoDay(preview.at)}` : ''}`,
      },
    );
  }
  const details = (preview?.lines ?? []).map(
    (line) =>
      `${line.proration ? 'proration · ' : ''}${line.description} · ${money(line.amountMinor, line.currency)}`,
  );
  const draft =
    direction === 'upgrade'
      ? `Good news — moving you from ${current.productName} to ${target.name} takes effect straight away. For the rest of this billing period you'll only pay the difference${preview ? `, ${money(Math.max(0, proration), preview.currency)},` : ''} and from then on your regular charge will be ${newCharge} per ${target.interval}. Everything in ${target.name} is available to your team as soon as the change is made.`
      : direction === 'downgrade'
        ? `I can switch you from ${current.productName} to ${target.name}. To make sure you get the full value of what you've already paid for, the change takes effect at the end of your current period${periodEnd ? `, on ${longDate(periodEnd)}` : ''}. From then on your regular charge will be ${newCharge} per ${target.interval}.`
        : `I can switch you from ${current.productName} to ${target.name}. Because ${targetCharge === undefined ? `${target.name}` : `${current.productName}`} is billed by what you use, the difference depends on your usage; I'll confirm when the change takes effect and what you'll pay from then on.`;
  return {
    kind: 'change_plan',
    finding:
      direction === 'unknown'
        ? `Change from ${current.productName} to ${target.name}: one of them has no fixed amount (it is billed by usage, or Stripe did not give its price), so only the customer's usage says whether it is an upgrade.`
        : `${direction === 'upgrade' ? 'Upgrade' : 'Downgrade'} from ${current.productName} to ${target.name}.`,
    facts,
    details,
    notes: [
      direction === 'unknown'
        ? 'A plan change is an account action; upgrades and downgrades need an L2 agent or above.'
        : `A plan change is an account action; ${direction === 'upgrade' ? 'upgrades' : 'downgrades'} need an L2 agent or above.`,
    ],
    draft,
  };
}

// ------------------------------------------------------------------------------------------------- refund request

/** The refund window of the billing settings; who approves what comes from the permission matrix. */
export interface RefundPolicy {
  windowDays: number;
}

export interface RefundEligibility {
  charge: ChargeFacts;
  refundableMinor: number;
  eligible: boolean;
  reasons: string[];
}

export function refundEligibility(charge: ChargeFacts, policy: RefundPolicy, now: Date): RefundEligibility {
  const reasons: string[] = [];
  const refundableMinor = Math.max(0, charge.amountMinor - charge.refundedMinor);
  const ageDays = Math.floor((now.getTime() - charge.createdAt.getTime()) / DAY_MS);
  if (ageDays > policy.windowDays)
    reasons.push(`paid ${ageDays} days ago, outside the ${policy.windowDays}-day refund window`);
  if (refundableMinor === 0) reasons.push('already refunded in full');
  else if (charge.refundedMinor > 0)
    reasons.push(`${money(charge.refundedMinor, charge.currency)} already refunded`);
  const eligible = refundableMinor > 0 && ageDays <= policy.windowDays;
  return { charge, refundableMinor, eligible, reasons };
}

export function refundRequestPlaybook(input: {
  charges: readonly ChargeFacts[];
  policy: RefundPolicy;
  approval: RefundApproval;
  now: Date;
}): PlaybookResult {
  const paid = [...input.charges]
    .filter((charge) => charge.status === 'succeeded')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const latest = paid[0];
  if (!latest) {
    return {
      kind: 'refund_request',
      finding: 'The customer has no successful payment to refund.',
      facts: [],
      details: [],
      notes: [],
      draft:
        "I've looked through your account and I can't find a completed payment that could be refunded. If you were charged by us, could you send me the date and amount from your statement so I can track it down?",
    };
  }
  const check = refundEligibility(latest, input.policy, input.now);
  const amount = money(check.refundableMinor, latest.currency);
  const patternDays = input.approval.permissions.refundPattern.days;
  const facts: PlaybookFact[] = [
    {
      label: 'Latest payment',
      value: `${latest.id} · ${money(latest.amountMinor, latest.currency)} · ${isoDay(latest.createdAt)}`,
    },
    {
      label: 'Policy',
      value: `refunds within ${input.policy.windowDays} days of payment; approvals: ${refundPolicyText(input.approval.permissions)}`,
    },
    { label: 'Eligible', value: check.eligible ? `yes — ${amount}` : `no — ${check.reasons.join('; ')}` },
    {
      label: `Refunds in the last ${patternDays} days`,
      value: String(refundsInPatternWindow(paid, patternDays, input.now)),
    },
  ];
  const notes: string[] = [];
  if (check.eligible)
    notes.push(
      approvalNote(
        `Refunding ${amount}`,
        refundDecision(
          input.approval,
          paid,
          { chargeId: latest.id, amountMinor: check.refundableMinor, currency: latest.currency },
          input.now,
        ),
      ),
    );
  const details = paid.slice(0, 5).map((charge) => {
    const each = refundEligibility(charge, input.policy, input.now);
    return `${isoDay(charge.createdAt)} · ${money(charge.amountMinor, charge.currency)} · ${each.eligible ? `refundable ${money(each.refundableMinor, charge.currency)}` : each.reasons.join('; ')}`;
  });
  const draft = check.eligible
    ? `Thanks for getting in touch. Your payment of ${money(latest.amountMinor, latest.currency)} from ${longDate(latest.createdAt)} falls within our ${input.policy.windowDays}-day refund policy, so we're refunding ${amount} to the card you paid with. It normally shows on your statement within 5 to 10 business days.`
    : `Thanks for reaching out, and I understand the frustration. I've checked your payment of ${money(latest.amountMinor, latest.currency)} from ${longDate(latest.createdAt)}, and unfortunately it isn't eligible for a refund under our policy because it was ${check.reasons.join(' and ')}. What I can do is look at a credit on your next bill or a change to a plan that fits you better — would either of those help?`;
  return {
    kind: 'refund_request',
    finding: check.eligible
      ? `Eligible: ${amount} can be refunded.`
      : `Not eligible: ${check.reasons.join('; ')}.`,
    facts,
    details,
    notes,
    draft,
  };
}

// ------------------------------------------------------------------------------------------------- overcharged

export interface ExplainedLine {
  kind: 'plan' | 'add_on' | 'seats' | 'proration' | 'tax' | 'discount' | 'one_off';
  description: string;
  amountMinor: number;
  /** Why this line differs from the usual invoice, when it does. */
  difference: string | undefined;
}

function lineKind(line: InvoiceLine, addOnProducts: ReadonlySet<string>): ExplainedLine['kind'] {
  if (line.proration) return 'proration';
  if (line.productId && addOnProducts.has(line.productId)) return 'add_on';
  if (!line.priceId) return 'one_off';
  if ((line.quantity ?? 1) > 1) return 'seats';
  return 'plan';
}

/** The invoice line by line, each compared with the usual (previous regular) invoice. */
export function explainInvoice(
  invoice: InvoiceFacts,
  usual: InvoiceFacts | undefined,
  addOnProducts: ReadonlySet<string>,
): ExplainedLine[] {
  const usualByPrice = new Map<string, InvoiceLine>();
  for (const line of usual?.lines ?? [])
    if (line.priceId && !line.proration) usualByPrice.set(line.priceId, line);
  const lines: ExplainedLine[] = invoice.lines.map((line) => {
    const kind = lineKind(line, addOnProducts);
    let difference: string | undefined;
    if (!usual) difference = undefined;
    else if (kind === 'proration')
      difference = `prorated charge for a change made between ${isoDay(line.periodStart)} and ${isoDay(line.periodEnd)}`;
    else if (kind === 'one_off') difference = 'one-off charge, not part of the subscription';
    else if (line.priceId) {
      const before = usualByPrice.get(line.priceId);
      if (!before) difference = kind === 'add_on' ? 'add-on newly added this period' : 'new on this invoice';
      else if ((before.quantity ?? 1) !== (line.quantity ?? 1))
        difference = `quantity went from ${before.quantity ?? 1} to ${line.quantity ?? 1}`;
      else if (before.amountMinor !== line.amountMinor)
        difference = `price changed from ${money(before.amountMinor, before.currency)}`;
    }
    return { kind, description: line.description, amountMinor: line.amountMinor, difference };
  });
  const seen = new Set(invoice.lines.map((line) => line.priceId).filter(Boolean));
  for (const [priceId, line] of usualByPrice) {
    if (!seen.has(priceId))
      lines.push({
        kind: 'plan',
        description: line.description,
        amountMinor: 0,
        difference: `no longer billed (was ${money(line.amountMinor, line.currency)})`,
      });
  }
  if (invoice.discountMinor > 0 || (usual?.discountMinor ?? 0) > 0)
    lines.push({
      kind: 'discount',
      description: 'Discount',
      amountMinor: -invoice.discountMinor,
      difference:
        usual && usual.discountMinor !== invoice.discountMinor
          ? `was ${money(-usual.discountMinor, usual.currency)}`
          : undefined,
    });
  if (invoice.taxMinor > 0 || (usual?.taxMinor ?? 0) > 0)
    lines.push({
      kind: 'tax',
      description: 'Tax',
      amountMinor: invoice.taxMinor,
      difference:
        usual && usual.taxMinor !== invoice.taxMinor
          ? `was ${money(usual.taxMinor, usual.currency)}`
          : undefined,
    });
  return lines;
}

const KIND_LABEL: Record<ExplainedLine['kind'], string> = {
  plan: 'plan',
  add_on: 'add-on',
  seats: 'seats',
  proration: 'proration',
  tax: 'tax',
  discount: 'discount',
  one_off: 'one-off',
};

export function overchargedPlaybook(input: {
  invoices: readonly InvoiceFacts[];
  addOnProducts: ReadonlySet<string>;
  upcoming: UpcomingInvoice | undefined;
}): PlaybookResult {
  const billed = [...input.invoices]
    .filter((invoice) => invoice.status !== 'draft' && invoice.status !== 'void' && invoice.totalMinor > 0)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const invoice = billed[0];
  if (!invoice) {
    return {
      kind: 'overcharged',
      finding: 'The customer has no invoice yet.',
      facts: [],
      details: [],
      notes: [],
      draft:
        "I can't find an invoice on your account yet. Could you tell me the date and amount you were charged so I can look into it?",
    };
  }
  const usual = billed
    .slice(1)
    .find(
      (other) =>
        other.billingReason === 'subscription_cycle' && other.subscriptionId === invoice.subscriptionId,
    );
  const lines = explainInvoice(invoice, usual, input.addOnProducts);
  const total = money(invoice.totalMinor, invoice.currency);
  const differences = lines
    .filter((line) => line.difference && line.kind !== 'plan')
    .concat(lines.filter((line) => line.difference && line.kind === 'plan'));
  const facts: PlaybookFact[] = [
    { label: 'Invoice', value: `${invoice.number ?? invoice.id} · ${total} · ${isoDay(invoice.createdAt)}` },
    {
      label: 'Usual amount',
      value: usual
        ? `${money(usual.totalMinor, usual.currency)} (${usual.number ?? usual.id})`
        : 'no earlier regular invoice to compare with',
    },
    {
      label: 'Difference',
      value: usual ? money(invoice.totalMinor - usual.totalMinor, invoice.currency) : '—',
    },
  ];
  if (input.upcoming)
    facts.push({ label: 'Next invoice', value: money(input.upcoming.amountMinor, input.upcoming.currency) });
  const breakdown = lines
    .filter((line) => line.amountMinor !== 0 || line.difference)
    .map(
      (line) =>
        `${KIND_LABEL[line.kind]} · ${line.description} · ${money(line.amountMinor, invoice.currency)}${line.difference ? ` — ${line.difference}` : ''}`,
    );
  const reasons = differences.map((line) => `${line.description}: ${line.difference}`);
  const next = input.upcoming
    ? ` Your next invoice should come to ${money(input.upcoming.amountMinor, input.upcoming.currency)}.`
    : '';
  const draft =
    usual && invoice.totalMinor !== usual.totalMinor
      ? `I went through invoice ${invoice.number ?? ''} line by line. The ${total} is made up of: ${lines
          .filter((line) => line.amountMinor !== 0)
          .map((line) => `${line.description} (${money(line.amountMinor, invoice.currency)})`)
          .join(
            '; ',
          )}. It's different from your usual ${money(usual.totalMinor, usual.currency)} because ${reasons.join('; ') || 'of the lines above'}.${next} If any of these changes wasn't intended, tell me and I'll put it right.`
      : `I went through invoice ${invoice.number ?? ''} line by line and it matches your usual bill of ${total}: ${lines
          .filter((line) => line.amountMinor !== 0)
          .map((line) => `${line.description} (${money(line.amountMinor, invoice.currency)})`)
          .join(
            '; ',
          )}.${next} If you're comparing with a different amount, send it over and I'll check that too.`;
  return {
    kind: 'overcharged',
    finding: usual
      ? invoice.totalMinor === usual.totalMinor
        ? `The latest invoice (${total}) matches the usual amount.`
        : `The latest invoice (${total}) differs from the usual ${money(usual.totalMinor, usual.currency)}: ${reasons.length} reason${reasons.length === 1 ? '' : 's'} found.`
      : `The latest invoice is ${total}; there is no earlier regular invoice to compare with.`,
    facts,
    details: breakdown,
    notes: ['If a line is a genuine error, offer a credit through account actions.'],
    draft,
  };
}

// ------------------------------------------------------------------------------------------------- tax invoice

export function invoicePeriodText(
  invoice: Pick<InvoiceFacts, 'periodStart' | 'periodEnd' | 'createdAt'>,
): string {
  const start = invoice.periodStart;
  const end = invoice.periodEnd;
  if (start.getTime() === end.getTime()) return isoDay(invoice.createdAt);
  return `${isoDay(start)} – ${isoDay(end)}`;
}

/** The invoices a customer may ask a tax invoice for: finalized ones, newest first. */
export function taxInvoiceCandidates(invoices: readonly InvoiceFacts[]): InvoiceFacts[] {
  return [...invoices]
    .filter((invoice) => invoice.status === 'paid' || invoice.status === 'open')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** The invoice asked for, else the latest paid one, else the latest. */
export function pickTaxInvoice(
  invoices: readonly InvoiceFacts[],
  invoiceId: string | undefined,
): InvoiceFacts | undefined {
  const candidates = taxInvoiceCandidates(invoices);
  return (
    candidates.find((candidate) => candidate.id === invoiceId) ??
    candidates.find((candidate) => candidate.status === 'paid') ??
    candidates[0]
  );
}

export function taxInvoicePlaybook(input: {
  invoices: readonly InvoiceFacts[];
  invoiceId: string | undefined;
}): PlaybookResult {
  const invoice = pickTaxInvoice(input.invoices, input.invoiceId);
  if (!invoice) {
    return {
      kind: 'tax_invoice',
      finding: 'The customer has no finalized invoice yet.',
      facts: [],
      details: [],
      notes: [],
      draft:
        "There's no invoice on your account yet. As soon as your first bill is issued, I'll send you the tax invoice.",
    };
  }
  const period = invoicePeriodText(invoice);
  return {
    kind: 'tax_invoice',
    finding: `Invoice ${invoice.number ?? invoice.id} for ${period}.`,
    facts: [
      {
        label: 'Invoice',
        value: `${invoice.number ?? invoice.id} · ${money(invoice.totalMinor, invoice.currency)} · ${invoice.status}`,
      },
      { label: 'Period', value: period },
      { label: 'Tax on it', value: money(invoice.taxMinor, invoice.currency) },
      { label: 'Hosted invoice', value: invoice.hostedUrl ?? 'not available' },
      { label: 'PDF', value: invoice.pdfUrl ?? 'not available' },
    ],
    details: [],
    notes: [
      'Company name, address or tax ID wrong on it? Update the customer in Stripe first; the next invoice picks the details up.',
    ],
    draft: `Here's your invoice ${invoice.number ?? ''} for ${period}. You can view it online at ${invoice.hostedUrl ?? '(link unavailable)'} and download the PDF from ${invoice.pdfUrl ?? '(link unavailable)'}. If you need different company details or your tax ID on it, send them over and I'll get a corrected copy to you.`,
  };
}
