import { invalidParam, invalidRequest, noSuch } from '../errors.js';
import { listPage, searchPage } from '../listing.js';
import type { CardInput } from '../objects.js';
import { type AddressInput, newCustomer, newPortalSession, toAddress } from '../objects.js';
import {
  applyMetadata,
  inRange,
  optionalInteger,
  optionalObject,
  optionalRange,
  optionalString,
  optionalStringList,
  type Params,
  requiredInteger,
  requiredString,
} from '../params.js';
import { type ApiCall, arg, type Route } from '../router.js';
import { matchesQuery, parseSearchQuery, readPath } from '../search-query.js';
import { type CardDecline, type Customer, idOf, type JsonObject, type PaymentMethod } from '../types.js';

function addressParam(params: Params, name: string): AddressInput | null | undefined {
  const value = optionalObject(params, name);
  if (value === undefined || value === null) return value;
  const field = (key: string) => optionalString(value, key) ?? null;
  return {
    line1: field('line1'),
    line2: field('line2'),
    city: field('city'),
    state: field('state'),
    postal_code: field('postal_code'),
    country: field('country'),
  };
}

function liveCustomer(call: ApiCall, id: string): Customer {
  const customer = call.env.state.customers.get(id);
  if (!customer) throw noSuch('customer', id);
  return customer;
}

function setDefaultPaymentMethod(call: ApiCall, customer: Customer, id: string | null): void {
  if (id !== null) {
    const method = call.env.state.paymentMethods.get(id);
    if (!method || method.customer !== customer.id) {
      throw invalidRequest(`Payment method ${id} is not attached to this customer.`, {
        param: 'invoice_settings[default_payment_method]',
      });
    }
  }
  customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: id };
}

function createCustomer(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const customer = newCustomer({
    id: env.ids.next('cus'),
    created: at,
    invoicePrefix: optionalString(params, 'invoice_prefix') ?? env.ids.invoicePrefix(),
    email: optionalString(params, 'email') ?? null,
    name: optionalString(params, 'name') ?? null,
    description: optionalString(params, 'description') ?? null,
    phone: optionalString(params, 'phone') ?? null,
    address: addressParam(params, 'address'),
    metadata: applyMetadata({}, params),
    balance: optionalInteger(params, 'balance') ?? 0,
    preferredLocales: optionalStringList(params, 'preferred_locales'),
  });
  env.state.customers.set(customer.id, customer);
  const paymentMethod = optionalString(params, 'payment_method');
  if (paymentMethod) attach(call, call.billing.paymentMethod(paymentMethod, 'payment_method'), customer);
  const settings = optionalObject(params, 'invoice_settings');
  const defaultMethod = settings ? optionalString(settings, 'default_payment_method') : undefined;
  if (defaultMethod) setDefaultPaymentMethod(call, customer, defaultMethod);
  env.emit('customer.created', env.render(customer), at);
  return env.render(customer);
}

function updateCustomer(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const customer = liveCustomer(call, arg(call, 'id'));
  const balance = optionalInteger(params, 'balance');
  env.update(
    'customer.updated',
    customer,
    (c) => {
      for (const key of ['email', 'name', 'description', 'phone'] as const) {
        const value = optionalString(params, key);
        if (value !== undefined) c[key] = value === '' ? null : value;
      }
      const address = addressParam(params, 'address');
      if (address !== undefined) c.address = toAddress(address);
      c.metadata = applyMetadata(c.metadata, params);
      const locales = optionalStringList(params, 'preferred_locales');
      if (locales !== undefined) c.preferred_locales = locales;
      const settings = optionalObject(params, 'invoice_settings');
      if (settings) {
        const method = optionalString(settings, 'default_payment_method');
        if (method !== undefined) setDefaultPaymentMethod(call, c, method === '' ? null : method);
      }
      const exempt = optionalString(params, 'tax_exempt');
      if (exempt === 'none' || exempt === 'exempt' || exempt === 'reverse') c.tax_exempt = exempt;
    },
    at,
  );
  if (balance !== undefined && balance !== customer.balance) {
    call.billing.addBalanceTransaction({
      customer,
      amount: balance - customer.balance,
      currency: customer.currency ?? 'usd',
      at,
    });
  }
  return env.render(customer);
}

function deleteCustomer(call: ApiCall): JsonObject {
  const { env, at } = call;
  const customer = liveCustomer(call, arg(call, 'id'));
  for (const subscription of env.state.subscriptions.values()) {
    if (subscription.customer === customer.id && subscription.status !== 'canceled') {
      call.billing.cancelSubscription(subscription, { at });
    }
  }
  env.state.customers.delete(customer.id);
  env.state.deletedCustomers.add(customer.id);
  env.emit('customer.deleted', env.render(customer), at);
  return { id: customer.id, object: 'customer', deleted: true };
}

const CUSTOMER_SEARCH_FIELDS = ['created', 'email', 'name', 'phone'] as const;

export function searchResources<
  T extends { id: string; created?: number; metadata?: Record<string, string> | null },
