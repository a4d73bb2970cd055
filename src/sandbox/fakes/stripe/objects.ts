import fixtureBodies from './fixtures.json' with { type: 'json' };
import { amountPair, newTier } from './pricing.js';
import type {
  Charge,
  Coupon,
  Customer,
  CustomerBalanceTransaction,
  Discount,
  Invoice,
  InvoiceItem,
  InvoiceLineItem,
  InvoicePayment,
  PaymentIntent,
  PaymentMethod,
  PortalSession,
  Price,
  Product,
  Refund,
  SchedulePhase,
  Subscription,
  SubscriptionItem,
  SubscriptionSchedule,
} from './types.js';

/**
 * Object factories. Each starts from Stripe's own example body for the resource (`fixtures.json`, copied from the
 * published OpenAPI fixtures) and overrides what the fake decides, so fields the fake does not model still have the
 * shape and type the SDK expects. The examples fill every optional sub-object with sample values; where a fresh
 * object in test mode would have `null` instead, the factories say so.
 */

interface Fixtures {
  customer: Customer;
  charge: Charge;
  refund: Refund;
  invoice: Invoice & { subscription?: unknown };
  line_item: InvoiceLineItem;
  invoiceitem: InvoiceItem;
  invoice_payment: InvoicePayment;
  subscription: Subscription;
  subscription_item: SubscriptionItem;
  subscription_schedule: SubscriptionSchedule;
  discount: Discount;
  customer_balance_transaction: CustomerBalanceTransaction;
  coupon: Coupon;
  price: Price;
  product: Product;
  payment_method: PaymentMethod;
  payment_intent: PaymentIntent;
  'billing_portal.session': PortalSession;
}

const fixtures = fixtureBodies as unknown as Fixtures;

function fixture<K extends keyof Fixtures>(name: K): Fixtures[K] {
  return structuredClone(fixtures[name]);
}

export const API_VERSION = '2026-10-28.endive';

