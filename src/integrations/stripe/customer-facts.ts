import type Stripe from 'stripe';
import { recurringRevenue } from '../../domain/billing.js';
import type { CustomerSummary } from '../../domain/customers.js';
import { toSubscription } from './billing.js';
import { toCustomerSummary } from './customers.js';
import { listSubscriptionsWithProducts } from './subscriptions.js';

/** What an escalation records about its customer: who it is and how much recurring revenue it brings. */
export interface CustomerFacts {
  customer: CustomerSummary;
  /** The same MRR the billing card shows (paying subscriptions, after lasting discounts), in `currency`. */
  mrrMinor: number;
  currency: string;
  seats: number;
  /** Prices and products of the live subscriptions (a plan can decide the segment, see `priority.planSegments`). */
  planIds: string[];
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
    listSubscriptionsWithProducts(stripe, {
      customer: customerId,
      status: 'all',
      limit: 20,
      expand: ['data.discounts.source.coupon'],
    }),
  ]);
  if (!customer || customer.deleted) return undefined;
  const live = subscriptions.filter((subscription) => LIVE_STATUSES.has(subscription.status));
  const facts = live.map(toSubscription);
  let seats = 0;
  const planIds = new Set<string>();
  for (const subscription of facts) {
    for (const item of subscription.items) {
      planIds.add(item.priceId);
      if (item.productId) planIds.add(item.productId);
      if (!item.addOn) seats = Math.max(seats, item.quantity);
    }
  }
  const byCurrency = recurringRevenue(facts);
  const currency = customer.currency ?? facts[0]?.items[0]?.currency ?? 'usd';
  return {
    customer: toCustomerSummary(customer),
    mrrMinor: byCurrency.get(currency) ?? 0,
    currency,
    seats,
    planIds: [...planIds],
  };
}
