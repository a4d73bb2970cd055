/** What Frontline needs to know about a Stripe customer to name it, pick it and weigh its problems. */
export type Segment = 'enterprise' | 'hybrid' | 'self_serve';

export interface CustomerSummary {
  id: string;
  name: string;
  email: string | undefined;
  /** When the customer was created in Stripe. */
  createdAt: Date;
  /** From the customer's `segment` metadata when it is one of ours. */
  segment: Segment | undefined;
}

const SEGMENTS: readonly Segment[] = ['enterprise', 'hybrid', 'self_serve'];

export function parseSegment(value: string | undefined): Segment | undefined {
  const normalised = value?.trim().toLowerCase().replaceAll('-', '_').replaceAll(' ', '_');
  return SEGMENTS.find((segment) => segment === normalised);
}

/** The label a person sees for a customer in pick lists: name, then email, then id. */
export function customerLabel(customer: CustomerSummary): string {
  const parts = [customer.name || customer.email || customer.id];
  if (customer.email && customer.name) parts.push(customer.email);
  return parts.join(' · ');
}

/**
 * Stripe's customer search matches part of a name or email only from three characters on; a shorter query is
 * refused by Stripe, so we refuse it first and tell the person what to type instead.
 */
export const MIN_SEARCH_CHARACTERS = 3;

/** How a person's search text is read: a customer id, an email address, (part of) a name, or too little to search. */
export type CustomerQuery =
  | { kind: 'id'; id: string }
  | { kind: 'email'; email: string }
  | { kind: 'name'; text: string }
  | { kind: 'too_short'; text: string };

export function readCustomerQuery(text: string): CustomerQuery | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (/^cus_[A-Za-z0-9]+$/.test(trimmed)) return { kind: 'id', id: trimmed };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return { kind: 'email', email: trimmed.toLowerCase() };
  // Counted in characters as a person sees them, not UTF-16 units: "Zoë" is three, an emoji is one.
  if ([...trimmed].length < MIN_SEARCH_CHARACTERS) return { kind: 'too_short', text: trimmed };
  return { kind: 'name', text: trimmed };
}

/**
 * The customer search would not run what was typed: too short to search (refused before Stripe is asked), or a query
 * Stripe itself rejected as invalid. Either way the person has to type something else; trying again will not help.
 */
export class CustomerSearchRefused extends Error {
  constructor(
    readonly reason: 'too_short' | 'rejected',
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'too_short'
        ? `a customer search needs at least ${MIN_SEARCH_CHARACTERS} characters`
        : 'the customer search was rejected',
      options,
    );
    this.name = 'CustomerSearchRefused';
  }
}
