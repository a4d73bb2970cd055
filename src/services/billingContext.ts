import type { Settings } from '../config.js';
import {
  type BillingCustomer,
  type ChargeFacts,
  type InvoiceFacts,
  isLive,
  mainSubscription,
  type SubscriptionFacts,
  type UpcomingInvoice,
} from '../domain/billing.js';
import type { BillingContext, LifecycleModel, Part } from '../domain/billing-card.js';
import type { CustomerSummary } from '../domain/customers.js';
import { buildTimeline } from '../domain/lifecycle.js';
import { mayViewBilling, rolesInWords } from '../domain/permissions.js';
import type { Interval, NonFlatPricing } from '../domain/revenue.js';
import { notPermitted } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Directory } from './people.js';

/** What the billing card needs from the payment provider (Stripe behind it, a fake port in unit tests). */
export interface BillingPort {
  /** Customers matching an email or (part of) a name, each with what its card can reuse. */
  search(text: string): Promise<FoundCustomer[]>;
  customer(id: string): Promise<BillingCustomer | undefined>;
  subscriptions(customerId: string): Promise<SubscriptionFacts[]>;
  invoices(customerId: string): Promise<{ invoices: InvoiceFacts[]; complete: boolean }>;
  charges(customerId: string): Promise<{ charges: ChargeFacts[]; complete: boolean }>;
  upcomingInvoice(subscriptionId: string): Promise<UpcomingInvoice | undefined>;
  previewPlanChange(change: {
    subscriptionId: string;
    itemId: string;
    priceId: string;
    /** Left out for a metered price. */
    quantity: number | undefined;
  }): Promise<UpcomingInvoice>;
  plans(): Promise<PlanOption[]>;
  /**
   * The customer's events of the last 30 days, newest first. Stripe cannot filter events by customer, so pages of
   * the account's events are read until the 30 days are covered or `budgetMs` is spent; `readBackTo` then says how
   * far back they go.
   */
  lifecycleEvents(customerId: string, options: { budgetMs: number }): Promise<LifecycleEvents>;
}

export interface LifecycleEvents {
  events: LifecycleEventFacts[];
  /** Set when the account had more recent events than could be read: older ones are not in `events`. */
  readBackTo?: Date | undefined;
}

export interface FoundCustomer {
  summary: CustomerSummary;
  /** The search already read the customer and its live subscription: the card need not ask again. */
  known: KnownFacts;
}

export interface KnownFacts {
  customer: BillingCustomer;
  /** The subscription whose next invoice the card previews (undefined: none live). */
  mainSubscriptionId: string | undefined;
}

export interface PlanOption {
  priceId: string;
  productName: string;
  nickname: string | undefined;
  unitAmountMinor: number;
  /** Absent for a flat amount per unit. */
  pricing?: NonFlatPricing | undefined;
  currency: string;
  interval: Interval;
  intervalCount: number;
}

export interface LifecycleEventFacts {
  id: string;
  type: string;
  at: Date;
  objectId: string;
  subscription: SubscriptionFacts | undefined;
  previousItems: Array<{ priceId: string; quantity: number }> | undefined;
  previousStatus: string | undefined;
  previousCancelAtPeriodEnd: boolean | undefined;
}

/**
 * Billing information and payment history are for the roles the permission matrix names (seed 003: L1, L2, managers
 * and billing specialists). Checked before anything is read from Stripe, on every way to a customer's billing.
 */
export async function checkBillingViewer(
  directory: Pick<Directory, 'rolesOf'>,
  settings: Pick<Settings, 'permissions'>,
  userId: string,
): Promise<void> {
  if (mayViewBilling(settings.permissions, await directory.rolesOf(userId))) return;
  throw notPermitted(
    `Only ${rolesInWords(settings.permissions.viewers)} may see customers' billing details. Ask a support manager if you need them.`,
  );
}

export interface BillingServiceContext {
  port: BillingPort;
  settings: Settings;
  logger: Logger;
  now: () => Date;
}

// ------------------------------------------------------------------------------------------------- cache

interface CacheEntry {
  at: number;
  value: Promise<BillingContext>;
}

/**
 * The short cache of billing pictures, per customer and per port (each running app has its own port). It lives at
 * module level so that account actions can drop a customer's picture without being handed the billing feature.
 */
const cache = new Map<string, WeakMap<BillingPort, CacheEntry>>();

/** Drops the cached billing picture of a customer; call it after anything changes the customer in Stripe. */
export function forgetBillingContext(customerId: string): void {
  cache.delete(customerId);
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function part<T>(ctx: BillingServiceContext, name: string, work: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await withDeadline(work(), ctx.settings.billing.stripeTimeoutMs) };
  } catch (error) {
    ctx.logger.warn({ err: error, part: name }, 'billing card: a Stripe part is missing');
    const timedOut = error instanceof Error && error.message.startsWith('no answer within');
    return { ok: false, reason: timedOut ? 'Stripe did not answer in time' : 'Stripe returned an error' };
  }
}

