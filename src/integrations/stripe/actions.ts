import type Stripe from 'stripe';
import { type ActionParams, idempotencyKey } from '../../domain/account-actions.js';
import { formatUnitAmount } from '../../domain/money.js';
import { periodAmount } from '../../domain/revenue.js';
import { isAddOn, pricingOf, refundWentThrough } from './billing.js';
import { listSubscriptionsWithProducts } from './subscriptions.js';

/**
 * Account actions in Stripe: each kind is one fixed call (or a fixed short sequence) with an idempotency key derived
 * from the action's id, so a retry after a timeout or a crash replays Stripe's first answer instead of acting twice.
 * Nothing here takes free-form API input: the typed parameters decide every field sent.
 */

/** What an action acts on, looked up when it is requested and kept with it so execution is deterministic. */
export interface ResolvedTarget {
  subscriptionId?: string | undefined;
  /** The subscription item a plan change or seat change applies to. */
  itemId?: string | undefined;
  /** Trial end (unix seconds) when the extension was asked for; the new end is counted from it. */
  trialEnd?: number | undefined;
}

export interface StoredAction {
  id: number;
  /** When the action was asked for: part of its idempotency key. */
  createdAt: Date;
  /** Which run in Stripe this is (1 the first); a later one first looks for what an earlier one may have made. */
  attempt?: number | undefined;
  customerId: string;
  params: ActionParams;
  target: ResolvedTarget;
  reason: string;
}

export interface ExecutionOutcome {
  stripeObjectId: string | null;
  /** What people are shown (a link, a new date, an amount). */
  result: Record<string, unknown>;
  summary: string;
}

/** A failure Stripe answered (or could not be reached for); `retryable` when the same request may succeed later. */
export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ActionFailure';
  }
}

export interface CustomerBasics {
  id: string;
  name: string;
  currency: string;
}

export interface SubscriptionFacts {
  id: string;
  status: string;
  trialEnd: number | null;
  paused: boolean;
  cancelAtPeriodEnd: boolean;
  /** The item carrying the plan (not an add-on; the most expensive if several) and its quantity. */
  planItemId: string | undefined;
  planPriceId: string | undefined;
  quantity: number;
  /** When the current period ends (unix seconds): where a downgrade takes effect. */
  currentPeriodEnd: number | undefined;
}

export interface MoneyEvent {
  id: string;
  amountMinor: number;
  currency: string;
  at: Date;
}

export interface PlanPrice {
  id: string;
  label: string;
}

export interface PlanChangePreview {
  amountDueMinor: number;
  /** The sum of the invoice's proration lines (the difference for the rest of the period). */
  prorationMinor: number;
  currency: string;
}

export interface RefundTarget {
  customerId: string | null;
  refundableMinor: number;
  currency: string;
}

export interface AccountActionGateway {
  customer(customerId: string): Promise<CustomerBasics | undefined>;
  liveSubscription(customerId: string): Promise<SubscriptionFacts | undefined>;
  refundTarget(target: string): Promise<RefundTarget | undefined>;
  /** Refunds and credits of the last `days` days, newest first. */
  recentMoney(
    customerId: string,
    now: Date,
    days: number,
  ): Promise<{ refunds: MoneyEvent[]; credits: MoneyEvent[] }>;
  planPrices(): Promise<PlanPrice[]>;
  /**
   * What a plan change would invoice. Upgrade (`prorate`): the invoice made now, with the prorated difference for the
   * rest of the period. Downgrade: the first invoice at the new price, at the end of the current period.
   */
  previewPlanChange(
    customerId: string,
    subscriptionId: string,
    itemId: string,
    priceId: string,
    prorate: boolean,
  ): Promise<PlanChangePreview>;
  execute(action: StoredAction): Promise<ExecutionOutcome>;
}

const LIVE = new Set(['active', 'trialing', 'past_due', 'unpaid', 'incomplete']);
const DAY_SECONDS = 86_400;

