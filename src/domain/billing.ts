/**
 * A customer's billing picture in our own words (no Stripe types): the facts the billing port reads, and the pure
 * rules that turn them into what the card shows — payment history, failures, credits, lifetime value, recurring
 * revenue and churn risk. Amounts are integer minor units with their currency.
 */
import type { Segment } from './customers.js';
import {
  type Interval,
  monthlyRecurringRevenue,
  type NonFlatPricing,
  periodAmount,
  type RecurringDiscount,
  type RecurringItem,
} from './revenue.js';

const DAY_MS = 86_400_000;

export interface CardFacts {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string | undefined;
}

export interface BillingCustomer {
  id: string;
  name: string;
  email: string | undefined;
  address: string | undefined;
  createdAt: Date;
  segment: Segment | undefined;
  /** Stripe's customer balance: positive is owed by the customer, negative is credit they hold. */
  balanceMinor: number;
  currency: string | undefined;
  delinquent: boolean;
  metadata: Record<string, string>;
  defaultCard: CardFacts | undefined;
}

export interface PlanItem {
  itemId: string;
  priceId: string;
  productId: string;
  productName: string;
  /** Per unit (per package for package pricing); may hold a fraction of a minor unit; 0 when tiered. */
  unitAmountMinor: number;
  /** Absent for a flat amount per unit. */
  pricing?: NonFlatPricing | undefined;
  currency: string;
  quantity: number;
  interval: Interval;
  intervalCount: number;
  addOn: boolean;
}

export type SubscriptionStatus =
  | 'active'
  | 'trialing'
  | 'past_due'
  | 'unpaid'
  | 'canceled'
  | 'incomplete'
  | 'incomplete_expired'
  | 'paused';

export interface SubscriptionFacts {
  id: string;
  status: SubscriptionStatus;
  createdAt: Date;
  startedAt: Date;
  currentPeriodStart: Date | undefined;
  currentPeriodEnd: Date | undefined;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | undefined;
  canceledAt: Date | undefined;
  trialStart: Date | undefined;
  trialEnd: Date | undefined;
  /** Collection paused (Stripe's `pause_collection`), with when it resumes if known. */
  paused: { resumesAt: Date | undefined } | undefined;
  items: PlanItem[];
  /** Discounts on every invoice, in the order Stripe applies them. */
  discounts: RecurringDiscount[];
  /** Seats in use, when our product reports it (subscription or customer metadata `seats_used`). */
  seatsUsed: number | undefined;
  metadata: Record<string, string>;
}

export type LineKind = 'plan' | 'add_on' | 'seats' | 'proration' | 'tax' | 'discount' | 'one_off';

