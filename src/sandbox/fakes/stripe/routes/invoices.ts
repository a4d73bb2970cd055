import { cardError, invalidRequest, missingParam, noSuch } from '../errors.js';
import { listPage } from '../listing.js';
import type { LineDraft } from '../objects.js';
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
  requiredString,
} from '../params.js';
import { chargeFor } from '../pricing.js';
import { type ApiCall, arg, type Route } from '../router.js';
import { type Invoice, type InvoiceItem, idOf, type JsonObject } from '../types.js';
import { searchResources } from './customers.js';

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

function invoice(call: ApiCall, id = arg(call, 'id')): Invoice {
  const found = call.env.state.invoices.get(id);
  if (!found) throw noSuch('invoice', id);
  return found;
}

function subscriptionOf(found: Invoice): string | null {
  return idOf(found.parent?.subscription_details?.subscription ?? null);
}

function createInvoice(call: ApiCall): JsonObject {
  const { params, billing, at } = call;
  const customer = billing.customer(requiredString(params, 'customer'), 'customer');
  const subscriptionId = optionalString(params, 'subscription');
  const subscription = subscriptionId ? billing.subscription(subscriptionId, 'subscription') : null;
  const include =
    optionalEnum(params, 'pending_invoice_items_behavior', ['include', 'exclude'] as const) === 'include';
  const lines: LineDraft[] = [];
  if (include) {
    for (const item of call.env.state.invoiceItems.values()) {
      if (item.customer === customer.id && item.invoice === null) lines.push(draftOf(call, item));
    }
  }
  const collection = optionalEnum(params, 'collection_method', [
    'charge_automatically',
    'send_invoice',
  ] as const);
  const daysUntilDue = optionalInteger(params, 'days_until_due');
  if (
    collection === 'send_invoice' &&
    daysUntilDue === undefined &&
    optionalInteger(params, 'due_date') === undefined
  ) {
    throw invalidRequest(
      'Missing required param: days_until_due (or due_date) for invoices sent to the customer.',
      {
        code: 'parameter_missing',
        param: 'days_until_due',
      },
    );
  }
  const created = billing.createInvoice({
    customer,
    subscription,
    lines,
    billingReason: subscription ? 'subscription' : 'manual',
    at,
    currency: optionalString(params, 'currency')?.toLowerCase(),
    collectionMethod: collection ?? 'charge_automatically',
    daysUntilDue: daysUntilDue ?? null,
    description: optionalString(params, 'description') ?? null,
    metadata: applyMetadata({}, params),
    autoAdvance: optionalBoolean(params, 'auto_advance') ?? false,
    defaultPaymentMethod: optionalString(params, 'default_payment_method') ?? null,
    discounts: subscription ? undefined : [],
  });
  const dueDate = optionalInteger(params, 'due_date');
  if (dueDate !== undefined) created.due_date = dueDate;
  return call.env.render(created);
}

function draftOf(call: ApiCall, item: InvoiceItem): LineDraft {
  const priceId = idOf(item.pricing?.price_details?.price ?? null);
  return {
    description: item.description ?? '',
    amount: item.amount,
    currency: item.currency,
    quantity: item.quantity,
    price: priceId ? (call.env.state.prices.get(priceId) ?? null) : null,
    period: item.period,
    proration: item.proration,
    subscription: idOf(item.parent?.subscription_details?.subscription ?? null),
    subscriptionItem: item.parent?.subscription_details?.subscription_item ?? null,
    invoiceItem: item.id,
    discountable: item.discountable,
    metadata: item.metadata ?? {},
  };
}

