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

/** How a person's search text is read: a customer id, an email address, or (part of) a name. */
export type CustomerQuery =
  | { kind: 'id'; id: string }
  | { kind: 'email'; email: string }
  | { kind: 'name'; text: string };

export function readCustomerQuery(text: string): CustomerQuery | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (/^cus_[A-Za-z0-9]+$/.test(trimmed)) return { kind: 'id', id: trimmed };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) return { kind: 'email', email: trimmed.toLowerCase() };
  return { kind: 'name', text: trimmed };
}