export interface InvoiceLine {
  description: string;
  amountMinor: number;
  currency: string;
  quantity: number | undefined;
  priceId: string | undefined;
  productId: string | undefined;
  proration: boolean;
  periodStart: Date;
  periodEnd: Date;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface InvoiceFacts {
  id: string;
  number: string | undefined;
  status: InvoiceStatus;
  createdAt: Date;
  periodStart: Date;
  periodEnd: Date;
  totalMinor: number;
  subtotalMinor: number;
  taxMinor: number;
  discountMinor: number;
  amountPaidMinor: number;
  amountRemainingMinor: number;
  currency: string;
  paidAt: Date | undefined;
  attemptCount: number;
  nextAttemptAt: Date | undefined;
  hostedUrl: string | undefined;
  pdfUrl: string | undefined;
  billingReason: string | undefined;
  subscriptionId: string | undefined;
  paymentIntentIds: string[];
  lines: InvoiceLine[];
  /** The part of the total paid from the customer's credit balance. */
  creditAppliedMinor: number;
}

export interface ChargeFacts {
  id: string;
  createdAt: Date;
  amountMinor: number;
  refundedMinor: number;
  currency: string;
  status: 'succeeded' | 'failed' | 'pending';
  paymentIntentId: string | undefined;
  card: CardFacts | undefined;
  failureCode: string | undefined;
  declineCode: string | undefined;
  failureMessage: string | undefined;
  description: string | undefined;
  /** When each refund of it that went through was made (when Stripe gave them; else only `refundedMinor` is known). */
  refundDates?: Date[] | undefined;
}

export interface CreditFacts {
  id: string;
  createdAt: Date;
  /** Negative gives the customer credit; positive uses it up or adds to what they owe. */
  amountMinor: number;
  currency: string;
  type: string;
  description: string | undefined;
}

export interface UpcomingInvoice {
  amountMinor: number;
  currency: string;
  at: Date | undefined;
  lines: InvoiceLine[];
}

// ------------------------------------------------------------------------------------------------- small helpers

/** The last moment a card can be used: the end of its expiry month (UTC). */
export function cardExpiresAt(card: Pick<CardFacts, 'expMonth' | 'expYear'>): Date {
  return new Date(Date.UTC(card.expYear, card.expMonth, 1) - 1);
}

export function cardLabel(card: CardFacts | undefined): string {
  if (!card) return 'no card on file';
  const brand = card.brand ? card.brand[0]?.toUpperCase() + card.brand.slice(1) : 'Card';
  return `${brand} ending ${card.last4}`;
}

export function cardExpiryText(card: CardFacts): string {
  return `${String(card.expMonth).padStart(2, '0')}/${card.expYear}`;
}

/** The subscription the card is about: the live one (active, trialing, past due, paused), else the newest. */
export function mainSubscription(subscriptions: readonly SubscriptionFacts[]): SubscriptionFacts | undefined {
  const live = subscriptions.filter((subscription) => isLive(subscription.status));
  const pool = live.length > 0 ? live : subscriptions;
  return [...pool].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

export function isLive(status: SubscriptionStatus): boolean {
  return status === 'active' || status === 'trialing' || status === 'past_due' || status === 'paused';
}

/** The plan item (the first that is not an add-on) and the add-ons. */
export function splitPlan(subscription: SubscriptionFacts): {
  plan: PlanItem | undefined;
  addOns: PlanItem[];
} {
  const plan = subscription.items.find((item) => !item.addOn) ?? subscription.items[0];
  return { plan, addOns: subscription.items.filter((item) => item !== plan) };
}

export function intervalText(interval: Interval, count: number): string {
  const names: Record<Interval, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly', year: 'Annual' };
  return count === 1 ? names[interval] : `Every ${count} ${interval}s`;
}

// ------------------------------------------------------------------------------------------------- figures

/**
 * Monthly recurring revenue of the paying subscriptions (live, not in a trial), per currency, after their lasting
 * discounts. The billing card and the priority score's customer size both read it.
 */
export function recurringRevenue(subscriptions: readonly SubscriptionFacts[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const subscription of subscriptions) {
    if (!isLive(subscription.status) || subscription.status === 'trialing') continue;
    const items: RecurringItem[] = subscription.items.map((item) => ({
      unitAmountMinor: item.unitAmountMinor,
      quantity: item.quantity,
      pricing: item.pricing,
      interval: item.interval,
      intervalCount: item.intervalCount,
      currency: item.currency,
    }));
    for (const [currency, amount] of monthlyRecurringRevenue(items, subscription.discounts))
      totals.set(currency, (totals.get(currency) ?? 0) + amount);
  }
  return totals;
}

/**
 * What {@link recurringRevenue} could not count on the paying subscriptions: items billed by usage, and items whose
 * price could not be read in full (a tiered price without its tiers).
 */
export function uncountedItems(subscriptions: readonly SubscriptionFacts[]): Array<'usage' | 'unread'> {
  const kinds = new Set<'usage' | 'unread'>();
  for (const subscription of subscriptions) {
    if (!isLive(subscription.status) || subscription.status === 'trialing') continue;
    for (const item of subscription.items)
      if (periodAmount(item) === undefined) kinds.add(item.pricing?.scheme === 'unread' ? 'unread' : 'usage');
  }
  return [...kinds].sort();
}

export interface PaymentRow {
  invoiceId: string;
  number: string | undefined;
  date: Date;
  amountMinor: number;
  currency: string;
  status: 'paid' | 'failed' | 'open' | 'void' | 'uncollectible' | 'refunded' | 'partly_refunded';
  method: string | undefined;
  attempts: number;
  hostedUrl: string | undefined;
}

/** The invoices as a payment history, newest first, each with the card that paid (or last tried) it. */
export function paymentHistory(
  invoices: readonly InvoiceFacts[],
  charges: readonly ChargeFacts[],
  limit = 6,
): PaymentRow[] {
  const byIntent = new Map<string, ChargeFacts[]>();
  for (const charge of charges) {
    if (!charge.paymentIntentId) continue;
    byIntent.set(charge.paymentIntentId, [...(byIntent.get(charge.paymentIntentId) ?? []), charge]);
  }
  return [...invoices]
    .filter((invoice) => invoice.status !== 'draft' && invoice.totalMinor > 0)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, limit)
    .map((invoice) => {
      const tried = invoice.paymentIntentIds
        .flatMap((id) => byIntent.get(id) ?? [])
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      const paidWith = tried.find((charge) => charge.status === 'succeeded') ?? tried[0];
      let status: PaymentRow['status'] = invoice.status === 'draft' ? 'open' : invoice.status;
      if (invoice.status === 'paid' && paidWith && paidWith.refundedMinor > 0)
        status = paidWith.refundedMinor >= paidWith.amountMinor ? 'refunded' : 'partly_refunded';
      if (invoice.status === 'open' && invoice.attemptCount > 0) status = 'failed';
      return {
        invoiceId: invoice.id,
        number: invoice.number,
        date: invoice.paidAt ?? invoice.createdAt,
        amountMinor: invoice.totalMinor,
        currency: invoice.currency,
        status,
        method: paidWith?.card ? cardLabel(paidWith.card) : undefined,
        attempts: invoice.attemptCount,
        hostedUrl: invoice.hostedUrl,
      };
    });
}

export function failedCharges(charges: readonly ChargeFacts[], since: Date): ChargeFacts[] {
  return charges.filter((charge) => charge.status === 'failed' && charge.createdAt >= since);
}

/** Failed attempts since the last successful payment, newest first. */
export function consecutiveFailures(charges: readonly ChargeFacts[]): ChargeFacts[] {
  const sorted = [...charges].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const run: ChargeFacts[] = [];
  for (const charge of sorted) {
    if (charge.status === 'succeeded') break;
    if (charge.status === 'failed') run.push(charge);
  }
  return run;
}

/** Money actually kept: succeeded charges less refunds, per currency. */
export function lifetimeValue(charges: readonly ChargeFacts[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const charge of charges) {
    if (charge.status !== 'succeeded') continue;
    totals.set(
      charge.currency,
      (totals.get(charge.currency) ?? 0) + charge.amountMinor - charge.refundedMinor,
    );
  }
  return totals;
}

/** Whole months between two dates (a month counts once its day of the month is reached). */
export function monthsBetween(from: Date, to: Date): number {
  let months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth());
  if (to.getUTCDate() < from.getUTCDate()) months -= 1;
  return Math.max(0, months);
}