function updateInvoice(call: ApiCall): JsonObject {
  const { params, env, at } = call;
  const found = invoice(call);
  const editable = found.status === 'draft';
  env.update(
    'invoice.updated',
    found,
    (inv) => {
      inv.metadata = applyMetadata(inv.metadata ?? {}, params);
      const autoAdvance = optionalBoolean(params, 'auto_advance');
      if (autoAdvance !== undefined) inv.auto_advance = autoAdvance;
      const description = optionalString(params, 'description');
      const footer = optionalString(params, 'footer');
      const dueDate = optionalInteger(params, 'due_date');
      const daysUntilDue = optionalInteger(params, 'days_until_due');
      const method = optionalString(params, 'default_payment_method');
      const changesContent = [description, footer, dueDate, daysUntilDue, method].some(
        (value) => value !== undefined,
      );
      if (changesContent && !editable) {
        throw invalidRequest('You can only update the metadata and auto_advance of a finalized invoice.', {
          code: 'invoice_not_editable',
        });
      }
      if (description !== undefined) inv.description = description || null;
      if (footer !== undefined) inv.footer = footer || null;
      if (dueDate !== undefined) inv.due_date = dueDate;
      if (daysUntilDue !== undefined) inv.due_date = inv.created + daysUntilDue * 86_400;
      if (method !== undefined) inv.default_payment_method = method || null;
    },
    at,
  );
  return env.render(found);
}

function payInvoice(call: ApiCall): JsonObject {
  const { params, billing, env, at } = call;
  const found = invoice(call);
  if (found.status === 'paid')
    throw invalidRequest('Invoice is already paid', { code: 'invoice_already_paid' });
  if (found.status === 'draft') billing.finalizeInvoice(found, at);
  if (found.status !== 'open') {
    throw invalidRequest(`You can only pay an open invoice; this invoice is ${found.status}.`, {
      code: 'invoice_not_open',
    });
  }
  if (optionalBoolean(params, 'paid_out_of_band')) {
    billing.markPaid(found, at, true);
    return env.render(found);
  }
  const methodId = optionalString(params, 'payment_method');
  const method = methodId ? billing.paymentMethod(methodId, 'payment_method') : null;
  const result = billing.payInvoice(found, at, { paymentMethod: method });
  if (!result.ok && result.decline) {
    throw cardError(result.decline, {
      charge: result.charge?.id,
      payment_intent: result.paymentIntent ? env.render(result.paymentIntent) : undefined,
      payment_method: result.charge
        ? env.render(billing.paymentMethod(String(result.charge.payment_method)))
        : undefined,
    });
  }
  return env.render(found);
}

function createPreview(call: ApiCall): JsonObject {
  const { params, billing, at } = call;
  const subscriptionId = optionalString(params, 'subscription');
  const subscription = subscriptionId ? billing.subscription(subscriptionId, 'subscription') : null;
  const customerId =
    optionalString(params, 'customer') ?? (subscription ? String(subscription.customer) : undefined);
  if (!customerId) throw missingParam('customer');
  const customer = billing.customer(customerId, 'customer');
  const details = optionalObject(params, 'subscription_details') ?? {};
  const items = arrayOfObjects(details, 'items');
  if (!subscription && (!items || items.length === 0)) {
    throw invalidRequest('Provide a subscription or subscription_details[items] to preview an invoice.', {
      code: 'parameter_missing',
      param: 'subscription',
    });
  }
  const discounts = arrayOfObjects(params, 'discounts');
  return billing.preview({
    customer,
    subscription,
    items: items?.map((item) => ({
      id: optionalString(item, 'id') || undefined,
      price: optionalString(item, 'price') || undefined,
      quantity: optionalInteger(item, 'quantity'),
      deleted: optionalBoolean(item, 'deleted') ?? false,
    })),
    prorationBehavior: optionalEnum(details, 'proration_behavior', [
      'create_prorations',
      'none',
      'always_invoice',
    ] as const),
    prorationDate: optionalInteger(details, 'proration_date'),
    coupons: discounts
      ?.map((entry, index) => {
        const coupon = optionalString(entry, 'coupon');
        return coupon ? billing.coupon(coupon, `discounts[${index}][coupon]`) : null;
      })
      .filter((coupon) => coupon !== null),
    at,
  });
}

function listInvoices(call: ApiCall): JsonObject {
  const { params } = call;
  const customer = optionalString(params, 'customer');
  const status = optionalEnum(params, 'status', INVOICE_STATUSES);
  const subscription = optionalString(params, 'subscription');
  const collection = optionalString(params, 'collection_method');
  const created = optionalRange(params, 'created');
  const dueDate = optionalRange(params, 'due_date');
  const invoices = [...call.env.state.invoices.values()].filter(
    (inv) =>
      (!customer || inv.customer === customer) &&
      (!status || inv.status === status) &&
      (!subscription || subscriptionOf(inv) === subscription) &&
      (!collection || inv.collection_method === collection) &&
      inRange(inv.created, created) &&
      (!dueDate || inRange(inv.due_date, dueDate)),
  );
  return listPage(call.env, invoices, params, '/v1/invoices');
}