/** Turns a Stripe SDK error into a sentence for people and whether trying again can help. */
export function classifyStripeError(error: unknown): ActionFailure {
  if (error instanceof ActionFailure) return error;
  const e = error as {
    type?: string;
    message?: string;
    code?: string;
    decline_code?: string;
    statusCode?: number;
  };
  switch (e.type) {
    case 'StripeCardError':
      return new ActionFailure(
        `The card was declined${e.decline_code ? ` (${e.decline_code.replaceAll('_', ' ')})` : ''}: ${e.message ?? 'no reason given'}`,
        false,
        { cause: error },
      );
    case 'StripeInvalidRequestError':
      if (e.code === 'lock_timeout' || e.statusCode === 409)
        return new ActionFailure('Stripe was busy with this object; try again.', true, { cause: error });
      return new ActionFailure(`Stripe refused the request: ${e.message ?? 'invalid request'}`, false, {
        cause: error,
      });
    case 'StripeIdempotencyError':
      return new ActionFailure(`Stripe refused a repeat of this action: ${e.message ?? ''}`.trim(), false, {
        cause: error,
      });
    case 'StripeRateLimitError':
      return new ActionFailure('Stripe is rate limiting us right now; try again in a minute.', true, {
        cause: error,
      });
    case 'StripeAPIError':
    case 'StripeConnectionError':
      return new ActionFailure('Stripe did not answer properly (it may be down); try again.', true, {
        cause: error,
      });
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new ActionFailure(
        "Frontline's Stripe key may not do this; ask whoever runs Frontline to check the key's permissions.",
        false,
        { cause: error },
      );
    default:
      return new ActionFailure('Something unexpected happened while talking to Stripe; try again.', true, {
        cause: error,
      });
  }
}

function requireSubscription(target: ResolvedTarget): string {
  if (!target.subscriptionId) throw new ActionFailure('This customer has no live subscription.', false);
  return target.subscriptionId;
}

function requireItem(target: ResolvedTarget): string {
  if (!target.itemId) throw new ActionFailure('The subscription has no plan item to change.', false);
  return target.itemId;
}

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? undefined);

/** What an item charges per period (0 when it bills by usage), to tell the plan from smaller items. */
const itemCharge = (item: Stripe.SubscriptionItem): number =>
  periodAmount({ ...pricingOf(item.price), quantity: item.quantity ?? 1 }) ?? 0;

/** A price as the plan list shows it: "$48.00/month", "$10.00 per 5/month", "tiered/month", "usage-based/month". */
function priceLabel(price: Stripe.Price): string {
  const { unitAmountMinor, pricing } = pricingOf(price);
  const amount =
    pricing?.scheme === 'tiered' || pricing?.scheme === 'unread'
      ? `${pricing.scheme === 'tiered' ? pricing.mode : ''} tiers`.trim()
      : pricing?.scheme === 'metered'
        ? 'usage-based'
        : `${formatUnitAmount(unitAmountMinor, price.currency)}${pricing?.scheme === 'package' ? ` per ${pricing.divideBy}` : ''}`;
  return `${amount}/${price.recurring?.interval ?? 'once'}`;
}

const day = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

/** Whether an invoice line is a proration (the 2025+ API says so on the line's parent). */
function isProration(line: Stripe.InvoiceLineItem): boolean {
  const parent = line.parent;
  return Boolean(parent?.subscription_item_details?.proration || parent?.invoice_item_details?.proration);
}

const DROPPED_DOWNGRADE =
  ' The downgrade that was scheduled is dropped (it would have undone this at the end of the period); ask for it again if it is still wanted.';