export interface AddressInput {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

export type Address = NonNullable<Customer['address']>;

export function toAddress(input: AddressInput | null | undefined): Address | null {
  if (!input) return null;
  return blankAddress(input);
}

export function blankAddress(input: AddressInput = {}): Address {
  return {
    line1: input.line1 ?? null,
    line2: input.line2 ?? null,
    city: input.city ?? null,
    state: input.state ?? null,
    postal_code: input.postal_code ?? null,
    country: input.country ?? null,
  };
}

export function newCustomer(fields: {
  id: string;
  created: number;
  invoicePrefix: string;
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  address?: AddressInput | null;
  metadata?: Record<string, string>;
  balance?: number;
  currency?: string | null;
  preferredLocales?: string[];
}): Customer {
  const base = fixture('customer');
  return {
    ...base,
    id: fields.id,
    object: 'customer',
    address: toAddress(fields.address),
    balance: fields.balance ?? 0,
    created: fields.created,
    currency: fields.currency ?? null,
    default_source: null,
    delinquent: false,
    description: fields.description ?? null,
    discount: null,
    email: fields.email ?? null,
    invoice_prefix: fields.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: fields.phone ?? null,
    preferred_locales: fields.preferredLocales ?? [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    customer_account: null,
  };
}

export interface CardInput {
  brand?: string;
  last4?: string;
  expMonth: number;
  expYear: number;
  fingerprint?: string;
  country?: string;
  funding?: string;
}

export function newPaymentMethod(fields: {
  id: string;
  created: number;
  customer: string | null;
  card: CardInput & { fingerprint: string };
  billing: { name: string | null; email: string | null; address: Address | null | undefined };
  metadata?: Record<string, string>;
}): PaymentMethod {
  const base = fixture('payment_method');
  const brand = fields.card.brand ?? 'visa';
  const baseCard = base.card;
  if (!baseCard) throw new Error('payment_method fixture has no card');
  return {
    ...base,
    id: fields.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: fields.billing.address ?? blankAddress(),
      email: fields.billing.email,
      name: fields.billing.name,
      phone: null,
      tax_id: null,
    },
    card: {
      ...baseCard,
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: fields.card.country ?? 'US',
      display_brand: brand,
      exp_month: fields.card.expMonth,
      exp_year: fields.card.expYear,
      fingerprint: fields.card.fingerprint,
      funding: fields.card.funding ?? 'credit',
      generated_from: null,
      last4: fields.card.last4 ?? '4242',
      networks: { available: [brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
      regulated_status: 'unregulated',
    },
    created: fields.created,
    customer: fields.customer,
    livemode: false,
    metadata: fields.metadata ?? {},
    type: 'card',
    customer_account: null,
  };
}

export function newProduct(fields: {
  id: string;
  created: number;
  name: string;
  description?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
  unitLabel?: string | null;
}): Product {
  return {
    ...fixture('product'),
    id: fields.id,
    object: 'product',
    active: fields.active ?? true,
    created: fields.created,
    default_price: null,
    description: fields.description ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: fields.metadata ?? {},
    name: fields.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    unit_label: fields.unitLabel ?? null,
    updated: fields.created,
    url: null,
    type: 'service',
  };
}

/** How a price charges, beyond its currency and recurrence. */
export type PriceScheme =
  | {
      billingScheme: 'per_unit';
      /** The unit amount in minor units, a decimal string with at most 12 places (`"4800"`, `"0.5"`). */
      unitAmountDecimal: string;
      /** Package pricing: the quantity is divided by `divideBy` and rounded before the unit amount applies. */
      transformQuantity?: { divideBy: number; round: 'up' | 'down' } | null;
    }
  | {
      billingScheme: 'tiered';
      tiersMode: 'graduated' | 'volume';
      /** Ascending; the last one has `upTo: null` (`inf`). */
      tiers: Array<{
        upTo: number | null;
        unitAmountDecimal?: string | null;
        flatAmountDecimal?: string | null;
      }>;
    }
  | {
      /** A one-time price whose amount the customer chooses (Checkout, Payment Links). */
      billingScheme: 'custom';
      customUnitAmount: { minimum: number | null; maximum: number | null; preset: number | null };
    };

export function newPrice(fields: {
  id: string;
  created: number;
  product: string;
  /** A flat amount per unit, in whole minor units; `scheme` says more (a decimal amount, tiers, packages). */
  unitAmount?: number;
  scheme?: PriceScheme;
  currency: string;
  recurring?: {
    interval: 'day' | 'week' | 'month' | 'year';
    intervalCount: number;
    usageType?: 'licensed' | 'metered';
    meter?: string | null;
  } | null;
  nickname?: string | null;
  lookupKey?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
}): Price {
  const recurring = fields.recurring
    ? {
        interval: fields.recurring.interval,
        interval_count: fields.recurring.intervalCount,
        meter: fields.recurring.meter ?? null,
        usage_type: fields.recurring.usageType ?? 'licensed',
        trial_period_days: null,
      }
    : null;
  const scheme: PriceScheme = fields.scheme ?? {
    billingScheme: 'per_unit',
    unitAmountDecimal: String(fields.unitAmount ?? 0),
  };
  const unit = amountPair(scheme.billingScheme === 'per_unit' ? scheme.unitAmountDecimal : null);
  const transform = scheme.billingScheme === 'per_unit' ? scheme.transformQuantity : null;
  const price: Price = {
    ...fixture('price'),
    id: fields.id,
    object: 'price',
    active: fields.active ?? true,
    billing_scheme: scheme.billingScheme === 'tiered' ? 'tiered' : 'per_unit',
    created: fields.created,
    currency: fields.currency,
    custom_unit_amount: scheme.billingScheme === 'custom' ? { ...scheme.customUnitAmount } : null,
    livemode: false,
    lookup_key: fields.lookupKey ?? null,
    metadata: fields.metadata ?? {},
    nickname: fields.nickname ?? null,
    product: fields.product,
    recurring,
    tax_behavior: 'unspecified',
    tiers_mode: scheme.billingScheme === 'tiered' ? scheme.tiersMode : null,
    transform_quantity: transform ? { divide_by: transform.divideBy, round: transform.round } : null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unit.whole,
    unit_amount_decimal: unit.decimal,
  };
  // Stored with the price; sent only when a request expands `tiers` (see expand.ts and FakeEnv.render).
  if (scheme.billingScheme === 'tiered') price.tiers = scheme.tiers.map((tier) => newTier(tier));
  return price;
}

export function newCoupon(fields: {
  id: string;
  created: number;
  percentOff?: number | null;
  amountOff?: number | null;
  currency?: string | null;
  duration: 'forever' | 'once' | 'repeating';
  durationInMonths?: number | null;
  name?: string | null;
  maxRedemptions?: number | null;
  redeemBy?: number | null;
  metadata?: Record<string, string>;
}): Coupon {
  return {
    ...fixture('coupon'),
    id: fields.id,
    object: 'coupon',
    amount_off: fields.amountOff ?? null,
    created: fields.created,
    currency: fields.amountOff ? (fields.currency ?? null) : null,
    duration: fields.duration,
    duration_in_months: fields.duration === 'repeating' ? (fields.durationInMonths ?? null) : null,
    livemode: false,
    max_redemptions: fields.maxRedemptions ?? null,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    percent_off: fields.percentOff ?? null,
    redeem_by: fields.redeemBy ?? null,
    times_redeemed: 0,
    valid: true,
  };
}

export function newDiscount(fields: {
  id: string;
  start: number;
  end: number | null;
  coupon: string;
  customer: string | null;
  subscription: string | null;
  invoice?: string | null;
}): Discount {
  return {
    ...fixture('discount'),
    id: fields.id,
    object: 'discount',
    checkout_session: null,
    customer: fields.customer,
    end: fields.end,
    invoice: fields.invoice ?? null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: fields.coupon, type: 'coupon' },
    start: fields.start,
    subscription: fields.subscription,
    subscription_item: null,
    customer_account: null,
  };
}

export function newSubscription(fields: {
  id: string;
  created: number;
  customer: string;
  currency: string;
  status: Subscription['status'];
  billingCycleAnchor: number;
  startDate: number;
  trialStart?: number | null;
  trialEnd?: number | null;
  collectionMethod?: string;
  daysUntilDue?: number | null;
  defaultPaymentMethod?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
}): Subscription {
  return {
    ...fixture('subscription'),
    id: fields.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: fields.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: {
      type: 'flexible',
      flexible: { proration_discounts: 'included' },
      updated_at: fields.created,
    },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: fields.collectionMethod ?? 'charge_automatically',
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    days_until_due: fields.daysUntilDue ?? null,
    default_payment_method: fields.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: fields.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: {
      object: 'list',
      data: [],
      has_more: false,
      url: `/v1/subscription_items?subscription=${fields.id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: fields.startDate,
    status: fields.status,
    test_clock: null,
    transfer_data: null,
    trial_end: fields.trialEnd ?? null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' },
    },
    trial_start: fields.trialStart ?? null,
  };
}

/** One phase of a schedule: its items (price ids and quantities) from `start` to `end`. */
export function newSchedulePhase(fields: {
  start: number;
  end: number;
  currency: string;
  items: Array<{ price: string; quantity: number; metadata?: Record<string, string> }>;
  prorationBehavior: SchedulePhase['proration_behavior'];
  metadata?: Record<string, string>;
  /** An existing discount kept by id, or a coupon to apply. */
  discounts?: ReadonlyArray<{ coupon?: string | null | undefined; discount?: string | null | undefined }>;
}): SchedulePhase {
  const [example] = fixture('subscription_schedule').phases;
  return {
    ...(example as SchedulePhase),
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency: fields.currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: (fields.discounts ?? []).map((entry) => ({
      coupon: entry.coupon ?? null,
      discount: entry.discount ?? null,
      promotion_code: null,
    })),
    end_date: fields.end,
    invoice_settings: null,
    items: fields.items.map((item) => ({
      billing_thresholds: null,
      discounts: [],
      metadata: item.metadata ?? {},
      plan: item.price,
      price: item.price,
      quantity: item.quantity,
      tax_rates: [],
    })),
    metadata: fields.metadata ?? {},
    on_behalf_of: null,
    proration_behavior: fields.prorationBehavior,
    start_date: fields.start,
    transfer_data: null,
    trial_end: null,
  };
}

export function newSubscriptionSchedule(fields: {
  id: string;
  created: number;
  customer: string;
  subscription: Subscription;
  phases: SchedulePhase[];
  currentPhase: { start_date: number; end_date: number } | null;
}): SubscriptionSchedule {
  const base = fixture('subscription_schedule');
  const { subscription } = fields;
  return {
    ...base,
    id: fields.id,
    object: 'subscription_schedule',
    application: null,
    billing_mode: {
      type: 'flexible',
      flexible: { proration_discounts: 'included' },
      updated_at: fields.created,
    },
    canceled_at: null,
    completed_at: null,
    created: fields.created,
    current_phase: fields.currentPhase,
    customer: fields.customer,
    customer_account: null,
    default_settings: {
      ...base.default_settings,
      collection_method: subscription.collection_method,
      default_payment_method: subscription.default_payment_method,
      description: subscription.description,
      invoice_settings: {
        ...base.default_settings.invoice_settings,
        days_until_due: subscription.days_until_due,
      },
    },
    end_behavior: 'release',
    livemode: false,
    metadata: {},
    pause_schedules: [],
    phases: fields.phases,
    released_at: null,
    released_subscription: null,
    status: 'active',
    subscription: subscription.id,
    test_clock: null,
  };
}

/** The legacy `plan` view of a price that subscription items still carry. */
export function planOf(price: Price): SubscriptionItem['plan'] {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: price.transform_quantity ? { ...price.transform_quantity } : null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}

export function newSubscriptionItem(fields: {
  id: string;
  created: number;
  subscription: string;
  price: Price;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  metadata?: Record<string, string>;
}): SubscriptionItem {
  return {
    ...fixture('subscription_item'),
    id: fields.id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: fields.created,
    current_period_end: fields.periodEnd,
    current_period_start: fields.periodStart,
    current_trial: null,
    discounts: [],
    metadata: fields.metadata ?? {},
    plan: planOf(fields.price),
    price: fields.price,
    quantity: fields.quantity,
    subscription: fields.subscription,
    tax_rates: [],
  };
}

export function newInvoice(fields: {
  id: string;
  created: number;
  customer: Customer;
  currency: string;
  billingReason: Invoice['billing_reason'];
  collectionMethod: string;
  periodStart: number;
  periodEnd: number;
  subscription?: { id: string; metadata: Record<string, string> } | null;
  description?: string | null;
  metadata?: Record<string, string>;
  autoAdvance?: boolean;
  daysUntilDue?: number | null;
  defaultPaymentMethod?: string | null;
}): Invoice {
  const { subscription: _legacySubscription, ...base } = fixture('invoice');
  const customer = fields.customer;
  return {
    ...base,
    id: fields.id,
    object: 'invoice',
    account_country: 'US',
    account_name: null,
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: fields.autoAdvance ?? false,
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    automatically_finalizes_at: null,
    billing_reason: fields.billingReason,
    collection_method: fields.collectionMethod,
    created: fields.created,
    currency: fields.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? 'none',
    customer_tax_ids: [],
    default_payment_method: fields.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: fields.description ?? null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${fields.id}/lines` },
    livemode: false,
    metadata: fields.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: fields.subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: {
            metadata: fields.subscription.metadata,
            subscription: fields.subscription.id,
          },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: fields.periodEnd,
    period_start: fields.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: fields.created,
  };
}

export interface LineDraft {
  description: string;
  amount: number;
  currency: string;
  quantity: number | null;
  price: Price | null;
  period: { start: number; end: number };
  proration: boolean;
  subscription: string | null;
  subscriptionItem: string | null;
  invoiceItem: string | null;
  discountable: boolean;
  metadata?: Record<string, string>;
}

export function newLineItem(id: string, invoice: string | null, draft: LineDraft): InvoiceLineItem {
  const parent: InvoiceLineItem['parent'] = draft.subscriptionItem
    ? {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: draft.invoiceItem,
          proration: draft.proration,
          proration_details: { credited_items: null },
          subscription: draft.subscription,
          subscription_item: draft.subscriptionItem,
        },
      }
    : {
        type: 'invoice_item_details',
        invoice_item_details: {
          invoice_item: draft.invoiceItem ?? '',
          proration: draft.proration,
          proration_details: { credited_items: null },
          subscription: draft.subscription,
        },
        subscription_item_details: null,
      };
  return {
    ...fixture('line_item'),
    id,
    object: 'line_item',
    amount: draft.amount,
    currency: draft.currency,
    description: draft.description,
    discount_amounts: [],
    discountable: draft.discountable,
    discounts: [],
    invoice,
    livemode: false,
    metadata: draft.metadata ?? {},
    parent,
    period: { start: draft.period.start, end: draft.period.end },
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: draft.price
        ? { price: draft.price.id, product: draft.price.product as string }
        : undefined,
      unit_amount_decimal: draft.price?.unit_amount_decimal ?? null,
    },
    quantity: draft.quantity,
    quantity_decimal: draft.quantity === null ? null : String(draft.quantity),
    subscription: draft.subscription,
    subtotal: draft.amount,
    taxes: [],
  };
}

