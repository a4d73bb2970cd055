import type Stripe from 'stripe';
import type { CustomerSummary } from '../../domain/customers.js';
import { type Interval, monthlyRecurringRevenue, type RecurringItem } from '../../domain/revenue.js';
import { toCustomerSummary } from './customers.js';

/** What an escalation records about its customer: who it is and how much recurring revenue it brings. */
export interface CustomerFacts {
  customer: CustomerSummary;
  mrrMinor: number;
  currency: string;
  seats: number;
  /** Prices and products of the live subscriptions (a plan can decide the segment, see `priority.planSegments`). */
  planIds: string[];
}

function asInterval(value: string): Interval {
  return value === 'day' || value === 'week' || value === 'year' ? value : 'month';
}

const LIVE_STATUSES = new Set<Stripe.Subscription.Status>(['active', 'trialing', 'past_due']);

export async function fetchCustomerFacts(
  stripe: Stripe,
  customerId: string,
): Promise<CustomerFacts | undefined> {
  const [customer, subscriptions] = await Promise.all([
    stripe.customers.retrieve(customerId).catch((error: { code?: string }) => {
      if (error.code === 'resource_missing') return undefined;
      throw error;
    }),
    stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 20, expand: ['data.discounts'] }),
  ]);
  if (!customer || customer.deleted) return undefined;
  const items: RecurringItem[] = [];
  let percentOff = 0;
  let seats = 0;
  const planIds = new Set<string>();
  for (const subscription of subscriptions.data) {
    if (!LIVE_STATUSES.has(subscription.status)) continue;
    for (const discount of subscription.discounts ?? []) {
      const coupon = typeof discount === 'string' ? undefined : discount.source?.coupon;
      if (coupon && typeof coupon !== 'string' && coupon.percent_off)
        percentOff = Math.max(percentOff, coupon.percent_off);
    }
    for (const item of subscription.items.data) {
      planIds.add(item.price.id);
      if (typeof item.price.product === 'string') planIds.add(item.price.product);
      const recurring = item.price.recurring;
      if (!recurring || item.price.unit_amount === null) continue;
      seats = Math.max(seats, item.quantity ?? 0);
      items.push({
        unitAmountMinor: item.price.unit_amount,
        quantity: item.quantity ?? 1,
        interval: asInterval(recurring.interval),
        intervalCount: recurring.interval_count,
        currency: item.price.currency,
      });
    }
  }
  const byCurrency = monthlyRecurringRevenue(items, percentOff);
  const currency = customer.currency ?? items[0]?.currency ?? 'usd';
  return {
    customer: toCustomerSummary(customer),
    mrrMinor: byCurrency.get(currency) ?? 0,
    currency,
    seats,
    planIds: [...planIds],
  };
}
