/**
 * A subscription's life as one timeline, newest first: created, trial, plan and seat changes, payment failures and
 * recoveries, pauses and cancellation. Built from the subscriptions, invoices and charges (which go back to the
 * start) and Stripe's events (which only go back 30 days but say what changed).
 */
import { type ChargeFacts, type InvoiceFacts, isoDay, type SubscriptionFacts } from './billing.js';
import { formatMoney } from './money.js';
import { failureReason } from './playbooks.js';

export type TimelineKind =
  | 'created'
  | 'trial'
  | 'change'
  | 'failure'
  | 'recovery'
  | 'pause'
  | 'resume'
  | 'cancellation';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  text: string;
}

export interface LifecycleEvent {
  type: string;
  at: Date;
  subscription: SubscriptionFacts | undefined;
  previousItems: Array<{ priceId: string; quantity: number }> | undefined;
  previousCancelAtPeriodEnd: boolean | undefined;
}

function itemsText(
  items: ReadonlyArray<{ priceId: string; quantity: number }>,
  names: Map<string, string>,
): string {
  return items
    .map(
      (item) => `${names.get(item.priceId) ?? item.priceId}${item.quantity > 1 ? ` × ${item.quantity}` : ''}`,
    )
    .join(', ');
}

export function buildTimeline(input: {
  subscriptions: readonly SubscriptionFacts[];
  invoices: readonly InvoiceFacts[];
  charges: readonly ChargeFacts[];
  events: readonly LifecycleEvent[];
  now: Date;
}): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const names = new Map<string, string>();
  for (const subscription of input.subscriptions)
    for (const item of subscription.items) names.set(item.priceId, item.productName);

  for (const subscription of input.subscriptions) {
    const plan = itemsText(
      subscription.items.map((item) => ({ priceId: item.priceId, quantity: item.quantity })),
      names,
    );
    entries.push({ at: subscription.startedAt, kind: 'created', text: `Subscription started: ${plan}` });
    if (subscription.trialStart && subscription.trialEnd) {
      entries.push({
        at: subscription.trialStart,
        kind: 'trial',
        text: `Trial started, ending ${isoDay(subscription.trialEnd)}`,
      });
      if (subscription.trialEnd <= input.now)
        entries.push({ at: subscription.trialEnd, kind: 'trial', text: 'Trial ended' });
    }
    if (subscription.paused)
      entries.push({
        at: input.now,
        kind: 'pause',
        text: `Payment collection paused${subscription.paused.resumesAt ? ` until ${isoDay(subscription.paused.resumesAt)}` : ''}`,
      });
    if (subscription.canceledAt)
      entries.push({ at: subscription.canceledAt, kind: 'cancellation', text: 'Subscription cancelled' });
    else if (subscription.cancelAtPeriodEnd || subscription.cancelAt) {
      const when = subscription.cancelAt ?? subscription.currentPeriodEnd;
      entries.push({
        at: input.now,
        kind: 'cancellation',
        text: `Cancellation scheduled${when ? ` for ${isoDay(when)}` : ''}`,
      });
    }
  }

  // Plan and seat changes: invoices raised by an update, and update events (which say what it was before).
  for (const invoice of input.invoices) {
    if (invoice.billingReason === 'subscription_update')
      entries.push({
        at: invoice.createdAt,
        kind: 'change',
        text: `Plan or seats changed; invoiced ${formatMoney(invoice.totalMinor, invoice.currency)} (${invoice.number ?? invoice.id})`,
      });
  }
  for (const event of input.events) {
    if (event.type === 'customer.subscription.updated' && event.previousItems && event.subscription) {
      const after = itemsText(
        event.subscription.items.map((item) => ({ priceId: item.priceId, quantity: item.quantity })),
        names,
      );
      entries.push({
        at: event.at,
        kind: 'change',
        text: `Changed from ${itemsText(event.previousItems, names)} to ${after}`,
      });
    } else if (
      event.type === 'customer.subscription.updated' &&
      event.previousCancelAtPeriodEnd === false &&
      event.subscription?.cancelAtPeriodEnd
    ) {
      entries.push({
        at: event.at,
        kind: 'cancellation',
        text: 'Customer asked to cancel at the end of the period',
      });
    } else if (
      event.type === 'customer.subscription.updated' &&
      event.previousCancelAtPeriodEnd === true &&
      event.subscription &&
      !event.subscription.cancelAtPeriodEnd
    ) {
      entries.push({ at: event.at, kind: 'resume', text: 'Scheduled cancellation withdrawn' });
    } else if (event.type === 'customer.subscription.paused') {
      entries.push({ at: event.at, kind: 'pause', text: 'Subscription paused' });
    } else if (event.type === 'customer.subscription.resumed') {
      entries.push({ at: event.at, kind: 'resume', text: 'Subscription resumed' });
    }
  }

  // Failures and the payment that recovered them.
  const charges = [...input.charges].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  let failing = 0;
  for (const charge of charges) {
    if (charge.status === 'failed') {
      failing += 1;
      entries.push({
        at: charge.createdAt,
        kind: 'failure',
        text: `Payment of ${formatMoney(charge.amountMinor, charge.currency)} failed: ${failureReason(charge)}`,
      });
    } else if (charge.status === 'succeeded' && failing > 0) {
      entries.push({
        at: charge.createdAt,
        kind: 'recovery',
        text: `Recovered: ${formatMoney(charge.amountMinor, charge.currency)} paid after ${failing} failed attempt${failing === 1 ? '' : 's'}`,
      });
      failing = 0;
    }
  }

  // The same thing seen twice (an event and a field) on one day is shown once.
  const seen = new Set<string>();
  return entries
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .filter((entry) => {
      const key = `${entry.kind}:${isoDay(entry.at)}:${entry.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