export function newInvoiceItem(fields: {
  id: string;
  created: number;
  customer: string;
  draft: LineDraft;
  invoice: string | null;
}): InvoiceItem {
  const { draft } = fields;
  return {
    ...fixture('invoiceitem'),
    id: fields.id,
    object: 'invoiceitem',
    amount: draft.amount,
    currency: draft.currency,
    customer: fields.customer,
    date: fields.created,
    description: draft.description,
    discountable: draft.discountable,
    discounts: [],
    invoice: fields.invoice,
    livemode: false,
    metadata: draft.metadata ?? {},
    net_amount: draft.amount,
    parent: draft.subscription
      ? {
          type: 'subscription_details',
          subscription_details: {
            subscription: draft.subscription,
            ...(draft.subscriptionItem ? { subscription_item: draft.subscriptionItem } : {}),
          },
        }
      : null,
    period: { start: draft.period.start, end: draft.period.end },
    pricing: {
      type: 'price_details',
      price_details: draft.price
        ? { price: draft.price.id, product: draft.price.product as string }
        : undefined,
      unit_amount_decimal: draft.price?.unit_amount_decimal ?? null,
    },
    proration: draft.proration,
    quantity: draft.quantity ?? 1,
    quantity_decimal: String(draft.quantity ?? 1),
    tax_rates: [],
    test_clock: null,
    customer_account: null,
  };
}

