import { addInterval, formatDay, formatMoney, type Interval } from './calendar.js';
import { type FakeEnv, previousAttributes } from './env.js';
import { cardError, describeDecline, invalidParam, invalidRequest, noSuch } from './errors.js';
import {
  type CardInput,
  type LineDraft,
  newBalanceTransaction,
  newCharge,
  newDiscount,
  newInvoice,
  newInvoiceItem,
  newInvoicePayment,
  newLineItem,
  newPaymentIntent,
  newPaymentMethod,
  newRefund,
  newSubscription,
  newSubscriptionItem,
  planOf,
} from './objects.js';
import { chargeFor, describeRate, exactCharge, isMetered, scaledToNumber } from './pricing.js';
import { enterScheduledPhase } from './schedules.js';
import {
  type CardDecline,
  type Charge,
  type Coupon,
  type Customer,
  type CustomerBalanceTransaction,
  type Discount,
  type Invoice,
  type InvoiceLineItem,
  idOf,
  type JsonObject,
  type PaymentIntent,
  type PaymentMethod,
  type Price,
  type Refund,
  type Subscription,
  type SubscriptionItem,
} from './types.js';

/** How a payment attempt should end regardless of the card (seeding uses this to write history). */
export type ForcedOutcome = 'succeed' | CardDecline;

export interface PaymentResult {
  ok: boolean;
  charge: Charge | null;
  paymentIntent: PaymentIntent | null;
  decline: CardDecline | null;
}

