import type Stripe from 'stripe';
import {
  CustomerSearchRefused,
  type CustomerSummary,
  parseSegment,
  readCustomerQuery,
} from '../../domain/customers.js';

/** Stripe's search query language wants quotes and backslashes escaped inside a quoted value. */
function quoted(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function toCustomerSummary(customer: Stripe.Customer): CustomerSummary {
  return {
    id: customer.id,
    name: customer.name ?? '',
    email: customer.email ?? undefined,
    createdAt: new Date(customer.created * 1000),
    segment: parseSegment(customer.metadata?.segment),
  };
}

/**
 * Finds customers by what a person typed: a `cus_…` id (retrieved directly), an email (exact), or part of a name
 * (Stripe search, substring). Deleted customers are left out. Throws `CustomerSearchRefused` for text that cannot be
 * searched (see `searchStripeCustomers`).
 */
export async function searchCustomers(stripe: Stripe, text: string, limit = 10): Promise<CustomerSummary[]> {
  const query = readCustomerQuery(text);
  if (!query) return [];
  if (query.kind === 'id') {
    try {
      const customer = await stripe.customers.retrieve(query.id);
      return customer.deleted ? [] : [toCustomerSummary(customer)];
    } catch (error) {
      if ((error as { code?: string }).code === 'resource_missing') return [];
      throw error;
    }
  }
  return (await searchStripeCustomers(stripe, text, limit)).map(toCustomerSummary);
}

/**
 * The same search by email or (part of a) name, answering Stripe's customers with `expand` applied. Text too short
 * for Stripe's substring search is refused without asking Stripe, and a query Stripe answers with a 400
 * `invalid_request_error` is refused too, both as `CustomerSearchRefused`: the person has to type something else.
 */
export async function searchStripeCustomers(
  stripe: Stripe,
  text: string,
  limit = 10,
  expand: string[] = [],
): Promise<Stripe.Customer[]> {
  const query = readCustomerQuery(text);
  if (!query || query.kind === 'id') return [];
  if (query.kind === 'too_short') throw new CustomerSearchRefused('too_short');
  const search =
    query.kind === 'email'
      ? `email:${quoted(query.email)}`
      : `name~${quoted(query.text)} OR email~${quoted(query.text)}`;
  try {
    const found = await stripe.customers.search({
      query: search,
      limit,
      ...(expand.length > 0 ? { expand } : {}),
    });
    return found.data;
  } catch (error) {
    const e = error as { type?: string; statusCode?: number };
    if (e.type === 'StripeInvalidRequestError' && e.statusCode === 400)
      throw new CustomerSearchRefused('rejected', { cause: error });
    throw error;
  }
}

export async function getCustomer(stripe: Stripe, id: string): Promise<CustomerSummary | undefined> {
  return (await searchCustomers(stripe, id, 1))[0];
}