/** Billing months begun since `from`: the month under way counts, as it has been billed. */
export function monthsActive(from: Date, to: Date): number {
  return to > from ? monthsBetween(from, to) + 1 : 0;
}

/** Credit the customer holds, and credit used on invoices since `since` (the start of the current period). */
export function creditSummary(
  customer: Pick<BillingCustomer, 'balanceMinor'>,
  invoices: readonly InvoiceFacts[],
  since: Date | undefined,
): { availableMinor: number; appliedThisCycleMinor: number } {
  const applied = since
    ? invoices
        .filter((invoice) => invoice.createdAt >= since && invoice.status !== 'void')
        .reduce((sum, invoice) => sum + invoice.creditAppliedMinor, 0)
    : 0;
  return { availableMinor: Math.max(0, -customer.balanceMinor), appliedThisCycleMinor: applied };
}

export function outstandingBalance(
  customer: Pick<BillingCustomer, 'balanceMinor'>,
  invoices: readonly InvoiceFacts[],
): number {
  const open = invoices
    .filter((invoice) => invoice.status === 'open')
    .reduce((sum, invoice) => sum + invoice.amountRemainingMinor, 0);
  return open + Math.max(0, customer.balanceMinor);
}

/** A downgrade shows as a proration credit (a negative proration line) on a recent invoice. */
export function recentDowngrades(invoices: readonly InvoiceFacts[], since: Date): InvoiceFacts[] {
  return invoices.filter(
    (invoice) =>
      invoice.createdAt >= since && invoice.lines.some((line) => line.proration && line.amountMinor < 0),
  );
}

