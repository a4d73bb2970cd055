import type Stripe from 'stripe';

/**
 * A Stripe SDK type as it travels on the wire. The SDK turns decimal strings into `Decimal` instances after it
 * receives them; the fake stores and sends the strings.
 */
export type Wire<T> = T extends string | number | boolean | bigint | null | undefined
  ? T
  : T extends Stripe.Decimal
    ? string
    : T extends (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type Customer = Wire<Stripe.Customer>;
export type PaymentMethod = Wire<Stripe.PaymentMethod>;
export type Product = Wire<Stripe.Product>;
export type Price = Wire<Stripe.Price>;
export type Coupon = Wire<Stripe.Coupon>;
export type Discount = Wire<Stripe.Discount>;
export type Subscription = Wire<Stripe.Subscription>;
export type SubscriptionItem = Wire<Stripe.SubscriptionItem>;
export type SubscriptionSchedule = Wire<Stripe.SubscriptionSchedule>;
export type SchedulePhase = Wire<Stripe.SubscriptionSchedule.Phase>;
export type Invoice = Wire<Stripe.Invoice>;
export type InvoiceLineItem = Wire<Stripe.InvoiceLineItem>;
export type InvoiceItem = Wire<Stripe.InvoiceItem>;
export type InvoicePayment = Wire<Stripe.InvoicePayment>;
export type PaymentIntent = Wire<Stripe.PaymentIntent>;
export type Charge = Wire<Stripe.Charge>;
export type Refund = Wire<Stripe.Refund>;
export type CustomerBalanceTransaction = Wire<Stripe.CustomerBalanceTransaction>;
export type PortalSession = Wire<Stripe.BillingPortal.Session>;

/** A JSON object as the fake renders it. */
export type JsonObject = Record<string, unknown>;

export interface FakeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: JsonObject; previous_attributes?: JsonObject };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** How a card answers a charge attempt when it does not succeed. */
export interface CardDecline {
  /** Stripe's error code: `card_declined`, `expired_card`, `incorrect_cvc`, `processing_error`, … */
  code: string;
  /** The issuer's reason for a `card_declined`: `insufficient_funds`, `generic_decline`, `lost_card`, … */
  decline_code?: string;
  message?: string;
}

/** Everything the fake knows, keyed by id. Tests read it directly; only the fake writes it. */
export interface StripeState {
  customers: Map<string, Customer>;
  /** Ids of deleted customers: retrieving one answers `{ id, object: 'customer', deleted: true }`. */
  deletedCustomers: Set<string>;
  paymentMethods: Map<string, PaymentMethod>;
  products: Map<string, Product>;
  prices: Map<string, Price>;
  coupons: Map<string, Coupon>;
  discounts: Map<string, Discount>;
  subscriptions: Map<string, Subscription>;
  subscriptionItems: Map<string, SubscriptionItem>;
  subscriptionSchedules: Map<string, SubscriptionSchedule>;
  invoices: Map<string, Invoice>;
  invoiceItems: Map<string, InvoiceItem>;
  invoicePayments: Map<string, InvoicePayment>;
  paymentIntents: Map<string, PaymentIntent>;
  charges: Map<string, Charge>;
  refunds: Map<string, Refund>;
  balanceTransactions: Map<string, CustomerBalanceTransaction>;
  portalSessions: Map<string, PortalSession>;
  events: Map<string, FakeEvent>;
  /** Cards that decline every charge, by payment method id (the fake's stand-in for Stripe's test cards). */
  declines: Map<string, CardDecline>;
}

export function emptyState(): StripeState {
  return {
    customers: new Map(),
    deletedCustomers: new Set(),
    paymentMethods: new Map(),
    products: new Map(),
    prices: new Map(),
    coupons: new Map(),
    discounts: new Map(),
    subscriptions: new Map(),
    subscriptionItems: new Map(),
    subscriptionSchedules: new Map(),
    invoices: new Map(),
    invoiceItems: new Map(),
    invoicePayments: new Map(),
    paymentIntents: new Map(),
    charges: new Map(),
    refunds: new Map(),
    balanceTransactions: new Map(),
    portalSessions: new Map(),
    events: new Map(),
    declines: new Map(),
  };
}

/** Copies `source` into `target` in place, so references that tests hold to `state.x` maps stay valid. */
export function restoreState(target: StripeState, source: StripeState): void {
  const copy = structuredClone(source);
  for (const key of Object.keys(copy) as (keyof StripeState)[]) {
    const into = target[key] as Map<unknown, unknown> | Set<unknown>;
    const from = copy[key] as Map<unknown, unknown> | Set<unknown>;
    into.clear();
    if (into instanceof Map && from instanceof Map) {
      for (const [k, v] of from) into.set(k, v);
    } else if (into instanceof Set && from instanceof Set) {
      for (const v of from) into.add(v);
    }
  }
}

/** Reads the id of an expandable field, whether it holds an id or an expanded object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}
