import type Stripe from 'stripe';
import type {
  BillingCustomer,
  CardFacts,
  ChargeFacts,
  InvoiceFacts,
  InvoiceLine,
  PlanItem,
  SubscriptionFacts,
  SubscriptionStatus,
  UpcomingInvoice,
} from '../../domain/billing.js';
import { parseSegment } from '../../domain/customers.js';
import type { Interval, NonFlatPricing, RecurringDiscount } from '../../domain/revenue.js';
import type { BillingPort, LifecycleEventFacts, PlanOption } from '../../services/billingContext.js';
import { searchStripeCustomers, toCustomerSummary } from './customers.js';
import { listSubscriptionsWithProducts } from './subscriptions.js';

/**
 * The billing port over Stripe: each method is one request (lists ask for up to 100 objects, the most Stripe gives
 * in one page) and expands what the card needs in that same request (products come from a catalog request made
 * beside the subscription list), so the card costs two round trips.
 */

const date = (seconds: number | null | undefined): Date | undefined =>
  seconds === null || seconds === undefined ? undefined : new Date(seconds * 1000);
const dateOf = (seconds: number): Date => new Date(seconds * 1000);
const idOf = (value: string | { id: string } | null | undefined): string | undefined =>
  typeof value === 'string' ? value : (value?.id ?? undefined);

function asInterval(value: string | undefined): Interval {
  return value === 'day' || value === 'week' || value === 'year' ? value : 'month';
}

function cardOf(method: Stripe.PaymentMethod | string | null | undefined): CardFacts | undefined {
  if (!method || typeof method === 'string' || !method.card) return undefined;
  return {
    brand: method.card.brand,
    last4: method.card.last4,
    expMonth: method.card.exp_month,
    expYear: method.card.exp_year,
    fingerprint: method.card.fingerprint ?? undefined,
  };
}

