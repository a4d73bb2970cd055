import type { ChargeFacts } from '../../src/domain/billing.js';

/** A succeeded, unrefunded $99.00 card charge with nothing else to say; a test names what it is about. */
export function chargeFacts(
  overrides: Partial<ChargeFacts> & Pick<ChargeFacts, 'id' | 'createdAt' | 'card'>,
): ChargeFacts {
  return {
    amountMinor: 9_900,
    refundedMinor: 0,
    currency: 'usd',
    status: 'succeeded',
    paymentIntentId: undefined,
    failureCode: undefined,
    declineCode: undefined,
    failureMessage: undefined,
    description: undefined,
    ...overrides,
  };
}
