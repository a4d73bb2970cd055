import type { ItemChange, ProrationBehavior, SubscriptionChanges } from '../billing.js';
import { invalidParam, missingParam, noSuch } from '../errors.js';
import { listPage } from '../listing.js';
import {
  applyMetadata,
  arrayOfObjects,
  inRange,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalRange,
  optionalString,
  optionalTimestampOr,
  type Params,
  requiredString,
} from '../params.js';
import { type ApiCall, arg, type Route } from '../router.js';
import type { Coupon, JsonObject, Subscription, SubscriptionItem } from '../types.js';
import { searchResources } from './customers.js';

const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'] as const;
const SUBSCRIPTION_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

function itemChanges(params: Params, name = 'items'): ItemChange[] | undefined {
  const items = arrayOfObjects(params, name);
  if (!items) return undefined;
  return items.map((item, index) => {
    const quantity = optionalInteger(item, 'quantity');
    if (quantity !== undefined && quantity < 0) {
      throw invalidParam(
        `${name}[${index}][quantity]`,
        'Invalid non-negative integer',
        'parameter_invalid_integer',
      );
    }
    return {
      id: optionalString(item, 'id') || undefined,
      price: optionalString(item, 'price') || undefined,
      quantity,
      deleted: optionalBoolean(item, 'deleted') ?? false,
      metadata: item.metadata === undefined ? undefined : applyMetadata({}, item),
    };
  });
}

/**
 * `discounts[]`: coupons to apply, and (on an update) discounts the subscription already has, to keep by id; an
 * empty list removes every discount.
 */
function discountsParam(call: ApiCall): { coupons: Coupon[]; keep: string[] } | null | undefined {
  const discounts = arrayOfObjects(call.params, 'discounts');
  if (discounts === undefined) return undefined;
  if (discounts.length === 0) return null;
  const result = { coupons: [] as Coupon[], keep: [] as string[] };
  discounts.forEach((entry, index) => {
    const discount = optionalString(entry, 'discount');
    if (discount) {
      result.keep.push(discount);
      return;
    }
    const id = optionalString(entry, 'coupon');
    if (!id) throw missingParam(`discounts[${index}][coupon]`);
    result.coupons.push(call.billing.coupon(id, `discounts[${index}][coupon]`));
  });
  return result;
}

function pauseParam(params: Params): Subscription['pause_collection'] | undefined {
  const pause = optionalObject(params, 'pause_collection');
  if (pause === undefined) return undefined;
  if (pause === null) return null;
  const behavior = optionalEnum(pause, 'behavior', ['keep_as_draft', 'mark_uncollectible', 'void'] as const);
  if (!behavior) throw missingParam('pause_collection[behavior]');
  return { behavior, resumes_at: optionalInteger(pause, 'resumes_at') ?? null };
}

function subscription(call: ApiCall, id = arg(call, 'id')): Subscription {
  const found = call.env.state.subscriptions.get(id);
  if (!found) throw noSuch('subscription', id);
  return found;
}

function createSubscription(call: ApiCall): JsonObject {
  const { params, billing, at } = call;
  const customer = billing.customer(requiredString(params, 'customer'), 'customer');
  const items = itemChanges(params);
  if (!items || items.length === 0) throw missingParam('items');
  const trialEndParam = optionalTimestampOr(params, 'trial_end', ['now'] as const);
  const trialDays = optionalInteger(params, 'trial_period_days');
  const trialEnd =
    typeof trialEndParam === 'number'
      ? trialEndParam
      : trialDays !== undefined && trialDays > 0
        ? at + trialDays * 86_400
        : null;
  const defaultPaymentMethod = optionalString(params, 'default_payment_method') || null;
  if (defaultPaymentMethod) billing.paymentMethod(defaultPaymentMethod, 'default_payment_method');
  const created = billing.createSubscription(
    {
      customer,
      items: items.map((item, index) => {
        if (!item.price) throw missingParam(`items[${index}][price]`);
        return {
          price: billing.price(item.price, `items[${index}][price]`),
          quantity: item.quantity ?? 1,
          metadata: item.metadata,
        };
      }),
      trialEnd,
      coupons: discountsParam(call)?.coupons ?? [],
      metadata: applyMetadata({}, params),
      defaultPaymentMethod,
      collectionMethod: optionalEnum(params, 'collection_method', [
        'charge_automatically',
        'send_invoice',
      ] as const),
      daysUntilDue: optionalInteger(params, 'days_until_due') ?? null,
      description: optionalString(params, 'description') ?? null,
      cancelAtPeriodEnd: optionalBoolean(params, 'cancel_at_period_end'),
      trialEndBehavior: trialEndBehavior(params),
      paymentBehavior: optionalEnum(params, 'payment_behavior', [
        'allow_incomplete',
        'default_incomplete',
        'error_if_incomplete',
        'pending_if_incomplete',
      ] as const),
    },
    at,
  );
  return call.env.render(created);
}