function addressText(address: Stripe.Address | null | undefined): string | undefined {
  if (!address) return undefined;
  const cityLine = [address.city, [address.state, address.postal_code].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  const text = [address.line1, address.line2, cityLine, address.country].filter(Boolean).join(', ');
  return text || undefined;
}

/** A refund that went through or is on its way (not failed, not canceled): what counts as refunded. */
export const refundWentThrough = (refund: Stripe.Refund): boolean =>
  refund.status !== 'failed' && refund.status !== 'canceled';

/** A product sold on top of a plan (product metadata `kind: add_on`, or a description starting "Add-on"). */
export function isAddOn(product: Stripe.Product | Stripe.DeletedProduct | string): boolean {
  if (typeof product === 'string' || product.deleted) return false;
  return product.metadata?.kind === 'add_on' || /^add-on\b/i.test(product.description ?? '');
}

function productName(price: Stripe.Price): string {
  const product = price.product;
  if (typeof product !== 'string' && !product.deleted) return product.name;
  return price.nickname ?? price.id;
}

function toCustomer(customer: Stripe.Customer): BillingCustomer {
  return {
    id: customer.id,
    name: customer.name ?? '',
    email: customer.email ?? undefined,
    address: addressText(customer.address),
    createdAt: dateOf(customer.created),
    segment: parseSegment(customer.metadata?.segment),
    balanceMinor: customer.balance ?? 0,
    currency: customer.currency ?? undefined,
    delinquent: customer.delinquent ?? false,
    metadata: { ...customer.metadata },
    defaultCard: cardOf(customer.invoice_settings?.default_payment_method),
  };
}

/**
 * Stripe's decimal amounts ("0.5", "1200"; the SDK reads them as its Decimal) as minor units; a fraction of a minor
 * unit is kept.
 */
const decimalMinor = (whole: number | null, decimal: { toString(): string } | null | undefined): number =>
  whole ?? (decimal ? Number(String(decimal)) || 0 : 0);

/**
 * How a price charges, beyond a flat amount per unit. A tiered price's tiers come only when the request expanded
 * them (`tiers`); without them the price has no figure ('unread'), never a free one.
 */
export function pricingOf(price: Stripe.Price): { unitAmountMinor: number; pricing?: NonFlatPricing } {
  const unitAmountMinor = decimalMinor(price.unit_amount, price.unit_amount_decimal);
  if (price.recurring?.usage_type === 'metered') return { unitAmountMinor, pricing: { scheme: 'metered' } };
  if (price.billing_scheme === 'tiered') {
    if (!price.tiers) return { unitAmountMinor: 0, pricing: { scheme: 'unread' } };
    return {
      unitAmountMinor: 0,
      pricing: {
        scheme: 'tiered',
        mode: price.tiers_mode === 'graduated' ? 'graduated' : 'volume',
        tiers: price.tiers.map((tier) => ({
          upTo: tier.up_to,
          unitAmountMinor: decimalMinor(tier.unit_amount, tier.unit_amount_decimal),
          flatAmountMinor: decimalMinor(tier.flat_amount, tier.flat_amount_decimal),
        })),
      },
    };
  }
  if (price.transform_quantity)
    return {
      unitAmountMinor,
      pricing: {
        scheme: 'package',
        divideBy: price.transform_quantity.divide_by,
        round: price.transform_quantity.round === 'down' ? 'down' : 'up',
      },
    };
  return { unitAmountMinor };
}

function toPlanItem(item: Stripe.SubscriptionItem): PlanItem {
  const price = item.price;
  return {
    itemId: item.id,
    priceId: price.id,
    productId: idOf(price.product as string | { id: string }) ?? '',
    productName: productName(price),
    ...pricingOf(price),
    currency: price.currency,
    quantity: item.quantity ?? 1,
    interval: asInterval(price.recurring?.interval),
    intervalCount: price.recurring?.interval_count ?? 1,
    addOn: isAddOn(price.product),
  };
}

/**
 * The subscription's discounts that apply to every invoice, in Stripe's order: coupons lasting `forever` or
 * `repeating` (until their end); a `once` coupon discounts one invoice and is not recurring revenue.
 */
function recurringDiscountsOf(subscription: Stripe.Subscription): RecurringDiscount[] {
  const discounts: RecurringDiscount[] = [];
  for (const discount of subscription.discounts ?? []) {
    if (typeof discount === 'string') continue;
    const coupon = discount.source?.coupon;
    if (!coupon || typeof coupon === 'string' || coupon.duration === 'once') continue;
    if (coupon.percent_off) discounts.push({ kind: 'percent', percentOff: coupon.percent_off });
    else if (coupon.amount_off && coupon.currency)
      discounts.push({ kind: 'amount', amountOffMinor: coupon.amount_off, currency: coupon.currency });
  }
  return discounts;
}

export function toSubscription(subscription: Stripe.Subscription): SubscriptionFacts {
  const items = subscription.items.data;
  const seats = Number(subscription.metadata?.seats_used);
  return {
    id: subscription.id,
    status: subscription.status as SubscriptionStatus,
    createdAt: dateOf(subscription.created),
    startedAt: dateOf(subscription.start_date),
    currentPeriodStart: date(items[0]?.current_period_start),
    currentPeriodEnd: date(items[0]?.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: date(subscription.cancel_at),
    canceledAt: date(subscription.canceled_at),
    trialStart: date(subscription.trial_start),
    trialEnd: date(subscription.trial_end),
    paused: subscription.pause_collection
      ? { resumesAt: date(subscription.pause_collection.resumes_at) }
      : undefined,
    items: items.map(toPlanItem),
    discounts: recurringDiscountsOf(subscription),
    seatsUsed: Number.isFinite(seats) && subscription.metadata?.seats_used ? seats : undefined,
    metadata: { ...subscription.metadata },
  };
}

function toLine(line: Stripe.InvoiceLineItem): InvoiceLine {
  const details = line.parent?.subscription_item_details ?? line.parent?.invoice_item_details;
  const price = line.pricing?.price_details;
  return {
    description: line.description ?? '',
    amountMinor: line.amount,
    currency: line.currency,
    quantity: line.quantity ?? undefined,
    priceId: price ? idOf(price.price as string | { id: string }) : undefined,
    productId: price?.product ?? undefined,
    proration: details?.proration ?? false,
    periodStart: dateOf(line.period.start),
    periodEnd: dateOf(line.period.end),
  };
}

function toInvoice(invoice: Stripe.Invoice): InvoiceFacts {
  const tax = (invoice.total_taxes ?? []).reduce((sum, t) => sum + t.amount, 0);
  const discount = (invoice.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0);
  const starting = invoice.starting_balance ?? 0;
  const ending = invoice.ending_balance ?? starting;
  const paymentIntentIds = (invoice.payments?.data ?? [])
    .map((payment) => idOf(payment.payment.payment_intent as string | { id: string } | undefined))
    .filter((id): id is string => Boolean(id));
  return {
    id: invoice.id ?? '',
    number: invoice.number ?? undefined,
    status: (invoice.status ?? 'draft') as InvoiceFacts['status'],
    createdAt: dateOf(invoice.created),
    periodStart: dateOf(invoice.period_start),
    periodEnd: dateOf(invoice.period_end),
    totalMinor: invoice.total,
    subtotalMinor: invoice.subtotal,
    taxMinor: tax,
    discountMinor: discount,
    amountPaidMinor: invoice.amount_paid,
    amountRemainingMinor: invoice.amount_remaining,
    currency: invoice.currency,
    paidAt: date(invoice.status_transitions?.paid_at),
    attemptCount: invoice.attempt_count,
    nextAttemptAt: date(invoice.next_payment_attempt),
    hostedUrl: invoice.hosted_invoice_url ?? undefined,
    pdfUrl: invoice.invoice_pdf ?? undefined,
    billingReason: invoice.billing_reason ?? undefined,
    subscriptionId: idOf(
      invoice.parent?.subscription_details?.subscription as string | { id: string } | undefined,
    ),
    paymentIntentIds,
    lines: invoice.lines.data.map(toLine),
    creditAppliedMinor: starting < 0 ? Math.max(0, ending - starting) : 0,
  };
}

function toCharge(charge: Stripe.Charge): ChargeFacts {
  const card = charge.payment_method_details?.card;
  return {
    id: charge.id,
    createdAt: dateOf(charge.created),
    amountMinor: charge.amount,
    refundedMinor: charge.amount_refunded,
    currency: charge.currency,
    status: charge.status === 'succeeded' ? 'succeeded' : charge.status === 'failed' ? 'failed' : 'pending',
    paymentIntentId: idOf(charge.payment_intent as string | { id: string } | null),
    card: card
      ? {
          brand: card.brand ?? 'card',
          last4: card.last4 ?? '????',
          expMonth: card.exp_month ?? 0,
          expYear: card.exp_year ?? 0,
          fingerprint: card.fingerprint ?? undefined,
        }
      : undefined,
    failureCode: charge.failure_code ?? undefined,
    declineCode: charge.outcome?.reason ?? undefined,
    failureMessage: charge.failure_message ?? undefined,
    description: charge.description ?? undefined,
    ...(charge.refunds
      ? {
          refundDates: charge.refunds.data.filter(refundWentThrough).map((refund) => dateOf(refund.created)),
        }
      : {}),
  };
}

function toUpcoming(invoice: Stripe.Invoice): UpcomingInvoice {
  return {
    amountMinor: invoice.amount_due,
    currency: invoice.currency,
    at: date(invoice.next_payment_attempt ?? invoice.period_end),
    lines: invoice.lines.data.map(toLine),
  };
}

const LIVE = new Set<string>(['active', 'trialing', 'past_due', 'paused']);

const LIFECYCLE_TYPES = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  'invoice.payment_failed',
  'invoice.paid',
];

export function createStripeBillingPort(stripe: Stripe): BillingPort {
  return {
    async search(text) {
      const found = await searchStripeCustomers(stripe, text, 10, [
        'data.invoice_settings.default_payment_method',
        'data.subscriptions',
      ]);
      return found.map((customer) => {
        const live = (customer.subscriptions?.data ?? [])
          .filter((subscription) => LIVE.has(subscription.status))
          .sort((a, b) => b.created - a.created)[0];
        return {
          summary: toCustomerSummary(customer),
          known: { customer: toCustomer(customer), mainSubscriptionId: live?.id },
        };
      });
    },

    async customer(id) {
      try {
        const customer = await stripe.customers.retrieve(id, {
          expand: ['invoice_settings.default_payment_method'],
        });
        return customer.deleted ? undefined : toCustomer(customer);
      } catch (error) {
        if ((error as { code?: string }).code === 'resource_missing') return undefined;
        throw error;
      }
    },

    async subscriptions(customerId) {
      const subscriptions = await listSubscriptionsWithProducts(stripe, {
        customer: customerId,
        status: 'all',
        limit: 20,
        expand: ['data.discounts.source.coupon'],
      });
      return subscriptions.map(toSubscription);
    },

    async invoices(customerId) {
      const page = await stripe.invoices.list({
        customer: customerId,
        limit: 100,
        expand: ['data.payments'],
      });
      return { invoices: page.data.map(toInvoice), complete: !page.has_more };
    },

    async charges(customerId) {
      // With their refunds: the refund pattern counts refunds by when they were made, as the permission policy does.
      const page = await stripe.charges.list({ customer: customerId, limit: 100, expand: ['data.refunds'] });
      return { charges: page.data.map(toCharge), complete: !page.has_more };
    },

    async upcomingInvoice(subscriptionId) {
      try {
        return toUpcoming(await stripe.invoices.createPreview({ subscription: subscriptionId }));
      } catch (error) {
        // A cancelled subscription has no next invoice.
        if ((error as { code?: string }).code === 'invoice_upcoming_none') return undefined;
        throw error;
      }
    },

    async previewPlanChange({ subscriptionId, itemId, priceId, quantity }) {
      const preview = await stripe.invoices.createPreview({
        subscription: subscriptionId,
        subscription_details: {
          // Stripe refuses a quantity on a metered price: its usage is the quantity.
          items: [{ id: itemId, price: priceId, ...(quantity === undefined ? {} : { quantity }) }],
          proration_behavior: 'create_prorations',
        },
      });
      return toUpcoming(preview);
    },

    async plans() {
      const page = await stripe.prices.list({
        active: true,
        type: 'recurring',
        limit: 100,
        expand: ['data.product', 'data.tiers'],
      });
      return page.data
        .filter((price) => !isAddOn(price.product))
        .map(
          (price): PlanOption => ({
            priceId: price.id,
            productName: productName(price),
            nickname: price.nickname ?? undefined,
            ...pricingOf(price),
            currency: price.currency,
            interval: asInterval(price.recurring?.interval),
            intervalCount: price.recurring?.interval_count ?? 1,
          }),
        );
    },

    async lifecycleEvents(customerId, { budgetMs }) {
      // Stripe keeps events for 30 days and cannot filter them by customer: read the account's events of the kinds
      // that matter, newest first, page by page while the budget lasts, and keep this customer's. A later page gets
      // only what is left of the budget (and no retries); if it fails or runs out, the pages already read are used.
      const deadline = Date.now() + budgetMs;
      const since = Math.floor(Date.now() / 1000) - EVENT_RETENTION_DAYS * 86_400;
      const events: LifecycleEventFacts[] = [];
      let last: Stripe.Event | undefined;
      for (;;) {
        const params: Stripe.EventListParams = {
          types: LIFECYCLE_TYPES,
          created: { gte: since },
          limit: 100,
          ...(last ? { starting_after: last.id } : {}),
        };
        let page: Stripe.ApiList<Stripe.Event>;
        if (!last) page = await stripe.events.list(params);
        else {
          const remaining = deadline - Date.now();
          if (remaining <= 0) return { events, readBackTo: dateOf(last.created) };
          try {
            page = await stripe.events.list(params, { timeout: remaining, maxNetworkRetries: 0 });
          } catch {
            return { events, readBackTo: dateOf(last.created) };
          }
        }
        for (const event of page.data) {
          const fact = lifecycleFact(event, customerId);
          if (fact) events.push(fact);
        }
        last = page.data.at(-1) ?? last;
        if (!page.has_more || page.data.length === 0) return { events };
      }
    },
  };
}

/** How long Stripe keeps events. */
const EVENT_RETENTION_DAYS = 30;

/** What the timeline needs of one event, when it is about this customer. */
function lifecycleFact(event: Stripe.Event, customerId: string): LifecycleEventFacts | undefined {
  const object = event.data.object as { id?: string; customer?: string | { id: string } | null };
  if (idOf(object.customer) !== customerId) return undefined;
  const previous = (event.data.previous_attributes ?? {}) as Record<string, unknown>;
  return {
    id: event.id,
    type: event.type,
    at: dateOf(event.created),
    objectId: object.id ?? '',
    subscription:
      event.type.startsWith('customer.subscription.') && object.id
        ? toSubscription(event.data.object as Stripe.Subscription)
        : undefined,
    previousItems: previousItems(previous),
    previousStatus: typeof previous.status === 'string' ? previous.status : undefined,
    previousCancelAtPeriodEnd:
      typeof previous.cancel_at_period_end === 'boolean' ? previous.cancel_at_period_end : undefined,
  };
}

/** Plan and quantities before an update, from an event's `previous_attributes.items`. */
function previousItems(
  previous: Record<string, unknown>,
): Array<{ priceId: string; quantity: number }> | undefined {
  const items = previous.items as
    | { data?: Array<{ price?: { id?: string }; quantity?: number }> }
    | undefined;
  if (!items?.data) return undefined;
  return items.data.map((item) => ({ priceId: item.price?.id ?? '', quantity: item.quantity ?? 1 }));
}