function createInvoiceItem(call: ApiCall): JsonObject {
  const { params, billing, env, at } = call;
  const invoiceId = optionalString(params, 'invoice');
  const target = invoiceId ? invoice(call, invoiceId) : null;
  const customerId = optionalString(params, 'customer') ?? (target ? String(target.customer) : undefined);
  if (!customerId) throw missingParam('customer');
  const customer = billing.customer(customerId, 'customer');
  const pricing = optionalObject(params, 'pricing');
  const priceId = optionalString(params, 'price') ?? (pricing ? optionalString(pricing, 'price') : undefined);
  const price = priceId ? billing.price(priceId, 'pricing[price]') : null;
  const quantity = optionalInteger(params, 'quantity') ?? 1;
  if (price?.custom_unit_amount) {
    throw invalidRequest(
      `The price \`${price.id}\` has a \`custom_unit_amount\`, which only Checkout and Payment Links can use.`,
      { param: 'pricing[price]' },
    );
  }
  const amount = optionalInteger(params, 'amount') ?? (price ? chargeFor(price, quantity) : undefined);
  if (amount === undefined) throw missingParam('amount');
  const currency = (
    optionalString(params, 'currency') ??
    price?.currency ??
    target?.currency ??
    customer.currency ??
    ''
  ).toLowerCase();
  if (!currency) throw missingParam('currency');
  const subscriptionId = optionalString(params, 'subscription') ?? null;
  if (subscriptionId) billing.subscription(subscriptionId, 'subscription');
  const period = optionalObject(params, 'period');
  const item = billing.addInvoiceItem(
    customer,
    {
      description:
        optionalString(params, 'description') ?? (price ? billing.productName(price) : 'Invoice item'),
      amount,
      currency,
      quantity: price ? quantity : null,
      price,
      period: {
        start: period ? (optionalInteger(period, 'start') ?? at) : at,
        end: period ? (optionalInteger(period, 'end') ?? at) : at,
      },
      proration: false,
      subscription: subscriptionId,
      subscriptionItem: null,
      invoiceItem: null,
      discountable: optionalBoolean(params, 'discountable') ?? amount > 0,
      metadata: applyMetadata({}, params),
    },
    at,
    target,
  );
  return env.render(item);
}

function invoiceItem(call: ApiCall): InvoiceItem {
  const found = call.env.state.invoiceItems.get(arg(call, 'id'));
  if (!found) throw noSuch('invoiceitem', arg(call, 'id'));
  return found;
}

