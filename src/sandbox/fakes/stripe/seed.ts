import type { Billing, ForcedOutcome } from './billing.js';
import { addInterval } from './calendar.js';
import type { FakeEnv } from './env.js';
import { invalidRequest } from './errors.js';
import {
  type AddressInput,
  type LineDraft,
  newCoupon,
  newCustomer,
  newPrice,
  newProduct,
  type PriceScheme,
} from './objects.js';
import { chargeFor } from './pricing.js';
import type {
  CardDecline,
  Charge,
  Coupon,
  Customer,
  CustomerBalanceTransaction,
  FakeEvent,
  Invoice,
  JsonObject,
  PaymentIntent,
  PaymentMethod,
  Price,
  Product,
  Refund,
  Subscription,
  SubscriptionItem,
} from './types.js';

/** A moment: a `Date`, or milliseconds since the epoch (like `Date.now()`). Omitted means the fake's `now()`. */
export type When = Date | number;

export interface CardSeed {
  brand?: string;
  last4?: string;
  expMonth: number;
  expYear: number;
  /** Same fingerprint = same physical card (what duplicate-charge detection compares). */
  fingerprint?: string;
  /** Make every charge on this card decline this way (e.g. `{ code: 'card_declined', decline_code: 'insufficient_funds' }`). */
  decline?: CardDecline;
}

export interface SeededSubscription {
  subscription: Subscription;
  items: SubscriptionItem[];
  /** Every invoice the subscription produced, oldest first. */
  invoices: Invoice[];
  /** The invoice of the current period. */
  latestInvoice: Invoice;
}

export interface SeededPayment {
  charge: Charge;
  paymentIntent: PaymentIntent;
}

/**
 * Writes backdated history straight into the fake's state, through the same billing rules the API uses but without
 * HTTP. Every call takes explicit times, so a customer can have years of invoices. Events are recorded only for what
 * happens within Stripe's 30-day event retention.
 */
export class StripeSeeder {
  constructor(
    private readonly env: FakeEnv,
    private readonly billing: Billing,
    private readonly changed: () => void,
  ) {}

  private seconds(when: When | undefined): number {
    if (when === undefined) return this.env.nowSec();
    return Math.floor((when instanceof Date ? when.getTime() : when) / 1000);
  }

  private run<T>(write: () => T): T {
    const request = this.env.request;
    this.env.request = null;
    try {
      return write();
    } finally {
      this.env.request = request;
      this.changed();
    }
  }

  product(fields: {
    id?: string;
    name: string;
    description?: string;
    metadata?: Record<string, string>;
    created?: When;
  }): Product {
    return this.run(() => {
      const product = newProduct({
        id: fields.id ?? this.env.ids.next('prod'),
        created: this.seconds(fields.created),
        name: fields.name,
        description: fields.description ?? null,
        metadata: fields.metadata,
      });
      this.env.state.products.set(product.id, product);
      return product;
    });
  }

  /**
   * A price; `interval` makes it recurring, without one it is a one-time price. It charges `unitAmount` per unit,
   * or what `scheme` says (a decimal unit amount, package pricing, tiers); `usageType: 'metered'` bills usage.
   */
  price(fields: {
    id?: string;
    product: string;
    unitAmount?: number;
    scheme?: PriceScheme;
    currency?: string;
    interval?: 'day' | 'week' | 'month' | 'year';
    intervalCount?: number;
    usageType?: 'licensed' | 'metered';
    nickname?: string;
    lookupKey?: string;
    metadata?: Record<string, string>;
    created?: When;
  }): Price {
    return this.run(() => {
      if (!this.env.state.products.has(fields.product))
        throw new Error(`seed.price: no product ${fields.product}`);
      const price = newPrice({
        id: fields.id ?? this.env.ids.next('price', 24),
        created: this.seconds(fields.created),
        product: fields.product,
        unitAmount: fields.unitAmount,
        scheme: fields.scheme,
        currency: fields.currency ?? 'usd',
        recurring: fields.interval
          ? {
              interval: fields.interval,
              intervalCount: fields.intervalCount ?? 1,
              usageType: fields.usageType,
            }
          : null,
        nickname: fields.nickname ?? null,
        lookupKey: fields.lookupKey ?? null,
        metadata: fields.metadata,
      });
      this.env.state.prices.set(price.id, price);
      const product = this.env.state.products.get(fields.product);
      if (product && product.default_price === null) product.default_price = price.id;
      return price;
    });
  }