// ------------------------------------------------------------------------------------------------- churn risk

export type ChurnLevel = 'low' | 'medium' | 'high';

export interface ChurnRisk {
  level: ChurnLevel;
  /** Why, most serious first; for a low risk, what speaks for the customer. */
  reasons: string[];
}

export interface ChurnInput {
  now: Date;
  subscription: SubscriptionFacts | undefined;
  charges: readonly ChargeFacts[];
  invoices: readonly InvoiceFacts[];
  card: CardFacts | undefined;
  lowSeatUsePercent: number;
}

/**
 * Seed 003's churn signals: recent payment failures, a scheduled cancellation, downgrades and low seat use (and a
 * card that will expire before the renewal). One serious signal or two lesser ones make the risk high.
 */
export function churnRisk(input: ChurnInput): ChurnRisk {
  const { now, subscription } = input;
  const serious: string[] = [];
  const lesser: string[] = [];
  const recentFailures = failedCharges(input.charges, new Date(now.getTime() - 90 * DAY_MS));
  const streak = consecutiveFailures(input.charges);
  if (streak.length >= 2) serious.push(`${streak.length} failed payments in a row`);
  else if (recentFailures.length > 0)
    lesser.push(
      `${recentFailures.length} failed payment${recentFailures.length === 1 ? '' : 's'} in the last 90 days`,
    );
  if (subscription?.cancelAtPeriodEnd || subscription?.cancelAt) {
    const when = subscription.cancelAt ?? subscription.currentPeriodEnd;
    serious.push(`cancellation scheduled${when ? ` for ${isoDay(when)}` : ''}`);
  }
  if (subscription && (subscription.status === 'past_due' || subscription.status === 'unpaid'))
    serious.push(`subscription is ${subscription.status.replace('_', ' ')}`);
  if (subscription?.status === 'canceled') serious.push('subscription is cancelled');
  if (subscription?.paused) lesser.push('payment collection is paused');
  const downgrades = recentDowngrades(input.invoices, new Date(now.getTime() - 90 * DAY_MS));
  if (downgrades.length > 0) lesser.push('downgraded in the last 90 days');
  const use = seatUse(subscription);
  if (use && use.percent < input.lowSeatUsePercent)
    lesser.push(`low seat use: ${use.used} of ${use.purchased} (${use.percent}%)`);
  if (input.card && cardExpiresAt(input.card) < now)
    lesser.push(`card expired ${cardExpiryText(input.card)}`);
  else if (
    input.card &&
    subscription?.currentPeriodEnd &&
    cardExpiresAt(input.card) < subscription.currentPeriodEnd
  )
    lesser.push(`card expires ${cardExpiryText(input.card)}, before the next renewal`);
  if (!input.card && subscription && isLive(subscription.status)) lesser.push('no card on file');

  const level: ChurnLevel =
    serious.length > 0 || lesser.length >= 2 ? 'high' : lesser.length === 1 ? 'medium' : 'low';
  if (level !== 'low') return { level, reasons: [...serious, ...lesser] };
  const good: string[] = [];
  const paid = input.invoices.filter((invoice) => invoice.status === 'paid').length;
  good.push(paid > 0 ? 'payments on time' : 'no payment problems');
  if (use && use.percent >= 80) good.push(`high seat use (${use.percent}%)`);
  return { level, reasons: good };
}

export function seatUse(
  subscription: SubscriptionFacts | undefined,
): { used: number; purchased: number; percent: number } | undefined {
  if (!subscription || subscription.seatsUsed === undefined) return undefined;
  const { plan } = splitPlan(subscription);
  const purchased = plan?.quantity ?? 0;
  if (purchased <= 0) return undefined;
  return {
    used: subscription.seatsUsed,
    purchased,
    percent: Math.round((subscription.seatsUsed / purchased) * 100),
  };
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