function trialEndBehavior(params: Params): 'create_invoice' | 'pause' | 'cancel' | undefined {
  const settings = optionalObject(params, 'trial_settings');
  const end = settings ? optionalObject(settings, 'end_behavior') : undefined;
  return end
    ? optionalEnum(end, 'missing_payment_method', ['create_invoice', 'pause', 'cancel'] as const)
    : undefined;
}

function changesFrom(call: ApiCall, items: ItemChange[] | undefined): SubscriptionChanges {
  const { params } = call;
  const changes: SubscriptionChanges = {};
  if (items) changes.items = items;
  const behavior = optionalEnum(params, 'proration_behavior', PRORATION_BEHAVIORS);
  if (behavior) changes.prorationBehavior = behavior as ProrationBehavior;
  const prorationDate = optionalInteger(params, 'proration_date');
  if (prorationDate !== undefined) changes.prorationDate = prorationDate;
  const cancelAtPeriodEnd = optionalBoolean(params, 'cancel_at_period_end');
  if (cancelAtPeriodEnd !== undefined) changes.cancelAtPeriodEnd = cancelAtPeriodEnd;
  if (params.cancel_at !== undefined) {
    const cancelAt = optionalTimestampOr(params, 'cancel_at', ['min_period_end', 'max_period_end'] as const);
    changes.cancelAt =
      cancelAt === undefined
        ? null
        : typeof cancelAt === 'number'
          ? cancelAt
          : call.billing.periodOf(subscription(call)).end;
  }
  const pause = pauseParam(params);
  if (pause !== undefined) changes.pauseCollection = pause;
  const trialEnd = optionalTimestampOr(params, 'trial_end', ['now'] as const);
  if (trialEnd !== undefined) changes.trialEnd = trialEnd;
  const discounts = discountsParam(call);
  if (discounts !== undefined) {
    changes.coupons = discounts === null ? null : discounts.coupons;
    if (discounts?.keep.length) changes.keepDiscounts = discounts.keep;
  }
  if (params.metadata !== undefined) changes.metadata = (current) => applyMetadata(current, params);
  const defaultPaymentMethod = optionalString(params, 'default_payment_method');
  if (defaultPaymentMethod !== undefined) {
    if (defaultPaymentMethod) call.billing.paymentMethod(defaultPaymentMethod, 'default_payment_method');
    changes.defaultPaymentMethod = defaultPaymentMethod || null;
  }
  const description = optionalString(params, 'description');
  if (description !== undefined) changes.description = description || null;
  const collection = optionalEnum(params, 'collection_method', [
    'charge_automatically',
    'send_invoice',
  ] as const);
  if (collection) changes.collectionMethod = collection;
  const daysUntilDue = optionalInteger(params, 'days_until_due');
  if (daysUntilDue !== undefined) changes.daysUntilDue = daysUntilDue;
  const details = optionalObject(params, 'cancellation_details');
  if (details) {
    changes.cancellationDetails = {
      comment: optionalString(details, 'comment') ?? undefined,
      feedback: optionalString(details, 'feedback') ?? undefined,
    };
  }
  return changes;
}

function listSubscriptions(call: ApiCall): JsonObject {
  const { params } = call;
  const customer = optionalString(params, 'customer');
  const status = optionalEnum(params, 'status', SUBSCRIPTION_STATUSES);
  const price = optionalString(params, 'price');
  const created = optionalRange(params, 'created');
  const items = call.env.state.subscriptionItems;
  const subscriptions = [...call.env.state.subscriptions.values()].filter((sub) => {
    if (customer && sub.customer !== customer) return false;
    if (!inRange(sub.created, created)) return false;
    if (price && ![...items.values()].some((item) => item.subscription === sub.id && item.price.id === price))
      return false;
    if (status === undefined) return sub.status !== 'canceled' && sub.status !== 'incomplete_expired';
    if (status === 'all') return true;
    if (status === 'ended') return sub.status === 'canceled' || sub.status === 'incomplete_expired';
    return sub.status === status;
  });
  return listPage(call.env, subscriptions, params, '/v1/subscriptions');
}

