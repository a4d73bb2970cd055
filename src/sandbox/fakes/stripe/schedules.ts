import type { Billing, ItemChange, ProrationBehavior } from './billing.js';
import { addInterval } from './calendar.js';
import type { FakeEnv } from './env.js';
import { invalidParam, invalidRequest, missingParam } from './errors.js';
import { newSchedulePhase, newSubscriptionSchedule } from './objects.js';
import { idOf, type SchedulePhase, type Subscription, type SubscriptionSchedule } from './types.js';

/**
 * Subscription schedules: a subscription's future as phases, each with its items, applied when the phase starts.
 * The fake models what changing a plan at the end of a period needs (Stripe's recommended downgrade): a schedule
 * made from a subscription (`from_subscription`), phases replaced by an update, phases entered when the subscription
 * renews, and release or cancel. Phases switch when the subscription renews, so a phase boundary inside a period
 * takes effect at the next renewal (Stripe would switch mid-period, with prorations).
 */

export type EndBehavior = 'release' | 'cancel';

/** One phase as an update asks for it; dates are unix seconds, `now` already resolved. */
export interface PhaseInput {
  items: Array<{
    price: string;
    quantity?: number | undefined;
    metadata?: Record<string, string> | undefined;
  }>;
  startDate?: number | undefined;
  endDate?: number | undefined;
  duration?: { interval: string; intervalCount: number } | undefined;
  prorationBehavior?: ProrationBehavior | undefined;
  metadata?: Record<string, string> | undefined;
  /** The phase's discounts (an existing discount by id, or a coupon to apply); none when empty or left out. */
  discounts?: Array<{ coupon?: string | undefined; discount?: string | undefined }> | undefined;
}

export interface ScheduleChanges {
  phases?: PhaseInput[];
  endBehavior?: EndBehavior;
  /** How a change to the current phase's items is prorated now (`create_prorations` by default). */
  prorationBehavior?: ProrationBehavior;
  metadata?: (current: Record<string, string>) => Record<string, string>;
}

const OPEN = new Set(['not_started', 'active']);

function notOpen(schedule: SubscriptionSchedule, verb: string) {
  return invalidRequest(
    `You cannot ${verb} a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in \`not_started\` or \`active\`.`,
  );
}

/** The phase in force at `at`: the last one that has started and not ended. */
function phaseAt(phases: readonly SchedulePhase[], at: number): SchedulePhase | undefined {
  return phases.find((phase) => phase.start_date <= at && at < phase.end_date);
}

function managedSubscription(env: FakeEnv, schedule: SubscriptionSchedule): Subscription | undefined {
  const id = idOf(schedule.subscription);
  return id ? env.state.subscriptions.get(id) : undefined;
}

/**
 * The item changes that make the subscription carry exactly `items`: prices it has keep their item (and change
 * quantity), prices it lacks are added, items whose price is not listed are removed.
 */
function itemChangesTo(
  billing: Billing,
  subscription: Subscription,
  phase: SchedulePhase,
): ItemChange[] | null {
  const current = billing.itemsOf(subscription);
  const wanted = phase.items.map((item) => ({ price: String(item.price), quantity: item.quantity ?? 1 }));
  const same =
    current.length === wanted.length &&
    wanted.every((want) =>
      current.some((item) => item.price.id === want.price && (item.quantity ?? 1) === want.quantity),
    );
  if (same) return null;
  const changes: ItemChange[] = [];
  for (const item of current) {
    const want = wanted.find((entry) => entry.price === item.price.id);
    changes.push(want ? { id: item.id, quantity: want.quantity } : { id: item.id, deleted: true });
  }
  for (const want of wanted)
    if (!current.some((item) => item.price.id === want.price)) changes.push({ ...want });
  return changes;
}