export const invoiceRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoices', handler: createInvoice },
  { method: 'GET', path: '/v1/invoices', handler: listInvoices },
  { method: 'POST', path: '/v1/invoices/create_preview', handler: createPreview },
  {
    method: 'GET',
    path: '/v1/invoices/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.invoices.values(),
        'invoices',
        ['created', 'currency', 'customer', 'number', 'receipt_number', 'status', 'subscription', 'total'],
        '/v1/invoices/search',
        (inv, field) =>
          field === 'subscription' ? subscriptionOf(inv) : (inv as unknown as Record<string, unknown>)[field],
      ),
  },
  { method: 'GET', path: '/v1/invoices/:id', handler: (call) => call.env.render(invoice(call)) },
  { method: 'POST', path: '/v1/invoices/:id', handler: updateInvoice },
  {
    method: 'DELETE',
    path: '/v1/invoices/:id',
    handler: (call) => {
      const found = invoice(call);
      if (found.status !== 'draft') {
        throw invalidRequest('You can only delete draft invoices.', { code: 'invoice_not_editable' });
      }
      call.env.state.invoices.delete(found.id);
      for (const item of call.env.state.invoiceItems.values())
        if (item.invoice === found.id) item.invoice = null;
      call.env.emit('invoice.deleted', call.env.render(found), call.at);
      return { id: found.id, object: 'invoice', deleted: true };
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/finalize',
    handler: (call) => {
      const found = invoice(call);
      const autoAdvance = optionalBoolean(call.params, 'auto_advance');
      if (autoAdvance !== undefined) found.auto_advance = autoAdvance;
      call.billing.finalizeInvoice(found, call.at);
      return call.env.render(found);
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/send',
    handler: (call) => {
      const found = invoice(call);
      if (found.status === 'draft') call.billing.finalizeInvoice(found, call.at);
      if (found.status === 'void')
        throw invalidRequest('You cannot send a voided invoice.', { code: 'invoice_not_editable' });
      call.env.emit('invoice.sent', call.env.render(found), call.at);
      return call.env.render(found);
    },
  },
  { method: 'POST', path: '/v1/invoices/:id/pay', handler: payInvoice },
  {
    method: 'POST',
    path: '/v1/invoices/:id/void',
    handler: (call) => {
      const found = invoice(call);
      call.billing.voidInvoice(found, call.at);
      return call.env.render(found);
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/mark_uncollectible',
    handler: (call) => {
      const found = invoice(call);
      call.billing.markUncollectible(found, call.at);
      return call.env.render(found);
    },
  },
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    handler: (call) => {
      const found = invoice(call);
      return listPage(call.env, found.lines.data, call.params, `/v1/invoices/${found.id}/lines`, {
        ordered: true,
      });
    },
  },
  { method: 'POST', path: '/v1/invoiceitems', handler: createInvoiceItem },
  {
    method: 'GET',
    path: '/v1/invoiceitems',
    handler: (call) => {
      const customer = optionalString(call.params, 'customer');
      const invoiceId = optionalString(call.params, 'invoice');
      const pending = optionalBoolean(call.params, 'pending');
      const created = optionalRange(call.params, 'created');
      const items = [...call.env.state.invoiceItems.values()].filter(
        (item) =>
          (!customer || item.customer === customer) &&
          (!invoiceId || item.invoice === invoiceId) &&
          (pending === undefined || (item.invoice === null) === pending) &&
          inRange(item.date, created),
      );
      return listPage(call.env, items, call.params, '/v1/invoiceitems');
    },
  },
  { method: 'GET', path: '/v1/invoiceitems/:id', handler: (call) => call.env.render(invoiceItem(call)) },
  {
    method: 'DELETE',
    path: '/v1/invoiceitems/:id',
    handler: (call) => {
      const item = invoiceItem(call);
      if (item.invoice !== null) {
        const owner = call.env.state.invoices.get(String(item.invoice));
        if (owner && owner.status !== 'draft') {
          throw invalidRequest('You can only delete invoice items that are pending or on a draft invoice.');
        }
        if (owner) {
          owner.lines.data = owner.lines.data.filter((line) => {
            const parent = line.parent;
            const source =
              parent?.invoice_item_details?.invoice_item ??
              parent?.subscription_item_details?.invoice_item ??
              null;
            return source !== item.id;
          });
          call.billing.computeTotals(owner, call.billing.customer(String(owner.customer)), []);
        }
      }
      call.env.state.invoiceItems.delete(item.id);
      call.env.emit('invoiceitem.deleted', call.env.render(item), call.at);
      return { id: item.id, object: 'invoiceitem', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/invoice_payments',
    handler: (call) => {
      const invoiceId = optionalString(call.params, 'invoice');
      const status = optionalString(call.params, 'status');
      const payment = optionalObject(call.params, 'payment');
      const intent = payment ? optionalString(payment, 'payment_intent') : undefined;
      const payments = [...call.env.state.invoicePayments.values()].filter(
        (entry) =>
          (!invoiceId || entry.invoice === invoiceId) &&
          (!status || entry.status === status) &&
          (!intent || idOf(entry.payment.payment_intent ?? null) === intent),
      );
      return listPage(call.env, payments, call.params, '/v1/invoice_payments');
    },
  },
  {
    method: 'GET',
    path: '/v1/invoice_payments/:id',
    handler: (call) => {
      const found = call.env.state.invoicePayments.get(arg(call, 'id'));
      if (!found) throw noSuch('invoice_payment', arg(call, 'id'));
      return call.env.render(found);
    },
  },
];