  coupon(fields: {
    id?: string;
    percentOff?: number;
    amountOff?: number;
    currency?: string;
    duration?: 'forever' | 'once' | 'repeating';
    durationInMonths?: number;
    name?: string;
    created?: When;
  }): Coupon {
    return this.run(() => {
      const coupon = newCoupon({
        id: fields.id ?? this.env.ids.token(8),
        created: this.seconds(fields.created),
        percentOff: fields.percentOff ?? null,
        amountOff: fields.amountOff ?? null,
        currency: fields.currency ?? (fields.amountOff ? 'usd' : null),
        duration: fields.duration ?? 'forever',
        durationInMonths: fields.durationInMonths ?? null,
        name: fields.name ?? null,
      });
      this.env.state.coupons.set(coupon.id, coupon);
      return coupon;
    });
  }

  /** A customer, with a default card when `card` is given. */
  customer(fields: {
    id?: string;
    email: string;
    name: string;
    description?: string;
    phone?: string;
    address?: AddressInput;
    metadata?: Record<string, string>;
    balance?: number;
    currency?: string;
    created?: When;
    card?: CardSeed;
  }): Customer {
    return this.run(() => {
      const created = this.seconds(fields.created);
      const customer = newCustomer({
        id: fields.id ?? this.env.ids.next('cus'),
        created,
        invoicePrefix: this.env.ids.invoicePrefix(),
        email: fields.email,
        name: fields.name,
        description: fields.description ?? null,
        phone: fields.phone ?? null,
        address: fields.address ?? null,
        metadata: fields.metadata,
        balance: fields.balance ?? 0,
        currency: fields.currency ?? null,
      });
      this.env.state.customers.set(customer.id, customer);
      this.env.emit('customer.created', this.env.render(customer), created);
      if (fields.card) this.addCard(customer, fields.card, created, true);
      return customer;
    });
  }

  private addCard(
    customer: Customer,
    card: CardSeed,
    at: number,
    makeDefault: boolean,
    id?: string,
  ): PaymentMethod {
    return this.billing.addPaymentMethod({
      id,
      customer,
      card: {
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        fingerprint: card.fingerprint,
      },
      decline: card.decline ?? null,
      makeDefault,
      at,
    });
  }

  paymentMethod(
    fields: CardSeed & { id?: string; customer: string; makeDefault?: boolean; created?: When },
  ): PaymentMethod {
    return this.run(() =>
      this.addCard(
        this.billing.customer(fields.customer),
        fields,
        this.seconds(fields.created),
        fields.makeDefault ?? true,
        fields.id,
      ),
    );
  }

  /** The customer's default card. */
  cardOf(customer: string): PaymentMethod | null {
    return this.billing.defaultPaymentMethodFor(this.billing.customer(customer));
  }