/** `POST /v1/subscription_schedules` with `from_subscription`: one phase, the current period as it is. */
export function scheduleFromSubscription(
  env: FakeEnv,
  billing: Billing,
  subscription: Subscription,
  at: number,
): SubscriptionSchedule {
  if (subscription.schedule) {
    throw invalidRequest(
      `You cannot migrate a subscription that is already attached to a schedule: \`${idOf(subscription.schedule)}\`.`,
      { param: 'from_subscription' },
    );
  }
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw invalidRequest(`You cannot migrate a subscription that has ended: \`${subscription.id}\`.`, {
      param: 'from_subscription',
    });
  }
  const period = billing.periodOf(subscription);
  const phase = newSchedulePhase({
    start: period.start,
    end: period.end,
    currency: subscription.currency,
    items: billing
      .itemsOf(subscription)
      .map((item) => ({ price: item.price.id, quantity: item.quantity ?? 1, metadata: item.metadata })),
    prorationBehavior: 'create_prorations',
    // The subscription's discounts become the phase's: a phase given later without them takes them away.
    discounts: subscription.discounts.map((entry) => ({ discount: idOf(entry) })),
  });
  const schedule = newSubscriptionSchedule({
    id: env.ids.next('sub_sched', 24),
    created: at,
    customer: String(subscription.customer),
    subscription,
    phases: [phase],
    currentPhase: { start_date: period.start, end_date: period.end },
  });
  env.state.subscriptionSchedules.set(schedule.id, schedule);
  env.emit('subscription_schedule.created', env.render(schedule), at);
  env.update('customer.subscription.updated', subscription, (sub) => (sub.schedule = schedule.id), at);
  return schedule;
}

/** Turns the requested phases into stored ones: consecutive dates, ends from `end_date`, a duration or one cycle. */
function buildPhases(
  billing: Billing,
  schedule: SubscriptionSchedule,
  subscription: Subscription | undefined,
  inputs: PhaseInput[],
  at: number,
): SchedulePhase[] {
  if (inputs.length === 0) throw missingParam('phases');
  const currency = subscription?.currency ?? schedule.phases[0]?.currency ?? 'usd';
  const phases: SchedulePhase[] = [];
  let start: number | undefined;
  inputs.forEach((input, index) => {
    const param = `phases[${index}]`;
    if (index === 0) {
      if (input.startDate === undefined) throw missingParam(`${param}[start_date]`);
      start = input.startDate;
      const current = schedule.current_phase;
      if (schedule.status === 'active' && current && start <= at && start !== current.start_date)
        throw invalidParam(`${param}[start_date]`, 'You can not modify the start date of the current phase.');
    } else if (input.startDate !== undefined && input.startDate !== start) {
      throw invalidParam(
        `${param}[start_date]`,
        `The start date of phase ${index} must be the end date of the phase before it.`,
      );
    }
    const from = start as number;
    if (input.items.length === 0) throw missingParam(`${param}[items]`);
    const prices = input.items.map((item, itemIndex) =>
      billing.price(item.price, `${param}[items][${itemIndex}][price]`),
    );
    prices.forEach((price, itemIndex) => {
      if (price.currency !== currency)
        throw invalidParam(
          `${param}[items][${itemIndex}][price]`,
          `The price's currency (${price.currency}) must match the subscription's (${currency}).`,
        );
    });
    if (input.endDate !== undefined && input.duration)
      throw invalidRequest('You may only specify one of these parameters: duration, end_date.', {
        param: `${param}[end_date]`,
      });
    const recurring = prices[0]?.recurring;
    const end =
      input.endDate ??
      (input.duration
        ? addInterval(from, input.duration.interval, input.duration.intervalCount)
        : index === inputs.length - 1
          ? addInterval(from, recurring?.interval ?? 'month', recurring?.interval_count ?? 1)
          : undefined);
    if (end === undefined) throw missingParam(`${param}[end_date]`);
    if (end <= from)
      throw invalidParam(`${param}[end_date]`, 'The end date of a phase must be after its start date.');
    phases.push(
      newSchedulePhase({
        start: from,
        end,
        currency,
        items: input.items.map((item) => ({
          price: item.price,
          quantity: item.quantity ?? 1,
          ...(item.metadata ? { metadata: item.metadata } : {}),
        })),
        prorationBehavior: input.prorationBehavior ?? 'create_prorations',
        ...(input.metadata ? { metadata: input.metadata } : {}),
        ...(input.discounts ? { discounts: input.discounts } : {}),
      }),
    );
    start = end;
  });
  return phases;
}

/**
 * `POST /v1/subscription_schedules/:id`. New phases replace the old ones; when the phase in force now asks for other
 * items than the subscription has, the subscription changes now (prorated by `prorationBehavior`).
 */
