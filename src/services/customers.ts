import { CustomerSearchRefused, MIN_SEARCH_CHARACTERS } from '../domain/customers.js';
import { FrontlineError, findFrontlineError, upstreamFailed } from '../errors.js';

const TOO_SHORT = `Type at least ${MIN_SEARCH_CHARACTERS} characters of the customer's name, or paste their full email address or Stripe customer id (cus_…).`;
const REJECTED =
  "Stripe couldn't search for that. Try the customer's full email address, their Stripe customer id (cus_…), or a longer part of their name.";

/**
 * Runs a customer search for what a person typed, with `search` (any of the Stripe customer searches, which refuse
 * text too short to search before Stripe is asked). A refused search is the person's to change (`invalid_input`);
 * any other failure means Stripe did not answer (`upstream_failed`).
 */
export async function findCustomers<T>(search: (text: string) => Promise<T[]>, text: string): Promise<T[]> {
  try {
    return await search(text.trim());
  } catch (error) {
    if (error instanceof CustomerSearchRefused)
      throw refusal(error.reason === 'too_short' ? TOO_SHORT : REJECTED, error);
    if (findFrontlineError(error)) throw error;
    throw upstreamFailed('Stripe did not answer the customer search; try again in a moment.', error);
  }
}

function refusal(message: string, cause?: unknown): FrontlineError {
  return new FrontlineError('invalid_input', message, undefined, cause ? { cause } : undefined);
}