export function newInvoicePayment(fields: {
  id: string;
  created: number;
  invoice: string;
  currency: string;
  amountRequested: number;
  paymentIntent: string;
}): InvoicePayment {
  return {
    ...fixture('invoice_payment'),
    id: fields.id,
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: fields.amountRequested,
    created: fields.created,
    currency: fields.currency,
    invoice: fields.invoice,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: fields.paymentIntent },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

export function newPaymentIntent(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  description: string | null;
  clientSecret: string;
  metadata?: Record<string, string>;
}): PaymentIntent {
  return {
    ...fixture('payment_intent'),
    id: fields.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: fields.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: fields.clientSecret,
    confirmation_method: 'automatic',
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    customer_account: null,
  };
}

export function newCharge(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: Customer | null;
  paymentIntent: string | null;
  paymentMethod: PaymentMethod;
  description: string | null;
  succeeded: boolean;
  balanceTransaction: string | null;
  failure: { code: string; message: string; declineCode: string | null } | null;
  metadata?: Record<string, string>;
}): Charge {
  const base = fixture('charge');
  const { refunds: _refunds, ...rest } = base;
  const card = fields.paymentMethod.card;
  const baseCard = base.payment_method_details?.card;
  if (!card || !baseCard) throw new Error('charges need a card payment method');
  const customer = fields.customer;
  const outcome: Charge['outcome'] = fields.succeeded
    ? {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 32,
        seller_message: 'Payment complete.',
        type: 'authorized',
      }
    : {
        advice_code: fields.failure?.code === 'expired_card' ? 'do_not_try_again' : 'try_again_later',
        network_advice_code: null,
        network_decline_code: fields.failure?.code === 'expired_card' ? '54' : '51',
        network_status: 'declined_by_network',
        reason: fields.failure?.declineCode ?? fields.failure?.code ?? 'generic_decline',
        risk_level: 'normal',
        risk_score: 32,
        seller_message:
          fields.failure?.declineCode && fields.failure.declineCode !== 'generic_decline'
            ? `The bank returned the decline code \`${fields.failure.declineCode}\`.`
            : 'The bank did not return any further details with this decline.',
        type: 'issuer_declined',
      };
  return {
    ...rest,
    id: fields.id,
    object: 'charge',
    amount: fields.amount,
    amount_captured: fields.succeeded ? fields.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: fields.balanceTransaction,
    billing_details: {
      address: customer?.address ?? blankAddress(),
      email: customer?.email ?? null,
      name: customer?.name ?? null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'FRONTLINE',
    captured: fields.succeeded,
    created: fields.created,
    currency: fields.currency,
    customer: customer?.id ?? null,
    description: fields.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: fields.failure?.code ?? null,
    failure_message: fields.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: fields.metadata ?? {},
    on_behalf_of: null,
    outcome,
    paid: fields.succeeded,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod.id,
    payment_method_details: {
      type: 'card',
      card: {
        ...baseCard,
        amount_authorized: fields.succeeded ? fields.amount : null,
        authorization_code: fields.succeeded ? '123456' : null,
        brand: card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: card.country,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        fingerprint: card.fingerprint,
        funding: card.funding,
        installments: null,
        last4: card.last4,
        mandate: null,
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: fields.succeeded ? '104557651805572' : null,
        overcapture: { maximum_amount_capturable: fields.amount, status: 'unavailable' },
        three_d_secure: null,
        wallet: null,
      },
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: `/receipts/${fields.id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: fields.succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

export function newRefund(fields: {
  id: string;
  created: number;
  charge: Charge;
  amount: number;
  reason: Refund['reason'];
  balanceTransaction: string;
  metadata?: Record<string, string>;
}): Refund {
  return {
    ...fixture('refund'),
    id: fields.id,
    object: 'refund',
    amount: fields.amount,
    balance_transaction: fields.balanceTransaction,
    charge: fields.charge.id,
    created: fields.created,
    currency: fields.charge.currency,
    destination_details: {
      type: 'card',
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata: fields.metadata ?? {},
    payment_intent: fields.charge.payment_intent,
    reason: fields.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
    customer: fields.charge.customer,
    customer_account: null,
    payment_method: fields.charge.payment_method,
  };
}

export function newBalanceTransaction(fields: {
  id: string;
  created: number;
  customer: string;
  amount: number;
  currency: string;
  endingBalance: number;
  description: string | null;
  type: CustomerBalanceTransaction['type'];
  invoice?: string | null;
  metadata?: Record<string, string>;
}): CustomerBalanceTransaction {
  return {
    ...fixture('customer_balance_transaction'),
    id: fields.id,
    object: 'customer_balance_transaction',
    amount: fields.amount,
    created: fields.created,
    credit_note: null,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    ending_balance: fields.endingBalance,
    invoice: fields.invoice ?? null,
    livemode: false,
    metadata: fields.metadata ?? {},
    type: fields.type,
    checkout_session: null,
    customer_account: null,
  };
}

export function newPortalSession(fields: {
  id: string;
  created: number;
  customer: string;
  configuration: string;
  returnUrl: string | null;
  url: string;
  locale: string | null;
}): PortalSession {
  return {
    ...fixture('billing_portal.session'),
    id: fields.id,
    object: 'billing_portal.session',
    configuration: fields.configuration,
    created: fields.created,
    customer: fields.customer,
    flow: null,
    livemode: false,
    locale: (fields.locale ?? null) as PortalSession['locale'],
    on_behalf_of: null,
    return_url: fields.returnUrl,
    url: fields.url,
    customer_account: null,
  };
}