export function updateSchedule(
  env: FakeEnv,
  billing: Billing,
  schedule: SubscriptionSchedule,
  changes: ScheduleChanges,
  at: number,
): SubscriptionSchedule {
  if (!OPEN.has(schedule.status)) throw notOpen(schedule, 'update');
  const subscription = managedSubscription(env, schedule);
  const phases = changes.phases
    ? buildPhases(billing, schedule, subscription, changes.phases, at)
    : undefined;
  env.update(
    'subscription_schedule.updated',
    schedule,
    (target) => {
      if (phases) {
        target.phases = phases;
        const current = phaseAt(phases, at);
        target.current_phase = current
          ? { start_date: current.start_date, end_date: current.end_date }
          : null;
      }
      if (changes.endBehavior) target.end_behavior = changes.endBehavior;
      if (changes.metadata) target.metadata = changes.metadata(target.metadata ?? {});
    },
    at,
  );
  const current = phases ? phaseAt(phases, at) : undefined;
  if (subscription && current) {
    const items = itemChangesTo(billing, subscription, current);
    if (items)
      billing.updateSubscription(
        subscription,
        { items, prorationBehavior: changes.prorationBehavior ?? 'create_prorations' },
        at,
      );
    billing.setPhaseDiscounts(subscription, phaseDiscounts(current), at);
  }
  return schedule;
}

function detach(env: FakeEnv, schedule: SubscriptionSchedule, at: number): Subscription | undefined {
  const subscription = managedSubscription(env, schedule);
  if (subscription)
    env.update('customer.subscription.updated', subscription, (sub) => (sub.schedule = null), at);
  return subscription;
}

/** `POST /v1/subscription_schedules/:id/release`: the subscription goes on as it is now, without the schedule. */
export function releaseSchedule(
  env: FakeEnv,
  schedule: SubscriptionSchedule,
  at: number,
): SubscriptionSchedule {
  if (!OPEN.has(schedule.status)) throw notOpen(schedule, 'release');
  const subscription = detach(env, schedule, at);
  env.update(
    'subscription_schedule.released',
    schedule,
    (target) => {
      target.status = 'released';
      target.released_at = at;
      target.released_subscription = subscription?.id ?? null;
      target.subscription = null;
      target.current_phase = null;
    },
    at,
  );
  return schedule;
}

/** `POST /v1/subscription_schedules/:id/cancel`: the schedule and its subscription end now. */
export function cancelSchedule(
  env: FakeEnv,
  billing: Billing,
  schedule: SubscriptionSchedule,
  options: { at: number; prorate: boolean; invoiceNow: boolean },
): SubscriptionSchedule {
  if (!OPEN.has(schedule.status)) throw notOpen(schedule, 'cancel');
  const subscription = managedSubscription(env, schedule);
  env.update(
    'subscription_schedule.canceled',
    schedule,
    (target) => {
      target.status = 'canceled';
      target.canceled_at = options.at;
      target.current_phase = null;
    },
    options.at,
  );
  if (subscription && subscription.status !== 'canceled')
    billing.cancelSubscription(subscription, {
      at: options.at,
      prorate: options.prorate,
      invoiceNow: options.invoiceNow,
    });
  return schedule;
}

/**
 * Called as a subscription renews at `at` (the end of its period): enters the phase that starts then (its items,
 * without prorations), or ends the schedule after its last phase (`release` keeps the subscription as it is,
 * `cancel` ends it). Answers false when the subscription was cancelled.
 */
export function enterScheduledPhase(
  env: FakeEnv,
  billing: Billing,
  subscription: Subscription,
  at: number,
): boolean {
  const id = idOf(subscription.schedule);
  const schedule = id ? env.state.subscriptionSchedules.get(id) : undefined;
  if (schedule?.status !== 'active') return true;
  const last = schedule.phases.at(-1);
  if (!last || at >= last.end_date) {
    if (schedule.end_behavior === 'cancel') {
      env.update(
        'subscription_schedule.completed',
        schedule,
        (target) => {
          target.status = 'completed';
          target.completed_at = at;
          target.current_phase = null;
        },
        at,
      );
      billing.cancelSubscription(subscription, { at });
      return false;
    }
    releaseSchedule(env, schedule, at);
    return true;
  }
  const next = phaseAt(schedule.phases, at);
  if (!next || next.start_date === schedule.current_phase?.start_date) return true;
  env.update(
    'subscription_schedule.updated',
    schedule,
    (target) => (target.current_phase = { start_date: next.start_date, end_date: next.end_date }),
    at,
  );
  const items = itemChangesTo(billing, subscription, next);
  if (items) billing.updateSubscription(subscription, { items, prorationBehavior: 'none' }, at);
  billing.setPhaseDiscounts(subscription, phaseDiscounts(next), at);
  return true;
}

const phaseDiscounts = (phase: SchedulePhase) =>
  phase.discounts.map((entry) => ({ coupon: idOf(entry.coupon), discount: idOf(entry.discount) }));
