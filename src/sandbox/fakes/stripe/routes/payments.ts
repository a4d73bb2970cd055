import { invalidRequest, noSuch } from '../errors.js';
import { listPage } from '../listing.js';
import {
  applyMetadata,
  inRange,
  optionalEnum,
  optionalInteger,
  optionalRange,
  optionalString,
  optionalStringList,
} from '../params.js';
import { type ApiCall, arg, type Route } from '../router.js';
import type { Charge, JsonObject } from '../types.js';
import { searchResources } from './customers.js';

const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

function createRefund(call: ApiCall): JsonObject {
  const { params, billing, env, at } = call;
  const chargeId = optionalString(params, 'charge');
  const intentId = optionalString(params, 'payment_intent');
  if (!chargeId && !intentId) {
    throw invalidRequest('Provide either charge or payment_intent.');
  }
  let charge: Charge;
  if (chargeId) {
    charge = billing.charge(chargeId, 'charge');
    if (intentId && charge.payment_intent !== intentId) {
      throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${intentId}.`, {
        param: 'payment_intent',
      });
    }
  } else {
    const intent = env.state.paymentIntents.get(intentId ?? '');
    if (!intent) throw noSuch('payment_intent', intentId ?? '', 'payment_intent');
    const latest = intent.latest_charge ? env.state.charges.get(String(intent.latest_charge)) : undefined;
    if (!latest || intent.status !== 'succeeded') {
      throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
        code: 'charge_not_refundable',
        param: 'payment_intent',
      });
    }
    charge = latest;
  }
  const refund = billing.refund({
    charge,
    amount: optionalInteger(params, 'amount'),
    reason: optionalEnum(params, 'reason', REFUND_REASONS) ?? null,
    metadata: applyMetadata({}, params),
    at,
  });
  return env.render(refund);
}

function listEvents(call: ApiCall): JsonObject {
  const type = optionalString(call.params, 'type');
  const types = optionalStringList(call.params, 'types');
  if (type && types) throw invalidRequest('Use either type or types, not both.');
  const created = optionalRange(call.params, 'created');
  const matchesType = (eventType: string, pattern: string) =>
    pattern.endsWith('*') ? eventType.startsWith(pattern.slice(0, -1)) : eventType === pattern;
  const events = [...call.env.state.events.values()].filter(
    (event) =>
      (!type || matchesType(event.type, type)) &&
      (!types || types.some((pattern) => matchesType(event.type, pattern))) &&
      inRange(event.created, created),
  );
  return listPage(call.env, events, call.params, '/v1/events');
}

const CHARGE_SEARCH_FIELDS = [
  'amount',
  'billing_details.address.postal_code',
  'created',
  'currency',
  'customer',
  'disputed',
  'payment_intent',
  'payment_method_details.card.brand',
  'payment_method_details.card.exp_month',
  'payment_method_details.card.exp_year',
  'payment_method_details.card.fingerprint',
  'payment_method_details.card.last4',
  'refunded',
  'status',
] as const;

export const paymentRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: (call) => {
      const customer = optionalString(call.params, 'customer');
      const created = optionalRange(call.params, 'created');
      const intents = [...call.env.state.paymentIntents.values()].filter(
        (intent) => (!customer || intent.customer === customer) && inRange(intent.created, created),
      );
      return listPage(call.env, intents, call.params, '/v1/payment_intents');
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.paymentIntents.values(),
        'payment_intents',
        ['amount', 'created', 'currency', 'customer', 'status'],
        '/v1/payment_intents/search',
      ),
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    handler: (call) => {
      const intent = call.env.state.paymentIntents.get(arg(call, 'id'));
      if (!intent) throw noSuch('payment_intent', arg(call, 'id'));
      return call.env.render(intent);
    },
  },
  {
    method: 'GET',
    path: '/v1/charges',
    handler: (call) => {
      const customer = optionalString(call.params, 'customer');
      const intent = optionalString(call.params, 'payment_intent');
      const created = optionalRange(call.params, 'created');
      const charges = [...call.env.state.charges.values()].filter(
        (charge) =>
          (!customer || charge.customer === customer) &&
          (!intent || charge.payment_intent === intent) &&
          inRange(charge.created, created),
      );
      return listPage(call.env, charges, call.params, '/v1/charges');
    },
  },
  {
    method: 'GET',
    path: '/v1/charges/search',
    handler: (call) =>
      searchResources(
        call,
        call.env.state.charges.values(),
        'charges',
        CHARGE_SEARCH_FIELDS,
        '/v1/charges/search',
      ),
  },
  {
    method: 'GET',
    path: '/v1/charges/:id',
    handler: (call) => call.env.render(call.billing.charge(arg(call, 'id'))),
  },
  { method: 'POST', path: '/v1/refunds', handler: createRefund },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: (call) => {
      const charge = optionalString(call.params, 'charge');
      const intent = optionalString(call.params, 'payment_intent');
      const created = optionalRange(call.params, 'created');
      const refunds = [...call.env.state.refunds.values()].filter(
        (refund) =>
          (!charge || refund.charge === charge) &&
          (!intent || refund.payment_intent === intent) &&
          inRange(refund.created, created),
      );
      return listPage(call.env, refunds, call.params, '/v1/refunds');
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds/:id',
    handler: (call) => {
      const refund = call.env.state.refunds.get(arg(call, 'id'));
      if (!refund) throw noSuch('refund', arg(call, 'id'));
      return call.env.render(refund);
    },
  },
  {
    method: 'POST',
    path: '/v1/refunds/:id',
    handler: (call) => {
      const refund = call.env.state.refunds.get(arg(call, 'id'));
      if (!refund) throw noSuch('refund', arg(call, 'id'));
      call.env.update(
        'refund.updated',
        refund,
        (r) => (r.metadata = applyMetadata(r.metadata ?? {}, call.params)),
        call.at,
      );
      return call.env.render(refund);
    },
  },
  { method: 'GET', path: '/v1/events', handler: listEvents },
  {
    method: 'GET',
    path: '/v1/events/:id',
    handler: (call) => {
      const event = call.env.state.events.get(arg(call, 'id'));
      if (!event) throw noSuch('event', arg(call, 'id'));
      return call.env.render(event);
    },
  },
];
