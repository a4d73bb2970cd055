import type { FakeEnv } from './env.js';
import { invalidRequest } from './errors.js';
import { listPage } from './listing.js';
import { isPlainObject } from './params.js';
import type { JsonObject } from './types.js';

/** Finds a stored object by id; `field` helps for ids without a prefix (coupons). */
export function findStored(env: FakeEnv, id: string, field?: string): object | undefined {
  const s = env.state;
  if (id.startsWith('sub_sched_')) return s.subscriptionSchedules.get(id);
  const prefix = id.slice(0, id.indexOf('_') + 1);
  switch (prefix) {
    case 'cus_':
      if (s.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
      return s.customers.get(id);
    case 'pm_':
      return s.paymentMethods.get(id);
    case 'prod_':
      return s.products.get(id);
    case 'price_':
      return s.prices.get(id);
    case 'di_':
      return s.discounts.get(id);
    case 'sub_':
      return s.subscriptions.get(id);
    case 'si_':
      return s.subscriptionItems.get(id);
    case 'in_':
      return s.invoices.get(id);
    case 'ii_':
      return s.invoiceItems.get(id);
    case 'inpay_':
      return s.invoicePayments.get(id);
    case 'pi_':
      return s.paymentIntents.get(id);
    case 'ch_':
      return s.charges.get(id);
    case 're_':
      return s.refunds.get(id);
    case 'cbtxn_':
      return s.balanceTransactions.get(id);
    case 'bps_':
      return s.portalSessions.get(id);
    case 'evt_':
      return s.events.get(id);
    default:
      return field === 'coupon' ? s.coupons.get(id) : undefined;
  }
}

/**
 * Fields Stripe leaves out of an object unless they are expanded (`includable` in the API reference), computed on
 * demand.
 */
function includable(env: FakeEnv, node: JsonObject, field: string): unknown {
  const id = String(node.id);
  if (node.object === 'invoice' && field === 'payments') {
    const payments = [...env.state.invoicePayments.values()].filter((payment) => payment.invoice === id);
    return listPage(env, payments, {}, `/v1/invoice_payments?invoice=${id}`);
  }
  if (node.object === 'charge' && field === 'refunds') {
    const refunds = [...env.state.refunds.values()].filter((refund) => refund.charge === id);
    return listPage(env, refunds, { limit: '100' }, `/v1/charges/${id}/refunds`);
  }
  if ((node.object === 'price' || node.object === 'plan') && field === 'tiers') {
    // A plan shares its price's id. A price that is not tiered has no tiers: the field comes back null.
    const price = env.state.prices.get(id);
    if (price) return structuredClone(price.tiers ?? null);
  }
  if (node.object === 'customer' && field === 'subscriptions') {
    const subscriptions = [...env.state.subscriptions.values()].filter(
      (subscription) => subscription.customer === id && subscription.status !== 'canceled',
    );
    return listPage(env, subscriptions, {}, `/v1/customers/${id}/subscriptions`);
  }
  return undefined;
}

function cannotExpand(path: string) {
  return invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

function expandAt(env: FakeEnv, node: unknown, segments: string[], path: string, depth: number): void {
  if (Array.isArray(node)) {
    for (const element of node) expandAt(env, element, segments, path, depth);
    return;
  }
  if (!isPlainObject(node)) return;
  const [field, ...rest] = segments;
  if (field === undefined) return;
  let value = node[field];
  if (value === undefined) {
    value = includable(env, node, field);
    if (value === undefined) throw cannotExpand(path);
    node[field] = value;
  }
  const resolve = (id: string): JsonObject => {
    const found = findStored(env, id, field);
    if (!found) throw cannotExpand(path);
    return env.render(found);
  };
  if (typeof value === 'string' && field !== 'data') {
    value = resolve(value);
    node[field] = value;
  } else if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string')) {
    // A list of ids (an invoice's or a subscription's `discounts`) expands on the way through too:
    // `data.discounts.source.coupon`.
    value = value.map((entry) => resolve(entry as string));
    node[field] = value;
  }
  if (rest.length > 0 && value !== null) {
    if (depth >= 4) throw invalidRequest(`Expansions go at most four levels deep (${path}).`);
    expandAt(env, value, rest, path, depth + 1);
  }
}

/** Replaces ids with objects along each dotted path of `expand[]` (`customer`, `data.customer`, `a.b.c`). */
export function expandPaths(env: FakeEnv, body: JsonObject, paths: string[]): JsonObject {
  // Every segment counts, a list's leading `data.` too: listing charges, Stripe's deepest example is
  // `data.payment_intent.customer.default_source`, and `data.items.data.price.product` is refused.
  for (const path of paths) expandAt(env, body, path.split('.'), path, 1);
  return body;
}