  /**
   * A subscription started at `start` with its whole history: one invoice per period up to now, each paid with the
   * customer's card. `latestInvoice: 'open'` leaves the current period's invoice finalized but unpaid (add attempts
   * with `failedPayment`). `trialDays` starts it with a trial.
   */
  subscription(fields: {
    id?: string;
    customer: string;
    items: Array<{ price: string; quantity?: number; metadata?: Record<string, string> }>;
    start?: When;
    trialDays?: number;
    coupon?: string;
    metadata?: Record<string, string>;
    collectionMethod?: 'charge_automatically' | 'send_invoice';
    daysUntilDue?: number;
    cancelAtPeriodEnd?: boolean;
    latestInvoice?: 'paid' | 'open';
    /** Bill periods up to this moment (the fake's `now()` by default). */
    until?: When;
  }): SeededSubscription {
    return this.run(() => {
      const start = this.seconds(fields.start);
      const now = this.seconds(fields.until);
      const customer = this.billing.customer(fields.customer);
      const prices = fields.items.map((item) => this.billing.price(item.price));
      const before = new Set(this.env.state.invoices.keys());
      const trialEnd = fields.trialDays ? start + fields.trialDays * 86_400 : null;
      const recurring = prices[0]?.recurring;
      const firstPeriodEnd =
        trialEnd ?? addInterval(start, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
      const leaveOpen = fields.latestInvoice === 'open';
      const subscription = this.billing.createSubscription(
        {
          id: fields.id,
          customer,
          items: fields.items.map((item, index) => ({
            price: prices[index] as Price,
            quantity: item.quantity ?? 1,
            metadata: item.metadata,
          })),
          trialEnd,
          coupons: fields.coupon ? [this.billing.coupon(fields.coupon)] : [],
          metadata: fields.metadata,
          collectionMethod: fields.collectionMethod,
          daysUntilDue: fields.daysUntilDue,
          cancelAtPeriodEnd: false,
          outcome: leaveOpen && firstPeriodEnd > now ? 'leave_open' : 'succeed',
        },
        start,
      );
      this.billing.advance(subscription, now, { outcome: leaveOpen ? 'leave_open' : 'succeed' });
      if (fields.cancelAtPeriodEnd) {
        this.billing.updateSubscription(subscription, { cancelAtPeriodEnd: true }, now);
      }
      const invoices = [...this.env.state.invoices.values()]
        .filter((invoice) => !before.has(invoice.id))
        .sort((a, b) => a.created - b.created);
      const latestInvoice = invoices[invoices.length - 1];
      if (!latestInvoice) throw new Error('seed.subscription produced no invoice');
      return { subscription, items: this.billing.itemsOf(subscription), invoices, latestInvoice };
    });
  }

  /** A one-off invoice, finalized and paid at `at` (lines from prices or plain amounts). */
  paidInvoice(fields: {
    customer: string;
    lines: Array<
      { price: string; quantity?: number } | { amount: number; description: string; currency?: string }
    >;
    at?: When;
    description?: string;
  }): { invoice: Invoice } & Partial<SeededPayment> {
    return this.run(() => {
      const at = this.seconds(fields.at);
      const customer = this.billing.customer(fields.customer);
      const drafts: LineDraft[] = fields.lines.map((line) => {
        if ('price' in line) {
          const price = this.billing.price(line.price);
          const quantity = line.quantity ?? 1;
          return this.oneOffLine(
            this.billing.productName(price),
            chargeFor(price, quantity),
            price.currency,
            at,
            price,
            quantity,
          );
        }
        return this.oneOffLine(
          line.description,
          line.amount,
          line.currency ?? customer.currency ?? 'usd',
          at,
          null,
          null,
        );
      });
      const items = drafts.map((draft) => this.billing.addInvoiceItem(customer, draft, at));
      const invoice = this.billing.createInvoice({
        customer,
        lines: drafts.map((draft, index) => ({ ...draft, invoiceItem: items[index]?.id ?? null })),
        billingReason: 'manual',
        at,
        description: fields.description ?? null,
        discounts: [],
      });
      this.billing.finalizeInvoice(invoice, at);
      if (invoice.status !== 'open') return { invoice };
      const result = this.billing.payInvoice(invoice, at, { outcome: 'succeed' });
      return {
        invoice,
        charge: result.charge ?? undefined,
        paymentIntent: result.paymentIntent ?? undefined,
      };
    });
  }

  private oneOffLine(
    description: string,
    amount: number,
    currency: string,
    at: number,
    price: Price | null,
    quantity: number | null,
  ): LineDraft {
    return {
      description,
      amount,
      currency,
      quantity,
      price,
      period: { start: at, end: at },
      proration: false,
      subscription: null,
      subscriptionItem: null,
      invoiceItem: null,
      discountable: amount > 0,
    };
  }

  /**
   * A failed attempt to pay an open invoice at `at` (a declined charge on its PaymentIntent): the invoice counts the
   * attempt and schedules the next, its subscription goes `past_due`, the customer becomes delinquent.
   */
  failedPayment(fields: {
    invoice: string;
    code?: string;
    declineCode?: string;
    message?: string;
    at?: When;
  }): SeededPayment {
    return this.run(() => {
      const invoice = this.billing.invoice(fields.invoice);
      if (invoice.status !== 'open') {
        throw invalidRequest(`seed.failedPayment needs an open invoice; ${invoice.id} is ${invoice.status}`);
      }
      const outcome: ForcedOutcome = {
        code: fields.code ?? 'card_declined',
        ...(fields.declineCode ? { decline_code: fields.declineCode } : {}),
        ...(fields.message ? { message: fields.message } : {}),
      };
      const result = this.billing.payInvoice(invoice, this.seconds(fields.at), { outcome });
      if (!result.charge || !result.paymentIntent) throw new Error('seed.failedPayment made no charge');
      return { charge: result.charge, paymentIntent: result.paymentIntent };
    });
  }

  /** A charge outside any invoice (its own PaymentIntent), by default on the customer's card and succeeding. */
  charge(fields: {
    customer: string;
    amount: number;
    currency?: string;
    at?: When;
    description?: string;
    paymentMethod?: string;
    decline?: CardDecline;
    metadata?: Record<string, string>;
  }): SeededPayment {
    return this.run(() => {
      const customer = this.billing.customer(fields.customer);
      const result = this.billing.chargeCustomer({
        customer,
        amount: fields.amount,
        currency: fields.currency ?? customer.currency ?? 'usd',
        description: fields.description ?? null,
        paymentMethod: fields.paymentMethod ? this.billing.paymentMethod(fields.paymentMethod) : null,
        outcome: fields.decline ?? 'succeed',
        metadata: fields.metadata,
        at: this.seconds(fields.at),
      });
      if (!result.charge || !result.paymentIntent) throw new Error('seed.charge made no charge');
      return { charge: result.charge, paymentIntent: result.paymentIntent };
    });
  }

  refund(fields: {
    charge: string;
    amount?: number;
    reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
    at?: When;
    metadata?: Record<string, string>;
  }): Refund {
    return this.run(() =>
      this.billing.refund({
        charge: this.billing.charge(fields.charge),
        amount: fields.amount,
        reason: fields.reason ?? null,
        metadata: fields.metadata,
        at: this.seconds(fields.at),
      }),
    );
  }

  /** A manual balance adjustment: negative `amount` is credit for the customer. */
  balanceTransaction(fields: {
    customer: string;
    amount: number;
    currency?: string;
    description?: string;
    at?: When;
  }): CustomerBalanceTransaction {
    return this.run(() => {
      const customer = this.billing.customer(fields.customer);
      return this.billing.addBalanceTransaction({
        customer,
        amount: fields.amount,
        currency: fields.currency ?? customer.currency ?? 'usd',
        description: fields.description ?? null,
        at: this.seconds(fields.at),
      });
    });
  }

  /** An event as Stripe would have sent it; `object` may be a stored object (it is copied) or any JSON. */
  event(fields: { type: string; object: object; previousAttributes?: JsonObject; at?: When }): FakeEvent {
    return this.run(() => {
      const event = this.env.emit(
        fields.type,
        this.env.render(fields.object),
        this.seconds(fields.at ?? this.env.now()),
        fields.previousAttributes,
      );
      if (!event) throw new Error('seed.event: events older than 30 days are not kept');
      return event;
    });
  }
}
