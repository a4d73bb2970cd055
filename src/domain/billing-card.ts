/**
 * The billing card as data: the parts read from the payment provider (each fetched or missing with a reason) and
 * what the card shows from them. A figure that needs a missing part is itself marked missing, never guessed.
 */
import {
  type BillingCustomer,
  type ChargeFacts,
  type ChurnRisk,
  churnRisk,
  consecutiveFailures,
  creditSummary,
  failedCharges,
  type InvoiceFacts,
  lifetimeValue,
  mainSubscription,
  monthsActive,
  outstandingBalance,
  type PaymentRow,
  paymentHistory,
  recurringRevenue,
  type SubscriptionFacts,
  seatUse,
  splitPlan,
  type UpcomingInvoice,
  uncountedItems,
} from './billing.js';
import type { TimelineEntry } from './lifecycle.js';
import { annualRecurringRevenue } from './revenue.js';

/** One part of the picture: fetched, or missing with a reason the card shows in its place. */
export type Part<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface BillingContext {
  customerId: string;
  fetchedAt: Date;
  customer: Part<BillingCustomer | undefined>;
  subscriptions: Part<SubscriptionFacts[]>;
  invoices: Part<{ invoices: InvoiceFacts[]; complete: boolean }>;
  charges: Part<{ charges: ChargeFacts[]; complete: boolean }>;
  upcoming: Part<UpcomingInvoice | undefined>;
}

export interface BillingCardModel {
  customerId: string;
  now: Date;
  customer: Part<BillingCustomer | undefined>;
  subscription: Part<SummarisedSubscription | undefined>;
  payments: Part<PaymentSummary>;
  upcoming: Part<UpcomingInvoice | undefined>;
  revenue: Part<RevenueSummary>;
  churn: Part<ChurnRisk>;
}

export interface SummarisedSubscription {
  facts: SubscriptionFacts;
  plan: SubscriptionFacts['items'][number] | undefined;
  addOns: SubscriptionFacts['items'];
  seats: { used: number; purchased: number; percent: number } | undefined;
  contractEnd: string | undefined;
}

export interface PaymentSummary {
  lastPayment: PaymentRow | undefined;
  history: PaymentRow[];
  failuresLast12Months: number;
  consecutiveFailures: number;
  outstandingMinor: number;
  availableCreditMinor: number;
  creditAppliedThisCycleMinor: number;
  currency: string;
  /** False when Stripe had more than one page: lifetime figures are then lower bounds. */
  complete: boolean;
}

export interface RevenueSummary {
  lifetime: Map<string, number>;
  lifetimeComplete: boolean;
  monthsActive: number;
  mrr: Map<string, number>;
  arr: Map<string, number>;
  /** Items MRR and ARR leave out: billed by usage, or with a price that could not be read. */
  notCounted: Array<'usage' | 'unread'>;
}

const missing = <T>(reason: string): Part<T> => ({ ok: false, reason });

/** Turns the fetched parts into what the card shows; a figure that needs a missing part is itself marked missing. */
export function summariseBillingContext(
  context: BillingContext,
  policy: { lowSeatUsePercent: number },
  now: Date,
): BillingCardModel {
  const { customer, subscriptions, invoices, charges } = context;
  const customerFacts = customer.ok ? customer.value : undefined;
  const main = subscriptions.ok ? mainSubscription(subscriptions.value) : undefined;
  const seatsFromCustomer = Number(customerFacts?.metadata.seats_used);
  const withSeats =
    main &&
    main.seatsUsed === undefined &&
    Number.isFinite(seatsFromCustomer) &&
    customerFacts?.metadata.seats_used
      ? { ...main, seatsUsed: seatsFromCustomer }
      : main;

  const subscription: Part<SummarisedSubscription | undefined> = subscriptions.ok
    ? {
        ok: true,
        value: withSeats
          ? {
              facts: withSeats,
              ...splitPlan(withSeats),
              seats: seatUse(withSeats),
              contractEnd: withSeats.metadata.contract_end ?? customerFacts?.metadata.contract_end,
            }
          : undefined,
      }
    : missing(subscriptions.reason);

  let payments: Part<PaymentSummary>;
  if (!invoices.ok) payments = missing(invoices.reason);
  else if (!charges.ok) payments = missing(charges.reason);
  else {
    const history = paymentHistory(invoices.value.invoices, charges.value.charges, 6);
    const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
    const credit = customerFacts
      ? creditSummary(customerFacts, invoices.value.invoices, main?.currentPeriodStart)
      : { availableMinor: 0, appliedThisCycleMinor: 0 };
    payments = {
      ok: true,
      value: {
        lastPayment: history.find((row) => row.status !== 'open'),
        history,
        failuresLast12Months: failedCharges(charges.value.charges, yearAgo).length,
        consecutiveFailures: consecutiveFailures(charges.value.charges).length,
        outstandingMinor: outstandingBalance(customerFacts ?? { balanceMinor: 0 }, invoices.value.invoices),
        availableCreditMinor: credit.availableMinor,
        creditAppliedThisCycleMinor: credit.appliedThisCycleMinor,
        currency:
          customerFacts?.currency ??
          main?.items[0]?.currency ??
          invoices.value.invoices[0]?.currency ??
          'usd',
        complete: invoices.value.complete && charges.value.complete,
      },
    };
  }

  let revenue: Part<RevenueSummary>;
  if (!subscriptions.ok) revenue = missing(subscriptions.reason);
  else if (!charges.ok) revenue = missing(charges.reason);
  else {
    const mrr = recurringRevenue(subscriptions.value);
    const starts = subscriptions.value.map((s) => s.startedAt.getTime());
    const since = starts.length > 0 ? new Date(Math.min(...starts)) : customerFacts?.createdAt;
    const ended = main?.canceledAt && main.status === 'canceled' ? main.canceledAt : now;
    revenue = {
      ok: true,
      value: {
        lifetime: lifetimeValue(charges.value.charges),
        lifetimeComplete: charges.value.complete,
        monthsActive: since ? monthsActive(since, ended) : 0,
        mrr,
        arr: annualRecurringRevenue(mrr),
        notCounted: uncountedItems(subscriptions.value),
      },
    };
  }

  let churn: Part<ChurnRisk>;
  if (!subscriptions.ok || !invoices.ok || !charges.ok)
    churn = missing('needs subscriptions, invoices and payments, and one of them is missing');
  else
    churn = {
      ok: true,
      value: churnRisk({
        now,
        subscription: withSeats,
        charges: charges.value.charges,
        invoices: invoices.value.invoices,
        card: customerFacts?.defaultCard,
        lowSeatUsePercent: policy.lowSeatUsePercent,
      }),
    };

  return {
    customerId: context.customerId,
    now,
    customer,
    subscription,
    payments,
    upcoming: context.upcoming,
    revenue,
    churn,
  };
}

export interface LifecycleModel {
  customerId: string;
  customerName: string;
  entries: TimelineEntry[];
  /** Parts that could not be read; the timeline is then incomplete. */
  missing: string[];
  /** Stripe's events could be read back to this moment only (a busy account), not the full 30 days. */
  eventsReadBackTo?: Date | undefined;
}
