import type { IdGenerator } from './ids.js';
import { API_VERSION } from './objects.js';
import { isPlainObject } from './params.js';
import { emptyState, type FakeEvent, type JsonObject, type StripeState } from './types.js';

/** Stripe keeps events for 30 days; seeded history older than that records no events either. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

export interface RequestInfo {
  id: string;
  idempotencyKey: string | null;
}

/**
 * What every part of the fake shares: the state, the clock, the id source, and the event log. Objects are stored
 * in their wire shape (`state.*`); `render` composes the parts Stripe nests (subscription items into their
 * subscription, the current price into each item), leaves out the includable fields Stripe sends only when expanded
 * (a price's `tiers`), and returns a copy that callers may change freely.
 */
export class FakeEnv {
  readonly state: StripeState = emptyState();
  /** The API request being handled, recorded on the events it causes. */
  request: RequestInfo | null = null;
  /** Called with every event as it is recorded. */
  onEvent: ((event: FakeEvent) => void) | null = null;

  constructor(
    readonly ids: IdGenerator,
    readonly now: () => number,
  ) {}

  nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  render(object: object): JsonObject {
    const copy = structuredClone(object) as JsonObject;
    switch (copy.object) {
      case 'subscription': {
        const id = String(copy.id);
        const items = [...this.state.subscriptionItems.values()]
          .filter((item) => item.subscription === id)
          .sort((a, b) => a.created - b.created);
        copy.items = {
          object: 'list',
          data: items.map((item) => this.render(item)),
          has_more: false,
          total_count: items.length,
          url: `/v1/subscription_items?subscription=${id}`,
        };
        return copy;
      }
      case 'subscription_item': {
        const price = isPlainObject(copy.price) ? this.state.prices.get(String(copy.price.id)) : undefined;
        if (price) copy.price = this.render(price);
        else if (isPlainObject(copy.price)) delete copy.price.tiers;
        return copy;
      }
      case 'price':
        // `tiers` is includable: Stripe sends it only when the request expands it (expand.ts adds it back).
        delete copy.tiers;
        return copy;
      case 'invoice': {
        const lines = copy.lines;
        if (isPlainObject(lines) && Array.isArray(lines.data) && lines.data.length > 10) {
          lines.data = lines.data.slice(0, 10);
          lines.has_more = true;
        }
        return copy;
      }
      default:
        return copy;
    }
  }

  /**
   * Records an event about `object` (already rendered) at `at` (unix seconds; now by default). Events older than
   * Stripe's 30-day retention are not kept, so seeding years of history stays cheap.
   */
  emit(
    type: string,
    object: JsonObject,
    at = this.nowSec(),
    previousAttributes?: JsonObject,
  ): FakeEvent | null {
    if (at < this.nowSec() - EVENT_RETENTION_SECONDS) return null;
    const event: FakeEvent = {
      id: this.ids.next('evt', 24),
      object: 'event',
      api_version: API_VERSION,
      created: at,
      data: previousAttributes ? { object, previous_attributes: previousAttributes } : { object },
      livemode: false,
      pending_webhooks: 0,
      request: { id: this.request?.id ?? null, idempotency_key: this.request?.idempotencyKey ?? null },
      type,
    };
    this.state.events.set(event.id, event);
    this.onEvent?.(event);
    return event;
  }

  /**
   * Runs `change` on a stored object and records `type` (an `*.updated` event) with the attributes that changed,
   * as Stripe's `previous_attributes`. Nothing is recorded when nothing changed.
   */
  update<T extends object>(type: string, object: T, change: (object: T) => void, at = this.nowSec()): T {
    const before = this.render(object);
    change(object);
    const after = this.render(object);
    const previous = previousAttributes(before, after);
    if (previous) this.emit(type, after, at, previous);
    return object;
  }
}

/** The values in `before` of the fields that differ in `after`, nested for plain objects (as Stripe does). */
export function previousAttributes(before: JsonObject, after: JsonObject): JsonObject | null {
  const out: JsonObject = {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const old = before[key];
    const now = after[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    if (isPlainObject(old) && isPlainObject(now) && old.object !== 'list') {
      const nested = previousAttributes(old, now);
      if (nested) out[key] = nested;
    } else {
      out[key] = old === undefined ? null : old;
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}
