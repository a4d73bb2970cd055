import type { ProrationBehavior } from '../billing.js';
import { invalidRequest, missingParam, noSuch } from '../errors.js';
import { listPage } from '../listing.js';
import {
  applyMetadata,
  arrayOfObjects,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalTimestampOr,
  type Params,
} from '../params.js';
import { type ApiCall, arg, type Route } from '../router.js';
import {
  cancelSchedule,
  type PhaseInput,
  releaseSchedule,
  scheduleFromSubscription,
  updateSchedule,
} from '../schedules.js';
import type { JsonObject, SubscriptionSchedule } from '../types.js';

const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'] as const;
const INTERVALS = ['day', 'week', 'month', 'year'] as const;
/** What `from_subscription` may come with: it takes everything else from the subscription. */
const WITH_FROM_SUBSCRIPTION = new Set(['from_subscription', 'expand']);

function schedule(call: ApiCall, id = arg(call, 'id')): SubscriptionSchedule {
  const found = call.env.state.subscriptionSchedules.get(id);
  if (!found) throw noSuch('subscription_schedule', id);
  return found;
}

function phaseInputs(call: ApiCall): PhaseInput[] | undefined {
  const phases = arrayOfObjects(call.params, 'phases');
  if (!phases) return undefined;
  return phases.map((phase, index): PhaseInput => {
    const param = `phases[${index}]`;
    const items = arrayOfObjects(phase, 'items') ?? [];
    const when = (name: 'start_date' | 'end_date') => {
      const value = optionalTimestampOr(phase, name, ['now'] as const);
      return value === 'now' ? call.at : value;
    };
    const duration = optionalObject(phase, 'duration');
    return {
      items: items.map((item, itemIndex) => {
        const price = optionalString(item, 'price');
        if (!price) throw missingParam(`${param}[items][${itemIndex}][price]`);
        return {
          price,
          quantity: optionalInteger(item, 'quantity'),
          ...(item.metadata !== undefined ? { metadata: applyMetadata({}, item) } : {}),
        };
      }),
      startDate: when('start_date'),
      endDate: when('end_date'),
      duration: duration
        ? {
            interval: optionalEnum(duration, 'interval', INTERVALS) ?? 'month',
            intervalCount: optionalInteger(duration, 'interval_count') ?? 1,
          }
        : undefined,
      prorationBehavior: optionalEnum(phase, 'proration_behavior', PRORATION_BEHAVIORS) as
        | ProrationBehavior
        | undefined,
      ...(phase.metadata !== undefined ? { metadata: applyMetadata({}, phase) } : {}),
      discounts: (arrayOfObjects(phase, 'discounts') ?? []).map((entry) => ({
        coupon: optionalString(entry, 'coupon'),
        discount: optionalString(entry, 'discount'),
      })),
    };
  });
}

function createSchedule(call: ApiCall): JsonObject {
  const { params, billing, at } = call;
  const from = optionalString(params, 'from_subscription');
  if (!from) {
    // Stripe also builds a schedule from `customer` + `phases`; nothing the app does needs that yet.
    throw invalidRequest(
      'The Stripe fake makes subscription schedules from an existing subscription only: pass from_subscription.',
      { param: 'from_subscription' },
    );
  }
  const extra = Object.keys(params).find((key) => !WITH_FROM_SUBSCRIPTION.has(key));
  if (extra)
    throw invalidRequest(`You cannot set \`${extra}\` when \`from_subscription\` is set.`, { param: extra });
  const subscription = billing.subscription(from, 'from_subscription');
  return call.env.render(scheduleFromSubscription(call.env, billing, subscription, at));
}

function listSchedules(call: ApiCall): JsonObject {
  const customer = optionalString(call.params, 'customer');
  const schedules = [...call.env.state.subscriptionSchedules.values()].filter(
    (entry) => !customer || entry.customer === customer,
  );
  return listPage(call.env, schedules, call.params, '/v1/subscription_schedules');
}

export const scheduleRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscription_schedules', handler: createSchedule },
  { method: 'GET', path: '/v1/subscription_schedules', handler: listSchedules },
  {
    method: 'GET',
    path: '/v1/subscription_schedules/:id',
    handler: (call) => call.env.render(schedule(call)),
  },
  {
    method: 'POST',
    path: '/v1/subscription_schedules/:id',
    handler: (call) => {
      const found = schedule(call);
      const phases = phaseInputs(call);
      const endBehavior = optionalEnum(call.params, 'end_behavior', ['release', 'cancel'] as const);
      const prorationBehavior = optionalEnum(call.params, 'proration_behavior', PRORATION_BEHAVIORS);
      updateSchedule(
        call.env,
        call.billing,
        found,
        {
          ...(phases ? { phases } : {}),
          ...(endBehavior ? { endBehavior } : {}),
          ...(prorationBehavior ? { prorationBehavior } : {}),
          ...(call.params.metadata !== undefined
            ? { metadata: (current: Record<string, string>) => applyMetadata(current, call.params as Params) }
            : {}),
        },
        call.at,
      );
      return call.env.render(found);
    },
  },
  {
    method: 'POST',
    path: '/v1/subscription_schedules/:id/release',
    handler: (call) => call.env.render(releaseSchedule(call.env, schedule(call), call.at)),
  },
  {
    method: 'POST',
    path: '/v1/subscription_schedules/:id/cancel',
    handler: (call) =>
      call.env.render(
        cancelSchedule(call.env, call.billing, schedule(call), {
          at: call.at,
          prorate: optionalBoolean(call.params, 'prorate') ?? true,
          invoiceNow: optionalBoolean(call.params, 'invoice_now') ?? true,
        }),
      ),
  },
];