>(
  call: ApiCall,
  items: Iterable<T>,
  resource: string,
  fields: readonly string[],
  url: string,
  read: (item: T, field: string) => unknown = (item, field) => readPath(call.env.render(item), field),
): JsonObject {
  const query = parseSearchQuery(requiredString(call.params, 'query'));
  const matches = [...items].filter((item) =>
    matchesQuery(query, resource, fields, (field, key) => {
      if (key !== null) return item.metadata?.[key];
      const value = read(item, field);
      return typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean' ||
        value === null
        ? value
        : undefined;
    }),
  );
  return searchPage(call.env, matches, call.params, url);
}

// ------------------------------------------------------------------ balance transactions

function createBalanceTransaction(call: ApiCall): JsonObject {
  const { params, at } = call;
  const customer = liveCustomer(call, arg(call, 'id'));
  const amount = requiredInteger(params, 'amount');
  if (amount === 0) throw invalidParam('amount', 'The amount must be a non-zero integer.');
  const transaction = call.billing.addBalanceTransaction({
    customer,
    amount,
    currency: requiredString(params, 'currency').toLowerCase(),
    description: optionalString(params, 'description') ?? null,
    metadata: applyMetadata({}, params),
    at,
  });
  return call.env.render(transaction);
}

function balanceTransaction(call: ApiCall) {
  const customer = liveCustomer(call, arg(call, 'id'));
  const transaction = call.env.state.balanceTransactions.get(arg(call, 'txn'));
  if (!transaction || transaction.customer !== customer.id)
    throw noSuch('customer balance transaction', arg(call, 'txn'));
  return transaction;
}

// ------------------------------------------------------------------ payment methods

/** Stripe's test card tokens, so clients can add cards without card numbers. */
const TEST_TOKENS: Record<string, CardInput & { decline?: CardDecline }> = {
  tok_visa: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 },
  tok_visa_debit: { brand: 'visa', last4: '5556', expMonth: 12, expYear: 2034, funding: 'debit' },
  tok_mastercard: { brand: 'mastercard', last4: '4444', expMonth: 12, expYear: 2034 },
  tok_amex: { brand: 'amex', last4: '8431', expMonth: 12, expYear: 2034 },
  tok_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    expMonth: 12,
    expYear: 2034,
    decline: { code: 'card_declined', decline_code: 'generic_decline' },
  },
  tok_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    expMonth: 12,
    expYear: 2034,
    decline: { code: 'card_declined', decline_code: 'insufficient_funds' },
  },
  tok_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    expMonth: 12,
    expYear: 2034,
    decline: { code: 'expired_card' },
  },
  tok_chargeCustomerFail: {
    brand: 'visa',
    last4: '0341',
    expMonth: 12,
    expYear: 2034,
    decline: { code: 'card_declined', decline_code: 'generic_decline' },
  },
};

function createPaymentMethod(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const type = optionalString(params, 'type') ?? 'card';
  if (type !== 'card') throw invalidParam('type', 'The fake only supports card payment methods.');
  const card = optionalObject(params, 'card');
  const token = card ? optionalString(card, 'token') : undefined;
  const preset = token ? TEST_TOKENS[token] : undefined;
  if (!preset) {
    throw invalidParam(
      'card[token]',
      `Use a test token (${Object.keys(TEST_TOKENS).join(', ')}); card numbers are not accepted.`,
    );
  }
  const customerId = optionalString(params, 'customer');
  const customer = customerId ? call.billing.customer(customerId, 'customer') : null;
  const { decline, ...cardInput } = preset;
  const method = call.billing.addPaymentMethod({
    customer,
    card: { ...cardInput, fingerprint: `fp${token}`.slice(0, 16) },
    decline: decline ?? null,
    makeDefault: false,
    metadata: applyMetadata({}, params),
    at,
  });
  return env.render(method);
}

function attach(call: ApiCall, method: PaymentMethod, customer: Customer): void {
  call.env.update('payment_method.updated', method, (m) => (m.customer = customer.id), call.at);
  call.env.emit('payment_method.attached', call.env.render(method), call.at);
}

function detach(call: ApiCall): JsonObject {
  const { env, at } = call;
  const method = call.billing.paymentMethod(arg(call, 'id'));
  const customerId = idOf(method.customer);
  if (!customerId) throw invalidRequest('This payment method is not attached to a customer.');
  const customer = env.state.customers.get(customerId);
  if (customer && idOf(customer.invoice_settings.default_payment_method) === method.id) {
    env.update(
      'customer.updated',
      customer,
      (c) => (c.invoice_settings = { ...c.invoice_settings, default_payment_method: null }),
      at,
    );
  }
  method.customer = null;
  env.emit('payment_method.detached', env.render(method), at);
  return env.render(method);
}

