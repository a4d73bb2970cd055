/**
 * Which Stripe webhook events Frontline keeps, and the facts it reads from each. Payment failures and their
 * recoveries feed the monthly report; any billing event on a customer makes cached billing context stale.
 */
export const KEPT_STRIPE_EVENTS = [
  'invoice.payment_failed',
  'invoice.paid',
  'invoice.payment_action_required',
  'charge.refunded',
  'charge.dispute.created',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
] as const;
export type KeptStripeEvent = (typeof KEPT_STRIPE_EVENTS)[number];

export interface StripeEventFacts {
  customerId: string | null;
  objectId: string | null;
  amountMinor: number | null;
  currency: string | null;
  failureCode: string | null;
}

type Loose = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : null);
/** An amount in minor units; anything but a whole number Postgres's bigint and JavaScript both hold is unknown. */
const int = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) ? value : null);
const idOf = (value: unknown) => str(value) ?? str((value as Loose | null)?.id);

export function isKeptStripeEvent(type: string): type is KeptStripeEvent {
  return (KEPT_STRIPE_EVENTS as readonly string[]).includes(type);
}

/** The facts of one event's object (an invoice, a charge, a dispute or a subscription). */
export function stripeEventFacts(type: KeptStripeEvent, object: Loose): StripeEventFacts {
  const customerId = idOf(object.customer);
  const objectId = str(object.id);
  const currency = str(object.currency);
  if (type.startsWith('invoice.')) {
    const lastError = (object.last_finalization_error ?? null) as Loose | null;
    return {
      customerId,
      objectId,
      currency,
      amountMinor: type === 'invoice.paid' ? int(object.amount_paid) : int(object.amount_due),
      failureCode: str(lastError?.code) ?? null,
    };
  }
  if (type === 'charge.refunded') {
    return { customerId, objectId, currency, amountMinor: int(object.amount_refunded), failureCode: null };
  }
  if (type === 'charge.dispute.created') {
    // A dispute names its charge; the customer is known only when the charge came expanded.
    const charge = typeof object.charge === 'object' ? (object.charge as Loose | null) : null;
    return {
      customerId: idOf(charge?.customer),
      objectId: idOf(object.charge),
      currency,
      amountMinor: int(object.amount),
      failureCode: str(object.reason),
    };
  }
  return { customerId, objectId, currency: null, amountMinor: null, failureCode: null };
}