export function createAccountActionGateway(stripe: Stripe): AccountActionGateway {
  async function openInvoice(customerId: string, invoiceId: string | undefined): Promise<Stripe.Invoice> {
    if (invoiceId) {
      const invoice = await stripe.invoices.retrieve(invoiceId);
      if (invoice.customer !== customerId)
        throw new ActionFailure(`Invoice ${invoiceId} belongs to another customer.`, false);
      return invoice;
    }
    for (const status of ['open', 'draft'] as const) {
      const found = await stripe.invoices.list({ customer: customerId, status, limit: 1 });
      if (found.data[0]) return found.data[0];
    }
    throw new ActionFailure('This customer has no open or draft invoice.', false);
  }

  type Key = (step?: string) => { idempotencyKey: string };

  type PhaseDiscount =
    | Stripe.SubscriptionSchedule.Phase.Discount
    | Stripe.SubscriptionSchedule.Phase.Item.Discount;
  /** A discount of a phase as a phase parameter: the same discount kept (or its coupon or code, applied again). */
  const discountParams = (
    discounts: readonly PhaseDiscount[],
  ): Stripe.SubscriptionScheduleUpdateParams.Phase.Discount[] =>
    discounts.flatMap((entry): Stripe.SubscriptionScheduleUpdateParams.Phase.Discount[] => {
      const discount = idOf(entry.discount);
      if (discount) return [{ discount }];
      const coupon = idOf(entry.coupon);
      if (coupon) return [{ coupon }];
      const code = idOf(entry.promotion_code);
      return code ? [{ promotion_code: code }] : [];
    });
  const taxRateIds = (rates: ReadonlyArray<string | Stripe.TaxRate> | null | undefined) =>
    rates && rates.length > 0 ? { tax_rates: rates.map((rate) => idOf(rate) as string) } : {};

  /** What a schedule phase carries besides its items, as parameters for the phases that replace it. */
  function carriedPhaseSettings(phase: Stripe.SubscriptionSchedule.Phase) {
    const paymentMethod = idOf(phase.default_payment_method);
    return {
      ...(phase.discounts.length > 0 ? { discounts: discountParams(phase.discounts) } : {}),
      ...(phase.default_tax_rates && phase.default_tax_rates.length > 0
        ? { default_tax_rates: phase.default_tax_rates.map((rate) => rate.id) }
        : {}),
      ...(phase.metadata && Object.keys(phase.metadata).length > 0 ? { metadata: phase.metadata } : {}),
      ...(phase.collection_method ? { collection_method: phase.collection_method } : {}),
      ...(paymentMethod ? { default_payment_method: paymentMethod } : {}),
    };
  }

  function carriedItemSettings(item: Stripe.SubscriptionSchedule.Phase.Item) {
    return {
      ...(item.discounts.length > 0 ? { discounts: discountParams(item.discounts) } : {}),
      ...taxRateIds(item.tax_rates),
      ...(item.metadata && Object.keys(item.metadata).length > 0 ? { metadata: item.metadata } : {}),
    };
  }

  /**
   * Detaches the schedule managing a subscription, if any (its subscription stays as it is now); answers the
   * subscription as read before, and whether there was one.
   */
  async function releaseSchedule(
    subscriptionId: string,
    options: { idempotencyKey: string },
  ): Promise<{ subscription: Stripe.Subscription; released: boolean }> {
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    const scheduleId = idOf(subscription.schedule);
    if (scheduleId) await stripe.subscriptionSchedules.release(scheduleId, {}, options);
    return { subscription, released: Boolean(scheduleId) };
  }

  /**
   * A change that a scheduled downgrade would undo when it starts: the downgrade is dropped first (`dropped` says
   * whether there was one), then the change runs with the subscription as read; if it fails, its message says the
   * downgrade is gone too.
   */
  async function changeDroppingDowngrade<T>(
    subscriptionId: string,
    key: Key,
    change: (subscription: Stripe.Subscription) => Promise<T>,
  ): Promise<{ dropped: boolean; changed: T }> {
    const { subscription, released } = await releaseSchedule(subscriptionId, key('release'));
    try {
      return { dropped: released, changed: await change(subscription) };
    } catch (error) {
      if (!released) throw error;
      const failure = classifyStripeError(error);
      throw new ActionFailure(
        `${failure.message} The downgrade that was scheduled was already dropped; ask for it again if it is still wanted.`,
        failure.retryable,
        { cause: error },
      );
    }
  }

  /**
   * A downgrade takes effect at the end of the current period, the way Stripe recommends: a subscription schedule
   * made from the subscription (or the one already managing it) keeps the current phase as it is up to the period
   * end and adds a phase on the new price from then; the schedule then releases the subscription, which goes on at
   * the new price. Nothing changes and nothing is invoiced before the period ends.
   */
  async function scheduleDowngrade(
    action: StoredAction,
    priceId: string,
    key: Key,
  ): Promise<ExecutionOutcome> {
    const subscription = await stripe.subscriptions.retrieve(requireSubscription(action.target));
    const itemId = requireItem(action.target);
    const planItem = subscription.items.data.find((item) => item.id === itemId);
    if (!planItem)
      throw new ActionFailure(
        'The subscription no longer has the plan this request was for; ask again.',
        false,
      );
    if (planItem.price.id === priceId)
      throw new ActionFailure(`The subscription is already on ${priceId}.`, false);
    const periodEnd = planItem.current_period_end;
    const [price, existing] = await Promise.all([
      stripe.prices.retrieve(priceId),
      idOf(subscription.schedule)
        ? stripe.subscriptionSchedules.retrieve(idOf(subscription.schedule) as string)
        : undefined,
    ]);
    const schedule =
      existing ??
      (await stripe.subscriptionSchedules.create({ from_subscription: subscription.id }, key('schedule')));
    const current =
      schedule.phases.find((phase) => phase.start_date === schedule.current_phase?.start_date) ??
      schedule.phases[0];
    if (!current) throw new ActionFailure('Stripe made a schedule without a current phase; try again.', true);
    // Phases given to Stripe replace the old ones whole: whatever the current phase carries (discounts, tax rates,
    // the trial, metadata, how it is collected) is said again, or the customer would lose it now and after the switch.
    const carried = carriedPhaseSettings(current);
    const items = current.items.map((item) => ({
      price: idOf(item.price) as string,
      ...(item.quantity !== undefined ? { quantity: item.quantity } : {}),
      ...carriedItemSettings(item),
    }));
    const updated = await stripe.subscriptionSchedules.update(
      schedule.id,
      {
        end_behavior: 'release',
        proration_behavior: 'none',
        metadata: { frontline_action: String(action.id) },
        phases: [
          {
            ...carried,
            // A trial still running stays (one already over is not said again: Stripe takes only future ends).
            ...(current.trial_end && current.trial_end * 1000 > Date.now()
              ? { trial_end: current.trial_end }
              : {}),
            items,
            start_date: current.start_date,
            end_date: periodEnd,
            proration_behavior: 'none',
          },
          {
            ...carried,
            items: items.map((item) =>
              item.price === planItem.price.id ? { ...item, price: priceId } : item,
            ),
            proration_behavior: 'none',
            duration: {
              interval: price.recurring?.interval ?? 'month',
              interval_count: price.recurring?.interval_count ?? 1,
            },
          },
        ],
      },
      key('phases'),
    );
    return {
      stripeObjectId: updated.id,
      result: { schedule: updated.id, effectiveAt: new Date(periodEnd * 1000).toISOString() },
      summary: `Downgrade scheduled: the plan changes to ${priceId} on ${day(periodEnd)}, when the current period ends; until then nothing changes and nothing is invoiced.`,
    };
  }

  async function run(action: StoredAction): Promise<ExecutionOutcome> {
    const { params, target, customerId } = action;
    const key = (step?: string) => ({ idempotencyKey: idempotencyKey(action, step) });
    const metadata = { frontline_action: String(action.id) };
    const retried = (action.attempt ?? 1) > 1;
    /** Made by this action: its id in the metadata, and not before it was asked for (ids restart after a reset). */
    const madeByThis = (object: { metadata: Stripe.Metadata | null; created: number }) =>
      object.metadata?.frontline_action === metadata.frontline_action &&
      object.created >= Math.floor(action.createdAt.getTime() / 1000) - 60;
    switch (params.kind) {
      case 'payment_link': {
        let invoice = await openInvoice(customerId, params.invoiceId);
        if (invoice.status === 'draft') {
          invoice = await stripe.invoices.finalizeInvoice(invoice.id as string, {}, key('finalize'));
        }
        if (invoice.status !== 'open' || !invoice.hosted_invoice_url)
          throw new ActionFailure(
            `Invoice ${invoice.id} is ${invoice.status}; there is nothing to pay.`,
            false,
          );
        return {
          stripeObjectId: invoice.id ?? null,
          result: {
            url: invoice.hosted_invoice_url,
            amountDueMinor: invoice.amount_due,
            currency: invoice.currency,
          },
          summary: `Payment link: ${invoice.hosted_invoice_url}`,
        };
      }
      case 'resend_invoice': {
        const invoice = await openInvoice(customerId, params.invoiceId);
        if (invoice.status !== 'open')
          throw new ActionFailure(
            `Invoice ${invoice.id} is ${invoice.status}; only open invoices are sent.`,
            false,
          );
        const sent = await stripe.invoices.sendInvoice(invoice.id as string, {}, key());
        return {
          stripeObjectId: sent.id ?? null,
          result: {},
          summary: `Invoice ${sent.id} sent to the customer.`,
        };
      }
      case 'credit': {
        // Stripe keeps an idempotency key for 24 hours: a retry after that, of a credit whose answer was lost, would
        // credit twice. A retry looks for the credit first, by the action it carries.
        const earlier = retried
          ? (await stripe.customers.listBalanceTransactions(customerId, { limit: 100 })).data.find(madeByThis)
          : undefined;
        const entry =
          earlier ??
          (await stripe.customers.createBalanceTransaction(
            customerId,
            {
              amount: -params.amountMinor,
              currency: params.currency,
              description: `Credit from support: ${action.reason}`.slice(0, 350),
              metadata,
            },
            key(),
          ));
        return {
          stripeObjectId: entry.id,
          result: { endingBalanceMinor: entry.ending_balance },
          summary: 'Credit added to the customer balance; it pays towards the next invoice.',
        };
      }
      case 'refund': {
        const on = params.target.startsWith('pi_')
          ? { payment_intent: params.target }
          : { charge: params.target };
        // As for credits: a retry looks for the refund an earlier try may have made before asking for one.
        const earlier = retried
          ? (await stripe.refunds.list({ ...on, limit: 100 })).data.find(madeByThis)
          : undefined;
        const refund =
          earlier ??
          (await stripe.refunds.create(
            {
              ...on,
              ...(params.amountMinor !== undefined ? { amount: params.amountMinor } : {}),
              reason: params.refundReason,
              metadata,
            },
            key(),
          ));
        if (!refundWentThrough(refund))
          throw new ActionFailure(`Stripe could not refund: the refund is ${refund.status}.`, false);
        return {
          stripeObjectId: refund.id,
          result: { amountMinor: refund.amount, currency: refund.currency },
          summary: 'Refund issued; it shows on the statement within 5–10 business days.',
        };
      }
      case 'extend_trial': {
        const subscriptionId = requireSubscription(target);
        if (!target.trialEnd) throw new ActionFailure('The subscription is not on a trial.', false);
        const trialEnd = target.trialEnd + params.days * DAY_SECONDS;
        const updated = await stripe.subscriptions.update(
          subscriptionId,
          { trial_end: trialEnd, proration_behavior: 'none' },
          key(),
        );
        return {
          stripeObjectId: updated.id,
          result: { trialEnd: new Date(trialEnd * 1000).toISOString() },
          summary: `The trial now ends on ${new Date(trialEnd * 1000).toISOString().slice(0, 10)}.`,
        };
      }
      case 'pause_subscription': {
        const updated = await stripe.subscriptions.update(
          requireSubscription(target),
          { pause_collection: { behavior: 'void' } },
          key(),
        );
        return {
          stripeObjectId: updated.id,
          result: {},
          summary: 'Collection paused: invoices are voided until resumed.',
        };
      }
      case 'resume_subscription': {
        const updated = await stripe.subscriptions.update(
          requireSubscription(target),
          { pause_collection: '' },
          key(),
        );
        return { stripeObjectId: updated.id, result: {}, summary: 'Collection resumed.' };
      }
      case 'upgrade': {
        // A downgrade scheduled earlier would undo this one at the end of the period: the upgrade replaces it.
        const { dropped, changed: updated } = await changeDroppingDowngrade(
          requireSubscription(target),
          key,
          () =>
            stripe.subscriptions.update(
              requireSubscription(target),
              // Takes effect now; the prorated difference for the rest of the period is invoiced at once.
              {
                items: [{ id: requireItem(target), price: params.priceId }],
                proration_behavior: 'always_invoice',
              },
              key(),
            ),
        );
        const invoice = idOf(updated.latest_invoice);
        return {
          stripeObjectId: updated.id,
          result: invoice ? { invoice } : {},
          summary: `Plan upgraded now; the prorated difference for the rest of this period is invoiced${invoice ? ` (${invoice})` : ''}.${dropped ? ' The downgrade that was scheduled is dropped.' : ''}`,
        };
      }
      case 'downgrade':
        return scheduleDowngrade(action, params.priceId, key);
      case 'cancel_subscription': {
        const subscriptionId = requireSubscription(target);
        if (params.when === 'period_end') {
          // Stripe refuses cancellation settings on a subscription a schedule manages (a scheduled downgrade).
          await releaseSchedule(subscriptionId, key('release'));
          const updated = await stripe.subscriptions.update(
            subscriptionId,
            {
              cancel_at_period_end: true,
              cancellation_details: { comment: action.reason.slice(0, 500), feedback: 'other' },
            },
            key(),
          );
          return {
            stripeObjectId: updated.id,
            result: {},
            summary: 'The subscription ends at the end of this period.',
          };
        }
        const canceled = await stripe.subscriptions.cancel(
          subscriptionId,
          {
            prorate: true,
            cancellation_details: { comment: action.reason.slice(0, 500), feedback: 'other' },
          },
          key(),
        );
        return {
          stripeObjectId: canceled.id,
          result: {},
          summary: 'The subscription is cancelled as of now.',
        };
      }
      case 'force_cancel': {
        const canceled = await stripe.subscriptions.cancel(
          requireSubscription(target),
          { prorate: false, cancellation_details: { comment: `Forced: ${action.reason}`.slice(0, 500) } },
          key(),
        );
        return {
          stripeObjectId: canceled.id,
          result: {},
          summary: 'The subscription was cancelled now, by force.',
        };
      }
      case 'update_payment_method': {
        const session = await stripe.billingPortal.sessions.create({ customer: customerId }, key());
        return {
          stripeObjectId: session.id,
          result: { url: session.url },
          summary: `Send the customer this link to update their payment method: ${session.url}`,
        };
      }
      case 'adjust_seats': {
        // A scheduled downgrade would put the old seat count back when it starts: it is dropped, and said so.
        const { dropped, changed: updated } = await changeDroppingDowngrade(
          requireSubscription(target),
          key,
          () =>
            stripe.subscriptions.update(
              requireSubscription(target),
              {
                items: [{ id: requireItem(target), quantity: params.seats }],
                proration_behavior: 'create_prorations',
              },
              key(),
            ),
        );
        return {
          stripeObjectId: updated.id,
          result: {},
          summary: `Seat count is now ${params.seats}.${dropped ? DROPPED_DOWNGRADE : ''}`,
        };
      }
      case 'discount': {
        const subscriptionId = requireSubscription(target);
        // The discounts the subscription has stay (a lasting coupon must not make way for a one-off one), and a
        // scheduled downgrade, which would take this one away when it starts, is dropped.
        const { dropped, changed } = await changeDroppingDowngrade(
          subscriptionId,
          key,
          async (subscription) => {
            const existing = subscription.discounts
              .map((entry) => idOf(entry))
              .filter((id): id is string => Boolean(id));
            const coupon = await stripe.coupons.create(
              {
                percent_off: params.percentHundredths / 100,
                duration: 'once',
                name: `Support discount ${params.percentHundredths / 100}%`,
                metadata,
              },
              key('coupon'),
            );
            const updated = await stripe.subscriptions.update(
              subscriptionId,
              { discounts: [...existing.map((discount) => ({ discount })), { coupon: coupon.id }] },
              key(),
            );
            return { coupon, updated };
          },
        );
        return {
          stripeObjectId: changed.updated.id,
          result: { coupon: changed.coupon.id },
          summary: `A ${params.percentHundredths / 100}% discount applies to the next invoice.${dropped ? DROPPED_DOWNGRADE : ''}`,
        };
      }
      case 'clear_billing_flag': {
        const customer = await stripe.customers.update(
          customerId,
          { metadata: { [params.flag]: '' } },
          key(),
        );
        return {
          stripeObjectId: customer.id,
          result: {},
          summary: `The billing flag "${params.flag}" is cleared.`,
        };
      }
    }
  }

  return {
    async customer(customerId) {
      try {
        const customer = await stripe.customers.retrieve(customerId);
        if (customer.deleted) return undefined;
        return {
          id: customer.id,
          name: customer.name ?? customer.email ?? customer.id,
          currency: customer.currency ?? 'usd',
        };
      } catch (error) {
        if ((error as { code?: string }).code === 'resource_missing') return undefined;
        throw error;
      }
    },

    async liveSubscription(customerId) {
      const list = await listSubscriptionsWithProducts(stripe, {
        customer: customerId,
        status: 'all',
        limit: 20,
      });
      const live =
        list.find((subscription) => LIVE.has(subscription.status)) ?? list.find((s) => s.status === 'paused');
      if (!live) return undefined;
      // The plan is an item that is not an add-on (an add-on may cost more than the plan), the largest if several.
      const items = [...live.items.data].sort(
        (a, b) =>
          Number(isAddOn(a.price.product)) - Number(isAddOn(b.price.product)) ||
          itemCharge(b) - itemCharge(a),
      );
      const plan = items[0];
      return {
        id: live.id,
        status: live.status,
        trialEnd: live.status === 'trialing' ? live.trial_end : null,
        paused: live.pause_collection !== null && live.pause_collection !== undefined,
        cancelAtPeriodEnd: live.cancel_at_period_end,
        planItemId: plan?.id,
        planPriceId: plan?.price.id,
        quantity: plan?.quantity ?? 1,
        currentPeriodEnd: plan?.current_period_end,
      };
    },

    async refundTarget(target) {
      try {
        const charge = target.startsWith('pi_')
          ? await (async () => {
              const intent = await stripe.paymentIntents.retrieve(target);
              if (!intent.latest_charge) return undefined;
              return stripe.charges.retrieve(
                typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge.id,
              );
            })()
          : await stripe.charges.retrieve(target);
        if (!charge) return undefined;
        return {
          customerId: typeof charge.customer === 'string' ? charge.customer : (charge.customer?.id ?? null),
          refundableMinor: charge.status === 'succeeded' ? charge.amount - charge.amount_refunded : 0,
          currency: charge.currency,
        };
      } catch (error) {
        if ((error as { code?: string }).code === 'resource_missing') return undefined;
        throw error;
      }
    },

    async recentMoney(customerId, now, days) {
      const since = Math.floor(now.getTime() / 1000) - days * DAY_SECONDS;
      const [charges, balance] = await Promise.all([
        stripe.charges.list({ customer: customerId, limit: 100, expand: ['data.refunds'] }),
        stripe.customers.listBalanceTransactions(customerId, { limit: 100 }),
      ]);
      const refunds: MoneyEvent[] = [];
      for (const charge of charges.data) {
        for (const refund of charge.refunds?.data ?? []) {
          if (refund.created >= since && refundWentThrough(refund))
            refunds.push({
              id: refund.id,
              amountMinor: refund.amount,
              currency: refund.currency,
              at: new Date(refund.created * 1000),
            });
        }
      }
      const credits = balance.data
        .filter((entry) => entry.amount < 0 && entry.created >= since && entry.type === 'adjustment')
        .map((entry) => ({
          id: entry.id,
          amountMinor: -entry.amount,
          currency: entry.currency,
          at: new Date(entry.created * 1000),
        }));
      const newest = (a: MoneyEvent, b: MoneyEvent) => b.at.getTime() - a.at.getTime();
      return { refunds: refunds.sort(newest), credits: credits.sort(newest) };
    },

    async planPrices() {
      const prices = await stripe.prices.list({
        active: true,
        type: 'recurring',
        limit: 100,
        expand: ['data.product', 'data.tiers'],
      });
      return prices.data.map((price) => {
        const product =
          typeof price.product === 'string'
            ? price.product
            : 'name' in price.product
              ? price.product.name
              : price.product.id;
        return { id: price.id, label: `${product} · ${priceLabel(price)}` };
      });
    },

    async previewPlanChange(customerId, subscriptionId, itemId, priceId, prorate) {
      const preview = await stripe.invoices.createPreview({
        customer: customerId,
        subscription: subscriptionId,
        subscription_details: {
          items: [{ id: itemId, price: priceId }],
          proration_behavior: prorate ? 'always_invoice' : 'none',
        },
      });
      return {
        amountDueMinor: preview.amount_due,
        prorationMinor: preview.lines.data.filter(isProration).reduce((sum, line) => sum + line.amount, 0),
        currency: preview.currency,
      };
    },

    async execute(action) {
      try {
        return await run(action);
      } catch (error) {
        throw classifyStripeError(error);
      }
    },
  };
}