function updatePaymentMethod(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const method = call.billing.paymentMethod(arg(call, 'id'));
  env.update(
    'payment_method.updated',
    method,
    (m) => {
      m.metadata = applyMetadata(m.metadata ?? {}, params);
      const card = optionalObject(params, 'card');
      if (card && m.card) {
        const month = optionalInteger(card, 'exp_month');
        const year = optionalInteger(card, 'exp_year');
        if (month !== undefined) m.card.exp_month = month;
        if (year !== undefined) m.card.exp_year = year;
      }
      const billing = optionalObject(params, 'billing_details');
      if (billing) {
        const name = optionalString(billing, 'name');
        const email = optionalString(billing, 'email');
        if (name !== undefined) m.billing_details.name = name || null;
        if (email !== undefined) m.billing_details.email = email || null;
      }
    },
    at,
  );
  return env.render(method);
}

function listPaymentMethods(call: ApiCall, customerId: string | undefined): JsonObject {
  const type = optionalString(call.params, 'type');
  if (customerId && !call.env.state.customers.has(customerId))
    throw noSuch('customer', customerId, 'customer');
  const methods = [...call.env.state.paymentMethods.values()].filter(
    (method) => (!customerId || method.customer === customerId) && (!type || method.type === type),
  );
  const url = customerId ? `/v1/customers/${customerId}/payment_methods` : '/v1/payment_methods';
  return listPage(call.env, methods, call.params, url);
}

// ------------------------------------------------------------------ billing portal

function createPortalSession(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const customer = call.billing.customer(requiredString(params, 'customer'), 'customer');
  const session = newPortalSession({
    id: env.ids.next('bps', 24),
    created: at,
    customer: customer.id,
    configuration: optionalString(params, 'configuration') ?? 'bpc_1FrontlineSandboxPortal',
    returnUrl: optionalString(params, 'return_url') ?? null,
    url: `/p/session/test_${env.ids.token(40)}`,
    locale: optionalString(params, 'locale') ?? null,
  });
  env.state.portalSessions.set(session.id, session);
  return env.render(session);
}

export const customerRoutes: Route[] = [
  { method: 'POST', path: '/v1/customers', handler: createCustomer },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: (call) => {
      const email = optionalString(call.params, 'email');
      const created = optionalRange(call.params, 'created');
      const customers = [...call.env.state.customers.values()].filter(
        (customer) => (email === undefined || customer.email === email) && inRange(customer.created, created),
      );
      return listPage(call.env, customers, call.params, '/v1/customers');
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.customers.values(),
        'customers',
        CUSTOMER_SEARCH_FIELDS,
        '/v1/customers/search',
      ),
  },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: (call) => {
      const id = arg(call, 'id');
      if (call.env.state.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
      return call.env.render(liveCustomer(call, id));
    },
  },
  { method: 'POST', path: '/v1/customers/:id', handler: updateCustomer },
  { method: 'DELETE', path: '/v1/customers/:id', handler: deleteCustomer },
  { method: 'POST', path: '/v1/customers/:id/balance_transactions', handler: createBalanceTransaction },
  {
    method: 'GET',
    path: '/v1/customers/:id/balance_transactions',
    handler: (call) => {
      const customer = liveCustomer(call, arg(call, 'id'));
      const created = optionalRange(call.params, 'created');
      const transactions = [...call.env.state.balanceTransactions.values()].filter(
        (transaction) => transaction.customer === customer.id && inRange(transaction.created, created),
      );
      return listPage(
        call.env,
        transactions,
        call.params,
        `/v1/customers/${customer.id}/balance_transactions`,
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/balance_transactions/:txn',
    handler: (call) => call.env.render(balanceTransaction(call)),
  },
  {
    method: 'POST',
    path: '/v1/customers/:id/balance_transactions/:txn',
    handler: (call) => {
      const transaction = balanceTransaction(call);
      const description = optionalString(call.params, 'description');
      if (description !== undefined) transaction.description = description || null;
      transaction.metadata = applyMetadata(transaction.metadata ?? {}, call.params);
      return call.env.render(transaction);
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    handler: (call) => listPaymentMethods(call, liveCustomer(call, arg(call, 'id')).id),
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods/:pm',
    handler: (call) => {
      const customer = liveCustomer(call, arg(call, 'id'));
      const method = call.env.state.paymentMethods.get(arg(call, 'pm'));
      if (!method || method.customer !== customer.id) throw noSuch('PaymentMethod', arg(call, 'pm'));
      return call.env.render(method);
    },
  },
  { method: 'POST', path: '/v1/payment_methods', handler: createPaymentMethod },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    handler: (call) => listPaymentMethods(call, optionalString(call.params, 'customer')),
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    handler: (call) => call.env.render(call.billing.paymentMethod(arg(call, 'id'))),
  },
  { method: 'POST', path: '/v1/payment_methods/:id', handler: updatePaymentMethod },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    handler: (call) => {
      const method = call.billing.paymentMethod(arg(call, 'id'));
      const customer = call.billing.customer(requiredString(call.params, 'customer'), 'customer');
      attach(call, method, customer);
      return call.env.render(method);
    },
  },
  { method: 'POST', path: '/v1/payment_methods/:id/detach', handler: detach },
  { method: 'POST', path: '/v1/billing_portal/sessions', handler: createPortalSession },
];