function subscriptionItem(call: ApiCall): SubscriptionItem {
  const found = call.env.state.subscriptionItems.get(arg(call, 'id'));
  if (!found) throw noSuch('subscription_item', arg(call, 'id'));
  return found;
}

export const subscriptionRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscriptions', handler: createSubscription },
  { method: 'GET', path: '/v1/subscriptions', handler: listSubscriptions },
  {
    method: 'GET',
    path: '/v1/subscriptions/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.subscriptions.values(),
        'subscriptions',
        ['canceled_at', 'created', 'status'],
        '/v1/subscriptions/search',
      ),
  },
  { method: 'GET', path: '/v1/subscriptions/:id', handler: (call) => call.env.render(subscription(call)) },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id',
    handler: (call) => {
      const found = subscription(call);
      call.billing.updateSubscription(found, changesFrom(call, itemChanges(call.params)), call.at);
      return call.env.render(found);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    handler: (call) => {
      const found = subscription(call);
      const details = optionalObject(call.params, 'cancellation_details');
      call.billing.cancelSubscription(found, {
        at: call.at,
        prorate: optionalBoolean(call.params, 'prorate') ?? false,
        invoiceNow: optionalBoolean(call.params, 'invoice_now') ?? false,
        comment: details ? (optionalString(details, 'comment') ?? null) : null,
        feedback: details ? (optionalString(details, 'feedback') ?? null) : null,
      });
      return call.env.render(found);
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id/resume',
    handler: (call) => {
      const found = subscription(call);
      call.billing.resumeSubscription(found, call.at);
      return call.env.render(found);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id/discount',
    handler: (call) => {
      const found = subscription(call);
      const [first] = call.billing.activeDiscounts(found, call.at);
      if (!first) throw noSuch('discount', found.id);
      call.billing.updateSubscription(found, { coupons: null }, call.at);
      return { ...call.env.render(first), deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_items',
    handler: (call) => {
      const sub = subscription(call, requiredString(call.params, 'subscription'));
      const items = call.billing.itemsOf(sub);
      return listPage(call.env, items, call.params, '/v1/subscription_items', { ordered: true });
    },
  },
  {
    method: 'POST',
    path: '/v1/subscription_items',
    handler: (call) => {
      const sub = subscription(call, requiredString(call.params, 'subscription'));
      const before = new Set(call.billing.itemsOf(sub).map((item) => item.id));
      const price = requiredString(call.params, 'price');
      const change: ItemChange = { price, quantity: optionalInteger(call.params, 'quantity') ?? 1 };
      if (call.params.metadata !== undefined) change.metadata = applyMetadata({}, call.params);
      call.billing.updateSubscription(sub, { ...changesFrom(call, undefined), items: [change] }, call.at);
      const created = call.billing.itemsOf(sub).find((item) => !before.has(item.id));
      if (!created) throw noSuch('subscription_item', price);
      return call.env.render(created);
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_items/:id',
    handler: (call) => call.env.render(subscriptionItem(call)),
  },
  {
    method: 'POST',
    path: '/v1/subscription_items/:id',
    handler: (call) => {
      const item = subscriptionItem(call);
      const sub = subscription(call, item.subscription);
      const change: ItemChange = {
        id: item.id,
        price: optionalString(call.params, 'price') || undefined,
        quantity: optionalInteger(call.params, 'quantity'),
      };
      if (call.params.metadata !== undefined) change.metadata = applyMetadata(item.metadata, call.params);
      const { metadata: _subscriptionMetadata, ...changes } = changesFrom(call, undefined);
      call.billing.updateSubscription(sub, { ...changes, items: [change] }, call.at);
      return call.env.render(item);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscription_items/:id',
    handler: (call) => {
      const item = subscriptionItem(call);
      const sub = subscription(call, item.subscription);
      const behavior = optionalEnum(call.params, 'proration_behavior', PRORATION_BEHAVIORS);
      call.billing.updateSubscription(
        sub,
        { items: [{ id: item.id, deleted: true }], ...(behavior ? { prorationBehavior: behavior } : {}) },
        call.at,
      );
      return { id: item.id, object: 'subscription_item', deleted: true };
    },
  },
];