export interface ItemChange {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

export interface SubscriptionChanges {
  items?: ItemChange[];
  prorationBehavior?: ProrationBehavior;
  prorationDate?: number;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  pauseCollection?: Subscription['pause_collection'];
  trialEnd?: number | 'now';
  coupons?: Coupon[] | null;
  /** With `coupons`: discounts the subscription has that stay (by id); the others end. */
  keepDiscounts?: string[];
  metadata?: (current: Record<string, string>) => Record<string, string>;
  defaultPaymentMethod?: string | null;
  description?: string | null;
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  daysUntilDue?: number | null;
  cancellationDetails?: { comment?: string | null; feedback?: string | null };
  outcome?: ForcedOutcome;
}

export interface NewSubscription {
  id?: string;
  customer: Customer;
  items: Array<{ price: Price; quantity: number; metadata?: Record<string, string>; id?: string }>;
  trialEnd?: number | null;
  coupons?: Coupon[];
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  daysUntilDue?: number | null;
  description?: string | null;
  cancelAtPeriodEnd?: boolean;
  /** What happens when the trial ends without a payment method (Stripe's default: invoice anyway). */
  trialEndBehavior?: 'create_invoice' | 'pause' | 'cancel';
  paymentBehavior?:
    | 'allow_incomplete'
    | 'default_incomplete'
    | 'error_if_incomplete'
    | 'pending_if_incomplete';
  /** `leave_open`: finalize the first invoice but do not try to charge it. */
  outcome?: ForcedOutcome | 'leave_open';
}

interface PlannedItem {
  existing: SubscriptionItem | null;
  price: Price;
  quantity: number;
  metadata: Record<string, string>;
  deleted: boolean;
}

interface ImmediateInvoice {
  lines: LineDraft[];
  reason: Invoice['billing_reason'];
  period: { start: number; end: number };
}

const SMART_RETRY_DAYS = [3, 5, 7];

/** Rounds half away from zero, as Stripe rounds prorations and percentage discounts. */
function round(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/**
 * The billing rules of the fake, shared by the HTTP handlers and the seeding builder. Every method takes the time it
 * happens at (`at`, unix seconds) so seeding can write backdated history with the same code the API uses.
 */
export class Billing {
  constructor(private readonly env: FakeEnv) {}

  private get state() {
    return this.env.state;
  }

  // ---------------------------------------------------------------- lookups

  customer(id: string, param?: string): Customer {
    const found = this.state.customers.get(id);
    if (!found) throw noSuch('customer', id, param);
    return found;
  }

  price(id: string, param?: string): Price {
    const found = this.state.prices.get(id);
    if (!found) throw noSuch('price', id, param);
    return found;
  }

  coupon(id: string, param?: string): Coupon {
    const found = this.state.coupons.get(id);
    if (!found) throw noSuch('coupon', id, param);
    return found;
  }

  subscription(id: string, param?: string): Subscription {
    const found = this.state.subscriptions.get(id);
    if (!found) throw noSuch('subscription', id, param);
    return found;
  }

  invoice(id: string, param?: string): Invoice {
    const found = this.state.invoices.get(id);
    if (!found) throw noSuch('invoice', id, param);
    return found;
  }

  charge(id: string, param?: string): Charge {
    const found = this.state.charges.get(id);
    if (!found) throw noSuch('charge', id, param);
    return found;
  }

  paymentMethod(id: string, param?: string): PaymentMethod {
    const found = this.state.paymentMethods.get(id);
    if (!found) throw noSuch('PaymentMethod', id, param);
    return found;
  }

  productName(price: Price): string {
    const product = this.state.products.get(idOf(price.product) ?? '');
    return product?.name ?? price.nickname ?? price.id;
  }

  itemsOf(subscription: Subscription): SubscriptionItem[] {
    return [...this.state.subscriptionItems.values()]
      .filter((item) => item.subscription === subscription.id)
      .sort((a, b) => a.created - b.created);
  }

  /** The subscription's current period (all its items share it). */
  periodOf(subscription: Subscription): { start: number; end: number } {
    const first = this.itemsOf(subscription)[0];
    if (!first) return { start: subscription.billing_cycle_anchor, end: subscription.billing_cycle_anchor };
    return { start: first.current_period_start, end: first.current_period_end };
  }

  activeDiscounts(subscription: Subscription, at: number): Discount[] {
    return subscription.discounts
      .map((entry) => this.state.discounts.get(idOf(entry) ?? ''))
      .filter(
        (discount): discount is Discount =>
          discount !== undefined && (discount.end === null || discount.end > at),
      );
  }

  // ---------------------------------------------------------------- customers and cards

  /** Sets the customer's currency the first time something is billed in one, as Stripe does. */
  adoptCurrency(customer: Customer, currency: string, at: number): void {
    if (customer.currency) {
      if (customer.currency !== currency) {
        throw invalidRequest(
          `A customer is billed in one currency; this customer already uses ${customer.currency}.`,
          { param: 'currency' },
        );
      }
      return;
    }
    this.env.update('customer.updated', customer, (c) => (c.currency = currency), at);
  }

  addPaymentMethod(fields: {
    id?: string;
    customer: Customer | null;
    card: CardInput;
    decline?: CardDecline | null;
    makeDefault?: boolean;
    metadata?: Record<string, string>;
    at: number;
  }): PaymentMethod {
    const { customer, at } = fields;
    const id = fields.id ?? this.env.ids.next('pm', 24);
    const fingerprint = fields.card.fingerprint ?? `fp${id.slice(-14)}`;
    const method = newPaymentMethod({
      id,
      created: at,
      customer: customer?.id ?? null,
      card: { ...fields.card, fingerprint: fingerprint.slice(0, 16) },
      billing: { name: customer?.name ?? null, email: customer?.email ?? null, address: customer?.address },
      metadata: fields.metadata,
    });
    this.state.paymentMethods.set(method.id, method);
    if (fields.decline) this.state.declines.set(method.id, fields.decline);
    if (!customer) return method;
    this.env.emit('payment_method.attached', this.env.render(method), at);
    if (fields.makeDefault ?? true) {
      this.env.update(
        'customer.updated',
        customer,
        (c) => (c.invoice_settings = { ...c.invoice_settings, default_payment_method: method.id }),
        at,
      );
    }
    return method;
  }

  defaultPaymentMethodFor(customer: Customer, subscription?: Subscription | null, invoice?: Invoice | null) {
    const id =
      idOf(invoice?.default_payment_method) ??
      idOf(subscription?.default_payment_method) ??
      idOf(customer.invoice_settings.default_payment_method);
    return id ? (this.state.paymentMethods.get(id) ?? null) : null;
  }

  /** Why a card would decline now: a decline set on it, or its expiry. */
  declineFor(method: PaymentMethod, at: number): CardDecline | null {
    const marked = this.state.declines.get(method.id);
    if (marked) return marked;
    const card = method.card;
    if (card) {
      const expiry = Date.UTC(card.exp_year, card.exp_month, 1) / 1000;
      if (at >= expiry) return { code: 'expired_card' };
    }
    return null;
  }

  addBalanceTransaction(fields: {
    customer: Customer;
    amount: number;
    currency: string;
    description?: string | null;
    metadata?: Record<string, string>;
    type?: CustomerBalanceTransaction['type'];
    invoice?: string | null;
    at: number;
  }): CustomerBalanceTransaction {
    const { customer, at } = fields;
    this.adoptCurrency(customer, fields.currency, at);
    const ending = customer.balance + fields.amount;
    const transaction = newBalanceTransaction({
      id: this.env.ids.next('cbtxn', 24),
      created: at,
      customer: customer.id,
      amount: fields.amount,
      currency: fields.currency,
      endingBalance: ending,
      description: fields.description ?? null,
      type: fields.type ?? 'adjustment',
      invoice: fields.invoice ?? null,
      metadata: fields.metadata,
    });
    this.state.balanceTransactions.set(transaction.id, transaction);
    this.env.emit('customer.balance_transaction.created', this.env.render(transaction), at);
    this.env.update('customer.updated', customer, (c) => (c.balance = ending), at);
    return transaction;
  }

  // ---------------------------------------------------------------- invoices

  /** A line for one period of a subscription item. */
  periodLine(
    subscription: Subscription,
    item: { id: string; price: Price; quantity?: number | null },
    period: { start: number; end: number },
    trial = false,
  ): LineDraft {
    const name = this.productName(item.price);
    // A metered item bills the usage reported for a period, in arrears. The fake records no usage, so a metered
    // item's line has a quantity of 0 and bills nothing (not even a tiered price's flat amounts).
    const metered = isMetered(item.price);
    const quantity = metered ? 0 : (item.quantity ?? 1);
    const interval = item.price.recurring?.interval ?? 'month';
    return {
      description: trial
        ? `Trial period for ${name}`
        : `${quantity} × ${name} (${describeRate(item.price, quantity)} / ${interval})`,
      amount: trial || metered ? 0 : chargeFor(item.price, quantity),
      currency: item.price.currency,
      quantity,
      price: item.price,
      period,
      proration: false,
      subscription: subscription.id,
      subscriptionItem: item.id,
      invoiceItem: null,
      discountable: true,
    };
  }

  private pendingItemsFor(customer: string, subscription: string | null): LineDraft[] {
    return [...this.state.invoiceItems.values()]
      .filter(
        (item) =>
          item.customer === customer &&
          item.invoice === null &&
          (subscription === null ||
            idOf(item.parent?.subscription_details?.subscription) === subscription ||
            !item.parent),
      )
      .sort((a, b) => a.date - b.date)
      .map((item) => this.draftFromInvoiceItem(item.id));
  }

  private draftFromInvoiceItem(id: string): LineDraft {
    const item = this.state.invoiceItems.get(id);
    if (!item) throw noSuch('invoiceitem', id);
    const priceId = idOf(item.pricing?.price_details?.price ?? null);
    const subscription = idOf(item.parent?.subscription_details?.subscription ?? null);
    const subscriptionItem = item.parent?.subscription_details?.subscription_item ?? null;
    return {
      description: item.description ?? '',
      amount: item.amount,
      currency: item.currency,
      quantity: item.quantity,
      price: priceId ? (this.state.prices.get(priceId) ?? null) : null,
      period: item.period,
      proration: item.proration,
      subscription,
      subscriptionItem,
      invoiceItem: item.id,
      discountable: item.discountable,
      metadata: item.metadata ?? {},
    };
  }

  /** Stores a pending invoice item (or adds it to a draft invoice). */
  addInvoiceItem(customer: Customer, draft: LineDraft, at: number, invoice: Invoice | null = null) {
    const item = newInvoiceItem({
      id: this.env.ids.next('ii', 24),
      created: at,
      customer: customer.id,
      draft,
      invoice: invoice?.id ?? null,
    });
    this.state.invoiceItems.set(item.id, item);
    this.env.emit('invoiceitem.created', this.env.render(item), at);
    if (invoice) {
      if (invoice.status !== 'draft')
        throw invalidRequest('Invoice items can only be added to draft invoices.');
      this.env.update(
        'invoice.updated',
        invoice,
        (inv) => {
          inv.lines.data.push(
            newLineItem(this.env.ids.next('il', 24), inv.id, { ...draft, invoiceItem: item.id }),
          );
          this.computeTotals(inv, this.customer(String(inv.customer)), this.discountsOfInvoice(inv));
        },
        at,
      );
    }
    return item;
  }

  private discountsOfInvoice(invoice: Invoice): Discount[] {
    return invoice.discounts
      .map((entry) => this.state.discounts.get(idOf(entry) ?? ''))
      .filter((discount): discount is Discount => discount !== undefined);
  }

  /**
   * Fills the money fields of an invoice from its lines, its discounts, and the customer's balance (credit is
   * applied, debit is added, as at finalization).
   */
  computeTotals(invoice: Invoice, customer: Customer, discounts: Discount[]): void {
    const lines = invoice.lines.data;
    for (const line of lines) line.discount_amounts = [];
    const totalDiscounts: Array<{ amount: number; discount: string }> = [];
    for (const discount of discounts) {
      const coupon = this.state.coupons.get(idOf(discount.source.coupon) ?? '');
      if (!coupon) continue;
      let sum = 0;
      if (coupon.percent_off) {
        for (const line of lines) {
          if (!line.discountable) continue;
          const amount = round((line.amount * coupon.percent_off) / 100);
          line.discount_amounts?.push({ amount, discount: discount.id });
          sum += amount;
        }
      } else if (coupon.amount_off) {
        const positive = lines.filter((line) => line.discountable && line.amount > 0);
        const base = positive.reduce((total, line) => total + line.amount, 0);
        const already = totalDiscounts.reduce((total, entry) => total + entry.amount, 0);
        const available = Math.max(0, Math.min(coupon.amount_off, base - already));
        let left = available;
        positive.forEach((line, index) => {
          const share = index === positive.length - 1 ? left : Math.floor((available * line.amount) / base);
          left -= share;
          line.discount_amounts?.push({ amount: share, discount: discount.id });
        });
        sum = available;
      }
      totalDiscounts.push({ amount: sum, discount: discount.id });
    }
    const subtotal = lines.reduce((total, line) => total + line.amount, 0);
    const discountTotal = totalDiscounts.reduce((total, entry) => total + entry.amount, 0);
    const total = subtotal - discountTotal;
    invoice.discounts = discounts.map((discount) => discount.id);
    invoice.subtotal = subtotal;
    invoice.subtotal_excluding_tax = subtotal;
    invoice.total_discount_amounts = totalDiscounts;
    invoice.total = total;
    invoice.total_excluding_tax = total;
    invoice.total_taxes = [];
    const balance = invoice.status === 'draft' ? customer.balance : invoice.starting_balance;
    const { amountDue } = applyBalance(total, balance);
    invoice.starting_balance = balance;
    invoice.amount_due = amountDue;
    invoice.amount_remaining = Math.max(0, amountDue - invoice.amount_paid);
  }

  createInvoice(fields: {
    customer: Customer;
    subscription?: Subscription | null;
    lines: LineDraft[];
    billingReason: Invoice['billing_reason'];
    at: number;
    periodStart?: number;
    periodEnd?: number;
    currency?: string;
    collectionMethod?: 'charge_automatically' | 'send_invoice';
    daysUntilDue?: number | null;
    description?: string | null;
    metadata?: Record<string, string>;
    autoAdvance?: boolean;
    defaultPaymentMethod?: string | null;
    discounts?: Discount[];
  }): Invoice {
    const { customer, subscription, at } = fields;
    const currency = fields.currency ?? fields.lines[0]?.currency ?? customer.currency ?? 'usd';
    this.adoptCurrency(customer, currency, at);
    const invoice = newInvoice({
      id: this.env.ids.next('in', 24),
      created: at,
      customer,
      currency,
      billingReason: fields.billingReason,
      collectionMethod: fields.collectionMethod ?? subscription?.collection_method ?? 'charge_automatically',
      periodStart: fields.periodStart ?? at,
      periodEnd: fields.periodEnd ?? at,
      subscription: subscription ? { id: subscription.id, metadata: subscription.metadata } : null,
      description: fields.description,
      metadata: fields.metadata,
      autoAdvance: fields.autoAdvance ?? subscription !== undefined,
      daysUntilDue: fields.daysUntilDue,
      defaultPaymentMethod: fields.defaultPaymentMethod,
    });
    invoice.automatically_finalizes_at = invoice.auto_advance ? at + 3600 : null;
    const daysUntilDue = fields.daysUntilDue ?? subscription?.days_until_due ?? null;
    if (invoice.collection_method === 'send_invoice' && daysUntilDue !== null) {
      invoice.due_date = at + daysUntilDue * 86_400;
    }
    invoice.lines.data = fields.lines.map((draft) => {
      const line = newLineItem(this.env.ids.next('il', 24), invoice.id, draft);
      if (draft.invoiceItem) {
        const item = this.state.invoiceItems.get(draft.invoiceItem);
        if (item) item.invoice = invoice.id;
      }
      return line;
    });
    const discounts = fields.discounts ?? (subscription ? this.activeDiscounts(subscription, at) : []);
    this.computeTotals(invoice, customer, discounts);
    this.state.invoices.set(invoice.id, invoice);
    this.env.emit('invoice.created', this.env.render(invoice), at);
    if (subscription) {
      for (const discount of discounts) {
        const coupon = this.state.coupons.get(idOf(discount.source.coupon) ?? '');
        if (coupon?.duration === 'once' && discount.subscription === subscription.id) discount.end = at;
      }
      this.env.update(
        'customer.subscription.updated',
        subscription,
        (s) => (s.latest_invoice = invoice.id),
        at,
      );
    }
    return invoice;
  }

  finalizeInvoice(invoice: Invoice, at: number): Invoice {
    if (invoice.status !== 'draft') {
      throw invalidRequest(`Only draft invoices can be finalized; this one is ${invoice.status}.`, {
        code: 'invoice_not_editable',
      });
    }
    const customer = this.customer(String(invoice.customer));
    this.env.update(
      'invoice.updated',
      invoice,
      (inv) => {
        this.computeTotals(inv, customer, this.discountsOfInvoice(inv));
        const { amountDue, endingBalance } = applyBalance(inv.total, customer.balance);
        inv.starting_balance = customer.balance;
        inv.ending_balance = endingBalance;
        inv.amount_due = amountDue;
        inv.amount_remaining = amountDue - inv.amount_paid;
        const sequence = customer.next_invoice_sequence ?? 1;
        inv.number = `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
        inv.status = 'open';
        inv.status_transitions = { ...inv.status_transitions, finalized_at: at };
        inv.effective_at = at;
        inv.automatically_finalizes_at = null;
        inv.hosted_invoice_url = `/invoices/${inv.id}`;
        inv.invoice_pdf = `/invoices/${inv.id}/pdf`;
        inv.customer_email = customer.email;
        inv.customer_name = customer.name ?? null;
        inv.customer_address = customer.address ?? null;
        inv.customer_phone = customer.phone ?? null;
      },
      at,
    );
    customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 1) + 1;
    const used = (invoice.ending_balance ?? customer.balance) - customer.balance;
    if (used !== 0) {
      this.addBalanceTransaction({
        customer,
        amount: used,
        currency: invoice.currency,
        type: 'applied_to_invoice',
        invoice: invoice.id,
        at,
      });
    }
    this.env.emit('invoice.finalized', this.env.render(invoice), at);
    if (invoice.amount_due === 0) this.markPaid(invoice, at);
    return invoice;
  }

  markPaid(invoice: Invoice, at: number, paidOutOfBand = false): void {
    const amount = invoice.amount_remaining;
    this.env.update(
      'invoice.updated',
      invoice,
      (inv) => {
        inv.amount_paid += amount;
        if (paidOutOfBand) inv.amount_paid_off_stripe = (inv.amount_paid_off_stripe ?? 0) + amount;
        inv.amount_remaining = 0;
        inv.status = 'paid';
        inv.status_transitions = { ...inv.status_transitions, paid_at: at };
        inv.next_payment_attempt = null;
      },
      at,
    );
    this.env.emit('invoice.paid', this.env.render(invoice), at);
    this.env.emit('invoice.payment_succeeded', this.env.render(invoice), at);
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription ?? null);
    const subscription = subscriptionId ? this.state.subscriptions.get(subscriptionId) : undefined;
    if (subscription && ['past_due', 'incomplete', 'unpaid'].includes(subscription.status)) {
      const stillUnpaid = [...this.state.invoices.values()].some(
        (other) =>
          other.id !== invoice.id &&
          other.status === 'open' &&
          idOf(other.parent?.subscription_details?.subscription ?? null) === subscription.id,
      );
      if (!stillUnpaid) {
        const trialing = subscription.trial_end !== null && subscription.trial_end > at;
        this.env.update(
          'customer.subscription.updated',
          subscription,
          (s) => (s.status = trialing ? 'trialing' : 'active'),
          at,
        );
      }
    }
    const customer = this.state.customers.get(String(invoice.customer));
    if (customer?.delinquent) {
      const stillOpen = [...this.state.invoices.values()].some(
        (other) => other.customer === customer.id && other.status === 'open' && other.attempt_count > 0,
      );
      if (!stillOpen) this.env.update('customer.updated', customer, (c) => (c.delinquent = false), at);
    }
  }

  voidInvoice(invoice: Invoice, at: number): void {
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw invalidRequest(
        `You can only void an open or uncollectible invoice; this invoice is ${invoice.status}.`,
        {
          code: 'invoice_not_editable',
        },
      );
    }
    this.env.update(
      'invoice.updated',
      invoice,
      (inv) => {
        inv.status = 'void';
        inv.amount_remaining = 0;
        inv.next_payment_attempt = null;
        inv.status_transitions = { ...inv.status_transitions, voided_at: at };
      },
      at,
    );
    for (const payment of this.state.invoicePayments.values()) {
      if (payment.invoice === invoice.id && payment.status === 'open') {
        payment.status = 'canceled';
        payment.status_transitions = { ...payment.status_transitions, canceled_at: at };
        const intent = this.state.paymentIntents.get(idOf(payment.payment.payment_intent ?? null) ?? '');
        if (intent) {
          intent.status = 'canceled';
          intent.canceled_at = at;
        }
      }
    }
    this.env.emit('invoice.voided', this.env.render(invoice), at);
  }

  markUncollectible(invoice: Invoice, at: number): void {
    if (invoice.status !== 'open')
      throw invalidRequest('You can only mark an open invoice as uncollectible.');
    this.env.update(
      'invoice.updated',
      invoice,
      (inv) => {
        inv.status = 'uncollectible';
        inv.next_payment_attempt = null;
        inv.status_transitions = { ...inv.status_transitions, marked_uncollectible_at: at };
      },
      at,
    );
    this.env.emit('invoice.marked_uncollectible', this.env.render(invoice), at);
  }

  private invoiceIntent(invoice: Invoice): PaymentIntent | null {
    for (const payment of this.state.invoicePayments.values()) {
      if (payment.invoice === invoice.id && payment.is_default && payment.status === 'open') {
        return this.state.paymentIntents.get(idOf(payment.payment.payment_intent ?? null) ?? '') ?? null;
      }
    }
    return null;
  }

  private chargeDescription(invoice: Invoice): string {
    switch (invoice.billing_reason) {
      case 'subscription_create':
        return 'Subscription creation';
      case 'subscription_cycle':
        return 'Subscription cycle';
      case 'subscription_update':
        return 'Subscription update';
      default:
        return invoice.description ?? `Invoice ${invoice.number ?? invoice.id}`;
    }
  }

  /**
   * Charges an open invoice's remaining amount to a card: the given one, else the invoice's, the subscription's or
   * the customer's default. The invoice keeps one PaymentIntent (and one invoice payment) across attempts; every
   * attempt adds a charge to it, as Stripe's retries do.
   */
  payInvoice(
    invoice: Invoice,
    at: number,
    options: { paymentMethod?: PaymentMethod | null; outcome?: ForcedOutcome } = {},
  ): PaymentResult {
    if (invoice.status !== 'open') {
      throw invalidRequest(`Invoice is already ${invoice.status}`, { code: 'invoice_not_open' });
    }
    if (invoice.amount_remaining <= 0) {
      this.markPaid(invoice, at);
      return { ok: true, charge: null, paymentIntent: null, decline: null };
    }
    const customer = this.customer(String(invoice.customer));
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription ?? null);
    const subscription = subscriptionId ? (this.state.subscriptions.get(subscriptionId) ?? null) : null;
    const method = options.paymentMethod ?? this.defaultPaymentMethodFor(customer, subscription, invoice);
    if (!method) {
      throw invalidRequest('The customer has no default payment method to charge.', {
        code: 'invoice_no_payment_method_types',
      });
    }
    const amount = invoice.amount_remaining;
    let intent = this.invoiceIntent(invoice);
    if (!intent) {
      intent = newPaymentIntent({
        id: this.env.ids.next('pi', 24),
        created: at,
        amount,
        currency: invoice.currency,
        customer: customer.id,
        paymentMethod: method.id,
        description: this.chargeDescription(invoice),
        clientSecret: '',
      });
      intent.client_secret = `${intent.id}_secret_${this.env.ids.token(25)}`;
      this.state.paymentIntents.set(intent.id, intent);
      const payment = newInvoicePayment({
        id: this.env.ids.next('inpay', 24),
        created: at,
        invoice: invoice.id,
        currency: invoice.currency,
        amountRequested: amount,
        paymentIntent: intent.id,
      });
      this.state.invoicePayments.set(payment.id, payment);
      this.env.emit('payment_intent.created', this.env.render(intent), at);
    }
    const result = this.chargeIntent(intent, customer, method, amount, at, options.outcome);
    if (result.ok) {
      for (const payment of this.state.invoicePayments.values()) {
        if (payment.invoice === invoice.id && idOf(payment.payment.payment_intent ?? null) === intent.id) {
          payment.status = 'paid';
          payment.amount_paid = amount;
          payment.status_transitions = { ...payment.status_transitions, paid_at: at };
          this.env.emit('invoice_payment.paid', this.env.render(payment), at);
        }
      }
      this.env.update(
        'invoice.updated',
        invoice,
        (inv) => {
          inv.attempt_count += 1;
          inv.attempted = true;
        },
        at,
      );
      this.markPaid(invoice, at);
      return result;
    }
    this.env.update(
      'invoice.updated',
      invoice,
      (inv) => {
        inv.attempt_count += 1;
        inv.attempted = true;
        const wait = SMART_RETRY_DAYS[inv.attempt_count - 1];
        inv.next_payment_attempt =
          wait !== undefined && inv.collection_method === 'charge_automatically' ? at + wait * 86_400 : null;
      },
      at,
    );
    this.env.emit('invoice.payment_failed', this.env.render(invoice), at);
    if (subscription && (subscription.status === 'active' || subscription.status === 'trialing')) {
      if (invoice.billing_reason !== 'subscription_create') {
        this.env.update('customer.subscription.updated', subscription, (s) => (s.status = 'past_due'), at);
      }
    }
    if (!customer.delinquent) this.env.update('customer.updated', customer, (c) => (c.delinquent = true), at);
    return result;
  }

  /** One charge attempt on a PaymentIntent. */
  private chargeIntent(
    intent: PaymentIntent,
    customer: Customer | null,
    method: PaymentMethod,
    amount: number,
    at: number,
    outcome?: ForcedOutcome,
  ): PaymentResult {
    const decline = outcome === 'succeed' ? null : (outcome ?? this.declineFor(method, at));
    const described = decline ? describeDecline(decline) : null;
    const charge = newCharge({
      id: this.env.ids.next('ch', 24),
      created: at,
      amount,
      currency: intent.currency,
      customer,
      paymentIntent: intent.id,
      paymentMethod: method,
      description: intent.description,
      succeeded: decline === null,
      balanceTransaction: decline ? null : this.env.ids.next('txn', 24),
      failure: described
        ? { code: described.code, message: described.message, declineCode: described.decline_code ?? null }
        : null,
    });
    this.state.charges.set(charge.id, charge);
    intent.payment_method = method.id;
    intent.latest_charge = charge.id;
    intent.amount = amount;
    if (described) {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'card_error',
        code: described.code,
        decline_code: described.decline_code,
        message: described.message,
        charge: charge.id,
        doc_url: `https://stripe.com/docs/error-codes/${described.code.replace(/_/g, '-')}`,
        payment_method: structuredClone(method),
      };
      this.env.emit('charge.failed', this.env.render(charge), at);
      this.env.emit('payment_intent.payment_failed', this.env.render(intent), at);
      return { ok: false, charge, paymentIntent: intent, decline: described };
    }
    intent.status = 'succeeded';
    intent.amount_received = amount;
    intent.last_payment_error = null;
    this.env.emit('charge.succeeded', this.env.render(charge), at);
    this.env.emit('payment_intent.succeeded', this.env.render(intent), at);
    return { ok: true, charge, paymentIntent: intent, decline: null };
  }

  /** A payment outside any invoice (a one-off PaymentIntent confirmed with a saved card). */
  chargeCustomer(fields: {
    customer: Customer;
    amount: number;
    currency: string;
    description: string | null;
    paymentMethod?: PaymentMethod | null;
    outcome?: ForcedOutcome;
    metadata?: Record<string, string>;
    at: number;
  }): PaymentResult {
    const { customer, at } = fields;
    const method = fields.paymentMethod ?? this.defaultPaymentMethodFor(customer);
    if (!method) throw invalidRequest('The customer has no default payment method.');
    const intent = newPaymentIntent({
      id: this.env.ids.next('pi', 24),
      created: at,
      amount: fields.amount,
      currency: fields.currency,
      customer: customer.id,
      paymentMethod: method.id,
      description: fields.description,
      clientSecret: '',
      metadata: fields.metadata,
    });
    intent.client_secret = `${intent.id}_secret_${this.env.ids.token(25)}`;
    this.state.paymentIntents.set(intent.id, intent);
    this.env.emit('payment_intent.created', this.env.render(intent), at);
    return this.chargeIntent(intent, customer, method, fields.amount, at, fields.outcome);
  }

  // ---------------------------------------------------------------- refunds

  refund(fields: {
    charge: Charge;
    amount?: number;
    reason?: Refund['reason'];
    metadata?: Record<string, string>;
    at: number;
  }): Refund {
    const { charge, at } = fields;
    if (charge.status !== 'succeeded') {
      throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, {
        code: 'charge_not_refundable',
      });
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    const amount = fields.amount ?? remaining;
    if (amount <= 0) throw invalidParam('amount', 'Invalid positive integer', 'parameter_invalid_integer');
    if (amount > remaining) {
      throw invalidRequest(
        `Refund amount (${formatMoney(amount, charge.currency)}) exceeds what is left to refund on the charge (${formatMoney(remaining, charge.currency)})`,
        { param: 'amount', code: 'amount_too_large' },
      );
    }
    const refund = newRefund({
      id: this.env.ids.next('re', 24),
      created: at,
      charge,
      amount,
      reason: fields.reason ?? null,
      balanceTransaction: this.env.ids.next('txn', 24),
      metadata: fields.metadata,
    });
    this.state.refunds.set(refund.id, refund);
    this.env.emit('refund.created', this.env.render(refund), at);
    const before = this.env.render(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    const after = this.env.render(charge);
    this.env.emit('charge.refunded', after, at, {
      amount_refunded: before.amount_refunded,
      ...(before.refunded !== after.refunded ? { refunded: before.refunded } : {}),
    });
    return refund;
  }

  // ---------------------------------------------------------------- subscriptions

  /**
   * Gives a subscription the discounts a schedule phase names as it begins: an existing discount is kept, a coupon
   * is applied anew; what the phase does not name is gone (as in Stripe, where phases replace the discounts).
   */
  setPhaseDiscounts(
    subscription: Subscription,
    entries: ReadonlyArray<{ coupon?: string | null; discount?: string | null }>,
    at: number,
  ): void {
    const kept = entries
      .map((entry) => entry.discount)
      .filter((id): id is string => typeof id === 'string' && this.state.discounts.has(id));
    const coupons = entries
      .filter((entry) => !entry.discount && entry.coupon)
      .map((entry) => this.coupon(String(entry.coupon)));
    const current = subscription.discounts.map((entry) => idOf(entry) ?? '');
    if (coupons.length === 0 && kept.length === current.length && kept.every((id, i) => id === current[i]))
      return;
    const customer = this.customer(String(subscription.customer));
    this.env.update(
      'customer.subscription.updated',
      subscription,
      (sub) => (sub.discounts = this.replaceDiscounts(sub, customer, kept, coupons, at)),
      at,
    );
  }

  /** A subscription's discounts from now: those kept stay, the others end, the coupons are applied anew. */
  private replaceDiscounts(
    subscription: Subscription,
    customer: Customer,
    keep: readonly string[],
    coupons: Coupon[],
    at: number,
  ): string[] {
    for (const entry of subscription.discounts) {
      const discount = this.state.discounts.get(idOf(entry) ?? '');
      if (discount && discount.end === null && !keep.includes(discount.id)) discount.end = at;
    }
    return [...keep, ...this.attachCoupons(subscription, customer, coupons, at)];
  }

  private attachCoupons(
    subscription: Subscription,
    customer: Customer,
    coupons: Coupon[],
    at: number,
  ): string[] {
    return coupons.map((coupon) => {
      if (!coupon.valid)
        throw invalidRequest(`Coupon ${coupon.id} is no longer valid.`, { code: 'coupon_expired' });
      const end =
        coupon.duration === 'repeating' && coupon.duration_in_months
          ? addInterval(at, 'month', coupon.duration_in_months)
          : null;
      const discount = newDiscount({
        id: this.env.ids.next('di', 24),
        start: at,
        end,
        coupon: coupon.id,
        customer: customer.id,
        subscription: subscription.id,
      });
      this.state.discounts.set(discount.id, discount);
      coupon.times_redeemed += 1;
      if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)
        coupon.valid = false;
      return discount.id;
    });
  }

  private checkUniform(
    prices: Price[],
    customer: Customer,
  ): { interval: Interval; intervalCount: number; currency: string } {
    const first = prices[0];
    if (!first) throw invalidRequest('A subscription needs at least one item.', { param: 'items' });
    for (const price of prices) {
      if (!price.recurring) {
        throw invalidRequest(`Price ${price.id} is a one-time price; subscriptions need recurring prices.`, {
          param: 'items',
        });
      }
      if (
        price.currency !== first.currency ||
        price.recurring.interval !== first.recurring?.interval ||
        price.recurring.interval_count !== first.recurring?.interval_count
      ) {
        throw invalidRequest('All prices on a subscription must share one currency and billing interval.', {
          param: 'items',
        });
      }
    }
    if (customer.currency && customer.currency !== first.currency) {
      throw invalidRequest(
        `A customer is billed in one currency; this customer already uses ${customer.currency}.`,
        {
          param: 'items',
        },
      );
    }
    return {
      interval: first.recurring?.interval ?? 'month',
      intervalCount: first.recurring?.interval_count ?? 1,
      currency: first.currency,
    };
  }

  createSubscription(input: NewSubscription, at: number): Subscription {
    const { customer } = input;
    const cycle = this.checkUniform(
      input.items.map((item) => item.price),
      customer,
    );
    const trialing = input.trialEnd !== undefined && input.trialEnd !== null && input.trialEnd > at;
    const periodEnd =
      trialing && input.trialEnd ? input.trialEnd : addInterval(at, cycle.interval, cycle.intervalCount);
    if (input.paymentBehavior === 'error_if_incomplete' && !trialing) {
      const method = input.defaultPaymentMethod
        ? this.paymentMethod(input.defaultPaymentMethod)
        : this.defaultPaymentMethodFor(customer);
      const decline = method ? this.declineFor(method, at) : null;
      if (decline) throw cardError(decline, { payment_method: method ? structuredClone(method) : undefined });
    }
    const subscription = newSubscription({
      id: input.id ?? this.env.ids.next('sub', 24),
      created: at,
      customer: customer.id,
      currency: cycle.currency,
      status: trialing ? 'trialing' : 'incomplete',
      billingCycleAnchor: trialing ? periodEnd : at,
      startDate: at,
      trialStart: trialing ? at : null,
      trialEnd: trialing ? (input.trialEnd ?? null) : null,
      collectionMethod: input.collectionMethod,
      daysUntilDue: input.daysUntilDue,
      defaultPaymentMethod: input.defaultPaymentMethod,
      description: input.description,
      metadata: input.metadata,
    });
    if (input.trialEndBehavior) {
      subscription.trial_settings = {
        end_behavior: { billing_cycle_anchor: null, missing_payment_method: input.trialEndBehavior },
      };
    }
    this.state.subscriptions.set(subscription.id, subscription);
    const items = input.items.map((entry) => {
      const item = newSubscriptionItem({
        id: entry.id ?? this.env.ids.next('si', 14),
        created: at,
        subscription: subscription.id,
        price: entry.price,
        quantity: entry.quantity,
        periodStart: at,
        periodEnd,
        metadata: entry.metadata,
      });
      this.state.subscriptionItems.set(item.id, item);
      return item;
    });
    subscription.discounts = this.attachCoupons(subscription, customer, input.coupons ?? [], at);
    if (input.cancelAtPeriodEnd) {
      subscription.cancel_at_period_end = true;
      subscription.cancel_at = periodEnd;
    }
    this.adoptCurrency(customer, cycle.currency, at);
    this.env.emit('customer.subscription.created', this.env.render(subscription), at);

    const lines = items.map((item) =>
      this.periodLine(subscription, item, { start: at, end: periodEnd }, trialing),
    );
    lines.push(...this.pendingItemsFor(customer.id, null));
    const invoice = this.createInvoice({
      customer,
      subscription,
      lines,
      billingReason: 'subscription_create',
      at,
      periodStart: at,
      periodEnd: at,
    });
    this.finalizeInvoice(invoice, at);
    if (invoice.status === 'paid' || subscription.collection_method === 'send_invoice') {
      if (!trialing)
        this.env.update('customer.subscription.updated', subscription, (s) => (s.status = 'active'), at);
      return subscription;
    }
    if (input.paymentBehavior === 'default_incomplete' || input.outcome === 'leave_open') return subscription;
    this.payInvoice(invoice, at, { outcome: input.outcome });
    return subscription;
  }

  /**
   * Works out the item set after `changes`, checking them as Stripe does: existing item ids, prices that exist and
   * recur, and no price twice.
   */
  private planItems(subscription: Subscription, changes: ItemChange[] | undefined): PlannedItem[] {
    const current = this.itemsOf(subscription);
    const planned: PlannedItem[] = current.map((item) => ({
      existing: item,
      price: this.state.prices.get(item.price.id) ?? item.price,
      quantity: item.quantity ?? 1,
      metadata: item.metadata,
      deleted: false,
    }));
    (changes ?? []).forEach((change, index) => {
      const price = change.price ? this.price(change.price, `items[${index}][price]`) : undefined;
      if (change.id) {
        const target = planned.find((entry) => entry.existing?.id === change.id);
        if (!target) throw noSuch('subscription item', change.id, `items[${index}][id]`);
        if (change.deleted) {
          target.deleted = true;
          return;
        }
        if (price) target.price = price;
        if (change.quantity !== undefined) target.quantity = change.quantity;
        if (change.metadata) target.metadata = change.metadata;
        return;
      }
      if (!price)
        throw invalidRequest('You must specify a price for a new subscription item.', {
          param: `items[${index}][price]`,
        });
      planned.push({
        existing: null,
        price,
        quantity: change.quantity ?? 1,
        metadata: change.metadata ?? {},
        deleted: false,
      });
    });
    const live = planned.filter((entry) => !entry.deleted);
    const seen = new Set<string>();
    for (const entry of live) {
      if (seen.has(entry.price.id)) {
        throw invalidRequest('Cannot add multiple subscription items with the same price.', {
          param: 'items',
        });
      }
      seen.add(entry.price.id);
    }
    return planned;
  }

  private prorationLines(
    subscription: Subscription,
    planned: PlannedItem[],
    prorationDate: number,
    period: { start: number; end: number },
    creditOnly = false,
  ): LineDraft[] {
    const length = period.end - period.start;
    if (length <= 0 || prorationDate >= period.end) return [];
    const fraction = (period.end - Math.max(prorationDate, period.start)) / length;
    const date = formatDay(prorationDate);
    const lines: LineDraft[] = [];
    for (const entry of planned) {
      const before = entry.existing;
      const changed =
        !before ||
        entry.deleted ||
        before.price.id !== entry.price.id ||
        (before.quantity ?? 1) !== entry.quantity;
      if (!changed) continue;
      const oldPrice = before ? (this.state.prices.get(before.price.id) ?? before.price) : undefined;
      // Usage (a metered price) is billed in arrears, never prorated.
      if (before && oldPrice && !isMetered(oldPrice)) {
        const quantity = before.quantity ?? 1;
        lines.push({
          description: `Unused time on ${quantity} × ${this.productName(oldPrice)} after ${date}`,
          amount: -round(scaledToNumber(exactCharge(oldPrice, quantity)) * fraction),
          currency: oldPrice.currency,
          quantity,
          price: oldPrice,
          period: { start: prorationDate, end: period.end },
          proration: true,
          subscription: subscription.id,
          subscriptionItem: before.id,
          invoiceItem: null,
          discountable: true,
        });
      }
      if (!entry.deleted && !creditOnly && !isMetered(entry.price)) {
        lines.push({
          description: `Remaining time on ${entry.quantity} × ${this.productName(entry.price)} after ${date}`,
          amount: round(scaledToNumber(exactCharge(entry.price, entry.quantity)) * fraction),
          currency: entry.price.currency,
          quantity: entry.quantity,
          price: entry.price,
          period: { start: prorationDate, end: period.end },
          proration: true,
          subscription: subscription.id,
          subscriptionItem: before?.id ?? '',
          invoiceItem: null,
          discountable: true,
        });
      }
    }
    return lines;
  }

  private intervalChanged(subscription: Subscription, planned: PlannedItem[]): boolean {
    const live = planned.filter((entry) => !entry.deleted);
    const first = this.itemsOf(subscription)[0]?.price;
    const next = live[0]?.price;
    if (!first?.recurring || !next?.recurring) return false;
    return (
      first.recurring.interval !== next.recurring.interval ||
      first.recurring.interval_count !== next.recurring.interval_count
    );
  }

  updateSubscription(subscription: Subscription, changes: SubscriptionChanges, at: number): Subscription {
    if (subscription.status === 'canceled') {
      const allowed = new Set(['metadata', 'cancellationDetails', 'outcome']);
      if (Object.keys(changes).some((key) => !allowed.has(key))) {
        throw invalidRequest('Only metadata and cancellation_details can change on a canceled subscription.');
      }
    }
    const schedule = idOf(subscription.schedule);
    if (schedule && (changes.cancelAtPeriodEnd !== undefined || changes.cancelAt !== undefined)) {
      throw invalidRequest(
        `The subscription is managed by the subscription schedule \`${schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
      );
    }
    const customer = this.customer(String(subscription.customer));
    const planned = changes.items ? this.planItems(subscription, changes.items) : null;
    if (planned) {
      this.checkUniform(
        planned.filter((entry) => !entry.deleted).map((entry) => entry.price),
        { ...customer, currency: null },
      );
      if (planned.every((entry) => entry.deleted)) {
        throw invalidRequest('A subscription must have at least one active item.', { param: 'items' });
      }
    }
    const behavior = changes.prorationBehavior ?? 'create_prorations';
    const prorationDate = changes.prorationDate ?? at;
    const coupons = changes.coupons;
    const current = new Set(subscription.discounts.map((entry) => idOf(entry) ?? ''));
    for (const id of changes.keepDiscounts ?? [])
      if (!current.has(id)) throw invalidRequest(`No such discount: '${id}'`, { param: 'discounts' });
    // Filled in by the change when it must be invoiced at once (always_invoice, a new interval, a trial ended now).
    const immediate: { invoice: ImmediateInvoice | null } = { invoice: null };

    this.env.update(
      'customer.subscription.updated',
      subscription,
      (sub) => {
        if (planned) {
          const period = this.periodOf(sub);
          const billing = sub.status === 'active' || sub.status === 'past_due';
          if (this.intervalChanged(sub, planned)) {
            const live = planned.filter((entry) => !entry.deleted);
            const recurring = live[0]?.price.recurring;
            const end = addInterval(at, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
            const credits =
              behavior === 'none' || !billing ? [] : this.prorationLines(sub, planned, at, period, true);
            const items = this.applyPlan(sub, planned, { start: at, end }, at);
            sub.billing_cycle_anchor = at;
            immediate.invoice = {
              lines: [...credits, ...items.map((item) => this.periodLine(sub, item, { start: at, end }))],
              reason: 'subscription_update',
              period: { start: at, end },
            };
          } else {
            const prorations =
              behavior === 'none' || !billing ? [] : this.prorationLines(sub, planned, prorationDate, period);
            const items = this.applyPlan(sub, planned, period, at);
            for (const line of prorations) {
              if (!line.subscriptionItem) {
                const created = items.find((item) => item.price.id === line.price?.id);
                line.subscriptionItem = created?.id ?? null;
              }
              this.addInvoiceItem(customer, line, at);
            }
            if (behavior === 'always_invoice' && prorations.length > 0) {
              immediate.invoice = {
                lines: this.pendingItemsFor(customer.id, sub.id),
                reason: 'subscription_update',
                period: { start: prorationDate, end: period.end },
              };
            }
          }
        }
        if (changes.cancelAtPeriodEnd !== undefined) {
          sub.cancel_at_period_end = changes.cancelAtPeriodEnd;
          sub.cancel_at = changes.cancelAtPeriodEnd ? this.periodOf(sub).end : null;
          if (changes.cancelAtPeriodEnd)
            sub.cancellation_details = {
              ...sub.cancellation_details,
              reason: 'cancellation_requested',
            } as Subscription['cancellation_details'];
          else
            sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
        }
        if (changes.cancelAt !== undefined) {
          sub.cancel_at = changes.cancelAt;
          sub.cancel_at_period_end = changes.cancelAt !== null && changes.cancelAt === this.periodOf(sub).end;
        }
        if (changes.cancellationDetails && sub.cancellation_details) {
          sub.cancellation_details = {
            ...sub.cancellation_details,
            ...(changes.cancellationDetails.comment !== undefined
              ? { comment: changes.cancellationDetails.comment }
              : {}),
            ...(changes.cancellationDetails.feedback !== undefined
              ? {
                  feedback: changes.cancellationDetails.feedback as NonNullable<
                    Subscription['cancellation_details']
                  >['feedback'],
                }
              : {}),
          };
        }
        if (changes.pauseCollection !== undefined) sub.pause_collection = changes.pauseCollection;
        if (changes.trialEnd !== undefined)
          this.changeTrial(sub, changes.trialEnd, at, (lines, period) => {
            immediate.invoice = { lines, reason: 'subscription_cycle', period };
          });
        if (coupons !== undefined)
          sub.discounts = this.replaceDiscounts(
            sub,
            customer,
            changes.keepDiscounts ?? [],
            coupons ?? [],
            at,
          );
        if (changes.metadata) sub.metadata = changes.metadata(sub.metadata);
        if (changes.defaultPaymentMethod !== undefined)
          sub.default_payment_method = changes.defaultPaymentMethod;
        if (changes.description !== undefined) sub.description = changes.description;
        if (changes.collectionMethod !== undefined) sub.collection_method = changes.collectionMethod;
        if (changes.daysUntilDue !== undefined) sub.days_until_due = changes.daysUntilDue;
      },
      at,
    );
    const pending = immediate.invoice;
    if (pending) {
      const invoice = this.createInvoice({
        customer,
        subscription,
        lines: pending.lines,
        billingReason: pending.reason,
        at,
        periodStart: pending.period.start,
        periodEnd: pending.period.start,
      });
      this.collect(subscription, invoice, at, changes.outcome);
    }
    return subscription;
  }

  /** Writes the planned item set onto the subscription; returns the live items. */
  private applyPlan(
    subscription: Subscription,
    planned: PlannedItem[],
    period: { start: number; end: number },
    at: number,
  ): SubscriptionItem[] {
    const live: SubscriptionItem[] = [];
    for (const entry of planned) {
      if (entry.deleted && entry.existing) {
        this.state.subscriptionItems.delete(entry.existing.id);
        continue;
      }
      if (entry.existing) {
        entry.existing.price = entry.price;
        entry.existing.plan = planOf(entry.price);
        entry.existing.quantity = entry.quantity;
        entry.existing.metadata = entry.metadata;
        entry.existing.current_period_start = period.start;
        entry.existing.current_period_end = period.end;
        live.push(entry.existing);
        continue;
      }
      const item = newSubscriptionItem({
        id: this.env.ids.next('si', 14),
        created: at,
        subscription: subscription.id,
        price: entry.price,
        quantity: entry.quantity,
        periodStart: period.start,
        periodEnd: period.end,
        metadata: entry.metadata,
      });
      this.state.subscriptionItems.set(item.id, item);
      live.push(item);
    }
    return live;
  }

  private changeTrial(
    sub: Subscription,
    trialEnd: number | 'now',
    at: number,
    invoiceNow: (lines: LineDraft[], period: { start: number; end: number }) => void,
  ): void {
    const items = this.itemsOf(sub);
    if (trialEnd === 'now' || trialEnd <= at) {
      if (sub.status !== 'trialing') return;
      const recurring = items[0]?.price.recurring;
      const end = addInterval(at, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
      sub.trial_end = at;
      sub.billing_cycle_anchor = at;
      sub.status = 'active';
      for (const item of items) {
        item.current_period_start = at;
        item.current_period_end = end;
      }
      invoiceNow(
        items.map((item) =>
          this.periodLine(
            sub,
            { id: item.id, price: item.price, quantity: item.quantity ?? 1 },
            { start: at, end },
          ),
        ),
        { start: at, end },
      );
      return;
    }
    sub.trial_start = sub.trial_start ?? at;
    sub.trial_end = trialEnd;
    sub.billing_cycle_anchor = trialEnd;
    if (sub.status === 'active' || sub.status === 'trialing') sub.status = 'trialing';
    for (const item of items) item.current_period_end = trialEnd;
  }

  /** Finalizes a subscription invoice and collects it as the subscription's settings say. */
  private collect(
    subscription: Subscription,
    invoice: Invoice,
    at: number,
    outcome?: ForcedOutcome | 'leave_open',
  ): void {
    const pause = subscription.pause_collection;
    if (pause?.behavior === 'keep_as_draft') return;
    this.finalizeInvoice(invoice, at);
    if (invoice.status !== 'open') return;
    if (pause?.behavior === 'mark_uncollectible') {
      this.markUncollectible(invoice, at);
      return;
    }
    if (pause?.behavior === 'void') {
      this.voidInvoice(invoice, at);
      return;
    }
    if (invoice.collection_method !== 'charge_automatically' || outcome === 'leave_open') return;
    const customer = this.customer(String(invoice.customer));
    if (!this.defaultPaymentMethodFor(customer, subscription, invoice)) return;
    this.payInvoice(invoice, at, { outcome });
  }

  cancelSubscription(
    subscription: Subscription,
    options: {
      at: number;
      prorate?: boolean;
      invoiceNow?: boolean;
      comment?: string | null;
      feedback?: string | null;
      reason?: 'cancellation_requested' | 'payment_failed' | 'payment_disputed';
    },
  ): Subscription {
    const { at } = options;
    if (subscription.status === 'canceled') {
      throw invalidRequest(`This subscription has already been canceled: ${subscription.id}`, {
        code: 'resource_missing',
      });
    }
    const customer = this.customer(String(subscription.customer));
    const billing = subscription.status === 'active' || subscription.status === 'past_due';
    if (options.prorate && billing) {
      const planned = this.itemsOf(subscription).map((item) => ({
        existing: item,
        price: item.price,
        quantity: item.quantity ?? 1,
        metadata: item.metadata,
        deleted: true,
      }));
      for (const line of this.prorationLines(subscription, planned, at, this.periodOf(subscription))) {
        this.addInvoiceItem(customer, line, at);
      }
    }
    // The schedule managing a subscription ends with it.
    const schedule = this.state.subscriptionSchedules.get(idOf(subscription.schedule) ?? '');
    if (schedule && (schedule.status === 'active' || schedule.status === 'not_started'))
      this.env.update(
        'subscription_schedule.canceled',
        schedule,
        (target) => {
          target.status = 'canceled';
          target.canceled_at = at;
          target.current_phase = null;
        },
        at,
      );
    const before = this.env.render(subscription);
    subscription.status = 'canceled';
    subscription.canceled_at = at;
    subscription.ended_at = at;
    subscription.cancel_at = subscription.cancel_at ?? null;
    subscription.cancellation_details = {
      comment: options.comment ?? subscription.cancellation_details?.comment ?? null,
      feedback: (options.feedback ?? subscription.cancellation_details?.feedback ?? null) as NonNullable<
        Subscription['cancellation_details']
      >['feedback'],
      feedback_option: null,
      reason: options.reason ?? 'cancellation_requested',
    };
    const after = this.env.render(subscription);
    this.env.emit('customer.subscription.deleted', after, at, previousAttributes(before, after) ?? undefined);
    if (options.invoiceNow) {
      const lines = this.pendingItemsFor(customer.id, subscription.id);
      if (lines.length > 0) {
        const invoice = this.createInvoice({
          customer,
          subscription,
          lines,
          billingReason: 'subscription_update',
          at,
        });
        this.collect(subscription, invoice, at);
      }
    }
    return subscription;
  }

  /**
   * Bills the next period of a subscription at the end of its current one (or ends it, when it is set to cancel).
   * Returns false when there is nothing left to bill.
   */
  renew(subscription: Subscription, options: { outcome?: ForcedOutcome | 'leave_open' } = {}): boolean {
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') return false;
    const period = this.periodOf(subscription);
    const at = period.end;
    if (subscription.cancel_at !== null && subscription.cancel_at <= at) {
      this.cancelSubscription(subscription, { at: subscription.cancel_at });
      return false;
    }
    if (!enterScheduledPhase(this.env, this, subscription, at)) return false;
    const customer = this.customer(String(subscription.customer));
    if (subscription.status === 'paused') return false;
    const missing = subscription.trial_settings?.end_behavior.missing_payment_method;
    if (
      subscription.status === 'trialing' &&
      !this.defaultPaymentMethodFor(customer, subscription) &&
      missing !== 'create_invoice'
    ) {
      if (missing === 'cancel') {
        this.cancelSubscription(subscription, { at });
      } else {
        this.env.update('customer.subscription.updated', subscription, (sub) => (sub.status = 'paused'), at);
        this.env.emit('customer.subscription.paused', this.env.render(subscription), at);
      }
      return false;
    }
    const items = this.itemsOf(subscription);
    const recurring = items[0]?.price.recurring;
    const end = addInterval(at, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
    this.env.update(
      'customer.subscription.updated',
      subscription,
      (sub) => {
        for (const item of items) {
          item.current_period_start = at;
          item.current_period_end = end;
        }
        if (sub.status === 'trialing') sub.status = 'active';
        const resumes = sub.pause_collection?.resumes_at;
        if (resumes !== undefined && resumes !== null && resumes <= at) sub.pause_collection = null;
      },
      at,
    );
    const lines = [
      ...this.pendingItemsFor(customer.id, subscription.id),
      ...items.map((item) =>
        this.periodLine(
          subscription,
          { id: item.id, price: item.price, quantity: item.quantity ?? 1 },
          { start: at, end },
        ),
      ),
    ];
    const invoice = this.createInvoice({
      customer,
      subscription,
      lines,
      billingReason: 'subscription_cycle',
      at,
      periodStart: period.start,
      periodEnd: at,
    });
    this.collect(subscription, invoice, at, options.outcome);
    return true;
  }

  /** Resumes a `paused` subscription: a new period starts now and is invoiced at once. */
  resumeSubscription(subscription: Subscription, at: number, outcome?: ForcedOutcome): Subscription {
    if (subscription.status !== 'paused') {
      throw invalidRequest('Only a paused subscription can be resumed.', { code: 'subscription_not_paused' });
    }
    const customer = this.customer(String(subscription.customer));
    const items = this.itemsOf(subscription);
    const recurring = items[0]?.price.recurring;
    const end = addInterval(at, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
    this.env.update(
      'customer.subscription.updated',
      subscription,
      (sub) => {
        sub.status = 'active';
        sub.billing_cycle_anchor = at;
        for (const item of items) {
          item.current_period_start = at;
          item.current_period_end = end;
        }
      },
      at,
    );
    this.env.emit('customer.subscription.resumed', this.env.render(subscription), at);
    const invoice = this.createInvoice({
      customer,
      subscription,
      lines: items.map((item) => this.periodLine(subscription, item, { start: at, end })),
      billingReason: 'subscription_cycle',
      at,
    });
    this.collect(subscription, invoice, at, outcome);
    return subscription;
  }

  /** Retries open invoices whose next automatic attempt is due by `until`, as Stripe's smart retries do. */
  retryDue(until: number): number {
    let attempts = 0;
    for (const invoice of [...this.state.invoices.values()]) {
      const due = invoice.next_payment_attempt;
      if (
        invoice.status !== 'open' ||
        due === null ||
        due > until ||
        invoice.collection_method !== 'charge_automatically'
      ) {
        continue;
      }
      this.payInvoice(invoice, due);
      attempts += 1;
    }
    return attempts;
  }

  /** Renews the subscription for every period that has ended by `until`. */
  advance(
    subscription: Subscription,
    until: number,
    options: { outcome?: ForcedOutcome | 'leave_open' } = {},
  ): void {
    for (let guard = 0; guard < 1000; guard += 1) {
      const { end } = this.periodOf(subscription);
      if (end > until) return;
      const nextIsLast = addIntervalOf(this, subscription, end) > until;
      if (
        !this.renew(
          subscription,
          nextIsLast ? options : { outcome: options.outcome === 'leave_open' ? 'succeed' : options.outcome },
        )
      ) {
        return;
      }
    }
  }

  /**
   * The invoice the customer would get next (`invoices.createPreview`): the next period of the subscription, with
   * pending prorations, or — when `items` change — the proration of unused and remaining time as of
   * `prorationDate` plus the next period at the new prices.
   */
  preview(fields: {
    customer: Customer;
    subscription: Subscription | null;
    items?: ItemChange[];
    prorationBehavior?: ProrationBehavior;
    prorationDate?: number;
    coupons?: Coupon[];
    at: number;
  }): JsonObject {
    const { customer, subscription, at } = fields;
    const behavior = fields.prorationBehavior ?? 'create_prorations';
    const prorationDate = fields.prorationDate ?? at;
    const fakeSub =
      subscription ??
      newSubscription({
        id: 'sub_preview',
        created: at,
        customer: customer.id,
        currency: customer.currency ?? 'usd',
        status: 'active',
        billingCycleAnchor: at,
        startDate: at,
      });
    let lines: LineDraft[];
    let period: { start: number; end: number };
    let reason: Invoice['billing_reason'] = 'upcoming';
    if (!subscription) {
      const planned = this.planItems(fakeSub, fields.items);
      const live = planned.filter((entry) => !entry.deleted);
      const cycle = this.checkUniform(
        live.map((entry) => entry.price),
        customer,
      );
      const end = addInterval(at, cycle.interval, cycle.intervalCount);
      period = { start: at, end: at };
      lines = live.map((entry) =>
        this.periodLine(
          fakeSub,
          { id: '', price: entry.price, quantity: entry.quantity },
          { start: at, end },
        ),
      );
      lines.push(...this.pendingItemsFor(customer.id, null));
      reason = 'subscription_create';
    } else {
      const current = this.periodOf(subscription);
      const planned = this.planItems(subscription, fields.items);
      const live = planned.filter((entry) => !entry.deleted);
      if (live.length === 0) throw invalidRequest('A subscription must have at least one active item.');
      this.checkUniform(
        live.map((entry) => entry.price),
        { ...customer, currency: null },
      );
      const billing = subscription.status === 'active' || subscription.status === 'past_due';
      const pending = this.pendingItemsFor(customer.id, subscription.id);
      const lineFor = (entry: PlannedItem, range: { start: number; end: number }) =>
        this.periodLine(
          subscription,
          { id: entry.existing?.id ?? '', price: entry.price, quantity: entry.quantity },
          range,
        );
      if (fields.items && this.intervalChanged(subscription, planned)) {
        const recurring = live[0]?.price.recurring;
        const end = addInterval(at, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
        const credits =
          behavior === 'none' || !billing
            ? []
            : this.prorationLines(subscription, planned, at, current, true);
        lines = [...pending, ...credits, ...live.map((entry) => lineFor(entry, { start: at, end }))];
        period = { start: at, end: at };
      } else {
        const prorations =
          fields.items && behavior !== 'none' && billing
            ? this.prorationLines(subscription, planned, prorationDate, current)
            : [];
        if (behavior === 'always_invoice' && prorations.length > 0) {
          lines = [...pending, ...prorations];
          period = { start: prorationDate, end: prorationDate };
        } else {
          const recurring = live[0]?.price.recurring;
          const nextStart =
            subscription.status === 'trialing' && subscription.trial_end
              ? subscription.trial_end
              : current.end;
          const nextEnd = addInterval(
            nextStart,
            recurring?.interval ?? 'month',
            recurring?.interval_count ?? 1,
          );
          lines = [
            ...pending,
            ...prorations,
            ...live.map((entry) => lineFor(entry, { start: nextStart, end: nextEnd })),
          ];
          period = { start: current.start, end: nextStart };
        }
      }
    }
    const invoice = newInvoice({
      id: `upcoming_${this.env.ids.next('in', 24)}`,
      created: at,
      customer,
      currency: lines[0]?.currency ?? fakeSub.currency,
      billingReason: reason,
      collectionMethod: fakeSub.collection_method,
      periodStart: period.start,
      periodEnd: period.end,
      subscription: subscription ? { id: subscription.id, metadata: subscription.metadata } : null,
      autoAdvance: true,
    });
    invoice.lines.data = lines.map(
      (draft): InvoiceLineItem => newLineItem(this.env.ids.next('il_tmp', 24), null, draft),
    );
    invoice.lines.url = '/v1/invoices/upcoming/lines';
    const discounts = subscription ? this.activeDiscounts(subscription, at) : [];
    const previewDiscounts = (fields.coupons ?? []).map((coupon) =>
      newDiscount({
        id: `di_preview_${coupon.id}`,
        start: at,
        end: null,
        coupon: coupon.id,
        customer: customer.id,
        subscription: null,
      }),
    );
    for (const discount of previewDiscounts) this.state.discounts.set(discount.id, discount);
    try {
      this.computeTotals(invoice, customer, [...discounts, ...previewDiscounts]);
    } finally {
      for (const discount of previewDiscounts) this.state.discounts.delete(discount.id);
    }
    invoice.next_payment_attempt =
      invoice.collection_method === 'charge_automatically' ? period.end + 3600 : null;
    return this.env.render(invoice);
  }
}

/** Applies a customer balance (negative = credit) to an invoice total. */
export function applyBalance(total: number, balance: number): { amountDue: number; endingBalance: number } {
  if (total <= 0) return { amountDue: 0, endingBalance: balance + total };
  if (balance < 0) {
    const used = Math.min(-balance, total);
    return { amountDue: total - used, endingBalance: balance + used };
  }
  return { amountDue: total + balance, endingBalance: 0 };
}

function addIntervalOf(billing: Billing, subscription: Subscription, from: number): number {
  const recurring = billing.itemsOf(subscription)[0]?.price.recurring;
  return addInterval(from, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
}