async function fetchContext(
  ctx: BillingServiceContext,
  customerId: string,
  known: KnownFacts | undefined,
): Promise<BillingContext> {
  const { port } = ctx;
  const preview = (subscriptionId: string | undefined): Promise<Part<UpcomingInvoice | undefined>> =>
    subscriptionId
      ? part(ctx, 'upcoming invoice', () => port.upcomingInvoice(subscriptionId))
      : Promise.resolve({ ok: true, value: undefined });
  // Everything that only needs the customer id, in parallel; when a search already read the customer and its
  // subscription, the preview joins them, otherwise it follows (it needs the subscription).
  const [customer, subscriptions, invoices, charges, knownUpcoming] = await Promise.all([
    known
      ? Promise.resolve({ ok: true as const, value: known.customer })
      : part(ctx, 'customer', () => port.customer(customerId)),
    part(ctx, 'subscriptions', () => port.subscriptions(customerId)),
    part(ctx, 'invoices', () => port.invoices(customerId)),
    part(ctx, 'charges', () => port.charges(customerId)),
    known ? preview(known.mainSubscriptionId) : Promise.resolve(undefined),
  ]);
  let upcoming: Part<UpcomingInvoice | undefined>;
  if (knownUpcoming) upcoming = knownUpcoming;
  else if (!subscriptions.ok) upcoming = { ok: false, reason: 'needs the subscription, which is missing' };
  else {
    const main = mainSubscription(subscriptions.value);
    upcoming = await preview(main && isLive(main.status) ? main.id : undefined);
  }
  return { customerId, fetchedAt: ctx.now(), customer, subscriptions, invoices, charges, upcoming };
}

const complete = (context: BillingContext) =>
  context.customer.ok &&
  context.subscriptions.ok &&
  context.invoices.ok &&
  context.charges.ok &&
  context.upcoming.ok;

/**
 * The customer's billing picture from Stripe, reused for `billing.cacheSeconds`. A picture with a missing part is
 * not kept, so the next look asks Stripe again.
 */
export function getBillingContext(
  ctx: BillingServiceContext,
  customerId: string,
  known?: KnownFacts,
): Promise<BillingContext> {
  const ttlMs = ctx.settings.billing.cacheSeconds * 1000;
  const now = Date.now();
  let perPort = cache.get(customerId);
  const hit = perPort?.get(ctx.port);
  if (hit && now - hit.at < ttlMs) return hit.value;
  const value = fetchContext(ctx, customerId, known);
  if (ttlMs > 0) {
    if (!perPort) {
      perPort = new WeakMap();
      cache.set(customerId, perPort);
    }
    const entry = { at: now, value };
    perPort.set(ctx.port, entry);
    void value.then((context) => {
      if (!complete(context) && cache.get(customerId)?.get(ctx.port) === entry)
        cache.get(customerId)?.delete(ctx.port);
    });
  }
  return value;
}

// ------------------------------------------------------------------------------------------------- lifecycle

/** The subscription timeline: the (cached) billing picture plus Stripe's recent events, read in parallel. */
export async function getLifecycle(ctx: BillingServiceContext, customerId: string): Promise<LifecycleModel> {
  const [context, events] = await Promise.all([
    getBillingContext(ctx, customerId),
    // Half the part's deadline: whatever pages have been read by then are used, rather than none.
    part(ctx, 'events', () =>
      ctx.port.lifecycleEvents(customerId, { budgetMs: ctx.settings.billing.stripeTimeoutMs / 2 }),
    ),
  ]);
  const missing: string[] = [];
  if (!context.subscriptions.ok) missing.push('subscriptions');
  if (!context.invoices.ok) missing.push('invoices');
  if (!context.charges.ok) missing.push('payments');
  if (!events.ok) missing.push('recent events');
  const entries = buildTimeline({
    subscriptions: context.subscriptions.ok ? context.subscriptions.value : [],
    invoices: context.invoices.ok ? context.invoices.value.invoices : [],
    charges: context.charges.ok ? context.charges.value.charges : [],
    events: events.ok ? events.value.events : [],
    now: ctx.now(),
  });
  const customer = context.customer.ok ? context.customer.value : undefined;
  return {
    customerId,
    customerName: customer?.name || customerId,
    entries,
    missing,
    eventsReadBackTo: events.ok ? events.value.readBackTo : undefined,
  };
}

export type { BillingCardModel, BillingContext, LifecycleModel, Part } from '../domain/billing-card.js';
export { summariseBillingContext } from '../domain/billing-card.js';
